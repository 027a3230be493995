// Command fakeupstream serves core/providertest's fake upstreams as a process,
// for e2e tests (workerd, Lambda) and benchmarks that cannot run them
// in-process. One server speaks all three protocols, told apart by the request
// path: OpenAI-compatible (/v1/chat/completions), Anthropic Messages
// (/v1/messages) and Gemini (/v1beta/models/{m}:generateContent and
// :streamGenerateContent). Point a provider's base URL at it with a script
// prefix, for example TOGETHER_BASE_URL=http://127.0.0.1:PORT/fail/503/v1 or
// ANTHROPIC_BASE_URL=http://127.0.0.1:PORT/stream/3/20ms (the Anthropic and
// Gemini base URLs carry no version); the grammar is in the providertest
// package doc.
//
//	go run ./scripts/fakeupstream -listen 127.0.0.1:0
//
// When ready it prints exactly one line to stdout, "listening on
// http://HOST:PORT", which e2e harnesses parse; everything else goes to
// stderr. It listens on loopback only, exits cleanly on SIGINT or SIGTERM, and
// exits after -max-requests requests, so a runaway test loop or an orphaned
// process cannot serve forever.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/switchyard-router/switchyard/core/providertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "fakeupstream:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends or the request bound is reached.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakeupstream", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "loopback `address` to listen on")
	maxRequests := fs.Int64("max-requests", 100000, "exit after serving this many requests (safety bound)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *maxRequests < 1 {
		return fmt.Errorf("-max-requests must be at least 1")
	}
	if err := checkLoopback(*listen); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}

	h := providertest.NewHandler(providertest.Options{})
	var served atomic.Int64
	limit := make(chan struct{})
	var limitOnce sync.Once
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := served.Add(1)
			if n > *maxRequests {
				// Raced past the bound while shutting down.
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, `{"error":{"message":"fakeupstream: -max-requests reached","type":"server_error","param":null,"code":"max_requests"}}`)
				return
			}
			h.ServeHTTP(w, r)
			if n == *maxRequests {
				limitOnce.Do(func() { close(limit) })
			}
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(stderr, "fakeupstream: ", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())

	select {
	case <-ctx.Done():
	case <-limit:
		fmt.Fprintf(stderr, "fakeupstream: served -max-requests=%d requests; exiting\n", *maxRequests)
	case err := <-errc:
		h.Close()
		return err
	}
	// Release hanging and delayed requests first, so Shutdown only waits for
	// answers already on their way.
	h.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// checkLoopback refuses addresses that would expose the fake beyond this
// machine: it answers anyone, records request headers, and can hang.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-listen %q: only loopback addresses (127.0.0.1, [::1], localhost) are allowed", addr)
}
