package core_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/switchyard-router/switchyard/core"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/providertest"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
	"github.com/tidwall/gjson"
)

// nativeCatalog: test/claude at Anthropic, test/gemini at Google AI Studio, test/both at
// Anthropic (cheaper) then Google.
var nativeCatalog = catalog.New(
	[]catalog.Model{
		{ID: "test/claude", Endpoints: []catalog.Endpoint{{Provider: "anthropic", Upstream: "claude-x", MaxCompletionTokens: 8000}}},
		{ID: "test/gemini", Endpoints: []catalog.Endpoint{{Provider: "google-ai-studio", Upstream: "gemini-x"}}},
		{ID: "test/both", Endpoints: []catalog.Endpoint{
			{Provider: "google-ai-studio", Upstream: "gemini-x", Pricing: catalog.Pricing{Prompt: 200}},
			{Provider: "anthropic", Upstream: "claude-x", Pricing: catalog.Pricing{Prompt: 100}},
		}},
	},
	[]catalog.Provider{
		{Slug: "anthropic", Name: "Anthropic", Protocol: catalog.Anthropic},
		{Slug: "google-ai-studio", Name: "Google AI Studio", Protocol: catalog.Gemini},
	},
)

type nativeRig struct {
	t      *testing.T
	up     *providertest.Server
	router *httptest.Server
}

// newNativeRig points Anthropic and Google at the fake with the given path scripts (the
// base URLs of both SDKs carry no version path).
func newNativeRig(t *testing.T, anthropicScript, geminiScript string) *nativeRig {
	t.Helper()
	up := providertest.NewServer()
	t.Cleanup(up.Close)
	env := map[string]string{
		"ANTHROPIC_API_KEY":                "sk-ant-test-key",
		"ANTHROPIC_BASE_URL":               up.URL + anthropicScript,
		"GOOGLE_AI_STUDIO_API_KEY":         "goog-test-key",
		"GOOGLE_AI_STUDIO_BASE_URL":        up.URL + geminiScript,
		"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS": "2000",
		"SWITCHYARD_KEEPALIVE_MS":          "60000",
	}
	stores := memstore.New()
	if err := stores.Keys.Create(context.Background(), store.Key{Hash: core.HashKey(testKey), Name: "test"}); err != nil {
		t.Fatal(err)
	}
	h := core.New(core.Config{
		Transport: http.DefaultTransport,
		Stores:    stores,
		Env:       func(k string) string { return env[k] },
		Now:       func() time.Time { return time.Unix(1760000000, 0) },
		Rand:      rand.NewPCG(1, 2),
		Catalog:   nativeCatalog,
		Logf:      t.Logf,
	})
	r := &nativeRig{t: t, up: up, router: httptest.NewServer(h)}
	t.Cleanup(r.router.Close)
	return r
}

