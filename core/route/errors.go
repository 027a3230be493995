package route

import (
	"slices"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/catalog"
)

// UnknownModelError is returned for a model id the catalog does not have.
type UnknownModelError struct{ ID string }

func (e *UnknownModelError) Error() string { return e.ID + " is not a valid model ID" }

// VariantError is returned for a variant Switchyard cannot serve (":online").
type VariantError struct {
	ID  string
	Msg string
}

func (e *VariantError) Error() string { return e.ID + ": " + e.Msg }

// Filter names a reason an endpoint was removed from a plan.
type Filter uint8

const (
	FilterProviders         Filter = iota // provider.only / provider.ignore
	FilterOrder                           // not in provider.order, with allow_fallbacks false
	FilterZDR                             // provider.zdr
	FilterTraining                        // provider.data_collection "deny"
	FilterDistillable                     // provider.enforce_distillable_text
	FilterQuantization                    // provider.quantizations
	FilterMaxPrice                        // provider.max_price
	FilterVariant                         // :free, :extended, :thinking
	FilterMaxTokens                       // max_tokens above the endpoint's output limit
	FilterContext                         // prompt + max_tokens above the endpoint's context
	FilterRequireParameters               // provider.require_parameters
	nFilters
)

// excludedBy is each filter's name in OpenRouter's availability vocabulary (§5.4), with
// Switchyard's own names where OpenRouter has none.
var excludedBy = [nFilters]string{
	"allowed_providers", "allowed_providers", "data_policy:zdr", "data_policy:training",
	"data_policy:distillable", "quantization", "max_price", "variant", "max_tokens",
	"context_length", "require_parameters",
}

// what says in words what each filter is, for the error message.
var what = [nFilters]string{
	"provider.only/ignore", "provider.order with allow_fallbacks false", "zdr",
	`data_collection "deny"`, "enforce_distillable_text", "quantizations", "max_price",
	"the variant", "max_tokens", "context length", "require_parameters",
}

func (f Filter) String() string { return excludedBy[f] }

// Filtered is what the filters removed from one model's endpoints.
type Filtered struct {
	Model   string
	Variant Variant
	Removed [nFilters]int
	// Missing are the parameters require_parameters found unsupported; Images and Files
	// the input modalities.
	Missing       catalog.Params
	Images, Files bool
	Need          int // prompt estimate + max_tokens, in tokens
}

// Only reports whether every removal was for one of the given filters.
func (f *Filtered) Only(fs ...Filter) bool {
	for i, n := range f.Removed {
		if n > 0 && !slices.Contains(fs, Filter(i)) {
			return false
		}
	}
	return true
}

// NoEndpointError is returned when no requested model has an endpoint left. It says what
// the operator or the client can do about it: the variables to set, the protocols awaiting
// an adapter, and what each routing filter removed.
type NoEndpointError struct {
	Models     []string
	EnvVars    []string // e.g. TOGETHER_API_KEY, sorted, deduplicated
	NoAdapters []string // e.g. anthropic
	Filtered   []Filtered
}

// ExcludedBy lists the availability vocabulary names of the filters that removed
// endpoints, without duplicates, in filter order.
func (e *NoEndpointError) ExcludedBy() []string {
	var out []string
	for f := Filter(0); f < nFilters; f++ {
		for i := range e.Filtered {
			if e.Filtered[i].Removed[f] > 0 && !slices.Contains(out, excludedBy[f]) {
				out = append(out, excludedBy[f])
			}
		}
	}
	return out
}

// OnlyFiltered reports whether every model was emptied by filters, and only by filters in
// fs: its usable endpoints were all removed that way (unconfigured ones do not count).
func (e *NoEndpointError) OnlyFiltered(fs ...Filter) bool {
	if len(e.Filtered) == 0 || len(e.Filtered) != len(e.Models) {
		return false
	}
	for i := range e.Filtered {
		if !e.Filtered[i].Only(fs...) {
			return false
		}
	}
	return true
}

func (e *NoEndpointError) Error() string {
	var b strings.Builder
	if len(e.Filtered) > 0 {
		for i := range e.Filtered {
			if i > 0 {
				b.WriteString("; ")
			}
			e.Filtered[i].write(&b)
		}
		if len(e.EnvVars) > 0 || len(e.NoAdapters) > 0 {
			b.WriteString(". Also: ")
		}
	}
	if len(e.EnvVars) > 0 || len(e.NoAdapters) > 0 || len(e.Filtered) == 0 {
		e.writeConfig(&b)
	}
	return b.String()
}

func (f *Filtered) write(b *strings.Builder) {
	b.WriteString("No endpoint of ")
	b.WriteString(f.Model)
	if f.Variant != NoVariant {
		b.WriteByte(':')
		b.WriteString(f.Variant.String())
	}
	b.WriteString(" meets this request: ")
	n := 0
	for i, c := range f.Removed {
		if c == 0 {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		b.WriteString(what[i])
		b.WriteString(" removed ")
		b.WriteString(strconv.Itoa(c))
		switch Filter(i) {
		case FilterRequireParameters:
			var miss []string
			miss = append(miss, f.Missing.Names()...)
			if f.Images {
				miss = append(miss, "image input")
			}
			if f.Files {
				miss = append(miss, "file input")
			}
			if len(miss) > 0 {
				b.WriteString(" (not supporting ")
				b.WriteString(strings.Join(miss, ", "))
				b.WriteByte(')')
			}
		case FilterContext:
			b.WriteString(" (about ")
			b.WriteString(strconv.Itoa(f.Need))
			b.WriteString(" tokens needed; shorten the prompt or enable middle-out with transforms: [\"middle-out\"])")
		}
	}
	if n == 0 {
		b.WriteString("it has no endpoints")
	}
}

func (e *NoEndpointError) writeConfig(b *strings.Builder) {
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
}

func (e *NoEndpointError) addModel(model string) {
	if !slices.Contains(e.Models, model) {
		e.Models = append(e.Models, model)
	}
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
