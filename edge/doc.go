// Edge is the Cloudflare Worker: the Go/WebAssembly program that workerd runs for
// every request. It is deliberately thin. Everything that decides anything (auth, parsing,
// routing, fallbacks, streaming, errors) lives in core and is tested natively, under wazero
// and in workerd alike; this package only hands core the platform pieces it asks for in
// core.Config:
//
//   - Client: syumai's fetch client. http.DefaultClient panics inside workerd ("Illegal
//     invocation"), and the fetch transport ignores context deadlines, which is why core
//     enforces its own upstream timeouts by racing the call instead of relying on ctx.
//   - Env: Worker vars and secrets, with "" for a missing name.
//   - Now and Rand: the wall clock and a ChaCha8 source seeded from crypto/rand.
//   - Defer: ctx.waitUntil plus a WaitGroup that keeps the Go instance alive until deferred
//     work ends (plain workers.Serve exits as soon as the body is sent, losing that work).
//   - Stores.Keys: API-key records in the "KV" namespace.
//
// Why thin: syumai/workers starts a fresh Go runtime for every request, so nothing here
// survives between requests and every line of start-up work is paid per request; and code
// in this package can only be tested inside workerd (scripts/harness/workerd), which is slow
// to start. Logic placed here would escape the native, wazero and conformance tests.
//
// The Worker sources are built only for GOOS=js GOARCH=wasm (they import syscall/js);
// this file carries no build constraint so the package exists for every target (godoc,
// go vet ./...), and main_other.go gives native builds (go build ./...) a main that only
// explains this. Build with scripts/build-edge; run locally with scripts/dev.
package main
