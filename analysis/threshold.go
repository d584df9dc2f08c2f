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
	pa, pt   []int64 // prefix sums, filled by best
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
	if int(key) >= len(h.acc) {
		n, m := int(key)+1, len(h.acc)
		h.acc = slices.Grow(h.acc, n-m)[:n]
		h.thr = slices.Grow(h.thr, n-m)[:n]
		clear(h.acc[m:])
		clear(h.thr[m:])
	}
	if y == evAccepted {
		h.acc[key]++
	} else {
		h.thr[key]++
	}
}

// best returns the threshold with the fewest mismatches; ties go to the
// smallest threshold (the lowest limit consistent with the accepted requests).
// It allocates nothing: the mismatches of threshold th are the accepted
// decisions with key >= th+band plus the throttled ones with key < th-band,
// kept as running sums while th moves up.
func (h *keyHist) best() thresholdFit {
	nk := len(h.acc)
	if nk == 0 {
		return thresholdFit{thr: 1, n: 0}
	}
	h.prefix()
	totA, totT := int(h.pa[nk]), int(h.pt[nk])
	best := thresholdFit{thr: 0, mis: math.MaxInt, n: totA + totT}
	for th := 1; th <= nk; th++ {
		if m := h.misAt(th, totA); m < best.mis {
			best.mis, best.thr = m, int32(th)
		}
	}
	bound := float64(best.mis) + 2*math.Sqrt(float64(best.mis)) + 1
	best.lo, best.hi = best.thr, best.thr
	for k := int(best.thr) - 1; k >= 1 && float64(h.misAt(k, totA)) <= bound; k-- {
		best.lo = int32(k)
	}
	for k := int(best.thr) + 1; k <= nk && float64(h.misAt(k, totA)) <= bound; k++ {
		best.hi = int32(k)
	}
	return best
}

// misAt is the mismatches of threshold th: accepted decisions with key >=
// th+band and throttled ones with key < th-band, from the prefix sums.
func (h *keyHist) misAt(th, totA int) int {
	nk := len(h.acc)
	hi := min(nk, max(0, th+int(h.band)))
	lo := min(nk, max(0, th-int(h.band)))
	return (totA - int(h.pa[hi])) + int(h.pt[lo])
}

// prefix fills h.pa[x], h.pt[x]: accepted and throttled decisions with key < x.
func (h *keyHist) prefix() {
	nk := len(h.acc)
	h.pa = slices.Grow(h.pa[:0], nk+1)[:nk+1]
	h.pt = slices.Grow(h.pt[:0], nk+1)[:nk+1]
	h.pa[0], h.pt[0] = 0, 0
	for k := 0; k < nk; k++ {
		h.pa[k+1] = h.pa[k] + int64(h.acc[k])
		h.pt[k+1] = h.pt[k] + int64(h.thr[k])
	}
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
// Keys above the largest key of an accepted event (plus the band) are
// clamped to one bucket: no best threshold lies above it, and a model far
// off (a token rate much too low) would otherwise make keys, and the
// histogram, huge.
func histOf(h *keyHist, e *events, keys []int32, lo, hi float64, band int32) {
	histAbove(h, e, keys, lo, hi, band, 0)
}

// histAbove is histOf keeping keys up to at least keep apart, for
// mismatchAt with a threshold fitted elsewhere.
func histAbove(h *keyHist, e *events, keys []int32, lo, hi float64, band, keep int32) {
	h.reset()
	h.band = band
	i0, i1 := 0, len(keys)
	if lo > e.lo || hi <= e.hi {
		i0, _ = slices.BinarySearch(e.t, lo)
		i1, _ = slices.BinarySearch(e.t, hi)
	}
	maxAcc := int32(0)
	for i := i0; i < i1; i++ {
		if e.y[i] == evAccepted && keys[i] > maxAcc {
			maxAcc = keys[i]
		}
	}
	top := min(max(maxAcc, keep), maxKey-1-band) + 1 + band
	n := int(top) + 1
	h.acc = slices.Grow(h.acc[:0], n)[:n]
	h.thr = slices.Grow(h.thr[:0], n)[:n]
	clear(h.acc)
	clear(h.thr)
	acc, thr := h.acc, h.thr
	ys, ks := e.y[i0:i1], keys[i0:i1]
	for i, y := range ys {
		k := max(0, min(ks[i], top))
		switch y {
		case evAccepted:
			acc[k]++
		case evThrottled:
			thr[k]++
		}
	}
	// Drop empty buckets at the top (best scans up to len).
	for len(h.acc) > 1 && h.acc[len(h.acc)-1] == 0 && h.thr[len(h.thr)-1] == 0 && int32(len(h.acc)-1) > keep+band {
		h.acc, h.thr = h.acc[:len(h.acc)-1], h.thr[:len(h.thr)-1]
	}
}

// blockProfile holds per-time-block histograms for several values of a
// model's continuous parameter, for the moving-block bootstrap.
type blockProfile struct {
	values []float64    // continuous parameter values
	hists  [][]*keyHist // [value][block]
	blocks int
	band   int32
	shift  uint // keys are binned by 2^shift
}

// maxBootKeys bounds the buckets of a bootstrap block histogram.
const maxBootKeys = 4096

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
	// Keys above the largest accepted one are clamped, as in histOf.
	maxAcc := int32(0)
	for i, k := range keys {
		if e.y[i] == evAccepted && k > maxAcc {
			maxAcc = k
		}
	}
	top := min(maxAcc, maxKey-1-bp.band) + 1 + bp.band
	// The resampling sums every block's histogram many times: keys are
	// binned (by 2^shift, decided on the first value) so that a histogram
	// has at most maxBootKeys buckets; thresholds come out in bins.
	if len(bp.values) == 0 {
		for top>>bp.shift >= maxBootKeys {
			bp.shift++
		}
	}
	top = min(top, maxBootKeys<<bp.shift-1)
	for i, k := range keys {
		if e.y[i] == evCounted {
			continue
		}
		b := int((e.t[i] - lo) / width)
		if b < 0 || b >= bp.blocks {
			continue
		}
		hs[b].add(max(0, min(k, top))>>bp.shift, e.y[i])
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
	thr[0], thr[1] = thr[0]*float64(int(1)<<bp.shift), thr[1]*float64(int(1)<<bp.shift)
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
