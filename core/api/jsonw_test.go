package api

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"tab\tnl\ncr\r", `"tab\tnl\ncr\r"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"\x7f", "\"\x7f\""},                               // DEL is not a control character in JSON
		{"<a href='x'>&</a>", `"<a href='x'>&</a>"`},       // no HTML escaping: this is not HTML
		{"héllo, 世界 🚂", `"héllo, 世界 🚂"`},                   // valid UTF-8 is kept as is
		{"line\u2028para\u2029", `"line\u2028para\u2029"`}, // JavaScript line terminators
		{"bad\xffbyte", "\"bad\ufffdbyte\""},               // invalid UTF-8 becomes U+FFFD
		{"\xe4\xb8", "\"\ufffd\ufffd\""},                   // a truncated sequence, one U+FFFD per byte
		{"\xed\xa0\x80", "\"\ufffd\ufffd\ufffd\""},         // an encoded surrogate is invalid UTF-8
	} {
		if got := string(AppendString(nil, tc.in)); got != tc.want {
			t.Errorf("AppendString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := string(AppendString([]byte(`{"k":`), "v")); got != `{"k":"v"` {
		t.Errorf("AppendString does not append to dst: %s", got)
	}
}

// FuzzAppendString checks the two promises callers rely on: the output is always one valid
// JSON string, and it decodes back to the input (with invalid UTF-8 bytes each replaced by
// U+FFFD, the same mapping a range loop over the string makes).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", `"\`, "\x00\n\u2028", "\xff\xfe", "日本語", "\xf0\x9f\x98", "\ufffd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		if !json.Valid(out) {
			t.Fatalf("AppendString(%q) = %s: not valid JSON", s, out)
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: %v", s, out, err)
		}
		want := s
		if !utf8.ValidString(s) {
			var b strings.Builder
			for _, r := range s {
				b.WriteRune(r)
			}
			want = b.String()
		}
		if back != want {
			t.Fatalf("AppendString(%q) decodes to %q, want %q", s, back, want)
		}
		if strings.ContainsAny(string(out), "\u2028\u2029") {
			t.Fatalf("AppendString(%q) = %s: U+2028/U+2029 left unescaped", s, out)
		}
	})
}
