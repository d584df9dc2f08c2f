package analysis

import (
	"fmt"
	"math"
	"slices"
)

// inference is the outcome of fitting every model x scope on the events.
type inference struct {
	fits     []*modelFit // best first (lowest BIC)
	best     *modelFit
	runnerUp *modelFit
	deltaBIC float64
	cvMis    float64 // mismatch rate on the last third with parameters fitted on the first two thirds
	cvOK     bool
	ci       map[string][2]float64
	changing bool
	caveats  []string

	ev      *events
	resetIv []interval // reset intervals of the chosen scope (fixed windows)
}

// delayModel is the extra-delay evidence: accepted requests' elapsed minus
// the unloaded baseline, compared with what each model predicts.
type delayModel struct {
	base, tol float64
}

// searchMax is the number of events the parameter search runs on; larger
// inputs are searched on a contiguous part around the throttling and scored
// in full.
const searchMax = 150_000

// inferOptions tune the search.
type inferOptions struct {
	extraW    []float64 // window candidates from Retry-After or headers
	fast      bool      // smaller grids for large inputs
	bootstrap int       // resamples (0: none)
	scopes    []string  // scopes to try; nil: all that apply
}

// infer fits every model family in every scope and selects one by BIC.
func infer(e *events, opt inferOptions) *inference {
	inf := &inference{ci: map[string][2]float64{}, ev: e}
	if e.nThr == 0 || e.nAcc == 0 {
		return inf
	}
	// Search the parameters on at most searchMax events around the
	// throttling (the whole run when it is small), then score every fitted
	// model on all events.
	search := e
	if e.len() > searchMax {
		first := 0
		for i, y := range e.y {
			if y == evThrottled {
				first = i
				break
			}
		}
		i0 := max(0, first-searchMax/4)
		i1 := min(e.len(), i0+searchMax)
		i0 = max(0, i1-searchMax)
		search = e.slice(i0, i1)
		opt.fast = true
	}
	scopes := []*scope{sharedScope(search)}
	th := threadScope(search)
	if th.nparts > 1 {
		scopes = append(scopes, th)
	}
	lb := labelScope(search)
	if lb.nparts > 1 {
		scopes = append(scopes, lb)
	}
	f := &fitter{e: search, lo: search.lo, hi: search.hi + 1e-9, extraW: opt.extraW, fast: opt.fast}
	var fits []*modelFit
	for _, sc := range scopes {
		fits = append(fits, f.familyFits(sc)...)
	}
	if search != e {
		full := map[string]*scope{}
		var buf []int32
		var h keyHist
		for _, m := range fits {
			sc, ok := full[m.sc.name]
			if !ok {
				sc = scopeNamed(e, m.sc.name)
				full[m.sc.name] = sc
			}
			m.sc = sc
			buf = m.keys(buf, e)
			histOf(&h, e, buf, e.lo, e.hi+1e-9, m.band)
			if m.algo == AlgoConcurrency || m.algo == AlgoLeakyQueue {
				m.th = h.best()
				if m.algo == AlgoLeakyQueue && m.th.thr < bucketQ+1 {
					m.th.thr = bucketQ + 1
				}
			} else {
				m.th = h.best()
			}
		}
		f = &fitter{e: e, lo: e.lo, hi: e.hi + 1e-9, extraW: opt.extraW, fast: true}
	}
	dm := delayBaseline(e, fits)
	for _, m := range fits {
		m.delayN, m.delayMis = delayMismatches(e, m, dm)
		m.raN, m.raAgree = raAgreement(e, m)
		n := m.th.n
		m.lnL = lnLik(n, m.th.mis) + lnLik(m.delayN, m.delayMis)
		k := m.k
		if m.sc.name != ScopeShared {
			k++
		}
		m.k = k
		m.bic = float64(k)*math.Log(float64(max(n, 2))) - 2*m.lnL
	}
	slices.SortStableFunc(fits, func(a, b *modelFit) int { return cmpF(a.bic, b.bic) })
	inf.fits = fits
	if len(fits) == 0 {
		return inf
	}
	inf.best = fits[0]
	for _, m := range fits[1:] {
		if m.algo != inf.best.algo || m.sc.name != inf.best.sc.name {
			inf.runnerUp = m
			inf.deltaBIC = m.bic - inf.best.bic
			break
		}
	}
	// Ambiguity between models of nearly equal BIC: prefer the one whose
	// Retry-After predictions agree better.
	if inf.runnerUp != nil && inf.deltaBIC < 2 && raShare(inf.runnerUp) > raShare(inf.best)+0.2 {
		inf.best, inf.runnerUp = inf.runnerUp, inf.best
		inf.caveats = append(inf.caveats, fmt.Sprintf("%s and %s fit the decisions equally well; Retry-After agrees better with %s",
			describeFit(inf.best), describeFit(inf.runnerUp), inf.best.algo))
	}
	if inf.best.algo == AlgoFixedWindow {
		inf.resetIv = resetIntervals(e, inf.best.sc, f.lo, f.hi)
	}
	inf.crossValidate(f, opt)
	inf.bootstrapCI(opt)
	inf.detectChange(f, opt)
	return inf
}