func (r *nativeRig) chat(body string) (*http.Response, []byte) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.router.URL+"/api/v1/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestTranslatedNonStreaming(t *testing.T) {
	const tools = `,"tools":[{"type":"function","function":{"name":"echo","parameters":{"type":"object","properties":{"text":{"type":"string"}}}}}]`
	for _, tt := range []struct {
		name, model, script, extra string
		want                       map[string]string
	}{
		{"anthropic text", "test/claude", "/text/hi%20%C3%A9", "", map[string]string{
			"provider": "Anthropic", "choices.0.message.content": "hi é", "choices.0.finish_reason": "stop",
			"choices.0.native_finish_reason": "end_turn", "usage.completion_tokens": "2",
		}},
		{"anthropic tool call", "test/claude", "/tool-call/text/yo", tools, map[string]string{
			"choices.0.finish_reason": "tool_calls", "choices.0.message.tool_calls.0.function.name": "echo",
			"choices.0.message.tool_calls.0.function.arguments": `{"text":"yo"}`, "choices.0.message.tool_calls.0.id": "toolu_fake_1",
		}},
		{"anthropic thinking", "test/claude", "/cache/7", `,"reasoning":{"effort":"low"}`, map[string]string{
			"choices.0.message.reasoning":                      "The user wants a friendly reply.",
			"choices.0.message.reasoning_details.0.signature":  "c2lnLWZha2UtMQ==",
			"usage.prompt_tokens_details.cached_tokens":        "7",
			"usage.completion_tokens_details.reasoning_tokens": "2",
		}},
		{"anthropic refusal", "test/claude", "/refuse", "", map[string]string{
			"choices.0.finish_reason": "content_filter", "choices.0.native_finish_reason": "refusal",
		}},
		{"gemini text", "test/gemini", "/text/hi%20%C3%A9", "", map[string]string{
			"provider": "Google AI Studio", "choices.0.message.content": "hi é", "choices.0.finish_reason": "stop",
			"choices.0.native_finish_reason": "STOP",
		}},
		{"gemini tool call", "test/gemini", "/tool-call/text/yo", tools, map[string]string{
			"choices.0.finish_reason": "tool_calls", "choices.0.native_finish_reason": "STOP",
			"choices.0.message.tool_calls.0.function.arguments": `{"text":"yo"}`,
			"choices.0.message.reasoning_details.0.data":        "c2lnLWZha2UtMQ==",
		}},
		{"gemini thinking", "test/gemini", "/cache/5", `,"reasoning":{"effort":"high"}`, map[string]string{
			"choices.0.message.reasoning":                      "The user wants a friendly reply.",
			"usage.prompt_tokens_details.cached_tokens":        "5",
			"usage.completion_tokens_details.reasoning_tokens": "2",
		}},
		{"gemini prompt blocked", "test/gemini", "/refuse", "", map[string]string{
			"choices.0.finish_reason": "content_filter", "choices.0.native_finish_reason": "SAFETY",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newNativeRig(t, tt.script, tt.script)
			resp, b := r.chat(`{"model":"` + tt.model + `","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hello"}]` + tt.extra + `}`)
			wantStatus(t, resp, b, 200)
			got := gjson.ParseBytes(b)
			for path, want := range tt.want {
				if v := got.Get(path).String(); v != want {
					t.Errorf("%s = %q, want %q\n%s", path, v, want, b)
				}
			}
			if got.Get("id").Str != resp.Header.Get("X-Generation-Id") {
				t.Errorf("id %q vs X-Generation-Id %q", got.Get("id").Str, resp.Header.Get("X-Generation-Id"))
			}
		})
	}
}

