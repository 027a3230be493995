package core_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-router/switchyard/core"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/providertest"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
	"github.com/tidwall/gjson"
)

// routeCatalog: route/llama at four providers (a < b < c < d in price, d fastest by its
// hint, c a reasoning endpoint); route/tiny at one provider with an 8K context.
var routeCatalog = catalog.New(
	[]catalog.Model{
		{ID: "route/llama", InputModalities: []string{"text"}, Endpoints: []catalog.Endpoint{
			{Provider: "a", Tag: "a", Upstream: "llama-a", ContextLength: 32768, Pricing: catalog.Pricing{Prompt: 100_000, Completion: 100_000},
				SupportedParameters: []string{"temperature", "tools"}, DataPolicy: catalog.DataPolicy{ZDR: true}, ThroughputHint: 50},
			{Provider: "b", Tag: "b", Upstream: "llama-b", ContextLength: 32768, Pricing: catalog.Pricing{Prompt: 200_000, Completion: 200_000},
				SupportedParameters: []string{"temperature", "tools"}, DataPolicy: catalog.DataPolicy{Training: true}, ThroughputHint: 60},
			{Provider: "c", Tag: "c", Upstream: "llama-c", ContextLength: 32768, Pricing: catalog.Pricing{Prompt: 300_000, Completion: 300_000},
				SupportedParameters: []string{"reasoning", "temperature"}, ThroughputHint: 70},
			{Provider: "d", Tag: "d", Upstream: "llama-d", ContextLength: 131072, Pricing: catalog.Pricing{Prompt: 400_000, Completion: 400_000},
				SupportedParameters: []string{"temperature"}, ThroughputHint: 500},
		}},
		{ID: "route/tiny", InputModalities: []string{"text"}, Endpoints: []catalog.Endpoint{
			{Provider: "a", Tag: "a", Upstream: "tiny-a", ContextLength: 8192, Pricing: catalog.Pricing{Prompt: 100_000, Completion: 100_000}},
		}},
	},
	[]catalog.Provider{{Slug: "a", Name: "Alpha"}, {Slug: "b", Name: "Beta"}, {Slug: "c", Name: "Gamma"}, {Slug: "d", Name: "Delta"}},
)

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type routeRig struct {
	*rig
	stores store.Set
	clock  *clock
}

// newRouteRig is newRig over routeCatalog, with memstore stats and a settable clock.
func newRouteRig(t *testing.T, scripts map[string]string, extra ...string) *routeRig {
	t.Helper()
	up := providertest.NewServer()
	t.Cleanup(up.Close)
	env := map[string]string{"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS": "2000", "SWITCHYARD_KEEPALIVE_MS": "60000"}
	for slug, script := range scripts {
		env[catalog.EnvName(slug)+"_API_KEY"] = "upstream-key-" + slug
		env[catalog.EnvName(slug)+"_BASE_URL"] = up.BaseURL(script)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	stores := memstore.New()
	if err := stores.Keys.Create(context.Background(), store.Key{Hash: core.HashKey(testKey), Name: "test"}); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Unix(1760000000, 0)}
	h := core.New(core.Config{
		Transport: http.DefaultTransport, Stores: stores, Env: func(k string) string { return env[k] },
		Now: clk.now, Rand: rand.NewPCG(1, 2), Catalog: routeCatalog, Logf: t.Logf,
	})
	r := &rig{t: t, up: up, router: httptest.NewServer(h), env: env}
	t.Cleanup(r.router.Close)
	return &routeRig{rig: r, stores: stores, clock: clk}
}

// served posts body and returns the status, the serving provider (or the error body) and
// the upstream calls it caused.
func (r *routeRig) served(body string) (int, string, []string) {
	r.t.Helper()
	r.up.Reset()
	resp, b := r.chat(body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, string(b), r.calls()
	}
	return 200, gjson.GetBytes(b, "provider").Str, r.calls()
}

const routeHello = `"messages":[{"role":"user","content":"hi"}]`

