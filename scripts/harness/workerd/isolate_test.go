package workerd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// testPanicPath turns on edge/testhooks_js.go in the Workers of this file only.
const testPanicPath = "/__test/panic"

// TestWorkerdIsolate checks the Worker's one Go instance per isolate (edge/README.md) in
// real workerd: concurrent requests share the instance and stay correct, Go timers keep
// firing for a waiting request when the request whose event last ran Go has ended, a panic
// in a handler costs only its own request, and a crashed instance is replaced. Two Workers
// run side by side: every provider streaming, and the cheapest provider hanging.
func TestWorkerdIsolate(t *testing.T) {
	if testing.Short() {
		t.Skip("workerd e2e suite skipped in -short mode: it builds the Worker and runs it in wrangler dev (real workerd); run go test without -short")
	}
	root := Root(t)
	wrangler := RequireWrangler(t, root)
	fake := StartFake(t, root)
	build := BuildWorker(t, root)
	order := endpointOrder(t, model)

	start := func(t *testing.T, script func(slug string) string, extra map[string]string) (*Worker, string) {
		vars := map[string]string{"SWITCHYARD_ADMIN_KEY": adminKey, "SWITCHYARD_TEST_PANIC_PATH": testPanicPath}
		for _, e := range order {
			env := catalog.EnvName(e.Provider)
			vars[env+"_API_KEY"] = "test-key-" + e.Provider
			vars[env+"_BASE_URL"] = fake.Base(script(e.Provider))
		}
		for k, v := range extra {
			vars[k] = v
		}
		w := StartWorker(t, WorkerOptions{Root: root, Wrangler: wrangler, BuildDir: build, Vars: vars})
		return w, w.CreateKey(t, adminKey, "e2e-"+t.Name())
	}

	t.Run("stream", func(t *testing.T) {
		t.Parallel()
		w, key := start(t, func(string) string { return "/stream/5/200ms" }, nil)

		t.Run("concurrent_streams", func(t *testing.T) {
			// 16 streams and 8 key lookups at once, all in one isolate and so in one Go
			// instance: each stream must be whole, unbuffered and its own.
			const streams, lookups = 16, 8
			var wg sync.WaitGroup
			results := make([]streamResult, streams)
			begin := time.Now()
			for i := range streams {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = readStream(t, w.URL, key, `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"`+newNonce(t)+`"}]}`)
				}()
			}
			instances := make([]string, lookups)
			for i := range lookups {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp := get(t, w.URL+"/api/v1/key", key)
					if resp.status != http.StatusOK {
						t.Errorf("GET /api/v1/key during the streams: status %d, body %s", resp.status, resp.body)
					}
					instances[i] = resp.header.Get("X-Switchyard-Instance")
				}()
			}
			wg.Wait()
			took := time.Since(begin)
			ids := map[string]bool{}
			for i, r := range results {
				if r.err != nil {
					t.Errorf("stream %d: %v", i, r.err)
					continue
				}
				if ids[r.id] {
					t.Errorf("stream %d: id %s also used by another stream", i, r.id)
				}
				ids[r.id] = true
				if r.header.Get("X-Generation-Id") != r.id {
					t.Errorf("stream %d: X-Generation-Id %q, chunks carry %q", i, r.header.Get("X-Generation-Id"), r.id)
				}
				if !strings.Contains(r.content, "fake upstream") {
					t.Errorf("stream %d: content %q, want the fake's reply", i, r.content)
				}
				if r.spread < 400*time.Millisecond {
					t.Errorf("stream %d: content chunks arrived within %v; the fake spaces 5 of them 200ms apart, so the stream was buffered", i, r.spread)
				}
				instances = append(instances, r.header.Get("X-Switchyard-Instance"))
			}
			for _, id := range instances {
				if id == "" || id != instances[0] {
					t.Fatalf("X-Switchyard-Instance of the concurrent requests: %q; want one instance serving all", instances)
				}
			}
			// Each stream takes about 1 s; served one after another they would take 16 s.
			if took > 8*time.Second {
				t.Errorf("%d concurrent streams took %v; want them served concurrently", streams, took)
			}
			t.Logf("%d streams and %d lookups in %v, all on instance %s", streams, lookups, took, instances[0])
		})

		t.Run("panic_in_handler", func(t *testing.T) {
			before := get(t, w.URL+"/health", "").header.Get("X-Switchyard-Instance")
			r := get(t, w.URL+testPanicPath, key)
			if r.status != http.StatusInternalServerError {
				t.Fatalf("GET %s: status %d, want 500; body %s", testPanicPath, r.status, r.body)
			}
			checkErrorBody(t, r.body, http.StatusInternalServerError, "")
			after := get(t, w.URL+"/health", "")
			if after.status != http.StatusOK {
				t.Fatalf("GET /health after the panic: status %d", after.status)
			}
			if id := after.header.Get("X-Switchyard-Instance"); id == "" || id != before {
				t.Errorf("instance %q before the panic, %q after; a handler panic must not cost the instance", before, id)
			}
		})

		t.Run("crash_recovery", func(t *testing.T) {
			before := get(t, w.URL+"/health", "").header.Get("X-Switchyard-Instance")
			// A stream in flight when the instance dies is cut, not left open: its
			// upstream would go on for about a second.
			inFlight := make(chan streamResult, 1)
			go func() {
				inFlight <- readStream(t, w.URL, key, `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"`+newNonce(t)+`"}]}`)
			}()
			time.Sleep(300 * time.Millisecond)
			crashed := time.Now()
			r := get(t, w.URL+testPanicPath+"/crash", key)
			if r.status != http.StatusInternalServerError {
				t.Fatalf("GET %s/crash: status %d, want 500; body %s", testPanicPath, r.status, r.body)
			}
			checkErrorBody(t, r.body, http.StatusInternalServerError, "")
			select {
			case s := <-inFlight:
				if s.err == nil {
					t.Errorf("the stream in flight during the crash ended whole (content %q); want it cut", s.content)
				} else if !strings.HasPrefix(s.last, `{"error":{"code":500`) {
					t.Errorf("the stream in flight during the crash ended with %q (%v); want an error event", s.last, s.err)
				}
			case <-time.After(2 * time.Second):
				t.Errorf("the stream in flight during the crash was still open %v after it", time.Since(crashed))
			}
			// The next request starts a new instance and is served normally, streams too.
			after := get(t, w.URL+"/health", "")
			if after.status != http.StatusOK {
				t.Fatalf("GET /health after the crash: status %d, body %s", after.status, after.body)
			}
			if id := after.header.Get("X-Switchyard-Instance"); id == "" || id == before {
				t.Errorf("instance %q before the crash, %q after; want a new one", before, id)
			}
			s := readStream(t, w.URL, key, `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"`+newNonce(t)+`"}]}`)
			if s.err != nil {
				t.Fatalf("stream after the crash: %v", s.err)
			}
			// The cut must come from the glue, in the stream's own request context, not
			// from workerd giving up on a request left with nothing pending: StartWorker's
			// cleanup fails the test on that.
		})
	})

	t.Run("hang", func(t *testing.T) {
		t.Parallel()
		const firstByte = 1500 * time.Millisecond
		first := order[0].Provider
		w, key := start(t, func(slug string) string {
			if slug == first {
				return "/hang"
			}
			return "/ok"
		}, map[string]string{"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS": "1500"})

		t.Run("concurrent_fallback_after_hang", func(t *testing.T) {
			// Staggered, so that each first-byte deadline fires after the request before it
			// has finished: Go's one runtime timer is then armed in a request that has
			// ended, and must move to a live one or the later requests never time out.
			const n = 4
			var wg sync.WaitGroup
			took := make([]time.Duration, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					begin := time.Now()
					r := post(t, w.URL+"/api/v1/chat/completions", key, `{"model":"`+model+`","provider":{"sort":"price"},"messages":[{"role":"user","content":"`+newNonce(t)+`"}]}`)
					took[i] = time.Since(begin)
					if r.status != http.StatusOK || !strings.Contains(string(r.body), "fake upstream") {
						errs[i] = fmt.Errorf("status %d, body %.300s", r.status, r.body)
					}
				}()
				time.Sleep(300 * time.Millisecond)
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Errorf("request %d: %v", i, errs[i])
				}
				if took[i] < firstByte || took[i] > firstByte+8*time.Second {
					t.Errorf("request %d answered after %v; want the %v first-byte timeout, then the next provider", i, took[i], firstByte)
				}
			}
			t.Logf("answered after %v", took)
		})

	})

	t.Run("stall_stream", func(t *testing.T) {
		t.Parallel()
		// The upstream sends its role chunk at once, then one content chunk every 2 s;
		// the idle deadline must end the stream in the Worker before the first of them:
		// core's deadline reaches a read in progress through the upstream request's
		// context, which cancels the JS body reader (edge/fetch_js.go).
		w, key := start(t, func(string) string { return "/stream/3/2s" },
			map[string]string{"SWITCHYARD_STREAM_IDLE_TIMEOUT_MS": "300"})
		begin := time.Now()
		r := post(t, w.URL+"/api/v1/chat/completions", key, `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"`+newNonce(t)+`"}]}`)
		took := time.Since(begin)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), "Provider stopped sending output") || !strings.HasSuffix(string(r.body), "data: [DONE]\n\n") {
			t.Fatalf("status %d, body %s; want the idle-timeout error chunk, then [DONE]", r.status, r.body)
		}
		if took > 1800*time.Millisecond {
			t.Errorf("the stream ended after %v; want the 300ms idle deadline, well before the next chunk at 2s", took)
		}
	})

	t.Run("client_gone", func(t *testing.T) {
		t.Parallel()
		// A client that hangs up mid-stream must end its request in the Worker at once:
		// the response stream's cancel reaches Go, which stops the upstream read, and the
		// port ends. The upstream would go on for 20 × 200 ms.
		w, key := start(t, func(string) string { return "/stream/20/200ms" }, nil)
		ctx, hangUp := context.WithCancel(ctxT(t))
		defer hangUp()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+"/api/v1/chat/completions",
			strings.NewReader(`{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"`+newNonce(t)+`"}]}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		begin := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() && !strings.Contains(sc.Text(), `"content"`) {
		}
		hangUp()
		resp.Body.Close()
		gone := time.Now()
		for {
			var s struct {
				JS struct{ Ports int } `json:"js"`
			}
			if err := json.Unmarshal(get(t, w.URL+testPanicPath+"/stats", key).body, &s); err != nil {
				t.Fatal(err)
			}
			if s.JS.Ports == 1 { // the stats request's own
				t.Logf("the request ended %v after the client hung up", time.Since(gone))
				break
			}
			if time.Since(begin) > 3*time.Second {
				t.Fatalf("%d ports still live %v after the client hung up; the request went on with the upstream", s.JS.Ports, time.Since(gone))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	// Its own Worker: the requests above leave the hanging provider unstable, and the
	// planner would then try it last.
	t.Run("hang_stream", func(t *testing.T) {
		t.Parallel()
		first := order[0].Provider
		w, key := start(t, func(slug string) string {
			if slug == first {
				return "/hang"
			}
			return "/ok"
		}, map[string]string{"SWITCHYARD_FIRST_BYTE_TIMEOUT_MS": "1500", "SWITCHYARD_KEEPALIVE_MS": "250"})

		t.Run("concurrent_stream_keepalive_then_fallback", func(t *testing.T) {
			// Keep-alive ticks fire from whichever request's event runs Go, so they commit
			// a stream (its status and headers) through an op queued for its own request,
			// which the first data chunk must never overtake.
			const n = 4
			var wg sync.WaitGroup
			results := make([]streamResult, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = readStream(t, w.URL, key, `{"model":"`+model+`","stream":true,"provider":{"sort":"price"},"messages":[{"role":"user","content":"`+newNonce(t)+`"}]}`)
				}()
				time.Sleep(200 * time.Millisecond)
			}
			wg.Wait()
			for i, r := range results {
				switch {
				case r.err != nil:
					t.Errorf("stream %d: %v", i, r.err)
				case r.comments == 0:
					t.Errorf("stream %d: no keep-alive comment before the data while %s hangs", i, first)
				case !strings.Contains(r.content, "fake upstream"):
					t.Errorf("stream %d: content %q, want the fake's reply", i, r.content)
				}
			}
		})
	})
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, url, key string) response { return do(t, http.MethodGet, url, key, "") }

func post(t *testing.T, url, key, body string) response {
	return do(t, http.MethodPost, url, key, body)
}

func do(t *testing.T, method, url, key, body string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return response{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return response{resp.StatusCode, resp.Header, b}
}

// streamResult is one streamed completion, read event by event.
type streamResult struct {
	header  http.Header
	id      string        // the chunks' id (all must agree)
	content string        // the deltas joined
	spread  time.Duration // between the first and the last content chunk
	// comments counts SSE comment lines (keep-alives) before the first data line.
	comments int
	last     string // the last data payload read
	err      error
}

// readStream posts a streaming request and checks the stream's shape: every chunk with
// one id, a usage chunk, then [DONE]. It may run on any goroutine.
func readStream(t *testing.T, base, key, body string) (r streamResult) {
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, base+"/api/v1/chat/completions", strings.NewReader(body))
	if err != nil {
		return streamResult{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return streamResult{err: err}
	}
	defer resp.Body.Close()
	r.header = resp.Header
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		r.err = fmt.Errorf("status %d, body %s", resp.StatusCode, b)
		return r
	}
	var (
		content     strings.Builder
		first, last time.Time
		data        []string
	)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), ":") && len(data) == 0 {
			r.comments++
		}
		payload, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue
		}
		payload = strings.TrimSpace(payload)
		data = append(data, payload)
		r.last = payload
		if payload == "[DONE]" {
			continue
		}
		var c struct {
			ID      string `json:"id"`
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
			} `json:"choices"`
			Usage *struct {
				TotalTokens int `json:"total_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(payload), &c); err != nil {
			r.err = fmt.Errorf("event %s: %v", payload, err)
			return r
		}
		if r.id == "" {
			r.id = c.ID
		} else if c.ID != r.id {
			r.err = fmt.Errorf("chunk id %q, the first chunk had %q", c.ID, r.id)
			return r
		}
		if len(c.Choices) > 0 && c.Choices[0].Delta.Content != "" {
			if first.IsZero() {
				first = time.Now()
			}
			last = time.Now()
			content.WriteString(c.Choices[0].Delta.Content)
		}
	}
	if err := sc.Err(); err != nil {
		r.err = fmt.Errorf("read: %v (events so far %q)", err, data)
		return r
	}
	if len(data) < 3 || data[len(data)-1] != "[DONE]" || !strings.Contains(data[len(data)-2], `"usage"`) {
		r.err = fmt.Errorf("events %q: want …, a usage chunk, [DONE]", data)
		return r
	}
	if !strings.HasPrefix(r.id, "gen-") {
		r.err = fmt.Errorf("id %q, want gen-…", r.id)
	}
	r.content, r.spread = content.String(), last.Sub(first)
	return r
}
