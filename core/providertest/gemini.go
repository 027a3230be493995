package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchyard-router/switchyard/core/api"
)

// The fake Gemini API (shared/spec/providers.md §4): POST
// {prefix}/v1beta/models/{model}:generateContent and
// {prefix}/v1beta/models/{model}:streamGenerateContent?alt=sse. Like the real API it
// refuses unknown request fields, a request without x-goog-api-key, roles other than
// user and model, and a function-response turn whose part count differs from the
// function-call turn before it. Streams use CRLF line endings, as Gemini has been seen
// to. A functionCall part carries a thoughtSignature; thought parts come when the
// request sets thinkingConfig.includeThoughts.

type geminiPart struct {
	Text             *string         `json:"text"`
	Thought          bool            `json:"thought"`
	ThoughtSignature string          `json:"thoughtSignature"`
	InlineData       json.RawMessage `json:"inlineData"`
	FileData         json.RawMessage `json:"fileData"`
	FunctionCall     *struct {
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
	} `json:"functionCall"`
	FunctionResponse *struct {
		Name     string          `json:"name"`
		Response json.RawMessage `json:"response"`
	} `json:"functionResponse"`
}

type geminiRequest struct {
	Contents []struct {
		Role  string       `json:"role"`
		Parts []geminiPart `json:"parts"`
	} `json:"contents"`
	SystemInstruction *struct {
		Parts []geminiPart `json:"parts"`
	} `json:"systemInstruction"`
	Tools []struct {
		FunctionDeclarations []struct {
			Name string `json:"name"`
		} `json:"functionDeclarations"`
	} `json:"tools"`
	GenerationConfig map[string]json.RawMessage `json:"generationConfig"`
}

var (
	geminiTopLevel = []string{"cachedContent", "contents", "generationConfig", "safetySettings", "systemInstruction", "toolConfig", "tools"}
	geminiGenCfg   = []string{"candidateCount", "frequencyPenalty", "logprobs", "maxOutputTokens", "presencePenalty", "responseJsonSchema", "responseLogprobs", "responseMimeType", "responseModalities", "responseSchema", "seed", "stopSequences", "temperature", "thinkingConfig", "topK", "topP"}
)

func (h *Handler) serveGemini(w http.ResponseWriter, r *http.Request, b Behavior, rest string) {
	model, method, _ := strings.Cut(rest, ":")
	stream := method == "streamGenerateContent"
	if model == "" || (method != "generateContent" && !stream) {
		writeGeminiError(w, http.StatusNotFound, "NOT_FOUND", "unknown method "+rest)
		return
	}
	body, b, ok := h.intake(w, r, b, func(w http.ResponseWriter, status int, msg string) {
		writeGeminiError(w, status, "INVALID_ARGUMENT", msg)
	})
	if !ok {
		return
	}
	switch {
	case r.Header.Get("x-goog-api-key") == "" && r.URL.Query().Get("key") == "":
		writeGeminiError(w, http.StatusForbidden, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
		return
	case stream && r.URL.Query().Get("alt") != "sse":
		writeGeminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "the fake serves streamGenerateContent only with alt=sse")
		return
	}
	var req geminiRequest
	if msg := checkGemini(body, &req); msg != "" {
		writeGeminiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg)
		return
	}
	n := h.seq.Add(1)
	if !h.preludeAs(w, r, b, writeGeminiStatus) {
		return
	}
	tool := ""
	if len(req.Tools) > 0 && len(req.Tools[0].FunctionDeclarations) > 0 {
		tool = req.Tools[0].FunctionDeclarations[0].Name
	}
	thinking := false
	if tc, ok := req.GenerationConfig["thinkingConfig"]; ok {
		var cfg struct {
			IncludeThoughts bool `json:"includeThoughts"`
		}
		_ = json.Unmarshal(tc, &cfg)
		thinking = cfg.IncludeThoughts
	}
	rp := newNativeReply(b, model, n, len(body), tool, thinking)
	if stream {
		h.geminiStream(w, r, rp, model)
		return
	}
	if !h.sleep(r.Context(), rp.b.Delay*time.Duration(len(rp.pieces))) {
		abort(w)
		return
	}
	if b.breaks() {
		if b.StreamError {
			writeGeminiError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "The model is overloaded. Please try again later. (scripted)")
			return
		}
		abort(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(rp.geminiResponse(model, rp.geminiParts(nil, rp.thinking, rp.pieces), true, rp.completion()))
}

