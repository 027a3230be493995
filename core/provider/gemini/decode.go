package gemini

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

// response is the part of a GenerateContentResponse the router reads, as raw spans.
type response struct {
	candidates []byte
	feedback   []byte
	usage      []byte
	err        []byte
}

func scanResponse(raw []byte) (response, bool) {
	var r response
	ok := api.ScanObject(raw, func(m api.Member) bool {
		v := raw[m.ValueStart:m.End]
		switch m.Key {
		case "candidates":
			r.candidates = v
		case "promptFeedback":
			r.feedback = v
		case "usageMetadata":
			r.usage = v
		case "error":
			r.err = v
		}
		return true
	})
	return r, ok
}

// decodeResponse translates a generateContent response into one OpenAI choice
// (shared/spec/providers.md §4.4): text parts into content, thought parts into reasoning,
// functionCall parts into tool_calls (ids minted when Gemini gives none), thought
// signatures into reasoning_details (each tied to its tool call's id, so the client can
// send them back), finishReason with the STOP → tool_calls rule, safety blocks into
// content_filter with Gemini's ratings beside them, and usageMetadata.
func decodeResponse(dst, raw []byte, o *provider.Options) ([]byte, provider.Usage, error) {
	r, ok := scanResponse(raw)
	if !ok {
		return dst, provider.Usage{}, invalid("provider returned an invalid response")
	}
	if r.err != nil {
		return dst, provider.Usage{}, errorFailure(gjson.Parse(api.View(r.err)))
	}
	cand := gjson.Get(api.View(r.candidates), "0")
	var parts partSummary
	parts.read(cand.Get("content.parts"), o.Stamp.ID)
	native := cand.Get("finishReason").Str
	reason := o.Spec.FinishReason(native)
	switch {
	case !cand.Exists():
		// The prompt was blocked: no candidates, promptFeedback.blockReason (HTTP 200).
		native = gjson.Get(api.View(r.feedback), "blockReason").Str
		if native == "" {
			return dst, provider.Usage{}, invalid("provider response has no candidates")
		}
		reason = "content_filter"
	case reason == "stop" && len(parts.calls) > 0:
		reason = "tool_calls"
	case reason == "error" && len(parts.texts) == 0 && len(parts.calls) == 0:
		// MALFORMED_FUNCTION_CALL and kin with nothing usable: another try may do better.
		return dst, provider.Usage{}, &provider.Failure{Status: http.StatusBadGateway, Code: strings.ToLower(native), Message: "provider returned an unusable tool call (" + native + ")", Next: true, Decided: true}
	}

	dst = o.Stamp.AppendCompletionHead(dst, o.Created)
	dst = append(dst, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	dst = appendJoined(dst, parts.texts, "null")
	dst = append(dst, `,"refusal":null`...)
	if !o.ExcludeReasoning && (len(parts.thoughts) > 0 || len(parts.sigs) > 0) {
		if len(parts.thoughts) > 0 {
			dst = append(dst, `,"reasoning":`...)
			dst = appendJoined(dst, parts.thoughts, `""`)
		}
		dst = append(dst, `,"reasoning_details":[`...)
		dst = parts.appendDetails(dst, o.Spec.Family)
		dst = append(dst, ']')
	}
	if len(parts.calls) > 0 {
		dst = append(dst, `,"tool_calls":[`...)
		for i, c := range parts.calls {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendToolCall(dst, c, -1)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"logprobs":null,`...)
	dst = provider.AppendFinish(dst, reason, native)
	if reason == "content_filter" {
		// Gemini's own verdict, for clients that want to know what was blocked.
		if sr := cand.Get("safetyRatings"); sr.IsArray() {
			dst = append(dst, `,"safety_ratings":`...)
			dst = append(dst, sr.Raw...)
		}
	}
	dst = append(dst, '}', ']')
	if r.feedback != nil && !cand.Exists() {
		dst = append(dst, `,"prompt_feedback":`...)
		dst = append(dst, r.feedback...)
	}
	var counts provider.Counts
	counts.Merge(&o.Spec.Usage, gjson.Parse(api.View(r.usage)))
	u := counts.Usage()
	dst = append(dst, `,"usage":`...)
	dst = provider.AppendUsage(dst, u)
	return append(dst, '}'), u, nil
}

// functionCall is one functionCall part with its client-facing id.
type functionCall struct {
	id   string // raw JSON string
	name string // raw JSON string
	args gjson.Result
}

type signature struct {
	data   string // raw JSON string
	callID string // raw JSON string of the call it rides on, "" otherwise
}

// partSummary sorts a candidate's parts by what they become.
type partSummary struct {
	texts, thoughts []string // raw JSON strings
	calls           []functionCall
	sigs            []signature
	n               int // calls seen, for minted ids
}

func (p *partSummary) read(parts gjson.Result, genID string) {
	parts.ForEach(func(_, part gjson.Result) bool {
		p.add(part, genID)
		return true
	})
}

func (p *partSummary) add(part gjson.Result, genID string) {
	var text, sig, fc gjson.Result
	thought := false
	part.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "text":
			text = v
		case "thought":
			thought = v.Bool()
		case "thoughtSignature":
			sig = v
		case "functionCall":
			fc = v
		}
		return true
	})
	callID := ""
	if fc.IsObject() {
		c := functionCall{name: rawOr(fc.Get("name"), `""`), args: fc.Get("args")}
		if id := fc.Get("id"); id.Type == gjson.String && id.Str != "" {
			c.id = id.Raw
		} else {
			c.id = mintID(genID, p.n)
		}
		p.n++
		callID = c.id
		p.calls = append(p.calls, c)
	}
	if text.Type == gjson.String && text.Str != "" {
		if thought {
			p.thoughts = append(p.thoughts, text.Raw)
		} else {
			p.texts = append(p.texts, text.Raw)
		}
	}
	if sig.Type == gjson.String && sig.Str != "" {
		p.sigs = append(p.sigs, signature{data: sig.Raw, callID: callID})
	}
}

// mintID makes a tool call id for a call Gemini gave none: unique per generation and
// reproducible under a fixed Rand (the generation id is drawn from it).
func mintID(genID string, n int) string {
	tail := genID
	if i := strings.LastIndexByte(genID, '-'); i >= 0 {
		tail = genID[i+1:]
	}
	b := make([]byte, 0, len(tail)+12)
	b = append(b, `"call_`...)
	b = append(b, tail...)
	b = append(b, '_')
	b = strconv.AppendInt(b, int64(n), 10)
	return string(append(b, '"'))
}

// appendDetails writes reasoning_details: the thought summary as reasoning.text, then
// each thought signature as reasoning.encrypted, tied to its tool call by id.
func (p *partSummary) appendDetails(dst []byte, family string) []byte {
	i := 0
	if len(p.thoughts) > 0 {
		dst = append(dst, `{"type":"reasoning.text","text":`...)
		dst = appendJoined(dst, p.thoughts, `""`)
		dst = appendDetailTail(dst, family, i)
		i++
	}
	for _, s := range p.sigs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendSignature(dst, s, family, i)
		i++
	}
	return dst
}

func appendSignature(dst []byte, s signature, family string, i int) []byte {
	dst = append(dst, `{"type":"reasoning.encrypted","data":`...)
	dst = append(dst, s.data...)
	if s.callID != "" {
		dst = append(dst, `,"id":`...)
		dst = append(dst, s.callID...)
	}
	return appendDetailTail(dst, family, i)
}

func appendDetailTail(dst []byte, family string, i int) []byte {
	dst = append(dst, `,"format":`...)
	dst = api.AppendString(dst, family)
	dst = append(dst, `,"index":`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, '}')
}

// appendToolCall writes one tool call; index ≥ 0 adds the streaming index.
func appendToolCall(dst []byte, c functionCall, index int) []byte {
	dst = append(dst, '{')
	if index >= 0 {
		dst = append(dst, `"index":`...)
		dst = strconv.AppendInt(dst, int64(index), 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"id":`...)
	dst = append(dst, c.id...)
	dst = append(dst, `,"type":"function","function":{"name":`...)
	dst = append(dst, c.name...)
	dst = append(dst, `,"arguments":`...)
	if c.args.IsObject() {
		dst = api.AppendString(dst, c.args.Raw)
	} else {
		dst = append(dst, `"{}"`...)
	}
	return append(dst, "}}"...)
}

// appendJoined writes raw JSON strings as one string: the single one as is, several
// decoded and joined, none as def.
func appendJoined(dst []byte, raws []string, def string) []byte {
	switch len(raws) {
	case 0:
		return append(dst, def...)
	case 1:
		return append(dst, raws[0]...)
	}
	var sb strings.Builder
	for _, r := range raws {
		sb.WriteString(gjson.Parse(r).Str)
	}
	return api.AppendString(dst, sb.String())
}

func invalid(msg string) *provider.Failure {
	return &provider.Failure{Status: http.StatusBadGateway, Code: "invalid_response", Message: msg}
}

// errorFailure reads a Google error object {"code","message","status"} (§4.6).
func errorFailure(e gjson.Result) *provider.Failure {
	f := &provider.Failure{Status: int(e.Get("code").Int()), Code: e.Get("status").Str, Message: e.Get("message").Str}
	if f.Status < 400 || f.Status > 599 {
		f.Status = statusOf(f.Code)
	}
	if f.Code == "" {
		f.Code = "upstream_error"
	}
	if f.Message == "" {
		f.Message = "Provider returned an error"
	}
	decide(f, e)
	return f
}

// statusOf is the HTTP status of a google.rpc status name.
func statusOf(status string) int {
	switch status {
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE":
		return 400
	case "UNAUTHENTICATED":
		return 401
	case "PERMISSION_DENIED":
		return 403
	case "NOT_FOUND":
		return 404
	case "RESOURCE_EXHAUSTED":
		return 429
	case "UNAVAILABLE":
		return 503
	case "DEADLINE_EXCEEDED":
		return 504
	}
	return 500
}

// decide marks the 400s that are our account's problem, not the request's: billing or
// region (FAILED_PRECONDITION) and an invalid key (API_KEY_INVALID) (§4.6, §8).
func decide(f *provider.Failure, e gjson.Result) {
	if f.Status != http.StatusBadRequest {
		return
	}
	if f.Code == "FAILED_PRECONDITION" {
		f.Next, f.Decided = true, true
		return
	}
	e.Get("details").ForEach(func(_, d gjson.Result) bool {
		if d.Get("reason").Str == "API_KEY_INVALID" {
			f.Next, f.Decided = true, true
			return false
		}
		return true
	})
}

// classify reads a non-2xx Google error body.
func classify(status int, body []byte) provider.Failure {
	if !gjson.ValidBytes(body) {
		return provider.Failure{Status: status}
	}
	e := gjson.GetBytes(body, "error")
	f := provider.Failure{Status: status, Code: e.Get("status").Str, Message: e.Get("message").Str}
	decide(&f, e)
	return f
}
