package catalog

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/scripts/gen/catalog/render"
)

// TestGeneratedUpToDate fails when catalog.json was edited without regenerating, so the
// JSON and the tables the router actually uses can never disagree.
func TestGeneratedUpToDate(t *testing.T) {
	src, err := os.ReadFile("catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := render.Generate(src)
	if err != nil {
		t.Fatalf("catalog.json: %v", err)
	}
	got, err := os.ReadFile("zz_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("zz_generated.go is stale: run go generate ./core/catalog")
	}
	again, _ := render.Generate(src)
	if !bytes.Equal(again, want) {
		t.Error("the generator is not deterministic")
	}
}

// TestPriceDecimalExact: prices are parsed from decimal strings, never through float64, so
// values that have no exact binary form still land on the exact picodollar.
func TestPriceDecimalExact(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Price
	}{
		{"0.075", 75_000},
		{"0.15", 150_000},
		{"0.038", 38_000},
		{"2.50", 2_500_000},
		{"10", 10_000_000},
		{"0", 0},
		{"0.000001", 1},
		{"0.0000010", 1}, // zeros past the picodollar are harmless
		{"18.75", 18_750_000},
	} {
		got, err := render.ParsePrice(tc.in)
		if err != nil || Price(got) != tc.want {
			t.Errorf("ParsePrice(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	if got, err := render.ParseUnitPrice("0.005"); err != nil || Price(got) != 5_000_000_000 {
		t.Errorf("ParseUnitPrice(0.005) = %d, %v", got, err)
	}
	for _, bad := range []string{"", "0.0000001", "-1", "+1", "1e-6", ".5", "5.", "1.2.3", " 1", "1,5", "0x10", "NaN", "9223372036855"} {
		if got, err := render.ParsePrice(bad); err == nil {
			t.Errorf("ParsePrice(%q) = %d, want an error", bad, got)
		}
	}
}

// tiny is the smallest valid catalog; each case below breaks one thing.
func tiny() render.File {
	return render.File{
		PricesAsOf: "2025-01",
		Providers: []render.Provider{{Slug: "alpha", Name: "Alpha", Protocol: "openai", BaseURL: "https://alpha.example/v1",
			DataPolicy: &render.DataPolicy{}}},
		Models: []render.Model{{ID: "acme/a", Name: "Acme A", Created: 1, Tokenizer: "Other",
			InputModalities: []string{"text"}, OutputModalities: []string{"text"},
			Endpoints: []render.Endpoint{{Provider: "alpha", Upstream: "a", ContextLength: 1000, Quantization: "fp8",
				SupportedParameters: []string{"temperature"}, Pricing: render.Pricing{Prompt: "0.075", Completion: "0.3"}}}}},
	}
}

func TestGenerateRejects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(f *render.File)
		wants []string // substrings of the error, naming the offending id
	}{
		{"unknown provider", func(f *render.File) { f.Models[0].Endpoints[0].Provider = "nobody" },
			[]string{`model "acme/a"`, `unknown provider "nobody"`}},
		{"duplicate model", func(f *render.File) { f.Models = append(f.Models, f.Models[0]) },
			[]string{`model "acme/a": duplicate id`}},
		{"duplicate provider", func(f *render.File) { f.Providers = append(f.Providers, f.Providers[0]) },
			[]string{`provider "alpha": duplicate slug`}},
		{"float-style price", func(f *render.File) { f.Models[0].Endpoints[0].Pricing.Prompt = "7.5e-2" },
			[]string{`model "acme/a"`, `prompt price "7.5e-2"`}},
		{"negative price", func(f *render.File) { f.Models[0].Endpoints[0].Pricing.Completion = "-0.3" },
			[]string{`model "acme/a"`, `completion price "-0.3"`}},
		{"sub-picodollar price", func(f *render.File) { f.Models[0].Endpoints[0].Pricing.InputCacheRead = "0.0000005" },
			[]string{`input_cache_read price "0.0000005"`, "picodollar"}},
		{"missing prompt price", func(f *render.File) { f.Models[0].Endpoints[0].Pricing.Prompt = "" },
			[]string{`model "acme/a"`, `prompt price ""`}},
		{"missing name", func(f *render.File) { f.Models[0].Name = "" },
			[]string{`model "acme/a": missing name`}},
		{"missing created", func(f *render.File) { f.Models[0].Created = 0 },
			[]string{`model "acme/a": missing created`}},
		{"missing upstream", func(f *render.File) { f.Models[0].Endpoints[0].Upstream = "" },
			[]string{`model "acme/a"`, "missing upstream"}},
		{"missing context", func(f *render.File) { f.Models[0].Endpoints[0].ContextLength = 0 },
			[]string{`model "acme/a"`, "missing context_length"}},
		{"no endpoints", func(f *render.File) { f.Models[0].Endpoints = nil },
			[]string{`model "acme/a": no endpoints`}},
		{"bad model id", func(f *render.File) { f.Models[0].ID = "acme-a" },
			[]string{`model "acme-a": id must be`}},
		{"bad protocol", func(f *render.File) { f.Providers[0].Protocol = "grpc" },
			[]string{`provider "alpha": unknown protocol "grpc"`}},
		{"plain http", func(f *render.File) { f.Providers[0].BaseURL = "http://alpha.example" },
			[]string{`provider "alpha": base_url`}},
		{"missing data policy", func(f *render.File) { f.Providers[0].DataPolicy = nil },
			[]string{`provider "alpha": missing data_policy`}},
		{"foreign tag", func(f *render.File) { f.Models[0].Endpoints[0].Tag = "beta/fp8" },
			[]string{`model "acme/a"`, `tag "beta/fp8"`}},
		{"misspelt parameter", func(f *render.File) { f.Models[0].Endpoints[0].SupportedParameters = []string{"temprature"} },
			[]string{`model "acme/a": unknown supported parameter "temprature"`}},
		{"unsorted parameters", func(f *render.File) { f.Models[0].Endpoints[0].SupportedParameters = []string{"top_p", "seed"} },
			[]string{`model "acme/a"`, "sorted"}},
		{"unknown quantization", func(f *render.File) { f.Models[0].Endpoints[0].Quantization = "q4_k_m" },
			[]string{`model "acme/a"`, `unknown quantization "q4_k_m"`}},
		{"unknown modality", func(f *render.File) { f.Models[0].InputModalities = []string{"smell"} },
			[]string{`model "acme/a": unknown input modality "smell"`}},
		{"output longer than context", func(f *render.File) { f.Models[0].Endpoints[0].MaxCompletionTokens = 2000 },
			[]string{`model "acme/a"`, "max_completion_tokens 2000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tiny()
			tc.edit(&f)
			src, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = render.Generate(src)
			if err == nil {
				t.Fatal("Generate accepted the input")
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestGenerateRejectsMalformedJSON(t *testing.T) {
	for name, src := range map[string]string{
		"unknown field": `{"providers":[],"models":[],"colour":"blue"}`,
		"trailing data": `{"providers":[],"models":[]} {}`,
		"not json":      `models:`,
		"empty":         `{}`,
	} {
		if _, err := render.Generate([]byte(src)); err == nil {
			t.Errorf("%s: Generate accepted %s", name, src)
		}
	}
}

func TestGenerateTiny(t *testing.T) {
	f := tiny()
	src, _ := json.Marshal(f)
	out, err := render.Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"// Code generated by scripts/gen/catalog from catalog.json; DO NOT EDIT.\n",
		`Tag:                 "alpha",`, // an empty tag defaults to the provider slug
		"Pricing:             Pricing{Prompt: 75_000, Completion: 300_000},",
		`case "acme/a":`,
		"var Default = &Catalog{",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("generated source lacks %q:\n%s", want, out)
		}
	}
}

func TestGenerateRoutingFlags(t *testing.T) {
	f := tiny()
	e := &f.Models[0].Endpoints[0]
	e.Exacto, e.ExtendedContext, e.ThroughputHint, e.LatencyHintMS = true, true, 120, 450
	e.SupportedParameters = []string{"temperature", "tool_choice", "tools", "top_p"}
	src, _ := json.Marshal(f)
	out, err := render.Generate(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Exacto:              true,", "ExtendedContext:     true,", "ThroughputHint:      120,", "LatencyHintMS:       450,",
		"Params:              ParamTemperature | ParamToolChoice | ParamTools | ParamTopP,"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("generated source lacks %q:\n%s", want, out)
		}
	}
	e.ThroughputHint = -1
	src, _ = json.Marshal(f)
	if _, err := render.Generate(src); err == nil || !strings.Contains(err.Error(), "negative throughput_hint") {
		t.Errorf("negative hint: %v", err)
	}
}
