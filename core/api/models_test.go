package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// modelJSON mirrors OpenRouter's model object (shared/spec/openrouter-api.md §6.1) with the
// JSON types a client expects, so decoding fails if a field has the wrong type.
type modelJSON struct {
	ID            string  `json:"id"`
	CanonicalSlug string  `json:"canonical_slug"`
	HuggingFaceID *string `json:"hugging_face_id"`
	Name          string  `json:"name"`
	Created       int64   `json:"created"`
	Description   string  `json:"description"`
	ContextLength *int    `json:"context_length"`
	Architecture  struct {
		Modality         string   `json:"modality"`
		InputModalities  []string `json:"input_modalities"`
		OutputModalities []string `json:"output_modalities"`
		Tokenizer        string   `json:"tokenizer"`
		InstructType     *string  `json:"instruct_type"`
	} `json:"architecture"`
	Pricing     map[string]string `json:"pricing"`
	TopProvider struct {
		ContextLength       *int `json:"context_length"`
		MaxCompletionTokens *int `json:"max_completion_tokens"`
		IsModerated         bool `json:"is_moderated"`
	} `json:"top_provider"`
	PerRequestLimits    json.RawMessage `json:"per_request_limits"`
	SupportedParameters []string        `json:"supported_parameters"`
	DefaultParameters   json.RawMessage `json:"default_parameters"`
}

