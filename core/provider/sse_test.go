package provider

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func collect(t testing.TB, s *Scanner, in []byte) []Event {
	t.Helper()
	var out []Event
	if err := s.Feed(in); err != nil {
		t.Fatal(err)
	}
	for {
		ev, ok := s.Next()
		if !ok {
			return out
		}
		out = append(out, Event{Name: ev.Name, Data: bytes.Clone(ev.Data)})
	}
}

func TestScanner(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // "name|data"
	}{
		{"openai chunks", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []string{`|{"a":1}`, "|[DONE]"}},
		{"crlf frames", "data: x\r\n\r\ndata: y\r\n\r\n", []string{"|x", "|y"}},
		{"cr only; a final CR waits for a possible LF", "data: x\r\rdata: y\r\r", []string{"|x"}},
		{"comments and keep-alives skipped", ": OPENROUTER PROCESSING\n\n: ping\ndata: x\n\n", []string{"|x"}},
		{"named events", "event: message_start\ndata: {}\n\nevent: ping\ndata: {\"type\":\"ping\"}\n\n", []string{"message_start|{}", `ping|{"type":"ping"}`}},
		{"multi-line data joined", "data: a\ndata: b\n\n", []string{"|a\nb"}},
		{"no space after colon", "data:x\n\n", []string{"|x"}},
		{"event without data dropped", "event: x\n\ndata: y\n\n", []string{"|y"}},
		{"incomplete event held back", "data: x\n\ndata: y\n", []string{"|x"}},
		{"unicode intact", "data: {\"c\":\"héllo ✓\"}\n\n", []string{`|{"c":"héllo ✓"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Scanner
			var got []string
			for _, ev := range collect(t, &s, []byte(tt.in)) {
				got = append(got, ev.Name+"|"+string(ev.Data))
			}
			if strings.Join(got, "\n---\n") != strings.Join(tt.want, "\n---\n") {
				t.Fatalf("events = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestScannerSplitAnywhere feeds a stream one byte at a time: events must come out the same
// as when fed whole, whatever the network's read boundaries.
func TestScannerSplitAnywhere(t *testing.T) {
	in := "data: {\"c\":\"héllo\"}\r\n\r\n: ka\n\nevent: e\ndata: 1\ndata: 2\n\ndata: [DONE]\n\n"
	var whole, split Scanner
	want := collect(t, &whole, []byte(in))
	var got []Event
	for i := 0; i < len(in); i++ {
		got = append(got, collect(t, &split, []byte{in[i]})...)
	}
	if len(got) != len(want) {
		t.Fatalf("split feed gave %d events, whole feed %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Name != want[i].Name || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("event %d: split %q, whole %q", i, got[i].Data, want[i].Data)
		}
	}
}

func TestScannerBounded(t *testing.T) {
	s := Scanner{max: 64}
	err := s.Feed(bytes.Repeat([]byte("x"), 65))
	if !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("Feed of an oversized event: %v, want ErrEventTooLarge", err)
	}
	// Consumed events free their room: a long stream of small events never hits the limit.
	s = Scanner{max: 64}
	for i := 0; i < 1000; i++ {
		if evs := collect(t, &s, []byte("data: 0123456789\n\n")); len(evs) != 1 {
			t.Fatalf("round %d: %d events", i, len(evs))
		}
	}
}

// FuzzScanner: no panic, no unbounded growth, and split feeding agrees with whole feeding.
func FuzzScanner(f *testing.F) {
	f.Add([]byte("data: {\"a\":1}\n\ndata: [DONE]\n\n"), uint8(3))
	f.Add([]byte("event: x\r\ndata: y\r\n\r\n"), uint8(1))
	f.Add([]byte(":\n\r\r\n\ndata\n\n"), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		n := int(step%16) + 1
		var whole, split Scanner
		want := collect(t, &whole, in)
		var got []Event
		for i := 0; i < len(in); i += n {
			got = append(got, collect(t, &split, in[i:min(i+n, len(in))])...)
		}
		// A CR at a read boundary may wait for a possible LF: only the last event may differ.
		if len(got) < len(want)-1 || len(got) > len(want) {
			t.Fatalf("split feed gave %d events, whole %d", len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i].Data, want[i].Data) || got[i].Name != want[i].Name {
				t.Fatalf("event %d differs: %q vs %q", i, got[i].Data, want[i].Data)
			}
		}
	})
}
