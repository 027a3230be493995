// Package workerd runs Switchyard's Worker in real workerd (`wrangler dev --local`) against
// the fake upstream (scripts/fakeupstream) and drives it over HTTP. workerd_test.go is the
// e2e suite; this file holds the reusable pieces for it and later e2e suites: building and
// starting the fake, building the Worker, starting wrangler with per-test vars and state,
// waiting for it, creating keys, and stopping every process it started.
//
// Every process is started in its own process group and stopped by PID (SIGTERM to the
// group, then SIGKILL) in t.Cleanup, on success and failure alike. Every wait is bounded.
// Everything listens on 127.0.0.1.
package workerd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchyard-router/switchyard/core/providertest"
)

// Bounds on every wait, generous for a loaded 2-core CI machine.
const (
	fakeStartTimeout = 60 * time.Second  // go build of the fake + its "listening on" line
	readyTimeout     = 90 * time.Second  // wrangler dev answering /health
	commandTimeout   = 180 * time.Second // one build or migration command
	stopGrace        = 10 * time.Second  // SIGTERM → SIGKILL
)

// Root returns the repository root: the nearest directory upwards holding go.mod.
func Root(t TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// RequireWrangler returns the path of the pinned wrangler, failing the test (not skipping
// it: scripts/test installs wrangler first) when it is missing.
func RequireWrangler(t TB, root string) string {
	t.Helper()
	p := filepath.Join(root, "node_modules", ".bin", "wrangler")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found: run npm ci in %s (scripts/test does it); the workerd suite needs the pinned wrangler. Skip it with go test -short.", p, root)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not on PATH; wrangler needs Node.js ≥ 20")
	}
	return p
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Run runs a short command to completion (bounded by commandTimeout) and fails the test
// with its output if it fails. It returns the combined output.
func Run(t TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = stopGrace
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Start()
	if err == nil {
		track(cmd.Process.Pid)
		err = cmd.Wait()
		killGroup(cmd.Process.Pid) // nothing it spawned outlives it
		untrack(cmd.Process.Pid)
	}
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.Bytes())
	}
	return out.String()
}

// Proc is a long-running process started by the harness, in its own process group.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done
	once sync.Once
}

// Start starts cmd in its own process group, capturing its output, and registers a cleanup
// that stops it. On failure the cleanup also logs the tail of its output.
func Start(t TB, name string, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Name: name, cmd: cmd, out: &tailBuffer{max: 256 << 10}, done: make(chan struct{})}
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	cmd.Stdin = nil
	setProcessGroup(cmd)
	cmd.WaitDelay = stopGrace // bounds Wait when a grandchild keeps the output pipe open
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	track(cmd.Process.Pid)
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- output of %s (pid %d), last %d bytes ---\n%s", name, cmd.Process.Pid, p.out.max, p.Output())
		}
	})
	return p
}

// Stop stops the process group: SIGTERM, then SIGKILL after stopGrace. It is idempotent.
func (p *Proc) Stop() {
	p.once.Do(func() {
		pid := p.cmd.Process.Pid
		defer untrack(pid)
		select {
		case <-p.done:
			killGroup(pid) // the leader is gone; make sure no child is left
			return
		default:
		}
		termGroup(pid)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			killGroup(pid)
			select {
			case <-p.done:
			case <-time.After(stopGrace):
			}
		}
		killGroup(pid) // children that ignored SIGTERM
	})
}

// live holds the process groups the harness started and has not stopped yet.
var live = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

func track(pid int) {
	live.Lock()
	live.pids[pid] = true
	live.Unlock()
}

func untrack(pid int) {
	live.Lock()
	delete(live.pids, pid)
	live.Unlock()
}

// KillAll kills every process group the harness started and has not stopped, for when the
// cleanups will not run: go test's -timeout ends the binary with a panic that runs none,
// and a parent-death signal reaches only a group's leader, not wrangler's node and workerd.
func KillAll() {
	live.Lock()
	defer live.Unlock()
	for pid := range live.pids {
		killGroup(pid)
	}
}

