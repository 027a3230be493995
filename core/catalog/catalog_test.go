package catalog

import (
	"strings"
	"testing"
)

func TestPricePerToken(t *testing.T) {
	for _, tc := range []struct {
		p    Price
		want string
	}{
		{0, "0"},
		{1, "0.000000000001"},
		{75_000, "0.000000075"},                   // $0.075 per million tokens
		{150_000, "0.00000015"},                   // $0.15 per million tokens
		{2_500_000, "0.0000025"},                  // $2.50 per million tokens
		{10_000_000, "0.00001"},                   // $10 per million tokens
		{5_000_000_000, "0.005"},                  // $0.005 per request
		{1_000_000_000_000, "1"},                  // exactly one dollar: no trailing ".0"
		{1_500_000_000_000, "1.5"},                // trailing zeros dropped
		{123_456_789_012_345, "123.456789012345"}, // all twelve decimals
		{-150_000, "-0.00000015"},                 // credits and refunds can be negative
		{9_223_372_036_854_775_807, "9223372.036854775807"},
	} {
		if got := tc.p.PerToken(); got != tc.want {
			t.Errorf("Price(%d).PerToken() = %q, want %q", int64(tc.p), got, tc.want)
		}
	}
}

func TestEnvName(t *testing.T) {
	for _, tc := range []struct{ slug, want string }{
		{"openai", "OPENAI"},
		{"google-ai-studio", "GOOGLE_AI_STUDIO"},
		{"deepinfra/turbo", "DEEPINFRA_TURBO"},
		{"a.b", "A_B"},
		{"x2", "X2"},
		{"", ""},
	} {
		if got := EnvName(tc.slug); got != tc.want {
			t.Errorf("EnvName(%q) = %q, want %q", tc.slug, got, tc.want)
		}
	}
}

func TestNewLookups(t *testing.T) {
	c := New([]Model{{ID: "a/x"}, {ID: "b/y"}}, []Provider{{Slug: "p"}})
	if m := c.Model("b/y"); m != &c.Models[1] {
		t.Errorf("Model(b/y) = %v", m)
	}
	if c.Model("c/z") != nil || c.Provider("q") != nil {
		t.Error("lookups of unknown keys should return nil")
	}
	if p := c.Provider("p"); p != &c.Providers[0] {
		t.Errorf("Provider(p) = %v", p)
	}
}

// The invariants below are what routing and billing rely on; the generator checks the
// JSON's shape, these check the catalog's content.

func TestDefaultCatalog(t *testing.T) {
	c := Default
	if len(c.Models) < 25 {
		t.Errorf("%d models, want at least 25", len(c.Models))
	}
	authors := map[string]int{}
	for _, m := range c.Models {
		authors[strings.SplitN(m.ID, "/", 2)[0]]++
	}
	for _, a := range []string{"openai", "anthropic", "google", "deepseek", "meta-llama", "mistralai", "qwen"} {
		if authors[a] == 0 {
			t.Errorf("no models by %s", a)
		}
	}
	for i := range c.Models {
		m := &c.Models[i]
		if got := c.Model(m.ID); got != m {
			t.Errorf("Model(%q) = %p, want %p", m.ID, got, m)
		}
		checkModel(t, c, m)
	}
	for i := range c.Providers {
		p := &c.Providers[i]
		if got := c.Provider(p.Slug); got != p {
			t.Errorf("Provider(%q) = %p, want %p", p.Slug, got, p)
		}
		if p.Name == "" || !strings.HasPrefix(p.BaseURL, "http") {
			t.Errorf("provider %q: name %q, base URL %q", p.Slug, p.Name, p.BaseURL)
		}
	}
	for _, id := range []string{"", "openai", "openai/gpt-4o ", "OPENAI/GPT-4O", "openai/gpt-4o:free", "nope/nope"} {
		if c.Model(id) != nil {
			t.Errorf("Model(%q) should be nil", id)
		}
	}
	for _, slug := range []string{"", "OpenAI", "deepinfra/turbo", "openrouter"} {
		if c.Provider(slug) != nil {
			t.Errorf("Provider(%q) should be nil", slug)
		}
	}
	for _, slug := range []string{"ollama", "vllm"} {
		if p := c.Provider(slug); p == nil || !p.Local || p.Protocol != OpenAI {
			t.Errorf("local provider %s = %+v, want a Local OpenAI-protocol provider", slug, p)
		}
	}
	for slug, proto := range map[string]Protocol{"anthropic": Anthropic, "google-ai-studio": Gemini, "openai": OpenAI, "groq": OpenAI} {
		if p := c.Provider(slug); p == nil || p.Protocol != proto {
			t.Errorf("provider %s = %+v, want protocol %v", slug, p, proto)
		}
	}
}

