package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/route"
	"github.com/switchyard-router/switchyard/core/store"
	"github.com/tidwall/gjson"
)

// This file connects the planner to the request and to the stats store: what the request
// needs, the snapshot of endpoint health read once per request, the samples each attempt
// leaves, sticky-routing pins, middle-out per attempt and the attempt deadlines.

// needsOf reads what the planner needs from the request. The prompt estimate is the bytes
// of the messages array divided by four (see route.Needs).
func needsOf(c *api.Chat, prefs *route.Prefs) route.Needs {
	r := &c.Routing
	n := route.Needs{
		PromptTokens: len(r.Messages) / 4,
		MaxTokens:    r.MaxTokens,
		Params:       r.Params,
		ReasoningOff: r.ReasoningOff,
	}
	if prefs.RequireParameters {
		n.Images, n.Files = r.InputModalities()
	}
	switch r.Compress {
	case api.CompressOn:
		n.Compress = route.CompressOn
	case api.CompressOff:
		n.Compress = route.CompressOff
	}
	return n
}

// statsView is the planner's route.Stats over one request's snapshot. It lives in the
// exchange, and its models in an inline array, so reading stats allocates nothing of its
// own.
type statsView struct {
	now    int64 // Unix seconds
	models []modelStats
	buf    [4]modelStats
	pin    store.Pin // the conversation's pin, if any
}

type modelStats struct {
	id string
	s  *store.ModelStats
}

func (v *statsView) Health(m *catalog.Model, e *catalog.Endpoint) route.Health {
	for i := range v.models {
		if v.models[i].id != m.ID {
			continue
		}
		es := v.models[i].s.Endpoint(e.Tag)
		if es == nil {
			return route.Health{}
		}
		c := es.Recent30s(v.now)
		h := route.Health{Unstable: route.Unstable(c.OK, c.Failed+c.Limited)}
		// Speed measured more than five minutes ago says little about now: the endpoint is
		// ordered by its catalog hint again until it is measured afresh.
		if v.now-es.Updated/1000 <= store.RouteSpeedAge {
			h.TTFT, h.TPS = es.RouteTTFT, es.RouteTPS
		}
		return h
	}
	return route.Health{}
}

func (v *statsView) Pinned(m *catalog.Model) string {
	if v.pin.Model == m.ID && v.pin.Expires > v.now {
		return v.pin.Tag
	}
	return ""
}

// loadStats reads the stats of every requested model and the conversation's sticky pin.
// Failures are logged and ignored: routing without a snapshot is routing without health.
// The reads get the request's context: a store bounds its own I/O (the Worker's fetch and
// KV ignore deadlines anyway).
func (x *exchange) loadStats(ids []string) route.Stats {
	st := x.h.cfg.Stores
	if st.Stats == nil && (st.Sticky == nil || x.sticky == "") {
		return nil
	}
	v := &x.view
	v.now = x.h.now().Unix()
	v.models = v.buf[:0]
	ctx := x.ctx
	if st.Stats != nil {
		for _, id := range ids {
			base, _, _ := route.SplitVariant(id)
			if v.has(base) {
				continue
			}
			s, err := st.Stats.Snapshot(ctx, base)
			if err != nil {
				x.h.logf("stats snapshot of %s: %v", base, err)
				continue
			}
			v.models = append(v.models, modelStats{id: base, s: s})
		}
	}
	if st.Sticky != nil && x.sticky != "" {
		p, err := st.Sticky.Get(ctx, x.sticky)
		switch {
		case err == nil:
			v.pin = p
		case !errors.Is(err, store.ErrNotFound):
			x.h.logf("sticky pin: %v", err)
		}
	}
	return v
}

func (v *statsView) has(id string) bool {
	for _, m := range v.models {
		if m.id == id {
			return true
		}
	}
	return false
}

// stickyTTL is how long a pin lasts without use (§10.2); refreshTTL is how stale a pin may
// get before a success rewrites it, which keeps a busy conversation to about one write a
// minute (Workers KV allows one write per second per key).
const (
	stickyTTL  = 10 * 60
	refreshTTL = 9 * 60
)