// KillAllBeforeTimeout calls KillAll shortly before go test's -timeout (a TestMain calls it
// after flag.Parse): the tests still running then fail with their logs, not orphans behind.
func KillAllBeforeTimeout() {
	f := flag.Lookup("test.timeout")
	if f == nil {
		return
	}
	if d, ok := f.Value.(flag.Getter).Get().(time.Duration); ok && d > 2*stopGrace {
		time.AfterFunc(d-stopGrace, KillAll)
	}
}

// Exited is closed when the process has exited.
func (p *Proc) Exited() <-chan struct{} { return p.done }

// Output returns the tail of the process's combined stdout and stderr.
func (p *Proc) Output() string { return p.out.String() }

// WaitOutput waits until the output matches re and returns the submatches.
func (p *Proc) WaitOutput(re *regexp.Regexp, timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	for {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			return m, nil
		}
		select {
		case <-p.done:
			if m := re.FindStringSubmatch(p.out.String()); m != nil {
				return m, nil
			}
			return nil, fmt.Errorf("%s exited (%v) before printing %q", p.Name, p.err, re)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s printed no %q within %v", p.Name, re, timeout)
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// Fake is a running scripts/fakeupstream.
type Fake struct {
	*Proc
	URL string // http://127.0.0.1:PORT
}

var listeningRE = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)

// StartFake builds scripts/fakeupstream into a temporary directory and starts it on a free
// loopback port.
func StartFake(t TB, root string) *Fake {
	t.Helper()
	// -max-requests bounds a runaway loop; an e2e suite makes a few hundred calls.
	return StartFakeMax(t, root, 10000)
}

// StartFakeMax is StartFake with another bound on the requests the fake serves before it
// exits (benchmarks make many more than the e2e suite).
func StartFakeMax(t TB, root string, maxRequests int64) *Fake {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fakeupstream")
	Run(t, root, nil, "go", "build", "-o", bin, "./scripts/fakeupstream")
	p := Start(t, "fakeupstream", exec.Command(bin, "-listen", "127.0.0.1:0", "-max-requests", strconv.FormatInt(maxRequests, 10)))
	m, err := p.WaitOutput(listeningRE, fakeStartTimeout)
	if err != nil {
		t.Fatal(err)
	}
	return &Fake{Proc: p, URL: m[1]}
}

// Base returns a provider base URL that selects the fake's behaviour by path script, e.g.
// Base("/fail/503") = http://127.0.0.1:PORT/fail/503/v1. See core/providertest's doc.
func (f *Fake) Base(script string) string {
	return f.URL + strings.TrimSuffix(script, "/") + "/v1"
}

// Requests returns the chat requests the fake has recorded, oldest first.
func (f *Fake) Requests(t TB) []providertest.Request {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(f.URL + "/_requests")
	if err != nil {
		t.Fatalf("fake /_requests: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Requests []providertest.Request `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("fake /_requests: %v", err)
	}
	return out.Requests
}

// BuildWorker builds the Worker with scripts/build-edge into a temporary directory and
// returns that directory (worker.mjs, wasm_exec.js, app.wasm). Building into a
// private directory keeps the suite away from edge/build, which `scripts/dev` may be serving.
func BuildWorker(t TB, root string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "build")
	out := Run(t, root, nil, filepath.Join(root, "scripts", "build-edge"), dir)
	t.Log(strings.TrimSpace(out))
	return dir
}

// WorkerOptions configures StartWorker.
type WorkerOptions struct {
	Root     string            // repository root
	Wrangler string            // path of the wrangler binary (RequireWrangler)
	BuildDir string            // output of BuildWorker
	Vars     map[string]string // passed as --var NAME:VALUE (overriding [vars])
	Port     int               // 0 picks a free one
	Persist  string            // KV/D1 state directory; "" means a new temporary one
	// Config, when set, is a complete wrangler config used as is instead of the repository's
	// wrangler.toml and BuildDir (no D1 migrations are applied). wrangler runs in its
	// directory, so relative paths in it resolve there. scripts/bench-edge runs its plain
	// JavaScript reference Worker this way.
	Config string
	// Cold, when set, waits for wrangler's "Ready on" line instead of a 200 from /health, so
	// that the caller's first request is the first the Worker ever serves.
	Cold bool
	// NoInspector runs the Worker through wrangler's API (dev.mjs) instead of its CLI, which
	// always starts the DevTools inspector; see dev.mjs. Worker.Inspector is then 0.
	NoInspector bool
}

// Worker is a running `wrangler dev --local`.
type Worker struct {
	*Proc
	URL     string // http://127.0.0.1:PORT
	Persist string // its --persist-to directory
	// Inspector is the port of wrangler's DevTools inspector (Chrome DevTools Protocol) for
	// the Worker's isolate; scripts/bench-edge -profile records CPU profiles through it.
	Inspector int
}

// StartWorker writes a wrangler config for the prebuilt Worker (see TestConfig), applies the
// D1 migrations into the state directory, starts wrangler dev on 127.0.0.1 and waits until
// GET /health answers 200.
func StartWorker(t TB, o WorkerOptions) *Worker {
	t.Helper()
	dir := t.TempDir()
	var cfg string
	if o.Config != "" {
		cfg, dir = o.Config, filepath.Dir(o.Config)
	} else {
		cfg = TestConfig(t, o.Root, o.BuildDir, dir)
	}
	if o.Persist == "" {
		o.Persist = filepath.Join(t.TempDir(), "state")
	}
	env := []string{
		"WRANGLER_SEND_METRICS=false",
		"WRANGLER_LOG_PATH=" + filepath.Join(t.TempDir(), "logs"),
		"NO_COLOR=1",
		"FORCE_COLOR=0",
	}
	if o.Config == "" {
		Run(t, dir, env, o.Wrangler, "d1", "migrations", "apply", "DB", "--local",
			"--config", cfg, "--persist-to", o.Persist)
	}
	// A port FreePort found free can be taken by another process (other suites run in
	// parallel) before wrangler binds it; then try again on fresh ports.
	for try := 1; ; try++ {
		port := o.Port
		if port == 0 {
			port = FreePort(t)
		}
		var vars []string
		for _, name := range slices.Sorted(maps.Keys(o.Vars)) {
			vars = append(vars, name+":"+o.Vars[name])
		}
		var cmd *exec.Cmd
		inspector := 0
		if o.NoInspector {
			args := append([]string{filepath.Join(o.Root, "scripts", "harness", "workerd", "dev.mjs"), cfg, strconv.Itoa(port), o.Persist}, vars...)
			cmd = exec.Command("node", args...)
		} else {
			inspector = FreePort(t)
			args := []string{"dev", "--config", cfg, "--local", "--ip", "127.0.0.1",
				"--port", strconv.Itoa(port), "--inspector-port", strconv.Itoa(inspector),
				"--persist-to", o.Persist, "--show-interactive-dev-session=false", "--log-level", "log"}
			for _, v := range vars {
				args = append(args, "--var", v)
			}
			cmd = exec.Command(o.Wrangler, args...)
		}
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		w := &Worker{
			Proc:      Start(t, "wrangler dev :"+strconv.Itoa(port), cmd),
			URL:       "http://127.0.0.1:" + strconv.Itoa(port),
			Persist:   o.Persist,
			Inspector: inspector,
		}
		err := w.wait(o.Cold)
		if err == nil {
			t.Cleanup(w.checkRuntimeLog(t))
			return w
		}
		if o.Port == 0 && try < 3 && strings.Contains(w.Output(), "Address already in use") {
			t.Logf("%s: port taken meanwhile; retrying on another", w.Name)
			w.Stop()
			continue
		}
		t.Fatal(err)
	}
}

// wait waits until the Worker is up: wrangler's "Ready on" line when cold, else a 200 from
// GET /health.
func (w *Worker) wait(cold bool) error {
	if cold {
		_, err := w.WaitOutput(readyRE, readyTimeout)
		return err
	}
	return w.waitHealthy()
}

var readyRE = regexp.MustCompile(`Ready on http://127\.0\.0\.1:\d+`)

// checkRuntimeLog returns a cleanup that fails the test if workerd logged either sign of
// the glue losing track of a request context: a request cancelled as hung (the glue always
// leaves an unfinished request something pending, I/O or a heartbeat) or a promise settled
// from a request other than its own after that one had ended. Either means a request or a
// continuation lost, whatever the test itself checked.
func (w *Worker) checkRuntimeLog(t TB) func() {
	return func() {
		for _, sign := range []string{"had hung", "from a different request context"} {
			if strings.Contains(w.Output(), sign) {
				t.Errorf("%s: workerd logged %q (output below)", w.Name, sign)
			}
		}
	}
}

// PID returns the process id of the process's group leader.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

func (w *Worker) waitHealthy() error {
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-w.Exited():
			return fmt.Errorf("%s exited before answering /health: %v", w.Name, w.err)
		default:
		}
		resp, err := c.Get(w.URL + "/health")
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("%s: no 200 from /health within %v (last: %s)", w.Name, readyTimeout, last)
}