func TestTranslatedStreaming(t *testing.T) {
	const tools = `,"tools":[{"type":"function","function":{"name":"echo","parameters":{"type":"object"}}}]`
	for _, tt := range []struct {
		name, model, script, extra string
		content, args, reasoning   string
		finish                     string
	}{
		{"anthropic text", "test/claude", "/stream/3/1ms/text/h%C3%A9llo%20w%C3%B6rld%20%F0%9F%9A%82", "", "héllo wörld 🚂", "", "", "stop"},
		{"anthropic tool", "test/claude", "/stream/4/1ms/tool-call/text/yo", tools, "", `{"text":"yo yo"}`, "", "tool_calls"},
		{"anthropic thinking", "test/claude", "/text/ok", `,"reasoning":{"max_tokens":2000}`, "ok", "", "The user wants a friendly reply.", "stop"},
		{"gemini text", "test/gemini", "/stream/3/1ms/text/h%C3%A9llo%20w%C3%B6rld%20%F0%9F%9A%82", "", "héllo wörld 🚂", "", "", "stop"},
		{"gemini tool", "test/gemini", "/tool-call/text/yo", tools, "", `{"text":"yo"}`, "", "tool_calls"},
		{"gemini thinking", "test/gemini", "/text/ok", `,"reasoning":{"effort":"low"}`, "ok", "", "The user wants a friendly reply.", "stop"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newNativeRig(t, tt.script, tt.script)
			resp, b := r.chat(`{"model":"` + tt.model + `","stream":true,"messages":[{"role":"user","content":"hello"}]` + tt.extra + `}`)
			wantStatus(t, resp, b, 200)
			data, _, _ := readSSE(t, strings.NewReader(string(b)))
			if len(data) < 3 || data[len(data)-1] != "[DONE]" {
				t.Fatalf("events %q", data)
			}
			var content, args, reasoning, finish strings.Builder
			roles := 0
			for _, d := range data[:len(data)-2] {
				c := gjson.Parse(d)
				if c.Get("provider").Str == "" || c.Get("object").Str != "chat.completion.chunk" {
					t.Errorf("chunk %s", d)
				}
				delta := c.Get("choices.0.delta")
				if delta.Get("role").Exists() {
					roles++
				}
				content.WriteString(delta.Get("content").Str)
				reasoning.WriteString(delta.Get("reasoning").Str)
				args.WriteString(delta.Get("tool_calls.0.function.arguments").Str)
				finish.WriteString(c.Get("choices.0.finish_reason").Str)
			}
			if roles != 1 || content.String() != tt.content || args.String() != tt.args || reasoning.String() != tt.reasoning || finish.String() != tt.finish {
				t.Errorf("roles %d content %q args %q reasoning %q finish %q\n%s", roles, content.String(), args.String(), reasoning.String(), finish.String(), b)
			}
			u := gjson.Parse(data[len(data)-2])
			if !u.Get("choices").IsArray() || len(u.Get("choices").Array()) != 0 || u.Get("usage.total_tokens").Int() == 0 {
				t.Errorf("usage chunk %s", data[len(data)-2])
			}
		})
	}
}

func TestTranslatedFailover(t *testing.T) {
	for _, tt := range []struct {
		name, anthropic, gemini, body string
		status                        int
		provider                      string
	}{
		{"anthropic 529 moves on to gemini", "/fail/529", "/ok", `{"model":"test/both","provider":{"sort":"price"},"messages":[{"role":"user","content":"hi"}]}`, 200, "Google AI Studio"},
		{"anthropic overloaded inside the stream before output moves on", "/error/0", "/ok", `{"model":"test/both","provider":{"sort":"price"},"stream":true,"messages":[{"role":"user","content":"hi"}]}`, 200, "Google AI Studio"},
		{"anthropic 400 stops", "/fail/400", "/ok", `{"model":"test/both","provider":{"sort":"price"},"messages":[{"role":"user","content":"hi"}]}`, 400, ""},
		{"gemini 429 alone is a 429", "/ok", "/fail/429", `{"model":"test/gemini","messages":[{"role":"user","content":"hi"}]}`, 429, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newNativeRig(t, tt.anthropic, tt.gemini)
			resp, b := r.chat(tt.body)
			wantStatus(t, resp, b, tt.status)
			if strings.Contains(tt.body, `"stream":true`) {
				data, _, _ := readSSE(t, strings.NewReader(string(b)))
				b = []byte(data[0])
			}
			if got := gjson.GetBytes(b, "provider").Str; got != tt.provider {
				t.Errorf("provider %q, want %q: %s", got, tt.provider, b)
			}
		})
	}
}

