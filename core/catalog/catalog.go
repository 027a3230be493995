// Package catalog holds the models Switchyard can route to, the provider endpoints that serve
// them and their published prices. The tables are Go literals generated from catalog.json by
// scripts/gen/catalog, so nothing is parsed at start-up: the Worker may start a fresh Go
// instance for every request and must not pay for a catalog load each time.
package catalog

//go:generate go run ../../scripts/gen/catalog -in catalog.json -out zz_generated.go

import "strings"

// Protocol names the wire protocol an endpoint speaks; it picks the adapter.
type Protocol uint8

const (
	OpenAI    Protocol = iota // OpenAI Chat Completions and compatible servers
	Anthropic                 // Anthropic Messages
	Gemini                    // Google Generative Language (AI Studio)
	Bedrock                   // AWS Bedrock Converse
)

func (p Protocol) String() string {
	switch p {
	case OpenAI:
		return "openai"
	case Anthropic:
		return "anthropic"
	case Gemini:
		return "gemini"
	case Bedrock:
		return "bedrock"
	}
	return "unknown"
}

// Price is an amount of money in picodollars (1e-12 USD). Catalog prices are per token (or
// per request or image), so $0.15 per million tokens is Price(150_000). Integer units keep
// cost arithmetic exact: a million tokens at $1,000 per million is 1e15, far from overflow.
type Price int64

// PerToken renders the price the way OpenRouter's catalog does: a decimal string in USD per
// unit, without trailing zeros ("0.00000015", "0").
func (p Price) PerToken() string {
	neg := p < 0
	if neg {
		p = -p
	}
	const scale = 1_000_000_000_000
	whole, frac := int64(p)/scale, int64(p)%scale
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(itoa(whole))
	if frac != 0 {
		f := itoa(frac)
		b.WriteByte('.')
		for i := len(f); i < 12; i++ {
			b.WriteByte('0')
		}
		b.WriteString(strings.TrimRight(f, "0"))
	}
	return b.String()
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[i:])
}

// Pricing is what one endpoint charges. Zero means free (or not charged separately).
type Pricing struct {
	Prompt            Price // per input token
	Completion        Price // per output token
	Request           Price // per request
	Image             Price // per input image
	InputCacheRead    Price // per cached input token read
	InputCacheWrite   Price // per input token written to the cache
	InternalReasoning Price // per reasoning token, when billed apart from completion
}

// DataPolicy is what the provider does with prompts on this endpoint, as it publishes it.
type DataPolicy struct {
	Training       bool // prompts may be used to train models
	RetainsPrompts bool // prompts are stored (for abuse monitoring or otherwise)
	RetentionDays  int  // how long, when RetainsPrompts
	ZDR            bool // zero data retention
	Distillable    bool // outputs may be used to train other models (enforce_distillable_text)
}

// Endpoint is one provider serving one model.
type Endpoint struct {
	Provider            string // provider slug, e.g. "together"
	Tag                 string // routing slug, e.g. "together" or "deepinfra/turbo"
	Upstream            string // the model id the provider expects
	ContextLength       int
	MaxCompletionTokens int // 0 when the provider publishes no separate limit
	Quantization        string
	Pricing             Pricing
	SupportedParameters []string
	// Params is SupportedParameters as a bit set (the generator writes both; New fills it in).
	Params     Params
	DataPolicy DataPolicy
	// Exacto marks endpoints curated for tool-calling accuracy: the :exacto variant and
	// sort "exacto" try them first.
	Exacto bool
	// ExtendedContext marks an endpoint serving the model beyond its native context window
	// (for example with YaRN scaling): the :extended variant routes only to these.
	ExtendedContext bool
	// ThroughputHint (output tokens per second) and LatencyHintMS (time to first token) are
	// typical published figures, used for throughput and latency ordering only until the
	// router has measured the endpoint itself; 0 means unknown.
	ThroughputHint int
	LatencyHintMS  int
}

// Free reports whether the endpoint charges nothing (the :free variant's endpoints).
func (e *Endpoint) Free() bool {
	p := &e.Pricing
	return p.Prompt == 0 && p.Completion == 0 && p.Request == 0 && p.Image == 0
}

// Model is one routable model id ("author/slug") and every endpoint that serves it.
type Model struct {
	ID               string // "meta-llama/llama-3.3-70b-instruct"
	CanonicalSlug    string
	HuggingFaceID    string
	Name             string // "Meta: Llama 3.3 70B Instruct"
	Created          int64  // Unix seconds
	Description      string
	ContextLength    int
	InputModalities  []string
	OutputModalities []string
	Tokenizer        string
	InstructType     string
	Endpoints        []Endpoint
}

// Provider is one upstream provider.
type Provider struct {
	Slug     string // "deepinfra"; also the stem of its environment variables
	Name     string // display name, "DeepInfra"
	Protocol Protocol
	BaseURL  string // what the provider's own SDK takes as base URL
	// Local providers (ollama, vllm) run on the operator's own machines: they need no API key,
	// but are routable only once their base URL (or a key) is configured.
	Local            bool
	PrivacyPolicyURL string
	TermsURL         string
	StatusPageURL    string
	Headquarters     string
}

// Catalog is a set of models and providers with their lookups. Default is the generated one;
// tests build small ones with New.
type Catalog struct {
	Models    []Model
	Providers []Provider
	model     func(id string) int
	provider  func(slug string) int
}

// New builds a catalog from tables, indexing them with maps, and fills in each endpoint's
// Params from its SupportedParameters. The generated Default uses generated switch
// statements and literal sets instead, so it costs nothing at start-up.
func New(models []Model, providers []Provider) *Catalog {
	mi := make(map[string]int, len(models))
	for i, m := range models {
		mi[m.ID] = i
		for j := range m.Endpoints {
			if e := &m.Endpoints[j]; e.Params == 0 {
				e.Params = ParamsOf(e.SupportedParameters)
			}
		}
	}
	pi := make(map[string]int, len(providers))
	for i, p := range providers {
		pi[p.Slug] = i
	}
	return &Catalog{
		Models:    models,
		Providers: providers,
		model:     lookupIn(mi),
		provider:  lookupIn(pi),
	}
}

func lookupIn(m map[string]int) func(string) int {
	return func(k string) int {
		if i, ok := m[k]; ok {
			return i
		}
		return -1
	}
}

// Model returns the model with the given id, or nil.
func (c *Catalog) Model(id string) *Model {
	if i := c.model(id); i >= 0 {
		return &c.Models[i]
	}
	return nil
}

// Provider returns the provider with the given slug, or nil.
func (c *Catalog) Provider(slug string) *Provider {
	if i := c.provider(slug); i >= 0 {
		return &c.Providers[i]
	}
	return nil
}

// EnvName turns a provider slug into the stem of its environment variables: upper case, with
// "-" and "." replaced by "_" ("google-ai-studio" → "GOOGLE_AI_STUDIO").
func EnvName(slug string) string {
	b := []byte(slug)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c == '-' || c == '.' || c == '/':
			b[i] = '_'
		}
	}
	return string(b)
}