// CreateKey makes an API key through POST /api/v1/keys with the admin key and returns the
// plaintext key.
func (w *Worker) CreateKey(t TB, admin, name string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name})
	req, err := http.NewRequest(http.MethodPost, w.URL+"/api/v1/keys", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST /api/v1/keys: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/keys: status %d, want 201; body %s", resp.StatusCode, raw)
	}
	var out struct {
		Key  string `json:"key"`
		Data struct {
			Hash string `json:"hash"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Key == "" {
		t.Fatalf("POST /api/v1/keys: no key in %s (%v)", raw, err)
	}
	return out.Key
}

// TestConfig writes dir/wrangler.toml: the repository's wrangler.toml with main pointing at
// buildDir/worker.mjs, migrations_dir made absolute, and the [build] table dropped, so
// wrangler neither rebuilds nor watches sources while a test runs (another engineer's
// half-saved edit must not reload the Worker mid-suite). Bindings, vars and the
// compatibility date stay exactly as committed. Running from dir also keeps a developer's
// .dev.vars out of the test.
func TestConfig(t TB, root, buildDir, dir string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := rewriteConfig(string(src), root, buildDir)
	if err != nil {
		t.Fatalf("wrangler.toml: %v", err)
	}
	p := filepath.Join(dir, "wrangler.toml")
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	tableRE  = regexp.MustCompile(`^\s*\[\[?\s*([A-Za-z0-9_.]+)\s*\]?\]`)
	stringKV = regexp.MustCompile(`^(\s*)(main|migrations_dir)\s*=\s*"([^"]*)"`)
)

