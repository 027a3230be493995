package workerd

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/tidwall/gjson"
)

// TestWorkerdRouting shows the routing engine's observable behaviour over HTTP, in real
// workerd, against several fake upstreams, driven by the official OpenAI Go SDK. Three
// Workers run side by side:
//
//   - healthy: every provider of the model answers; groq streams slowly and together fast.
//     Default load balancing follows 1/price² (a distribution over many requests), :nitro
//     picks the fastest (by catalog hint before measuring, by measurement after), and
//     middle-out lets a prompt larger than every context through;
//   - failing: deepinfra (the cheapest provider) fails every request: it is tried first
//     while its failures are few, avoided within 30 s, tried first again after;
//   - sticky:  groq is served by a second fake that the test stops: a session sticks to
//     groq against the lottery's odds, then fails over and sticks to what served.
//
// Health, measured speed and sticky pins live in the Worker's stats store (per isolate,
// with KV behind the stats: edge/main_js.go); a Worker without them fails the subtests that
// need them (requireLiveStats).
func TestWorkerdRouting(t *testing.T) {
	if testing.Short() {
		t.Skip("workerd e2e suite skipped in -short mode")
	}
	root := Root(t)
	wrangler := RequireWrangler(t, root)
	fake := StartFake(t, root)
	build := BuildWorker(t, root)

	order := endpointOrder(t, model) // hosted OpenAI-protocol endpoints, cheapest first
	cheapest := order[0].Provider
	var slugs []string
	for _, e := range order {
		slugs = appendNew(slugs, e.Provider)
	}
	for _, need := range []string{"deepinfra", "groq", "together"} {
		if !contains(slugs, need) {
			t.Fatalf("%s is not served by %s in catalog.Default; the suite is written for it", model, need)
		}
	}
	if cheapest != "deepinfra" {
		t.Fatalf("the cheapest provider of %s is %s; the suite expects deepinfra", model, cheapest)
	}

	start := func(t *testing.T, bases map[string]string, extra map[string]string) (*Worker, *openai.Client, string) {
		vars := map[string]string{"SWITCHYARD_ADMIN_KEY": adminKey}
		for slug, base := range bases {
			env := catalog.EnvName(slug)
			vars[env+"_API_KEY"] = "test-key-" + slug
			vars[env+"_BASE_URL"] = base
		}
		for k, v := range extra {
			vars[k] = v
		}
		w := StartWorker(t, WorkerOptions{Root: root, Wrangler: wrangler, BuildDir: build, Vars: vars})
		key := w.CreateKey(t, adminKey, "e2e-"+t.Name())
		return w, newClient(w, key), key
	}
	all := func(script func(slug string) string) map[string]string {
		m := map[string]string{}
		for _, s := range slugs {
			m[s] = fake.Base(script(s))
		}
		return m
	}

	t.Run("healthy", func(t *testing.T) {
		t.Parallel()
		w, client, key := start(t, all(func(slug string) string {
			switch slug {
			case "groq":
				return "/stream/20/40ms" // non-streaming: the answer after 20 × 40 ms
			case "together":
				return "/stream/20/1ms"
			}
			return "/ok"
		}), nil)

		// Before anything is measured, :nitro orders by the catalog's throughput hints.
		t.Run("nitro_by_hint", func(t *testing.T) {
			fastest := fastestByHint(t, slugs)
			resp, err := client.Chat.Completions.New(ctxT(t), plain(model+":nitro", newNonce(t)))
			if err != nil {
				t.Fatalf(":nitro: %v", err)
			}
			if got := providerOf(t, resp.JSON.ExtraFields); got != providerName(fastest) || resp.Model != model {
				t.Errorf(":nitro served by %q as %q, want %q (highest throughput hint) as %q", got, resp.Model, providerName(fastest), model)
			}
		})

		// Once measured, :nitro follows the measurements: groq streams at about 25
		// tokens/s here, together at hundreds.
		t.Run("nitro_by_measurement", func(t *testing.T) {
			requireLiveStats(t, w)
			for _, slug := range []string{"groq", "together"} {
				stream := client.Chat.Completions.NewStreaming(ctxT(t), plain(model, newNonce(t)),
					option.WithJSONSet("provider", map[string]any{"only": []string{slug}}))
				for stream.Next() {
				}
				if err := stream.Err(); err != nil {
					t.Fatalf("warm-up stream via %s: %v", slug, err)
				}
				stream.Close()
			}
			waitDeferred()
			tput := measured(t, w, model)
			t.Logf("measured p50 throughput: %v", tput)
			if tput["together"] <= tput["groq"] {
				t.Fatalf("throughput together %v, groq %v: want together faster (is store.Stats passed to core in edge/main_js.go?)", tput["together"], tput["groq"])
			}
			resp, err := client.Chat.Completions.New(ctxT(t), plain(model+":nitro", newNonce(t)))
			if err != nil {
				t.Fatalf(":nitro: %v", err)
			}
			if got := providerOf(t, resp.JSON.ExtraFields); got != providerName("together") {
				t.Errorf(":nitro served by %q, want %q, the fastest measured", got, providerName("together"))
			}
		})

		// Default routing: the first endpoint is drawn with probability ∝ 1/price²
		// among the healthy ones (shared/spec/openrouter-api.md §3.2).
		t.Run("load_balancing", func(t *testing.T) {
			const n = 100
			want := lotteryShares(order)
			got := map[string]int{}
			for range n {
				nonce := newNonce(t)
				resp, err := client.Chat.Completions.New(ctxT(t), plain(model, nonce))
				if err != nil {
					t.Fatalf("chat: %v", err)
				}
				calls := callsWith(t, fake, nonce)
				if len(calls) != 1 {
					t.Fatalf("calls %v for one healthy answer", calls)
				}
				if providerOf(t, resp.JSON.ExtraFields) != providerName(calls[0].provider) {
					t.Errorf("response names %q, the call went to %s", providerOf(t, resp.JSON.ExtraFields), calls[0].provider)
				}
				got[calls[0].provider+" "+calls[0].model]++
			}
			t.Logf("first endpoint over %d requests: %v; expected shares %v", n, got, want)
			top := order[0].Provider + " " + order[0].Upstream
			if share := float64(got[top]) / n; share < want[top]-0.12 || share > want[top]+0.08 {
				t.Errorf("cheapest endpoint first in %.0f%% of requests, want about %.0f%%", 100*share, 100*want[top])
			}
			if got[top] == n {
				t.Errorf("the cheapest endpoint was first every time: no load balancing")
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("unexpected endpoint %s", k)
				}
			}
		})

		// Middle-out: a prompt of about 160K tokens fits no endpoint of the model
		// (32K, 32K and 131K contexts); with transforms ["middle-out"] the largest takes it,
		// shrunk from the middle; without, it is a 400 that suggests middle-out.
		t.Run("middle_out", func(t *testing.T) {
			const mo = "qwen/qwen-2.5-72b-instruct"
			largest := largestContext(t, mo)
			nonce := newNonce(t)
			body := bigPrompt(mo, nonce, 640<<10)
			status, raw := rawPost(t, w.URL+"/api/v1/chat/completions", key, body[:len(body)-1]+`,"transforms":["middle-out"]}`)
			if status != http.StatusOK {
				t.Fatalf("middle-out: status %d, body %.500s", status, raw)
			}
			if p := gjson.GetBytes(raw, "provider").Str; p != providerName(largest.Provider) || gjson.GetBytes(raw, "model").Str != mo {
				t.Errorf("served by %q as %q, want %q (the largest context) as %s", p, gjson.GetBytes(raw, "model").Str, providerName(largest.Provider), mo)
			}
			var sent []byte
			for _, r := range fake.Requests(t) {
				if strings.Contains(string(r.Body), nonce) {
					sent = r.Body
				}
			}
			if len(sent) == 0 || len(sent) > 4*largest.ContextLength || !json.Valid(sent) {
				t.Fatalf("upstream body %d bytes (valid %v), want at most %d", len(sent), json.Valid(sent), 4*largest.ContextLength)
			}
			for _, s := range []string{"HEAD-" + nonce, "TAIL-" + nonce} {
				if !strings.Contains(string(sent), s) {
					t.Errorf("the upstream prompt lost %s", s)
				}
			}
			t.Logf("middle-out: %d bytes in, %d bytes sent to %s", len(body), len(sent), largest.Provider)

			status, raw = rawPost(t, w.URL+"/api/v1/chat/completions", key, bigPrompt(mo, newNonce(t), 640<<10))
			if status != http.StatusBadRequest || !strings.Contains(string(raw), "middle-out") {
				t.Errorf("without middle-out: status %d, body %.300s; want a 400 suggesting middle-out", status, raw)
			}
		})

		t.Run("endpoints_endpoint", func(t *testing.T) {
			resp, err := http.Get(w.URL + "/api/v1/models/" + model + "/endpoints")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			eps := gjson.GetBytes(raw, "data.endpoints").Array()
			if resp.StatusCode != 200 || len(eps) != len(catalog.Default.Model(model).Endpoints) {
				t.Fatalf("GET endpoints: %d, %d endpoints: %.300s", resp.StatusCode, len(eps), raw)
			}
			requireLiveStats(t, w)
			for _, e := range eps {
				if e.Get("tag").Str == "together" && (e.Get("uptime_last_30m").Float() != 100 || !e.Get("throughput_last_30m.p50").Exists()) {
					t.Errorf("together's live figures: %s", e.Raw)
				}
			}
		})
	})

	t.Run("failing", func(t *testing.T) {
		t.Parallel()
		w, client, _ := start(t, all(func(slug string) string {
			if slug == cheapest {
				return "/fail/503"
			}
			return "/ok"
		}), nil)
		next := ""
		for _, e := range order {
			if e.Provider != cheapest {
				next = e.Provider
				break
			}
		}
		try := func(t *testing.T) []call {
			nonce := newNonce(t)
			resp, err := client.Chat.Completions.New(ctxT(t), chat(model, nonce)) // sort: price
			if err != nil {
				t.Fatalf("chat: %v", err)
			}
			if got := providerOf(t, resp.JSON.ExtraFields); got != providerName(next) {
				t.Errorf("served by %q, want %q", got, providerName(next))
			}
			waitDeferred()
			return callsWith(t, fake, nonce)
		}
		begin := time.Now()
		// Two failures of each of its endpoints: tried first both times.
		for i := range 2 {
			if calls := try(t); len(calls) < 2 || calls[0].provider != cheapest {
				t.Fatalf("request %d: calls %v, want %s tried first", i+1, calls, cheapest)
			}
			if i == 0 {
				requireLiveStats(t, w)
			}
		}
		// Now it is failing: moved last, so the next provider answers at once.
		calls := try(t)
		if len(calls) != 1 || calls[0].provider != next {
			t.Fatalf("third request: calls %v, want only %s (the failing %s avoided; is store.Stats passed to core in edge/main_js.go?)", calls, next, cheapest)
		}
		t.Logf("failing %s avoided %v after its first failure", cheapest, time.Since(begin).Round(time.Millisecond))
		// 30 s on, the window has passed: it is tried first again.
		time.Sleep(35*time.Second - time.Since(begin))
		if calls := try(t); len(calls) < 2 || calls[0].provider != cheapest {
			t.Errorf("35 s later: calls %v, want %s tried first again", calls, cheapest)
		}
	})

	t.Run("sticky", func(t *testing.T) {
		t.Parallel()
		down := StartFake(t, root) // serves groq until stopped
		bases := all(func(string) string { return "/ok" })
		bases["groq"] = down.Base("/ok")
		w, client, _ := start(t, bases, nil)
		session := "e2e-session-" + newNonce(t)
		downStopped := false
		// send makes one request of the session and returns who served it and the calls
		// the fakes recorded (a stopped fake records nothing).
		send := func(t *testing.T, opts ...option.RequestOption) (string, []call) {
			nonce := newNonce(t)
			opts = append(opts, option.WithJSONSet("session_id", session))
			resp, err := client.Chat.Completions.New(ctxT(t), plain(model, nonce), opts...)
			if err != nil {
				t.Fatalf("chat: %v", err)
			}
			waitDeferred()
			calls := callsWith(t, fake, nonce)
			if !downStopped {
				calls = append(calls, callsWith(t, down, nonce)...)
			}
			return providerOf(t, resp.JSON.ExtraFields), calls
		}
		// The conversation starts on groq (provider.only is not an explicit order, so the
		// pin is kept) ...
		if got, _ := send(t, option.WithJSONSet("provider", map[string]any{"only": []string{"groq"}})); got != providerName("groq") {
			t.Fatalf("first request served by %q, want %q", got, providerName("groq"))
		}
		requireLiveStats(t, w)
		// ... and stays there, though the lottery puts deepinfra first 9 times in 10.
		for i := range 5 {
			if got, calls := send(t); got != providerName("groq") || len(calls) != 1 {
				t.Fatalf("request %d of the session: served by %q, calls %v; want groq alone (is store.Sticky passed to core in edge/main_js.go?)", i+2, got, calls)
			}
		}
		// groq goes down (its fake is stopped: connections are refused): the pinned
		// endpoint is tried, fails, and another serves ...
		down.Stop()
		downStopped = true
		moved, calls := send(t)
		if moved == providerName("groq") || len(calls) != 1 {
			t.Fatalf("after groq went down: served by %q, calls %v; want a failover to one other provider", moved, calls)
		}
		// ... and the session sticks to that one now.
		for i := range 3 {
			if got, calls := send(t); got != moved || len(calls) != 1 {
				t.Errorf("after the failover, request %d: served by %q, calls %v; want %q alone", i+1, got, calls, moved)
			}
		}
	})
}

