package providertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchyard-router/switchyard/core/api"
)

// MaxRecorded bounds the recorded requests; older ones are dropped first, so a
// long benchmark or e2e run cannot grow the fake without limit.
const MaxRecorded = 1000

// maxBody bounds a chat request body; larger bodies get a 413.
const maxBody = 32 << 20

// defaultCreated is the fixed "created" timestamp used without Options.Now, so
// replies are byte-for-byte reproducible (DESIGN.md: time is injected).
const defaultCreated = 1760000000

// ScriptFunc chooses the behaviour for one chat request programmatically, for
// unit tests that need more than a fixed path script (say, fail the first call
// and succeed on the second). body is the raw request body.
type ScriptFunc func(r *http.Request, body []byte) Behavior

// Options configures a Handler. The zero value is ready to use.
type Options struct {
	// Script, when set, decides every chat request's behaviour instead of the
	// path script. The path prefix must still parse; it is stripped as usual.
	Script ScriptFunc
	// Now supplies the "created" timestamp; nil means a fixed 1760000000.
	Now func() time.Time
}

// Request is one recorded chat request. Path is the escaped path including
// the script prefix, so a test can tell which fake provider was called.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Handler is the fake upstream as an http.Handler: Server serves it
// in-process, scripts/fakeupstream as a process.
type Handler struct {
	now       func() time.Time
	seq       atomic.Int64
	done      chan struct{}
	closeOnce sync.Once

	mu     sync.Mutex
	script ScriptFunc
	reqs   []Request
}

// NewHandler returns a Handler configured by opts.
func NewHandler(opts Options) *Handler {
	return &Handler{now: opts.Now, script: opts.Script, done: make(chan struct{})}
}

// SetScript replaces Options.Script (nil returns to path scripts). It is safe
// to call while requests are served.
func (h *Handler) SetScript(f ScriptFunc) {
	h.mu.Lock()
	h.script = f
	h.mu.Unlock()
}

// Requests returns copies of the recorded chat requests, oldest first (at most
// MaxRecorded).
func (h *Handler) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Request, len(h.reqs))
	for i, r := range h.reqs {
		r.Header = r.Header.Clone()
		out[i] = r
	}
	return out
}

// Reset forgets the recorded requests. Response ids keep counting, so they stay
// unique for the Handler's lifetime.
func (h *Handler) Reset() {
	h.mu.Lock()
	h.reqs = nil
	h.mu.Unlock()
}

// Close releases every hanging or delayed request: each drops its connection
// and returns. httptest.Server.Close waits for handlers to return, so without
// this a /hang request would block it forever. Close is idempotent; the
// Handler keeps answering new requests, but they no longer wait.
func (h *Handler) Close() { h.closeOnce.Do(func() { close(h.done) }) }

func (h *Handler) record(r *http.Request, body []byte) {
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), Header: r.Header.Clone(), Body: body}
	h.mu.Lock()
	if len(h.reqs) >= MaxRecorded {
		n := copy(h.reqs, h.reqs[len(h.reqs)-MaxRecorded+1:])
		clear(h.reqs[n:])
		h.reqs = h.reqs[:n]
	}
	h.reqs = append(h.reqs, rec)
	h.mu.Unlock()
}

func (h *Handler) created() int64 {
	if h.now == nil {
		return defaultCreated
	}
	return h.now().Unix()
}

// ServeHTTP routes the control endpoints, then parses the path script.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	switch {
	case path == "/_requests" && r.Method == http.MethodGet:
		h.serveRequests(w)
		return
	case path == "/_reset" && r.Method == http.MethodPost:
		h.Reset()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	b, rest, err := ParseScript(path)
	switch {
	case err != nil:
		writeError(w, http.StatusNotFound, "invalid_request_error", "bad_script", err.Error(), "")
	case rest == "/v1/chat/completions" && r.Method == http.MethodPost:
		h.serveChat(w, r, b)
	case rest == "/v1/models" && r.Method == http.MethodGet:
		h.serveModels(w, r, b)
	case rest == "/v1/messages" && r.Method == http.MethodPost:
		h.serveAnthropic(w, r, b)
	case strings.HasPrefix(rest, "/v1beta/models/") && r.Method == http.MethodPost:
		h.serveGemini(w, r, b, strings.TrimPrefix(rest, "/v1beta/models/"))
	default:
		// OpenAI's answer to an unknown route (§2.7 shape, code null).
		writeError(w, http.StatusNotFound, "invalid_request_error", "",
			fmt.Sprintf("Invalid URL (%s %s)", r.Method, path), "")
	}
}

// chatRequest holds the few request fields the fake reads (§2.2).
type chatRequest struct {
	Model         *string           `json:"model"`
	Messages      []json.RawMessage `json:"messages"`
	Stream        bool              `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`

	messagesLen int // bytes of the raw messages array, for prompt_tokens
}

// parseChat validates the body like OpenAI would, so a router that sends a
// malformed upstream body gets a 400 instead of a silent success.
func parseChat(body []byte) (req chatRequest, msg, param string) {
	if !json.Valid(body) {
		return req, "We could not parse the JSON body of your request. (The fake upstream expects JSON.)", ""
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, "Invalid request body: " + err.Error(), ""
	}
	switch {
	case req.Model == nil || *req.Model == "":
		return req, "you must provide a model parameter", "model"
	case len(req.Messages) == 0:
		return req, "Missing required parameter: 'messages'.", "messages"
	}
	for _, m := range req.Messages {
		req.messagesLen += len(m) + 1
	}
	return req, "", ""
}

