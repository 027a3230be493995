// Command bench-edge measures what Switchyard's Worker costs inside workerd, side by side
// with a plain-JavaScript pass-through Worker (reference/worker.js) and with calling the fake
// upstream directly, in one run on one machine: only the ratios between them mean anything
// on a shared 2-core box, never the absolute times.
//
//	go run ./scripts/bench-edge                      # chat requests, the default load
//	go run ./scripts/bench-edge -stream 20           # streams of 20 chunks instead
//	go run ./scripts/bench-edge -go base=/tmp/b -go new=edge/build   # two Go builds at once
//	go run ./scripts/bench-edge -long 50000 -targets go   # memory over a long run
//	go run ./scripts/bench-edge -perf /tmp/perf      # where workerd's CPU goes (Linux perf)
//	go run ./scripts/bench-edge -profile /tmp/prof -go prof=/tmp/b  # the V8 view of it
//	go run ./scripts/bench-edge -js buffered=scripts/bench-edge/reference/buffered.js
//	                                  # the Worker's I/O pattern in plain JS (see the file)
//	go run ./scripts/bench-edge -floor -js buffered=scripts/bench-edge/reference/buffered.js
//	                                  # and the same pattern through Go and the bridge, no router
//	go run ./scripts/bench-edge -null # what entering Go at all costs: no upstream, a canned answer
//	go run ./scripts/bench-edge -inspector=false     # without wrangler's DevTools inspector,
//	                                  # which has workerd report every subrequest, body included
//
// node.mjs beside it runs a Worker build in node, with an in-memory upstream, to measure or
// profile (node --cpu-prof) the Worker's own code without workerd around it.
//
// For -profile, build the Go Worker with symbols so wasm functions have names:
// `EDGE_LDFLAGS= scripts/build-edge /tmp/b`.
//
// It starts scripts/fakeupstream, then one `wrangler dev --local` (real workerd) per Worker:
// the reference, and each Go build (by default the current tree, built with
// scripts/build-edge), every provider of the routed model pointed at the fake. Each Go
// request is the full routed path: key lookup, routing, rewrite, upstream call, relay.
//
// For every phase (a concurrency and a fixed request count) the targets take turns in
// rounds, so that background load on the machine falls on all of them alike. Reported per
// target:
//
//   - cpu/req: the workerd process's user+system CPU time (/proc/PID/stat) over that
//     target's rounds, divided by its requests. It includes workerd's own HTTP handling,
//     which the reference pays too; the ratio to the reference is the figure of merit.
//   - p50/p99 and "added": request latency (send to last body byte) and its excess over
//     calling the fake upstream directly at the same concurrency in the same rounds.
//   - rss/peak: the workerd process's VmRSS and VmHWM after the run.
//   - cold: the latency of the very first request the Worker serves (the Go Worker's key is
//     created by an earlier wrangler on the same state directory, so that first request is
//     a real routed chat completion).
//
// -long N sends N requests per target at concurrency 4 and prints, every N/20 requests,
// workerd's RSS and what the isolate holds after a full GC (heap.mjs, through the
// inspector): the isolate has 128 MB, and in-isolate caches must stay bounded.
//
// Everything listens on 127.0.0.1; every process is stopped by PID on exit (also on
// Ctrl-C). The bench is manual: scripts/test does not run it.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/scripts/harness/workerd"
)

// model is the routed model; its hosted OpenAI-compatible providers all point at the fake.
const model = "meta-llama/llama-3.3-70b-instruct"

const adminKey = "sk-sy-admin-bench-0123456789abcdef"

// hookPath is SWITCHYARD_TEST_PANIC_PATH in long runs; hookPath+"/stats" reports the Go
// instance's heap, goroutines and ops, and worker.mjs's live ports and linear memory.
const hookPath = "/__bench"

type options struct {
	n4, n1, n16 int
	rounds      int
	warm        int
	stream      int
	long        int
	profile     string
	perf        string
	coldRuns    int
	targets     string
	floor       bool
	null        bool
	inspector   bool
	gos         goFlags
	jss         goFlags // extra JavaScript Workers, [label=]FILE, for experiments
}

// goFlags collects -go [label=]DIR.
type goFlags []goBuild

type goBuild struct{ label, dir string }

