package api

import (
	"strconv"

	"github.com/switchyard-router/switchyard/core/catalog"
	"github.com/switchyard-router/switchyard/core/store"
)

// AppendEndpoints appends the body of GET /api/v1/models/{author}/{slug}/endpoints
// (shared/spec/openrouter-api.md §6.2): the model, and per endpoint its routing tag, price,
// limits, quantization, supported parameters and data policy from the catalog, with the live
// figures from the stats store (nil when there is none) as of now (Unix seconds): uptime
// over 5 and 30 minutes and a day, and time to first token and throughput percentiles over
// 30 minutes.
//
// Units: uptime is a percentage of successes among successes and failures, rate-limited
// attempts left out, as OpenRouter counts it; latency is in milliseconds (OpenRouter's
// declared unit) and throughput in output tokens per second. Figures without data are null.
func AppendEndpoints(dst []byte, c *catalog.Catalog, m *catalog.Model, stats *store.ModelStats, now int64) []byte {
	dst = append(dst, `{"data":{"id":`...)
	dst = AppendString(dst, m.ID)
	dst = append(dst, `,"name":`...)
	dst = AppendString(dst, m.Name)
	dst = append(dst, `,"created":`...)
	dst = strconv.AppendInt(dst, m.Created, 10)
	dst = append(dst, `,"description":`...)
	dst = AppendString(dst, m.Description)
	dst = append(dst, `,"architecture":{"modality":`...)
	dst = appendModality(dst, m.InputModalities, m.OutputModalities)
	dst = append(dst, `,"input_modalities":`...)
	dst = appendStrings(dst, m.InputModalities)
	dst = append(dst, `,"output_modalities":`...)
	dst = appendStrings(dst, m.OutputModalities)
	dst = append(dst, `,"tokenizer":`...)
	dst = AppendString(dst, m.Tokenizer)
	dst = append(dst, `,"instruct_type":`...)
	dst = appendStringOrNull(dst, m.InstructType)
	dst = append(dst, `},"endpoints":[`...)
	for i := range m.Endpoints {
		e := &m.Endpoints[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendEndpoint(dst, c, m, e, stats.Endpoint(e.Tag), now)
	}
	return append(dst, "]}}"...)
}

func appendEndpoint(dst []byte, c *catalog.Catalog, m *catalog.Model, e *catalog.Endpoint, s *store.EndpointStats, now int64) []byte {
	provName := e.Provider
	if p := c.Provider(e.Provider); p != nil {
		provName = p.Name
	}
	dst = append(dst, `{"name":`...)
	dst = AppendString(dst, provName+" | "+m.ID)
	dst = append(dst, `,"model_id":`...)
	if m.CanonicalSlug != "" {
		dst = AppendString(dst, m.CanonicalSlug)
	} else {
		dst = AppendString(dst, m.ID)
	}
	dst = append(dst, `,"model_name":`...)
	dst = AppendString(dst, m.Name)
	dst = append(dst, `,"provider_name":`...)
	dst = AppendString(dst, provName)
	dst = append(dst, `,"tag":`...)
	dst = AppendString(dst, e.Tag)
	dst = append(dst, `,"context_length":`...)
	dst = strconv.AppendInt(dst, int64(e.ContextLength), 10)
	dst = append(dst, `,"max_completion_tokens":`...)
	dst = appendIntOrNull(dst, e.MaxCompletionTokens)
	dst = append(dst, `,"max_prompt_tokens":null,"quantization":`...)
	dst = appendStringOrNull(dst, e.Quantization)
	dst = appendPricing(dst, &e.Pricing)
	dst = append(dst, `,"supported_parameters":`...)
	dst = appendStrings(dst, e.SupportedParameters)
	d := &e.DataPolicy
	dst = append(dst, `,"data_policy":{"training":`...)
	dst = strconv.AppendBool(dst, d.Training)
	dst = append(dst, `,"retains_prompts":`...)
	dst = strconv.AppendBool(dst, d.RetainsPrompts)
	dst = append(dst, `,"retention_days":`...)
	dst = strconv.AppendInt(dst, int64(d.RetentionDays), 10)
	dst = append(dst, `,"zdr":`...)
	dst = strconv.AppendBool(dst, d.ZDR)
	dst = append(dst, `,"distillable":`...)
	dst = strconv.AppendBool(dst, d.Distillable)
	dst = append(dst, `},"is_exacto":`...)
	dst = strconv.AppendBool(dst, e.Exacto)
	dst = append(dst, `,"is_extended_context":`...)
	dst = strconv.AppendBool(dst, e.ExtendedContext)
	// status 0 is "normal"; Switchyard does not disable endpoints (routing demotes failing ones).
	dst = append(dst, `,"status":0`...)
	for _, w := range [...]struct {
		name string
		span int64
	}{{"uptime_last_30m", 1800}, {"uptime_last_5m", 300}, {"uptime_last_1d", 86400}} {
		dst = append(dst, ',', '"')
		dst = append(dst, w.name...)
		dst = append(dst, '"', ':')
		dst = appendUptime(dst, s, now, w.span)
	}
	var ttft, tps [4]float32
	if s != nil {
		ttft, tps = s.Percentiles(now, 1800)
	}
	dst = appendPercentiles(append(dst, `,"latency_last_30m":`...), ttft)
	dst = appendPercentiles(append(dst, `,"throughput_last_30m":`...), tps)
	// Implicit caching: the provider bills cache reads without the client marking anything.
	dst = append(dst, `,"supports_implicit_caching":`...)
	dst = strconv.AppendBool(dst, e.Pricing.InputCacheRead > 0 && e.Pricing.InputCacheWrite == 0)
	return append(dst, '}')
}

func appendUptime(dst []byte, s *store.EndpointStats, now, span int64) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	c := s.Uptime(now, span)
	if c.OK+c.Failed == 0 {
		return append(dst, "null"...)
	}
	return strconv.AppendFloat(dst, 100*float64(c.OK)/float64(c.OK+c.Failed), 'f', -1, 64)
}

func appendPercentiles(dst []byte, p [4]float32) []byte {
	if p[0] == 0 {
		return append(dst, "null"...)
	}
	for i, k := range [4]string{`{"p50":`, `,"p75":`, `,"p90":`, `,"p99":`} {
		dst = append(dst, k...)
		dst = strconv.AppendFloat(dst, float64(p[i]), 'f', 1, 32)
	}
	return append(dst, '}')
}