func raShare(m *modelFit) float64 {
	if m.raN == 0 {
		return 0
	}
	return float64(m.raAgree) / float64(m.raN)
}

// familyFits fits every algorithm in one scope.
func (f *fitter) familyFits(sc *scope) []*modelFit {
	var fits []*modelFit
	fx := f.fitFixed(sc)
	if fx != nil {
		fits = append(fits, fx)
	}
	var hint []float64
	if fx != nil {
		hint = append(hint, fx.cont)
	}
	sl := f.fitSliding(sc, hint)
	if sl != nil {
		fits = append(fits, sl)
	}
	var ws, phs []float64
	if fx != nil {
		ws = append(ws, fx.cont)
		phs = append(phs, fx.phase)
	}
	if sl != nil {
		ws = append(ws, sl.cont)
	}
	if c := f.fitCounter(sc, ws, phs); c != nil {
		fits = append(fits, c)
	}
	if tb := f.fitBucket(sc); tb != nil {
		fits = append(fits, tb)
		lq := *tb
		lq.algo = AlgoLeakyQueue
		if lq.th.thr < bucketQ+1 {
			lq.th.thr = bucketQ + 1
		}
		fits = append(fits, &lq)
	}
	if sc.name != ScopePerThread {
		fits = append(fits, f.fitConcurrency(sc))
	}
	return fits
}

// delayBaseline finds the unloaded elapsed time: accepted requests while the
// shared token-bucket deficit was below one token (else all accepted).
func delayBaseline(e *events, fits []*modelFit) delayModel {
	var tb *modelFit
	for _, m := range fits {
		if m.algo == AlgoTokenBucket && m.sc.name == ScopeShared {
			tb = m
		}
	}
	var base []float64
	if tb != nil {
		_, defs := bucketKeys(nil, make([]float64, 0), e, tb.sc, tb.cont)
		for i := range e.t {
			if e.y[i] == evAccepted && defs[i] < 0.5 {
				base = append(base, float64(e.el[i]))
			}
		}
	}
	if len(base) < 20 {
		base = base[:0]
		for i := range e.t {
			if e.y[i] == evAccepted {
				base = append(base, float64(e.el[i]))
			}
		}
	}
	if len(base) == 0 {
		return delayModel{tol: 0.1}
	}
	slices.Sort(base)
	q25, q50, q75 := quantileSorted(base, 0.25), quantileSorted(base, 0.5), quantileSorted(base, 0.75)
	return delayModel{base: q50, tol: math.Max(0.1, 3*(q75-q25))}
}

// delayMismatches counts accepted requests whose extra delay (elapsed minus
// baseline) the model predicts wrongly. A leaky queue predicts D/r (the
// requests queued ahead, drained at rate r); every other model predicts none.
func delayMismatches(e *events, m *modelFit, dm delayModel) (n, mis int) {
	var defs []float64
	if m.algo == AlgoLeakyQueue {
		_, defs = bucketKeys(nil, make([]float64, 0), e, m.sc, m.cont)
	}
	for i := range e.t {
		if e.y[i] != evAccepted {
			continue
		}
		n++
		extra := float64(e.el[i]) - dm.base
		q := 0.0
		if defs != nil {
			q = defs[i] / m.cont
		}
		if math.Abs(extra-q) > dm.tol+0.25*q {
			mis++
		}
	}
	return n, mis
}

// raAgreement counts throttles with a Retry-After and how many of them the
// model's predicted wait matches (Retry-After is whole seconds, rounded up).
func raAgreement(e *events, m *modelFit) (n, agree int) {
	pred := raPredictions(e, m)
	if pred == nil {
		return 0, 0
	}
	for i := range e.t {
		if e.y[i] != evThrottled || math.IsNaN(float64(e.ra[i])) {
			continue
		}
		n++
		if raMatches(float64(e.ra[i]), pred[i]) {
			agree++
		}
	}
	return n, agree
}

func raMatches(obs, pred float64) bool {
	if math.IsNaN(pred) {
		return false
	}
	if pred < 1 {
		pred = math.Max(pred, 0)
		return obs <= 1.6 && obs >= pred-0.6
	}
	return obs >= pred-0.6 && obs <= pred+1.6
}