func (g *goFlags) String() string { return fmt.Sprint(*g) }
func (g *goFlags) Set(v string) error {
	label, dir, ok := strings.Cut(v, "=")
	if !ok {
		label, dir = fmt.Sprintf("go%d", len(*g)+1), v
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	*g = append(*g, goBuild{label, abs})
	return nil
}

func main() {
	var o options
	flag.IntVar(&o.n4, "n", 2000, "requests per target at concurrency 4 (the CPU phase)")
	flag.IntVar(&o.n1, "n1", 300, "requests per target at concurrency 1")
	flag.IntVar(&o.n16, "n16", 2000, "requests per target at concurrency 16")
	flag.IntVar(&o.rounds, "rounds", 10, "rounds per phase; targets take turns within each")
	flag.IntVar(&o.warm, "warm", 2000, "unmeasured requests per target first (V8 tiers hot wasm up to optimised code only after thousands of calls)")
	flag.IntVar(&o.stream, "stream", 0, "send streaming requests; the fake streams this many chunks (0: plain chat)")
	flag.IntVar(&o.long, "long", 0, "long-run mode: this many requests per target at concurrency 4, printing RSS as it goes")
	flag.StringVar(&o.perf, "perf", "", "perf mode: record each Worker's workerd with Linux perf over -n requests into `DIR`, print CPU per request by where it lands and what the Go Worker costs above the reference, skip the phases")
	flag.StringVar(&o.profile, "profile", "", "profile mode: record a V8 CPU profile of each Worker over -n requests into `DIR`, print the top functions, skip the phases")
	flag.IntVar(&o.coldRuns, "cold", 1, "cold starts of each Worker to time (each restarts wrangler; at least one)")
	flag.StringVar(&o.targets, "targets", "js,go", "which Workers to run: js, go, or both")
	flag.BoolVar(&o.null, "null", false, "also run two Workers that answer at once with a canned completion and call no upstream: reference/null.js, and the floor build (edge/floor_js.go) given the same answer, which then only enters Go and leaves it")
	flag.BoolVar(&o.inspector, "inspector", true, "run each Worker under wrangler dev's DevTools inspector, as `wrangler dev` does; false runs it through wrangler's API without one (scripts/harness/workerd/dev.mjs), as in production, where no inspector gets every subrequest reported (-profile needs it; -long then prints no JS heap)")
	flag.BoolVar(&o.floor, "floor", false, "also run the floor: the Worker built with -tags benchfloor, Go and the bridge relaying to the fake with no router (edge/floor_js.go)")
	flag.Var(&o.gos, "go", "`[label=]DIR`: a Go Worker build (scripts/build-edge DIR); repeatable; default: build the current tree")
	flag.Var(&o.jss, "js", "`[label=]FILE`: another JavaScript Worker to measure beside the reference (same env: UPSTREAM); repeatable")
	flag.Parse()
	o.coldRuns = max(o.coldRuns, 1) // the last cold start is the Worker under load
	if !workerd.RunScript(func(t workerd.TB) { run(t, o) }) {
		os.Exit(1)
	}
}

// target is one thing under load.
type target struct {
	name string
	url  string // POST here
	key  string // bearer token, "" for none
	pid  int    // the workerd running the Worker; 0 for the direct target
	prx  int    // wrangler's proxy workerd in front of it
	w    *workerd.Worker
	dir  string // Go build directory
	cold []time.Duration
	// per phase
	lat    []time.Duration
	cpu    time.Duration // of pid
	prxCPU time.Duration // of prx
	req    int
}

func run(t workerd.TB, o options) {
	root := workerd.Root(t)
	base := workerd.WorkerOptions{Root: root, Wrangler: workerd.RequireWrangler(t, root), NoInspector: !o.inspector}
	if !o.inspector && o.profile != "" {
		t.Fatal("-profile records through the inspector; drop -inspector=false")
	}
	fake := workerd.StartFakeMax(t, root, 10_000_000)
	script := "/ok"
	if o.stream > 0 {
		script = fmt.Sprintf("/stream/%d/0ms", o.stream)
	}
	upstream := fake.Base(script)
	body := []byte(`{"model":"` + model + `","messages":[{"role":"user","content":"Say hello in one short sentence."}]}`)
	if o.stream > 0 {
		body = []byte(`{"model":"` + model + `","stream":true,"messages":[{"role":"user","content":"Say hello in one short sentence."}]}`)
	}

	direct := &target{name: "direct", url: upstream + "/chat/completions", key: "direct"}
	targets := []*target{direct}
	if strings.Contains(o.targets, "js") {
		ref := filepath.Join(root, "scripts", "bench-edge", "reference", "worker.js")
		vars := map[string]string{"UPSTREAM": upstream}
		targets = append(targets, startReference(t, base, "js", ref, vars, o.coldRuns, body))
		for _, j := range o.jss {
			targets = append(targets, startReference(t, base, j.label, j.dir, vars, o.coldRuns, body))
		}
	}
	var floorDir string
	if o.floor || o.null {
		floorDir = filepath.Join(t.TempDir(), "floor")
		workerd.Run(t, root, []string{"GOFLAGS=-tags=benchfloor"}, filepath.Join(root, "scripts", "build-edge"), floorDir)
	}
	if o.floor {
		opts := base
		opts.BuildDir, opts.Vars, opts.Cold = floorDir, map[string]string{"UPSTREAM": upstream}, true
		targets = append(targets, startPlain(t, "floor", opts, o.coldRuns, body))
	}
	if strings.Contains(o.targets, "go") {
		gos := o.gos
		if len(gos) == 0 {
			gos = goFlags{{"go", workerd.BuildWorker(t, root)}}
		}
		for _, g := range gos {
			targets = append(targets, startGo(t, base, g, fake, script, o.coldRuns, body, o.long > 0))
		}
	}
	if o.null {
		// Last, so that with -perf the step from one to the other is Go alone.
		vars := map[string]string{"UPSTREAM": upstream, "CANNED": canned}
		ref := filepath.Join(root, "scripts", "bench-edge", "reference", "null.js")
		targets = append(targets, startReference(t, base, "js-null", ref, vars, o.coldRuns, body))
		opts := base
		opts.BuildDir, opts.Vars, opts.Cold = floorDir, vars, true
		targets = append(targets, startPlain(t, "go-null", opts, o.coldRuns, body))
	}
	for _, g := range targets {
		if g.dir == "" {
			continue
		}
		raw, gz := wasmSize(t, g.dir)
		{
			fmt.Printf("%-8s wasm %.2f MiB raw, %.3f MiB gzipped by compress/gzip at its best (%d bytes; the gzip tool's -9 packs ~1%% tighter)\n", g.name, float64(raw)/(1<<20), float64(gz)/(1<<20), gz)
		}
	}
	for _, g := range targets {
		if len(g.cold) > 0 {
			fmt.Printf("%-8s cold first request: %v\n", g.name, roundAll(g.cold))
		}
	}

	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 64, DisableCompression: true, ForceAttemptHTTP2: false,
	}, Timeout: 60 * time.Second}

	// Warm-up: JIT tiers, connection pools, the key cache. Not measured: a Worker isolate
	// lives for many requests, and the cold start is reported on its own.
	for _, g := range targets {
		load(t, client, g, body, 4, o.warm)
	}
	reset(fake)

	if o.long > 0 {
		longRun(t, client, fake, targets, body, o.long, o.inspector)
		return
	}
	if o.profile != "" {
		profileRun(t, client, targets, body, o.n4, o.profile)
		return
	}
	if o.perf != "" {
		perfRun(t, client, targets, body, o.n4, o.perf)
		return
	}
	type phase struct {
		name string
		c, n int
	}
	var all []*target
	for _, g := range targets {
		all = append(all, &target{name: g.name})
	}
	for _, p := range []phase{{"c4", 4, o.n4}, {"c1", 1, o.n1}, {"c16", 16, o.n16}} {
		if p.n <= 0 {
			continue
		}
		for _, g := range targets {
			g.lat, g.cpu, g.prxCPU, g.req = nil, 0, 0, 0
		}
		per := max(1, p.n/o.rounds)
		for r := 0; r < o.rounds; r++ {
			for i := range targets {
				g := targets[(i+r)%len(targets)] // rotate who goes first
				c0, p0 := cpuOf(t, g)
				g.lat = append(g.lat, load(t, client, g, body, p.c, per)...)
				c1, p1 := cpuOf(t, g)
				g.cpu += c1 - c0
				g.prxCPU += p1 - p0
				g.req += per
			}
		}
		report(p.name, p.c, targets)
		for i, g := range targets {
			all[i].cpu += g.cpu
			all[i].prxCPU += g.prxCPU
			all[i].req += g.req
		}
		reset(fake)
	}
	fmt.Println()
	fmt.Println("all phases: workerd CPU per request (runtime = the workerd running the Worker; +proxy = with wrangler's entry workerd)")
	ref := findTarget(all, "js")
	for _, g := range all[1:] {
		rt, both := perReq(g.cpu, g.req), perReq(g.cpu+g.prxCPU, g.req)
		line := fmt.Sprintf("  %-8s runtime %7.3f ms, +proxy %7.3f ms over %d requests", g.name, rt, both, g.req)
		if ref != nil && g != ref {
			line += fmt.Sprintf("   ratio to js: runtime %.2fx, +proxy %.2fx", rt/perReq(ref.cpu, ref.req), both/perReq(ref.cpu+ref.prxCPU, ref.req))
		}
		fmt.Println(line)
	}
	fmt.Println()
	for _, g := range targets[1:] {
		s, err := workerd.ReadStat(g.pid)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("%-8s workerd rss %.1f MiB, peak %.1f MiB\n", g.name, mib(s.RSS), mib(s.PeakRSS))
	}
}

