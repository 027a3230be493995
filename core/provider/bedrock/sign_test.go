package bedrock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/switchyard-router/switchyard/core/provider"
)

// The SDK's signer is the oracle here, and only here: the Worker must not link it.

type signCase struct {
	name    string
	base    string // the provider's base URL
	model   string // "" for a hand-written path
	path    string // used when model is ""
	stream  bool
	query   string
	empty   bool // no body
	headers http.Header
	region  string
	now     time.Time
	signed  string // the SignedHeaders we expect, without the token
}

var (
	t0       = time.Date(2025, 10, 9, 12, 0, 0, 0, time.UTC)
	tMidnite = time.Date(2025, 12, 31, 23, 59, 59, 999, time.FixedZone("PST", -8*3600)) // 2026-01-01 UTC
)

var signCases = []signCase{
	{name: "converse", base: "https://bedrock-runtime.us-east-1.amazonaws.com", model: "anthropic.claude-3-5-sonnet-20240620-v1:0",
		region: "us-east-1", now: t0, signed: "content-length;content-type;host;x-amz-date"},
	{name: "converse-stream", base: "https://bedrock-runtime.eu-west-3.amazonaws.com", model: "eu.anthropic.claude-sonnet-4-20250514-v1:0", stream: true,
		region: "eu-west-3", now: t0, signed: "content-length;content-type;host;x-amz-date"},
	{name: "date rolls over in UTC", base: "https://bedrock-runtime.ap-northeast-1.amazonaws.com", model: "meta.llama3-1-405b-instruct-v1:0", stream: true,
		region: "ap-northeast-1", now: tMidnite, signed: "content-length;content-type;host;x-amz-date"},
	{name: "fips, model without version", base: "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com", model: "amazon.nova-pro-v1",
		region: "us-gov-west-1", now: t0, signed: "content-length;content-type;host;x-amz-date"},
	{name: "escaped inference-profile ARN", base: "https://bedrock-runtime.us-east-1.amazonaws.com",
		model:  url.PathEscape("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"),
		region: "us-east-1", now: t0, signed: "content-length;content-type;host;x-amz-date"},
	{name: "odd bytes in the model id", base: "https://bedrock-runtime.us-east-1.amazonaws.com", model: "a b~c_d.e-f+g$h@i=j;k,l!m*n(o)p'q",
		region: "us-east-1", now: t0, signed: "content-length;content-type;host;x-amz-date"},
	{name: "empty body", base: "https://bedrock-runtime.us-west-2.amazonaws.com", model: "anthropic.claude-x", empty: true,
		region: "us-west-2", now: t0, signed: "content-type;host;x-amz-date"},
	{name: "default port dropped", base: "https://bedrock-runtime.us-east-1.amazonaws.com:443", model: "anthropic.claude-x",
		region: "us-east-1", now: t0, signed: "content-length;content-type;host;x-amz-date"},
	{name: "proxy port kept", base: "http://localhost:8080/bedrock", model: "anthropic.claude-x", stream: true,
		region: "us-east-1", now: t0, signed: "content-length;content-type;host;x-amz-date"},
	{name: "ipv6 default port", base: "http://[::1]:80", model: "anthropic.claude-x",
		region: "us-east-1", now: t0, signed: "content-length;content-type;host;x-amz-date"},
	{name: "query canonicalized", base: "https://bedrock-runtime.us-east-1.amazonaws.com", path: "/model/m/converse",
		query: "b=2&a=1&a=0&sp=x+y&sl=a/b&t=a-b&e=&u=%C3%A9&tilde=~", region: "us-east-1", now: t0,
		signed: "content-length;content-type;host;x-amz-date"},
	{name: "root path", base: "https://bedrock-runtime.us-east-1.amazonaws.com", path: "", region: "us-east-1", now: t0, empty: true,
		signed: "content-type;host;x-amz-date"},
	{name: "header rules", base: "https://bedrock-runtime.us-east-1.amazonaws.com", model: "anthropic.claude-x", region: "us-east-1", now: t0,
		headers: http.Header{
			"Accept":          {"application/vnd.amazon.eventstream"},
			"User-Agent":      {"switchyard"},
			"X-Amzn-Trace-Id": {"Root=1-abc"},
			"Expect":          {"100-continue"},
			"X-Custom":        {"  a   b  ", "\tc d "},
			"Content-Length":  {"999"},
			"Host":            {"elsewhere"},
			"authorization":   {"lower-case keys are signed, as in the SDK"},
		},
		signed: "accept;authorization;content-length;content-type;host;x-amz-date;x-custom"},
}

