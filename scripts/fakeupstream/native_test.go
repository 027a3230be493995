package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServesAnthropicAndGemini: the process serves the Anthropic and Gemini fakes on the
// same server as the OpenAI one, told apart by the request path, with the same scripts.
func TestServesAnthropicAndGemini(t *testing.T) {
	r := start(t)
	for _, tt := range []struct {
		name, path, body, want string
		header                 []string
	}{
		{"anthropic", "/stream/2/0s/v1/messages",
			`{"model":"claude-x","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			"event: message_stop", []string{"x-api-key", "k", "anthropic-version", "2023-06-01"}},
		{"gemini", "/v1beta/models/gemini-x:streamGenerateContent?alt=sse",
			`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`,
			`"finishReason":"STOP"`, []string{"x-goog-api-key", "k"}},
		{"anthropic error", "/fail/529/v1/messages",
			`{"model":"claude-x","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`,
			"overloaded_error", []string{"x-api-key", "k", "anthropic-version", "2023-06-01"}},
	} {
		req, _ := http.NewRequest(http.MethodPost, r.base+tt.path, strings.NewReader(tt.body))
		for i := 0; i+1 < len(tt.header); i += 2 {
			req.Header.Set(tt.header[i], tt.header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: status %d body %s; want %q", tt.name, resp.StatusCode, b, tt.want)
		}
	}
}
