package api

import (
	"slices"
	"strconv"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// AppendModels appends the body of GET /api/v1/models, {"data":[Model...]}, in catalog order.
// The model object follows OpenRouter's (shared/spec/openrouter-api.md §6.1) so that clients
// written against OpenRouter (model pickers, cost estimators) work unchanged: prices are
// decimal strings in USD per token, and pricing and top_provider come from the model's primary
// (first-listed) endpoint, as OpenRouter's top_provider does. Pagination and query filters are
// left out; with a catalog this size every client gets the whole list.
func AppendModels(dst []byte, c *catalog.Catalog) []byte {
	dst = append(dst, `{"data":[`...)
	for i := range c.Models {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendModel(dst, &c.Models[i])
	}
	return append(dst, "]}"...)
}

func appendModel(dst []byte, m *catalog.Model) []byte {
	dst = append(dst, `{"id":`...)
	dst = AppendString(dst, m.ID)
	dst = append(dst, `,"canonical_slug":`...)
	if m.CanonicalSlug != "" {
		dst = AppendString(dst, m.CanonicalSlug)
	} else {
		dst = AppendString(dst, m.ID)
	}
	dst = append(dst, `,"hugging_face_id":`...)
	dst = appendStringOrNull(dst, m.HuggingFaceID)
	dst = append(dst, `,"name":`...)
	dst = AppendString(dst, m.Name)
	dst = append(dst, `,"created":`...)
	dst = strconv.AppendInt(dst, m.Created, 10)
	dst = append(dst, `,"description":`...)
	dst = AppendString(dst, m.Description)
	dst = append(dst, `,"context_length":`...)
	dst = appendIntOrNull(dst, m.ContextLength)

	dst = append(dst, `,"architecture":{"modality":`...)
	dst = appendModality(dst, m.InputModalities, m.OutputModalities)
	dst = append(dst, `,"input_modalities":`...)
	dst = appendStrings(dst, m.InputModalities)
	dst = append(dst, `,"output_modalities":`...)
	dst = appendStrings(dst, m.OutputModalities)
	dst = append(dst, `,"tokenizer":`...)
	dst = AppendString(dst, m.Tokenizer)
	dst = append(dst, `,"instruct_type":`...)
	dst = appendStringOrNull(dst, m.InstructType)
	dst = append(dst, '}')

	// A model without endpoints is listed at zero price with no limits rather than dropped, so
	// a catalog mistake shows up in the listing instead of silently hiding the model.
	var primary catalog.Endpoint
	if len(m.Endpoints) > 0 {
		primary = m.Endpoints[0]
	} else {
		primary.ContextLength = m.ContextLength
	}
	dst = appendPricing(dst, &primary.Pricing)
	dst = append(dst, `,"top_provider":{"context_length":`...)
	dst = appendIntOrNull(dst, primary.ContextLength)
	dst = append(dst, `,"max_completion_tokens":`...)
	dst = appendIntOrNull(dst, primary.MaxCompletionTokens)
	// is_moderated is false: Switchyard does not pre-moderate prompts.
	dst = append(dst, `,"is_moderated":false},"per_request_limits":null,"supported_parameters":`...)
	dst = appendStrings(dst, supportedParameters(m))
	return append(dst, `,"default_parameters":null}`...)
}

// appendPricing writes the token, request and image prices always (OpenRouter's classic
// shape; "0" means free or not charged apart) and the cache prices only when the endpoint has
// them, because "0" there would claim cache reads are free where there is no cache at all.
func appendPricing(dst []byte, p *catalog.Pricing) []byte {
	dst = appendPrice(append(dst, `,"pricing":{"prompt":`...), p.Prompt)
	dst = appendPrice(append(dst, `,"completion":`...), p.Completion)
	dst = appendPrice(append(dst, `,"request":`...), p.Request)
	dst = appendPrice(append(dst, `,"image":`...), p.Image)
	dst = appendPrice(append(dst, `,"internal_reasoning":`...), p.InternalReasoning)
	if p.InputCacheRead != 0 {
		dst = appendPrice(append(dst, `,"input_cache_read":`...), p.InputCacheRead)
	}
	if p.InputCacheWrite != 0 {
		dst = appendPrice(append(dst, `,"input_cache_write":`...), p.InputCacheWrite)
	}
	return append(dst, '}')
}

func appendPrice(dst []byte, p catalog.Price) []byte {
	// PerToken yields digits, '.', and '-' only, so it needs no escaping.
	dst = append(dst, '"')
	dst = append(dst, p.PerToken()...)
	return append(dst, '"')
}

// supportedParameters is the union over endpoints, sorted and without duplicates, which is
// what OpenRouter lists: a parameter is supported if some endpoint can honour it.
func supportedParameters(m *catalog.Model) []string {
	var all []string
	for i := range m.Endpoints {
		all = append(all, m.Endpoints[i].SupportedParameters...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// Canonical modality order, so the summary string reads the same as OpenRouter's
// ("text+image+file->text") however the catalog lists the modalities.
var (
	inputOrder  = []string{"text", "image", "file", "audio", "video"}
	outputOrder = []string{"text", "image", "audio", "video", "embeddings", "rerank", "speech", "transcription"}
)

// appendModality writes architecture.modality, e.g. "text+image->text"; modalities outside
// the canonical lists (OpenRouter adds new ones) follow in catalog order.
func appendModality(dst []byte, in, out []string) []byte {
	var b []byte
	b = appendJoined(b, in, inputOrder)
	b = append(b, "->"...)
	b = appendJoined(b, out, outputOrder)
	return AppendString(dst, string(b))
}

func appendJoined(b []byte, have, order []string) []byte {
	n := 0
	add := func(s string) {
		if n > 0 {
			b = append(b, '+')
		}
		b = append(b, s...)
		n++
	}
	for _, s := range order {
		if slices.Contains(have, s) {
			add(s)
		}
	}
	for _, s := range have {
		if !slices.Contains(order, s) {
			add(s)
		}
	}
	return b
}

// AppendProviders appends the body of GET /api/v1/providers (shared/spec/openrouter-api.md
// §6.3), in catalog order. Unknown URLs and headquarters are null, as OpenRouter writes them;
// datacenters is always null because the catalog does not track them.
func AppendProviders(dst []byte, c *catalog.Catalog) []byte {
	dst = append(dst, `{"data":[`...)
	for i := range c.Providers {
		p := &c.Providers[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = AppendString(dst, p.Name)
		dst = append(dst, `,"slug":`...)
		dst = AppendString(dst, p.Slug)
		dst = append(dst, `,"privacy_policy_url":`...)
		dst = appendStringOrNull(dst, p.PrivacyPolicyURL)
		dst = append(dst, `,"terms_of_service_url":`...)
		dst = appendStringOrNull(dst, p.TermsURL)
		dst = append(dst, `,"status_page_url":`...)
		dst = appendStringOrNull(dst, p.StatusPageURL)
		dst = append(dst, `,"headquarters":`...)
		dst = appendStringOrNull(dst, p.Headquarters)
		dst = append(dst, `,"datacenters":null}`...)
	}
	return append(dst, "]}"...)
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, s)
	}
	return append(dst, ']')
}

// appendStringOrNull writes "" as null: the catalog uses the empty string for "unknown",
// and OpenRouter's schema types these fields string|null.
func appendStringOrNull(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return AppendString(dst, s)
}

// appendIntOrNull writes 0 as null: the catalog uses 0 for "no published limit".
func appendIntOrNull(dst []byte, n int) []byte {
	if n == 0 {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, int64(n), 10)
}
