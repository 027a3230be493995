package api

import (
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Middle-out (shared/spec/openrouter-api.md §4.5): when a prompt is larger than the chosen
// endpoint's context, messages are removed from the middle of the conversation, where
// models attend least, until it fits. OpenRouter leaves the details open; Switchyard's are:
//
//   - The messages are grouped into units that are never split: an assistant message with
//     tool_calls together with the tool messages answering it, so no tool result is left
//     without its call (providers reject that) and no call without its result.
//   - The leading system/developer messages, the first other unit and the last unit are
//     kept. Units are removed from the middle outwards, nearest the centre first.
//   - If the kept units alone are still too large, the longest text in them is cut in its
//     middle (head and tail kept, "[…]" between), repeatedly, until the prompt fits.
//
// This runs only for an attempt whose endpoint cannot hold the prompt, so it may decode the
// messages array; the ordinary request path never does.

// cutMarker replaces the middle of a truncated text.
const cutMarker = "\n[…]\n"

type unit struct {
	start, end int // element indexes [start, end)
	size       int // bytes of the raw elements, plus one separator each
	keep       bool
}

// Compressed returns a copy of the request whose messages array fits in budget bytes,
// shrunk by middle-out, and whether it fits. The copy has its own body, parsed anew, so
// building its upstream body is the ordinary path.
func (c *Chat) Compressed(budget int) (*Chat, bool) {
	msgs, fits := MiddleOut(c.Routing.Messages, budget)
	r := &c.Routing
	body := make([]byte, 0, r.msgStart+len(msgs)+len(c.Body)-r.msgEnd)
	body = append(body, c.Body[:r.msgStart]...)
	body = append(body, msgs...)
	body = append(body, c.Body[r.msgEnd:]...)
	out, err := ParseChat(body)
	if err != nil {
		return c, false // BUG: a valid array spliced into a valid body is valid
	}
	return out, fits
}

// MiddleOut shrinks a raw messages array to at most budget bytes as described above, and
// reports whether it got there. An array already within budget is returned as is.
func MiddleOut(messages string, budget int) ([]byte, bool) {
	if len(messages) <= budget {
		return []byte(messages), true
	}
	var raws []string
	gjson.Parse(messages).ForEach(func(_, m gjson.Result) bool {
		raws = append(raws, m.Raw)
		return true
	})
	if len(raws) == 0 {
		return []byte(messages), false
	}
	units := group(raws)
	size := 2 // the brackets
	for i := range units {
		size += units[i].size
	}
	// Protect the head (leading system messages and the first other unit) and the tail.
	head := 0
	for head < len(units) && isSystem(raws[units[head].start]) {
		units[head].keep = true
		head++
	}
	if head < len(units) {
		units[head].keep = true
	}
	units[len(units)-1].keep = true
	// Remove from the centre outwards.
	mid := (head + len(units)) / 2
	for d := 0; size > budget && d <= len(units); d++ {
		for _, i := range [2]int{mid - d, mid + d} {
			if i < 0 || i >= len(units) || units[i].keep || units[i].size == 0 || size <= budget {
				continue
			}
			size -= units[i].size
			units[i].size = 0
		}
	}
	var kept []string
	for _, u := range units {
		if u.size > 0 {
			kept = append(kept, raws[u.start:u.end]...)
		}
	}
	// Still too large: cut the longest texts in their middles, each down to at most what
	// the budget needs and at least minKeep bytes, until it fits or nothing is left to cut.
	const minKeep = 256
	for size > budget {
		i, text, path := longestText(kept)
		if i < 0 || len(text) <= minKeep+len(cutMarker) {
			break
		}
		over := size - budget
		keep := max(len(text)-over-len(cutMarker)-16, minKeep) // 16: slack for JSON escapes
		cut := cutMiddle(text, keep)
		// The text is replaced where gjson found it, in place (sjson would also do, but it
		// links encoding/json's reflection-based encoder into the Worker).
		at := gjson.Get(kept[i], path)
		if at.Index <= 0 {
			break
		}
		edited := kept[i][:at.Index] + string(AppendString(nil, cut)) + kept[i][at.Index+len(at.Raw):]
		if len(edited) >= len(kept[i]) {
			break
		}
		size -= len(kept[i]) - len(edited)
		kept[i] = edited
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i, k := range kept {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, k...)
	}
	out = append(out, ']')
	return out, len(out) <= budget
}

// group splits messages into units: an assistant message with tool_calls absorbs the tool
// messages that follow it.
func group(raws []string) []unit {
	var units []unit
	for i := 0; i < len(raws); {
		u := unit{start: i, end: i + 1}
		if role(raws[i]) == "assistant" && gjson.Get(raws[i], "tool_calls.#").Int() > 0 {
			for u.end < len(raws) && role(raws[u.end]) == "tool" {
				u.end++
			}
		}
		for _, r := range raws[u.start:u.end] {
			u.size += len(r) + 1
		}
		units = append(units, u)
		i = u.end
	}
	return units
}

func role(raw string) string { return gjson.Get(raw, "role").Str }

func isSystem(raw string) bool {
	r := role(raw)
	return r == "system" || r == "developer"
}

// longestText finds the longest text among the messages: a string content, or the text of
// a content part. It returns the message index, the text and its gjson path.
func longestText(msgs []string) (int, string, string) {
	best, text, path := -1, "", ""
	for i, raw := range msgs {
		c := gjson.Get(raw, "content")
		if c.Type == gjson.String && len(c.Str) > len(text) {
			best, text, path = i, c.Str, "content"
		}
		if c.IsArray() {
			c.ForEach(func(k, part gjson.Result) bool {
				if t := part.Get("text"); t.Type == gjson.String && len(t.Str) > len(text) {
					best, text, path = i, t.Str, "content."+k.String()+".text"
				}
				return true
			})
		}
	}
	return best, text, path
}

// cutMiddle keeps about keep bytes of s, half from each end, on rune boundaries, with the
// marker between.
func cutMiddle(s string, keep int) string {
	a, b := keep/2, len(s)-keep/2
	for a > 0 && !utf8.RuneStart(s[a]) {
		a--
	}
	for b < len(s) && !utf8.RuneStart(s[b]) {
		b++
	}
	return s[:a] + cutMarker + s[b:]
}
