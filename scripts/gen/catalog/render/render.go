// Package render turns catalog.json into core/catalog/zz_generated.go. It lives apart from the
// generator's main package so that core/catalog's tests can regenerate the file in memory and
// fail when the checked-in copy is stale, without running the go tool. It uses the standard
// library only and does not import core/catalog, so either side can change without a cycle.
package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// File is the shape of catalog.json. Unknown fields are rejected, so a misspelt key fails
// the build instead of silently dropping data.
type File struct {
	About      string     `json:"about"`
	PricesAsOf string     `json:"prices_as_of"`
	Providers  []Provider `json:"providers"`
	Models     []Model    `json:"models"`
}

// Provider is one upstream provider. DataPolicy is the default for its endpoints.
type Provider struct {
	Slug             string      `json:"slug"`
	Name             string      `json:"name"`
	Protocol         string      `json:"protocol"`
	BaseURL          string      `json:"base_url"`
	Local            bool        `json:"local"`
	PrivacyPolicyURL string      `json:"privacy_policy_url"`
	TermsURL         string      `json:"terms_of_service_url"`
	StatusPageURL    string      `json:"status_page_url"`
	Headquarters     string      `json:"headquarters"`
	DataPolicy       *DataPolicy `json:"data_policy"`
}

// DataPolicy is what a provider does with prompts. Distillable is not here: it is the model
// author's permission, so it is set once per model.
type DataPolicy struct {
	Training       bool `json:"training"`
	RetainsPrompts bool `json:"retains_prompts"`
	RetentionDays  int  `json:"retention_days"`
	ZDR            bool `json:"zdr"`
}

// Model is one routable model and its endpoints, primary (first) endpoint first.
type Model struct {
	ID               string     `json:"id"`
	CanonicalSlug    string     `json:"canonical_slug"`
	HuggingFaceID    string     `json:"hugging_face_id"`
	Name             string     `json:"name"`
	Created          int64      `json:"created"`
	Description      string     `json:"description"`
	InputModalities  []string   `json:"input_modalities"`
	OutputModalities []string   `json:"output_modalities"`
	Tokenizer        string     `json:"tokenizer"`
	InstructType     string     `json:"instruct_type"`
	Distillable      bool       `json:"distillable"`
	Endpoints        []Endpoint `json:"endpoints"`
}

// Endpoint is one provider serving one model. Token prices are USD per million tokens;
// request and image prices are USD per request and per image.
type Endpoint struct {
	Provider            string      `json:"provider"`
	Tag                 string      `json:"tag"`
	Upstream            string      `json:"upstream"`
	ContextLength       int         `json:"context_length"`
	MaxCompletionTokens int         `json:"max_completion_tokens"`
	Quantization        string      `json:"quantization"`
	Pricing             Pricing     `json:"pricing"`
	SupportedParameters []string    `json:"supported_parameters"`
	DataPolicy          *DataPolicy `json:"data_policy"`      // overrides the provider's
	Exacto              bool        `json:"exacto"`           // curated for tool-calling accuracy
	ExtendedContext     bool        `json:"extended_context"` // context beyond the model's native window
	ThroughputHint      int         `json:"throughput_hint"`  // typical output tokens/s; 0 unknown
	LatencyHintMS       int         `json:"latency_hint_ms"`  // typical ms to first token; 0 unknown
}

// Pricing holds decimal strings; "" means not charged separately.
type Pricing struct {
	Prompt            string `json:"prompt"`
	Completion        string `json:"completion"`
	Request           string `json:"request"`
	Image             string `json:"image"`
	InputCacheRead    string `json:"input_cache_read"`
	InputCacheWrite   string `json:"input_cache_write"`
	InternalReasoning string `json:"internal_reasoning"`
}

