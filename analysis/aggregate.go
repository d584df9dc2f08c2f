package analysis

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"jmtune/internal/hist"
	"jmtune/jtl"
)

// Aggregate accumulates JMeter's Aggregate Report, and a little more, over a
// stream of samples in one pass and in constant memory per label: samples,
// errors, counts per response code, throughput, received and sent bytes, and
// the elapsed-time distribution (mean, standard deviation, min, max and any
// percentile, from a hist.Histogram rather than a stored slice).
//
// Use it as an accumulator: Add every sample in the hot loop, then call
// Result once (or now and then, for a live view) to get the derived values.
//
//	agg := analysis.NewAggregate()
//	for src.Scan() {
//		agg.Add(src.Sample())
//	}
//	rep := agg.Result()
//	for _, row := range rep.Labels { ... }
//	fmt.Println(rep.Total.P99Ms)
//
// Rules, matching JMeter's Aggregate Report (SamplingStatCalculator) unless
// noted:
//
//   - Rows are grouped by Sample.Label; labels are reported in order of
//     first appearance.
//   - A row stands for Sample.SampleCount samples (more than 1 in JMeter's
//     Statistical remote mode; 0 or less is taken as 1), of which ErrorCount
//     failed when the file carried ErrorCount, else 1 when Success is false.
//     Its elapsed time is the sum over those samples, so each counts as
//     Elapsed/SampleCount.
//   - Throughput is samples divided by the label's own span, from its
//     earliest sample start to its latest sample end (Start+Elapsed), as
//     JMeter computes it; KB/s use the same span and 1 KB = 1024 bytes.
//   - Percentiles use JMeter's nearest-rank rule (the value of rank
//     round(q*n)), within hist.MaxRelativeErrorInt (0.3%) of the exact value.
//   - Response codes are counted per sample (a Statistical row carries one
//     code for all its samples).
//   - Total differs from JMeter's TOTAL line on purpose: it counts each
//     request once, as the plan's samplers sent them (the leaf samples of
//     transactions, as Analyze does). Transaction Controller (and Parallel
//     Controller) parent rows are listed under their labels but left out
//     of Total. In XML, where a parent written with "Generate parent
//     sample" holds its samples as children, the children are counted
//     under their own labels, recursively (a child transaction is listed
//     like a top-level one); an HTTP sample's own sub-samples (redirect
//     hops, embedded resources) are not counted again: the sample is the
//     request. In CSV, the sub-result rows JMeter 5.x writes after their
//     parent (Sample.SubResult) are listed but left out of Total, unless
//     the parent was a transaction: then they are its samples, and count.
//
// Add does not allocate, except the first time a label, a response code, or
// a label's first transaction or sub-result row is seen; memory grows with
// the number of labels, not rows. An Aggregate is not safe for concurrent
// use.
type Aggregate struct {
	index map[string]*labelAcc
	order []*labelAcc
	// recent is a small direct-mapped cache in front of index, keyed by
	// the label's length and last byte: JTL rows interleave a handful of
	// labels, and comparing one string is cheaper than hashing it.
	recent [recentSize]*labelAcc
	rows   int64
}

const recentSize = 32

// recentSlot returns the cache slot of label.
func recentSlot(label string) int {
	n := len(label)
	if n == 0 {
		return 0
	}
	return (n*7 + int(label[n-1])) & (recentSize - 1)
}

// NewAggregate returns an empty Aggregate.
func NewAggregate() *Aggregate {
	return &Aggregate{index: make(map[string]*labelAcc)}
}

// TotalLabel is the Label of AggregateReport.Total.
const TotalLabel = "TOTAL"

// Row kinds (AggregateRow.Kind).
const (
	KindSample      = "sample"      // ordinary sampler rows
	KindTransaction = "transaction" // Transaction Controller parent rows (left out of Total)
	KindSubResult   = "sub-result"  // only sub-result rows (left out of Total)
	KindTotal       = "total"
)

// labelAcc accumulates one label. Each row goes to one accumulator only:
// counted (rows that Total counts) or excluded (transaction parents and
// sub-results). Result merges them into the label's row, and the counted
// ones of all labels into Total, so a row costs one update, not two.
type labelAcc struct {
	label    string
	counted  accum
	excluded *accum // allocated at the first transaction or sub-result row
	txRows   int64  // Transaction Controller parent rows
	subRows  int64  // sub-result rows
}

