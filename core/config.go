package core

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/store"
)

// Config is everything core needs from the platform it runs on. Each field is a seam: the
// Worker, the Lambda, the wazero guest and the tests each fill it their own way.
type Config struct {
	// Transport makes upstream calls (required): the Worker's goes through the Workers
	// fetch API, native builds pass http.DefaultTransport or their own. It is a transport
	// and not an *http.Client because Client.Do links net/http's whole client (TLS, HTTP/2,
	// proxies) into the Worker whether it runs or not: 1.2 MB of gzipped wasm. A client's
	// policies would not apply anyway: deadlines and retries are the router's own, and a
	// POST to an API is never meaningfully redirected. It must honour the request's
	// context, as net/http does, until the body is closed: cancelling it ends a round trip
	// or a body read in progress with an error. That is how deadlines and a departed client
	// reach an attempt (upstream.go).
	Transport http.RoundTripper
	// Stores holds state kept between requests.
	Stores store.Set
	// Env reads configuration: provider keys and base URLs (<PROVIDER>_API_KEY,
	// <PROVIDER>_BASE_URL), SWITCHYARD_ADMIN_KEY and the SWITCHYARD_* tunables. It returns ""
	// for a missing name.
	Env func(name string) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand drives generation ids and, later, routing. It need not be safe for concurrent
	// use: core serialises access. Nil means a source seeded from the clock. Never used for
	// secrets: API keys come from crypto/rand.
	Rand rand.Source
	// Defer runs work that must finish after the response has been sent (the Worker's
	// waitUntil). Nil means run it inline.
	Defer func(func())
	// Catalog is the model catalog; nil means catalog.Default.
	Catalog *catalog.Catalog
	// Logf receives operational messages; it never gets secrets. Nil discards them.
	Logf func(format string, args ...any)
}
