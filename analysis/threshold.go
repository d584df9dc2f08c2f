package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Every model is reduced to one rule: given the limiter state that the
// observed decisions imply (teacher forcing), each event gets an integer key
// (requests counted in its window, tokens it needs, requests in flight, ...)
// and the model predicts "accepted" iff key < thr. The threshold thr is the
// limit (L, bucket size + 1, concurrency, ...).

// maxKey bounds the keys kept in histograms; larger keys are clamped.
const maxKey = 1 << 20

// thresholdFit is the best threshold for one set of keys.
type thresholdFit struct {
	thr int32 // accept iff key < thr
	mis int   // mismatched decisions
	n   int   // judged decisions
	// lo, hi is the range of thresholds within the confidence bound
	// mis <= best + 2*sqrt(best) + 1.
	lo, hi int32
}

// keyHist counts judged decisions per key.
type keyHist struct {
	acc, thr []int32
	// band makes decisions within band keys of the threshold uncertain:
	// they count as mismatches on neither side (timing noise).
	band int32
}

func (h *keyHist) reset() {
	h.acc = h.acc[:0]
	h.thr = h.thr[:0]
}

func (h *keyHist) add(key int32, y uint8) {
	if key < 0 {
		key = 0
	}
	if key > maxKey {
		key = maxKey
	}
	for int(key) >= len(h.acc) {
		h.acc = append(h.acc, 0)
		h.thr = append(h.thr, 0)
	}
	if y == evAccepted {
		h.acc[key]++
	} else {
		h.thr[key]++
	}
}

// best returns the threshold with the fewest mismatches; ties go to the
// smallest threshold (the lowest limit consistent with the accepted requests).
func (h *keyHist) best() thresholdFit {
	nk := len(h.acc)
	// pa[x], pt[x]: accepted and throttled decisions with key < x.
	pa := make([]int, nk+1)
	pt := make([]int, nk+1)
	for k := 0; k < nk; k++ {
		pa[k+1] = pa[k] + int(h.acc[k])
		pt[k+1] = pt[k] + int(h.thr[k])
	}
	n := pa[nk] + pt[nk]
	band := int(h.band)
	mis := func(th int) int {
		hi := min(nk, max(0, th+band))
		lo := min(nk, max(0, th-band))
		return (pa[nk] - pa[hi]) + pt[lo]
	}
	ms := make([]int, nk+1)
	best := thresholdFit{thr: 0, mis: math.MaxInt, n: n}
	for th := 0; th <= nk; th++ {
		ms[th] = mis(th)
		if th >= 1 && ms[th] < best.mis {
			best.mis, best.thr = ms[th], int32(th)
		}
	}
	if nk == 0 {
		return thresholdFit{thr: 1, n: 0}
	}
	bound := float64(best.mis) + 2*math.Sqrt(float64(best.mis)) + 1
	best.lo, best.hi = best.thr, best.thr
	for k := int(best.thr); k >= 1 && float64(ms[k]) <= bound; k-- {
		best.lo = int32(k)
	}
	for k := int(best.thr); k < len(ms) && float64(ms[k]) <= bound; k++ {
		best.hi = int32(k)
	}
	return best
}

// mismatchAt returns the mismatches of threshold thr.
func (h *keyHist) mismatchAt(thr int32) (mis, n int) {
	for k := range h.acc {
		n += int(h.acc[k] + h.thr[k])
		if int32(k) >= thr+h.band {
			mis += int(h.acc[k])
		} else if int32(k) < thr-h.band {
			mis += int(h.thr[k])
		}
	}
	return mis, n
}

// histOf builds the histogram of the judged events whose time is in [lo, hi).
func histOf(h *keyHist, e *events, keys []int32, lo, hi float64, band int32) {
	h.reset()
	h.band = band
	for i, k := range keys {
		if e.y[i] == evCounted || e.t[i] < lo || e.t[i] >= hi {
			continue
		}
		h.add(k, e.y[i])
	}
}

// blockProfile holds per-time-block histograms for several values of a
// model's continuous parameter, for the moving-block bootstrap.
type blockProfile struct {
	values []float64    // continuous parameter values
	hists  [][]*keyHist // [value][block]
	blocks int
	band   int32
}

// newBlockProfile splits [lo, hi) into blocks of about blockS seconds (at
// most maxBlocks) and returns an empty profile.
func newBlockProfile(lo, hi, blockS float64) (*blockProfile, float64) {
	const maxBlocks = 120
	nb := int(math.Ceil((hi - lo) / blockS))
	nb = max(1, min(nb, maxBlocks))
	return &blockProfile{blocks: nb}, (hi - lo) / float64(nb)
}

// add records the keys of one parameter value.
func (bp *blockProfile) add(value float64, e *events, keys []int32, lo, width float64) {
	hs := make([]*keyHist, bp.blocks)
	for b := range hs {
		hs[b] = &keyHist{band: bp.band}
	}
	for i, k := range keys {
		if e.y[i] == evCounted {
			continue
		}
		b := int((e.t[i] - lo) / width)
		if b < 0 || b >= bp.blocks {
			continue
		}
		hs[b].add(k, e.y[i])
	}
	bp.values = append(bp.values, value)
	bp.hists = append(bp.hists, hs)
}

// bootstrap resamples whole blocks (moving-block bootstrap with blocks at
// fixed positions) and returns the 2.5% and 97.5% quantiles of the best
// continuous value and of the best threshold.
func (bp *blockProfile) bootstrap(resamples int, seed uint64) (val, thr [2]float64, ok bool) {
	if len(bp.values) == 0 || bp.blocks < 4 {
		return val, thr, false
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	pick := make([]int, bp.blocks)
	var vals, thrs []float64
	sum := &keyHist{band: bp.band}
	for r := 0; r < resamples; r++ {
		for b := range pick {
			pick[b] = rng.IntN(bp.blocks)
		}
		bestMis, bestV, bestT := math.MaxInt, 0.0, int32(0)
		for vi, hs := range bp.hists {
			sum.reset()
			for _, b := range pick {
				h := hs[b]
				for k := range h.acc {
					for int(k) >= len(sum.acc) {
						sum.acc = append(sum.acc, 0)
						sum.thr = append(sum.thr, 0)
					}
					sum.acc[k] += h.acc[k]
					sum.thr[k] += h.thr[k]
				}
			}
			f := sum.best()
			if f.mis < bestMis {
				bestMis, bestV, bestT = f.mis, bp.values[vi], f.thr
			}
		}
		vals = append(vals, bestV)
		thrs = append(thrs, float64(bestT))
	}
	slices.Sort(vals)
	slices.Sort(thrs)
	val = [2]float64{quantileSorted(vals, 0.025), quantileSorted(vals, 0.975)}
	thr = [2]float64{quantileSorted(thrs, 0.025), quantileSorted(thrs, 0.975)}
	return val, thr, true
}

func quantileSorted(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(v)-1)
	i := int(pos)
	if i >= len(v)-1 {
		return v[len(v)-1]
	}
	f := pos - float64(i)
	return v[i]*(1-f) + v[i+1]*f
}