func TestTranslatedMidStreamError(t *testing.T) {
	r := newNativeRig(t, "/stream/4/1ms/error/2", "/ok")
	resp, b := r.chat(`{"model":"test/both","provider":{"sort":"price"},"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	wantStatus(t, resp, b, 200)
	data, _, _ := readSSE(t, strings.NewReader(string(b)))
	n := len(data)
	if n < 4 || data[n-1] != "[DONE]" {
		t.Fatalf("events %q", data)
	}
	e := gjson.Parse(data[n-3])
	if e.Get("error.message").Str != "Overloaded (scripted)" || e.Get("choices.0.finish_reason").Str != "error" {
		t.Errorf("error chunk %s", data[n-3])
	}
	if gjson.Parse(data[n-2]).Get("usage.prompt_tokens").Int() == 0 {
		t.Errorf("usage chunk %s: want the prompt tokens message_start reported", data[n-2])
	}
}

// TestBedrock runs Converse and ConverseStream through the router against an in-process
// upstream that checks the SigV4 signature's shape and answers with real binary event
// frames. (Bedrock has no catalog endpoints yet; this catalog names one.)
func TestBedrock(t *testing.T) {
	var gotAuth, gotPath string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath = r.Header.Get("Authorization"), r.URL.Path
		if strings.HasSuffix(r.URL.Path, "/converse") {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"output":{"message":{"role":"assistant","content":[{"text":"Hi é"}]}},"stopReason":"end_turn","usage":{"inputTokens":5,"outputTokens":2,"totalTokens":7}}`)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		for _, e := range [][2]string{
			{"messageStart", `{"role":"assistant"}`},
			{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Hi "}}`},
			{"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"é"}}`},
			{"contentBlockStop", `{"contentBlockIndex":0}`},
			{"messageStop", `{"stopReason":"end_turn"}`},
			{"metadata", `{"usage":{"inputTokens":5,"outputTokens":2,"totalTokens":7}}`},
		} {
			var h eventstream.Headers
			h.Set(":message-type", eventstream.StringValue("event"))
			h.Set(":event-type", eventstream.StringValue(e[0]))
			eventstream.NewEncoder().Encode(w, eventstream.Message{Headers: h, Payload: []byte(e[1])})
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(up.Close)
	cat := catalog.New(
		[]catalog.Model{{ID: "test/claude-bedrock", Endpoints: []catalog.Endpoint{{Provider: "amazon-bedrock", Upstream: "anthropic.claude-x"}}}},
		[]catalog.Provider{{Slug: "amazon-bedrock", Name: "Amazon Bedrock", Protocol: catalog.Bedrock}},
	)
	env := map[string]string{
		"AMAZON_BEDROCK_BASE_URL": up.URL,
		"AWS_ACCESS_KEY_ID":       "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":   "secret",
		"AWS_REGION":              "us-west-2",
	}
	stores := memstore.New()
	stores.Keys.Create(context.Background(), store.Key{Hash: core.HashKey(testKey), Name: "test"})
	router := httptest.NewServer(core.New(core.Config{
		Transport: http.DefaultTransport, Stores: stores, Catalog: cat, Logf: t.Logf,
		Env: func(k string) string { return env[k] },
		Now: func() time.Time { return time.Unix(1760000000, 0) },
	}))
	t.Cleanup(router.Close)
	r := &nativeRig{t: t, router: router}

	resp, b := r.chat(`{"model":"test/claude-bedrock","messages":[{"role":"user","content":"hello"}]}`)
	wantStatus(t, resp, b, 200)
	if got := gjson.GetBytes(b, "choices.0.message.content").Str; got != "Hi é" || gjson.GetBytes(b, "provider").Str != "Amazon Bedrock" {
		t.Errorf("answer %s", b)
	}
	if gotPath != "/model/anthropic.claude-x/converse" || !strings.HasPrefix(gotAuth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251009/us-west-2/bedrock/aws4_request") {
		t.Errorf("upstream %s, Authorization %q", gotPath, gotAuth)
	}

	resp, b = r.chat(`{"model":"test/claude-bedrock","stream":true,"messages":[{"role":"user","content":"hello"}]}`)
	wantStatus(t, resp, b, 200)
	data, _, _ := readSSE(t, strings.NewReader(string(b)))
	var content strings.Builder
	for _, d := range data[:len(data)-1] {
		content.WriteString(gjson.Get(d, "choices.0.delta.content").Str)
	}
	if content.String() != "Hi é" || gotPath != "/model/anthropic.claude-x/converse-stream" || gjson.Get(data[len(data)-2], "usage.total_tokens").Int() != 7 {
		t.Errorf("stream %q via %s", data, gotPath)
	}
}
