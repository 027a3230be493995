package conformance

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-router/switchyard/core"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
)

// NativeKey is the API key {{KEY}} stands for in-process.
const NativeKey = "sk-sy-v1-conformance"

// NativeUpstream is the upstream base URL {{UPSTREAM}} stands for in-process; the Replay
// answers every request, so nothing leaves the process.
const NativeUpstream = "http://upstream.test"

// Native runs vectors in-process against core.New with the catalog the build ships, a
// fixed clock (1760000000) and a fixed Rand seed, so generation ids and timestamps are
// reproducible.
type Native struct{}

// Name implements Target.
func (Native) Name() string { return "native" }

// Serve implements Target.
func (Native) Serve(t *testing.T, env map[string]string, up *Replay, req Message) Message {
	stores := memstore.New()
	if err := stores.Keys.Create(context.Background(), store.Key{Hash: core.HashKey(NativeKey), Name: "conformance"}); err != nil {
		t.Fatal(err)
	}
	h := core.New(core.Config{
		Transport: up,
		Stores:    stores,
		Env: func(k string) string {
			return strings.ReplaceAll(env[k], "{{UPSTREAM}}", NativeUpstream)
		},
		Now:  func() time.Time { return time.Unix(1760000000, 0) },
		Rand: rand.NewPCG(1, 2),
		Logf: t.Logf,
	})
	r := httptest.NewRequest(req.Method, req.Path, bytes.NewReader(req.Body))
	for k, vs := range req.Header {
		for _, v := range vs {
			r.Header.Add(k, strings.ReplaceAll(v, "{{KEY}}", NativeKey))
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return Message{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}
