package api

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/tidwall/gjson"
)

// Routing is what the planner needs from a chat request beyond model, models[] and
// provider, noted member by member during ParseChat's one pass over the body, so reading it
// costs no second pass over the messages.
type Routing struct {
	// Messages is the raw messages array.
	Messages string
	// MaxTokens is max_completion_tokens, else max_tokens; 0 when neither is a positive
	// integer.
	MaxTokens int
	// Params are the top-level members in OpenRouter's supported_parameters vocabulary that
	// ask something of the endpoint: present and not null, tools non-empty, tool_choice not
	// "none", response_format not plain text (json_schema also asks structured_outputs),
	// reasoning not turned off.
	Params catalog.Params
	// ReasoningOff: reasoning.enabled false, reasoning.effort or reasoning_effort "none",
	// or include_reasoning false.
	ReasoningOff bool
	// Compress is the middle-out setting from transforms and plugins.
	Compress Compress
	// Web: the web search plugin was asked for ({"id":"web"}).
	Web bool
	// Sticky-routing keys (shared/spec/openrouter-api.md §10.2), "" when absent.
	SessionID, PromptCacheKey, User string
	// PartitionNone: the legacy route: "sort" (provider.sort.partition "none").
	PartitionNone bool

	msgStart, msgEnd int // the span of the messages value in the body
}

// Compress is what the request says about middle-out (§4.5).
type Compress uint8

const (
	CompressDefault Compress = iota // neither transforms nor the plugin: on for small contexts
	CompressOn                      // transforms: ["middle-out"], plugins: [{"id":"context-compression"}]
	CompressOff                     // transforms: [], or the plugin with "enabled": false
)

// note reads one top-level member. Values of the wrong type are ignored here: routing only
// reads hints from them, and the upstream judges the request.
func (r *Routing) note(m Member, v []byte) {
	if string(v) == "null" {
		return
	}
	key := m.Key
	switch key {
	case "messages":
		r.Messages = view(v)
		r.msgStart, r.msgEnd = m.ValueStart, m.End
		return
	case "max_tokens", "max_completion_tokens":
		if n, err := strconv.Atoi(string(v)); err == nil && n > 0 && (key == "max_completion_tokens" || r.MaxTokens == 0) {
			r.MaxTokens = n
		}
	case "tools":
		if v[0] != '[' || EmptyArray(view(v)) {
			return
		}
	case "tool_choice":
		if string(v) == `"none"` {
			return
		}
	case "response_format":
		switch gjson.GetBytes(v, "type").Str {
		case "text", "":
			return
		case "json_schema":
			r.Params |= catalog.ParamStructuredOutputs
		}
	case "reasoning":
		g := gjson.ParseBytes(v)
		if g.Get("enabled").Type == gjson.False || g.Get("effort").Str == "none" {
			r.ReasoningOff = true
			return
		}
	case "reasoning_effort":
		if string(v) == `"none"` {
			r.ReasoningOff = true
			return
		}
	case "include_reasoning":
		if string(v) == "false" {
			return // only hides the reasoning; the model may still think
		}
	case "transforms":
		if v[0] == '[' {
			r.Compress = CompressOff
			if bytes.Contains(v, []byte(`"middle-out"`)) {
				r.Compress = CompressOn
			}
		}
		return
	case "plugins":
		gjson.ParseBytes(v).ForEach(func(_, p gjson.Result) bool {
			switch p.Get("id").Str {
			case "context-compression", "middle-out":
				r.Compress = CompressOn
				if p.Get("enabled").Type == gjson.False {
					r.Compress = CompressOff
				}
			case "web":
				r.Web = p.Get("enabled").Type != gjson.False
			}
			return true
		})
		return
	case "session_id":
		r.SessionID = stringOnly(v)
		return
	case "prompt_cache_key":
		r.PromptCacheKey = stringOnly(v)
		return
	case "user":
		r.User = stringOnly(v)
		return
	case "route":
		r.PartitionNone = string(v) == `"sort"`
		return
	}
	r.Params |= catalog.ParamOf(key)
}

// stringOnly is StringValue for a raw value that may not be a string ("" then).
func stringOnly(raw []byte) string {
	if raw[0] != '"' {
		return ""
	}
	return StringValue(raw)
}

// InputModalities reports image and file (PDF) content parts in the messages. It scans the
// whole messages array, so the router asks only when the answer matters (with
// require_parameters: the modalities are the model's, the same at every endpoint, so they
// filter nothing otherwise). A content part's type is a JSON string, so these byte
// sequences appear exactly when such a part (or a member so named) does: quotes in user text
// are escaped.
func (r *Routing) InputModalities() (images, files bool) {
	return strings.Contains(r.Messages, `"image_url"`), strings.Contains(r.Messages, `"file"`)
}
