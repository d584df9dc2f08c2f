package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"jmtune/analysis"
)

// Run is one side of a chart or report: a measured run, or a prediction of
// one (Predicted, e.g. from the simulator).
type Run struct {
	// Name is shown in titles, legends and table headers: "before",
	// "after", "predicted", or a file name.
	Name   string
	Result *analysis.Result
	// Predicted marks a simulated run; everything drawn or written from it
	// says "predicted".
	Predicted bool
}

// Size is the size of a single-panel chart in pixels; figures with more
// panels are taller.
type Size struct{ WidthPx, HeightPx int }

// DefaultSize is the size of a single-panel chart.
var DefaultSize = Size{WidthPx: 1200, HeightPx: 600}

// Figure names (file names without extension). The after run's own charts
// get AfterPrefix.
const (
	FigThroughput       = "throughput"
	FigLoad             = "load"
	FigResponseTimes    = "response-times"
	FigRetryAfter       = "retry-after"
	FigCodes            = "codes"
	FigCompareThrough   = "compare-throughput"
	FigCompareResponses = "compare-response-times"
	AfterPrefix         = "after-"
)

// maxWindowSpans is the most rate-limit windows shaded in one chart; with
// more the shading would be a grey wash.
const maxWindowSpans = 150

// maxCodeLines is the most response codes drawn as their own line; the
// rarest of the rest are summed into "other".
const maxCodeLines = 7

// Figures returns the charts of before and, when after is not nil, of after
// and the before/after overlays. Charts that have nothing to show (no
// Retry-After values, no series) are left out with a note saying why.
func Figures(before Run, after *Run, size Size) (figs []*Figure, notes []string) {
	if size.WidthPx <= 0 || size.HeightPx <= 0 {
		size = DefaultSize
	}
	add := func(run Run, prefix string) {
		if run.Result == nil || run.Result.Series == nil || seriesLen(run.Result.Series) == 0 {
			notes = append(notes, fmt.Sprintf("%s: no per-second series, so no charts of this run", runTitle(run)))
			return
		}
		figs = append(figs,
			throughputFigure(run, prefix, size),
			loadFigure(run, prefix, size),
			responseTimeFigure(run, prefix, size))
		if f := retryAfterFigure(run, prefix, size); f != nil {
			figs = append(figs, f)
		} else {
			notes = append(notes, fmt.Sprintf("%s: no throttled response carried Retry-After, so no Retry-After chart", runTitle(run)))
		}
		figs = append(figs, codesFigure(run, prefix, size))
		if l := run.Result.Limit; l.Detected && l.Algorithm == analysis.AlgoFixedWindow && l.WindowS != nil && l.PhaseS != nil && !windowsKnown(run.Result) {
			notes = append(notes, fmt.Sprintf("%s: the analysis' window boundaries (phase_s) disagree with the Retry-After values, so the windows are not drawn", runTitle(run)))
		}
	}
	// With an after run the overlays come first: they answer "did tuning
	// help?" at a glance.
	if after != nil && hasSeries(before) && hasSeries(*after) {
		figs = append(figs,
			compareThroughputFigure(before, *after, size),
			compareResponseFigure(before, *after, size))
	}
	add(before, "")
	if after != nil {
		add(*after, AfterPrefix)
	}
	for _, f := range figs {
		if hasEnvelope(f) {
			f.Caption += envelopeCaption
		}
	}
	return figs, notes
}

func hasSeries(r Run) bool {
	return r.Result != nil && r.Result.Series != nil && seriesLen(r.Result.Series) > 0
}

// runTitle is the run's name as shown in titles: "predicted" runs say so.
func runTitle(r Run) string {
	if r.Predicted && !strings.Contains(strings.ToLower(r.Name), "predicted") {
		return r.Name + " (predicted)"
	}
	return r.Name
}

// seriesLen is the number of buckets of s.
func seriesLen(s *analysis.Series) int {
	n := max(len(s.Offered), len(s.Accepted), len(s.Throttled), len(s.Errors), len(s.Threads))
	for _, c := range s.Codes {
		n = max(n, len(c))
	}
	return n
}

