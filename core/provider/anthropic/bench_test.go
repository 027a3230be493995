package anthropic_test

import (
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/switchyard-router/switchyard/core/provider/adaptertest"
	"github.com/switchyard-router/switchyard/core/provider/anthropic"
)

// A 4 KB Messages response: thinking with a signature, text, a tool call, cache usage.
var message4KB = []byte(`{"id":"msg_01ABC","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[` +
	`{"type":"thinking","thinking":"` + strings.Repeat("The user wants the weather; I should call the tool. ", 10) + `","signature":"EqQBCkgIARABGAIiQLm5wJ8o1XxYz"},` +
	`{"type":"text","text":"` + strings.Repeat("Here is a long answer about railway switchyards, é✓. ", 55) + `"},` +
	`{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Paris","unit":"celsius","days":3}}],` +
	`"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":50,"cache_creation_input_tokens":1000,"cache_read_input_tokens":2000,"output_tokens":120,"output_tokens_details":{"thinking_tokens":60}}}`)

func BenchmarkDecode(b *testing.B) {
	o := adaptertest.Options(&anthropic.Spec)
	dst := make([]byte, 0, 8192)
	b.SetBytes(int64(len(message4KB)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, _, err = anthropic.Spec.Decode(dst[:0], message4KB, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamEvent is the steady path: one text_delta event in, one chunk out.
func BenchmarkStreamEvent(b *testing.B) {
	tr := anthropic.Spec.NewStream(adaptertest.Options(&anthropic.Spec))
	dst := make([]byte, 0, 4096)
	for _, ev := range []provider.Event{
		{Name: "message_start", Data: []byte(`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}`)},
		{Name: "content_block_start", Data: []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)},
	} {
		dst, _ = tr.Event(dst, ev)
	}
	ev := provider.Event{Name: "content_block_delta", Data: []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello, wörld"}}`)}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = tr.Event(dst[:0], ev); err != nil {
			b.Fatal(err)
		}
		_ = tr.State()
	}
}

// BenchmarkStreamToolArgs is the steady path of a streamed tool call.
func BenchmarkStreamToolArgs(b *testing.B) {
	tr := anthropic.Spec.NewStream(adaptertest.Options(&anthropic.Spec))
	dst, _ := tr.Event(nil, provider.Event{Name: "content_block_start", Data: []byte(`{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}`)})
	ev := provider.Event{Name: "content_block_delta", Data: []byte(`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}}`)}
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = tr.Event(dst[:0], ev)
		_ = tr.State()
	}
}

// BenchmarkStream is a whole 40-event text stream through the SSE scanner and the
// translator, one network read per event; ns/op ÷ 40 is the cost per event.
func BenchmarkStream(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n")
	sb.WriteString("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
	var reads [][]byte
	reads = append(reads, []byte(sb.String()))
	for i := 0; i < 36; i++ {
		reads = append(reads, []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"word é \"}}\n\n"))
	}
	reads = append(reads, []byte("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":36}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
	o := adaptertest.Options(&anthropic.Spec)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		tr := anthropic.Spec.NewStream(o)
		var sc provider.Scanner
		for _, r := range reads {
			_ = sc.Feed(r)
			dst = dst[:0]
			for ev, ok := sc.Next(); ok; ev, ok = sc.Next() {
				dst, _ = tr.Event(dst, ev)
			}
		}
		if !tr.State().Done {
			b.Fatal("stream not done")
		}
	}
}
