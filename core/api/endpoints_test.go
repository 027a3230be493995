package api

import (
	"encoding/json"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/store"
)

func TestAppendEndpoints(t *testing.T) {
	m := catalog.Default.Model("meta-llama/llama-3.3-70b-instruct")
	const now = 1_760_000_100
	var s store.ModelStats
	s.Fold([]store.Sample{
		{Tag: "groq", At: (now - 60) * 1000, Outcome: store.OK, TTFT: 250, TPS: 300},
		{Tag: "groq", At: (now - 50) * 1000, Outcome: store.OK, TTFT: 350, TPS: 200},
		{Tag: "groq", At: (now - 40) * 1000, Outcome: store.Failed},
		{Tag: "groq", At: (now - 30) * 1000, Outcome: store.RateLimited},
		{Tag: "groq", At: (now - 20) * 1000, Outcome: store.OK, TTFT: 300, TPS: 250},
		{Tag: "groq", At: (now - 10) * 1000, Outcome: store.OK, TTFT: 300, TPS: 250},
	})
	raw := AppendEndpoints(nil, catalog.Default, m, &s, now)
	var got struct {
		Data struct {
			ID           string `json:"id"`
			Architecture struct {
				Modality string `json:"modality"`
			} `json:"architecture"`
			Endpoints []struct {
				Name          string             `json:"name"`
				Tag           string             `json:"tag"`
				ProviderName  string             `json:"provider_name"`
				ContextLength int                `json:"context_length"`
				MaxCompletion *int               `json:"max_completion_tokens"`
				Quantization  *string            `json:"quantization"`
				Pricing       map[string]string  `json:"pricing"`
				Supported     []string           `json:"supported_parameters"`
				DataPolicy    map[string]any     `json:"data_policy"`
				Uptime30m     *float64           `json:"uptime_last_30m"`
				Uptime1d      *float64           `json:"uptime_last_1d"`
				Latency       map[string]float64 `json:"latency_last_30m"`
				Throughput    map[string]float64 `json:"throughput_last_30m"`
				Status        int                `json:"status"`
			} `json:"endpoints"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	d := got.Data
	if d.ID != m.ID || d.Architecture.Modality != "text->text" || len(d.Endpoints) != len(m.Endpoints) {
		t.Fatalf("model part: %+v", d)
	}
	var groq, turbo = -1, -1
	for i, e := range d.Endpoints {
		switch e.Tag {
		case "groq":
			groq = i
		case "deepinfra/turbo":
			turbo = i
		}
	}
	g := d.Endpoints[groq]
	if g.ProviderName != "Groq" || g.Name != "Groq | "+m.ID || g.ContextLength != 131072 || g.Pricing["prompt"] != "0.00000059" || len(g.Supported) == 0 {
		t.Errorf("groq catalog fields: %+v", g)
	}
	if g.Uptime30m == nil || *g.Uptime30m != 80 || g.Uptime1d == nil || *g.Uptime1d != 80 {
		t.Errorf("groq uptime %v, want 80 (4 of 5; the 429 does not count)", g.Uptime30m)
	}
	if g.Latency["p50"] != 300 || g.Latency["p99"] != 350 || g.Throughput["p50"] != 250 {
		t.Errorf("groq latency %v throughput %v", g.Latency, g.Throughput)
	}
	if g.DataPolicy["zdr"] != true {
		t.Errorf("groq data policy %v", g.DataPolicy)
	}
	u := d.Endpoints[turbo]
	if u.Uptime30m != nil || u.Latency != nil || u.Throughput != nil || u.Quantization == nil || *u.Quantization != "fp8" {
		t.Errorf("an unmeasured endpoint: %+v", u)
	}
	// Without a stats store every live figure is null.
	if err := json.Unmarshal(AppendEndpoints(nil, catalog.Default, m, nil, now), &got); err != nil || got.Data.Endpoints[groq].Uptime30m != nil {
		t.Errorf("no stats: %v %+v", err, got.Data.Endpoints[groq])
	}
}