// requireLiveStats fails the calling test when the Worker keeps no routing stats: after a
// served request the endpoints API shows no live figure for any endpoint of the model.
func requireLiveStats(t *testing.T, w *Worker) {
	t.Helper()
	if len(liveEndpoints(t, w)) > 0 {
		return
	}
	t.Fatal("the Worker keeps no routing stats (no live figures in the endpoints API after a request): " +
		"health, measured speed and sticky routing need store.Stats and store.Sticky in core.Config.Stores, " +
		"one per isolate (edge/main_js.go)")
}

// plain is a chat request with no provider preferences: default load balancing.
func plain(model, text string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("e2e " + text)},
	}
}

// waitDeferred gives the Worker's deferred work (the stats record and sticky pin written
// after the response) time to finish before the next request reads them.
func waitDeferred() { time.Sleep(150 * time.Millisecond) }

// lotteryShares is each endpoint's chance to be first under default routing: 1/price²
// normalised, with price = prompt + completion per token, keyed "provider upstream".
func lotteryShares(eps []catalog.Endpoint) map[string]float64 {
	out := map[string]float64{}
	total := 0.0
	for _, e := range eps {
		p := float64(e.Pricing.Prompt + e.Pricing.Completion)
		out[e.Provider+" "+e.Upstream] += 1 / (p * p)
		total += 1 / (p * p)
	}
	for k := range out {
		out[k] /= total
	}
	return out
}

