package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func TestAppendUpstream(t *testing.T) {
	tests := []struct {
		name, in, want string
		stream         bool
	}{
		{"model replaced, router fields cut, rest byte for byte",
			`{"temperature":0.25,  "model":"a/b","provider":{"sort":"price"},"messages":[ {"role":"user","content":"hi \u00e9"} ],"models":["c/d"],"user":"u"}`,
			`{"model":"up","temperature":0.25,"messages":[ {"role":"user","content":"hi \u00e9"} ],"user":"u"}`, false},
		{"stream asks for usage and drops the client's stream_options",
			`{"model":"a/b","stream":true,"stream_options":{"include_usage":false},"messages":[{}]}`,
			`{"model":"up","stream_options":{"include_usage":true},"stream":true,"messages":[{}]}`, true},
		{"cut members at both ends", "\n{ \"usage\":{\"include\":true} , \"messages\":[{}] ,\"transforms\":[] }\n",
			`{"model":"up","messages":[{}]}`, false},
		{"every router-only field", `{"models":[],"provider":null,"transforms":[],"route":"fallback","usage":{},"plugins":[],"session_id":"s","trace":{},"debug":{},"messages":[{}],"model":"m"}`,
			`{"model":"up","messages":[{}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseChat([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if c.Stream != tt.stream {
				t.Errorf("Stream = %v", c.Stream)
			}
			if got := string(c.AppendUpstream(nil, "up")); got != tt.want {
				t.Errorf("upstream body\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestModels(t *testing.T) {
	c, err := ParseChat([]byte(`{"model":"a/b","models":["c/d","a/b","e\/f"],"messages":[{}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Models()
	if err != nil || strings.Join(got, ",") != "a/b,c/d,e/f" {
		t.Fatalf("Models() = %v, %v", got, err)
	}
	for _, bad := range []string{`{"models":[1],"messages":[{}]}`, `{"models":[""],"messages":[{}]}`, `{"messages":[{}]}`} {
		c, err := ParseChat([]byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Models(); err == nil {
			t.Errorf("Models() of %s: no error", bad)
		}
	}
}

// FuzzParseChat: on any input ParseChat either refuses with a BadRequest or yields an
// upstream body that is valid JSON, names the upstream model, carries no router-only field
// and keeps every other member of the client's body unchanged.
func FuzzParseChat(f *testing.F) {
	for _, s := range []string{
		`{"model":"a/b","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"a\/b","stream":true,"stream_options":{},"messages":[{}],"provider":{"order":["x"]}}`,
		` {"messages":[1],"models":["x"],"usage":{"include":true},"temperature":0.5} `,
		`{"model":"m","messages":[{}],"model":"dup"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ParseChat(in)
		if err != nil {
			if _, ok := err.(*BadRequest); !ok {
				t.Fatalf("error %T %v is not a BadRequest", err, err)
			}
			return
		}
		out := c.AppendUpstream(nil, "up/stream")
		if !json.Valid(out) {
			t.Fatalf("upstream body is not JSON: %s (from %s)", out, in)
		}
		kept := map[string][]string{}
		gjson.ParseBytes(in).ForEach(func(k, v gjson.Result) bool {
			switch {
			case k.Str == "model" || k.Str == "stream_options" || isRouterOnly(k.Str):
			default:
				kept[k.Str] = append(kept[k.Str], v.Raw)
			}
			return true
		})
		got := map[string][]string{}
		gjson.ParseBytes(out).ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "model":
				if v.Str != "up/stream" {
					t.Fatalf("model = %s", v.Raw)
				}
			case "stream_options":
				if !c.Stream {
					t.Fatalf("stream_options on a non-streaming body: %s", out)
				}
			default:
				if isRouterOnly(k.Str) {
					t.Fatalf("router-only %q reached the upstream: %s", k.Str, out)
				}
				got[k.Str] = append(got[k.Str], v.Raw)
			}
			return true
		})
		if len(got) != len(kept) {
			t.Fatalf("members %v, want %v", got, kept)
		}
		for k, vs := range kept {
			if strings.Join(got[k], "\x00") != strings.Join(vs, "\x00") {
				t.Fatalf("member %q = %v, want %v", k, got[k], vs)
			}
		}
	})
}