// Vocabularies from OpenRouter's API reference (shared/spec/openrouter-api.md §3.1, §6.1).
// A name outside them is almost always a typo that would quietly break require_parameters.
var (
	protocols      = map[string]string{"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Gemini", "bedrock": "Bedrock"}
	quantizations  = set("int4", "int8", "fp4", "mxfp4", "nvfp4", "fp6", "fp8", "mxfp8", "fp16", "bf16", "fp32", "unknown")
	inModalities   = set("text", "image", "file", "audio", "video")
	outModalities  = set("text", "image", "embeddings", "audio", "video", "rerank", "speech", "transcription")
	parameterNames = set("temperature", "top_p", "top_k", "min_p", "top_a", "frequency_penalty",
		"presence_penalty", "repetition_penalty", "max_tokens", "max_completion_tokens", "logit_bias",
		"logprobs", "top_logprobs", "prediction", "seed", "response_format", "structured_outputs", "stop",
		"tools", "tool_choice", "parallel_tool_calls", "include_reasoning", "reasoning", "reasoning_effort",
		"web_search_options", "verbosity")
)

func set(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}

// Generate parses and validates catalog.json and returns the gofmt'd Go source of
// zz_generated.go. The output depends on the input bytes only, so it is reproducible.
func Generate(catalogJSON []byte) ([]byte, error) {
	f, err := Parse(catalogJSON)
	if err != nil {
		return nil, err
	}
	c, err := resolve(f)
	if err != nil {
		return nil, err
	}
	return goSource(c)
}

// Parse decodes catalog.json strictly: unknown fields and trailing data are errors.
func Parse(data []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog.json: %w", err)
	}
	if dec.More() {
		return nil, errors.New("catalog.json: data after the top-level object")
	}
	return &f, nil
}

// resolved is the validated catalog with prices in picodollars and policies merged.
type resolved struct {
	pricesAsOf string
	providers  []Provider
	models     []rModel
}

type rModel struct {
	Model
	contextLength int
	endpoints     []rEndpoint
}

type rEndpoint struct {
	Endpoint
	prices [7]int64 // in Pricing field order
	policy DataPolicy
}

// errs collects every problem so one run reports them all, each naming the offending id.
type errs []error

func (e *errs) add(format string, a ...any) { *e = append(*e, fmt.Errorf(format, a...)) }

func resolve(f *File) (*resolved, error) {
	var bad errs
	if len(f.Providers) == 0 {
		bad.add("no providers")
	}
	if len(f.Models) == 0 {
		bad.add("no models")
	}
	provs := map[string]*Provider{}
	for i := range f.Providers {
		p := &f.Providers[i]
		checkProvider(&bad, i, p)
		if provs[p.Slug] != nil {
			bad.add("provider %q: duplicate slug", p.Slug)
		}
		provs[p.Slug] = p
	}
	c := &resolved{pricesAsOf: f.PricesAsOf, providers: f.Providers}
	seen := map[string]bool{}
	for i := range f.Models {
		m := &f.Models[i]
		if seen[m.ID] {
			bad.add("model %q: duplicate id", m.ID)
		}
		seen[m.ID] = true
		c.models = append(c.models, resolveModel(&bad, i, m, provs))
	}
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	return c, nil
}

func checkProvider(bad *errs, i int, p *Provider) {
	name := p.Slug
	if name == "" {
		name = fmt.Sprintf("#%d", i)
		bad.add("provider %s: missing slug", name)
	} else if strings.ToLower(p.Slug) != p.Slug || strings.ContainsAny(p.Slug, " /") {
		bad.add("provider %q: slug must be lower case without spaces or '/'", p.Slug)
	}
	if p.Name == "" {
		bad.add("provider %q: missing name", name)
	}
	if _, ok := protocols[p.Protocol]; !ok {
		bad.add("provider %q: unknown protocol %q", name, p.Protocol)
	}
	if !strings.HasPrefix(p.BaseURL, "https://") && !(p.Local && strings.HasPrefix(p.BaseURL, "http://")) {
		bad.add("provider %q: base_url %q must be https (or http for a local provider)", name, p.BaseURL)
	}
	if p.DataPolicy == nil {
		bad.add("provider %q: missing data_policy", name)
	}
}

