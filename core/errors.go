package core

import (
	"net/http"
	"strconv"

	"github.com/switchyard-router/switchyard/core/api"
)

// Error is an OpenRouter-style error: the HTTP status, the message a client shows, and an
// optional metadata object (pre-rendered JSON). See shared/spec/openrouter-api.md §5.
type Error struct {
	Status   int
	Message  string
	Type     string // error_type vocabulary (§5.3), put in metadata when set
	Metadata []byte // extra metadata members, ",\"k\":v..." form; may be nil
	// RetryAfter, when positive, is sent as the Retry-After header (seconds).
	RetryAfter int
	// Availability is the pre-rendered availability object of §5.4, written as
	// error.availability; may be nil.
	Availability []byte
}

func (e *Error) Error() string { return e.Message }

func errorf(status int, typ, msg string) *Error {
	return &Error{Status: status, Type: typ, Message: msg}
}

// appendBody writes {"error":{"code":N,"message":"...","metadata":{...}}}.
func (e *Error) appendBody(dst []byte) []byte {
	dst = append(dst, `{"error":`...)
	dst = e.appendObject(dst)
	return append(dst, '}')
}

// appendObject writes the inner error object, shared by JSON bodies and stream error chunks.
func (e *Error) appendObject(dst []byte) []byte {
	dst = append(dst, `{"code":`...)
	dst = strconv.AppendInt(dst, int64(e.Status), 10)
	dst = append(dst, `,"message":`...)
	dst = api.AppendString(dst, e.Message)
	if e.Type != "" || len(e.Metadata) > 0 {
		dst = append(dst, `,"metadata":{`...)
		meta := e.Metadata
		if e.Type != "" {
			dst = append(dst, `"error_type":`...)
			dst = api.AppendString(dst, e.Type)
		} else if len(meta) > 0 {
			meta = meta[1:] // drop the leading comma
		}
		dst = append(dst, meta...)
		dst = append(dst, '}')
	}
	if len(e.Availability) > 0 {
		dst = append(dst, `,"availability":`...)
		dst = append(dst, e.Availability...)
	}
	return append(dst, '}')
}

func writeError(w http.ResponseWriter, e *Error) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.WriteHeader(e.Status)
	w.Write(e.appendBody(make([]byte, 0, 128+len(e.Message)+len(e.Metadata)+len(e.Availability))))
}
