package core

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

type memBody struct {
	*bytes.Reader
	b []byte
}

func (m memBody) Whole() []byte { return m.b }

// TestReadAll checks that a body held whole is taken as it is and a read-through one is
// read, both capped alike.
func TestReadAll(t *testing.T) {
	small, big := []byte("{}"), bytes.Repeat([]byte("x"), maxErrorBody+1)
	tests := []struct {
		name string
		body io.Reader
		want []byte
		err  error
	}{
		{"whole", memBody{bytes.NewReader(small), small}, small, nil},
		{"read through", bytes.NewReader(small), small, nil},
		{"whole over the cap", memBody{bytes.NewReader(big), big}, nil, errTooLarge},
		{"read through over the cap", bytes.NewReader(big), nil, errTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(tt.body, maxErrorBody)
			if err != tt.err || (err == nil && !bytes.Equal(got, tt.want)) {
				t.Fatalf("got %d bytes, %v; want %d bytes, %v", len(got), err, len(tt.want), tt.err)
			}
			if tt.name == "whole" && &got[0] != &small[0] {
				t.Error("a whole body was copied")
			}
		})
	}
}

// TestWatch checks that a passing deadline cancels the attempt's context and says so,
// and that a reset deadline has not passed.
func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newWatch(cancel, time.Hour)
	w.reset(time.Millisecond)
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline passed without cancelling the context")
	}
	if !w.expired() {
		t.Fatal("expired is false after the deadline")
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	w2 := newWatch(cancel2, time.Hour)
	w2.stop()
	if ctx2.Err() != nil || w2.expired() {
		t.Fatal("a stopped watch cancelled its context")
	}
}

// TestRoundTripNeverNeither holds transports to a response or an error.
func TestRoundTripNeverNeither(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "http://upstream.invalid/", nil)
	if resp, err := roundTrip(nilTransport{}, req); resp != nil || err != errNoResponse {
		t.Fatalf("got %v, %v", resp, err)
	}
}

type nilTransport struct{}

func (nilTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, nil }