func TestProviderObjectOverHTTP(t *testing.T) {
	all := map[string]string{"a": "/ok", "b": "/ok", "c": "/ok", "d": "/ok"}
	r := newRouteRig(t, all)
	for _, tt := range []struct {
		name, provider string
		status         int
		want           string // provider or error substring
		calls          string
	}{
		{"ignore", `{"ignore":["a","b"],"sort":"price"}`, 200, "Gamma", "c"},
		{"only by display name", `{"only":["Delta"]}`, 200, "Delta", "d"},
		{"order", `{"order":["c","a"]}`, 200, "Gamma", "c"},
		{"data_collection deny", `{"data_collection":"deny","order":["b","c"]}`, 200, "Gamma", "c"},
		{"zdr", `{"zdr":true}`, 200, "Alpha", "a"},
		{"max_price", `{"max_price":{"prompt":0.25},"sort":"latency","ignore":["a"]}`, 200, "Beta", "b"},
		{"unknown field names it", `{"ignored":["a"]}`, 400, `"param":"provider.ignored"`, ""},
		{"bad sort names it", `{"sort":{"by":"cheapest"}}`, 400, `provider.sort.by: must be`, ""},
		{"nothing left: 404 with the filters", `{"zdr":true,"ignore":["a"]}`, 404, `"excluded_by":["allowed_providers","data_policy:zdr"]`, ""},
		{"data policy only: privacy_restricted", `{"zdr":true,"enforce_distillable_text":true}`, 404, `privacy_restricted`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, got, calls := r.served(`{"model":"route/llama","provider":` + tt.provider + `,` + routeHello + `}`)
			if status != tt.status || !strings.Contains(got, tt.want) || strings.Join(calls, ",") != tt.calls {
				t.Errorf("status %d, %s, calls %v; want %d, %s, calls %s", status, got, calls, tt.status, tt.want, tt.calls)
			}
		})
	}
}

func TestAllowFallbacksFalse(t *testing.T) {
	r := newRouteRig(t, map[string]string{"a": "/fail/503", "b": "/ok", "c": "/ok", "d": "/ok"})
	status, got, calls := r.served(`{"model":"route/llama","provider":{"sort":"price","allow_fallbacks":false},` + routeHello + `}`)
	if status != 503 || len(calls) != 1 || calls[0] != "a" {
		t.Errorf("status %d %s calls %v: want the one attempt's error", status, got, calls)
	}
}

func TestVariantsOverHTTP(t *testing.T) {
	all := map[string]string{"a": "/ok", "b": "/ok", "c": "/ok", "d": "/ok"}
	for _, tt := range []struct{ body, want string }{
		{`{"model":"route/llama:nitro",` + routeHello + `}`, "Delta"}, // the fastest by its hint
		{`{"model":"route/llama","provider":{"sort":"throughput"},` + routeHello + `}`, "Delta"},
		{`{"model":"route/llama:floor",` + routeHello + `}`, "Alpha"},
		{`{"model":"route/llama:thinking",` + routeHello + `}`, "Gamma"}, // the one reasoning endpoint
	} {
		// A fresh router each: measured speeds would otherwise replace the hints.
		status, got, _ := newRouteRig(t, all).served(tt.body)
		if status != 200 || got != tt.want {
			t.Errorf("%s: %d %s, want %s", tt.body, status, got, tt.want)
		}
	}
	r := newRouteRig(t, all)
	// :thinking turns reasoning on when the client did not say; a client's own setting stands.
	r.served(`{"model":"route/llama:thinking",` + routeHello + `}`)
	if got := gjson.GetBytes(r.up.Requests()[0].Body, "reasoning.enabled"); got.Type != gjson.True {
		t.Errorf(":thinking upstream body %s, want reasoning enabled", r.up.Requests()[0].Body)
	}
	r.served(`{"model":"route/llama:thinking","reasoning":{"effort":"low"},` + routeHello + `}`)
	if got := gjson.GetBytes(r.up.Requests()[0].Body, "reasoning").Raw; got != `{"effort":"low"}` {
		t.Errorf(":thinking with the client's reasoning sent %s", got)
	}
	resp, b := r.chat(`{"model":"route/llama:nitro",` + routeHello + `}`)
	if resp.StatusCode != 200 || gjson.GetBytes(b, "model").Str != "route/llama" {
		t.Errorf("model in the response = %q, want the base model that served", gjson.GetBytes(b, "model").Str)
	}
	for _, body := range []string{
		`{"model":"route/llama:online",` + routeHello + `}`,
		`{"model":"route/llama","plugins":[{"id":"web"}],` + routeHello + `}`,
	} {
		if status, got, _ := r.served(body); status != 400 || !strings.Contains(got, "web search") {
			t.Errorf("%s: %d %s, want a 400 about web search", body, status, got)
		}
	}
	if status, got, _ := r.served(`{"model":"route/llama:free",` + routeHello + `}`); status != 404 || !strings.Contains(got, "the variant removed 4") {
		t.Errorf(":free without free endpoints: %d %s", status, got)
	}
}

