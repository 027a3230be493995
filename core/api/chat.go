// Package api is the inbound OpenRouter/OpenAI surface: a read-only view over the client's
// raw request body and the JSON the router writes back. It reads with gjson on the original
// bytes and writes with append functions, so messages are never decoded into structs.
package api

import (
	"unsafe"

	"github.com/tidwall/gjson"
)

// routerOnly lists top-level fields that mean something to the router and nothing to an
// upstream: OpenAI rejects unknown request arguments, so they never leave Switchyard.
// See shared/spec/openrouter-api.md §1.1 (OpenRouter extension fields).
var routerOnly = [...]string{"models", "provider", "transforms", "route", "usage", "plugins", "session_id", "trace", "debug"}

// Chat is a parsed chat-completions request. It keeps the original bytes; Rest holds every
// top-level member an upstream should see except model and stream_options, each copied byte
// for byte, so building an upstream body per attempt is a few appends.
type Chat struct {
	Body   []byte
	Model  string // "" when absent
	Stream bool
	// Rest is ",member,member..." (each member as the client wrote it).
	Rest []byte
	// models is the raw models[] array ("" when absent).
	models string
	// Provider is the raw provider preferences object ("" when absent).
	Provider string
}

// BadRequest is a client error found while reading the request; the router answers 400.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return e.Msg }

// ParseChat reads a chat-completions body in one pass over its top-level members. It
// validates what routing needs and leaves the rest (messages above all) for the upstream to
// judge: re-validating prompts would cost a decode per request for no gain.
func ParseChat(body []byte) (*Chat, error) {
	if !gjson.ValidBytes(body) {
		return nil, &BadRequest{"Invalid JSON in request body"}
	}
	off := 0
	for off < len(body) && body[off] <= ' ' {
		off++
	}
	if off == len(body) || body[off] != '{' {
		return nil, &BadRequest{"Request body must be a JSON object"}
	}
	c := &Chat{Body: body, Rest: make([]byte, 0, len(body))}
	// The view aliases body: gjson results are substrings of it, never copies.
	s := unsafe.String(&body[off], len(body)-off)
	var err error
	hasMessages := false
	gjson.Parse(s).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "model":
			if v.Type != gjson.String {
				err = &BadRequest{"model must be a string"}
				return false
			}
			c.Model = v.Str
			return true
		case "stream":
			if v.Type != gjson.True && v.Type != gjson.False && v.Type != gjson.Null {
				err = &BadRequest{"stream must be a boolean"}
				return false
			}
			c.Stream = v.Type == gjson.True
		case "stream_options":
			return true // rewritten per upstream
		case "messages":
			if !v.IsArray() || EmptyArray(v.Raw) {
				err = &BadRequest{"messages must be a non-empty array"}
				return false
			}
			hasMessages = true
		case "models":
			if v.Type != gjson.Null && !v.IsArray() {
				err = &BadRequest{"models must be an array of model IDs"}
				return false
			}
			c.models = v.Raw
			return true
		case "provider":
			if v.Type != gjson.Null && !v.IsObject() {
				err = &BadRequest{"provider must be an object"}
				return false
			}
			c.Provider = v.Raw
			return true
		default:
			if isRouterOnly(k.Str) {
				return true
			}
		}
		c.Rest = append(c.Rest, ',')
		c.Rest = append(c.Rest, s[k.Index:v.Index+len(v.Raw)]...)
		return true
	})
	if err != nil {
		return nil, err
	}
	if !hasMessages {
		return nil, &BadRequest{"messages is required"}
	}
	return c, nil
}

// EmptyArray reports whether a raw JSON array has no elements, without parsing them.
func EmptyArray(raw string) bool {
	for i := 1; i < len(raw); i++ {
		if raw[i] > ' ' {
			return raw[i] == ']'
		}
	}
	return true
}

func isRouterOnly(k string) bool {
	for _, f := range routerOnly {
		if k == f {
			return true
		}
	}
	return false
}

// Models returns the model list to try in order: model first, then models[], without
// duplicates. OpenRouter leaves the merge rule undocumented; treating model as the head of
// the list is what its clients expect (shared/spec/openrouter-api.md §1.1).
func (c *Chat) Models() ([]string, error) {
	out := make([]string, 0, 4)
	if c.Model != "" {
		out = append(out, c.Model)
	}
	var err error
	if c.models != "" {
		gjson.Parse(c.models).ForEach(func(_, v gjson.Result) bool {
			if v.Type != gjson.String || v.Str == "" {
				err = &BadRequest{"models must be an array of model IDs"}
				return false
			}
			for _, m := range out {
				if m == v.Str {
					return true
				}
			}
			out = append(out, v.Str)
			return true
		})
	}
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &BadRequest{"model is required"}
	}
	return out, nil
}

// AppendUpstream writes the body an OpenAI-compatible upstream receives: the client's members
// byte for byte, model set to the upstream's id and, when streaming, usage requested so the
// router can always end the stream with a usage chunk.
func (c *Chat) AppendUpstream(dst []byte, upstreamModel string) []byte {
	dst = append(dst, `{"model":`...)
	dst = AppendString(dst, upstreamModel)
	if c.Stream {
		dst = append(dst, `,"stream_options":{"include_usage":true}`...)
	}
	dst = append(dst, c.Rest...)
	return append(dst, '}')
}