// stickyKey is the conversation's key for sticky routing (§10.2): the API key, then the
// body's session_id, the x-session-id header, prompt_cache_key or user, hashed. Without any
// of those it is a hash of the first system message and the first other message (at most
// 4 KB of each), and then only a cache hit starts a pin; such implicit keys are made only
// when caching can pay (cached says some endpoint of the model bills cache reads below its
// prompt price), so other requests cost no sticky lookup. An explicit provider.order turns
// sticky routing off.
func stickyKey(r *http.Request, c *api.Chat, apiKey string, cached bool) (key string, explicit bool) {
	conv := c.Routing.SessionID
	if conv == "" {
		conv = r.Header.Get("X-Session-Id")
	}
	if conv == "" {
		conv = c.Routing.PromptCacheKey
	}
	if conv == "" {
		conv = c.Routing.User
	}
	h := sha256.New()
	h.Write([]byte(apiKey))
	if conv != "" {
		h.Write([]byte{0, 's'})
		h.Write([]byte(conv))
		explicit = true
	} else if !cached {
		return "", false
	} else {
		var sys, first string
		gjson.Parse(c.Routing.Messages).ForEach(func(_, m gjson.Result) bool {
			switch role := m.Get("role").Str; {
			case role == "system" || role == "developer":
				if sys == "" {
					sys = m.Raw
				}
			case first == "":
				first = m.Raw
			}
			return first == ""
		})
		if first == "" {
			return "", false
		}
		h.Write([]byte{0, 'p'})
		h.Write([]byte(prefix(sys, 4096)))
		h.Write([]byte{0})
		h.Write([]byte(prefix(first, 4096)))
	}
	var sum [sha256.Size]byte
	var out [7 + 32]byte
	copy(out[:], "sticky:")
	hex.Encode(out[7:], h.Sum(sum[:0])[:16])
	return string(out[:]), explicit
}

// cachePriced reports whether some endpoint of the request's first model bills cache reads
// below its prompt price, the condition for implicit sticky routing (§10.2).
func cachePriced(cat *catalog.Catalog, ids []string) bool {
	base, _, _ := route.SplitVariant(ids[0])
	if m := cat.Model(base); m != nil {
		for i := range m.Endpoints {
			p := &m.Endpoints[i].Pricing
			if p.InputCacheRead > 0 && p.InputCacheRead < p.Prompt {
				return true
			}
		}
	}
	return false
}

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// tried is one attempt's outcome, kept for the stats store.
type tried struct {
	a       *route.Attempt
	outcome store.Outcome
	skip    bool // the client's fault or the client's departure: says nothing of the endpoint
	at      time.Time
	ttft    time.Duration
	tps     float32
}

// noteAttempt records how an attempt went: at is when it began by Config.Now (the sample's
// timestamp), start by the monotonic clock (for its durations); done and f are what
// attempt returned.
func (x *exchange) noteAttempt(a *route.Attempt, at, start time.Time, f failure, done bool) {
	end := time.Now()
	t := tried{a: a, at: at}
	switch {
	case x.ctx.Err() != nil && !x.started:
		t.skip = true // the client left before any output
	case done && x.streamFailed:
		t.outcome = store.Failed
	case done:
		t.outcome = store.OK
		first := end // a whole response arrives at once
		if !x.firstOut.IsZero() {
			first = x.firstOut
		}
		t.ttft = first.Sub(start)
		if n := gjson.Get(x.usage, "completion_tokens").Int(); n > 0 {
			if gen := max(end.Sub(first), 0); gen > 0 {
				t.tps = float32(float64(n) / gen.Seconds())
			} else if total := end.Sub(start); total > 0 {
				t.tps = float32(float64(n) / total.Seconds())
			}
		}
	case f.action == route.Stop:
		t.skip = true // the request was at fault, not the endpoint
	case f.status == http.StatusTooManyRequests:
		t.outcome = store.RateLimited
	default:
		t.outcome = store.Failed
	}
	x.tried = append(x.tried, t)
}

// firstByteFor is the attempt's deadline for its first byte: longer for an endpoint that
// reasons on this request, and never past the request's overall deadline.
func (x *exchange) firstByteFor(a *route.Attempt) time.Duration {
	d := x.h.firstByte
	if a.Reasoning {
		d = max(d, x.h.reasoningFirstByte)
	}
	if left := time.Until(x.deadline); left < d {
		d = max(left, time.Millisecond)
	}
	return d
}

// chatFor returns the request as this attempt sends it: with middle-out applied when the
// prompt does not fit the endpoint's context. The budget is the context less the
// completion (max_tokens, else a quarter of the context up to 4,096 tokens), in the same
// four-bytes-per-token estimate planning used, less the body outside the messages.
//
// :thinking turns reasoning on: when the client did not mention reasoning, the attempt's
// request gets "reasoning": {"enabled": true}, which adapters map to their provider's
// switch like a client's own.
func (x *exchange) chatFor(a *route.Attempt) *api.Chat {
	c := x.orig
	const reasoningParams = catalog.ParamReasoning | catalog.ParamReasoningEffort | catalog.ParamIncludeReasoning
	if a.Variant == route.Thinking && c.Routing.Params&reasoningParams == 0 && !c.Routing.ReasoningOff {
		c = c.With("reasoning", `{"enabled":true}`)
	}
	if !a.Compress {
		return c
	}
	ctx := a.Endpoint.ContextLength
	reserve := c.Routing.MaxTokens
	if reserve == 0 {
		reserve = min(ctx/4, 4096)
	}
	budget := 4*(ctx-reserve) - (len(c.Body) - len(c.Routing.Messages))
	small, fits := c.Compressed(max(budget, 0))
	x.h.logf("middle-out for %s via %s: %d → %d bytes of messages (fits: %v)", a.Model.ID, a.Endpoint.Tag, len(c.Routing.Messages), len(small.Routing.Messages), fits)
	return small
}

