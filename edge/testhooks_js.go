//go:build js && wasm

package main

import "net/http"

// testHooks wraps the router for the workerd e2e suite when the request's env sets
// SWITCHYARD_TEST_PANIC_PATH (only the suite does; never set it in wrangler.toml). Then:
//
//   - every response carries X-Switchyard-Instance, this Go instance's random id, so the
//     suite can tell one instance serving concurrent requests from a restarted one;
//   - a request to that path panics inside the handler, which must cost a 500 for that
//     request only;
//   - a request to that path + "/crash" panics on a goroutine of its own, which no handler
//     can recover: the instance dies, and the next request must start a new one.
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
		}
		h.ServeHTTP(w, r)
	})
}