// rewriteConfig is the line-based edit TestConfig makes. It understands only what
// wrangler.toml uses: top-level keys, [tables] and [[arrays of tables]].
func rewriteConfig(src, root, buildDir string) (string, error) {
	var b strings.Builder
	table, sawMain, sawMigrations := "", false, false
	for _, line := range strings.SplitAfter(src, "\n") {
		if m := tableRE.FindStringSubmatch(line); m != nil {
			table = m[1]
		}
		if table == "build" {
			continue
		}
		if m := stringKV.FindStringSubmatch(line); m != nil {
			switch {
			case m[2] == "main" && table == "":
				line = m[1] + "main = " + strconv.Quote(filepath.Join(buildDir, "worker.mjs")) + "\n"
				sawMain = true
			case m[2] == "migrations_dir":
				p := m[3]
				if !filepath.IsAbs(p) {
					p = filepath.Join(root, p)
				}
				line = m[1] + "migrations_dir = " + strconv.Quote(p) + "\n"
				sawMigrations = true
			}
		}
		b.WriteString(line)
	}
	switch {
	case !sawMain:
		return "", errors.New(`no top-level main = "..." line`)
	case !sawMigrations:
		return "", errors.New(`no migrations_dir = "..." line in [[d1_databases]]`)
	}
	return b.String(), nil
}
