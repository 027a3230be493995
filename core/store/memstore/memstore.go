// Package memstore keeps Switchyard's state in memory: for tests, the native dev server and
// the wazero guest. It is safe for concurrent use.
package memstore

import (
	"context"
	"sync"

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

// New returns a store.Set backed by memory.
func New() store.Set {
	return store.Set{Keys: &Keys{}}
}
