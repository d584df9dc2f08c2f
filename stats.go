package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gocarina/gocsv"
	"github.com/urfave/cli/v2"

	"jmtune/analysis"
	"jmtune/jtl"
)

const statsDescription = `Reads JMeter result files in one pass and prints JMeter's Aggregate Report
and more, per label and in total: samples, errors and error %, samples per
response code (429 in its own column), throughput, mean/min/max and
p50/p90/p95/p99 elapsed time, and received/sent bytes per second.

  jmtune stats results.jtl
  jmtune stats --label '^(login|get script)$' --from 2m --to 10m results.jtl
  jmtune stats --format json results.jtl > stats.json
  jmtune stats --format csv run1.jtl run2.jtl > stats.csv

How the numbers are computed:
  - Throughput is samples per second over each label's own span, from its
    first sample start to its last sample end, as in JMeter's Aggregate
    Report; TOTAL uses the span of all the rows it counts. KB are 1024 bytes.
  - Percentiles use JMeter's nearest-rank rule and come from a histogram
    accurate to 0.3% (exact below 512 ms), so memory stays flat on any file.
  - Transaction Controller parent rows ("Number of samples in transaction")
    and the sub-result rows JMeter 5.x writes after their parent (label-0,
    label-1, ...) are listed under their own labels but left out of TOTAL,
    so that TOTAL counts each request once.
  - Rows of JMeter's Statistical remote mode count as SampleCount samples,
    ErrorCount of them failed.

Flags go before the file names. Warnings (skipped rows, guessed column
layouts) go to standard error, apart from the report.`

// statsCommand returns the "stats" command.
func statsCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output `FORMAT`: text, json or csv"},
	}
	flags = append(flags, filterFlags()...)
	flags = append(flags, inputFlags()...)
	return &cli.Command{
		Name:        "stats",
		Usage:       "JMeter's Aggregate Report and more (codes, 429s, percentiles), in one pass",
		ArgsUsage:   "FILE...",
		Description: statsDescription,
		Flags:       flags,
		Action:      statsAction,
	}
}

func statsAction(c *cli.Context) error {
	files := c.Args().Slice()
	if err := checkFlagsBeforeFiles(files); err != nil {
		return err
	}
	format := c.String("format")
	switch format {
	case "text", "json", "csv":
	default:
		return usageErrorf("--format: want text, json or csv, got %q", format)
	}
	filter, err := newSampleFilter(c)
	if err != nil {
		return err
	}
	src, err := openInputs(c, files)
	if err != nil {
		return err
	}
	defer src.Close()

	stderr := c.App.ErrWriter
	prog := newProgressLine(src, stderr, "jmtune stats")
	agg := analysis.NewAggregate()
	var read int64
	for src.Scan() {
		read++
		if read&0xffff == 0 && prog != nil {
			prog.update(read)
		}
		s := src.Sample()
		if filter.active {
			agg.AddFiltered(s, filter.Keep) // also the samples inside transactions
			continue
		}
		agg.Add(s)
	}
	prog.done()
	printWarnings(stderr, "stats", src)
	warnings := statsWarnings(src, filter, read, agg.Rows())
	for _, w := range warnings[len(src.Warnings()):] {
		fmt.Fprintf(stderr, "jmtune stats: warning: %s\n", w)
	}
	if err := src.Err(); err != nil {
		return err
	}

	out := &statsOutput{
		Tool:          "jmtune stats",
		SchemaVersion: 1,
		Inputs:        files,
		Filter:        filter.describe(),
		RowsRead:      read,
		Skipped:       src.Skipped(),
		Warnings:      warnings,
	}
	rep := agg.Result()
	out.Rows = rep.Rows
	for _, r := range rep.Labels {
		out.Labels = append(out.Labels, roundRow(r))
	}
	out.Total = roundRow(rep.Total)

	w := bufio.NewWriter(c.App.Writer)
	switch format {
	case "json":
		err = writeStatsJSON(w, out)
	case "csv":
		err = writeStatsCSV(w, out)
	default:
		err = writeStatsText(w, out)
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

// checkFlagsBeforeFiles rejects a flag given after the file names, which
// urfave/cli would otherwise take for a file name.
func checkFlagsBeforeFiles(args []string) error {
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			return usageErrorf("%q comes after the file names: put flags before the files (jmtune stats [flags] FILE...)", a)
		}
	}
	return nil
}

