package analysis

import (
	"math"
	"slices"
)

// modelFit is one fitted model: algorithm x variant x scope with its
// parameters and its teacher-forced mismatches.
type modelFit struct {
	algo, variant string
	sc            *scope
	cont          float64   // window W (s) or rate r (1/s); 0 for concurrency
	phase         float64   // window boundaries at phase + k*W (s after run start)
	phases        []float64 // per-partition phases (windows anchored per user/token); nil: phase for all
	countThr      bool      // throttled requests count against the quota
	th            thresholdFit
	band          int32 // uncertainty band of the keys (see keyHist.band)
	k             int   // parameters counted by BIC

	delayN, delayMis int // accepted requests whose extra delay the model predicts wrongly
	raN, raAgree     int // throttles with Retry-After, and how many the model predicts (within rounding)
	bic              float64
	lnL              float64
	contLo, contHi   float64 // range of the continuous parameter within the mismatch bound
	note             string
}

// keys computes the model's keys for every event.
func (m *modelFit) keys(dst []int32, e *events) []int32 {
	switch m.algo {
	case AlgoFixedWindow:
		if m.phases != nil {
			return fixedKeysPhases(dst, e, m.sc, m.cont, m.phases, m.countThr)
		}
		return fixedKeys(dst, e, m.sc, m.cont, m.phase, m.countThr)
	case AlgoSlidingWindow:
		if m.variant == "counter" {
			return counterKeys(dst, e, m.sc, m.cont, m.phase)
		}
		return slidingKeys(dst, e, m.sc, m.cont, m.countThr)
	case AlgoTokenBucket, AlgoLeakyQueue:
		dst, _ = bucketKeys(dst, nil, e, m.sc, m.cont)
		return dst
	case AlgoConcurrency:
		return concKeys(dst, e, m.sc)
	}
	return dst
}

// limitValue converts the threshold into the model's limit parameter: L per
// window, bucket size b, queue length B, or concurrency C.
func (m *modelFit) limitValue() float64 { return limitOf(m.algo, m.variant, m.th.thr) }

func limitOf(algo, variant string, thr int32) float64 {
	switch algo {
	case AlgoTokenBucket:
		return math.Round(float64(thr-1)/bucketQ*10) / 10
	case AlgoLeakyQueue:
		return math.Round((float64(thr-1)/bucketQ-1)*10) / 10
	}
	return float64(thr)
}

// bucketQ is the resolution of token-bucket keys: keys count 1/bucketQ tokens.
const bucketQ = 20

// ratePerS is the sustained rate the model allows (per partition).
func (m *modelFit) ratePerS() float64 {
	switch m.algo {
	case AlgoFixedWindow, AlgoSlidingWindow:
		return m.limitValue() / m.cont
	case AlgoTokenBucket, AlgoLeakyQueue:
		return m.cont
	}
	return math.NaN()
}

func resize(dst []int32, n int) []int32 {
	if cap(dst) < n {
		return make([]int32, n)
	}
	return dst[:n]
}

// fixedKeys: key = requests already counted in the event's fixed window.
func fixedKeys(dst []int32, e *events, sc *scope, W, phi float64, countThr bool) []int32 {
	n := e.len()
	dst = resize(dst, n)
	win := make([]int64, sc.nparts)
	cnt := make([]int32, sc.nparts)
	for p := range win {
		win[p] = math.MinInt64
	}
	inv := 1 / W
	for i := 0; i < n; i++ {
		p := sc.part[i]
		k := int64(math.Floor((e.t[i] - phi) * inv))
		if k != win[p] {
			win[p] = k
			cnt[p] = 0
		}
		dst[i] = cnt[p]
		if e.y[i] != evThrottled || countThr {
			cnt[p]++
		}
	}
	return dst
}

// fixedKeysPhases is fixedKeys with a phase per partition.
func fixedKeysPhases(dst []int32, e *events, sc *scope, W float64, phis []float64, countThr bool) []int32 {
	n := e.len()
	dst = resize(dst, n)
	win := make([]int64, sc.nparts)
	cnt := make([]int32, sc.nparts)
	for p := range win {
		win[p] = math.MinInt64
	}
	for i := 0; i < n; i++ {
		p := sc.part[i]
		k := int64(math.Floor((e.t[i] - phis[p]) / W))
		if k != win[p] {
			win[p] = k
			cnt[p] = 0
		}
		dst[i] = cnt[p]
		if e.y[i] != evThrottled || countThr {
			cnt[p]++
		}
	}
	return dst
}

