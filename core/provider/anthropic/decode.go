package anthropic

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

// decodeMessage translates a Messages response into one OpenAI choice
// (shared/spec/providers.md §3.5): text blocks joined into content, thinking into
// reasoning plus reasoning_details (signatures and redacted data kept, so the client can
// send them back), tool_use into tool_calls, stop_reason into finish_reason with the
// native reason beside it, and usage with cache reads and writes.
func decodeMessage(dst, raw []byte, o *provider.Options) ([]byte, provider.Usage, error) {
	var content, stop, usage, errObj []byte
	isError := false
	ok := api.ScanObject(raw, func(m api.Member) bool {
		v := raw[m.ValueStart:m.End]
		switch m.Key {
		case "content":
			content = v
		case "stop_reason":
			stop = v
		case "usage":
			usage = v
		case "type":
			isError = string(v) == `"error"`
		case "error":
			errObj = v
		}
		return true
	})
	if !ok {
		return dst, provider.Usage{}, invalid("provider returned an invalid response")
	}
	if isError {
		return dst, provider.Usage{}, errorFailure(gjson.Parse(api.View(errObj)), http.StatusBadGateway)
	}
	if content == nil || content[0] != '[' {
		return dst, provider.Usage{}, invalid("provider response has no content")
	}
	var c contentSummary
	provider.EachElement(content, func(blk []byte) bool {
		c.add(blk)
		return true
	})

	native := api.StringValue(stop)
	dst = o.Stamp.AppendCompletionHead(dst, o.Created)
	dst = append(dst, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	dst = c.appendText(dst)
	dst = append(dst, `,"refusal":null`...)
	if !o.ExcludeReasoning && len(c.reasoning) > 0 {
		dst = append(dst, `,"reasoning":`...)
		dst = c.appendReasoning(dst)
		dst = append(dst, `,"reasoning_details":[`...)
		for i, r := range c.reasoning {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendDetail(dst, r, i, o.Spec.Family)
		}
		dst = append(dst, ']')
	}
	if len(c.tools) > 0 {
		dst = append(dst, `,"tool_calls":[`...)
		for i, t := range c.tools {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"id":`...)
			dst = appendRaw(dst, t.id, `""`)
			dst = append(dst, `,"type":"function","function":{"name":`...)
			dst = appendRaw(dst, t.name, `""`)
			dst = append(dst, `,"arguments":`...)
			if len(t.input) > 0 && t.input[0] == '{' {
				dst = api.AppendString(dst, api.View(t.input))
			} else {
				dst = append(dst, `"{}"`...)
			}
			dst = append(dst, "}}"...)
		}
		dst = append(dst, ']')
	}
	reason := o.Spec.FinishReason(native)
	dst = append(dst, `},"logprobs":null,`...)
	dst = provider.AppendFinish(dst, reason, native)
	var counts provider.Counts
	counts.Merge(&o.Spec.Usage, gjson.Parse(api.View(usage)))
	u := counts.Usage()
	dst = append(dst, `}],"usage":`...)
	dst = provider.AppendUsage(dst, u)
	return append(dst, '}'), u, nil
}

// blockSpans is one content block's members, as raw spans of the response.
type blockSpans struct {
	typ, text, thinking, signature, data, id, name, input []byte
}

// readBlock reads a block's members in one pass of the scanner.
func readBlock(raw []byte) blockSpans {
	var b blockSpans
	api.ScanObject(raw, func(m api.Member) bool {
		v := raw[m.ValueStart:m.End]
		switch m.Key {
		case "type":
			b.typ = v
		case "text":
			b.text = v
		case "thinking":
			b.thinking = v
		case "signature":
			b.signature = v
		case "data":
			b.data = v
		case "id":
			b.id = v
		case "name":
			b.name = v
		case "input":
			b.input = v
		}
		return true
	})
	return b
}

// contentSummary sorts a message's blocks by what they become.
type contentSummary struct {
	texts     [][]byte     // text blocks' raw "text" strings
	reasoning []blockSpans // thinking and redacted_thinking blocks
	tools     []blockSpans // tool_use blocks
}

func (c *contentSummary) add(raw []byte) {
	b := readBlock(raw)
	switch string(b.typ) {
	case `"text"`:
		if isString(b.text) {
			c.texts = append(c.texts, b.text)
		}
	case `"thinking"`, `"redacted_thinking"`:
		c.reasoning = append(c.reasoning, b)
	case `"tool_use"`:
		c.tools = append(c.tools, b)
	}
}

func isString(raw []byte) bool { return len(raw) >= 2 && raw[0] == '"' }

// appendRaw copies a raw JSON value, or def when it is absent.
func appendRaw(dst, raw []byte, def string) []byte {
	if len(raw) == 0 {
		return append(dst, def...)
	}
	return append(dst, raw...)
}

// appendText writes content: one text block's raw string as is, several joined, or null.
func (c *contentSummary) appendText(dst []byte) []byte {
	switch len(c.texts) {
	case 0:
		return append(dst, "null"...)
	case 1:
		return append(dst, c.texts[0]...)
	}
	var sb strings.Builder
	for _, t := range c.texts {
		sb.WriteString(api.StringValue(t))
	}
	return api.AppendString(dst, sb.String())
}

// appendReasoning writes the thinking text: one block's raw string as is, several joined.
func (c *contentSummary) appendReasoning(dst []byte) []byte {
	var one []byte
	n := 0
	for _, r := range c.reasoning {
		if isString(r.thinking) {
			one = r.thinking
			n++
		}
	}
	switch n {
	case 0:
		return append(dst, `""`...)
	case 1:
		return append(dst, one...)
	}
	var sb strings.Builder
	for _, r := range c.reasoning {
		if isString(r.thinking) {
			sb.WriteString(api.StringValue(r.thinking))
		}
	}
	return api.AppendString(dst, sb.String())
}

// appendDetail writes one reasoning_details item (openrouter-api.md §1.5).
func appendDetail(dst []byte, blk blockSpans, i int, family string) []byte {
	if string(blk.typ) == `"redacted_thinking"` {
		dst = append(dst, `{"type":"reasoning.encrypted","data":`...)
		dst = appendRaw(dst, blk.data, `""`)
	} else {
		dst = append(dst, `{"type":"reasoning.text","text":`...)
		dst = appendRaw(dst, blk.thinking, `""`)
		dst = append(dst, `,"signature":`...)
		dst = appendRaw(dst, blk.signature, "null")
	}
	dst = append(dst, `,"format":`...)
	dst = api.AppendString(dst, family)
	dst = append(dst, `,"index":`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, '}')
}

func invalid(msg string) *provider.Failure {
	return &provider.Failure{Status: http.StatusBadGateway, Code: "invalid_response", Message: msg}
}

// errorStatus is the HTTP status each Anthropic error type is sent with (§3.7), for
// errors that arrive inside a 200 stream.
func errorStatus(typ string) int {
	switch typ {
	case "invalid_request_error":
		return 400
	case "authentication_error":
		return 401
	case "billing_error":
		return 402
	case "permission_error":
		return 403
	case "not_found_error":
		return 404
	case "request_too_large":
		return 413
	case "rate_limit_error":
		return 429
	case "api_error":
		return 500
	case "timeout_error":
		return 504
	case "overloaded_error":
		return 529
	}
	return 0
}

// errorFailure reads an Anthropic error object {"type","message"}.
func errorFailure(e gjson.Result, fallback int) *provider.Failure {
	typ := e.Get("type").Str
	f := &provider.Failure{Status: errorStatus(typ), Code: typ, Message: e.Get("message").Str}
	if f.Status == 0 {
		f.Status = fallback
	}
	if f.Code == "" {
		f.Code = "upstream_error"
	}
	if f.Message == "" {
		f.Message = "Provider returned an error"
	}
	return f
}

// classify reads a non-2xx body {"type":"error","error":{"type","message"}}. A 400 about
// the account's credit balance or spend limit is our account's problem, not the
// request's, so another endpoint may serve it (§8: "400 spend-limit variant").
func classify(status int, _ http.Header, body []byte) provider.Failure {
	if !gjson.ValidBytes(body) {
		return provider.Failure{Status: status}
	}
	e := gjson.GetBytes(body, "error")
	f := provider.Failure{Status: status, Code: e.Get("type").Str, Message: e.Get("message").Str}
	if status == http.StatusBadRequest {
		msg := strings.ToLower(f.Message)
		if strings.Contains(msg, "credit balance") || strings.Contains(msg, "spend limit") {
			f.Next, f.Decided = true, true
		}
	}
	if status == http.StatusTooManyRequests && gjson.GetBytes(body, "error.details.error_code").Str == "enforced_spend_limit_reached" {
		f.Code = "enforced_spend_limit_reached"
	}
	return f
}