// TestFailingEndpointAvoided: an endpoint failing every request is tried first while its
// failures are few, then avoided (moved last) for 30 s, then tried first again.
func TestFailingEndpointAvoided(t *testing.T) {
	r := newRouteRig(t, map[string]string{"a": "/fail/503", "b": "/ok", "c": "/ok", "d": "/ok"})
	body := `{"model":"route/llama","provider":{"sort":"price"},` + routeHello + `}`
	for i, want := range []string{"a,b", "a,b", "b"} {
		if _, _, calls := r.served(body); strings.Join(calls, ",") != want {
			t.Fatalf("request %d: calls %v, want %s", i+1, calls, want)
		}
	}
	snap, _ := r.stores.Stats.Snapshot(context.Background(), "route/llama")
	if e := snap.Endpoint("a"); e == nil || e.Recent30s(r.clock.now().Unix()).Failed != 2 {
		t.Fatalf("stats for a: %+v", e)
	}
	r.clock.add(40 * time.Second)
	if _, _, calls := r.served(body); strings.Join(calls, ",") != "a,b" {
		t.Errorf("40 s later: calls %v, want a retried first", calls)
	}
}

func TestStickySession(t *testing.T) {
	r := newRouteRig(t, map[string]string{"a": "/ok", "b": "/ok", "c": "/ok", "d": "/ok"})
	body := `{"model":"route/llama","session_id":"conv-1",` + routeHello + `}`
	_, first, _ := r.served(body)
	for range 10 {
		if _, got, _ := r.served(body); got != first {
			t.Fatalf("sticky session served by %s, then %s", first, got)
		}
	}
	// Other conversations are load balanced: over a few, more than one provider serves.
	seen := map[string]bool{}
	for i := range 30 {
		_, got, _ := r.served(`{"model":"route/llama","session_id":"other-` + string(rune('a'+i)) + `",` + routeHello + `}`)
		seen[got] = true
	}
	if len(seen) < 2 {
		t.Errorf("30 sessions all served by %v: the lottery never varied", seen)
	}
	// The header works as the body field does.
	req, _ := http.NewRequest(http.MethodPost, r.router.URL+"/api/v1/chat/completions", strings.NewReader(`{"model":"route/llama",`+routeHello+`}`))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("X-Session-Id", "conv-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := gjson.GetBytes(b, "provider").Str; got != first {
		t.Errorf("x-session-id conv-1 served by %s, want %s", got, first)
	}
}

