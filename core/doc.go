// Package core is Switchyard's router: an http.Handler that serves OpenRouter's API
// (/api/v1/chat/completions, /api/v1/models, keys) in front of many upstream providers.
//
// A request's way through core: auth (Bearer key → stored hash) → parse (a gjson view of the
// raw body; no decoding of messages) → plan (route.Plan: the endpoints of the requested model
// and its models[] fallbacks, filtered and ordered by the provider object, the variant, the
// request's needs, endpoint health from the stats store and sticky routing; price-weighted
// load balancing by default) → attempt loop (retryable failures move on to the next endpoint
// while nothing has reached the client; middle-out shrinks the prompt for an endpoint too
// small for it) → respond (the upstream body relayed with minimal byte edits, streams event by
// event) → report (each attempt's outcome and speed into the stats store, and the sticky pin,
// after the response through Config.Defer).
//
// Core is pure Go with no build tags: it compiles natively, for GOOS=js GOARCH=wasm (the
// Worker) and for GOOS=wasip1 (the wazero harness). Platform code lives in edge/, lambda/ and
// scripts/, and reaches core only through Config. See RATIONALE.md for the decisions.
package core