// startReference runs a JavaScript Worker (reference/worker.js, or one given with -js) from
// a private copy (wrangler writes .wrangler/ next to its config).
func startReference(t workerd.TB, base workerd.WorkerOptions, name, script string, vars map[string]string, coldRuns int, body []byte) *target {
	dir := t.TempDir()
	for f, src := range map[string]string{
		"worker.js":     script,
		"wrangler.toml": filepath.Join(base.Root, "scripts", "bench-edge", "reference", "wrangler.toml"),
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := base
	opts.Config, opts.Vars, opts.Cold = filepath.Join(dir, "wrangler.toml"), vars, true
	return startPlain(t, name, opts, coldRuns, body)
}

// canned is the completion the -null Workers answer with, as the fake would (once checks
// for its text).
const canned = `{"id":"chatcmpl-null","object":"chat.completion","created":1760000000,"model":"m",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the fake upstream."},"finish_reason":"stop"}],` +
	`"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}`

// startPlain runs a Worker that relays whatever it is sent to env.UPSTREAM, with no key.
func startPlain(t workerd.TB, name string, opts workerd.WorkerOptions, coldRuns int, body []byte) *target {
	g := &target{name: name, key: "reference"}
	for i := 0; i < coldRuns; i++ {
		w := workerd.StartWorker(t, opts)
		g.cold = append(g.cold, first(t, w.URL+"/", g.key, body))
		if i < coldRuns-1 {
			w.Stop()
			continue
		}
		g.w, g.url = w, w.URL+"/"
	}
	workerdPIDs(t, g)
	return g
}

// startGo runs one Go build with every hosted provider of model pointed at the fake.
func startGo(t workerd.TB, base workerd.WorkerOptions, b goBuild, fake *workerd.Fake, script string, coldRuns int, body []byte, hooks bool) *target {
	vars := map[string]string{"SWITCHYARD_ADMIN_KEY": adminKey}
	if hooks {
		// The long run reads what the instance holds from the test hooks (edge/testhooks_js.go).
		vars["SWITCHYARD_TEST_PANIC_PATH"] = hookPath
	}
	m := catalog.Default.Model(model)
	if m == nil {
		t.Fatalf("%s is not in the catalog", model)
	}
	for _, e := range m.Endpoints {
		if p := catalog.Default.Provider(e.Provider); p != nil && !p.Local && p.Protocol == catalog.OpenAI {
			env := catalog.EnvName(e.Provider)
			vars[env+"_API_KEY"] = "bench-key-" + e.Provider
			vars[env+"_BASE_URL"] = fake.Base(script)
		}
	}
	state := filepath.Join(t.TempDir(), "state")
	opts := base
	opts.BuildDir, opts.Vars, opts.Persist = b.dir, vars, state
	// A first wrangler makes the key in the state directory, so that the first request of
	// the next one, started cold, is a routed chat completion.
	w := workerd.StartWorker(t, opts)
	g := &target{name: b.label, key: w.CreateKey(t, adminKey, "bench"), dir: b.dir}
	w.Stop()
	opts.Cold = true
	for i := 0; i < coldRuns; i++ {
		w := workerd.StartWorker(t, opts)
		g.cold = append(g.cold, first(t, w.URL+"/api/v1/chat/completions", g.key, body))
		if i < coldRuns-1 {
			w.Stop()
			continue
		}
		g.w, g.url = w, w.URL+"/api/v1/chat/completions"
	}
	workerdPIDs(t, g)
	return g
}

func workerdPIDs(t workerd.TB, g *target) {
	var err error
	if g.pid, g.prx, err = g.w.Workerd(); err != nil {
		t.Fatal(err)
	}
}

// first times one request against a Worker that has served none yet.
func first(t workerd.TB, url, key string, body []byte) time.Duration {
	c := &http.Client{Timeout: 60 * time.Second}
	d, err := once(c, url, key, body)
	if err != nil {
		t.Fatalf("first request to %s: %v", url, err)
	}
	return d
}

func once(c *http.Client, url, key string, body []byte) (time.Duration, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	// Marked idempotent (a nil value: the header is not sent) so that net/http resends a
	// POST that met a kept-alive connection wrangler's proxy had just closed ("connection
	// reset by peer" before any answer), instead of aborting a run of thousands on it.
	req.Header["Idempotency-Key"] = nil
	begin := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(begin)
	if err != nil {
		return 0, err
	}
	// A completion carries the fake's reply text; a stream (whose text is split across
	// chunks) must end with [DONE].
	if resp.StatusCode != http.StatusOK || !(bytes.Contains(b, []byte("fake upstream")) || bytes.HasSuffix(b, []byte("data: [DONE]\n\n"))) {
		return 0, fmt.Errorf("status %d, body %.300s", resp.StatusCode, b)
	}
	return d, nil
}

// load sends n requests with c in flight and returns their latencies. Any failure is fatal:
// a number measured over failing requests means nothing.
func load(t workerd.TB, client *http.Client, g *target, body []byte, c, n int) []time.Duration {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				d, err := once(client, g.url, g.key, body)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					next.Store(int64(n)) // stop the others
					return
				}
				lat[i] = d
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("%s: %v", g.name, firstErr)
	}
	return lat
}

