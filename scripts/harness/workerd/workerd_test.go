package workerd

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/respjson"
	"github.com/switchyard-router/switchyard/core/catalog"
)

// adminKey is SWITCHYARD_ADMIN_KEY for every Worker the suite starts.
const adminKey = "sk-sy-admin-e2e-0123456789abcdef"

// model is the model the suite routes; it must have endpoints at two or more hosted
// (non-local) providers in catalog.Default.
const model = "meta-llama/llama-3.3-70b-instruct"

// TestMain kills what the suite started shortly before go test's -timeout would end the
// binary without running a cleanup.
func TestMain(m *testing.M) {
	flag.Parse()
	KillAllBeforeTimeout()
	os.Exit(m.Run())
}

// requestTimeout bounds every call the suite makes to the Worker.
const requestTimeout = 60 * time.Second

// TestWorkerd runs the Go/wasm Worker in real workerd (wrangler dev --local, local KV and
// D1) with every provider of the model pointed at the fake upstream, and drives it with the
// official OpenAI Go SDK. Three Workers run side by side, one per upstream arrangement:
//
//   - fallback: the cheapest provider fails with 503, the others answer;
//   - stream:   every provider streams 5 chunks 200 ms apart;
//   - hang:     the cheapest provider never answers (first-byte timeout 1.5 s).
//
// Which provider is cheapest is derived from the catalog at run time, sorting endpoints the
// way the router documents it (prompt + completion price ascending, catalog order on ties),
// so the suite follows catalog updates.
func TestWorkerd(t *testing.T) {
	if testing.Short() {
		t.Skip("workerd e2e suite skipped in -short mode: it builds the Worker and runs it in wrangler dev (real workerd); run go test without -short")
	}
	root := Root(t)
	wrangler := RequireWrangler(t, root)
	fake := StartFake(t, root)
	build := BuildWorker(t, root)

	order := endpointOrder(t, model)
	first := order[0].Provider
	served := "" // the provider that answers once `first` fails
	for _, e := range order {
		if e.Provider != first {
			served = e.Provider
			break
		}
	}
	if served == "" {
		t.Fatalf("%s is served by one hosted provider only (%s); the suite needs two", model, first)
	}
	t.Logf("%s: cheapest hosted provider %s, next %s", model, first, served)

	start := func(t *testing.T, scripts map[string]string, extra map[string]string) (*Worker, *openai.Client) {
		vars := map[string]string{"SWITCHYARD_ADMIN_KEY": adminKey}
		for slug, script := range scripts {
			env := catalog.EnvName(slug)
			vars[env+"_API_KEY"] = "test-key-" + slug
			vars[env+"_BASE_URL"] = fake.Base(script)
		}
		for k, v := range extra {
			vars[k] = v
		}
		w := StartWorker(t, WorkerOptions{Root: root, Wrangler: wrangler, BuildDir: build, Vars: vars})
		key := w.CreateKey(t, adminKey, "e2e-"+t.Name())
		return w, newClient(w, key)
	}
	// providersOf maps every hosted provider of the model to one script.
	providersOf := func(script func(slug string) string) map[string]string {
		m := map[string]string{}
		for _, e := range order {
			m[e.Provider] = script(e.Provider)
		}
		return m
	}

	t.Run("fallback", func(t *testing.T) {
		t.Parallel()
		w, client := start(t, providersOf(func(slug string) string {
			if slug == first {
				return "/fail/503"
			}
			return "/ok"
		}), nil)
		t.Run("completion", func(t *testing.T) {
			nonce := newNonce(t)
			var hr *http.Response
			resp, err := client.Chat.Completions.New(ctxT(t), chat(model, nonce), option.WithResponseInto(&hr))
			if err != nil {
				t.Fatalf("chat completion: %v", err)
			}
			checkCompletion(t, resp, hr, model, served)
		})

		t.Run("fallback_from_failing_endpoint", func(t *testing.T) {
			nonce := newNonce(t)
			resp, err := client.Chat.Completions.New(ctxT(t), chat(model, nonce))
			if err != nil {
				t.Fatalf("chat completion: %v", err)
			}
			if got := providerOf(t, resp.JSON.ExtraFields); got != providerName(served) {
				t.Errorf("provider = %q, want %q (the first provider after %s, which fails with 503)", got, providerName(served), first)
			}
			calls := callsWith(t, fake, nonce)
			checkTriedFirst(t, calls, first, served)
		})

		t.Run("models_fallback_no_endpoint", func(t *testing.T) {
			// A model none of whose providers is configured in this Worker.
			skip := unroutableModel(t, providersOf(func(string) string { return "" }))
			nonce := newNonce(t)
			resp, err := client.Chat.Completions.New(ctxT(t), chat(skip, nonce),
				option.WithJSONSet("models", []string{skip, model}))
			if err != nil {
				t.Fatalf("models [%s, %s]: %v", skip, model, err)
			}
			if resp.Model != model {
				t.Errorf("model = %q, want %q: the first model has no configured provider", resp.Model, model)
			}
			if got := providerOf(t, resp.JSON.ExtraFields); got != providerName(served) {
				t.Errorf("provider = %q, want %q", got, providerName(served))
			}
		})

		t.Run("models_fallback_after_failure", func(t *testing.T) {
			// A model whose only configured provider is the failing one.
			failing, upstream := modelOnlyAt(t, first, providersOf(func(string) string { return "" }))
			nonce := newNonce(t)
			resp, err := client.Chat.Completions.New(ctxT(t), chat(failing, nonce),
				option.WithJSONSet("models", []string{failing, model}))
			if err != nil {
				t.Fatalf("models [%s, %s]: %v", failing, model, err)
			}
			if resp.Model != model {
				t.Errorf("model = %q, want %q: every endpoint of %s fails", resp.Model, model, failing)
			}
			if got := providerOf(t, resp.JSON.ExtraFields); got != providerName(served) {
				t.Errorf("provider = %q, want %q", got, providerName(served))
			}
			calls := callsWith(t, fake, nonce)
			if len(calls) == 0 || calls[0].model != upstream || calls[0].provider != first {
				t.Errorf("upstream calls %v: want the first to be %s at %s", calls, upstream, first)
			}
		})

		t.Run("bad_key", func(t *testing.T) {
			bad := newClient(w, "sk-sy-v1-not-a-real-key")
			_, err := bad.Chat.Completions.New(ctxT(t), chat(model, newNonce(t)))
			wantAPIError(t, err, http.StatusUnauthorized, "")
		})

		t.Run("malformed_json", func(t *testing.T) {
			k := w.CreateKey(t, adminKey, "e2e-raw")
			status, body := rawPost(t, w.URL+"/api/v1/chat/completions", k, `{"model":"`+model+`","messages":[`)
			if status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", status, body)
			}
			checkErrorBody(t, body, http.StatusBadRequest, "")
		})

		t.Run("unknown_model", func(t *testing.T) {
			const id = "nosuch/model-that-does-not-exist"
			_, err := client.Chat.Completions.New(ctxT(t), chat(id, newNonce(t)))
			wantAPIError(t, err, http.StatusBadRequest, id)
		})

		t.Run("key_info", func(t *testing.T) {
			k := w.CreateKey(t, adminKey, "e2e-info")
			req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, w.URL+"/api/v1/key", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+k)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("GET /api/v1/key: %v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			var info struct {
				Data struct {
					Hash  string `json:"hash"`
					Label string `json:"label"`
				} `json:"data"`
			}
			if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &info) != nil || info.Data.Hash == "" || info.Data.Label == "" {
				t.Errorf("GET /api/v1/key: status %d, body %s; want 200 with data.hash and data.label (read back from KV)", resp.StatusCode, body)
			}
		})

		t.Run("models_list", func(t *testing.T) {
			page, err := client.Models.List(ctxT(t))
			if err != nil {
				t.Fatalf("GET /api/v1/models: %v", err)
			}
			var ids []string
			for _, m := range page.Data {
				ids = append(ids, m.ID)
				if catalog.Default.Model(m.ID) == nil {
					t.Errorf("listed model %q is not in the catalog", m.ID)
				}
			}
			if !slices.Contains(ids, model) {
				t.Errorf("GET /api/v1/models lists %d models, not %s", len(ids), model)
			}
		})
	})

	t.Run("stream", func(t *testing.T) {
		t.Parallel()
		const chunks, gap = 5, 200 * time.Millisecond
		w, client := start(t, providersOf(func(string) string { return "/stream/5/200ms" }), nil)
		want := providerName(order[0].Provider)

		t.Run("sdk", func(t *testing.T) {
			var hr *http.Response
			begin := time.Now()
			stream := client.Chat.Completions.NewStreaming(ctxT(t), chat(model, newNonce(t)), option.WithResponseInto(&hr))
			defer stream.Close()
			var (
				arrivals []time.Duration // of chunks with content
				content  strings.Builder
				last     openai.ChatCompletionChunk
				n        int
				id       string
			)
			for stream.Next() {
				c := stream.Current()
				n++
				last = c
				if id == "" {
					id = c.ID
				} else if c.ID != id {
					t.Errorf("chunk %d id %q, first chunk had %q", n, c.ID, id)
				}
				if got := providerOf(t, c.JSON.ExtraFields); got != want {
					t.Errorf("chunk %d provider = %q, want %q", n, got, want)
				}
				if len(c.Choices) > 0 && c.Choices[0].Delta.Content != "" {
					arrivals = append(arrivals, time.Since(begin))
					content.WriteString(c.Choices[0].Delta.Content)
				}
			}
			if err := stream.Err(); err != nil {
				t.Fatalf("stream: %v", err)
			}
			if !strings.HasPrefix(id, "gen-") {
				t.Errorf("id = %q, want gen-…", id)
			}
			if hr == nil {
				t.Error("no HTTP response recorded")
			} else if got := hr.Header.Get("X-Generation-Id"); got != id {
				t.Errorf("X-Generation-Id = %q, want the chunks' id %q", got, id)
			}
			if !strings.Contains(content.String(), "fake upstream") {
				t.Errorf("content = %q, want the fake's reply", content.String())
			}
			// Unbuffered relay: the content chunks arrive spread over about (chunks-1)×gap,
			// not together at the end.
			t.Logf("content chunk arrivals: %v", arrivals)
			if len(arrivals) < 3 {
				t.Fatalf("%d content chunks, want several (the fake sends %d)", len(arrivals), chunks)
			}
			if spread := arrivals[len(arrivals)-1] - arrivals[0]; spread < (chunks-1)*gap/2 {
				t.Errorf("content chunks arrived within %v of each other; the fake spaces them %v apart, so the stream was buffered", spread, gap)
			}
			if len(last.Choices) != 0 || last.Usage.TotalTokens == 0 {
				t.Errorf("last chunk = %s; want the usage chunk (choices [] and usage)", last.RawJSON())
			}
		})

		t.Run("raw_sse", func(t *testing.T) {
			k := w.CreateKey(t, adminKey, "e2e-raw")
			ev := rawStream(t, w.URL, k, `{"model":"`+model+`","stream":true,"provider":{"sort":"price"},"messages":[{"role":"user","content":"`+newNonce(t)+`"}]}`)
			data := ev.data
			if len(data) < 3 || data[len(data)-1] != "[DONE]" {
				t.Fatalf("stream data events %q: want …, usage chunk, [DONE]", data)
			}
			u := data[len(data)-2]
			var chunk struct {
				Choices []json.RawMessage `json:"choices"`
				Usage   *struct {
					TotalTokens int `json:"total_tokens"`
				} `json:"usage"`
			}
			if err := json.Unmarshal([]byte(u), &chunk); err != nil || chunk.Choices == nil || len(chunk.Choices) != 0 || chunk.Usage == nil || chunk.Usage.TotalTokens == 0 {
				t.Errorf("event before [DONE] = %s (%v); want choices:[] with usage", u, err)
			}
		})
	})

	t.Run("hang", func(t *testing.T) {
		t.Parallel()
		const firstByte = 1500 * time.Millisecond
		w, client := start(t, providersOf(func(slug string) string {
			if slug == first {
				return "/hang"
			}
			return "/ok"
		}), map[string]string{
			"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS": "1500",
			"SWITCHYARD_KEEPALIVE_MS":          "250",
		})

		t.Run("fallback_after_hang", func(t *testing.T) {
			nonce := newNonce(t)
			begin := time.Now()
			resp, err := client.Chat.Completions.New(ctxT(t), chat(model, nonce))
			took := time.Since(begin)
			if err != nil {
				t.Fatalf("chat completion after %v: %v", took, err)
			}
			if got := providerOf(t, resp.JSON.ExtraFields); got != providerName(served) {
				t.Errorf("provider = %q, want %q (after %s hangs)", got, providerName(served), first)
			}
			if took < firstByte {
				t.Errorf("answered in %v, before the %v first-byte timeout could have fired", took, firstByte)
			}
			checkTriedFirst(t, callsWith(t, fake, nonce), first, served)
		})

		t.Run("stream_keepalive_then_fallback", func(t *testing.T) {
			k := w.CreateKey(t, adminKey, "e2e-raw")
			nonce := newNonce(t)
			ev := rawStream(t, w.URL, k, `{"model":"`+model+`","stream":true,"provider":{"sort":"price"},"messages":[{"role":"user","content":"`+nonce+`"}]}`)
			if ev.commentsBeforeData == 0 {
				t.Errorf("no SSE comment before the first data event; want keep-alives while %s hangs (SWITCHYARD_KEEPALIVE_MS=250)", first)
			}
			if len(ev.data) == 0 || ev.data[len(ev.data)-1] != "[DONE]" {
				t.Fatalf("stream data events %q: want a completed stream", ev.data)
			}
			var c struct {
				Provider string `json:"provider"`
			}
			if err := json.Unmarshal([]byte(ev.data[0]), &c); err != nil || c.Provider != providerName(served) {
				t.Errorf("first chunk %s: provider want %q (%v)", ev.data[0], providerName(served), err)
			}
			checkTriedFirst(t, callsWith(t, fake, nonce), first, served)
		})
	})
}

