package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestScanObject(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		keys string
	}{
		{`{}`, true, ""},
		{` {"a":1, "b" : [1,2,{"c":null}] ,"":"x"} `, true, "a,b,"},
		{`{"k\u00e9y\n":true}`, true, "kéy\n"},
		{`{"s":"a\"b\\c\/\b\f\n\r\t\u12aF"}`, true, "s"},
		{`{"n":-0.5e+10,"m":0,"o":1E2}`, true, "n,m,o"},
		{`{"long":"` + strings.Repeat("héllo wörld ", 50) + `"}`, true, "long"},
		{`[]`, false, ""},
		{`{"a":1}x`, false, ""},
		{`{"a":01}`, false, ""},
		{`{"a":1,}`, false, ""},
		{`{"a" 1}`, false, ""},
		{`{"a":"` + "\x01" + `"}`, false, ""},
		{`{"a":"\x"}`, false, ""},
		{`{"a":"\u12g4"}`, false, ""},
		{`{"a":"unterminated}`, false, ""},
		{`{"a":tru}`, false, ""},
		{`{"a":-}`, false, ""},
		{`{"a":1.}`, false, ""},
		{`{"a":[1 2]}`, false, ""},
		{strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1), false, ""},
	}
	for _, tt := range tests {
		var keys []string
		ok := ScanObject([]byte(tt.in), func(m Member) bool { keys = append(keys, m.Key); return true })
		if ok != tt.ok {
			t.Errorf("ScanObject(%.40q) = %v, want %v", tt.in, ok, tt.ok)
		}
		if ok && strings.Join(keys, ",") != tt.keys {
			t.Errorf("ScanObject(%.40q) keys %q, want %q", tt.in, strings.Join(keys, ","), tt.keys)
		}
	}
}

// FuzzScanObject holds the scanner to encoding/json's verdict and to gjson's reading of the
// members, on any input.
func FuzzScanObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":"c\"d"}],"e":null}`, `{"model":"x","messages":[{"role":"user","content":"héllo"}]}`, `{"a":"\u00e9\\"}`, `{"a":1e5,"b":-0.0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		type member struct{ key, raw string }
		var got []member
		ok := ScanObject(in, func(m Member) bool {
			got = append(got, member{m.Key, string(in[m.ValueStart:m.End])})
			if m.Start >= m.ValueStart || in[m.Start] != '"' {
				t.Fatalf("bad member span %+v", m)
			}
			return true
		})
		trimmed := bytes.TrimLeft(in, " \t\r\n")
		want := json.Valid(in) && len(trimmed) > 0 && trimmed[0] == '{'
		if ok != want {
			t.Fatalf("ScanObject = %v, encoding/json says %v for %q", ok, want, in)
		}
		if !ok {
			return
		}
		var ref []member
		gjson.ParseBytes(in).ForEach(func(k, v gjson.Result) bool {
			ref = append(ref, member{k.Str, v.Raw})
			return true
		})
		if len(got) != len(ref) {
			t.Fatalf("%d members, gjson sees %d", len(got), len(ref))
		}
		for i := range got {
			if got[i] != ref[i] {
				t.Fatalf("member %d = %+v, gjson %+v", i, got[i], ref[i])
			}
		}
	})
}

func BenchmarkScanObject(b *testing.B) {
	body := []byte(`{"model":"m","messages":[` + strings.Repeat(`{"role":"user","content":"Tell me about the history of railway switchyards, in detail, please. é✓"},`, 100) + `{}]}`)
	b.SetBytes(int64(len(body)))
	for i := 0; i < b.N; i++ {
		ScanObject(body, func(Member) bool { return true })
	}
}

func BenchmarkGjsonValidForEach(b *testing.B) {
	body := []byte(`{"model":"m","messages":[` + strings.Repeat(`{"role":"user","content":"Tell me about the history of railway switchyards, in detail, please. é✓"},`, 100) + `{}]}`)
	b.SetBytes(int64(len(body)))
	for i := 0; i < b.N; i++ {
		gjson.ValidBytes(body)
		gjson.ParseBytes(body).ForEach(func(k, v gjson.Result) bool { return true })
	}
}
