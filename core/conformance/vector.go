// Package conformance runs Switchyard's shared corpus of conformance vectors
// (core/testdata/vectors, shared/LAYOUT.md §5) against a router: natively in-process,
// and, through the same Run, inside wazero and workerd.
//
// A vector is one txtar file: a comment naming the rule under test (with a "targets:"
// line), config.json, the client's request.http, the upstream exchanges the router
// should make (upstream/N/request.http, the expected upstream request; upstream/N/
// response.http, what the fake upstream answers), and the expected response.http.
// Upstream request bodies and JSON responses compare as JSON; streams compare event by
// event, each data payload as JSON. Secrets appear as placeholders ({{KEY}}, and the
// provider keys of config.json).
package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// Vector is one parsed case.
type Vector struct {
	Name    string // path below the corpus root, without .txtar
	Comment string
	Targets []string // from the comment's "targets:" line; nil means every target
	Config  Config
	Request Message
	// Exchanges are the upstream calls, in order.
	Exchanges []Exchange
	Response  Message
	// file keeps the parsed sections, for -update.
	file *archive
}

// Config is config.json.
type Config struct {
	// Env is the router's environment. "{{UPSTREAM}}" in a value is replaced by the
	// target's upstream base URL.
	Env map[string]string `json:"env"`
	// ReadSize, when positive, delivers upstream bodies in reads of that many bytes, so
	// events and UTF-8 sequences are split at awkward places.
	ReadSize int `json:"read_size"`
	// CRLF turns the upstream responses' line ends into CRLF (Gemini's SSE framing).
	CRLF bool `json:"crlf"`
}

// Exchange is one upstream call: what the router must send, and what it gets back.
type Exchange struct {
	Request  Message
	Response Message
}

// Message is an HTTP request or response in the vectors' text form: a start line
// ("POST /path" or "HTTP/1.1 200 OK"), headers, a blank line, the body.
type Message struct {
	Method string // requests
	Path   string // requests: path and query
	Status int    // responses
	Header http.Header
	Body   []byte
}

// ParseVector reads one txtar case.
func ParseVector(name string, data []byte) (*Vector, error) {
	a := parseArchive(data)
	v := &Vector{Name: name, Comment: string(a.comment), file: a}
	for _, line := range strings.Split(v.Comment, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "targets:"); ok {
			v.Targets = strings.Fields(rest)
		}
	}
	if c := a.get("config.json"); c != nil {
		if err := json.Unmarshal(c, &v.Config); err != nil {
			return nil, fmt.Errorf("config.json: %w", err)
		}
	}
	var err error
	if v.Request, err = parseMessage(a.get("request.http"), false); err != nil {
		return nil, fmt.Errorf("request.http: %w", err)
	}
	for i := 1; ; i++ {
		p := "upstream/" + strconv.Itoa(i) + "/"
		req, resp := a.get(p+"request.http"), a.get(p+"response.http")
		if req == nil && resp == nil {
			break
		}
		var x Exchange
		if x.Request, err = parseMessage(req, false); err != nil {
			return nil, fmt.Errorf("%srequest.http: %w", p, err)
		}
		if x.Response, err = parseMessage(resp, true); err != nil {
			return nil, fmt.Errorf("%sresponse.http: %w", p, err)
		}
		if v.Config.CRLF {
			x.Response.Body = bytes.ReplaceAll(x.Response.Body, []byte("\n"), []byte("\r\n"))
		}
		v.Exchanges = append(v.Exchanges, x)
	}
	if v.Response, err = parseMessage(a.get("response.http"), true); err != nil {
		return nil, fmt.Errorf("response.http: %w", err)
	}
	return v, nil
}

// For reports whether the vector runs on a target.
func (v *Vector) For(target string) bool {
	if v.Targets == nil {
		return true
	}
	for _, t := range v.Targets {
		if t == target {
			return true
		}
	}
	return false
}

func parseMessage(data []byte, response bool) (Message, error) {
	var m Message
	if data == nil {
		return m, fmt.Errorf("missing")
	}
	r := bufio.NewReader(bytes.NewReader(data))
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		return m, err
	}
	f := strings.Fields(line)
	switch {
	case response && len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/"):
		if m.Status, err = strconv.Atoi(f[1]); err != nil {
			return m, fmt.Errorf("bad status line %q", line)
		}
	case !response && len(f) >= 2:
		m.Method, m.Path = f[0], f[1]
	default:
		return m, fmt.Errorf("bad start line %q", line)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil && len(h) == 0 && !strings.Contains(err.Error(), "EOF") {
		return m, err
	}
	m.Header = http.Header(h)
	var body bytes.Buffer
	_, _ = body.ReadFrom(r)
	m.Body = body.Bytes()
	return m, nil
}

// archive is a txtar file (golang.org/x/tools/txtar's format): a comment, then files,
// each introduced by a "-- name --" line.
type archive struct {
	comment []byte
	names   []string
	data    [][]byte
}

func parseArchive(data []byte) *archive {
	a := &archive{}
	name, start := "", 0
	flush := func(end int) {
		if name == "" {
			a.comment = data[:end]
		} else {
			a.names = append(a.names, name)
			a.data = append(a.data, data[start:end])
		}
	}
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		if j >= 0 {
			next = i + j + 1
		}
		line := bytes.TrimRight(data[i:next], "\r\n")
		if n, ok := marker(line); ok {
			flush(i)
			name, start = n, next
		}
		i = next
	}
	flush(len(data))
	return a
}

func marker(line []byte) (string, bool) {
	if !bytes.HasPrefix(line, []byte("-- ")) || !bytes.HasSuffix(line, []byte(" --")) || len(line) < 7 {
		return "", false
	}
	return strings.TrimSpace(string(line[3 : len(line)-3])), true
}

func (a *archive) get(name string) []byte {
	for i, n := range a.names {
		if n == name {
			return a.data[i]
		}
	}
	return nil
}

func (a *archive) set(name string, data []byte) {
	for i, n := range a.names {
		if n == name {
			a.data[i] = data
			return
		}
	}
	a.names = append(a.names, name)
	a.data = append(a.data, data)
}

func (a *archive) format() []byte {
	var b bytes.Buffer
	b.Write(a.comment)
	for i, n := range a.names {
		fmt.Fprintf(&b, "-- %s --\n", n)
		b.Write(a.data[i])
		if d := a.data[i]; len(d) > 0 && d[len(d)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
