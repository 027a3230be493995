package provider

import (
	"strconv"
	"unsafe"

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
	Usage        string // raw usage object, "" when absent or null; aliases the input
	ChoicesEmpty bool   // "choices": [] — the usage chunk of an OpenAI stream
	Finished     bool   // the first choice has a finish_reason
	Error        string // raw top-level "error" value, "" when absent
}

// AppendStamped copies the JSON object obj to dst with the stamp's id, model and provider
// first and the upstream's own id, model and provider dropped; every other member is copied
// byte for byte. obj must be valid JSON (the caller checks once per body or event).
func AppendStamped(dst, obj []byte, st *Stamp) ([]byte, Seen) {
	var seen Seen
	dst = st.appendHead(dst)
	if len(obj) == 0 {
		return append(dst, '}'), seen
	}
	s := unsafe.String(&obj[0], len(obj))
	gjson.Parse(s).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "id", "model", "provider":
			return true
		case "usage":
			if v.IsObject() {
				seen.Usage = v.Raw
			}
		case "choices":
			if v.IsArray() {
				seen.ChoicesEmpty = api.EmptyArray(v.Raw)
				if !seen.ChoicesEmpty {
					fr := gjson.Get(v.Raw, "0.finish_reason")
					seen.Finished = fr.Type == gjson.String && fr.Str != ""
				}
			}
		case "error":
			if v.Type != gjson.Null {
				seen.Error = v.Raw
			}
		}
		dst = append(dst, ',')
		dst = append(dst, s[k.Index:v.Index+len(v.Raw)]...)
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
