package workerd

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/tidwall/gjson"
)

// servedBy is one model of the adapters suite and the provider that must serve it.
type servedBy struct {
	name     string // subtest name
	model    string
	provider string // display name
	native   bool   // a translated protocol (reasoning, cached tokens from the fake)
}

// TestWorkerdAdapters runs the Worker in real workerd with Anthropic, Google AI Studio and
// the OpenAI-compatible providers of one model all pointed at the fake upstream, which
// speaks each protocol on its own path (/v1/messages, /v1beta/models/…, /v1/chat/…). The
// official OpenAI Go SDK must get the same shape of answer — text, tool calls, reasoning,
// usage, errors, streams — whichever provider served it. Three Workers run side by side:
//
//   - ok:        every provider streams 3 chunks 20 ms apart, calls tools when offered,
//     and reports 3 cached prompt tokens (native protocols);
//   - limited:   every provider answers 429;
//   - midstream: every provider fails inside the stream after its first chunk.
func TestWorkerdAdapters(t *testing.T) {
	if testing.Short() {
		t.Skip("workerd e2e suite skipped in -short mode")
	}
	root := Root(t)
	wrangler := RequireWrangler(t, root)
	fake := StartFake(t, root)
	build := BuildWorker(t, root)

	compat := endpointOrder(t, model)
	models := []servedBy{
		{"anthropic", "anthropic/claude-sonnet-4.5", "Anthropic", true},
		{"gemini", "google/gemini-2.5-flash", "Google AI Studio", true},
		{"openai_compatible", model, providerName(compat[0].Provider), false},
	}
	for _, m := range models[:2] {
		requireOnly(t, m.model, m.provider)
	}
	start := func(t *testing.T, script string) (*Worker, *openai.Client, string) {
		vars := map[string]string{"SWITCHYARD_ADMIN_KEY": adminKey}
		set := func(slug, base string) {
			env := catalog.EnvName(slug)
			vars[env+"_API_KEY"] = "test-key-" + slug
			vars[env+"_BASE_URL"] = base
		}
		// The Anthropic and Gemini SDKs' base URLs carry no version path.
		set("anthropic", fake.URL+script)
		set("google-ai-studio", fake.URL+script)
		for _, e := range compat {
			set(e.Provider, fake.Base(script))
		}
		w := StartWorker(t, WorkerOptions{Root: root, Wrangler: wrangler, BuildDir: build, Vars: vars})
		key := w.CreateKey(t, adminKey, "e2e-"+t.Name())
		return w, newClient(w, key), key
	}

	t.Run("ok", func(t *testing.T) {
		t.Parallel()
		w, client, key := start(t, "/stream/3/20ms/tool-call/cache/3")
		for _, m := range models {
			t.Run(m.name, func(t *testing.T) {
				t.Run("text", func(t *testing.T) { adapterText(t, client, m) })
				t.Run("stream", func(t *testing.T) { adapterStream(t, client, m) })
				t.Run("tools", func(t *testing.T) { adapterTools(t, client, fake, m) })
				t.Run("tools_stream", func(t *testing.T) { adapterToolsStream(t, client, m) })
				if m.native {
					t.Run("reasoning_round_trip", func(t *testing.T) { adapterReasoning(t, w, key, fake, m) })
				}
			})
		}
	})

	t.Run("limited", func(t *testing.T) {
		t.Parallel()
		_, client, _ := start(t, "/fail/429")
		for _, m := range models {
			t.Run(m.name, func(t *testing.T) {
				_, err := client.Chat.Completions.New(ctxT(t), chat(m.model, newNonce(t)))
				wantAPIError(t, err, http.StatusTooManyRequests, "")
				stream := client.Chat.Completions.NewStreaming(ctxT(t), chat(m.model, newNonce(t)))
				for stream.Next() {
				}
				wantAPIError(t, stream.Err(), http.StatusTooManyRequests, "")
				stream.Close()
			})
		}
	})

	t.Run("midstream", func(t *testing.T) {
		t.Parallel()
		_, client, _ := start(t, "/stream/3/20ms/error/1")
		for _, m := range models {
			t.Run(m.name, func(t *testing.T) {
				stream := client.Chat.Completions.NewStreaming(ctxT(t), chat(m.model, newNonce(t)))
				defer stream.Close()
				var content strings.Builder
				for stream.Next() {
					if c := stream.Current(); len(c.Choices) > 0 {
						content.WriteString(c.Choices[0].Delta.Content)
					}
				}
				err := stream.Err()
				if err == nil || content.Len() == 0 {
					t.Fatalf("content %q, err %v: want output, then the in-stream error", content.String(), err)
				}
				// OpenRouter's error chunk (top-level error, finish_reason "error"), which
				// the SDK surfaces as a stream error carrying that event.
				var se *ssestream.StreamError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v (%T), want the stream's error event", err, err)
				}
				e := gjson.GetBytes(se.Event.Data, "error")
				if e.Get("code").Int() != http.StatusBadGateway || e.Get("message").Str == "" ||
					gjson.GetBytes(se.Event.Data, "choices.0.finish_reason").Str != "error" {
					t.Errorf("error event %s: want code 502, a message and finish_reason error", se.Event.Data)
				}
			})
		}
	})
}

