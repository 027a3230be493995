package provider

import (
	"strings"

	"github.com/tidwall/gjson"
)

// Message is one OpenAI chat message read in one pass over its members
// (shared/spec/openrouter-api.md §1.2). Values alias the request body.
type Message struct {
	Role             string
	Content          gjson.Result // string, array of parts, or absent/null
	Name             string
	ToolCalls        gjson.Result // assistant: array
	ToolCallID       string       // tool
	Reasoning        gjson.Result // assistant: reasoning or reasoning_content (string)
	ReasoningDetails gjson.Result // assistant: array
}

// ReadMessage reads one element of messages[].
func ReadMessage(v gjson.Result) Message {
	var m Message
	v.ForEach(func(k, val gjson.Result) bool {
		switch k.Str {
		case "role":
			m.Role = val.Str
		case "content":
			m.Content = val
		case "name":
			m.Name = val.Str
		case "tool_calls":
			m.ToolCalls = val
		case "tool_call_id":
			m.ToolCallID = val.Str
		case "reasoning", "reasoning_content":
			if val.Type == gjson.String && val.Str != "" {
				m.Reasoning = val
			}
		case "reasoning_details":
			m.ReasoningDetails = val
		}
		return true
	})
	if m.Content.Type == gjson.Null {
		m.Content = gjson.Result{}
	}
	return m
}

// ContentText returns a message's text: the string content, or its text parts joined
// (for roles whose upstream form is plain text).
func ContentText(c gjson.Result) string {
	if c.Type == gjson.String {
		return c.Str
	}
	if !c.IsArray() {
		return ""
	}
	var sb strings.Builder
	c.ForEach(func(_, p gjson.Result) bool {
		if p.Get("type").Str == "text" {
			sb.WriteString(p.Get("text").Str)
		}
		return true
	})
	return sb.String()
}

// DataURL splits "data:<media type>;base64,<data>". ok is false for anything else
// (an http(s) URL, or a data URL that is not base64).
func DataURL(u string) (mediaType, data string, ok bool) {
	rest, found := strings.CutPrefix(u, "data:")
	if !found {
		return "", "", false
	}
	meta, data, found := strings.Cut(rest, ",")
	if !found {
		return "", "", false
	}
	mediaType, b64 := strings.CutSuffix(meta, ";base64")
	if !b64 {
		return "", "", false
	}
	if i := strings.IndexByte(mediaType, ';'); i >= 0 {
		mediaType = mediaType[:i] // parameters such as charset
	}
	return mediaType, data, true
}

// Arguments turns a tool call's arguments string into the JSON object Anthropic, Gemini
// and Bedrock want: the object itself when it is one, {} when empty, and otherwise
// {"_raw": "<the text>"} so a model's broken JSON still reaches the upstream
// (shared/spec/providers.md §2.3).
func Arguments(dst []byte, args string) []byte {
	s := strings.TrimSpace(args)
	if s == "" {
		return append(dst, "{}"...)
	}
	if s[0] == '{' && gjson.Valid(s) {
		return append(dst, s...)
	}
	dst = append(dst, `{"_raw":`...)
	dst = appendString(dst, args)
	return append(dst, '}')
}

// FamilyOf returns the reasoning_details format of an item; OpenRouter's default is
// anthropic-claude-v1 (openrouter-api.md §1.5).
func FamilyOf(item gjson.Result) string {
	if f := item.Get("format").Str; f != "" && f != "unknown" {
		return f
	}
	return "anthropic-claude-v1"
}
