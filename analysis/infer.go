package analysis

import (
	"fmt"
	"math"
	"slices"
	"sync"
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
	keyBuf  bufPool
	// bestKeys are best's keys on all events when rescore computed them.
	bestKeys []int32
	after    *sync.WaitGroup // see wait

	// clusterShare and clusterPeriod are resetClusters of the chosen scope,
	// set when clustersDone (not nil) is closed.
	clusterShare, clusterPeriod float64
	clustersDone                chan struct{}
}

// delayModel is the extra-delay evidence: accepted requests' elapsed minus
// the unloaded baseline, compared with what each model predicts.
type delayModel struct {
	base, tol float64
}

// searchMax is the number of events the parameter search runs on; larger
// inputs are searched on a part around the throttling (searchSpan events
// from a little before the first throttle, thinned: see events.subset) and
// the chosen model is scored in full.
const (
	searchMax  = 50_000
	searchSpan = 16 * searchMax
)

// inferOptions tune the search.
type inferOptions struct {
	extraW    []float64 // window candidates from Retry-After or headers
	fast      bool      // smaller grids for large inputs
	bootstrap int       // resamples (0: none)
	scopes    []string  // scopes to try; nil: all that apply
}

// infer fits every model family in every scope and selects one by BIC.
// It returns before the cross-validation, intervals and change detection
// are done: see wait.
func infer(e *events, opt inferOptions) *inference {
	inf := &inference{ci: map[string][2]float64{}, ev: e}
	if e.nThr == 0 || e.nAcc == 0 {
		return inf
	}
	// Search the parameters on at most searchMax events around the
	// throttling (the whole run when it is small), then score every fitted
	// model on all events.
	search, i0 := e, 0
	if e.len() > searchMax {
		first := 0
		for i, y := range e.y {
			if y == evThrottled {
				first = i
				break
			}
		}
		i0 = max(0, first-searchMax/4)
		i1 := min(e.len(), i0+searchSpan)
		search = e.subset(i0, i1, searchMax, false)
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
	// The families of every scope are fitted in parallel, each with its own
	// fitter (buffers); the fits keep the order scope by scope, family by
	// family (window, bucket, concurrency).
	families := []func(*fitter, *scope) []*modelFit{(*fitter).windowFits, (*fitter).bucketFits, (*fitter).concFits}
	perScope := make([][]*modelFit, len(scopes)*len(families))
	var wg sync.WaitGroup
	for k, sc := range scopes {
		for j, fam := range families {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f := &fitter{e: search, lo: search.lo, hi: search.hi + 1e-9, extraW: opt.extraW, fast: opt.fast}
				perScope[k*len(families)+j] = fam(f, sc)
			}()
		}
	}
	wg.Wait()
	var fits []*modelFit
	for _, fs := range perScope {
		fits = append(fits, fs...)
	}
	dm := delayBaseline(search, fits)
	for _, m := range fits {
		m.delayN, m.delayMis = delayMismatches(search, m, dm)
		m.raN, m.raAgree = raAgreement(search, m)
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
	// On large inputs the chosen model is scored on every decision (its
	// threshold refitted; the candidates keep their search-part numbers).
	// Meanwhile the intervals (on the search part), and the refits of
	// cross-validation and change detection (which need only the model's
	// algorithm, variant and scope) run; their final passes over all
	// decisions wait for the rescored model.
	pre := inf.best
	f := &fitter{e: e, lo: e.lo, hi: e.hi + 1e-9, extraW: opt.extraW, fast: opt.fast}
	bootIv := []interval(nil)
	if pre.algo == AlgoFixedWindow {
		bootIv = resetIntervals(search, pre.sc, search.lo, search.hi+1e-9)
	}
	rescored := make(chan struct{})
	var after sync.WaitGroup
	after.Add(3)
	go func() { defer after.Done(); inf.bootstrapCI(opt, pre, search, bootIv) }()
	go func() { defer after.Done(); inf.crossValidate(f, pre, rescored) }()
	go func() { defer after.Done(); inf.detectChange(f, pre, rescored) }()
	sc := pre.sc
	if search != e {
		sc = scopeNamed(e, pre.sc.name)
	}
	// The Retry-After reset clusters of the chosen scope (for the analysis'
	// Retry-After semantics), while the model is rescored.
	inf.clustersDone = make(chan struct{})
	go func() {
		defer close(inf.clustersDone)
		inf.clusterShare, inf.clusterPeriod = resetClusters(e, sc)
	}()
	if search != e {
		inf.best = rescore(e, inf.best, sc, dm, &inf.keyBuf, &inf.bestKeys)
	}
	if inf.best.algo == AlgoFixedWindow {
		inf.resetIv = resetIntervals(e, inf.best.sc, f.lo, f.hi)
	}
	close(rescored)
	inf.after = &after
	return inf
}

// wait waits for the cross-validation, the intervals and the change
// detection, which infer leaves running: cvMis, ci, changing and caveats
// are set after wait returns; best and the fits are set before.
func (inf *inference) wait() {
	if inf.after != nil {
		inf.after.Wait()
	}
}

// rescore returns m moved onto the events e (a superset of the ones it was
// fitted on): its scope rebuilt on e, its threshold refitted on all judged
// decisions, its delay and Retry-After agreement and its BIC recomputed.
// sc is m's scope rebuilt on e; keysOut receives the model's keys on e.
//
// moveModel returns a copy of m (fitted on a slice of the same events as
// ev) with its scope rebuilt on ev (or sc, when not nil). Per-partition phases follow their
// partitions, which are numbered in order of first appearance and so
// differently on ev; partitions m never saw take the common phase.
func moveModel(m *modelFit, ev *events, sc *scope) *modelFit {
	out := *m
	out.sc = sc
	if sc == nil {
		out.sc = scopeNamed(ev, m.sc.name)
	}
	if m.phases != nil {
		out.phases = make([]float64, out.sc.nparts)
		for p := range out.phases {
			out.phases[p] = m.phase
		}
		for i, p := range m.sc.part {
			if j, ok := ev.pos(m.sc.root(i)); ok {
				out.phases[out.sc.part[j]] = m.phases[p]
			}
		}
	}
	return &out
}

func rescore(e *events, m *modelFit, sc *scope, dm delayModel, pool *bufPool, keysOut *[]int32) *modelFit {
	out := *moveModel(m, e, sc)
	keys := out.keys(pool.get(), e)
	*keysOut = keys
	var h keyHist
	histOf(&h, e, keys, e.lo, e.hi+1e-9, out.band)
	out.th = h.best()
	if out.algo == AlgoLeakyQueue && out.th.thr < bucketQ+1 {
		out.th.thr = bucketQ + 1
	}
	out.delayN, out.delayMis = delayMismatches(e, &out, dm)
	out.raN, out.raAgree = raAgreement(e, &out)
	out.lnL = lnLik(out.th.n, out.th.mis) + lnLik(out.delayN, out.delayMis)
	out.bic = float64(out.k)*math.Log(float64(max(out.th.n, 2))) - 2*out.lnL
	return &out
}

// bufPool hands out one reusable []int32: the key array of the full-data
// passes (rescore, cross-validation, change detection), which run one after
// the other.
type bufPool struct {
	mu  sync.Mutex
	buf []int32
}

func (p *bufPool) get() []int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.buf
	p.buf = nil
	return b
}