// requireOnly fails unless the catalog serves id only through the named provider.
func requireOnly(t *testing.T, id, provider string) {
	t.Helper()
	m := catalog.Default.Model(id)
	if m == nil {
		t.Fatalf("%s is not in the catalog", id)
	}
	for _, e := range m.Endpoints {
		if providerName(e.Provider) != provider {
			t.Fatalf("%s is also served by %s; the suite needs a model only %s serves", id, e.Provider, provider)
		}
	}
}

// shapePaths are the members an OpenAI client reads from a completion; every provider's
// answer must have them.
var shapePaths = []string{
	"id", "object", "created", "model", "provider",
	"choices.0.index", "choices.0.message.role", "choices.0.message.content", "choices.0.finish_reason",
	"usage.prompt_tokens", "usage.completion_tokens", "usage.total_tokens",
	"usage.prompt_tokens_details.cached_tokens", "usage.completion_tokens_details.reasoning_tokens",
}

func checkShape(t *testing.T, raw string, m servedBy, want string) {
	t.Helper()
	for _, p := range shapePaths {
		if !gjson.Get(raw, p).Exists() {
			t.Errorf("%s: no %s in %s", m.name, p, raw)
		}
	}
	r := gjson.Parse(raw)
	if r.Get("model").Str != m.model || r.Get("provider").Str != m.provider || !strings.HasPrefix(r.Get("id").Str, "gen-") {
		t.Errorf("id/model/provider = %s/%s/%s, want gen-…/%s/%s", r.Get("id").Str, r.Get("model").Str, r.Get("provider").Str, m.model, m.provider)
	}
	if got := r.Get("choices.0.finish_reason").Str; got != want {
		t.Errorf("finish_reason = %q, want %q", got, want)
	}
	if m.native && r.Get("usage.prompt_tokens_details.cached_tokens").Int() != 3 {
		t.Errorf("cached tokens = %s, want 3 (the fake's /cache/3)", r.Get("usage.prompt_tokens_details").Raw)
	}
}

func adapterText(t *testing.T, client *openai.Client, m servedBy) {
	resp, err := client.Chat.Completions.New(ctxT(t), chat(m.model, newNonce(t)))
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, resp.RawJSON(), m, "stop")
	if !strings.Contains(resp.Choices[0].Message.Content, "fake upstream") || resp.Usage.TotalTokens == 0 {
		t.Errorf("answer %s", resp.RawJSON())
	}
}

func adapterStream(t *testing.T, client *openai.Client, m servedBy) {
	stream := client.Chat.Completions.NewStreaming(ctxT(t), chat(m.model, newNonce(t)))
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	var last openai.ChatCompletionChunk
	roles := 0
	for stream.Next() {
		c := stream.Current()
		acc.AddChunk(c)
		last = c
		if len(c.Choices) > 0 && c.Choices[0].Delta.Role != "" {
			roles++
		}
		if got := providerOf(t, c.JSON.ExtraFields); got != m.provider {
			t.Errorf("chunk provider %q, want %q", got, m.provider)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if roles != 1 || len(acc.Choices) != 1 || !strings.Contains(acc.Choices[0].Message.Content, "fake upstream") || acc.Choices[0].FinishReason != "stop" {
		t.Errorf("roles %d, accumulated %+v", roles, acc.Choices)
	}
	if len(last.Choices) != 0 || last.Usage.TotalTokens == 0 || (m.native && last.Usage.PromptTokensDetails.CachedTokens != 3) {
		t.Errorf("last chunk %s: want the usage chunk", last.RawJSON())
	}
}

var echoTool = openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
	Name:       "echo",
	Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"text": map[string]any{"type": "string"}}},
})

