//go:build js && wasm

package main

import (
	"net/http"
	"runtime"
	"strconv"
	"unsafe"

	"github.com/switchyard-router/switchyard/core/store"
)

// testHooks wraps the router for the workerd e2e suite when the request's env sets
// SWITCHYARD_TEST_PANIC_PATH (only the suite does; never set it in wrangler.toml). Then:
//
//   - every response carries X-Switchyard-Instance, this Go instance's random id, so the
//     suite can tell one instance serving concurrent requests from a restarted one;
//   - a request to that path panics inside the handler, which must cost a 500 for that
//     request only;
//   - a request to that path + "/crash" panics on a goroutine of its own, which no handler
//     can recover: the instance dies, and the next request must start a new one;
//   - that path + "/stats" answers what the instance holds (Go heap, goroutines, ops
//     waiting, cached keys, and worker.mjs's live ports, alarms, linear memory and JS
//     values referenced from Go), so a long run can show it stays bounded.
func testHooks(x *exchange, h http.Handler) http.Handler {
	path := x.env.get("SWITCHYARD_TEST_PANIC_PATH")
	if path == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Switchyard-Instance", x.iso.id)
		switch r.URL.Path {
		case path:
			panic("switchyard test hook: panic in a handler")
		case path + "/crash":
			go func() { panic("switchyard test hook: panic on a goroutine") }()
			select {} // the panic ends the program before this request could finish
		case path + "/stats":
			writeStats(w, x)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeStats(w http.ResponseWriter, x *exchange) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	keys := -1
	if c, ok := x.iso.keys.(*store.CachedKeys); ok {
		keys = c.Len()
	}
	b := []byte(`{"go":{"heap_alloc":`)
	b = strconv.AppendUint(b, m.HeapAlloc, 10)
	b = append(b, `,"heap_sys":`...)
	b = strconv.AppendUint(b, m.HeapSys, 10)
	b = append(b, `,"sys":`...)
	b = strconv.AppendUint(b, m.Sys, 10)
	b = append(b, `,"num_gc":`...)
	b = strconv.AppendUint(b, uint64(m.NumGC), 10)
	b = append(b, `,"goroutines":`...)
	b = strconv.AppendInt(b, int64(runtime.NumGoroutine()), 10)
	b = append(b, `,"ops_waiting":`...)
	b = strconv.AppendInt(b, int64(theOps.waiting()), 10)
	b = append(b, `,"keys_cached":`...)
	b = strconv.AppendInt(b, int64(keys), 10)
	b = append(b, `},"js":`...)
	b = append(b, jsStatsJSON()...)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// jsStatsJSON is worker.mjs's view of the instance, as JSON.
func jsStatsJSON() []byte {
	buf := make([]byte, 256)
	for {
		n := jsStats(unsafe.Pointer(&buf[0]), int32(len(buf)))
		if int(n) <= len(buf) {
			return buf[:n]
		}
		buf = make([]byte, n)
	}
}