func (p *bufPool) put(b []int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cap(b) > cap(p.buf) {
		p.buf = b
	}
}

func raShare(m *modelFit) float64 {
	if m.raN == 0 {
		return 0
	}
	return float64(m.raAgree) / float64(m.raN)
}

// familyFits fits every algorithm in one scope.
func (f *fitter) familyFits(sc *scope) []*modelFit {
	fits := f.windowFits(sc)
	fits = append(fits, f.bucketFits(sc)...)
	return append(fits, f.concFits(sc)...)
}

// windowFits fits the fixed window, then the sliding log and the sliding
// counter (which start from the fixed window's window and phase).
func (f *fitter) windowFits(sc *scope) []*modelFit {
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
	return fits
}

// bucketFits fits the token bucket, and the leaky queue with its rate.
func (f *fitter) bucketFits(sc *scope) []*modelFit {
	tb := f.fitBucket(sc)
	if tb == nil {
		return nil
	}
	lq := *tb
	lq.algo = AlgoLeakyQueue
	if lq.th.thr < bucketQ+1 {
		lq.th.thr = bucketQ + 1
	}
	return []*modelFit{tb, &lq}
}

// concFits fits the concurrency cap (not per thread: one JMeter thread has
// one request in flight).
func (f *fitter) concFits(sc *scope) []*modelFit {
	if sc.name == ScopePerThread {
		return nil
	}
	return []*modelFit{f.fitConcurrency(sc)}
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
				base = append(base, float64(e.el(i)))
			}
		}
	}
	if len(base) < 20 {
		base = base[:0]
		for i := range e.t {
			if e.y[i] == evAccepted {
				base = append(base, float64(e.el(i)))
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
	check := func(i int, q float64) {
		n++
		extra := float64(e.el(i)) - dm.base
		if math.Abs(extra-q) > dm.tol+0.25*q {
			mis++
		}
	}
	if m.algo == AlgoLeakyQueue {
		eachDeficit(e, m.sc, m.cont, func(i int, d float64) {
			if e.y[i] == evAccepted {
				check(i, d/m.cont)
			}
		})
		return n, mis
	}
	for i := range e.t {
		if e.y[i] == evAccepted {
			check(i, 0)
		}
	}
	return n, mis
}

// eachDeficit calls fn with the token deficit before every event, as
// bucketKeys computes it, without its arrays.
func eachDeficit(e *events, sc *scope, r float64, fn func(i int, d float64)) {
	d := make([]float64, sc.nparts)
	last := make([]float64, sc.nparts)
	seen := make([]bool, sc.nparts)
	for i := range e.t {
		p := sc.part[i]
		if seen[p] {
			d[p] = math.Max(0, d[p]-r*(e.t[i]-last[p]))
		}
		seen[p], last[p] = true, e.t[i]
		fn(i, d[p])
		if e.y[i] != evThrottled {
			d[p]++
		}
	}
}

// raAgreement counts throttles with a Retry-After and how many of them the
// model's predicted wait matches (Retry-After is whole seconds, rounded up).
func raAgreement(e *events, m *modelFit) (n, agree int) {
	ok := raPredict(e, m, func(i int, pred float64) {
		if ra := float64(e.ra(i)); !math.IsNaN(ra) && raMatches(ra, pred) {
			agree++
		}
	})
	if !ok {
		return 0, 0
	}
	for i := range e.t {
		if e.y[i] == evThrottled && !math.IsNaN(float64(e.ra(i))) {
			n++
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

// raPredict calls fn for every throttled event the model predicts a wait
// for, with the seconds until the model would admit a request, and reports
// whether the model predicts waits at all.
func raPredict(e *events, m *modelFit, fn func(i int, pred float64)) bool {
	switch {
	case m.algo == AlgoFixedWindow:
		for i := range e.t {
			if e.y[i] == evThrottled {
				ph := m.phase
				if m.phases != nil {
					ph = m.phases[m.sc.part[i]]
				}
				k := math.Floor((e.t[i] - ph) / m.cont)
				fn(i, ph+(k+1)*m.cont-e.t[i])
			}
		}
	case m.algo == AlgoSlidingWindow && m.variant != "counter":
		L := int(m.limitValue())
		var ct []float64 // counted times of the partition, from the first inside the window
		for p := 0; p < m.sc.nparts; p++ {
			seg := m.sc.order[m.sc.segs[p]:m.sc.segs[p+1]]
			ct = ct[:0]
			j := 0 // first counted time inside the window
			for _, i := range seg {
				for j < len(ct) && ct[j] <= e.t[i]-m.cont {
					j++
				}
				if j > 4096 && j > len(ct)/2 {
					ct = ct[:copy(ct, ct[j:])]
					j = 0
				}
				c := len(ct) - j
				if e.y[i] == evThrottled && c >= L && L >= 1 {
					fn(int(i), ct[j+c-L]+m.cont-e.t[i])
				}
				if e.y[i] != evThrottled || m.countThr {
					ct = append(ct, e.t[i])
				}
			}
		}
	case m.algo == AlgoTokenBucket || m.algo == AlgoLeakyQueue:
		b := limitOf(AlgoTokenBucket, "", m.th.thr)
		eachDeficit(e, m.sc, m.cont, func(i int, d float64) {
			if e.y[i] == evThrottled {
				fn(i, (d+1-b)/m.cont)
			}
		})
	default:
		return false
	}
	return true
}

// crossValidate fits the chosen family and scope on the first two thirds
// of the run and measures its mismatch rate on the last third.
// pre is the chosen model as selected (its algorithm, variant and scope
// are refitted); the final pass over all decisions waits for rescored and
// then uses inf.best.
func (inf *inference) crossValidate(full *fitter, pre *modelFit, rescored <-chan struct{}) {
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
		// The part nearest the test third.
		m = refitOn(e.sliceTime(full.lo, cut), pre, full.extraW, true)
	}
	<-rescored
	// The test part: the last third; on large inputs the refitMax events
	// after the cut, with the limiter state run from refitMax events
	// before it (teacher forcing forgets an older past).
	ev, hi := e, full.hi
	if e.len() > searchMax {
		c, _ := slices.BinarySearch(e.t, cut)
		n := e.len()
		ev = e.subset(max(0, c-searchSpan/2), min(n, c+searchSpan/2), 2*refitMax, false)
		if ev.idx == nil { // mostly admitted: contiguous, around the cut
			ev = e.slice(max(0, c-refitMax), min(n, c+refitMax))
		}
		hi = math.Min(hi, ev.hi+1e-9)
	}
	if m == nil {
		m = inf.best // nothing to fit on before the cut: test the full fit
	}
	m = moveModel(m, ev, nil)
	keys := m.keys(inf.keyBuf.get(), ev)
	defer inf.keyBuf.put(keys)
	var h keyHist
	histAbove(&h, ev, keys, cut, hi, m.band, m.th.thr+m.band)
	mis, n := h.mismatchAt(m.th.thr)
	if n > 0 {
		inf.cvMis = float64(mis) / float64(n)
		inf.cvOK = true
	}
}

// refitMax is the most events a refit (cross-validation, change detection)
// runs on.
const refitMax = searchMax / 2

// refitOn fits m's algorithm and scope on the events sub, or on a subset
// of refitMax of them (see events.subset): near its end when fromEnd, else
// near its start.
func refitOn(sub *events, m *modelFit, extraW []float64, fromEnd bool) *modelFit {
	if n := sub.len(); n > refitMax {
		if fromEnd {
			sub = sub.subset(max(0, n-searchSpan/2), n, refitMax, true)
		} else {
			sub = sub.subset(0, min(n, searchSpan/2), refitMax, false)
		}
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
// On large inputs b and ev are the chosen model as fitted on the search
// part, and that part: the intervals then describe what the search part
// pins down.
func (inf *inference) bootstrapCI(opt inferOptions, b *modelFit, ev *events, resetIv []interval) {
	if b == nil || opt.bootstrap <= 0 {
		return
	}
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
			if b.algo == AlgoFixedWindow && len(resetIv) > 0 {
				_, m.phase = stab(resetIv, v)
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
// pre and rescored are as for crossValidate.
func (inf *inference) detectChange(full *fitter, pre *modelFit, rescored <-chan struct{}) {
	b := pre
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
	var segs [3]*modelFit
	var wg sync.WaitGroup
	for s := range segs {
		lo := first + span*float64(s)/3
		hi := first + span*float64(s+1)/3
		if s == 2 {
			hi = last + 1e-9
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			segs[s] = refitOn(e.sliceTime(lo, hi), b, full.extraW, false)
		}()
	}
	wg.Wait()
	<-rescored
	b = inf.best
	for _, m := range segs {
		if m == nil {
			return
		}
		rates = append(rates, m.ratePerS())
		bicSeg += -2 * lnLik(m.th.n, m.th.mis)
	}
	// Same model on the same segments with the full-run parameters.
	keys := inf.bestKeys
	if keys == nil {
		keys = b.keys(inf.keyBuf.get(), e)
		defer inf.keyBuf.put(keys)
	}
	var h keyHist
	histAbove(&h, e, keys, first, last+1e-9, b.band, b.th.thr+b.band)
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
