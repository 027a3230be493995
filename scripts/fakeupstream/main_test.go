package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the command, so the signal test
// runs a real process without compiling one.
func TestMain(m *testing.M) {
	if os.Getenv("FAKEUPSTREAM_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

var readyLine = regexp.MustCompile(`^listening on (http://127\.0\.0\.1:[0-9]+)$`)

// syncBuffer is a stderr sink safe to read while run writes to it.
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

type running struct {
	base   string
	lines  <-chan string // stdout lines after the first
	done   chan struct{} // closed when run has returned err
	err    error
	stderr *syncBuffer
	cancel context.CancelFunc
}

// start calls run in-process and waits for its ready line.
func start(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	r := &running{lines: lines, done: make(chan struct{}), stderr: &syncBuffer{}, cancel: cancel}
	go func() {
		r.err = run(ctx, args, pw, r.stderr)
		pw.Close()
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		r.wait(t)
	})
	select {
	case l := <-lines:
		m := readyLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("ready line %q", l)
		}
		r.base = m[1]
	case <-r.done:
		t.Fatalf("run exited early: %v; stderr: %s", r.err, r.stderr)
	case <-time.After(5 * time.Second):
		t.Fatal("no ready line")
	}
	return r
}

// wait returns run's result, failing if it takes longer than a few seconds.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return")
		return nil
	}
}

func TestRunServesAndStops(t *testing.T) {
	r := start(t)
	resp, err := http.Post(r.base+"/stream/2/0s/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasSuffix(body, []byte("data: [DONE]\n\n")) {
		t.Fatalf("stream: %d %s", resp.StatusCode, body)
	}

	// A hung request must not hold up shutdown.
	hung := make(chan error, 1)
	go func() {
		resp, err := http.Post(r.base+"/hang/v1/chat/completions", "application/json",
			strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
		if err == nil {
			resp.Body.Close()
		}
		hung <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(r.base + "/_requests")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.Contains(b, []byte(`"/hang/v1/chat/completions"`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hung request not recorded: %s", b)
		}
		time.Sleep(5 * time.Millisecond)
	}

	r.cancel()
	if err := r.wait(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	select {
	case err := <-hung:
		if err == nil {
			t.Error("hung request got a response")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("hung request still waiting after shutdown")
	}
	for l := range r.lines {
		t.Errorf("extra stdout line %q", l)
	}
}

func TestRunMaxRequests(t *testing.T) {
	r := start(t, "-listen", "127.0.0.1:0", "-max-requests", "2")
	for range 2 {
		resp, err := http.Get(r.base + "/v1/models")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := r.wait(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(r.stderr.String(), "-max-requests=2") {
		t.Errorf("stderr = %q", r.stderr)
	}
}

func TestRunRejects(t *testing.T) {
	for _, args := range [][]string{
		{"-listen", "0.0.0.0:0"},
		{"-listen", ":0"},
		{"-listen", "192.0.2.1:0"},
		{"-listen", "example.com:0"},
		{"-listen", "127.0.0.1"},
		{"-max-requests", "0"},
		{"extra"},
		{"-nope"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(t.Context(), args, &stdout, &stderr); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
		if stdout.Len() != 0 {
			t.Errorf("run(%q) wrote to stdout: %q", args, stdout.String())
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:0": true, "127.0.0.2:8080": true, "[::1]:0": true, "localhost:0": true,
		"0.0.0.0:0": false, ":0": false, "[::]:0": false, "10.0.0.1:0": false, "nohost": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v", addr, err)
		}
	}
}

// TestProcessSignals runs the command as a real process (this test binary,
// see TestMain) and checks that SIGINT and SIGTERM end it cleanly.
func TestProcessSignals(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs POSIX signals and processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		cmd := exec.CommandContext(ctx, exe, "-listen", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), "FAKEUPSTREAM_TEST_MAIN=1")
		var stderr syncBuffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		if !sc.Scan() {
			t.Fatalf("%v: no ready line; stderr: %s", sig, stderr.String())
		}
		m := readyLine.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("%v: ready line %q", sig, sc.Text())
		}
		resp, err := http.Get(m[1] + "/v1/models")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if sc.Scan() {
			t.Errorf("%v: extra stdout line %q", sig, sc.Text())
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("%v: exit: %v; stderr: %s", sig, err, stderr.String())
		}
		cancel()
	}
}
