package bedrock

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sign authenticates a Bedrock request (§5.1): with a Bedrock API key
// (AWS_BEARER_TOKEN_BEDROCK) as a bearer token, else with SigV4 over the exact body using
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (temporary credentials)
// and AWS_REGION.
//
// SigV4 is written out here rather than taken from aws-sdk-go-v2: its signer pulled aws,
// smithy-go and their package inits into the Worker for a few HMACs (with the SDK's
// event-stream decoder, 79 KiB of the gzipped wasm, 0.32 MiB raw). The SDK is still the
// reference: sign_test.go signs a table of the requests this adapter builds with both and
// wants identical headers.
func sign(req *http.Request, body []byte, env func(string) string, now time.Time) error {
	if tok := env("AWS_BEARER_TOKEN_BEDROCK"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	c := credentials{
		id:     env("AWS_ACCESS_KEY_ID"),
		secret: env("AWS_SECRET_ACCESS_KEY"),
		token:  env("AWS_SESSION_TOKEN"),
		region: env("AWS_REGION"),
	}
	if c.id == "" || c.secret == "" || c.region == "" {
		return errors.New("bedrock: set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION (or AWS_BEARER_TOKEN_BEDROCK)")
	}
	sum := sha256.Sum256(body)
	signV4(req, c, "bedrock", hex.EncodeToString(sum[:]), now)
	return nil
}

type credentials struct{ id, secret, token, region string }

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDate      = "20060102T150405Z"
)

// signV4 does what the SDK's v4.Signer.SignHTTP does to a request, in the same order,
// because the service recomputes the signature from the request as sent: it sets
// X-Amz-Date (and X-Amz-Security-Token), drops a default port from Host, rewrites the
// query in canonical order, and sets Authorization. X-Amz-Content-Sha256 is not set: the
// SDK adds it only for S3.
func signV4(req *http.Request, c credentials, service, payloadHash string, now time.Time) {
	now = now.UTC()
	date := now.Format(amzDate)
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header["X-Amz-Date"] = []string{date}
	if c.token != "" {
		req.Header["X-Amz-Security-Token"] = []string{c.token}
	}
	dropDefaultPort(req)
	host := req.URL.Host
	if req.Host != "" {
		host = req.Host
	}
	scope := date[:8] + "/" + c.region + "/" + service + "/aws4_request"
	signed, canonHeaders := canonicalHeaders(host, req.Header, req.ContentLength)
	query := canonicalQuery(req.URL.Query())
	canonical := strings.Join([]string{
		req.Method, escapePath(uriPath(req.URL)), query, canonHeaders, signed, payloadHash,
	}, "\n")
	hash := sha256.Sum256([]byte(canonical))
	toSign := sigAlgorithm + "\n" + date + "\n" + scope + "\n" + hex.EncodeToString(hash[:])
	key := signingKey(c.secret, date[:8], c.region, service)
	req.Header["Authorization"] = []string{sigAlgorithm + " Credential=" + c.id + "/" + scope +
		", SignedHeaders=" + signed + ", Signature=" + hex.EncodeToString(hmacSHA256(key, toSign))}
	req.URL.RawQuery = query
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func signingKey(secret, day, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), day)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// unsignedHeaders are the SDK's IgnoredHeaders, matched as it does: by exact key. Proxies
// and the HTTP client may change these on the way, so signing them would break requests.
var unsignedHeaders = map[string]bool{
	"Authorization":     true,
	"User-Agent":        true,
	"X-Amzn-Trace-Id":   true,
	"Expect":            true,
	"Transfer-Encoding": true,
}

// canonicalHeaders signs host, content-length when the body is known and non-empty, and
// every other header but unsignedHeaders; a Host or Content-Length key in the map is
// ignored as the SDK ignores it (the URL's host and req.ContentLength are what is sent).
func canonicalHeaders(host string, h http.Header, length int64) (signed, canonical string) {
	values := map[string][]string{"host": {host}}
	if length > 0 {
		values["content-length"] = []string{strconv.FormatInt(length, 10)}
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys) // keys equal but for case join in a fixed order
	for _, k := range keys {
		lk := strings.ToLower(k)
		if unsignedHeaders[k] || lk == "content-length" {
			continue
		}
		values[lk] = append(values[lk], h[k]...)
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(':')
		if k == "host" {
			b.WriteString(stripExcessSpaces(host))
		} else {
			for i, v := range values[k] {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strings.TrimSpace(stripExcessSpaces(v)))
			}
		}
		b.WriteByte('\n')
	}
	return strings.Join(names, ";"), b.String()
}

// stripExcessSpaces trims spaces (only ' ') from both ends and collapses runs of them,
// SigV4's header value rule as the SDK applies it.
func stripExcessSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// canonicalQuery encodes each name and value (space as %20) and sorts after encoding, as
// SigV4 requires; the request is sent with this query so the two cannot disagree.
func canonicalQuery(q url.Values) string {
	type pair struct{ k, v string }
	var ps []pair
	for k, vs := range q {
		ek := queryEscape(k)
		for _, v := range vs {
			ps = append(ps, pair{ek, queryEscape(v)})
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].k != ps[j].k {
			return ps[i].k < ps[j].k
		}
		return ps[i].v < ps[j].v
	})
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// uriPath is the path as sent: from URL.Opaque ("//host/path") when set, else the
// escaped path, "/" when empty.
func uriPath(u *url.URL) string {
	p := u.EscapedPath()
	if u.Opaque != "" {
		p = ""
		o, _, _ := strings.Cut(u.Opaque, "?")
		o = strings.TrimPrefix(o, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			p = o[i:]
		}
	}
	if p == "" {
		return "/"
	}
	return p
}

// escapePath escapes the already-escaped path once more, every byte but RFC 3986's
// unreserved ones and '/': SigV4 canonicalizes the URI by encoding it again for every
// service but S3. A model id's ':' is sent as is and signed as %3A.
func escapePath(p string) string {
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(p)+16)
	for i := 0; i < len(p); i++ {
		c := p[i]
		if unreserved(c) || c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// dropDefaultPort sets req.Host without a port that is the scheme's default, as the SDK
// does before signing, so the Host sent is the host signed. It keeps the SDK's parsing
// (the first ':' splits, "[v6]" loses its brackets) to sign the same string.
func dropDefaultPort(req *http.Request) {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	port := ""
	if i := strings.Index(host, "]:"); i >= 0 {
		port = host[i+2:]
	} else if i := strings.IndexByte(host, ':'); i >= 0 && !strings.Contains(host, "]") {
		port = host[i+1:]
	}
	scheme := strings.ToLower(req.URL.Scheme)
	if !(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		return
	}
	if i := strings.IndexByte(host, ']'); i >= 0 {
		req.Host = strings.TrimPrefix(host[:i], "[")
	} else {
		req.Host = host[:strings.IndexByte(host, ':')]
	}
}
