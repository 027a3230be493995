//go:build js && wasm

package main

import (
	"errors"
	"io"
	"sync/atomic"
)

// jsBody reads a JS ReadableStream (an upstream response body, or a large request body)
// through read ops on its request's port: one op per chunk the stream yields, that is per
// network read, copied straight into the caller's buffer when it fits.
type jsBody struct {
	x      *exchange
	slot   int32 // the reader's index among the port's handles
	rest   []byte
	err    error // sticky: io.EOF or the read error
	closed atomic.Bool
	// unwatch stops the upstream request's context from closing the body (fetch_js.go);
	// nil for a request body.
	unwatch func() bool
}

var errClosed = errors.New("edge: body closed")

func (r *jsBody) Read(p []byte) (int, error) {
	if len(r.rest) > 0 {
		n := copy(p, r.rest)
		r.rest = r.rest[n:]
		return n, nil
	}
	if r.err != nil {
		return 0, r.err
	}
	if r.closed.Load() {
		return 0, errClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	id, ch := theOps.start()
	if !jsRead(r.x.port, id, r.slot) {
		theOps.forget(id)
		r.err = errEnded
		return 0, r.err
	}
	o := <-ch // always comes: a chunk, the end, an error, or "request ended"
	switch {
	case o.status < 0:
		r.err = failure(r.x.port, id, o, "edge: read")
		return 0, r.err
	case o.status == 1 && r.closed.Load():
		r.err = errClosed // cancelled, not finished: a cut body must not read as whole
		return 0, r.err
	case o.status == 1:
		r.err = io.EOF
		return 0, r.err
	}
	var chunk [1][]byte
	if !takeParcel(r.x.port, id, p[:len(p):len(p)], chunk[:]) {
		r.err = errEnded
		return 0, r.err
	}
	n := copy(p, chunk[0]) // a no-op when the chunk landed in p
	r.rest = chunk[0][n:]
	return n, nil
}

// Close cancels the stream, which also ends a read in progress (it then fails).
func (r *jsBody) Close() error {
	r.cancel()
	if r.unwatch != nil {
		r.unwatch()
	}
	return nil
}

func (r *jsBody) cancel() {
	if !r.closed.Swap(true) {
		jsCancel(r.x.port, r.slot)
	}
}
