package anthropic_test

import (
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/conformance"
	"github.com/switchyard-router/switchyard/core/provider/adaptertest"
	"github.com/switchyard-router/switchyard/core/provider/anthropic"
)

// seeds are the corpus's anthropic vectors: client requests, upstream bodies, streams.
func seeds(f *testing.F) (reqs, bodies, streams [][]byte) {
	return adaptertest.Seeds(f, "../../testdata/vectors/anthropic", func(name string, data []byte) (r, b, s [][]byte) {
		v, err := conformance.ParseVector(name, data)
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		r = append(r, v.Request.Body)
		for _, x := range v.Exchanges {
			if strings.HasPrefix(x.Response.Header.Get("Content-Type"), "text/event-stream") {
				s = append(s, x.Response.Body)
			} else {
				b = append(b, x.Response.Body)
			}
		}
		return r, b, s
	})
}

// FuzzStream: any byte stream, cut into reads of any size, translates without panic into
// valid chunks, and output stays proportional to input.
func FuzzStream(f *testing.F) {
	_, _, streams := seeds(f)
	for _, s := range streams {
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		adaptertest.Stream(t, &anthropic.Spec, in, int(step%32)+1)
	})
}

// FuzzDecode: any response body decodes to a JSON object or fails with a Failure.
func FuzzDecode(f *testing.F) {
	_, bodies, _ := seeds(f)
	for _, b := range bodies {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		adaptertest.Decode(t, &anthropic.Spec, raw)
	})
}

// FuzzBuild: any request the router accepts builds to a JSON object or fails with a
// BuildError.
func FuzzBuild(f *testing.F) {
	reqs, _, _ := seeds(f)
	for _, r := range reqs {
		f.Add(r, false)
	}
	f.Fuzz(func(t *testing.T, body []byte, stream bool) {
		adaptertest.Build(t, &anthropic.Spec, body, stream)
	})
}