// slidingKeys: key = requests counted in (t-W, t) of the event's partition.
func slidingKeys(dst []int32, e *events, sc *scope, W float64, countThr bool) []int32 {
	n := e.len()
	dst = resize(dst, n)
	for p := 0; p < sc.nparts; p++ {
		seg := sc.order[sc.segs[p]:sc.segs[p+1]]
		j := 0
		var in int32
		for x, i := range seg {
			for j < x && e.t[seg[j]] <= e.t[i]-W {
				if e.y[seg[j]] != evThrottled || countThr {
					in--
				}
				j++
			}
			dst[i] = in
			if e.y[i] != evThrottled || countThr {
				in++
			}
		}
	}
	return dst
}

// counterKeys: key = floor of the sliding-window-counter estimate
// prev*(1-elapsed/W) + cur (Cloudflare style).
func counterKeys(dst []int32, e *events, sc *scope, W, phi float64) []int32 {
	n := e.len()
	dst = resize(dst, n)
	win := make([]int64, sc.nparts)
	cur := make([]float64, sc.nparts)
	prev := make([]float64, sc.nparts)
	for p := range win {
		win[p] = math.MinInt64
	}
	for i := 0; i < n; i++ {
		p := sc.part[i]
		x := (e.t[i] - phi) / W
		k := int64(math.Floor(x))
		if k != win[p] {
			if k == win[p]+1 {
				prev[p] = cur[p]
			} else {
				prev[p] = 0
			}
			cur[p] = 0
			win[p] = k
		}
		frac := x - float64(k)
		est := prev[p]*(1-frac) + cur[p]
		dst[i] = int32(math.Floor(est + 1e-9))
		if e.y[i] != evThrottled {
			cur[p]++
		}
	}
	return dst
}

// bucketKeys: the token deficit D (tokens used and not yet refilled) before
// each event, refilled at rate r, floored at 0 (bucket full); key =
// ceil((D+1)*bucketQ), so that "accept iff key < b*bucketQ+1" is "accept iff
// a token is left".
// defs, when not nil, receives D.
func bucketKeys(dst []int32, defs []float64, e *events, sc *scope, r float64) ([]int32, []float64) {
	n := e.len()
	dst = resize(dst, n)
	if defs != nil {
		defs = defs[:0]
		defs = slices.Grow(defs, n)[:n]
	}
	d := make([]float64, sc.nparts)
	last := make([]float64, sc.nparts)
	seen := make([]bool, sc.nparts)
	for i := 0; i < n; i++ {
		p := sc.part[i]
		dp := d[p]
		if seen[p] {
			dp -= r * (e.t[i] - last[p])
			if dp < 0 {
				dp = 0
			}
		}
		seen[p] = true
		last[p] = e.t[i]
		// ceil((dp+1)*bucketQ - 1e-9), at most maxKey
		x := (dp+1)*bucketQ - 1e-9
		k := int32(maxKey)
		if x < maxKey {
			k = int32(x)
			if float64(k) < x {
				k++
			}
		}
		dst[i] = k
		if defs != nil {
			defs[i] = dp
		}
		if e.y[i] != evThrottled {
			dp++
		}
		d[p] = dp
	}
	return dst, defs
}

// depHeap is a min-heap of departure times.
type depHeap []float64

func (h *depHeap) push(x float64) {
	*h = append(*h, x)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p] <= a[i] {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *depHeap) pop() {
	a := *h
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && a[r] < a[l] {
			m = r
		}
		if a[i] <= a[m] {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
}

// concKeys: key = accepted requests in flight at the server when the event
// arrived (same partition).
func concKeys(dst []int32, e *events, sc *scope) []int32 {
	n := e.len()
	dst = resize(dst, n)
	h := &depHeap{}
	for p := 0; p < sc.nparts; p++ {
		*h = (*h)[:0]
		for _, i := range sc.order[sc.segs[p]:sc.segs[p+1]] {
			for len(*h) > 0 && (*h)[0] <= e.t[i] {
				h.pop()
			}
			dst[i] = int32(len(*h))
			if e.y[i] != evThrottled {
				h.push(e.dep(int(i)))
			}
		}
	}
	return dst
}
