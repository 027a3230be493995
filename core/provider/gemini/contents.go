package gemini

import (
	"path"
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/provider"
	"github.com/tidwall/gjson"
)

// buildContents turns OpenAI messages into Gemini's systemInstruction and contents
// (shared/spec/providers.md §4.3):
//   - system and developer messages become systemInstruction parts, in order;
//   - user → role "user", assistant → role "model"; consecutive contents of one role are
//     merged, so roles alternate;
//   - a user's name is folded into its text as "name: text";
//   - assistant tool_calls become functionCall parts with parsed args, each carrying the
//     thoughtSignature its reasoning_details (format google-gemini-v1) recorded for it;
//   - tool messages become functionResponse parts of one user content, named after the
//     call they answer (Gemini matches responses by name and order).
func buildContents(b *provider.Builder, v gjson.Result) error {
	if !v.IsArray() {
		return &provider.BuildError{Msg: "messages must be an array"}
	}
	var sys []byte
	w := partWriter{dst: b.Scratch}
	start := len(w.dst)
	w.dst = append(w.dst, '[')
	var calls []call // tool_call id → name, for functionResponse
	var err error
	v.ForEach(func(_, mv gjson.Result) bool {
		m := provider.ReadMessage(mv)
		switch m.Role {
		case "system", "developer":
			sys = appendSystem(sys, m.Content)
		case "user":
			err = w.content("user", m.Content, m.Name)
		case "assistant":
			calls, err = w.assistant(m, b.Spec.Family, calls)
		case "tool":
			w.functionResponse(m, calls)
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
	b.SetBuilt("contents", start)
	if len(sys) > 0 {
		start = len(b.Scratch)
		b.Scratch = append(b.Scratch, `{"parts":[`...)
		b.Scratch = append(b.Scratch, sys...)
		b.Scratch = append(b.Scratch, "]}"...)
		b.SetBuilt("systemInstruction", start)
	}
	return nil
}

type call struct{ id, name string }

// partWriter appends parts, opening a new content when the role changes.
type partWriter struct {
	dst  []byte
	role string
	n    int
	any  bool
}

func (w *partWriter) part(role string) {
	if role != w.role {
		w.close()
		if w.any {
			w.dst = append(w.dst, ',')
		}
		w.dst = append(w.dst, `{"role":"`...)
		w.dst = append(w.dst, role...)
		w.dst = append(w.dst, `","parts":[`...)
		w.role, w.n, w.any = role, 0, true
	}
	if w.n > 0 {
		w.dst = append(w.dst, ',')
	}
	w.n++
}

func (w *partWriter) close() {
	if w.role != "" {
		w.dst = append(w.dst, "]}"...)
		w.role = ""
	}
}

// text appends a text part from a raw JSON string, or from s when raw is empty.
func (w *partWriter) text(role, raw, s string) {
	if raw == `""` || (raw == "" && s == "") {
		return
	}
	w.part(role)
	w.dst = append(w.dst, `{"text":`...)
	if raw != "" {
		w.dst = append(w.dst, raw...)
	} else {
		w.dst = api.AppendString(w.dst, s)
	}
	w.dst = append(w.dst, '}')
}

// content appends a user or model content: a string, or parts.
func (w *partWriter) content(role string, c gjson.Result, name string) error {
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
			w.media(role, u, "image/jpeg")
		case "file":
			f := p.Get("file")
			data := f.Get("file_data").Str
			if data == "" {
				if f.Get("file_id").Exists() {
					err = &provider.BuildError{Msg: "file_id parts are not portable to Gemini; send file_data"}
					return false
				}
				return true
			}
			w.media(role, data, "application/pdf")
		case "input_audio":
			a := p.Get("input_audio")
			w.part(role)
			w.dst = append(w.dst, `{"inlineData":{"mimeType":`...)
			w.dst = api.AppendString(w.dst, "audio/"+a.Get("format").Str)
			w.dst = append(w.dst, `,"data":`...)
			w.dst = append(w.dst, rawOr(a.Get("data"), `""`)...)
			w.dst = append(w.dst, "}}"...)
		}
		return true
	})
	return err
}

