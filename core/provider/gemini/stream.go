package gemini

import (
	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

// stream translates streamGenerateContent?alt=sse chunks into OpenAI chunks
// (shared/spec/providers.md §4.5). Each chunk is a whole response holding only new parts:
// text and thought text are copied as the raw JSON strings Gemini sent; a functionCall
// arrives whole and becomes one tool_calls delta with its complete arguments. There is no
// terminal event: the chunk with finishReason ends the stream, and usage comes from the
// last usageMetadata (intermediate copies are partial, so they are overwritten, never
// summed).
type stream struct {
	o      *provider.Options
	c      provider.Chunker
	parts  partSummary // reused per chunk
	calls  int         // tool calls so far: the tool_calls index
	sigs   int         // reasoning_details index
	counts provider.Counts
	state  provider.StreamState
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

func (s *stream) Event(dst []byte, ev provider.Event) ([]byte, error) {
	r, ok := scanResponse(ev.Data)
	if !ok {
		return dst, invalid("provider sent an invalid stream chunk")
	}
	if r.err != nil {
		return dst, errorFailure(gjson.Parse(api.View(r.err)))
	}
	if r.usage != nil {
		s.counts.Merge(&s.o.Spec.Usage, gjson.Parse(api.View(r.usage)))
	}
	cand := firstCandidate(r.candidates)
	if !cand.exists {
		if br := gjson.Get(api.View(r.feedback), "blockReason"); br.Str != "" && !s.state.Finished {
			dst = s.c.Finish(dst, "content_filter", br.Str)
			s.state.Finished, s.state.Done = true, true
		}
		return dst, nil
	}
	var err error
	provider.EachElement(cand.parts, func(part []byte) bool {
		dst, err = s.part(dst, part)
		return err == nil
	})
	if err != nil {
		return dst, err
	}
	if fr := api.StringValue(cand.finish); fr != "" && !s.state.Finished {
		reason := s.o.Spec.FinishReason(fr)
		switch {
		case reason == "stop" && s.calls > 0:
			reason = "tool_calls"
		case reason == "error" && !s.c.Started():
			return dst, &provider.Failure{Status: 502, Code: "malformed_function_call", Message: "provider returned an unusable tool call (" + fr + ")", Next: true, Decided: true}
		}
		dst = s.c.Finish(dst, reason, fr)
		s.state.Finished = true
	}
	return dst, nil
}

// part writes the deltas of one part: text, thought text, a whole function call, and the
// thought signature riding on it.
func (s *stream) part(dst []byte, part []byte) ([]byte, error) {
	p := &s.parts
	p.texts, p.thoughts, p.calls, p.sigs = p.texts[:0], p.thoughts[:0], p.calls[:0], p.sigs[:0]
	p.n = s.calls
	p.add(part, s.o.Stamp.ID)
	for _, t := range p.texts {
		dst = s.c.Open(dst)
		dst = append(dst, `"content":`...)
		dst = append(dst, t...)
		dst = s.c.Close(dst)
	}
	if !s.o.ExcludeReasoning {
		for _, t := range p.thoughts {
			dst = s.c.Open(dst)
			dst = append(dst, `"reasoning":`...)
			dst = append(dst, t...)
			dst = append(dst, `,"reasoning_details":[{"type":"reasoning.text","text":`...)
			dst = append(dst, t...)
			dst = appendDetailTail(dst, s.o.Spec.Family, s.sigs)
			s.sigs++
			dst = append(dst, ']')
			dst = s.c.Close(dst)
		}
	}
	for _, c := range p.calls {
		dst = s.c.Open(dst)
		dst = append(dst, `"tool_calls":[`...)
		dst = appendToolCall(dst, c, s.calls)
		s.calls++
		dst = append(dst, ']')
		dst = s.c.Close(dst)
	}
	if !s.o.ExcludeReasoning {
		for _, sg := range p.sigs {
			dst = s.c.Open(dst)
			dst = append(dst, `"reasoning_details":[`...)
			dst = appendSignature(dst, sg, s.o.Spec.Family, s.sigs)
			s.sigs++
			dst = append(dst, ']')
			dst = s.c.Close(dst)
		}
	}
	return dst, nil
}
