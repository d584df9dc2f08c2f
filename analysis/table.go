package analysis

import (
	"hash/fnv"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"jmtune/jtl"
)

// Outcome classes of one request, as the limiter saw it.
const (
	clsAccepted   uint8 = iota // passed the limiter (any HTTP response but a throttle or a 5xx)
	clsThrottled               // rejected by the limiter (429, or a configured throttle code)
	clsError                   // HTTP 5xx: passed the limiter (counted) but not a limiter decision
	clsNoResponse              // no HTTP response (socket error, timeout): not counted, not judged
)

// Flag bits stored above the class bits.
const (
	clsMask       uint8 = 0x03
	flagRetryName uint8 = 1 << 2 // label written by jtl.RetryLabel ("... (retry n)")
	flagRADate    uint8 = 1 << 3 // Retry-After was an HTTP-date
	flagOK        uint8 = 1 << 4 // the sample succeeded (or did not say: JMeter reads a missing success as true)
)

// table holds the samples of a run as compact columns (struct of arrays), one
// entry per top-level sample, sorted by start time after finish. No per-row
// strings: labels, threads and engines are ids into small intern tables.
type table struct {
	baseMs  int64   // epoch ms that start offsets count from
	start   []int32 // ms after baseMs
	elapsed []int32 // ms
	connect []int32 // ms
	latency []int32 // ms
	label   []uint16
	thread  []uint32
	engine  []uint8
	code    []uint16
	threads []int32   // allThreads of the sample's engine (0 when absent)
	ra      []float32 // Retry-After seconds; NaN when absent
	cls     []uint8   // class | flags
	url     []uint32  // hash of the URL (0 when absent)

	labels  intern
	threadN intern
	engines intern

	// quota holds the rate-limit header values of the rows that carried any
	// (index into the columns above).
	quota []quotaRow
	// families are the header families seen, in first-seen order.
	families []string

	hasThreads bool
	hasConnect bool
	hasLatency bool
	hasURL     bool
}

// quotaRow is the quota-header information of one response.
type quotaRow struct {
	idx                         int32
	limit, remaining, reset, wd float32 // NaN when absent
	used                        float32
}

// intern maps strings to small ids.
type intern struct {
	ids   map[string]int
	names []string
}

func (in *intern) id(s string) int {
	if in.ids == nil {
		in.ids = map[string]int{}
	}
	if id, ok := in.ids[s]; ok {
		return id
	}
	id := len(in.names)
	in.ids[s] = id
	in.names = append(in.names, s)
	return id
}

func (t *table) len() int { return len(t.start) }

func (t *table) class(i int) uint8 { return t.cls[i] & clsMask }

// failed reports whether row i is a failure other than throttling: a 5xx,
// or no HTTP response from a sample that failed (a socket error, a
// timeout). A non-HTTP sample that succeeded (a JSR223 or Debug Sampler
// without a numeric code) is neither a request nor an error.
func (t *table) failed(i int) bool {
	switch t.class(i) {
	case clsError:
		return true
	case clsNoResponse:
		return t.cls[i]&flagOK == 0
	}
	return false
}

// startMs returns the epoch ms start of row i.
func (t *table) startMs(i int) int64 { return t.baseMs + int64(t.start[i]) }

// throttleSet decides which response codes mean "throttled".
type throttleSet struct {
	codes   []int
	dflt    bool // nil config: 429, and 503 with Retry-After
	treat5x bool // default set, and the run has 503s but no 429: treat 503 as throttling
}

func (ts throttleSet) throttled(code int, hasRA bool) bool {
	if ts.dflt {
		return code == 429 || (code == 503 && (hasRA || ts.treat5x))
	}
	return slices.Contains(ts.codes, code)
}

// rateLimiter is implemented by jtl.Sample once the header parser lands; the
// analysis falls back to reading the common headers and variables itself.
type rateLimiter interface {
	RateLimit() jtl.RateLimit
}

