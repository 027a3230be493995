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
	cand := firstCandidate(r.candidates)
	var parts partSummary
	parts.read(cand.parts, o.Stamp.ID)
	native := api.StringValue(cand.finish)
	reason := o.Spec.FinishReason(native)
	switch {
	case !cand.exists:
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
		if len(cand.safety) > 0 && cand.safety[0] == '[' {
			dst = append(dst, `,"safety_ratings":`...)
			dst = append(dst, cand.safety...)
		}
	}
	dst = append(dst, '}', ']')
	if r.feedback != nil && !cand.exists {
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

// candidate is the first candidate's members, as raw spans.
type candidate struct {
	exists                bool
	parts, finish, safety []byte
}

// firstCandidate reads candidates[0] with the scanner: content.parts, finishReason and
// safetyRatings.
func firstCandidate(candidates []byte) candidate {
	var c candidate
	provider.EachElement(candidates, func(raw []byte) bool {
		c.exists = true
		api.ScanObject(raw, func(m api.Member) bool {
			v := raw[m.ValueStart:m.End]
			switch m.Key {
			case "content":
				api.ScanObject(v, func(cm api.Member) bool {
					if cm.Key == "parts" {
						c.parts = v[cm.ValueStart:cm.End]
					}
					return true
				})
			case "finishReason":
				c.finish = v
			case "safetyRatings":
				c.safety = v
			}
			return true
		})
		return false
	})
	return c
}

// functionCall is one functionCall part with its client-facing id.
type functionCall struct {
	id   string // raw JSON string
	name string // raw JSON string
	args []byte // raw JSON object, nil when absent
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

func (p *partSummary) read(parts []byte, genID string) {
	provider.EachElement(parts, func(part []byte) bool {
		p.add(part, genID)
		return true
	})
}

// nonEmptyString reports whether raw is a JSON string with content.
func nonEmptyString(raw []byte) bool { return len(raw) > 2 && raw[0] == '"' }

func (p *partSummary) add(part []byte, genID string) {
	var text, sig, fc []byte
	thought := false
	api.ScanObject(part, func(m api.Member) bool {
		v := part[m.ValueStart:m.End]
		switch m.Key {
		case "text":
			text = v
		case "thought":
			thought = string(v) == "true"
		case "thoughtSignature":
			sig = v
		case "functionCall":
			fc = v
		}
		return true
	})
	callID := ""
	if len(fc) > 0 && fc[0] == '{' {
		c := functionCall{name: `""`}
		api.ScanObject(fc, func(m api.Member) bool {
			v := fc[m.ValueStart:m.End]
			switch m.Key {
			case "name":
				c.name = api.View(v)
			case "args":
				if v[0] == '{' {
					c.args = v
				}
			case "id":
				if nonEmptyString(v) {
					c.id = api.View(v)
				}
			}
			return true
		})
		if c.id == "" {
			c.id = mintID(genID, p.n)
		}
		p.n++
		callID = c.id
		p.calls = append(p.calls, c)
	}
	if nonEmptyString(text) {
		if thought {
			p.thoughts = append(p.thoughts, api.View(text))
		} else {
			p.texts = append(p.texts, api.View(text))
		}
	}
	if nonEmptyString(sig) {
		p.sigs = append(p.sigs, signature{data: api.View(sig), callID: callID})
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
	if c.args != nil {
		dst = api.AppendString(dst, api.View(c.args))
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
		sb.WriteString(api.StringValue([]byte(r)))
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
func classify(status int, _ http.Header, body []byte) provider.Failure {
	if !gjson.ValidBytes(body) {
		return provider.Failure{Status: status}
	}
	e := gjson.GetBytes(body, "error")
	f := provider.Failure{Status: status, Code: e.Get("status").Str, Message: e.Get("message").Str}
	decide(&f, e)
	return f
}