// endpointOrder returns the model's endpoints at hosted providers in the order the router
// tries them under provider.sort "price": prompt + completion price ascending, catalog order
// breaking ties. Local
// providers (ollama, vllm) are left out: the suite never configures them.
func endpointOrder(t *testing.T, id string) []catalog.Endpoint {
	t.Helper()
	m := catalog.Default.Model(id)
	if m == nil {
		t.Fatalf("%s is not in catalog.Default", id)
	}
	var out []catalog.Endpoint
	for _, e := range m.Endpoints {
		if p := catalog.Default.Provider(e.Provider); p != nil && !p.Local && p.Protocol == catalog.OpenAI {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b catalog.Endpoint) int {
		x := a.Pricing.Prompt + a.Pricing.Completion
		y := b.Pricing.Prompt + b.Pricing.Completion
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	if len(out) == 0 {
		t.Fatalf("%s has no OpenAI-compatible hosted endpoint", id)
	}
	return out
}

// unroutableModel returns a catalog model none of whose providers is in configured.
func unroutableModel(t *testing.T, configured map[string]string) string {
	t.Helper()
	for _, m := range catalog.Default.Models {
		ok := len(m.Endpoints) > 0
		for _, e := range m.Endpoints {
			if _, c := configured[e.Provider]; c {
				ok = false
			}
		}
		if ok && m.ID != model {
			return m.ID
		}
	}
	t.Skip("every catalog model has a provider this Worker configures")
	return ""
}

// modelOnlyAt returns a model (≠ model) whose only configured provider is slug, and the
// upstream id it has there.
func modelOnlyAt(t *testing.T, slug string, configured map[string]string) (id, upstream string) {
	t.Helper()
	for _, m := range catalog.Default.Models {
		if m.ID == model {
			continue
		}
		var at []catalog.Endpoint
		for _, e := range m.Endpoints {
			if _, c := configured[e.Provider]; c {
				at = append(at, e)
			}
		}
		if len(at) > 0 && !slices.ContainsFunc(at, func(e catalog.Endpoint) bool { return e.Provider != slug }) {
			return m.ID, at[0].Upstream
		}
	}
	t.Skipf("no catalog model is served, among the configured providers, only by %s", slug)
	return "", ""
}

func providerName(slug string) string {
	if p := catalog.Default.Provider(slug); p != nil {
		return p.Name
	}
	return slug
}

func newClient(w *Worker, key string) *openai.Client {
	c := openai.NewClient(
		option.WithBaseURL(w.URL+"/api/v1"),
		option.WithAPIKey(key),
		option.WithMaxRetries(0),
		option.WithRequestTimeout(requestTimeout),
	)
	return &c
}

// chat asks for cheapest-first routing (provider.sort "price"), which the suite's
// expectations are written against; the default load balancing is random
// (routing_test.go covers it).
func chat(model, text string) openai.ChatCompletionNewParams {
	p := openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("e2e " + text)},
	}
	p.SetExtraFields(map[string]any{"provider": map[string]any{"sort": "price"}})
	return p
}

