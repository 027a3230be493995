//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/switchyard-router/switchyard/core/store"
)

// kvStore is store.KV over a Workers KV namespace, for store.KVStats: the routing record a
// cold isolate starts from (see store.CachedStats). Like kvKeys, every get and put is an op
// on the port of the request ctx belongs to.
type kvStore struct {
	binding string
}

var _ store.KV = kvStore{}

func (s kvStore) Get(ctx context.Context, key string) ([]byte, error) {
	if len(key) > maxKVKey {
		return nil, store.ErrNotFound
	}
	v, found, err := kvOp(ctx, s.binding, "get", key, "", 0)
	switch {
	case err != nil:
		return nil, err
	case !found:
		return nil, store.ErrNotFound
	}
	return v, nil
}

func (s kvStore) Put(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if len(key) > maxKVKey {
		return fmt.Errorf("kv: key longer than %d bytes", maxKVKey)
	}
	secs := 0
	if ttl > 0 {
		secs = max(int(ttl/time.Second), 60) // Workers KV's shortest expiry
	}
	_, _, err := kvOp(ctx, s.binding, "put", key, str(val), secs)
	return err
}
