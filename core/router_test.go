package core_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-router/switchyard/core"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/providertest"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
	"github.com/tidwall/gjson"
)

const testKey = "sk-sy-v1-test"

// testCatalog: test/llama is served by p1 < p2 < p3 in price; test/small by p2 only.
var testCatalog = catalog.New(
	[]catalog.Model{
		{ID: "test/llama", Endpoints: []catalog.Endpoint{
			{Provider: "p3", Upstream: "llama-p3", Pricing: catalog.Pricing{Prompt: 300, Completion: 300}},
			{Provider: "p1", Upstream: "llama-p1", Pricing: catalog.Pricing{Prompt: 100, Completion: 100}},
			{Provider: "p2", Upstream: "llama-p2", Pricing: catalog.Pricing{Prompt: 200, Completion: 200}},
		}},
		{ID: "test/small", Endpoints: []catalog.Endpoint{{Provider: "p2", Upstream: "small-p2"}}},
		{ID: "test/claude", Endpoints: []catalog.Endpoint{{Provider: "anthropic", Upstream: "claude"}}},
		{ID: "test/nokey", Endpoints: []catalog.Endpoint{{Provider: "nokey", Upstream: "x"}}},
		{ID: "test/exotic", Endpoints: []catalog.Endpoint{{Provider: "exotic", Upstream: "x"}}},
	},
	[]catalog.Provider{
		{Slug: "p1", Name: "Provider One"}, {Slug: "p2", Name: "Provider Two"}, {Slug: "p3", Name: "Provider Three"},
		{Slug: "anthropic", Name: "Anthropic", Protocol: catalog.Anthropic},
		{Slug: "nokey", Name: "No Key"},
		// A protocol no build has an adapter for.
		{Slug: "exotic", Name: "Exotic", Protocol: catalog.Protocol(200)},
	},
)

type rig struct {
	t      *testing.T
	up     *providertest.Server
	router *httptest.Server
	env    map[string]string
}

// newRig starts the fake upstream and the router. scripts maps provider slug → path script;
// a provider not listed has no key.
func newRig(t *testing.T, scripts map[string]string, extra ...string) *rig {
	t.Helper()
	return newRigOn(t, http.DefaultTransport, scripts, extra...)
}

// wholeTransport answers like the Worker's fetch: a body that is not an event stream comes
// read in full, as a body core can take whole (upstream.go, wholeBody).
type wholeTransport struct{}

type wholeBody struct {
	*bytes.Reader
	b []byte
}

func (w wholeBody) Whole() []byte { return w.b }
func (wholeBody) Close() error    { return nil }

func (wholeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return resp, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = wholeBody{bytes.NewReader(b), b}
	return resp, nil
}

// transports are the two ways a body reaches core: read through (servers, Lambda) and
// whole (the Worker).
var transports = []struct {
	name string
	rt   http.RoundTripper
}{{"read", http.DefaultTransport}, {"whole", wholeTransport{}}}

func newRigOn(t *testing.T, rt http.RoundTripper, scripts map[string]string, extra ...string) *rig {
	t.Helper()
	up := providertest.NewServer()
	t.Cleanup(up.Close)
	env := map[string]string{
		"SWITCHYARD_ADMIN_KEY":             "admin-secret",
		"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS": "2000",
		"SWITCHYARD_KEEPALIVE_MS":          "60000",
	}
	for slug, script := range scripts {
		stem := catalog.EnvName(slug)
		env[stem+"_API_KEY"] = "upstream-key-" + slug
		env[stem+"_BASE_URL"] = up.BaseURL(script)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	stores := memstore.New()
	if err := stores.Keys.Create(context.Background(), store.Key{Hash: core.HashKey(testKey), Name: "test"}); err != nil {
		t.Fatal(err)
	}
	h := core.New(core.Config{
		Transport: rt,
		Stores:    stores,
		Env:       func(k string) string { return env[k] },
		Now:       func() time.Time { return time.Unix(1760000000, 0) },
		Rand:      rand.NewPCG(1, 2),
		Catalog:   testCatalog,
		Logf:      t.Logf,
	})
	r := &rig{t: t, up: up, router: httptest.NewServer(h), env: env}
	t.Cleanup(r.router.Close)
	return r
}

func (r *rig) post(path, key, body string) *http.Response {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.router.URL+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (r *rig) chat(body string) (*http.Response, []byte) {
	r.t.Helper()
	resp := r.post("/api/v1/chat/completions", testKey, body)
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp, b
}

// calls lists the providers called, in order: each test upstream model id ends in
// "-<provider slug>".
func (r *rig) calls() []string {
	var out []string
	for _, req := range r.up.Requests() {
		m := gjson.GetBytes(req.Body, "model").Str
		out = append(out, m[strings.LastIndexByte(m, '-')+1:])
	}
	return out
}

func wantStatus(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, body)
	}
}

