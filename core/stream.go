package core

import (
	"io"
	"net/http"
	"time"

	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/switchyard-router/switchyard/core/provider/openai/compat"
	"github.com/switchyard-router/switchyard/core/route"
)

// keepAlive sends OpenRouter's SSE comment while a streaming attempt waits for model
// output. Its ticks run on a timer's goroutine while the request's goroutine waits on the
// upstream, so the two take turns writing under x.wmu. A comment commits the 200 (later
// failures become error chunks) but is not model output: fallback to the next endpoint
// stays possible.
type keepAlive struct {
	x       *exchange
	t       *time.Timer
	stopped bool // guarded by x.wmu
}

// startKeepAlive returns nil (a keepAlive that never ticks) when there is nothing to keep
// alive: a non-streaming request, or a stream whose output has begun.
func (x *exchange) startKeepAlive() *keepAlive {
	if !x.chat.Stream || x.started {
		return nil
	}
	k := &keepAlive{x: x}
	x.wmu.Lock() // a tick may come before k.t is set otherwise
	k.t = time.AfterFunc(x.h.keepAlive, k.tick)
	x.wmu.Unlock()
	return k
}

func (k *keepAlive) tick() {
	k.x.wmu.Lock()
	defer k.x.wmu.Unlock()
	if !k.stopped {
		k.x.send([]byte(": OPENROUTER PROCESSING\n\n"))
		k.t.Reset(k.x.h.keepAlive)
	}
}

// stop ends the keep-alives: none is written once it returns.
func (k *keepAlive) stop() {
	if k == nil {
		return
	}
	k.x.wmu.Lock()
	k.stopped = true
	k.x.wmu.Unlock()
	k.t.Stop()
}

// begin notes that model output is reaching the client: the attempt can no longer fall
// back, and keep-alives end.
func (x *exchange) begin(ka *keepAlive) {
	if !x.started {
		ka.stop()
		x.started = true
	}
}

// write sends model output, or the stream's end, to the client.
func (x *exchange) write(b []byte) bool {
	if x.started && x.firstOut.IsZero() {
		x.firstOut = time.Now() // time to first token, for the stats store
	}
	x.wmu.Lock()
	defer x.wmu.Unlock()
	return x.send(b)
}

// send writes b, committing the SSE headers on first use, and flushes. The caller holds
// x.wmu.
func (x *exchange) send(b []byte) bool {
	if !x.committed {
		h := x.w.Header()
		h["Content-Type"] = sseType
		h["Cache-Control"] = noCache
		h["X-Generation-Id"] = []string{x.id}
		x.w.WriteHeader(http.StatusOK)
		x.committed = true
	}
	if _, err := x.w.Write(b); err != nil {
		return false
	}
	// Flush where the writer supports it; the platform writers stream every Write anyway.
	_ = http.NewResponseController(x.w).Flush()
	return true
}

// relay streams an OpenAI-compatible upstream to the client, one network read at a time:
// each read's complete events are stamped and written together. Before any model output
// the attempt can still fail over; after it, trouble ends the stream with an error chunk.
func (x *exchange) relay(body io.Reader, st *provider.Stamp, q *compat.Row, wd *watch, ka *keepAlive) (failure, bool) {
	rename := q != nil && q.RenamesReasoning()
	var (
		sc        provider.Scanner
		out       []byte
		usage     []byte
		usageSent bool
		finished  bool
	)
	end := func(e *Error) (failure, bool) {
		x.usage = string(usage) // for the stats store
		if e != nil {
			out = x.errorChunk(out, st, e)
		}
		if !usageSent {
			out = x.usageChunk(out, st, string(usage))
		}
		x.write(append(out, "data: [DONE]\n\n"...))
		return failure{}, true
	}
	buf := make([]byte, readBuf)
	for {
		n, rerr := body.Read(buf)
		if err := sc.Feed(buf[:n]); err != nil {
			rerr = err
		}
		done := false
		for !done {
			ev, ok := sc.Next()
			if !ok {
				break
			}
			if string(ev.Data) == "[DONE]" {
				done = true
				break
			}
			mark := len(out)
			out = append(out, "data: "...)
			var seen provider.Seen
			out, seen = provider.AppendStamped(out, ev.Data, st)
			out = append(out, "\n\n"...)
			if !seen.Valid {
				out = out[:mark]
				if !x.started && len(out) == 0 {
					return failure{status: http.StatusBadGateway, code: "invalid_response", message: "provider sent an invalid stream event", action: route.Next}, false
				}
				x.begin(ka)
				return end(streamError("Provider sent an invalid stream event"))
			}
			if seen.Error != "" {
				out = out[:mark]
				if !x.started && len(out) == 0 {
					return failure{status: http.StatusBadGateway, code: "stream_error", message: errorMessage(ev.Data), action: route.Next}, false
				}
				x.begin(ka)
				return end(streamError(errorMessage(ev.Data)))
			}
			if seen.Usage != "" {
				usage = append(usage[:0], seen.Usage...)
				usageSent = usageSent || seen.ChoicesEmpty
			}
			finished = finished || seen.Finished
		}
		if len(out) > 0 {
			x.begin(ka)
			if rename {
				out = q.RenameReasoning(out)
			}
			if !x.write(out) {
				return failure{}, true // the client went away
			}
			out = out[:0]
			// From the first output on, the deadline bounds silence between reads.
			wd.reset(x.h.idle)
		}
		switch {
		case done:
			return end(nil)
		case rerr == nil:
			continue
		case x.ctx.Err() != nil:
			return failure{}, true // the client went away
		case wd.expired() && !x.started:
			return failure{code: "timeout", message: "no stream output before the first-byte deadline", action: route.Next}, false
		case wd.expired():
			return end(streamError("Provider stopped sending output"))
		case !x.started:
			return failure{status: http.StatusBadGateway, code: "empty_stream", message: "provider closed the stream without output", action: route.Next}, false
		case rerr == io.EOF && finished:
			return end(nil) // some servers omit [DONE]
		default:
			return end(streamError("Provider disconnected unexpectedly"))
		}
	}
}

