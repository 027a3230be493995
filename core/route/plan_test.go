package route

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// testCatalog: acme/big has seven endpoints that differ in every routed property; the
// comments give the prompt and completion price.
func testCatalog() *catalog.Catalog {
	zdr := catalog.DataPolicy{ZDR: true, Distillable: true}
	retains := catalog.DataPolicy{RetainsPrompts: true, RetentionDays: 30, Distillable: true}
	trains := catalog.DataPolicy{Training: true, RetainsPrompts: true}
	ep := func(p, tag string, prompt, completion catalog.Price, ctx int, quant string, pol catalog.DataPolicy, params ...string) catalog.Endpoint {
		if tag == "" {
			tag = p
		}
		return catalog.Endpoint{Provider: p, Tag: tag, Upstream: p + "-model", ContextLength: ctx, Quantization: quant,
			Pricing: catalog.Pricing{Prompt: prompt, Completion: completion}, SupportedParameters: params, DataPolicy: pol}
	}
	big := []catalog.Endpoint{
		ep("cheap", "", 100_000, 100_000, 8192, "fp8", zdr, "temperature", "tools"),                                               // $0.10/M
		ep("mid", "", 500_000, 500_000, 32768, "bf16", retains, "response_format", "structured_outputs", "temperature", "tools"),  // $0.50/M
		ep("dear", "", 1_000_000, 1_000_000, 131072, "fp16", trains, "include_reasoning", "logprobs", "reasoning", "temperature"), // $1/M
		ep("fast", "fast/turbo", 300_000, 300_000, 65536, "fp8", zdr, "tools"),                                                    // $0.30/M
		ep("fast", "fast/slow", 250_000, 250_000, 65536, "", zdr, "tools"),                                                        // $0.25/M, quantization unknown
		ep("nokey", "", 1, 1, 8192, "fp8", zdr),
		ep("anthro", "", 1, 1, 8192, "fp8", zdr),
	}
	big[0].ThroughputHint, big[1].ThroughputHint, big[2].ThroughputHint, big[3].ThroughputHint = 50, 100, 300, 500
	big[0].LatencyHintMS, big[1].LatencyHintMS, big[2].LatencyHintMS, big[3].LatencyHintMS = 900, 400, 200, 300
	big[1].Exacto = true
	big[3].ExtendedContext = true
	big[3].MaxCompletionTokens = 4096
	return catalog.New(
		[]catalog.Model{
			{ID: "acme/big", InputModalities: []string{"text"}, Endpoints: big},
			{ID: "acme/small", InputModalities: []string{"text", "image"}, Endpoints: []catalog.Endpoint{
				ep("cheap", "", 10_000, 10_000, 4096, "int4", zdr, "tools"),
				ep("gratis", "", 0, 0, 4096, "int4", trains),
			}},
			{ID: "acme/claude", Endpoints: []catalog.Endpoint{ep("anthro", "", 1, 1, 1000, "fp8", zdr)}},
			{ID: "x/unconfigured", Endpoints: []catalog.Endpoint{ep("nokey", "", 1, 1, 1000, "fp8", zdr), ep("local", "", 0, 0, 1000, "fp8", zdr)}},
		},
		[]catalog.Provider{
			{Slug: "cheap", Name: "Cheap Inc"}, {Slug: "mid", Name: "Mid"}, {Slug: "dear", Name: "Dear"}, {Slug: "fast", Name: "Fast"},
			{Slug: "gratis", Name: "Gratis"}, {Slug: "nokey"}, {Slug: "anthro", Protocol: catalog.Anthropic}, {Slug: "local", Local: true},
		},
	)
}

func usable(p *catalog.Provider) Reason {
	switch {
	case p.Protocol != catalog.OpenAI:
		return NoAdapter
	case p.Slug == "nokey" || p.Slug == "local":
		return NotConfigured
	}
	return Usable
}

