// Package bedrock is the adapter for AWS Bedrock's Converse and ConverseStream APIs: the
// Spec table, and the named functions for what a row cannot say (messages and content
// blocks in messages.go, the response in decode.go, stream events in stream.go, the
// binary event-stream framing in eventstream.go, SigV4 in sign.go).
//
// SigV4 and the event-stream framing are written out with the standard library rather
// than taken from aws-sdk-go-v2: the SDK's signer and decoder cost the Worker 79 KiB of
// gzipped wasm (0.32 MiB raw: aws, smithy-go and their inits). The SDK stays as the
// tests' oracle: sign_test.go and eventstream_test.go hold both to its output.
//
// See shared/spec/providers.md §5 and
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html.
package bedrock

import (
	"github.com/switchyard-router/switchyard/core/provider"
)

// Spec is Converse as a table.
var Spec = provider.Spec{
	Name: "bedrock",
	// Bedrock's reasoning blocks are Claude's, signatures included (OpenRouter's
	// bedrock formats are its Responses-API ones), so Anthropic reasoning replays here.
	Family: "anthropic-claude-v1",
	Endpoint: provider.Endpoint{
		Path:       "/model/{model}/converse",
		StreamPath: "/model/{model}/converse-stream",
	},
	Params: []provider.Param{
		{Name: "messages", Policy: provider.Convert, Conv: buildMessages},
		{Name: "stream", Policy: provider.Internal}, // the endpoint path says it
		{Name: "max_tokens", Policy: provider.Internal},
		{Name: "max_completion_tokens", Policy: provider.Internal},
		{Name: "temperature", Policy: provider.Clamp, To: "inferenceConfig.temperature", Min: 0, Max: 1},
		{Name: "top_p", Policy: provider.Rename, To: "inferenceConfig.topP"},
		// Model-specific knobs go in additionalModelRequestFields (§5.2).
		{Name: "top_k", Policy: provider.Rename, To: "additionalModelRequestFields.top_k"},
		{Name: "stop", Policy: provider.Convert, Conv: buildStop},
		{Name: "tools", Policy: provider.Convert, Conv: buildTools},
		{Name: "tool_choice", Policy: provider.Internal},
		{Name: "parallel_tool_calls", Policy: provider.Drop},
		{Name: "reasoning", Policy: provider.Internal, Needs: "reasoning"},
		{Name: "reasoning_effort", Policy: provider.Internal, Needs: "reasoning"},
		{Name: "include_reasoning", Policy: provider.Internal, Needs: "reasoning"},
		{Name: "response_format", Policy: provider.Drop},
		{Name: "seed", Policy: provider.Drop},
		{Name: "presence_penalty", Policy: provider.Drop},
		{Name: "frequency_penalty", Policy: provider.Drop},
		{Name: "logit_bias", Policy: provider.Drop},
		{Name: "logprobs", Policy: provider.Drop},
		{Name: "top_logprobs", Policy: provider.Drop},
		{Name: "n", Policy: provider.Drop},
		{Name: "user", Policy: provider.Drop},
		{Name: "metadata", Policy: provider.Drop},
		{Name: "service_tier", Policy: provider.Drop},
		{Name: "cache_control", Policy: provider.Drop},
	},
	Finish: []provider.Finish{
		{Native: "end_turn", OpenAI: "stop"},
		{Native: "stop_sequence", OpenAI: "stop"},
		{Native: "max_tokens", OpenAI: "length"},
		{Native: "model_context_window_exceeded", OpenAI: "length"},
		{Native: "tool_use", OpenAI: "tool_calls"},
		{Native: "guardrail_intervened", OpenAI: "content_filter"},
		{Native: "content_filtered", OpenAI: "content_filter"},
		{Native: "malformed_model_output", OpenAI: "error"},
		{Native: "malformed_tool_use", OpenAI: "error"},
	},
	// inputTokens excludes cache reads and writes for Anthropic models (§5.3).
	Usage: provider.UsagePaths{
		Prompt:     []string{"inputTokens", "cacheReadInputTokens", "cacheWriteInputTokens"},
		Completion: []string{"outputTokens"},
		Cached:     "cacheReadInputTokens",
		CacheWrite: "cacheWriteInputTokens",
	},
	Finalize:  finalize,
	Decode:    decodeConverse,
	NewStream: newStream,
	NewFramer: newFramer,
	Classify:  classify,
	Sign:      sign,
}

const (
	defaultMaxTokens = 4096
	minBudget        = 1024
	maxBudget        = 128000
)

// finalize sets inferenceConfig.maxTokens (from the client, else the catalog) and, for
// reasoning, Claude's thinking in additionalModelRequestFields with the same budget rule
// as the Anthropic adapter.
func finalize(b *provider.Builder) error {
	mt := b.Get("max_completion_tokens")
	if !mt.Exists() {
		mt = b.Get("max_tokens")
	}
	n := int(mt.Int())
	explicit := n > 0
	if !explicit {
		if n = b.Req.MaxOutput; n <= 0 {
			n = defaultMaxTokens
		}
	}
	r := provider.ReadReasoning(b)
	b.ExcludeReasoning = r.Exclude
	if r.On {
		budget := r.BudgetTokens(n, minBudget, maxBudget)
		if budget >= n {
			n += budget
		}
		start := len(b.Scratch)
		b.Scratch = append(b.Scratch, `{"type":"enabled","budget_tokens":`...)
		b.Scratch = appendInt(b.Scratch, budget)
		b.Scratch = append(b.Scratch, '}')
		b.SetBuilt("additionalModelRequestFields.thinking", start)
		if t := b.Value("inferenceConfig.temperature"); t.Exists() && t.Num != 1 {
			b.Unset("inferenceConfig.temperature")
			b.Drop("temperature")
		}
		if b.Has("additionalModelRequestFields.top_k") {
			b.Unset("additionalModelRequestFields.top_k")
			b.Drop("top_k")
		}
	}
	b.SetInt("inferenceConfig.maxTokens", int64(n))
	return nil
}
