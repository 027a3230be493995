package route

import (
	"math"
	"strings"

	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/tidwall/gjson"
)

// Prefs is the request's provider object (shared/spec/openrouter-api.md §3.1), parsed and
// checked. The zero value is not the default: use DefaultPrefs or ParsePrefs, which set
// AllowFallbacks.
type Prefs struct {
	Order  []string // provider slugs or names to try first, in this order
	Only   []string // allow-list
	Ignore []string // deny-list

	AllowFallbacks     bool // false: only the primary endpoint, or only the order list
	RequireParameters  bool // soft capability filters become hard, and every parameter must be supported
	DenyDataCollection bool // data_collection: "deny": no endpoint that may train on prompts
	ZDR                bool // only zero-data-retention endpoints
	Distillable        bool // enforce_distillable_text: only models whose author permits distillation

	Quantizations Quants // 0: any
	Sort          Sort
	PartitionNone bool // sort.partition "none": endpoints of all models sorted together

	MaxPrice      MaxPrice
	MinThroughput Percentiles // tokens per second
	MaxLatency    Percentiles // seconds to first token

	// buf backs short lists, so parsing them does not allocate. The lists point into it:
	// use a Prefs where ParsePrefs filled it in, never a copy.
	buf  [16]string
	bufN int
}

// Sort is an explicit ordering; SortNone means price-weighted load balancing.
type Sort uint8

const (
	SortNone Sort = iota
	SortPrice
	SortThroughput
	SortLatency
	SortExacto
)

func (s Sort) String() string {
	return [...]string{"none", "price", "throughput", "latency", "exacto"}[s]
}

// MaxPrice holds upper bounds in picodollars: per token for Prompt and Completion (the
// request states them per million tokens), per request and per image for the others. A
// bound that was not given is math.MaxInt64.
type MaxPrice struct {
	Prompt, Completion, Request, Image catalog.Price
}

func (m *MaxPrice) set() bool {
	return m.Prompt != math.MaxInt64 || m.Completion != math.MaxInt64 || m.Request != math.MaxInt64 || m.Image != math.MaxInt64
}

// admits reports whether an endpoint's prices are all within the bounds.
func (m *MaxPrice) admits(p *catalog.Pricing) bool {
	return p.Prompt <= m.Prompt && p.Completion <= m.Completion && p.Request <= m.Request && p.Image <= m.Image
}

// Percentiles are thresholds at p50, p75, p90 and p99; 0 means not given.
type Percentiles [4]float64

var percentileKeys = [4]string{"p50", "p75", "p90", "p99"}

func (p *Percentiles) set() bool { return *p != Percentiles{} }

// Quants is a set of quantization levels, one bit per name in quantNames.
type Quants uint16

var quantNames = [...]string{"int4", "int8", "fp4", "mxfp4", "nvfp4", "fp6", "fp8", "mxfp8", "fp16", "bf16", "fp32", "unknown"}

// QuantOf returns the bit of a quantization name, or 0 for a name outside the vocabulary.
func QuantOf(name string) Quants {
	for i, n := range quantNames {
		if n == name {
			return 1 << i
		}
	}
	return 0
}

// PrefsError is an invalid provider object; the router answers 400 naming Field.
type PrefsError struct {
	Field string // e.g. "provider.sort.by"
	Msg   string
}

func (e *PrefsError) Error() string { return e.Field + ": " + e.Msg }

// DefaultPrefs returns the preferences of a request without a provider object.
func DefaultPrefs() Prefs {
	return Prefs{AllowFallbacks: true, MaxPrice: noMaxPrice}
}

var noMaxPrice = MaxPrice{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64}

// ParsePrefs reads the raw provider object ("" or "null" when absent) into p. Every field
// of §3.1 is understood; an unknown field or a value of the wrong type or range is a
// *PrefsError naming it, so a typo such as "ignored" never silently routes elsewhere.
// Strings in the lists alias raw when they have no escapes.
func ParsePrefs(raw string, p *Prefs) error {
	*p = DefaultPrefs()
	if raw == "" || raw == "null" {
		return nil
	}
	obj := gjson.Parse(raw)
	if !obj.IsObject() {
		return &PrefsError{"provider", "must be an object"}
	}
	var err error
	obj.ForEach(func(k, v gjson.Result) bool {
		if v.Type == gjson.Null {
			return true // null means "not given", as for every optional OpenRouter field
		}
		err = p.field(k.Str, v)
		return err == nil
	})
	return err
}

