package providertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/switchyard-router/switchyard/core/api"
	"net/http"
	"strconv"
	"time"
)

// The fake Anthropic Messages API (shared/spec/providers.md §3): POST {prefix}/v1/messages.
// It checks what the real API insists on (x-api-key, anthropic-version, max_tokens,
// alternating roles starting with user, non-empty text, tool_result right after tool_use,
// thinking budget below max_tokens) and answers 400 invalid_request_error like Anthropic
// when a router gets it wrong. Behaviours come from the same path scripts as the OpenAI
// fake. When the request enables thinking, the answer starts with a thinking block and
// its signature.

type anthropicRequest struct {
	Model     string `json:"model"`
	MaxTokens *int   `json:"max_tokens"`
	Messages  []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	System json.RawMessage `json:"system"`
	Stream bool            `json:"stream"`
	Tools  []struct {
		Name        string          `json:"name"`
		InputSchema json.RawMessage `json:"input_schema"`
	} `json:"tools"`
	Thinking *struct {
		Type         string `json:"type"`
		BudgetTokens int    `json:"budget_tokens"`
	} `json:"thinking"`
	Temperature *float64 `json:"temperature"`
}

type anthropicBlock struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text"`
	ID        string          `json:"id"`
	ToolUseID string          `json:"tool_use_id"`
	Source    json.RawMessage `json:"source"`
}

