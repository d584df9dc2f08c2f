package analysis

import (
	"math"
	"time"
)

// fillOnset finds when sustained throttling started and stopped.
//
// The onset is the first throttled sample (of the limited labels, by start)
// after which no two consecutive throttles are more than G apart, with
// G = max(5 s, W + 1 s) for window limits and 5 s otherwise; onset.threads is
// JMeter's allThreads on that sample. It is not reported for per-thread
// limits, whose onset does not depend on the number of threads.
func (a *analysis) fillOnset() {
	t, o := a.t, &a.res.Onset
	b := a.inf.best
	gap := 5.0
	if b != nil && (b.algo == AlgoFixedWindow || b.algo == AlgoSlidingWindow) {
		gap = math.Max(5, b.cont+1)
	}
	var thr []int
	for i := 0; i < t.len(); i++ {
		if t.class(i) == clsThrottled && a.limited[t.label[i]] {
			thr = append(thr, i)
		}
	}
	o.ChangePoints = a.changePoints()
	if len(thr) == 0 {
		return
	}
	k0 := 0
	for k := 1; k < len(thr); k++ {
		if float64(t.startMs(thr[k])-t.startMs(thr[k-1]))/1000 > gap {
			k0 = k
		}
	}
	// Throttling that stopped well before the end of the run: report where
	// the last sustained stretch began and where it stopped.
	lastMs := t.startMs(thr[len(thr)-1])
	if float64(a.runEnd-lastMs)/1000 > 2*gap {
		o.StopTime = time.UnixMilli(lastMs).UTC().Format(time.RFC3339Nano)
		o.StopOffsetS = fptr(float64(lastMs-a.run0) / 1000)
	}
	i := thr[k0]
	st := t.startMs(i)
	off := float64(st-a.run0) / 1000
	sec := int(off)
	o.Time = time.UnixMilli(st).UTC().Format(time.RFC3339Nano)
	o.OffsetS = fptr(off)
	o.OfferedRatePerS = fptr(trailing(a.sec.limOffered, sec, 5))
	perThread := b != nil && b.sc.name == ScopePerThread
	if !perThread {
		n := int(t.threads[i])
		if len(t.engines.names) > 1 || !t.hasThreads {
			n = int(a.sec.threads[min(sec, a.sec.n-1)])
		}
		o.Threads = ptr(n)
	}
	if l := a.res.Limit; l.Detected && l.RatePerS != nil && !perThread && (b == nil || b.sc.name == ScopeShared) {
		for s := 0; s < a.sec.n; s++ {
			if trailing(a.sec.limOffered, s, 5) >= *l.RatePerS {
				o.ThreadsAtLimitRate = ptr(int(a.sec.threads[s]))
				break
			}
		}
	}
}

// changePoints segments the per-second throttled share of the limited
// labels by binary segmentation with a Bernoulli likelihood and a BIC
// penalty; it returns the offsets (s) of the change points.
func (a *analysis) changePoints() []float64 {
	s := a.sec
	n := s.n
	thr := make([]float64, n+1)
	tot := make([]float64, n+1)
	for i := 0; i < n; i++ {
		th := s.limOffered[i] - s.limAcc[i]
		thr[i+1] = thr[i] + math.Max(0, th)
		tot[i+1] = tot[i] + s.limOffered[i]
	}
	if tot[n] == 0 || thr[n] == 0 {
		return []float64{}
	}
	cost := func(lo, hi int) float64 { // -log-likelihood of seconds [lo, hi)
		k, m := thr[hi]-thr[lo], tot[hi]-tot[lo]
		if m == 0 || k == 0 || k == m {
			return 0
		}
		p := k / m
		return -(k*math.Log(p) + (m-k)*math.Log(1-p))
	}
	pen := 3 * math.Log(tot[n])
	type seg struct{ lo, hi int }
	segs := []seg{{0, n}}
	var cps []int
	for len(cps) < 10 {
		bestGain, bestK, bestS := 0.0, -1, -1
		for si, sg := range segs {
			c := cost(sg.lo, sg.hi)
			for k := sg.lo + 2; k <= sg.hi-2; k++ {
				if g := c - cost(sg.lo, k) - cost(k, sg.hi); g > bestGain {
					bestGain, bestK, bestS = g, k, si
				}
			}
		}
		if bestK < 0 || 2*bestGain < pen {
			break
		}
		sg := segs[bestS]
		segs = append(segs[:bestS], append([]seg{{sg.lo, bestK}, {bestK, sg.hi}}, segs[bestS+1:]...)...)
		cps = append(cps, bestK)
	}
	out := make([]float64, 0, len(cps))
	for _, k := range cps {
		out = append(out, float64(k))
	}
	sortFloats(out)
	return out
}

func sortFloats(v []float64) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
