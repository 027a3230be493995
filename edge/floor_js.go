//go:build js && wasm && benchfloor

package main

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// The floor: built only with -tags benchfloor, for scripts/bench-edge -floor. It swaps the
// router for the least a Go Worker can do on this glue: forward the request body to
// env.UPSTREAM's chat completions URL through the same transport and relay the answer
// through the same writer, as reference/worker.js does in JavaScript. What it costs above
// reference/buffered.js is the price of Go and the bridge alone; what the routed Worker
// costs above it is the router's. Given env.CANNED (bench-edge -null), it answers that at
// once instead, calling nothing: what entering Go and leaving it costs by itself.
func init() { newHandler = floor }

func floor(iso *isolate, x *exchange) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Bad request")
			return
		}
		if canned := x.env.get("CANNED"); canned != "" {
			w.Header()["Content-Type"] = []string{"application/json"}
			w.Header()["Content-Length"] = []string{strconv.Itoa(len(canned))}
			io.WriteString(w, canned)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, x.env.get("UPSTREAM")+"/chat/completions", bytes.NewReader(body))
		if err != nil {
			writeError(w, http.StatusInternalServerError, "UPSTREAM is not a URL")
			return
		}
		req.Header = http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer reference"}}
		resp, err := iso.transport.RoundTrip(req)
		if err != nil {
			writeError(w, http.StatusBadGateway, "Upstream failed")
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body) // one Write per network read: a stream crosses as it comes
	})
}
