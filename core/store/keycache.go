package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// CachedKeys is Keys with a small in-memory cache in front of another Keys. A process that
// serves many requests (the Worker's one Go instance per isolate, a warm Lambda) uses it so
// that most requests authenticate without a round trip to the backing store: every chat
// request looks its key up, and a Workers KV read costs a subrequest, latency and, on the
// free plan, one of 100,000 reads a day.
//
// Entries live for TTL (answers "not found" for NotFoundTTL), and the cache holds at most
// Max of them, so memory stays bounded whatever keys clients present. Errors other than
// ErrNotFound are never cached. Create writes through, so a key made by this process
// works at once.
//
// Note: a key disabled or deleted in the backing store keeps working here until its entry
// expires. With a TTL of 30 s that is within Workers KV's own propagation delay (60 s or
// more across locations).
//
// Concurrent lookups of one uncached key each go to the backing store: sharing one lookup
// would make a request wait on another request's I/O, which the Worker cannot allow (see
// edge/README.md).
type CachedKeys struct {
	backing     Keys
	ttl, notTTL time.Duration
	max         int
	now         func() time.Time

	mu sync.Mutex
	m  map[string]keyEntry
}

type keyEntry struct {
	key     Key
	found   bool
	expires int64 // Unix nanoseconds
}

// CacheOptions configures NewCachedKeys. Zero values take the defaults.
type CacheOptions struct {
	TTL         time.Duration    // how long a found key is served from memory; default 30 s
	NotFoundTTL time.Duration    // how long "not found" is; default 5 s; negative: never cached
	Max         int              // entries kept; default 4096 (about 1 MB)
	Now         func() time.Time // the clock; default time.Now
}

// NewCachedKeys returns a cache in front of backing.
func NewCachedKeys(backing Keys, o CacheOptions) *CachedKeys {
	c := &CachedKeys{backing: backing, ttl: o.TTL, notTTL: o.NotFoundTTL, max: o.Max, now: o.Now, m: map[string]keyEntry{}}
	if c.ttl <= 0 {
		c.ttl = 30 * time.Second
	}
	if c.notTTL == 0 {
		c.notTTL = 5 * time.Second
	}
	if c.max <= 0 {
		c.max = 4096
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

var _ Keys = (*CachedKeys)(nil)

// Lookup answers from memory while the entry is fresh, else from the backing store.
func (c *CachedKeys) Lookup(ctx context.Context, hash string) (Key, error) {
	now := c.now().UnixNano()
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if ok && now < e.expires {
		if !e.found {
			return Key{}, ErrNotFound
		}
		return e.key, nil
	}
	k, err := c.backing.Lookup(ctx, hash)
	switch {
	case err == nil:
		c.put(hash, keyEntry{key: k, found: true, expires: now + int64(c.ttl)}, now)
	case errors.Is(err, ErrNotFound) && c.notTTL > 0:
		c.put(hash, keyEntry{expires: now + int64(c.notTTL)}, now)
	}
	return k, err
}

// Create stores k in the backing store and, once stored, in the cache.
func (c *CachedKeys) Create(ctx context.Context, k Key) error {
	if err := c.backing.Create(ctx, k); err != nil {
		return err
	}
	now := c.now().UnixNano()
	c.put(k.Hash, keyEntry{key: k, found: true, expires: now + int64(c.ttl)}, now)
	return nil
}

// Len reports how many entries the cache holds, fresh or not.
func (c *CachedKeys) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// put stores e, making room first when the cache is full: an expired entry if one of the
// first few looked at is, else whichever entry map iteration yields first (Go randomises
// where iteration starts, so that is a random eviction, at O(1) cost).
func (c *CachedKeys) put(hash string, e keyEntry, now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[hash]; !ok && len(c.m) >= c.max {
		victim, looked := "", 0
		for h, old := range c.m {
			if victim == "" {
				victim = h
			}
			if old.expires <= now || looked == 8 {
				victim = h
				break
			}
			looked++
		}
		delete(c.m, victim)
	}
	c.m[hash] = e
}
