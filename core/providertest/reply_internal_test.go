package providertest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `q"uo\te`, "nl\n cr\r tab\t", "\x00\x01\x1f\x7f", "héllo ✓ 🚂", "<&>", "\u2028",
	} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendString(%q) = %s: invalid JSON: %v", s, got, err)
		}
		if back != s {
			t.Errorf("appendString(%q) round-trips to %q", s, back)
		}
	}
	// Invalid UTF-8 becomes U+FFFD rather than invalid JSON.
	got := appendString(nil, "a\xffb")
	if string(got) != `"a\ufffdb"` {
		t.Errorf("appendString(invalid) = %s", got)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		text string
		n    int
		want []string
	}{
		{"Hello héllo ✓ 🚂", 0, []string{"Hello ", "héllo ", "✓ ", "🚂"}},
		{"  lead  two", 0, []string{"  lead  ", "two"}},
		{"one", 0, []string{"one"}},
		{"", 0, []string{""}},
		{"ab✓d", 2, []string{"ab", "✓d"}},
		{"ab", 4, []string{"a", "b", " ", "ab"}},
		{"héllo", 5, []string{"h", "é", "l", "l", "o"}},
	}
	for _, tt := range tests {
		got := split(tt.text, tt.n)
		if !slices.Equal(got, tt.want) {
			t.Errorf("split(%q, %d) = %q, want %q", tt.text, tt.n, got, tt.want)
		}
	}
	// Many chunks of a short text: exactly n non-empty pieces.
	got := split("✓ ok", 1000)
	if len(got) != 1000 || slices.Contains(got, "") || !strings.HasPrefix(strings.Join(got, ""), "✓ ok ✓ ok") {
		t.Errorf("split into 1000: %d pieces, first %q", len(got), got[:3])
	}
}
