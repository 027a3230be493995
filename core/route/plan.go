// Package route decides where a request goes: OpenRouter's provider routing
// (shared/spec/openrouter-api.md §3, §4) as one pure function. Plan takes the catalog, what
// the request needs, the caller's provider preferences, a snapshot of endpoint health and
// speed and a random source, and returns the ordered attempts. It does no I/O, keeps no
// state and does not allocate per endpoint, so every routing rule is a table test and a
// property test under a fixed seed (plan_test.go, prop_test.go).
package route

import (
	"math"
	"math/rand/v2"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// Attempt is one (model, endpoint) pair to try, in plan order.
type Attempt struct {
	Model    *catalog.Model
	Endpoint *catalog.Endpoint
	Provider *catalog.Provider
	Variant  Variant
	// Compress: the prompt does not fit this endpoint's context, and middle-out must
	// shrink it to fit (§4.5).
	Compress bool
	// Reasoning: the endpoint reasons on this request (it supports reasoning and the
	// request did not turn it off, or asked with :thinking), so it gets the longer
	// first-byte deadline.
	Reasoning bool
	// Pinned: sticky routing put this endpoint first (§10.2).
	Pinned bool
}

// Reason says whether a provider can be used right now, and if not, why.
type Reason uint8

const (
	Usable        Reason = iota
	NotConfigured        // no <PROVIDER>_API_KEY (or base URL, for local providers)
	NoAdapter            // its protocol has no adapter in this build
)

// Health is what is known of an endpoint's recent behaviour. The zero value means nothing
// is known, which the planner treats as healthy with no measured speed.
type Health struct {
	// Unstable: significant failures in the last 30 seconds (§3.2).
	Unstable bool
	// TTFT is the time to first token in milliseconds and TPS the output throughput in
	// tokens per second, at p50, p75, p90 and p99; 0 means not measured.
	TTFT, TPS [4]float32
}

// Stats is the planner's view of the shared stats store.
type Stats interface {
	// Health returns what is known about endpoint e of model m.
	Health(m *catalog.Model, e *catalog.Endpoint) Health
	// Pinned returns the tag of the endpoint this request's conversation is pinned to for
	// model m (sticky routing), or "".
	Pinned(m *catalog.Model) string
}

// Input is everything a plan depends on.
type Input struct {
	Catalog *catalog.Catalog
	Models  []string // in order: model, then models[]; variants included
	Prefs   *Prefs   // nil means DefaultPrefs
	Needs   Needs
	Usable  func(*catalog.Provider) Reason
	Stats   Stats       // nil: nothing known
	Rand    rand.Source // nil: no load balancing lottery (cheapest first)
}

// cand is an endpoint that passed the hard filters, with its ordering keys.
type cand struct {
	Attempt
	rank  int     // 0: pinned or first in provider.order; larger ranks go later
	group uint8   // health and preference tier; see order
	key   float64 // the sort's key (price, -throughput, latency, exacto)
	price int64   // prompt + completion price per token, the tie breaker
}

// maxInline is how many candidates fit the planner's stack buffer; more spill to the heap.
const maxInline = 32

var defaultPrefs = DefaultPrefs()

// Plan lists the attempts for a request. For each model in order it applies the hard
// filters (provider lists, data policy, quantization, max_price, the variant, output and
// context limits, require_parameters), then the soft capability filters, then orders what
// is left: provider.order first, else the sticky endpoint, else the sort; with no explicit
// ordering, price-weighted load balancing among healthy endpoints. Models follow each
// other unless provider.sort.partition is "none", which sorts all their endpoints
// together. An unknown model is an error even when others are known, as a typo in models[]
// should not silently shrink the fallback list.
func Plan(in *Input) ([]Attempt, error) {
	var buf [maxInline]cand // on the stack: the planner allocates only its result
	cands := buf[:0]        // a local, not a planner field, or escape analysis moves buf to the heap
	pl := planner{in: in, prefs: in.Prefs}
	if pl.prefs == nil {
		pl.prefs = &defaultPrefs
	}
	global := pl.prefs.PartitionNone && pl.prefs.Sort != SortNone
	for _, id := range in.Models {
		base, v, ok := SplitVariant(id)
		if !ok {
			return nil, &UnknownModelError{ID: id}
		}
		m := in.Catalog.Model(base)
		if m == nil {
			return nil, &UnknownModelError{ID: id}
		}
		if v == Online {
			return nil, &VariantError{ID: id, Msg: "the :online variant needs the web search plugin, which Switchyard does not provide yet"}
		}
		start := len(cands)
		var f Filtered
		cands = pl.collect(cands, m, v, &f)
		n := pl.capabilities(cands[start:], m, &f)
		cands = cands[:start+n]
		if n == 0 {
			pl.empty(id, m, v, &f)
			continue
		}
		if !global {
			n = pl.order(cands[start:], v.sort())
			cands = cands[:start+n]
		}
	}
	if global {
		cands = cands[:pl.order(cands, SortNone)]
	}
	if len(cands) == 0 {
		if pl.fail == nil {
			pl.fail = &NoEndpointError{Models: in.Models}
		}
		return nil, pl.fail
	}
	out := make([]Attempt, len(cands))
	for i := range cands {
		out[i] = cands[i].Attempt
	}
	return out, nil
}

type planner struct {
	in    *Input
	prefs *Prefs
	fail  *NoEndpointError
}

// collect appends the model's endpoints that pass the hard filters, counting the others.
func (pl *planner) collect(cs []cand, m *catalog.Model, v Variant, f *Filtered) []cand {
	in, p := pl.in, pl.prefs
	need := normalize(in.Needs.Params)
	for j := range m.Endpoints {
		e := &m.Endpoints[j]
		prov := in.Catalog.Provider(e.Provider)
		if prov == nil {
			continue
		}
		if r := in.Usable(prov); r != Usable {
			pl.unusable(m.ID, prov, r)
			continue
		}
		filter := nFilters
		switch {
		case len(p.Only) > 0 && !matchAny(p.Only, e, prov), len(p.Ignore) > 0 && matchAny(p.Ignore, e, prov):
			filter = FilterProviders
		case !p.AllowFallbacks && len(p.Order) > 0 && !matchAny(p.Order, e, prov):
			filter = FilterOrder
		case p.ZDR && !e.DataPolicy.ZDR:
			filter = FilterZDR
		case p.DenyDataCollection && e.DataPolicy.Training:
			filter = FilterTraining
		case p.Distillable && !e.DataPolicy.Distillable:
			filter = FilterDistillable
		case p.Quantizations != 0 && p.Quantizations&quantOf(e.Quantization) == 0:
			filter = FilterQuantization
		case !p.MaxPrice.admits(&e.Pricing):
			filter = FilterMaxPrice
		case v == Free && !e.Free(), v == Extended && !e.ExtendedContext,
			v == Thinking && normalize(e.Params)&catalog.ParamReasoning == 0:
			filter = FilterVariant
		case in.Needs.MaxTokens > 0 && e.MaxCompletionTokens > 0 && in.Needs.MaxTokens > e.MaxCompletionTokens:
			filter = FilterMaxTokens
		case p.RequireParameters:
			miss := need &^ normalize(e.Params)
			img := in.Needs.Images && !hasModality(m, "image")
			file := in.Needs.Files && !hasModality(m, "file")
			if miss != 0 || img || file {
				filter = FilterRequireParameters
				f.Missing |= miss
				f.Images = f.Images || img
				f.Files = f.Files || file
			}
		}
		if filter != nFilters {
			f.Removed[filter]++
			continue
		}
		reasoning := v == Thinking || (!in.Needs.ReasoningOff && normalize(e.Params)&catalog.ParamReasoning != 0)
		cs = append(cs, cand{Attempt: Attempt{Model: m, Endpoint: e, Provider: prov, Variant: v, Reasoning: reasoning}})
	}
	return cs
}

// capabilities applies the context limit (with middle-out) and the soft filters to one
// model's candidates in place, and returns how many are left.
func (pl *planner) capabilities(cs []cand, m *catalog.Model, f *Filtered) int {
	nd := &pl.in.Needs
	f.Need = nd.PromptTokens + nd.MaxTokens
	// Context: an endpoint that cannot hold prompt + completion is out, unless middle-out
	// may shrink the prompt for it. Of those, keep the ones with at least half the needed
	// context; if none has, only the largest (§4.5 step 2).
	n, compressible, half, largest := 0, 0, 0, -1
	for i := range cs {
		ctx := cs[i].Endpoint.ContextLength
		if ctx == 0 || f.Need <= ctx { // 0: the catalog publishes no limit
			cs[n] = cs[i]
			n++
			continue
		}
		if nd.Compress == CompressOff || (nd.Compress == CompressAuto && ctx > AutoCompressContext) {
			f.Removed[FilterContext]++
			continue
		}
		cs[i].Compress = true
		cs[n] = cs[i]
		n++
		compressible++
		if 2*ctx >= f.Need {
			half++
		}
		if largest < 0 || ctx > cs[largest].Endpoint.ContextLength {
			largest = n - 1
		}
	}
	if compressible > 0 && half == 0 {
		keep := 0
		for i := range n {
			if !cs[i].Compress || i == largest {
				cs[keep] = cs[i]
				keep++
			} else {
				f.Removed[FilterContext]++
			}
		}
		n = keep
	} else if compressible > 0 {
		keep := 0
		for i := range n {
			if !cs[i].Compress || 2*cs[i].Endpoint.ContextLength >= f.Need {
				cs[keep] = cs[i]
				keep++
			} else {
				f.Removed[FilterContext]++
			}
		}
		n = keep
	}
	if pl.prefs.RequireParameters {
		return n // the soft filters were hard ones in collect
	}
	// Soft filters: a capability some endpoints have and others lack narrows the model to
	// those that have it; one none has is dropped by the adapter instead (§3.3).
	soft := normalize(nd.Params) & softParams
	for soft != 0 {
		bit := soft & -soft
		soft &^= bit
		n = narrow(cs[:n], bit)
	}
	// Input modalities are the model's, the same for every endpoint: nothing to narrow.
	return n
}

// narrow keeps the candidates that support a parameter, if any does. (A bit rather than a
// predicate: a closure would make the candidates escape to the heap.)
func narrow(cs []cand, bit catalog.Params) int {
	some := false
	for i := range cs {
		some = some || normalize(cs[i].Endpoint.Params)&bit != 0
	}
	if !some {
		return len(cs)
	}
	n := 0
	for i := range cs {
		if normalize(cs[i].Endpoint.Params)&bit != 0 {
			cs[n] = cs[i]
			n++
		}
	}
	return n
}

// Candidate groups, most significant first: failing endpoints go last, then endpoints that
// need middle-out, then endpoints that miss the preferred throughput or latency.
const (
	groupMissesPreference uint8 = 1 << iota
	groupCompress
	groupUnstable
)

// order sorts one segment of candidates and returns how many to keep (allow_fallbacks
// false keeps one, or the provider.order list). variantSort overrides prefs.Sort.
func (pl *planner) order(cs []cand, variantSort Sort) int {
	p := pl.prefs
	sort := variantSort
	if sort == SortNone {
		sort = p.Sort
	}
	for i := range cs {
		c := &cs[i]
		var h Health
		if pl.in.Stats != nil {
			h = pl.in.Stats.Health(c.Model, c.Endpoint)
		}
		c.price = int64(c.Endpoint.Pricing.Prompt + c.Endpoint.Pricing.Completion)
		c.group = 0
		if h.Unstable {
			c.group |= groupUnstable
		}
		if c.Compress {
			c.group |= groupCompress
		}
		if misses(p, c.Endpoint, &h) {
			c.group |= groupMissesPreference
		}
		c.rank = 1
		if len(p.Order) > 0 {
			c.rank = orderRank(p.Order, c.Endpoint, c.Provider)
		}
		switch sort {
		case SortThroughput:
			c.key = -throughput(c.Endpoint, &h)
		case SortLatency:
			c.key = latency(c.Endpoint, &h)
		case SortExacto:
			c.key = 1
			if c.Endpoint.Exacto {
				c.key = 0
			}
		default:
			c.key = float64(c.price)
		}
	}
	// Sticky routing: the endpoint that served this conversation last goes first, unless
	// it is failing or the client gave an explicit order (§10.2).
	pinned := false
	if len(p.Order) == 0 && pl.in.Stats != nil && len(cs) > 0 {
		if tag := pl.in.Stats.Pinned(cs[0].Model); tag != "" {
			for i := range cs {
				if cs[i].Endpoint.Tag == tag && cs[i].group&groupUnstable == 0 {
					cs[i].rank, cs[i].Pinned, pinned = 0, true, true
					break
				}
			}
		}
	}
	insertionSort(cs)
	if sort == SortNone && len(p.Order) == 0 && pl.in.Rand != nil {
		from := 0
		if pinned {
			from = 1
		}
		lottery(cs[from:], pl.in.Rand)
	}
	if !p.AllowFallbacks && len(p.Order) == 0 && len(cs) > 1 {
		return 1
	}
	return len(cs)
}

// lottery puts first one of the leading candidates of equal group, drawn with probability
// proportional to 1/price² (§3.2); the rest keep their price order. Free endpoints win
// outright, drawn evenly among themselves.
func lottery(cs []cand, r rand.Source) {
	if len(cs) < 2 {
		return
	}
	pool := 1
	for pool < len(cs) && cs[pool].group == cs[0].group {
		pool++
	}
	if pool < 2 {
		return
	}
	u := float64(r.Uint64()>>11) / (1 << 53)
	pick := pool - 1
	if cs[0].price <= 0 {
		free := 1
		for free < pool && cs[free].price <= 0 {
			free++
		}
		pick = int(u * float64(free))
	} else {
		var total float64
		for i := range pool {
			total += weight(cs[i].price)
		}
		x := u * total
		for i := range pool {
			if x -= weight(cs[i].price); x < 0 {
				pick = i
				break
			}
		}
	}
	if pick > 0 {
		c := cs[pick]
		copy(cs[1:pick+1], cs[:pick])
		cs[0] = c
	}
}

func weight(price int64) float64 {
	p := float64(price)
	return 1 / (p * p)
}

// insertionSort orders by (rank, group, key, price), stably, so catalog order breaks the
// remaining ties. Segments are a handful of endpoints: no allocation, no closure.
func insertionSort(cs []cand) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && less(&cs[j], &cs[j-1]); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

func less(a, b *cand) bool {
	switch {
	case a.rank != b.rank:
		return a.rank < b.rank
	case a.group != b.group:
		return a.group < b.group
	case a.key != b.key:
		return a.key < b.key
	}
	return a.price < b.price
}

// throughput is the measured p50 output rate, else the catalog's hint, else 0.
func throughput(e *catalog.Endpoint, h *Health) float64 {
	if h.TPS[0] > 0 {
		return float64(h.TPS[0])
	}
	return float64(e.ThroughputHint)
}

// latency is the measured p50 time to first token in ms, else the hint, else +Inf.
func latency(e *catalog.Endpoint, h *Health) float64 {
	switch {
	case h.TTFT[0] > 0:
		return float64(h.TTFT[0])
	case e.LatencyHintMS > 0:
		return float64(e.LatencyHintMS)
	}
	return math.Inf(1)
}

// misses reports whether an endpoint is known to miss preferred_min_throughput or
// preferred_max_latency at any given percentile. Unmeasured percentiles do not count
// against it (the p50 falls back to the catalog hint).
func misses(p *Prefs, e *catalog.Endpoint, h *Health) bool {
	for i := range 4 {
		if want := p.MinThroughput[i]; want > 0 {
			got := float64(h.TPS[i])
			if i == 0 && got == 0 {
				got = float64(e.ThroughputHint)
			}
			if got > 0 && got < want {
				return true
			}
		}
		if want := p.MaxLatency[i]; want > 0 {
			got := float64(h.TTFT[i])
			if i == 0 && got == 0 {
				got = float64(e.LatencyHintMS)
			}
			if got > 0 && got > want*1000 {
				return true
			}
		}
	}
	return false
}

// matches reports whether a routing slug or name names an endpoint (§3.1): a base slug
// ("deepinfra") matches every endpoint of the provider, a full tag ("deepinfra/turbo") only
// that endpoint, and the display name ("DeepInfra") works like the base slug. ASCII case
// is ignored.
func matches(s string, e *catalog.Endpoint, p *catalog.Provider) bool {
	return equalFold(s, p.Slug) || equalFold(s, e.Tag) || equalFold(s, p.Name)
}

// equalFold is strings.EqualFold for the ASCII names providers have, checking lengths
// first: matching runs for every endpoint against every list entry.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}

func matchAny(list []string, e *catalog.Endpoint, p *catalog.Provider) bool {
	for _, s := range list {
		if matches(s, e, p) {
			return true
		}
	}
	return false
}

// orderRank is 0 for the first provider.order entry naming the endpoint, 1 for the second
// and so on, and len(order) (after all of them) for endpoints it does not name.
func orderRank(order []string, e *catalog.Endpoint, p *catalog.Provider) int {
	for i, s := range order {
		if matches(s, e, p) {
			return i
		}
	}
	return len(order)
}

func quantOf(q string) Quants {
	if q == "" {
		q = "unknown"
	}
	return QuantOf(q)
}

func hasModality(m *catalog.Model, mod string) bool {
	for _, s := range m.InputModalities {
		if s == mod {
			return true
		}
	}
	return false
}

// unusable notes a provider that cannot serve for want of configuration or an adapter.
func (pl *planner) unusable(model string, p *catalog.Provider, r Reason) {
	if pl.fail == nil {
		pl.fail = &NoEndpointError{}
	}
	pl.fail.addModel(model)
	switch r {
	case NotConfigured:
		pl.fail.EnvVars = addSorted(pl.fail.EnvVars, envHint(p))
	case NoAdapter:
		pl.fail.NoAdapters = addSorted(pl.fail.NoAdapters, p.Protocol.String())
	}
}

// empty notes a model that has no candidates left.
func (pl *planner) empty(id string, m *catalog.Model, v Variant, f *Filtered) {
	if pl.fail == nil {
		pl.fail = &NoEndpointError{}
	}
	pl.fail.addModel(id)
	for _, c := range f.Removed {
		if c > 0 {
			f.Model, f.Variant = m.ID, v
			pl.fail.Filtered = append(pl.fail.Filtered, *f)
			return
		}
	}
}
