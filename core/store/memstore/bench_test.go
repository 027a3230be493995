package memstore

import (
	"context"
	"strconv"
	"testing"

	"github.com/switchyard-router/switchyard/core/store"
)

// BenchmarkStatsRecord is the after-response cost every routed request pays: one sample
// folded into a model whose record holds seven endpoints.
func BenchmarkStatsRecord(b *testing.B) {
	ctx := context.Background()
	s := &Stats{}
	at := int64(1_760_000_000_000)
	for i := range 7 {
		s.Record(ctx, "m", []store.Sample{{Tag: "p" + strconv.Itoa(i), At: at, TTFT: 100, TPS: 50}})
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at += 10
		s.Record(ctx, "m", []store.Sample{{Tag: "p" + strconv.Itoa(i%7), At: at, TTFT: 100, TPS: 50}})
	}
}
