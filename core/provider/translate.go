package provider

import (
	"strconv"
	"strings"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/tidwall/gjson"
)

// Request is what an adapter builds an upstream request from: the client's validated
// body and what the plan knows about the endpoint.
type Request struct {
	Body      []byte // the client's request (validated by api.ParseChat)
	Stream    bool
	Model     string   // the upstream's id for the model
	MaxOutput int      // the endpoint's max completion tokens; 0 when unknown
	Supported []string // the endpoint's supported_parameters; nil means all
}

// Upstream is a built upstream request.
type Upstream struct {
	Path    string   // below the base URL, "{model}" replaced
	Body    []byte   // JSON
	Dropped []string // client parameters not sent (or changed); for require_parameters
	// ExcludeReasoning: reasoning was asked for with exclude, so responses leave it out.
	ExcludeReasoning bool
}

// BuildError is a client request the endpoint cannot serve (a Reject row, or content a
// conversion cannot express).
type BuildError struct{ Msg string }

func (e *BuildError) Error() string { return e.Msg }

// Builder is the interpreter's state while one upstream body is built. Convert rows and
// Finalize receive it: they read any client parameter with Get and write upstream members
// with Set; the interpreter assembles the members into one object, nesting dotted paths.
type Builder struct {
	Req  *Request
	Spec *Spec
	// members are the client's top-level members, in body order.
	members []member
	// entries are the upstream members, in the order first set.
	entries []entry
	// Dropped lists reported parameters, in table order.
	Dropped []string
	// ExcludeReasoning is set by reasoning conversions.
	ExcludeReasoning bool
	// Scratch is an adapter-owned buffer for values built by conversions; Set keeps
	// subslices of it, so conversions append to it and never reset it.
	Scratch []byte
}

type member struct {
	key string
	raw []byte
}

type entry struct {
	path string
	raw  []byte
}

// Get returns a client parameter as gjson reads it (Exists false when absent). JSON null
// counts as absent, as OpenAI treats it.
func (b *Builder) Get(name string) gjson.Result {
	for _, m := range b.members {
		if m.key == name {
			if string(m.raw) == "null" {
				return gjson.Result{}
			}
			return gjson.Parse(api.View(m.raw))
		}
	}
	return gjson.Result{}
}

func (b *Builder) hide(name string) {
	for i := range b.members {
		if b.members[i].key == name {
			b.members[i].raw = []byte("null")
		}
	}
}

// Set writes an upstream member: path is dotted ("generationConfig.topP"), raw is JSON and
// must stay unchanged until the build ends. A later Set of the same path replaces it.
func (b *Builder) Set(path string, raw []byte) {
	for i := range b.entries {
		if b.entries[i].path == path {
			b.entries[i].raw = raw
			return
		}
	}
	b.entries = append(b.entries, entry{path: path, raw: raw})
}

// SetString writes a JSON string member.
func (b *Builder) SetString(path, s string) {
	start := len(b.Scratch)
	b.Scratch = api.AppendString(b.Scratch, s)
	b.Set(path, b.Scratch[start:len(b.Scratch):len(b.Scratch)])
}

// SetInt writes a JSON integer member.
func (b *Builder) SetInt(path string, n int64) {
	start := len(b.Scratch)
	b.Scratch = strconv.AppendInt(b.Scratch, n, 10)
	b.Set(path, b.Scratch[start:len(b.Scratch):len(b.Scratch)])
}

// SetBuilt writes a member whose JSON a conversion appended to Scratch from start on.
func (b *Builder) SetBuilt(path string, start int) {
	b.Set(path, b.Scratch[start:len(b.Scratch):len(b.Scratch)])
}

// Has reports whether an upstream member is set.
func (b *Builder) Has(path string) bool {
	for i := range b.entries {
		if b.entries[i].path == path {
			return true
		}
	}
	return false
}

// Value returns an upstream member already set, as gjson reads it.
func (b *Builder) Value(path string) gjson.Result {
	for i := range b.entries {
		if b.entries[i].path == path {
			return gjson.Parse(api.View(b.entries[i].raw))
		}
	}
	return gjson.Result{}
}

// Unset removes an upstream member.
func (b *Builder) Unset(path string) {
	for i := range b.entries {
		if b.entries[i].path == path {
			b.entries = append(b.entries[:i], b.entries[i+1:]...)
			return
		}
	}
}

// Drop reports a client parameter as not sent.
func (b *Builder) Drop(name string) {
	for _, d := range b.Dropped {
		if d == name {
			return
		}
	}
	b.Dropped = append(b.Dropped, name)
}

// Supports reports whether the endpoint lists a capability (true when it lists none).
func (b *Builder) Supports(capability string) bool {
	if capability == "" || len(b.Req.Supported) == 0 {
		return true
	}
	for _, s := range b.Req.Supported {
		if s == capability {
			return true
		}
	}
	return false
}

