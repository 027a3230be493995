package store

import (
	"context"
	"sync"
	"time"
)

// CachedStats is routing's memory in two tiers: a record per model in this process,
// answering every Snapshot after the first, in front of a shared store (KVStats over Workers
// KV) that a cold process reads once per model and that receives this process's samples in
// batches. A Worker isolate thereby routes on what other isolates learned before it started,
// reads KV once per model instead of once per request, and writes at most once per
// FlushEvery per model (Workers KV allows one write per second per key, and every write is
// a read-modify-write that concurrent writers may lose, which routing tolerates).
//
// The local record is what this process saw on top of the shared record it started from;
// it does not re-read the shared one. Snapshot results are shared and must not be modified.
type CachedStats struct {
	shared Stats
	every  time.Duration
	max    int
	now    func() time.Time

	mu     sync.Mutex
	models map[string]*cachedModel
}

type cachedModel struct {
	rec     *ModelStats // copy on write, like memstore's
	pending []Sample    // recorded here, not yet in the shared store
	flushed time.Time   // the last flush began (zero: never)
	busy    bool        // a flush is running
}

// StatsCacheOptions tunes NewCachedStats; zero values take the defaults.
type StatsCacheOptions struct {
	FlushEvery time.Duration    // least time between writes of one model; default 10 s
	Max        int              // models kept; default 1024 (the catalog has far fewer)
	Now        func() time.Time // the clock; default time.Now
}

// maxPending bounds the samples waiting for a flush per model; the oldest go first.
const maxPending = 256

// NewCachedStats returns a two-tier Stats over shared.
func NewCachedStats(shared Stats, o StatsCacheOptions) *CachedStats {
	c := &CachedStats{shared: shared, every: o.FlushEvery, max: o.Max, now: o.Now, models: map[string]*cachedModel{}}
	if c.every <= 0 {
		c.every = 10 * time.Second
	}
	if c.max <= 0 {
		c.max = 1024
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

var _ Stats = (*CachedStats)(nil)

// Snapshot answers from memory, loading model's shared record the first time. A failed
// load answers an empty record (routing must not fail for want of stats) and is retried
// by the next request.
func (c *CachedStats) Snapshot(ctx context.Context, model string) (*ModelStats, error) {
	c.mu.Lock()
	m := c.models[model]
	c.mu.Unlock()
	if m != nil {
		return m.rec, nil
	}
	rec, err := c.shared.Snapshot(ctx, model)
	if err != nil || rec == nil {
		return &ModelStats{}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.models[model]; m != nil { // loaded meanwhile, maybe with samples since
		return m.rec, nil
	}
	c.add(model, &cachedModel{rec: rec})
	return rec, nil
}

// Record folds samples into the local record at once and into the shared one when
// FlushEvery has passed since the last flush of model (the caller runs Record after the
// response, so the write costs no latency). A failed flush keeps its samples for the next.
func (c *CachedStats) Record(ctx context.Context, model string, samples []Sample) error {
	c.mu.Lock()
	m := c.models[model]
	if m == nil {
		// Recorded before any Snapshot here: start from nothing rather than read now; the
		// flush folds these samples into the shared record anyway.
		m = &cachedModel{}
		c.add(model, m)
	}
	rec := m.rec.Clone()
	rec.Fold(samples)
	m.rec = rec
	m.pending = append(m.pending, samples...)
	if over := len(m.pending) - maxPending; over > 0 {
		m.pending = append(m.pending[:0], m.pending[over:]...)
	}
	now := c.now()
	if m.busy || now.Sub(m.flushed) < c.every {
		c.mu.Unlock()
		return nil
	}
	batch := m.pending
	m.pending, m.flushed, m.busy = nil, now, true
	c.mu.Unlock()

	err := c.shared.Record(ctx, model, batch)
	c.mu.Lock()
	m.busy = false
	if err != nil { // put the batch back in front of what arrived meanwhile
		m.pending = append(batch, m.pending...)
		if over := len(m.pending) - maxPending; over > 0 {
			m.pending = m.pending[over:]
		}
	}
	c.mu.Unlock()
	return err
}

// add stores m under model, first dropping an arbitrary model when full (its pending
// samples are lost, which routing tolerates; a full map means ids outside the catalog).
func (c *CachedStats) add(model string, m *cachedModel) {
	if len(c.models) >= c.max {
		for k := range c.models {
			delete(c.models, k)
			break
		}
	}
	c.models[model] = m
}