func TestStickyFailover(t *testing.T) {
	up := providertest.NewServer()
	t.Cleanup(up.Close)
	var mu sync.Mutex
	failing := ""
	up.SetScript(func(r *http.Request, body []byte) providertest.Behavior {
		mu.Lock()
		defer mu.Unlock()
		if failing != "" && strings.Contains(r.Header.Get("Authorization"), "-"+failing) {
			return providertest.Behavior{Status: 503}
		}
		return providertest.Behavior{}
	})
	r := newRouteRig(t, nil)
	r.up = up
	for _, slug := range []string{"a", "b", "c", "d"} {
		r.env[catalog.EnvName(slug)+"_API_KEY"] = "upstream-key-" + slug
		r.env[catalog.EnvName(slug)+"_BASE_URL"] = up.BaseURL("")
	}
	body := `{"model":"route/llama","session_id":"conv-9",` + routeHello + `}`
	_, first, _ := r.served(body)
	if _, again, _ := r.served(body); again != first {
		t.Fatalf("not sticky: %s then %s", first, again)
	}
	slug := map[string]string{"Alpha": "a", "Beta": "b", "Gamma": "c", "Delta": "d"}[first]
	mu.Lock()
	failing = slug
	mu.Unlock()
	status, moved, calls := r.served(body)
	if status != 200 || moved == first || calls[0] != slug {
		t.Fatalf("pinned %s failing: status %d served by %s, calls %v; want the pinned tried first, then another", first, status, moved, calls)
	}
	// The pin follows the endpoint that served; the failing one is not tried first again.
	_, next, calls := r.served(body)
	if next != moved || calls[0] == slug {
		t.Errorf("after failover: served by %s (calls %v), want %s", next, calls, moved)
	}
	// Past ten minutes the conversation is load balanced afresh (the pin expired).
	r.clock.add(11 * time.Minute)
	mu.Lock()
	failing = ""
	mu.Unlock()
	seen := map[string]bool{}
	for range 20 {
		r.clock.add(11 * time.Minute)
		_, got, _ := r.served(body)
		seen[got] = true
	}
	if len(seen) < 2 {
		t.Errorf("with the pin expiring every time, 20 requests all went to %v", seen)
	}
}

func TestMiddleOutOverHTTP(t *testing.T) {
	r := newRouteRig(t, map[string]string{"a": "/ok"})
	long := strings.Repeat("lorem ipsum ", 1500) // 18 KB: about 4,500 tokens a message
	msgs := `[{"role":"system","content":"be brief"},{"role":"user","content":"first question"}`
	for range 6 {
		msgs += `,{"role":"assistant","content":"` + long + `"},{"role":"user","content":"` + long + `"}`
	}
	msgs += `,{"role":"user","content":"the last question"}]`
	// route/tiny has an 8K context: on by default there.
	status, got, _ := r.served(`{"model":"route/tiny","max_tokens":500,"messages":` + msgs + `}`)
	if status != 200 {
		t.Fatalf("default middle-out on an 8K endpoint: %d %s", status, got)
	}
	sent := r.up.Requests()[0].Body
	if len(sent) > 4*8192 || !strings.Contains(string(sent), "be brief") || !strings.Contains(string(sent), "the last question") || !gjson.ValidBytes(sent) {
		t.Errorf("upstream body %d bytes; want under %d with the head and the tail", len(sent), 4*8192)
	}
	// transforms: [] turns it off: the prompt does not fit anywhere.
	status, got, calls := r.served(`{"model":"route/tiny","transforms":[],"messages":` + msgs + `}`)
	if status != 400 || !strings.Contains(got, "context_length_exceeded") || !strings.Contains(got, "middle-out") || len(calls) != 0 {
		t.Errorf("transforms []: %d %s %v", status, got, calls)
	}
}

func TestReasoningDeadline(t *testing.T) {
	r := newRouteRig(t, map[string]string{"a": "/slow/600ms", "c": "/slow/600ms"},
		"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS", "200", "SWITCHYARD_REASONING_FIRST_BYTE_TIMEOUT_MS", "3000")
	// a does not reason: its 200 ms deadline passes. c reasons: 3 s is enough.
	status, got, calls := r.served(`{"model":"route/llama","provider":{"order":["a","c"],"allow_fallbacks":false},` + routeHello + `}`)
	if status != 200 || got != "Gamma" || strings.Join(calls, ",") != "a,c" {
		t.Errorf("status %d %s calls %v; want a timed out and c served", status, got, calls)
	}
}