// statsWarnings returns the reader's warnings and then the filter's, as
// lines for the JSON output; the filter's are also printed on stderr.
func statsWarnings(src jtl.Source, f *sampleFilter, read, kept int64) []string {
	var out []string
	for _, w := range src.Warnings() {
		out = append(out, w.Error())
	}
	if f.noTime > 0 {
		out = append(out, fmt.Sprintf("%d rows without a timestamp left out by --from/--to", f.noTime))
	}
	if read > 0 && kept == 0 && f.active {
		out = append(out, "no sample matched "+f.describe().String())
	}
	return out
}

// ---- Filter flags (shared with analyze, plot and report) -------------------

// filterFlags are the flags that choose which samples a command looks at:
// --label REGEX, --from and --to. --label has no -l alias: to JMeter users
// (and jmtune check) -l names the results file. Commands that use them build a
// sampleFilter with newSampleFilter.
func filterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "label", Usage: "keep only samples whose label matches the regular expression `REGEX` (Go syntax, unanchored)"},
		&cli.StringFlag{Name: "from", Usage: "keep samples that start at or after `TIME`: an offset from the run start (30s, 2m, 1h30m), an RFC 3339 time (2024-06-10T08:00:00Z) or epoch milliseconds"},
		&cli.StringFlag{Name: "to", Usage: "keep samples that start before `TIME` (same forms as --from)"},
	}
}

// sampleFilter keeps the samples chosen by the filter flags. Offsets in
// --from/--to count from the run start, taken as the start of the first row
// read (JMeter writes rows as samples end, so this is the test start to within
// one sample's elapsed time).
type sampleFilter struct {
	active   bool
	labelSrc string
	label    *regexp.Regexp
	from, to timeBound

	runStart     int64 // start of the first row, epoch ms
	started      bool
	fromMs, toMs int64 // resolved bounds, epoch ms; toMs = MaxInt64 when open

	// per-label verdict cache: labels repeat, regexp matching is slow
	verdict  map[string]labelVerdict
	last     labelVerdict
	haveLast bool

	noTime int64 // rows dropped for lack of a timestamp
}

// labelVerdict is whether --label keeps label.
type labelVerdict struct {
	label string
	keep  bool
}

// timeBound is one parsed --from/--to value.
type timeBound struct {
	set    bool
	offset bool  // ms is an offset from the run start
	ms     int64 // epoch ms, or offset in ms
	text   string
}

// newSampleFilter builds the filter from the flags; bad values are usage
// errors.
func newSampleFilter(c *cli.Context) (*sampleFilter, error) {
	f := &sampleFilter{verdict: map[string]labelVerdict{}}
	if s := c.String("label"); s != "" {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, usageErrorf("--label: %q is not a valid regular expression: %v", s, err)
		}
		f.label, f.labelSrc = re, s
	}
	var err error
	if f.from, err = parseTimeBound(c.String("from")); err != nil {
		return nil, usageErrorf("--from: %v", err)
	}
	if f.to, err = parseTimeBound(c.String("to")); err != nil {
		return nil, usageErrorf("--to: %v", err)
	}
	if f.from.set && f.to.set && f.from.offset == f.to.offset && f.to.ms <= f.from.ms {
		return nil, usageErrorf("--to %s is not after --from %s", f.to.text, f.from.text)
	}
	f.active = f.label != nil || f.from.set || f.to.set
	return f, nil
}

// parseTimeBound parses "" (unset), a Go duration (offset from the run
// start), an RFC 3339 time or epoch milliseconds.
func parseTimeBound(s string) (timeBound, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return timeBound{}, nil
	}
	b := timeBound{set: true, text: s}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return b, fmt.Errorf("%q: an offset counts from the run start and cannot be negative", s)
		}
		b.offset, b.ms = true, d.Milliseconds()
		return b, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if len(s) < 12 {
			return b, fmt.Errorf("%q: give an offset with a unit (%ss, %sm) or epoch milliseconds (13 digits)", s, s, s)
		}
		b.ms = n
		return b, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		b.ms = t.UnixMilli()
		return b, nil
	}
	return b, fmt.Errorf("%q is not a time: want an offset from the run start (30s, 2m, 1h30m), an RFC 3339 time (2024-06-10T08:00:00Z) or epoch milliseconds", s)
}

