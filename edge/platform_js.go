//go:build js && wasm

package main

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall/js"

	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/fetch"
)

// newClient returns the client core calls providers with.
//
// Note: http.DefaultClient panics inside workerd ("Illegal invocation: function called with
// incorrect 'this' reference", from net/http/roundtrip_js.go), so the Worker must use syumai's
// fetch client. That transport ignores the request context (shared/spec/platforms.md §2.2): a
// deadline does not abort the fetch. Core therefore enforces first-byte and idle timeouts by
// racing the call against its own timer and abandoning it, never by relying on ctx; nothing
// here needs to change for that.
func newClient() *http.Client {
	return fetch.NewClient().HTTPClient(fetch.RedirectModeFollow)
}

// getenv reads a Worker var or secret ([vars], .dev.vars, `wrangler secret put`, or
// `wrangler dev --var`). It returns "" for a missing name: cloudflare.Getenv would return the
// string "<undefined>" instead (platforms.md §2.3). A var written as a TOML number or boolean
// reaches the Worker as a JS number or boolean, so those are formatted too.
func getenv(name string) string {
	v := cloudflare.GetBinding(name)
	switch v.Type() {
	case js.TypeString:
		return v.String()
	case js.TypeNumber:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case js.TypeBoolean:
		return strconv.FormatBool(v.Bool())
	}
	return ""
}

// newRand returns a ChaCha8 source seeded from crypto/rand (crypto.getRandomValues in
// workerd). Every request runs in a fresh Go instance, so a fixed or clock-based seed would
// repeat generation ids across requests started in the same millisecond.
func newRand() rand.Source {
	var seed [32]byte
	crand.Read(seed[:]) // never returns an error since Go 1.24; it crashes the program instead
	return rand.NewChaCha8(seed)
}

// logf writes an operational message to the Worker's log (wrangler's terminal locally,
// `wrangler tail` or Workers Logs in production). Go's stderr goes to console.error.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "switchyard: "+format+"\n", args...)
}

// background tracks work that must outlive the response.
//
// cloudflare.WaitUntil alone is not enough: with workers.Serve the Go program exits as soon
// as the response body is finished, killing any goroutine still running ("Go program has
// already exited"; platforms.md §2.6, syumai/workers-go#177). main therefore serves with
// ServeNonBlock and, after workers.Done(), waits on this group before returning. The
// in-flight handler is counted too, so Add is never called on a zero counter while main waits.
type background struct {
	wg sync.WaitGroup
}

// Defer is core.Config.Defer: it registers task with ctx.waitUntil, so workerd keeps the
// request's event alive (up to ~30 s after the response), and with the group, so the Go
// instance stays alive until the task ends. A panicking task is logged, not fatal.
func (b *background) Defer(task func()) {
	b.wg.Add(1)
	cloudflare.WaitUntil(func() {
		defer b.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				logf("panic in deferred task: %v\n%s", r, debug.Stack())
			}
		}()
		task()
	})
}

// Wait blocks until every deferred task and in-flight handler has finished.
func (b *background) Wait() { b.wg.Wait() }

// Track wraps a handler so the group counts it while it runs.
func (b *background) Track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.wg.Add(1)
		defer b.wg.Done()
		h.ServeHTTP(w, r)
	})
}

// internalError is the body answered when the handler panics before writing anything; the
// OpenRouter error shape (shared/spec/openrouter-api.md §5), with no detail that could leak.
const internalError = `{"error":{"code":500,"message":"Internal error"}}`

// recoverPanics keeps a panic in core from killing the request's Go instance, which makes
// workerd answer a bare 500 and log "Cannot read properties of undefined (reading
// 'exports')" (platforms.md §2.1). If nothing has been written yet the client gets an
// OpenRouter-style 500; once the body has started (a stream), the status is already sent and
// the body is simply ended. Either way the stack goes to the log.
//
// Note: a panic in a goroutine that core starts itself cannot be recovered here; such a
// panic still ends the instance.
func recoverPanics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recordingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // deliberate abort: end the body quietly
				return
			}
			logf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			if rw.wrote {
				return
			}
			// syumai's writer sends status and headers on the first Write, so a status or
			// headers set before the panic can still be replaced.
			hdr := w.Header()
			for k := range hdr {
				delete(hdr, k)
			}
			hdr.Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(internalError))
		}()
		h.ServeHTTP(rw, r)
	})
}

// recordingWriter remembers whether the body has started. Flush and Unwrap keep
// http.NewResponseController working through the wrapper.
type recordingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// awaitJS waits for a JS promise to settle. It blocks only the calling goroutine: the Go
// wasm scheduler returns control to the JS event loop meanwhile.
func awaitJS(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- settled{v: v}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "promise rejected"
		if len(args) > 0 {
			msg = jsString(args[0])
		}
		ch <- settled{err: errors.New(msg)}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	p.Call("then", onOK, onErr)
	s := <-ch
	return s.v, s.err
}

// jsString renders a thrown JS value (usually an Error) as text.
func jsString(v js.Value) string {
	if v.Type() == js.TypeObject || v.Type() == js.TypeFunction {
		if s := v.Call("toString"); s.Type() == js.TypeString {
			return s.String()
		}
	}
	if v.Type() == js.TypeString {
		return v.String()
	}
	return v.Type().String()
}
