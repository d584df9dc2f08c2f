package analysis

import (
	"math"
	"slices"
)

// fitter fits the model families on the events, scoring only the decisions
// whose time is in [lo, hi) (the whole run, or a part of it for temporal
// cross-validation and change detection). Limiter state always runs through
// all events (teacher forcing).
type fitter struct {
	e      *events
	lo, hi float64
	buf    []int32
	h      keyHist
	extraW []float64 // window candidates from outside (Retry-After, headers)
	fast   bool      // smaller grids (large inputs)

	gapA, gapT []int32   // slidingGap's age bins
	gapTimes   []float64 // slidingGap's counted times of one partition
}

func (f *fitter) score(keys []int32) thresholdFit {
	return f.scoreBand(keys, 0)
}

func (f *fitter) scoreBand(keys []int32, band int32) thresholdFit {
	histOf(&f.h, f.e, keys, f.lo, f.hi, band)
	return f.h.best()
}

// timingNoiseS is the uncertainty of the estimated server arrival times
// (millisecond timestamps, network jitter): token-bucket decisions that
// close to the threshold are not held against a model.
const timingNoiseS = 0.0

// bucketBand is the uncertainty band in bucket keys at rate r.
func bucketBand(r float64) int32 {
	return int32(math.Ceil(r * timingNoiseS * bucketQ))
}

// window grid (seconds) that every window search tries.
var windowGrid = []float64{1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600}

// interval is a stretch of time (a, b] that must contain a window boundary.
type interval struct{ a, b float64 }