func tags(as []Attempt) []string {
	var out []string
	for _, a := range as {
		s := a.Endpoint.Tag
		if a.Model.ID != "acme/big" {
			s = a.Model.ID + "@" + s
		}
		if a.Compress {
			s += "+mo"
		}
		if a.Pinned {
			s += "+pin"
		}
		out = append(out, s)
	}
	return out
}

// stats is a fixed Stats for tests: health by tag, a pinned tag.
type stats struct {
	h   map[string]Health
	pin string
}

func (s *stats) Health(_ *catalog.Model, e *catalog.Endpoint) Health { return s.h[e.Tag] }
func (s *stats) Pinned(*catalog.Model) string                        { return s.pin }

func prefs(t testing.TB, raw string) *Prefs {
	t.Helper()
	p := new(Prefs)
	if err := ParsePrefs(raw, p); err != nil {
		t.Fatalf("ParsePrefs(%s): %v", raw, err)
	}
	return p
}

func TestPlan(t *testing.T) {
	down := &stats{h: map[string]Health{"cheap": {Unstable: true}}}
	measured := &stats{h: map[string]Health{
		"mid":  {TPS: [4]float32{900, 800, 700, 600}, TTFT: [4]float32{100, 150, 200, 400}},
		"dear": {TPS: [4]float32{10}, TTFT: [4]float32{5000}},
	}}
	tests := []struct {
		name   string
		models []string
		prefs  string
		needs  Needs
		stats  Stats
		want   []string
	}{
		{"cheapest first without randomness", []string{"acme/big"}, ``, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid", "dear"}},
		{"models[] after the first model's endpoints", []string{"acme/big", "acme/small"}, `{"sort":"price"}`, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid", "dear", "acme/small@gratis", "acme/small@cheap"}},
		{"unroutable models are skipped while others remain", []string{"acme/claude", "acme/small"}, `{"sort":"price"}`, Needs{}, nil,
			[]string{"acme/small@gratis", "acme/small@cheap"}},

		// provider object, field by field
		{"order first, then the rest by price", []string{"acme/big"}, `{"order":["dear","Mid"]}`, Needs{}, nil,
			[]string{"dear", "mid", "cheap", "fast/slow", "fast/turbo"}},
		{"order base slug matches every endpoint of the provider", []string{"acme/big"}, `{"order":["fast"],"allow_fallbacks":false}`, Needs{}, nil,
			[]string{"fast/slow", "fast/turbo"}},
		{"order full tag matches one endpoint", []string{"acme/big"}, `{"order":["fast/turbo"],"allow_fallbacks":false}`, Needs{}, nil,
			[]string{"fast/turbo"}},
		{"order wins over health", []string{"acme/big"}, `{"order":["cheap","mid"]}`, Needs{}, down,
			[]string{"cheap", "mid", "fast/slow", "fast/turbo", "dear"}},
		{"allow_fallbacks false: one attempt", []string{"acme/big"}, `{"allow_fallbacks":false}`, Needs{}, nil,
			[]string{"cheap"}},
		{"only, by slug and display name", []string{"acme/big"}, `{"only":["dear","cheap inc"]}`, Needs{}, nil,
			[]string{"cheap", "dear"}},
		{"ignore a base slug", []string{"acme/big"}, `{"ignore":["fast","cheap"]}`, Needs{}, nil,
			[]string{"mid", "dear"}},
		{"zdr", []string{"acme/big"}, `{"zdr":true}`, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo"}},
		{"data_collection deny", []string{"acme/big"}, `{"data_collection":"deny"}`, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid"}},
		{"enforce_distillable_text", []string{"acme/big"}, `{"enforce_distillable_text":true}`, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid"}},
		{"quantizations, unknown included", []string{"acme/big"}, `{"quantizations":["fp16","unknown"]}`, Needs{}, nil,
			[]string{"fast/slow", "dear"}},
		{"max_price per million tokens", []string{"acme/big"}, `{"max_price":{"prompt":0.3,"completion":"0.3"}}`, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo"}},
		{"max_price is inclusive", []string{"acme/big"}, `{"max_price":{"prompt":0.25}}`, Needs{}, nil,
			[]string{"cheap", "fast/slow"}},
		{"sort price", []string{"acme/big"}, `{"sort":"price"}`, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid", "dear"}},
		{"sort throughput uses hints until measured", []string{"acme/big"}, `{"sort":"throughput"}`, Needs{}, nil,
			[]string{"fast/turbo", "dear", "mid", "cheap", "fast/slow"}},
		{"sort throughput prefers measurements", []string{"acme/big"}, `{"sort":{"by":"throughput"}}`, Needs{}, measured,
			[]string{"mid", "fast/turbo", "cheap", "dear", "fast/slow"}},
		{"sort latency", []string{"acme/big"}, `{"sort":"latency"}`, Needs{}, measured,
			[]string{"mid", "fast/turbo", "cheap", "dear", "fast/slow"}},
		{"sort exacto", []string{"acme/big"}, `{"sort":"exacto"}`, Needs{}, nil,
			[]string{"mid", "cheap", "fast/slow", "fast/turbo", "dear"}},
		{"partition none sorts across models", []string{"acme/big", "acme/small"}, `{"sort":{"by":"price","partition":"none"}}`, Needs{}, nil,
			[]string{"acme/small@gratis", "acme/small@cheap", "cheap", "fast/slow", "fast/turbo", "mid", "dear"}},
		{"preferred_min_throughput moves slow endpoints last", []string{"acme/big"}, `{"sort":"price","preferred_min_throughput":90}`, Needs{}, nil,
			[]string{"fast/slow", "fast/turbo", "mid", "dear", "cheap"}},
		{"preferred_max_latency percentiles", []string{"acme/big"}, `{"sort":"price","preferred_max_latency":{"p99":0.3}}`, Needs{}, measured,
			[]string{"cheap", "fast/slow", "fast/turbo", "dear", "mid"}},
		{"require_parameters: every parameter", []string{"acme/big"}, `{"require_parameters":true}`, Needs{Params: catalog.ParamTemperature | catalog.ParamTools}, nil,
			[]string{"cheap", "mid"}},
		{"require_parameters: aliases fold", []string{"acme/big"}, `{"require_parameters":true}`, Needs{Params: catalog.ParamReasoningEffort}, nil,
			[]string{"dear"}},

		// soft filters
		{"tools narrow the model to endpoints with tools", []string{"acme/big"}, ``, Needs{Params: catalog.ParamTools | catalog.ParamTemperature}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid"}},
		{"a soft capability nobody has is ignored", []string{"acme/big"}, ``, Needs{Params: catalog.ParamVerbosity}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid", "dear"}},
		{"soft filters stack", []string{"acme/big"}, ``, Needs{Params: catalog.ParamTools | catalog.ParamResponseFormat}, nil,
			[]string{"mid"}},

		// hard capability filters
		{"context: prompt + max_tokens must fit", []string{"acme/big"}, ``, Needs{PromptTokens: 30000, MaxTokens: 5000, Compress: CompressOff}, nil,
			[]string{"fast/slow", "dear"}},
		{"context: a small endpoint stays as a middle-out fallback", []string{"acme/big"}, ``, Needs{PromptTokens: 30000, MaxTokens: 5000}, nil,
			[]string{"fast/slow", "dear", "cheap+mo"}},
		{"max_tokens above an output limit", []string{"acme/big"}, ``, Needs{MaxTokens: 5000}, nil,
			[]string{"cheap", "fast/slow", "mid", "dear"}},

		// middle-out
		{"middle-out by default on small contexts", []string{"acme/big"}, ``, Needs{PromptTokens: 9000}, nil,
			[]string{"fast/slow", "fast/turbo", "mid", "dear", "cheap+mo"}},
		{"transforms [] turns it off", []string{"acme/big"}, ``, Needs{PromptTokens: 9000, Compress: CompressOff}, nil,
			[]string{"fast/slow", "fast/turbo", "mid", "dear"}},
		{"on: half the context is enough", []string{"acme/big"}, ``, Needs{PromptTokens: 200000, Compress: CompressOn}, nil,
			[]string{"dear+mo"}},
		{"on: else the largest context", []string{"acme/big"}, ``, Needs{PromptTokens: 900000, Compress: CompressOn}, nil,
			[]string{"dear+mo"}},
		{"on: fitting endpoints before compressed ones", []string{"acme/big"}, ``, Needs{PromptTokens: 40000, Compress: CompressOn}, nil,
			[]string{"fast/slow", "fast/turbo", "dear", "mid+mo"}},

		// variants
		{":floor is a price sort", []string{"acme/big:floor"}, ``, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid", "dear"}},
		{":nitro is a throughput sort", []string{"acme/big:nitro"}, ``, Needs{}, measured,
			[]string{"mid", "fast/turbo", "cheap", "dear", "fast/slow"}},
		{":exacto puts flagged endpoints first", []string{"acme/big:exacto"}, ``, Needs{}, nil,
			[]string{"mid", "cheap", "fast/slow", "fast/turbo", "dear"}},
		{":free keeps free endpoints", []string{"acme/small:free"}, ``, Needs{}, nil,
			[]string{"acme/small@gratis"}},
		{":extended keeps extended-context endpoints", []string{"acme/big:extended"}, ``, Needs{}, nil,
			[]string{"fast/turbo"}},
		{":thinking keeps reasoning endpoints", []string{"acme/big:thinking"}, ``, Needs{}, nil,
			[]string{"dear"}},
		{":beta is accepted", []string{"acme/big:beta"}, `{"sort":"price"}`, Needs{}, nil,
			[]string{"cheap", "fast/slow", "fast/turbo", "mid", "dear"}},

		// health and sticky routing
		{"failing endpoints go last", []string{"acme/big"}, `{"sort":"price"}`, Needs{}, down,
			[]string{"fast/slow", "fast/turbo", "mid", "dear", "cheap"}},
		{"sticky endpoint first", []string{"acme/big"}, ``, Needs{}, &stats{pin: "mid"},
			[]string{"mid+pin", "cheap", "fast/slow", "fast/turbo", "dear"}},
		{"sticky endpoint first even over a sort", []string{"acme/big"}, `{"sort":"price"}`, Needs{}, &stats{pin: "dear"},
			[]string{"dear+pin", "cheap", "fast/slow", "fast/turbo", "mid"}},
		{"sticky endpoint dropped while failing", []string{"acme/big"}, ``, Needs{}, &stats{pin: "cheap", h: down.h},
			[]string{"fast/slow", "fast/turbo", "mid", "dear", "cheap"}},
		{"sticky ignored under an explicit order", []string{"acme/big"}, `{"order":["dear"]}`, Needs{}, &stats{pin: "mid"},
			[]string{"dear", "cheap", "fast/slow", "fast/turbo", "mid"}},
		{"sticky endpoint filtered out is not used", []string{"acme/big"}, `{"ignore":["mid"]}`, Needs{}, &stats{pin: "mid"},
			[]string{"cheap", "fast/slow", "fast/turbo", "dear"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Plan(&Input{Catalog: testCatalog(), Models: tt.models, Prefs: prefs(t, tt.prefs), Needs: tt.needs, Usable: usable, Stats: tt.stats})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tags(got), tt.want) {
				t.Fatalf("plan = %v, want %v", tags(got), tt.want)
			}
		})
	}
}

func TestPlanAttemptFlags(t *testing.T) {
	c := testCatalog()
	got, err := Plan(&Input{Catalog: c, Models: []string{"acme/big"}, Prefs: prefs(t, `{"only":["dear","mid"]}`), Usable: usable})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range got {
		if a.Reasoning != (a.Endpoint.Tag == "dear") {
			t.Errorf("%s: Reasoning = %v", a.Endpoint.Tag, a.Reasoning)
		}
	}
	got, _ = Plan(&Input{Catalog: c, Models: []string{"acme/big"}, Prefs: prefs(t, `{"only":["dear"]}`), Needs: Needs{ReasoningOff: true}, Usable: usable})
	if got[0].Reasoning {
		t.Error("reasoning turned off by the request, still Reasoning")
	}
	got, _ = Plan(&Input{Catalog: c, Models: []string{"acme/big:thinking"}, Usable: usable})
	if !got[0].Reasoning || got[0].Variant != Thinking {
		t.Errorf(":thinking attempt = %+v", got[0])
	}
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name     string
		models   []string
		prefs    string
		needs    Needs
		contains []string
		excluded []string
	}{
		{"unknown model", []string{"acme/big", "nope/nope"}, ``, Needs{}, []string{"nope/nope is not a valid model ID"}, nil},
		{"unknown variant", []string{"acme/big:turbo"}, ``, Needs{}, []string{"acme/big:turbo is not a valid model ID"}, nil},
		{"online", []string{"acme/big:online"}, ``, Needs{}, []string{"web search"}, nil},
		{"no key names the variables", []string{"x/unconfigured"}, ``, Needs{}, []string{"LOCAL_BASE_URL or NOKEY_API_KEY", "x/unconfigured"}, nil},
		{"no adapter says so", []string{"acme/claude"}, ``, Needs{}, []string{"anthropic protocol", "adapter is not available"}, nil},
		{"each filter is named", []string{"acme/big"}, `{"zdr":true,"ignore":["cheap"],"max_price":{"prompt":0.2}}`, Needs{},
			[]string{"No endpoint of acme/big meets this request", "provider.only/ignore removed 1", "zdr removed 2", "max_price removed 2"},
			[]string{"allowed_providers", "data_policy:zdr", "max_price"}},
		{"require_parameters names what is missing", []string{"acme/big"}, `{"require_parameters":true,"data_collection":"deny"}`,
			Needs{Params: catalog.ParamTools | catalog.ParamLogprobs},
			[]string{`data_collection "deny" removed 1`, "require_parameters removed 4 (not supporting logprobs)"},
			[]string{"data_policy:training", "require_parameters"}},
		{"image input is a hard filter with require_parameters", []string{"acme/big"}, `{"require_parameters":true}`, Needs{Images: true},
			[]string{"not supporting image input"}, []string{"require_parameters"}},
		{"context length suggests middle-out", []string{"acme/big"}, ``, Needs{PromptTokens: 200000, Compress: CompressOff},
			[]string{"context length removed 5", "200000 tokens needed", "middle-out"}, []string{"context_length"}},
		{"every model is reported", []string{"acme/big:free", "acme/small:extended"}, ``, Needs{},
			[]string{"No endpoint of acme/big:free meets", "the variant removed 5", "No endpoint of acme/small:extended meets", "the variant removed 2"},
			[]string{"variant"}},
		{"quantizations", []string{"acme/big"}, `{"quantizations":["fp32"]}`, Needs{},
			[]string{"quantizations removed 5"}, []string{"quantization"}},
		{"allow_fallbacks false with an order", []string{"acme/big"}, `{"order":["nokey"],"allow_fallbacks":false}`, Needs{},
			[]string{"provider.order with allow_fallbacks false removed 5", "NOKEY_API_KEY"}, []string{"allowed_providers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plan(&Input{Catalog: testCatalog(), Models: tt.models, Prefs: prefs(t, tt.prefs), Needs: tt.needs, Usable: usable})
			if err == nil {
				t.Fatal("Plan succeeded, want an error")
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			var ne *NoEndpointError
			if errors.As(err, &ne) && !slices.Equal(ne.ExcludedBy(), tt.excluded) {
				t.Errorf("ExcludedBy = %v, want %v", ne.ExcludedBy(), tt.excluded)
			}
		})
	}
	_, err := Plan(&Input{Catalog: testCatalog(), Models: []string{"x/unconfigured"}, Usable: usable})
	var ne *NoEndpointError
	if !errors.As(err, &ne) || !slices.Equal(ne.EnvVars, []string{"LOCAL_BASE_URL", "NOKEY_API_KEY"}) {
		t.Fatalf("NoEndpointError.EnvVars = %v", ne)
	}
	_, err = Plan(&Input{Catalog: testCatalog(), Models: []string{"acme/big"}, Needs: Needs{PromptTokens: 1 << 20, Compress: CompressOff}, Usable: usable})
	if !errors.As(err, &ne) || !ne.OnlyFiltered(FilterContext) {
		t.Errorf("oversized prompt: %v, want only the context filter", err)
	}
}

// TestLottery checks the default load balancing against its documented weights: with
// stable endpoints at prices 1, 2 and 3, each is first with probability ∝ 1/price².
func TestLottery(t *testing.T) {
	ep := func(p string, price catalog.Price) catalog.Endpoint {
		return catalog.Endpoint{Provider: p, Tag: p, Pricing: catalog.Pricing{Prompt: price}}
	}
	c := catalog.New([]catalog.Model{{ID: "m/x", Endpoints: []catalog.Endpoint{ep("c", 3), ep("a", 1), ep("b", 2)}}},
		[]catalog.Provider{{Slug: "a"}, {Slug: "b"}, {Slug: "c"}})
	r := rand.NewPCG(1, 2)
	count := map[string]int{}
	const n = 20000
	in := &Input{Catalog: c, Models: []string{"m/x"}, Usable: usable, Rand: r}
	for range n {
		got, err := Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		count[got[0].Endpoint.Tag]++
		// The tail stays in price order.
		rest := tags(got[1:])
		if !slices.IsSortedFunc(got[1:], func(x, y Attempt) int { return int(x.Endpoint.Pricing.Prompt - y.Endpoint.Pricing.Prompt) }) {
			t.Fatalf("tail %v not in price order", rest)
		}
	}
	total := 1.0 + 1.0/4 + 1.0/9
	for tag, w := range map[string]float64{"a": 1, "b": 1.0 / 4, "c": 1.0 / 9} {
		want := n * w / total
		if got := float64(count[tag]); got < want*0.93 || got > want*1.07 {
			t.Errorf("%s first %v times in %d, want about %.0f", tag, got, n, want)
		}
	}
	t.Logf("first picks over %d plans: %v", n, count)

	// The documented example: A $1, B $2 with recent outages, C $3 → A 90%, C 10%, B last.
	in.Stats = &stats{h: map[string]Health{"b": {Unstable: true}}}
	clear(count)
	for range n {
		got, _ := Plan(in)
		count[got[0].Endpoint.Tag]++
		if got[2].Endpoint.Tag != "b" {
			t.Fatalf("plan %v: the failing endpoint is not last", tags(got))
		}
	}
	if a := float64(count["a"]) / n; a < 0.88 || a > 0.92 || count["b"] != 0 {
		t.Errorf("with b failing: %v, want a first 90%% of the time", count)
	}
}

func TestLotteryFreeFirst(t *testing.T) {
	got, err := Plan(&Input{Catalog: testCatalog(), Models: []string{"acme/small"}, Usable: usable, Rand: rand.NewPCG(3, 4)})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Endpoint.Tag != "gratis" {
		t.Errorf("plan %v: a free endpoint should always win the lottery", tags(got))
	}
}

func TestClassify(t *testing.T) {
	for status, want := range map[int]Action{
		400: Stop, 413: Stop, 422: Stop, 401: Next, 402: Next, 403: Next, 404: Next,
		408: Next, 409: Next, 429: Next, 500: Next, 502: Next, 503: Next, 529: Next,
	} {
		if got := Classify(status); got != want {
			t.Errorf("Classify(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestUnstable(t *testing.T) {
	for _, tc := range []struct {
		ok, failed int
		want       bool
	}{{0, 0, false}, {0, 1, false}, {0, 2, true}, {2, 2, true}, {3, 2, false}, {10, 9, false}, {1, 5, true}} {
		if got := Unstable(tc.ok, tc.failed); got != tc.want {
			t.Errorf("Unstable(%d ok, %d failed) = %v", tc.ok, tc.failed, got)
		}
	}
}
