package pretty

import (
	"encoding/json"
	"testing"
)

// unquote must agree with what upstream did, json.Unmarshal into a string (the empty
// string where Unmarshal fails).
func viaJSON(s []byte) string {
	var str string
	json.Unmarshal(s, &str)
	return str
}

func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`""`, `"plain"`, `"a\"b"`, `"back\\slash"`, `"\/\b\f\n\r\t"`, `"\u00e9\u4e16"`,
		`"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`,
		`"\uZZZZ"`, `"\u12"`, `"\x"`, `"\"`, `"trailing\`, `"a"b"`, `"tab	raw"`,
		"\"\xff\xfe\"", "\"caf\xc3\xa9\"", `  "padded"  `, `null`, `1`, `"a" "b"`, `x"a"`, `"`,
	} {
		if got, want := unquote([]byte(s)), viaJSON([]byte(s)); got != want {
			t.Errorf("unquote(%q) = %q, encoding/json gives %q", s, got, want)
		}
	}
}

func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"a\u00e9\ud83d\ude00"`, `"\n"`, `"\ud800"`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		if got, want := unquote(s), viaJSON(s); got != want {
			t.Errorf("unquote(%q) = %q, encoding/json gives %q", s, got, want)
		}
	})
}