func streamError(msg string) *Error {
	if msg == "" {
		msg = "Provider returned an error"
	}
	return errorf(http.StatusBadGateway, "provider_unavailable", msg)
}

// errorChunk ends a started stream with OpenRouter's error event: top-level error and a
// choice finishing with "error" (shared/spec/openrouter-api.md §1.9).
func (x *exchange) errorChunk(dst []byte, st *provider.Stamp, e *Error) []byte {
	x.streamFailed = true
	dst = append(dst, "data: "...)
	dst = st.AppendChunkHead(dst, x.h.now().Unix())
	dst = append(dst, `,"error":`...)
	dst = e.appendObject(dst)
	return append(dst, `,"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error","native_finish_reason":"error"}]}`+"\n\n"...)
}

// usageChunk is the choices:[] chunk every stream ends with, built from the last usage the
// upstream reported (zeros when it reported none, e.g. after a cut).
func (x *exchange) usageChunk(dst []byte, st *provider.Stamp, usage string) []byte {
	x.usage = usage
	if usage == "" {
		usage = `{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}`
	}
	dst = append(dst, "data: "...)
	dst = st.AppendChunkHead(dst, x.h.now().Unix())
	dst = append(dst, `,"choices":[],"usage":`...)
	dst = append(dst, usage...)
	return append(dst, "}\n\n"...)
}

// relayTranslated streams a translated upstream (Anthropic, Gemini, ...) to the client:
// each network read's events go through the adapter's translator, and the chunks they
// produce are written together. The same rules as relay apply: before model output an
// upstream error can still fail over; after it, trouble ends the stream with an error
// chunk, and every stream ends with the usage chunk.
func (x *exchange) relayTranslated(body io.Reader, tr provider.Stream, fr provider.Framer, st *provider.Stamp, key string, wd *watch, ka *keepAlive) (failure, bool) {
	var out []byte
	end := func(e *Error) (failure, bool) {
		if e != nil {
			out = x.errorChunk(out, st, e)
		}
		out = x.usageChunk(out, st, string(tr.Usage()))
		x.write(append(out, "data: [DONE]\n\n"...))
		return failure{}, true
	}
	buf := make([]byte, readBuf)
	for {
		n, rerr := body.Read(buf)
		if err := fr.Feed(buf[:n]); err != nil {
			rerr = err
		}
		done := false
		for !done {
			ev, ok := fr.Next()
			if !ok {
				break
			}
			var err error
			if out, err = tr.Event(out, ev); err != nil {
				f := adapterFailure(err, key)
				if !x.started && len(out) == 0 {
					return f, false
				}
				x.begin(ka)
				return end(streamError(f.message))
			}
			done = tr.State().Done
		}
		if len(out) > 0 {
			x.begin(ka)
			if !x.write(out) {
				return failure{}, true // the client went away
			}
			out = out[:0]
			wd.reset(x.h.idle)
		}
		switch {
		case done:
			return end(nil)
		case rerr == nil:
			continue
		case x.ctx.Err() != nil:
			return failure{}, true // the client went away
		case wd.expired() && !x.started:
			return failure{code: "timeout", message: "no stream output before the first-byte deadline", action: route.Next}, false
		case wd.expired():
			return end(streamError("Provider stopped sending output"))
		case rerr == io.EOF && tr.State().Finished:
			return end(nil) // Gemini ends the stream after its finishReason chunk
		case !x.started:
			return failure{status: http.StatusBadGateway, code: "empty_stream", message: "provider closed the stream without output", action: route.Next}, false
		default:
			return end(streamError("Provider disconnected unexpectedly"))
		}
	}
}