func checkModel(t *testing.T, c *Catalog, m *Model) {
	t.Helper()
	if len(m.Endpoints) == 0 {
		t.Errorf("%s: no endpoints", m.ID)
		return
	}
	maxCtx, openAI := 0, 0
	hosted := map[Price]bool{} // distinct prices among hosted OpenAI-protocol endpoints
	tags := map[string]bool{}
	for _, e := range m.Endpoints {
		p := c.Provider(e.Provider)
		if p == nil {
			t.Errorf("%s: endpoint on unknown provider %q", m.ID, e.Provider)
			continue
		}
		if e.Tag != e.Provider && !strings.HasPrefix(e.Tag, e.Provider+"/") || tags[e.Tag] {
			t.Errorf("%s: bad or duplicate tag %q", m.ID, e.Tag)
		}
		tags[e.Tag] = true
		for _, v := range []Price{e.Pricing.Prompt, e.Pricing.Completion, e.Pricing.Request, e.Pricing.Image,
			e.Pricing.InputCacheRead, e.Pricing.InputCacheWrite, e.Pricing.InternalReasoning} {
			if v < 0 {
				t.Errorf("%s on %s: negative price %d", m.ID, e.Tag, v)
			}
		}
		if p.Local && (e.Pricing != Pricing{}) {
			t.Errorf("%s on %s: a local endpoint should cost nothing", m.ID, e.Tag)
		}
		if !p.Local && e.Pricing.Prompt == 0 {
			t.Errorf("%s on %s: hosted endpoint with a zero prompt price", m.ID, e.Tag)
		}
		if e.Upstream == "" || e.ContextLength <= 0 || e.MaxCompletionTokens > e.ContextLength {
			t.Errorf("%s on %s: upstream %q, context %d, max completion %d", m.ID, e.Tag, e.Upstream, e.ContextLength, e.MaxCompletionTokens)
		}
		maxCtx = max(maxCtx, e.ContextLength)
		if p.Protocol == OpenAI {
			openAI++
			if !p.Local {
				hosted[e.Pricing.Prompt+e.Pricing.Completion] = true
			}
		}
	}
	if m.ContextLength != maxCtx {
		t.Errorf("%s: ContextLength %d, want the largest endpoint context %d", m.ID, m.ContextLength, maxCtx)
	}
	switch author := strings.SplitN(m.ID, "/", 2)[0]; author {
	case "meta-llama", "qwen", "deepseek":
		// Open-weight models are the point of cheapest-first fallback: several
		// OpenAI-compatible endpoints, at least two of them hosted at different prices.
		if openAI < 3 || len(hosted) < 2 {
			t.Errorf("%s: %d OpenAI-protocol endpoints, %d distinct hosted prices; want >= 3 and >= 2", m.ID, openAI, len(hosted))
		}
	case "anthropic", "google":
		want := map[string]Protocol{"anthropic": Anthropic, "google": Gemini}[author]
		if p := c.Provider(m.Endpoints[0].Provider); p.Protocol != want {
			t.Errorf("%s: first-party endpoint speaks %v, want %v", m.ID, p.Protocol, want)
		}
	}
}

func TestParams(t *testing.T) {
	for i, n := range paramNames {
		if got := ParamOf(n); got != 1<<i {
			t.Errorf("ParamOf(%q) = %#x, want bit %d", n, got, i)
		}
		if ParamName(1<<i) != n {
			t.Errorf("ParamName(bit %d) = %q, want %q", i, ParamName(1<<i), n)
		}
	}
	if len(paramNames) != 26 || Params(1)<<len(paramNames) != paramEnd {
		t.Errorf("%d names for %#x", len(paramNames), paramEnd)
	}
	if ParamOf("messages") != 0 || ParamName(ParamTools|ParamSeed) != "" {
		t.Error("names outside the vocabulary must map to no bit")
	}
	if got := (ParamTools | ParamSeed).Names(); len(got) != 2 || got[0] != "seed" || got[1] != "tools" {
		t.Errorf("Names = %v", got)
	}
	// The generated sets agree with the lists they were written from.
	for _, m := range Default.Models {
		for _, e := range m.Endpoints {
			if e.Params != ParamsOf(e.SupportedParameters) {
				t.Errorf("%s on %s: Params %v, SupportedParameters %v", m.ID, e.Tag, e.Params.Names(), e.SupportedParameters)
			}
		}
	}
	c := New([]Model{{ID: "a/x", Endpoints: []Endpoint{{SupportedParameters: []string{"tools"}}}}}, nil)
	if c.Models[0].Endpoints[0].Params != ParamTools {
		t.Error("New does not fill in Params")
	}
}

func TestRoutingFlags(t *testing.T) {
	var exacto, extended, hinted int
	for _, m := range Default.Models {
		for _, e := range m.Endpoints {
			if e.Exacto {
				exacto++
			}
			if e.ExtendedContext {
				extended++
				// Extended endpoints serve more than some sibling does natively.
				if e.ContextLength <= minContext(&m) {
					t.Errorf("%s on %s: extended_context at %d, no more than the smallest sibling", m.ID, e.Tag, e.ContextLength)
				}
			}
			if e.ThroughputHint > 0 || e.LatencyHintMS > 0 {
				hinted++
			}
			if e.Free() != (e.Pricing.Prompt == 0 && e.Pricing.Completion == 0) {
				t.Errorf("%s on %s: Free() disagrees with its prices", m.ID, e.Tag)
			}
		}
	}
	if exacto == 0 || extended == 0 || hinted == 0 {
		t.Errorf("exacto %d, extended %d, hinted %d: the routing variants need flagged endpoints", exacto, extended, hinted)
	}
}

func minContext(m *Model) int {
	n := m.ContextLength
	for _, e := range m.Endpoints {
		n = min(n, e.ContextLength)
	}
	return n
}
