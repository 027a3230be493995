package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/switchyard-router/switchyard/core/store"
)

const t0 = int64(1_760_000_000_000) // Unix ms, on a 5 s bucket boundary

func testStats(t *testing.T, s store.Stats) {
	if s == nil {
		t.Skip("no Stats store")
	}
	ctx := context.Background()
	m, err := s.Snapshot(ctx, "never/recorded")
	if err != nil || m == nil || len(m.Endpoints) != 0 {
		t.Fatalf("Snapshot of an unrecorded model = %+v, %v; want an empty record and no error", m, err)
	}
	err = s.Record(ctx, "acme/model", []store.Sample{
		{Tag: "alpha", At: t0, Outcome: store.OK, TTFT: 200, TPS: 50},
		{Tag: "alpha", At: t0 + 1000, Outcome: store.OK, TTFT: 400, TPS: 70},
		{Tag: "beta/turbo", At: t0 + 2000, Outcome: store.Failed},
	})
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if err := s.Record(ctx, "acme/model", []store.Sample{{Tag: "beta/turbo", At: t0 + 3000, Outcome: store.RateLimited}}); err != nil {
		t.Fatalf("Record: %v", err)
	}
	m, err = s.Snapshot(ctx, "acme/model")
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	now := (t0 + 4000) / 1000
	a, b := m.Endpoint("alpha"), m.Endpoint("beta/turbo")
	if a == nil || b == nil || len(m.Endpoints) != 2 {
		t.Fatalf("Snapshot endpoints = %+v, want alpha and beta/turbo", m.Endpoints)
	}
	if got := a.Recent30s(now); got != (store.Counts{OK: 2}) {
		t.Errorf("alpha Recent30s = %+v, want 2 OK", got)
	}
	if got := b.Recent30s(now); got != (store.Counts{Failed: 1, Limited: 1}) {
		t.Errorf("beta Recent30s = %+v, want 1 failed, 1 rate limited", got)
	}
	if got := b.Recent30s(now + 40); got != (store.Counts{}) {
		t.Errorf("beta Recent30s 40 s later = %+v, want nothing", got)
	}
	if got := b.Uptime(now, 1800); got != (store.Counts{Failed: 1, Limited: 1}) {
		t.Errorf("beta Uptime(30 min) = %+v", got)
	}
	if a.RouteTTFT[0] != 200 || a.RouteTTFT[3] != 400 || a.RouteTPS[0] != 50 || a.Updated != t0+1000 {
		t.Errorf("alpha speed: TTFT %v TPS %v updated %d", a.RouteTTFT, a.RouteTPS, a.Updated)
	}
	if other, _ := s.Snapshot(ctx, "acme/other"); len(other.Endpoints) != 0 {
		t.Errorf("records leak between models: %+v", other)
	}
	// A snapshot is a consistent record: a later Record does not change it.
	before := a.Recent30s(now)
	if err := s.Record(ctx, "acme/model", []store.Sample{{Tag: "alpha", At: t0 + 3500, Outcome: store.Failed}}); err != nil {
		t.Fatal(err)
	}
	if got := a.Recent30s(now); got != before {
		t.Errorf("a Record changed an earlier snapshot: %+v, was %+v", got, before)
	}
	if again, _ := s.Snapshot(ctx, "acme/model"); again.Endpoint("alpha").Recent30s(now).Failed != 1 {
		t.Error("the Record is not in a later snapshot")
	}
}

// testConcurrentRecord: concurrent writers never fail or corrupt the record. (Stores on
// eventually consistent KV may lose some of their updates, which routing tolerates.)
func testConcurrentRecord(t *testing.T, s store.Stats) {
	if s == nil {
		t.Skip("no Stats store")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Record(context.Background(), "acme/model", []store.Sample{{Tag: "alpha", At: t0 + int64(i), Outcome: store.OK, TTFT: 100, TPS: 10}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	m, err := s.Snapshot(context.Background(), "acme/model")
	if err != nil || m.Endpoint("alpha") == nil {
		t.Fatalf("Snapshot after concurrent records = %+v, %v", m, err)
	}
	if n := m.Endpoint("alpha").Recent30s(t0 / 1000).OK; n < 1 || n > 8 {
		t.Errorf("%d successes recorded by 8 writers", n)
	}
}

func testSticky(t *testing.T, s store.Sticky) {
	if s == nil {
		t.Skip("no Sticky store")
	}
	ctx := context.Background()
	if _, err := s.Get(ctx, "absent"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get(absent) error = %v, want ErrNotFound", err)
	}
	p := store.Pin{Model: "acme/model", Tag: "beta/turbo", Expires: 1_760_000_600}
	if err := s.Put(ctx, "k1", p); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got, err := s.Get(ctx, "k1"); err != nil || got != p {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, p)
	}
	if _, err := s.Get(ctx, "K1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get is not exact on the key: %v", err)
	}
	p.Tag, p.Expires = "alpha", 1_760_000_900
	if err := s.Put(ctx, "k1", p); err != nil {
		t.Fatalf("Put (replace): %v", err)
	}
	if got, _ := s.Get(ctx, "k1"); got != p {
		t.Errorf("Get after replace = %+v, want %+v", got, p)
	}
	if err := s.Put(ctx, "k1", store.Pin{}); err != nil {
		t.Fatalf("Put (remove): %v", err)
	}
	if _, err := s.Get(ctx, "k1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after removal error = %v, want ErrNotFound", err)
	}
}
