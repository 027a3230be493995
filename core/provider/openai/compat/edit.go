package compat

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/tidwall/gjson"
)

// Edit applies the row's request quirks to a pass-through body (valid JSON, as
// api.Chat.AppendUpstream writes it). Members the row does not touch are copied byte for
// byte; messages are rewritten only when one of them needs it. It returns the parameters
// it changed, for require_parameters.
func (r *Row) Edit(body []byte, stream bool) ([]byte, []string) {
	out := make([]byte, 0, len(body)+64)
	out = append(out, '{')
	var changed []string
	n := 0
	member := func(key string, raw []byte) {
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = api.AppendString(out, key)
		out = append(out, ':')
		out = append(out, raw...)
	}
	hasCompletion := gjson.GetBytes(body, "max_completion_tokens").Exists()
	hasEffort := gjson.GetBytes(body, "reasoning_effort").Exists()
	api.ScanObject(body, func(m api.Member) bool {
		v := body[m.ValueStart:m.End]
		key := m.Key
		switch key {
		case "max_tokens", "max_completion_tokens":
			if key == "max_tokens" && r.MaxTokensName != "" {
				if hasCompletion {
					changed = append(changed, key) // the client gave both; the newer wins
					return true
				}
				key = r.MaxTokensName
			}
			if r.NonStreamMaxTokens > 0 && !stream {
				if x, err := strconv.Atoi(string(v)); err == nil && x > r.NonStreamMaxTokens {
					changed = append(changed, m.Key)
					v = strconv.AppendInt(nil, int64(r.NonStreamMaxTokens), 10)
				}
			}
		case "reasoning":
			if r.ReasoningEffort {
				if e := gjson.GetBytes(v, "effort"); e.Type == gjson.String && !hasEffort {
					member("reasoning_effort", []byte(e.Raw))
				} else if !hasEffort {
					changed = append(changed, key)
				}
				return true
			}
		case "include_reasoning":
			if r.ReasoningEffort {
				return true // OpenRouter's legacy switch; reasoning_effort says it here
			}
		case "messages":
			if r.editsMessages() {
				v = r.messages(v)
			}
		}
		member(key, v)
		return true
	})
	return append(out, '}'), changed
}

func (r *Row) editsMessages() bool {
	return r.NineCharToolIDs || r.ReasoningReplay != "" || r.StripReasoningDetails
}

// messages rewrites the messages that need it and copies the rest unchanged.
func (r *Row) messages(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+64)
	out = append(out, '[')
	i := 0
	gjson.ParseBytes(raw).ForEach(func(_, m gjson.Result) bool {
		if i > 0 {
			out = append(out, ',')
		}
		i++
		if !r.needs(m) {
			out = append(out, m.Raw...)
			return true
		}
		out = r.message(out, m)
		return true
	})
	return append(out, ']')
}

// needs reports whether a message is touched: tool ids to rewrite, reasoning to replay
// or strip.
func (r *Row) needs(m gjson.Result) bool {
	role := m.Get("role").Str
	switch {
	case r.NineCharToolIDs && (role == "tool" || m.Get("tool_calls").Exists()):
		return true
	case role != "assistant":
		return false
	case r.ReasoningReplay != "" && m.Get("tool_calls").IsArray():
		return true
	case r.StripReasoningDetails && (m.Get("reasoning_details").Exists() || m.Get("reasoning").Exists()):
		return true
	}
	return false
}

// message rewrites one message object member by member.
func (r *Row) message(out []byte, m gjson.Result) []byte {
	out = append(out, '{')
	n := 0
	put := func(key string, raw []byte) {
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = api.AppendString(out, key)
		out = append(out, ':')
		out = append(out, raw...)
	}
	replay := r.ReasoningReplay != "" && m.Get("tool_calls").IsArray()
	var reasoning []byte // the reasoning text to replay, raw JSON string
	m.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "tool_call_id":
			if r.NineCharToolIDs && v.Type == gjson.String {
				put(k.Str, api.AppendString(nil, NineCharID(v.Str)))
				return true
			}
		case "tool_calls":
			if r.NineCharToolIDs && v.IsArray() {
				put(k.Str, toolCalls(v))
				return true
			}
		case "reasoning", "reasoning_content":
			if replay {
				if reasoning == nil && v.Type == gjson.String {
					reasoning = []byte(v.Raw)
				}
				return true
			}
			if r.StripReasoningDetails && k.Str == "reasoning" {
				return true
			}
		case "reasoning_details":
			if replay && reasoning == nil {
				reasoning = detailsText(v)
			}
			if r.StripReasoningDetails || replay {
				return true
			}
		}
		put(k.Str, []byte(v.Raw))
		return true
	})
	if replay {
		if reasoning == nil {
			reasoning = []byte(`""`)
		}
		put(r.ReasoningReplay, reasoning)
	}
	return append(out, '}')
}

// toolCalls rewrites the ids of an assistant's tool calls.
func toolCalls(calls gjson.Result) []byte {
	out := []byte{'['}
	i := 0
	calls.ForEach(func(_, c gjson.Result) bool {
		if i > 0 {
			out = append(out, ',')
		}
		i++
		out = append(out, '{')
		j := 0
		c.ForEach(func(k, v gjson.Result) bool {
			if j > 0 {
				out = append(out, ',')
			}
			j++
			out = append(out, k.Raw...)
			out = append(out, ':')
			if k.Str == "id" && v.Type == gjson.String {
				out = api.AppendString(out, NineCharID(v.Str))
			} else {
				out = append(out, v.Raw...)
			}
			return true
		})
		out = append(out, '}')
		return true
	})
	return append(out, ']')
}

// detailsText joins the reasoning.text items of reasoning_details, as a raw JSON string,
// or returns nil when there are none.
func detailsText(details gjson.Result) []byte {
	var sb strings.Builder
	found := false
	details.ForEach(func(_, d gjson.Result) bool {
		if d.Get("type").Str == "reasoning.text" {
			sb.WriteString(d.Get("text").Str)
			found = true
		}
		return true
	})
	if !found {
		return nil
	}
	return api.AppendString(nil, sb.String())
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NineCharID maps a tool-call id to nine alphanumerics: unchanged when it already is,
// else the FNV-1a hash of the id in base 62 — the same id always maps the same way, so a
// call and its result still match.
func NineCharID(id string) string {
	if len(id) == 9 && strings.Trim(id, alnum) == "" {
		return id
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	var b [9]byte
	for i := range b {
		b[i] = alnum[h%62]
		h /= 62
	}
	return string(b[:])
}

var (
	reasoningContentKey = []byte(`"reasoning_content":`)
	reasoningKey        = []byte(`"reasoning":`)
)

// RenameReasoning renames the row's reasoning field to "reasoning" in a response object
// or stream chunk. A JSON string cannot hold an unescaped quote, so the key pattern
// matches member names only, never text.
func (r *Row) RenameReasoning(obj []byte) []byte {
	key := reasoningContentKey
	if r.ReasoningIn != "reasoning_content" {
		key = append(append([]byte{'"'}, r.ReasoningIn...), `":`...)
	}
	if !bytes.Contains(obj, key) {
		return obj
	}
	return bytes.ReplaceAll(obj, key, reasoningKey)
}
