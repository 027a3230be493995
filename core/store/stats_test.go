package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

const t0 = int64(1_760_000_000_000)

func TestFoldWindows(t *testing.T) {
	var m ModelStats
	m.Fold([]Sample{
		{Tag: "a", At: t0, Outcome: Failed},
		{Tag: "a", At: t0 + 10_000, Outcome: Failed},
		{Tag: "a", At: t0 + 20_000, Outcome: OK, TTFT: 300, TPS: 40},
	})
	e := m.Endpoint("a")
	now := (t0 + 20_000) / 1000
	if got := e.Recent30s(now); got != (Counts{OK: 1, Failed: 2}) {
		t.Errorf("Recent30s = %+v", got)
	}
	// 35 s later the first failure has left the health window, 60 s later all have.
	if got := e.Recent30s(now + 15); got != (Counts{OK: 1, Failed: 1}) {
		t.Errorf("Recent30s 15 s on = %+v", got)
	}
	if got := e.Recent30s(now + 40); got != (Counts{}) {
		t.Errorf("Recent30s 40 s on = %+v", got)
	}
	// A bucket whose slot comes round again is reset, not added to.
	before := e
	m.Fold([]Sample{{Tag: "a", At: t0 + 30_000, Outcome: OK}})
	if got := before.Recent30s(now); got != (Counts{OK: 1, Failed: 2}) {
		t.Errorf("Fold changed a record a snapshot holds: %+v", got)
	}
	e = m.Endpoint("a")
	if got := e.Recent30s(now + 10); got != (Counts{OK: 2, Failed: 1}) {
		t.Errorf("after the ring wrapped: %+v", got)
	}
	if got := e.Uptime(now+10, 300); got != (Counts{OK: 2, Failed: 2}) {
		t.Errorf("Uptime(5 min) = %+v", got)
	}
	if got := e.Uptime(now+10, 86400); got != (Counts{OK: 2, Failed: 2}) {
		t.Errorf("Uptime(1 day) = %+v", got)
	}
	// A sample older than the ring's slot is ignored rather than corrupting a newer one.
	m.Fold([]Sample{{Tag: "a", At: t0 - 60_000, Outcome: Failed}})
	e = m.Endpoint("a")
	if got := e.Recent30s(now + 10); got != (Counts{OK: 2, Failed: 1}) {
		t.Errorf("a stale sample changed the window: %+v", got)
	}
}

func TestFoldSpeed(t *testing.T) {
	var m ModelStats
	for i := range 20 {
		m.Fold([]Sample{{Tag: "a", At: t0 + int64(i)*1000, Outcome: OK, TTFT: float32(100 * (i + 1)), TPS: float32(i + 1)}})
	}
	e := m.Endpoint("a")
	// The ring keeps the last 16: TTFT 500..2000 ms, TPS 5..20.
	if e.RouteTTFT != [4]float32{1200, 1600, 1900, 2000} || e.RouteTPS != [4]float32{12, 16, 19, 20} {
		t.Errorf("route percentiles TTFT %v TPS %v", e.RouteTTFT, e.RouteTPS)
	}
	// Failures carry no speed.
	m.Fold([]Sample{{Tag: "a", At: t0 + 21_000, Outcome: Failed, TTFT: 1}})
	if ttft, _ := e.Percentiles((t0+21_000)/1000, 300); ttft[0] != 1200 {
		t.Errorf("a failure changed the speed: %v", ttft)
	}
	// Ten minutes on, routing's five-minute window is empty.
	if ttft, tps := e.Percentiles((t0+600_000)/1000, RouteSpeedAge); ttft != [4]float32{} || tps != [4]float32{} {
		t.Errorf("stale speed: %v %v", ttft, tps)
	}
}

func TestFoldBounded(t *testing.T) {
	var m ModelStats
	for i := range maxEndpoints + 5 {
		m.Fold([]Sample{{Tag: string(rune('A'+i%26)) + string(rune('a'+i/26)), At: t0 + int64(i), Outcome: OK}})
	}
	if len(m.Endpoints) != maxEndpoints {
		t.Errorf("%d endpoints kept, want %d", len(m.Endpoints), maxEndpoints)
	}
	if m.Endpoint("Aa") != nil {
		t.Error("the least recently updated endpoint was not the one dropped")
	}
}

