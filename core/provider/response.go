package provider

import (
	"strconv"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/tidwall/gjson"
)

func appendString(dst []byte, s string) []byte { return api.AppendString(dst, s) }

// Usage is a response's token counts in OpenAI's terms (shared/spec/openrouter-api.md
// §1.8): Prompt includes Cached and CacheWrite; Completion includes Reasoning.
type Usage struct {
	Prompt, Completion, Total     int64
	Cached, CacheWrite, Reasoning int64
}

// Counts accumulates an upstream's usage objects: each path keeps the last value seen, so
// a stream's cumulative reports (Anthropic message_start, then message_delta) merge, and
// Gemini's partial copies are overwritten by the final one.
type Counts struct {
	v    [12]int64
	seen bool
}

const (
	cPrompt     = 0 // 4 slots
	cCompletion = 4 // 4 slots
	cCached     = 8
	cWrite      = 9
	cReasoning  = 10
	cTotal      = 11
)

// Merge reads the usage object obj with the Spec's paths, in one pass over its members
// (Gemini sends usage on every chunk, so this is on the streaming path).
func (c *Counts) Merge(p *UsagePaths, obj gjson.Result) {
	if !obj.IsObject() {
		return
	}
	c.seen = true
	obj.ForEach(func(k, v gjson.Result) bool {
		key := k.Str
		for i, path := range p.Prompt {
			if i < 4 {
				c.set(cPrompt+i, path, key, v)
			}
		}
		for i, path := range p.Completion {
			if i < 4 {
				c.set(cCompletion+i, path, key, v)
			}
		}
		c.set(cCached, p.Cached, key, v)
		c.set(cWrite, p.CacheWrite, key, v)
		c.set(cReasoning, p.Reasoning, key, v)
		c.set(cTotal, p.Total, key, v)
		return true
	})
}

// set stores slot i when path names the member key (or a path inside it).
func (c *Counts) set(i int, path, key string, v gjson.Result) {
	if len(path) < len(key) || path[:len(key)] != key {
		return
	}
	if len(path) == len(key) {
		c.v[i] = v.Int()
		return
	}
	if path[len(key)] == '.' {
		if x := v.Get(path[len(key)+1:]); x.Exists() {
			c.v[i] = x.Int()
		}
	}
}

// Seen reports whether any usage object was merged.
func (c *Counts) Seen() bool { return c.seen }

// Usage returns the merged counts.
func (c *Counts) Usage() Usage {
	u := Usage{
		Prompt:     c.v[0] + c.v[1] + c.v[2] + c.v[3],
		Completion: c.v[4] + c.v[5] + c.v[6] + c.v[7],
		Cached:     c.v[cCached],
		CacheWrite: c.v[cWrite],
		Reasoning:  c.v[cReasoning],
		Total:      c.v[cTotal],
	}
	if u.Total < u.Prompt+u.Completion {
		u.Total = u.Prompt + u.Completion
	}
	return u
}

// AppendUsage writes the OpenAI usage object.
func AppendUsage(dst []byte, u Usage) []byte {
	dst = append(dst, `{"prompt_tokens":`...)
	dst = strconv.AppendInt(dst, u.Prompt, 10)
	dst = append(dst, `,"completion_tokens":`...)
	dst = strconv.AppendInt(dst, u.Completion, 10)
	dst = append(dst, `,"total_tokens":`...)
	dst = strconv.AppendInt(dst, u.Total, 10)
	dst = append(dst, `,"prompt_tokens_details":{"cached_tokens":`...)
	dst = strconv.AppendInt(dst, u.Cached, 10)
	dst = append(dst, `,"cache_write_tokens":`...)
	dst = strconv.AppendInt(dst, u.CacheWrite, 10)
	dst = append(dst, `},"completion_tokens_details":{"reasoning_tokens":`...)
	dst = strconv.AppendInt(dst, u.Reasoning, 10)
	return append(dst, "}}"...)
}

// AppendCompletionHead writes the start of a chat.completion the router builds:
// `{"id":…,"provider":…,"model":…,"object":"chat.completion","created":N`.
func (st *Stamp) AppendCompletionHead(dst []byte, created int64) []byte {
	dst = st.appendHead(dst)
	dst = append(dst, `,"object":"chat.completion","created":`...)
	return strconv.AppendInt(dst, created, 10)
}

// AppendFinish writes `"finish_reason":…,"native_finish_reason":…`.
func AppendFinish(dst []byte, reason, native string) []byte {
	dst = append(dst, `"finish_reason":`...)
	dst = appendString(dst, reason)
	dst = append(dst, `,"native_finish_reason":`...)
	if native == "" {
		return append(dst, "null"...)
	}
	return appendString(dst, native)
}

// Chunker writes the OpenAI chunks of one translated stream. The head of every chunk
// (stamp, object, created, the choice's opening) is rendered once, so a delta costs a
// copy of it and the delta's own bytes.
type Chunker struct {
	head []byte // `data: {…,"choices":[{"index":0,"delta":`
	role bool   // the role chunk has been written
}

// NewChunker renders the chunk head for a stream.
func NewChunker(st *Stamp, created int64) Chunker {
	h := append(make([]byte, 0, 160), "data: "...)
	h = st.AppendChunkHead(h, created)
	h = append(h, `,"choices":[{"index":0,"delta":`...)
	return Chunker{head: h}
}

// Open starts a delta chunk: the caller appends the delta object's members (after `{`)
// and calls Close. The first chunk of a stream is preceded by the role chunk, so the
// role is announced exactly once and only when there is output.
func (c *Chunker) Open(dst []byte) []byte {
	if !c.role {
		c.role = true
		dst = append(dst, c.head...)
		dst = append(dst, `{"role":"assistant","content":""},"finish_reason":null}]}`+"\n\n"...)
	}
	dst = append(dst, c.head...)
	return append(dst, '{')
}

// Close ends a delta chunk opened with Open.
func (c *Chunker) Close(dst []byte) []byte {
	return append(dst, `},"finish_reason":null}]}`+"\n\n"...)
}

// Finish writes the chunk carrying the finish reason.
func (c *Chunker) Finish(dst []byte, reason, native string) []byte {
	if !c.role {
		c.role = true
		dst = append(dst, c.head...)
		dst = append(dst, `{"role":"assistant","content":""},"finish_reason":null}]}`+"\n\n"...)
	}
	dst = append(dst, c.head...)
	dst = append(dst, "{},"...)
	dst = AppendFinish(dst, reason, native)
	return append(dst, "}]}\n\n"...)
}

// Started reports whether any chunk has been written.
func (c *Chunker) Started() bool { return c.role }