// accum accumulates the rows of one label (or part of one).
type accum struct {
	rows     int64
	samples  int64
	errors   int64
	sumSq    float64 // sum of squared per-sample elapsed times, for the standard deviation
	first    int64   // earliest start, epoch ms
	end      int64   // latest end, epoch ms
	hasTime  bool
	bytes    int64
	sent     int64
	hasSent  bool        // some row carried sentBytes (JMeter 2.13 files do not)
	codes    []codeCount // in order of first appearance
	lastCode int         // index in codes of the previous row's code
	hist     hist.Histogram
}

type codeCount struct {
	code string
	n    int64
}

// subResultOfTransaction reports whether a sub-result row labelled label
// ("<parent>-<n>") belongs to a transaction parent: its parent's label has
// transaction rows. The reader marks a sub-result by its label and thread
// in file order, and a parent row comes before its sub-results in the file
// and in start order (it starts no later), so the parent's label is known
// by then, also when several files are merged by start time.
func (a *Aggregate) subResultOfTransaction(label string) bool {
	i := strings.LastIndexByte(label, '-')
	if i <= 0 {
		return false
	}
	p := a.index[label[:i]]
	return p != nil && p.txRows > 0
}

// maxChildDepth bounds the transaction nesting Add descends into.
const maxChildDepth = 16

// Add accumulates one sample (one row of the input, with its children). s
// is not retained: the reader may reuse it.
func (a *Aggregate) Add(s *jtl.Sample) { a.AddFiltered(s, nil) }

// AddFiltered accumulates what keep accepts of one sample: the row itself,
// and, for a transaction parent, each of its samples (recursively) that
// keep accepts, whether or not it accepted the parent, so that a label
// filter finds the requests inside transactions. keep sees the row first,
// then its children in order. It reports whether anything was accumulated;
// Rows counts the rows for which it was. A nil keep accepts everything.
func (a *Aggregate) AddFiltered(s *jtl.Sample, keep func(*jtl.Sample) bool) bool {
	tx := isTransactionParent(s)
	added := false
	if keep == nil || keep(s) {
		switch {
		case s.SubResult && a.subResultOfTransaction(s.Label):
			a.add(s, false, false) // a sample of a transaction row: a request
		case s.SubResult:
			a.add(s, false, true)
		default:
			a.add(s, tx, false)
		}
		added = true
	}
	if tx && len(s.Children) > 0 && a.addChildren(s, keep, 0) {
		added = true
	}
	if added {
		a.rows++
	}
	return added
}

// isTransactionParent reports whether s is a Transaction (or Parallel)
// Controller parent sample. The reader marks top-level rows only, so a
// child's responseMessage is tested too.
func isTransactionParent(s *jtl.Sample) bool {
	return s.Transaction || strings.HasPrefix(s.ResponseMessage, jtl.TransactionPrefix)
}

// addChildren accumulates the children of the transaction parent p: each
// leaf under its own label, each nested transaction as a parent row and
// then its children.
// It reports whether keep (nil: all) accepted any of them.
func (a *Aggregate) addChildren(p *jtl.Sample, keep func(*jtl.Sample) bool, depth int) bool {
	added := false
	for i := range p.Children {
		c := &p.Children[i]
		tx := isTransactionParent(c)
		if keep == nil || keep(c) {
			a.add(c, tx, false)
			added = true
		}
		if tx && depth < maxChildDepth && a.addChildren(c, keep, depth+1) {
			added = true
		}
	}
	return added
}

// add accumulates one row of s's label: a transaction parent (tx) or a
// sub-result (sub) is listed but left out of Total.
func (a *Aggregate) add(s *jtl.Sample, tx, sub bool) {
	slot := recentSlot(s.Label)
	l := a.recent[slot]
	if l == nil || l.label != s.Label {
		l = a.index[s.Label]
		if l == nil {
			// Clone: the reader may reuse the bytes of s.Label.
			l = &labelAcc{label: strings.Clone(s.Label)}
			a.index[l.label] = l
			a.order = append(a.order, l)
		}
		a.recent[slot] = l
	}
	n := int64(s.SampleCount)
	if n < 1 {
		n = 1
	}
	var errs int64
	if s.Has&jtl.FieldErrorCount != 0 {
		errs = min(max(int64(s.ErrorCount), 0), n)
	} else if !s.Success {
		errs = n
	}
	if !tx && !sub {
		l.counted.add(s, n, errs)
		return
	}
	if tx {
		l.txRows++
	} else {
		l.subRows++
	}
	if l.excluded == nil {
		l.excluded = new(accum)
	}
	l.excluded.add(s, n, errs)
}

