package route

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// The property tests generate random catalogs, provider objects (as JSON, so the parser is
// exercised too), request needs, health snapshots and lottery seeds from fixed seeds, and
// check what the documentation promises for every one of them.

var (
	propProviders = []string{"alpha", "beta", "gamma", "delta", "eps"}
	propQuants    = []string{"fp8", "bf16", "int4", ""}
)

// propCase is one generated routing situation.
type propCase struct {
	cat      *catalog.Catalog
	models   []string
	raw      string // the provider object
	prefs    *Prefs
	needs    Needs
	stats    *stats
	seed     uint64
	maxPrice [2]int64 // independent record of the prompt/completion bounds (pico per token), -1 none
	only     []string
	ignore   []string
	order    []string
}

func genCase(t *testing.T, r *rand.Rand) *propCase {
	pc := &propCase{stats: &stats{h: map[string]Health{}}, seed: r.Uint64(), maxPrice: [2]int64{-1, -1}}
	var models []catalog.Model
	for m := range 1 + r.IntN(2) {
		var eps []catalog.Endpoint
		for _, p := range propProviders {
			for v := range 1 + r.IntN(2) {
				if r.IntN(4) == 0 {
					continue
				}
				tag := p
				if v > 0 {
					tag = p + "/v" + strconv.Itoa(v)
				}
				e := catalog.Endpoint{
					Provider: p, Tag: tag, Upstream: tag, ContextLength: []int{4096, 8192, 32768, 131072, 0}[r.IntN(5)],
					Quantization: propQuants[r.IntN(len(propQuants))],
					Pricing:      catalog.Pricing{Prompt: catalog.Price(r.IntN(4) * 50_000), Completion: catalog.Price(r.IntN(6) * 100_000)},
					DataPolicy:   catalog.DataPolicy{Training: r.IntN(3) == 0, ZDR: r.IntN(2) == 0, Distillable: r.IntN(2) == 0},
					Exacto:       r.IntN(3) == 0, ExtendedContext: r.IntN(3) == 0, ThroughputHint: r.IntN(300),
					MaxCompletionTokens: []int{0, 4096, 16384}[r.IntN(3)],
				}
				for _, name := range []string{"tools", "response_format", "reasoning", "logprobs", "temperature"} {
					if r.IntN(2) == 0 {
						e.SupportedParameters = append(e.SupportedParameters, name)
					}
				}
				slices.Sort(e.SupportedParameters)
				eps = append(eps, e)
				if r.IntN(4) == 0 {
					pc.stats.h[tag] = Health{Unstable: true}
				} else if r.IntN(2) == 0 {
					pc.stats.h[tag] = Health{TPS: [4]float32{float32(r.IntN(500))}, TTFT: [4]float32{float32(r.IntN(3000))}}
				}
			}
		}
		models = append(models, catalog.Model{ID: "m/" + strconv.Itoa(m), InputModalities: []string{"text"}, Endpoints: eps})
		id := "m/" + strconv.Itoa(m)
		if r.IntN(6) == 0 {
			id += ":" + []string{"nitro", "floor", "exacto", "free", "extended", "thinking"}[r.IntN(6)]
		}
		pc.models = append(pc.models, id)
	}
	var provs []catalog.Provider
	for _, p := range propProviders {
		provs = append(provs, catalog.Provider{Slug: p, Name: strings.ToUpper(p)})
	}
	pc.cat = catalog.New(models, provs)

	// A provider object with each field present at random.
	var f []string
	pick := func() []string {
		var out []string
		for _, p := range propProviders {
			if r.IntN(3) == 0 {
				if r.IntN(3) == 0 {
					p += "/v1"
				} else if r.IntN(4) == 0 {
					p = strings.ToUpper(p) // display names and case are accepted
				}
				out = append(out, p)
			}
		}
		return out
	}
	list := func(name string, l []string) {
		q := make([]string, len(l))
		for i, s := range l {
			q[i] = strconv.Quote(s)
		}
		f = append(f, fmt.Sprintf("%q:[%s]", name, strings.Join(q, ",")))
	}
	if r.IntN(3) == 0 {
		pc.order = pick()
		list("order", pc.order)
	}
	if r.IntN(3) == 0 {
		pc.only = pick()
		list("only", pc.only)
	}
	if r.IntN(3) == 0 {
		pc.ignore = pick()
		list("ignore", pc.ignore)
	}
	for _, b := range []string{"allow_fallbacks", "require_parameters", "zdr", "enforce_distillable_text"} {
		if r.IntN(4) == 0 {
			f = append(f, fmt.Sprintf("%q:%t", b, r.IntN(2) == 0))
		}
	}
	if r.IntN(4) == 0 {
		f = append(f, `"data_collection":"`+[]string{"allow", "deny"}[r.IntN(2)]+`"`)
	}
	if r.IntN(4) == 0 {
		f = append(f, `"quantizations":["`+[]string{"fp8", "bf16", "int4", "unknown"}[r.IntN(4)]+`"]`)
	}
	if r.IntN(3) == 0 {
		by := []string{"price", "throughput", "latency", "exacto"}[r.IntN(4)]
		if r.IntN(2) == 0 {
			f = append(f, `"sort":"`+by+`"`)
		} else {
			f = append(f, `"sort":{"by":"`+by+`","partition":"`+[]string{"model", "none"}[r.IntN(2)]+`"}`)
		}
	}
	if r.IntN(3) == 0 {
		// Dollars per million tokens with up to three decimals, as a number or a string.
		var mp []string
		for i, name := range []string{"prompt", "completion"} {
			if r.IntN(2) == 0 {
				// Often exactly a generated price, or one step either side of it.
				milli := max(0, 50*r.IntN(8)+[]int{-1, 0, 0, 1}[r.IntN(4)])
				pc.maxPrice[i] = int64(milli) * 1000 // $0.001/M = 1000 picodollars per token
				v := strconv.FormatFloat(float64(milli)/1000, 'f', -1, 64)
				if r.IntN(2) == 0 {
					v = strconv.Quote(v)
				}
				mp = append(mp, fmt.Sprintf("%q:%s", name, v))
			}
		}
		f = append(f, `"max_price":{`+strings.Join(mp, ",")+`}`)
	}
	if r.IntN(5) == 0 {
		f = append(f, `"preferred_min_throughput":`+strconv.Itoa(r.IntN(300)))
	}
	if r.IntN(5) == 0 {
		f = append(f, `"preferred_max_latency":{"p50":`+strconv.FormatFloat(r.Float64()*3, 'f', 2, 64)+`}`)
	}
	r.Shuffle(len(f), func(i, j int) { f[i], f[j] = f[j], f[i] })
	pc.raw = "{" + strings.Join(f, ",") + "}"
	pc.prefs = new(Prefs)
	if err := ParsePrefs(pc.raw, pc.prefs); err != nil {
		t.Fatalf("generated provider object %s: %v", pc.raw, err)
	}
	pc.needs = Needs{PromptTokens: []int{0, 100, 5000, 40000, 200000}[r.IntN(5)], MaxTokens: []int{0, 1000, 8000}[r.IntN(3)],
		Compress: Compress(r.IntN(3))}
	for _, p := range []catalog.Params{catalog.ParamTools, catalog.ParamResponseFormat, catalog.ParamLogprobs, catalog.ParamTemperature} {
		if r.IntN(3) == 0 {
			pc.needs.Params |= p
		}
	}
	if r.IntN(5) == 0 {
		pc.stats.pin = propProviders[r.IntN(len(propProviders))]
	}
	return pc
}