// raPredictions returns, per event, the seconds until the model would admit
// a request (NaN where not defined); nil for models without a prediction.
func raPredictions(e *events, m *modelFit) []float64 {
	n := e.len()
	pred := make([]float64, n)
	for i := range pred {
		pred[i] = math.NaN()
	}
	switch {
	case m.algo == AlgoFixedWindow:
		for i := range e.t {
			if e.y[i] == evThrottled {
				ph := m.phase
				if m.phases != nil {
					ph = m.phases[m.sc.part[i]]
				}
				k := math.Floor((e.t[i] - ph) / m.cont)
				pred[i] = ph + (k+1)*m.cont - e.t[i]
			}
		}
	case m.algo == AlgoSlidingWindow && m.variant != "counter":
		L := int(m.limitValue())
		for p := 0; p < m.sc.nparts; p++ {
			seg := m.sc.order[m.sc.segs[p]:m.sc.segs[p+1]]
			var ct []float64 // counted times
			j := 0           // first counted time inside the window
			for _, i := range seg {
				for j < len(ct) && ct[j] <= e.t[i]-m.cont {
					j++
				}
				c := len(ct) - j
				if e.y[i] == evThrottled && c >= L && L >= 1 {
					pred[i] = ct[j+c-L] + m.cont - e.t[i]
				}
				if e.y[i] != evThrottled || m.countThr {
					ct = append(ct, e.t[i])
				}
			}
		}
	case m.algo == AlgoTokenBucket || m.algo == AlgoLeakyQueue:
		_, defs := bucketKeys(nil, make([]float64, 0), e, m.sc, m.cont)
		b := limitOf(AlgoTokenBucket, "", m.th.thr)
		for i := range e.t {
			if e.y[i] == evThrottled {
				pred[i] = (defs[i] + 1 - b) / m.cont
			}
		}
	default:
		return nil
	}
	return pred
}

// crossValidate fits the chosen family and scope on the first two thirds
// of the run and measures its mismatch rate on the last third.
func (inf *inference) crossValidate(full *fitter, opt inferOptions) {
	b := inf.best
	e := full.e
	cut := full.lo + (full.hi-full.lo)*2/3
	var m *modelFit
	thrBefore := 0
	for i := range e.t {
		if e.t[i] < cut && e.y[i] == evThrottled {
			thrBefore++
		}
	}
	if thrBefore >= 3 {
		m = refitOn(e.sliceTime(full.lo, cut), b, full.extraW)
	}
	if m == nil {
		m = b // nothing to fit on before the cut: test the full fit
	} else {
		m.sc = b.sc
	}
	keys := m.keys(nil, e)
	var h keyHist
	histOf(&h, e, keys, cut, full.hi, m.band)
	mis, n := h.mismatchAt(m.th.thr)
	if n > 0 {
		inf.cvMis = float64(mis) / float64(n)
		inf.cvOK = true
	}
}

// refitOn fits m's algorithm and scope on the events sub (at most
// searchMax of them, from its start).
func refitOn(sub *events, m *modelFit, extraW []float64) *modelFit {
	if sub.len() > searchMax {
		sub = sub.slice(0, searchMax)
	}
	if sub.nThr == 0 || sub.nAcc == 0 {
		return nil
	}
	f := &fitter{e: sub, lo: sub.lo, hi: sub.hi + 1e-9, extraW: extraW, fast: true}
	mm := *m
	mm.sc = scopeNamed(sub, m.sc.name)
	return f.refit(&mm)
}

// refit fits the same algorithm, variant family and scope as m on f's range.
func (f *fitter) refit(m *modelFit) *modelFit {
	var out *modelFit
	switch m.algo {
	case AlgoFixedWindow:
		out = f.fitFixed(m.sc)
	case AlgoSlidingWindow:
		if m.variant == "counter" {
			out = f.fitCounter(m.sc, []float64{m.cont}, []float64{m.phase})
		} else {
			out = f.fitSliding(m.sc, []float64{m.cont})
		}
	case AlgoTokenBucket, AlgoLeakyQueue:
		out = f.fitBucket(m.sc)
		if out != nil {
			out.algo = m.algo
			if m.algo == AlgoLeakyQueue && out.th.thr < bucketQ+1 {
				out.th.thr = bucketQ + 1
			}
		}
	case AlgoConcurrency:
		out = f.fitConcurrency(m.sc)
	}
	return out
}

