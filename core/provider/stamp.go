package provider

import (
	"strconv"

	"github.com/switchyard-router/switchyard/core/api"
	"github.com/tidwall/gjson"
)

// Stamp is what the router writes over every upstream response object and stream chunk:
// its own generation id, the catalog model id (not the upstream's name for it) and the
// serving provider's display name. See shared/spec/openrouter-api.md §1.7.
type Stamp struct {
	ID       string
	Model    string
	Provider string
}

// Seen is what stamping noticed in an object, for the relay's bookkeeping.
type Seen struct {
	Valid        bool   // obj was one valid JSON object
	Choices      bool   // it has a "choices" array
	ChoicesEmpty bool   // "choices": [] — the usage chunk of an OpenAI stream
	Finished     bool   // the first choice has a finish_reason
	Usage        string // raw usage object, "" when absent or null; aliases obj
	Error        string // raw top-level "error" value, "" when absent or null; aliases obj
}

// AppendStamped copies the JSON object obj to dst with the stamp's id, model and provider
// first and the upstream's own id, model and provider dropped; every other member is copied
// byte for byte. It validates obj in the same pass: when Seen.Valid is false, dst holds
// garbage past its original length and the caller must discard it.
func AppendStamped(dst, obj []byte, st *Stamp) ([]byte, Seen) {
	var seen Seen
	dst = st.appendHead(dst)
	seen.Valid = api.ScanObject(obj, func(m api.Member) bool {
		v := obj[m.ValueStart:m.End]
		switch m.Key {
		case "id", "model", "provider":
			return true
		case "usage":
			if v[0] == '{' {
				seen.Usage = api.View(v)
			}
		case "choices":
			if v[0] == '[' {
				seen.Choices = true
				seen.ChoicesEmpty = api.EmptyArray(api.View(v))
				if !seen.ChoicesEmpty {
					fr := gjson.GetBytes(v, "0.finish_reason")
					seen.Finished = fr.Type == gjson.String && fr.Str != ""
				}
			}
		case "error":
			if string(v) != "null" {
				seen.Error = api.View(v)
			}
		}
		dst = append(dst, ',')
		dst = append(dst, obj[m.Start:m.End]...)
		return true
	})
	return append(dst, '}'), seen
}

// appendHead writes `{"id":…,"provider":…,"model":…` (no closing brace).
func (st *Stamp) appendHead(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = api.AppendString(dst, st.ID)
	dst = append(dst, `,"provider":`...)
	dst = api.AppendString(dst, st.Provider)
	dst = append(dst, `,"model":`...)
	return api.AppendString(dst, st.Model)
}

// AppendChunkHead writes the start of a chunk the router makes itself (usage or error):
// `{"id":…,"provider":…,"model":…,"object":"chat.completion.chunk","created":N`.
func (st *Stamp) AppendChunkHead(dst []byte, created int64) []byte {
	dst = st.appendHead(dst)
	dst = append(dst, `,"object":"chat.completion.chunk","created":`...)
	return strconv.AppendInt(dst, created, 10)
}
