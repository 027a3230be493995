package route

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParsePrefs(t *testing.T) {
	full := `{"order":["openai","Together"],"allow_fallbacks":false,"require_parameters":true,
		"data_collection":"deny","zdr":true,"enforce_distillable_text":true,"only":["openai","together","groq"],
		"ignore":["deepinfra/turbo"],"quantizations":["fp8","bf16"],"sort":{"by":"throughput","partition":"none"},
		"max_price":{"prompt":1,"completion":"2.5","request":0.001,"image":"0.01","audio":3},
		"preferred_min_throughput":{"p50":100,"p90":50},"preferred_max_latency":1.5}`
	var p Prefs
	if err := ParsePrefs(full, &p); err != nil {
		t.Fatal(err)
	}
	want := Prefs{
		Order: []string{"openai", "Together"}, Only: []string{"openai", "together", "groq"}, Ignore: []string{"deepinfra/turbo"},
		AllowFallbacks: false, RequireParameters: true, DenyDataCollection: true, ZDR: true, Distillable: true,
		Quantizations: QuantOf("fp8") | QuantOf("bf16"), Sort: SortThroughput, PartitionNone: true,
		MaxPrice:      MaxPrice{Prompt: 1_000_000, Completion: 2_500_000, Request: 1_000_000_000, Image: 10_000_000_000},
		MinThroughput: Percentiles{100, 0, 50, 0}, MaxLatency: Percentiles{1.5},
	}
	if !slices.Equal(p.Order, want.Order) || !slices.Equal(p.Only, want.Only) || !slices.Equal(p.Ignore, want.Ignore) {
		t.Errorf("lists = %v %v %v", p.Order, p.Only, p.Ignore)
	}
	p.Order, p.Only, p.Ignore, p.buf, p.bufN = want.Order, want.Only, want.Ignore, want.buf, want.bufN
	if !equalPrefs(&p, &want) {
		t.Errorf("ParsePrefs =\n%+v\nwant\n%+v", p, want)
	}

	for _, raw := range []string{"", "null", "{}", `{"order":null,"sort":null,"max_price":{"prompt":null}}`} {
		if err := ParsePrefs(raw, &p); err != nil || !equalPrefs(&p, &defaultPrefs) {
			t.Errorf("ParsePrefs(%q) = %+v, %v; want the defaults", raw, p, err)
		}
	}
	if err := ParsePrefs(`{"sort":"price"}`, &p); err != nil || p.Sort != SortPrice || p.PartitionNone || !p.AllowFallbacks {
		t.Errorf("sort string: %+v, %v", p, err)
	}
	// Long lists spill from the inline buffer to the heap without corrupting each other.
	long := `{"order":["a","b","c","d","e","f","g","h","i","j"],"only":["k","l","m","n","o","p","q","r","s"],"ignore":["t"]}`
	if err := ParsePrefs(long, &p); err != nil || len(p.Order) != 10 || p.Only[8] != "s" || p.Ignore[0] != "t" || p.Order[9] != "j" {
		t.Errorf("long lists: %v %v %v, %v", p.Order, p.Only, p.Ignore, err)
	}
}

func equalPrefs(a, b *Prefs) bool {
	return slices.Equal(a.Order, b.Order) && slices.Equal(a.Only, b.Only) && slices.Equal(a.Ignore, b.Ignore) &&
		a.AllowFallbacks == b.AllowFallbacks && a.RequireParameters == b.RequireParameters &&
		a.DenyDataCollection == b.DenyDataCollection && a.ZDR == b.ZDR && a.Distillable == b.Distillable &&
		a.Quantizations == b.Quantizations && a.Sort == b.Sort && a.PartitionNone == b.PartitionNone &&
		a.MaxPrice == b.MaxPrice && a.MinThroughput == b.MinThroughput && a.MaxLatency == b.MaxLatency
}

func TestParsePrefsErrors(t *testing.T) {
	for raw, field := range map[string]string{
		`[]`:                                            "provider",
		`{"ignored":["x"]}`:                             "provider.ignored",
		`{"order":"openai"}`:                            "provider.order",
		`{"only":["openai",3]}`:                         "provider.only",
		`{"ignore":[""]}`:                               "provider.ignore",
		`{"allow_fallbacks":"no"}`:                      "provider.allow_fallbacks",
		`{"require_parameters":1}`:                      "provider.require_parameters",
		`{"data_collection":"never"}`:                   "provider.data_collection",
		`{"zdr":"true"}`:                                "provider.zdr",
		`{"enforce_distillable_text":0}`:                "provider.enforce_distillable_text",
		`{"quantizations":["q4_k_m"]}`:                  "provider.quantizations",
		`{"quantizations":"fp8"}`:                       "provider.quantizations",
		`{"sort":"cheapest"}`:                           "provider.sort",
		`{"sort":3}`:                                    "provider.sort",
		`{"sort":{"by":"speed"}}`:                       "provider.sort.by",
		`{"sort":{"partition":"all"}}`:                  "provider.sort.partition",
		`{"sort":{"order":"asc"}}`:                      "provider.sort.order",
		`{"max_price":5}`:                               "provider.max_price",
		`{"max_price":{"prompt":-1}}`:                   "provider.max_price.prompt",
		`{"max_price":{"completion":"cheap"}}`:          "provider.max_price.completion",
		`{"max_price":{"tokens":1}}`:                    "provider.max_price.tokens",
		`{"max_price":{"image":true}}`:                  "provider.max_price.image",
		`{"preferred_min_throughput":"fast"}`:           "provider.preferred_min_throughput",
		`{"preferred_min_throughput":-3}`:               "provider.preferred_min_throughput",
		`{"preferred_max_latency":{"p95":1}}`:           "provider.preferred_max_latency.p95",
		`{"preferred_max_latency":{"p50":"1"}}`:         "provider.preferred_max_latency.p50",
		`{"preferred_max_latency":{"p99":-0.5}}`:        "provider.preferred_max_latency.p99",
		`{"order":["a"],"allow_fallbacks":false,"x":1}`: "provider.x",
	} {
		var p Prefs
		err := ParsePrefs(raw, &p)
		pe, ok := err.(*PrefsError)
		if !ok || pe.Field != field {
			t.Errorf("ParsePrefs(%s) = %v, want an error naming %s", raw, err, field)
			continue
		}
		if !strings.HasPrefix(pe.Error(), field+": ") {
			t.Errorf("message %q does not start with the field", pe.Error())
		}
	}
}

