package analysis

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"jmtune/jtl"
)

// Config configures Analyze.
type Config struct {
	// ThrottleCodes are the response codes that mean "throttled"; nil means
	// 429 (and 503 when it carries Retry-After).
	ThrottleCodes []int
	// Label keeps only samples whose label matches; nil keeps all.
	Label *regexp.Regexp
	// FromMs and ToMs keep samples starting in [FromMs, ToMs) (epoch ms); 0 = open.
	FromMs, ToMs int64
	// Series fills Result.Series.
	Series bool
	// Tool is written to Result.Tool.
	Tool string
}

// ErrNoSamples is returned when the input held no sample to analyse.
var ErrNoSamples = errors.New("no samples to analyse")

// largeInput is the number of limiter decisions above which the model
// search uses smaller grids and fewer bootstrap resamples.
const largeInput = 400_000

// Analyze reads every sample of src and infers the rate limit.
//
// The method (see README.md, "jmtune analyze"): samples are kept as compact
// columns and sorted by start; the requests of the throttled labels become
// limiter decisions at their estimated server arrival time; every model
// (fixed window, sliding window log and counter, token bucket, leaky queue,
// concurrency cap) in every scope (shared, per thread, per label) is fitted
// by teacher-forced prediction of those decisions, and the model with the
// lowest BIC is chosen; its confidence comes from the BIC difference to the
// runner-up, its intervals from a moving-block bootstrap.
func Analyze(src jtl.Source, cfg Config) (*Result, error) {
	t, st, err := ingest(src, cfg)
	if err != nil {
		return nil, err
	}
	if t.len() == 0 {
		return nil, fmt.Errorf("%w (read %d samples; %d transaction parents or sub-results, %d outside the filters)",
			ErrNoSamples, st.read, st.transaction, st.filtered)
	}
	return analyzeTable(t, st, cfg, src)
}

// ingest reads src into a table.
//
// The table holds requests as the plan issued them: the leaf samples of
// transactions. A Transaction Controller parent (responseMessage "Number of
// samples in transaction", a Parallel Controller's too) is replaced by its
// children, recursively (XML with "Generate parent sample"); without
// children (CSV) it is skipped, its children being rows of their own. An
// HTTP sample's own sub-samples (redirect hops followed by JMeter, embedded
// resources) are not counted: the sample is one request in the units the
// plan controls (a sampler run, which a throughput timer paces), with the
// final hop's response code; CSV sub-result rows ("<label>-<n>") are
// skipped for the same reason, also when JMeter 5.5+ writes them before
// their parent (see dropNestedSubResults).
func ingest(src jtl.Source, cfg Config) (*table, *ingestStats, error) {
	t := &table{}
	// Once reserveAfter rows are in, the columns are reserved for the rows
	// the whole input will hold, extrapolated from the bytes read so far:
	// growing them by doubling would copy every column and leave the old
	// arrays behind as garbage.
	prog, _ := src.(jtl.Progress)
	reserved := prog == nil || prog.Size() <= 0
	st := &ingestStats{perFile: map[string]*int{}}
	// The reader marks a CSV row SubResult when it follows, in its file and
	// thread, a row whose label it extends ("<label>-<n>"). When that row
	// was a transaction parent (which is not counted), the sub-result is one
	// of its children: a request to count.
	type parentState struct {
		tx     bool
		thread string
	}
	parents := map[string]*parentState{}
	var lastFile string
	var last *parentState
	for src.Scan() {
		s := src.Sample()
		st.read++
		if !reserved && t.len() >= reserveAfter {
			reserved = true
			if read := prog.BytesRead(); read > 0 {
				est := float64(t.len()) * float64(prog.Size()) / float64(read) * 1.05
				t.reserve(int(min(est, maxReserve)) + reserveAfter)
			}
		}
		if last == nil || s.File != lastFile {
			lastFile = s.File
			if last = parents[s.File]; last == nil {
				last = &parentState{}
				parents[s.File] = last
			}
		}
		if s.SubResult {
			if !last.tx || last.thread != s.ThreadName {
				st.transaction++
				continue
			}
		} else {
			last.tx, last.thread = isTransaction(s), s.ThreadName
		}
		if isTransaction(s) {
			if len(s.Children) == 0 {
				st.transaction++
				continue
			}
			st.transaction++
			ingestChildren(t, st, s, cfg, 0)
			continue
		}
		ingestOne(t, st, s, cfg)
	}
	if err := src.Err(); err != nil {
		return nil, nil, err
	}
	dropNestedSubResults(t, st)
	return t, st, nil
}

