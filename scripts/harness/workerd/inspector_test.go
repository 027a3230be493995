package workerd

import (
	"fmt"
	"os"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// TestNoInspector runs the Worker the way scripts/bench-edge -inspector=false does: through
// wrangler's API (dev.mjs), with no DevTools inspector. It must be the same Worker with the
// same bindings (vars, local KV and D1: the admin API makes a key, the key routes a chat
// completion), and workerd must really run without an inspector.
func TestNoInspector(t *testing.T) {
	if testing.Short() {
		t.Skip("workerd e2e suite skipped in -short mode")
	}
	root := Root(t)
	fake := StartFake(t, root)
	vars := map[string]string{"SWITCHYARD_ADMIN_KEY": adminKey}
	for _, e := range endpointOrder(t, model) {
		env := catalog.EnvName(e.Provider)
		vars[env+"_API_KEY"] = "test-key-" + e.Provider
		vars[env+"_BASE_URL"] = fake.Base("/ok")
	}
	w := StartWorker(t, WorkerOptions{Root: root, Wrangler: RequireWrangler(t, root), BuildDir: BuildWorker(t, root), Vars: vars, NoInspector: true})
	if w.Inspector != 0 {
		t.Errorf("Inspector = %d, want 0", w.Inspector)
	}
	client := newClient(w, w.CreateKey(t, adminKey, "e2e-no-inspector"))
	resp, err := client.Chat.Completions.New(ctxT(t), chat(model, newNonce(t)))
	if err != nil {
		t.Fatalf("chat completion: %v", err)
	}
	if len(resp.Choices) == 0 || resp.Choices[0].Message.Content == "" {
		t.Fatalf("empty completion: %+v", resp)
	}

	if goruntime.GOOS != "linux" {
		return // no /proc to read workerd's command line from
	}
	pid, _, err := w.Workerd()
	if err != nil {
		t.Fatal(err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(string(cmdline), "\x00")
	if len(args) < 2 || args[1] != "serve" {
		t.Fatalf("pid %d is not a workerd runtime: %q", pid, args)
	}
	for _, a := range args {
		if strings.HasPrefix(a, "--inspector-addr") {
			t.Errorf("workerd runs with %s", a)
		}
	}
}
