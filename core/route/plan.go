// Package route decides where a request goes. Everything here is a pure function of its
// inputs (catalog, request, configuration), with no I/O, so every routing rule is a table
// test. The full OpenRouter provider-preferences engine arrives with its own issue; today
// endpoints are tried cheapest first, then the request's models[] fallbacks.
package route

import (
	"slices"
	"strings"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// Attempt is one (model, endpoint) pair to try, in plan order.
type Attempt struct {
	Model    *catalog.Model
	Endpoint *catalog.Endpoint
	Provider *catalog.Provider
}

// Reason says whether a provider can be used right now, and if not, why.
type Reason uint8

const (
	Usable        Reason = iota
	NotConfigured        // no <PROVIDER>_API_KEY (or base URL, for local providers)
	NoAdapter            // its protocol has no adapter in this build
)

// UnknownModelError is returned for a model id the catalog does not have.
type UnknownModelError struct{ ID string }

func (e *UnknownModelError) Error() string { return e.ID + " is not a valid model ID" }

// NoEndpointError is returned when no requested model has a usable endpoint. It names what
// the operator can do about it: the variables to set, or the protocols awaiting an adapter.
type NoEndpointError struct {
	Models     []string
	EnvVars    []string // e.g. TOGETHER_API_KEY, sorted, deduplicated
	NoAdapters []string // e.g. anthropic
}

func (e *NoEndpointError) Error() string {
	var b strings.Builder
	b.WriteString("No available endpoint for ")
	b.WriteString(strings.Join(e.Models, ", "))
	if len(e.EnvVars) > 0 {
		b.WriteString(": no provider serving it is configured; set ")
		b.WriteString(strings.Join(e.EnvVars, " or "))
	}
	if len(e.NoAdapters) > 0 {
		if len(e.EnvVars) > 0 {
			b.WriteString("; its configured providers speak")
		} else {
			b.WriteString(": it is served only over")
		}
		b.WriteString(" the ")
		b.WriteString(strings.Join(e.NoAdapters, ", "))
		b.WriteString(" protocol, whose adapter is not available in this build yet")
	}
	return b.String()
}

// Plan lists the attempts for a request: for each model in order, its usable endpoints
// cheapest first (prompt + completion price; catalog order breaks ties, so the plan is
// deterministic). An unknown model is an error even when others are known, as a typo in
// models[] should not silently shrink the fallback list.
func Plan(c *catalog.Catalog, models []string, usable func(*catalog.Provider) Reason) ([]Attempt, error) {
	out := make([]Attempt, 0, 8)
	var noEnd *NoEndpointError
	for _, id := range models {
		m := c.Model(id)
		if m == nil {
			return nil, &UnknownModelError{ID: id}
		}
		start := len(out)
		for i := range m.Endpoints {
			e := &m.Endpoints[i]
			p := c.Provider(e.Provider)
			if p == nil {
				continue
			}
			switch usable(p) {
			case Usable:
				out = append(out, Attempt{Model: m, Endpoint: e, Provider: p})
				continue
			case NotConfigured:
				noEnd = noEndpoint(noEnd, id)
				noEnd.EnvVars = addSorted(noEnd.EnvVars, envHint(p))
			case NoAdapter:
				noEnd = noEndpoint(noEnd, id)
				noEnd.NoAdapters = addSorted(noEnd.NoAdapters, p.Protocol.String())
			}
		}
		slices.SortStableFunc(out[start:], func(a, b Attempt) int {
			return cmpPrice(a.Endpoint.Pricing, b.Endpoint.Pricing)
		})
	}
	if len(out) == 0 {
		if noEnd == nil {
			noEnd = &NoEndpointError{Models: models}
		}
		return nil, noEnd
	}
	return out, nil
}

func cmpPrice(a, b catalog.Pricing) int {
	x, y := a.Prompt+a.Completion, b.Prompt+b.Completion
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func noEndpoint(e *NoEndpointError, model string) *NoEndpointError {
	if e == nil {
		e = &NoEndpointError{}
	}
	if !slices.Contains(e.Models, model) {
		e.Models = append(e.Models, model)
	}
	return e
}

// envHint names the variable that makes a provider usable.
func envHint(p *catalog.Provider) string {
	if p.Local {
		return catalog.EnvName(p.Slug) + "_BASE_URL"
	}
	return catalog.EnvName(p.Slug) + "_API_KEY"
}

func addSorted(list []string, s string) []string {
	i, found := slices.BinarySearch(list, s)
	if found {
		return list
	}
	return slices.Insert(list, i, s)
}