// report writes what this request learnt after the response: every attempt's outcome into
// the stats store, and the sticky pin (set to what served, refreshed, or dropped when the
// pinned endpoint failed). The work runs through Config.Defer, after the client has its
// answer; a failing store is logged, never surfaced.
func (x *exchange) report(view route.Stats) {
	st := x.h.cfg.Stores
	type batch struct {
		model   string
		samples []store.Sample
	}
	var batches []batch
	if st.Stats != nil {
		samples := make([]store.Sample, 0, len(x.tried))
		for _, t := range x.tried {
			if t.skip {
				continue
			}
			if len(batches) == 0 || batches[len(batches)-1].model != t.a.Model.ID {
				batches = append(batches, batch{model: t.a.Model.ID, samples: samples[len(samples):len(samples)]})
			}
			samples = append(samples, store.Sample{Tag: t.a.Endpoint.Tag, At: t.at.UnixMilli(), Outcome: t.outcome,
				TTFT: float32(t.ttft.Microseconds()) / 1000, TPS: t.tps})
			b := &batches[len(batches)-1]
			b.samples = b.samples[:len(b.samples)+1]
		}
	}
	pin, putPin := x.nextPin(view)
	if len(batches) == 0 && !putPin {
		return
	}
	key, logf := x.sticky, x.h.logf
	// Stores bound their own I/O; the work is after the response in any case. The context
	// keeps the request's values (the Worker finds the request's KV through it) but not its
	// cancellation, which comes with the response.
	task := func() {
		ctx := context.WithoutCancel(x.ctx)
		for _, b := range batches {
			if err := st.Stats.Record(ctx, b.model, b.samples); err != nil {
				logf("stats record for %s: %v", b.model, err)
			}
		}
		if putPin {
			if err := st.Sticky.Put(ctx, key, pin); err != nil {
				logf("sticky pin: %v", err)
			}
		}
	}
	if x.h.cfg.Defer != nil {
		x.h.cfg.Defer(task)
	} else {
		task()
	}
}

// nextPin decides the conversation's pin after this request.
func (x *exchange) nextPin(view route.Stats) (store.Pin, bool) {
	if x.h.cfg.Stores.Sticky == nil || x.sticky == "" {
		return store.Pin{}, false
	}
	var old store.Pin
	if v, ok := view.(*statsView); ok {
		old = v.pin
	}
	now := x.h.now().Unix()
	var served *tried
	for i := range x.tried {
		if t := &x.tried[i]; !t.skip && t.outcome == store.OK {
			served = t
		}
	}
	if served == nil {
		// Nothing served: a pin to an endpoint that just failed is dropped, so the next
		// request is routed afresh (§10.2).
		for _, t := range x.tried {
			if !t.skip && old.Tag != "" && t.a.Endpoint.Tag == old.Tag && t.a.Model.ID == old.Model {
				return store.Pin{}, true
			}
		}
		return store.Pin{}, false
	}
	same := old.Model == served.a.Model.ID && old.Tag == served.a.Endpoint.Tag && old.Expires > now
	cacheHit := gjson.Get(x.usage, "prompt_tokens_details.cached_tokens").Int() > 0
	switch {
	case same && old.Expires-now > refreshTTL:
		return store.Pin{}, false // fresh enough
	case same || x.stickyExplicit || cacheHit:
		return store.Pin{Model: served.a.Model.ID, Tag: served.a.Endpoint.Tag, Expires: now + stickyTTL}, true
	case old.Tag != "":
		return store.Pin{}, true // an implicit conversation moved without a cache hit
	}
	return store.Pin{}, false
}

// endpointsPath reads the model id out of /api/v1/models/{author}/{slug}/endpoints.
func endpointsPath(path string) (string, bool) {
	const pre, suf = "/api/v1/models/", "/endpoints"
	if len(path) <= len(pre)+len(suf) || path[:len(pre)] != pre || path[len(path)-len(suf):] != suf {
		return "", false
	}
	return path[len(pre) : len(path)-len(suf)], true
}

// endpoints is GET /api/v1/models/{author}/{slug}/endpoints: the catalog's endpoints of the
// model with the stats store's live figures. Like /api/v1/models it needs no key. A
// variant suffix is accepted and ignored: every variant routes over the same endpoints.
func (h *handler) endpoints(w http.ResponseWriter, r *http.Request, id string) {
	base, _, _ := route.SplitVariant(id)
	m := h.cat.Model(base)
	if m == nil {
		writeError(w, errorf(http.StatusNotFound, "not_found", "Model "+id+" not found"))
		return
	}
	var stats *store.ModelStats
	if st := h.cfg.Stores.Stats; st != nil {
		s, err := st.Snapshot(r.Context(), m.ID)
		if err != nil {
			h.logf("stats snapshot of %s: %v", m.ID, err)
		}
		stats = s
	}
	writeJSON(w, http.StatusOK, api.AppendEndpoints(nil, h.cat, m, stats, h.now().Unix()))
}