// hello asks for cheapest-first routing, so tests know which provider is tried first; the
// default load balancing is random (route's TestLottery).
const hello = `{"model":"test/llama","provider":{"sort":"price"},"messages":[{"role":"user","content":"hi"}]`

func TestNonStreaming(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { testNonStreaming(t, tr.rt) })
	}
}

func testNonStreaming(t *testing.T, rt http.RoundTripper) {
	r := newRigOn(t, rt, map[string]string{"p1": "/text/hello%20%C3%A9%E2%9C%93", "p2": "/ok"})
	body := `{"temperature":0.25,  "model":"test/llama","provider":{"sort":"price"},"models":["test/small"],"transforms":[],"messages":[{"role":"user","content":"hi \u00e9"}],"user":"u-1"}`
	resp, b := r.chat(body)
	wantStatus(t, resp, b, 200)
	got := gjson.ParseBytes(b)
	if id := got.Get("id").Str; !strings.HasPrefix(id, "gen-1760000000-") || resp.Header.Get("X-Generation-Id") != id {
		t.Errorf("id %q, X-Generation-Id %q", id, resp.Header.Get("X-Generation-Id"))
	}
	for path, want := range map[string]string{
		"model":                     "test/llama",
		"provider":                  "Provider One",
		"object":                    "chat.completion",
		"choices.0.message.content": "hello é✓",
		"choices.0.finish_reason":   "stop",
	} {
		if v := got.Get(path).String(); v != want {
			t.Errorf("%s = %q, want %q", path, v, want)
		}
	}
	reqs := r.up.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d upstream calls, want 1", len(reqs))
	}
	up := reqs[0]
	if a := up.Header.Get("Authorization"); a != "Bearer upstream-key-p1" {
		t.Errorf("upstream Authorization %q", a)
	}
	want := `{"model":"llama-p1","temperature":0.25,"messages":[{"role":"user","content":"hi \u00e9"}],"user":"u-1"}`
	if string(up.Body) != want {
		t.Errorf("upstream body\n got %s\nwant %s", up.Body, want)
	}
}

// readSSE returns the data payloads of a stream, with the time each arrived.
func readSSE(t *testing.T, body io.Reader) (data []string, at []time.Time, comments int) {
	t.Helper()
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ":"):
			comments++
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
			at = append(at, time.Now())
		}
	}
	return data, at, comments
}

func TestStreaming(t *testing.T) {
	for _, tt := range []struct{ name, script string }{
		{"usage chunk from upstream", "/stream/4/60ms"},
		{"usage on a content chunk", "/stream/4/60ms/usage-inline"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, map[string]string{"p1": tt.script})
			resp := r.post("/api/v1/chat/completions", testKey, hello+`,"stream":true,"stream_options":{"include_usage":false}}`)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			data, at, _ := readSSE(t, resp.Body)
			if n := len(data); n < 4 || data[n-1] != "[DONE]" {
				t.Fatalf("stream does not end with [DONE]: %q", data)
			}
			usage := gjson.Parse(data[len(data)-2])
			if !usage.Get("choices").IsArray() || len(usage.Get("choices").Array()) != 0 || usage.Get("usage.total_tokens").Int() == 0 {
				t.Fatalf("last chunk before [DONE] is not a usage chunk: %s", data[len(data)-2])
			}
			var content strings.Builder
			usageChunks := 0
			for _, d := range data[:len(data)-1] {
				c := gjson.Parse(d)
				if c.Get("id").Str != resp.Header.Get("X-Generation-Id") || c.Get("provider").Str != "Provider One" || c.Get("model").Str != "test/llama" {
					t.Fatalf("chunk not stamped: %s", d)
				}
				content.WriteString(c.Get("choices.0.delta.content").Str)
				if c.Get("choices").IsArray() && len(c.Get("choices").Array()) == 0 {
					usageChunks++
				}
			}
			if usageChunks != 1 {
				t.Errorf("%d usage chunks, want exactly 1", usageChunks)
			}
			if !strings.Contains(content.String(), "héllo wörld ✓ 🚂") {
				t.Errorf("content %q lost its unicode", content.String())
			}
			if spread := at[len(at)-1].Sub(at[0]); spread < 150*time.Millisecond {
				t.Errorf("chunks arrived within %v: the relay buffered the stream", spread)
			}
			if inc := gjson.GetBytes(r.up.Requests()[0].Body, "stream_options.include_usage"); inc.Type != gjson.True {
				t.Errorf("upstream was not asked for usage: %s", r.up.Requests()[0].Body)
			}
		})
	}
}

