package providertest

import (
	"github.com/switchyard-router/switchyard/core/api"
	"io"
	"net/http"
	"strings"
)

// This file holds what the Anthropic and Gemini fakes share: reading and recording a
// request, the reply text, and SSE writing.

// intake reads and records a native-protocol request body and applies a ScriptFunc. It
// answers 400/413 itself (in the protocol's error shape, through fail) and then reports
// false.
func (h *Handler) intake(w http.ResponseWriter, r *http.Request, b Behavior, fail func(w http.ResponseWriter, status int, msg string)) ([]byte, Behavior, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		fail(w, http.StatusBadRequest, "reading body: "+err.Error())
		return nil, b, false
	}
	if len(body) > maxBody {
		fail(w, http.StatusRequestEntityTooLarge, "request body too large")
		return nil, b, false
	}
	h.record(r, body)
	h.mu.Lock()
	script := h.script
	h.mu.Unlock()
	if script != nil {
		b = script(r, body)
	}
	return body, b, true
}

// nativeReply is the content of one native answer, shared by the streaming and
// non-streaming forms.
type nativeReply struct {
	b        Behavior
	n        int64
	text     string   // the reply text
	pieces   []string // text chunks, or argument fragments when tool != ""
	tool     string   // the called tool; "" for a text answer
	args     string   // tool arguments JSON
	thinking []string // reasoning text chunks; nil when reasoning is off
	prompt   int      // prompt tokens (a stand-in: request bytes / 4 + 1)
}

func newNativeReply(b Behavior, model string, n int64, bodyLen int, tool string, thinking bool) *nativeReply {
	text := b.Text
	if text == "" {
		text = "Hello from the fake upstream for " + model + ": héllo wörld ✓ 🚂"
	}
	rp := &nativeReply{b: b, n: n, text: text, pieces: split(text, b.Chunks), prompt: bodyLen/4 + 1}
	rp.text = strings.Join(rp.pieces, "")
	if b.ToolCall && tool != "" {
		rp.tool = tool
		rp.args = string(api.AppendString([]byte(`{"text":`), rp.text)) + "}"
		k := b.Chunks
		if k <= 0 {
			k = 3
		}
		rp.pieces = split(rp.args, k)
	}
	if thinking {
		rp.thinking = []string{"The user wants ", "a friendly reply."}
	}
	if rp.prompt < b.CachedTokens {
		rp.prompt = b.CachedTokens
	}
	return rp
}

// completion is the output token count: one per piece, plus the reasoning's.
func (rp *nativeReply) completion() int { return len(rp.pieces) + len(rp.thinking) }

// sseWriter writes events and flushes each on its own, so relays see real chunking.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf []byte
	eol string // "\n", or "\r\n" for Gemini's CRLF frames
}

func startSSE(w http.ResponseWriter, eol string) *sseWriter {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := &sseWriter{w: w, rc: http.NewResponseController(w), eol: eol}
	_ = s.rc.Flush()
	return s
}

// event writes one event: an "event:" line when name is set, then the data line.
func (s *sseWriter) event(name string, data []byte) bool {
	s.buf = s.buf[:0]
	if name != "" {
		s.buf = append(s.buf, "event: "...)
		s.buf = append(s.buf, name...)
		s.buf = append(s.buf, s.eol...)
	}
	s.buf = append(s.buf, "data: "...)
	s.buf = append(s.buf, data...)
	s.buf = append(s.buf, s.eol...)
	s.buf = append(s.buf, s.eol...)
	if _, err := s.w.Write(s.buf); err != nil {
		return false
	}
	_ = s.rc.Flush()
	return true
}
