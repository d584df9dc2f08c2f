package analysis

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

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
	baseMs  int64    // epoch ms that start offsets count from
	start   []int32  // ms after baseMs
	elapsed []int32  // ms
	connect []uint16 // ms, at most 65535
	rtt     []int16  // latency - connect, ms, at most 32767; -1 when negative
	label   []uint16
	thread  []uint32
	engine  []uint8
	code    []uint16
	threads []uint16  // allThreads of the sample's engine (0 when absent), at most 65535
	ra      []float32 // Retry-After seconds; NaN when absent
	cls     []uint8   // class | flags
	url     []uint32  // hash of the URL (0 when absent)

	labels  intern
	threadN intern
	engines intern

	labelC, threadC, urlC, engineC strCache
	threadIDs                      []map[string]uint32 // per engine id: thread name -> thread id
	noEngine                       uint16              // id+1 of the engine "" (0: not seen)

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

// strCache is a direct-mapped cache from a string's memory to a value. The
// reader interns the strings of a column, so one label or thread name comes
// back as the same string memory row after row, and a pointer comparison
// saves hashing it into a map. The cache keeps the strings it holds alive,
// so an address it remembers is never reused for another string.
type strCache struct {
	s   []string
	val []uint32
}

// newStrCache returns a cache of size slots (a power of two).
func newStrCache(size int) strCache {
	return strCache{s: make([]string, size), val: make([]uint32, size)}
}

func (c *strCache) slot(x string) int {
	p := uintptr(unsafe.Pointer(unsafe.StringData(x)))
	return int((p>>3 ^ p>>13 ^ uintptr(len(x))*0x9e37) & uintptr(len(c.s)-1))
}

// get returns the value cached for the string memory of x.
func (c *strCache) get(x string) (uint32, bool) {
	if len(c.s) == 0 || len(x) == 0 {
		return 0, false
	}
	k := c.slot(x)
	y := c.s[k]
	if len(y) == len(x) && unsafe.StringData(y) == unsafe.StringData(x) {
		return c.val[k], true
	}
	return 0, false
}

func (c *strCache) put(x string, v uint32) {
	if len(c.s) == 0 || len(x) == 0 {
		return
	}
	k := c.slot(x)
	c.s[k], c.val[k] = x, v
}

// labelID returns the id of s's label without a retry suffix (see
// jtl.SplitRetryLabel) and the retry number.
func (t *table) labelID(label string) (uint16, int) {
	if v, ok := t.labelC.get(label); ok {
		return uint16(v), int(v >> 16)
	}
	base, n := jtl.SplitRetryLabel(label)
	id := uint16(min(t.labels.id(base), math.MaxUint16))
	if n < 1<<15 {
		t.labelC.put(label, uint32(id)|uint32(n)<<16)
	}
	return id, n
}

// engineID returns the id of an engine name.
func (t *table) engineID(engine string) uint8 {
	if engine == "" {
		if t.noEngine == 0 {
			t.noEngine = uint16(min(t.engines.id(""), math.MaxUint8)) + 1
		}
		return uint8(t.noEngine - 1)
	}
	if v, ok := t.engineC.get(engine); ok {
		return uint8(v)
	}
	id := uint8(min(t.engines.id(engine), math.MaxUint8))
	t.engineC.put(engine, uint32(id))
	return id
}

// threadID returns the id of a thread (engine and thread name).
func (t *table) threadID(eng uint8, engine, name string) uint32 {
	if v, ok := t.threadC.get(name); ok && v>>24 == uint32(eng) {
		return v & (1<<24 - 1)
	}
	if int(eng) >= len(t.threadIDs) {
		t.threadIDs = append(t.threadIDs, make([]map[string]uint32, int(eng)+1-len(t.threadIDs))...)
	}
	m := t.threadIDs[eng]
	if m == nil {
		m = map[string]uint32{}
		t.threadIDs[eng] = m
	}
	id, ok := m[name]
	if !ok {
		id = uint32(len(t.threadN.names))
		m[name] = id
		t.threadN.names = append(t.threadN.names, engine+"\x00"+name)
	}
	if id < 1<<24 {
		t.threadC.put(name, id|uint32(eng)<<24)
	}
	return id
}

// urlHash returns a non-zero 32-bit FNV-1a hash of a URL.
func (t *table) urlHash(u string) uint32 {
	if v, ok := t.urlC.get(u); ok {
		return v
	}
	h := uint32(2166136261)
	for i := 0; i < len(u); i++ {
		h ^= uint32(u[i])
		h *= 16777619
	}
	h |= 1
	t.urlC.put(u, h)
	return h
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
	read        int             // samples read from the source
	transaction int             // transaction parents and sub-results skipped
	leaves      int             // samples read from inside transaction parents (XML "Generate parent sample")
	filtered    int             // samples outside --label / --from / --to
	perFile     map[string]*int // rows kept per input file
	lastFile    string
	lastCount   *int
	files       []string
	raSamples   int
	raDate      int
}

// reserve makes room for n rows in every column, copying the rows in.
func (t *table) reserve(n int) {
	t.start = grow(t.start, n)
	t.elapsed = grow(t.elapsed, n)
	t.connect = grow(t.connect, n)
	t.rtt = grow(t.rtt, n)
	t.label = grow(t.label, n)
	t.thread = grow(t.thread, n)
	t.engine = grow(t.engine, n)
	t.code = grow(t.code, n)
	t.threads = grow(t.threads, n)
	t.ra = grow(t.ra, n)
	t.cls = grow(t.cls, n)
	t.url = grow(t.url, n)
}

