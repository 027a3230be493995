//go:build js && wasm

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// transport is the upstream client's RoundTripper: the Workers fetch API, called through a
// fetch op on the port of the request the call is for (found in the request's context),
// so that the subrequest belongs to that request's workerd context.
//
// Not syumai/workers' fetch client: it calls fetch from whichever goroutine asks, which in
// a Go instance shared by concurrent requests runs inside whatever request's event resumed
// Go. The subrequest then belongs to that other request: using its body from the right one
// fails with "Cannot perform I/O on behalf of a different request", and it is cancelled when
// the other request ends (edge/README.md). It also ignored the request context, which this
// transport honours as net/http does: a cancelled context aborts the fetch, or cancels the
// body being read, which is how core's deadlines reach a stream (core/upstream.go).
type transport struct{}

func (transport) RoundTrip(req *http.Request) (*http.Response, error) {
	x := exchangeOf(req.Context())
	if x == nil {
		return nil, errors.New("edge: upstream call outside a Worker request")
	}
	return x.fetch(req)
}

func (x *exchange) fetch(req *http.Request) (*http.Response, error) {
	var body []byte
	n := int32(-1) // no body
	if req.Body != nil && req.Body != http.NoBody {
		p, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body, n = p, int32(len(p))
	}
	id, ch := theOps.start()
	if !jsFetch(x.port, id, flatHeader(req.Header, "", req.Method, req.URL.String()), ptr(body), n) {
		theOps.forget(id)
		return nil, errEnded
	}
	var o outcome
	select {
	case o = <-ch:
	case <-req.Context().Done():
		jsAbort(x.port, id) // also aborts the body if the answer was on its way
		return nil, req.Context().Err()
	}
	if o.status < 0 {
		return nil, failure(x.port, id, o, "fetch")
	}
	var p [2][]byte // headers, and the body when it came whole
	if !takeParcel(x.port, id, nil, p[:]) {
		return nil, errEnded
	}
	status := int(o.status)
	resp := &http.Response{
		Status: strconv.Itoa(status) + " " + http.StatusText(status), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: parseHeader(str(p[0])), ContentLength: -1, Request: req,
	}
	if p[1] != nil {
		resp.Body, resp.ContentLength = &wholeBody{b: p[1]}, int64(len(p[1]))
	} else {
		b := &jsBody{x: x, slot: o.slot}
		// A read waits on its op alone; the request's context reaches it through Close.
		b.unwatch = context.AfterFunc(req.Context(), b.cancel)
		resp.Body = b
		if n, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil {
			resp.ContentLength = n
		}
	}
	return resp, nil
}

// wholeBody is an upstream body that came in one piece. core takes its bytes as they are
// (core/upstream.go, wholeBody) instead of reading them into a buffer of its own. (Not an
// embedded bytes.Reader: its dozen promoted methods cost the Worker 7 KB.)
type wholeBody struct {
	b   []byte
	off int
}

func (w *wholeBody) Whole() []byte { return w.b }
func (*wholeBody) Close() error    { return nil }

func (w *wholeBody) Read(p []byte) (int, error) {
	if w.off >= len(w.b) {
		return 0, io.EOF
	}
	n := copy(p, w.b[w.off:])
	w.off += n
	return n, nil
}

// WriteTo lets io.Copy hand the body over in one Write.
func (w *wholeBody) WriteTo(dst io.Writer) (int64, error) {
	n, err := dst.Write(w.b[w.off:])
	w.off += n
	return int64(n), err
}
