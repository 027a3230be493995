package providertest_test

// Wire-level checks that an SDK would hide: exact SSE framing and chunk
// shapes (shared/spec/providers.md §1, §2.5), routes and error bodies (§2.7),
// and the control endpoints used out of process.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-router/switchyard/core/providertest"
)

const chatBody = `{"model":"m-1","messages":[{"role":"user","content":"hi"}]}`

func post(t *testing.T, url, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", url, err)
	}
	return resp, b
}

// sseEvents splits an SSE body into data payloads, failing on anything that
// is not a single "data: " line per event.
func sseEvents(t *testing.T, body []byte) []string {
	t.Helper()
	if !bytes.HasSuffix(body, []byte("\n\n")) {
		t.Fatalf("stream does not end with a blank line: %q", body)
	}
	var out []string
	for _, ev := range strings.Split(strings.TrimSuffix(string(body), "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(data, "\n") {
			t.Fatalf("malformed event %q", ev)
		}
		out = append(out, data)
	}
	return out
}

type wireChunk struct {
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	Created int64           `json:"created"`
	Model   string          `json:"model"`
	Choices []wireChoice    `json:"choices"`
	Usage   json.RawMessage `json:"usage"`
}

type wireChoice struct {
	Index int `json:"index"`
	Delta struct {
		Role    string  `json:"role"`
		Content *string `json:"content"`
	} `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

func TestStreamWireShape(t *testing.T) {
	s := newServer(t)
	body := `{"model":"m-1","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`
	resp, raw := post(t, s.BaseURL("/stream/2/0s")+"/chat/completions", body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, content-type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := sseEvents(t, raw)
	// role, 2 content, finish, usage, [DONE]
	if len(events) != 6 || events[5] != "[DONE]" {
		t.Fatalf("events = %q", events)
	}
	var chunks []wireChunk
	for _, e := range events[:5] {
		var c wireChunk
		if err := json.Unmarshal([]byte(e), &c); err != nil {
			t.Fatalf("chunk %s: %v", e, err)
		}
		if c.ID != "chatcmpl-1" || c.Object != "chat.completion.chunk" || c.Model != "m-1" || c.Created != 1760000000 {
			t.Errorf("chunk header %+v", c)
		}
		chunks = append(chunks, c)
	}
	if d := chunks[0].Choices[0].Delta; d.Role != "assistant" || d.Content == nil || *d.Content != "" {
		t.Errorf("first delta = %+v, want role assistant with content \"\"", d)
	}
	var text string
	for i, c := range chunks[:4] {
		if string(c.Usage) != "null" {
			t.Errorf("chunk %d usage = %s, want null", i, c.Usage)
		}
		if len(c.Choices) != 1 {
			t.Fatalf("chunk %d has %d choices", i, len(c.Choices))
		}
		if fr := c.Choices[0].FinishReason; (fr != nil) != (i == 3) {
			t.Errorf("chunk %d finish_reason = %v", i, fr)
		}
		if ct := c.Choices[0].Delta.Content; ct != nil {
			text += *ct
		}
	}
	if *chunks[3].Choices[0].FinishReason != "stop" || chunks[3].Choices[0].Delta.Content != nil {
		t.Errorf("finish chunk = %s", events[3])
	}
	if !strings.Contains(text, "héllo wörld ✓ 🚂") {
		t.Errorf("text = %q, want multi-byte UTF-8", text)
	}
	if len(chunks[4].Choices) != 0 || !bytes.Contains(chunks[4].Usage, []byte(`"completion_tokens":2`)) {
		t.Errorf("usage chunk = %s", events[4])
	}
}

func TestRoutesAndErrors(t *testing.T) {
	s := newServer(t)
	for _, tt := range []struct {
		method, path, body string
		status             int
		want               string // substring of the body
	}{
		{"GET", "/v1/chat/completions", "", 404, `"message":"Invalid URL (GET /v1/chat/completions)"`},
		{"POST", "/v1/completions", chatBody, 404, `"code":null`},
		{"POST", "/v1/chat/completions/", chatBody, 404, `Invalid URL`},
		{"POST", "/chat/completions", chatBody, 404, `unknown segment \"chat\"`},
		{"POST", "/bogus/v1/chat/completions", chatBody, 404, `"code":"bad_script"`},
		{"POST", "/v1/chat/completions", "not json", 400, `"type":"invalid_request_error"`},
		{"POST", "/v1/chat/completions", `[1]`, 400, `"type":"invalid_request_error"`},
		{"POST", "/v1/chat/completions", `{"messages":[{}]}`, 400, `"param":"model"`},
		{"POST", "/v1/chat/completions", `{"model":"m","messages":[]}`, 400, `"param":"messages"`},
		{"POST", "/v1/chat/completions", `{"model":"m","messages":"hi"}`, 400, `invalid_request_error`},
		{"POST", "/fail/400/v1/chat/completions", chatBody, 400, `"code":"fake_status_400"`},
		{"POST", "/fail/404/v1/chat/completions", chatBody, 404, `"code":"model_not_found"`},
		{"POST", "/fail/502/v1/chat/completions", chatBody, 502, `"type":"server_error"`},
		{"POST", "/error/0/v1/chat/completions", chatBody, 200, `{"error":{"message":`},
		{"GET", "/v1/models", "", 200, `{"object":"list","data":[{"id":"fake-model","object":"model"`},
		{"GET", "/slow/1ms/v1/models", "", 200, `"object":"list"`},
		{"GET", "/fail/503/v1/models", "", 503, `"code":"service_unavailable"`},
	} {
		req, err := http.NewRequest(tt.method, s.URL+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s %s: %d %s; want %d with %s", tt.method, tt.path, resp.StatusCode, b, tt.status, tt.want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: content-type %q", tt.method, tt.path, ct)
		}
		if tt.status != 200 {
			var e struct {
				Error map[string]any `json:"error"`
			}
			if err := json.Unmarshal(b, &e); err != nil || len(e.Error) != 4 {
				t.Errorf("%s %s: error body %s is not the §2.7 shape", tt.method, tt.path, b)
			}
		}
	}
}

func TestControlEndpoints(t *testing.T) {
	s := newServer(t)
	post(t, s.BaseURL("/fail/503")+"/chat/completions", chatBody)
	post(t, s.BaseURL("")+"/chat/completions", "not json")

	resp, err := http.Get(s.URL + "/_requests")
	if err != nil {
		t.Fatal(err)
	}
	var dump struct{ Requests []providertest.Request }
	err = json.NewDecoder(resp.Body).Decode(&dump)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(dump.Requests) != 2 {
		t.Fatalf("dumped %d requests", len(dump.Requests))
	}
	r0, r1 := dump.Requests[0], dump.Requests[1]
	if r0.Path != "/fail/503/v1/chat/completions" || r0.Method != "POST" || string(r0.Body) != chatBody ||
		r0.Header.Get("Content-Type") != "application/json" {
		t.Errorf("first request = %+v body %s", r0, r0.Body)
	}
	if string(r1.Body) != "not json" {
		t.Errorf("non-JSON body round-tripped as %q", r1.Body)
	}

	resp, _ = post(t, s.URL+"/_reset", "")
	if resp.StatusCode != http.StatusNoContent || len(s.Requests()) != 0 {
		t.Errorf("reset: %d, %d requests left", resp.StatusCode, len(s.Requests()))
	}
	if _, b := get(t, s.URL+"/_requests"); string(b) != `{"requests":[]}` {
		t.Errorf("after reset: %s", b)
	}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestScriptOverrideAndClock(t *testing.T) {
	calls := 0
	s := newServer(t, providertest.Options{
		Now: func() time.Time { return time.Unix(1234, 0) },
		Script: func(r *http.Request, body []byte) providertest.Behavior {
			calls++ // requests are sequential in this test
			if calls == 1 {
				return providertest.Behavior{Status: 503}
			}
			return providertest.Behavior{Text: "second"}
		},
	})
	url := s.BaseURL("/fail/429") + "/chat/completions" // the override wins
	if resp, _ := post(t, url, chatBody); resp.StatusCode != 503 {
		t.Errorf("first call: %d, want 503", resp.StatusCode)
	}
	resp, b := post(t, url, chatBody)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"content":"second"`)) || !bytes.Contains(b, []byte(`"created":1234,`)) {
		t.Errorf("second call: %d %s", resp.StatusCode, b)
	}
	s.SetScript(nil)
	if resp, _ := post(t, url, chatBody); resp.StatusCode != 429 {
		t.Errorf("after SetScript(nil): %d, want the path's 429", resp.StatusCode)
	}
}

func TestBaseURL(t *testing.T) {
	s := newServer(t)
	for script, want := range map[string]string{
		"":          s.URL + "/v1",
		"/ok":       s.URL + "/ok/v1",
		"fail/503":  s.URL + "/fail/503/v1",
		"/fail/503": s.URL + "/fail/503/v1",
		"/hang/":    s.URL + "/hang/v1",
	} {
		if got := s.BaseURL(script); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", script, got, want)
		}
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") && !strings.HasPrefix(s.URL, "http://[::1]:") {
		t.Errorf("server is not on loopback: %s", s.URL)
	}
}

// TestRecordBound needs no network: it drives the Handler directly.
func TestRecordBound(t *testing.T) {
	h := providertest.NewHandler(providertest.Options{})
	const n = providertest.MaxRecorded + 5
	for i := range n {
		req := httptest.NewRequest("POST", "/text/"+strconv.Itoa(i)+"/v1/chat/completions", strings.NewReader(chatBody))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	reqs := h.Requests()
	if len(reqs) != providertest.MaxRecorded {
		t.Fatalf("kept %d requests, want %d", len(reqs), providertest.MaxRecorded)
	}
	if reqs[0].Path != "/text/5/v1/chat/completions" || reqs[len(reqs)-1].Path != "/text/"+strconv.Itoa(n-1)+"/v1/chat/completions" {
		t.Errorf("kept %s .. %s", reqs[0].Path, reqs[len(reqs)-1].Path)
	}
	// Requests returns copies.
	reqs[0].Header.Set("X-Mutated", "1")
	if h.Requests()[0].Header.Get("X-Mutated") != "" {
		t.Error("Requests shares headers with the recorder")
	}
}
