package report

import (
	"fmt"
	"math"
	"strings"

	"jmtune/analysis"
)

// SummaryVersion is the layout version of summary.json. Keys are added,
// never renamed or removed; an incompatible change bumps it.
const SummaryVersion = 1

// Summary is summary.json: the verdict, the before/after table and the
// facts behind them, for scripts and dashboards.
type Summary struct {
	SchemaVersion int    `json:"schema_version"`
	Tool          string `json:"tool"`
	// Verdict is the analysis' verdict of the before run, followed by one
	// line comparing it with the after run (when there is one).
	Verdict []string `json:"verdict"`
	Before  Side     `json:"before"`
	After   *Side    `json:"after"` // null without an after run
	// Comparison is the before/after table, one row per metric.
	Comparison     []Row                   `json:"comparison"`
	Limit          analysis.Limit          `json:"limit"`
	Onset          analysis.Onset          `json:"onset"`
	RetryAfter     analysis.RetryAfter     `json:"retry_after"`
	Recommendation analysis.Recommendation `json:"recommendation"`
	// Plan is the tuned plan the predicted after side is for ("" when none).
	Plan string `json:"plan,omitempty"`
	// Filter is the sample filter the runs were read with, as flags
	// ("" when none: every sample).
	Filter string     `json:"filter,omitempty"`
	Charts []ChartRef `json:"charts"`
	// Warnings are the caveats of both analyses and of the report itself.
	Warnings []string `json:"warnings"`
}

// Side sums up one run.
type Side struct {
	Name      string           `json:"name"`
	Predicted bool             `json:"predicted"`
	Inputs    []analysis.Input `json:"inputs"`
	Requests  int              `json:"requests"`
	Accepted  int              `json:"accepted"`
	Throttled int              `json:"throttled"`
	Errors    int              `json:"errors"`
	// ThrottledShare is throttled / requests (0..1).
	ThrottledShare       float64 `json:"throttled_share"`
	AcceptedRatePerS     float64 `json:"accepted_rate_per_s"`
	PeakAcceptedRatePerS float64 `json:"peak_accepted_rate_per_s"`
	// AcceptedRateWholeWindowsPerS is the accepted rate over the whole
	// windows of a fixed-window limit (the windows cut by the run's start
	// and end left out), and WholeWindows how many there were; null and 0
	// when the limit has no windows or the run no whole window. The windows
	// are the run's own limit's, else the before run's.
	AcceptedRateWholeWindowsPerS *float64 `json:"accepted_rate_whole_windows_per_s"`
	WholeWindows                 int      `json:"whole_windows"`
	// WindowS is the length of those windows in seconds (0 without them).
	WindowS float64 `json:"window_s"`
	// P95Ms is the p95 response time of accepted samples; null when the
	// analysis did not give it.
	P95Ms      *float64              `json:"p95_ms"`
	DurationS  float64               `json:"duration_s"`
	Retries    int                   `json:"retries"`
	MaxThreads int                   `json:"max_threads"`
	Labels     []analysis.LabelStats `json:"labels"`
}

// Row is one metric of the before/after table.
type Row struct {
	Metric string   `json:"metric"`
	Unit   string   `json:"unit"` // "%", "req/s", "ms", "s", "" (a count)
	Before *float64 `json:"before"`
	After  *float64 `json:"after"`
	// Change is after - before in Unit (percentage points for shares).
	Change *float64 `json:"change"`
	// ChangePct is the relative change in percent; null when before is 0.
	ChangePct *float64 `json:"change_pct"`
	// Text are the cells as shown: before, after, change.
	BeforeText string `json:"before_text"`
	AfterText  string `json:"after_text"`
	ChangeText string `json:"change_text"`
}

// ChartRef names a chart and its files.
type ChartRef struct {
	Name    string            `json:"name"`
	Title   string            `json:"title"`
	Caption string            `json:"caption"`
	Files   map[string]string `json:"files"` // format -> file name
}

// newSide sums up run.
func newSide(run Run) Side {
	r := run.Result
	s := Side{Name: run.Name, Predicted: run.Predicted, Inputs: r.Inputs,
		Requests: r.Run.Requests, Accepted: r.Run.Accepted, Throttled: r.Run.Throttled, Errors: r.Run.Errors,
		ThrottledShare: r.Run.Share429, AcceptedRatePerS: r.Run.AcceptedRatePerS, PeakAcceptedRatePerS: r.Run.PeakAcceptedPerS,
		P95Ms: p95Ms(r), DurationS: r.Run.DurationS, Retries: r.Retries.Count, MaxThreads: r.Run.MaxThreads, Labels: r.Labels}
	if s.Inputs == nil {
		s.Inputs = []analysis.Input{}
	}
	if s.Labels == nil {
		s.Labels = []analysis.LabelStats{}
	}
	return s
}

