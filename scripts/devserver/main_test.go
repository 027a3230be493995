package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-router/switchyard/core/providertest"
	"github.com/tidwall/gjson"
)

// syncBuffer lets the test read what serve prints while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe runs the native server configured from an environment, as `go run
// ./scripts/devserver` does, and sends it one chat request through to a fake provider.
func TestServe(t *testing.T) {
	up := providertest.NewServer()
	defer up.Close()
	env := map[string]string{
		"SWITCHYARD_DEV_KEY": "sk-sy-v1-dev-test",
		"DEEPINFRA_API_KEY":  "k",
		"DEEPINFRA_BASE_URL": up.BaseURL("/ok"),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, func(k string) string { return env[k] }, t.Logf, &out) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()

	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/api/v1/chat/completions",
		strings.NewReader(`{"model":"meta-llama/llama-3.3-70b-instruct","messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer sk-sy-v1-dev-test")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || gjson.GetBytes(b, "provider").Str != "DeepInfra" {
		t.Fatalf("status %d body %s", resp.StatusCode, b)
	}
	if !strings.Contains(out.String(), "dev key: sk-sy-v1-dev-test") || !strings.Contains(out.String(), "listening on http://"+ln.Addr().String()) {
		t.Errorf("printed %q", out.String())
	}
}
