package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// countingStats is a shared tier that counts its calls and can fail.
type countingStats struct {
	KVStats
	snapshots, records int
	fail               bool
}

func (s *countingStats) Snapshot(ctx context.Context, model string) (*ModelStats, error) {
	s.snapshots++
	if s.fail {
		return nil, errors.New("kv down")
	}
	return s.KVStats.Snapshot(ctx, model)
}

func (s *countingStats) Record(ctx context.Context, model string, samples []Sample) error {
	s.records++
	if s.fail {
		return errors.New("kv down")
	}
	return s.KVStats.Record(ctx, model, samples)
}

func newShared() *countingStats {
	return &countingStats{KVStats: KVStats{KV: &memKV{vals: map[string][]byte{}, ttls: map[string]time.Duration{}}}}
}

func TestCachedStatsColdReadsShared(t *testing.T) {
	ctx := context.Background()
	shared := newShared()
	// What an earlier process left in the shared store...
	if err := shared.KVStats.Record(ctx, "m", []Sample{{Tag: "a", At: t0, Outcome: Failed}}); err != nil {
		t.Fatal(err)
	}
	c := NewCachedStats(shared, StatsCacheOptions{})
	for range 3 {
		m, err := c.Snapshot(ctx, "m")
		if err != nil || m.Endpoint("a") == nil || m.Endpoint("a").Recent30s(t0/1000) != (Counts{Failed: 1}) {
			t.Fatalf("Snapshot = %+v, %v; want the shared record", m, err)
		}
	}
	// ... is read once, then served from memory.
	if shared.snapshots != 1 {
		t.Errorf("%d shared reads for 3 snapshots, want 1", shared.snapshots)
	}
}

func TestCachedStatsFlushesInBatches(t *testing.T) {
	ctx := context.Background()
	shared := newShared()
	now := time.Unix(t0/1000, 0)
	c := NewCachedStats(shared, StatsCacheOptions{FlushEvery: 10 * time.Second, Now: func() time.Time { return now }})
	for i := range 5 {
		now = now.Add(time.Second)
		if err := c.Record(ctx, "m", []Sample{{Tag: "a", At: now.UnixMilli(), Outcome: OK}}); err != nil {
			t.Fatal(err)
		}
		if m, _ := c.Snapshot(ctx, "m"); m.Endpoint("a").Recent30s(now.Unix()).OK != i+1 {
			t.Fatalf("local record after %d samples: %+v", i+1, m.Endpoint("a").Recent30s(now.Unix()))
		}
	}
	// The first Record flushed at once; the next four wait for FlushEvery.
	if shared.records != 1 {
		t.Fatalf("%d shared writes after 5 records within 5 s, want 1", shared.records)
	}
	now = now.Add(10 * time.Second)
	if err := c.Record(ctx, "m", []Sample{{Tag: "a", At: now.UnixMilli(), Outcome: OK}}); err != nil {
		t.Fatal(err)
	}
	if shared.records != 2 {
		t.Fatalf("%d shared writes after FlushEvery, want 2", shared.records)
	}
	m, _ := shared.KVStats.Snapshot(ctx, "m")
	if got := m.Endpoint("a").Uptime(now.Unix(), 300); got.OK != 6 {
		t.Errorf("shared record holds %+v, want all 6 samples", got)
	}
}

func TestCachedStatsSurvivesSharedFailure(t *testing.T) {
	ctx := context.Background()
	shared := newShared()
	shared.fail = true
	now := time.Unix(t0/1000, 0)
	c := NewCachedStats(shared, StatsCacheOptions{FlushEvery: time.Second, Now: func() time.Time { return now }})
	if m, err := c.Snapshot(ctx, "m"); err != nil || len(m.Endpoints) != 0 {
		t.Fatalf("Snapshot with the shared store down = %+v, %v; want an empty record, no error", m, err)
	}
	if err := c.Record(ctx, "m", []Sample{{Tag: "a", At: now.UnixMilli(), Outcome: OK}}); err == nil {
		t.Fatal("Record: no error from a failed flush")
	}
	shared.fail = false
	now = now.Add(2 * time.Second)
	if err := c.Record(ctx, "m", []Sample{{Tag: "a", At: now.UnixMilli(), Outcome: OK}}); err != nil {
		t.Fatal(err)
	}
	// The failed batch went out with the next one.
	m, _ := shared.KVStats.Snapshot(ctx, "m")
	if got := m.Endpoint("a").Uptime(now.Unix(), 300); got.OK != 2 {
		t.Errorf("shared record holds %+v, want both samples", got)
	}
}

func TestCachedStatsBounded(t *testing.T) {
	ctx := context.Background()
	c := NewCachedStats(newShared(), StatsCacheOptions{Max: 8})
	for i := range 100 {
		c.Snapshot(ctx, string(rune('a'+i%26))+string(rune('0'+i/26)))
	}
	if n := len(c.models); n > 8 {
		t.Errorf("%d models kept, want at most 8", n)
	}
	now := time.Unix(t0/1000, 0)
	c = NewCachedStats(newShared(), StatsCacheOptions{FlushEvery: time.Hour, Now: func() time.Time { return now }})
	for range 2 * maxPending {
		c.Record(ctx, "m", []Sample{{Tag: "a", At: now.UnixMilli(), Outcome: OK}})
	}
	if n := len(c.models["m"].pending); n > maxPending {
		t.Errorf("%d samples pending, want at most %d", n, maxPending)
	}
}