func TestFallback(t *testing.T) {
	tests := []struct {
		name      string
		scripts   map[string]string
		body      string
		status    int
		provider  string
		model     string
		calls     []string
		errSubstr string
	}{
		{"5xx moves to the next endpoint", map[string]string{"p1": "/fail/503", "p2": "/ok", "p3": "/ok"}, hello + "}",
			200, "Provider Two", "test/llama", []string{"p1", "p2"}, ""},
		{"429 and connection-level cut move on", map[string]string{"p1": "/fail/429", "p2": "/cut/0", "p3": "/ok"}, hello + "}",
			200, "Provider Three", "test/llama", []string{"p1", "p2", "p3"}, ""},
		{"a hang times out and moves on", map[string]string{"p1": "/hang", "p2": "/ok"}, hello + "}",
			200, "Provider Two", "test/llama", []string{"p1", "p2"}, ""},
		{"401 from upstream is our credentials: move on", map[string]string{"p1": "/fail/401", "p2": "/ok"}, hello + "}",
			200, "Provider Two", "test/llama", []string{"p1", "p2"}, ""},
		{"400 is the client's: stop", map[string]string{"p1": "/fail/400", "p2": "/ok"}, hello + "}",
			400, "", "", []string{"p1"}, ""},
		{"in-band error before output moves on", map[string]string{"p1": "/error/0", "p2": "/ok"}, hello + `,"stream":true}`,
			200, "Provider Two", "test/llama", []string{"p1", "p2"}, ""},
		{"models[] after the first model is exhausted", map[string]string{"p1": "/fail/500", "p2": "/fail/502", "p3": "/fail/503"},
			`{"model":"test/llama","models":["test/small"],"provider":{"sort":"price"},"messages":[{"role":"user","content":"hi"}]}`,
			503, "", "", []string{"p1", "p2", "p3", "p2"}, "failed or timed out"},
		{"every provider rate limited is a 429", map[string]string{"p1": "/fail/429", "p2": "/fail/429", "p3": "/fail/429"}, hello + "}",
			429, "", "", []string{"p1", "p2", "p3"}, "Rate limited"},
		{"unroutable model skipped for models[]", map[string]string{"p2": "/ok"},
			`{"model":"test/claude","models":["test/small"],"messages":[{"role":"user","content":"hi"}]}`,
			200, "Provider Two", "test/small", []string{"p2"}, ""},
	}
	for _, tt := range tests {
		for _, tr := range transports {
			t.Run(tt.name+"/"+tr.name, func(t *testing.T) {
				r := newRigOn(t, tr.rt, tt.scripts, "SWITCHYARD_FIRST_BYTE_TIMEOUT_MS", "300")
				resp, b := r.chat(tt.body)
				wantStatus(t, resp, b, tt.status)
				if got := strings.Join(r.calls(), ","); got != strings.Join(tt.calls, ",") {
					t.Errorf("upstream calls %s, want %s", got, strings.Join(tt.calls, ","))
				}
				if strings.Contains(tt.body, `"stream":true`) {
					data, _, _ := readSSE(t, strings.NewReader(string(b)))
					b = []byte(data[0])
				}
				res := gjson.ParseBytes(b)
				if tt.status == 200 {
					if res.Get("provider").Str != tt.provider || res.Get("model").Str != tt.model {
						t.Errorf("served by %q/%q, want %q/%q", res.Get("provider").Str, res.Get("model").Str, tt.provider, tt.model)
					}
					return
				}
				if res.Get("error.code").Int() != int64(tt.status) || !strings.Contains(res.Get("error.message").Str, tt.errSubstr) {
					t.Errorf("error body %s", b)
				}
			})
		}
	}
}

