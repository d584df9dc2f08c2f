package analysis

import (
	"math"
	"slices"
)

// Decision kinds of an event.
const (
	evAccepted  uint8 = 0 // the limiter let it through (judged)
	evThrottled uint8 = 1 // the limiter rejected it (judged)
	evCounted   uint8 = 2 // passed the limiter (5xx): counted, not judged
)

// events are the limiter decisions the models are fitted on: the requests of
// the limited labels that reached the server, ordered by their estimated
// server arrival time.
//
// Only the arrival time, the decision and the table row are kept per event
// (13 bytes); the rest is read from the table through row.
type events struct {
	t   []float64 // estimated server arrival, seconds after the run start
	y   []uint8
	row []int32 // row in the table
	tab *table

	off     int     // index of the first event in the events this is a slice of (see slice)
	idx     []int32 // for a thinned subset (see subset): the root index of each event; nil when contiguous
	rttHalf float64 // estimated one-way delay added to start+connect, seconds
	lo, hi  float64 // time span
	nThr    int
	nAcc    int
}

func (e *events) len() int { return len(e.t) }

// ra returns event i's Retry-After in seconds (NaN when absent).
func (e *events) ra(i int) float32 { return e.tab.ra[e.row[i]] }

// el returns event i's elapsed time in seconds.
func (e *events) el(i int) float32 { return float32(e.tab.elapsed[e.row[i]]) / 1000 }

// dep returns event i's estimated server departure (response sent): the
// start plus elapsed minus the one-way delay, not before the arrival.
func (e *events) dep(i int) float64 {
	r := e.row[i]
	return math.Max(e.t[i], e.t[i]+float64(e.tab.elapsed[r]-int32(e.tab.connect[r]))/1000-2*e.rttHalf)
}

// thread returns event i's thread id.
func (e *events) thread(i int) uint32 { return e.tab.thread[e.row[i]] }

// label returns event i's label id.
func (e *events) label(i int) uint16 { return e.tab.label[e.row[i]] }

// scope is one partition rule: which events share one limiter state.
type scope struct {
	name   string
	part   []int32 // partition of each event
	nparts int
	order  []int32 // events sorted by (partition, time)
	segs   []int32 // order[segs[p]:segs[p+1]] are partition p's events
	off    int     // the events' off: part[i] is for event off+i of the root events
	idx    []int32 // the events' idx (thinned subsets): part[i] is for root event idx[i]
}

// root returns the index in the root events of the scope's event i.
func (sc *scope) root(i int) int {
	if sc.idx != nil {
		return int(sc.idx[i])
	}
	return sc.off + i
}