// reserveAfter is the number of rows after which ingest reserves the
// columns for the whole input; maxReserve bounds the rows reserved.
const (
	reserveAfter = 20_000
	maxReserve   = 100_000_000
)

// maxDepth bounds the transaction nesting that ingest descends into.
const maxDepth = 16

// isTransaction reports whether s is a Transaction Controller (or Parallel
// Controller) parent sample. Children are not marked by the reader, so the
// responseMessage is tested again.
func isTransaction(s *jtl.Sample) bool {
	return s.Transaction || strings.HasPrefix(s.ResponseMessage, jtl.TransactionPrefix)
}

// ingestChildren adds the leaf samples under the transaction parent p.
func ingestChildren(t *table, st *ingestStats, p *jtl.Sample, cfg Config, depth int) {
	for k := range p.Children {
		c := &p.Children[k]
		if c.File == "" {
			c.File, c.Source = p.File, p.Source
		}
		if c.Line == 0 {
			c.Line = p.Line
		}
		if c.Engine == "" {
			c.Engine = p.Engine
		}
		if isTransaction(c) {
			st.transaction++
			if depth < maxDepth {
				ingestChildren(t, st, c, cfg, depth+1)
			}
			continue
		}
		st.leaves++
		ingestOne(t, st, c, cfg)
	}
}

// ingestOne adds one request sample unless the filters drop it.
func ingestOne(t *table, st *ingestStats, s *jtl.Sample, cfg Config) {
	if cfg.Label != nil && !cfg.Label.MatchString(s.Label) {
		st.filtered++
		return
	}
	if (cfg.FromMs != 0 && s.Start < cfg.FromMs) || (cfg.ToMs != 0 && s.Start >= cfg.ToMs) {
		st.filtered++
		return
	}
	if st.lastCount == nil || s.File != st.lastFile {
		c, ok := st.perFile[s.File]
		if !ok {
			c = new(int)
			st.perFile[s.File] = c
			st.files = append(st.files, s.File)
		}
		st.lastFile, st.lastCount = s.File, c
	}
	*st.lastCount++
	rl := sampleRateLimit(s)
	if rl.HasRetryAfter {
		st.raSamples++
		if rl.RetryAfterDate {
			st.raDate++
		}
	}
	t.add(s, rl)
}

// analyzeTable runs the analysis on a filled table.
func analyzeTable(t *table, st *ingestStats, cfg Config, src jtl.Source) (*Result, error) {
	t.sortByStart()
	ts := throttleSet{codes: cfg.ThrottleCodes, dflt: cfg.ThrottleCodes == nil}
	if ts.dflt {
		n429, n503 := 0, 0
		for _, c := range t.code {
			switch c {
			case 429:
				n429++
			case 503:
				n503++
			}
		}
		ts.treat5x = n429 == 0 && n503 > 0
	}
	t.classify(ts)

	res := &Result{SchemaVersion: SchemaVersion, Tool: cfg.Tool}
	res.Verdict, res.Candidates, res.Labels, res.Warnings = []string{}, []Candidate{}, []LabelStats{}, []string{}
	if ts.treat5x {
		res.Warnings = append(res.Warnings, "no 429 responses: 503 responses are treated as throttling (nginx limit_req answers 503)")
	}
	// Inputs.
	formats := map[string]jtl.Format{}
	switch v := src.(type) {
	case *jtl.Reader:
		formats[v.Name()] = v.Format()
	case interface{ Readers() []*jtl.Reader }:
		for _, r := range v.Readers() {
			formats[r.Name()] = r.Format()
		}
	}
	for _, f := range st.files {
		in := Input{File: f, Rows: *st.perFile[f], TimeMode: "start"}
		if fm, ok := formats[f]; ok {
			in.Format, in.Layout = fm.Kind, fm.Layout
			if fm.Timestamps == jtl.TimestampEnd {
				in.TimeMode = "end"
			}
		}
		res.Inputs = append(res.Inputs, in)
	}
	if len(res.Inputs) == 1 && src != nil {
		res.Inputs[0].Skipped = src.Skipped()
	}
	if src != nil {
		for _, w := range src.Warnings() {
			res.Warnings = append(res.Warnings, w.Error())
		}
	}
	if w := overlapWarning(t); w != "" {
		res.Warnings = append(res.Warnings, w)
	}

	a := &analysis{t: t, res: res, cfg: cfg}
	a.run()
	return res, nil
}

