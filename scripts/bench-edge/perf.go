package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard-router/switchyard/scripts/harness/workerd"
)

// perfHz is the sampling rate of -perf: one sample stands for 1/perfHz s of CPU.
const perfHz = 4000

// perfRun records each Worker's workerd (the runtime one, not wrangler's proxy) with Linux
// perf while it serves n requests at concurrency 4, and prints where its CPU goes per
// request: workerd's own code (C++ and V8 builtins; workerd ships with symbols), JIT code
// (JavaScript and WebAssembly), the kernel and libc, then what each Worker costs above the
// one before it, by place and by symbol. The targets come in the order js, the -js ones,
// floor, the Go builds, so with -floor -js buffered=… each step is one layer: the buffered
// I/O pattern, then Go and the bridge, then the router. Unlike -profile it slows nothing
// down and sees workerd's own work, which is most of a request. JIT code is unnamed (one
// "JIT" entry) unless workerd writes a perf map, which wrangler has no option for.
func perfRun(t workerd.TB, client *http.Client, targets []*target, body []byte, n int, dir string) {
	if _, err := exec.LookPath("perf"); err != nil {
		t.Fatalf("-perf needs Linux perf on PATH (Debian: apt-get install linux-perf)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var prev map[string]float64
	var prevName string
	for _, g := range targets {
		if g.pid == 0 {
			continue // calling the fake directly: no workerd
		}
		out := filepath.Join(dir, g.name+".data")
		cmd := exec.Command("perf", "record", "-q", "-F", strconv.Itoa(perfHz), "-g", "-p", strconv.Itoa(g.pid), "-o", out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // perf attaches asynchronously
		load(t, client, g, body, 4, n)
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil && !strings.Contains(err.Error(), "interrupt") {
			t.Fatalf("perf record for %s: %v\n%s", g.name, err, stderr.String())
		}
		syms, err := perfSymbols(out, n)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("\nperf %s: %d requests at concurrency 4 → %s\n", g.name, n, out)
		printDSOs(syms, prev, prevName)
		if prev != nil {
			printExtra(syms, prev, prevName, 25)
		}
		prev, prevName = syms, g.name
	}
}

// perfSymbols reads a recording as µs of CPU per request for each "dso\tsymbol".
func perfSymbols(data string, requests int) (map[string]float64, error) {
	cmd := exec.Command("perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none",
		"--sort", "dso,sym", "-F", "sample,dso,sym")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("perf report %s: %v", data, err)
	}
	syms := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		// "   1234  workerd  [.] v8::internal::Foo" (the dso may contain spaces: "[JIT] tid 7")
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		count, rest, ok := strings.Cut(line, " ")
		samples, err := strconv.Atoi(count)
		if !ok || err != nil {
			continue
		}
		dso, sym, ok := strings.Cut(strings.TrimSpace(rest), " [")
		if !ok {
			continue
		}
		if _, s, ok := strings.Cut(sym, "] "); ok {
			sym = s
		}
		class, sym := perfClass(strings.TrimSpace(dso)), strings.TrimSpace(sym)
		if class == "JIT" && strings.HasPrefix(sym, "0x") {
			sym = "(unnamed)" // an address: one entry for all, rather than thousands of crumbs
		}
		syms[class+"\t"+sym] += float64(samples) * 1e6 / perfHz / float64(requests)
	}
	return syms, sc.Err()
}

func perfClass(dso string) string {
	switch {
	case strings.HasPrefix(dso, "[JIT]"):
		return "JIT"
	case strings.HasPrefix(dso, "[kernel"):
		return "kernel"
	case dso == "workerd":
		return "workerd"
	}
	return dso
}

// printDSOs prints the CPU per request by place, and (given prev) what each place costs
// above prev's.
func printDSOs(syms, prev map[string]float64, prevName string) {
	by, total := byDSO(syms)
	names := make([]string, 0, len(by))
	for d := range by {
		names = append(names, d)
	}
	slices.SortFunc(names, func(a, b string) int { return int(by[b]*1000 - by[a]*1000) })
	fmt.Printf("  %10.1f µs/req sampled:", total)
	for _, d := range names[:min(5, len(names))] {
		fmt.Printf("  %s %.1f", d, by[d])
	}
	fmt.Println()
	if prev == nil {
		return
	}
	pby, ptotal := byDSO(prev)
	fmt.Printf("  %+10.1f µs/req above %s:", total-ptotal, prevName)
	for _, d := range []string{"workerd", "JIT", "kernel", "libc.so.6"} {
		fmt.Printf("  %s %+.1f", d, by[d]-pby[d])
	}
	fmt.Println()
}

func byDSO(syms map[string]float64) (map[string]float64, float64) {
	by := map[string]float64{}
	var total float64
	for k, v := range syms {
		dso, _, _ := strings.Cut(k, "\t")
		by[dso] += v
		total += v
	}
	return by, total
}

// printExtra prints the symbols with the most CPU per request above the baseline's.
func printExtra(syms, base map[string]float64, baseName string, top int) {
	keys := make([]string, 0, len(syms))
	for k := range syms {
		keys = append(keys, k)
	}
	extra := func(k string) float64 { return syms[k] - base[k] }
	slices.SortFunc(keys, func(a, b string) int { return int(extra(b)*1000 - extra(a)*1000) })
	fmt.Printf("  %10s %10s  symbols costing the most above %s\n", "µs/req", "above", baseName)
	for _, k := range keys[:min(top, len(keys))] {
		dso, sym, _ := strings.Cut(k, "\t")
		fmt.Printf("  %10.2f %+10.2f  %-8s %.100s\n", syms[k], extra(k), dso, sym)
	}
}