func toolChat(m servedBy, nonce string) openai.ChatCompletionNewParams {
	p := chat(m.model, nonce)
	p.Tools = []openai.ChatCompletionToolUnionParam{echoTool}
	return p
}

// checkToolCall wants one call of echo with JSON arguments {"text": …}.
func checkToolCall(t *testing.T, calls []openai.ChatCompletionMessageToolCallUnion) {
	t.Helper()
	if len(calls) != 1 || calls[0].Function.Name != "echo" || calls[0].ID == "" {
		t.Fatalf("tool calls %+v", calls)
	}
	var args struct{ Text string }
	if err := json.Unmarshal([]byte(calls[0].Function.Arguments), &args); err != nil || !strings.Contains(args.Text, "fake upstream") {
		t.Errorf("arguments %q (%v)", calls[0].Function.Arguments, err)
	}
}

func adapterTools(t *testing.T, client *openai.Client, fake *Fake, m servedBy) {
	nonce := newNonce(t)
	p := toolChat(m, nonce)
	resp, err := client.Chat.Completions.New(ctxT(t), p)
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, resp.RawJSON(), m, "tool_calls")
	checkToolCall(t, resp.Choices[0].Message.ToolCalls)
	// The tool result goes back; each fake checks the pairing the way its API does.
	p.Messages = append(p.Messages, resp.Choices[0].Message.ToParam(),
		openai.ToolMessage("echoed", resp.Choices[0].Message.ToolCalls[0].ID))
	if _, err := client.Chat.Completions.New(ctxT(t), p); err != nil {
		t.Fatalf("tool result turn: %v", err)
	}
	if n := len(callsWith(t, fake, nonce)); n != 2 {
		t.Errorf("%d upstream calls carry the nonce, want 2", n)
	}
}

func adapterToolsStream(t *testing.T, client *openai.Client, m servedBy) {
	stream := client.Chat.Completions.NewStreaming(ctxT(t), toolChat(m, newNonce(t)))
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(acc.Choices) != 1 || acc.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("accumulated %+v", acc.Choices)
	}
	checkToolCall(t, acc.Choices[0].Message.ToolCalls)
}

// adapterReasoning asks for reasoning with a tool, then sends the tool result back with
// the assistant's reasoning_details unchanged: the upstream must get its own signature
// back (Anthropic: a thinking block; Gemini: the functionCall's thoughtSignature).
func adapterReasoning(t *testing.T, w *Worker, key string, fake *Fake, m servedBy) {
	nonce := newNonce(t)
	user := `{"role":"user","content":"e2e ` + nonce + `"}`
	tools := `[{"type":"function","function":{"name":"echo","parameters":{"type":"object"}}}]`
	status, body := rawPost(t, w.URL+"/api/v1/chat/completions", key,
		`{"model":"`+m.model+`","reasoning":{"effort":"low"},"tools":`+tools+`,"messages":[`+user+`]}`)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	msg := gjson.GetBytes(body, "choices.0.message")
	details := msg.Get("reasoning_details")
	sig := details.Get(`#(type=="reasoning.encrypted").data`).Str + details.Get(`#(type=="reasoning.text").signature`).Str
	if m.name == "anthropic" && msg.Get("reasoning").Str == "" {
		t.Errorf("no reasoning in %s", msg.Raw)
	}
	if !details.IsArray() || sig == "" || len(msg.Get("tool_calls").Array()) != 1 {
		t.Fatalf("message %s: want reasoning_details with a signature and one tool call", msg.Raw)
	}
	id := msg.Get("tool_calls.0.id").Str
	assistant := `{"role":"assistant","content":null,"tool_calls":` + msg.Get("tool_calls").Raw + `,"reasoning_details":` + details.Raw + `}`
	toolMsg := `{"role":"tool","tool_call_id":"` + id + `","content":"echoed"}`
	status, body = rawPost(t, w.URL+"/api/v1/chat/completions", key,
		`{"model":"`+m.model+`","reasoning":{"effort":"low"},"tools":`+tools+`,"messages":[`+user+`,`+assistant+`,`+toolMsg+`]}`)
	if status != http.StatusOK {
		t.Fatalf("second turn: status %d: %s", status, body)
	}
	reqs := fake.Requests(t)
	var second []byte
	for _, r := range reqs {
		if strings.Contains(string(r.Body), nonce) && strings.Contains(string(r.Body), "echoed") {
			second = r.Body
		}
	}
	if second == nil || !strings.Contains(string(second), sig) {
		t.Errorf("second upstream request %s: want the signature %q sent back", second, sig)
	}
}