func TestMidStreamFailure(t *testing.T) {
	for _, script := range []string{"/stream/4/10ms/cut/2", "/stream/4/10ms/error/2"} {
		t.Run(script, func(t *testing.T) {
			r := newRig(t, map[string]string{"p1": script, "p2": "/ok"})
			resp := r.post("/api/v1/chat/completions", testKey, hello+`,"stream":true}`)
			data, _, _ := readSSE(t, resp.Body)
			if resp.StatusCode != 200 || len(data) < 4 {
				t.Fatalf("status %d, events %q", resp.StatusCode, data)
			}
			if data[len(data)-1] != "[DONE]" {
				t.Fatalf("no [DONE]: %q", data)
			}
			var errChunk gjson.Result
			for _, d := range data {
				if c := gjson.Parse(d); c.Get("error").Exists() {
					errChunk = c
				}
			}
			if errChunk.Get("choices.0.finish_reason").Str != "error" || errChunk.Get("error.code").Int() != 502 {
				t.Fatalf("no OpenRouter error chunk in %q", data)
			}
			if n := len(r.up.Requests()); n != 1 {
				t.Errorf("%d upstream calls: fell back after output reached the client", n)
			}
			if u := gjson.Parse(data[len(data)-2]); !u.Get("usage").Exists() {
				t.Errorf("no usage chunk after the error: %s", data[len(data)-2])
			}
		})
	}
}

// TestStreamStall checks that the idle deadline reaches a stream body's reads: silence
// after output has begun ends the stream with an error chunk, without a second call.
func TestStreamStall(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			r := newRigOn(t, tr.rt, map[string]string{"p1": "/stream/3/300ms", "p2": "/ok"},
				"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS", "1000", "SWITCHYARD_STREAM_IDLE_TIMEOUT_MS", "100")
			resp := r.post("/api/v1/chat/completions", testKey, hello+`,"stream":true}`)
			data, _, _ := readSSE(t, resp.Body)
			if resp.StatusCode != 200 || len(data) < 3 || data[len(data)-1] != "[DONE]" {
				t.Fatalf("status %d, events %q", resp.StatusCode, data)
			}
			if e := gjson.Parse(data[len(data)-3]); e.Get("error.message").Str != "Provider stopped sending output" {
				t.Errorf("no idle-timeout error chunk before the usage chunk: %q", data)
			}
			if n := len(r.up.Requests()); n != 1 {
				t.Errorf("%d upstream calls: fell back after output reached the client", n)
			}
		})
	}
}

func TestKeepAlive(t *testing.T) {
	r := newRig(t, map[string]string{"p1": "/slow/400ms/fail/503", "p2": "/ok"}, "SWITCHYARD_KEEPALIVE_MS", "100")
	resp := r.post("/api/v1/chat/completions", testKey, hello+`,"stream":true}`)
	data, _, comments := readSSE(t, resp.Body)
	if comments < 2 {
		t.Errorf("%d keep-alive comments while waiting 400ms at a 100ms interval", comments)
	}
	// The keep-alives committed a 200, but the first endpoint still failed over.
	if resp.StatusCode != 200 || gjson.Parse(data[0]).Get("provider").Str != "Provider Two" || data[len(data)-1] != "[DONE]" {
		t.Fatalf("status %d events %q", resp.StatusCode, data)
	}
}

func TestRequestErrors(t *testing.T) {
	tests := []struct {
		name, key, body string
		status          int
		substr          string
	}{
		{"no key", "", hello + "}", 401, "No auth credentials"},
		{"unknown key", "sk-sy-v1-wrong", hello + "}", 401, "User not found"},
		{"malformed JSON", testKey, `{"model":`, 400, "Invalid JSON"},
		{"not an object", testKey, `[1]`, 400, "JSON object"},
		{"no messages", testKey, `{"model":"test/llama"}`, 400, "messages"},
		{"empty messages", testKey, `{"model":"test/llama","messages":[ ]}`, 400, "messages"},
		{"model not a string", testKey, `{"model":5,"messages":[{}]}`, 400, "model must be a string"},
		{"no model", testKey, `{"messages":[{}]}`, 400, "model is required"},
		{"unknown model", testKey, `{"model":"nope/nope","messages":[{}]}`, 400, "nope/nope is not a valid model ID"},
		{"unknown model in models[]", testKey, `{"model":"test/llama","models":["nope/x"],"messages":[{}]}`, 400, "nope/x"},
		{"no configured provider names the variable", testKey, `{"model":"test/nokey","messages":[{}]}`, 404, "NOKEY_API_KEY"},
		{"protocol without adapter", testKey, `{"model":"test/exotic","messages":[{}]}`, 404, "adapter is not available"},
	}
	r := newRig(t, map[string]string{"p1": "/ok"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := r.post("/api/v1/chat/completions", tt.key, tt.body)
			b, _ := io.ReadAll(resp.Body)
			wantStatus(t, resp, b, tt.status)
			e := gjson.GetBytes(b, "error")
			if e.Get("code").Int() != int64(tt.status) || !strings.Contains(e.Get("message").Str, tt.substr) {
				t.Fatalf("error body %s, want code %d and %q", b, tt.status, tt.substr)
			}
		})
	}
	if n := len(r.up.Requests()); n != 0 {
		t.Errorf("%d upstream calls for requests that should never leave the router", n)
	}
}

