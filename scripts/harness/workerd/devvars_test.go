package workerd

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// TestDevVarsExample keeps .dev.vars.example in step with the catalog: every provider has
// its <PROVIDER>_API_KEY and <PROVIDER>_BASE_URL lines (commented out, so copying the file
// configures nothing by accident), the base URL line shows the catalog's default, and the
// router's own settings are there. It is fast and runs in -short mode too.
func TestDevVarsExample(t *testing.T) {
	root := Root(t)
	b, err := os.ReadFile(filepath.Join(root, ".dev.vars.example"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	has := func(re string) bool { return regexp.MustCompile(`(?m)` + re).MatchString(src) }
	for _, p := range catalog.Default.Providers {
		env := catalog.EnvName(p.Slug)
		if !has(`^# ` + env + `_API_KEY=`) {
			t.Errorf("no commented-out %s_API_KEY line for provider %s", env, p.Slug)
		}
		if !has(`^# ` + env + `_BASE_URL="` + regexp.QuoteMeta(p.BaseURL) + `"$`) {
			t.Errorf("no line # %s_BASE_URL=%q (the catalog's default) for provider %s", env, p.BaseURL, p.Slug)
		}
	}
	for _, name := range []string{"SWITCHYARD_ADMIN_KEY=", "# SWITCHYARD_FIRST_BYTE_TIMEOUT_MS=", "# SWITCHYARD_STREAM_IDLE_TIMEOUT_MS=", "# SWITCHYARD_KEEPALIVE_MS="} {
		if !has(`^` + regexp.QuoteMeta(name)) {
			t.Errorf("no %s line", name)
		}
	}
	// Only the admin key is set; scripts/dev replaces its placeholder.
	if m := regexp.MustCompile(`(?m)^[A-Z]`).FindAllString(src, -1); len(m) != 1 {
		t.Errorf("%d uncommented settings, want 1 (SWITCHYARD_ADMIN_KEY)", len(m))
	}
}
