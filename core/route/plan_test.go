package route

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/switchyard-router/switchyard/core/catalog"
)

func testCatalog() *catalog.Catalog {
	ep := func(p string, prompt, completion catalog.Price) catalog.Endpoint {
		return catalog.Endpoint{Provider: p, Tag: p, Upstream: p + "-model", Pricing: catalog.Pricing{Prompt: prompt, Completion: completion}}
	}
	return catalog.New(
		[]catalog.Model{
			{ID: "meta/llama", Endpoints: []catalog.Endpoint{ep("dear", 900, 900), ep("cheap", 100, 100), ep("tie-a", 500, 500), ep("tie-b", 400, 600), ep("nokey", 1, 1)}},
			{ID: "meta/small", Endpoints: []catalog.Endpoint{ep("cheap", 10, 10)}},
			{ID: "anthropic/claude", Endpoints: []catalog.Endpoint{ep("anthropic", 1, 1)}},
			{ID: "x/unconfigured", Endpoints: []catalog.Endpoint{ep("nokey", 1, 1), ep("local", 0, 0)}},
		},
		[]catalog.Provider{
			{Slug: "dear", Name: "Dear"}, {Slug: "cheap", Name: "Cheap"}, {Slug: "tie-a"}, {Slug: "tie-b"},
			{Slug: "nokey"}, {Slug: "anthropic", Protocol: catalog.Anthropic}, {Slug: "local", Local: true},
		},
	)
}

func usable(p *catalog.Provider) Reason {
	switch {
	case p.Protocol != catalog.OpenAI:
		return NoAdapter
	case p.Slug == "nokey" || p.Slug == "local":
		return NotConfigured
	}
	return Usable
}

func slugs(as []Attempt) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Model.ID+"@"+a.Provider.Slug)
	}
	return out
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name   string
		models []string
		want   []string
	}{
		{"cheapest first, ties in catalog order", []string{"meta/llama"},
			[]string{"meta/llama@cheap", "meta/llama@tie-a", "meta/llama@tie-b", "meta/llama@dear"}},
		{"models[] after the first model's endpoints", []string{"meta/llama", "meta/small"},
			[]string{"meta/llama@cheap", "meta/llama@tie-a", "meta/llama@tie-b", "meta/llama@dear", "meta/small@cheap"}},
		{"unroutable models are skipped while others remain", []string{"anthropic/claude", "meta/small"},
			[]string{"meta/small@cheap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Plan(testCatalog(), tt.models, usable)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(slugs(got), tt.want) {
				t.Fatalf("plan = %v, want %v", slugs(got), tt.want)
			}
		})
	}
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name     string
		models   []string
		contains []string
	}{
		{"unknown model", []string{"meta/llama", "nope/nope"}, []string{"nope/nope is not a valid model ID"}},
		{"no key names the variables", []string{"x/unconfigured"}, []string{"LOCAL_BASE_URL or NOKEY_API_KEY", "x/unconfigured"}},
		{"no adapter says so", []string{"anthropic/claude"}, []string{"anthropic protocol", "adapter is not available"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plan(testCatalog(), tt.models, usable)
			if err == nil {
				t.Fatal("Plan succeeded, want an error")
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
	_, err := Plan(testCatalog(), []string{"x/unconfigured"}, usable)
	var ne *NoEndpointError
	if !errors.As(err, &ne) || !slices.Equal(ne.EnvVars, []string{"LOCAL_BASE_URL", "NOKEY_API_KEY"}) {
		t.Fatalf("NoEndpointError.EnvVars = %v", ne)
	}
}

func TestClassify(t *testing.T) {
	for status, want := range map[int]Action{
		400: Stop, 413: Stop, 422: Stop, 401: Next, 402: Next, 403: Next, 404: Next,
		408: Next, 409: Next, 429: Next, 500: Next, 502: Next, 503: Next, 529: Next,
	} {
		if got := Classify(status); got != want {
			t.Errorf("Classify(%d) = %v, want %v", status, got, want)
		}
	}
}
