package anthropic

import (
	"net/http"
	"strconv"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

// maxBlocks bounds the content-block index a stream may use, so a hostile upstream
// cannot make the translator allocate without bound.
const maxBlocks = 4096

// Kinds of content block.
const (
	blockOther = iota
	blockText
	blockThinking
	blockTool
)

type block struct {
	kind   uint8
	tool   int  // tool_calls index (a counter of tool blocks, not the block index)
	detail int  // reasoning_details index
	args   bool // some argument text was sent
}

// stream translates Messages stream events into OpenAI chunks (shared/spec/providers.md
// §3.6). The role chunk waits for the first output, so an error right after
// message_start can still fail over. Text, thinking and argument fragments are copied as
// the raw JSON strings the upstream sent: no decoding, no re-encoding.
type stream struct {
	o       *provider.Options
	c       provider.Chunker
	blocks  []block
	tools   int
	details int
	counts  provider.Counts
	state   provider.StreamState
}

func newStream(o *provider.Options) provider.Stream {
	return &stream{o: o, c: provider.NewChunker(o.Stamp, o.Created), blocks: make([]block, 0, 4)}
}

func (s *stream) State() provider.StreamState { return s.state }

func (s *stream) Usage() []byte {
	if !s.counts.Seen() {
		return nil
	}
	return provider.AppendUsage(nil, s.counts.Usage())
}

func (s *stream) Event(dst []byte, ev provider.Event) ([]byte, error) {
	// gjson assumes valid JSON, and raw values are copied into the client's chunks: one
	// validating pass first (FuzzStream found "id":+0 copied through).
	if !api.ScanObject(ev.Data, anyMember) {
		return dst, invalid("provider sent an invalid stream event")
	}
	data := api.View(ev.Data)
	name := ev.Name
	if name == "" {
		name = gjson.Get(data, "type").Str
	}
	switch name {
	case "content_block_delta":
		return s.delta(dst, data)
	case "content_block_start":
		return s.start(dst, data)
	case "content_block_stop":
		i := int(gjson.Get(data, "index").Int())
		if i >= 0 && i < len(s.blocks) && s.blocks[i].kind == blockTool && !s.blocks[i].args {
			// An empty-input tool sends no argument text; OpenAI clients need valid JSON.
			dst = s.c.Open(dst)
			dst = s.appendToolArgs(dst, s.blocks[i].tool, `"{}"`)
			dst = s.c.Close(dst)
			s.blocks[i].args = true
		}
	case "message_start":
		s.counts.Merge(&s.o.Spec.Usage, gjson.Get(data, "message.usage"))
	case "message_delta":
		s.counts.Merge(&s.o.Spec.Usage, gjson.Get(data, "usage"))
		if r := gjson.Get(data, "delta.stop_reason"); r.Type == gjson.String && !s.state.Finished {
			dst = s.c.Finish(dst, s.o.Spec.FinishReason(r.Str), r.Str)
			s.state.Finished = true
		}
	case "message_stop":
		s.state.Done = true
	case "error":
		return dst, errorFailure(gjson.Get(data, "error"), http.StatusBadGateway)
	}
	// ping and unknown events are ignored (providers.md §0: ignore unknown events).
	return dst, nil
}

func anyMember(api.Member) bool { return true }

func (s *stream) block(data string) (*block, int, error) {
	i := int(gjson.Get(data, "index").Int())
	if i < 0 || i >= maxBlocks {
		return nil, 0, invalid("provider sent a content block index out of range")
	}
	for len(s.blocks) <= i {
		s.blocks = append(s.blocks, block{})
	}
	return &s.blocks[i], i, nil
}

func (s *stream) start(dst []byte, data string) ([]byte, error) {
	b, _, err := s.block(data)
	if err != nil {
		return dst, err
	}
	cb := gjson.Get(data, "content_block")
	switch cb.Get("type").Str {
	case "text":
		b.kind = blockText
		if t := cb.Get("text"); t.Type == gjson.String && t.Str != "" {
			dst = s.c.Open(dst)
			dst = append(dst, `"content":`...)
			dst = append(dst, t.Raw...)
			dst = s.c.Close(dst)
		}
	case "thinking":
		b.kind = blockThinking
		b.detail = s.details
		s.details++
	case "redacted_thinking":
		b.kind = blockThinking
		b.detail = s.details
		s.details++
		if !s.o.ExcludeReasoning {
			dst = s.c.Open(dst)
			dst = append(dst, `"reasoning_details":[{"type":"reasoning.encrypted","data":`...)
			dst = append(dst, rawOr(cb.Get("data"), `""`)...)
			dst = s.appendDetailTail(dst, b.detail)
			dst = s.c.Close(dst)
		}
	case "tool_use":
		b.kind = blockTool
		b.tool = s.tools
		s.tools++
		dst = s.c.Open(dst)
		dst = append(dst, `"tool_calls":[{"index":`...)
		dst = strconv.AppendInt(dst, int64(b.tool), 10)
		dst = append(dst, `,"id":`...)
		dst = append(dst, rawOr(cb.Get("id"), `""`)...)
		dst = append(dst, `,"type":"function","function":{"name":`...)
		dst = append(dst, rawOr(cb.Get("name"), `""`)...)
		dst = append(dst, `,"arguments":""}}]`...)
		dst = s.c.Close(dst)
	}
	return dst, nil
}

func (s *stream) delta(dst []byte, data string) ([]byte, error) {
	b, _, err := s.block(data)
	if err != nil {
		return dst, err
	}
	d := gjson.Get(data, "delta")
	switch d.Get("type").Str {
	case "text_delta":
		t := d.Get("text")
		if t.Type != gjson.String || t.Str == "" {
			return dst, nil
		}
		dst = s.c.Open(dst)
		dst = append(dst, `"content":`...)
		dst = append(dst, t.Raw...)
		dst = s.c.Close(dst)
	case "input_json_delta":
		p := d.Get("partial_json")
		if p.Type != gjson.String || p.Raw == `""` || b.kind != blockTool {
			return dst, nil
		}
		b.args = true
		dst = s.c.Open(dst)
		dst = s.appendToolArgs(dst, b.tool, p.Raw)
		dst = s.c.Close(dst)
	case "thinking_delta":
		t := d.Get("thinking")
		if s.o.ExcludeReasoning || t.Type != gjson.String || t.Str == "" {
			return dst, nil
		}
		dst = s.c.Open(dst)
		dst = append(dst, `"reasoning":`...)
		dst = append(dst, t.Raw...)
		dst = append(dst, `,"reasoning_details":[{"type":"reasoning.text","text":`...)
		dst = append(dst, t.Raw...)
		dst = s.appendDetailTail(dst, b.detail)
		dst = s.c.Close(dst)
	case "signature_delta":
		sig := d.Get("signature")
		if s.o.ExcludeReasoning || sig.Type != gjson.String {
			return dst, nil
		}
		dst = s.c.Open(dst)
		dst = append(dst, `"reasoning_details":[{"type":"reasoning.text","text":"","signature":`...)
		dst = append(dst, sig.Raw...)
		dst = s.appendDetailTail(dst, b.detail)
		dst = s.c.Close(dst)
	}
	return dst, nil
}

func (s *stream) appendToolArgs(dst []byte, tool int, raw string) []byte {
	dst = append(dst, `"tool_calls":[{"index":`...)
	dst = strconv.AppendInt(dst, int64(tool), 10)
	dst = append(dst, `,"function":{"arguments":`...)
	dst = append(dst, raw...)
	return append(dst, "}}]"...)
}

// appendDetailTail closes a reasoning_details item: format, index, and the array.
func (s *stream) appendDetailTail(dst []byte, i int) []byte {
	dst = append(dst, `,"format":`...)
	dst = api.AppendString(dst, s.o.Spec.Family)
	dst = append(dst, `,"index":`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, "}]"...)
}
