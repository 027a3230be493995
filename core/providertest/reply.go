package providertest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/switchyard-router/switchyard/core/api"
)

// reply is one successful answer, computed once so the streaming and
// non-streaming forms carry the same content and usage.
type reply struct {
	b            Behavior
	head         []byte   // chunk JSON up to and including `"choices":`
	completion   []byte   // completion JSON up to and including `"choices":`
	content      string   // the whole reply text
	pieces       []string // content chunks, or argument fragments in tool mode
	tool         string   // tool name; empty unless answering with a tool call
	callID       string
	args         string
	finish       string
	includeUsage bool
	usage        []byte
}

func newReply(b Behavior, req *chatRequest, n, created int64) *reply {
	model := *req.Model
	text := b.Text
	if text == "" {
		text = "Hello from the fake upstream for " + model + ": héllo wörld ✓ 🚂"
	}
	rp := &reply{b: b, pieces: split(text, b.Chunks), finish: "stop"}
	rp.content = strings.Join(rp.pieces, "")
	rp.includeUsage = req.Stream && req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	if b.ToolCall && len(req.Tools) > 0 && req.Tools[0].Function.Name != "" {
		rp.tool = req.Tools[0].Function.Name
		rp.callID = "call_" + strconv.FormatInt(n, 10)
		rp.args = string(api.AppendString([]byte(`{"text":`), rp.content)) + "}"
		k := b.Chunks
		if k <= 0 {
			k = 3
		}
		rp.pieces = split(rp.args, k)
		rp.finish = "tool_calls"
	}

	id := "chatcmpl-" + strconv.FormatInt(n, 10)
	appendHead := func(object string) []byte {
		dst := append([]byte(`{"id":"`), id...)
		dst = append(dst, `","object":"`...)
		dst = append(dst, object...)
		dst = append(dst, `","created":`...)
		dst = strconv.AppendInt(dst, created, 10)
		dst = append(dst, `,"model":`...)
		dst = api.AppendString(dst, model)
		return append(dst, `,"system_fingerprint":"fp_providertest","choices":`...)
	}
	rp.head = appendHead("chat.completion.chunk")
	rp.completion = appendHead("chat.completion")

	// prompt_tokens is a deterministic stand-in for a tokenizer: about four
	// bytes of the messages array per token, at least one.
	prompt := req.messagesLen/4 + 1
	done := len(rp.pieces)
	u := append([]byte(`{"prompt_tokens":`), strconv.Itoa(prompt)...)
	u = append(u, `,"completion_tokens":`...)
	u = strconv.AppendInt(u, int64(done), 10)
	u = append(u, `,"total_tokens":`...)
	u = strconv.AppendInt(u, int64(prompt+done), 10)
	rp.usage = append(u, `,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}`...)
	return rp
}

// split cuts text into n pieces of about equal rune count, repeating the text
// when it is shorter than n runes; n <= 0 cuts it into words, each keeping the
// whitespace after it. Pieces never split a code point: JSON strings cannot
// carry half of one, so mid-codepoint splits are a transport matter (§9 2b).
func split(text string, n int) []string {
	if n <= 0 {
		var out []string
		start, prevSpace, word := 0, false, false
		for i, r := range text {
			space := unicode.IsSpace(r)
			if !space && prevSpace && word {
				out = append(out, text[start:i])
				start = i
			}
			prevSpace, word = space, word || !space
		}
		return append(out, text[start:])
	}
	runes := []rune(text)
	if len(runes) == 0 {
		runes = []rune{' '}
	}
	base := runes
	for len(runes) < n {
		runes = append(append(runes, ' '), base...)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = string(runes[i*len(runes)/n : (i+1)*len(runes)/n])
	}
	return out
}