// cpuOf returns the CPU time so far of g's runtime and proxy workerd.
func cpuOf(t workerd.TB, g *target) (runtime, proxy time.Duration) {
	for _, p := range []struct {
		pid int
		d   *time.Duration
	}{{g.pid, &runtime}, {g.prx, &proxy}} {
		if p.pid == 0 {
			continue
		}
		s, err := workerd.ReadStat(p.pid)
		if err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		*p.d = s.CPU
	}
	return runtime, proxy
}

func report(phase string, c int, targets []*target) {
	fmt.Printf("\nphase %s: concurrency %d, %d requests per target in turns\n", phase, c, targets[0].req)
	fmt.Printf("  %-8s %9s %9s %9s %9s %11s %11s %9s\n", "target", "cpu/req", "+proxy", "p50", "p99", "added p50", "added p99", "cpu ratio")
	direct := targets[0]
	d50, d99 := pct(direct.lat, 50), pct(direct.lat, 99)
	ref := findTarget(targets, "js")
	for _, g := range targets {
		cpu, both, added50, added99, ratio := "-", "-", "-", "-", "-"
		if g.pid != 0 {
			cpu = fmt.Sprintf("%.3fms", perReq(g.cpu, g.req))
			both = fmt.Sprintf("%.3fms", perReq(g.cpu+g.prxCPU, g.req))
			added50 = fmt.Sprintf("%+.2fms", ms(pct(g.lat, 50)-d50))
			added99 = fmt.Sprintf("%+.2fms", ms(pct(g.lat, 99)-d99))
			if ref != nil {
				ratio = fmt.Sprintf("%.2fx", perReq(g.cpu, g.req)/perReq(ref.cpu, ref.req))
			}
		}
		fmt.Printf("  %-8s %9s %9s %7.2fms %7.2fms %11s %11s %9s\n", g.name, cpu, both, ms(pct(g.lat, 50)), ms(pct(g.lat, 99)), added50, added99, ratio)
	}
}