func (pc *propCase) plan() ([]Attempt, error) {
	return Plan(&Input{Catalog: pc.cat, Models: pc.models, Prefs: pc.prefs, Needs: pc.needs, Usable: func(*catalog.Provider) Reason { return Usable },
		Stats: pc.stats, Rand: rand.NewPCG(pc.seed, 7)})
}

func named(list []string, a *Attempt) bool {
	for _, s := range list {
		if strings.EqualFold(s, a.Provider.Slug) || strings.EqualFold(s, a.Endpoint.Tag) || strings.EqualFold(s, a.Provider.Name) {
			return true
		}
	}
	return false
}

func TestPlanProperties(t *testing.T) {
	const cases = 4000
	r := rand.New(rand.NewPCG(20251122, 1))
	planned, failed := 0, 0
	for i := range cases {
		pc := genCase(t, r)
		got, err := pc.plan()
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d: models %v, provider %s, needs %+v:\nplan %v\n%s", i, pc.models, pc.raw, pc.needs, tags(got), fmt.Sprintf(format, args...))
		}
		if err != nil {
			failed++
			if _, ok := err.(*NoEndpointError); !ok {
				fail("unexpected error %v", err)
			}
			continue
		}
		planned++
		again, _ := pc.plan()
		if !slices.Equal(tags(again), tags(got)) {
			fail("not deterministic under one seed: %v then %v", tags(got), tags(again))
		}
		seen := map[*catalog.Endpoint]bool{}
		p := pc.prefs
		for j := range got {
			a := &got[j]
			if seen[a.Endpoint] {
				fail("%s planned twice", a.Endpoint.Tag)
			}
			seen[a.Endpoint] = true
			if named(pc.ignore, a) {
				fail("ignored %s attempted", a.Endpoint.Tag)
			}
			if len(pc.only) > 0 && !named(pc.only, a) {
				fail("%s attempted, not in only", a.Endpoint.Tag)
			}
			if !p.AllowFallbacks && len(pc.order) > 0 && !named(pc.order, a) {
				fail("%s attempted, not in order, with allow_fallbacks false", a.Endpoint.Tag)
			}
			if b := pc.maxPrice[0]; b >= 0 && int64(a.Endpoint.Pricing.Prompt) > b {
				fail("%s prompt price %d above max_price %d", a.Endpoint.Tag, a.Endpoint.Pricing.Prompt, b)
			}
			if b := pc.maxPrice[1]; b >= 0 && int64(a.Endpoint.Pricing.Completion) > b {
				fail("%s completion price %d above max_price %d", a.Endpoint.Tag, a.Endpoint.Pricing.Completion, b)
			}
			dp := a.Endpoint.DataPolicy
			if p.ZDR && !dp.ZDR || p.DenyDataCollection && dp.Training || p.Distillable && !dp.Distillable {
				fail("%s breaks the data policy: %+v", a.Endpoint.Tag, dp)
			}
			if p.Quantizations != 0 && p.Quantizations&quantOf(a.Endpoint.Quantization) == 0 {
				fail("%s quantization %q not allowed", a.Endpoint.Tag, a.Endpoint.Quantization)
			}
			if p.RequireParameters && normalize(pc.needs.Params)&^normalize(a.Endpoint.Params) != 0 {
				fail("%s lacks a required parameter", a.Endpoint.Tag)
			}
			if ctx := a.Endpoint.ContextLength; ctx > 0 && pc.needs.PromptTokens+pc.needs.MaxTokens > ctx && !a.Compress {
				fail("%s cannot hold the prompt and is not compressed", a.Endpoint.Tag)
			}
			if a.Compress && (pc.needs.Compress == CompressOff || pc.needs.Compress == CompressAuto && a.Endpoint.ContextLength > AutoCompressContext) {
				fail("%s compressed against the transforms setting", a.Endpoint.Tag)
			}
			if m := pc.needs.MaxTokens; m > 0 && a.Endpoint.MaxCompletionTokens > 0 && m > a.Endpoint.MaxCompletionTokens {
				fail("%s cannot emit max_tokens", a.Endpoint.Tag)
			}
			switch a.Variant {
			case Free:
				if !a.Endpoint.Free() {
					fail(":free planned priced %s", a.Endpoint.Tag)
				}
			case Extended:
				if !a.Endpoint.ExtendedContext {
					fail(":extended planned %s", a.Endpoint.Tag)
				}
			}
		}
		if !p.AllowFallbacks && len(pc.order) == 0 && !p.PartitionNone && len(got) != 1 && len(pc.models) == 1 {
			fail("allow_fallbacks false made %d attempts, want exactly 1", len(got))
		}
		// Failing endpoints come after every healthy one of the same model, unless the
		// client's order put them earlier.
		if len(pc.order) == 0 && !(p.PartitionNone && p.Sort != SortNone) {
			for j := 1; j < len(got); j++ {
				prev, cur := pc.stats.h[got[j-1].Endpoint.Tag].Unstable, pc.stats.h[got[j].Endpoint.Tag].Unstable
				if got[j-1].Model == got[j].Model && prev && !cur && !got[j].Pinned {
					fail("healthy %s after failing %s", got[j].Endpoint.Tag, got[j-1].Endpoint.Tag)
				}
			}
		}
	}
	t.Logf("%d cases: %d planned, %d without endpoints", cases, planned, failed)
	if planned < cases/2 || failed == 0 {
		t.Errorf("the generator is lopsided: %d planned, %d failed", planned, failed)
	}
}

// TestPlanCompleteness: with no preferences and no needs, every usable endpoint is planned
// exactly once, under any seed.
func TestPlanCompleteness(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		pc := genCase(t, r)
		pc.prefs, pc.needs = &defaultPrefs, Needs{}
		for i := range pc.models {
			pc.models[i], _, _ = strings.Cut(pc.models[i], ":")
		}
		got, err := pc.plan()
		want := 0
		for _, id := range pc.models {
			want += len(pc.cat.Model(id).Endpoints)
		}
		if want == 0 {
			continue
		}
		if err != nil || len(got) != want {
			t.Fatalf("%v: %d attempts (%v), want all %d endpoints", pc.models, len(got), err, want)
		}
	}
}
