package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
)

func msg(role, content string) string {
	b, _ := json.Marshal(map[string]string{"role": role, "content": content})
	return string(b)
}

func arr(ms ...string) string { return "[" + strings.Join(ms, ",") + "]" }

func roles(t *testing.T, raw []byte) []string {
	t.Helper()
	var ms []struct {
		Role       string `json:"role"`
		Content    any    `json:"content"`
		ToolCallID string `json:"tool_call_id"`
	}
	if err := json.Unmarshal(raw, &ms); err != nil {
		t.Fatalf("not a JSON array of messages: %v\n%s", err, raw)
	}
	var out []string
	for _, m := range ms {
		s := m.Role
		if m.ToolCallID != "" {
			s += ":" + m.ToolCallID
		}
		if c, ok := m.Content.(string); ok && len(c) > 0 && len(c) < 8 {
			s += "=" + c
		}
		out = append(out, s)
	}
	return out
}

func TestMiddleOut(t *testing.T) {
	big := strings.Repeat("x", 1000)
	call := func(id string) string {
		return `{"role":"assistant","content":null,"tool_calls":[{"id":"` + id + `","type":"function","function":{"name":"f","arguments":"{}"}}]}`
	}
	result := func(id string) string {
		return `{"role":"tool","tool_call_id":"` + id + `","content":"` + big + `"}`
	}
	conv := arr(msg("system", "sys"), msg("user", "first"), msg("assistant", big), call("c1"), result("c1"), result("c1b"),
		msg("user", big), msg("assistant", big), msg("user", "last"))

	out, fits := MiddleOut(conv, 2600)
	if !fits || len(out) > 2600 {
		t.Fatalf("fits %v, %d bytes", fits, len(out))
	}
	got := strings.Join(roles(t, out), " ")
	// System, the first user turn and the last turn survive; whatever goes, a tool call and
	// its results go together.
	if !strings.HasPrefix(got, "system=sys user=first") || !strings.HasSuffix(got, "user=last") {
		t.Errorf("head or tail lost: %s", got)
	}
	if strings.Contains(got, "tool") != strings.Contains(string(out), `"tool_calls"`) {
		t.Errorf("a tool call was split from its results: %s", got)
	}
	// Everything fits: unchanged, byte for byte.
	if out, fits := MiddleOut(conv, len(conv)); !fits || string(out) != conv {
		t.Error("an array within budget was changed")
	}
	// Removal alone cannot fit: the long texts are cut in the middle.
	huge := arr(msg("system", strings.Repeat("s", 5000)), msg("user", "head "+strings.Repeat("é", 3000)+" tail"))
	out, fits = MiddleOut(huge, 3000)
	if !fits || len(out) > 3000 {
		t.Fatalf("truncation: fits %v, %d bytes", fits, len(out))
	}
	var ms []struct{ Content string }
	if err := json.Unmarshal(out, &ms); err != nil || len(ms) != 2 {
		t.Fatalf("truncated array %s: %v", out, err)
	}
	if u := ms[1].Content; !strings.HasPrefix(u, "head ") && !strings.Contains(ms[0].Content, "[…]") {
		t.Errorf("cut texts lost their heads: %q", u)
	}
	for _, m := range ms {
		if !json.Valid([]byte(`"`+m.Content+`"`)) && strings.ContainsRune(m.Content, '\uFFFD') {
			t.Errorf("a rune was split: %q", m.Content)
		}
	}
}