func (c *accum) add(s *jtl.Sample, n, errs int64) {
	c.rows++
	c.samples += n
	c.errors += errs
	c.bytes += s.Bytes
	c.sent += s.SentBytes
	if s.Has&jtl.FieldSentBytes != 0 {
		c.hasSent = true
	}
	if s.Has&jtl.FieldTimestamp != 0 {
		start, end := s.Start, s.Start+s.Elapsed
		if !c.hasTime {
			c.first, c.end, c.hasTime = start, end, true
		}
		if start < c.first {
			c.first = start
		}
		if end > c.end {
			c.end = end
		}
	}
	v := float64(s.Elapsed)
	if n > 1 {
		v /= float64(n)
	}
	c.hist.AddN(v, uint64(n))
	c.sumSq += v * v * float64(n)

	// Response codes: a handful per label, and consecutive rows usually
	// share one, so a short linear search from the last hit beats a map.
	code := s.ResponseCode
	if c.lastCode < len(c.codes) && c.codes[c.lastCode].code == code {
		c.codes[c.lastCode].n += n
		return
	}
	for i := range c.codes {
		if c.codes[i].code == code {
			c.codes[i].n += n
			c.lastCode = i
			return
		}
	}
	c.codes = append(c.codes, codeCount{code: strings.Clone(code), n: n})
	c.lastCode = len(c.codes) - 1
}

// merge adds o to c.
func (c *accum) merge(o *accum) {
	if o == nil {
		return
	}
	c.rows += o.rows
	c.samples += o.samples
	c.errors += o.errors
	c.sumSq += o.sumSq
	c.bytes += o.bytes
	c.sent += o.sent
	c.hasSent = c.hasSent || o.hasSent
	if o.hasTime {
		if !c.hasTime {
			c.first, c.end, c.hasTime = o.first, o.end, true
		}
		c.first = min(c.first, o.first)
		c.end = max(c.end, o.end)
	}
	c.hist.Merge(&o.hist)
next:
	for _, oc := range o.codes {
		for i := range c.codes {
			if c.codes[i].code == oc.code {
				c.codes[i].n += oc.n
				continue next
			}
		}
		c.codes = append(c.codes, oc)
	}
}

// Rows returns the number of rows (calls to Add) so far.
func (a *Aggregate) Rows() int64 { return a.rows }

// AggregateReport is the result of an Aggregate. Its JSON keys are stable
// (jmtune stats --format json); add keys, never rename them.
type AggregateReport struct {
	// Labels has one row per label, in order of first appearance.
	Labels []AggregateRow `json:"labels"`
	// Total covers every row except Transaction Controller parents and
	// sub-results (see Aggregate).
	Total AggregateRow `json:"total"`
	// Rows is the number of rows added (a Statistical row counts once).
	Rows int64 `json:"rows"`
}

// AggregateRow is one line of the report: one label, or the total.
// Times are in milliseconds, rates per second, KB are 1024 bytes.
type AggregateRow struct {
	Label string `json:"label"`
	// Kind is KindSample, KindTransaction (the label has Transaction
	// Controller parent rows), KindSubResult (all its rows are sub-results)
	// or KindTotal.
	Kind string `json:"kind"`

	Rows     int64   `json:"rows"`    // rows in the file(s)
	Samples  int64   `json:"samples"` // samples (rows weighted by SampleCount)
	Errors   int64   `json:"errors"`
	ErrorPct float64 `json:"error_pct"`
	// Codes counts samples per response code, numeric codes first in
	// ascending order, then other codes ("Non HTTP response code: ...")
	// alphabetically; "" is a row without a response code.
	Codes CodeCounts `json:"codes"`

	// StartMs and EndMs are the earliest sample start and latest sample end
	// (epoch ms); SpanS is EndMs-StartMs in seconds. Zero when the input had
	// no timestamps.
	StartMs int64   `json:"start_ms"`
	EndMs   int64   `json:"end_ms"`
	SpanS   float64 `json:"span_s"`
	// ThroughputPerS is Samples/SpanS (0 when the span is 0), as JMeter's
	// Aggregate Report computes it per label.
	ThroughputPerS float64 `json:"throughput_per_s"`

	MeanMs   float64 `json:"mean_ms"`
	StdDevMs float64 `json:"stddev_ms"` // population standard deviation, as JMeter's Summary Report
	MinMs    float64 `json:"min_ms"`
	P50Ms    float64 `json:"p50_ms"`
	P90Ms    float64 `json:"p90_ms"`
	P95Ms    float64 `json:"p95_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`

	ReceivedBytes  int64   `json:"received_bytes"`
	SentBytes      int64   `json:"sent_bytes"`
	ReceivedKBPerS float64 `json:"received_kb_per_s"`
	SentKBPerS     float64 `json:"sent_kb_per_s"`
	// NoSentBytes is true when no row carried sentBytes (JMeter before
	// 3.1 did not write it): SentBytes is then unknown, not 0.
	NoSentBytes bool `json:"-"`

	// Hist is the elapsed-time distribution (ms per sample), for other
	// percentiles or a chart. It is a copy: later Adds do not change it.
	Hist *hist.Histogram `json:"-"`
}

