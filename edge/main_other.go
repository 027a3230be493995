//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main exists so that native builds of the whole module (go build ./...) succeed; the Worker
// itself is main_js.go, built for GOOS=js GOARCH=wasm by scripts/build-edge.
func main() {
	fmt.Fprintln(os.Stderr, "edge: the Cloudflare Worker builds only for GOOS=js GOARCH=wasm; run scripts/build-edge or scripts/dev")
	os.Exit(2)
}