func TestMiddleOutToolUnits(t *testing.T) {
	// Every possible budget: the result is valid JSON, never larger than asked when it says
	// it fits, and never keeps a tool result without its call.
	var ms []string
	ms = append(ms, msg("system", "s"))
	for i := range 6 {
		id := string(rune('a' + i))
		ms = append(ms, msg("user", strings.Repeat("u", 100)),
			`{"role":"assistant","tool_calls":[{"id":"`+id+`","type":"function","function":{"name":"f","arguments":"{}"}}]}`,
			`{"role":"tool","tool_call_id":"`+id+`","content":"`+strings.Repeat("r", 100)+`"}`)
	}
	ms = append(ms, msg("user", "end"))
	conv := arr(ms...)
	for budget := 0; budget <= len(conv)+1; budget += 7 {
		out, fits := MiddleOut(conv, budget)
		if fits && len(out) > budget {
			t.Fatalf("budget %d: %d bytes yet fits", budget, len(out))
		}
		var got []struct {
			Role       string `json:"role"`
			ToolCallID string `json:"tool_call_id"`
			ToolCalls  []struct {
				ID string `json:"id"`
			} `json:"tool_calls"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("budget %d: %v", budget, err)
		}
		open := map[string]bool{}
		for _, m := range got {
			for _, c := range m.ToolCalls {
				open[c.ID] = true
			}
			if m.Role == "tool" && !open[m.ToolCallID] {
				t.Fatalf("budget %d: tool result %s without its call: %s", budget, m.ToolCallID, out)
			}
		}
		for id := range open {
			found := false
			for _, m := range got {
				found = found || m.ToolCallID == id
			}
			if !found {
				t.Fatalf("budget %d: tool call %s without its result", budget, id)
			}
		}
	}
}

func TestCompressed(t *testing.T) {
	body := `{"model":"a/b","stream":true,"messages":` + arr(msg("system", "s"), msg("user", strings.Repeat("a", 500)),
		msg("assistant", strings.Repeat("b", 500)), msg("user", "end")) + `,"temperature":0.5,"transforms":["middle-out"]}`
	c, err := ParseChat([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if c.Routing.Compress != CompressOn || c.Routing.Params != catalog.ParamTemperature {
		t.Errorf("routing %+v", c.Routing)
	}
	small, fits := c.Compressed(600)
	if !fits || len(small.Routing.Messages) > 600 || !small.Stream || small.Model != "a/b" {
		t.Fatalf("compressed: fits %v, %d bytes, %+v", fits, len(small.Routing.Messages), small)
	}
	up := string(small.AppendUpstream(nil, "up"))
	if !json.Valid([]byte(up)) || !strings.Contains(up, `"temperature":0.5`) || strings.Contains(up, strings.Repeat("b", 500)) {
		t.Errorf("upstream body %s", up)
	}
}

func TestRouting(t *testing.T) {
	for _, tc := range []struct {
		body string
		want Routing
	}{
		{`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}],"max_tokens":100,"tools":[{"type":"function"}],"tool_choice":"auto"}`,
			Routing{MaxTokens: 100, Params: catalog.ParamMaxTokens | catalog.ParamTools | catalog.ParamToolChoice}},
		{`{"messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"x"}}]}],"max_tokens":100,"max_completion_tokens":50,"tools":[],"tool_choice":"none"}`,
			Routing{MaxTokens: 50, Params: catalog.ParamMaxTokens | catalog.ParamMaxCompletionTokens}},
		{`{"messages":[{"role":"user","content":"an \"image_url\" in text"}],"response_format":{"type":"json_schema"},"reasoning":{"effort":"high"},"seed":null}`,
			Routing{Params: catalog.ParamResponseFormat | catalog.ParamStructuredOutputs | catalog.ParamReasoning}},
		{`{"messages":[{}],"response_format":{"type":"text"},"reasoning":{"enabled":false},"include_reasoning":false,"transforms":[]}`,
			Routing{ReasoningOff: true, Compress: CompressOff}},
		{`{"messages":[{}],"reasoning_effort":"none","plugins":[{"id":"context-compression","enabled":false},{"id":"web"}]}`,
			Routing{ReasoningOff: true, Compress: CompressOff, Web: true}},
		{`{"messages":[{}],"plugins":[{"id":"context-compression"}],"session_id":"s1","user":"u1","prompt_cache_key":"k","route":"sort"}`,
			Routing{Compress: CompressOn, SessionID: "s1", User: "u1", PromptCacheKey: "k", PartitionNone: true}},
		{`{"messages":[{}],"user":5,"max_tokens":"7","verbosity":"low"}`,
			Routing{Params: catalog.ParamMaxTokens | catalog.ParamVerbosity}}, // present, if malformed
	} {
		c, err := ParseChat([]byte(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		got := c.Routing
		img, file := got.InputModalities()
		if img != strings.Contains(tc.body, `"type":"image_url"`) || file != strings.Contains(tc.body, `"type":"file"`) {
			t.Errorf("%s: InputModalities = %v, %v", tc.body, img, file)
		}
		got.Messages, got.msgStart, got.msgEnd = "", 0, 0
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.body, got, tc.want)
		}
	}
}

func TestWith(t *testing.T) {
	c, err := ParseChat([]byte(`{"model":"a/b:thinking","messages":[{"role":"user","content":"hi"}] }`))
	if err != nil {
		t.Fatal(err)
	}
	w := c.With("reasoning", `{"enabled":true}`)
	if w.Routing.Params&catalog.ParamReasoning == 0 || w.Model != "a/b:thinking" {
		t.Fatalf("With: %+v", w.Routing)
	}
	up := string(w.AppendUpstream(nil, "up"))
	if !json.Valid([]byte(up)) || !strings.Contains(up, `"reasoning":{"enabled":true}`) {
		t.Errorf("upstream body %s", up)
	}
}

// FuzzMiddleOut: whatever the messages and budget, the result is a JSON array, and when it
// says it fits, it does.
func FuzzMiddleOut(f *testing.F) {
	f.Add(arr(msg("system", "s"), msg("user", strings.Repeat("a", 300)), msg("assistant", "b"), msg("user", "c")), 100)
	f.Add(`[{"role":"assistant","tool_calls":[{"id":"x"}]},{"role":"tool","tool_call_id":"x","content":"r"}]`, 10)
	f.Add(`[{"role":"user","content":[{"type":"text","text":"`+strings.Repeat("é", 400)+`"}]}]`, 300)
	f.Fuzz(func(t *testing.T, messages string, budget int) {
		if !json.Valid([]byte(messages)) || !strings.HasPrefix(strings.TrimSpace(messages), "[") || budget < 0 {
			return
		}
		out, fits := MiddleOut(messages, budget)
		var v []json.RawMessage
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("MiddleOut(%q, %d) = %q: %v", messages, budget, out, err)
		}
		if fits && len(out) > budget {
			t.Fatalf("MiddleOut says %d bytes fit in %d", len(out), budget)
		}
	})
}
