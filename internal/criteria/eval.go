package criteria

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"jmtune/internal/hist"
	"jmtune/jtl"
)

// Options configure an Evaluator.
type Options struct {
	// Transactions counts Transaction Controller parent samples. They are
	// left out by default: a parent's elapsed time is the sum of its
	// children, which are counted themselves.
	Transactions bool
	// SubResults counts the sub-result rows JMeter 5.x CSV files carry
	// after their parent (redirects, embedded resources). Left out by
	// default: the parent already stands for them.
	SubResults bool
}

// Status is the verdict on one criterion.
type Status string

// Verdicts.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	// NoData: the criterion could not be measured (no sample of its label,
	// no full window, a rate over an empty time span). It counts as a
	// failure: a gate must not pass on results that are not there.
	NoData Status = "nodata"
)

// Outcome is the result of one criterion.
type Outcome struct {
	Criterion *Criterion
	Status    Status
	// Measured is the value compared with the threshold, in the canonical
	// unit of the criterion's Unit (ms, %, /s, count): over the whole run,
	// or in the worst full window. Valid when HasValue.
	Measured float64
	HasValue bool
	// Samples counts the samples in scope (matching the label) over the
	// whole run; Matching counts those with the code (rcNNN) or the errors.
	Samples  int64
	Matching int64
	// Windows is the number of full windows judged ("for" criteria only),
	// Failed how many of them broke the criterion.
	Windows int
	Failed  int
	// WorstStartMs is the start (epoch ms) of the worst window, and
	// WorstSamples the samples in scope in it.
	WorstStartMs int64
	WorstSamples int64
	// Detail explains the measurement in words (sample counts, the worst
	// window, why there was no data).
	Detail string
}

// MeasuredText returns the measured value in the unit of the threshold,
// e.g. "312ms", "48.43%", "20.5/s", or "-" when there is none.
func (o *Outcome) MeasuredText() string {
	if !o.HasValue {
		return "-"
	}
	u := o.Criterion.Unit
	return FormatValue(u.FromCanonical(o.Measured), u)
}

// acc accumulates the samples of one scope (whole run or one window).
type acc struct {
	n     int64           // samples
	hit   int64           // samples with the code / errors
	first int64           // earliest start (ms)
	last  int64           // latest end (ms)
	sum   float64         // elapsed times (ms), for avg
	h     *hist.Histogram // elapsed times, for percentiles only
}

// state is the evaluation state of one criterion.
type state struct {
	c       *Criterion
	run     acc
	windows map[int64]*acc // by window index; nil without "for"
	// matches caches label -> glob result.
	matches map[string]bool
}

// maxMatchCache bounds the label cache of one criterion (JMeter runs have
// tens of labels; a run with a label per request must not grow the cache).
const maxMatchCache = 10000

// maxLabelsKept bounds the labels remembered for "no sample matched" messages.
const maxLabelsKept = 1000

// Evaluator evaluates criteria over a stream of samples: Add every sample,
// then read Outcomes. Memory is bounded by the number of criteria times
// their full windows (one histogram per window for percentiles), not by the
// number of samples.
type Evaluator struct {
	opts     Options
	states   []*state
	samples  int64
	excluded int64
	started  bool
	anchor   int64 // start of the first sample: windows are [anchor+kW, anchor+(k+1)W)
	minStart int64
	maxEnd   int64
	labels   map[string]struct{}
	// txLabels are the labels of transaction parents seen (bounded).
	txLabels map[string]struct{}
}

// NewEvaluator returns an Evaluator of crits.
func NewEvaluator(crits []*Criterion, opts Options) *Evaluator {
	e := &Evaluator{opts: opts, labels: map[string]struct{}{}, txLabels: map[string]struct{}{}}
	for _, c := range crits {
		st := &state{c: c, matches: map[string]bool{}}
		if c.Subject.Kind == KindPercentile {
			st.run.h = &hist.Histogram{}
		}
		if c.Window > 0 {
			st.windows = map[int64]*acc{}
		}
		e.states = append(e.states, st)
	}
	return e
}

// Samples returns the number of samples evaluated.
func (e *Evaluator) Samples() int64 { return e.samples }

// Excluded returns the number of samples left out (transaction parents,
// sub-results of HTTP samples; see Options and Add).
func (e *Evaluator) Excluded() int64 { return e.excluded }

// Span returns the start of the first sample and the end of the last one
// (epoch ms) among those evaluated.
func (e *Evaluator) Span() (startMs, endMs int64) { return e.minStart, e.maxEnd }

// Add evaluates one sample (one row of the input, with its children). s is
// not retained.
//
// What counts are the requests the plan sent, as jmtune stats and analyze
// count them: a Transaction Controller (or Parallel Controller) parent is
// left out (unless Options.Transactions), and in XML, where a parent
// written with "Generate parent sample" holds its samples as children,
// each child counts, recursively. An HTTP sample's own sub-samples
// (redirect hops, embedded resources) do not count again, and neither do
// the sub-result rows JMeter 5.x writes after such a sample in CSV (unless
// Options.SubResults); the sub-result rows of a transaction parent are its
// samples, and count.
func (e *Evaluator) Add(s *jtl.Sample) {
	e.addRow(s, false, 0)
}