func fastestByHint(t *testing.T, slugs []string) string {
	t.Helper()
	best, hint := "", 0
	for _, e := range catalog.Default.Model(model).Endpoints {
		if contains(slugs, e.Provider) && e.ThroughputHint > hint {
			best, hint = e.Provider, e.ThroughputHint
		}
	}
	if best == "" {
		t.Fatalf("no throughput hints for %s", model)
	}
	return best
}

// measured reads the p50 throughput per provider from the endpoints API.
func measured(t *testing.T, w *Worker, id string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(w.URL + "/api/v1/models/" + id + "/endpoints")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, e := range gjson.GetBytes(raw, "data.endpoints").Array() {
		slug, _, _ := strings.Cut(e.Get("tag").Str, "/")
		out[slug] = max(out[slug], e.Get("throughput_last_30m.p50").Float())
	}
	return out
}

func largestContext(t *testing.T, id string) catalog.Endpoint {
	t.Helper()
	m := catalog.Default.Model(id)
	if m == nil {
		t.Fatalf("%s is not in catalog.Default", id)
	}
	var best catalog.Endpoint
	for _, e := range m.Endpoints {
		if p := catalog.Default.Provider(e.Provider); p != nil && !p.Local && e.ContextLength > best.ContextLength {
			best = e
		}
	}
	return best
}

