// Package memstore keeps Switchyard's state in memory: for tests, the native dev server and
// the wazero guest. It is safe for concurrent use.
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/switchyard-router/switchyard/core/store"
)

// Keys is an in-memory store.Keys.
type Keys struct {
	mu   sync.RWMutex
	keys map[string]store.Key
}

func (k *Keys) Lookup(_ context.Context, hash string) (store.Key, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	v, ok := k.keys[hash]
	if !ok {
		return store.Key{}, store.ErrNotFound
	}
	return v, nil
}

func (k *Keys) Create(_ context.Context, key store.Key) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[key.Hash]; ok {
		return store.ErrExists
	}
	if k.keys == nil {
		k.keys = make(map[string]store.Key)
	}
	k.keys[key.Hash] = key
	return nil
}

// Stats is an in-memory store.Stats. Records are copied on write: Record folds into a copy
// and swaps it in under a lock, so concurrent requests never lose an update, and Snapshot
// hands out the current record without copying it (on the request path).
type Stats struct {
	mu     sync.Mutex
	models map[string]*store.ModelStats
}

var empty = &store.ModelStats{}

func (s *Stats) Snapshot(_ context.Context, model string) (*store.ModelStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.models[model]; m != nil {
		return m, nil
	}
	return empty, nil
}

func (s *Stats) Record(_ context.Context, model string, samples []store.Sample) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.models[model].Clone()
	m.Fold(samples)
	if s.models == nil {
		s.models = make(map[string]*store.ModelStats)
	}
	s.models[model] = m
	return nil
}

// Sticky is an in-memory store.Sticky.
type Sticky struct {
	mu   sync.Mutex
	pins map[string]store.Pin
}

func (s *Sticky) Get(_ context.Context, key string) (store.Pin, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pins[key]
	if !ok {
		return store.Pin{}, store.ErrNotFound
	}
	return p, nil
}

func (s *Sticky) Put(_ context.Context, key string, p store.Pin) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Tag == "" {
		delete(s.pins, key)
		return nil
	}
	if s.pins == nil {
		s.pins = make(map[string]store.Pin)
	}
	// Pins that expired long before this one was set are swept now and then, so a
	// long-running dev server stays bounded.
	if len(s.pins) >= 4096 {
		for k, old := range s.pins {
			if old.Expires+3600 < p.Expires {
				delete(s.pins, k)
			}
		}
	}
	s.pins[key] = p
	return nil
}

// KV is an in-memory store.KV, for running store.KVStats in tests. It keeps values
// forever (the TTL is remembered, not enforced).
type KV struct {
	mu   sync.Mutex
	vals map[string][]byte
	TTLs map[string]time.Duration // the last TTL put under each key
}

func (k *KV) Get(_ context.Context, key string) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.vals[key]
	if !ok {
		return nil, store.ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (k *KV) Put(_ context.Context, key string, val []byte, ttl time.Duration) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.vals == nil {
		k.vals, k.TTLs = map[string][]byte{}, map[string]time.Duration{}
	}
	k.vals[key] = append([]byte(nil), val...)
	k.TTLs[key] = ttl
	return nil
}

// New returns a store.Set backed by memory.
func New() store.Set {
	return store.Set{Keys: &Keys{}, Stats: &Stats{}, Sticky: &Sticky{}}
}
