package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
	"github.com/switchyard-router/switchyard/core/store/storetest"
)

// countingKeys counts lookups reaching the backing store and can fail them.
type countingKeys struct {
	store.Keys
	lookups atomic.Int64
	fail    atomic.Bool
}

var errDown = errors.New("backing store down")

func (c *countingKeys) Lookup(ctx context.Context, hash string) (store.Key, error) {
	c.lookups.Add(1)
	if c.fail.Load() {
		return store.Key{}, errDown
	}
	return c.Keys.Lookup(ctx, hash)
}

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

func newCached(t *testing.T, o store.CacheOptions) (*store.CachedKeys, *countingKeys, *clock) {
	t.Helper()
	back := &countingKeys{Keys: &memstore.Keys{}}
	clk := &clock{}
	clk.t.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	o.Now = clk.now
	return store.NewCachedKeys(back, o), back, clk
}

func TestCachedKeysServesFromMemoryUntilTTL(t *testing.T) {
	ctx := context.Background()
	c, back, clk := newCached(t, store.CacheOptions{TTL: 30 * time.Second})
	k := store.Key{Hash: "h1", Name: "a"}
	if err := back.Keys.Create(ctx, k); err != nil { // behind the cache's back
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if got, err := c.Lookup(ctx, "h1"); err != nil || got != k {
			t.Fatalf("Lookup = %+v, %v", got, err)
		}
	}
	if n := back.lookups.Load(); n != 1 {
		t.Fatalf("backing lookups = %d, want 1", n)
	}
	clk.advance(29 * time.Second)
	c.Lookup(ctx, "h1")
	if n := back.lookups.Load(); n != 1 {
		t.Fatalf("backing lookups before TTL = %d, want 1", n)
	}
	clk.advance(time.Second)
	c.Lookup(ctx, "h1")
	if n := back.lookups.Load(); n != 2 {
		t.Fatalf("backing lookups after TTL = %d, want 2", n)
	}
}

func TestCachedKeysNotFound(t *testing.T) {
	ctx := context.Background()
	c, back, clk := newCached(t, store.CacheOptions{NotFoundTTL: 5 * time.Second})
	for i := 0; i < 2; i++ {
		if _, err := c.Lookup(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Lookup = %v, want ErrNotFound", err)
		}
	}
	if n := back.lookups.Load(); n != 1 {
		t.Fatalf("backing lookups = %d, want 1 (not found is cached)", n)
	}
	// A key created elsewhere shows up once the negative entry expires.
	back.Keys.Create(ctx, store.Key{Hash: "nope"})
	clk.advance(5 * time.Second)
	if _, err := c.Lookup(ctx, "nope"); err != nil {
		t.Fatalf("Lookup after NotFoundTTL = %v", err)
	}
	// A key created through the cache works at once, replacing a negative entry.
	c.Lookup(ctx, "new")
	if err := c.Create(ctx, store.Key{Hash: "new"}); err != nil {
		t.Fatal(err)
	}
	before := back.lookups.Load()
	if _, err := c.Lookup(ctx, "new"); err != nil {
		t.Fatalf("Lookup after Create = %v", err)
	}
	if back.lookups.Load() != before {
		t.Fatal("Lookup after Create went to the backing store")
	}
}

func TestCachedKeysNeverCachesErrors(t *testing.T) {
	ctx := context.Background()
	c, back, _ := newCached(t, store.CacheOptions{})
	back.fail.Store(true)
	for i := 0; i < 2; i++ {
		if _, err := c.Lookup(ctx, "h"); !errors.Is(err, errDown) {
			t.Fatalf("Lookup = %v, want the backing error", err)
		}
	}
	if n := back.lookups.Load(); n != 2 {
		t.Fatalf("backing lookups = %d, want 2", n)
	}
	if c.Len() != 0 {
		t.Fatalf("Len = %d after errors, want 0", c.Len())
	}
}

func TestCachedKeysBounded(t *testing.T) {
	ctx := context.Background()
	c, _, clk := newCached(t, store.CacheOptions{Max: 64})
	for i := 0; i < 10_000; i++ {
		c.Lookup(ctx, fmt.Sprintf("k%d", i)) // not found: negative entries
		if i%100 == 0 {
			clk.advance(time.Second) // some expire on the way
		}
		if n := c.Len(); n > 64 {
			t.Fatalf("after %d lookups Len = %d, want ≤ 64", i+1, n)
		}
	}
}

func TestCachedKeysConcurrent(t *testing.T) {
	ctx := context.Background()
	c, back, _ := newCached(t, store.CacheOptions{Max: 16})
	for i := 0; i < 32; i++ {
		back.Keys.Create(ctx, store.Key{Hash: fmt.Sprint(i), Name: fmt.Sprint("n", i)})
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				h := fmt.Sprint((i * 7) % 32)
				k, err := c.Lookup(ctx, h)
				if err != nil || k.Name != "n"+h {
					t.Errorf("Lookup(%s) = %+v, %v", h, k, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestCachedKeysConformance runs the store suite with the cache in front of memstore: a
// cache must not change what the Keys contract promises.
func TestCachedKeysConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Set {
		s := memstore.New()
		s.Keys = store.NewCachedKeys(s.Keys, store.CacheOptions{})
		return s
	})
}
