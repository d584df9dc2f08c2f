package analysis

import (
	"math"
	"slices"
	"strconv"
)

// secondSeries are per-second counts over the run (index i covers
// [run0 + i s, run0 + (i+1) s)), by sample start.
type secondSeries struct {
	n          int
	offered    []float64 // requests that reached the server (any label)
	accepted   []float64
	throttled  []float64
	errors     []float64
	threads    []float64 // active threads (allThreads summed over engines), max in the second
	inflight   []float64 // mean requests in flight
	limOffered []float64 // requests of the limited labels
	limAcc     []float64 // accepted requests of the limited labels
}

// buildSeconds fills the per-second series.
func buildSeconds(t *table, run0, runEnd int64, limited []bool) *secondSeries {
	n := int((runEnd-run0)/1000) + 1
	s := &secondSeries{n: n}
	mk := func() []float64 { return make([]float64, n) }
	s.offered, s.accepted, s.throttled, s.errors = mk(), mk(), mk(), mk()
	s.threads, s.inflight, s.limOffered, s.limAcc = mk(), mk(), mk(), mk()
	last := make([]int32, len(t.engines.names))
	var sum int32
	for i := 0; i < t.len(); i++ {
		st := t.startMs(i)
		b := int((st - run0) / 1000)
		if b < 0 || b >= n {
			continue
		}
		e := t.engine[i]
		sum += int32(t.threads[i]) - last[e]
		last[e] = int32(t.threads[i])
		if float64(sum) > s.threads[b] {
			s.threads[b] = float64(sum)
		}
		c := t.class(i)
		if c != clsNoResponse {
			s.offered[b]++
		}
		switch c {
		case clsAccepted:
			s.accepted[b]++
		case clsThrottled:
			s.throttled[b]++
		default:
			if t.failed(i) {
				s.errors[b]++
			}
		}
		if limited[t.label[i]] && c != clsNoResponse {
			s.limOffered[b]++
			if c == clsAccepted {
				s.limAcc[b]++
			}
		}
		// In-flight: spread the request's interval over the seconds it covers.
		end := st + int64(max(t.elapsed[i], 0))
		for x := st; x < end; {
			bb := int((x - run0) / 1000)
			if bb >= n {
				break
			}
			next := min(end, run0+int64(bb+1)*1000)
			s.inflight[bb] += float64(next-x) / 1000
			x = next
		}
	}
	// Threads: carry the last known count into seconds without samples.
	for b := 1; b < n; b++ {
		if s.threads[b] == 0 {
			s.threads[b] = s.threads[b-1]
		}
	}
	return s
}

// trailing returns the mean of v over the w seconds ending with second b.
func trailing(v []float64, b, w int) float64 {
	lo := max(0, b-w+1)
	var sum float64
	for k := lo; k <= b && k < len(v); k++ {
		sum += v[k]
	}
	return sum / float64(w)
}

// peakSustained is the highest mean of v over any w consecutive seconds.
func peakSustained(v []float64, w int) float64 {
	if len(v) == 0 {
		return 0
	}
	if len(v) < w {
		w = len(v)
	}
	var sum, best float64
	for k := range v {
		sum += v[k]
		if k >= w {
			sum -= v[k-w]
		}
		if k >= w-1 {
			best = math.Max(best, sum/float64(w))
		}
	}
	return best
}

// maxRaPoints bounds Series.RetryAfter.
const maxRaPoints = 20000

// series builds the Result.Series (per second, and per label).
func (a *analysis) series() *Series {
	t, s := a.t, a.sec
	out := &Series{StartMs: a.run0, StepMs: 1000,
		Offered: s.offered, Accepted: s.accepted, Throttled: s.throttled, Errors: s.errors,
		Threads: s.threads, InFlight: roundAll(s.inflight), Codes: map[string][]float64{}}
	n := s.n
	out.P50, out.P90, out.P99 = make([]float64, n), make([]float64, n), make([]float64, n)
	// Percentiles of accepted elapsed per second: rows are sorted by start,
	// so each second's rows are contiguous.
	var buf []float64
	flush := func(b int) {
		if b < 0 || b >= n || len(buf) == 0 {
			buf = buf[:0]
			return
		}
		slices.Sort(buf)
		out.P50[b] = quantileSorted(buf, 0.5)
		out.P90[b] = quantileSorted(buf, 0.9)
		out.P99[b] = quantileSorted(buf, 0.99)
		buf = buf[:0]
	}
	cur := -1
	perLabel := map[uint16]*Series{}
	nra := 0
	for i := 0; i < t.len(); i++ {
		if t.class(i) == clsThrottled && !math.IsNaN(float64(t.ra[i])) {
			nra++
		}
	}
	raStep := max(1, nra/maxRaPoints)
	raK := 0
	for i := 0; i < t.len(); i++ {
		b := int((t.startMs(i) - a.run0) / 1000)
		if b != cur {
			flush(cur)
			cur = b
		}
		if b < 0 || b >= n {
			continue
		}
		c := t.class(i)
		if c == clsAccepted {
			buf = append(buf, float64(t.elapsed[i]))
		}
		if t.code[i] != 0 {
			key := strconv.Itoa(int(t.code[i]))
			v, ok := out.Codes[key]
			if !ok {
				v = make([]float64, n)
				out.Codes[key] = v
			}
			v[b]++
		}
		if c == clsThrottled && !math.IsNaN(float64(t.ra[i])) {
			if raK%raStep == 0 {
				out.RetryAfter = append(out.RetryAfter, Point{X: round3(float64(t.startMs(i)-a.run0) / 1000), Y: float64(t.ra[i])})
			}
			raK++
		}
		ls, ok := perLabel[t.label[i]]
		if !ok {
			ls = &Series{StartMs: a.run0, StepMs: 1000, Offered: make([]float64, n), Accepted: make([]float64, n),
				Throttled: make([]float64, n), Errors: make([]float64, n)}
			perLabel[t.label[i]] = ls
		}
		if c != clsNoResponse {
			ls.Offered[b]++
		}
		switch c {
		case clsAccepted:
			ls.Accepted[b]++
		case clsThrottled:
			ls.Throttled[b]++
		default:
			if t.failed(i) {
				ls.Errors[b]++
			}
		}
	}
	flush(cur)
	if out.RetryAfter == nil {
		out.RetryAfter = []Point{}
	}
	if len(perLabel) > 1 {
		out.PerLabel = map[string]*Series{}
		for l, ls := range perLabel {
			out.PerLabel[t.labels.names[l]] = ls
		}
	}
	return out
}

func roundAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for k, x := range v {
		out[k] = round3(x)
	}
	return out
}
