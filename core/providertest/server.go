package providertest

import (
	"net/http/httptest"
	"strings"
)

// Server is the fake upstream on a loopback httptest.Server, for in-process
// tests. Point a provider at BaseURL(script).
type Server struct {
	*httptest.Server
	h *Handler
}

// NewServer starts a Server whose behaviour comes from each request's path.
func NewServer() *Server { return NewServerWith(Options{}) }

// NewServerWith starts a Server configured by opts.
func NewServerWith(opts Options) *Server {
	h := NewHandler(opts)
	return &Server{Server: httptest.NewServer(h), h: h}
}

// BaseURL returns the OpenAI-style base URL ending in /v1 that selects script,
// for example BaseURL("/fail/503") = "http://127.0.0.1:PORT/fail/503/v1".
// "" and "/ok" both mean success. A bad script is not checked here: requests
// to it get a 404 whose message names the problem.
func (s *Server) BaseURL(script string) string {
	script = strings.TrimSuffix(script, "/")
	if script != "" && !strings.HasPrefix(script, "/") {
		script = "/" + script
	}
	return s.URL + script + "/v1"
}

// Handler returns the Handler the Server serves.
func (s *Server) Handler() *Handler { return s.h }

// Requests returns the recorded chat requests; see Handler.Requests.
func (s *Server) Requests() []Request { return s.h.Requests() }

// Reset forgets the recorded chat requests.
func (s *Server) Reset() { s.h.Reset() }

// SetScript overrides path scripts; see Handler.SetScript.
func (s *Server) SetScript(f ScriptFunc) { s.h.SetScript(f) }

// Close releases hanging and delayed requests, then closes the
// httptest.Server, which waits for the handlers that are still running.
func (s *Server) Close() {
	s.h.Close()
	s.Server.Close()
}
