package route

import "strings"

// Variant is a model id suffix (shared/spec/openrouter-api.md §4.1). Switchyard treats every
// variant as dynamic: "x/y:free" is model x/y restricted to its free endpoints, not a
// separate catalog row, so one catalog entry serves all of them.
type Variant uint8

const (
	NoVariant Variant = iota
	Free              // only endpoints that charge nothing
	Extended          // only endpoints flagged extended_context in the catalog
	Thinking          // only endpoints that support reasoning; reasoning on
	Nitro             // throughput sort
	Floor             // price sort
	Exacto            // endpoints flagged exacto first, then by price
	Online            // web search: answered with a 400 until a web search plugin exists
	Beta              // legacy "self-moderated" alias: Switchyard does not pre-moderate, so a no-op
)

var variantNames = [...]string{"", "free", "extended", "thinking", "nitro", "floor", "exacto", "online", "beta"}

func (v Variant) String() string { return variantNames[v] }

// SplitVariant splits "author/slug:variant" into the model id and the variant. ok is false
// for a suffix that is not a known variant (the whole id is then not a valid model id).
func SplitVariant(id string) (base string, v Variant, ok bool) {
	i := strings.LastIndexByte(id, ':')
	if i < 0 {
		return id, NoVariant, true
	}
	suffix := id[i+1:]
	for j := 1; j < len(variantNames); j++ {
		if suffix == variantNames[j] {
			return id[:i], Variant(j), true
		}
	}
	return id, NoVariant, false
}

// sort returns the ordering a variant implies, or SortNone.
func (v Variant) sort() Sort {
	switch v {
	case Nitro:
		return SortThroughput
	case Floor:
		return SortPrice
	case Exacto:
		return SortExacto
	}
	return SortNone
}
