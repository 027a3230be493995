package provider

// Reasoning is what the client asked for through reasoning, reasoning_effort and the
// legacy include_reasoning (shared/spec/openrouter-api.md §1.1, §1.5).
type Reasoning struct {
	On      bool   // reasoning asked for
	Off     bool   // explicitly disabled (effort "none", enabled:false)
	Effort  string // "minimal" … "max"; "medium" when only enabled
	Budget  int    // reasoning.max_tokens; 0 when an effort was given instead
	Exclude bool   // reason, but leave reasoning out of the answer
}

// Asked reports whether any reasoning parameter was present.
func (r Reasoning) Asked() bool { return r.On || r.Off || r.Exclude }

// ReadReasoning reads the reasoning parameters. reasoning_effort is shorthand for
// reasoning.effort; include_reasoning:true is reasoning:{}, false is {exclude:true}.
// reasoning:{} alone enables reasoning at medium effort, as OpenRouter documents
// enabled:true alone; exclude alone does not switch reasoning on.
func ReadReasoning(b *Builder) Reasoning {
	var r Reasoning
	obj := b.Get("reasoning")
	if ir := b.Get("include_reasoning"); ir.Exists() {
		if ir.Bool() {
			r.On = true
		} else {
			r.Exclude = true
		}
	}
	if obj.IsObject() {
		enabled := obj.Get("enabled")
		effort := obj.Get("effort").String()
		budget := obj.Get("max_tokens").Int()
		r.Exclude = r.Exclude || obj.Get("exclude").Bool()
		switch {
		case enabled.Exists() && !enabled.Bool():
			r.Off = true
		case effort != "" || budget > 0 || enabled.Bool():
			r.On = true
		case !obj.Get("exclude").Exists():
			r.On = true // reasoning: {}
		}
		r.Effort = effort
		if budget > 0 {
			r.Budget = int(budget)
		}
	}
	if e := b.Get("reasoning_effort").String(); e != "" && r.Effort == "" {
		r.Effort = e
		r.On = true
	}
	if r.Effort == "none" {
		r.On, r.Off = false, true
	}
	if r.On && r.Effort == "" && r.Budget == 0 {
		r.Effort = "medium"
	}
	if r.Off {
		r.On = false
	}
	return r
}

// EffortRatio is the share of max_tokens OpenRouter gives a reasoning budget per effort
// (openrouter-api.md §1.5): max and xhigh 0.95, high 0.8, medium 0.5, low 0.2, minimal 0.1.
func EffortRatio(effort string) float64 {
	switch effort {
	case "max", "xhigh":
		return 0.95
	case "high":
		return 0.8
	case "low":
		return 0.2
	case "minimal":
		return 0.1
	}
	return 0.5
}

// BudgetTokens is the reasoning budget for budget-style upstreams: reasoning.max_tokens
// when given, else maxTokens × the effort's ratio; clamped into [lo, hi].
func (r Reasoning) BudgetTokens(maxTokens, lo, hi int) int {
	n := r.Budget
	if n == 0 {
		n = int(float64(maxTokens) * EffortRatio(r.Effort))
	}
	if n > hi {
		n = hi
	}
	if n < lo {
		n = lo
	}
	return n
}