// buildEvents selects the limiter decisions of the limited labels.
func buildEvents(t *table, limited []bool, run0 int64) *events {
	// One-way delay: a throttled response costs the server almost nothing,
	// so latency-connect of throttles is about one round trip.
	var rtts []int32
	for i := 0; i < t.len(); i++ {
		if t.class(i) == clsThrottled && t.hasLatency {
			if d := t.rtt[i]; d >= 0 {
				rtts = append(rtts, int32(d))
			}
		}
	}
	rttHalf := 0.0
	if len(rtts) > 0 {
		rttHalf = quantileInt(rtts, 0.5) / 2 / 1000
	}
	n := 0
	for i := 0; i < t.len(); i++ {
		if t.class(i) != clsNoResponse && limited[t.label[i]] {
			n++
		}
	}
	e := &events{rttHalf: rttHalf, tab: t, t: make([]float64, 0, n), y: make([]uint8, 0, n), row: make([]int32, 0, n)}
	for i := 0; i < t.len(); i++ {
		c := t.class(i)
		if c == clsNoResponse || !limited[t.label[i]] {
			continue
		}
		var y uint8
		switch c {
		case clsAccepted:
			y = evAccepted
		case clsThrottled:
			y = evThrottled
		default:
			y = evCounted
		}
		st := float64(t.startMs(i)-run0) / 1000
		e.t = append(e.t, st+float64(t.connect[i])/1000+rttHalf)
		e.y = append(e.y, y)
		e.row = append(e.row, int32(i))
	}
	// Order by arrival (nearly sorted already: rows are sorted by start).
	// Within one arrival instant (timestamps are whole ms), admissions go
	// before rejections: a rejection followed in the same millisecond by
	// an admission would need a window reset or a token refill in that
	// very millisecond, while JMeter writes the fast rejection first (it
	// writes samples as they end). Arrival is start + connect + the common
	// one-way delay, so the order is that of the whole milliseconds
	// start + connect: a stable radix sort of (ms, throttled, index) keys.
	sorted := true
	prevKey := uint64(0)
	keys := make([]uint64, n) // (ms << 1 | throttled)
	maxKey := uint64(0)
	for k, i := range e.row {
		ms := uint64(t.start[i]) + uint64(t.connect[i])
		keys[k] = ms<<1 | uint64(e.y[k]&evThrottled)
		if keys[k] < prevKey {
			sorted = false
		}
		prevKey = keys[k]
		maxKey = max(maxKey, keys[k])
	}
	if !sorted {
		// Usually a few events are a few places out of order: an
		// insertion sort with a budget of moves, else a radix sort.
		sorted = insertionSortEvents(e, keys, 8*n)
	}
	if !sorted {
		order := make([]int32, n)
		buf := make([]int32, n)
		for k := range order {
			order[k] = int32(k)
		}
		var cnt [1 << 16]int32
		for shift := uint(0); shift < 64 && maxKey>>shift > 0; shift += 16 {
			clear(cnt[:])
			for _, key := range keys {
				cnt[key>>shift&0xffff]++
			}
			sum := int32(0)
			for b, c := range cnt {
				cnt[b] = sum
				sum += c
			}
			for _, k := range order {
				b := keys[k] >> shift & 0xffff
				buf[cnt[b]] = k
				cnt[b]++
			}
			order, buf = buf, order
		}
		keys, buf = nil, nil
		seen := make([]uint64, (n+63)/64)
		permuteInPlace(e.t, order, seen)
		permuteInPlace(e.y, order, seen)
		permuteInPlace(e.row, order, seen)
	}
	for _, y := range e.y {
		switch y {
		case evAccepted:
			e.nAcc++
		case evThrottled:
			e.nThr++
		}
	}
	if n > 0 {
		e.lo, e.hi = e.t[0], e.t[n-1]
	}
	return e
}

// insertionSortEvents sorts e by keys (stable) unless that takes more than
// budget moves, and reports whether it did; it may leave e partly sorted.
func insertionSortEvents(e *events, keys []uint64, budget int) bool {
	for i := 1; i < len(keys); i++ {
		k := keys[i]
		if k >= keys[i-1] {
			continue
		}
		t, y, r := e.t[i], e.y[i], e.row[i]
		j := i
		for j > 0 && keys[j-1] > k {
			keys[j], e.t[j], e.y[j], e.row[j] = keys[j-1], e.t[j-1], e.y[j-1], e.row[j-1]
			j--
		}
		keys[j], e.t[j], e.y[j], e.row[j] = k, t, y, r
		if budget -= i - j; budget < 0 {
			return false
		}
	}
	return true
}

// newScope builds a partition rule from a per-event key below nkeys;
// partitions are numbered in the order of their first event.
func newScope(name string, e *events, nkeys int, key func(i int) uint32) *scope {
	n := e.len()
	sc := &scope{name: name, part: make([]int32, n), off: e.off, idx: e.idx}
	ids := make([]int32, nkeys)
	for k := range ids {
		ids[k] = -1
	}
	for i := 0; i < n; i++ {
		k := key(i)
		p := ids[k]
		if p < 0 {
			p = int32(sc.nparts)
			ids[k] = p
			sc.nparts++
		}
		sc.part[i] = p
	}
	counts := make([]int32, sc.nparts+1)
	for _, p := range sc.part {
		counts[p+1]++
	}
	for p := 1; p <= sc.nparts; p++ {
		counts[p] += counts[p-1]
	}
	sc.segs = slices.Clone(counts)
	sc.order = make([]int32, n)
	for i := 0; i < n; i++ {
		p := sc.part[i]
		sc.order[counts[p]] = int32(i)
		counts[p]++
	}
	return sc
}

func sharedScope(e *events) *scope {
	return newScope(ScopeShared, e, 1, func(int) uint32 { return 0 })
}

func threadScope(e *events) *scope {
	return newScope(ScopePerThread, e, len(e.tab.threadN.names), func(i int) uint32 { return e.thread(i) })
}