func TestStatsCodec(t *testing.T) {
	var m ModelStats
	m.Fold([]Sample{
		{Tag: "deepinfra/turbo", At: t0, Outcome: OK, TTFT: 250.5, TPS: 61.25},
		{Tag: "deepinfra/turbo", At: t0 + 7000, Outcome: RateLimited},
		{Tag: "groq", At: t0 + 9000, Outcome: Failed},
	})
	raw := AppendModelStats(nil, &m)
	got, err := ParseModelStats(raw)
	if err != nil {
		t.Fatalf("ParseModelStats(%s): %v", raw, err)
	}
	if !reflect.DeepEqual(got, &m) {
		t.Errorf("round trip through %s:\n got %+v\nwant %+v", raw, got, &m)
	}
	if len(raw) > 400 {
		t.Errorf("%d bytes for two endpoints: %s", len(raw), raw)
	}
	empty, err := ParseModelStats(AppendModelStats(nil, &ModelStats{}))
	if err != nil || len(empty.Endpoints) != 0 {
		t.Errorf("empty record: %+v, %v", empty, err)
	}
	for _, bad := range []string{``, `{`, `[]`, `{"v":2,"e":[]}`} {
		if _, err := ParseModelStats([]byte(bad)); err == nil {
			t.Errorf("ParseModelStats(%q) accepted it", bad)
		}
	}
	// Damaged members are skipped, not trusted.
	odd, err := ParseModelStats([]byte(`{"v":1,"e":[{"t":"a\"b"},{"t":5},{"t":"ok","n":-3,"r":[[-1,1,1,1]],"s":[[1,2,3]]}]}`))
	if err != nil || len(odd.Endpoints) != 1 || odd.Endpoints[0].Next != 0 || odd.Endpoints[0].Recent != [6]Bucket{} {
		t.Errorf("damaged record read as %+v, %v", odd, err)
	}
}

// memKV is a minimal KV for the KVStats tests in this package.
type memKV struct {
	vals map[string][]byte
	ttls map[string]time.Duration
}

func (m *memKV) Get(_ context.Context, key string) ([]byte, error) {
	v, ok := m.vals[key]
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

func (m *memKV) Put(_ context.Context, key string, val []byte, ttl time.Duration) error {
	m.vals[key], m.ttls[key] = val, ttl
	return nil
}

func TestKVStatsLayout(t *testing.T) {
	kv := &memKV{vals: map[string][]byte{}, ttls: map[string]time.Duration{}}
	s := KVStats{KV: kv, Prefix: "r:"}
	ctx := context.Background()
	if err := s.Record(ctx, "meta-llama/llama-3.3-70b-instruct", []Sample{{Tag: "groq", At: t0, Outcome: OK, TTFT: 300, TPS: 200}}); err != nil {
		t.Fatal(err)
	}
	raw := kv.vals["r:stats:meta-llama/llama-3.3-70b-instruct"]
	if _, err := ParseModelStats(raw); err != nil || kv.ttls["r:stats:meta-llama/llama-3.3-70b-instruct"] != 24*time.Hour {
		t.Errorf("stats value %s (%v), ttl %v", raw, err, kv.ttls["r:stats:meta-llama/llama-3.3-70b-instruct"])
	}
	// A damaged value reads as no record, and the next Record replaces it.
	kv.vals["r:stats:x/y"] = []byte("garbage")
	if m, err := s.Snapshot(ctx, "x/y"); err != nil || len(m.Endpoints) != 0 {
		t.Errorf("damaged record: %+v, %v", m, err)
	}
	exp := time.Now().Add(10 * time.Minute).Unix()
	if err := s.Put(ctx, "k", Pin{Model: `a/"b"`, Tag: "groq", Expires: exp}); err != nil {
		t.Fatal(err)
	}
	if ttl := kv.ttls["r:pin:k"]; ttl < 10*time.Minute || ttl > 12*time.Minute {
		t.Errorf("pin ttl %v, want its remaining life plus a minute", ttl)
	}
	if p, err := s.Get(ctx, "k"); err != nil || p.Model != `a/"b"` || p.Expires != exp {
		t.Errorf("pin %+v, %v", p, err)
	}
	s.Put(ctx, "k", Pin{})
	if _, err := s.Get(ctx, "k"); !errors.Is(err, ErrNotFound) || kv.ttls["r:pin:k"] != time.Minute {
		t.Errorf("removed pin: %v, ttl %v", err, kv.ttls["r:pin:k"])
	}
}
