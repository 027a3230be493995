package bedrock

import (
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

const maxBlocks = 4096

type block struct {
	tool   int  // tool_calls index, -1 when not a tool block
	detail int  // reasoning_details index, -1 until the block reasons
	args   bool // argument text was sent
}

// stream translates ConverseStream events (§5.4) into OpenAI chunks. Events come from the
// event-stream framer as Event{Name: ":event-type", Data: JSON payload}; exceptions as
// Name "exception:<type>". Usage arrives in metadata, after messageStop: the finish
// chunk goes out at messageStop and the stream is done at metadata.
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
	return &stream{o: o, c: provider.NewChunker(o.Stamp, o.Created)}
}

func (s *stream) State() provider.StreamState { return s.state }

func (s *stream) Usage() []byte {
	if !s.counts.Seen() {
		return nil
	}
	return provider.AppendUsage(nil, s.counts.Usage())
}

func anyMember(api.Member) bool { return true }

func (s *stream) Event(dst []byte, ev provider.Event) ([]byte, error) {
	valid := api.ScanObject(ev.Data, anyMember)
	data := api.View(ev.Data)
	if typ, ok := strings.CutPrefix(ev.Name, "exception:"); ok {
		msg := typ
		if m := gjson.Get(data, "message"); valid && m.Str != "" {
			msg = m.Str
		}
		return dst, &provider.Failure{Status: exceptionStatus(typ), Code: typ, Message: msg}
	}
	if !valid {
		return dst, invalid("provider sent an invalid stream event")
	}
	switch ev.Name {
	case "contentBlockDelta":
		return s.delta(dst, data)
	case "contentBlockStart":
		b, err := s.block(data)
		if err != nil {
			return dst, err
		}
		if tu := gjson.Get(data, "start.toolUse"); tu.IsObject() {
			b.tool = s.tools
			s.tools++
			dst = s.c.Open(dst)
			dst = append(dst, `"tool_calls":[{"index":`...)
			dst = strconv.AppendInt(dst, int64(b.tool), 10)
			dst = append(dst, `,"id":`...)
			dst = append(dst, rawOr(tu.Get("toolUseId"), `""`)...)
			dst = append(dst, `,"type":"function","function":{"name":`...)
			dst = append(dst, rawOr(tu.Get("name"), `""`)...)
			dst = append(dst, `,"arguments":""}}]`...)
			dst = s.c.Close(dst)
		}
	case "contentBlockStop":
		i := int(gjson.Get(data, "contentBlockIndex").Int())
		if i >= 0 && i < len(s.blocks) && s.blocks[i].tool >= 0 && !s.blocks[i].args {
			dst = s.c.Open(dst)
			dst = appendArgs(dst, s.blocks[i].tool, `"{}"`)
			dst = s.c.Close(dst)
			s.blocks[i].args = true
		}
	case "messageStop":
		if r := gjson.Get(data, "stopReason"); r.Type == gjson.String && !s.state.Finished {
			reason := s.o.Spec.FinishReason(r.Str)
			dst = s.c.Finish(dst, reason, r.Str)
			s.state.Finished = true
		}
	case "metadata":
		s.counts.Merge(&s.o.Spec.Usage, gjson.Get(data, "usage"))
		s.state.Done = true
	}
	return dst, nil
}

func (s *stream) block(data string) (*block, error) {
	i := int(gjson.Get(data, "contentBlockIndex").Int())
	if i < 0 || i >= maxBlocks {
		return nil, invalid("provider sent a content block index out of range")
	}
	for len(s.blocks) <= i {
		s.blocks = append(s.blocks, block{tool: -1, detail: -1})
	}
	return &s.blocks[i], nil
}

func (s *stream) delta(dst []byte, data string) ([]byte, error) {
	b, err := s.block(data)
	if err != nil {
		return dst, err
	}
	d := gjson.Get(data, "delta")
	if t := d.Get("text"); t.Type == gjson.String {
		if t.Str != "" {
			dst = s.c.Open(dst)
			dst = append(dst, `"content":`...)
			dst = append(dst, t.Raw...)
			dst = s.c.Close(dst)
		}
		return dst, nil
	}
	if in := d.Get("toolUse.input"); in.Type == gjson.String {
		if in.Str != "" && b.tool >= 0 {
			b.args = true
			dst = s.c.Open(dst)
			dst = appendArgs(dst, b.tool, in.Raw)
			dst = s.c.Close(dst)
		}
		return dst, nil
	}
	rc := d.Get("reasoningContent")
	if !rc.IsObject() || s.o.ExcludeReasoning {
		return dst, nil
	}
	if b.detail < 0 {
		b.detail = s.details
		s.details++
	}
	switch {
	case rc.Get("text").Type == gjson.String:
		t := rc.Get("text")
		dst = s.c.Open(dst)
		dst = append(dst, `"reasoning":`...)
		dst = append(dst, t.Raw...)
		dst = append(dst, `,"reasoning_details":[{"type":"reasoning.text","text":`...)
		dst = append(dst, t.Raw...)
	case rc.Get("signature").Type == gjson.String:
		dst = s.c.Open(dst)
		dst = append(dst, `"reasoning_details":[{"type":"reasoning.text","text":"","signature":`...)
		dst = append(dst, rc.Get("signature").Raw...)
	case rc.Get("redactedContent").Type == gjson.String:
		dst = s.c.Open(dst)
		dst = append(dst, `"reasoning_details":[{"type":"reasoning.encrypted","data":`...)
		dst = append(dst, rc.Get("redactedContent").Raw...)
	default:
		return dst, nil
	}
	dst = append(dst, `,"format":`...)
	dst = api.AppendString(dst, s.o.Spec.Family)
	dst = append(dst, `,"index":`...)
	dst = strconv.AppendInt(dst, int64(b.detail), 10)
	dst = append(dst, "}]"...)
	return s.c.Close(dst), nil
}

func appendArgs(dst []byte, tool int, raw string) []byte {
	dst = append(dst, `"tool_calls":[{"index":`...)
	dst = strconv.AppendInt(dst, int64(tool), 10)
	dst = append(dst, `,"function":{"arguments":`...)
	dst = append(dst, raw...)
	return append(dst, "}}]"...)
}