// checkGemini decodes and checks a request; it returns the 400 message or "".
func checkGemini(body []byte, req *geminiRequest) string {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return "Invalid JSON payload received. " + err.Error()
	}
	if msg := unknownName(top, geminiTopLevel, ""); msg != "" {
		return msg
	}
	if err := json.Unmarshal(body, req); err != nil {
		return "Invalid JSON payload received. " + err.Error()
	}
	if msg := unknownName(req.GenerationConfig, geminiGenCfg, "generation_config."); msg != "" {
		return msg
	}
	if t, ok := req.GenerationConfig["temperature"]; ok {
		if v, err := strconv.ParseFloat(string(t), 64); err != nil || v < 0 || v > 2 {
			return "generation_config.temperature: must be between 0 and 2"
		}
	}
	if len(req.Contents) == 0 {
		return "* GenerateContentRequest.contents: contents is not specified"
	}
	calls := 0 // function calls in the previous model turn
	for i, c := range req.Contents {
		if c.Role != "user" && c.Role != "model" {
			return fmt.Sprintf("Please use a valid role: user, model. (contents[%d].role %q)", i, c.Role)
		}
		if len(c.Parts) == 0 {
			return fmt.Sprintf("* GenerateContentRequest.contents[%d].parts: contents.parts must not be empty.", i)
		}
		responses, thisCalls := 0, 0
		for j, p := range c.Parts {
			kinds := 0
			for _, set := range []bool{p.Text != nil, p.InlineData != nil, p.FileData != nil, p.FunctionCall != nil, p.FunctionResponse != nil} {
				if set {
					kinds++
				}
			}
			if kinds != 1 {
				return fmt.Sprintf("* GenerateContentRequest.contents[%d].parts[%d].data: required oneof field 'data' must have one initialized field", i, j)
			}
			if p.FunctionCall != nil {
				if c.Role != "model" {
					return fmt.Sprintf("contents[%d].parts[%d]: functionCall is only allowed in model turns", i, j)
				}
				if !isObject(p.FunctionCall.Args) && len(p.FunctionCall.Args) > 0 {
					return fmt.Sprintf("contents[%d].parts[%d].function_call.args: must be an object", i, j)
				}
				thisCalls++
			}
			if p.FunctionResponse != nil {
				if !isObject(p.FunctionResponse.Response) {
					return fmt.Sprintf("contents[%d].parts[%d].function_response.response: must be an object", i, j)
				}
				if p.FunctionResponse.Name == "" {
					return fmt.Sprintf("* GenerateContentRequest.contents[%d].parts[%d].function_response.name: Name cannot be empty.", i, j)
				}
				responses++
			}
		}
		if responses > 0 && responses != calls {
			return "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn."
		}
		calls = thisCalls
	}
	return ""
}

func isObject(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return len(s) > 0 && s[0] == '{'
}

func unknownName(m map[string]json.RawMessage, known []string, prefix string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		i := sort.SearchStrings(known, k)
		if i == len(known) || known[i] != k {
			return fmt.Sprintf("Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", k, strings.TrimSuffix(prefix, "."))
		}
	}
	return ""
}

// geminiParts writes the parts of one candidate content: thoughts, then text pieces or
// the function call (with its signature).
func (rp *nativeReply) geminiParts(dst []byte, thinking, pieces []string) []byte {
	n := 0
	sep := func() {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
	}
	if len(thinking) > 0 {
		sep()
		dst = append(dst, `{"text":`...)
		dst = api.AppendString(dst, strings.Join(thinking, ""))
		dst = append(dst, `,"thought":true}`...)
	}
	if rp.tool != "" && len(pieces) > 0 {
		sep()
		dst = append(dst, `{"functionCall":{"name":`...)
		dst = api.AppendString(dst, rp.tool)
		dst = append(dst, `,"args":`...)
		dst = append(dst, rp.args...)
		dst = append(dst, `},"thoughtSignature":`...)
		dst = api.AppendString(dst, rp.signature())
		return append(dst, '}')
	}
	if len(pieces) > 0 {
		sep()
		dst = append(dst, `{"text":`...)
		dst = api.AppendString(dst, strings.Join(pieces, ""))
		dst = append(dst, '}')
	}
	return dst
}