// sampleRateLimit returns the rate-limit information of s.
func sampleRateLimit(s *jtl.Sample) jtl.RateLimit {
	if rl, ok := any(s).(rateLimiter); ok {
		return rl.RateLimit()
	}
	return fallbackRateLimit(s)
}

// fallbackRateLimit reads Retry-After and the common quota headers from the
// response headers (XML) or the jmtune sample variables (CSV).
func fallbackRateLimit(s *jtl.Sample) jtl.RateLimit {
	var r jtl.RateLimit
	get := func(varName string, headers ...string) (string, bool) {
		if v, ok := s.Var(varName); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), true
		}
		for _, h := range headers {
			if v, ok := s.Headers.Get(h); ok && v != "" {
				return v, true
			}
		}
		return "", false
	}
	if v, ok := get(jtl.VarRetryAfter, "Retry-After"); ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
			r.RetryAfter, r.HasRetryAfter = f, true
		} else if d, err := http.ParseTime(v); err == nil {
			ref := time.UnixMilli(s.End())
			if dv, ok := get(jtl.VarDate, "Date"); ok {
				if dd, err := http.ParseTime(dv); err == nil {
					ref = dd
				}
			}
			r.RetryAfter = math.Max(0, d.Sub(ref).Seconds())
			r.HasRetryAfter, r.RetryAfterDate = true, true
		}
	}
	num := func(v string, ok bool) (float64, bool) {
		if !ok {
			return 0, false
		}
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	if f, ok := num(get(jtl.VarRLLimit, "X-RateLimit-Limit", "RateLimit-Limit", "inin-ratelimit-allowed")); ok {
		r.Limit, r.HasLimit = f, true
	}
	if f, ok := num(get(jtl.VarRLRemaining, "X-RateLimit-Remaining", "RateLimit-Remaining")); ok {
		r.Remaining, r.HasRemaining = f, true
	}
	if f, ok := num(get("", "inin-ratelimit-count", "X-RateLimit-Used")); ok {
		r.Used, r.HasUsed = f, true
	}
	if f, ok := num(get(jtl.VarRLReset, "X-RateLimit-Reset", "RateLimit-Reset", "inin-ratelimit-reset")); ok {
		if f > 1e9 {
			f = math.Max(0, f-float64(s.End())/1000)
		}
		r.Reset, r.HasReset = f, true
	}
	if r.HasLimit || r.HasRemaining || r.HasUsed || r.HasReset {
		switch {
		case s.Headers != "" && hasHeader(s.Headers, "inin-ratelimit-allowed", "inin-ratelimit-count"):
			r.Family = "inin"
		case s.Headers != "" && hasHeader(s.Headers, "RateLimit-Limit", "RateLimit-Remaining"):
			r.Family = "ratelimit"
		default:
			r.Family = "x-ratelimit"
		}
	}
	return r
}

func hasHeader(h jtl.Headers, names ...string) bool {
	for _, n := range names {
		if _, ok := h.Get(n); ok {
			return true
		}
	}
	return false
}

// ingestStats are counts gathered while reading.
type ingestStats struct {
	read        int // samples read from the source
	transaction int // transaction parents and sub-results skipped
	leaves      int // samples read from inside transaction parents (XML "Generate parent sample")
	filtered    int // samples outside --label / --from / --to
	perFile     map[string]int
	files       []string
	raSamples   int
	raDate      int
}