func TestRequestDeadline(t *testing.T) {
	r := newRouteRig(t, map[string]string{"a": "/hang", "b": "/hang", "c": "/ok"},
		"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS", "5000", "SWITCHYARD_REQUEST_TIMEOUT_MS", "300")
	begin := time.Now()
	status, got, calls := r.served(`{"model":"route/llama","provider":{"sort":"price"},` + routeHello + `}`)
	if took := time.Since(begin); status != 503 || took > 3*time.Second || len(calls) != 1 {
		t.Errorf("status %d %s calls %v after %v; want a 503 after about 300 ms and one attempt", status, got, calls, took)
	}
}

// TestNitroMeasured: once endpoints are measured, :nitro follows the measurements, not the
// catalog's hints. d's hint says 500 tokens/s, but it streams slowly here; b streams fast.
func TestNitroMeasured(t *testing.T) {
	r := newRouteRig(t, map[string]string{"a": "/ok", "b": "/stream/10/5ms", "c": "/ok", "d": "/stream/10/60ms"})
	for _, slug := range []string{"b", "d"} {
		resp := r.post("/api/v1/chat/completions", testKey, `{"model":"route/llama","stream":true,"provider":{"only":["`+slug+`"]},`+routeHello+`}`)
		io.Copy(io.Discard, resp.Body)
	}
	snap, _ := r.stores.Stats.Snapshot(context.Background(), "route/llama")
	b, d := snap.Endpoint("b"), snap.Endpoint("d")
	if b == nil || d == nil || b.RouteTPS[0] <= d.RouteTPS[0] {
		t.Fatalf("measured b %+v, d %+v", b, d)
	}
	t.Logf("measured throughput: b %.0f tokens/s, d %.0f tokens/s", b.RouteTPS[0], d.RouteTPS[0])
	if status, got, _ := r.served(`{"model":"route/llama:nitro",` + routeHello + `}`); status != 200 || got != "Beta" {
		t.Errorf(":nitro served by %s (%d), want Beta, the fastest measured", got, status)
	}
}

func TestEndpointsEndpoint(t *testing.T) {
	r := newRouteRig(t, map[string]string{"a": "/fail/503", "b": "/ok", "c": "/ok", "d": "/ok"})
	for range 3 {
		r.served(`{"model":"route/llama","provider":{"sort":"price"},` + routeHello + `}`)
	}
	for path, want := range map[string]int{
		"/api/v1/models/route/llama/endpoints":       200,
		"/api/v1/models/route/llama:nitro/endpoints": 200,
		"/api/v1/models/nope/nope/endpoints":         404,
		"/api/v1/models//endpoints":                  404,
	} {
		resp, err := http.Get(r.router.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d %s, want %d", path, resp.StatusCode, b, want)
			continue
		}
		if want != 200 {
			continue
		}
		eps := gjson.GetBytes(b, "data.endpoints")
		if n := len(eps.Array()); n != 4 {
			t.Fatalf("GET %s: %d endpoints: %s", path, n, b)
		}
		a, bb := eps.Get(`#(tag=="a")`), eps.Get(`#(tag=="b")`)
		if a.Get("uptime_last_5m").Float() != 0 || !a.Get("uptime_last_5m").Exists() || bb.Get("uptime_last_5m").Float() != 100 {
			t.Errorf("uptime: a %s, b %s", a.Get("uptime_last_5m").Raw, bb.Get("uptime_last_5m").Raw)
		}
		if c := eps.Get(`#(tag=="c")`); c.Get("uptime_last_5m").Type != gjson.Null || c.Get("provider_name").Str != "Gamma" {
			t.Errorf("unused endpoint c: %s", c.Raw)
		}
	}
}
