//go:build js && wasm

package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"syscall/js"
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
// transport honours: a cancelled context aborts the fetch.
type transport struct{}

func (transport) RoundTrip(req *http.Request) (*http.Response, error) {
	x := exchangeOf(req.Context())
	if x == nil {
		return nil, errors.New("edge: upstream call outside a Worker request")
	}
	return x.fetch(req)
}

type fetchResult struct {
	err    string
	status int
	head   string
	whole  js.Value // the body, when it came whole
	slot   int      // else its reader
}

func (x *exchange) fetch(req *http.Request) (*http.Response, error) {
	b := x.iso.b
	body := js.Null()
	if req.Body != nil && req.Body != http.NoBody {
		p, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b.bytesToJS(p)
	}
	ch := make(chan fetchResult, 1)
	id := b.start(func(err string, res []js.Value) {
		r := fetchResult{err: err}
		if err == "" {
			r.status, r.head, r.whole, r.slot = arg(res, 0).Int(), arg(res, 1).String(), arg(res, 2), arg(res, 3).Int()
		}
		ch <- r
	})
	if !b.fetch.Invoke(x.port, id, req.URL.String(), req.Method, flatHeader(req.Header, ""), body).Bool() {
		b.forget(id)
		return nil, errEnded
	}
	var r fetchResult
	select {
	case r = <-ch:
	case <-req.Context().Done():
		b.abort.Invoke(x.port, id) // also aborts the body if the answer was on its way
		return nil, req.Context().Err()
	}
	if r.err != "" {
		return nil, errors.New("fetch: " + r.err)
	}
	resp := &http.Response{
		Status: strconv.Itoa(r.status) + " " + http.StatusText(r.status), StatusCode: r.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: parseHeader(r.head), ContentLength: -1, Request: req,
	}
	if r.whole.Type() == js.TypeObject {
		p := bytesFromJS(r.whole)
		resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(p)), int64(len(p))
	} else {
		resp.Body = &jsBody{x: x, slot: r.slot}
		if n, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil {
			resp.ContentLength = n
		}
	}
	return resp, nil
}
