// Command devserver runs the router natively, with in-memory stores and the standard HTTP
// client, configured from the same environment variables as the Worker
// (<PROVIDER>_API_KEY, <PROVIDER>_BASE_URL, SWITCHYARD_*). It is the quick start without
// workerd and the target of native load benchmarks:
//
//	go run ./scripts/devserver -listen 127.0.0.1:8080
//
// Keys live in memory, so it creates one at start and prints it (or takes SWITCHYARD_DEV_KEY).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/switchyard-router/switchyard/core"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve on")
	quiet := flag.Bool("quiet", false, "do not log attempts (for load tests)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	var logf func(string, ...any)
	if !*quiet {
		logf = log.Printf
	}
	if err := serve(ctx, ln, os.Getenv, logf, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// serve runs the router on ln until ctx ends, configured from env, printing the address and
// a dev key to out.
func serve(ctx context.Context, ln net.Listener, env func(string) string, logf func(string, ...any), out io.Writer) error {
	stores := memstore.New()
	devKey := env("SWITCHYARD_DEV_KEY")
	if devKey == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		devKey = "sk-sy-v1-dev-" + hex.EncodeToString(b[:])
	}
	err := stores.Keys.Create(context.Background(), store.Key{
		Hash: core.HashKey(devKey), Name: "devserver", Label: "sk-sy-v1-dev...", CreatedAt: time.Now().Unix(),
	})
	if err != nil {
		return err
	}
	cfg := core.Config{
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		},
		Stores: stores,
		Env:    env,
		Logf:   logf,
	}
	srv := &http.Server{Handler: core.New(cfg), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	fmt.Fprintf(out, "dev key: %s\n", devKey)
	fmt.Fprintf(out, "try: curl -s http://%s/api/v1/chat/completions -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d '{\"model\":\"meta-llama/llama-3.3-70b-instruct\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'\n", ln.Addr(), devKey)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
