// Package api is the inbound OpenRouter/OpenAI surface: a read-only view over the client's
// raw request body and the JSON the router writes back. It reads with gjson on the original
// bytes and writes with append functions, so messages are never decoded into structs.
package api

import (
	"bytes"
	"unsafe"

	"github.com/tidwall/gjson"
)

// routerOnly lists top-level fields that mean something to the router and nothing to an
// upstream: OpenAI rejects unknown request arguments, so they never leave Switchyard.
// See shared/spec/openrouter-api.md §1.1 (OpenRouter extension fields).
var routerOnly = [...]string{"models", "provider", "transforms", "route", "usage", "plugins", "session_id", "trace", "debug"}

// Chat is a parsed chat-completions request over the original bytes. It records the spans of
// the top-level members an upstream must not see (model, stream_options, router-only
// fields), so an upstream body is the client's body with those spans cut out: a few appends
// per attempt, no copy kept per request.
type Chat struct {
	Body   []byte
	Model  string // "" when absent
	Stream bool
	// skips are [start, end) spans of members to cut, in body order; skipBuf keeps the
	// usual handful off the heap.
	skips   [][2]int
	skipBuf [8][2]int
	open    int // index of the body's opening brace
	// models is the raw models[] array ("" when absent).
	models string
	// Provider is the raw provider preferences object ("" when absent).
	Provider string
	// Routing holds what planning reads from the other members (routing.go).
	Routing Routing
}

// BadRequest is a client error found while reading the request; the router answers 400.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return e.Msg }

// ParseChat reads a chat-completions body in one validating pass over its top-level
// members. It checks what routing needs and leaves the rest (messages above all) for the
// upstream to judge: re-validating prompts would cost a decode per request for no gain.
func ParseChat(body []byte) (*Chat, error) {
	c := &Chat{Body: body}
	c.skips = c.skipBuf[:0]
	var err error
	hasMessages := false
	ok := ScanObject(body, func(m Member) bool {
		v := body[m.ValueStart:m.End]
		c.Routing.note(m, v)
		skip := func() bool {
			c.skips = append(c.skips, [2]int{m.Start, m.End})
			return true
		}
		switch m.Key {
		case "model":
			if v[0] != '"' {
				err = &BadRequest{"model must be a string"}
				return false
			}
			c.Model = StringValue(v)
			return skip()
		case "stream":
			switch string(v) {
			case "true":
				c.Stream = true
			case "false", "null":
			default:
				err = &BadRequest{"stream must be a boolean"}
				return false
			}
		case "stream_options":
			return skip() // rewritten per upstream
		case "messages":
			if v[0] != '[' || EmptyArray(view(v)) {
				err = &BadRequest{"messages must be a non-empty array"}
				return false
			}
			hasMessages = true
		case "models":
			if v[0] != '[' && string(v) != "null" {
				err = &BadRequest{"models must be an array of model IDs"}
				return false
			}
			c.models = view(v)
			return skip()
		case "provider":
			if v[0] != '{' && string(v) != "null" {
				err = &BadRequest{"provider must be an object"}
				return false
			}
			c.Provider = view(v)
			return skip()
		default:
			if isRouterOnly(m.Key) {
				return skip()
			}
		}
		return true
	})
	switch {
	case err != nil:
		return nil, err
	case !ok && gjson.ValidBytes(body):
		return nil, &BadRequest{"Request body must be a JSON object"}
	case !ok:
		return nil, &BadRequest{"Invalid JSON in request body"}
	case !hasMessages:
		return nil, &BadRequest{"messages is required"}
	}
	c.open = bytes.IndexByte(body, '{')
	return c, nil
}

// view is a string aliasing b (not a copy); b must not change while the view is in use.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// View is view for other packages reading request and response bytes in place.
func View(b []byte) string { return view(b) }

// StringValue returns the content of a raw JSON string, aliasing raw when there is nothing
// to unescape.
func StringValue(raw []byte) string {
	if len(raw) < 2 {
		return ""
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return view(raw[1 : len(raw)-1])
	}
	return gjson.ParseBytes(raw).Str
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

// UpstreamSize is an upper bound of the upstream body's size beyond the model id, for sizing
// its buffer.
func (c *Chat) UpstreamSize() int { return len(c.Body) + 64 }

// AppendUpstream writes the body an OpenAI-compatible upstream receives: the client's members
// byte for byte, model set to the upstream's id and, when streaming, usage requested so the
// router can always end the stream with a usage chunk.
func (c *Chat) AppendUpstream(dst []byte, upstreamModel string) []byte {
	dst = append(dst, `{"model":`...)
	dst = AppendString(dst, upstreamModel)
	if c.Stream {
		dst = append(dst, `,"stream_options":{"include_usage":true}`...)
	}
	// The kept regions lie between the cut spans; each is whole members separated by
	// commas, so trimming separators at its ends and joining with one comma is exact.
	from := c.open + 1
	for _, sk := range c.skips {
		dst = appendRegion(dst, c.Body[from:sk[0]])
		from = sk[1]
	}
	end := len(c.Body) - 1
	for end > from && c.Body[end] != '}' {
		end--
	}
	dst = appendRegion(dst, c.Body[from:end])
	return append(dst, '}')
}

func appendRegion(dst, r []byte) []byte {
	i, j := 0, len(r)
	for i < j && (r[i] <= ' ' || r[i] == ',') {
		i++
	}
	for j > i && (r[j-1] <= ' ' || r[j-1] == ',') {
		j--
	}
	if i == j {
		return dst
	}
	dst = append(dst, ',')
	return append(dst, r[i:j]...)
}