// analysis carries the intermediate results of one Analyze call.
type analysis struct {
	t   *table
	res *Result
	cfg Config

	run0, runEnd int64 // epoch ms
	limited      []bool
	ev           *events
	inf          *inference
	raSem        raSemantics
	sec          *secondSeries
	retryByLabel map[uint16]int
	buf          []int32 // see scratch
}

// scratch returns an int32 slice of length n, reused between calls (its
// contents are not kept): one array for the quantiles of per-row values.
func (a *analysis) scratch(n int) []int32 {
	if cap(a.buf) < n {
		a.buf = make([]int32, n)
	}
	return a.buf[:n]
}

func (a *analysis) run() {
	t, res := a.t, a.res
	a.run0 = t.startMs(0)
	a.runEnd = a.run0
	for i := 0; i < t.len(); i++ {
		a.runEnd = max(a.runEnd, t.startMs(i)+int64(t.elapsed[i]))
	}
	a.limited = limitedLabels(t)
	a.sec = buildSeconds(t, a.run0, a.runEnd, a.limited)
	res.Run.PeakAcceptedPerS = round3(peakSustained(a.sec.accepted, 10))
	// The run's statistics, the client's retries and the label table do not
	// depend on the fit: they are described while the events are built and
	// the models fitted.
	var side sync.WaitGroup
	side.Add(1)
	go func() {
		defer side.Done()
		a.runStats()
		a.fillRetries()
		a.fillLabels()
	}()
	a.ev = buildEvents(t, a.limited, a.run0)
	opt := inferOptions{bootstrap: 200, extraW: raWindowHints(a.ev)}
	if a.ev.len() > largeInput {
		opt.fast = true
		opt.bootstrap = 50
	}
	opt.extraW = append(opt.extraW, headerWindowHints(t)...)
	a.inf = infer(a.ev, opt)
	// Retry-After needs only the chosen model: it is read while the
	// inference finishes its checks.
	a.fillRetryAfter()
	a.inf.wait()
	a.fillLimit()
	a.fillHeaders()
	a.fillOnset()
	side.Wait()
	a.fillCandidates()
	a.fillRecommendation()
	a.fillVerdict()
	if a.cfg.Series {
		res.Series = a.series()
	}
}

// runStats fills Result.Run.
func (a *analysis) runStats() {
	t, r := a.t, &a.res.Run
	r.StartMs = a.run0
	r.Start = time.UnixMilli(a.run0).UTC().Format(time.RFC3339)
	r.DurationS = round3(float64(a.runEnd-a.run0) / 1000)
	r.Samples = t.len()
	acc := a.scratch(t.len())[:0]
	for i := 0; i < t.len(); i++ {
		switch t.class(i) {
		case clsAccepted:
			r.Accepted++
			acc = append(acc, t.elapsed[i])
		case clsThrottled:
			r.Throttled++
		default:
			if t.failed(i) {
				r.Errors++
			}
		}
		if t.code[i] != 0 {
			r.Requests++
		}
	}
	if r.Requests > 0 {
		r.Share429 = round4(float64(r.Throttled) / float64(r.Requests))
	}
	r.Engines = len(t.engines.names)
	r.MaxThreads = maxThreads(t)
	if len(acc) > 0 {
		var s float64
		for _, v := range acc {
			s += float64(v)
		}
		r.ResponseMeanS = round3(s / float64(len(acc)) / 1000)
		r.ResponseP90S = round3(quantileInt(acc, 0.9) / 1000)
		r.ResponseP95S = round3(quantileInt(acc, 0.95) / 1000)
	}
	r.ThinkS = round3(thinkTime(t, a.scratch(t.len())[:0]))
	if d := float64(a.runEnd-a.run0) / 1000; d > 0 {
		r.OfferedRatePerS = round3(float64(r.Requests) / d)
		r.AcceptedRatePerS = round3(float64(r.Accepted) / d)
	}
}

