package core

import (
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/switchyard-router/switchyard/core/provider/anthropic"
	"github.com/switchyard-router/switchyard/core/provider/bedrock"
	"github.com/switchyard-router/switchyard/core/provider/gemini"
)

// adapters lists the translated protocols this build speaks, one provider.Spec each
// (shared/LAYOUT.md §1). OpenAI-compatible providers need no entry: their requests take
// the pass-through path, with quirks from provider/openai/compat. The list is a literal,
// not an init-time registry: nothing runs at start-up (house rule 7).
var adapters = [...]struct {
	protocol catalog.Protocol
	spec     *provider.Spec
}{
	{catalog.Anthropic, &anthropic.Spec},
	{catalog.Gemini, &gemini.Spec},
	{catalog.Bedrock, &bedrock.Spec},
}

// adapterFor returns the Spec for a translated protocol, or nil (OpenAI-compatible, or a
// protocol this build has no adapter for).
func adapterFor(p catalog.Protocol) *provider.Spec {
	for i := range adapters {
		if adapters[i].protocol == p {
			return adapters[i].spec
		}
	}
	return nil
}

// awsConfigured reports whether Bedrock can authenticate: a Bedrock API key, or AWS
// credentials and a region for SigV4 (see provider/bedrock's sign).
func awsConfigured(env func(string) string) bool {
	return env("AWS_BEARER_TOKEN_BEDROCK") != "" ||
		(env("AWS_ACCESS_KEY_ID") != "" && env("AWS_SECRET_ACCESS_KEY") != "" && env("AWS_REGION") != "")
}
