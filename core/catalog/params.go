package catalog

import "math/bits"

// Params is a set of request parameters: one bit per name of OpenRouter's
// supported_parameters vocabulary (shared/spec/openrouter-api.md §6.1). The generator writes
// each endpoint's set as constants next to its SupportedParameters, so the planner checks
// require_parameters and the soft capability filters with one AND per endpoint instead of
// string searches.
type Params uint32

const (
	ParamTemperature Params = 1 << iota
	ParamTopP
	ParamTopK
	ParamMinP
	ParamTopA
	ParamFrequencyPenalty
	ParamPresencePenalty
	ParamRepetitionPenalty
	ParamMaxTokens
	ParamMaxCompletionTokens
	ParamLogitBias
	ParamLogprobs
	ParamTopLogprobs
	ParamPrediction
	ParamSeed
	ParamResponseFormat
	ParamStructuredOutputs
	ParamStop
	ParamTools
	ParamToolChoice
	ParamParallelToolCalls
	ParamIncludeReasoning
	ParamReasoning
	ParamReasoningEffort
	ParamWebSearchOptions
	ParamVerbosity
	paramEnd
)

// paramNames is the vocabulary in bit order.
var paramNames = [...]string{
	"temperature", "top_p", "top_k", "min_p", "top_a", "frequency_penalty", "presence_penalty",
	"repetition_penalty", "max_tokens", "max_completion_tokens", "logit_bias", "logprobs",
	"top_logprobs", "prediction", "seed", "response_format", "structured_outputs", "stop", "tools",
	"tool_choice", "parallel_tool_calls", "include_reasoning", "reasoning", "reasoning_effort",
	"web_search_options", "verbosity",
}

// ParamOf returns the bit of a supported_parameters name, or 0 for a name outside the
// vocabulary (request fields such as messages or stream, which every endpoint takes).
func ParamOf(name string) Params {
	switch name {
	case "temperature":
		return ParamTemperature
	case "top_p":
		return ParamTopP
	case "top_k":
		return ParamTopK
	case "min_p":
		return ParamMinP
	case "top_a":
		return ParamTopA
	case "frequency_penalty":
		return ParamFrequencyPenalty
	case "presence_penalty":
		return ParamPresencePenalty
	case "repetition_penalty":
		return ParamRepetitionPenalty
	case "max_tokens":
		return ParamMaxTokens
	case "max_completion_tokens":
		return ParamMaxCompletionTokens
	case "logit_bias":
		return ParamLogitBias
	case "logprobs":
		return ParamLogprobs
	case "top_logprobs":
		return ParamTopLogprobs
	case "prediction":
		return ParamPrediction
	case "seed":
		return ParamSeed
	case "response_format":
		return ParamResponseFormat
	case "structured_outputs":
		return ParamStructuredOutputs
	case "stop":
		return ParamStop
	case "tools":
		return ParamTools
	case "tool_choice":
		return ParamToolChoice
	case "parallel_tool_calls":
		return ParamParallelToolCalls
	case "include_reasoning":
		return ParamIncludeReasoning
	case "reasoning":
		return ParamReasoning
	case "reasoning_effort":
		return ParamReasoningEffort
	case "web_search_options":
		return ParamWebSearchOptions
	case "verbosity":
		return ParamVerbosity
	}
	return 0
}

// ParamsOf returns the set of the given names; names outside the vocabulary are ignored.
func ParamsOf(names []string) Params {
	var p Params
	for _, n := range names {
		p |= ParamOf(n)
	}
	return p
}

// Names lists the set's names in vocabulary order (for error messages; it allocates).
func (p Params) Names() []string {
	var out []string
	for i, n := range paramNames {
		if p&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// ParamName returns the name of a single-bit set, or "".
func ParamName(p Params) string {
	if p == 0 || p&(p-1) != 0 {
		return ""
	}
	return paramNames[bits.TrailingZeros32(uint32(p))]
}
