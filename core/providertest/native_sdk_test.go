package providertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/switchyard-router/switchyard/core/providertest"
	"google.golang.org/genai"
)

// The Anthropic and Gemini fakes, checked with the official SDKs: what the SDKs send is
// accepted, and what the fakes answer (bodies, SSE event sequences, errors) the SDKs read
// without complaint. The router's adapters are then tested against these fakes.

func anthropicClient(s *providertest.Server, script string) anthropic.Client {
	return anthropic.NewClient(
		aoption.WithBaseURL(s.URL+script),
		aoption.WithAPIKey("sk-ant-fake"),
		aoption.WithMaxRetries(0),
		aoption.WithRequestTimeout(10*time.Second),
	)
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var echoTool = anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
	Name:        "echo",
	InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"text": map[string]any{"type": "string"}}},
}}

func TestAnthropicSDK(t *testing.T) {
	s := providertest.NewServer()
	t.Cleanup(s.Close)
	params := anthropic.MessageNewParams{
		Model:     "claude-fake",
		MaxTokens: 4000,
		System:    []anthropic.TextBlockParam{{Text: "Be brief."}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hello"))},
	}

	t.Run("message", func(t *testing.T) {
		c := anthropicClient(s, "/text/hi%20%C3%A9/cache/3")
		m, err := c.Messages.New(ctx10(t), params)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Content) != 1 || m.Content[0].Text != "hi é" || m.StopReason != "end_turn" {
			t.Errorf("message %s", m.RawJSON())
		}
		if m.Usage.CacheReadInputTokens != 3 || m.Usage.OutputTokens != 2 {
			t.Errorf("usage %s", m.Usage.RawJSON())
		}
	})

	t.Run("stream with thinking", func(t *testing.T) {
		c := anthropicClient(s, "/stream/3/1ms/text/h%C3%A9llo%20%F0%9F%9A%82")
		p := params
		p.Thinking = anthropic.ThinkingConfigParamOfEnabled(2048)
		stream := c.Messages.NewStreaming(ctx10(t), p)
		var acc anthropic.Message
		for stream.Next() {
			if err := acc.Accumulate(stream.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		if len(acc.Content) != 2 || acc.Content[0].Thinking != "The user wants a friendly reply." ||
			acc.Content[0].Signature == "" || acc.Content[1].Text != "héllo 🚂" || acc.StopReason != "end_turn" {
			b, _ := json.Marshal(acc)
			t.Errorf("accumulated %s", b)
		}
	})

	t.Run("streamed tool use", func(t *testing.T) {
		c := anthropicClient(s, "/stream/5/1ms/tool-call/text/yo")
		p := params
		p.Tools = []anthropic.ToolUnionParam{echoTool}
		stream := c.Messages.NewStreaming(ctx10(t), p)
		var acc anthropic.Message
		for stream.Next() {
			if err := acc.Accumulate(stream.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		if len(acc.Content) != 1 || acc.Content[0].Name != "echo" || acc.StopReason != "tool_use" {
			t.Fatalf("accumulated %+v", acc.Content)
		}
		var in struct{ Text string }
		if err := json.Unmarshal(acc.Content[0].Input, &in); err != nil || !strings.HasPrefix(in.Text, "yo") {
			t.Errorf("input %s (%v)", acc.Content[0].Input, err)
		}

		// The tool result goes back; the fake checks it answers the tool_use.
		p.Messages = append(p.Messages, acc.ToParam(),
			anthropic.NewUserMessage(anthropic.NewToolResultBlock(acc.Content[0].ID, "done", false)))
		c2 := anthropicClient(s, "")
		if _, err := c2.Messages.New(ctx10(t), p); err != nil {
			t.Errorf("tool result turn: %v", err)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, status := range []int{400, 401, 429, 500, 529} {
			c := anthropicClient(s, "/fail/"+strconv.Itoa(status))
			_, err := c.Messages.New(ctx10(t), params)
			var apiErr *anthropic.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Errorf("status %d: err %v", status, err)
			}
		}
	})

	t.Run("in-stream error", func(t *testing.T) {
		c := anthropicClient(s, "/stream/3/1ms/error/1")
		stream := c.Messages.NewStreaming(ctx10(t), params)
		for stream.Next() {
		}
		if err := stream.Err(); err == nil || !strings.Contains(err.Error(), "overloaded_error") {
			t.Errorf("stream error %v, want overloaded_error", err)
		}
	})

	t.Run("rejects what Anthropic rejects", func(t *testing.T) {
		for name, body := range map[string]string{
			"no max_tokens":         `{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
			"assistant first":       `{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":"hi"}]}`,
			"roles not alternating": `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]}`,
			"empty text":            `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":""}]}]}`,
			"missing tool_result":   `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"x","input":{}}]},{"role":"user","content":"b"}]}`,
			"budget over max":       `{"model":"m","max_tokens":2000,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":"a"}]}`,
		} {
			status, resp := postRaw(t, s.URL+"/v1/messages", body, "x-api-key", "k", "anthropic-version", "2023-06-01")
			if status != 400 || !strings.Contains(resp, "invalid_request_error") {
				t.Errorf("%s: status %d body %s", name, status, resp)
			}
		}
	})
}

func geminiClient(t *testing.T, s *providertest.Server, script string) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(ctx10(t), &genai.ClientConfig{
		APIKey:      "goog-fake",
		Backend:     genai.BackendGeminiAPI,
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
		HTTPOptions: genai.HTTPOptions{BaseURL: s.URL + script + "/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGeminiSDK(t *testing.T) {
	s := providertest.NewServer()
	t.Cleanup(s.Close)
	contents := []*genai.Content{genai.NewContentFromText("hello", genai.RoleUser)}
	cfg := &genai.GenerateContentConfig{SystemInstruction: genai.NewContentFromText("Be brief.", genai.RoleUser)}

	t.Run("generate", func(t *testing.T) {
		r, err := geminiClient(t, s, "/text/hi%20%C3%A9/cache/4").Models.GenerateContent(ctx10(t), "gemini-fake", contents, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r.Text() != "hi é" || r.Candidates[0].FinishReason != genai.FinishReasonStop || r.UsageMetadata.CachedContentTokenCount != 4 {
			b, _ := json.Marshal(r)
			t.Errorf("response %s", b)
		}
	})

	t.Run("stream with thoughts", func(t *testing.T) {
		c := geminiClient(t, s, "/stream/3/1ms/text/h%C3%A9llo%20%F0%9F%9A%82")
		tc := *cfg
		tc.ThinkingConfig = &genai.ThinkingConfig{IncludeThoughts: true}
		var text, thoughts strings.Builder
		var last *genai.GenerateContentResponse
		for r, err := range c.Models.GenerateContentStream(ctx10(t), "gemini-fake", contents, &tc) {
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range r.Candidates[0].Content.Parts {
				if p.Thought {
					thoughts.WriteString(p.Text)
				} else {
					text.WriteString(p.Text)
				}
			}
			last = r
		}
		if text.String() != "héllo 🚂" || thoughts.String() != "The user wants a friendly reply." ||
			last.Candidates[0].FinishReason != genai.FinishReasonStop || last.UsageMetadata.ThoughtsTokenCount != 2 {
			t.Errorf("text %q thoughts %q last %+v", text.String(), thoughts.String(), last.UsageMetadata)
		}
	})

	t.Run("function call round trip", func(t *testing.T) {
		c := geminiClient(t, s, "/tool-call/text/yo")
		tc := *cfg
		tc.Tools = []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{{
			Name: "echo", ParametersJsonSchema: map[string]any{"type": "object"},
		}}}}
		r, err := c.Models.GenerateContent(ctx10(t), "gemini-fake", contents, &tc)
		if err != nil {
			t.Fatal(err)
		}
		calls := r.FunctionCalls()
		if len(calls) != 1 || calls[0].Name != "echo" || calls[0].Args["text"] != "yo" || len(r.Candidates[0].Content.Parts[0].ThoughtSignature) == 0 {
			b, _ := json.Marshal(r)
			t.Fatalf("response %s", b)
		}
		next := append(contents, r.Candidates[0].Content,
			genai.NewContentFromFunctionResponse("echo", map[string]any{"output": "done"}, genai.RoleUser))
		if _, err := geminiClient(t, s, "").Models.GenerateContent(ctx10(t), "gemini-fake", next, &tc); err != nil {
			t.Errorf("function response turn: %v", err)
		}
	})

	t.Run("prompt blocked", func(t *testing.T) {
		r, err := geminiClient(t, s, "/refuse").Models.GenerateContent(ctx10(t), "gemini-fake", contents, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Candidates) != 0 || r.PromptFeedback == nil || r.PromptFeedback.BlockReason != genai.BlockedReasonSafety {
			t.Errorf("response %+v", r)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, status := range []int{400, 403, 429, 500, 503} {
			_, err := geminiClient(t, s, "/fail/"+strconv.Itoa(status)).Models.GenerateContent(ctx10(t), "gemini-fake", contents, cfg)
			var apiErr genai.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != status {
				t.Errorf("status %d: err %v", status, err)
			}
		}
	})

	t.Run("rejects what Gemini rejects", func(t *testing.T) {
		base := s.URL + "/v1beta/models/gemini-fake:generateContent"
		for name, body := range map[string]string{
			"unknown field":       `{"contents":[{"role":"user","parts":[{"text":"a"}]}],"max_tokens":5}`,
			"unknown config":      `{"contents":[{"role":"user","parts":[{"text":"a"}]}],"generationConfig":{"max_tokens":5}}`,
			"bad role":            `{"contents":[{"role":"assistant","parts":[{"text":"a"}]}]}`,
			"response count":      `{"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}},{"functionCall":{"name":"f","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]}]}`,
			"non-object response": `{"contents":[{"role":"user","parts":[{"text":"a"}]},{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"f","response":"x"}}]}]}`,
		} {
			status, resp := postRaw(t, base, body, "x-goog-api-key", "k")
			if status != 400 || !strings.Contains(resp, "INVALID_ARGUMENT") {
				t.Errorf("%s: status %d body %s", name, status, resp)
			}
		}
	})
}

func postRaw(t *testing.T, url, body string, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