// bootstrapCI computes 95% intervals of the chosen model's parameters by a
// moving-block bootstrap over time blocks of the mismatch profile.
func (inf *inference) bootstrapCI(opt inferOptions) {
	b := inf.best
	if b == nil || opt.bootstrap <= 0 {
		return
	}
	ev := inf.ev
	blockS := 30.0
	switch b.algo {
	case AlgoFixedWindow, AlgoSlidingWindow:
		blockS = math.Max(30, 2*b.cont)
	case AlgoTokenBucket, AlgoLeakyQueue:
		blockS = math.Max(30, 10/b.cont)
	}
	bp, width := newBlockProfile(ev.lo, ev.hi+1e-9, blockS)
	bp.band = b.band
	var vals []float64
	if b.algo == AlgoConcurrency {
		vals = []float64{0}
	} else {
		lo, hi := b.contLo, b.contHi
		if !(hi > lo) {
			lo, hi = b.cont*0.995, b.cont*1.005
		}
		lo, hi = math.Min(lo, b.cont*0.99), math.Max(hi, b.cont*1.01)
		const nv = 11
		for k := 0; k < nv; k++ {
			vals = append(vals, lo+(hi-lo)*float64(k)/(nv-1))
		}
	}
	var buf []int32
	for _, v := range vals {
		m := *b
		if b.algo != AlgoConcurrency {
			m.cont = v
			if b.algo == AlgoFixedWindow && len(inf.resetIv) > 0 {
				_, m.phase = stab(inf.resetIv, v)
			}
		}
		buf = m.keys(buf, ev)
		bp.add(v, ev, buf, ev.lo, width)
	}
	valCI, thrCI, ok := bp.bootstrap(opt.bootstrap, 1)
	if !ok {
		return
	}
	lim := [2]float64{limitOf(b.algo, b.variant, int32(thrCI[0])), limitOf(b.algo, b.variant, int32(thrCI[1]))}
	switch b.algo {
	case AlgoFixedWindow, AlgoSlidingWindow:
		inf.ci["limit"] = lim
		inf.ci["window_s"] = valCI
		inf.ci["rate_per_s"] = [2]float64{lim[0] / valCI[1], lim[1] / valCI[0]}
	case AlgoTokenBucket:
		inf.ci["rate_per_s"] = valCI
		inf.ci["burst"] = lim
	case AlgoLeakyQueue:
		inf.ci["rate_per_s"] = valCI
		inf.ci["burst"] = lim
	case AlgoConcurrency:
		inf.ci["concurrency"] = lim
	}
}

// detectChange refits the chosen family on each third of the throttled
// period and flags a limit that differs between them.
func (inf *inference) detectChange(full *fitter, opt inferOptions) {
	b := inf.best
	e := full.e
	if b == nil || b.algo == AlgoConcurrency {
		return
	}
	// Throttled period.
	first, last := math.Inf(1), math.Inf(-1)
	for i := range e.t {
		if e.y[i] == evThrottled {
			first = math.Min(first, e.t[i])
			last = math.Max(last, e.t[i])
		}
	}
	span := last - first
	minSpan := 60.0
	if b.algo == AlgoFixedWindow || b.algo == AlgoSlidingWindow {
		minSpan = math.Max(60, 6*b.cont)
	}
	if span < minSpan || e.nThr < 60 {
		return
	}
	var rates []float64
	var bicSeg float64
	for s := 0; s < 3; s++ {
		lo := first + span*float64(s)/3
		hi := first + span*float64(s+1)/3
		if s == 2 {
			hi = last + 1e-9
		}
		m := refitOn(e.sliceTime(lo, hi), b, full.extraW)
		if m == nil {
			return
		}
		rates = append(rates, m.ratePerS())
		bicSeg += -2 * lnLik(m.th.n, m.th.mis)
	}
	// Same model on the same segments with the full-run parameters.
	keys := b.keys(nil, e)
	var h keyHist
	histOf(&h, e, keys, first, last+1e-9, b.band)
	mis, n := h.mismatchAt(b.th.thr)
	bicOne := -2 * lnLik(n, mis)
	bicSeg += float64(2*b.k) * math.Log(float64(max(n, 2))) // two more parameter sets
	lo, hi := slices.Min(rates), slices.Max(rates)
	if hi > 1.2*lo && bicOne-bicSeg > 10 {
		inf.changing = true
		inf.caveats = append(inf.caveats, fmt.Sprintf("the limit changes during the run: the rate fitted on thirds of the throttled period is %s req/s",
			joinFloats(rates)))
	}
}

func joinFloats(v []float64) string {
	s := ""
	for k, x := range v {
		if k > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.3g", x)
	}
	return s
}

func describeFit(m *modelFit) string {
	return m.algo + " (" + m.sc.name + ")"
}
