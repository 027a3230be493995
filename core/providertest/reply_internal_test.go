package providertest

import (
	"slices"
	"strings"
	"testing"
)

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