func (h *Handler) serveAnthropic(w http.ResponseWriter, r *http.Request, b Behavior) {
	body, b, ok := h.intake(w, r, b, func(w http.ResponseWriter, status int, msg string) {
		writeAnthropicError(w, status, "invalid_request_error", msg)
	})
	if !ok {
		return
	}
	switch {
	case r.Header.Get("x-api-key") == "":
		writeAnthropicError(w, http.StatusUnauthorized, "authentication_error", "x-api-key header is required")
		return
	case r.Header.Get("anthropic-version") != "2023-06-01":
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required (the fake accepts 2023-06-01)")
		return
	}
	var req anthropicRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", "invalid JSON body: "+err.Error())
		return
	}
	if msg := checkAnthropic(&req); msg != "" {
		writeAnthropicError(w, http.StatusBadRequest, "invalid_request_error", msg)
		return
	}
	n := h.seq.Add(1)
	w.Header().Set("request-id", "req_fake_"+strconv.FormatInt(n, 10))
	if !h.preludeAs(w, r, b, writeAnthropicStatus) {
		return
	}
	tool := ""
	if len(req.Tools) > 0 {
		tool = req.Tools[0].Name
	}
	thinking := req.Thinking != nil && req.Thinking.Type == "enabled"
	rp := newNativeReply(b, req.Model, n, len(body), tool, thinking)
	if req.Stream {
		h.anthropicStream(w, r, rp, req.Model)
		return
	}
	if !h.sleep(r.Context(), rp.b.Delay*time.Duration(len(rp.pieces))) {
		abort(w)
		return
	}
	if b.breaks() {
		if b.StreamError {
			writeAnthropicError(w, 529, "overloaded_error", "Overloaded (scripted)")
			return
		}
		abort(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(rp.anthropicMessage(req.Model))
}

// checkAnthropic returns the 400 message the real API would give, or "".
func checkAnthropic(req *anthropicRequest) string {
	switch {
	case req.Model == "":
		return "model: Field required"
	case req.MaxTokens == nil:
		return "max_tokens: Field required"
	case *req.MaxTokens < 1:
		return "max_tokens: must be at least 1"
	case len(req.Messages) == 0:
		return "messages: at least one message is required"
	case req.Messages[0].Role != "user":
		return "messages: first message must use the \"user\" role"
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 1):
		return "temperature: must be between 0 and 1"
	}
	if t := req.Thinking; t != nil && t.Type == "enabled" {
		switch {
		case t.BudgetTokens < 1024:
			return "thinking.budget_tokens: must be at least 1024"
		case t.BudgetTokens >= *req.MaxTokens:
			return "max_tokens must be greater than thinking.budget_tokens"
		case req.Temperature != nil && *req.Temperature != 1:
			return "temperature may only be set to 1 when thinking is enabled"
		}
	}
	for i, t := range req.Tools {
		var schema struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(t.InputSchema, &schema) != nil || schema.Type != "object" {
			return fmt.Sprintf("tools.%d.input_schema: must be a JSON schema of type object", i)
		}
	}
	var pending []string // tool_use ids awaiting results
	for i, m := range req.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return fmt.Sprintf("messages.%d.role: Input should be 'user' or 'assistant'", i)
		}
		if i > 0 && req.Messages[i-1].Role == m.Role {
			return fmt.Sprintf("messages.%d: roles must alternate between \"user\" and \"assistant\"", i)
		}
		var s string
		if json.Unmarshal(m.Content, &s) == nil {
			if s == "" {
				return fmt.Sprintf("messages.%d: text content blocks must be non-empty", i)
			}
			if len(pending) > 0 {
				return fmt.Sprintf("messages.%d: tool_use ids were found without tool_result blocks immediately after: %s", i, pending[0])
			}
			continue
		}
		var blocks []anthropicBlock
		if err := json.Unmarshal(m.Content, &blocks); err != nil || len(blocks) == 0 {
			return fmt.Sprintf("messages.%d.content: must be a string or a non-empty list of blocks", i)
		}
		results := 0
		for j, bl := range blocks {
			switch bl.Type {
			case "text":
				if bl.Text == nil || *bl.Text == "" {
					return fmt.Sprintf("messages.%d.content.%d: text content blocks must be non-empty", i, j)
				}
			case "tool_use":
				if m.Role != "assistant" {
					return fmt.Sprintf("messages.%d.content.%d: tool_use is only allowed in assistant messages", i, j)
				}
				pending = append(pending, bl.ID)
			case "tool_result":
				if j != results {
					return fmt.Sprintf("messages.%d.content.%d: tool_result blocks must come first in the user message", i, j)
				}
				results++
				found := false
				for k, id := range pending {
					if id == bl.ToolUseID {
						pending = append(pending[:k], pending[k+1:]...)
						found = true
						break
					}
				}
				if !found {
					return fmt.Sprintf("messages.%d.content.%d: unexpected tool_use_id %q in tool_result", i, j, bl.ToolUseID)
				}
			case "image", "document":
				if len(bl.Source) == 0 {
					return fmt.Sprintf("messages.%d.content.%d.source: Field required", i, j)
				}
			case "thinking", "redacted_thinking":
				if m.Role != "assistant" {
					return fmt.Sprintf("messages.%d.content.%d: thinking blocks are only allowed in assistant messages", i, j)
				}
			}
		}
		if m.Role == "user" && len(pending) > 0 {
			return fmt.Sprintf("messages.%d: tool_use ids were found without tool_result blocks immediately after: %s", i, pending[0])
		}
	}
	return ""
}

func (rp *nativeReply) stopReason() string {
	switch {
	case rp.b.Refuse:
		return "refusal"
	case rp.tool != "":
		return "tool_use"
	}
	return "end_turn"
}

func (rp *nativeReply) anthropicUsage(dst []byte, output int) []byte {
	cached := rp.b.CachedTokens
	dst = append(dst, `{"input_tokens":`...)
	dst = strconv.AppendInt(dst, int64(rp.prompt-cached), 10)
	dst = append(dst, `,"cache_creation_input_tokens":0,"cache_read_input_tokens":`...)
	dst = strconv.AppendInt(dst, int64(cached), 10)
	dst = append(dst, `,"output_tokens":`...)
	dst = strconv.AppendInt(dst, int64(output), 10)
	if len(rp.thinking) > 0 {
		dst = append(dst, `,"output_tokens_details":{"thinking_tokens":`...)
		dst = strconv.AppendInt(dst, int64(len(rp.thinking)), 10)
		dst = append(dst, '}')
	}
	return append(dst, `,"service_tier":"standard"}`...)
}

// signature is the fake's opaque thinking (Anthropic) or thought (Gemini) signature:
// base64, as both are, since Gemini's SDK decodes it into bytes.
func (rp *nativeReply) signature() string {
	return base64.StdEncoding.EncodeToString([]byte("sig-fake-" + strconv.FormatInt(rp.n, 10)))
}