// ctxT is a context bounded by requestTimeout and the test's life.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// newNonce marks one request so the fake's recorded calls can be matched to it.
func newNonce(t *testing.T) string {
	var b [8]byte
	rand.Read(b[:])
	return "nonce-" + hex.EncodeToString(b[:])
}

func checkCompletion(t *testing.T, resp *openai.ChatCompletion, hr *http.Response, model, provider string) {
	t.Helper()
	if len(resp.Choices) == 0 || !strings.Contains(resp.Choices[0].Message.Content, "fake upstream") {
		t.Errorf("choices = %s; want the fake upstream's reply", resp.RawJSON())
	}
	if !strings.HasPrefix(resp.ID, "gen-") {
		t.Errorf("id = %q, want gen-…", resp.ID)
	}
	if hr == nil {
		t.Error("no HTTP response recorded")
	} else if got := hr.Header.Get("X-Generation-Id"); got != resp.ID {
		t.Errorf("X-Generation-Id = %q, want the body's id %q", got, resp.ID)
	}
	if resp.Model != model {
		t.Errorf("model = %q, want %q", resp.Model, model)
	}
	if got := providerOf(t, resp.JSON.ExtraFields); got != providerName(provider) {
		t.Errorf("provider = %q, want %q", got, providerName(provider))
	}
	if resp.Usage.TotalTokens == 0 {
		t.Errorf("usage = %s, want token counts", resp.Usage.RawJSON())
	}
}

