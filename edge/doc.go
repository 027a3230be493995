// Edge is the Cloudflare Worker: Switchyard's core compiled to WebAssembly and run in
// workerd, one Go instance per isolate serving every request of that isolate, concurrently.
// It is deliberately thin. Everything that decides anything (auth, parsing, routing,
// fallbacks, streaming, errors) lives in core and is tested natively, under wazero and in
// workerd alike; this package only hands core the platform pieces it asks for in
// core.Config:
//
//   - Transport: an http.RoundTripper over the Workers fetch API (fetch_js.go).
//   - Env: Worker vars and secrets, with "" for a missing name, read from the request's
//     own env object and cached per env object (platform_js.go).
//   - Now and Rand: the wall clock and a ChaCha8 source seeded once per isolate.
//   - Defer: work that outlives the response keeps the request's ctx.waitUntil open.
//   - Stores.Keys: API-key records in the "KV" namespace, behind store.CachedKeys.
//
// The JavaScript entry, worker.mjs, starts the Go program on the isolate's first request
// and keeps it. Go asks worker.mjs for every piece of workerd I/O (fetch, stream reads, KV,
// the response) through small "ops", each run in the workerd context of the request it is
// for; why that matters, and the other rules of a Go instance shared by concurrent
// requests, are in README.md. bridge_js.go is the Go side of that protocol, serve_js.go
// turns a request into an http.Request and core's writes into a Response.
//
// The Worker sources are built only for GOOS=js GOARCH=wasm (they use wasm imports); this
// file carries no build constraint so the package exists for every target (godoc, go vet
// ./...), and main_other.go gives native builds (go build ./...) a main that only explains
// this. Build with scripts/build-edge (which also swaps notls/ in for crypto/tls, which
// nothing in a Worker can use: core/RATIONALE.md); run locally with scripts/dev; measure
// with scripts/bench-edge.
package main