// Keep reports whether s passes the filter. Call it for every row read, in
// order, including rows it rejects: the first row fixes the run start.
func (f *sampleFilter) Keep(s *jtl.Sample) bool {
	if !f.started {
		f.start(s.Start)
	}
	if f.label != nil {
		if !f.haveLast || s.Label != f.last.label {
			v, ok := f.verdict[s.Label]
			if !ok {
				// Keep a copy: the reader may reuse the bytes of s.Label.
				v = labelVerdict{label: strings.Clone(s.Label), keep: f.label.MatchString(s.Label)}
				f.verdict[v.label] = v
			}
			f.last, f.haveLast = v, true
		}
		if !f.last.keep {
			return false
		}
	}
	if f.from.set || f.to.set {
		if s.Has&jtl.FieldTimestamp == 0 {
			f.noTime++
			return false
		}
		if s.Start < f.fromMs || s.Start >= f.toMs {
			return false
		}
	}
	return true
}

// KeepTree reports whether s or, for a transaction parent, one of the
// samples inside it (recursively) passes the filter: a parent whose own
// label does not match may hold requests that do. Call it for every row
// read, in order; it calls Keep on s first.
func (f *sampleFilter) KeepTree(s *jtl.Sample) bool {
	if f.Keep(s) {
		return true
	}
	if !s.Transaction && !strings.HasPrefix(s.ResponseMessage, jtl.TransactionPrefix) {
		return false
	}
	for i := range s.Children {
		if f.KeepTree(&s.Children[i]) {
			return true
		}
	}
	return false
}

// start fixes the run start and resolves offsets.
func (f *sampleFilter) start(runStart int64) {
	f.started, f.runStart = true, runStart
	f.fromMs, f.toMs = math.MinInt64, math.MaxInt64
	if f.from.set {
		f.fromMs = f.from.resolve(runStart)
	}
	if f.to.set {
		f.toMs = f.to.resolve(runStart)
	}
}

func (b timeBound) resolve(runStart int64) int64 {
	if b.offset {
		return runStart + b.ms
	}
	return b.ms
}

// Window returns the resolved --from/--to bounds in epoch ms for a run that
// starts at runStartMs, 0 for an open bound (the convention of
// analysis.Config.FromMs/ToMs).
func (f *sampleFilter) Window(runStartMs int64) (fromMs, toMs int64) {
	if f.from.set {
		fromMs = f.from.resolve(runStartMs)
	}
	if f.to.set {
		toMs = f.to.resolve(runStartMs)
	}
	return fromMs, toMs
}