func decodeModels(t *testing.T, body []byte) map[string]modelJSON {
	t.Helper()
	if !json.Valid(body) {
		t.Fatalf("AppendModels wrote invalid JSON: %.200s", body)
	}
	var resp struct {
		Data []modelJSON `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil {
		t.Fatalf("decode: %v", err)
	}
	out := map[string]modelJSON{}
	for _, m := range resp.Data {
		out[m.ID] = m
	}
	return out
}

func TestAppendModelsDefault(t *testing.T) {
	c := catalog.Default
	got := decodeModels(t, AppendModels(nil, c))
	if len(got) != len(c.Models) {
		t.Fatalf("%d models in the listing, %d in the catalog", len(got), len(c.Models))
	}
	for _, m := range c.Models {
		g, ok := got[m.ID]
		if !ok {
			t.Errorf("%s missing from the listing", m.ID)
			continue
		}
		p := m.Endpoints[0].Pricing
		for key, want := range map[string]catalog.Price{"prompt": p.Prompt, "completion": p.Completion, "request": p.Request, "image": p.Image} {
			if g.Pricing[key] != want.PerToken() {
				t.Errorf("%s pricing.%s = %q, want the primary endpoint's %q", m.ID, key, g.Pricing[key], want.PerToken())
			}
		}
		if g.ContextLength == nil || *g.ContextLength != m.ContextLength {
			t.Errorf("%s context_length = %v, want %d", m.ID, g.ContextLength, m.ContextLength)
		}
		if !slices.IsSorted(g.SupportedParameters) || len(slices.Compact(slices.Clone(g.SupportedParameters))) != len(g.SupportedParameters) {
			t.Errorf("%s supported_parameters not sorted and unique: %v", m.ID, g.SupportedParameters)
		}
		if string(g.PerRequestLimits) != "null" || string(g.DefaultParameters) != "null" {
			t.Errorf("%s per_request_limits/default_parameters = %s/%s, want null", m.ID, g.PerRequestLimits, g.DefaultParameters)
		}
	}

	mini := got["openai/gpt-4o-mini"]
	wantPricing := map[string]string{"prompt": "0.00000015", "completion": "0.0000006", "request": "0", "image": "0",
		"internal_reasoning": "0", "input_cache_read": "0.000000075"}
	if !equalMaps(mini.Pricing, wantPricing) {
		t.Errorf("gpt-4o-mini pricing = %v, want %v", mini.Pricing, wantPricing)
	}
	if mini.HuggingFaceID != nil || mini.Architecture.InstructType != nil {
		t.Errorf("gpt-4o-mini hugging_face_id/instruct_type should be null")
	}
	if mini.Architecture.Modality != "text+image+file->text" || mini.Architecture.Tokenizer != "GPT" {
		t.Errorf("gpt-4o-mini architecture = %+v", mini.Architecture)
	}
	if tp := mini.TopProvider; *tp.ContextLength != 128000 || *tp.MaxCompletionTokens != 16384 || tp.IsModerated {
		t.Errorf("gpt-4o-mini top_provider = %+v", tp)
	}

	// Llama 3.3 has several providers: pricing and top_provider come from the first-listed
	// endpoint, supported_parameters from all of them.
	llama := got["meta-llama/llama-3.3-70b-instruct"]
	if llama.Pricing["prompt"] != "0.000000038" || llama.Pricing["completion"] != "0.00000012" {
		t.Errorf("llama-3.3 pricing = %v, want the deepinfra/turbo endpoint's", llama.Pricing)
	}
	if _, ok := llama.Pricing["input_cache_read"]; ok {
		t.Errorf("llama-3.3 lists input_cache_read though its primary endpoint has no cache price")
	}
	if *llama.TopProvider.MaxCompletionTokens != 16384 || *llama.HuggingFaceID != "meta-llama/Llama-3.3-70B-Instruct" {
		t.Errorf("llama-3.3 top_provider/hugging_face_id = %+v/%v", llama.TopProvider, *llama.HuggingFaceID)
	}
	for _, p := range []string{"tools", "min_p", "logit_bias", "logprobs", "top_k"} {
		if !slices.Contains(llama.SupportedParameters, p) {
			t.Errorf("llama-3.3 supported_parameters lacks %q (served by one of its endpoints): %v", p, llama.SupportedParameters)
		}
	}
	if *llama.Architecture.InstructType != "llama3" || llama.Architecture.Modality != "text->text" {
		t.Errorf("llama-3.3 architecture = %+v", llama.Architecture)
	}

	sonnet := got["anthropic/claude-sonnet-4.5"]
	if sonnet.Pricing["input_cache_write"] != "0.00000375" || sonnet.Pricing["input_cache_read"] != "0.0000003" {
		t.Errorf("claude-sonnet-4.5 cache pricing = %v", sonnet.Pricing)
	}
}

func TestAppendProvidersDefault(t *testing.T) {
	body := AppendProviders(nil, catalog.Default)
	var resp struct {
		Data []struct {
			Name             string          `json:"name"`
			Slug             string          `json:"slug"`
			PrivacyPolicyURL *string         `json:"privacy_policy_url"`
			TermsURL         *string         `json:"terms_of_service_url"`
			StatusPageURL    *string         `json:"status_page_url"`
			Headquarters     *string         `json:"headquarters"`
			Datacenters      json.RawMessage `json:"datacenters"`
		} `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if len(resp.Data) != len(catalog.Default.Providers) {
		t.Fatalf("%d providers listed, want %d", len(resp.Data), len(catalog.Default.Providers))
	}
	for i, p := range resp.Data {
		want := catalog.Default.Providers[i]
		if p.Slug != want.Slug || p.Name != want.Name {
			t.Errorf("provider %d = %s/%s, want %s/%s", i, p.Slug, p.Name, want.Slug, want.Name)
		}
		if (p.Headquarters == nil) != (want.Headquarters == "") {
			t.Errorf("%s headquarters = %v, want %q", p.Slug, p.Headquarters, want.Headquarters)
		}
	}
}

// tinyCatalog exercises the edges: strings that need escaping, several endpoints with
// overlapping parameters, zero limits (null), and a model with no endpoints at all.
func tinyCatalog() *catalog.Catalog {
	return catalog.New([]catalog.Model{
		{
			ID: "acme/widget-7b", CanonicalSlug: "acme/widget-7b-2025-01-01", HuggingFaceID: "Acme/Widget-7B",
			Name: `Acme: "Widget" 7B`, Created: 1735689600,
			Description:     "Line one\nline two\u2028<b>bold</b> & tab\t\\ done",
			ContextLength:   65536,
			InputModalities: []string{"image", "text"}, OutputModalities: []string{"text"},
			Tokenizer: "Other", InstructType: "chatml",
			Endpoints: []catalog.Endpoint{
				{Provider: "alpha", Tag: "alpha/fp8", Upstream: "widget", ContextLength: 32768, MaxCompletionTokens: 4096,
					Quantization: "fp8", SupportedParameters: []string{"temperature", "tools"},
					Pricing: catalog.Pricing{Prompt: 75_000, Completion: 1_500_000, Request: 5_000_000_000, InputCacheRead: 7_500}},
				{Provider: "beta", Tag: "beta", Upstream: "acme/widget", ContextLength: 65536,
					Quantization: "bf16", SupportedParameters: []string{"seed", "temperature", "top_k"},
					Pricing: catalog.Pricing{Prompt: 1, Completion: 2}},
			},
		},
		{ID: "acme/draft", Name: "Acme: Draft", Created: 1, Tokenizer: "Other",
			InputModalities: []string{"text", "video"}, OutputModalities: []string{"text", "speech"}},
	}, []catalog.Provider{
		{Slug: "alpha", Name: "Alpha AI", BaseURL: "https://alpha.example/v1", Headquarters: "FR",
			PrivacyPolicyURL: "https://alpha.example/privacy?a=1&b=2", TermsURL: "https://alpha.example/terms", StatusPageURL: "https://status.alpha.example/"},
		{Slug: "beta", Name: "Beta \"Local\"", BaseURL: "http://localhost:1234/v1", Local: true},
	})
}

func TestGolden(t *testing.T) {
	c := tinyCatalog()
	for _, tc := range []struct {
		file string
		body []byte
	}{
		{"models.golden.json", AppendModels(nil, c)},
		{"providers.golden.json", AppendProviders(nil, c)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, tc.file, tc.body)
		})
	}
}

// golden compares body with testdata/<file> byte for byte. The file is kept indented for
// review; compacting it gives back exactly what the writer must produce, because indentation
// only adds whitespace between tokens and never touches string contents.
func golden(t *testing.T, file string, body []byte) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		var b bytes.Buffer
		if err := json.Indent(&b, body, "", "  "); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, body)
		}
		b.WriteByte('\n')
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./core/api -run TestGolden -update)", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !bytes.Equal(compact.Bytes(), body) {
		t.Errorf("output differs from %s (rerun with -update and review the diff)\ngot:  %s\nwant: %s", path, body, compact.Bytes())
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
