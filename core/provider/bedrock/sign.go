package bedrock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sign authenticates a Bedrock request (§5.1): with a Bedrock API key
// (AWS_BEARER_TOKEN_BEDROCK) as a bearer token, else with SigV4 over the exact body using
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (temporary credentials)
// and AWS_REGION. The signing itself is aws-sdk-go-v2's signer: no hand-rolled crypto.
func sign(req *http.Request, body []byte, env func(string) string, now time.Time) error {
	if tok := env("AWS_BEARER_TOKEN_BEDROCK"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	creds := aws.Credentials{
		AccessKeyID:     env("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: env("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    env("AWS_SESSION_TOKEN"),
	}
	region := env("AWS_REGION")
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" || region == "" {
		return errors.New("bedrock: set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION (or AWS_BEARER_TOKEN_BEDROCK)")
	}
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "bedrock", region, now)
}