// filterDesc describes the filter for output (JSON "filter" object).
type filterDesc struct {
	Label string `json:"label,omitempty"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
	// FromMs/ToMs are the resolved bounds (epoch ms), when the run had rows.
	FromMs *int64 `json:"from_ms,omitempty"`
	ToMs   *int64 `json:"to_ms,omitempty"`
}

func (f *sampleFilter) describe() *filterDesc {
	if !f.active {
		return nil
	}
	d := &filterDesc{Label: f.labelSrc, From: f.from.text, To: f.to.text}
	if f.started {
		if f.from.set {
			v := f.fromMs
			d.FromMs = &v
		}
		if f.to.set {
			v := f.toMs
			d.ToMs = &v
		}
	}
	return d
}

// String renders the filter as the flags that made it.
func (d *filterDesc) String() string {
	if d == nil {
		return ""
	}
	var parts []string
	if d.Label != "" {
		parts = append(parts, "--label "+strconv.Quote(d.Label))
	}
	if d.From != "" {
		parts = append(parts, "--from "+d.From)
	}
	if d.To != "" {
		parts = append(parts, "--to "+d.To)
	}
	return strings.Join(parts, " ")
}

// ---- Progress ----------------------------------------------------------------

// progressLine draws a one-line progress indicator on a terminal.
type progressLine struct {
	w     io.Writer
	p     jtl.Progress
	cmd   string
	begin time.Time
	last  time.Time
	shown bool
}

// progressMinSize is the input size from which a progress line may be shown.
const progressMinSize = 64 << 20

// newProgressLine returns a progress line for src on stderr, or nil when
// stderr is not a terminal, src cannot report progress, or the input is
// small.
func newProgressLine(src jtl.Source, stderr io.Writer, cmd string) *progressLine {
	p, ok := src.(jtl.Progress) // feature-detected: not every Source can tell
	if !ok || p.Size() < progressMinSize || !isTerminal(stderr) {
		return nil
	}
	now := time.Now()
	return &progressLine{w: stderr, p: p, cmd: cmd, begin: now, last: now}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update redraws the line at most 4 times a second, after the first half
// second (short runs show nothing).
func (pl *progressLine) update(rows int64) {
	now := time.Now()
	if now.Sub(pl.last) < 250*time.Millisecond || now.Sub(pl.begin) < 500*time.Millisecond {
		return
	}
	pl.last = now
	done, size := pl.p.BytesRead(), pl.p.Size()
	secs := now.Sub(pl.begin).Seconds()
	fmt.Fprintf(pl.w, "\r%s: %3.0f%%  %d of %d MB  %.1f M rows  %.1f M rows/s ",
		pl.cmd, 100*float64(done)/float64(size), done>>20, size>>20, float64(rows)/1e6, float64(rows)/1e6/secs)
	pl.shown = true
}

// done erases the line.
func (pl *progressLine) done() {
	if pl != nil && pl.shown {
		fmt.Fprint(pl.w, "\r\033[K")
	}
}

// ---- Output ------------------------------------------------------------------

// statsOutput is the JSON document of jmtune stats --format json; its keys
// are stable.
type statsOutput struct {
	Tool          string                  `json:"tool"`
	SchemaVersion int                     `json:"schema_version"`
	Inputs        []string                `json:"inputs"`
	Filter        *filterDesc             `json:"filter,omitempty"`
	RowsRead      int64                   `json:"rows_read"` // rows read, before filtering
	Rows          int64                   `json:"rows"`      // rows kept
	Skipped       int                     `json:"skipped_rows"`
	Labels        []analysis.AggregateRow `json:"labels"`
	Total         analysis.AggregateRow   `json:"total"`
	Notes         []string                `json:"notes"`
	Warnings      []string                `json:"warnings"`
}

// statsNotes explain how the numbers were computed.
var statsNotes = []string{
	"throughput: samples per second over each row's own first start to last end, as JMeter's Aggregate Report",
	"TOTAL leaves out Transaction Controller parent rows and sub-result rows, which are listed under their labels",
	"times in ms; percentiles by nearest rank, within 0.3% (exact below 512 ms); KB = 1024 bytes",
}

// round3 rounds to 3 decimals (µs for times in ms).
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// roundRow rounds the derived values of r for output.
func roundRow(r analysis.AggregateRow) analysis.AggregateRow {
	for _, p := range []*float64{&r.ErrorPct, &r.SpanS, &r.ThroughputPerS, &r.MeanMs, &r.StdDevMs,
		&r.MinMs, &r.P50Ms, &r.P90Ms, &r.P95Ms, &r.P99Ms, &r.MaxMs, &r.ReceivedKBPerS, &r.SentKBPerS} {
		*p = round3(*p)
	}
	return r
}

func writeStatsJSON(w io.Writer, out *statsOutput) error {
	out.Notes = statsNotes
	if out.Labels == nil {
		out.Labels = []analysis.AggregateRow{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// statsCSVRow is one line of jmtune stats --format csv.
type statsCSVRow struct {
	Label          string  `csv:"label"`
	Kind           string  `csv:"kind"`
	Rows           int64   `csv:"rows"`
	Samples        int64   `csv:"samples"`
	Errors         int64   `csv:"errors"`
	ErrorPct       float64 `csv:"error_pct"`
	Code429        int64   `csv:"code_429"`
	Codes          string  `csv:"codes"` // "200=95;429=5", codes in CodeLess order
	StartMs        int64   `csv:"start_ms"`
	EndMs          int64   `csv:"end_ms"`
	SpanS          float64 `csv:"span_s"`
	ThroughputPerS float64 `csv:"throughput_per_s"`
	MeanMs         float64 `csv:"mean_ms"`
	StdDevMs       float64 `csv:"stddev_ms"`
	MinMs          float64 `csv:"min_ms"`
	P50Ms          float64 `csv:"p50_ms"`
	P90Ms          float64 `csv:"p90_ms"`
	P95Ms          float64 `csv:"p95_ms"`
	P99Ms          float64 `csv:"p99_ms"`
	MaxMs          float64 `csv:"max_ms"`
	ReceivedBytes  int64   `csv:"received_bytes"`
	SentBytes      int64   `csv:"sent_bytes"`
	ReceivedKBPerS float64 `csv:"received_kb_per_s"`
	SentKBPerS     float64 `csv:"sent_kb_per_s"`
}

func writeStatsCSV(w io.Writer, out *statsOutput) error {
	rows := make([]statsCSVRow, 0, len(out.Labels)+1)
	for _, r := range append(append([]analysis.AggregateRow(nil), out.Labels...), out.Total) {
		codes := make([]string, len(r.Codes))
		for i, c := range r.Codes {
			codes[i] = c.Code + "=" + strconv.FormatInt(c.Count, 10)
		}
		rows = append(rows, statsCSVRow{
			Label: r.Label, Kind: r.Kind, Rows: r.Rows, Samples: r.Samples, Errors: r.Errors,
			ErrorPct: r.ErrorPct, Code429: r.Code("429"), Codes: strings.Join(codes, ";"),
			StartMs: r.StartMs, EndMs: r.EndMs, SpanS: r.SpanS, ThroughputPerS: r.ThroughputPerS,
			MeanMs: r.MeanMs, StdDevMs: r.StdDevMs, MinMs: r.MinMs, P50Ms: r.P50Ms, P90Ms: r.P90Ms,
			P95Ms: r.P95Ms, P99Ms: r.P99Ms, MaxMs: r.MaxMs, ReceivedBytes: r.ReceivedBytes,
			SentBytes: r.SentBytes, ReceivedKBPerS: r.ReceivedKBPerS, SentKBPerS: r.SentKBPerS,
		})
	}
	return gocsv.Marshal(rows, w)
}

// maxCodeColumns is how many response codes get a column of their own in
// the text table; the rest are summed under "other".
const maxCodeColumns = 6

// codeColumns chooses the response codes shown as columns: numeric codes,
// the most frequent first up to maxCodeColumns, 429 always; then in
// ascending order.
func codeColumns(rows []analysis.AggregateRow) (cols []string, other map[string]int64) {
	totals := map[string]int64{}
	var order []string
	for _, r := range rows {
		for _, c := range r.Codes {
			if _, ok := totals[c.Code]; !ok {
				order = append(order, c.Code)
			}
			totals[c.Code] += c.Count
		}
	}
	var numeric []string
	for _, c := range order {
		if n, err := strconv.Atoi(c); err == nil && n >= 100 && n <= 999 {
			numeric = append(numeric, c)
		}
	}
	// most frequent first; 429 ahead of all
	rank := func(c string) int64 {
		if c == "429" {
			return math.MaxInt64
		}
		return totals[c]
	}
	sortStable(numeric, func(a, b string) bool {
		if rank(a) != rank(b) {
			return rank(a) > rank(b)
		}
		return analysis.CodeLess(a, b)
	})
	if len(numeric) > maxCodeColumns {
		numeric = numeric[:maxCodeColumns]
	}
	sortStable(numeric, analysis.CodeLess)
	shown := map[string]bool{}
	for _, c := range numeric {
		shown[c] = true
	}
	other = map[string]int64{}
	for _, c := range order {
		if !shown[c] {
			other[c] = totals[c]
		}
	}
	return numeric, other
}

// sortStable is an insertion sort: a handful of codes.
func sortStable(s []string, less func(a, b string) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// writeStatsText writes the terminal table.
func writeStatsText(w io.Writer, out *statsOutput) error {
	all := append(append([]analysis.AggregateRow(nil), out.Labels...), out.Total)
	codes, other := codeColumns(out.Labels)

	// Summary line.
	t := out.Total
	if t.SpanS == 0 && len(out.Labels) > 0 {
		// no counted rows with time (e.g. only transactions): use the labels' span
		for _, r := range out.Labels {
			if r.SpanS > 0 && (t.StartMs == 0 || r.StartMs < t.StartMs) {
				t.StartMs = r.StartMs
			}
			t.EndMs = max(t.EndMs, r.EndMs)
		}
	}
	names := make([]string, len(out.Inputs))
	for i, in := range out.Inputs {
		names[i] = in
		if in == "-" {
			names[i] = "<stdin>"
		}
	}
	fmt.Fprintf(w, "%s: %d rows", strings.Join(names, ", "), out.RowsRead)
	if out.Filter != nil {
		fmt.Fprintf(w, ", %d kept by %s", out.Rows, out.Filter.String())
	}
	if t.EndMs > t.StartMs {
		start := time.UnixMilli(t.StartMs).UTC()
		end := time.UnixMilli(t.EndMs).UTC()
		fmt.Fprintf(w, ", %s to %s (%s)", start.Format("2006-01-02 15:04:05.000"), end.Format("15:04:05.000 MST"),
			time.Duration(t.EndMs-t.StartMs)*time.Millisecond)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)

	header := []string{"Label", "Samples", "Errors", "Error"}
	units := []string{"", "", "", "%"}
	for _, c := range codes {
		header, units = append(header, c), append(units, "")
	}
	if len(other) > 0 {
		header, units = append(header, "other"), append(units, "")
	}
	header = append(header, "Throughput", "Mean", "Min", "p50", "p90", "p95", "p99", "Max", "Received", "Sent")
	units = append(units, "/s", "ms", "ms", "ms", "ms", "ms", "ms", "ms", "KB/s", "KB/s")

	var cells [][]string
	var hasTx, hasSub bool
	for _, r := range all {
		label := r.Label
		switch r.Kind {
		case analysis.KindTransaction:
			label += " (transaction)"
			hasTx = true
		case analysis.KindSubResult:
			label += " (sub-result)"
			hasSub = true
		}
		row := []string{label, itoa(r.Samples), itoa(r.Errors), fmt.Sprintf("%.2f", r.ErrorPct)}
		var o int64
		for c := range other {
			o += r.Code(c)
		}
		for _, c := range codes {
			row = append(row, itoa(r.Code(c)))
		}
		if len(other) > 0 {
			row = append(row, itoa(o))
		}
		tp := "-"
		if r.SpanS > 0 {
			tp = fmt.Sprintf("%.2f", r.ThroughputPerS)
		}
		if r.Samples == 0 {
			row = append(row, tp, "-", "-", "-", "-", "-", "-", "-", "-", "-")
		} else {
			sent := fmt.Sprintf("%.2f", r.SentKBPerS)
			if r.NoSentBytes {
				sent = "-" // not in the file (JMeter before 3.1)
			}
			row = append(row, tp, fmt.Sprintf("%.1f", r.MeanMs), ms(r.MinMs), ms(r.P50Ms), ms(r.P90Ms),
				ms(r.P95Ms), ms(r.P99Ms), ms(r.MaxMs), fmt.Sprintf("%.2f", r.ReceivedKBPerS), sent)
		}
		cells = append(cells, row)
	}
	widths := make([]int, len(header))
	for _, row := range append([][]string{header, units}, cells...) {
		for i, c := range row {
			widths[i] = max(widths[i], len(c))
		}
	}
	line := func(row []string) {
		var b strings.Builder
		for i, c := range row {
			if i == 0 {
				b.WriteString(c + strings.Repeat(" ", widths[0]-len(c)))
				continue
			}
			b.WriteString("  " + strings.Repeat(" ", widths[i]-len(c)) + c)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(header)
	line(units)
	for i, row := range cells {
		if i == len(cells)-1 {
			total := 0
			for _, wd := range widths {
				total += wd + 2
			}
			fmt.Fprintln(w, strings.Repeat("-", total-2))
		}
		line(row)
	}

	fmt.Fprintln(w)
	if len(other) > 0 {
		keys := make([]string, 0, len(other))
		for c := range other {
			keys = append(keys, c)
		}
		sortStable(keys, analysis.CodeLess)
		fmt.Fprintln(w, "other codes:")
		for _, c := range keys {
			name := c
			if name == "" {
				name = "(no code)"
			}
			var where []string
			for _, r := range all {
				if n := r.Code(c); n > 0 {
					where = append(where, fmt.Sprintf("%s %d", r.Label, n))
				}
			}
			fmt.Fprintf(w, "  %s: %s\n", name, strings.Join(where, ", "))
		}
	}
	fmt.Fprintln(w, "Throughput is per second over each row's own first start to last end, as in JMeter's Aggregate Report.")
	if hasTx || hasSub {
		fmt.Fprintln(w, "Transaction and sub-result rows are listed but not counted in TOTAL.")
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ms formats a time in ms: whole numbers as such, others with one decimal.
func ms(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
