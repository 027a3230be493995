package conformance

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the vectors' expected upstream requests and responses from what the router did")

// Target is a router the corpus runs against: in-process (Native), a wazero guest, or
// workerd.
type Target interface {
	// Name is what a vector's "targets:" line calls it ("native", "wazero", "workerd").
	Name() string
	// Serve sends req to a router configured with env (provider keys and base URLs,
	// "{{UPSTREAM}}" left for the target to fill in) whose upstream calls are answered by
	// up, and returns the client's response with its body read whole. "{{KEY}}" in req's
	// headers stands for an API key the target has created.
	Serve(t *testing.T, env map[string]string, up *Replay, req Message) Message
}

// Dir is a corpus on disk; -update can rewrite it.
type Dir string

// Open implements fs.FS.
func (d Dir) Open(name string) (fs.File, error) { return os.DirFS(string(d)).Open(name) }

// Run runs every vector under fsys (files named *.txtar) on target, one subtest each.
// With -update and a Dir, the expected upstream requests and client responses are
// rewritten from what the router did: review the diff like code.
func Run(t *testing.T, fsys fs.FS, target Target) {
	n := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txtar") {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(p, ".txtar")
		n++
		t.Run(name, func(t *testing.T) {
			v, err := ParseVector(name, data)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if !v.For(target.Name()) {
				t.Skipf("not for %s (targets: %s)", target.Name(), strings.Join(v.Targets, " "))
			}
			if runOne(t, v, target) && *update {
				if dir, ok := fsys.(Dir); ok {
					if err := os.WriteFile(filepath.Join(string(dir), p), v.file.format(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no vectors found")
	}
}

// runOne runs a vector and checks (or, with -update, records) what happened. It reports
// whether the vector's file changed.
func runOne(t *testing.T, v *Vector, target Target) bool {
	up := NewReplay(t, v, "")
	got := target.Serve(t, v.Config.Env, up, v.Request)
	reqs := up.Requests()
	if *update {
		for i, r := range reqs {
			if i >= len(v.Exchanges) {
				break
			}
			v.file.set("upstream/"+strconv.Itoa(i+1)+"/request.http", formatRequest(r, v.Exchanges[i].Request.Header))
		}
		v.file.set("response.http", formatResponse(got))
		return true
	}
	if len(reqs) != len(v.Exchanges) {
		t.Errorf("the router made %d upstream requests, the vector has %d", len(reqs), len(v.Exchanges))
	}
	for i := 0; i < len(reqs) && i < len(v.Exchanges); i++ {
		checkRequest(t, i+1, reqs[i], v.Exchanges[i].Request)
	}
	checkResponse(t, got, v.Response)
	return false
}

func checkRequest(t *testing.T, n int, got, want Message) {
	t.Helper()
	if got.Method != want.Method || got.Path != want.Path {
		t.Errorf("upstream request %d: %s %s, want %s %s", n, got.Method, got.Path, want.Method, want.Path)
	}
	for k := range want.Header {
		if g, w := got.Header.Get(k), want.Header.Get(k); g != w {
			t.Errorf("upstream request %d: header %s = %q, want %q", n, k, g, w)
		}
	}
	if d := diffJSON(got.Body, want.Body); d != "" {
		t.Errorf("upstream request %d body: %s", n, d)
	}
}

func checkResponse(t *testing.T, got, want Message) {
	t.Helper()
	if got.Status != want.Status {
		t.Errorf("status %d, want %d; body %s", got.Status, want.Status, got.Body)
	}
	for k := range want.Header {
		if g, w := got.Header.Get(k), want.Header.Get(k); g != w {
			t.Errorf("response header %s = %q, want %q", k, g, w)
		}
	}
	if !strings.HasPrefix(want.Header.Get("Content-Type"), "text/event-stream") {
		if d := diffJSON(got.Body, want.Body); d != "" {
			t.Errorf("response body: %s", d)
		}
		return
	}
	g, w := events(got.Body), events(want.Body)
	for i := 0; i < len(g) || i < len(w); i++ {
		switch {
		case i >= len(g):
			t.Errorf("event %d missing; want %s", i+1, w[i])
		case i >= len(w):
			t.Errorf("event %d unexpected: %s", i+1, g[i])
		case g[i] == "[DONE]" || w[i] == "[DONE]":
			if g[i] != w[i] {
				t.Errorf("event %d = %s, want %s", i+1, g[i], w[i])
			}
		default:
			if d := diffJSON([]byte(g[i]), []byte(w[i])); d != "" {
				t.Errorf("event %d: %s", i+1, d)
			}
		}
	}
}

// events returns a stream's data payloads; comments (keep-alives) are not compared.
func events(body []byte) []string {
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimRight(line, "\r")
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

// diffJSON compares two JSON texts by value; it returns "" when they are equal.
func diffJSON(got, want []byte) string {
	var g, w any
	errG := decode(got, &g)
	errW := decode(want, &w)
	switch {
	case errW != nil && len(bytes.TrimSpace(want)) == 0 && len(bytes.TrimSpace(got)) == 0:
		return ""
	case errW != nil:
		return "the vector's JSON is invalid: " + errW.Error()
	case errG != nil:
		return "invalid JSON " + string(got)
	case reflect.DeepEqual(g, w):
		return ""
	}
	return "\n got " + canonical(g) + "\nwant " + canonical(w)
}

func decode(b []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// formatRequest renders an upstream request for -update, keeping the header names the
// vector already checks and pretty-printing the JSON body.
func formatRequest(m Message, keep http.Header) []byte {
	var b bytes.Buffer
	b.WriteString(m.Method + " " + m.Path + "\n")
	names := make([]string, 0, len(keep))
	for k := range keep {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(k + ": " + m.Header.Get(k) + "\n")
	}
	b.WriteString("\n")
	var out bytes.Buffer
	if json.Indent(&out, m.Body, "", "  ") == nil {
		b.Write(out.Bytes())
	} else {
		b.Write(m.Body)
	}
	b.WriteString("\n")
	return b.Bytes()
}

// formatResponse renders the client response for -update.
func formatResponse(m Message) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(m.Status) + " " + http.StatusText(m.Status) + "\n")
	b.WriteString("Content-Type: " + m.Header.Get("Content-Type") + "\n")
	if ra := m.Header.Get("Retry-After"); ra != "" {
		b.WriteString("Retry-After: " + ra + "\n")
	}
	b.WriteString("\n")
	if strings.HasPrefix(m.Header.Get("Content-Type"), "text/event-stream") {
		for _, e := range events(m.Body) {
			b.WriteString("data: " + e + "\n\n")
		}
		return b.Bytes()
	}
	b.Write(m.Body)
	b.WriteString("\n")
	return b.Bytes()
}