// media appends an inline part for a data URL, or a fileData part for a URL. Gemini
// fetches only URLs it can reach (Files API, and public URLs on recent models), and wants
// a MIME type for them: guessed from the extension, def otherwise.
func (w *partWriter) media(role, u, def string) {
	w.part(role)
	if mt, data, ok := provider.DataURL(u); ok {
		w.dst = append(w.dst, `{"inlineData":{"mimeType":`...)
		w.dst = api.AppendString(w.dst, mt)
		w.dst = append(w.dst, `,"data":`...)
		w.dst = api.AppendString(w.dst, data)
		w.dst = append(w.dst, "}}"...)
		return
	}
	w.dst = append(w.dst, `{"fileData":{"mimeType":`...)
	w.dst = api.AppendString(w.dst, mimeOf(u, def))
	w.dst = append(w.dst, `,"fileUri":`...)
	w.dst = api.AppendString(w.dst, u)
	w.dst = append(w.dst, "}}"...)
}

func mimeOf(u, def string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	switch strings.ToLower(path.Ext(u)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	case ".gif":
		return "image/gif"
	case ".pdf":
		return "application/pdf"
	}
	return def
}

// assistant appends a model turn: its text, then one functionCall part per tool call
// with the call's thought signature re-attached (Gemini 3 rejects a function call turn
// without it: "Function call is missing a thought_signature").
func (w *partWriter) assistant(m provider.Message, family string, calls []call) ([]call, error) {
	if err := w.content("model", m.Content, m.Name); err != nil {
		return calls, err
	}
	if !m.ToolCalls.IsArray() {
		return calls, nil
	}
	k := 0
	m.ToolCalls.ForEach(func(_, tc gjson.Result) bool {
		id := tc.Get("id").Str
		name := tc.Get("function.name")
		calls = append(calls, call{id: id, name: name.Str})
		w.part("model")
		w.dst = append(w.dst, `{"functionCall":{"name":`...)
		w.dst = append(w.dst, rawOr(name, `""`)...)
		w.dst = append(w.dst, `,"args":`...)
		w.dst = provider.Arguments(w.dst, tc.Get("function.arguments").Str)
		w.dst = append(w.dst, '}')
		if sig := signatureFor(m.ReasoningDetails, family, id, k); sig != "" {
			w.dst = append(w.dst, `,"thoughtSignature":`...)
			w.dst = append(w.dst, sig...)
		}
		w.dst = append(w.dst, '}')
		k++
		return true
	})
	return calls, nil
}

// signatureFor finds the thought signature for the k-th tool call: the google-gemini-v1
// reasoning.encrypted item whose id is the call's, or, for items without ids, the k-th
// such item. It returns the raw JSON string, or "".
func signatureFor(details gjson.Result, family, id string, k int) string {
	if !details.IsArray() {
		return ""
	}
	var byID, byOrder string
	i := 0
	details.ForEach(func(_, d gjson.Result) bool {
		if provider.FamilyOf(d) != family || d.Get("type").Str != "reasoning.encrypted" {
			return true
		}
		data := d.Get("data")
		if data.Type != gjson.String {
			return true
		}
		if did := d.Get("id").Str; did != "" {
			if did == id {
				byID = data.Raw
				return false
			}
			return true
		}
		if i == k {
			byOrder = data.Raw
		}
		i++
		return true
	})
	if byID != "" {
		return byID
	}
	return byOrder
}

// functionResponse appends a tool message as a functionResponse part. Gemini wants the
// function's name (looked up from the call the message answers) and an object: a JSON
// object result is sent as is, anything else as {"output": <text>}, the key Gemini's
// FunctionResponse documentation names for a function's output.
func (w *partWriter) functionResponse(m provider.Message, calls []call) {
	name := ""
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].id == m.ToolCallID {
			name = calls[i].name
			break
		}
	}
	text := provider.ContentText(m.Content)
	w.part("user")
	w.dst = append(w.dst, `{"functionResponse":{"name":`...)
	w.dst = api.AppendString(w.dst, name)
	w.dst = append(w.dst, `,"response":`...)
	if t := strings.TrimSpace(text); len(t) > 0 && t[0] == '{' && gjson.Valid(t) {
		w.dst = append(w.dst, t...)
	} else {
		w.dst = append(w.dst, `{"output":`...)
		w.dst = api.AppendString(w.dst, text)
		w.dst = append(w.dst, '}')
	}
	w.dst = append(w.dst, "}}"...)
}