// add appends one sample to t. ts decides throttling; its treat5x is fixed
// after reading, so add stores the raw code and finish classifies.
func (t *table) add(s *jtl.Sample, rl jtl.RateLimit) {
	if len(t.start) == 0 {
		t.baseMs = s.Start - 24*3600*1000 // room for earlier starts in unsorted input
	}
	off := s.Start - t.baseMs
	if off < 0 || off > math.MaxInt32 {
		off = max(0, min(off, math.MaxInt32))
	}
	t.start = append(t.start, int32(off))
	t.elapsed = append(t.elapsed, clamp32(s.Elapsed))
	t.connect = append(t.connect, clamp32(s.Connect))
	t.latency = append(t.latency, clamp32(s.Latency))
	base, retryN := jtl.SplitRetryLabel(s.Label)
	t.label = append(t.label, uint16(min(t.labels.id(base), math.MaxUint16)))
	t.engine = append(t.engine, uint8(min(t.engines.id(s.Engine), math.MaxUint8)))
	t.thread = append(t.thread, uint32(t.threadN.id(s.Engine+"\x00"+s.ThreadName)))
	code := s.Code()
	t.code = append(t.code, uint16(code))
	t.threads = append(t.threads, int32(s.AllThreads))
	if s.Has&jtl.FieldAllThreads != 0 {
		t.hasThreads = true
	}
	if s.Has&jtl.FieldConnect != 0 {
		t.hasConnect = true
	}
	if s.Has&jtl.FieldLatency != 0 {
		t.hasLatency = true
	}
	ra := float32(math.NaN())
	var fl uint8
	if rl.HasRetryAfter {
		ra = float32(rl.RetryAfter)
		if rl.RetryAfterDate {
			fl |= flagRADate
		}
	}
	if retryN > 0 {
		fl |= flagRetryName
	}
	if code == 0 {
		fl |= clsNoResponse
	}
	if s.Success || s.Has&jtl.FieldSuccess == 0 {
		fl |= flagOK
	}
	t.ra = append(t.ra, ra)
	t.cls = append(t.cls, fl)
	var uh uint32
	if s.URL != "" {
		h := fnv.New32a()
		h.Write([]byte(s.URL))
		uh = h.Sum32() | 1
		t.hasURL = true
	}
	t.url = append(t.url, uh)
	if rl.HasLimit || rl.HasRemaining || rl.HasReset || rl.HasWindow || rl.HasUsed {
		q := quotaRow{idx: int32(len(t.start) - 1)}
		q.limit, q.remaining, q.reset, q.wd, q.used = nanUnless(rl.Limit, rl.HasLimit), nanUnless(rl.Remaining, rl.HasRemaining),
			nanUnless(rl.Reset, rl.HasReset), nanUnless(rl.Window, rl.HasWindow), nanUnless(rl.Used, rl.HasUsed)
		t.quota = append(t.quota, q)
		fam := rl.Family
		if fam == "" {
			fam = "quota"
		}
		if !slices.Contains(t.families, fam) {
			t.families = append(t.families, fam)
		}
	}
	if rl.HasRetryAfter && !slices.Contains(t.families, "retry-after") {
		t.families = append(t.families, "retry-after")
	}
}

func nanUnless(v float64, ok bool) float32 {
	if !ok {
		return float32(math.NaN())
	}
	return float32(v)
}

func clamp32(v int64) int32 {
	return int32(max(math.MinInt32, min(v, math.MaxInt32)))
}

// classify sets the outcome class of every row that has an HTTP response.
func (t *table) classify(ts throttleSet) {
	for i := range t.cls {
		c := int(t.code[i])
		if c == 0 {
			continue
		}
		fl := t.cls[i] &^ clsMask
		switch {
		case ts.throttled(c, !math.IsNaN(float64(t.ra[i]))):
			fl |= clsThrottled
		case c >= 500:
			fl |= clsError
		default:
			fl |= clsAccepted
		}
		t.cls[i] = fl
	}
}

// sortByStart orders every column by start time (stable for equal starts).
func (t *table) sortByStart() {
	n := t.len()
	sorted := true
	for i := 1; i < n; i++ {
		if t.start[i] < t.start[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return
	}
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(uint32(t.start[i]))<<32 | uint64(i)
	}
	slices.Sort(keys)
	perm := make([]int32, n)
	inv := make([]int32, n)
	for i, k := range keys {
		perm[i] = int32(uint32(k))
		inv[perm[i]] = int32(i)
	}
	keys = nil
	t.start = permute(t.start, perm)
	t.elapsed = permute(t.elapsed, perm)
	t.connect = permute(t.connect, perm)
	t.latency = permute(t.latency, perm)
	t.label = permute(t.label, perm)
	t.thread = permute(t.thread, perm)
	t.engine = permute(t.engine, perm)
	t.code = permute(t.code, perm)
	t.threads = permute(t.threads, perm)
	t.ra = permute(t.ra, perm)
	t.cls = permute(t.cls, perm)
	t.url = permute(t.url, perm)
	for i := range t.quota {
		t.quota[i].idx = inv[t.quota[i].idx]
	}
	slices.SortFunc(t.quota, func(a, b quotaRow) int { return int(a.idx - b.idx) })
}