func (rp *nativeReply) toolID() string { return "toolu_fake_" + strconv.FormatInt(rp.n, 10) }

// refusalText is what a refusing model says.
const refusalText = "I can't help with that."

// anthropicMessage is the non-streaming answer (§3.5).
func (rp *nativeReply) anthropicMessage(model string) []byte {
	dst := append([]byte(`{"id":"msg_fake_`), strconv.FormatInt(rp.n, 10)...)
	dst = append(dst, `","type":"message","role":"assistant","model":`...)
	dst = api.AppendString(dst, model)
	dst = append(dst, `,"content":[`...)
	if len(rp.thinking) > 0 {
		dst = append(dst, `{"type":"thinking","thinking":`...)
		dst = api.AppendString(dst, rp.thinking[0]+rp.thinking[1])
		dst = append(dst, `,"signature":`...)
		dst = api.AppendString(dst, rp.signature())
		dst = append(dst, "},"...)
	}
	switch {
	case rp.b.Refuse:
		dst = append(dst, `{"type":"text","text":`...)
		dst = api.AppendString(dst, refusalText)
		dst = append(dst, '}')
	case rp.tool != "":
		dst = append(dst, `{"type":"tool_use","id":`...)
		dst = api.AppendString(dst, rp.toolID())
		dst = append(dst, `,"name":`...)
		dst = api.AppendString(dst, rp.tool)
		dst = append(dst, `,"input":`...)
		dst = append(dst, rp.args...)
		dst = append(dst, '}')
	default:
		dst = append(dst, `{"type":"text","text":`...)
		dst = api.AppendString(dst, rp.text)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"stop_reason":`...)
	dst = api.AppendString(dst, rp.stopReason())
	dst = append(dst, `,"stop_sequence":null,"usage":`...)
	dst = rp.anthropicUsage(dst, rp.completion())
	return append(dst, '}')
}

// anthropicStream writes the event sequence of §3.6, one event per flush, with a ping
// and an event type no client knows (which clients must ignore, §0).
func (h *Handler) anthropicStream(w http.ResponseWriter, r *http.Request, rp *nativeReply, model string) {
	b := rp.b
	s := startSSE(w, "\n")
	if b.Cut && b.CutAfter <= 0 {
		abort(w)
		return
	}
	var buf []byte
	ev := func(name string, build func([]byte) []byte) bool {
		buf = build(buf[:0])
		return s.event(name, buf)
	}
	start := func(dst []byte) []byte {
		dst = append(dst, `{"type":"message_start","message":{"id":"msg_fake_`...)
		dst = strconv.AppendInt(dst, rp.n, 10)
		dst = append(dst, `","type":"message","role":"assistant","model":`...)
		dst = api.AppendString(dst, model)
		dst = append(dst, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":`...)
		dst = rp.anthropicUsage(dst, 1)
		return append(dst, `},"x_fake_unknown_field":true}`...)
	}
	if !ev("message_start", start) || !ev("ping", func(d []byte) []byte { return append(d, `{"type":"ping"}`...) }) {
		return
	}
	stop := func() {
		if !b.StreamError {
			abort(w)
			return
		}
		ev("error", func(d []byte) []byte {
			return append(d, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded (scripted)"},"request_id":"req_fake"}`...)
		})
	}
	if b.breaks() && b.CutAfter <= 0 {
		stop()
		return
	}
	ev("fake_unknown_event", func(d []byte) []byte { return append(d, `{"type":"fake_unknown_event"}`...) })
	idx := 0
	if len(rp.thinking) > 0 {
		ev("content_block_start", func(d []byte) []byte {
			return append(d, `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}`...)
		})
		for _, t := range rp.thinking {
			ev("content_block_delta", func(d []byte) []byte {
				d = append(d, `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":`...)
				d = api.AppendString(d, t)
				return append(d, "}}"...)
			})
		}
		ev("content_block_delta", func(d []byte) []byte {
			d = append(d, `{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":`...)
			d = api.AppendString(d, rp.signature())
			return append(d, "}}"...)
		})
		ev("content_block_stop", func(d []byte) []byte { return append(d, `{"type":"content_block_stop","index":0}`...) })
		idx++
	}
	pieces := rp.pieces
	if b.Refuse {
		pieces = []string{refusalText}
	}
	ev("content_block_start", func(d []byte) []byte {
		d = append(d, `{"type":"content_block_start","index":`...)
		d = strconv.AppendInt(d, int64(idx), 10)
		if rp.tool != "" && !b.Refuse {
			d = append(d, `,"content_block":{"type":"tool_use","id":`...)
			d = api.AppendString(d, rp.toolID())
			d = append(d, `,"name":`...)
			d = api.AppendString(d, rp.tool)
			return append(d, `,"input":{}}}`...)
		}
		return append(d, `,"content_block":{"type":"text","text":""}}`...)
	})
	if rp.tool != "" && !b.Refuse {
		// The first argument delta is empty, as Anthropic's often is.
		ev("content_block_delta", func(d []byte) []byte {
			d = append(d, `{"type":"content_block_delta","index":`...)
			d = strconv.AppendInt(d, int64(idx), 10)
			return append(d, `,"delta":{"type":"input_json_delta","partial_json":""}}`...)
		})
	}
	for i, p := range pieces {
		if !h.sleep(r.Context(), b.Delay) {
			abort(w)
			return
		}
		ok := ev("content_block_delta", func(d []byte) []byte {
			d = append(d, `{"type":"content_block_delta","index":`...)
			d = strconv.AppendInt(d, int64(idx), 10)
			if rp.tool != "" && !b.Refuse {
				d = append(d, `,"delta":{"type":"input_json_delta","partial_json":`...)
			} else {
				d = append(d, `,"delta":{"type":"text_delta","text":`...)
			}
			d = api.AppendString(d, p)
			return append(d, "}}"...)
		})
		if !ok {
			return
		}
		if b.breaks() && i+1 == b.CutAfter {
			stop()
			return
		}
	}
	if b.breaks() {
		stop()
		return
	}
	ev("content_block_stop", func(d []byte) []byte {
		d = append(d, `{"type":"content_block_stop","index":`...)
		d = strconv.AppendInt(d, int64(idx), 10)
		return append(d, '}')
	})
	ev("message_delta", func(d []byte) []byte {
		d = append(d, `{"type":"message_delta","delta":{"stop_reason":`...)
		d = api.AppendString(d, rp.stopReason())
		d = append(d, `,"stop_sequence":null},"usage":`...)
		return append(rp.anthropicUsage(d, rp.completion()), '}')
	})
	ev("message_stop", func(d []byte) []byte { return append(d, `{"type":"message_stop"}`...) })
}

// writeAnthropicStatus answers a scripted failure with Anthropic's error for that status
// (§3.7), with retry-after on 429 and 529.
func writeAnthropicStatus(w http.ResponseWriter, status int) {
	typ, msg := "invalid_request_error", "providertest: scripted failure"
	switch status {
	case 401:
		typ, msg = "authentication_error", "invalid x-api-key (scripted)"
	case 402:
		typ = "billing_error"
	case 403:
		typ = "permission_error"
	case 404:
		typ, msg = "not_found_error", "model: not found (scripted)"
	case 413:
		typ = "request_too_large"
	case 429:
		typ, msg = "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit (scripted)"
	case 500:
		typ = "api_error"
	case 504:
		typ = "timeout_error"
	case 529:
		typ, msg = "overloaded_error", "Overloaded (scripted)"
	default:
		if status >= 500 {
			typ = "api_error"
		}
	}
	if status == 429 || status == 529 {
		w.Header().Set("retry-after", "1")
	}
	writeAnthropicError(w, status, typ, msg)
}

func writeAnthropicError(w http.ResponseWriter, status int, typ, msg string) {
	dst := append([]byte(`{"type":"error","error":{"type":`), api.AppendString(nil, typ)...)
	dst = append(dst, `,"message":`...)
	dst = api.AppendString(dst, msg)
	dst = append(dst, `},"request_id":"req_fake"}`...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(dst)
}
