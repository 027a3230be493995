// Package anthropic is the adapter for Anthropic's Messages API: the Spec table, and the
// named functions for what a row cannot say (messages and content blocks in messages.go,
// the response body in decode.go, stream events in stream.go).
//
// See shared/spec/providers.md §3 and https://docs.anthropic.com/en/api/messages.
package anthropic

import (
	"github.com/switchyard-router/switchyard/core/provider"
)

// Spec is the Messages API as a table. Parameters Anthropic has no equivalent for are
// dropped (and reported, so require_parameters can route around them), as OpenRouter does.
var Spec = provider.Spec{
	Name:   "anthropic",
	Family: "anthropic-claude-v1",
	Auth:   provider.Auth{Header: "x-api-key"},
	// The SDKs send exactly this version; newer behaviour comes with beta flags.
	Headers:     []provider.Header{{Name: "anthropic-version", Value: "2023-06-01"}},
	Endpoint:    provider.Endpoint{Path: "/v1/messages"},
	ModelInBody: true,
	Params: []provider.Param{
		{Name: "messages", Policy: provider.Convert, Conv: buildMessages},
		{Name: "stream", Policy: provider.Pass},
		// max_tokens is required upstream; finalize picks it (with the reasoning budget).
		{Name: "max_tokens", Policy: provider.Internal},
		{Name: "max_completion_tokens", Policy: provider.Internal},
		// OpenAI's 0..2 against Anthropic's 0..1.
		{Name: "temperature", Policy: provider.Clamp, Min: 0, Max: 1},
		{Name: "top_p", Policy: provider.Pass},
		{Name: "top_k", Policy: provider.Pass},
		{Name: "stop", Policy: provider.Convert, Conv: buildStop},
		{Name: "tools", Policy: provider.Convert, Conv: buildTools},
		{Name: "tool_choice", Policy: provider.Internal},         // buildTools
		{Name: "parallel_tool_calls", Policy: provider.Internal}, // buildTools
		{Name: "response_format", Policy: provider.Convert, Conv: buildResponseFormat},
		{Name: "reasoning", Policy: provider.Internal, Needs: "reasoning"}, // finalize
		{Name: "reasoning_effort", Policy: provider.Internal, Needs: "reasoning"},
		{Name: "include_reasoning", Policy: provider.Internal, Needs: "reasoning"},
		{Name: "user", Policy: provider.Rename, To: "metadata.user_id"},
		// Top-level automatic prompt caching (openrouter-api.md §10.1).
		{Name: "cache_control", Policy: provider.Pass},
		{Name: "seed", Policy: provider.Drop},
		{Name: "presence_penalty", Policy: provider.Drop},
		{Name: "frequency_penalty", Policy: provider.Drop},
		{Name: "logit_bias", Policy: provider.Drop},
		{Name: "logprobs", Policy: provider.Drop},
		{Name: "top_logprobs", Policy: provider.Drop},
		{Name: "n", Policy: provider.Drop},
		// OpenAI's metadata is a string map; Anthropic's holds only user_id.
		{Name: "metadata", Policy: provider.Drop},
		{Name: "service_tier", Policy: provider.Drop},
		{Name: "verbosity", Policy: provider.Drop},
		{Name: "prediction", Policy: provider.Drop},
		{Name: "modalities", Policy: provider.Drop},
		{Name: "audio", Policy: provider.Drop},
		{Name: "web_search_options", Policy: provider.Drop},
		{Name: "prompt_cache_key", Policy: provider.Drop},
		{Name: "store", Policy: provider.Drop},
	},
	Finish: []provider.Finish{
		{Native: "end_turn", OpenAI: "stop"},
		{Native: "stop_sequence", OpenAI: "stop"},
		{Native: "max_tokens", OpenAI: "length"},
		{Native: "model_context_window_exceeded", OpenAI: "length"},
		{Native: "tool_use", OpenAI: "tool_calls"},
		{Native: "refusal", OpenAI: "content_filter"},
		// A paused server-tool turn; the router runs no server tools, so it ends here.
		{Native: "pause_turn", OpenAI: "stop"},
	},
	// input_tokens excludes cached tokens; OpenAI's prompt_tokens includes them (§3.5).
	Usage: provider.UsagePaths{
		Prompt:     []string{"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"},
		Completion: []string{"output_tokens"},
		Cached:     "cache_read_input_tokens",
		CacheWrite: "cache_creation_input_tokens",
		Reasoning:  "output_tokens_details.thinking_tokens",
	},
	Finalize:  finalize,
	Decode:    decodeMessage,
	NewStream: newStream,
	Classify:  classify,
}

// defaultMaxTokens is max_tokens when neither the client nor the catalog gives one.
const defaultMaxTokens = 4096

// Reasoning budget bounds (openrouter-api.md §1.5): Anthropic's minimum budget is 1024.
const (
	minBudget = 1024
	maxBudget = 128000
)

// finalize sets max_tokens, which Anthropic requires, and maps reasoning to a thinking
// budget: budget = max(min(max_tokens × ratio(effort), 128000), 1024), or reasoning.max_tokens
// with the same floor. max_tokens must exceed the budget, so a client max_tokens at or
// below it is taken as the visible answer's share and the budget is added on top.
func finalize(b *provider.Builder) error {
	mt := b.Get("max_completion_tokens")
	if !mt.Exists() {
		mt = b.Get("max_tokens")
	}
	n := int(mt.Int())
	explicit := n > 0
	if !explicit {
		n = b.Req.MaxOutput
		if n <= 0 {
			n = defaultMaxTokens
		}
	}
	r := provider.ReadReasoning(b)
	b.ExcludeReasoning = r.Exclude
	if r.On && forcedTool(b) {
		// "Thinking may not be enabled when tool_choice forces tool use."
		b.Drop("reasoning")
		r.On = false
	}
	if r.On {
		budget := r.BudgetTokens(n, minBudget, maxBudget)
		if budget >= n {
			n += budget
			if limit := b.Req.MaxOutput; limit > 0 && n > limit {
				n = limit
				if budget >= n {
					budget = n / 2
				}
			}
		}
		start := len(b.Scratch)
		b.Scratch = append(b.Scratch, `{"type":"enabled","budget_tokens":`...)
		b.Scratch = appendInt(b.Scratch, budget)
		b.Scratch = append(b.Scratch, '}')
		b.SetBuilt("thinking", start)
		// With thinking on, temperature and top_k must keep their defaults and top_p stay
		// within 0.95..1 (Anthropic extended-thinking docs).
		if t := b.Value("temperature"); t.Exists() && t.Num != 1 {
			b.Unset("temperature")
			b.Drop("temperature")
		}
		if b.Has("top_k") {
			b.Unset("top_k")
			b.Drop("top_k")
		}
		if p := b.Value("top_p"); p.Exists() && p.Num < 0.95 {
			b.Unset("top_p")
			b.Drop("top_p")
		}
	}
	b.SetInt("max_tokens", int64(n))
	return nil
}

func forcedTool(b *provider.Builder) bool {
	switch b.Value("tool_choice.type").Str {
	case "any", "tool":
		return true
	}
	return false
}
