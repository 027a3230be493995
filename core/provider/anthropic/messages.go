package anthropic

import (
	"strconv"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

// buildMessages turns OpenAI messages into Anthropic's system and messages
// (shared/spec/providers.md §3.4):
//   - system and developer messages, wherever they are, become the top-level system
//     blocks, in order;
//   - a user's name is folded into its text as "name: text", since Anthropic has no
//     name field (openrouter-api.md §1.1);
//   - assistant tool_calls become tool_use blocks after the text, and the assistant's
//     reasoning_details of Anthropic's family come first as thinking blocks, unchanged;
//   - tool messages become tool_result blocks of one user message, which any following
//     user content joins;
//   - consecutive messages of one role are merged, so roles alternate.
//
// Text is copied as raw JSON strings: the prompt is never decoded unless a name must be
// folded in.
func buildMessages(b *provider.Builder, v gjson.Result) error {
	if !v.IsArray() {
		return &provider.BuildError{Msg: "messages must be an array"}
	}
	var sys []byte
	w := msgWriter{dst: b.Scratch}
	start := len(w.dst)
	w.dst = append(w.dst, '[')
	var err error
	v.ForEach(func(_, mv gjson.Result) bool {
		m := provider.ReadMessage(mv)
		switch m.Role {
		case "system", "developer":
			sys = appendSystem(sys, m.Content)
		case "user":
			err = w.userContent("user", m.Content, m.Name)
		case "assistant":
			err = w.assistant(m, b.Spec.Family)
		case "tool":
			err = w.toolResult(m)
		default:
			err = &provider.BuildError{Msg: "unknown message role " + strconv.Quote(m.Role)}
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	w.close()
	w.dst = append(w.dst, ']')
	b.Scratch = w.dst
	b.SetBuilt("messages", start)
	if len(sys) > 0 {
		start = len(b.Scratch)
		b.Scratch = append(b.Scratch, '[')
		b.Scratch = append(b.Scratch, sys...)
		b.Scratch = append(b.Scratch, ']')
		b.SetBuilt("system", start)
	}
	return nil
}

// msgWriter appends content blocks, opening a new message when the role changes.
type msgWriter struct {
	dst   []byte
	role  string // role of the open message; "" when none is open
	n     int    // blocks in the open message
	count int    // messages written
	bare  bool   // blocks only, no message wrapper (a tool_result's content)
}

// block prepares for one more block of role.
func (w *msgWriter) block(role string) {
	if !w.bare && role != w.role {
		w.close()
		if w.count > 0 {
			w.dst = append(w.dst, ',')
		}
		w.dst = append(w.dst, `{"role":"`...)
		w.dst = append(w.dst, role...)
		w.dst = append(w.dst, `","content":[`...)
		w.role, w.n = role, 0
		w.count++
	}
	if w.n > 0 {
		w.dst = append(w.dst, ',')
	}
	w.n++
}

func (w *msgWriter) close() {
	if w.role != "" {
		w.dst = append(w.dst, "]}"...)
		w.role = ""
	}
}

// text appends a text block from a raw JSON string (copied as is), or from s when raw is
// empty. Empty text is skipped: Anthropic rejects empty text blocks.
func (w *msgWriter) text(role, raw, s string, cache gjson.Result) {
	if raw == `""` || (raw == "" && s == "") {
		return
	}
	w.block(role)
	w.dst = append(w.dst, `{"type":"text","text":`...)
	if raw != "" {
		w.dst = append(w.dst, raw...)
	} else {
		w.dst = api.AppendString(w.dst, s)
	}
	w.dst = appendCache(w.dst, cache)
	w.dst = append(w.dst, '}')
}

// appendCache copies a part's cache_control breakpoint (openrouter-api.md §10.1).
func appendCache(dst []byte, cache gjson.Result) []byte {
	if !cache.IsObject() {
		return dst
	}
	dst = append(dst, `,"cache_control":`...)
	return append(dst, cache.Raw...)
}

// userContent appends a user (or tool-result) content: a string, or parts.
func (w *msgWriter) userContent(role string, c gjson.Result, name string) error {
	if c.Type == gjson.String {
		if name != "" {
			w.text(role, "", name+": "+c.Str, gjson.Result{})
		} else {
			w.text(role, c.Raw, "", gjson.Result{})
		}
		return nil
	}
	if !c.IsArray() {
		return nil
	}
	var err error
	first := true
	c.ForEach(func(_, p gjson.Result) bool {
		err = w.part(role, p, &name, &first)
		return err == nil
	})
	return err
}

// part appends one content part.
func (w *msgWriter) part(role string, p gjson.Result, name *string, first *bool) error {
	switch typ := p.Get("type").Str; typ {
	case "text":
		t := p.Get("text")
		if *name != "" && *first {
			w.text(role, "", *name+": "+t.Str, p.Get("cache_control"))
			*name = ""
		} else {
			w.text(role, t.Raw, "", p.Get("cache_control"))
		}
		*first = false
	case "image_url":
		u := p.Get("image_url.url").Str
		if u == "" {
			u = p.Get("image_url").Str // the older bare-string form
		}
		w.block(role)
		w.dst = append(w.dst, `{"type":"image","source":`...)
		w.dst = appendSource(w.dst, u)
		w.dst = appendCache(w.dst, p.Get("cache_control"))
		w.dst = append(w.dst, '}')
	case "file":
		f := p.Get("file")
		data := f.Get("file_data").Str
		if data == "" {
			if f.Get("file_id").Exists() {
				return &provider.BuildError{Msg: "file_id parts are not portable to Anthropic; send file_data"}
			}
			return nil
		}
		w.block(role)
		w.dst = append(w.dst, `{"type":"document","source":`...)
		w.dst = appendSource(w.dst, data)
		if fn := f.Get("filename").Str; fn != "" {
			w.dst = append(w.dst, `,"title":`...)
			w.dst = api.AppendString(w.dst, fn)
		}
		w.dst = appendCache(w.dst, p.Get("cache_control"))
		w.dst = append(w.dst, '}')
	case "input_audio", "video_url", "input_video":
		return &provider.BuildError{Msg: typ + " content is not supported by Anthropic"}
	}
	return nil
}

// appendSource writes an image or document source: base64 for a data URL, url otherwise.
func appendSource(dst []byte, u string) []byte {
	if mt, data, ok := provider.DataURL(u); ok {
		dst = append(dst, `{"type":"base64","media_type":`...)
		dst = api.AppendString(dst, mt)
		dst = append(dst, `,"data":`...)
		dst = api.AppendString(dst, data)
		return append(dst, '}')
	}
	dst = append(dst, `{"type":"url","url":`...)
	dst = api.AppendString(dst, u)
	return append(dst, '}')
}

// assistant appends an assistant turn: thinking blocks replayed from reasoning_details,
// text, then tool_use blocks.
func (w *msgWriter) assistant(m provider.Message, family string) error {
	if m.ReasoningDetails.IsArray() {
		m.ReasoningDetails.ForEach(func(_, d gjson.Result) bool {
			if provider.FamilyOf(d) != family {
				return true // another family's reasoning means nothing here
			}
			switch d.Get("type").Str {
			case "reasoning.text":
				sig := d.Get("signature")
				if sig.Type != gjson.String || sig.Str == "" {
					return true // unsigned thinking cannot be replayed
				}
				w.block("assistant")
				w.dst = append(w.dst, `{"type":"thinking","thinking":`...)
				if t := d.Get("text"); t.Type == gjson.String {
					w.dst = append(w.dst, t.Raw...)
				} else {
					w.dst = append(w.dst, `""`...)
				}
				w.dst = append(w.dst, `,"signature":`...)
				w.dst = append(w.dst, sig.Raw...)
				w.dst = append(w.dst, '}')
			case "reasoning.encrypted":
				if data := d.Get("data"); data.Type == gjson.String {
					w.block("assistant")
					w.dst = append(w.dst, `{"type":"redacted_thinking","data":`...)
					w.dst = append(w.dst, data.Raw...)
					w.dst = append(w.dst, '}')
				}
			}
			return true
		})
	}
	if err := w.userContent("assistant", m.Content, m.Name); err != nil {
		return err
	}
	if m.ToolCalls.IsArray() {
		m.ToolCalls.ForEach(func(_, tc gjson.Result) bool {
			w.block("assistant")
			w.dst = append(w.dst, `{"type":"tool_use","id":`...)
			w.dst = appendToolID(w.dst, tc.Get("id").Str)
			w.dst = append(w.dst, `,"name":`...)
			w.dst = append(w.dst, rawOr(tc.Get("function.name"), `""`)...)
			w.dst = append(w.dst, `,"input":`...)
			w.dst = provider.Arguments(w.dst, tc.Get("function.arguments").Str)
			w.dst = append(w.dst, '}')
			return true
		})
	}
	return nil
}

// toolResult appends a tool message as a tool_result block of the next user message.
func (w *msgWriter) toolResult(m provider.Message) error {
	w.block("user")
	w.dst = append(w.dst, `{"type":"tool_result","tool_use_id":`...)
	w.dst = appendToolID(w.dst, m.ToolCallID)
	switch {
	case m.Content.Type == gjson.String && m.Content.Str != "":
		w.dst = append(w.dst, `,"content":`...)
		w.dst = append(w.dst, m.Content.Raw...)
	case m.Content.IsArray():
		sub := msgWriter{dst: append(w.dst, `,"content":[`...), bare: true}
		if err := sub.userContent("user", m.Content, ""); err != nil {
			return err
		}
		w.dst = append(sub.dst, ']')
	}
	w.dst = append(w.dst, '}')
	return nil
}

// appendToolID writes a tool-use id in the charset Anthropic accepts ([A-Za-z0-9_-]);
// other characters become "_", the same way in tool_use and tool_result, so the pair
// still matches.
func appendToolID(dst []byte, id string) []byte {
	if id == "" {
		id = "toolu_missing"
	}
	dst = append(dst, '"')
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '_')
		}
	}
	return append(dst, '"')
}

// appendSystem appends system blocks for a system or developer message.
func appendSystem(dst []byte, c gjson.Result) []byte {
	add := func(raw string, cache gjson.Result) {
		if raw == `""` || raw == "" {
			return
		}
		if len(dst) > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":"text","text":`...)
		dst = append(dst, raw...)
		dst = appendCache(dst, cache)
		dst = append(dst, '}')
	}
	if c.Type == gjson.String {
		add(c.Raw, gjson.Result{})
	} else if c.IsArray() {
		c.ForEach(func(_, p gjson.Result) bool {
			if p.Get("type").Str == "text" {
				add(p.Get("text").Raw, p.Get("cache_control"))
			}
			return true
		})
	}
	return dst
}

func rawOr(v gjson.Result, def string) string {
	if v.Exists() {
		return v.Raw
	}
	return def
}

func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }

