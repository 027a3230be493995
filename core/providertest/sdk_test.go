package providertest_test

// These tests drive the fake with the official openai-go SDK, so the fake is
// held to what a real OpenAI client accepts (shared/spec/providers.md §2).

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"

	"github.com/switchyard-router/switchyard/core/providertest"
)

const model = "acme/model-1"

// defaultText is the reply for model when no /text/ is scripted.
const defaultText = "Hello from the fake upstream for " + model + ": héllo wörld ✓ 🚂"

// newServer starts a fake upstream that is closed when the test ends.
func newServer(t *testing.T, opts ...providertest.Options) *providertest.Server {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs a real loopback network")
	}
	var o providertest.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s := providertest.NewServerWith(o)
	t.Cleanup(s.Close)
	return s
}

func newClient(base string) *openai.Client {
	c := openai.NewClient(
		option.WithBaseURL(base),
		option.WithAPIKey("sk-test"),
		option.WithMaxRetries(0),
	)
	return &c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func chatParams(includeUsage bool) openai.ChatCompletionNewParams {
	p := openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say hi ✓")},
	}
	if includeUsage {
		p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	}
	return p
}

// collected is what a streaming client saw.
type collected struct {
	contents   []string        // non-empty delta.content values, in order
	at         []time.Duration // arrival of each, since the request started
	usageChunk bool            // a chunk with choices:[] was seen
	allUsage   bool            // every chunk had a "usage" key
	anyUsage   bool            // some chunk had a "usage" key
	acc        openai.ChatCompletionAccumulator
	err        error
}

func collect(t *testing.T, ctx context.Context, c *openai.Client, p openai.ChatCompletionNewParams) *collected {
	t.Helper()
	start := time.Now()
	stream := c.Chat.Completions.NewStreaming(ctx, p)
	defer stream.Close()
	out := &collected{allUsage: true}
	for stream.Next() {
		ch := stream.Current()
		if !out.acc.AddChunk(ch) {
			t.Fatalf("accumulator rejected chunk %s", ch.RawJSON())
		}
		has := strings.Contains(ch.RawJSON(), `"usage"`)
		out.allUsage = out.allUsage && has
		out.anyUsage = out.anyUsage || has
		if len(ch.Choices) == 0 {
			out.usageChunk = true
			continue
		}
		if s := ch.Choices[0].Delta.Content; s != "" {
			out.contents = append(out.contents, s)
			out.at = append(out.at, time.Since(start))
		}
	}
	out.err = stream.Err()
	return out
}

func TestSDKNonStreaming(t *testing.T) {
	s := newServer(t)
	resp, err := newClient(s.BaseURL("/ok")).Chat.Completions.New(testCtx(t), chatParams(false))
	if err != nil {
		t.Fatal(err)
	}
	if resp.ID != "chatcmpl-1" || resp.Model != model || resp.Created != 1760000000 {
		t.Errorf("id, model, created = %q, %q, %d", resp.ID, resp.Model, resp.Created)
	}
	if len(resp.Choices) != 1 {
		t.Fatalf("choices = %d", len(resp.Choices))
	}
	if got := resp.Choices[0].Message.Content; got != defaultText {
		t.Errorf("content = %q, want %q", got, defaultText)
	}
	if resp.Choices[0].FinishReason != "stop" {
		t.Errorf("finish_reason = %q", resp.Choices[0].FinishReason)
	}
	u := resp.Usage
	if u.PromptTokens < 1 || u.CompletionTokens != 11 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage = %+v; want 11 completion tokens (words) and a consistent total", u)
	}

	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("recorded %d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/ok/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
		t.Errorf("recorded %s %s auth %q", r.Method, r.Path, r.Header.Get("Authorization"))
	}
	var body struct{ Model string }
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Model != model {
		t.Errorf("recorded body %s (%v)", r.Body, err)
	}
}

func TestSDKScriptedText(t *testing.T) {
	s := newServer(t)
	// Note: no %2F here; openai-go decodes it to "/" in a base URL.
	resp, err := newClient(s.BaseURL("/text/h%C3%A9llo%20%E2%9C%93%20%22x%22")).Chat.Completions.New(testCtx(t), chatParams(false))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != `héllo ✓ "x"` {
		t.Errorf("content = %q", got)
	}
}

