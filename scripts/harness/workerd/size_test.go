package workerd

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// wasmBudget bounds the Worker's gzipped wasm. It is 2.12 MiB today: net/http's server side
// and the runtime are ~1.4 MiB of it. Crossing the budget usually means something linked
// net/http's client (http.Client.Do, http.DefaultTransport, http.Get): 1.2 MiB more of TLS,
// HTTP/2 and proxy code that can never run in workerd (core.Config.Transport says why).
const wasmBudget = 2.25 * (1 << 20)

func TestWorkerSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Worker; run go test without -short")
	}
	wasm, err := os.ReadFile(filepath.Join(BuildWorker(t, Root(t)), "app.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(wasm)
	w.Close()
	t.Logf("app.wasm: %d bytes raw, %d gzip -9 (budget %.0f)", len(wasm), gz.Len(), wasmBudget)
	if float64(gz.Len()) > wasmBudget {
		t.Errorf("app.wasm is %.2f MiB gzipped, over the %.2f MiB budget", float64(gz.Len())/(1<<20), wasmBudget/(1<<20))
	}
}
