package provider

import (
	"net/http"
	"time"

	"github.com/tidwall/gjson"
)

// Spec describes one upstream wire protocol as data: how to authenticate, where to send a
// chat request, what happens to each OpenAI request parameter, how finish reasons and
// token counts map back. What a row cannot say (messages and content blocks, response
// bodies, stream events) are named functions the Spec points at. One interpreter
// (translate.go) serves every Spec; see shared/LAYOUT.md §1.
//
// A Spec is a Go literal in its adapter package (anthropic.Spec, gemini.Spec); core lists
// them in core/adapters.go. Nothing is computed at start-up.
type Spec struct {
	// Name is the protocol's name in errors and logs ("anthropic").
	Name string
	// Family is the reasoning_details format this protocol's reasoning carries
	// ("anthropic-claude-v1"). Assistant reasoning_details of this format are sent back
	// upstream unchanged; those of another family are dropped (openrouter-api.md §1.5).
	Family string
	// Auth says how the provider key travels.
	Auth Auth
	// Headers are fixed request headers (besides Content-Type and Accept).
	Headers []Header
	// Endpoint is where a chat request goes.
	Endpoint Endpoint
	// ModelInBody: the upstream model id goes in the body's "model" (otherwise the
	// endpoint path carries it).
	ModelInBody bool
	// Params has one row per OpenAI request parameter the protocol knows what to do with.
	// Unlisted parameters are dropped and reported: a translated protocol cannot forward
	// what it does not understand.
	Params []Param
	// Finish maps the upstream's finish reason to OpenAI's; unknown reasons become "stop".
	Finish []Finish
	// Usage says where the token counts are, relative to the usage object.
	Usage UsagePaths
	// Finalize runs after every row, for rules that span rows (a required max_tokens, a
	// reasoning budget that depends on it). May be nil.
	Finalize func(b *Builder) error
	// Decode translates a complete 2xx response body into an OpenAI chat completion.
	Decode func(dst, raw []byte, o *Options) ([]byte, Usage, error)
	// NewStream starts translating one upstream stream into OpenAI chunks.
	NewStream func(o *Options) Stream
	// NewFramer returns the framer of a non-SSE stream (Bedrock's binary event stream);
	// nil means SSE.
	NewFramer func() Framer
	// Classify describes a non-2xx answer (code, message, and a verdict where the status
	// alone misleads); nil means the router's generic reading.
	Classify func(status int, header http.Header, body []byte) Failure
	// Sign authenticates a built request when a header row cannot (AWS SigV4 signs the
	// method, URL, headers and body). env reads the router's configuration; now is the
	// router's clock. Nil means Auth alone.
	Sign func(req *http.Request, body []byte, env func(string) string, now time.Time) error
}

// Auth is the header a provider key is sent in: Header: Prefix + key.
type Auth struct {
	Header string // "x-api-key", "Authorization", "x-goog-api-key"
	Prefix string // "" or "Bearer "
}

// Header is one fixed request header.
type Header struct{ Name, Value string }

// Endpoint is the path of a chat request below the provider's base URL. "{model}" is
// replaced by the upstream model id.
type Endpoint struct {
	Path       string // "/v1/messages", "/v1beta/models/{model}:generateContent"
	StreamPath string // "" means Path (the body says stream:true)
}

// Policy says what happens to one inbound parameter. Every policy is explicit; nothing is
// implied by a row's absence except Drop.
type Policy uint8

const (
	// Pass copies the value unchanged to To (or the same name).
	Pass Policy = iota
	// Rename copies the value unchanged to To.
	Rename
	// Convert calls the row's Conv to write whatever the upstream wants instead.
	Convert
	// Clamp copies a number to To, clamped into [Min, Max]; a clamped value is reported.
	Clamp
	// Drop leaves the parameter out and reports it.
	Drop
	// Reject fails the attempt: the endpoint cannot serve a request that has it.
	Reject
	// Internal is read by another row's function or by Finalize; it is not reported.
	Internal
)

// Param is one row of a Spec's parameter table.
type Param struct {
	Name   string  // top-level member of the client's request
	Policy Policy  // what happens to it
	To     string  // dotted upstream path for Pass, Rename and Clamp; "" means Name
	Min    float64 // Clamp range
	Max    float64
	// Conv writes a Convert row. Named top-level functions only, never closures, so each
	// has its own tests and shows in a profile by name.
	Conv func(b *Builder, v gjson.Result) error
	// Needs names the catalog capability (supported_parameters entry) the endpoint must
	// list for the row to apply; otherwise the parameter is dropped and reported. An
	// endpoint with no listed capabilities is taken to support everything.
	Needs string
}

// Finish maps one upstream finish reason to OpenAI's.
type Finish struct{ Native, OpenAI string }

// UsagePaths are constant gjson paths into the upstream usage object. Prompt and
// Completion are sums of their paths; Total, when empty or absent, is their sum.
type UsagePaths struct {
	Prompt     []string
	Completion []string
	Cached     string // cache reads, a part of Prompt
	CacheWrite string // cache writes, a part of Prompt
	Reasoning  string // a part of Completion
	Total      string
}

// Options carries what decoding a response or translating a stream needs.
type Options struct {
	Stamp   *Stamp
	Created int64
	// ExcludeReasoning: the client asked for reasoning to be used but not returned
	// (reasoning.exclude, include_reasoning:false).
	ExcludeReasoning bool
	// Spec is the adapter's own Spec, for its Finish and Usage tables.
	Spec *Spec
}

// FinishReason maps an upstream finish reason with the Spec's table.
func (s *Spec) FinishReason(native string) string {
	for _, f := range s.Finish {
		if f.Native == native {
			return f.OpenAI
		}
	}
	return "stop"
}

// Supports reports whether the Spec handles a client parameter (it has a row that neither
// drops nor rejects it): the capability view of the table, for routing.
func (s *Spec) Supports(param string) bool {
	for i := range s.Params {
		if p := &s.Params[i]; p.Name == param {
			return p.Policy != Drop && p.Policy != Reject
		}
	}
	return false
}

// Stream translates one upstream stream, event by event, into OpenAI chunks.
type Stream interface {
	// Event appends the client frames ("data: {...}\n\n", zero or more) for one upstream
	// event. An upstream error event returns a *Failure; so does an event that is not
	// what the protocol promises.
	Event(dst []byte, ev Event) ([]byte, error)
	// State reports what the stream has seen so far; the relay reads it after every event.
	State() StreamState
	// Usage is the OpenAI usage object of the counts reported so far, nil before any; it
	// is rendered when asked, at the end of the stream.
	Usage() []byte
}

// StreamState is a translator's bookkeeping.
type StreamState struct {
	Finished bool // the finish chunk has been written
	Done     bool // the upstream's terminal event arrived
}

// Failure is an upstream failure described by the adapter: an error answer, an in-band
// error event, or a response that breaks the protocol.
type Failure struct {
	Status  int    // HTTP status it stands for (the upstream's, or the one its type implies)
	Code    string // the upstream's machine-readable type ("overloaded_error")
	Message string
	// Next, when Decided, overrides the router's by-status verdict: another endpoint may
	// succeed (true) or the request itself is at fault (false).
	Next    bool
	Decided bool
}

func (f *Failure) Error() string { return f.Message }
