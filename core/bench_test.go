package core_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core"
	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
)

// cannedTransport answers every upstream request from memory, so benchmarks measure the
// router's own work: client body in → upstream request out → upstream response relayed.
type cannedTransport struct {
	body   []byte
	stream bool
	sink   int // bytes of upstream requests seen, so their building is not optimised away
}

func (t *cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	n, _ := io.Copy(io.Discard, req.Body)
	t.sink += int(n)
	ct, body := "application/json", io.Reader(bytes.NewReader(t.body))
	if t.stream {
		ct, body = "text/event-stream", &eventReader{rest: t.body}
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {ct}},
		Body:       io.NopCloser(body),
		Request:    req,
	}, nil
}

// eventReader yields one SSE event per Read, as a provider that flushes every event
// arrives over the network (and as the Worker's fetch body hands it to core), so a stream
// benchmark pays the relay's per-read work once per event.
type eventReader struct{ rest []byte }

func (r *eventReader) Read(p []byte) (int, error) {
	if len(r.rest) == 0 {
		return 0, io.EOF
	}
	ev := r.rest
	if i := bytes.Index(ev, []byte("\n\n")); i >= 0 {
		ev = ev[:i+2]
	}
	n := copy(p, ev)
	r.rest = r.rest[n:]
	return n, nil
}

// discardWriter is a minimal ResponseWriter; httptest.ResponseRecorder would add its own
// copying to every figure.
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// Flush is there because every platform's writer has it (the Worker's, net/http's): without
// it each flush of a stream would pay for building http.ErrNotSupported's wrapper.
func (w *discardWriter) Flush() {}

const benchKey = "sk-sy-v1-bench"

var benchCatalog = catalog.New(
	[]catalog.Model{{ID: "meta-llama/llama-3.3-70b-instruct", Endpoints: []catalog.Endpoint{
		{Provider: "together", Upstream: "meta-llama/Llama-3.3-70B-Instruct-Turbo"},
	}}},
	[]catalog.Provider{{Slug: "together", Name: "Together", BaseURL: "https://api.together.xyz/v1"}},
)

func benchHandler(b *testing.B, tr *cannedTransport) http.Handler {
	stores := memstore.New()
	if err := stores.Keys.Create(context.Background(), store.Key{Hash: core.HashKey(benchKey)}); err != nil {
		b.Fatal(err)
	}
	return core.New(core.Config{
		Transport: tr,
		Stores:    stores,
		Catalog:   benchCatalog,
		Env: func(k string) string {
			if k == "TOGETHER_API_KEY" {
				return "tk-test"
			}
			return ""
		},
	})
}

// chatBody builds a request whose messages total about size bytes.
func chatBody(size int, stream bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `{"model":"meta-llama/llama-3.3-70b-instruct","stream":%t,"temperature":0.7,"provider":{"sort":"price"},"messages":[{"role":"system","content":"You are terse."}`, stream)
	for b.Len() < size {
		b.WriteString(`,{"role":"user","content":"Tell me about the history of railway switchyards, in detail, please. é✓"}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

const upstreamReply = `{"id":"chatcmpl-1","object":"chat.completion","created":1760000000,"model":"meta-llama/Llama-3.3-70B-Instruct-Turbo","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}`

func BenchmarkPassthrough(b *testing.B) {
	for _, size := range []int{200, 10 << 10, 100 << 10} {
		b.Run(fmt.Sprintf("body=%dB", size), func(b *testing.B) {
			benchServe(b, chatBody(size, false), &cannedTransport{body: []byte(upstreamReply)})
		})
	}
}

func BenchmarkPassthroughStream(b *testing.B) {
	var up bytes.Buffer
	up.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}` + "\n\n")
	for i := 0; i < 20; i++ {
		up.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"m","choices":[{"index":0,"delta":{"content":"word "},"finish_reason":null}],"usage":null}` + "\n\n")
	}
	up.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}` + "\n\n")
	up.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":20,"total_tokens":29}}` + "\n\ndata: [DONE]\n\n")
	benchServe(b, chatBody(200, true), &cannedTransport{body: up.Bytes(), stream: true})
}

func benchServe(b *testing.B, body []byte, tr *cannedTransport) {
	h := benchHandler(b, tr)
	w := &discardWriter{h: make(http.Header)}
	rd := bytes.NewReader(body)
	req, err := http.NewRequest(http.MethodPost, "http://router/api/v1/chat/completions", io.NopCloser(rd))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.ContentLength = int64(len(body))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rd.Reset(body)
		w.n = 0
		clear(w.h)
		h.ServeHTTP(w, req)
		if w.n == 0 {
			b.Fatal("empty response")
		}
	}
}

// BenchmarkPassthroughPath is the pass-through path without HTTP plumbing: parse the client
// body, build the upstream body, stamp the upstream's answer. BenchmarkPassthrough adds what
// every request also pays around it (auth, the upstream call's goroutine, http.Request).
func BenchmarkPassthroughPath(b *testing.B) {
	st := &provider.Stamp{ID: "gen-1760000000-abcdefghijklmnopqrst", Model: "meta-llama/llama-3.3-70b-instruct", Provider: "Together"}
	reply := []byte(upstreamReply)
	for _, size := range []int{200, 1 << 10, 10 << 10, 100 << 10} {
		body := chatBody(size, false)
		b.Run(fmt.Sprintf("body=%dB", size), func(b *testing.B) {
			up := make([]byte, 0, len(body)+128)
			out := make([]byte, 0, len(reply)+128)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c, err := api.ParseChat(body)
				if err != nil {
					b.Fatal(err)
				}
				up = c.AppendUpstream(up[:0], "meta-llama/Llama-3.3-70B-Instruct-Turbo")
				var seen provider.Seen
				out, seen = provider.AppendStamped(out[:0], reply, st)
				if !seen.Valid {
					b.Fatal("invalid reply")
				}
			}
		})
	}
}