// bigPrompt is a chat body of about size bytes: a system message and a first user message
// marked HEAD, many long turns, and a last user message marked TAIL.
func bigPrompt(model, nonce string, size int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"model":%q,"messages":[{"role":"system","content":"HEAD-%s be brief"},{"role":"user","content":"first question"}`, model, nonce)
	turn := strings.Repeat("lorem ipsum dolor sit amet ", 300) // 8.1 KB
	for i := 0; b.Len() < size; i++ {
		role := "assistant"
		if i%2 == 1 {
			role = "user"
		}
		fmt.Fprintf(&b, `,{"role":%q,"content":"%d %s"}`, role, i, turn)
	}
	fmt.Fprintf(&b, `,{"role":"user","content":"TAIL-%s the last question"}]}`, nonce)
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func appendNew(list []string, s string) []string {
	if contains(list, s) {
		return list
	}
	return append(list, s)
}

// TestWorkerdStatsAcrossIsolates checks the KV tier of the Worker's routing memory: what one
// isolate measured reaches KV after its response, and a new isolate (a new wrangler dev on
// the same local KV) reports it before serving any request of its own.
func TestWorkerdStatsAcrossIsolates(t *testing.T) {
	if testing.Short() {
		t.Skip("workerd e2e suite skipped in -short mode")
	}
	root := Root(t)
	wrangler := RequireWrangler(t, root)
	fake := StartFake(t, root)
	order := endpointOrder(t, model)
	vars := map[string]string{"SWITCHYARD_ADMIN_KEY": adminKey}
	for _, e := range order {
		env := catalog.EnvName(e.Provider)
		vars[env+"_API_KEY"] = "test-key-" + e.Provider
		vars[env+"_BASE_URL"] = fake.Base("/ok")
	}
	opts := WorkerOptions{Root: root, Wrangler: wrangler, BuildDir: BuildWorker(t, root), Vars: vars,
		Persist: filepath.Join(t.TempDir(), "state")}

	first := StartWorker(t, opts)
	client := newClient(first, first.CreateKey(t, adminKey, "e2e-stats"))
	for range 3 {
		if _, err := client.Chat.Completions.New(ctxT(t), plain(model, newNonce(t))); err != nil {
			t.Fatal(err)
		}
	}
	waitDeferred()
	if live := liveEndpoints(t, first); len(live) == 0 {
		t.Fatal("the first Worker reports no live figures after serving requests")
	}
	first.Stop()

	second := StartWorker(t, opts)
	if live := liveEndpoints(t, second); len(live) == 0 {
		t.Error("a new isolate reports no live figures: the first one's stats did not reach KV, or are not read from it")
	} else {
		t.Logf("new isolate, no request served yet, reports live figures for %v", live)
	}
}

// liveEndpoints lists the endpoints of model with a live uptime figure in the endpoints API.
func liveEndpoints(t *testing.T, w *Worker) []string {
	t.Helper()
	resp, err := http.Get(w.URL + "/api/v1/models/" + model + "/endpoints")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var live []string
	for _, e := range gjson.GetBytes(raw, "data.endpoints").Array() {
		if e.Get("uptime_last_30m").Type == gjson.Number {
			live = append(live, e.Get("tag").String())
		}
	}
	return live
}
