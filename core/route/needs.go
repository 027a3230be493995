package route

import "github.com/switchyard-router/switchyard/core/catalog"

// Needs is what a request asks of an endpoint, read from the body by the caller.
type Needs struct {
	// PromptTokens estimates the prompt's size in tokens. The router uses the bytes of the
	// messages array divided by four: no tokenizer runs on the request path, and JSON
	// quoting makes the estimate err on the large side, which is the safe side for a
	// context-length filter.
	PromptTokens int
	// MaxTokens is max_tokens (or max_completion_tokens); 0 when the request sets neither.
	MaxTokens int
	// Params are the request's parameters in the supported_parameters vocabulary:
	// require_parameters wants all of them; tools, response_format, structured_outputs,
	// reasoning and verbosity are soft filters otherwise.
	Params catalog.Params
	// Images and Files report image and file (PDF) parts in the messages: soft filters on
	// the model's input modalities, hard with require_parameters.
	Images, Files bool
	// ReasoningOff: the request turned reasoning off (reasoning.enabled false, effort
	// "none"), so reasoning-capable endpoints get the ordinary first-byte deadline.
	ReasoningOff bool
	// Compress says whether middle-out may shrink the prompt (transforms, plugins).
	Compress Compress
}

// Compress is the middle-out setting (shared/spec/openrouter-api.md §4.5).
type Compress uint8

const (
	CompressAuto Compress = iota // only for endpoints with a context of at most 8,192 tokens
	CompressOn                   // transforms: ["middle-out"] or the context-compression plugin
	CompressOff                  // transforms: [] or the plugin with enabled: false
)

// AutoCompressContext is the largest context for which middle-out is on by default.
const AutoCompressContext = 8192

// softParams are the parameters that filter endpoints even without require_parameters,
// when some endpoints of a model support them and others do not (§3.3).
const softParams = catalog.ParamTools | catalog.ParamResponseFormat | catalog.ParamStructuredOutputs |
	catalog.ParamReasoning | catalog.ParamVerbosity

// normalize folds parameters that an endpoint supporting their primary name accepts too,
// so catalog lists need not spell out every alias: max_completion_tokens is max_tokens,
// include_reasoning and reasoning_effort are reasoning, and tool_choice and
// parallel_tool_calls come with tools.
func normalize(p catalog.Params) catalog.Params {
	if p&catalog.ParamMaxCompletionTokens != 0 {
		p = p&^catalog.ParamMaxCompletionTokens | catalog.ParamMaxTokens
	}
	if p&(catalog.ParamIncludeReasoning|catalog.ParamReasoningEffort) != 0 {
		p = p&^(catalog.ParamIncludeReasoning|catalog.ParamReasoningEffort) | catalog.ParamReasoning
	}
	if p&(catalog.ParamToolChoice|catalog.ParamParallelToolCalls) != 0 {
		p = p&^(catalog.ParamToolChoice|catalog.ParamParallelToolCalls) | catalog.ParamTools
	}
	return p
}