func labelScope(e *events) *scope {
	return newScope(ScopePerLabel, e, len(e.tab.labels.names), func(i int) uint32 { return uint32(e.label(i)) })
}

// median returns the median of v (which it sorts); NaN when empty.
func median(v []float64) float64 {
	return quantile(v, 0.5)
}

// quantile returns the q-quantile of v (sorting v in place); NaN when empty.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	pos := q * float64(len(v)-1)
	i := int(pos)
	if i >= len(v)-1 {
		return v[len(v)-1]
	}
	f := pos - float64(i)
	return v[i]*(1-f) + v[i+1]*f
}

// slice returns the events with index in [i0, i1) (a time range, since
// events are sorted by time). The slices share memory with e.
func (e *events) slice(i0, i1 int) *events {
	s := &events{t: e.t[i0:i1], y: e.y[i0:i1], row: e.row[i0:i1], tab: e.tab, rttHalf: e.rttHalf, off: e.off + i0}
	if e.idx != nil {
		s.idx = e.idx[i0:i1]
	}
	for _, y := range s.y {
		switch y {
		case evAccepted:
			s.nAcc++
		case evThrottled:
			s.nThr++
		}
	}
	if len(s.t) > 0 {
		s.lo, s.hi = s.t[0], s.t[len(s.t)-1]
	}
	return s
}

// subset returns at most max of the events with index in [i0, i1) (e
// contiguous): all of them when they are few enough; else all that passed
// the limiter and every k-th throttled one, k as small as fits; else, when
// even the admitted ones are too many, max contiguous events from i0 (or
// ending at i1 when fromEnd).
//
// Dropping throttled decisions leaves the limiter state of every model
// unchanged (a rejected request takes no quota; the rejected-counted
// variants are the exception, and are undercounted), so a thinned subset
// spans far more time, and more windows, than a contiguous one at a high
// request rate: mostly throttles.
func (e *events) subset(i0, i1, max int, fromEnd bool) *events {
	if i1-i0 <= max {
		return e.slice(i0, i1)
	}
	admitted, throttled := 0, 0
	for _, y := range e.y[i0:i1] {
		if y == evThrottled {
			throttled++
		} else {
			admitted++
		}
	}
	if admitted >= max*3/4 {
		if fromEnd {
			return e.slice(i1-max, i1)
		}
		return e.slice(i0, i0+max)
	}
	k := (throttled + max - admitted - 1) / (max - admitted)
	s := &events{tab: e.tab, rttHalf: e.rttHalf, off: e.off + i0}
	s.t = make([]float64, 0, max)
	s.y = make([]uint8, 0, max)
	s.row = make([]int32, 0, max)
	s.idx = make([]int32, 0, max)
	c := 0
	for i := i0; i < i1; i++ {
		if e.y[i] == evThrottled {
			c++
			if (c-1)%k != 0 {
				continue
			}
			s.nThr++
		} else if e.y[i] == evAccepted {
			s.nAcc++
		}
		s.t = append(s.t, e.t[i])
		s.y = append(s.y, e.y[i])
		s.row = append(s.row, e.row[i])
		s.idx = append(s.idx, int32(e.root(i)))
	}
	if len(s.t) > 0 {
		s.lo, s.hi = s.t[0], s.t[len(s.t)-1]
	}
	return s
}

// root returns the index in the root events of event i.
func (e *events) root(i int) int {
	if e.idx != nil {
		return int(e.idx[i])
	}
	return e.off + i
}

// pos returns the index in e of the root event r, if e holds it.
func (e *events) pos(r int) (int, bool) {
	if e.idx == nil {
		j := r - e.off
		return j, j >= 0 && j < len(e.t)
	}
	j, ok := slices.BinarySearch(e.idx, int32(r))
	return j, ok
}

// sliceTime returns the events with time in [lo, hi).
func (e *events) sliceTime(lo, hi float64) *events {
	i0, _ := slices.BinarySearch(e.t, lo)
	i1, _ := slices.BinarySearch(e.t, hi)
	return e.slice(i0, i1)
}

// scopeNamed builds the scope called name on e.
func scopeNamed(e *events, name string) *scope {
	switch name {
	case ScopePerThread:
		return threadScope(e)
	case ScopePerLabel:
		return labelScope(e)
	}
	return sharedScope(e)
}