// permute returns a reordered (or thinned) so that out[i] = a[perm[i]].
func permute[T any](a []T, perm []int32) []T {
	out := make([]T, len(perm))
	for i, p := range perm {
		out[i] = a[p]
	}
	return out
}

// dropNestedSubResults removes the CSV sub-result rows that the reader
// cannot mark: JMeter 5.5+ writes the sub-results of a Transaction
// Controller child ("a-0", "a-1": its redirect hops) before the child "a"
// itself, so they do not follow their parent. A run of rows "<L>-<n>" of
// one thread, followed on that thread by a row "<L>" whose time span
// contains theirs, are that row's sub-results. Rows are in file order here.
func dropNestedSubResults(t *table, st *ingestStats) {
	nl := len(t.labels.names)
	subOf := make([]int32, nl)
	any := false
	for l, name := range t.labels.names {
		subOf[l] = -1
		i := strings.LastIndexByte(name, '-')
		if i <= 0 || i == len(name)-1 {
			continue
		}
		digits := true
		for _, c := range []byte(name[i+1:]) {
			digits = digits && c >= '0' && c <= '9'
		}
		if !digits {
			continue
		}
		if b, ok := t.labels.ids[name[:i]]; ok {
			subOf[l] = int32(b)
			any = true
		}
	}
	if !any {
		return
	}
	nt := len(t.threadN.names)
	pendBase := make([]int32, nt)
	pend := make([][]int32, nt)
	for k := range pendBase {
		pendBase[k] = -1
	}
	drop := make([]bool, t.len())
	dropped := 0
	for i := 0; i < t.len(); i++ {
		th, l := t.thread[i], int32(t.label[i])
		if b := subOf[l]; b >= 0 {
			if pendBase[th] != b {
				pendBase[th], pend[th] = b, pend[th][:0]
			}
			pend[th] = append(pend[th], int32(i))
			continue
		}
		if pendBase[th] == l {
			s0, e0 := int64(t.start[i])-1, int64(t.start[i])+int64(t.elapsed[i])+1
			for _, j := range pend[th] {
				if s := int64(t.start[j]); s >= s0 && s+int64(t.elapsed[j]) <= e0 {
					drop[j] = true
					dropped++
				}
			}
		}
		pendBase[th], pend[th] = -1, pend[th][:0]
	}
	if dropped == 0 {
		return
	}
	st.transaction += dropped
	t.keep(drop)
}

// keep removes the rows marked in drop, keeping the order of the others.
func (t *table) keep(drop []bool) {
	perm := make([]int32, 0, t.len())
	newIdx := make([]int32, t.len())
	for i, d := range drop {
		newIdx[i] = -1
		if !d {
			newIdx[i] = int32(len(perm))
			perm = append(perm, int32(i))
		}
	}
	t.start = permute(t.start, perm)
	t.elapsed = permute(t.elapsed, perm)
	t.connect = permute(t.connect, perm)
	t.latency = permute(t.latency, perm)
	t.label = permute(t.label, perm)
	t.thread = permute(t.thread, perm)
	t.engine = permute(t.engine, perm)
	t.code = permute(t.code, perm)
	t.threads = permute(t.threads, perm)
	t.ra = permute(t.ra, perm)
	t.cls = permute(t.cls, perm)
	t.url = permute(t.url, perm)
	q := t.quota[:0]
	for _, r := range t.quota {
		if ni := newIdx[r.idx]; ni >= 0 {
			r.idx = ni
			q = append(q, r)
		}
	}
	t.quota = q
}