func TestSDKStreamingWithUsage(t *testing.T) {
	s := newServer(t)
	got := collect(t, testCtx(t), newClient(s.BaseURL("/stream/3/0s")), chatParams(true))
	if got.err != nil {
		t.Fatalf("stream error: %v", got.err)
	}
	want := []string{"Hello from the fake ", "upstream for acme/mod", "el-1: héllo wörld ✓ 🚂"}
	if strings.Join(got.contents, "|") != strings.Join(want, "|") {
		t.Errorf("content chunks = %q, want %q", got.contents, want)
	}
	if !got.usageChunk || !got.allUsage {
		t.Errorf("usage chunk seen %v, usage key on every chunk %v; want both (§2.5)", got.usageChunk, got.allUsage)
	}
	acc := got.acc
	if acc.Choices[0].Message.Content != defaultText || acc.Choices[0].FinishReason != "stop" {
		t.Errorf("accumulated %q, finish %q", acc.Choices[0].Message.Content, acc.Choices[0].FinishReason)
	}
	if u := acc.Usage; u.CompletionTokens != 3 || u.PromptTokens < 1 || u.TotalTokens != u.PromptTokens+3 {
		t.Errorf("accumulated usage = %+v", u)
	}
}

func TestSDKStreamingWithoutUsage(t *testing.T) {
	s := newServer(t)
	got := collect(t, testCtx(t), newClient(s.BaseURL("")), chatParams(false))
	if got.err != nil {
		t.Fatalf("stream error: %v", got.err)
	}
	if strings.Join(got.contents, "") != defaultText || len(got.contents) != 11 {
		t.Errorf("content chunks = %q", got.contents)
	}
	if got.anyUsage || got.usageChunk || got.acc.Usage.TotalTokens != 0 {
		t.Errorf("usage present without include_usage: key %v, chunk %v, %+v", got.anyUsage, got.usageChunk, got.acc.Usage)
	}
}

func TestSDKUsageInline(t *testing.T) {
	s := newServer(t)
	got := collect(t, testCtx(t), newClient(s.BaseURL("/usage-inline/stream/2/0s")), chatParams(true))
	if got.err != nil {
		t.Fatalf("stream error: %v", got.err)
	}
	if got.usageChunk {
		t.Error("saw a choices:[] chunk; the quirk puts usage on the last content chunk")
	}
	if u := got.acc.Usage; u.CompletionTokens != 2 || u.TotalTokens != u.PromptTokens+2 {
		t.Errorf("accumulated usage = %+v", u)
	}
}