func resolveModel(bad *errs, i int, m *Model, provs map[string]*Provider) rModel {
	id := m.ID
	if author, slug, ok := strings.Cut(id, "/"); !ok || author == "" || slug == "" || strings.ContainsAny(id, " \t") {
		if id == "" {
			id = fmt.Sprintf("#%d", i)
		}
		bad.add("model %q: id must be \"author/slug\"", id)
	}
	if m.Name == "" {
		bad.add("model %q: missing name", id)
	}
	if m.Created <= 0 {
		bad.add("model %q: missing created", id)
	}
	if m.Tokenizer == "" {
		bad.add("model %q: missing tokenizer", id)
	}
	checkWords(bad, id, "input modality", m.InputModalities, inModalities)
	checkWords(bad, id, "output modality", m.OutputModalities, outModalities)
	if len(m.Endpoints) == 0 {
		bad.add("model %q: no endpoints", id)
	}
	if m.CanonicalSlug == "" {
		m.CanonicalSlug = m.ID
	}
	r := rModel{Model: *m}
	tags := map[string]bool{}
	for j := range m.Endpoints {
		e := resolveEndpoint(bad, id, j, m, provs)
		if tags[e.Tag] {
			bad.add("model %q: duplicate endpoint tag %q", id, e.Tag)
		}
		tags[e.Tag] = true
		r.contextLength = max(r.contextLength, e.ContextLength)
		r.endpoints = append(r.endpoints, e)
	}
	return r
}

func resolveEndpoint(bad *errs, id string, j int, m *Model, provs map[string]*Provider) rEndpoint {
	e := rEndpoint{Endpoint: m.Endpoints[j]}
	where := fmt.Sprintf("model %q: endpoint %d (%s)", id, j, e.Provider)
	p := provs[e.Provider]
	switch {
	case e.Provider == "":
		bad.add("%s: missing provider", where)
	case p == nil:
		bad.add("%s: unknown provider %q", where, e.Provider)
	}
	if e.Tag == "" {
		e.Tag = e.Provider
	} else if e.Tag != e.Provider && !strings.HasPrefix(e.Tag, e.Provider+"/") {
		bad.add("%s: tag %q must be %q or start with %q", where, e.Tag, e.Provider, e.Provider+"/")
	}
	if e.Upstream == "" {
		bad.add("%s: missing upstream model id", where)
	}
	if e.ContextLength <= 0 {
		bad.add("%s: missing context_length", where)
	}
	if e.MaxCompletionTokens < 0 || e.MaxCompletionTokens > e.ContextLength {
		bad.add("%s: max_completion_tokens %d outside 0..context_length", where, e.MaxCompletionTokens)
	}
	if !quantizations[e.Quantization] {
		bad.add("%s: unknown quantization %q", where, e.Quantization)
	}
	checkWords(bad, id, "supported parameter", e.SupportedParameters, parameterNames)
	if e.ThroughputHint < 0 || e.LatencyHintMS < 0 {
		bad.add("%s: negative throughput_hint or latency_hint_ms", where)
	}
	if !slices.IsSorted(e.SupportedParameters) || len(slices.Compact(slices.Clone(e.SupportedParameters))) != len(e.SupportedParameters) {
		bad.add("%s: supported_parameters must be sorted and without duplicates", where)
	}
	pr := e.Pricing
	for k, f := range []struct {
		name, val string
		need      bool
		parse     func(string) (int64, error)
	}{
		{"prompt", pr.Prompt, true, ParsePrice},
		{"completion", pr.Completion, true, ParsePrice},
		{"request", pr.Request, false, ParseUnitPrice},
		{"image", pr.Image, false, ParseUnitPrice},
		{"input_cache_read", pr.InputCacheRead, false, ParsePrice},
		{"input_cache_write", pr.InputCacheWrite, false, ParsePrice},
		{"internal_reasoning", pr.InternalReasoning, false, ParsePrice},
	} {
		if f.val == "" && !f.need {
			continue
		}
		v, err := f.parse(f.val)
		if err != nil {
			bad.add("%s: %s price %q: %v", where, f.name, f.val, err)
		}
		e.prices[k] = v
	}
	switch {
	case e.DataPolicy != nil:
		e.policy = *e.DataPolicy
	case p != nil && p.DataPolicy != nil:
		e.policy = *p.DataPolicy
	}
	return e
}

func checkWords(bad *errs, id, what string, words []string, known map[string]bool) {
	if len(words) == 0 && what != "supported parameter" {
		bad.add("model %q: missing %ss", id, what)
	}
	for _, w := range words {
		if !known[w] {
			bad.add("model %q: unknown %s %q", id, what, w)
		}
	}
}