// setWholeWindowRate fills the whole-window fields of side from run, with
// the windows of run's own fixed-window limit, else of grid (the before
// run's limit; nil: none).
func (side *Side) setWholeWindowRate(run Run, grid *analysis.Limit) {
	l := &run.Result.Limit
	if !windowsKnown(run.Result) {
		l = grid
	}
	if l == nil {
		return
	}
	if rate, n, ok := WholeWindowRate(run.Result, *l.WindowS, *l.PhaseS); ok {
		side.AcceptedRateWholeWindowsPerS, side.WholeWindows, side.WindowS = ptrTo(rate), n, *l.WindowS
	}
}

// p95Ms is the p95 response time of accepted samples in ms: the run's, or,
// for a run of a single label, that label's; nil when unknown.
func p95Ms(r *analysis.Result) *float64 {
	if r.Run.ResponseP95S > 0 {
		return ptrTo(r.Run.ResponseP95S * 1000)
	}
	if len(r.Labels) == 1 && r.Labels[0].P95Ms > 0 {
		return ptrTo(r.Labels[0].P95Ms)
	}
	return nil
}

func ptrTo(v float64) *float64 { return &v }

// comparison builds the before/after table; after may be nil.
func comparison(before Side, after *Side) []Row {
	type metric struct {
		name, unit string
		get        func(s *Side) *float64
		pp         bool // change in percentage points, not relative
		format     func(v float64) string
	}
	metrics := []metric{
		{"429 share", "%", func(s *Side) *float64 { return ptrTo(s.ThrottledShare * 100) }, true, func(v float64) string { return fixed1(v) + "%" }},
		{"accepted throughput", "req/s", func(s *Side) *float64 { return ptrTo(s.AcceptedRatePerS) }, false, func(v float64) string { return fixed2(v) + " req/s" }},
		{wholeWindowsMetric, "req/s", func(s *Side) *float64 { return s.AcceptedRateWholeWindowsPerS }, false, func(v float64) string { return fixed2(v) + " req/s" }},
		{"peak accepted (10 s)", "req/s", func(s *Side) *float64 { return ptrTo(s.PeakAcceptedRatePerS) }, false, func(v float64) string { return fixed1(v) + " req/s" }},
		{"p95 response time", "ms", func(s *Side) *float64 { return s.P95Ms }, false, func(v float64) string { return fmt.Sprintf("%.0f ms", v) }},
		{"run time", "s", func(s *Side) *float64 { return ptrTo(s.DurationS) }, false, func(v float64) string { return duration(v) }},
		{"requests", "", func(s *Side) *float64 { return ptrTo(float64(s.Requests)) }, false, count},
		{"retries", "", func(s *Side) *float64 { return ptrTo(float64(s.Retries)) }, false, count},
		{"max threads", "", func(s *Side) *float64 { return ptrTo(float64(s.MaxThreads)) }, false, count},
	}
	rows := make([]Row, 0, len(metrics))
	for _, m := range metrics {
		if m.name == wholeWindowsMetric && before.AcceptedRateWholeWindowsPerS == nil {
			continue // the limit has no windows, or the run no whole one
		}
		row := Row{Metric: m.name, Unit: m.unit, Before: m.get(&before), BeforeText: "n/a", AfterText: "", ChangeText: ""}
		if row.Before != nil {
			row.BeforeText = m.format(*row.Before) + windowsText(m.name, &before)
		}
		if after != nil {
			row.After = m.get(after)
			row.AfterText = "n/a"
			if row.After != nil {
				row.AfterText = m.format(*row.After) + windowsText(m.name, after)
			}
			if row.Before != nil && row.After != nil {
				d := *row.After - *row.Before
				row.Change = ptrTo(d)
				if *row.Before != 0 {
					row.ChangePct = ptrTo(d / math.Abs(*row.Before) * 100)
				}
				switch {
				case d == 0:
					row.ChangeText = "±0"
				case m.pp:
					row.ChangeText = signed(d, 1) + " pp"
				case row.ChangePct != nil:
					row.ChangeText = signed(*row.ChangePct, 0) + "%"
				default:
					row.ChangeText = "+" + m.format(d)
				}
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// wholeWindowsMetric names the row of the accepted rate over whole windows
// of a fixed-window limit, shown only when the before run has them.
const wholeWindowsMetric = "accepted throughput, whole windows"

// windowsText says over which windows the whole-window rate of s was taken
// (" (3 × 20 s)"), for that row only.
func windowsText(metric string, s *Side) string {
	if metric != wholeWindowsMetric || s.WholeWindows == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d × %s s)", s.WholeWindows, short(s.WindowS))
}

func fixed2(v float64) string { return fmt.Sprintf("%.2f", v) }

// signed formats v with its sign and prec decimals; a minus sign is U+2212.
func signed(v float64, prec int) string {
	s := fmt.Sprintf("%+.*f", prec, v)
	if strings.Trim(s, "+-0.") == "" {
		return "±0"
	}
	return strings.Replace(s, "-", "−", 1)
}

// duration writes seconds as "1 h 02 min", "12 min 05 s" or "45 s".
func duration(s float64) string {
	t := int64(math.Round(s))
	switch {
	case t >= 3600:
		return fmt.Sprintf("%d h %02d min", t/3600, t/60%60)
	case t >= 60:
		return fmt.Sprintf("%d min %02d s", t/60, t%60)
	}
	return fmt.Sprintf("%d s", t)
}

// comparisonVerdict says in one line how after differs from before.
func comparisonVerdict(before, after Side, plan string) string {
	who := "After"
	if after.Predicted {
		who = "Predicted"
		if plan != "" {
			who = "Predicted for " + plan
		}
	}
	parts := []string{fmt.Sprintf("429 share %s → %s", pct(before.ThrottledShare), pct(after.ThrottledShare)),
		fmt.Sprintf("accepted %s → %s req/s", fixed2(before.AcceptedRatePerS), fixed2(after.AcceptedRatePerS))}
	if before.P95Ms != nil && after.P95Ms != nil {
		parts = append(parts, fmt.Sprintf("p95 %.0f → %.0f ms", *before.P95Ms, *after.P95Ms))
	}
	if before.Retries > 0 || after.Retries > 0 {
		parts = append(parts, fmt.Sprintf("retries %s → %s", count(float64(before.Retries)), count(float64(after.Retries))))
	}
	return who + ": " + strings.Join(parts, "; ") + "."
}

func pct(share float64) string { return fixed1(share*100) + "%" }

// newSummary puts together summary.json.
func newSummary(before Run, after *Run, opt Options, charts []ChartRef, notes []string) *Summary {
	b := newSide(before)
	var grid *analysis.Limit
	if windowsKnown(before.Result) {
		grid = &before.Result.Limit
	}
	b.setWholeWindowRate(before, grid)
	s := &Summary{SchemaVersion: SummaryVersion, Tool: opt.Tool, Before: b,
		Verdict: append([]string{}, before.Result.Verdict...),
		Limit:   before.Result.Limit, Onset: before.Result.Onset, RetryAfter: before.Result.RetryAfter,
		Recommendation: before.Result.Recommendation, Plan: opt.Plan, Filter: opt.Filter, Charts: charts}
	if s.Tool == "" {
		s.Tool = before.Result.Tool
	}
	var warn []string
	prefix := func(run Run) string {
		if after == nil {
			return ""
		}
		return runTitle(run) + ": "
	}
	for _, w := range before.Result.Warnings {
		warn = append(warn, prefix(before)+w)
	}
	if after != nil {
		a := newSide(*after)
		a.setWholeWindowRate(*after, grid)
		s.After = &a
		s.Verdict = append(s.Verdict, comparisonVerdict(b, a, opt.Plan))
		for _, w := range after.Result.Warnings {
			warn = append(warn, prefix(*after)+w)
		}
		if a.P95Ms == nil || b.P95Ms == nil {
			warn = append(warn, "p95 response time is not available for every run (the analysis gave none and the run has several labels)")
		}
	}
	s.Comparison = comparison(b, s.After)
	s.Warnings = append(warn, notes...)
	if s.Warnings == nil {
		s.Warnings = []string{}
	}
	if s.Verdict == nil {
		s.Verdict = []string{}
	}
	if s.Charts == nil {
		s.Charts = []ChartRef{}
	}
	return s
}
