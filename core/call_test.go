package core

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// staticTransport answers every request with status and body, as a whole body or not.
type staticTransport struct {
	status int
	body   []byte
	whole  bool
}

type memBody struct {
	*bytes.Reader
	b []byte
}

func (m memBody) Whole() []byte { return m.b }
func (memBody) Close() error    { return nil }

func (t staticTransport) RoundTrip(*http.Request) (*http.Response, error) {
	var body io.ReadCloser = io.NopCloser(bytes.NewReader(t.body))
	if t.whole {
		body = memBody{bytes.NewReader(t.body), t.body}
	}
	return &http.Response{StatusCode: t.status, Header: http.Header{}, Body: body}, nil
}

// TestCallMessages checks what a call delivers: headers and body in one message when the
// transport holds the body whole and the answer is read whole anyway; otherwise headers
// first, then the body (whole, or per read for a stream), capped as before.
func TestCallMessages(t *testing.T) {
	big := bytes.Repeat([]byte("x"), maxErrorBody+1)
	tests := []struct {
		name   string
		tr     staticTransport
		stream bool
		want   []chunk // resp reduced to whether it is set
	}{
		{"whole answer in one message", staticTransport{200, []byte("{}"), true}, false,
			[]chunk{{b: []byte("{}"), err: io.EOF, whole: true}}},
		{"read-through answer in two", staticTransport{200, []byte("{}"), false}, false,
			[]chunk{{}, {b: []byte("{}"), err: io.EOF}}},
		{"whole error body in one message", staticTransport{503, []byte("busy"), true}, true,
			[]chunk{{b: []byte("busy"), err: io.EOF, whole: true}}},
		{"whole error body over the cap", staticTransport{503, big, true}, false,
			[]chunk{{err: errTooLarge, whole: true}}},
		{"read-through error body over the cap", staticTransport{503, big, false}, false,
			[]chunk{{}, {b: big, err: errTooLarge}}},
		{"a stream is read even when whole", staticTransport{200, []byte("data: {}\n\n"), true}, true,
			[]chunk{{}, {b: []byte("data: {}\n\n")}, {err: io.EOF}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "http://upstream.invalid/", strings.NewReader("{}"))
			cl := startCall(tt.tr, req, tt.stream)
			defer cl.stop()
			for i, want := range tt.want {
				got := <-cl.c
				if (got.resp != nil) != (i == 0) {
					t.Fatalf("message %d: response set %v", i, got.resp != nil)
				}
				if i == 0 {
					cl.resp = got.resp
				}
				if !bytes.Equal(got.b, want.b) || got.err != want.err || got.whole != want.whole {
					t.Fatalf("message %d: %d bytes, err %v, whole %v; want %d bytes, err %v, whole %v",
						i, len(got.b), got.err, got.whole, len(want.b), want.err, want.whole)
				}
				cl.release(got.b)
			}
		})
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
