package core

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// An attempt waits on its upstream on the request's own goroutine (the round trip, then
// each body read), and deadlines reach those waits by cancelling the attempt's context,
// which transports honour as http.RoundTripper asks. Why not a goroutine per call:
// RATIONALE.md, "Upstream waits run inline".

// watch is an attempt's deadline: when it passes, the attempt's context is cancelled and
// expired reports it, which tells a timeout from other errors the cancelled waits return.
type watch struct {
	t    *time.Timer
	gone atomic.Bool
}

func newWatch(cancel context.CancelFunc, d time.Duration) *watch {
	w := &watch{}
	w.t = time.AfterFunc(d, func() {
		w.gone.Store(true)
		cancel()
	})
	return w
}

// reset moves the deadline to d from now (once passed, expired stays true).
func (w *watch) reset(d time.Duration) { w.t.Reset(d) }
func (w *watch) stop()                 { w.t.Stop() }
func (w *watch) expired() bool         { return w.gone.Load() }

// wholeBody is an upstream body already held in memory in one piece (the Worker's fetch
// reads small answers whole): core takes its bytes as they are instead of reading them.
type wholeBody interface{ Whole() []byte }

const (
	readBuf      = 16 << 10
	maxErrorBody = 64 << 10
)

var (
	errTooLarge   = errors.New("upstream body too large")
	errNoResponse = errors.New("transport returned no response")
)

// readAll reads a non-streaming answer or an error body, capped at limit.
func readAll(body io.Reader, limit int) ([]byte, error) {
	if w, ok := body.(wholeBody); ok {
		if b := w.Whole(); len(b) <= limit {
			return b, nil
		}
		return nil, errTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(body, int64(limit)+1))
	if err == nil && len(b) > limit {
		err = errTooLarge
	}
	return b, err
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