// appendSystem appends systemInstruction text parts for a system or developer message.
func appendSystem(dst []byte, c gjson.Result) []byte {
	add := func(raw string) {
		if raw == `""` || raw == "" {
			return
		}
		if len(dst) > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"text":`...)
		dst = append(dst, raw...)
		dst = append(dst, '}')
	}
	if c.Type == gjson.String {
		add(c.Raw)
	} else if c.IsArray() {
		c.ForEach(func(_, p gjson.Result) bool {
			if p.Get("type").Str == "text" {
				add(p.Get("text").Raw)
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

// buildStop maps stop to generationConfig.stopSequences.
func buildStop(b *provider.Builder, v gjson.Result) error {
	switch {
	case v.Type == gjson.String && v.Str != "":
		start := len(b.Scratch)
		b.Scratch = append(b.Scratch, '[')
		b.Scratch = append(b.Scratch, v.Raw...)
		b.Scratch = append(b.Scratch, ']')
		b.SetBuilt("generationConfig.stopSequences", start)
	case v.IsArray() && len(v.Array()) > 0:
		b.Set("generationConfig.stopSequences", []byte(v.Raw))
	}
	return nil
}

// buildTools maps function tools to one functionDeclarations tool, with their JSON
// Schema as parametersJsonSchema (sent unchanged: the older "parameters" field takes an
// OpenAPI subset and rejects common JSON Schema keywords), and tool_choice to
// toolConfig.functionCallingConfig.
func buildTools(b *provider.Builder, v gjson.Result) error {
	if !v.IsArray() {
		return &provider.BuildError{Msg: "tools must be an array"}
	}
	start := len(b.Scratch)
	b.Scratch = append(b.Scratch, `[{"functionDeclarations":[`...)
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
		if p := f.Get("parameters"); p.IsObject() {
			b.Scratch = append(b.Scratch, `,"parametersJsonSchema":`...)
			b.Scratch = append(b.Scratch, p.Raw...)
		}
		b.Scratch = append(b.Scratch, '}')
		return true
	})
	b.Scratch = append(b.Scratch, "]}]"...)
	if n == 0 {
		b.Scratch = b.Scratch[:start]
		return nil
	}
	b.SetBuilt("tools", start)

	tc := b.Get("tool_choice")
	mode, name := "", ""
	switch {
	case tc.Type == gjson.String:
		switch tc.Str {
		case "auto":
			mode = "AUTO"
		case "none":
			mode = "NONE"
		case "required":
			mode = "ANY"
		}
	case tc.IsObject():
		if nm := tc.Get("function.name"); nm.Type == gjson.String {
			mode, name = "ANY", nm.Raw
		}
	}
	if mode == "" {
		return nil
	}
	start = len(b.Scratch)
	b.Scratch = append(b.Scratch, `{"functionCallingConfig":{"mode":"`...)
	b.Scratch = append(b.Scratch, mode...)
	b.Scratch = append(b.Scratch, '"')
	if name != "" {
		b.Scratch = append(b.Scratch, `,"allowedFunctionNames":[`...)
		b.Scratch = append(b.Scratch, name...)
		b.Scratch = append(b.Scratch, ']')
	}
	b.Scratch = append(b.Scratch, "}}"...)
	b.SetBuilt("toolConfig", start)
	return nil
}

// dropFalse reports a boolean parameter Gemini cannot honour when it asks for a change
// (false); true is Gemini's behaviour anyway.
func dropFalse(b *provider.Builder, v gjson.Result) error {
	if !v.Bool() {
		b.Drop("parallel_tool_calls")
	}
	return nil
}

// buildResponseFormat maps JSON mode to responseMimeType and a JSON schema to
// responseJsonSchema (sent unchanged, like parametersJsonSchema).
func buildResponseFormat(b *provider.Builder, v gjson.Result) error {
	switch v.Get("type").Str {
	case "json_object":
		b.SetString("generationConfig.responseMimeType", "application/json")
	case "json_schema":
		schema := v.Get("json_schema.schema")
		if !schema.IsObject() {
			return &provider.BuildError{Msg: "response_format.json_schema.schema must be an object"}
		}
		b.SetString("generationConfig.responseMimeType", "application/json")
		b.Set("generationConfig.responseJsonSchema", []byte(schema.Raw))
	case "text", "":
	default:
		b.Drop("response_format")
	}
	return nil
}
