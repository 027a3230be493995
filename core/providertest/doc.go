// Package providertest is a fake upstream (OpenAI-compatible, Anthropic
// Messages and Gemini), in the spirit of
// net/http/httptest: the router's unit tests, the e2e suites (through
// scripts/fakeupstream, the same handler as a process) and the benchmarks all
// point provider base URLs at it.
//
// The wire format follows shared/spec/providers.md §2 (Chat Completions:
// §2.4 non-streaming, §2.5 streaming, §2.7 errors) and §1 (SSE framing); the
// set of behaviours follows the fake-upstream checklist in §9.
//
// # Behaviour is chosen by the base URL's path
//
// The router only ever learns a provider's base URL (for example from
// TOGETHER_BASE_URL) and then calls {base}/chat/completions. So the behaviour
// is encoded as a path prefix in front of /v1, which works unchanged
// in-process, across a process boundary and inside workerd, where the test
// cannot reach into the server:
//
//	http://127.0.0.1:PORT/fail/503/v1           every call fails with 503
//	http://127.0.0.1:PORT/stream/4/50ms/cut/2/v1  4 chunks, 50ms apart, cut after 2
//
// Grammar (segments combine, applied left to right, then /v1/...):
//
//	/ok                    explicit success (the default when there is no prefix)
//	/fail/{status}         fail with HTTP status 400–599 and an OpenAI error body
//	/hang                  never send headers
//	/slow/{duration}       wait before sending headers (Behavior.HeaderDelay)
//	/stream/{n}/{duration} n content chunks, each preceded by duration
//	/cut/{n}               kill the TCP connection after n content chunks
//	/error/{n}             in-band error event after n content chunks
//	/text/{escaped text}   reply text, path-escaped (%20 for space); avoid %2F,
//	                       which some clients (openai-go) decode to "/"
//	/usage-inline          usage rides on the last content chunk
//	/tool-call             answer with a tool call when the request has tools
//	/cache/{n}             report n cached prompt tokens (Anthropic, Gemini)
//	/refuse                refuse: Anthropic stop_reason refusal, Gemini
//	                       promptFeedback.blockReason SAFETY (not OpenAI)
//
// Durations use time.ParseDuration ("50ms", "1s"). See ParseScript.
//
// # Endpoints
//
//	POST {prefix}/v1/chat/completions  the fake OpenAI model
//	GET  {prefix}/v1/models            OpenAI list shape
//	POST {prefix}/v1/messages          the fake Anthropic model (anthropic.go)
//	POST {prefix}/v1beta/models/{m}:generateContent
//	POST {prefix}/v1beta/models/{m}:streamGenerateContent?alt=sse
//	                                   the fake Gemini model (gemini.go)
//	GET  /_requests                    JSON dump of recorded chat requests
//	POST /_reset                       forget recorded chat requests
//
// So one server stands in for all three protocols: point OpenAI-compatible
// providers at {URL}{script}/v1, and ANTHROPIC_BASE_URL and
// GOOGLE_AI_STUDIO_BASE_URL at {URL}{script} (their SDKs' base URLs carry no
// version).
//
// Anything else is a 404 with an OpenAI error body, as OpenAI answers unknown
// URLs, so a router that builds a wrong upstream URL fails loudly.
//
// The package is standard library only and carries no build tags, so it
// compiles wherever core does (native, js/wasm, wasip1); only serving it needs
// a real network.
package providertest