func (p *Prefs) field(key string, v gjson.Result) error {
	switch key {
	case "order":
		return p.list(&p.Order, "provider.order", v)
	case "only":
		return p.list(&p.Only, "provider.only", v)
	case "ignore":
		return p.list(&p.Ignore, "provider.ignore", v)
	case "allow_fallbacks":
		return boolField(&p.AllowFallbacks, "provider.allow_fallbacks", v)
	case "require_parameters":
		return boolField(&p.RequireParameters, "provider.require_parameters", v)
	case "zdr":
		return boolField(&p.ZDR, "provider.zdr", v)
	case "enforce_distillable_text":
		return boolField(&p.Distillable, "provider.enforce_distillable_text", v)
	case "data_collection":
		switch {
		case v.Type == gjson.String && v.Str == "allow":
			p.DenyDataCollection = false
		case v.Type == gjson.String && v.Str == "deny":
			p.DenyDataCollection = true
		default:
			return &PrefsError{"provider.data_collection", `must be "allow" or "deny"`}
		}
	case "quantizations":
		return p.quants(v)
	case "sort":
		return p.sort(v)
	case "max_price":
		return p.maxPrice(v)
	case "preferred_min_throughput":
		return percentiles(&p.MinThroughput, "provider.preferred_min_throughput", v)
	case "preferred_max_latency":
		return percentiles(&p.MaxLatency, "provider.preferred_max_latency", v)
	default:
		return &PrefsError{"provider." + key, "is not a known provider preference (see https://openrouter.ai/docs/guides/routing/provider-selection)"}
	}
	return nil
}

func boolField(dst *bool, field string, v gjson.Result) error {
	switch v.Type {
	case gjson.True:
		*dst = true
	case gjson.False:
		*dst = false
	default:
		return &PrefsError{field, "must be a boolean"}
	}
	return nil
}

// list reads an array of non-empty strings, into p.buf while it has room.
func (p *Prefs) list(dst *[]string, field string, v gjson.Result) error {
	if !v.IsArray() {
		return &PrefsError{field, "must be an array of provider slugs"}
	}
	n := p.bufN
	*dst = p.buf[n:n:len(p.buf)]
	var err error
	v.ForEach(func(_, s gjson.Result) bool {
		if s.Type != gjson.String || s.Str == "" {
			err = &PrefsError{field, "must be an array of provider slugs"}
			return false
		}
		*dst = append(*dst, s.Str)
		return true
	})
	if len(*dst) <= len(p.buf)-n {
		p.bufN += len(*dst) // still in buf; a longer list moved to the heap
	}
	return err
}

func (p *Prefs) quants(v gjson.Result) error {
	const field = "provider.quantizations"
	if !v.IsArray() {
		return &PrefsError{field, "must be an array of quantization levels"}
	}
	var err error
	v.ForEach(func(_, s gjson.Result) bool {
		q := Quants(0)
		if s.Type == gjson.String {
			q = QuantOf(s.Str)
		}
		if q == 0 {
			err = &PrefsError{field, "unknown quantization " + s.Raw + "; one of " + strings.Join(quantNames[:], ", ")}
			return false
		}
		p.Quantizations |= q
		return true
	})
	return err
}

func (p *Prefs) sort(v gjson.Result) error {
	if v.Type == gjson.String {
		return p.sortBy("provider.sort", v)
	}
	if !v.IsObject() {
		return &PrefsError{"provider.sort", `must be "price", "throughput", "latency" or an object {by, partition}`}
	}
	var err error
	v.ForEach(func(k, f gjson.Result) bool {
		switch {
		case f.Type == gjson.Null:
		case k.Str == "by":
			err = p.sortBy("provider.sort.by", f)
		case k.Str == "partition":
			switch {
			case f.Type == gjson.String && f.Str == "model":
				p.PartitionNone = false
			case f.Type == gjson.String && f.Str == "none":
				p.PartitionNone = true
			default:
				err = &PrefsError{"provider.sort.partition", `must be "model" or "none"`}
			}
		default:
			err = &PrefsError{"provider.sort." + k.Str, "is not a known sort option (by, partition)"}
		}
		return err == nil
	})
	return err
}

