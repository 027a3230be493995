package core

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/route"
)

// chat is POST /api/v1/chat/completions: auth → parse → plan → attempts.
func (h *handler) chat(w http.ResponseWriter, r *http.Request) {
	if _, e := h.auth(r); e != nil {
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
	plan, err := route.Plan(h.cat, ids, h.usable)
	if err != nil {
		writeError(w, planError(err))
		return
	}
	x := &exchange{h: h, w: w, ctx: r.Context(), chat: c, id: h.genID()}
	x.run(plan)
}

func badRequest(err error) *Error {
	var br *api.BadRequest
	if errors.As(err, &br) {
		return errorf(http.StatusBadRequest, "invalid_request", br.Msg)
	}
	return errorf(http.StatusBadRequest, "invalid_request", err.Error())
}

// planError maps planning failures to OpenRouter's availability errors (§5.4): an unknown
// model is a 400, a known model nothing can serve is a 404.
func planError(err error) *Error {
	var unknown *route.UnknownModelError
	if errors.As(err, &unknown) {
		e := errorf(http.StatusBadRequest, "invalid_request", err.Error())
		e.Metadata = []byte(`,"code":"model_not_found"`)
		return e
	}
	e := errorf(http.StatusNotFound, "not_found", err.Error())
	e.Metadata = []byte(`,"code":"no_endpoints"`)
	return e
}

// usable tells the planner whether a provider can serve now. A missing adapter is reported
// before a missing key: setting the key would not help.
func (h *handler) usable(p *catalog.Provider) route.Reason {
	if p.Protocol != catalog.OpenAI && adapterFor(p.Protocol) == nil {
		return route.NoAdapter
	}
	stem := catalog.EnvName(p.Slug)
	if h.cfg.Env(stem+"_API_KEY") != "" || (p.Local && h.cfg.Env(stem+"_BASE_URL") != "") {
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
	chat *api.Chat
	id   string
	// committed: the 200 and SSE headers are out (keep-alive comments count), so any error
	// from here on is written as a stream chunk.
	committed bool
	// started: model output reached the client, so falling back is no longer possible.
	started bool
	fails   []failure
	last    *route.Attempt
}

// run tries the plan in order until an attempt answers the client.
func (x *exchange) run(plan []route.Attempt) {
	for i := range plan {
		a := &plan[i]
		x.last = a
		f, done := x.attempt(a)
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
