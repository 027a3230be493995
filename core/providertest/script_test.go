package providertest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/switchyard-router/switchyard/core/providertest"
)

func TestParseScript(t *testing.T) {
	type B = providertest.Behavior
	tests := []struct {
		path string
		want B
		rest string
	}{
		{"", B{}, ""},
		{"/", B{}, ""},
		{"/v1/chat/completions", B{}, "/v1/chat/completions"},
		{"/v1", B{}, "/v1"},
		{"/ok/v1/models", B{}, "/v1/models"},
		{"/ok", B{}, ""},
		{"/fail/503/v1/chat/completions", B{Status: 503}, "/v1/chat/completions"},
		{"/fail/503", B{Status: 503}, ""},
		{"/fail/429/fail/500/v1", B{Status: 500}, "/v1"},
		{"/hang/v1/chat/completions", B{Hang: true}, "/v1/chat/completions"},
		{"/slow/250ms/v1", B{HeaderDelay: 250 * time.Millisecond}, "/v1"},
		{"/stream/4/50ms/v1", B{Chunks: 4, Delay: 50 * time.Millisecond}, "/v1"},
		{"/stream/1/0s/v1", B{Chunks: 1}, "/v1"},
		{"/cut/2/v1", B{Cut: true, CutAfter: 2}, "/v1"},
		{"/cut/0/v1", B{Cut: true}, "/v1"},
		{"/error/1/v1", B{StreamError: true, CutAfter: 1}, "/v1"},
		{"/error/0/v1", B{StreamError: true}, "/v1"},
		{"/text/h%C3%A9llo%20%E2%9C%93%2Fx/v1", B{Text: "héllo ✓/x"}, "/v1"},
		{"/text/v1/v1/chat/completions", B{Text: "v1"}, "/v1/chat/completions"},
		{"/text/%FF/v1", B{Text: "\uFFFD"}, "/v1"},
		{"/usage-inline/tool-call/v1", B{UsageOnLastContentChunk: true, ToolCall: true}, "/v1"},
		{
			"/slow/1s/stream/2/10ms/cut/1/text/hi/v1/chat/completions",
			B{HeaderDelay: time.Second, Chunks: 2, Delay: 10 * time.Millisecond, Cut: true, CutAfter: 1, Text: "hi"},
			"/v1/chat/completions",
		},
		{"/ok/v1/v1", B{}, "/v1/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, rest, err := providertest.ParseScript(tt.path)
			if err != nil {
				t.Fatalf("ParseScript(%q) error: %v", tt.path, err)
			}
			if got != tt.want || rest != tt.rest {
				t.Errorf("ParseScript(%q) = %+v, %q; want %+v, %q", tt.path, got, rest, tt.want, tt.rest)
			}
		})
	}
}

func TestParseScriptBad(t *testing.T) {
	for _, path := range []string{
		"fail/503",
		"/fail",
		"/fail/",
		"/fail/abc/v1",
		"/fail/200/v1",
		"/fail/399/v1",
		"/fail/600/v1",
		"/stream/0/1ms/v1",
		"/stream/3",
		"/stream/3/v1",
		"/stream/3/xyz/v1",
		"/stream/2000000/1ms/v1",
		"/slow/-1s/v1",
		"/slow/10/v1",
		"/cut/-1/v1",
		"/cut/x/v1",
		"/error//v1",
		"/text",
		"/text/%zz/v1",
		"/bogus/v1",
		"//v1",
		"/ok//v1",
		"/OK/v1",
		"/_requests",
	} {
		t.Run(path, func(t *testing.T) {
			b, rest, err := providertest.ParseScript(path)
			if !errors.Is(err, providertest.ErrBadScript) {
				t.Fatalf("ParseScript(%q) = %+v, %q, %v; want ErrBadScript", path, b, rest, err)
			}
			if b != (providertest.Behavior{}) || rest != "" {
				t.Errorf("ParseScript(%q) returned %+v, %q with its error; want zero values", path, b, rest)
			}
		})
	}
}

// FuzzParseScript checks that no path panics and that success always leaves
// a rest that is empty or starts at /v1.
func FuzzParseScript(f *testing.F) {
	for _, s := range []string{"", "/fail/503/v1/chat/completions", "/stream/4/50ms/cut/2/v1", "/text/%E2%9C%93/v1", "//", "/text"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		_, rest, err := providertest.ParseScript(path)
		if err == nil && rest != "" && rest != "/v1" && (len(rest) < 4 || rest[:4] != "/v1/") {
			t.Errorf("ParseScript(%q) rest = %q", path, rest)
		}
	})
}
