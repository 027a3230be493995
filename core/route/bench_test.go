package route

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// benchCatalog: one model with ten endpoints at ten providers.
func benchCatalog() *catalog.Catalog {
	var eps []catalog.Endpoint
	var provs []catalog.Provider
	for i := range 10 {
		slug := "p" + strconv.Itoa(i)
		eps = append(eps, catalog.Endpoint{
			Provider: slug, Tag: slug, Upstream: "model", ContextLength: 131072, MaxCompletionTokens: 16384,
			Quantization:        []string{"fp8", "bf16"}[i%2],
			Pricing:             catalog.Pricing{Prompt: catalog.Price(100_000 * (i + 1)), Completion: catalog.Price(200_000 * (i + 1))},
			DataPolicy:          catalog.DataPolicy{ZDR: i%3 != 0, Distillable: true},
			SupportedParameters: []string{"max_tokens", "response_format", "seed", "stop", "temperature", "tool_choice", "tools", "top_p"},
			ThroughputHint:      50 + 20*i, LatencyHintMS: 300 + 50*i,
		})
		provs = append(provs, catalog.Provider{Slug: slug, Name: "Provider " + strconv.Itoa(i)})
	}
	return catalog.New([]catalog.Model{{ID: "bench/model", InputModalities: []string{"text"}, Endpoints: eps}}, provs)
}

// fullPrefs sets every field of the provider object and still leaves several endpoints.
const fullPrefs = `{"order":["p7","p3"],"allow_fallbacks":true,"require_parameters":true,"data_collection":"deny",
	"zdr":false,"enforce_distillable_text":true,"only":["p0","p1","p2","p3","p4","p5","p6","p7"],"ignore":["p5"],
	"quantizations":["fp8","bf16"],"sort":{"by":"throughput","partition":"model"},
	"max_price":{"prompt":1,"completion":"2","request":0.01,"image":0.01},
	"preferred_min_throughput":{"p50":60,"p90":40},"preferred_max_latency":{"p50":0.5,"p99":3}}`

type benchStats struct{ h [10]Health }

func (s *benchStats) Health(_ *catalog.Model, e *catalog.Endpoint) Health {
	return s.h[e.Provider[1]-'0']
}
func (s *benchStats) Pinned(*catalog.Model) string { return "p4" }

func benchInput(b *testing.B, raw string) *Input {
	p := new(Prefs)
	if err := ParsePrefs(raw, p); err != nil {
		b.Fatal(err)
	}
	st := &benchStats{}
	for i := range st.h {
		st.h[i] = Health{Unstable: i == 2, TPS: [4]float32{float32(40 + 10*i), 0, float32(30 + 10*i)}, TTFT: [4]float32{float32(200 + 60*i)}}
	}
	return &Input{Catalog: benchCatalog(), Models: []string{"bench/model"}, Prefs: p,
		Needs:  Needs{PromptTokens: 2000, MaxTokens: 1000, Params: catalog.ParamTools | catalog.ParamTemperature | catalog.ParamMaxTokens},
		Usable: func(*catalog.Provider) Reason { return Usable }, Stats: st, Rand: rand.NewPCG(1, 2)}
}

// BenchmarkPlan: a model with ten endpoints and a full provider object (target ≤ 2 µs and
// ≤ 10 allocations per plan).
func BenchmarkPlan(b *testing.B) {
	in := benchInput(b, fullPrefs)
	if got, err := Plan(in); err != nil || len(got) < 3 {
		b.Fatalf("plan %v, %v", tags(got), err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Plan(in)
	}
}

// BenchmarkPlanDefault: the same model with no provider object: price-weighted load
// balancing with health, sticky routing and the lottery.
func BenchmarkPlanDefault(b *testing.B) {
	in := benchInput(b, ``)
	b.ReportAllocs()
	for b.Loop() {
		Plan(in)
	}
}

// BenchmarkParsePrefs: reading the full provider object from the request.
func BenchmarkParsePrefs(b *testing.B) {
	var p Prefs
	b.ReportAllocs()
	for b.Loop() {
		if err := ParsePrefs(fullPrefs, &p); err != nil {
			b.Fatal(err)
		}
	}
}
