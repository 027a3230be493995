package store

import (
	"context"
	"slices"
)

// Stats is the routing memory every instance shares: per endpoint, recent outcomes and
// speed. The Worker may run a fresh Go instance per request, so the router reads a model's
// record once per request and folds the request's attempts into it after the response
// (through Config.Defer). Staleness is acceptable; implementations may lose an update under
// concurrent writers (a KV read-modify-write does), but never fail a Snapshot for a model
// never recorded.
type Stats interface {
	// Snapshot returns model's record; for a model never recorded, an empty record and no
	// error. The caller must not modify the result (an in-memory store may share it).
	Snapshot(ctx context.Context, model string) (*ModelStats, error)
	// Record folds samples into model's record (see ModelStats.Fold).
	Record(ctx context.Context, model string, samples []Sample) error
}

// Sticky keeps sticky-routing pins: which endpoint served a conversation last
// (shared/spec/openrouter-api.md §10.2). Expiry is the caller's to check against its own
// clock; implementations may also drop expired pins.
type Sticky interface {
	// Get returns the pin under key, or ErrNotFound.
	Get(ctx context.Context, key string) (Pin, error)
	// Put stores p under key; a Pin with an empty Tag removes it.
	Put(ctx context.Context, key string, p Pin) error
}

// Pin says a conversation was last served by one endpoint of one model.
type Pin struct {
	Model   string `json:"model"`
	Tag     string `json:"tag"`
	Expires int64  `json:"expires"` // Unix seconds
}

// Outcome is how an attempt at an endpoint ended.
type Outcome uint8

const (
	OK          Outcome = iota // answered (the stream may still have failed later)
	Failed                     // 5xx, timeout, connection error, invalid response, lost model
	RateLimited                // 429: the endpoint works but is at capacity
)

// Sample is one attempt's outcome at one endpoint.
type Sample struct {
	Tag     string
	At      int64 // Unix milliseconds
	Outcome Outcome
	// TTFT is the time to first token in milliseconds and TPS the output tokens per second
	// after it, for successful attempts that measured them; 0 otherwise.
	TTFT, TPS float32
}

// Window sizes. Health looks at the last 30 seconds (OpenRouter's "significant outages in
// the last 30 seconds", §3.2); the endpoints API reports uptime over 5 and 30 minutes and a
// day, and speed percentiles over 30 minutes; routing uses speed over 5 minutes (§3.1).
const (
	healthBucket  = 5    // seconds per bucket of Recent
	minuteBucket  = 300  // seconds per bucket of HalfHour
	hourBucket    = 3600 // seconds per bucket of Day
	RouteSpeedAge = 300  // seconds of speed samples that routing's percentiles cover
	maxEndpoints  = 64   // endpoints kept per model; the least recently updated goes first
	maxSamples    = 16   // speed samples kept per endpoint
	msPerSecond   = 1000
)

// ModelStats is the record of one model's endpoints. Endpoint records are shared between
// copies and never modified once in a ModelStats (Fold replaces the ones it changes), so a
// snapshot stays valid while the store moves on, and a Clone copies pointers, not the
// 1.2 KB records.
type ModelStats struct {
	Endpoints []*EndpointStats
}

// EndpointStats is one endpoint's record: outcome counts in three rings of time buckets and
// the latest speed samples, with routing's percentiles precomputed at the last update so a
// request reads them without sorting anything.
type EndpointStats struct {
	Tag      string
	Updated  int64      // Unix milliseconds of the newest sample
	Recent   [6]Bucket  // 5 s buckets: the last 30 s
	HalfHour [6]Bucket  // 5 min buckets: the last 30 min
	Day      [24]Bucket // 1 h buckets: the last day
	Speed    [maxSamples]SpeedSample
	Next     int // ring position of the next speed sample
	// RouteTTFT and RouteTPS are p50, p75, p90, p99 over the speed samples of the 5 minutes
	// before Updated; 0 where there are none.
	RouteTTFT, RouteTPS [4]float32
}

// Bucket counts outcomes in one time slot; Epoch is the slot number (Unix seconds divided
// by the bucket size), so a stale bucket is recognised and reset when its slot comes round.
type Bucket struct {
	Epoch               int64
	OK, Failed, Limited uint32
}

// SpeedSample is one successful attempt's speed.
type SpeedSample struct {
	At        int64 // Unix milliseconds; 0 marks an empty slot
	TTFT, TPS float32
}

// Endpoint returns the record of the endpoint with the given tag, or nil.
func (m *ModelStats) Endpoint(tag string) *EndpointStats {
	if m == nil {
		return nil
	}
	if i := m.index(tag); i >= 0 {
		return m.Endpoints[i]
	}
	return nil
}

func (m *ModelStats) index(tag string) int {
	for i, e := range m.Endpoints {
		if e.Tag == tag {
			return i
		}
	}
	return -1
}

