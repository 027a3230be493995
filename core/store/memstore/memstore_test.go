package memstore_test

import (
	"testing"

	"github.com/switchyard-router/switchyard/core/store"
	"github.com/switchyard-router/switchyard/core/store/memstore"
	"github.com/switchyard-router/switchyard/core/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Set { return memstore.New() })
}

// TestKVStats runs the conformance suite against store.KVStats over an in-memory KV: the
// stores a Worker or a Lambda builds on its key-value service.
func TestKVStats(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Set {
		s := memstore.New()
		kv := store.KVStats{KV: &memstore.KV{}, Prefix: "routing:"}
		s.Stats, s.Sticky = kv, kv
		return s
	})
}

// TestCachedStats runs the suite against the Worker's two tiers: store.CachedStats over
// KVStats over an in-memory KV.
func TestCachedStats(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Set {
		s := memstore.New()
		s.Stats = store.NewCachedStats(store.KVStats{KV: &memstore.KV{}, Prefix: "routing:"}, store.StatsCacheOptions{})
		return s
	})
}