// Build runs the Spec's table over the client's request and returns the upstream request.
// Parameters without a row are dropped and reported, except the router's own (model,
// stream_options, models, provider, ...), which no upstream sees.
func Build(s *Spec, r *Request) (*Upstream, error) {
	b := &Builder{Req: r, Spec: s, members: make([]member, 0, 16), entries: make([]entry, 0, 16)}
	ok := api.ScanObject(r.Body, func(m api.Member) bool {
		b.members = append(b.members, member{key: m.Key, raw: r.Body[m.ValueStart:m.End]})
		return true
	})
	if !ok {
		return nil, &BuildError{Msg: "invalid request body"}
	}
	for _, m := range b.members {
		if string(m.raw) == "null" || m.key == "model" || m.key == "stream_options" || routerOnly(m.key) {
			continue
		}
		if row(s, m.key) == nil {
			b.Drop(m.key)
		}
	}
	if s.ModelInBody {
		b.SetString("model", r.Model)
	}
	for i := range s.Params {
		p := &s.Params[i]
		v := b.Get(p.Name)
		if !v.Exists() {
			continue
		}
		if !b.Supports(p.Needs) {
			// Reported, and hidden from Get so that Finalize and other rows' functions
			// cannot act on it either.
			b.Drop(p.Name)
			b.hide(p.Name)
			continue
		}
		to := p.To
		if to == "" {
			to = p.Name
		}
		switch p.Policy {
		case Pass, Rename:
			b.Set(to, []byte(v.Raw))
		case Clamp:
			if v.Type != gjson.Number {
				return nil, &BuildError{Msg: p.Name + " must be a number"}
			}
			x := v.Num
			switch {
			case x < p.Min:
				x = p.Min
			case x > p.Max:
				x = p.Max
			}
			if x != v.Num {
				b.Drop(p.Name)
				start := len(b.Scratch)
				b.Scratch = strconv.AppendFloat(b.Scratch, x, 'g', -1, 64)
				b.SetBuilt(to, start)
			} else {
				b.Set(to, []byte(v.Raw))
			}
		case Convert:
			if p.Conv != nil {
				if err := p.Conv(b, v); err != nil {
					return nil, err
				}
			}
		case Drop:
			b.Drop(p.Name)
		case Reject:
			return nil, &BuildError{Msg: p.Name + " is not supported by " + s.Name + " endpoints"}
		case Internal:
		}
	}
	if s.Finalize != nil {
		if err := s.Finalize(b); err != nil {
			return nil, err
		}
	}
	path := s.Endpoint.Path
	if r.Stream && s.Endpoint.StreamPath != "" {
		path = s.Endpoint.StreamPath
	}
	up := &Upstream{
		Path:             strings.Replace(path, "{model}", r.Model, 1),
		Dropped:          b.Dropped,
		ExcludeReasoning: b.ExcludeReasoning,
	}
	size := 2
	for _, e := range b.entries {
		size += len(e.path) + len(e.raw) + 8
	}
	up.Body = b.appendObject(make([]byte, 0, size), "")
	return up, nil
}

// routerOnly reports the router's own request members (api.Chat cuts the same set from
// pass-through bodies; shared/spec/openrouter-api.md §1.1 extension fields): no upstream
// sees them, so they are not reported as dropped.
func routerOnly(k string) bool {
	switch k {
	case "models", "provider", "transforms", "route", "usage", "plugins", "session_id", "trace", "debug":
		return true
	}
	return false
}

func row(s *Spec, name string) *Param {
	for i := range s.Params {
		if s.Params[i].Name == name {
			return &s.Params[i]
		}
	}
	return nil
}

// appendObject writes the entries under prefix as one object, nesting dotted paths in
// the order their first member was set.
func (b *Builder) appendObject(dst []byte, prefix string) []byte {
	dst = append(dst, '{')
	n := 0
	for i, e := range b.entries {
		if !strings.HasPrefix(e.path, prefix) {
			continue
		}
		rest := e.path[len(prefix):]
		key, _, nested := strings.Cut(rest, ".")
		if nested && b.seenGroup(i, prefix+key+".") {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = api.AppendString(dst, key)
		dst = append(dst, ':')
		if nested {
			dst = b.appendObject(dst, prefix+key+".")
		} else {
			dst = append(dst, e.raw...)
		}
	}
	return append(dst, '}')
}

// seenGroup reports whether an entry before i already opened the group.
func (b *Builder) seenGroup(i int, group string) bool {
	for _, e := range b.entries[:i] {
		if strings.HasPrefix(e.path, group) {
			return true
		}
	}
	return false
}