func TestKeys(t *testing.T) {
	r := newRig(t, map[string]string{"p1": "/ok"})
	for _, tt := range []struct {
		key    string
		body   string
		status int
	}{
		{"", `{"name":"x"}`, 401},
		{"wrong", `{"name":"x"}`, 403},
		{testKey, `{"name":"x"}`, 403}, // an inference key is not a management key
		{"admin-secret", `{"name":`, 400},
		{"admin-secret", `{}`, 400},
	} {
		resp := r.post("/api/v1/keys", tt.key, tt.body)
		if b, _ := io.ReadAll(resp.Body); resp.StatusCode != tt.status {
			t.Errorf("POST /keys with %q %s: status %d, want %d (%s)", tt.key, tt.body, resp.StatusCode, tt.status, b)
		}
	}
	resp := r.post("/api/v1/keys", "admin-secret", `{"name":"ci ✓"}`)
	b, _ := io.ReadAll(resp.Body)
	wantStatus(t, resp, b, 201)
	var created struct {
		Key  string `json:"key"`
		Data struct{ Hash, Name, Label string }
	}
	if err := json.Unmarshal(b, &created); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Key, "sk-sy-v1-") || created.Data.Hash != core.HashKey(created.Key) || created.Data.Name != "ci ✓" {
		t.Fatalf("created %+v", created)
	}
	if strings.Contains(created.Data.Label, created.Key[12:]) {
		t.Fatalf("label %q reveals the key", created.Data.Label)
	}
	resp = r.post("/api/v1/chat/completions", created.Key, hello+"}")
	if resp.StatusCode != 200 {
		t.Fatalf("new key rejected: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, r.router.URL+"/api/v1/key", nil)
	req.Header.Set("Authorization", "Bearer "+created.Key)
	kr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer kr.Body.Close()
	kb, _ := io.ReadAll(kr.Body)
	if kr.StatusCode != 200 || gjson.GetBytes(kb, "data.hash").Str != created.Data.Hash || strings.Contains(string(kb), created.Key) {
		t.Fatalf("GET /key: %d %s", kr.StatusCode, kb)
	}
}

func TestRoutes(t *testing.T) {
	r := newRig(t, nil)
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/health", 200},
		{"GET", "/api/v1/models", 200},
		{"GET", "/api/v1/providers", 200},
		{"GET", "/api/v1/chat/completions", 405},
		{"GET", "/nope", 404},
		{"OPTIONS", "/api/v1/chat/completions", 204},
	} {
		req, _ := http.NewRequest(tt.method, r.router.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
		if resp.StatusCode >= 400 && gjson.GetBytes(b, "error.code").Int() != int64(tt.status) {
			t.Errorf("%s %s: error body %s", tt.method, tt.path, b)
		}
	}
	resp, err := http.Get(r.router.URL + "/api/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ids := gjson.GetBytes(b, "data.#.id").Array(); len(ids) != 5 || ids[0].Str != "test/llama" {
		t.Errorf("models %s", b)
	}
}

type panicKeys struct{}

func (panicKeys) Lookup(context.Context, string) (store.Key, error) { panic("boom") }
func (panicKeys) Create(context.Context, store.Key) error           { panic("boom") }

func TestPanicIsA500(t *testing.T) {
	h := core.New(core.Config{Transport: http.DefaultTransport, Stores: store.Set{Keys: panicKeys{}}, Catalog: testCatalog})
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/chat/completions", strings.NewReader(hello+"}"))
	req.Header.Set("Authorization", "Bearer x")
	h.ServeHTTP(w, req)
	if w.Code != 500 || gjson.Get(w.Body.String(), "error.code").Int() != 500 || strings.Contains(w.Body.String(), "boom") {
		t.Fatalf("panic answered %d %s", w.Code, w.Body)
	}
}

// A missing Transport is a wiring mistake: New says so at once rather than failing every
// upstream call later.
func TestNewRequiresTransport(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Config.Transport") {
			t.Fatalf("recover() = %v, want a panic naming Config.Transport", r)
		}
	}()
	core.New(core.Config{})
}
