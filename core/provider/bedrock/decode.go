package bedrock

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

// decodeConverse translates a Converse response into one OpenAI choice (§5.3): text
// blocks into content, reasoningContent into reasoning and reasoning_details (signature
// and redacted content kept), toolUse into tool_calls, stopReason into finish_reason.
func decodeConverse(dst, raw []byte, o *provider.Options) ([]byte, provider.Usage, error) {
	var output, stop, usage []byte
	ok := api.ScanObject(raw, func(m api.Member) bool {
		v := raw[m.ValueStart:m.End]
		switch m.Key {
		case "output":
			output = v
		case "stopReason":
			stop = v
		case "usage":
			usage = v
		}
		return true
	})
	if !ok || output == nil {
		return dst, provider.Usage{}, invalid("provider returned an invalid response")
	}
	var texts, reasoning, tools []gjson.Result
	gjson.Get(api.View(output), "message.content").ForEach(func(_, blk gjson.Result) bool {
		switch {
		case blk.Get("text").Type == gjson.String:
			texts = append(texts, blk.Get("text"))
		case blk.Get("reasoningContent").IsObject():
			reasoning = append(reasoning, blk.Get("reasoningContent"))
		case blk.Get("toolUse").IsObject():
			tools = append(tools, blk.Get("toolUse"))
		}
		return true
	})
	native := api.StringValue(stop)
	dst = o.Stamp.AppendCompletionHead(dst, o.Created)
	dst = append(dst, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	dst = appendJoined(dst, texts, "null", "")
	dst = append(dst, `,"refusal":null`...)
	if !o.ExcludeReasoning && len(reasoning) > 0 {
		dst = append(dst, `,"reasoning":`...)
		dst = appendJoined(dst, reasoning, `""`, "reasoningText.text")
		dst = append(dst, `,"reasoning_details":[`...)
		for i, r := range reasoning {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendDetail(dst, r, i, o.Spec.Family)
		}
		dst = append(dst, ']')
	}
	if len(tools) > 0 {
		dst = append(dst, `,"tool_calls":[`...)
		for i, t := range tools {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"id":`...)
			dst = append(dst, rawOr(t.Get("toolUseId"), `""`)...)
			dst = append(dst, `,"type":"function","function":{"name":`...)
			dst = append(dst, rawOr(t.Get("name"), `""`)...)
			dst = append(dst, `,"arguments":`...)
			if in := t.Get("input"); in.IsObject() {
				dst = api.AppendString(dst, in.Raw)
			} else {
				dst = append(dst, `"{}"`...)
			}
			dst = append(dst, "}}"...)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"logprobs":null,`...)
	dst = provider.AppendFinish(dst, o.Spec.FinishReason(native), native)
	var counts provider.Counts
	counts.Merge(&o.Spec.Usage, gjson.Parse(api.View(usage)))
	u := counts.Usage()
	dst = append(dst, `}],"usage":`...)
	dst = provider.AppendUsage(dst, u)
	return append(dst, '}'), u, nil
}

// appendJoined writes the strings at path (the values themselves when path is "") as one
// JSON string: a single raw string as is, several joined, none as def.
func appendJoined(dst []byte, vs []gjson.Result, def, path string) []byte {
	get := func(v gjson.Result) gjson.Result {
		if path == "" {
			return v
		}
		return v.Get(path)
	}
	var parts []gjson.Result
	for _, v := range vs {
		if s := get(v); s.Type == gjson.String {
			parts = append(parts, s)
		}
	}
	switch len(parts) {
	case 0:
		return append(dst, def...)
	case 1:
		return append(dst, parts[0].Raw...)
	}
	var sb strings.Builder
	for _, p := range parts {
		sb.WriteString(p.Str)
	}
	return api.AppendString(dst, sb.String())
}

func appendDetail(dst []byte, r gjson.Result, i int, family string) []byte {
	if red := r.Get("redactedContent"); red.Exists() {
		dst = append(dst, `{"type":"reasoning.encrypted","data":`...)
		dst = append(dst, rawOr(red, `""`)...)
	} else {
		dst = append(dst, `{"type":"reasoning.text","text":`...)
		dst = append(dst, rawOr(r.Get("reasoningText.text"), `""`)...)
		dst = append(dst, `,"signature":`...)
		dst = append(dst, rawOr(r.Get("reasoningText.signature"), "null")...)
	}
	dst = append(dst, `,"format":`...)
	dst = api.AppendString(dst, family)
	dst = append(dst, `,"index":`...)
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, '}')
}

func invalid(msg string) *provider.Failure {
	return &provider.Failure{Status: http.StatusBadGateway, Code: "invalid_response", Message: msg}
}

// exceptionStatus is the HTTP status of a Bedrock exception (§5.4, §5.5), for those that
// arrive inside a 200 stream.
func exceptionStatus(name string) int {
	switch strings.ToLower(strings.TrimSuffix(name, "Exception")) {
	case "validation":
		return 400
	case "accessdenied":
		return 403
	case "resourcenotfound":
		return 404
	case "modeltimeout":
		return 408
	case "conflict":
		return 409
	case "modelerror", "modelstreamerror":
		return 424
	case "throttling", "modelnotready":
		return 429
	case "serviceunavailable":
		return 503
	}
	return 500
}

// classify reads a non-2xx answer: the exception name from x-amzn-ErrorType
// ("ThrottlingException:http://internal.amazon.com/coral/…"), the text from {"message"}.
// ServiceQuotaExceededException comes as a 400 but is a quota, not the request (§5.5).
func classify(status int, h http.Header, body []byte) provider.Failure {
	name, _, _ := strings.Cut(h.Get("X-Amzn-Errortype"), ":")
	f := provider.Failure{Status: status, Code: name}
	if gjson.ValidBytes(body) {
		f.Message = gjson.GetBytes(body, "message").Str
		if f.Message == "" {
			f.Message = gjson.GetBytes(body, "Message").Str
		}
	}
	if name == "ServiceQuotaExceededException" {
		f.Next, f.Decided = true, true
	}
	return f
}
