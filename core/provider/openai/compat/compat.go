// Package compat is the table of OpenAI-compatible providers' deviations: one Row per
// provider, each field a quirk (shared/spec/providers.md §6), applied by one editor
// (edit.go) to the pass-through body and by one renamer to responses. A provider with no
// row, or a row that does not apply to a request, takes the pass-through path untouched,
// so quirks cost nothing where there are none (shared/LAYOUT.md §1: "OpenAI-compatible
// providers are rows, not packages").
package compat

// Row is one provider's quirks. The zero value of every field means "as OpenAI".
type Row struct {
	// Provider is the catalog slug.
	Provider string

	// MaxTokensName renames max_tokens in requests. OpenAI's reasoning models reject
	// max_tokens and want max_completion_tokens, which every current OpenAI model takes
	// (§2.2, §2.6).
	MaxTokensName string

	// NonStreamMaxTokens caps max_tokens (and max_completion_tokens) of non-streaming
	// requests: Fireworks rejects a larger one with "Requests with max_tokens > 4096 must
	// have stream=true" (§6.4). The cap is reported as a changed parameter.
	NonStreamMaxTokens int

	// NineCharToolIDs rewrites tool-call ids in history to exactly nine alphanumerics,
	// deterministically, in assistant tool_calls and tool_call_id alike: Mistral answers
	// "Tool call id was call_abc but must be a-z, A-Z, 0-9, with a length of 9" (§6.5).
	// Ids that already fit are kept, so Mistral's own ids round-trip unchanged.
	NineCharToolIDs bool

	// ReasoningIn is the field the upstream reasons in (message and delta). Responses are
	// renamed to OpenRouter's "reasoning" when it differs (DeepSeek's reasoning_content,
	// openrouter-api.md §1.5).
	ReasoningIn string

	// ReasoningReplay is the field an assistant turn with tool calls must carry its
	// reasoning back in. DeepSeek answers 400 "The reasoning_content in the thinking mode
	// must be passed back to the API" without it (§6.1); vLLM reads it back as
	// "reasoning" (§6.9). The client's reasoning (or reasoning_content, or the text of its
	// reasoning_details) is sent under this name.
	ReasoningReplay string

	// ReasoningEffort sends OpenRouter's reasoning object as the provider's
	// reasoning_effort (and drops the object), for servers that reject unknown request
	// arguments, as OpenAI does ("Unrecognized request argument supplied: reasoning").
	ReasoningEffort bool

	// StripReasoningDetails removes OpenRouter's reasoning and reasoning_details from
	// assistant messages, for servers that know neither: another family's reasoning means
	// nothing to them (openrouter-api.md §11 item 15).
	StripReasoningDetails bool
}

// Rows is the table. vLLM and Ollama already reason in "reasoning" (vLLM renamed
// reasoning_content in late 2025, §6.9; Ollama §6.10), which is OpenRouter's name, so
// their responses need no renaming; vLLM wants it back under the same name.
var Rows = [...]Row{
	{Provider: "openai", MaxTokensName: "max_completion_tokens", ReasoningEffort: true, StripReasoningDetails: true},
	{Provider: "deepseek", ReasoningIn: "reasoning_content", ReasoningReplay: "reasoning_content", ReasoningEffort: true, StripReasoningDetails: true},
	{Provider: "mistral", NineCharToolIDs: true},
	{Provider: "fireworks", NonStreamMaxTokens: 4096, ReasoningIn: "reasoning_content"},
	{Provider: "vllm", ReasoningReplay: "reasoning"},
	{Provider: "ollama"},
}

// Lookup returns the row for a provider slug, or nil when the provider behaves as OpenAI
// does (or its row asks for nothing).
func Lookup(slug string) *Row {
	for i := range Rows {
		if r := &Rows[i]; r.Provider == slug {
			if *r == (Row{Provider: slug}) {
				return nil
			}
			return r
		}
	}
	return nil
}

// RenamesReasoning reports whether responses need the reasoning field renamed.
func (r *Row) RenamesReasoning() bool {
	return r.ReasoningIn != "" && r.ReasoningIn != "reasoning"
}
