package render

import "testing"

func TestGrouped(t *testing.T) {
	for v, want := range map[int64]string{0: "0", 1: "1", 999: "999", 1000: "1_000", 75_000: "75_000", 2_500_000: "2_500_000", 18_750_000: "18_750_000"} {
		if got := grouped(v); got != want {
			t.Errorf("grouped(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestParseDecimalLimits(t *testing.T) {
	// The largest per-million price that fits: 9223372036854.775807 dollars per million tokens.
	if v, err := ParsePrice("9223372036854.775807"); err != nil || v != 1<<63-1 {
		t.Errorf("ParsePrice(max) = %d, %v", v, err)
	}
	if _, err := ParsePrice("9223372036854.775808"); err == nil {
		t.Error("ParsePrice accepted a value one picodollar past int64")
	}
	if v, err := ParseUnitPrice("0.000000000001"); err != nil || v != 1 {
		t.Errorf("ParseUnitPrice(1 picodollar) = %d, %v", v, err)
	}
	if _, err := ParseUnitPrice("0.0000000000001"); err == nil {
		t.Error("ParseUnitPrice accepted a tenth of a picodollar")
	}
}
