package store

import (
	"errors"
	"strconv"

	"github.com/tidwall/gjson"
)

// The stats codec is for stores that keep a model's record as one value (a KV entry, a
// database row): a compact JSON document, written with appends and read with gjson, so the
// record costs no reflection on the request path. Empty buckets and speed slots are left
// out, so an idle endpoint costs a few bytes.
//
//	{"v":1,"e":[{"t":"groq","u":1760000000000,
//	  "r":[[epoch,ok,failed,limited],...],"h":[...],"d":[...],
//	  "s":[[at,ttft,tps],...],"n":3,"pt":[p50,p75,p90,p99],"ps":[...]}]}

// ErrBadStats is returned by ParseModelStats for a value it cannot read.
var ErrBadStats = errors.New("store: malformed stats record")

// AppendModelStats appends the JSON form of m.
func AppendModelStats(dst []byte, m *ModelStats) []byte {
	dst = append(dst, `{"v":1,"e":[`...)
	n := 0
	for _, e := range m.Endpoints {
		if !plainTag(e.Tag) {
			continue // not a catalog tag; nothing to route by
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, `{"t":"`...)
		dst = append(dst, e.Tag...)
		dst = append(dst, `","u":`...)
		dst = strconv.AppendInt(dst, e.Updated, 10)
		dst = appendRing(dst, `,"r":`, e.Recent[:])
		dst = appendRing(dst, `,"h":`, e.HalfHour[:])
		dst = appendRing(dst, `,"d":`, e.Day[:])
		dst = append(dst, `,"s":[`...)
		k := 0
		for _, s := range e.Speed {
			if s.At == 0 {
				continue
			}
			if k > 0 {
				dst = append(dst, ',')
			}
			k++
			dst = append(dst, '[')
			dst = strconv.AppendInt(dst, s.At, 10)
			dst = append(dst, ',')
			dst = appendFloat(dst, s.TTFT)
			dst = append(dst, ',')
			dst = appendFloat(dst, s.TPS)
			dst = append(dst, ']')
		}
		dst = append(dst, `],"n":`...)
		dst = strconv.AppendInt(dst, int64(e.Next), 10)
		dst = appendFloats(dst, `,"pt":`, e.RouteTTFT)
		dst = appendFloats(dst, `,"ps":`, e.RouteTPS)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

func appendRing(dst []byte, name string, ring []Bucket) []byte {
	dst = append(dst, name...)
	dst = append(dst, '[')
	k := 0
	for _, b := range ring {
		if b.Epoch == 0 {
			continue
		}
		if k > 0 {
			dst = append(dst, ',')
		}
		k++
		dst = append(dst, '[')
		dst = strconv.AppendInt(dst, b.Epoch, 10)
		for _, v := range [3]uint32{b.OK, b.Failed, b.Limited} {
			dst = append(dst, ',')
			dst = strconv.AppendUint(dst, uint64(v), 10)
		}
		dst = append(dst, ']')
	}
	return append(dst, ']')
}

func appendFloats(dst []byte, name string, v [4]float32) []byte {
	dst = append(dst, name...)
	dst = append(dst, '[')
	for i, f := range v {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendFloat(dst, f)
	}
	return append(dst, ']')
}

func appendFloat(dst []byte, f float32) []byte {
	return strconv.AppendFloat(dst, float64(f), 'g', -1, 32)
}

// plainTag reports whether a tag can be written between quotes as is: catalog tags are
// lower-case slugs with '/', '-', '.' and '_'.
func plainTag(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// ParseModelStats reads a record written by AppendModelStats. Buckets that fall outside a
// ring's slots are dropped, so a damaged value cannot make the record misbehave.
func ParseModelStats(data []byte) (*ModelStats, error) {
	if !gjson.ValidBytes(data) {
		return nil, ErrBadStats
	}
	root := gjson.ParseBytes(data)
	if root.Get("v").Int() != 1 {
		return nil, ErrBadStats
	}
	m := &ModelStats{}
	root.Get("e").ForEach(func(_, e gjson.Result) bool {
		r := e.Get("t")
		if r.Type != gjson.String || !plainTag(r.Str) || len(m.Endpoints) >= maxEndpoints {
			return true
		}
		es := EndpointStats{Tag: r.Str, Updated: e.Get("u").Int(), Next: int(e.Get("n").Int()) % maxSamples}
		if es.Next < 0 {
			es.Next = 0
		}
		readRing(e.Get("r"), es.Recent[:])
		readRing(e.Get("h"), es.HalfHour[:])
		readRing(e.Get("d"), es.Day[:])
		k := 0
		e.Get("s").ForEach(func(_, s gjson.Result) bool {
			if k >= maxSamples {
				return false
			}
			es.Speed[k] = SpeedSample{At: s.Get("0").Int(), TTFT: float32(s.Get("1").Float()), TPS: float32(s.Get("2").Float())}
			k++
			return true
		})
		readFloats(e.Get("pt"), &es.RouteTTFT)
		readFloats(e.Get("ps"), &es.RouteTPS)
		m.Endpoints = append(m.Endpoints, &es)
		return true
	})
	return m, nil
}

func readRing(v gjson.Result, ring []Bucket) {
	v.ForEach(func(_, b gjson.Result) bool {
		epoch := b.Get("0").Int()
		if epoch <= 0 {
			return true
		}
		ring[epoch%int64(len(ring))] = Bucket{Epoch: epoch, OK: uint32(b.Get("1").Uint()), Failed: uint32(b.Get("2").Uint()), Limited: uint32(b.Get("3").Uint())}
		return true
	})
}

func readFloats(v gjson.Result, dst *[4]float32) {
	i := 0
	v.ForEach(func(_, f gjson.Result) bool {
		dst[i] = float32(f.Float())
		i++
		return i < len(dst)
	})
}
