package conformance

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

// Replay is the fake upstream of one vector: it records each request the router makes
// and answers it with the vector's next upstream response. It is an http.RoundTripper for
// in-process targets and an http.Handler for targets that reach the upstream over HTTP
// (workerd); either way the base URL's path is not part of the recorded path, so a
// vector reads the same for both.
type Replay struct {
	t    testing.TB
	v    *Vector
	mu   sync.Mutex
	got  []Message
	base string // path prefix of the upstream base URL, stripped from recorded paths
}

// NewReplay returns the replay for v. basePath is the path part of the base URL the
// target configures ("" in-process).
func NewReplay(t testing.TB, v *Vector, basePath string) *Replay {
	return &Replay{t: t, v: v, base: basePath}
}

// Requests returns the upstream requests made so far.
func (r *Replay) Requests() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.got...)
}

// RoundTrip records req and plays the next response.
func (r *Replay) RoundTrip(req *http.Request) (*http.Response, error) {
	m, resp := r.next(req)
	if resp == nil {
		return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader([]byte(`{"error":{"message":"conformance: unexpected upstream request"}}`))), Request: req}, nil
	}
	body := io.NopCloser(bytes.NewReader(resp.Body))
	if n := r.v.Config.ReadSize; n > 0 {
		body = io.NopCloser(&smallReads{r: bytes.NewReader(resp.Body), n: n})
	}
	_ = m
	return &http.Response{
		StatusCode:    resp.Status,
		Status:        strconv.Itoa(resp.Status) + " " + http.StatusText(resp.Status),
		Header:        resp.Header.Clone(),
		Body:          body,
		ContentLength: -1,
		Request:       req,
	}, nil
}

// ServeHTTP is RoundTrip for targets that call the upstream over the network.
func (r *Replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, resp := r.next(req)
	if resp == nil {
		http.Error(w, `{"error":{"message":"conformance: unexpected upstream request"}}`, http.StatusInternalServerError)
		return
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.Status)
	n := r.v.Config.ReadSize
	if n <= 0 {
		n = len(resp.Body)
	}
	rc := http.NewResponseController(w)
	for b := resp.Body; len(b) > 0; {
		k := min(n, len(b))
		if _, err := w.Write(b[:k]); err != nil {
			return
		}
		_ = rc.Flush()
		b = b[k:]
	}
}

func (r *Replay) next(req *http.Request) (Message, *Message) {
	body, _ := io.ReadAll(req.Body)
	path := req.URL.RequestURI()
	if r.base != "" && len(path) >= len(r.base) && path[:len(r.base)] == r.base {
		path = path[len(r.base):]
	}
	m := Message{Method: req.Method, Path: path, Header: req.Header.Clone(), Body: body}
	r.mu.Lock()
	i := len(r.got)
	r.got = append(r.got, m)
	r.mu.Unlock()
	if i >= len(r.v.Exchanges) {
		r.t.Errorf("upstream request %d (%s %s) is not in the vector; body %s", i+1, m.Method, m.Path, body)
		return m, nil
	}
	return m, &r.v.Exchanges[i].Response
}

// smallReads hands out at most n bytes per Read, as a slow network would.
type smallReads struct {
	r io.Reader
	n int
}

func (s *smallReads) Read(p []byte) (int, error) {
	if len(p) > s.n {
		p = p[:s.n]
	}
	return s.r.Read(p)
}
