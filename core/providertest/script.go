package providertest

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Behavior says how the fake upstream answers one chat request. The zero value
// answers successfully and promptly, the way OpenAI Chat Completions does
// (shared/spec/providers.md §2.4 and §2.5).
type Behavior struct {
	// Status, when set outside 200–299, fails the request before any body with
	// that HTTP status and an OpenAI error body (§2.7); 429 and 503 also carry
	// retry-after. Values below 200 are answered as 500.
	Status int

	// Text is the reply content. Empty means a deterministic default that names
	// the requested model and contains multi-byte UTF-8 ("héllo ✓ 🚂"), so relays
	// are exercised on unicode.
	Text string

	// Chunks splits the text into that many content chunks of about equal rune
	// count; if the text has fewer runes, it is repeated until it has enough
	// (for benchmarks). Zero means one chunk per word. completion_tokens is the
	// number of chunks.
	Chunks int

	// Delay precedes every content chunk of a stream. A non-streaming reply
	// waits Delay times the number of chunks before its headers instead.
	Delay time.Duration

	// HeaderDelay is waited before anything is sent (time to first byte).
	HeaderDelay time.Duration

	// Hang never sends headers. The handler returns when the client goes away
	// or the Handler is closed, dropping the connection without a response.
	Hang bool

	// Cut kills the TCP connection (no terminal chunk, no [DONE]) after
	// CutAfter content chunks; CutAfter > 0 implies Cut. With CutAfter == 0 the
	// cut comes right after the headers, before even the role chunk; when
	// CutAfter is at least the number of chunks, it replaces the finish chunk.
	// A non-streaming reply is cut halfway through its body.
	Cut      bool
	CutAfter int

	// StreamError ends the stream with an in-band error event,
	// data: {"error":{...}} (§1, §2.5), at the point where Cut would cut, and
	// without [DONE]. A non-streaming reply becomes a 200 whose body is the
	// error object, as some OpenAI-compatible hosts answer.
	StreamError bool

	// UsageOnLastContentChunk moves the usage object of an include_usage stream
	// onto the last content chunk (which also has choices) and drops the
	// separate choices:[] chunk: the xAI-style quirk of §9 item 3.
	UsageOnLastContentChunk bool

	// ToolCall answers with a call to the request's first tool, with arguments
	// {"text":<reply text>}, finish_reason "tool_calls". It has no effect when
	// the request has no tools. Streamed arguments are split mid-token (§2.5 b).
	ToolCall bool

	// CachedTokens is reported as prompt tokens read from the provider's cache
	// (Anthropic cache_read_input_tokens, Gemini cachedContentTokenCount). The
	// Anthropic and Gemini fakes honour it; the OpenAI one ignores it.
	CachedTokens int

	// Refuse answers with the provider's content refusal: Anthropic stop_reason
	// "refusal", Gemini's promptFeedback.blockReason SAFETY with no candidates.
	// The OpenAI fake ignores it.
	Refuse bool
}

// failing reports whether b fails before any body, and with which status.
func (b Behavior) failing() (int, bool) {
	switch {
	case b.Status == 0 || (b.Status >= 200 && b.Status <= 299):
		return 0, false
	case b.Status < 200:
		return 500, true
	}
	return b.Status, true
}

// breaks reports whether a stream ends early by cut or in-band error.
func (b Behavior) breaks() bool { return b.Cut || b.CutAfter > 0 || b.StreamError }

// Limits on script arguments, so a typo cannot make the fake allocate or
// stream without bound.
const (
	maxScriptChunks = 1_000_000
	maxScriptAfter  = 1_000_000
)

// ErrBadScript is wrapped by every error ParseScript returns.
var ErrBadScript = errors.New("providertest: bad script")

// ParseScript reads a behaviour from the path prefix of an escaped URL path
// (URL.EscapedPath) and returns the rest of the path, starting at the first
// "/v1" segment, or "" when there is none. An empty path is the default
// behaviour. Segments may repeat; later ones win. See the package doc for the
// grammar.
//
//	ParseScript("/fail/503/v1/chat/completions") // Behavior{Status: 503}, "/v1/chat/completions"
func ParseScript(path string) (b Behavior, rest string, err error) {
	if path != "" && path[0] != '/' {
		return b, "", fmt.Errorf("%w: %q does not start with /", ErrBadScript, path)
	}
	p := path
	// next pops one segment off p.
	next := func() (string, bool) {
		if p == "" || p == "/" {
			return "", false
		}
		seg, tail, found := strings.Cut(p[1:], "/")
		if found {
			p = "/" + tail
		} else {
			p = ""
		}
		return seg, true
	}
	for {
		// /v1/… is OpenAI's and Anthropic's API, /v1beta/… Gemini's.
		if p == "/v1" || strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/v1beta/") {
			return b, p, nil
		}
		seg, ok := next()
		if !ok {
			return b, "", nil
		}
		arg := func(what string) (string, error) {
			a, ok := next()
			if !ok || a == "" {
				return "", fmt.Errorf("%w: /%s needs %s", ErrBadScript, seg, what)
			}
			return a, nil
		}
		var a, d string
		switch seg {
		case "ok":
		case "hang":
			b.Hang = true
		case "usage-inline":
			b.UsageOnLastContentChunk = true
		case "tool-call":
			b.ToolCall = true
		case "refuse":
			b.Refuse = true
		case "cache":
			if a, err = arg("a token count"); err == nil {
				b.CachedTokens, err = intArg(seg, a, 0, maxScriptChunks)
			}
		case "fail":
			if a, err = arg("a status"); err == nil {
				b.Status, err = intArg(seg, a, 400, 599)
			}
		case "slow":
			if a, err = arg("a duration"); err == nil {
				b.HeaderDelay, err = durationArg(seg, a)
			}
		case "stream":
			if a, err = arg("a chunk count"); err == nil {
				b.Chunks, err = intArg(seg, a, 1, maxScriptChunks)
			}
			if err == nil {
				if d, err = arg("a duration"); err == nil {
					b.Delay, err = durationArg(seg, d)
				}
			}
		case "cut", "error":
			if a, err = arg("a chunk count"); err == nil {
				b.CutAfter, err = intArg(seg, a, 0, maxScriptAfter)
				b.Cut = seg == "cut"
				b.StreamError = seg == "error"
			}
		case "text":
			if a, err = arg("the text"); err == nil {
				b.Text, err = url.PathUnescape(a)
				if err != nil {
					err = fmt.Errorf("%w: /text: %v", ErrBadScript, err)
				}
				b.Text = strings.ToValidUTF8(b.Text, "\uFFFD")
			}
		default:
			err = fmt.Errorf("%w: unknown segment %q", ErrBadScript, seg)
		}
		if err != nil {
			return Behavior{}, "", err
		}
	}
}

func intArg(seg, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: /%s/%s: want an integer in [%d, %d]", ErrBadScript, seg, s, lo, hi)
	}
	return n, nil
}

func durationArg(seg, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: /%s/%s: want a non-negative duration such as 50ms", ErrBadScript, seg, s)
	}
	return d, nil
}
