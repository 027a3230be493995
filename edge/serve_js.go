//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// exchange is one request on its way through the Worker. Every op for it names its port,
// the JS object worker.mjs made for the request, so that the op runs in the request's own
// workerd context whichever request's event happens to be running Go at the time. It is
// found from any context.Context derived from the request's (the upstream transport and
// the KV store look it up there).
type exchange struct {
	iso    *isolate
	port   int32 // worker.mjs's number for the request
	env    envView
	cancel context.CancelFunc

	mu       sync.Mutex
	work     int      // the handler plus deferred tasks still running; at zero the port ends
	answered bool     // the handler has returned and its deferred tasks have run
	later    []func() // tasks deferred while the handler ran (see defer_)
}

type exchangeKey struct{}

// exchangeOf returns the request ctx belongs to, or nil outside any request.
func exchangeOf(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}

// serve serves one request worker.mjs handed over, on a goroutine of its own.
func (iso *isolate) serve(a arrival) {
	x := &exchange{iso: iso, port: a.port, work: 1}
	x.env = envView{c: &iso.env, id: a.env, port: a.port}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), exchangeKey{}, x))
	x.cancel = cancel
	w := &writer{x: x, hdr: http.Header{}, clen: -1}
	req, err := x.request(ctx, a.slot)
	if err == errEnded {
		x.release()
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "Bad request")
	} else {
		x.run(testHooks(x, newHandler(iso, x)), w, req)
	}
	w.end()
	x.runLater()
	x.release()
}

// run serves the request, answering a panic with a 500 for this request alone (when
// nothing was sent yet; a started stream just ends). A panic on a goroutine the handler
// started cannot be caught here: it ends the Go instance, worker.mjs answers 500 to every
// request in flight on it, and the next request starts a new instance.
func (x *exchange) run(h http.Handler, w *writer, r *http.Request) {
	defer func() {
		v := recover()
		if v == nil || v == http.ErrAbortHandler {
			return
		}
		logf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
		if !w.committed {
			clear(w.hdr)
			w.wroteHeader, w.buf, w.clen = false, nil, -1
			writeError(w, http.StatusInternalServerError, "Internal error")
		}
	}()
	h.ServeHTTP(w, r)
}

// writeError answers in OpenRouter's error shape (shared/spec/openrouter-api.md §5).
func writeError(w http.ResponseWriter, status int, msg string) {
	body := `{"error":{"code":` + strconv.Itoa(status) + `,"message":"` + msg + `"}}`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// defer_ is core.Config.Defer. A task deferred while the handler runs (the usual case:
// core records routing stats as it finishes) runs on the request's own goroutine once the
// response has been handed over, before the port ends; one deferred later runs on a
// goroutine of its own (from the pool). Either way the request's port (and with it
// ctx.waitUntil) stays open until the task ends. A panicking task is logged.
func (x *exchange) defer_(task func()) {
	x.mu.Lock()
	if !x.answered {
		x.later = append(x.later, task)
		x.mu.Unlock()
		return
	}
	x.work++
	x.mu.Unlock()
	x.iso.pool.Go(func() {
		defer x.release()
		runTask(task)
	})
}

// runLater runs the tasks deferred while the handler ran, and any those defer in turn.
func (x *exchange) runLater() {
	for {
		x.mu.Lock()
		tasks := x.later
		x.later = nil
		x.answered = len(tasks) == 0
		x.mu.Unlock()
		if len(tasks) == 0 {
			return
		}
		for _, t := range tasks {
			runTask(t)
		}
	}
}

func runTask(task func()) {
	defer func() {
		if v := recover(); v != nil {
			logf("panic in deferred task: %v\n%s", v, debug.Stack())
		}
	}()
	task()
}

// release ends one piece of the request's work; after the last, the port ends.
func (x *exchange) release() {
	x.mu.Lock()
	x.work--
	last := x.work == 0
	x.mu.Unlock()
	if last {
		x.cancel()
		jsFinish(x.port)
	}
}

// request builds the *http.Request from the request's parcel (method, URL, headers, and
// the body when it came whole; a larger body is read from the JS stream in slot).
func (x *exchange) request(ctx context.Context, slot int32) (*http.Request, error) {
	var p [2][]byte // "method\nurl\nheaders", and the body when it came whole
	if !takeParcel(x.port, 0, nil, p[:]) {
		return nil, errEnded
	}
	method, rest, _ := strings.Cut(str(p[0]), "\n")
	rawURL, head, _ := strings.Cut(rest, "\n")
	body := p[1]
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	h := parseHeader(head)
	r := &http.Request{
		Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: u.Host, RequestURI: u.RequestURI(), RemoteAddr: h.Get("Cf-Connecting-Ip"),
		Body: http.NoBody,
	}
	switch {
	case body != nil:
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	case slot >= 0:
		r.Body, r.ContentLength = &jsBody{x: x, slot: slot}, -1
		if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
			r.ContentLength = n
		}
	}
	return r.WithContext(ctx), nil
}