// stepS is the bucket length of s in seconds (1 when unset).
func stepS(s *analysis.Series) float64 {
	if s.StepMs <= 0 {
		return 1
	}
	return float64(s.StepMs) / 1000
}

// durationS is the length of the series in seconds.
func durationS(s *analysis.Series) float64 { return float64(seriesLen(s)) * stepS(s) }

// seriesLine is the line of a series of s: per-bucket values at the bucket
// starts (per second when perSecond), keeping only buckets for which keep
// returns true (nil keeps all). A series with more than two points per
// pixel column is reduced to column means with a min..max band.
func seriesLine(name, colour string, vals []float64, s *analysis.Series, perSecond bool, keep func(i int) bool, g grid) Line {
	step := stepS(s)
	div := 1.0
	if perSecond {
		div = step
	}
	pts := make([]analysis.Point, 0, len(vals))
	for i, v := range vals {
		if keep != nil && !keep(i) {
			continue
		}
		pts = append(pts, analysis.Point{X: float64(i) * step, Y: v / div})
	}
	l := Line{Name: name, Colour: colour}
	l.Points, l.Lo, l.Hi = ColumnEnvelope(pts, g.x0, g.x1, g.n)
	return l
}

// grid is the columns a run's series are reduced to: n columns over
// [x0, x1] seconds.
type grid struct {
	x0, x1 float64
	n      int
}

// gridFor is the grid of r's series in a chart columns pixels wide: the
// pixel columns; but when the series must be reduced and the limit is a
// fixed window drawn in the chart, columns of whole windows aligned with
// them, so that the column means do not swing with how many throttled
// window ends fall into each column (with 60 s windows and 42 s columns
// the mean of a steady run would wobble between 28 % and 72 % of its rate).
func gridFor(r *analysis.Result, columns int) grid {
	s := r.Series
	dur := durationS(s)
	g := grid{0, dur, columns}
	if seriesLen(s) <= 2*columns || !windowsKnown(r) {
		return g
	}
	w := *r.Limit.WindowS
	width := math.Ceil(dur/float64(columns)/w) * w
	x0 := firstWindowS(r)
	n := int(math.Ceil((dur - x0) / width))
	return grid{x0, x0 + float64(n)*width, n}
}

// stepLine is seriesLine drawn as steps while it is drawn point by point.
func stepLine(l Line) Line {
	l.Step = l.Lo == nil
	return l
}

// dashed returns l dashed.
func dashed(l Line) Line {
	l.Dashed = true
	return l
}

// envelopeCaption is added to the caption of a figure with reduced lines.
const envelopeCaption = " Long run: each line is the mean of a pixel column, the shaded band its minimum to maximum."

// hasEnvelope reports whether some line of f was reduced to a band.
func hasEnvelope(f *Figure) bool {
	for _, p := range f.Panels {
		for _, l := range p.Lines {
			if l.Lo != nil {
				return true
			}
		}
	}
	return false
}

func sum(vals []float64) float64 {
	t := 0.0
	for _, v := range vals {
		t += v
	}
	return t
}