// geminiResponse writes one GenerateContentResponse around parts; final adds the
// finishReason and the complete usageMetadata (intermediate chunks carry a partial copy).
func (rp *nativeReply) geminiResponse(model string, parts []byte, final bool, output int) []byte {
	dst := []byte(`{`)
	if rp.b.Refuse {
		dst = append(dst, `"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_DANGEROUS_CONTENT","probability":"HIGH","blocked":true}]},`...)
	} else {
		dst = append(dst, `"candidates":[{"content":{"role":"model","parts":[`...)
		dst = append(dst, parts...)
		dst = append(dst, `]},`...)
		if final {
			dst = append(dst, `"finishReason":"STOP",`...)
		}
		dst = append(dst, `"index":0,"safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"NEGLIGIBLE"}]}],`...)
	}
	dst = append(dst, `"usageMetadata":{"promptTokenCount":`...)
	dst = strconv.AppendInt(dst, int64(rp.prompt), 10)
	if final {
		cands := output - len(rp.thinking)
		dst = append(dst, `,"candidatesTokenCount":`...)
		dst = strconv.AppendInt(dst, int64(cands), 10)
		if len(rp.thinking) > 0 {
			dst = append(dst, `,"thoughtsTokenCount":`...)
			dst = strconv.AppendInt(dst, int64(len(rp.thinking)), 10)
		}
		if rp.b.CachedTokens > 0 {
			dst = append(dst, `,"cachedContentTokenCount":`...)
			dst = strconv.AppendInt(dst, int64(rp.b.CachedTokens), 10)
		}
		dst = append(dst, `,"totalTokenCount":`...)
		dst = strconv.AppendInt(dst, int64(rp.prompt+output), 10)
	} else {
		dst = append(dst, `,"totalTokenCount":`...)
		dst = strconv.AppendInt(dst, int64(rp.prompt), 10)
	}
	dst = append(dst, `},"modelVersion":`...)
	dst = api.AppendString(dst, model)
	dst = append(dst, `,"responseId":"resp-fake-`...)
	dst = strconv.AppendInt(dst, rp.n, 10)
	return append(dst, `"}`...)
}

// geminiStream writes §4.5's chunks: thoughts first, then one chunk per text piece, the
// last with finishReason and full usage; a function call comes whole in one chunk.
func (h *Handler) geminiStream(w http.ResponseWriter, r *http.Request, rp *nativeReply, model string) {
	b := rp.b
	s := startSSE(w, "\r\n")
	stop := func() {
		if !b.StreamError {
			abort(w)
			return
		}
		s.event("", []byte(`{"error":{"code":503,"message":"The model is overloaded. Please try again later. (scripted)","status":"UNAVAILABLE"}}`))
	}
	if b.breaks() && b.CutAfter <= 0 {
		stop()
		return
	}
	if b.Refuse {
		s.event("", rp.geminiResponse(model, nil, true, 0))
		return
	}
	if len(rp.thinking) > 0 {
		if !s.event("", rp.geminiResponse(model, rp.geminiParts(nil, rp.thinking, nil), false, 0)) {
			return
		}
	}
	pieces := rp.pieces
	if rp.tool != "" {
		pieces = []string{rp.args} // whole: the Gemini API does not stream arguments
	}
	for i := range pieces {
		if !h.sleep(r.Context(), b.Delay) {
			abort(w)
			return
		}
		last := i == len(pieces)-1 && !b.breaks()
		var parts []byte
		if rp.tool != "" {
			parts = rp.geminiParts(nil, nil, rp.pieces)
		} else {
			parts = rp.geminiParts(nil, nil, pieces[i:i+1])
		}
		if !s.event("", rp.geminiResponse(model, parts, last, rp.completion())) {
			return
		}
		if b.breaks() && i+1 == b.CutAfter {
			stop()
			return
		}
	}
	if b.breaks() {
		stop()
	}
}

// writeGeminiStatus answers a scripted failure with Google's error for that status
// (§4.6); a 429 carries RetryInfo.
func writeGeminiStatus(w http.ResponseWriter, status int) {
	st, msg := "INVALID_ARGUMENT", "providertest: scripted failure"
	switch status {
	case 401:
		st = "UNAUTHENTICATED"
	case 403:
		st = "PERMISSION_DENIED"
	case 404:
		st, msg = "NOT_FOUND", "models/x is not found for API version v1beta (scripted)"
	case 429:
		st, msg = "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota). (scripted)"
	case 500:
		st = "INTERNAL"
	case 503:
		st, msg = "UNAVAILABLE", "The model is overloaded. Please try again later. (scripted)"
	case 504:
		st = "DEADLINE_EXCEEDED"
	default:
		if status >= 500 {
			st = "INTERNAL"
		}
	}
	writeGeminiError(w, status, st, msg)
}

func writeGeminiError(w http.ResponseWriter, status int, st, msg string) {
	dst := append([]byte(`{"error":{"code":`), strconv.Itoa(status)...)
	dst = append(dst, `,"message":`...)
	dst = api.AppendString(dst, msg)
	dst = append(dst, `,"status":`...)
	dst = api.AppendString(dst, st)
	if status == http.StatusTooManyRequests {
		dst = append(dst, `,"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1s"}]`...)
	}
	dst = append(dst, "}}"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(dst)
}
