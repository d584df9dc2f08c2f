package analysis

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// doc is a rendering-neutral report: sections of key/value lines and tables,
// written as plain text or Markdown.
type doc struct {
	sections []section
}

type section struct {
	title string
	lines []kv
	table [][]string // first row is the header
	notes []string
}

type kv struct{ k, v string }

// WriteText writes r as plain text: the verdict first, then the evidence.
func (r *Result) WriteText(w io.Writer) error {
	d := r.doc()
	var b strings.Builder
	for k, s := range d.sections {
		if k > 0 {
			b.WriteString("\n")
		}
		if s.title == "Verdict" {
			for _, l := range r.Verdict {
				b.WriteString(l + "\n")
			}
			continue
		}
		b.WriteString(strings.ToUpper(s.title) + "\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, l := range s.lines {
			fmt.Fprintf(tw, "  %s\t%s\n", l.k, l.v)
		}
		tw.Flush()
		if len(s.table) > 0 {
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			for _, row := range s.table {
				fmt.Fprintf(tw, "  %s\n", strings.Join(row, "\t"))
			}
			tw.Flush()
		}
		for _, n := range s.notes {
			b.WriteString("  - " + n + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdown writes r as Markdown (for tickets and wikis).
func (r *Result) WriteMarkdown(w io.Writer) error {
	d := r.doc()
	var b strings.Builder
	b.WriteString("# Rate-limit analysis\n\n")
	for _, s := range d.sections {
		b.WriteString("## " + s.title + "\n\n")
		if s.title == "Verdict" {
			for _, l := range r.Verdict {
				b.WriteString("> " + mdEscape(l) + "  \n")
			}
			b.WriteString("\n")
			continue
		}
		if len(s.lines) > 0 {
			b.WriteString("| | |\n|---|---|\n")
			for _, l := range s.lines {
				b.WriteString("| " + mdEscape(l.k) + " | " + mdEscape(l.v) + " |\n")
			}
			b.WriteString("\n")
		}
		if len(s.table) > 0 {
			b.WriteString("| " + strings.Join(mdAll(s.table[0]), " | ") + " |\n")
			b.WriteString("|" + strings.Repeat("---|", len(s.table[0])) + "\n")
			for _, row := range s.table[1:] {
				b.WriteString("| " + strings.Join(mdAll(row), " | ") + " |\n")
			}
			b.WriteString("\n")
		}
		for _, n := range s.notes {
			b.WriteString("- " + mdEscape(n) + "\n")
		}
		if len(s.notes) > 0 {
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, strings.TrimRight(b.String(), "\n")+"\n")
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func mdAll(v []string) []string {
	out := make([]string, len(v))
	for k, s := range v {
		out[k] = mdEscape(s)
	}
	return out
}

func optNum(p *float64, unit string) string {
	if p == nil {
		return "-"
	}
	return fmtNum(*p) + unit
}

// doc lays out the evidence.
func (r *Result) doc() doc {
	var d doc
	d.sections = append(d.sections, section{title: "Verdict"})
	l := r.Limit
	// Limit.
	ls := section{title: "Limit"}
	if l.Detected {
		alg := l.Algorithm
		if l.Variant != "" {
			alg += " (" + l.Variant + ")"
		}
		ls.lines = append(ls.lines, kv{"algorithm", alg}, kv{"scope", l.Scope})
		if len(l.Labels) > 0 {
			ls.lines = append(ls.lines, kv{"limited labels", strings.Join(l.Labels, ", ")})
		}
		ls.lines = append(ls.lines, kv{"rate", optNum(l.RatePerS, " req/s") + ci(l.CI, "rate_per_s")})
		if l.Limit != nil {
			ls.lines = append(ls.lines, kv{"limit", optNum(l.Limit, " per window") + ci(l.CI, "limit")})
		}
		if l.WindowS != nil {
			ls.lines = append(ls.lines, kv{"window", optNum(l.WindowS, " s") + ci(l.CI, "window_s")})
		}
		if l.PhaseS != nil {
			ls.lines = append(ls.lines, kv{"window phase", optNum(l.PhaseS, " s (boundaries at epoch seconds = phase + k x window)")})
		}
		if l.Burst != nil {
			name := "burst"
			if l.Algorithm == AlgoLeakyQueue {
				name = "queue"
			}
			ls.lines = append(ls.lines, kv{name, optNum(l.Burst, "") + ci(l.CI, "burst")})
		}
		if l.Concurrency != nil {
			ls.lines = append(ls.lines, kv{"concurrency", optNum(l.Concurrency, " in flight") + ci(l.CI, "concurrency")})
		}
		ls.lines = append(ls.lines,
			kv{"confidence", fmt.Sprintf("%s (ΔBIC %s to the runner-up)", l.Confidence, fmtNum(l.DeltaBIC))},
			kv{"mispredicted", fmt.Sprintf("%.2f%% of decisions (last third, fitted on the first two: %.2f%%)", 100*l.Mismatch, 100*l.CVMismatch)})
		if l.Changing {
			ls.lines = append(ls.lines, kv{"changing", "yes"})
		}
	} else {
		ls.lines = append(ls.lines, kv{"detected", "no"}, kv{"lower bound", optNum(l.LowerBoundPerS, " req/s (highest accepted rate over 10 s)")})
	}
	ls.notes = l.Caveats
	d.sections = append(d.sections, ls)

	// Onset.
	o := r.Onset
	os := section{title: "Onset"}
	if o.Time != "" {
		th := "- (per-thread limit)"
		if o.Threads != nil {
			th = fmt.Sprint(*o.Threads)
		}
		os.lines = append(os.lines, kv{"sustained throttling from", fmt.Sprintf("%s (+%s s)", o.Time, optNum(o.OffsetS, ""))},
			kv{"threads at onset", th}, kv{"offered rate at onset", optNum(o.OfferedRatePerS, " req/s (trailing 5 s)")})
		if o.ThreadsAtLimitRate != nil {
			os.lines = append(os.lines, kv{"threads when offered rate reached the limit", fmt.Sprint(*o.ThreadsAtLimitRate)})
		}
		if o.StopTime != "" {
			os.lines = append(os.lines, kv{"throttling stopped", fmt.Sprintf("%s (+%s s)", o.StopTime, optNum(o.StopOffsetS, ""))})
		}
		if len(o.ChangePoints) > 0 {
			var cps []string
			for _, c := range o.ChangePoints {
				cps = append(cps, fmtNum(c))
			}
			os.lines = append(os.lines, kv{"throttled share changes at (s)", strings.Join(cps, ", ")})
		}
	} else {
		os.lines = append(os.lines, kv{"onset", "none (nothing throttled)"})
	}
	d.sections = append(d.sections, os)

	// Retry-After.
	ra := r.RetryAfter
	rs := section{title: "Retry-After"}
	rs.lines = append(rs.lines, kv{"present", yesNo(ra.Present) + fmt.Sprintf(" (%d throttled responses carried one)", ra.Count)}, kv{"semantics", ra.Semantics})
	if ra.Present {
		rs.lines = append(rs.lines, kv{"min / median / max", fmt.Sprintf("%s / %s / %s s", optNum(ra.MinS, ""), optNum(ra.MedianS, ""), optNum(ra.MaxS, ""))})
		if ra.ResetPeriodS != nil {
			rs.lines = append(rs.lines, kv{"reset period", optNum(ra.ResetPeriodS, " s")})
		}
		if ra.HTTPDate {
			rs.lines = append(rs.lines, kv{"format", "HTTP-date (converted with the Date header)"})
		}
		rs.lines = append(rs.lines, kv{"consistent with the fit", yesNo(ra.ConsistentWithFit)})
		if len(ra.Histogram) > 0 {
			maxC := 0
			for _, bk := range ra.Histogram {
				maxC = max(maxC, bk.Count)
			}
			rs.table = append(rs.table, []string{"seconds", "count", ""})
			hist := ra.Histogram
			if len(hist) > 30 {
				hist = hist[:30]
			}
			for _, bk := range hist {
				bar := strings.Repeat("#", max(1, bk.Count*30/max(maxC, 1)))
				rs.table = append(rs.table, []string{fmtNum(bk.Value), fmt.Sprint(bk.Count), bar})
			}
		}
	}
	rs.notes = append(rs.notes, ra.Explanation)
	d.sections = append(d.sections, rs)

	// Headers.
	h := r.Headers
	hs := section{title: "Rate-limit headers"}
	fam := "none"
	if len(h.Families) > 0 {
		fam = strings.Join(h.Families, ", ")
	}
	hs.lines = append(hs.lines, kv{"families", fam})
	if h.Limit != nil {
		hs.lines = append(hs.lines, kv{"limit (header)", optNum(h.Limit, "")})
	}
	if h.WindowS != nil {
		hs.lines = append(hs.lines, kv{"window (from resets)", optNum(h.WindowS, " s")})
	}
	if h.Scope != "" {
		hs.lines = append(hs.lines, kv{"scope (from counters)", h.Scope})
	}
	if h.AgreesWithFit != nil {
		hs.lines = append(hs.lines, kv{"agrees with the fit", yesNo(*h.AgreesWithFit)})
	}
	if h.Note != "" {
		hs.notes = append(hs.notes, h.Note)
	}
	d.sections = append(d.sections, hs)

	// Retries.
	rt := r.Retries
	rr := section{title: "Client behaviour"}
	rr.lines = append(rr.lines, kv{"retries", fmt.Sprint(rt.Count)}, kv{"sent before Retry-After", fmt.Sprint(rt.BeforeRetryAfter)},
		kv{"synchronised retry bursts", fmt.Sprint(rt.SynchronisedBursts)}, kv{"attempts per success", fmtNum(rt.AttemptsPerSuccess)},
		kv{"thread time lost to throttling", fmtNum(rt.TimeLostS) + " s"})
	if len(rt.RepeatedFetches) > 0 {
		rr.lines = append(rr.lines, kv{"fetched repeatedly by one thread", strings.Join(rt.RepeatedFetches, ", ")})
	}
	rr.notes = append(rr.notes, rt.Explanation)
	d.sections = append(d.sections, rr)

	// Recommendation.
	rec := r.Recommendation
	rc := section{title: "Recommendation"}
	rc.lines = append(rc.lines,
		kv{"target rate", fmt.Sprintf("%s req/s%s (safety factor %s)", fmtNum(rec.TargetRatePerS), scopeUnit(rec.Scope), fmtNum(rec.SafetyFactor))},
		kv{"threads", fmt.Sprint(rec.Threads)}, kv{"ramp-up", fmtNum(rec.RampUpS) + " s"},
		kv{"timer", fmt.Sprintf("%s throughput timer, %s (calcMode %d), %s per minute", rec.Timer.Type, rec.Timer.Mode, rec.Timer.CalcMode, fmtNum(rec.Timer.PerMinute))},
		kv{"retry policy", rec.Backoff.Policy},
		kv{"expected throttled share", fmtNum(rec.ExpectedSharePct) + " %"})
	if len(rec.PerLabel) > 0 {
		var keys []string
		for k := range rec.PerLabel {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %s req/s", k, fmtNum(rec.PerLabel[k])))
		}
		rc.lines = append(rc.lines, kv{"per label", strings.Join(parts, "; ")})
	}
	if len(rec.CacheLabels) > 0 {
		rc.lines = append(rc.lines, kv{"fetch once per thread", strings.Join(rec.CacheLabels, ", ")})
	}
	rc.notes = rec.Notes
	d.sections = append(d.sections, rc)

	// Candidates.
	cs := section{title: "Models compared (teacher-forced, lowest BIC first)"}
	if len(r.Candidates) > 0 {
		cs.table = append(cs.table, []string{"algorithm", "scope", "parameters", "mismatches", "BIC"})
		for k, c := range r.Candidates {
			if k >= 10 {
				break
			}
			alg := c.Algorithm
			if c.Variant != "" {
				alg += " " + c.Variant
			}
			cs.table = append(cs.table, []string{alg, c.Scope, paramText(c.Params), fmt.Sprintf("%d/%d", c.Mismatch, c.N), fmtNum(c.BIC)})
		}
	} else {
		cs.notes = append(cs.notes, "no model was fitted (nothing throttled)")
	}
	d.sections = append(d.sections, cs)

	// Labels.
	lb := section{title: "Labels"}
	lb.table = append(lb.table, []string{"label", "samples", "throttled", "errors", "retries", "req/s", "p95 ms"})
	for _, x := range r.Labels {
		lb.table = append(lb.table, []string{x.Label, fmt.Sprint(x.Samples), fmt.Sprint(x.Throttled), fmt.Sprint(x.Errors), fmt.Sprint(x.Retries), fmtNum(x.RatePerS), fmtNum(x.P95Ms)})
	}
	d.sections = append(d.sections, lb)

	// Run.
	rn := section{title: "Run"}
	for _, in := range r.Inputs {
		desc := fmt.Sprintf("%d rows", in.Rows)
		if in.Format != "" {
			desc += ", " + in.Format
		}
		if in.Layout != "" {
			desc += " (" + in.Layout + ")"
		}
		desc += ", timeStamp = " + in.TimeMode
		rn.lines = append(rn.lines, kv{in.File, desc})
	}
	run := r.Run
	rn.lines = append(rn.lines,
		kv{"start", fmt.Sprintf("%s, %s s", run.Start, fmtNum(run.DurationS))},
		kv{"requests", fmt.Sprintf("%d: %d accepted, %d throttled (%.1f%%), %d errors", run.Requests, run.Accepted, run.Throttled, 100*run.Share429, run.Errors)},
		kv{"threads (max)", fmt.Sprint(run.MaxThreads)},
		kv{"response time (accepted)", fmt.Sprintf("mean %s s, p90 %s s; think time %s s", fmtNum(run.ResponseMeanS), fmtNum(run.ResponseP90S), fmtNum(run.ThinkS))},
		kv{"rates", fmt.Sprintf("offered %s req/s, accepted %s req/s, peak accepted %s req/s (10 s)", fmtNum(run.OfferedRatePerS), fmtNum(run.AcceptedRatePerS), fmtNum(run.PeakAcceptedPerS))})
	d.sections = append(d.sections, rn)

	if len(r.Warnings) > 0 {
		d.sections = append(d.sections, section{title: "Warnings", notes: r.Warnings})
	}
	return d
}

func ci(m map[string][2]float64, key string) string {
	v, ok := m[key]
	if !ok {
		return ""
	}
	return fmt.Sprintf("  (95%% CI %s..%s)", fmtNum(v[0]), fmtNum(v[1]))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func paramText(p map[string]float64) string {
	order := []string{"limit", "window_s", "rate_per_s", "burst", "concurrency", "retry_after_agreement", "delay_mismatches"}
	names := map[string]string{"limit": "L", "window_s": "W", "rate_per_s": "r", "burst": "b", "concurrency": "C",
		"retry_after_agreement": "RA-agree", "delay_mismatches": "delay-miss"}
	var parts []string
	for _, k := range order {
		if v, ok := p[k]; ok {
			parts = append(parts, names[k]+"="+fmtNum(v))
		}
	}
	return strings.Join(parts, " ")
}
