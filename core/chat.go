package core

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/route"
)

// chat is POST /api/v1/chat/completions: auth → parse → plan → attempts.
func (h *handler) chat(w http.ResponseWriter, r *http.Request) {
	key, e := h.auth(r)
	if e != nil {
		writeError(w, e)
		return
	}
	body, err := readBody(r)
	switch {
	case err != nil:
		writeError(w, errorf(http.StatusBadRequest, "invalid_request", "Could not read the request body"))
		return
	case len(body) > maxRequestBody:
		writeError(w, errorf(http.StatusRequestEntityTooLarge, "payload_too_large", "Request body is larger than 32 MiB"))
		return
	}
	c, err := api.ParseChat(body)
	if err != nil {
		writeError(w, badRequest(err))
		return
	}
	ids, err := c.Models()
	if err != nil {
		writeError(w, badRequest(err))
		return
	}
	var prefs route.Prefs
	if err := route.ParsePrefs(c.Provider, &prefs); err != nil {
		writeError(w, prefsError(err))
		return
	}
	if c.Routing.PartitionNone && prefs.Sort != route.SortNone {
		prefs.PartitionNone = true // legacy route: "sort"
	}
	if c.Routing.Web {
		writeError(w, errorf(http.StatusBadRequest, "invalid_request", "The web search plugin is not available in Switchyard yet"))
		return
	}
	x := &exchange{h: h, w: w, ctx: r.Context(), chat: c, orig: c, id: h.genID(), deadline: time.Now().Add(h.requestTimeout)}
	x.tried = x.triedBuf[:0]
	if h.cfg.Stores.Sticky != nil && len(prefs.Order) == 0 {
		x.sticky, x.stickyExplicit = stickyKey(r, c, key.Hash, cachePriced(h.cat, ids))
	}
	view := x.loadStats(ids)
	plan, err := route.Plan(&route.Input{Catalog: h.cat, Models: ids, Prefs: &prefs, Needs: needsOf(c, &prefs),
		Usable: h.usable, Stats: view, Rand: h.rnd})
	if err != nil {
		writeError(w, planError(err))
		return
	}
	x.run(plan)
	x.report(view)
}

func badRequest(err error) *Error {
	var br *api.BadRequest
	if errors.As(err, &br) {
		return errorf(http.StatusBadRequest, "invalid_request", br.Msg)
	}
	return errorf(http.StatusBadRequest, "invalid_request", err.Error())
}

// prefsError is the 400 for an invalid provider object; metadata.param names the field.
func prefsError(err error) *Error {
	e := errorf(http.StatusBadRequest, "invalid_request", err.Error())
	var pe *route.PrefsError
	if errors.As(err, &pe) {
		e.Metadata = api.AppendString(append(e.Metadata, `,"param":`...), pe.Field)
	}
	return e
}

// planError maps planning failures to OpenRouter's availability errors (§5.4): an unknown
// model is a 400; a prompt too long for every endpoint is a 400 context_length_exceeded,
// which suggests middle-out; endpoints removed by data-policy filters alone are a 404
// privacy_restricted, by any routing filter a 404 constraint_filtered naming the filters
// (excluded_by) and, in the message, what each removed; a model nothing configured can
// serve is a 404 no_endpoints.
func planError(err error) *Error {
	var unknown *route.UnknownModelError
	if errors.As(err, &unknown) {
		e := errorf(http.StatusBadRequest, "invalid_request", err.Error())
		e.Metadata = []byte(`,"code":"model_not_found"`)
		e.Availability = availability(nil, "model_not_found", []string{unknown.ID}, nil)
		return e
	}
	var variant *route.VariantError
	if errors.As(err, &variant) {
		return errorf(http.StatusBadRequest, "invalid_request", err.Error())
	}
	var ne *route.NoEndpointError
	if !errors.As(err, &ne) {
		return errorf(http.StatusInternalServerError, "server", "Internal error")
	}
	code := "no_endpoints"
	switch {
	case ne.OnlyFiltered(route.FilterContext, route.FilterMaxTokens):
		e := errorf(http.StatusBadRequest, "context_length_exceeded", err.Error())
		e.Metadata = []byte(`,"code":"context_length_exceeded"`)
		e.Availability = availability(nil, "constraint_filtered", ne.Models, ne.ExcludedBy())
		return e
	case ne.OnlyFiltered(route.FilterZDR, route.FilterTraining, route.FilterDistillable):
		code = "privacy_restricted"
	case len(ne.Filtered) > 0:
		code = "constraint_filtered"
	}
	e := errorf(http.StatusNotFound, "not_found", err.Error())
	e.Metadata = api.AppendString(append(e.Metadata, `,"code":`...), code)
	e.Availability = availability(nil, code, ne.Models, ne.ExcludedBy())
	return e
}

