package core

import (
	"errors"
	"io"
	"net/http"

	"github.com/switchyard-router/switchyard/core/gopool"
)

// call is one upstream request running on its own goroutine. It delivers the response
// headers, then the body: whole for non-streaming answers and error bodies, one network read
// at a time for streams. Every wait on it can therefore race a timer and the client's
// context, which matters because the Worker's fetch client ignores context deadlines.
type call struct {
	c    chan chunk    // the response first, then body chunks; unbuffered
	free chan []byte   // streams: two read buffers taking turns
	quit chan struct{} // closed when the router stops listening
	resp *http.Response
}

type chunk struct {
	resp  *http.Response // set on the first message only
	b     []byte
	err   error // io.EOF after the last chunk
	whole bool  // the first message carries the whole body too (see wholeBody)
}

// wholeBody is an upstream body already held in memory in one piece (the Worker's fetch
// reads small answers whole). The call then sends headers and body as one message: one
// goroutine hand-off and one wait fewer per request, which in WebAssembly is measurable.
type wholeBody interface{ Whole() []byte }

// calls runs upstream calls on goroutines reused from call to call (see package gopool).
var calls = gopool.New()

const (
	readBuf      = 16 << 10
	maxErrorBody = 64 << 10
)

var (
	errTooLarge   = errors.New("upstream body too large")
	errNoResponse = errors.New("transport returned no response")
)

func startCall(t http.RoundTripper, req *http.Request, stream bool) *call {
	cl := &call{c: make(chan chunk), quit: make(chan struct{})}
	if stream {
		cl.free = make(chan []byte, 2)
		cl.free <- make([]byte, readBuf)
		cl.free <- make([]byte, readBuf)
	}
	calls.Go(func() { cl.run(t, req, stream) })
	return cl
}

func (cl *call) run(t http.RoundTripper, req *http.Request, stream bool) {
	resp, err := roundTrip(t, req)
	if err != nil {
		cl.send(chunk{err: err})
		return
	}
	defer resp.Body.Close()
	buffered := !stream || resp.StatusCode/100 != 2
	limit := maxResponseBody
	if resp.StatusCode/100 != 2 {
		limit = maxErrorBody
	}
	if w, ok := resp.Body.(wholeBody); ok && buffered {
		b := w.Whole()
		err := error(io.EOF)
		if len(b) > limit {
			b, err = nil, errTooLarge
		}
		cl.send(chunk{resp: resp, b: b, err: err, whole: true})
		return
	}
	if !cl.send(chunk{resp: resp}) {
		return
	}
	if buffered {
		b, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
		switch {
		case err == nil && len(b) > limit:
			err = errTooLarge
		case err == nil:
			err = io.EOF
		}
		cl.send(chunk{b: b, err: err})
		return
	}
	for {
		var buf []byte
		select {
		case buf = <-cl.free:
		case <-cl.quit:
			return
		}
		n, err := resp.Body.Read(buf[:cap(buf)])
		if !cl.send(chunk{b: buf[:n], err: err}) || err != nil {
			return
		}
	}
}

func (cl *call) send(ck chunk) bool {
	select {
	case cl.c <- ck:
		return true
	case <-cl.quit:
		return false
	}
}

// release hands a stream buffer back once its bytes are consumed.
func (cl *call) release(b []byte) {
	if cl.free != nil && cap(b) == readBuf {
		cl.free <- b[:0]
	}
}

// stop abandons the call: the goroutine exits at its next send, and closing the body
// unblocks a read in progress.
func (cl *call) stop() {
	close(cl.quit)
	if cl.resp != nil {
		cl.resp.Body.Close()
	}
}

// roundTrip sends one request, holding transports to the RoundTripper contract: a response
// or an error, never both.
func roundTrip(t http.RoundTripper, req *http.Request) (*http.Response, error) {
	resp, err := t.RoundTrip(req)
	switch {
	case err != nil && resp != nil:
		resp.Body.Close()
		resp = nil
	case err == nil && resp == nil:
		err = errNoResponse
	}
	return resp, err
}
