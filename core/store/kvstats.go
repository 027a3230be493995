package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/tidwall/gjson"
)

// KV is the smallest key-value store a platform offers: Workers KV, a DynamoDB table, a
// Redis. KVStats builds routing's stores on it, so a platform supplies two methods and the
// record format, folding and pin expiry stay in core, tested once.
type KV interface {
	// Get returns the value under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put stores val under key; with ttl > 0 the store may drop it after ttl.
	Put(ctx context.Context, key string, val []byte, ttl time.Duration) error
}

// KVStats is Stats and Sticky over a KV: one value per model ("stats:<model>", the JSON of
// AppendModelStats) and one per sticky pin ("pin:<key>"). Record is a read-modify-write,
// so concurrent writers may lose each other's samples, which routing tolerates; on Workers
// KV (one write per second per key, eventually consistent across locations) the Worker
// should keep a per-isolate memstore in front and write through now and then rather than on
// every request. Keys stay within Workers KV's 512-byte limit for catalog model ids.
type KVStats struct {
	KV     KV
	Prefix string // namespaces the keys, e.g. "routing:"
}

var (
	_ Stats  = KVStats{}
	_ Sticky = KVStats{}
)

// statsTTL lets a model's record expire a day after its last write: everything in it
// describes the last day at most.
const statsTTL = 24 * time.Hour

// minTTL is the shortest expiry Workers KV accepts.
const minTTL = 60 * time.Second

func (s KVStats) Snapshot(ctx context.Context, model string) (*ModelStats, error) {
	raw, err := s.KV.Get(ctx, s.Prefix+"stats:"+model)
	switch {
	case errors.Is(err, ErrNotFound):
		return &ModelStats{}, nil
	case err != nil:
		return nil, err
	}
	m, err := ParseModelStats(raw)
	if err != nil {
		return &ModelStats{}, nil // a damaged record is as good as none; the next Record replaces it
	}
	return m, nil
}

func (s KVStats) Record(ctx context.Context, model string, samples []Sample) error {
	m, err := s.Snapshot(ctx, model)
	if err != nil {
		return err
	}
	m.Fold(samples)
	return s.KV.Put(ctx, s.Prefix+"stats:"+model, AppendModelStats(nil, m), statsTTL)
}

func (s KVStats) Get(ctx context.Context, key string) (Pin, error) {
	raw, err := s.KV.Get(ctx, s.Prefix+"pin:"+key)
	if err != nil {
		return Pin{}, err
	}
	if !gjson.ValidBytes(raw) {
		return Pin{}, ErrNotFound
	}
	r := gjson.GetManyBytes(raw, "model", "tag", "expires")
	p := Pin{Model: r[0].Str, Tag: r[1].Str, Expires: r[2].Int()}
	if p.Tag == "" {
		return Pin{}, ErrNotFound // removed
	}
	return p, nil
}

// Put stores the pin until it expires (KV has no conditional delete, so a removed pin is
// an empty value that expires at the store's minimum TTL).
func (s KVStats) Put(ctx context.Context, key string, p Pin) error {
	val := []byte(`{}`)
	ttl := minTTL
	if p.Tag != "" {
		val = appendPin(nil, p)
		ttl = max(time.Until(time.Unix(p.Expires, 0))+time.Minute, minTTL)
	}
	return s.KV.Put(ctx, s.Prefix+"pin:"+key, val, ttl)
}

func appendPin(dst []byte, p Pin) []byte {
	dst = append(dst, `{"model":`...)
	dst = appendJSONString(dst, p.Model)
	dst = append(dst, `,"tag":`...)
	dst = appendJSONString(dst, p.Tag)
	dst = append(dst, `,"expires":`...)
	dst = strconv.AppendInt(dst, p.Expires, 10)
	return append(dst, '}')
}

// appendJSONString quotes catalog ids and tags, escaping what JSON requires.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