// longRun loads each Worker in turn and samples the workerd's memory and CPU per request as
// it goes; for a Go Worker also what its instance holds (see hookPath); and, with the
// inspector (heap), the isolate's live JS heap.
func longRun(t workerd.TB, client *http.Client, fake *workerd.Fake, targets []*target, body []byte, n int, heap bool) {
	step := max(1, n/20)
	for _, g := range targets[1:] {
		fmt.Printf("\nlong run %s: %d requests at concurrency 4\n", g.name, n)
		fmt.Printf("  %9s %10s %10s %10s %10s %10s  %s\n", "requests", "rss MiB", "peak MiB", "cpu/req", "JS heap", "reserved", "instance (Go heap, linear memory, goroutines, ops waiting, live ports, keys cached, JS values)")
		var probe *heapProbe
		if heap {
			probe = startHeapProbe(t, g)
		}
		before, _ := cpuOf(t, g)
		for done := 0; done < n; done += step {
			load(t, client, g, body, 4, step)
			s, err := workerd.ReadStat(g.pid)
			if err != nil {
				t.Fatal(err)
			}
			js := fmt.Sprintf("%10s %10s", "-", "-")
			if probe != nil {
				h := probe.read(t)
				js = fmt.Sprintf("%10.2f %10.1f", float64(h.Used)/(1<<20), float64(h.Total)/(1<<20))
			}
			fmt.Printf("  %9d %10.1f %10.1f %8.3fms %s  %s\n", done+step, mib(s.RSS), mib(s.PeakRSS), ms(s.CPU-before)/float64(step), js, instanceStats(g))
			before, _ = cpuOf(t, g) // not counting the probes
			reset(fake)
		}
		if probe != nil {
			probe.stop()
		}
	}
}

