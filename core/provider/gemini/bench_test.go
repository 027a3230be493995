package gemini_test

import (
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/switchyard-router/switchyard/core/provider/adaptertest"
	"github.com/switchyard-router/switchyard/core/provider/gemini"
)

// A 4 KB generateContent response: a thought summary, text, a function call with its
// signature, usage with cached and thought tokens.
var response4KB = []byte(`{"candidates":[{"content":{"role":"model","parts":[` +
	`{"text":"` + strings.Repeat("Thinking about the weather request. ", 14) + `","thought":true},` +
	`{"text":"` + strings.Repeat("Here is a long answer about railway switchyards, é✓. ", 55) + `"},` +
	`{"functionCall":{"name":"get_weather","args":{"city":"Paris","unit":"celsius","days":3}},"thoughtSignature":"CiIBVKhc7pQk3ZpN0xYQ"}]},` +
	`"finishReason":"STOP","index":0,"safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"}]}],` +
	`"usageMetadata":{"promptTokenCount":120,"cachedContentTokenCount":64,"candidatesTokenCount":20,"thoughtsTokenCount":50,"totalTokenCount":190},"modelVersion":"gemini-2.5-flash","responseId":"abcXYZ"}`)

func BenchmarkDecode(b *testing.B) {
	o := adaptertest.Options(&gemini.Spec)
	dst := make([]byte, 0, 8192)
	b.SetBytes(int64(len(response4KB)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, _, err = gemini.Spec.Decode(dst[:0], response4KB, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamEvent is the steady path: one chunk with a text part in, one chunk out.
func BenchmarkStreamEvent(b *testing.B) {
	tr := gemini.Spec.NewStream(adaptertest.Options(&gemini.Spec))
	ev := provider.Event{Data: []byte(`{"candidates":[{"content":{"role":"model","parts":[{"text":"Hello, wörld"}]},"index":0}],"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`)}
	dst, _ := tr.Event(nil, ev)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = tr.Event(dst[:0], ev); err != nil {
			b.Fatal(err)
		}
		_ = tr.State()
	}
}

// BenchmarkStream is a whole 40-chunk stream through the SSE scanner (CRLF frames) and
// the translator, one network read per chunk; ns/op ÷ 40 is the cost per event.
func BenchmarkStream(b *testing.B) {
	var reads [][]byte
	for i := 0; i < 39; i++ {
		reads = append(reads, []byte("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"word é \"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":8,\"totalTokenCount\":8},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}\r\n\r\n"))
	}
	reads = append(reads, []byte("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"end\"}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":40,\"totalTokenCount\":48},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"r1\"}\r\n\r\n"))
	o := adaptertest.Options(&gemini.Spec)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		tr := gemini.Spec.NewStream(o)
		var sc provider.Scanner
		for _, r := range reads {
			_ = sc.Feed(r)
			dst = dst[:0]
			for ev, ok := sc.Next(); ok; ev, ok = sc.Next() {
				dst, _ = tr.Event(dst, ev)
			}
		}
		if !tr.State().Finished {
			b.Fatal("stream not finished")
		}
	}
}