// resetIntervals returns, per partition, the gaps between a throttled
// decision and the next accepted one: with a fixed window a new window must
// have started in between.
func resetIntervals(e *events, sc *scope, lo, hi float64) []interval {
	var iv []interval
	for p := 0; p < sc.nparts; p++ {
		seg := sc.order[sc.segs[p]:sc.segs[p+1]]
		for x := 1; x < len(seg); x++ {
			i, j := seg[x-1], seg[x]
			if e.y[i] == evThrottled && e.y[j] == evAccepted && e.t[i] >= lo && e.t[j] < hi {
				iv = append(iv, interval{e.t[i], e.t[j]})
			}
		}
	}
	const maxIntervals = 4000
	if len(iv) > maxIntervals {
		slices.SortFunc(iv, func(x, y interval) int { return cmpF(x.a, y.a) })
		step := float64(len(iv)) / maxIntervals
		out := make([]interval, 0, maxIntervals)
		for k := 0; k < maxIntervals; k++ {
			out = append(out, iv[int(float64(k)*step)])
		}
		iv = out
	}
	return iv
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// stab returns how many intervals contain some boundary phase + k*W, for the
// best phase, and that phase (the middle of the best range).
func stab(iv []interval, W float64) (score int, phase float64) {
	type edge struct {
		x float64
		d int
	}
	always := 0
	edges := make([]edge, 0, 2*len(iv)+2)
	open0 := 0
	for _, v := range iv {
		l := v.b - v.a
		if l >= W {
			always++
			continue
		}
		a := math.Mod(v.a, W)
		if a < 0 {
			a += W
		}
		b := a + l
		if b <= W {
			edges = append(edges, edge{a, +1}, edge{b, -1})
		} else {
			// wraps: (a, W) and [0, b-W]
			edges = append(edges, edge{a, +1}, edge{b - W, -1})
			open0++
		}
	}
	slices.SortFunc(edges, func(x, y edge) int {
		if c := cmpF(x.x, y.x); c != 0 {
			return c
		}
		return y.d - x.d // opens before closes at the same point: (a,b] intervals touching count
	})
	cur := open0
	best, bestLo, bestHi := cur, 0.0, 0.0
	if len(edges) > 0 {
		bestHi = edges[0].x
	}
	for k, ed := range edges {
		cur += ed.d
		if cur > best {
			best = cur
			bestLo = ed.x
			if k+1 < len(edges) {
				bestHi = edges[k+1].x
			} else {
				bestHi = W
			}
		}
	}
	return best + always, (bestLo + bestHi) / 2
}

// windowCandidates proposes window lengths: spacings of the reset intervals
// (and their fractions), the standard grid and the extra candidates.
func windowCandidates(iv []interval, span float64, extra []float64) []float64 {
	var cands []float64
	add := func(w float64) {
		if w >= 0.5 && w <= math.Max(span, 1) {
			cands = append(cands, w)
		}
	}
	for _, w := range windowGrid {
		add(w)
	}
	for _, w := range extra {
		add(w)
	}
	if len(iv) >= 2 {
		mids := make([]float64, len(iv))
		widths := make([]float64, len(iv))
		for k, v := range iv {
			mids[k] = (v.a + v.b) / 2
			widths[k] = v.b - v.a
		}
		slices.Sort(mids)
		gap := math.Max(0.3, median(widths))
		centers := clusterCentres(mids, gap)
		// Frequent spacings between nearby reset clusters.
		bins := map[int]int{}
		sum := map[int]float64{}
		for k := 1; k < len(centers); k++ {
			for lag := 1; lag <= 2 && k-lag >= 0; lag++ {
				d := centers[k] - centers[k-lag]
				if d < 0.5 {
					continue
				}
				b := int(math.Round(math.Log(d) / math.Log(1.005)))
				bins[b]++
				sum[b] += d
			}
		}
		type bc struct {
			b, n int
		}
		var top []bc
		for b, n := range bins {
			top = append(top, bc{b, n})
		}
		slices.SortFunc(top, func(x, y bc) int {
			if x.n != y.n {
				return y.n - x.n
			}
			return x.b - y.b
		})
		for k := 0; k < len(top) && k < 8; k++ {
			d := sum[top[k].b] / float64(top[k].n)
			for m := 1; m <= 3; m++ {
				add(d / float64(m))
			}
		}
	}
	slices.Sort(cands)
	// Dedupe within 0.3%.
	out := cands[:0]
	for _, w := range cands {
		if len(out) > 0 && w <= out[len(out)-1]*1.003 {
			continue
		}
		out = append(out, w)
	}
	return out
}

// fitFixed fits a fixed window (L per W, phase) in scope sc.
func (f *fitter) fitFixed(sc *scope) *modelFit {
	e := f.e
	iv := resetIntervals(e, sc, f.lo, f.hi)
	span := f.hi - f.lo
	cands := windowCandidates(iv, span, f.extraW)
	type res struct {
		W, phi float64
		th     thresholdFit
	}
	eval := func(W, phi float64, countThr bool) thresholdFit {
		f.buf = fixedKeys(f.buf, e, sc, W, phi, countThr)
		return f.score(f.buf)
	}
	phasesFor := func(W float64) []float64 {
		if len(iv) > 0 {
			_, ph := stab(iv, W)
			return []float64{ph}
		}
		n := 12
		if f.fast {
			n = 6
		}
		ph := make([]float64, n)
		for k := range ph {
			ph[k] = W * float64(k) / float64(n)
		}
		return ph
	}
	var all []res
	best := res{th: thresholdFit{mis: math.MaxInt}}
	for _, W := range cands {
		for _, phi := range phasesFor(W) {
			th := eval(W, phi, false)
			r := res{W, phi, th}
			all = append(all, r)
			if th.mis < best.th.mis || (th.mis == best.th.mis && W > best.W) {
				best = r
			}
		}
	}
	if best.W == 0 {
		return nil
	}
	// Refine W around the best candidate; keep the middle of the range of
	// equally good windows.
	steps := 20
	if f.fast {
		steps = 8
	}
	var ws []float64
	var ths []thresholdFit
	var phs []float64
	for s := -steps; s <= steps; s++ {
		W := best.W * (1 + 0.02*float64(s)/float64(steps))
		phi := phasesFor(W)[0]
		if len(iv) == 0 {
			phi = best.phi
		}
		ws = append(ws, W)
		phs = append(phs, phi)
		ths = append(ths, eval(W, phi, false))
	}
	bi := bestMiddle(ths)
	m := &modelFit{algo: AlgoFixedWindow, sc: sc, cont: ws[bi], phase: phs[bi], th: ths[bi], k: 3}
	m.contLo, m.contHi = tiedRange(ws, ths, ths[bi].mis)
	if len(iv) > 0 {
		snapWindow(m, func(W float64) (thresholdFit, func()) {
			_, ph := stab(iv, W)
			return eval(W, ph, false), func() { m.phase = ph }
		})
	}
	if len(iv) == 0 {
		m.note = "no window reset was observed: window weakly identified"
	}
	// Variant: each partition (user, token) has its own window phase
	// (windows anchored to its first request).
	if sc.nparts > 1 && len(iv) > 0 {
		per := make([][]interval, sc.nparts)
		for p := 0; p < sc.nparts; p++ {
			seg := sc.order[sc.segs[p]:sc.segs[p+1]]
			for x := 1; x < len(seg); x++ {
				i, j := seg[x-1], seg[x]
				if e.y[i] == evThrottled && e.y[j] == evAccepted && e.t[i] >= f.lo && e.t[j] < f.hi {
					per[p] = append(per[p], interval{e.t[i], e.t[j]})
				}
			}
		}
		// The window of each partition: candidates around the shared one.
		bestPer := struct {
			W   float64
			phs []float64
			th  thresholdFit
		}{th: thresholdFit{mis: math.MaxInt}}
		tryW := []float64{m.cont}
		for _, W := range windowGrid {
			if W >= 0.5*m.cont && W <= 2*m.cont && W != m.cont {
				tryW = append(tryW, W)
			}
		}
		for _, W := range tryW {
			phs := make([]float64, sc.nparts)
			for p := range phs {
				phs[p] = m.phase
				if len(per[p]) > 0 {
					_, phs[p] = stab(per[p], W)
				}
			}
			f.buf = fixedKeysPhases(f.buf, e, sc, W, phs, false)
			if th := f.score(f.buf); th.mis < bestPer.th.mis {
				bestPer.W, bestPer.phs, bestPer.th = W, phs, th
			}
		}
		if bestPer.th.mis < m.th.mis {
			// Refine the window with per-partition phases.
			perPhases := func(W float64) []float64 {
				phs := make([]float64, sc.nparts)
				for p := range phs {
					phs[p] = m.phase
					if len(per[p]) > 0 {
						_, phs[p] = stab(per[p], W)
					}
				}
				return phs
			}
			var ws []float64
			var ths []thresholdFit
			var all [][]float64
			for s := -steps; s <= steps; s++ {
				W := bestPer.W * (1 + 0.02*float64(s)/float64(steps))
				phs := perPhases(W)
				f.buf = fixedKeysPhases(f.buf, e, sc, W, phs, false)
				ws = append(ws, W)
				all = append(all, phs)
				ths = append(ths, f.score(f.buf))
			}
			bi := bestMiddle(ths)
			if ths[bi].mis < m.th.mis {
				m.cont, m.phases, m.th = ws[bi], all[bi], ths[bi]
				m.contLo, m.contHi = tiedRange(ws, ths, ths[bi].mis)
				m.variant = "per-partition-phase"
				m.k++
				snapWindow(m, func(W float64) (thresholdFit, func()) {
					phs := perPhases(W)
					f.buf = fixedKeysPhases(f.buf, e, sc, W, phs, false)
					return f.score(f.buf), func() { m.phases = phs }
				})
				return m
			}
		}
	}
	// Variant: throttled requests count against the quota too.
	if th := eval(m.cont, m.phase, true); th.mis < m.th.mis {
		m.countThr = true
		m.th = th
		m.variant = "rejected-counted"
		m.k++
	}
	return m
}

// snapWindow replaces m's window by a round value near it (whole seconds,
// else tenths, else hundredths of a second) when that predicts the
// decisions about as well: at most sqrt(mismatches) more mismatches, the
// counting noise of the fit (timing noise moves a few decisions across a
// boundary either way). fit scores a window and returns a function that
// sets the phase (or phases) fitted at that window. Servers are configured
// in round units; a window estimated a few ms off drifts by a second or
// more within a long run.
func snapWindow(m *modelFit, fit func(W float64) (thresholdFit, func())) {
	W := m.cont
	slack := int(math.Sqrt(float64(m.th.mis)))
	for _, unit := range []float64{1, 0.1, 0.01} {
		if W < 2*unit {
			continue
		}
		w := math.Round(W/unit) * unit
		if math.Abs(w-W) > 0.02*W {
			continue
		}
		if w == W {
			return
		}
		th, set := fit(w)
		if th.mis <= m.th.mis+slack {
			m.cont, m.th = w, th
			set()
			m.contLo, m.contHi = math.Min(m.contLo, w), math.Max(m.contHi, w)
			return
		}
	}
}

// snapRate replaces a token bucket's rate by a round value near it (whole
// requests per second, per minute, tenths, hundredths per second) when that
// predicts the decisions about as well (see snapWindow). The fit is sharp
// in the rate: while throttled, the bucket's deficit drifts by the rate
// error times the time since it was last full, so a rate 0.01% off can
// mispredict many decisions of a long saturated run that the configured
// rate gets right.
func snapRate(m *modelFit, eval func(r float64) thresholdFit) {
	r := m.cont
	slack := int(math.Sqrt(float64(m.th.mis)))
	for _, unit := range []float64{1, 1.0 / 60, 0.1, 0.01} {
		if r < 2*unit {
			continue
		}
		x := math.Round(r/unit) * unit
		if math.Abs(x-r) > 0.01*r {
			continue
		}
		if math.Abs(x-r) < 1e-9*r {
			return
		}
		if th := eval(x); th.mis <= m.th.mis+slack {
			m.cont, m.th = x, th
			m.band = bucketBand(x)
			m.contLo, m.contHi = math.Min(m.contLo, x), math.Max(m.contHi, x)
			return
		}
	}
}

// bestMiddle returns the index of the middle of the longest run of minimal
// mismatch counts.
func bestMiddle(ths []thresholdFit) int {
	minM := math.MaxInt
	for _, t := range ths {
		minM = min(minM, t.mis)
	}
	bestLen, bestStart, curStart := 0, 0, -1
	for k, t := range ths {
		if t.mis == minM {
			if curStart < 0 {
				curStart = k
			}
			if k-curStart+1 > bestLen {
				bestLen, bestStart = k-curStart+1, curStart
			}
		} else {
			curStart = -1
		}
	}
	return bestStart + (bestLen-1)/2
}

// tiedRange returns the range of values whose mismatches are within the
// bound best + 2*sqrt(best) + 1.
func tiedRange(vals []float64, ths []thresholdFit, best int) (lo, hi float64) {
	bound := float64(best) + 2*math.Sqrt(float64(best)) + 1
	lo, hi = math.Inf(1), math.Inf(-1)
	for k, t := range ths {
		if float64(t.mis) <= bound {
			lo = math.Min(lo, vals[k])
			hi = math.Max(hi, vals[k])
		}
	}
	return lo, hi
}

// fitSliding fits a sliding window log (L per rolling W) in scope sc.
func (f *fitter) fitSliding(sc *scope, hintW []float64) *modelFit {
	e := f.e
	span := math.Min(f.hi-f.lo, 3600)
	if span < 0.5 {
		return nil
	}
	eval := func(W float64) thresholdFit {
		f.buf = slidingKeys(f.buf, e, sc, W, false)
		return f.score(f.buf)
	}
	var cands []float64
	ng := 28
	if f.fast {
		ng = 14
	}
	for k := 0; k < ng; k++ {
		cands = append(cands, 0.5*math.Pow(span/0.5, float64(k)/float64(ng-1)))
	}
	cands = append(cands, hintW...)
	cands = append(cands, f.extraW...)
	bestW, bestM := 0.0, math.MaxInt
	for _, W := range cands {
		if W < 0.5 || W > span {
			continue
		}
		if th := eval(W); th.mis < bestM {
			bestW, bestM = W, th.mis
		}
	}
	if bestW == 0 {
		return nil
	}
	// Harmonics: a rolling window of 2W with 2L looks much like W with L.
	for _, d := range []float64{0.5, 1.0 / 3, 2} {
		W := bestW * d
		if W < 0.5 || W > span {
			continue
		}
		for _, rel := range []float64{-0.04, -0.02, 0, 0.02, 0.04} {
			if th := eval(W * (1 + rel)); th.mis < bestM {
				bestW, bestM = W*(1+rel), th.mis
			}
		}
	}
	// Coarse then fine refinement.
	for _, rel := range []float64{0.15, 0.02} {
		n := 10
		if f.fast {
			n = 5
		}
		var ws []float64
		var ths []thresholdFit
		for s := -n; s <= n; s++ {
			W := bestW * (1 + rel*float64(s)/float64(n))
			ws = append(ws, W)
			ths = append(ths, eval(W))
		}
		bi := bestMiddle(ths)
		bestW = ws[bi]
		if rel == 0.02 {
			m := &modelFit{algo: AlgoSlidingWindow, variant: "log", sc: sc, cont: bestW, th: ths[bi], k: 2}
			m.contLo, m.contHi = tiedRange(ws, ths, ths[bi].mis)
			f.refineSlidingByGap(m, eval)
			snapWindow(m, func(W float64) (thresholdFit, func()) { return eval(W), func() {} })
			if th := f.evalSlidingCounted(sc, m.cont); th.mis < m.th.mis {
				m.countThr, m.th, m.k = true, th, m.k+1
				m.variant = "log-rejected-counted"
			}
			return m
		}
	}
	return nil
}

// refineSlidingByGap sharpens a sliding-log fit. For a given limit L a
// sliding log admits a request iff its partition's L-th most recent
// counted request is at least W old, so for each L the best W is a
// threshold on that age, found exactly by one sort. The mismatch count as
// a function of W alone is spiky (a window a few ms off mispredicts whole
// bursts of a saturated run), so a grid over W can miss the optimum that
// this search over L finds. L is searched around the grid fit's limit.
func (f *fitter) refineSlidingByGap(m *modelFit, eval func(W float64) thresholdFit) {
	L0 := int(m.limitValue())
	w0 := m.cont
	if L0 < 1 {
		return
	}
	seen := map[int]bool{}
	var ls []int
	add := func(l int) {
		if l >= 1 && !seen[l] {
			seen[l] = true
			ls = append(ls, l)
		}
	}
	for k := -6; k <= 6; k++ {
		add(int(math.Round(float64(L0) * math.Pow(1.06, float64(k)))))
	}
	for d := -2; d <= 2; d++ {
		add(L0 + d)
	}
	bestL, bestW, bestMis := 0, 0.0, m.th.mis
	for _, L := range ls {
		if W, mis, ok := f.slidingGap(m.sc, L, w0); ok && mis < bestMis {
			bestL, bestW, bestMis = L, W, mis
		}
	}
	if bestL == 0 {
		return
	}
	// Around the best L, every L within a few.
	for d := -3; d <= 3; d++ {
		L := bestL + d
		if L < 1 || seen[L] {
			continue
		}
		if W, mis, ok := f.slidingGap(m.sc, L, w0); ok && mis < bestMis {
			bestL, bestW, bestMis = L, W, mis
		}
	}
	if th := eval(bestW); th.mis < m.th.mis {
		m.cont, m.th = bestW, th
		m.contLo, m.contHi = math.Min(m.contLo, bestW), math.Max(m.contHi, bestW)
	}
}

// slidingGap returns, for a sliding log of limit L in scope sc, the window
// in [w0/2, 2*w0] that mispredicts the fewest judged decisions in [f.lo,
// f.hi), and how many it mispredicts. The ages of the L-th most recent
// counted request are binned (bins of max(0.25 ms, w0/100000)); the window
// is the middle of the best run of bin boundaries.
func (f *fitter) slidingGap(sc *scope, L int, w0 float64) (W float64, mis int, ok bool) {
	e := f.e
	lo, hi := w0/2, 2*w0
	bw := math.Max(0.00025, w0*1e-5)
	nb := int(math.Ceil((hi - lo) / bw))
	if cap(f.gapA) < nb+2 {
		f.gapA, f.gapT = make([]int32, nb+2), make([]int32, nb+2)
	}
	acc, thr := f.gapA[:nb+2], f.gapT[:nb+2] // [0]: below lo, [nb+1]: at or above hi
	clear(acc)
	clear(thr)
	youngThr := 0 // throttles with fewer than L counted before them: always mispredicted
	judged := 0
	times := f.gapTimes[:0]
	for p := 0; p < sc.nparts; p++ {
		times = times[:0]
		for _, i := range sc.order[sc.segs[p]:sc.segs[p+1]] {
			if e.y[i] != evCounted && e.t[i] >= f.lo && e.t[i] < f.hi {
				judged++
				isThr := e.y[i] == evThrottled
				if len(times) < L {
					if isThr {
						youngThr++
					}
				} else {
					age := e.t[i] - times[len(times)-L]
					b := 0
					switch {
					case age >= hi:
						b = nb + 1
					case age >= lo:
						b = 1 + min(nb-1, int((age-lo)/bw))
					}
					if isThr {
						thr[b]++
					} else {
						acc[b]++
					}
				}
			}
			if e.y[i] != evThrottled {
				times = append(times, e.t[i])
			}
		}
	}
	f.gapTimes = times
	if judged == 0 {
		return 0, 0, false
	}
	// Threshold at the lower edge of bin k (k = 1..nb+1, lo + (k-1)*bw):
	// admitted iff the age is at or above it.
	var totThr int
	for b := range thr {
		totThr += int(thr[b])
	}
	cur := youngThr + totThr - int(thr[0]) + int(acc[0]) // threshold at lo
	best, bestK, bestEnd := cur, 1, 1
	run := false
	for k := 1; k <= nb+1; k++ {
		if k > 1 {
			// Moving the threshold above bin k-1 predicts its events throttled.
			cur += int(acc[k-1]) - int(thr[k-1])
		}
		switch {
		case cur < best:
			best, bestK, bestEnd, run = cur, k, k, true
		case cur == best && run && bestEnd == k-1:
			bestEnd = k
		default:
			run = run && cur == best && bestEnd == k
		}
	}
	mid := float64(bestK+bestEnd)/2 - 1
	W = lo + mid*bw
	if W < 0.5 {
		return 0, 0, false
	}
	return W, best, true
}

func (f *fitter) evalSlidingCounted(sc *scope, W float64) thresholdFit {
	f.buf = slidingKeys(f.buf, f.e, sc, W, true)
	return f.score(f.buf)
}

// fitCounter fits a sliding window counter near the given windows and phases.
func (f *fitter) fitCounter(sc *scope, ws, phases []float64) *modelFit {
	span := f.hi - f.lo
	eval := func(W, phi float64) thresholdFit {
		f.buf = counterKeys(f.buf, f.e, sc, W, phi)
		return f.score(f.buf)
	}
	// Stage 1: windows (the hints, their halves and the grid) at a few phases.
	var cands []float64
	for _, w := range ws {
		cands = append(cands, w, w/2)
	}
	for _, w := range windowGrid {
		if w <= span/2 {
			cands = append(cands, w)
		}
	}
	var best *modelFit
	try := func(W, phi float64) {
		if W < 0.5 {
			return
		}
		th := eval(W, phi)
		if best == nil || th.mis < best.th.mis {
			best = &modelFit{algo: AlgoSlidingWindow, variant: "counter", sc: sc, cont: W, phase: phi, th: th, k: 3}
		}
	}
	for _, W := range cands {
		phs := append([]float64{0, W / 2}, phases...)
		for _, phi := range phs {
			try(W, phi)
		}
	}
	if best == nil {
		return nil
	}
	// Stage 2: phases at the best window; stage 3: refine the window.
	W := best.cont
	nph := 12
	if f.fast {
		nph = 8
	}
	for k := 0; k < nph; k++ {
		try(W, W*float64(k)/float64(nph))
	}
	phi := best.phase
	for s := -4; s <= 4; s++ {
		try(W*(1+0.005*float64(s)), phi)
	}
	best.contLo, best.contHi = best.cont, best.cont
	return best
}

// saturationRate estimates the accepted rate per partition while throttled:
// counted requests between the first and the last throttle, over that time.
func saturationRate(e *events, sc *scope, lo, hi float64) float64 {
	var rates []float64
	for p := 0; p < sc.nparts; p++ {
		seg := sc.order[sc.segs[p]:sc.segs[p+1]]
		first, last := -1, -1
		nthr := 0
		for x, i := range seg {
			if e.y[i] == evThrottled && e.t[i] >= lo && e.t[i] < hi {
				if first < 0 {
					first = x
				}
				last = x
				nthr++
			}
		}
		if nthr < 2 || last <= first {
			continue
		}
		cnt := 0
		for _, i := range seg[first:last] {
			if e.y[i] != evThrottled {
				cnt++
			}
		}
		d := e.t[seg[last]] - e.t[seg[first]]
		if d > 0 && cnt > 0 {
			rates = append(rates, float64(cnt)/d)
		}
	}
	return median(rates)
}

// fitBucket fits a token bucket (rate r, burst b) in scope sc.
func (f *fitter) fitBucket(sc *scope) *modelFit {
	e := f.e
	r0 := saturationRate(e, sc, f.lo, f.hi)
	if math.IsNaN(r0) || r0 <= 0 {
		return nil
	}
	eval := func(r float64) thresholdFit {
		f.buf, _ = bucketKeys(f.buf, nil, e, sc, r)
		return f.scoreBand(f.buf, bucketBand(r))
	}
	// On large inputs the rate is located with whole-token keys (a
	// histogram 1/bucketQ the size) and refined with the full keys.
	coarse := eval
	if f.fast {
		coarse = func(r float64) thresholdFit {
			f.buf, _ = bucketKeys(f.buf, nil, e, sc, r)
			for i, k := range f.buf {
				f.buf[i] = (k + bucketQ - 1) / bucketQ
			}
			return f.score(f.buf)
		}
	}
	bestR, bestM := r0, math.MaxInt
	n := 32
	if f.fast {
		n = 20
	}
	for k := 0; k <= n; k++ {
		r := r0 / 3 * math.Pow(9, float64(k)/float64(n))
		if th := coarse(r); th.mis < bestM {
			bestR, bestM = r, th.mis
		}
	}
	for _, rel := range []float64{0.06, 0.01} {
		ev := eval
		if rel == 0.06 {
			ev = coarse
		}
		var rs []float64
		var ths []thresholdFit
		m := 8
		if f.fast {
			m = 5
		}
		for s := -m; s <= m; s++ {
			r := bestR * (1 + rel*float64(s)/float64(m))
			rs = append(rs, r)
			ths = append(ths, ev(r))
		}
		bi := bestMiddle(ths)
		bestR = rs[bi]
		if rel == 0.01 {
			fit := &modelFit{algo: AlgoTokenBucket, sc: sc, cont: rs[bi], th: ths[bi], k: 2, band: bucketBand(rs[bi])}
			fit.contLo, fit.contHi = tiedRange(rs, ths, ths[bi].mis)
			snapRate(fit, eval)
			return fit
		}
	}
	return nil
}

// fitConcurrency fits a concurrency cap in scope sc.
func (f *fitter) fitConcurrency(sc *scope) *modelFit {
	f.buf = concKeys(f.buf, f.e, sc)
	th := f.score(f.buf)
	return &modelFit{algo: AlgoConcurrency, sc: sc, th: th, k: 1}
}

// clusterCentres groups sorted values into clusters, a value joining the
// current cluster while it lies within gap of the cluster's mean, and
// returns the cluster means in order. xs must not be empty.
func clusterCentres(xs []float64, gap float64) []float64 {
	var centres []float64
	s, c := xs[0], 1.0
	for _, x := range xs[1:] {
		if x-s/c <= gap {
			s += x
			c++
			continue
		}
		centres = append(centres, s/c)
		s, c = x, 1
	}
	return append(centres, s/c)
}

// lnLik is the log-likelihood of n predictions with mis mistakes under the
// noisy-oracle model (each prediction wrong with probability eps).
func lnLik(n, mis int) float64 {
	if n == 0 {
		return 0
	}
	eps := math.Max(float64(mis)/float64(n), 0.5/float64(n))
	return float64(n-mis)*math.Log(1-eps) + float64(mis)*math.Log(eps)
}