// Clone returns a copy that Fold may change without changing m.
func (m *ModelStats) Clone() *ModelStats {
	if m == nil {
		return &ModelStats{}
	}
	return &ModelStats{Endpoints: slices.Clone(m.Endpoints)}
}

// Fold adds samples to the record. Every implementation of Stats.Record calls it, so the
// arithmetic is the same everywhere.
func (m *ModelStats) Fold(samples []Sample) {
	for _, s := range samples {
		if s.Tag == "" {
			continue
		}
		e := &EndpointStats{Tag: s.Tag}
		if i := m.index(s.Tag); i >= 0 {
			*e = *m.Endpoints[i] // copy on write: snapshots may hold the old record
			m.Endpoints[i] = e
		} else {
			if len(m.Endpoints) >= maxEndpoints {
				oldest := 0
				for i := range m.Endpoints {
					if m.Endpoints[i].Updated < m.Endpoints[oldest].Updated {
						oldest = i
					}
				}
				m.Endpoints = slices.Delete(m.Endpoints, oldest, oldest+1)
			}
			m.Endpoints = append(m.Endpoints, e)
		}
		e.add(s)
	}
}

func (e *EndpointStats) add(s Sample) {
	sec := s.At / msPerSecond
	count(e.Recent[:], sec, healthBucket, s.Outcome)
	count(e.HalfHour[:], sec, minuteBucket, s.Outcome)
	count(e.Day[:], sec, hourBucket, s.Outcome)
	e.Updated = max(e.Updated, s.At)
	if s.Outcome == OK && (s.TTFT > 0 || s.TPS > 0) {
		e.Speed[e.Next%maxSamples] = SpeedSample{At: s.At, TTFT: s.TTFT, TPS: s.TPS}
		e.Next = (e.Next + 1) % maxSamples
	}
	e.RouteTTFT, e.RouteTPS = e.Percentiles(e.Updated/msPerSecond, RouteSpeedAge)
}

func count(ring []Bucket, sec, size int64, o Outcome) {
	epoch := sec / size
	b := &ring[epoch%int64(len(ring))]
	if b.Epoch != epoch {
		if b.Epoch > epoch {
			return // a sample older than the ring covers
		}
		*b = Bucket{Epoch: epoch}
	}
	switch o {
	case OK:
		b.OK++
	case Failed:
		b.Failed++
	case RateLimited:
		b.Limited++
	}
}

// Counts are outcome totals over a window.
type Counts struct{ OK, Failed, Limited int }

func sum(ring []Bucket, now, size, span int64) Counts {
	var c Counts
	first := (now - span) / size // buckets whose slot starts within the span, roughly
	last := now / size
	for _, b := range ring {
		if b.Epoch > first && b.Epoch <= last {
			c.OK += int(b.OK)
			c.Failed += int(b.Failed)
			c.Limited += int(b.Limited)
		}
	}
	return c
}

// Recent30s returns the outcomes of the last 30 seconds (to a 5 s bucket) as of now (Unix
// seconds): the health window.
func (e *EndpointStats) Recent30s(now int64) Counts { return sum(e.Recent[:], now, healthBucket, 30) }

// Uptime returns the outcomes over the last span seconds as of now: 300 and 1800 from the
// 5-minute ring, 86400 from the hourly one.
func (e *EndpointStats) Uptime(now, span int64) Counts {
	if span <= 1800 {
		return sum(e.HalfHour[:], now, minuteBucket, span)
	}
	return sum(e.Day[:], now, hourBucket, span)
}

// Percentiles returns p50, p75, p90 and p99 of time to first token (ms) and throughput
// (tokens/s) over the speed samples of the last span seconds as of now; zeros without data.
func (e *EndpointStats) Percentiles(now, span int64) (ttft, tps [4]float32) {
	var a, b [maxSamples]float32
	na, nb := 0, 0
	from := (now - span) * msPerSecond
	for _, s := range e.Speed {
		if s.At == 0 || s.At < from {
			continue
		}
		if s.TTFT > 0 {
			a[na] = s.TTFT
			na++
		}
		if s.TPS > 0 {
			b[nb] = s.TPS
			nb++
		}
	}
	return pct(a[:na]), pct(b[:nb])
}

// pct is the nearest-rank percentile at 50, 75, 90 and 99.
func pct(v []float32) (out [4]float32) {
	if len(v) == 0 {
		return out
	}
	// Insertion sort: at most maxSamples values, and no generic sort's deep frames on the
	// small stack of the goroutine that records after the response.
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	for i, p := range [4]int{50, 75, 90, 99} {
		r := (p*len(v) + 99) / 100 // ceil(p/100 × n), 1-based
		out[i] = v[max(r, 1)-1]
	}
	return out
}