func (p *Prefs) sortBy(field string, v gjson.Result) error {
	if v.Type == gjson.String {
		switch v.Str {
		case "price":
			p.Sort = SortPrice
			return nil
		case "throughput":
			p.Sort = SortThroughput
			return nil
		case "latency":
			p.Sort = SortLatency
			return nil
		case "exacto":
			p.Sort = SortExacto
			return nil
		}
	}
	return &PrefsError{field, `must be "price", "throughput", "latency" or "exacto"`}
}

func (p *Prefs) maxPrice(v gjson.Result) error {
	if !v.IsObject() {
		return &PrefsError{"provider.max_price", "must be an object {prompt, completion, request, image}"}
	}
	var err error
	v.ForEach(func(k, f gjson.Result) bool {
		if f.Type == gjson.Null {
			return true
		}
		var dst *catalog.Price
		scale := 6 // USD per million tokens → picodollars per token
		switch k.Str {
		case "prompt":
			dst = &p.MaxPrice.Prompt
		case "completion":
			dst = &p.MaxPrice.Completion
		case "request":
			dst, scale = &p.MaxPrice.Request, 12
		case "image":
			dst, scale = &p.MaxPrice.Image, 12
		case "audio":
			// Accepted for compatibility; the catalog prices no audio, so nothing to bound.
		default:
			err = &PrefsError{"provider.max_price." + k.Str, "is not a known price (prompt, completion, request, image, audio)"}
			return false
		}
		text := f.Raw
		if f.Type == gjson.String {
			text = f.Str
		} else if f.Type != gjson.Number {
			err = &PrefsError{"provider.max_price." + k.Str, "must be a number (USD) or a decimal string"}
			return false
		}
		n, ok := parseBound(text, scale)
		if !ok {
			err = &PrefsError{"provider.max_price." + k.Str, "must be a non-negative number (USD)"}
			return false
		}
		if dst != nil {
			*dst = catalog.Price(n)
		}
		return true
	})
	return err
}

func percentiles(dst *Percentiles, field string, v gjson.Result) error {
	if v.Type == gjson.Number {
		if v.Num < 0 || math.IsInf(v.Num, 0) {
			return &PrefsError{field, "must not be negative"}
		}
		dst[0] = v.Num
		return nil
	}
	if !v.IsObject() {
		return &PrefsError{field, "must be a number or an object {p50, p75, p90, p99}"}
	}
	var err error
	v.ForEach(func(k, f gjson.Result) bool {
		if f.Type == gjson.Null {
			return true
		}
		for i, name := range percentileKeys {
			if k.Str == name {
				if f.Type != gjson.Number || f.Num < 0 {
					err = &PrefsError{field + "." + name, "must be a non-negative number"}
					return false
				}
				dst[i] = f.Num
				return true
			}
		}
		err = &PrefsError{field + "." + k.Str, "is not a known percentile (p50, p75, p90, p99)"}
		return false
	})
	return err
}

// parseBound converts a non-negative decimal ("1", "0.15", "2.5e-1") to an integer number of
// 10^-scale units, exactly, rounding any finer digits down: a bound never admits an endpoint
// dearer than the one the client wrote. Values too large for int64 saturate (no bound).
func parseBound(s string, scale int) (int64, bool) {
	i, digits, point, exp := 0, 0, -1, 0
	var mant uint64
	dropped := 0 // digits past what mant can hold, each a factor of ten
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if mant > (math.MaxUint64-9)/10 {
				if point < 0 {
					dropped++
				}
				continue
			}
			mant = mant*10 + uint64(c-'0')
			if point >= 0 {
				exp--
			}
		case c == '.' && point < 0:
			point = i
		default:
			goto exponent
		}
	}
exponent:
	if digits == 0 {
		return 0, false
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return 0, false
		}
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return 0, false
		}
		e := 0
		for ; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			if e < 10000 {
				e = e*10 + int(s[i]-'0')
			}
		}
		if neg {
			e = -e
		}
		exp += e
	}
	exp += scale + dropped
	for ; exp > 0; exp-- {
		if mant > math.MaxInt64/10 {
			return math.MaxInt64, true
		}
		mant *= 10
	}
	for ; exp < 0 && mant > 0; exp++ {
		mant /= 10
	}
	if mant > math.MaxInt64 {
		return math.MaxInt64, true
	}
	return int64(mant), true
}