// availability writes the §5.4 object: {code, retryable, requested_models, excluded_by}.
func availability(dst []byte, code string, models, excluded []string) []byte {
	dst = append(dst, `{"code":`...)
	dst = api.AppendString(dst, code)
	dst = append(dst, `,"retryable":false,"requested_models":`...)
	dst = appendStrings(dst, models)
	if len(excluded) > 0 {
		dst = append(dst, `,"excluded_by":`...)
		dst = appendStrings(dst, excluded)
	}
	return append(dst, '}')
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = api.AppendString(dst, s)
	}
	return append(dst, ']')
}

// usable tells the planner whether a provider can serve now. A missing adapter is reported
// before a missing key: setting the key would not help.
func (h *handler) usable(p *catalog.Provider) route.Reason {
	if p.Protocol != catalog.OpenAI && adapterFor(p.Protocol) == nil {
		return route.NoAdapter
	}
	stem := catalog.EnvName(p.Slug)
	if h.cfg.Env(stem+"_API_KEY") != "" || (p.Local && h.cfg.Env(stem+"_BASE_URL") != "") ||
		(p.Protocol == catalog.Bedrock && awsConfigured(h.cfg.Env)) {
		return route.Usable
	}
	return route.NotConfigured
}

// creds returns where and how to call a provider, from <PROVIDER>_BASE_URL and
// <PROVIDER>_API_KEY. The base URL is what the provider's SDK takes, version path included.
func (h *handler) creds(p *catalog.Provider) (base, key string) {
	stem := catalog.EnvName(p.Slug)
	base = h.cfg.Env(stem + "_BASE_URL")
	if base == "" {
		base = p.BaseURL
	}
	return strings.TrimRight(base, "/"), h.cfg.Env(stem + "_API_KEY")
}

// exchange is one client request on its way through the attempt loop.
type exchange struct {
	h    *handler
	w    http.ResponseWriter
	ctx  context.Context
	chat *api.Chat // as the current attempt sends it (middle-out may shrink it)
	orig *api.Chat // as the client sent it
	id   string
	// deadline ends the search for an endpoint that answers (SWITCHYARD_REQUEST_TIMEOUT_MS).
	// Deadlines and measured durations use the real monotonic clock, like the timers they
	// set; Config.Now stamps responses and stats samples.
	deadline time.Time
	// sticky is the conversation's sticky-routing key ("" for none); explicit when the
	// client named the conversation.
	sticky         string
	stickyExplicit bool
	// What the attempts leave for the stats store: each attempt's outcome, when the first
	// output reached the client, the last usage object and whether a started stream
	// failed.
	tried        []tried
	triedBuf     [4]tried
	firstOut     time.Time
	usage        string
	streamFailed bool
	view         statsView // the stats snapshot (loadStats)
	// committed: the 200 and SSE headers are out (keep-alive comments count), so any error
	// from here on is written as a stream chunk. wmu serialises writes to w and guards
	// committed while keep-alives tick (stream.go).
	committed bool
	wmu       sync.Mutex
	// started: model output reached the client, so falling back is no longer possible.
	started bool
	fails   []failure
	last    *route.Attempt
}

// run tries the plan in order until an attempt answers the client, or the request's
// deadline passes.
func (x *exchange) run(plan []route.Attempt) {
	for i := range plan {
		a := &plan[i]
		if i > 0 && !time.Now().Before(x.deadline) {
			x.fails = append(x.fails, failure{provider: a.Provider.Name, code: "request_timeout", action: route.Next})
			break
		}
		x.last = a
		x.chat = x.chatFor(a)
		at, start := x.h.now(), time.Now()
		f, done := x.attempt(a)
		x.noteAttempt(a, at, start, f, done)
		if done {
			return
		}
		f.provider = a.Provider.Name
		x.fails = append(x.fails, f)
		x.h.logf("attempt %d/%d %s via %s failed: status %d %s", i+1, len(plan), a.Model.ID, a.Provider.Slug, f.status, f.code)
		if f.action == route.Stop || x.started {
			x.fail(f.clientError())
			return
		}
	}
	x.fail(exhausted(x.fails))
}

// fail answers the client with e: a JSON error while nothing is committed, otherwise an
// error chunk that ends the stream (shared/spec/openrouter-api.md §1.9).
func (x *exchange) fail(e *Error) {
	if !x.committed {
		x.w.Header().Set("X-Generation-Id", x.id)
		writeError(x.w, e)
		return
	}
	st := x.stamp(x.last)
	out := x.errorChunk(nil, st, e)
	out = x.usageChunk(out, st, "")
	x.write(append(out, "data: [DONE]\n\n"...))
}

// readBody reads the whole request body, in one allocation when the client sent
// Content-Length (bytes.Buffer.ReadFrom would double a buffer sized exactly).
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= maxRequestBody {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
}
