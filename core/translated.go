package core

import (
	"errors"
	"net/http"

	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/switchyard-router/switchyard/core/provider/openai/compat"
	"github.com/switchyard-router/switchyard/core/route"
	"github.com/tidwall/gjson"
)

// build makes the upstream request for a translated protocol. A request the endpoint
// cannot express moves on to the next endpoint (another provider may take it), and so
// does one whose parameters the endpoint would drop when the client set
// provider.require_parameters (shared/spec/openrouter-api.md §3.3).
func (x *exchange) build(spec *provider.Spec, a *route.Attempt) (*provider.Upstream, *failure) {
	up, err := provider.Build(spec, &provider.Request{
		Body:      x.chat.Body,
		Stream:    x.chat.Stream,
		Model:     a.Endpoint.Upstream,
		MaxOutput: a.Endpoint.MaxCompletionTokens,
		Supported: a.Endpoint.SupportedParameters,
	})
	if err != nil {
		return nil, &failure{status: http.StatusBadRequest, code: "unsupported_request", message: err.Error(), action: route.Next}
	}
	if len(up.Dropped) > 0 && x.requireParameters() {
		return nil, unsupported(a, up.Dropped)
	}
	return up, nil
}

// quirks applies an OpenAI-compatible provider's request quirks to the pass-through
// body; parameters it had to change count as dropped for require_parameters.
func (x *exchange) quirks(q *compat.Row, body []byte, a *route.Attempt) ([]byte, *failure) {
	body, changed := q.Edit(body, x.chat.Stream)
	if len(changed) > 0 && x.requireParameters() {
		return nil, unsupported(a, changed)
	}
	return body, nil
}

func (x *exchange) requireParameters() bool {
	return x.chat.Provider != "" && gjson.Get(x.chat.Provider, "require_parameters").Bool()
}

func unsupported(a *route.Attempt, params []string) *failure {
	msg := a.Provider.Name + " does not support these parameters: "
	for i, d := range params {
		if i > 0 {
			msg += ", "
		}
		msg += d
	}
	return &failure{status: http.StatusBadRequest, code: "unsupported_parameters", message: msg, action: route.Next}
}

// setHeaders sets a translated protocol's auth and fixed headers.
func setHeaders(h http.Header, spec *provider.Spec, key string) {
	if key != "" && spec.Auth.Header != "" {
		h[http.CanonicalHeaderKey(spec.Auth.Header)] = []string{spec.Auth.Prefix + key}
	}
	for _, kv := range spec.Headers {
		h[http.CanonicalHeaderKey(kv.Name)] = []string{kv.Value}
	}
}

func (x *exchange) options(spec *provider.Spec, a *route.Attempt, up *provider.Upstream) *provider.Options {
	return &provider.Options{
		Stamp:            x.stamp(a),
		Created:          x.h.now().Unix(),
		ExcludeReasoning: up.ExcludeReasoning,
		Spec:             spec,
	}
}

// respondTranslated answers a non-streaming request from a translated upstream.
func (x *exchange) respondTranslated(raw []byte, spec *provider.Spec, o *provider.Options, key string) (failure, bool) {
	out, u, err := spec.Decode(make([]byte, 0, len(raw)+256), raw, o)
	if err != nil {
		return adapterFailure(err, key), false
	}
	x.usage = string(provider.AppendUsage(nil, u)) // for the stats store
	x.w.Header()["X-Generation-Id"] = []string{x.id}
	writeJSON(x.w, http.StatusOK, out)
	return failure{}, true
}

// adapterFailure turns an adapter's error into the attempt loop's failure: the
// adapter's verdict when it gave one, else the router's reading of the status.
func adapterFailure(err error, key string) failure {
	var pf *provider.Failure
	if !errors.As(err, &pf) {
		return failure{status: http.StatusBadGateway, code: "invalid_response", message: scrub(err.Error(), key), action: route.Next}
	}
	f := failure{status: pf.Status, code: pf.Code, message: scrub(pf.Message, key), action: route.Classify(pf.Status)}
	if pf.Decided {
		f.action = route.Stop
		if pf.Next {
			f.action = route.Next
		}
	}
	if f.code == "" {
		f.code = "upstream_error"
	}
	return f
}

// translatedFailure classifies a non-2xx answer from a translated upstream: the generic
// reading (status, retry-after, message), refined by the adapter's Classify.
func translatedFailure(spec *provider.Spec, resp *http.Response, raw []byte, key string) failure {
	f := upstreamFailure(resp, raw, key)
	if spec.Classify == nil {
		return f
	}
	c := spec.Classify(resp.StatusCode, resp.Header, raw)
	if c.Code != "" {
		f.code = c.Code
	}
	if c.Message != "" {
		f.message = scrub(c.Message, key)
	}
	if c.Decided {
		f.action = route.Stop
		if c.Next {
			f.action = route.Next
		}
	}
	return f
}