// providerOf reads the OpenRouter "provider" member the SDK keeps among extra fields.
func providerOf(t *testing.T, extra map[string]respjson.Field) string {
	t.Helper()
	f, ok := extra["provider"]
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal([]byte(f.Raw()), &s); err != nil {
		t.Errorf("provider = %s: %v", f.Raw(), err)
	}
	return s
}

// call is one upstream chat call the fake recorded.
type call struct {
	provider string // from the Authorization header: Bearer test-key-<slug>
	model    string // the upstream model id sent
	path     string
}

func (c call) String() string { return c.provider + ":" + c.model + " " + c.path }

// callsWith returns the fake's recorded calls whose body contains nonce, oldest first.
func callsWith(t *testing.T, f *Fake, nonce string) []call {
	t.Helper()
	var out []call
	for _, r := range f.Requests(t) {
		if !strings.Contains(string(r.Body), nonce) {
			continue
		}
		var body struct {
			Model string `json:"model"`
		}
		json.Unmarshal(r.Body, &body)
		out = append(out, call{
			provider: strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer test-key-"),
			model:    body.Model,
			path:     r.Path,
		})
	}
	return out
}

// checkTriedFirst wants the calls to start at the failing provider and end at the serving
// one, with only the failing provider in between (it may have several endpoints).
func checkTriedFirst(t *testing.T, calls []call, failing, served string) {
	t.Helper()
	if len(calls) < 2 {
		t.Fatalf("upstream calls %v: want %s tried before %s", calls, failing, served)
	}
	if calls[0].provider != failing {
		t.Errorf("upstream calls %v: first went to %s, want %s (cheapest)", calls, calls[0].provider, failing)
	}
	if last := calls[len(calls)-1]; last.provider != served {
		t.Errorf("upstream calls %v: last went to %s, want %s", calls, last.provider, served)
	}
	for _, c := range calls[:len(calls)-1] {
		if c.provider != failing {
			t.Errorf("upstream calls %v: unexpected call to %s before %s", calls, c.provider, served)
		}
	}
}