// grow returns a with capacity for n elements.
func grow[T any](a []T, n int) []T {
	if cap(a) >= n {
		return a
	}
	out := make([]T, len(a), n)
	copy(out, a)
	return out
}

// add appends one sample to t. ts decides throttling; its treat5x is fixed
// after reading, so add stores the raw code and finish classifies.
func (t *table) add(s *jtl.Sample, rl jtl.RateLimit) {
	if len(t.start) == 0 {
		t.baseMs = s.Start - 24*3600*1000 // room for earlier starts in unsorted input
		t.labelC, t.threadC, t.urlC, t.engineC = newStrCache(256), newStrCache(2048), newStrCache(8192), newStrCache(64)
	}
	off := s.Start - t.baseMs
	if off < 0 || off > math.MaxInt32 {
		off = max(0, min(off, math.MaxInt32))
	}
	t.start = append(t.start, int32(off))
	t.elapsed = append(t.elapsed, clamp32(s.Elapsed))
	t.connect = append(t.connect, uint16(max(0, min(s.Connect, math.MaxUint16))))
	rtt := s.Latency - s.Connect
	if rtt < 0 {
		rtt = -1
	}
	t.rtt = append(t.rtt, int16(min(rtt, math.MaxInt16)))
	lid, retryN := t.labelID(s.Label)
	t.label = append(t.label, lid)
	eng := t.engineID(s.Engine)
	t.engine = append(t.engine, eng)
	t.thread = append(t.thread, t.threadID(eng, s.Engine, s.ThreadName))
	code := s.Code()
	t.code = append(t.code, uint16(code))
	t.threads = append(t.threads, uint16(max(0, min(s.AllThreads, math.MaxUint16))))
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
		uh = t.urlHash(s.URL)
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
// The order is applied to each column in place, so that no column is ever
// held twice.
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
	// A stable radix sort of the row numbers by start, 16 bits a pass (two
	// int32 arrays: half the memory of sorting (start, row) pairs).
	order := make([]int32, n)
	buf := make([]int32, n)
	maxStart := int32(0)
	for i := range order {
		order[i] = int32(i)
		maxStart = max(maxStart, t.start[i])
	}
	var cnt [1 << 16]int32
	for shift := uint(0); shift < 32 && maxStart>>shift > 0; shift += 16 {
		clear(cnt[:])
		for _, s := range t.start {
			cnt[uint32(s)>>shift&0xffff]++
		}
		sum := int32(0)
		for b, c := range cnt {
			cnt[b] = sum
			sum += c
		}
		for _, r := range order {
			b := uint32(t.start[r]) >> shift & 0xffff
			buf[cnt[b]] = r
			cnt[b]++
		}
		order, buf = buf, order
	}
	buf = nil
	// Two goroutines gather half of the columns each, one column at a time
	// through a scratch buffer.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tmp := make([]byte, 4*n)
		permuteVia(t.start, order, tmp)
		permuteVia(t.elapsed, order, tmp)
		permuteVia(t.thread, order, tmp)
		permuteVia(t.connect, order, tmp)
		permuteVia(t.cls, order, tmp)
	}()
	tmp := make([]byte, 4*n)
	permuteVia(t.ra, order, tmp)
	permuteVia(t.url, order, tmp)
	permuteVia(t.rtt, order, tmp)
	permuteVia(t.label, order, tmp)
	permuteVia(t.engine, order, tmp)
	permuteVia(t.code, order, tmp)
	permuteVia(t.threads, order, tmp)
	wg.Wait()
	if len(t.quota) > 0 {
		inv := make([]int32, n)
		for i, r := range order {
			inv[r] = int32(i)
		}
		for i := range t.quota {
			t.quota[i].idx = inv[t.quota[i].idx]
		}
		slices.SortFunc(t.quota, func(a, b quotaRow) int { return int(a.idx - b.idx) })
	}
}

// permuteVia reorders a so that the new a[i] is the old a[order[i]],
// gathering into tmp (at least len(a) elements of T, pointer-free) and
// copying back.
func permuteVia[T int32 | uint32 | float32 | uint16 | int16 | uint8](a []T, order []int32, tmp []byte) {
	if len(a) == 0 {
		return
	}
	var zero T
	buf := unsafe.Slice((*T)(unsafe.Pointer(&tmp[0])), len(tmp)/int(unsafe.Sizeof(zero)))[:len(a)]
	for i, r := range order {
		buf[i] = a[r]
	}
	copy(a, buf)
}

// permuteInPlace reorders a so that the new a[i] is the old a[order[i]],
// following the permutation's cycles; seen is scratch (cleared here).
func permuteInPlace[T any](a []T, order []int32, seen []uint64) {
	clear(seen)
	for i := range a {
		if seen[i>>6]&(1<<(i&63)) != 0 {
			continue
		}
		first := a[i]
		j := i
		for {
			seen[j>>6] |= 1 << (j & 63)
			k := int(order[j])
			if k == i {
				a[j] = first
				break
			}
			a[j] = a[k]
			j = k
		}
	}
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
	t.rtt = permute(t.rtt, perm)
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