// count formats a total with thousands separators: 12345 -> "12,345".
func count(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// seriesShiftS is how many seconds the series starts before the run: offsets
// measured from Run.StartMs (onset) become series offsets by adding it.
func seriesShiftS(r *analysis.Result) float64 {
	if r.Series == nil || r.Run.StartMs == 0 || r.Series.StartMs == 0 {
		return 0
	}
	return float64(r.Run.StartMs-r.Series.StartMs) / 1000
}

// onsetMarkers returns the onset marker of r (none when there was no onset).
func onsetMarkers(r *analysis.Result) []Marker {
	if r.Onset.OffsetS == nil {
		return nil
	}
	x := *r.Onset.OffsetS + seriesShiftS(r)
	label := "onset at " + clock(x, durationS(r.Series))
	if r.Onset.Threads != nil {
		label = fmt.Sprintf("onset: %d threads at %s", *r.Onset.Threads, clock(x, durationS(r.Series)))
	}
	return []Marker{{Label: label, Colour: Black, X: x}}
}

// limitText describes the inferred limit in a few words, e.g.
// "fixed-window 400 per 20 s = 20.0 req/s".
func limitText(l analysis.Limit) string {
	var b strings.Builder
	b.WriteString(l.Algorithm)
	if l.Limit != nil && l.WindowS != nil {
		fmt.Fprintf(&b, " %s per %s s", short(*l.Limit), short(*l.WindowS))
	}
	if l.RatePerS != nil {
		if l.Limit != nil && l.WindowS != nil {
			b.WriteString(" =")
		}
		fmt.Fprintf(&b, " %s req/s", fixed1(*l.RatePerS))
	}
	if l.Burst != nil {
		fmt.Fprintf(&b, ", burst %s", short(*l.Burst))
	}
	if l.Concurrency != nil {
		fmt.Fprintf(&b, " %s in flight", short(*l.Concurrency))
	}
	switch l.Scope {
	case analysis.ScopePerThread:
		b.WriteString(" per thread")
	case analysis.ScopePerLabel:
		b.WriteString(" per label")
	}
	return b.String()
}

// trimNum formats v without trailing zeros: 20 -> "20", 2.5 -> "2.5".
func trimNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// short formats a fitted parameter for a label with about three
// significant digits and no trailing zeros: 19.993 -> "20", 2.345 -> "2.35".
func short(v float64) string {
	prec := 2
	switch a := math.Abs(v); {
	case a >= 100:
		prec = 0
	case a >= 10:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fixed1 formats v with one decimal.
func fixed1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// addLimit adds the inferred limit to a rate panel: a dashed line at the
// sustained rate (per thread: rate x threads over time), its 95 % interval as
// a band, the windows of a fixed-window limiter as alternate shading and the
// window mean of the accepted rate. Without a limit it draws the lower bound
// the run proved, if any.
func addLimit(p *Panel, r *analysis.Result, columns int, windowMean bool) {
	s, l := r.Series, r.Limit
	if !l.Detected {
		if l.LowerBoundPerS != nil {
			p.HLines = append(p.HLines, HLine{Name: fmt.Sprintf("no limit reached: limit ≥ %s req/s", fixed1(*l.LowerBoundPerS)), Colour: Grey, Dashed: true, Y: *l.LowerBoundPerS})
		}
		return
	}
	if windowsKnown(r) {
		addWindows(p, r, columns, windowMean)
	}
	if l.RatePerS == nil {
		return
	}
	rate := *l.RatePerS
	name := "limit: " + limitText(l)
	switch l.Scope {
	case analysis.ScopePerThread:
		pts := make([]analysis.Point, len(s.Threads))
		for i, t := range s.Threads {
			pts[i] = analysis.Point{X: float64(i) * stepS(s), Y: rate * t}
		}
		p.Lines = append(p.Lines, Line{Name: name + " × threads", Colour: ColourLimit, Dashed: true,
			Points: MinMaxPerColumn(pts, 0, durationS(s), columns)})
		return
	case analysis.ScopePerLabel:
		if n := len(l.Labels); n > 1 {
			name = fmt.Sprintf("%s × %d labels", name, n)
			rate *= float64(n)
		}
	}
	if ci, ok := l.CI["rate_per_s"]; ok && ci[1] > ci[0] {
		k := rate / *l.RatePerS
		p.HBands = append(p.HBands, HBand{Name: "limit, 95% interval", Colour: Grey, Lo: ci[0] * k, Hi: ci[1] * k})
	}
	p.HLines = append(p.HLines, HLine{Name: name, Colour: ColourLimit, Dashed: true, Y: rate})
}

// firstWindowS is the first fixed-window boundary at or before the start of
// the series, in seconds from the series start.
func firstWindowS(r *analysis.Result) float64 {
	return firstBoundaryS(r.Series.StartMs, *r.Limit.WindowS, *r.Limit.PhaseS)
}

// firstBoundaryS is the last boundary at or before startMs (epoch ms) of
// windows w seconds long whose boundaries fall at phase seconds modulo w
// (epoch time), in seconds from startMs (zero or negative).
func firstBoundaryS(startMs int64, w, phase float64) float64 {
	start := float64(startMs) / 1000
	return math.Floor((start-phase)/w)*w + phase - start
}

// windowsKnown reports whether the windows of a fixed-window limit can be
// drawn: the limit has a window and a phase and, when Retry-After counts
// down to the window's end, at least 80 % of the throttled responses were
// told to wait until a boundary (within the whole second Retry-After is
// rounded to, plus half a second). Drawing windows the data contradict
// would mislead more than drawing none.
func windowsKnown(r *analysis.Result) bool {
	l := r.Limit
	if !l.Detected || l.Algorithm != analysis.AlgoFixedWindow || l.WindowS == nil || l.PhaseS == nil || *l.WindowS <= 0 {
		return false
	}
	ra := r.Series.RetryAfter
	if r.RetryAfter.Semantics != analysis.RASemWindowReset || len(ra) == 0 {
		return true
	}
	w, first := *l.WindowS, firstWindowS(r)
	step := max(1, len(ra)/10000)
	n, ok := 0, 0
	for i := 0; i < len(ra); i += step {
		reset := ra[i].X + ra[i].Y
		b := first + math.Round((reset-first)/w)*w
		if b >= reset-1.5 && b <= reset+0.5 {
			ok++
		}
		n++
	}
	return ok*5 >= n*4
}

// addWindows shades every other fixed window and, when mean is true, draws
// the accepted rate averaged over each whole window (a step line that sits
// at the limit's rate while the window is exhausted). A window cut by the
// start or the end of the run is left out of the step line: its requests
// over the part of it inside the run would read as a rate far above the
// limit (400 requests in the last 2.7 s of a 20 s window: 146 req/s).
func addWindows(p *Panel, r *analysis.Result, columns int, mean bool) {
	s, l := r.Series, r.Limit
	w := *l.WindowS
	dur := durationS(s)
	first := firstWindowS(r)
	n := int(math.Ceil((dur - first) / w))
	if n <= maxWindowSpans {
		for k := 0; k < n; k += 2 {
			from := first + float64(k)*w
			p.XSpans = append(p.XSpans, XSpan{Name: fmt.Sprintf("alternate %s s windows", short(w)), Colour: SkyBlue,
				From: math.Max(from, 0), To: math.Min(from+w, dur)})
		}
	}
	if !mean {
		return
	}
	step := stepS(s)
	k0, k1 := wholeWindows(first, w, runEndS(r))
	var pts []analysis.Point
	end := 0.0
	for k := k0; k < k1; k++ {
		i0, i1 := windowBins(s, first+float64(k)*w, first+float64(k+1)*w)
		if i1 <= i0 {
			continue
		}
		pts = append(pts, analysis.Point{X: float64(i0) * step, Y: sum(s.Accepted[i0:i1]) / (float64(i1-i0) * step)})
		end = float64(i1) * step
	}
	if len(pts) > 0 {
		pts = append(pts, analysis.Point{X: end, Y: pts[len(pts)-1].Y})
		p.Lines = append(p.Lines, Line{Name: "accepted, mean per whole window", Colour: ColourWindowAvg, Step: true,
			Points: MinMaxPerColumn(pts, 0, dur, columns)})
	}
}

// wholeWindows returns the fixed windows (numbered from the one starting at
// first, in seconds from the series start) that lie wholly inside a run
// ending at end: k0 <= k < k1. A window may reach outside the run by a
// little (half a second, or a twentieth of the window if less) and still
// count as whole: the run's start and end are rounded to its samples.
func wholeWindows(first, w, end float64) (k0, k1 int) {
	tol := math.Min(0.5, w/20)
	k0 = max(0, int(math.Ceil((-tol-first)/w)))
	k1 = int(math.Floor((end + tol - first) / w))
	return k0, max(k0, k1)
}

// windowBins returns the series buckets [i0, i1) that stand for the window
// [from, to) (seconds from the series start): the buckets ending in it. A
// bucket that a boundary cuts goes to the window that ends in it: an
// exhausted window accepts nothing in its last moments and the next one
// accepts a burst in its first, so the bucket holds the earlier window's
// (empty) end rather than a share of the later one's burst. Taking the
// buckets starting in the window instead made the means of exhausted 15 s
// windows swing between 92 and 108 % of the limit on the demo's run.
func windowBins(s *analysis.Series, from, to float64) (i0, i1 int) {
	step := stepS(s)
	from, to = math.Max(from, 0), math.Min(to, durationS(s))
	i0, i1 = int(math.Floor(from/step+1e-9)), int(math.Floor(to/step+1e-9))
	return i0, min(i1, len(s.Accepted))
}

// runEndS is the end of the run in seconds from the series start: the
// analysis' run duration, else the series' length.
func runEndS(r *analysis.Result) float64 {
	if d := r.Run.DurationS; d > 0 {
		return math.Min(d, durationS(r.Series))
	}
	return durationS(r.Series)
}

// WholeWindowRate is the accepted rate of r over the whole windows of a
// fixed-window limit of window w seconds whose boundaries fall at phase
// seconds modulo w (epoch time, as analysis.Limit.PhaseS), and how many
// whole windows the run held; ok is false when r has no series or no whole
// window. It leaves out the windows cut by the run's start and end, whose
// accepted requests over the part inside the run overstate the rate.
func WholeWindowRate(r *analysis.Result, w, phase float64) (rate float64, windows int, ok bool) {
	s := r.Series
	if s == nil || len(s.Accepted) == 0 || w <= 0 {
		return 0, 0, false
	}
	first := firstBoundaryS(s.StartMs, w, phase)
	k0, k1 := wholeWindows(first, w, runEndS(r))
	if k1 <= k0 {
		return 0, 0, false
	}
	i0, _ := windowBins(s, first+float64(k0)*w, first+float64(k0+1)*w)
	_, i1 := windowBins(s, first+float64(k1-1)*w, first+float64(k1)*w)
	if i1 <= i0 {
		return 0, 0, false
	}
	return sum(s.Accepted[i0:i1]) / (float64(i1-i0) * stepS(s)), k1 - k0, true
}

func throughputFigure(run Run, prefix string, size Size) *Figure {
	r, s := run.Result, run.Result.Series
	cols := size.WidthPx
	g := gridFor(r, cols)
	p := Panel{XLabel: "time since start", YLabel: "requests per second", TimeAxis: true, YFromZero: true, XMax: durationS(s)}
	addLimit(&p, r, cols, true)
	p.Lines = append([]Line{
		seriesLine("accepted ("+count(sum(s.Accepted))+")", ColourAccepted, s.Accepted, s, true, nil, g),
		seriesLine("throttled ("+count(sum(s.Throttled))+")", ColourThrottled, s.Throttled, s, true, nil, g),
		seriesLine("errors ("+count(sum(s.Errors))+")", ColourErrors, s.Errors, s, true, nil, g),
	}, p.Lines...)
	p.Markers = onsetMarkers(r)
	caption := "Requests per second by outcome; the dashed line is the inferred limit"
	if !r.Limit.Detected {
		caption = "Requests per second by outcome; no rate limit was detected"
	}
	if len(p.XSpans) > 0 {
		caption += "; shading marks every other rate-limit window"
	}
	if run.Predicted {
		caption += ". Predicted by the simulator, not measured"
	}
	return &Figure{Name: prefix + FigThroughput, Title: "Throughput per second — " + runTitle(run), Caption: caption + ".",
		WidthPx: size.WidthPx, HeightPx: size.HeightPx, Panels: []Panel{p}}
}

func loadFigure(run Run, prefix string, size Size) *Figure {
	r, s := run.Result, run.Result.Series
	cols := size.WidthPx
	g := gridFor(r, cols)
	top := Panel{Title: "Offered rate", XLabel: "time since start", YLabel: "requests per second", TimeAxis: true, YFromZero: true, XMax: durationS(s),
		Lines:   []Line{seriesLine("offered (requests started)", ColourOffered, s.Offered, s, true, nil, g)},
		Markers: onsetMarkers(r)}
	if r.Limit.Scope != analysis.ScopePerThread {
		addLimit(&top, r, cols, false)
		top.XSpans = nil
	}
	bottom := Panel{Title: "Active threads", XLabel: "time since start", YLabel: "threads / requests in flight", TimeAxis: true, YFromZero: true, XMax: durationS(s),
		Lines: []Line{
			stepLine(seriesLine("active threads", ColourThreads, s.Threads, s, false, nil, g)),
			seriesLine("requests in flight (mean)", ColourInFlight, s.InFlight, s, false, nil, g),
		},
		Markers: onsetMarkers(r)}
	if r.Limit.Detected && r.Limit.Concurrency != nil {
		bottom.HLines = append(bottom.HLines, HLine{Name: "limit: " + short(*r.Limit.Concurrency) + " in flight", Colour: ColourLimit, Dashed: true, Y: *r.Limit.Concurrency})
	}
	return &Figure{Name: prefix + FigLoad, Title: "Load: offered rate and active threads — " + runTitle(run),
		Caption: "Top: requests started per second against the limit. Bottom: JMeter's active threads and the requests in flight.",
		WidthPx: size.WidthPx, HeightPx: size.HeightPx * 3 / 2, Panels: []Panel{top, bottom}}
}

func responseTimeFigure(run Run, prefix string, size Size) *Figure {
	r, s := run.Result, run.Result.Series
	cols := size.WidthPx
	g := gridFor(r, cols)
	keep := func(i int) bool { return i < len(s.Accepted) && s.Accepted[i] > 0 }
	p := Panel{XLabel: "time since start", YLabel: "response time (ms)", TimeAxis: true, YFromZero: true, XMax: durationS(s),
		Lines: []Line{
			seriesLine("p50", ColourP50, s.P50, s, false, keep, g),
			seriesLine("p90", ColourP90, s.P90, s, false, keep, g),
			seriesLine("p99", ColourP99, s.P99, s, false, keep, g),
		},
		Markers: onsetMarkers(r)}
	return &Figure{Name: prefix + FigResponseTimes, Title: "Response time percentiles — " + runTitle(run),
		Caption: "Percentiles of accepted responses per second; seconds without accepted responses are skipped.",
		WidthPx: size.WidthPx, HeightPx: size.HeightPx, Panels: []Panel{p}}
}

// retryAfterFigure draws the Retry-After values over time (a sawtooth for
// window limiters) and their histogram; nil when there are none. The dots
// are thinned to one per 2x2-pixel cell (a dot is about 3 pixels wide).
func retryAfterFigure(run Run, prefix string, size Size) *Figure {
	r, s := run.Result, run.Result.Series
	if len(s.RetryAfter) == 0 {
		return nil
	}
	pts := make([]analysis.Point, len(s.RetryAfter))
	copy(pts, s.RetryAfter)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
	ymax := 0.0
	for _, p := range pts {
		ymax = math.Max(ymax, p.Y)
	}
	wide := size.WidthPx * 7 / 10
	dur := math.Max(durationS(s), pts[len(pts)-1].X)
	left := Panel{Title: "Retry-After over time", XLabel: "time since start", YLabel: "Retry-After (s)", TimeAxis: true, YFromZero: true, XMax: dur,
		Scatters: []Scatter{{Name: "Retry-After of a throttled response", Colour: ColourThrottled,
			Points: ThinScatter(pts, 0, dur, 0, math.Max(ymax, 1), wide/2, size.HeightPx/2)}},
		Markers: onsetMarkers(r)}
	if windowsKnown(r) {
		addWindows(&left, r, wide, false)
	}
	right := Panel{Title: "Histogram", XLabel: "Retry-After (s)", YLabel: "throttled responses", YFromZero: true,
		Bars: retryAfterBars(r, pts)}
	caption := "Each dot is one throttled response: when it came and the Retry-After it carried."
	if e := r.RetryAfter.Explanation; e != "" {
		caption += " " + e
	}
	return &Figure{Name: prefix + FigRetryAfter, Title: "Retry-After — " + runTitle(run), Caption: caption,
		WidthPx: size.WidthPx, HeightPx: size.HeightPx, Layout: WideNarrow, Panels: []Panel{left, right}}
}

// retryAfterBars are the histogram bars of Retry-After by whole second: from
// the analysis' histogram when it has one, else counted from the points.
func retryAfterBars(r *analysis.Result, pts []analysis.Point) []Bar {
	counts := map[float64]float64{}
	if len(r.RetryAfter.Histogram) > 0 {
		for _, b := range r.RetryAfter.Histogram {
			counts[b.Value] += float64(b.Count)
		}
	} else {
		for _, p := range pts {
			counts[math.Round(p.Y)]++
		}
	}
	keys := make([]float64, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Float64s(keys)
	bars := make([]Bar, len(keys))
	for i, k := range keys {
		bars[i] = Bar{X: k, Width: 0.8, Count: counts[k], Colour: ColourThrottled}
	}
	return bars
}

// codeColour picks a colour by status class: 2xx green, 3xx sky blue, 429
// vermillion, other 4xx orange, 5xx purple, anything else (non-HTTP
// failures) black.
func codeColour(code string) string {
	switch {
	case code == "429":
		return Vermillion
	case len(code) == 3 && code[0] == '2':
		return BluishGreen
	case len(code) == 3 && code[0] == '3':
		return SkyBlue
	case len(code) == 3 && code[0] == '4':
		return Orange
	case len(code) == 3 && code[0] == '5':
		return ReddishPurple
	case code == "other":
		return Grey
	}
	return Black
}

func codesFigure(run Run, prefix string, size Size) *Figure {
	r, s := run.Result, run.Result.Series
	cols := size.WidthPx
	g := gridFor(r, cols)
	type codeTotal struct {
		code  string
		total float64
	}
	var codes []codeTotal
	for c, v := range s.Codes {
		codes = append(codes, codeTotal{c, sum(v)})
	}
	sort.Slice(codes, func(i, j int) bool {
		if codes[i].total != codes[j].total {
			return codes[i].total > codes[j].total
		}
		return codes[i].code < codes[j].code
	})
	var lines []Line
	var other []float64
	otherN := 0
	for i, c := range codes {
		if i >= maxCodeLines && len(codes) > maxCodeLines+1 {
			other = addInto(other, s.Codes[c.code])
			otherN++
			continue
		}
		lines = append(lines, seriesLine(fmt.Sprintf("%s (%s)", c.code, count(c.total)), codeColour(c.code), s.Codes[c.code], s, true, nil, g))
	}
	// Codes of one class share a colour; dash every other one of a class.
	seen := map[string]int{}
	for i := range lines {
		seen[lines[i].Colour]++
		lines[i].Dashed = seen[lines[i].Colour]%2 == 0
	}
	if otherN > 0 {
		lines = append(lines, seriesLine(fmt.Sprintf("%d other codes (%s)", otherN, count(sum(other))), codeColour("other"), other, s, true, nil, g))
	}
	p := Panel{XLabel: "time since start", YLabel: "responses per second", TimeAxis: true, YFromZero: true, XMax: durationS(s),
		Lines: lines, Markers: onsetMarkers(r)}
	return &Figure{Name: prefix + FigCodes, Title: "Response codes per second — " + runTitle(run),
		Caption: "Responses per second by response code (legend: code and total).",
		WidthPx: size.WidthPx, HeightPx: size.HeightPx, Panels: []Panel{p}}
}

// addInto adds b into a elementwise, growing a as needed.
func addInto(a, b []float64) []float64 {
	for len(a) < len(b) {
		a = append(a, 0)
	}
	for i, v := range b {
		a[i] += v
	}
	return a
}

func compareThroughputFigure(before, after Run, size Size) *Figure {
	b, a := before.Result.Series, after.Result.Series
	cols := size.WidthPx
	gb, ga := gridFor(before.Result, cols), gridFor(after.Result, cols)
	dur := math.Max(durationS(b), durationS(a))
	p := Panel{XLabel: "time since start of each run", YLabel: "requests per second", TimeAxis: true, YFromZero: true, XMax: dur}
	addLimit(&p, before.Result, cols, true)
	p.XSpans = nil
	bn, an := runTitle(before), runTitle(after)
	for i := range p.Lines {
		if p.Lines[i].Step {
			p.Lines[i].Name += " — " + bn
		}
	}
	refs := p.Lines
	p.Lines = []Line{
		seriesLine("accepted — "+bn, ColourAccepted, b.Accepted, b, true, nil, gb),
		dashed(seriesLine("accepted — "+an, ColourAccepted, a.Accepted, a, true, nil, ga)),
		seriesLine("throttled — "+bn, ColourThrottled, b.Throttled, b, true, nil, gb),
		dashed(seriesLine("throttled — "+an, ColourThrottled, a.Throttled, a, true, nil, ga))}
	if sum(b.Errors)+sum(a.Errors) > 0 {
		p.Lines = append(p.Lines,
			seriesLine("errors — "+bn, ColourErrors, b.Errors, b, true, nil, gb),
			dashed(seriesLine("errors — "+an, ColourErrors, a.Errors, a, true, nil, ga)))
	}
	p.Lines = append(p.Lines, refs...)
	return &Figure{Name: FigCompareThrough, Title: "Throughput per second — " + bn + " vs " + an,
		Caption: "Solid: " + bn + "; dashed: " + an + ". Both runs start at 0; the black dashed line is the limit inferred from " + bn + ".",
		WidthPx: size.WidthPx, HeightPx: size.HeightPx, Panels: []Panel{p}}
}

func compareResponseFigure(before, after Run, size Size) *Figure {
	b, a := before.Result.Series, after.Result.Series
	cols := size.WidthPx
	gb, ga := gridFor(before.Result, cols), gridFor(after.Result, cols)
	dur := math.Max(durationS(b), durationS(a))
	keepB := func(i int) bool { return i < len(b.Accepted) && b.Accepted[i] > 0 }
	keepA := func(i int) bool { return i < len(a.Accepted) && a.Accepted[i] > 0 }
	bn, an := runTitle(before), runTitle(after)
	p := Panel{XLabel: "time since start of each run", YLabel: "response time (ms)", TimeAxis: true, YFromZero: true, XMax: dur}
	for _, q := range []struct {
		name   string
		colour string
		b, a   []float64
	}{{"p50", ColourP50, b.P50, a.P50}, {"p90", ColourP90, b.P90, a.P90}, {"p99", ColourP99, b.P99, a.P99}} {
		p.Lines = append(p.Lines,
			seriesLine(q.name+" — "+bn, q.colour, q.b, b, false, keepB, gb),
			dashed(seriesLine(q.name+" — "+an, q.colour, q.a, a, false, keepA, ga)))
	}
	return &Figure{Name: FigCompareResponses, Title: "Response time percentiles — " + bn + " vs " + an,
		Caption: "Solid: " + bn + "; dashed: " + an + ". Percentiles of accepted responses per second; both runs start at 0.",
		WidthPx: size.WidthPx, HeightPx: size.HeightPx, Panels: []Panel{p}}
}
