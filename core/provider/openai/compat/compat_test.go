package compat

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestNineCharID(t *testing.T) {
	for _, id := range []string{"call_abc123", "toolu_01A09q90qw90lq917835lq9", "", "x"} {
		got := NineCharID(id)
		if len(got) != 9 || strings.Trim(got, alnum) != "" || NineCharID(id) != got {
			t.Errorf("NineCharID(%q) = %q: want 9 stable alphanumerics", id, got)
		}
	}
	if got := NineCharID("D681PevKs"); got != "D681PevKs" {
		t.Errorf("a fitting id changed to %q", got)
	}
	if NineCharID("call_1") == NineCharID("call_2") {
		t.Error("two ids map to one")
	}
}

func TestLookup(t *testing.T) {
	if Lookup("together") != nil || Lookup("ollama") != nil {
		t.Error("a provider without quirks must take the untouched pass-through path")
	}
	if r := Lookup("deepseek"); r == nil || !r.RenamesReasoning() {
		t.Error("deepseek renames reasoning_content")
	}
}

func TestRenameReasoningOnlyRenamesMembers(t *testing.T) {
	r := Lookup("deepseek")
	in := `{"choices":[{"delta":{"reasoning_content":"the key \"reasoning_content\": stays in text"}}]}`
	out := string(r.RenameReasoning([]byte(in)))
	want := `{"choices":[{"delta":{"reasoning":"the key \"reasoning_content\": stays in text"}}]}`
	if out != want {
		t.Errorf("got %s\nwant %s", out, want)
	}
}

// FuzzEdit: any JSON object body edits to a JSON object for every row.
func FuzzEdit(f *testing.F) {
	f.Add([]byte(`{"model":"m","max_tokens":9000,"reasoning":{"effort":"high"},"messages":[{"role":"assistant","reasoning":"r","tool_calls":[{"id":"call_1"}]},{"role":"tool","tool_call_id":"call_1"}]}`), false)
	f.Fuzz(func(t *testing.T, body []byte, stream bool) {
		var v map[string]any
		if json.Unmarshal(body, &v) != nil {
			return
		}
		for i := range Rows {
			out, _ := Rows[i].Edit(body, stream)
			if !json.Valid(out) {
				t.Fatalf("%s: %s → invalid %s", Rows[i].Provider, body, out)
			}
		}
	})
}