func TestSDKFailures(t *testing.T) {
	s := newServer(t)
	for _, tt := range []struct {
		status     int
		code       string
		retryAfter string
	}{
		{429, "rate_limit_exceeded", "1"},
		{503, "service_unavailable", "1"},
		{500, "fake_status_500", ""},
		{401, "invalid_api_key", ""},
	} {
		c := newClient(s.BaseURL("/fail/" + strconv.Itoa(tt.status)))
		check := func(kind string, err error) {
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("%d %s: error %v (%T) is not *openai.Error", tt.status, kind, err, err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Code != tt.code {
				t.Errorf("%d %s: status %d code %q, want %d %q", tt.status, kind, apiErr.StatusCode, apiErr.Code, tt.status, tt.code)
			}
			if got := apiErr.Response.Header.Get("retry-after"); got != tt.retryAfter {
				t.Errorf("%d %s: retry-after %q, want %q", tt.status, kind, got, tt.retryAfter)
			}
		}
		_, err := c.Chat.Completions.New(testCtx(t), chatParams(false))
		check("non-streaming", err)
		got := collect(t, testCtx(t), c, chatParams(true))
		check("streaming", got.err)
	}
}

func TestSDKCut(t *testing.T) {
	s := newServer(t)
	for _, n := range []int{0, 2} {
		got := collect(t, testCtx(t), newClient(s.BaseURL("/cut/"+strconv.Itoa(n))), chatParams(true))
		if len(got.contents) != n {
			t.Errorf("/cut/%d: %d content chunks %q", n, len(got.contents), got.contents)
		}
		var se *ssestream.StreamError
		if got.err == nil || errors.As(got.err, &se) {
			t.Errorf("/cut/%d: stream error = %v; want a transport error", n, got.err)
		}
	}
	// Non-streaming: the body is cut halfway, so decoding fails.
	if _, err := newClient(s.BaseURL("/cut/1")).Chat.Completions.New(testCtx(t), chatParams(false)); err == nil {
		t.Error("/cut/1 non-streaming: no error")
	}
}

func TestSDKInBandError(t *testing.T) {
	s := newServer(t)
	got := collect(t, testCtx(t), newClient(s.BaseURL("/error/1")), chatParams(true))
	if len(got.contents) != 1 {
		t.Errorf("content chunks = %q, want exactly one before the error", got.contents)
	}
	var se *ssestream.StreamError
	if !errors.As(got.err, &se) {
		t.Fatalf("stream error = %v (%T), want *ssestream.StreamError", got.err, got.err)
	}
	if !strings.Contains(string(se.Event.Data), `"code":"upstream_error"`) {
		t.Errorf("error event = %s", se.Event.Data)
	}
}

func TestSDKStreamTiming(t *testing.T) {
	s := newServer(t)
	got := collect(t, testCtx(t), newClient(s.BaseURL("/stream/4/50ms")), chatParams(false))
	if got.err != nil {
		t.Fatal(got.err)
	}
	if len(got.at) != 4 {
		t.Fatalf("content chunks = %q, want 4", got.contents)
	}
	// Each chunk is preceded by 50ms, so the last cannot arrive before 200ms,
	// and the chunks must arrive as separate, spread-out events.
	if last := got.at[3]; last < 200*time.Millisecond {
		t.Errorf("last chunk after %v, want ≥ 200ms", last)
	}
	if spread := got.at[3] - got.at[0]; spread < 120*time.Millisecond {
		t.Errorf("chunks spread over %v (arrivals %v), want ≥ 120ms", spread, got.at)
	}
}

func TestSDKSlow(t *testing.T) {
	s := newServer(t)
	start := time.Now()
	if _, err := newClient(s.BaseURL("/slow/150ms")).Chat.Completions.New(testCtx(t), chatParams(false)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered after %v, want ≥ 150ms", d)
	}
}

func TestSDKHang(t *testing.T) {
	s := newServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newClient(s.BaseURL("/hang")).Chat.Completions.New(ctx, chatParams(false))
	d := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	if d < 190*time.Millisecond || d > 5*time.Second {
		t.Errorf("returned after %v, want the 200ms deadline", d)
	}
	start = time.Now()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
}

// TestCloseReleasesHang checks that Close does not wait for a hung request
// whose client is still waiting: httptest.Server.Close waits for handlers.
func TestCloseReleasesHang(t *testing.T) {
	s := newServer(t)
	errc := make(chan error, 1)
	go func() {
		_, err := newClient(s.BaseURL("/hang")).Chat.Completions.New(testCtx(t), chatParams(false))
		errc <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Requests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("request never arrived")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Error("hung request succeeded after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("client still waiting after Close")
	}
}

func TestSDKToolCall(t *testing.T) {
	s := newServer(t)
	c := newClient(s.BaseURL("/tool-call"))
	p := chatParams(true)
	p.Tools = []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
		Name:       "get_weather",
		Parameters: shared.FunctionParameters{"type": "object", "properties": map[string]any{"text": map[string]any{"type": "string"}}},
	})}
	checkArgs := func(kind, args string) {
		var v struct{ Text string }
		if err := json.Unmarshal([]byte(args), &v); err != nil || v.Text != defaultText {
			t.Errorf("%s: arguments %q (%v)", kind, args, err)
		}
	}

	resp, err := c.Chat.Completions.New(testCtx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 || ch.Message.ToolCalls[0].Function.Name != "get_weather" {
		t.Fatalf("non-streaming: finish %q, tool calls %+v", ch.FinishReason, ch.Message.ToolCalls)
	}
	checkArgs("non-streaming", ch.Message.ToolCalls[0].Function.Arguments)

	got := collect(t, testCtx(t), c, p)
	if got.err != nil {
		t.Fatal(got.err)
	}
	msg := got.acc.Choices[0].Message
	if got.acc.Choices[0].FinishReason != "tool_calls" || len(msg.ToolCalls) != 1 || msg.ToolCalls[0].Function.Name != "get_weather" || msg.ToolCalls[0].ID == "" {
		t.Fatalf("streaming: finish %q, tool calls %+v", got.acc.Choices[0].FinishReason, msg.ToolCalls)
	}
	checkArgs("streaming", msg.ToolCalls[0].Function.Arguments)

	// Without tools in the request the flag is ignored.
	resp, err = c.Chat.Completions.New(testCtx(t), chatParams(false))
	if err != nil || resp.Choices[0].Message.Content != defaultText {
		t.Errorf("no tools: %v, %+v", err, resp)
	}
}
