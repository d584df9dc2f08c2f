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
type events struct {
	t      []float64 // estimated server arrival, seconds after the run start
	dep    []float64 // estimated server departure (response sent), seconds
	y      []uint8
	ra     []float32 // Retry-After seconds, NaN when absent
	el     []float32 // elapsed, seconds
	row    []int32   // row in the table
	thread []uint32
	label  []uint16

	rttHalf float64 // estimated one-way delay added to start+connect, seconds
	lo, hi  float64 // time span
	nThr    int
	nAcc    int
}

func (e *events) len() int { return len(e.t) }

// scope is one partition rule: which events share one limiter state.
type scope struct {
	name   string
	part   []int32 // partition of each event
	nparts int
	order  []int32 // events sorted by (partition, time)
	segs   []int32 // order[segs[p]:segs[p+1]] are partition p's events
}

// buildEvents selects the limiter decisions of the limited labels.
func buildEvents(t *table, limited []bool, run0 int64) *events {
	// One-way delay: a throttled response costs the server almost nothing,
	// so latency-connect of throttles is about one round trip.
	var rtts []float64
	for i := 0; i < t.len(); i++ {
		if t.class(i) == clsThrottled && t.hasLatency {
			if d := t.latency[i] - t.connect[i]; d >= 0 {
				rtts = append(rtts, float64(d))
			}
		}
	}
	rttHalf := 0.0
	if len(rtts) > 0 {
		rttHalf = median(rtts) / 2 / 1000
	}
	e := &events{rttHalf: rttHalf}
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
		arr := st + float64(max(t.connect[i], 0))/1000 + rttHalf
		dep := st + float64(t.elapsed[i])/1000 - rttHalf
		if dep < arr {
			dep = arr
		}
		e.t = append(e.t, arr)
		e.dep = append(e.dep, dep)
		e.y = append(e.y, y)
		e.ra = append(e.ra, t.ra[i])
		e.el = append(e.el, float32(t.elapsed[i])/1000)
		e.row = append(e.row, int32(i))
		e.thread = append(e.thread, t.thread[i])
		e.label = append(e.label, t.label[i])
	}
	// Order by arrival (nearly sorted already: rows are sorted by start).
	// Within one arrival instant (timestamps are whole ms), admissions go
	// before rejections: a rejection followed in the same millisecond by
	// an admission would need a window reset or a token refill in that
	// very millisecond, while JMeter writes the fast rejection first (it
	// writes samples as they end).
	n := len(e.t)
	cmp := func(a, b int) int {
		switch {
		case e.t[a] < e.t[b]:
			return -1
		case e.t[a] > e.t[b]:
			return 1
		}
		return int(e.y[a]&evThrottled) - int(e.y[b]&evThrottled)
	}
	sorted := true
	for i := 1; i < n; i++ {
		if cmp(i-1, i) > 0 {
			sorted = false
			break
		}
	}
	if !sorted {
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortStableFunc(idx, func(a, b int32) int { return cmp(int(a), int(b)) })
		e.t = permute(e.t, idx)
		e.dep = permute(e.dep, idx)
		e.y = permute(e.y, idx)
		e.ra = permute(e.ra, idx)
		e.el = permute(e.el, idx)
		e.row = permute(e.row, idx)
		e.thread = permute(e.thread, idx)
		e.label = permute(e.label, idx)
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

// newScope builds a partition rule from a per-event key.
func newScope(name string, e *events, key func(i int) uint32) *scope {
	n := e.len()
	sc := &scope{name: name, part: make([]int32, n)}
	ids := map[uint32]int32{}
	for i := 0; i < n; i++ {
		k := key(i)
		p, ok := ids[k]
		if !ok {
			p = int32(len(ids))
			ids[k] = p
		}
		sc.part[i] = p
	}
	sc.nparts = len(ids)
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
	return newScope(ScopeShared, e, func(int) uint32 { return 0 })
}

func threadScope(e *events) *scope {
	return newScope(ScopePerThread, e, func(i int) uint32 { return e.thread[i] })
}

func labelScope(e *events) *scope {
	return newScope(ScopePerLabel, e, func(i int) uint32 { return uint32(e.label[i]) })
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
	s := &events{t: e.t[i0:i1], dep: e.dep[i0:i1], y: e.y[i0:i1], ra: e.ra[i0:i1], el: e.el[i0:i1],
		row: e.row[i0:i1], thread: e.thread[i0:i1], label: e.label[i0:i1], rttHalf: e.rttHalf}
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