// maxThreads returns the most threads active at once: the largest
// allThreads summed over engines (each engine's latest value), else the
// number of distinct threads.
func maxThreads(t *table) int {
	if !t.hasThreads {
		return len(t.threadN.names)
	}
	last := make([]int32, len(t.engines.names))
	var sum, best int32
	for i := 0; i < t.len(); i++ {
		e := t.engine[i]
		sum += int32(t.threads[i]) - last[e]
		last[e] = int32(t.threads[i])
		best = max(best, sum)
	}
	return int(best)
}

// thinkTime is the median gap per thread between the end of one sample and
// the start of the next (seconds); gaps is scratch space.
func thinkTime(t *table, gaps []int32) float64 {
	lastEnd := make([]int64, len(t.threadN.names))
	for k := range lastEnd {
		lastEnd[k] = math.MinInt64
	}
	for i := 0; i < t.len(); i++ {
		th := t.thread[i]
		s := t.startMs(i)
		if lastEnd[th] != math.MinInt64 && s >= lastEnd[th] {
			gaps = append(gaps, int32(min(s-lastEnd[th], math.MaxInt32)))
		}
		lastEnd[th] = max(lastEnd[th], s+int64(t.elapsed[i]))
	}
	if len(gaps) == 0 {
		return 0
	}
	return quantileInt(gaps, 0.5) / 1000
}

// overlapWarning checks that samples of one thread do not overlap, which
// they would if timeStamp were the end time but was read as the start.
func overlapWarning(t *table) string {
	lastEnd := make([]int64, len(t.threadN.names))
	pairs, bad := 0, 0
	for i := 0; i < t.len(); i++ {
		th := t.thread[i]
		s := t.startMs(i)
		if lastEnd[th] != 0 {
			pairs++
			if s < lastEnd[th]-2 {
				bad++
			}
		}
		lastEnd[th] = max(lastEnd[th], s+int64(t.elapsed[i]))
	}
	if pairs >= 20 && bad*10 > pairs {
		return fmt.Sprintf("%d of %d consecutive samples of one thread overlap: timeStamp may be the end time (try --timestamps end)", bad, pairs)
	}
	return ""
}

// limitedLabels marks the labels that were throttled (at least twice, or at
// all when the run had at most two throttles); when nothing was throttled,
// every label.
func limitedLabels(t *table) []bool {
	n := len(t.labels.names)
	thr := make([]int, n)
	total := 0
	for i := 0; i < t.len(); i++ {
		if t.class(i) == clsThrottled {
			thr[t.label[i]]++
			total++
		}
	}
	lim := make([]bool, n)
	for l := range lim {
		switch {
		case total == 0:
			lim[l] = true
		case total <= 2:
			lim[l] = thr[l] > 0
		default:
			lim[l] = thr[l] >= 2
		}
	}
	return lim
}

// limitedNames returns the names of the limited labels, sorted.
func (a *analysis) limitedNames() []string {
	var out []string
	for l, ok := range a.limited {
		if ok {
			out = append(out, a.t.labels.names[l])
		}
	}
	slices.Sort(out)
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
func round4(v float64) float64 { return math.Round(v*10000) / 10000 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }

func ptr[T any](v T) *T { return &v }

// fptr returns a pointer to v rounded to 4 significant decimals, or nil for NaN.
func fptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return ptr(roundSig(v))
}

// roundSig rounds v to a precision that keeps JSON readable: 3 decimals
// below 100, 1 decimal below 10000, else whole numbers.
func roundSig(v float64) float64 {
	switch a := math.Abs(v); {
	case a < 100:
		return round3(v)
	case a < 10000:
		return math.Round(v*10) / 10
	}
	return math.Round(v)
}
