// Package gemini is the adapter for Google's Gemini API (Generative Language v1beta,
// generateContent and streamGenerateContent?alt=sse): the Spec table, and the named
// functions for what a row cannot say (contents and parts in contents.go, the response
// body in decode.go, stream chunks in stream.go).
//
// See shared/spec/providers.md §4 and https://ai.google.dev/api/generate-content.
package gemini

import (
	"strings"

	"github.com/switchyard-router/switchyard/core/provider"
)

// Spec is the Gemini API as a table.
var Spec = provider.Spec{
	Name:   "gemini",
	Family: "google-gemini-v1",
	// The go-genai SDK sends the key in this header; the ?key= query form would put it in
	// URLs that proxies log.
	Auth: provider.Auth{Header: "x-goog-api-key"},
	Endpoint: provider.Endpoint{
		Path:       "/v1beta/models/{model}:generateContent",
		StreamPath: "/v1beta/models/{model}:streamGenerateContent?alt=sse",
	},
	Params: []provider.Param{
		{Name: "messages", Policy: provider.Convert, Conv: buildContents},
		{Name: "stream", Policy: provider.Internal}, // the endpoint path says it
		{Name: "max_tokens", Policy: provider.Internal},
		{Name: "max_completion_tokens", Policy: provider.Internal},
		{Name: "temperature", Policy: provider.Clamp, To: "generationConfig.temperature", Min: 0, Max: 2},
		{Name: "top_p", Policy: provider.Rename, To: "generationConfig.topP"},
		{Name: "top_k", Policy: provider.Rename, To: "generationConfig.topK"},
		{Name: "stop", Policy: provider.Convert, Conv: buildStop},
		{Name: "seed", Policy: provider.Rename, To: "generationConfig.seed"},
		{Name: "presence_penalty", Policy: provider.Rename, To: "generationConfig.presencePenalty"},
		{Name: "frequency_penalty", Policy: provider.Rename, To: "generationConfig.frequencyPenalty"},
		{Name: "tools", Policy: provider.Convert, Conv: buildTools},
		{Name: "tool_choice", Policy: provider.Internal}, // buildTools
		// Gemini has no switch for parallel calls (§4.3); false is reported.
		{Name: "parallel_tool_calls", Policy: provider.Convert, Conv: dropFalse},
		{Name: "response_format", Policy: provider.Convert, Conv: buildResponseFormat},
		{Name: "reasoning", Policy: provider.Internal, Needs: "reasoning"}, // finalize
		{Name: "reasoning_effort", Policy: provider.Internal, Needs: "reasoning"},
		{Name: "include_reasoning", Policy: provider.Internal, Needs: "reasoning"},
		// One choice per response: the decoder maps candidate 0.
		{Name: "n", Policy: provider.Drop},
		{Name: "logprobs", Policy: provider.Drop},
		{Name: "top_logprobs", Policy: provider.Drop},
		{Name: "logit_bias", Policy: provider.Drop},
		{Name: "user", Policy: provider.Drop},
		{Name: "metadata", Policy: provider.Drop},
		{Name: "service_tier", Policy: provider.Drop},
		{Name: "verbosity", Policy: provider.Drop},
		{Name: "prediction", Policy: provider.Drop},
		{Name: "modalities", Policy: provider.Drop},
		{Name: "audio", Policy: provider.Drop},
		{Name: "web_search_options", Policy: provider.Drop},
		// Gemini's explicit caching is a separate cachedContents resource.
		{Name: "cache_control", Policy: provider.Drop},
		{Name: "prompt_cache_key", Policy: provider.Drop},
		{Name: "store", Policy: provider.Drop},
	},
	// STOP with function calls becomes tool_calls in the decoder and the stream: Gemini
	// reports STOP for function-call turns (§4.4).
	Finish: []provider.Finish{
		{Native: "STOP", OpenAI: "stop"},
		{Native: "MAX_TOKENS", OpenAI: "length"},
		{Native: "SAFETY", OpenAI: "content_filter"},
		{Native: "RECITATION", OpenAI: "content_filter"},
		{Native: "BLOCKLIST", OpenAI: "content_filter"},
		{Native: "PROHIBITED_CONTENT", OpenAI: "content_filter"},
		{Native: "SPII", OpenAI: "content_filter"},
		{Native: "IMAGE_SAFETY", OpenAI: "content_filter"},
		{Native: "IMAGE_PROHIBITED_CONTENT", OpenAI: "content_filter"},
		{Native: "IMAGE_RECITATION", OpenAI: "content_filter"},
		{Native: "JAILBREAK", OpenAI: "content_filter"},
		{Native: "MODEL_ARMOR", OpenAI: "content_filter"},
		// The model produced an unusable tool call: an error, not a stop.
		{Native: "MALFORMED_FUNCTION_CALL", OpenAI: "error"},
		{Native: "UNEXPECTED_TOOL_CALL", OpenAI: "error"},
		{Native: "TOO_MANY_TOOL_CALLS", OpenAI: "error"},
	},
	// candidatesTokenCount excludes thoughts; cachedContentTokenCount is part of the prompt.
	Usage: provider.UsagePaths{
		Prompt:     []string{"promptTokenCount", "toolUsePromptTokenCount"},
		Completion: []string{"candidatesTokenCount", "thoughtsTokenCount"},
		Cached:     "cachedContentTokenCount",
		Reasoning:  "thoughtsTokenCount",
		Total:      "totalTokenCount",
	},
	Finalize:  finalize,
	Decode:    decodeResponse,
	NewStream: newStream,
	Classify:  classify,
}

// Thinking budget bounds for budget-style (2.5) models: Flash takes up to 24576 tokens,
// and a budget below 128 is refused by Pro.
const (
	minBudget = 128
	maxBudget = 24576
	// defaultMaxOutput stands in for max_tokens when reasoning needs a share of it and
	// neither the client nor the catalog gives one.
	defaultMaxOutput = 8192
)

// finalize sets maxOutputTokens and thinkingConfig. Gemini 2.5 models take a token budget
// (max_tokens × ratio(effort), openrouter-api.md §1.5); Gemini 3 models take a level.
// includeThoughts is what makes Gemini return thought summaries, so it follows exclude.
func finalize(b *provider.Builder) error {
	mt := b.Get("max_completion_tokens")
	if !mt.Exists() {
		mt = b.Get("max_tokens")
	}
	n := int(mt.Int())
	if n > 0 {
		b.SetInt("generationConfig.maxOutputTokens", int64(n))
	} else if n = b.Req.MaxOutput; n <= 0 {
		n = defaultMaxOutput
	}
	r := provider.ReadReasoning(b)
	b.ExcludeReasoning = r.Exclude
	gemini3 := strings.HasPrefix(b.Req.Model, "gemini-3")
	switch {
	case r.Off && !gemini3:
		b.SetInt("generationConfig.thinkingConfig.thinkingBudget", 0)
	case r.On && gemini3:
		b.SetString("generationConfig.thinkingConfig.thinkingLevel", level(r.Effort))
	case r.On:
		b.SetInt("generationConfig.thinkingConfig.thinkingBudget", int64(r.BudgetTokens(n, minBudget, maxBudget)))
	}
	if r.On && !r.Exclude {
		b.Set("generationConfig.thinkingConfig.includeThoughts", []byte("true"))
	}
	return nil
}

// level maps an effort to a Gemini 3 thinkingLevel (xhigh and max → high).
func level(effort string) string {
	switch effort {
	case "minimal", "low":
		return "low"
	case "medium":
		return "medium"
	}
	return "high"
}
