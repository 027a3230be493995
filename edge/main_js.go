//go:build js && wasm

package main

import (
	"time"

	"github.com/switchyard-router/switchyard/core"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/syumai/workers"
)

// main runs once per request: syumai/workers instantiates a fresh Go program for every fetch
// event (shared/spec/platforms.md §2.1), so keep this function to wiring.
func main() {
	var bg background
	h := core.New(core.Config{
		Client: newClient(),
		Stores: store.Set{Keys: kvKeys{binding: "KV"}},
		Env:    getenv,
		Now:    time.Now,
		Rand:   newRand(),
		Defer:  bg.Defer,
		Logf:   logf,
		// Catalog: nil, the generated catalog.Default.
	})
	// Not workers.Serve: it returns, and the program exits, as soon as the response body is
	// done, killing work registered through Defer (platforms.md §2.6).
	workers.ServeNonBlock(bg.Track(recoverPanics(h)))
	workers.Ready()
	<-workers.Done() // the runtime has read the whole response body
	bg.Wait()        // stay alive until deferred work (usage records) has finished
}
