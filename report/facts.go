package report

import (
	"fmt"
	"strings"

	"jmtune/analysis"
)

// Fact is one line of the "what was found" list of a report.
type Fact struct{ Name, Value string }

// facts lists what the analysis of the before run found, in words.
func facts(s *Summary) []Fact {
	var out []Fact
	if s.Filter != "" {
		out = append(out, Fact{"Samples", "only those kept by " + s.Filter + " (an offset counts from each run's own start)"})
	}
	l := s.Limit
	if l.Detected {
		v := limitText(l)
		if l.Scope != "" {
			v += "; scope " + l.Scope
		}
		if l.Confidence != "" {
			v += fmt.Sprintf("; confidence %s (ΔBIC %.1f)", l.Confidence, l.DeltaBIC)
		}
		if l.Changing {
			v += "; the limit changed during the run"
		}
		out = append(out, Fact{"Limit", v})
		if len(l.Labels) > 0 {
			out = append(out, Fact{"Limited labels", strings.Join(l.Labels, ", ")})
		}
	} else {
		v := "none detected"
		if l.LowerBoundPerS != nil {
			v += fmt.Sprintf("; the API accepted up to %s req/s, so any limit is at least that", fixed1(*l.LowerBoundPerS))
		}
		out = append(out, Fact{"Limit", v})
	}
	if o := s.Onset; o.OffsetS != nil {
		v := fmt.Sprintf("%s after the start", clock(*o.OffsetS, s.Before.DurationS))
		if o.Threads != nil {
			v = fmt.Sprintf("at %d threads, ", *o.Threads) + v
		}
		if o.OfferedRatePerS != nil {
			v += fmt.Sprintf(", offered %s req/s", fixed1(*o.OfferedRatePerS))
		}
		out = append(out, Fact{"Onset of throttling", v})
	}
	if ra := s.RetryAfter; ra.Present {
		v := ra.Semantics
		if ra.MinS != nil && ra.MaxS != nil {
			v += fmt.Sprintf("; %s–%s s", trimNum(*ra.MinS), trimNum(*ra.MaxS))
			if ra.MedianS != nil {
				v += fmt.Sprintf(" (median %s s)", trimNum(*ra.MedianS))
			}
		}
		if ra.Explanation != "" {
			v += ". " + ra.Explanation
		}
		out = append(out, Fact{"Retry-After", v})
	} else if s.Before.Throttled > 0 {
		out = append(out, Fact{"Retry-After", "throttled responses carried no Retry-After"})
	}
	if rc := s.Recommendation; rc.TargetRatePerS > 0 {
		v := fmt.Sprintf("pace at %s req/s", fixed2(rc.TargetRatePerS))
		if rc.Scope == analysis.ScopePerThread {
			v += " per thread"
		}
		if rc.Timer.Type != "" {
			v += fmt.Sprintf(" with a %s throughput timer", rc.Timer.Type)
		}
		if rc.Threads > 0 {
			v += fmt.Sprintf(", %d threads", rc.Threads)
		}
		if rc.RampUpS > 0 {
			v += fmt.Sprintf(", ramp-up %s s", trimNum(rc.RampUpS))
		}
		if rc.Backoff.Policy != "" {
			v += "; retries: " + rc.Backoff.Policy
		}
		out = append(out, Fact{"Recommendation", v})
	}
	return out
}

// inputsText describes the inputs of a side: "before.jtl (csv, 3,737 rows)".
func inputsText(s Side) string {
	var parts []string
	for _, in := range s.Inputs {
		p := in.File
		var d []string
		if in.Format != "" {
			d = append(d, in.Format)
		}
		if in.Rows > 0 {
			d = append(d, count(float64(in.Rows))+" rows")
		}
		if in.Skipped > 0 {
			d = append(d, count(float64(in.Skipped))+" skipped")
		}
		if len(d) > 0 {
			p += " (" + strings.Join(d, ", ") + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "(no input files)"
	}
	return strings.Join(parts, ", ")
}

// sideHeader is the column header of a side: its name, "(predicted)" when
// it is a prediction.
func sideHeader(s Side) string {
	if s.Predicted && !strings.Contains(strings.ToLower(s.Name), "predicted") {
		return s.Name + " (predicted)"
	}
	return s.Name
}
