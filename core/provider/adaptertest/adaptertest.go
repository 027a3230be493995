// Package adaptertest checks the invariants every provider adapter must keep, whatever
// the upstream sends: its fuzz targets call these with random requests, responses and
// streams. Nothing here may panic on bad input, and everything an adapter writes must be
// valid JSON.
package adaptertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
)

// Stamp is the stamp the checks translate under.
var stamp = provider.Stamp{ID: "gen-1760000000-Abc", Model: "test/model", Provider: "Test"}

// Options are the decoding options the checks and benchmarks use.
func Options(spec *provider.Spec) *provider.Options {
	st := stamp
	return &provider.Options{Stamp: &st, Created: 1760000000, Spec: spec}
}

// Stream feeds in to spec's stream translator step bytes at a time, through the spec's
// framer, and checks that every frame it writes is "data: <JSON object>\n\n", that the
// usage it reports is a JSON object, and that output stays proportional to input.
func Stream(t testing.TB, spec *provider.Spec, in []byte, step int) {
	t.Helper()
	if step < 1 {
		step = 1
	}
	tr := spec.NewStream(Options(spec))
	fr := spec.Framer()
	var out []byte
	var err error
feed:
	for i := 0; i < len(in); i += step {
		if err = fr.Feed(in[i:min(i+step, len(in))]); err != nil {
			break
		}
		for {
			ev, ok := fr.Next()
			if !ok {
				break
			}
			if out, err = tr.Event(out, ev); err != nil {
				var f *provider.Failure
				if !errors.As(err, &f) || f.Status < 400 || f.Status > 599 || f.Message == "" {
					t.Fatalf("event error %v (%T): want a *provider.Failure with a status and message", err, err)
				}
				break feed
			}
			if tr.State().Done {
				break feed
			}
		}
	}
	if max := 32*len(in) + 1024; len(out) > max {
		t.Fatalf("%d bytes of output for %d bytes of input", len(out), len(in))
	}
	Frames(t, out)
	if u := tr.Usage(); u != nil && !isObject(u) {
		t.Fatalf("usage %q is not a JSON object", u)
	}
}

// Frames checks that b is a sequence of "data: <JSON object>\n\n" frames.
func Frames(t testing.TB, b []byte) {
	t.Helper()
	for len(b) > 0 {
		rest, ok := bytes.CutPrefix(b, []byte("data: "))
		if !ok {
			t.Fatalf("frame does not start with data: %q", b[:min(len(b), 80)])
		}
		i := bytes.Index(rest, []byte("\n\n"))
		if i < 0 {
			t.Fatalf("unterminated frame %q", rest)
		}
		if !isObject(rest[:i]) {
			t.Fatalf("frame is not a JSON object: %s", rest[:i])
		}
		b = rest[i+2:]
	}
}

// Decode checks that a response body either decodes to a JSON object or fails with a
// *provider.Failure.
func Decode(t testing.TB, spec *provider.Spec, raw []byte) {
	t.Helper()
	out, _, err := spec.Decode(nil, raw, Options(spec))
	if err != nil {
		var f *provider.Failure
		if !errors.As(err, &f) || f.Status < 400 || f.Status > 599 {
			t.Fatalf("decode error %v (%T): want a *provider.Failure with a status", err, err)
		}
		return
	}
	if !isObject(out) {
		t.Fatalf("decoded %q is not a JSON object (input %q)", out, raw)
	}
}

// Build checks that a client request the router accepts either builds to a JSON object
// or fails with a *provider.BuildError.
func Build(t testing.TB, spec *provider.Spec, body []byte, stream bool) {
	t.Helper()
	if _, err := api.ParseChat(body); err != nil {
		return
	}
	up, err := provider.Build(spec, &provider.Request{Body: body, Stream: stream, Model: "m", MaxOutput: 8192})
	if err != nil {
		var be *provider.BuildError
		if !errors.As(err, &be) {
			t.Fatalf("build error %v (%T): want a *provider.BuildError", err, err)
		}
		return
	}
	if !isObject(up.Body) {
		t.Fatalf("built body is not a JSON object: %s (from %s)", up.Body, body)
	}
}

func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// Seeds returns material from the shared vector corpus for an adapter's fuzzers: client
// request bodies, upstream JSON bodies and upstream streams of the vectors under dir.
func Seeds(t testing.TB, dir string, parse func(name string, data []byte) (reqs, bodies, streams [][]byte)) (reqs, bodies, streams [][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".txtar") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		r, b, s := parse(e.Name(), data)
		reqs, bodies, streams = append(reqs, r...), append(bodies, b...), append(streams, s...)
	}
	return reqs, bodies, streams
}