// wantAPIError checks an SDK error for the HTTP status and OpenRouter's error body.
func wantAPIError(t *testing.T, err error, status int, mention string) {
	t.Helper()
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an API error with status %d", err, status)
	}
	if apiErr.StatusCode != status {
		t.Errorf("status = %d, want %d; body %s", apiErr.StatusCode, status, apiErr.RawJSON())
	}
	if mention != "" && !strings.Contains(apiErr.Message, mention) {
		t.Errorf("error message %q does not mention %q", apiErr.Message, mention)
	}
	if apiErr.Message == "" {
		t.Errorf("error without a message: %s", apiErr.RawJSON())
	}
}

// checkErrorBody wants {"error":{"code":status,"message":"…"}}.
func checkErrorBody(t *testing.T, body []byte, status int, mention string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	if e.Error.Code != status || e.Error.Message == "" || !strings.Contains(e.Error.Message, mention) {
		t.Errorf("error body %s: want code %d and a message mentioning %q", body, status, mention)
	}
}

func rawPost(t *testing.T, url, key, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b
}

// sse is a stream read line by line.
type sse struct {
	data               []string // data: payloads, in order
	commentsBeforeData int      // ":" lines before the first data line
}

func rawStream(t *testing.T, base, key, body string) sse {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, base+"/api/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		t.Fatalf("stream: status %d, body %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type = %q, want text/event-stream", ct)
	}
	var out sse
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, ":"):
			if len(out.data) == 0 {
				out.commentsBeforeData++
			}
		case strings.HasPrefix(line, "data:"):
			out.data = append(out.data, strings.TrimSpace(strings.TrimPrefix(line, "data:")))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("stream read: %v (events so far %q)", err, out.data)
	}
	return out
}