// maxChildDepth bounds the transaction nesting Add descends into.
const maxChildDepth = 16

// addRow evaluates s; child is true for a child of a transaction parent.
func (e *Evaluator) addRow(s *jtl.Sample, child bool, depth int) {
	tx := s.Transaction || strings.HasPrefix(s.ResponseMessage, jtl.TransactionPrefix)
	if tx && len(e.txLabels) < maxLabelsKept {
		if _, ok := e.txLabels[s.Label]; !ok {
			e.txLabels[strings.Clone(s.Label)] = struct{}{}
		}
	}
	switch {
	case tx && !e.opts.Transactions:
		e.excluded++
	case !child && s.SubResult && !e.opts.SubResults && !e.subResultOfTransaction(s.Label):
		e.excluded++
	default:
		e.add(s)
	}
	if tx && depth < maxChildDepth {
		for i := range s.Children {
			e.addRow(&s.Children[i], true, depth+1)
		}
	}
}

// subResultOfTransaction reports whether a sub-result row labelled label
// ("<parent>-<n>") belongs to a transaction parent (a parent row comes
// before its sub-results, in the file and in start order).
func (e *Evaluator) subResultOfTransaction(label string) bool {
	i := strings.LastIndexByte(label, '-')
	if i <= 0 {
		return false
	}
	_, ok := e.txLabels[label[:i]]
	return ok
}

// add evaluates one counted sample.
func (e *Evaluator) add(s *jtl.Sample) {
	w := int64(1)
	if s.SampleCount > 1 {
		w = int64(s.SampleCount)
	}
	e.samples += w
	start, end := s.Start, s.End()
	if !e.started {
		e.started = true
		e.anchor, e.minStart, e.maxEnd = start, start, end
	}
	e.minStart = min(e.minStart, start)
	e.maxEnd = max(e.maxEnd, end)
	if _, seen := e.labels[s.Label]; !seen && len(e.labels) < maxLabelsKept {
		e.labels[s.Label] = struct{}{}
	}
	errs := int64(0)
	switch {
	case w > 1 && s.Has&jtl.FieldErrorCount != 0:
		errs = int64(s.ErrorCount)
	case !s.Success:
		errs = w
	}
	for _, st := range e.states {
		if !st.match(s.Label) {
			continue
		}
		hit := int64(0)
		switch st.c.Subject.Kind {
		case KindCode:
			if codeMatches(st.c.Subject.Code, s.ResponseCode) {
				hit = w
			}
		case KindErrors:
			hit = errs
		}
		st.run.add(start, end, s.Elapsed, w, hit)
		if st.windows != nil {
			k := floorDiv(start-e.anchor, st.c.Window.Milliseconds())
			a := st.windows[k]
			if a == nil {
				a = &acc{}
				if st.c.Subject.Kind == KindPercentile {
					a.h = &hist.Histogram{}
				}
				st.windows[k] = a
			}
			a.add(start, end, s.Elapsed, w, hit)
		}
	}
}

// match reports whether the criterion covers label.
func (st *state) match(label string) bool {
	if st.c.Label == "" {
		return true
	}
	if m, ok := st.matches[label]; ok {
		return m
	}
	m := matchGlob(st.c.Label, label)
	if len(st.matches) < maxMatchCache {
		st.matches[label] = m
	}
	return m
}

// add records one row: one sample, or w samples in JMeter's Statistical
// mode, where elapsed is the sum over the w samples (each counts as
// elapsed/w, as analysis.Aggregate and JMeter's Aggregate Report count them).
func (a *acc) add(start, end, elapsed, w, hit int64) {
	if a.n == 0 {
		a.first, a.last = start, end
	}
	a.first = min(a.first, start)
	a.last = max(a.last, end)
	a.n += w
	a.hit += hit
	// A Statistical-mode row's elapsed is the sum over its w samples.
	a.sum += float64(elapsed)
	if a.h != nil {
		a.h.AddN(float64(elapsed)/float64(w), uint64(w))
	}
}

