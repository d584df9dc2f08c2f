package analysis

import (
	"fmt"
	"math"
	"slices"
)

// raSemantics is what the Retry-After values mean.
type raSemantics struct {
	sem         string
	period      float64 // reset spacing for window-reset, else 0
	consistent  bool
	explanation string
}

// fillRetryAfter describes the Retry-After values of throttled responses
// and decides what they mean:
//
//   - window-reset: the fitted window model predicts them (seconds until the
//     window has room), or t + Retry-After is constant within each run of
//     throttles (a reset instant), with different values across runs;
//   - token-refill: the fitted bucket predicts them (about 1/rate);
//   - constant: (nearly) always the same value;
//   - random: none of these;
//   - absent: throttled responses carried none.
func (a *analysis) fillRetryAfter() {
	t, e := a.t, a.ev
	ra := &a.res.RetryAfter
	var vals []float64
	nThr := 0
	for i := 0; i < t.len(); i++ {
		if t.class(i) != clsThrottled {
			continue
		}
		nThr++
		if v := float64(t.ra[i]); !math.IsNaN(v) {
			vals = append(vals, v)
			if t.cls[i]&flagRADate != 0 {
				ra.HTTPDate = true
			}
		}
	}
	ra.Count = len(vals)
	ra.Present = len(vals) > 0
	ra.Semantics = RASemAbsent
	ra.ConsistentWithFit = true
	if !ra.Present {
		if nThr > 0 {
			ra.Explanation = "Throttled responses carry no Retry-After (or it was not saved): clients must back off on their own, with full jitter."
		} else {
			ra.Explanation = "Nothing was throttled, so there is no Retry-After to read."
		}
		return
	}
	slices.Sort(vals)
	lo, med, hi := vals[0], quantileSorted(vals, 0.5), vals[len(vals)-1]
	ra.MinS, ra.MedianS, ra.MaxS = fptr(lo), fptr(med), fptr(hi)
	for _, v := range vals { // sorted: one bucket per whole second, in order
		f := math.Floor(v)
		if n := len(ra.Histogram); n > 0 && ra.Histogram[n-1].Value == f {
			ra.Histogram[n-1].Count++
		} else {
			ra.Histogram = append(ra.Histogram, Bucket{Value: f, Count: 1})
		}
	}

	s := a.raSemantics(vals)
	a.raSem = s
	ra.Semantics = s.sem
	ra.Explanation = s.explanation
	ra.ConsistentWithFit = s.consistent
	if s.period > 0 {
		ra.ResetPeriodS = fptr(s.period)
	}
	_ = e
}