func (h *Handler) serveChat(w http.ResponseWriter, r *http.Request, b Behavior) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "reading body: "+err.Error(), "")
		return
	}
	if len(body) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "", "request body too large", "")
		return
	}
	h.record(r, body)
	h.mu.Lock()
	script := h.script
	h.mu.Unlock()
	if script != nil {
		b = script(r, body)
	}
	req, msg, param := parseChat(body)
	if msg != "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", msg, param)
		return
	}
	n := h.seq.Add(1)
	w.Header().Set("x-request-id", "req_"+strconv.FormatInt(n, 10))
	if !h.prelude(w, r, b) {
		return
	}
	rp := newReply(b, &req, n, h.created())
	if req.Stream {
		h.stream(w, r, rp)
		return
	}
	h.answer(w, r, rp)
}

func (h *Handler) serveModels(w http.ResponseWriter, r *http.Request, b Behavior) {
	if !h.prelude(w, r, b) {
		return
	}
	body := `{"object":"list","data":[{"id":"fake-model","object":"model","created":` +
		strconv.FormatInt(h.created(), 10) + `,"owned_by":"providertest"}]}`
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

// prelude applies what comes before any byte of the answer: Hang, HeaderDelay
// and Status. It reports whether the caller should go on answering.
func (h *Handler) prelude(w http.ResponseWriter, r *http.Request, b Behavior) bool {
	return h.preludeAs(w, r, b, writeStatusError)
}

// preludeAs is prelude with a protocol's own error answer.
func (h *Handler) preludeAs(w http.ResponseWriter, r *http.Request, b Behavior, fail func(http.ResponseWriter, int)) bool {
	if b.Hang {
		select {
		case <-r.Context().Done():
		case <-h.done:
		}
		abort(w)
		return false
	}
	if !h.sleep(r.Context(), b.HeaderDelay) {
		abort(w)
		return false
	}
	if status, ok := b.failing(); ok {
		fail(w, status)
		return false
	}
	return true
}

// sleep waits d, or less if the request or the Handler ends first; it reports
// whether the full wait happened.
func (h *Handler) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-h.done:
	}
	return false
}

// abort drops the connection without finishing the response, so the client
// sees a transport error (unexpected EOF), never a clean but truncated reply.
// It hijacks the connection (HTTP/1.x); where that is not possible (HTTP/2,
// recorders) it panics with http.ErrAbortHandler, which net/http turns into a
// reset stream without logging.
func abort(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// writeStatusError answers a scripted failure with the §2.7 body and headers
// typical of that status.
func writeStatusError(w http.ResponseWriter, status int) {
	typ, code, msg := "invalid_request_error", "fake_status_"+strconv.Itoa(status), "providertest: scripted failure"
	switch status {
	case 401:
		code, msg = "invalid_api_key", "Incorrect API key provided (scripted)."
	case 403:
		code, msg = "unsupported_country_region_territory", "Country, region, or territory not supported (scripted)."
	case 404:
		code, msg = "model_not_found", "The model does not exist or you do not have access to it (scripted)."
	case 429:
		typ, code, msg = "requests", "rate_limit_exceeded", "Rate limit reached for requests (scripted)."
	case 503:
		typ, code, msg = "server_error", "service_unavailable", "The server is overloaded or not ready yet (scripted)."
	default:
		if status >= 500 {
			typ = "server_error"
		}
	}
	if status == 429 || status == 503 {
		// The smallest whole-second hint, so routers that honour it stay fast.
		w.Header().Set("retry-after", "1")
	}
	writeError(w, status, typ, code, msg, "")
}

// writeError writes an OpenAI error body (§2.7); empty code and param are null.
func writeError(w http.ResponseWriter, status int, typ, code, msg, param string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(appendErrorBody(nil, typ, code, msg, param))
}

func appendErrorBody(dst []byte, typ, code, msg, param string) []byte {
	dst = append(dst, `{"error":{"message":`...)
	dst = api.AppendString(dst, msg)
	dst = append(dst, `,"type":`...)
	dst = api.AppendString(dst, typ)
	dst = append(dst, `,"param":`...)
	dst = appendStringOrNull(dst, param)
	dst = append(dst, `,"code":`...)
	dst = appendStringOrNull(dst, code)
	return append(dst, "}}"...)
}

// wireRequest is Request as /_requests shows it: the body inline as JSON when
// it is JSON, else as text in body_text.
type wireRequest struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Header   http.Header     `json:"headers"`
	Body     json.RawMessage `json:"body,omitempty"`
	BodyText string          `json:"body_text,omitempty"`
}

// MarshalJSON gives the /_requests form of r.
func (r Request) MarshalJSON() ([]byte, error) {
	wr := wireRequest{Method: r.Method, Path: r.Path, Header: r.Header}
	if json.Valid(r.Body) {
		wr.Body = r.Body
	} else {
		wr.BodyText = string(r.Body)
	}
	return json.Marshal(wr)
}

// UnmarshalJSON reads the /_requests form, for out-of-process tests.
func (r *Request) UnmarshalJSON(data []byte) error {
	var wr wireRequest
	if err := json.Unmarshal(data, &wr); err != nil {
		return err
	}
	*r = Request{Method: wr.Method, Path: wr.Path, Header: wr.Header, Body: []byte(wr.Body)}
	if len(wr.Body) == 0 {
		r.Body = []byte(wr.BodyText)
	}
	return nil
}

func (h *Handler) serveRequests(w http.ResponseWriter) {
	out, err := json.Marshal(struct {
		Requests []Request `json:"requests"`
	}{h.Requests()})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "", err.Error(), "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}