// floorDiv divides rounding toward minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// codeMatches reports whether the response code matches the pattern (three
// characters, '?' for any).
func codeMatches(pattern, code string) bool {
	if len(code) != len(pattern) {
		return false
	}
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '?' && pattern[i] != code[i] {
			return false
		}
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// value computes the criterion's quantity over a; ok is false when it is
// not defined (no samples for a share or a time; no time span for a rate).
// windowMs is the window length, or 0 for the whole run.
func (st *state) value(a *acc, windowMs int64) (v float64, ok bool) {
	c := st.c
	switch c.Subject.Kind {
	case KindCode, KindErrors:
		if c.Unit == Percent {
			if a.n == 0 {
				return 0, false
			}
			return 100 * float64(a.hit) / float64(a.n), true
		}
		return float64(a.hit), true
	case KindSamples:
		return float64(a.n), true
	case KindThroughput:
		span := windowMs
		if span == 0 {
			span = a.last - a.first
		}
		if span <= 0 {
			return 0, false
		}
		return float64(a.n) * 1000 / float64(span), true
	case KindAvg:
		if a.n == 0 {
			return 0, false
		}
		return a.sum / float64(a.n), true
	case KindPercentile:
		if a.n == 0 || a.h == nil {
			return 0, false
		}
		return a.h.Quantile(c.Subject.Percentile / 100), true
	}
	return 0, false
}

// Outcomes returns the verdict on every criterion, in the order given to
// NewEvaluator. Call it after the last Add.
func (e *Evaluator) Outcomes() []Outcome {
	out := make([]Outcome, 0, len(e.states))
	for _, st := range e.states {
		out = append(out, e.outcome(st))
	}
	return out
}

func (e *Evaluator) outcome(st *state) Outcome {
	c := st.c
	o := Outcome{Criterion: c, Samples: st.run.n, Matching: st.run.hit}
	if st.run.n == 0 {
		o.Status = NoData
		if c.Label != "" && e.samples > 0 {
			o.Detail = fmt.Sprintf("no sample label matches %s; labels seen: %s", quoteLabel(c.Label), e.labelList(8))
		} else {
			o.Detail = "no samples"
		}
		return o
	}
	if c.Window == 0 {
		v, ok := st.value(&st.run, 0)
		if !ok {
			o.Status = NoData
			o.Detail = "the samples span no time: a rate cannot be measured"
			return o
		}
		o.Measured, o.HasValue = v, true
		o.Status = Fail
		if c.Op.Holds(v, c.Threshold) {
			o.Status = Pass
		}
		o.Detail = st.runDetail()
		return o
	}
	w := c.Window.Milliseconds()
	full := floorDiv(e.maxEnd-e.anchor, w) // windows 0..full-1 are complete
	if full <= 0 {
		o.Status = NoData
		o.Detail = fmt.Sprintf("the run (%s) is shorter than one %s window", seconds(e.maxEnd-e.anchor), formatDuration(c.Window))
		return o
	}
	empty := &acc{}
	if c.Subject.Kind == KindPercentile {
		empty.h = &hist.Histogram{}
	}
	for k := int64(0); k < full; k++ {
		a := st.windows[k]
		if a == nil {
			a = empty
		}
		v, ok := st.value(a, w)
		if !ok {
			continue
		}
		o.Windows++
		if !c.Op.Holds(v, c.Threshold) {
			o.Failed++
		}
		worse := c.Op.upper() && v > o.Measured || !c.Op.upper() && v < o.Measured
		if !o.HasValue || worse {
			o.Measured, o.HasValue = v, true
			o.WorstStartMs = e.anchor + k*w
			o.WorstSamples = a.n
		}
	}
	if !o.HasValue {
		o.Status = NoData
		o.Detail = fmt.Sprintf("no samples in any of the %d full %s windows", full, formatDuration(c.Window))
		return o
	}
	o.Status = Pass
	if o.Failed > 0 {
		o.Status = Fail
	}
	worst := "highest"
	if !c.Op.upper() {
		worst = "lowest"
	}
	o.Detail = fmt.Sprintf("%s of %d full %s windows: %s (%d samples); %d of %d windows broke it",
		worst, o.Windows, formatDuration(c.Window), time.UnixMilli(o.WorstStartMs).UTC().Format(time.RFC3339),
		o.WorstSamples, o.Failed, o.Windows)
	return o
}

// runDetail explains a whole-run measurement.
func (st *state) runDetail() string {
	a := &st.run
	switch st.c.Subject.Kind {
	case KindCode:
		return fmt.Sprintf("%d of %d samples had response code %s", a.hit, a.n, st.c.Subject.String()[2:])
	case KindErrors:
		return fmt.Sprintf("%d of %d samples failed", a.hit, a.n)
	case KindThroughput:
		return fmt.Sprintf("%d samples in %s", a.n, seconds(a.last-a.first))
	}
	return fmt.Sprintf("%d samples", a.n)
}

// labelList returns up to n labels seen, sorted, for messages.
func (e *Evaluator) labelList(n int) string {
	ls := make([]string, 0, len(e.labels))
	for l := range e.labels {
		ls = append(ls, l)
	}
	sort.Strings(ls)
	more := ""
	if len(ls) > n {
		more = fmt.Sprintf(" and %d more", len(ls)-n)
		ls = ls[:n]
	}
	for i := range ls {
		ls[i] = quoteLabel(ls[i])
	}
	return strings.Join(ls, ", ") + more
}

// seconds formats a duration in ms as seconds: "89.3 s".
func seconds(ms int64) string {
	return FormatNumber(float64(ms)/1000) + " s"
}
