package bedrock

import (
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

// buildMessages turns OpenAI messages into Converse's system and messages (§5.2). The
// rules are Anthropic's (system hoisting, names folded, tool results as one user message,
// reasoning replayed first), written in Converse's content union: {text}, {image},
// {document}, {toolUse}, {toolResult}, {reasoningContent}, and {cachePoint} after a
// block that carried cache_control.
func buildMessages(b *provider.Builder, v gjson.Result) error {
	if !v.IsArray() {
		return &provider.BuildError{Msg: "messages must be an array"}
	}
	var sys []byte
	w := blockWriter{dst: b.Scratch}
	start := len(w.dst)
	w.dst = append(w.dst, '[')
	var err error
	v.ForEach(func(_, mv gjson.Result) bool {
		m := provider.ReadMessage(mv)
		switch m.Role {
		case "system", "developer":
			sys = appendSystem(sys, m.Content)
		case "user":
			err = w.content("user", m.Content, m.Name)
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

// blockWriter appends content blocks, opening a message when the role changes.
type blockWriter struct {
	dst   []byte
	role  string
	n     int
	count int
	bare  bool // blocks only: a toolResult's content
}

func (w *blockWriter) block(role string) {
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

func (w *blockWriter) close() {
	if w.role != "" {
		w.dst = append(w.dst, "]}"...)
		w.role = ""
	}
}

func (w *blockWriter) text(role, raw, s string) {
	if raw == `""` || (raw == "" && s == "") {
		return
	}
	w.block(role)
	w.dst = append(w.dst, `{"text":`...)
	if raw != "" {
		w.dst = append(w.dst, raw...)
	} else {
		w.dst = api.AppendString(w.dst, s)
	}
	w.dst = append(w.dst, '}')
}

// cachePoint marks a prompt-caching breakpoint after a block that carried cache_control.
func (w *blockWriter) cachePoint(role string, cache gjson.Result) {
	if cache.IsObject() {
		w.block(role)
		w.dst = append(w.dst, `{"cachePoint":{"type":"default"}}`...)
	}
}

func (w *blockWriter) content(role string, c gjson.Result, name string) error {
	if c.Type == gjson.String {
		if name != "" {
			w.text(role, "", name+": "+c.Str)
		} else {
			w.text(role, c.Raw, "")
		}
		return nil
	}
	if !c.IsArray() {
		return nil
	}
	var err error
	c.ForEach(func(_, p gjson.Result) bool {
		switch typ := p.Get("type").Str; typ {
		case "text":
			t := p.Get("text")
			if name != "" {
				w.text(role, "", name+": "+t.Str)
				name = ""
			} else {
				w.text(role, t.Raw, "")
			}
		case "image_url":
			u := p.Get("image_url.url").Str
			if u == "" {
				u = p.Get("image_url").Str
			}
			mt, data, ok := provider.DataURL(u)
			if !ok {
				// Converse takes image bytes or S3 locations only (§5.2).
				err = &provider.BuildError{Msg: "Bedrock takes images as data URLs only"}
				return false
			}
			w.block(role)
			w.dst = append(w.dst, `{"image":{"format":`...)
			w.dst = api.AppendString(w.dst, strings.TrimPrefix(mt, "image/"))
			w.dst = append(w.dst, `,"source":{"bytes":`...)
			w.dst = api.AppendString(w.dst, data)
			w.dst = append(w.dst, "}}}"...)
		case "file":
			f := p.Get("file")
			mt, data, ok := provider.DataURL(f.Get("file_data").Str)
			if !ok {
				err = &provider.BuildError{Msg: "Bedrock takes documents as data URLs only"}
				return false
			}
			w.block(role)
			w.dst = append(w.dst, `{"document":{"format":`...)
			w.dst = api.AppendString(w.dst, docFormat(mt))
			w.dst = append(w.dst, `,"name":`...)
			w.dst = api.AppendString(w.dst, docName(f.Get("filename").Str))
			w.dst = append(w.dst, `,"source":{"bytes":`...)
			w.dst = api.AppendString(w.dst, data)
			w.dst = append(w.dst, "}}}"...)
		case "input_audio", "video_url", "input_video":
			err = &provider.BuildError{Msg: typ + " content is not supported by Bedrock Converse"}
			return false
		}
		w.cachePoint(role, p.Get("cache_control"))
		return true
	})
	return err
}

func docFormat(mediaType string) string {
	switch mediaType {
	case "application/pdf":
		return "pdf"
	case "text/csv":
		return "csv"
	case "text/html":
		return "html"
	case "text/markdown":
		return "md"
	}
	return "txt"
}

// docName makes a document name Converse accepts: letters, digits, spaces, hyphens,
// parentheses and square brackets only ("report.pdf" → "report-pdf").
func docName(s string) string {
	if s == "" {
		return "document"
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == ' ', c == '-', c == '(', c == ')', c == '[', c == ']':
		default:
			b[i] = '-'
		}
	}
	return string(b)
}

// assistant writes reasoning (Claude's, replayed unchanged), text, then toolUse blocks.
func (w *blockWriter) assistant(m provider.Message, family string) error {
	if m.ReasoningDetails.IsArray() {
		m.ReasoningDetails.ForEach(func(_, d gjson.Result) bool {
			if provider.FamilyOf(d) != family {
				return true
			}
			switch d.Get("type").Str {
			case "reasoning.text":
				sig := d.Get("signature")
				if sig.Type != gjson.String || sig.Str == "" {
					return true
				}
				w.block("assistant")
				w.dst = append(w.dst, `{"reasoningContent":{"reasoningText":{"text":`...)
				w.dst = append(w.dst, rawOr(d.Get("text"), `""`)...)
				w.dst = append(w.dst, `,"signature":`...)
				w.dst = append(w.dst, sig.Raw...)
				w.dst = append(w.dst, "}}}"...)
			case "reasoning.encrypted":
				if data := d.Get("data"); data.Type == gjson.String {
					w.block("assistant")
					w.dst = append(w.dst, `{"reasoningContent":{"redactedContent":`...)
					w.dst = append(w.dst, data.Raw...)
					w.dst = append(w.dst, "}}"...)
				}
			}
			return true
		})
	}
	if err := w.content("assistant", m.Content, m.Name); err != nil {
		return err
	}
	if m.ToolCalls.IsArray() {
		m.ToolCalls.ForEach(func(_, tc gjson.Result) bool {
			w.block("assistant")
			w.dst = append(w.dst, `{"toolUse":{"toolUseId":`...)
			w.dst = append(w.dst, rawOr(tc.Get("id"), `"tooluse_missing"`)...)
			w.dst = append(w.dst, `,"name":`...)
			w.dst = append(w.dst, rawOr(tc.Get("function.name"), `""`)...)
			w.dst = append(w.dst, `,"input":`...)
			w.dst = provider.Arguments(w.dst, tc.Get("function.arguments").Str)
			w.dst = append(w.dst, "}}"...)
			return true
		})
	}
	return nil
}

// toolResult writes a tool message as a toolResult block of the next user message: a
// JSON object result as {json}, anything else as {text}.
func (w *blockWriter) toolResult(m provider.Message) error {
	w.block("user")
	w.dst = append(w.dst, `{"toolResult":{"toolUseId":`...)
	w.dst = api.AppendString(w.dst, m.ToolCallID)
	w.dst = append(w.dst, `,"content":[`...)
	text := provider.ContentText(m.Content)
	if t := strings.TrimSpace(text); len(t) > 0 && t[0] == '{' && gjson.Valid(t) {
		w.dst = append(w.dst, `{"json":`...)
		w.dst = append(w.dst, t...)
		w.dst = append(w.dst, '}')
	} else {
		w.dst = append(w.dst, `{"text":`...)
		w.dst = api.AppendString(w.dst, text)
		w.dst = append(w.dst, '}')
	}
	w.dst = append(w.dst, `],"status":"success"}}`...)
	return nil
}

func appendSystem(dst []byte, c gjson.Result) []byte {
	add := func(raw string, cache gjson.Result) {
		if raw == `""` || raw == "" {
			return
		}
		if len(dst) > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"text":`...)
		dst = append(dst, raw...)
		dst = append(dst, '}')
		if cache.IsObject() {
			dst = append(dst, `,{"cachePoint":{"type":"default"}}`...)
		}
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

func buildStop(b *provider.Builder, v gjson.Result) error {
	switch {
	case v.Type == gjson.String && v.Str != "":
		start := len(b.Scratch)
		b.Scratch = append(b.Scratch, '[')
		b.Scratch = append(b.Scratch, v.Raw...)
		b.Scratch = append(b.Scratch, ']')
		b.SetBuilt("inferenceConfig.stopSequences", start)
	case v.IsArray() && len(v.Array()) > 0:
		b.Set("inferenceConfig.stopSequences", []byte(v.Raw))
	}
	return nil
}

// buildTools writes toolConfig: tools as toolSpec with inputSchema.json, tool_choice as
// {auto}, {any} or {tool:{name}}. "none" has no Converse form: the tools are still sent
// (history may refer to them) and the choice is dropped.
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
		b.Scratch = append(b.Scratch, `{"toolSpec":{"name":`...)
		b.Scratch = append(b.Scratch, rawOr(f.Get("name"), `""`)...)
		if d := f.Get("description"); d.Type == gjson.String {
			b.Scratch = append(b.Scratch, `,"description":`...)
			b.Scratch = append(b.Scratch, d.Raw...)
		}
		b.Scratch = append(b.Scratch, `,"inputSchema":{"json":`...)
		if p := f.Get("parameters"); p.IsObject() {
			b.Scratch = append(b.Scratch, p.Raw...)
		} else {
			b.Scratch = append(b.Scratch, `{"type":"object","properties":{}}`...)
		}
		b.Scratch = append(b.Scratch, "}}}"...)
		return true
	})
	b.Scratch = append(b.Scratch, ']')
	if n == 0 {
		b.Scratch = b.Scratch[:start]
		return nil
	}
	b.SetBuilt("toolConfig.tools", start)
	tc := b.Get("tool_choice")
	choice := ""
	switch {
	case tc.Str == "auto":
		choice = `{"auto":{}}`
	case tc.Str == "required":
		choice = `{"any":{}}`
	case tc.Str == "none":
		b.Drop("tool_choice")
	case tc.IsObject():
		if nm := tc.Get("function.name"); nm.Type == gjson.String {
			choice = `{"tool":{"name":` + nm.Raw + `}}`
		}
	}
	if choice != "" {
		start = len(b.Scratch)
		b.Scratch = append(b.Scratch, choice...)
		b.SetBuilt("toolConfig.toolChoice", start)
	}
	return nil
}