// answer writes the non-streaming form (§2.4).
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, rp *reply) {
	b := rp.b
	if !h.sleep(r.Context(), time.Duration(len(rp.pieces))*b.Delay) {
		abort(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if b.StreamError {
		_, _ = w.Write(appendErrorBody(nil, "server_error", "upstream_error", "providertest: scripted in-band error", ""))
		return
	}
	body := rp.appendCompletion(nil)
	if b.Cut || b.CutAfter > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		abort(w)
		return
	}
	_, _ = w.Write(body)
}

func (rp *reply) appendCompletion(dst []byte) []byte {
	dst = append(dst, rp.completion...)
	dst = append(dst, `[{"index":0,"message":{"role":"assistant","content":`...)
	if rp.tool == "" {
		dst = api.AppendString(dst, rp.content)
	} else {
		dst = append(dst, `null,"tool_calls":[{"id":"`...)
		dst = append(dst, rp.callID...)
		dst = append(dst, `","type":"function","function":{"name":`...)
		dst = api.AppendString(dst, rp.tool)
		dst = append(dst, `,"arguments":`...)
		dst = api.AppendString(dst, rp.args)
		dst = append(dst, "}}]"...)
	}
	dst = append(dst, `,"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":`...)
	dst = api.AppendString(dst, rp.finish)
	dst = append(dst, `}],"usage":`...)
	dst = append(dst, rp.usage...)
	return append(dst, '}')
}

// stream writes the SSE form (§2.5): role chunk, content chunks, finish chunk,
// the choices:[] usage chunk when include_usage was asked, then [DONE]. Every
// event is flushed on its own so timing tests and relays see real chunking.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, rp *reply) {
	b := rp.b
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()

	var buf []byte
	send := func(event func([]byte) []byte) bool {
		buf = append(buf[:0], "data: "...)
		buf = append(event(buf), "\n\n"...)
		if _, err := w.Write(buf); err != nil {
			return false
		}
		_ = rc.Flush()
		return true
	}
	brk := b.breaks()
	stop := func() {
		if !b.StreamError {
			abort(w)
			return
		}
		send(func(dst []byte) []byte {
			return appendErrorBody(dst, "server_error", "upstream_error", "providertest: scripted in-band error", "")
		})
	}
	if brk && b.CutAfter <= 0 {
		stop()
		return
	}
	if !send(func(dst []byte) []byte { return rp.appendChunk(dst, roleDelta, "", false) }) {
		return
	}
	last := len(rp.pieces) - 1
	for i, p := range rp.pieces {
		if !h.sleep(r.Context(), b.Delay) {
			abort(w)
			return
		}
		withUsage := b.UsageOnLastContentChunk && rp.includeUsage && i == last
		if !send(func(dst []byte) []byte { return rp.appendChunk(dst, pieceDelta, p, withUsage) }) {
			return
		}
		if brk && i+1 == b.CutAfter {
			stop()
			return
		}
	}
	if brk {
		stop()
		return
	}
	if !send(func(dst []byte) []byte { return rp.appendChunk(dst, finishDelta, "", false) }) {
		return
	}
	if rp.includeUsage && !b.UsageOnLastContentChunk {
		if !send(rp.appendUsageChunk) {
			return
		}
	}
	send(func(dst []byte) []byte { return append(dst, "[DONE]"...) })
}

// Kinds of delta in a chunk.
const (
	roleDelta = iota
	pieceDelta
	finishDelta
)

func (rp *reply) appendChunk(dst []byte, kind int, piece string, withUsage bool) []byte {
	dst = append(dst, rp.head...)
	dst = append(dst, `[{"index":0,"delta":`...)
	switch {
	case kind == roleDelta && rp.tool == "":
		dst = append(dst, `{"role":"assistant","content":""}`...)
	case kind == roleDelta:
		dst = append(dst, `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"`...)
		dst = append(dst, rp.callID...)
		dst = append(dst, `","type":"function","function":{"name":`...)
		dst = api.AppendString(dst, rp.tool)
		dst = append(dst, `,"arguments":""}}]}`...)
	case kind == pieceDelta && rp.tool == "":
		dst = append(dst, `{"content":`...)
		dst = api.AppendString(dst, piece)
		dst = append(dst, '}')
	case kind == pieceDelta:
		dst = append(dst, `{"tool_calls":[{"index":0,"function":{"arguments":`...)
		dst = api.AppendString(dst, piece)
		dst = append(dst, "}}]}"...)
	default:
		dst = append(dst, "{}"...)
	}
	dst = append(dst, `,"logprobs":null,"finish_reason":`...)
	if kind == finishDelta {
		dst = api.AppendString(dst, rp.finish)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, "}]"...)
	switch {
	case withUsage:
		dst = append(dst, `,"usage":`...)
		dst = append(dst, rp.usage...)
	case rp.includeUsage:
		// OpenAI marks every other chunk of an include_usage stream this way.
		dst = append(dst, `,"usage":null`...)
	}
	return append(dst, '}')
}

func (rp *reply) appendUsageChunk(dst []byte) []byte {
	dst = append(dst, rp.head...)
	dst = append(dst, `[],"usage":`...)
	dst = append(dst, rp.usage...)
	return append(dst, '}')
}

func appendStringOrNull(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return api.AppendString(dst, s)
}