// buildStop maps stop (a string or up to four strings) to stop_sequences.
func buildStop(b *provider.Builder, v gjson.Result) error {
	switch {
	case v.Type == gjson.String && v.Str != "":
		start := len(b.Scratch)
		b.Scratch = append(b.Scratch, '[')
		b.Scratch = append(b.Scratch, v.Raw...)
		b.Scratch = append(b.Scratch, ']')
		b.SetBuilt("stop_sequences", start)
	case v.IsArray() && len(v.Array()) > 0:
		b.Set("stop_sequences", []byte(v.Raw))
	}
	return nil
}

// buildTools maps function tools to Anthropic tools, and tool_choice with
// parallel_tool_calls to tool_choice (providers.md §3.4). Non-function tools (the
// router's server tools) are not sent.
func buildTools(b *provider.Builder, v gjson.Result) error {
	if !v.IsArray() {
		return &provider.BuildError{Msg: "tools must be an array"}
	}
	start := len(b.Scratch)
	b.Scratch = append(b.Scratch, '[')
	n := 0
	v.ForEach(func(_, t gjson.Result) bool {
		if typ := t.Get("type").Str; typ != "function" && typ != "" {
			return true
		}
		f := t.Get("function")
		if n > 0 {
			b.Scratch = append(b.Scratch, ',')
		}
		n++
		b.Scratch = append(b.Scratch, `{"name":`...)
		b.Scratch = append(b.Scratch, rawOr(f.Get("name"), `""`)...)
		if d := f.Get("description"); d.Type == gjson.String {
			b.Scratch = append(b.Scratch, `,"description":`...)
			b.Scratch = append(b.Scratch, d.Raw...)
		}
		b.Scratch = append(b.Scratch, `,"input_schema":`...)
		if p := f.Get("parameters"); p.IsObject() {
			b.Scratch = append(b.Scratch, p.Raw...)
		} else {
			b.Scratch = append(b.Scratch, `{"type":"object","properties":{}}`...)
		}
		b.Scratch = appendCache(b.Scratch, t.Get("cache_control"))
		b.Scratch = append(b.Scratch, '}')
		return true
	})
	b.Scratch = append(b.Scratch, ']')
	if n == 0 {
		b.Scratch = b.Scratch[:start]
		return nil
	}
	b.SetBuilt("tools", start)

	var typ, name string
	tc := b.Get("tool_choice")
	switch {
	case tc.Type == gjson.String:
		switch tc.Str {
		case "auto":
			typ = "auto"
		case "none":
			typ = "none"
		case "required":
			typ = "any"
		}
	case tc.IsObject():
		if nm := tc.Get("function.name"); nm.Type == gjson.String {
			typ, name = "tool", nm.Raw
		}
	}
	noParallel := false
	if p := b.Get("parallel_tool_calls"); p.Exists() && !p.Bool() {
		noParallel = true
		if typ == "" {
			typ = "auto"
		}
	}
	if typ == "" {
		return nil
	}
	start = len(b.Scratch)
	b.Scratch = append(b.Scratch, `{"type":"`...)
	b.Scratch = append(b.Scratch, typ...)
	b.Scratch = append(b.Scratch, '"')
	if name != "" {
		b.Scratch = append(b.Scratch, `,"name":`...)
		b.Scratch = append(b.Scratch, name...)
	}
	if noParallel && typ != "none" {
		b.Scratch = append(b.Scratch, `,"disable_parallel_tool_use":true`...)
	}
	b.Scratch = append(b.Scratch, '}')
	b.SetBuilt("tool_choice", start)
	return nil
}

// buildResponseFormat maps json_schema to structured outputs, output_config.format.
// Anthropic has no JSON mode without a schema, so json_object is dropped and reported.
func buildResponseFormat(b *provider.Builder, v gjson.Result) error {
	switch v.Get("type").Str {
	case "json_schema":
		schema := v.Get("json_schema.schema")
		if !schema.IsObject() {
			return &provider.BuildError{Msg: "response_format.json_schema.schema must be an object"}
		}
		start := len(b.Scratch)
		b.Scratch = append(b.Scratch, `{"type":"json_schema","schema":`...)
		b.Scratch = append(b.Scratch, schema.Raw...)
		b.Scratch = append(b.Scratch, '}')
		b.SetBuilt("output_config.format", start)
	case "text", "":
	default:
		b.Drop("response_format")
	}
	return nil
}
