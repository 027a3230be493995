package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/switchyard-router/switchyard/scripts/harness/workerd"
)

// profileRun records a V8 CPU profile of each Worker's isolate (profile.mjs, through the
// inspector) while it serves n requests at concurrency 4, writes DIR/NAME.cpuprofile and
// prints the functions with the most self time. Build the Go Worker without -s -w (see
// main's doc) or wasm functions show up by index only.
func profileRun(t workerd.TB, client *http.Client, targets []*target, body []byte, n int, dir string) {
	root := workerd.Root(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, g := range targets[1:] {
		out := filepath.Join(dir, g.name+".cpuprofile")
		cmd := exec.Command("node", "--experimental-websocket", filepath.Join(root, "scripts", "bench-edge", "profile.mjs"),
			strconv.Itoa(g.w.Inspector), out)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "started\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("profile.mjs for %s: %q", g.name, line)
		}
		load(t, client, g, body, 4, n)
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("profile.mjs for %s: %v", g.name, err)
		}
		fmt.Printf("\nprofile %s: %d requests at concurrency 4 → %s\n", g.name, n, out)
		if err := summarise(out, n, 30); err != nil {
			t.Fatal(err)
		}
	}
}

// cpuProfile is the part of a DevTools .cpuprofile that summarise reads.
type cpuProfile struct {
	Nodes []struct {
		ID        int `json:"id"`
		CallFrame struct {
			FunctionName string `json:"functionName"`
			URL          string `json:"url"`
		} `json:"callFrame"`
	} `json:"nodes"`
	Samples    []int   `json:"samples"`
	TimeDeltas []int64 `json:"timeDeltas"` // µs before each sample
}

// summarise prints the top functions by self time, per request.
func summarise(path string, requests, top int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var p cpuProfile
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	name := make(map[int]string, len(p.Nodes))
	for _, n := range p.Nodes {
		f := n.CallFrame.FunctionName
		if f == "" {
			f = "(anonymous)"
		}
		if u := filepath.Base(n.CallFrame.URL); u != "." && u != "" {
			f += "  " + u
		}
		name[n.ID] = f
	}
	self := map[string]int64{}
	var total int64
	for i, id := range p.Samples {
		if i+1 < len(p.TimeDeltas) {
			d := p.TimeDeltas[i+1] // the time until the next sample is this sample's
			self[name[id]] += d
			total += d
		}
	}
	fns := make([]string, 0, len(self))
	for f := range self {
		fns = append(fns, f)
	}
	slices.SortFunc(fns, func(a, b string) int { return int(self[b] - self[a]) })
	fmt.Printf("  %10s %6s  %s\n", "µs/req", "share", "function (self time)")
	for _, f := range fns[:min(top, len(fns))] {
		fmt.Printf("  %10.1f %5.1f%%  %s\n", float64(self[f])/float64(requests), 100*float64(self[f])/float64(max(total, 1)), f)
	}
	fmt.Printf("  %10.1f %5.1f%%  total sampled\n", float64(total)/float64(requests), 100.0)
	return nil
}