// heap is what heap.mjs reports of an isolate: its JS heap live after a full GC, and
// reserved, in bytes.
type heap struct{ Used, Total int64 }

// heapProbe is a running heap.mjs, connected to one Worker's isolate through the inspector.
type heapProbe struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startHeapProbe(t workerd.TB, g *target) *heapProbe {
	cmd := exec.Command("node", "--experimental-websocket", filepath.Join(workerd.Root(t), "scripts", "bench-edge", "heap.mjs"),
		strconv.Itoa(g.w.Inspector), g.w.URL+"/health")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &heapProbe{cmd, in, bufio.NewReader(out)}
	if line, _ := p.out.ReadString('\n'); line != "ready\n" {
		p.stop()
		t.Fatalf("heap.mjs for %s: %q", g.name, line)
	}
	return p
}

// read asks the isolate what it holds.
func (p *heapProbe) read(t workerd.TB) heap {
	var h heap
	if _, err := io.WriteString(p.in, "\n"); err != nil {
		t.Fatalf("heap.mjs: %v", err)
	}
	line, err := p.out.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &h)
	}
	if err != nil {
		t.Fatalf("heap.mjs: %q: %v", line, err)
	}
	return h
}

func (p *heapProbe) stop() {
	p.in.Close()
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// instanceStats summarises the Go Worker's hookPath/stats answer, or "" for other targets.
func instanceStats(g *target) string {
	if g.dir == "" {
		return ""
	}
	resp, err := http.Get(g.w.URL + hookPath + "/stats")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	var st struct {
		Go struct {
			HeapAlloc  float64 `json:"heap_alloc"`
			Goroutines int     `json:"goroutines"`
			OpsWaiting int     `json:"ops_waiting"`
			KeysCached int     `json:"keys_cached"`
		} `json:"go"`
		JS struct {
			Instance     int     `json:"instance"`
			Ports        int     `json:"ports"`
			LinearMemory float64 `json:"linear_memory"`
			JSValues     int     `json:"js_values"`
		} `json:"js"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return "stats: " + err.Error()
	}
	return fmt.Sprintf("#%d heap %.1f MiB, linear %.1f MiB, %d goroutines, %d ops, %d ports, %d keys, %d JS values held by Go",
		st.JS.Instance, st.Go.HeapAlloc/(1<<20), st.JS.LinearMemory/(1<<20), st.Go.Goroutines, st.Go.OpsWaiting, st.JS.Ports, st.Go.KeysCached, st.JS.JSValues)
}

func findTarget(ts []*target, name string) *target {
	for _, g := range ts {
		if g.name == name {
			return g
		}
	}
	return nil
}

// reset makes the fake forget recorded requests, keeping its memory flat in long runs.
func reset(f *workerd.Fake) {
	resp, err := http.Post(f.URL+"/_reset", "", nil)
	if err == nil {
		resp.Body.Close()
	}
}

// wasmSize reports a Go build's app.wasm, raw and gzipped (what the older Workers size
// limits counted) by compress/gzip at BestCompression, which is not quite gzip -9.
func wasmSize(t workerd.TB, dir string) (raw, gz int) {
	b, err := os.ReadFile(filepath.Join(dir, "app.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return len(b), buf.Len()
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// perReq is CPU time per request in milliseconds.
func perReq(d time.Duration, n int) float64 { return ms(d) / float64(max(n, 1)) }
func mib(b int64) float64                   { return float64(b) / (1 << 20) }

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(100 * time.Microsecond)
	}
	return out
}
