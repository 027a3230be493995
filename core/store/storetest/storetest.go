// Package storetest is the conformance suite every store implementation runs, the way
// testing/fstest.TestFS is run against any fs.FS: memstore here, the KV/D1 stores in edge and
// the DynamoDB store in lambda.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/switchyard-router/switchyard/core/store"
)

// Run runs the suite; open returns a fresh, empty store set for each subtest.
func Run(t *testing.T, open func(t *testing.T) store.Set) {
	t.Run("Keys", func(t *testing.T) { testKeys(t, open(t).Keys) })
	t.Run("KeysConcurrentCreate", func(t *testing.T) { testConcurrentCreate(t, open(t).Keys) })
	t.Run("Stats", func(t *testing.T) { testStats(t, open(t).Stats) })
	t.Run("StatsConcurrentRecord", func(t *testing.T) { testConcurrentRecord(t, open(t).Stats) })
	t.Run("Sticky", func(t *testing.T) { testSticky(t, open(t).Sticky) })
}

func testKeys(t *testing.T, keys store.Keys) {
	ctx := context.Background()
	if _, err := keys.Lookup(ctx, "absent"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Lookup(absent) error = %v, want ErrNotFound", err)
	}
	k := store.Key{Hash: "ab12", Name: "dev ✓ \"quoted\"", Label: "sk-sy-v1-abc...wxyz", CreatedAt: 1760000000}
	if err := keys.Create(ctx, k); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := keys.Lookup(ctx, "ab12")
	if err != nil {
		t.Fatalf("Lookup after Create: %v", err)
	}
	if got != k {
		t.Fatalf("Lookup = %+v, want %+v", got, k)
	}
	dup := k
	dup.Name = "other"
	if err := keys.Create(ctx, dup); !errors.Is(err, store.ErrExists) {
		t.Fatalf("Create(duplicate) error = %v, want ErrExists", err)
	}
	if got, _ := keys.Lookup(ctx, "ab12"); got.Name != k.Name {
		t.Fatalf("duplicate Create overwrote the key: name %q", got.Name)
	}
	if _, err := keys.Lookup(ctx, "AB12"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Lookup is not exact on the hash: %v", err)
	}
}

// testConcurrentCreate checks that of many creators of one hash exactly one wins.
func testConcurrentCreate(t *testing.T, keys store.Keys) {
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- keys.Create(context.Background(), store.Key{Hash: "same", Name: "racer"})
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrExists):
			t.Fatalf("Create: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent creates of one hash succeeded, want 1", ok)
	}
}
