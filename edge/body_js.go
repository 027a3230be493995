//go:build js && wasm

package main

import (
	"errors"
	"io"
	"sync/atomic"
	"syscall/js"
)

// jsBody reads a JS ReadableStream (an upstream response body, or a large request body)
// through read ops on its request's port: one op per chunk the stream yields, that is per
// network read, copied straight into the caller's buffer when it fits.
type jsBody struct {
	x      *exchange
	slot   int // the reader's index among the port's handles
	rest   []byte
	err    error // sticky: io.EOF or the read error
	ch     chan readResult
	closed atomic.Bool
}

type readResult struct {
	n    int
	rest []byte
	err  error
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
	if r.ch == nil {
		r.ch = make(chan readResult, 1)
	}
	ch, b := r.ch, r.x.iso.b
	// The callback copies into p while this goroutine waits for it, so p is not shared.
	id := b.start(func(err string, res []js.Value) {
		chunk := arg(res, 0)
		switch {
		case err == "request ended":
			ch <- readResult{err: errEnded}
		case err != "":
			ch <- readResult{err: errors.New("edge: read: " + err)}
		case chunk.Type() != js.TypeObject:
			ch <- readResult{err: io.EOF}
		default:
			n := js.CopyBytesToGo(p, chunk)
			var rest []byte
			if total := chunk.Length(); total > n { // a chunk larger than p: keep the tail
				rest = make([]byte, total-n)
				js.CopyBytesToGo(rest, chunk.Call("subarray", n))
			}
			ch <- readResult{n: n, rest: rest}
		}
	})
	if !b.read.Invoke(r.x.port, id, r.slot).Bool() {
		b.forget(id)
		r.err = errEnded
		return 0, r.err
	}
	res := <-ch // always comes: a chunk, the end, an error, or "request ended"
	if res.err != nil {
		r.err = res.err
		if res.n == 0 {
			return 0, res.err
		}
	}
	r.rest = res.rest
	return res.n, nil
}

// Close cancels the stream, which also ends a read in progress (it then reports EOF).
func (r *jsBody) Close() error {
	if !r.closed.Swap(true) {
		r.x.iso.b.cancel.Invoke(r.x.port, r.slot)
	}
	return nil
}