func (a *analysis) raSemantics(vals []float64) raSemantics {
	b := a.inf.best
	lo, med, hi := vals[0], quantileSorted(vals, 0.5), vals[len(vals)-1]
	modeV := modeSorted(vals)
	modeN := 0
	for _, v := range vals {
		if v == modeV {
			modeN++
		}
	}
	modeShare := float64(modeN) / float64(len(vals))
	agree := 0.0
	if b != nil && b.raN > 0 {
		agree = float64(b.raAgree) / float64(b.raN)
	}
	isWindow := b != nil && (b.algo == AlgoFixedWindow || b.algo == AlgoSlidingWindow)
	isBucket := b != nil && (b.algo == AlgoTokenBucket || b.algo == AlgoLeakyQueue)
	clusterShare, period := a.resetClusters()
	out := raSemantics{consistent: true}
	switch {
	case isBucket && agree >= 0.8:
		out.sem = RASemTokenRefill
		out.explanation = fmt.Sprintf("Retry-After is the time until the bucket holds a token again: about 1/rate = %.2g s, rounded up to whole seconds (%s). It is not a penalty: waiting it out and retrying one at a time is enough.",
			1/b.cont, rangeText(lo, hi))
	case modeShare >= 0.9 && (hi-lo <= 1 || modeShare >= 0.97):
		out.sem = RASemConstant
		out.explanation = fmt.Sprintf("Retry-After is always %g s: a fixed hint rather than the time until the limit resets.", modeV)
		if isBucket && modeV <= math.Ceil(1/b.cont)+1 {
			out.sem = RASemTokenRefill
			out.explanation = fmt.Sprintf("Retry-After is always %g s: the time until the bucket refills one token (1/rate = %.2g s), rounded up to whole seconds.", modeV, 1/b.cont)
		}
		if isWindow && modeV > b.cont+1 {
			out.consistent = false
		}
	case isWindow && agree >= 0.8:
		out.sem = RASemWindowReset
		out.period = b.cont
		what := "a window reset"
		if b.algo == AlgoSlidingWindow && b.variant != "counter" {
			what = "the moment the oldest request leaves the rolling window"
		}
		out.explanation = fmt.Sprintf("Retry-After counts down to %s every %s s; %s is not inconsistent: a request throttled early in a window is told to wait long, one throttled just before the reset is told 1 s.",
			what, fmtNum(b.cont), rangeText(lo, hi))
		if b.algo == AlgoSlidingWindow && b.variant != "counter" {
			out.explanation = fmt.Sprintf("Retry-After counts down to the moment the oldest request leaves the rolling %s s window; %s is not inconsistent.", fmtNum(b.cont), rangeText(lo, hi))
		}
	case clusterShare >= 0.8 && hi-lo >= 2:
		out.sem = RASemWindowReset
		out.period = period
		if period > 0 {
			out.explanation = fmt.Sprintf("Retry-After counts down to a reset every %s s (response time + Retry-After is the same instant within each burst of 429s); %s is not inconsistent.", fmtNum(period), rangeText(lo, hi))
		} else {
			out.explanation = fmt.Sprintf("Retry-After counts down to a reset instant (response time + Retry-After is the same within each burst of 429s); %s is not inconsistent.", rangeText(lo, hi))
		}
		if isWindow && period > 0 && math.Abs(period-b.cont) > math.Max(0.5, 0.1*b.cont) {
			out.consistent = false
		}
		if isBucket {
			out.consistent = false
		}
	default:
		out.sem = RASemRandom
		out.explanation = fmt.Sprintf("Retry-After varies (%s, median %s s) without a pattern tied to the limit: treat it as a minimum wait and add jitter.", rangeText(lo, hi), fmtNum(med))
		if b != nil && b.raN > 0 && agree < 0.5 {
			out.consistent = false
		}
	}
	if out.sem == RASemWindowReset && isWindow && agree < 0.5 && out.period > 0 && math.Abs(out.period-b.cont) > math.Max(0.5, 0.1*b.cont) {
		out.consistent = false
	}
	return out
}

// resetClusters measures how constant t + Retry-After is within each run of
// consecutive throttles of one partition (the chosen scope, else shared), and
// the spacing of the reset instants.
func (a *analysis) resetClusters() (share, period float64) {
	if a.inf.clustersDone != nil {
		<-a.inf.clustersDone
		return a.inf.clusterShare, a.inf.clusterPeriod
	}
	sc := sharedScope(a.ev)
	if a.inf.best != nil {
		sc = a.inf.best.sc
	}
	return resetClusters(a.ev, sc)
}

// resetClusters is analysis.resetClusters on the events e in scope sc.
func resetClusters(e *events, sc *scope) (share, period float64) {
	in, total := 0, 0
	var bs, run, tmp []float64
	for p := 0; p < sc.nparts; p++ {
		seg := sc.order[sc.segs[p]:sc.segs[p+1]]
		flush := func() {
			if len(run) >= 2 {
				tmp = append(tmp[:0], run...)
				m := median(tmp)
				for _, x := range run {
					total++
					if math.Abs(x-m) <= 1.01 {
						in++
					}
				}
			}
			run = run[:0]
		}
		for _, i := range seg {
			if e.y[i] == evAccepted {
				flush()
				continue
			}
			if e.y[i] == evThrottled && !math.IsNaN(float64(e.ra(int(i)))) {
				b := e.t[i] + float64(e.ra(int(i)))
				run = append(run, b)
				bs = append(bs, b)
			}
		}
		flush()
	}
	if total == 0 {
		return 0, 0
	}
	period, _ = boundarySpacing(bs, 1.0)
	return float64(in) / float64(total), period
}

func rangeText(lo, hi float64) string {
	if lo == hi {
		return fmtNum(lo) + " s"
	}
	return fmtNum(lo) + ".." + fmtNum(hi) + " s"
}

// fmtNum prints a number without trailing zeros (at most 2 decimals below
// 10, 1 below 100).
func fmtNum(v float64) string {
	switch a := math.Abs(v); {
	case a == math.Trunc(a):
		return fmt.Sprintf("%.0f", v)
	case a < 10:
		return trimZeros(fmt.Sprintf("%.2f", v))
	case a < 100:
		return trimZeros(fmt.Sprintf("%.1f", v))
	}
	return fmt.Sprintf("%.0f", v)
}

func trimZeros(s string) string {
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}
