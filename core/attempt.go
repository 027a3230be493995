package core

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/switchyard-router/switchyard/core/provider/openai/compat"
	"github.com/switchyard-router/switchyard/core/route"
	"github.com/tidwall/gjson"
)

// failure is one failed attempt, kept for the error the client gets if all fail.
type failure struct {
	provider   string
	status     int    // upstream HTTP status; 0 for connection errors and timeouts
	code       string // short machine-readable cause
	message    string // upstream's message, scrubbed of our key
	action     route.Action
	retryAfter int
}

// attempt sends the request to one endpoint. It returns done when the client has been
// answered (or has gone away); otherwise the failure says why the endpoint did not serve.
func (x *exchange) attempt(a *route.Attempt) (failure, bool) {
	base, key := x.h.creds(a.Provider)
	spec := adapterFor(a.Provider.Protocol)
	var (
		body []byte
		url  string
		up   *provider.Upstream
		q    *compat.Row // the OpenAI-compatible provider's quirks; nil for none
	)
	if spec == nil {
		// The pass-through fast path. A fresh buffer per attempt: an abandoned attempt's
		// transport may still be reading the previous one.
		body = x.chat.AppendUpstream(make([]byte, 0, x.chat.UpstreamSize()+len(a.Endpoint.Upstream)), a.Endpoint.Upstream)
		url = base + "/chat/completions"
		if q = compat.Lookup(a.Provider.Slug); q != nil {
			var f *failure
			if body, f = x.quirks(q, body, a); f != nil {
				return *f, false
			}
		}
	} else {
		var f *failure
		if up, f = x.build(spec, a); f != nil {
			return *f, false
		}
		body, url = up.Body, base+up.Path
	}
	ctx, cancel := context.WithCancel(x.ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return failure{code: "bad_base_url", message: "invalid base URL for " + a.Provider.Slug, action: route.Next}, false
	}
	req.Header = http.Header{"Content-Type": jsonType}
	if spec == nil {
		if key != "" {
			req.Header["Authorization"] = []string{"Bearer " + key}
		}
	} else {
		setHeaders(req.Header, spec, key)
		if spec.Sign != nil {
			if err := spec.Sign(req, body, x.h.cfg.Env, x.h.now()); err != nil {
				return failure{code: "signing_error", message: err.Error(), action: route.Next}, false
			}
		}
	}
	if x.chat.Stream {
		req.Header["Accept"] = sseType
	}
	wd := newWatch(cancel, x.firstByteFor(a))
	defer wd.stop()
	ka := x.startKeepAlive()
	defer ka.stop()

	resp, err := roundTrip(x.h.transport, req)
	if err != nil {
		return x.interrupted(wd, err, "connection_error", key)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 && x.chat.Stream {
		if spec != nil {
			return x.relayTranslated(resp.Body, spec.NewStream(x.options(spec, a, up)), spec.Framer(), x.stamp(a), key, wd, ka)
		}
		return x.relay(resp.Body, x.stamp(a), q, wd, ka)
	}
	// The headers are in: what is left is reading the body (unless it came with them),
	// bounded by the idle timeout.
	wd.reset(x.h.idle)
	limit := maxResponseBody
	if resp.StatusCode/100 != 2 {
		limit = maxErrorBody
	}
	raw, err := readAll(resp.Body, limit)
	if err != nil {
		return x.interrupted(wd, err, "read_error", key)
	}
	if resp.StatusCode/100 != 2 {
		if spec != nil {
			return translatedFailure(spec, resp, raw, key), false
		}
		return upstreamFailure(resp, raw, key), false
	}
	if spec != nil {
		return x.respondTranslated(raw, spec, x.options(spec, a, up), key)
	}
	return x.respond(raw, a, q, key)
}

// interrupted is the outcome of a wait on the upstream that failed with err: done when the
// client went away, a timeout when the watch's deadline passed, else a failure with code.
func (x *exchange) interrupted(wd *watch, err error, code, key string) (failure, bool) {
	switch {
	case x.ctx.Err() != nil:
		return failure{}, true
	case wd.expired():
		return failure{code: "timeout", message: "provider did not answer in time", action: route.Next}, false
	}
	return failure{code: code, message: scrub(err.Error(), key), action: route.Next}, false
}

// respond relays a non-streaming answer with the router's stamp.
func (x *exchange) respond(raw []byte, a *route.Attempt, q *compat.Row, key string) (failure, bool) {
	out, seen := provider.AppendStamped(make([]byte, 0, len(raw)+128), raw, x.stamp(a))
	if q != nil && q.RenamesReasoning() {
		out = q.RenameReasoning(out)
	}
	switch {
	case seen.Valid && seen.Error != "" && !seen.Choices:
		// Some OpenAI-compatible hosts answer 200 with an error body.
		return failure{status: http.StatusBadGateway, code: "upstream_error", message: scrub(errorMessage(raw), key), action: route.Next}, false
	case !seen.Valid || !seen.Choices:
		return failure{status: http.StatusBadGateway, code: "invalid_response", message: "provider returned an invalid response", action: route.Next}, false
	}
	x.usage = seen.Usage // for the stats store
	x.w.Header()["X-Generation-Id"] = []string{x.id}
	writeJSON(x.w, http.StatusOK, out)
	return failure{}, true
}

func (x *exchange) stamp(a *route.Attempt) *provider.Stamp {
	if a == nil {
		return &provider.Stamp{ID: x.id, Model: x.chat.Model}
	}
	return &provider.Stamp{ID: x.id, Model: a.Model.ID, Provider: a.Provider.Name}
}

// upstreamFailure classifies a non-2xx answer (shared/spec/providers.md §8).
func upstreamFailure(resp *http.Response, raw []byte, key string) failure {
	f := failure{
		status:  resp.StatusCode,
		code:    "http_" + strconv.Itoa(resp.StatusCode),
		message: scrub(errorMessage(raw), key),
		action:  route.Classify(resp.StatusCode),
	}
	if f.message == "" {
		f.message = http.StatusText(resp.StatusCode)
	}
	if c := gjson.GetBytes(raw, "error.code"); c.Type == gjson.String && c.Str != "" {
		f.code = c.Str
	} else if c := gjson.GetBytes(raw, "error.type"); c.Type == gjson.String && c.Str != "" {
		f.code = c.Str
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		f.retryAfter = s
	}
	return f
}

// errorMessage reads the message out of the error body shapes OpenAI-compatible servers use:
// {"error":{"message"}}, {"error":"..."}, {"message"}, {"detail"} (providers.md §6 rule 5).
func errorMessage(raw []byte) string {
	if !gjson.ValidBytes(raw) {
		return ""
	}
	for _, p := range [...]string{"error.message", "error", "message", "detail"} {
		if v := gjson.GetBytes(raw, p); v.Type == gjson.String && v.Str != "" {
			return v.Str
		} else if p == "detail" && v.Exists() {
			return v.Raw
		}
	}
	return ""
}

// scrub keeps a provider key out of anything that reaches a client or a log.
func scrub(msg, key string) string {
	if key != "" && len(key) >= 8 {
		msg = strings.ReplaceAll(msg, key, "[redacted]")
	}
	return msg
}

// clientError is the error for a request the upstream refused as the client's fault.
func (f failure) clientError() *Error {
	e := errorf(f.status, "invalid_request", f.message)
	if f.status == 0 {
		e.Status = http.StatusBadGateway
	}
	e.Metadata = append(e.Metadata, `,"provider_name":`...)
	e.Metadata = api.AppendString(e.Metadata, f.provider)
	return e
}

// exhausted is the error when every attempt failed: 429 when every provider was rate
// limited, 503 when all failures were transient (5xx, timeouts, connection errors), 502
// otherwise (§5.4). previous_errors lists each attempt without upstream messages, which may
// describe our own accounts.
func exhausted(fails []failure) *Error {
	all429, transient := true, true
	retry := 0
	for _, f := range fails {
		all429 = all429 && f.status == http.StatusTooManyRequests
		transient = transient && (f.status == 0 || f.status >= 500)
		if f.retryAfter > 0 && (retry == 0 || f.retryAfter < retry) {
			retry = f.retryAfter
		}
	}
	last := fails[len(fails)-1]
	var e *Error
	switch {
	case all429:
		e = errorf(http.StatusTooManyRequests, "rate_limit_exceeded", "Rate limited by every provider for this model; try again shortly")
	case transient:
		e = errorf(http.StatusServiceUnavailable, "provider_overloaded", "Every provider for this model failed or timed out")
	default:
		e = errorf(http.StatusBadGateway, "provider_unavailable", "No provider could serve this request")
	}
	e.RetryAfter = retry
	e.Metadata = append(e.Metadata, `,"provider_name":`...)
	e.Metadata = api.AppendString(e.Metadata, last.provider)
	e.Metadata = append(e.Metadata, `,"previous_errors":[`...)
	for i, f := range fails {
		if i > 0 {
			e.Metadata = append(e.Metadata, ',')
		}
		e.Metadata = append(e.Metadata, `{"provider":`...)
		e.Metadata = api.AppendString(e.Metadata, f.provider)
		e.Metadata = append(e.Metadata, `,"code":`...)
		e.Metadata = api.AppendString(e.Metadata, f.code)
		e.Metadata = append(e.Metadata, `,"status":`...)
		e.Metadata = strconv.AppendInt(e.Metadata, int64(f.status), 10)
		e.Metadata = append(e.Metadata, '}')
	}
	e.Metadata = append(e.Metadata, ']')
	return e
}