func TestParseBound(t *testing.T) {
	for _, tc := range []struct {
		in    string
		scale int
		want  int64
		ok    bool
	}{
		{"1", 6, 1_000_000, true},
		{"0.15", 6, 150_000, true}, // no float rounding: 0.15 has no exact binary form
		{"0.038", 6, 38_000, true},
		{"2.5e-1", 6, 250_000, true},
		{"25E-2", 6, 250_000, true},
		{"1e3", 6, 1_000_000_000, true},
		{"0.0000001", 6, 0, true},          // finer than a picodollar per token rounds down
		{"0.0000019", 6, 1, true},          // never up: the bound stays at or below the client's
		{"0.001", 12, 1_000_000_000, true}, // per request
		{"0", 6, 0, true},
		{"1e400", 6, math.MaxInt64, true},
		{"99999999999999999999999", 6, math.MaxInt64, true},
		{"", 6, 0, false},
		{"-1", 6, 0, false},
		{"1.2.3", 6, 0, false},
		{"1e", 6, 0, false},
		{"abc", 6, 0, false},
		{".", 6, 0, false},
	} {
		got, ok := parseBound(tc.in, tc.scale)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseBound(%q, %d) = %d, %v; want %d, %v", tc.in, tc.scale, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSplitVariant(t *testing.T) {
	for id, want := range map[string]struct {
		base string
		v    Variant
		ok   bool
	}{
		"a/b":          {"a/b", NoVariant, true},
		"a/b:free":     {"a/b", Free, true},
		"a/b:nitro":    {"a/b", Nitro, true},
		"a/b:floor":    {"a/b", Floor, true},
		"a/b:exacto":   {"a/b", Exacto, true},
		"a/b:thinking": {"a/b", Thinking, true},
		"a/b:extended": {"a/b", Extended, true},
		"a/b:online":   {"a/b", Online, true},
		"a/b:beta":     {"a/b", Beta, true},
		"a/b:turbo":    {"a/b:turbo", NoVariant, false},
		"a/b:":         {"a/b:", NoVariant, false},
	} {
		base, v, ok := SplitVariant(id)
		if base != want.base || v != want.v || ok != want.ok {
			t.Errorf("SplitVariant(%q) = %q, %v, %v; want %+v", id, base, v, ok, want)
		}
	}
	if Nitro.sort() != SortThroughput || Floor.sort() != SortPrice || Exacto.sort() != SortExacto || Free.sort() != SortNone {
		t.Error("variant sorts")
	}
}

func TestEqualFold(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"deepinfra", "DeepInfra", true}, {"google-vertex/us-east5", "Google-Vertex/US-EAST5", true},
		{"a", "b", false}, {"ab", "a", false}, {"@", "`", false}, {"[", "{", false}, {"", "", true},
	} {
		if got := equalFold(tc.a, tc.b); got != tc.want {
			t.Errorf("equalFold(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// FuzzParsePrefs: any provider object either parses or is a PrefsError naming a
// provider field; it never panics, and a parsed one plans without panicking.
func FuzzParsePrefs(f *testing.F) {
	f.Add(fullPrefs)
	f.Add(`{"order":["a"],"sort":{"by":"price","partition":"none"},"max_price":{"prompt":"1e-3"}}`)
	f.Add(`{"preferred_max_latency":{"p50":1,"p99":null},"quantizations":["fp8"]}`)
	f.Add(`[]`)
	c := testCatalog()
	f.Fuzz(func(t *testing.T, raw string) {
		var p Prefs
		err := ParsePrefs(raw, &p)
		if err != nil {
			pe, ok := err.(*PrefsError)
			if !ok || !strings.HasPrefix(pe.Field, "provider") {
				t.Fatalf("ParsePrefs(%q) = %v", raw, err)
			}
			return
		}
		Plan(&Input{Catalog: c, Models: []string{"acme/big", "acme/small"}, Prefs: &p, Usable: usable})
	})
}