// newSignRequest builds the request the way core's attempt does: the adapter's path below
// the base URL, the body as a bytes.Reader, Content-Type set before signing.
func newSignRequest(t *testing.T, c signCase) (*http.Request, []byte) {
	t.Helper()
	path, body := c.path, []byte(`{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`)
	if c.model != "" {
		up, err := provider.Build(&Spec, &provider.Request{Body: []byte(`{"model":"x","messages":[{"role":"user","content":"hi"}]}`), Stream: c.stream, Model: c.model})
		if err != nil {
			t.Fatal(err)
		}
		path, body = up.Path, up.Body
	}
	if c.empty {
		body = nil
	}
	u := c.base + path
	if c.query != "" {
		u += "?" + c.query
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = http.Header{"Content-Type": {"application/json"}}
	for k, v := range c.headers {
		req.Header[k] = append([]string(nil), v...)
	}
	return req, body
}

func sdkSign(req *http.Request, body []byte, env map[string]string, now time.Time) error {
	creds := aws.Credentials{AccessKeyID: env["AWS_ACCESS_KEY_ID"], SecretAccessKey: env["AWS_SECRET_ACCESS_KEY"], SessionToken: env["AWS_SESSION_TOKEN"]}
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "bedrock", env["AWS_REGION"], now)
}

func TestSignMatchesSDK(t *testing.T) {
	for _, c := range signCases {
		for _, token := range []string{"", "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+session/token="} {
			name := c.name
			if token != "" {
				name += " with session token"
			}
			t.Run(name, func(t *testing.T) {
				env := map[string]string{
					"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
					"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					"AWS_SESSION_TOKEN":     token,
					"AWS_REGION":            c.region,
				}
				ours, body := newSignRequest(t, c)
				theirs, _ := newSignRequest(t, c)
				if err := sign(ours, body, func(k string) string { return env[k] }, c.now); err != nil {
					t.Fatal(err)
				}
				if err := sdkSign(theirs, body, env, c.now); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(ours.Header, theirs.Header) {
					t.Errorf("headers differ\n ours %q\nthe SDK's %q", ours.Header, theirs.Header)
				}
				if ours.Host != theirs.Host || ours.URL.String() != theirs.URL.String() {
					t.Errorf("request differs: ours %s %s, the SDK's %s %s", ours.Host, ours.URL, theirs.Host, theirs.URL)
				}
				signed := c.signed
				if token != "" {
					signed = strings.Replace(signed, "x-amz-date", "x-amz-date;x-amz-security-token", 1)
				}
				auth := ours.Header.Get("Authorization")
				if !strings.Contains(auth, "SignedHeaders="+signed+", ") {
					t.Errorf("Authorization %q, want SignedHeaders=%s", auth, signed)
				}
				if got, want := ours.Header.Get("X-Amz-Security-Token"), token; got != want {
					t.Errorf("X-Amz-Security-Token %q, want %q", got, want)
				}
				if ours.Header.Get("X-Amz-Content-Sha256") != "" {
					t.Error("X-Amz-Content-Sha256 set; the SDK sets it only for S3")
				}
			})
		}
	}
}

// TestSignVanilla is AWS's own SigV4 test vector (get-vanilla), so the signer does not
// only agree with the SDK but with the published answer.
func TestSignVanilla(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://example.amazonaws.com/", nil)
	c := credentials{id: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1"}
	signV4(req, c, "service", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC))
	const want = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization\n got %s\nwant %s", got, want)
	}
}

// TestCanonicalURI pins what the SDK comparison found: the path is escaped once more, so
// a model id's ':' is sent raw and signed as %3A, and an escaped ARN's %2F as %252F.
func TestCanonicalURI(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"https://h/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse", "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"},
		{"https://h/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x-v1%3A0/converse-stream",
			"/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A1%253Ainference-profile%252Fus.x-v1%253A0/converse-stream"},
		{"https://h", "/"},
		{"https://h/a b", "/a%2520b"},
	} {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := escapePath(uriPath(u)); got != c.want {
			t.Errorf("%s: canonical URI %s, want %s", c.url, got, c.want)
		}
	}
}

func TestSignDoesNotSignTwice(t *testing.T) {
	// A retry signs a fresh request, but a re-signed one must not sign its old Authorization.
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1"}
	c := signCases[0]
	once, body := newSignRequest(t, c)
	twice, _ := newSignRequest(t, c)
	get := func(k string) string { return env[k] }
	sign(once, body, get, c.now)
	sign(twice, body, get, c.now.Add(-time.Hour))
	sign(twice, body, get, c.now)
	if !reflect.DeepEqual(once.Header, twice.Header) {
		t.Errorf("re-signing changed the headers:\n%q\n%q", once.Header, twice.Header)
	}
}
