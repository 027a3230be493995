package route

// Action is what the attempt loop does after a failed attempt.
type Action uint8

const (
	Next Action = iota // try the next endpoint
	Stop               // the request itself is at fault: answer the client now
)

// Classify decides by upstream HTTP status, following the failover table in
// shared/spec/providers.md §8: timeouts (408), conflicts (409), rate limits (429) and server
// errors move on; so do 401/402/403, which mean our credentials or account at that provider
// are the problem, not the client's request, and 404, which for a model listed in the
// catalog means that one provider lost it. Other 4xx (400, 413, 422, ...) describe the
// request and would fail everywhere, so they stop.
func Classify(status int) Action {
	switch {
	case status >= 500, status == 408, status == 409, status == 429,
		status == 401, status == 402, status == 403, status == 404:
		return Next
	case status >= 400:
		return Stop
	}
	return Next
}
