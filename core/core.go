package core

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/switchyard-router/switchyard/core/catalog"
)

// Defaults for the SWITCHYARD_* tunables, in milliseconds.
const (
	defaultFirstByteMS  = 60_000  // upstream silence before the first byte that moves on
	defaultStreamIdleMS = 120_000 // silence mid-stream that ends the stream with an error
	defaultKeepAliveMS  = 2_000   // SSE comment interval while waiting for the first byte
	// first-byte deadline for an endpoint that reasons on the request (it may think for
	// minutes before its first token)
	defaultReasoningFirstByteMS = 180_000
	// how long the router keeps looking for an endpoint that answers, across attempts
	defaultRequestMS = 300_000
	maxRequestBody   = 32 << 20
	maxResponseBody  = 32 << 20
)

// handler is the router. It holds only configuration: everything per request lives on the
// stack of that request, so one instance may serve concurrent requests.
type handler struct {
	transport http.RoundTripper
	cfg       Config
	cat       *catalog.Catalog
	now       func() time.Time
	rnd       *lockedSource
	firstByte time.Duration
	idle      time.Duration
	keepAlive time.Duration
	// reasoningFirstByte replaces firstByte for attempts that reason; requestTimeout bounds
	// the search for an endpoint that answers.
	reasoningFirstByte time.Duration
	requestTimeout     time.Duration
}

// New returns the router as an http.Handler. It does no I/O and little work, since the Worker
// may call it once per request.
func New(cfg Config) http.Handler {
	if cfg.Transport == nil {
		panic("core: Config.Transport is nil (natively, pass http.DefaultTransport)")
	}
	h := &handler{transport: cfg.Transport, cfg: cfg, cat: cfg.Catalog, now: cfg.Now}
	if h.cat == nil {
		h.cat = catalog.Default
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.cfg.Env == nil {
		h.cfg.Env = func(string) string { return "" }
	}
	src := cfg.Rand
	if src == nil {
		src = rand.NewPCG(uint64(h.now().UnixNano()), 0x5ea7)
	}
	h.rnd = &lockedSource{src: src}
	h.firstByte = h.envMS("SWITCHYARD_FIRST_BYTE_TIMEOUT_MS", defaultFirstByteMS)
	h.idle = h.envMS("SWITCHYARD_STREAM_IDLE_TIMEOUT_MS", defaultStreamIdleMS)
	h.keepAlive = h.envMS("SWITCHYARD_KEEPALIVE_MS", defaultKeepAliveMS)
	h.reasoningFirstByte = h.envMS("SWITCHYARD_REASONING_FIRST_BYTE_TIMEOUT_MS", defaultReasoningFirstByteMS)
	h.requestTimeout = h.envMS("SWITCHYARD_REQUEST_TIMEOUT_MS", defaultRequestMS)
	return h
}

func (h *handler) envMS(name string, def int) time.Duration {
	if n, err := strconv.Atoi(h.cfg.Env(name)); err == nil && n > 0 {
		return time.Duration(n) * time.Millisecond
	}
	return time.Duration(def) * time.Millisecond
}

func (h *handler) logf(format string, args ...any) {
	if h.cfg.Logf != nil {
		h.cfg.Logf(format, args...)
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			// A bug must cost one request, not the instance (and, in the Worker, every
			// request in flight on it).
			h.logf("BUG: panic serving %s: %v", r.URL.Path, v)
			writeError(w, errorf(http.StatusInternalServerError, "server", "Internal error"))
		}
	}()
	hdr := w.Header()
	hdr["Access-Control-Allow-Origin"] = anyOrig
	if r.Method == http.MethodOptions {
		hdr.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		hdr.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, HTTP-Referer, X-Title, X-OpenRouter-Title, x-session-id")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch r.URL.Path {
	case "/health":
		h.only(w, r, http.MethodGet, func() { writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`)) })
	case "/api/v1/chat/completions":
		h.only(w, r, http.MethodPost, func() { h.chat(w, r) })
	case "/api/v1/models":
		h.only(w, r, http.MethodGet, func() { writeJSON(w, http.StatusOK, api.AppendModels(nil, h.cat)) })
	case "/api/v1/providers":
		h.only(w, r, http.MethodGet, func() { writeJSON(w, http.StatusOK, api.AppendProviders(nil, h.cat)) })
	case "/api/v1/keys":
		h.only(w, r, http.MethodPost, func() { h.createKey(w, r) })
	case "/api/v1/key", "/api/v1/auth/key":
		h.only(w, r, http.MethodGet, func() { h.keyInfo(w, r) })
	default:
		if id, ok := endpointsPath(r.URL.Path); ok {
			h.only(w, r, http.MethodGet, func() { h.endpoints(w, r, id) })
			return
		}
		writeError(w, errorf(http.StatusNotFound, "not_found", "Not Found"))
	}
}

func (h *handler) only(w http.ResponseWriter, r *http.Request, method string, serve func()) {
	if r.Method != method {
		w.Header().Set("Allow", method)
		writeError(w, errorf(http.StatusMethodNotAllowed, "invalid_request", "Method "+r.Method+" not allowed"))
		return
	}
	serve()
}

// Header values shared by every response. Assigning them to header maps directly saves an
// allocation per header on the hot path; net/http never appends to a value slice in place.
var (
	jsonType = []string{"application/json"}
	sseType  = []string{"text/event-stream"}
	anyOrig  = []string{"*"}
	noCache  = []string{"no-cache"}
)

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// lockedSource serialises a rand.Source, which need not be safe for concurrent use.
type lockedSource struct {
	mu  sync.Mutex
	src rand.Source
}

func (l *lockedSource) Uint64() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.src.Uint64()
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// genID makes a generation id in OpenRouter's shape, gen-<unix>-<20 base62 chars>. It comes
// from Config.Rand so that tests under a fixed seed are byte-exact.
func (h *handler) genID() string {
	b := make([]byte, 0, 40)
	b = append(b, "gen-"...)
	b = strconv.AppendInt(b, h.now().Unix(), 10)
	b = append(b, '-')
	for i := 0; i < 2; i++ {
		v := h.rnd.Uint64()
		for j := 0; j < 10; j++ {
			b = append(b, base62[v%62])
			v /= 62
		}
	}
	return string(b)
}
