//go:build js && wasm

package main

import (
	"net/http"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/switchyard-router/switchyard/core"
	"github.com/switchyard-router/switchyard/core/gopool"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
)

// main runs once per isolate: edge/worker.mjs starts this program on the isolate's first
// request and keeps it for every later one (edge/README.md). It wires what the isolate
// shares, starts the first server goroutine for the requests the serve export hands over,
// and tells worker.mjs it is ready.
func main() {
	// The isolate has 128 MB for JS and this program's linear memory together, and linear
	// memory never shrinks: collect harder well before that.
	debug.SetMemoryLimit(48 << 20)
	iso := &isolate{
		id:        newInstanceID(),
		pool:      gopool.New(),
		transport: transport{},
		rand:      newRand(),
		// API keys: KV behind a short-lived in-memory cache (the read-through cache of
		// core/store), shared by every request of the isolate.
		keys: store.NewCachedKeys(kvKeys{binding: "KV"}, store.CacheOptions{}),
		// Routing memory (health, measured speed): in the isolate, so what one request
		// learns about an endpoint steers the next without a KV round trip, in front of
		// KV ("routing:stats:<model>"), which a new isolate reads once per model and which
		// receives each isolate's samples at most every 10 s per model. Sticky pins stay
		// in the isolate: a conversation's next request usually lands on the same one.
		stats:  store.NewCachedStats(store.KVStats{KV: kvStore{binding: "KV"}, Prefix: "routing:"}, store.StatsCacheOptions{}),
		sticky: &memstore.Sticky{},
	}
	// The GC starts its worker goroutines on its first cycle, and waits for them: do that
	// now, not inside an export, which must never block (bridge_js.go).
	runtime.GC()
	iso.idle.Store(1)
	go iso.server()
	jsReady()
	select {} // the servers run everything from here
}

// server serves requests from the inbox, one after another, for as long as the instance
// lives. Servers take arrivals themselves rather than through a dispatcher goroutine, so a
// request wakes one goroutine, not two. One server is always waiting: the one that takes
// the last idle turn first starts another, so a request never waits for one that blocks
// on I/O. There are as many as were ever busy at once, plus one; each keeps its grown stack.
func (iso *isolate) server() {
	for a := range inbox {
		if iso.idle.Add(-1) == 0 {
			iso.idle.Add(1)
			go iso.server()
		}
		iso.serve(a)
		iso.idle.Add(1)
	}
}

// isolate is what one Go instance keeps between requests. Everything here is shared by
// concurrent requests and safe for that; everything per request lives in an exchange.
type isolate struct {
	id        string       // random; reported to tests through the test hooks only
	idle      atomic.Int32 // servers waiting on the inbox
	pool      *gopool.Pool // runs tasks deferred after a request has ended, reusing goroutines
	transport http.RoundTripper
	rand      *lockedSource
	keys      store.Keys
	stats     store.Stats  // bounded: per catalog model, at most 64 endpoints each
	sticky    store.Sticky // swept of long-expired pins past 4096 entries
	env       envCache
}

// newHandler builds a request's handler: the router, or in a benchfloor build the bare
// relay that scripts/bench-edge -floor measures (floor_js.go).
var newHandler = (*isolate).handler

// handler builds the router for one request. core.New is cheap (no I/O, a few small
// allocations), and building it per request is what gives each request its own env and
// its own deferred-work tracking while everything else is shared.
func (iso *isolate) handler(x *exchange) http.Handler {
	return core.New(core.Config{
		Transport: iso.transport,
		Stores:    store.Set{Keys: iso.keys, Stats: iso.stats, Sticky: iso.sticky},
		Env:       x.env.get,
		Now:       time.Now,
		Rand:      iso.rand,
		Defer:     x.defer_,
		Logf:      logf,
	})
}
