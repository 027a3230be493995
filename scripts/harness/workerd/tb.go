package workerd

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// TB is the part of testing.TB the harness uses. *testing.T and *testing.B satisfy it, and so
// does the TB that RunScript hands out, which lets a plain program (scripts/bench-edge) start
// the same fake upstream and Workers as the e2e suite without being a test.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Log(args ...any)
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Cleanup(func())
	TempDir() string
	Failed() bool
}

// RunScript runs f with a TB for programs. Log goes to stderr; Fatal, called from the
// goroutine running f, ends f; cleanups run in reverse order when f returns, fails, or the
// program gets SIGINT or SIGTERM, so every process the harness started is stopped by PID.
// It reports whether f succeeded.
func RunScript(f func(t TB)) (ok bool) {
	s := &script{}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		if _, got := <-sig; got {
			fmt.Fprintln(os.Stderr, "interrupted: stopping processes")
			s.cleanup()
			os.Exit(130)
		}
	}()
	defer s.cleanup()
	defer func() {
		if r := recover(); r != nil {
			if r != errFatal {
				panic(r)
			}
			ok = false
		}
	}()
	f(s)
	return !s.Failed()
}

var errFatal = errors.New("workerd: fatal")

type script struct {
	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

func (s *script) Helper()                   {}
func (s *script) Log(args ...any)           { fmt.Fprintln(os.Stderr, args...) }
func (s *script) Logf(f string, a ...any)   { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (s *script) Fatal(args ...any)         { s.fail(fmt.Sprint(args...)) }
func (s *script) Fatalf(f string, a ...any) { s.fail(fmt.Sprintf(f, a...)) }

func (s *script) Errorf(f string, a ...any) {
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
	fmt.Fprintln(os.Stderr, "ERROR:", fmt.Sprintf(f, a...))
}

func (s *script) fail(msg string) {
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
	fmt.Fprintln(os.Stderr, "FATAL:", msg)
	panic(errFatal)
}

func (s *script) Failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

func (s *script) Cleanup(f func()) {
	s.mu.Lock()
	s.cleanups = append(s.cleanups, f)
	s.mu.Unlock()
}

func (s *script) TempDir() string {
	dir, err := os.MkdirTemp("", "switchyard-harness-")
	if err != nil {
		s.Fatal(err)
	}
	s.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// cleanup runs the registered cleanups once, newest first.
func (s *script) cleanup() {
	for {
		s.mu.Lock()
		n := len(s.cleanups)
		if n == 0 {
			s.mu.Unlock()
			return
		}
		f := s.cleanups[n-1]
		s.cleanups = s.cleanups[:n-1]
		s.mu.Unlock()
		f()
	}
}