// CodeCount is the number of samples with one response code.
type CodeCount struct {
	Code  string `json:"code"`
	Count int64  `json:"count"`
}

// CodeCounts are counts per response code, in CodeLess order. In JSON they
// are an object from code to count, in the same order:
// {"200": 95, "429": 5}.
type CodeCounts []CodeCount

// MarshalJSON implements json.Marshaler.
func (cc CodeCounts) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, c := range cc {
		if i > 0 {
			b = append(b, ',')
		}
		k, err := json.Marshal(c.Code)
		if err != nil {
			return nil, err
		}
		b = append(b, k...)
		b = append(b, ':')
		b = strconv.AppendInt(b, c.Count, 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (cc *CodeCounts) UnmarshalJSON(data []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*cc = (*cc)[:0]
	for k, v := range m {
		*cc = append(*cc, CodeCount{Code: k, Count: v})
	}
	sort.Slice(*cc, func(i, j int) bool { return CodeLess((*cc)[i].Code, (*cc)[j].Code) })
	return nil
}

// Code returns the number of samples of r with response code code.
func (r *AggregateRow) Code(code string) int64 {
	for _, c := range r.Codes {
		if c.Code == code {
			return c.Count
		}
	}
	return 0
}

// Result computes the report from what was added so far. It may be called
// more than once; Add may go on afterwards.
func (a *Aggregate) Result() *AggregateReport {
	rep := &AggregateReport{Rows: a.rows, Labels: make([]AggregateRow, 0, len(a.order))}
	var total accum
	for _, l := range a.order {
		var all accum
		all.merge(&l.counted)
		all.merge(l.excluded)
		total.merge(&l.counted)
		row := all.row(l.label)
		switch {
		case l.txRows > 0:
			row.Kind = KindTransaction
		case l.subRows == all.rows:
			row.Kind = KindSubResult
		default:
			row.Kind = KindSample
		}
		rep.Labels = append(rep.Labels, row)
	}
	rep.Total = total.row(TotalLabel)
	rep.Total.Kind = KindTotal
	return rep
}

// row computes the derived values; c must not be used afterwards (the
// row's Hist is c's histogram).
func (c *accum) row(label string) AggregateRow {
	h := &c.hist
	r := AggregateRow{
		Label:         label,
		Rows:          c.rows,
		Samples:       c.samples,
		Errors:        c.errors,
		Codes:         make(CodeCounts, 0, len(c.codes)),
		ReceivedBytes: c.bytes,
		SentBytes:     c.sent,
		NoSentBytes:   !c.hasSent,
		Hist:          h,
	}
	for _, cc := range c.codes {
		r.Codes = append(r.Codes, CodeCount{Code: cc.code, Count: cc.n})
	}
	sort.Slice(r.Codes, func(i, j int) bool { return CodeLess(r.Codes[i].Code, r.Codes[j].Code) })
	if c.samples > 0 {
		r.ErrorPct = 100 * float64(c.errors) / float64(c.samples)
		r.MeanMs = h.Mean()
		r.StdDevMs = math.Sqrt(max(0, c.sumSq/float64(c.samples)-r.MeanMs*r.MeanMs))
		r.MinMs = h.Min()
		r.MaxMs = h.Max()
		r.P50Ms = h.Quantile(0.50)
		r.P90Ms = h.Quantile(0.90)
		r.P95Ms = h.Quantile(0.95)
		r.P99Ms = h.Quantile(0.99)
	}
	if c.hasTime {
		r.StartMs, r.EndMs = c.first, c.end
		if span := c.end - c.first; span > 0 {
			r.SpanS = float64(span) / 1000
			r.ThroughputPerS = float64(c.samples) / r.SpanS
			r.ReceivedKBPerS = float64(c.bytes) / 1024 / r.SpanS
			r.SentKBPerS = float64(c.sent) / 1024 / r.SpanS
		}
	}
	return r
}

// CodeLess orders response codes: numeric codes ascending, then the others
// alphabetically.
func CodeLess(a, b string) bool {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	switch {
	case ea == nil && eb == nil:
		return na < nb
	case ea == nil:
		return true
	case eb == nil:
		return false
	}
	return a < b
}