// writer is the http.ResponseWriter handed to core. A response with a Content-Length
// (every JSON answer core writes) is handed to workerd whole, in one crossing, as soon as
// its last byte is written. Any other response becomes a stream on its first Write or
// Flush, and every later Write crosses at once as one chunk: core's relay writes once per
// upstream read, so a stream crosses once per network read, neither split nor held back.
type writer struct {
	x           *exchange
	hdr         http.Header
	status      int
	wroteHeader bool
	committed   bool // handed to worker.mjs
	stream      bool
	gone        bool   // the client went away or the port ended
	buf         []byte // a Content-Length body until complete
	clen        int64  // declared Content-Length, -1 if none
}

func (w *writer) Header() http.Header { return w.hdr }

func (w *writer) WriteHeader(code int) {
	if w.wroteHeader || w.committed || code < 100 || code > 999 {
		return
	}
	w.status, w.wroteHeader = code, true
	w.clen = -1
	if n, err := strconv.ParseInt(w.hdr.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		w.clen = n
	}
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.gone {
		return 0, errEnded
	}
	if !w.committed {
		if w.clen >= 0 {
			if int64(len(w.buf)+len(p)) > w.clen {
				return 0, http.ErrContentLength
			}
			if len(w.buf) == 0 && int64(len(p)) == w.clen {
				w.commit(p, false) // the usual case: one Write of the whole body, no copy in Go
				return len(p), nil
			}
			w.buf = append(w.buf, p...)
			if int64(len(w.buf)) == w.clen {
				w.commit(w.buf, false)
			}
			return len(p), nil
		}
		w.commit(nil, true)
	}
	if len(p) > 0 && !jsEnqueue(w.x.port, ptr(p), int32(len(p))) {
		w.gone = true
		return 0, errEnded
	}
	return len(p), nil
}

// Flush starts a stream (status and headers go out) if nothing has been sent; afterwards
// there is nothing to flush, since every Write has already crossed.
func (w *writer) Flush() {
	if !w.committed && w.wroteHeader && w.clen < 0 && bodyAllowed(w.status) {
		w.commit(nil, true)
	}
}

// end finishes the response when the handler returns.
func (w *writer) end() {
	switch {
	case !w.committed:
		if !w.wroteHeader {
			w.WriteHeader(http.StatusOK)
		}
		w.commit(w.buf, false)
	case w.stream:
		jsClose(w.x.port)
	}
}

// commit hands status, headers and (unless streaming) the body to worker.mjs. workerd
// computes Content-Length for a whole body and uses chunked encoding for a stream, so the
// handler's own Content-Length is not passed on.
func (w *writer) commit(body []byte, stream bool) {
	w.committed, w.stream = true, stream
	n := int32(-1) // no body
	if !stream && bodyAllowed(w.status) {
		n = int32(len(body))
	}
	var cancelID uint32
	var done chan outcome
	if stream {
		// Completed when the client goes away (or the request ends): stop the handler.
		cancelID, done = theOps.start()
	}
	if !jsRespond(w.x.port, int32(w.status), flatHeader(w.hdr, "Content-Length"), ptr(body), n, stream, cancelID) {
		w.gone = true
		if stream {
			theOps.forget(cancelID)
		}
		return
	}
	if stream {
		cancel := w.x.cancel
		w.x.iso.pool.Go(func() {
			<-done
			cancel()
		})
	}
}

// str views b as a string without copying; b must never change afterwards (parcels are
// copied into memory of their own and only read).
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func bodyAllowed(status int) bool {
	return !(status >= 100 && status < 200) && status != http.StatusNoContent &&
		status != http.StatusResetContent && status != http.StatusNotModified
}

// parseHeader reads worker.mjs's "name\nvalue\n" form. Fetch has already joined repeated
// headers with ", ", so each name comes once.
func parseHeader(s string) http.Header {
	n := strings.Count(s, "\n") / 2
	h := make(http.Header, n)
	vals := make([]string, n) // one allocation for every value
	for i := 0; s != ""; i++ {
		name, rest, ok1 := strings.Cut(s, "\n")
		val, rest2, ok2 := strings.Cut(rest, "\n")
		if !ok1 || !ok2 {
			break
		}
		vals[i] = val
		k := http.CanonicalHeaderKey(name)
		if old, ok := h[k]; ok {
			h[k] = append(old, val)
		} else {
			h[k] = vals[i : i+1 : i+1]
		}
		s = rest2
	}
	return h
}

// flatHeader writes h in worker.mjs's "name\nvalue\n" form, leaving out skip and any
// header with CR or LF in it, which HTTP forbids and which would break the form. Each of
// lead comes first, on a line of its own.
func flatHeader(h http.Header, skip string, lead ...string) string {
	var b strings.Builder
	b.Grow(256)
	for _, s := range lead {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	for k, vs := range h {
		if k == skip || strings.ContainsAny(k, "\r\n") {
			continue
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				continue
			}
			b.WriteString(k)
			b.WriteByte('\n')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
