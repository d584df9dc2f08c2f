package analysis

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// minThrottles is the number of throttled decisions below which no limit is
// fitted (too little evidence).
const minThrottles = 3

// confidenceOf reads a BIC difference on the Kass-Raftery scale.
func confidenceOf(dbic float64) string {
	switch {
	case dbic > 10:
		return ConfVeryStrong
	case dbic > 6:
		return ConfStrong
	case dbic > 2:
		return ConfPositive
	}
	return ConfAmbiguous
}

// fillLimit fills Result.Limit from the inference.
func (a *analysis) fillLimit() {
	l := &a.res.Limit
	e, inf := a.ev, a.inf
	l.Algorithm, l.Scope, l.Confidence = AlgoUnknown, ScopeShared, ConfNone
	l.Labels = []string{}
	if e.nThr > 0 {
		l.Labels = a.limitedNames()
	}
	if e.nThr < minThrottles || inf.best == nil {
		a.noLimit()
		return
	}
	b := inf.best
	l.Detected = true
	if why := a.noBetterThanChance(b); why != "" {
		a.unknownLimit(why)
		return
	}
	l.Algorithm, l.Scope = b.algo, b.sc.name
	l.Variant = b.variant
	l.DeltaBIC = round2(math.Min(inf.deltaBIC, 9999))
	if inf.runnerUp == nil {
		l.DeltaBIC = 9999
	}
	l.Confidence = confidenceOf(l.DeltaBIC)
	if b.th.n > 0 {
		l.Mismatch = round4(float64(b.th.mis) / float64(b.th.n))
	}
	if inf.cvOK {
		l.CVMismatch = round4(inf.cvMis)
	}
	lim := b.limitValue()
	switch b.algo {
	case AlgoFixedWindow, AlgoSlidingWindow:
		l.Limit = fptr(lim)
		l.WindowS = fptr(b.cont)
		l.RatePerS = fptr(lim / b.cont)
		if (b.algo == AlgoFixedWindow || b.variant == "counter") && b.phases == nil {
			ph := epochPhase(a.run0, b.phase, b.cont, (e.lo+e.hi)/2)
			l.PhaseS = fptr(ph)
			if b.algo == AlgoFixedWindow && (ph < 0.25 || *l.WindowS-ph < 0.25) {
				l.Variant = "clock-aligned"
			}
		}
	case AlgoTokenBucket, AlgoLeakyQueue:
		l.RatePerS = fptr(b.cont)
		l.Burst = fptr(lim)
	case AlgoConcurrency:
		l.Concurrency = fptr(lim)
	}
	if len(inf.ci) > 0 {
		l.CI = map[string][2]float64{}
		for k, v := range inf.ci {
			l.CI[k] = [2]float64{roundSig(v[0]), roundSig(v[1])}
		}
	}
	if l.Scope == ScopeShared {
		if other := a.unthrottledPeer(); other != "" {
			l.Scope = ScopePerLabel
			l.Caveats = append(l.Caveats, fmt.Sprintf("per-label scope: %q was called as often by the same threads while the limited labels were throttled, and never throttled: the quota is per endpoint", other))
		}
	}
	l.Changing = inf.changing
	l.Caveats = append(l.Caveats, inf.caveats...)
	if b.note != "" {
		l.Caveats = append(l.Caveats, b.note)
	}
	if e.nThr < 20 {
		l.Caveats = append(l.Caveats, fmt.Sprintf("only %d throttled responses: the estimate is weak", e.nThr))
		if l.Confidence == ConfVeryStrong || l.Confidence == ConfStrong {
			l.Confidence = ConfPositive
		}
	}
	if l.Mismatch > 0.05 {
		l.Caveats = append(l.Caveats, fmt.Sprintf("the chosen model mispredicts %.1f%% of the decisions: another limit, retries or noise are mixed in", 100*l.Mismatch))
	}
	if inf.runnerUp != nil && l.Confidence == ConfAmbiguous {
		l.Caveats = append(l.Caveats, fmt.Sprintf("ambiguous: %s fits almost as well (ΔBIC %.1f)", describeFit(inf.runnerUp), inf.deltaBIC))
	}
	if (b.algo == AlgoFixedWindow || b.algo == AlgoSlidingWindow) && e.hi-e.lo < 2*b.cont {
		l.Caveats = append(l.Caveats, "the run covers fewer than two windows: the window length is weakly identified")
	}
	if b.sc.name == ScopePerThread {
		l.Caveats = append(l.Caveats, "per-thread scope: each JMeter thread (one user or token) has its own quota; rate_per_s is per thread")
	}
}

// chanceGain is the share of the mismatches of "throttle at random" (always
// predicting the majority decision) that the chosen model must remove to be
// reported as the limit. A real limiter's fit removes nearly all of them
// (under timing noise, a token bucket's keeps well over half); throttling
// that follows no rate, window or concurrency pattern leaves them all.
const chanceGain = 0.25

// noBetterThanChance says why the chosen model does not explain the
// throttling better than chance, or "" when it does. Chance is the model
// with no parameter but the throttled share: it predicts the majority
// decision every time, so its mismatches are the minority's count. The model
// must beat it on BIC (its extra parameters paid for) and remove at least
// chanceGain of its mismatches.
func (a *analysis) noBetterThanChance(b *modelFit) string {
	n, mis := b.th.n, b.th.mis
	thr := min(a.ev.nThr, n)
	m0 := min(thr, n-thr)
	if n < 2 || m0 == 0 {
		return ""
	}
	bicChance := math.Log(float64(n)) - 2*lnLik(n, m0)
	bicModel := float64(b.k)*math.Log(float64(n)) - 2*lnLik(n, mis)
	if bicChance-bicModel > 10 && float64(mis) <= (1-chanceGain)*float64(m0) {
		return ""
	}
	return fmt.Sprintf("no model explains the throttling better than chance: the best (%s) mispredicts %d of %d decisions, predicting the majority every time %d",
		describeFit(b), mis, n, m0)
}

// unknownLimit reports throttling that no model explains: the algorithm is
// unknown, the rate is what the server admitted while it throttled (a
// measurement, not a limit), and the caveat says why.
func (a *analysis) unknownLimit(why string) {
	l := &a.res.Limit
	l.Algorithm, l.Confidence = AlgoUnknown, ConfAmbiguous
	var acc, secs float64
	for i := range a.sec.limOffered {
		if a.sec.limOffered[i] > a.sec.limAcc[i] { // a second with throttling
			acc += a.sec.limAcc[i]
			secs++
		}
	}
	if secs > 0 {
		l.RatePerS = fptr(roundSig(acc / secs))
	}
	l.Caveats = append(l.Caveats, why,
		"rate_per_s is the mean accepted rate of the limited labels in the seconds with throttling: what the server admitted, not a fitted limit; throttling may be random (fault injection, an overloaded backend) or from a limiter jmtune does not model")
}

// epochPhase converts a boundary grid found in run time (boundaries at
// phase + k*w seconds after run0, epoch ms) into the phase_s that Limit
// reports: boundaries at phase_s + k*W epoch seconds, where W is the window
// exactly as reported (roundSig(w)). The boundary nearest mid (seconds after
// run0) is converted, so that the reported grid matches the fitted one
// through the run even though W is rounded; epoch seconds modulo an
// unrounded w would put the boundaries anywhere.
func epochPhase(run0 int64, phase, w, mid float64) float64 {
	W := roundSig(w)
	b := phase + math.Round((mid-phase)/w)*w // a fitted boundary near mid, run time
	whole := run0 / 1000
	frac := float64(run0%1000)/1000 + b
	// (whole + frac) mod W without losing the fraction to 1.8e9.
	ph := math.Mod(math.Mod(float64(whole), W)+frac, W)
	if ph < 0 {
		ph += W
	}
	return ph
}

// noLimit fills Limit when nothing (or too little) was throttled: lower
// bounds on the limit from the accepted requests.
func (a *analysis) noLimit() {
	l := &a.res.Limit
	e := a.ev
	peak := peakSustained(a.sec.limAcc, 10)
	l.LowerBoundPerS = fptr(peak)
	if e.nThr > 0 {
		l.Caveats = append(l.Caveats, fmt.Sprintf("only %d throttled responses: too few to fit a limit", e.nThr))
	} else {
		l.Caveats = append(l.Caveats, "no request was throttled: the limit was not reached")
	}
	var acc []float64
	for i := range e.t {
		if e.y[i] != evThrottled {
			acc = append(acc, e.t[i])
		}
	}
	for _, w := range []float64{1, 10, 60} {
		if e.hi-e.lo < w {
			continue
		}
		n := maxInWindow(acc, w)
		l.Caveats = append(l.Caveats, fmt.Sprintf("limit is at least %d requests per %g s (the most accepted in any %g s)", n, w, w))
	}
}

// maxInWindow returns the largest number of times in any half-open interval
// of length w (times sorted).
func maxInWindow(ts []float64, w float64) int {
	best, j := 0, 0
	for i := range ts {
		for ts[j] <= ts[i]-w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// fillCandidates lists the fitted models, best first (at most 24).
func (a *analysis) fillCandidates() {
	for k, m := range a.inf.fits {
		if k >= 24 {
			break
		}
		c := Candidate{Algorithm: m.algo, Variant: m.variant, Scope: m.sc.name, K: m.k, N: m.th.n,
			Mismatch: m.th.mis, BIC: round2(m.bic), Params: map[string]float64{}}
		lim := m.limitValue()
		switch m.algo {
		case AlgoFixedWindow, AlgoSlidingWindow:
			c.Params["limit"] = lim
			c.Params["window_s"] = roundSig(m.cont)
			c.Params["rate_per_s"] = roundSig(lim / m.cont)
		case AlgoTokenBucket, AlgoLeakyQueue:
			c.Params["rate_per_s"] = roundSig(m.cont)
			c.Params["burst"] = lim
		case AlgoConcurrency:
			c.Params["concurrency"] = lim
		}
		if m.raN > 0 {
			c.Params["retry_after_agreement"] = round3(float64(m.raAgree) / float64(m.raN))
		}
		if m.delayN > 0 && m.delayMis > 0 {
			c.Params["delay_mismatches"] = float64(m.delayMis)
		}
		c.Note = m.note
		a.res.Candidates = append(a.res.Candidates, c)
	}
}

// fillLabels summarises each label.
func (a *analysis) fillLabels() {
	t := a.t
	n := len(t.labels.names)
	type acc struct {
		samples, thr, errs, retries int
		nAcc, off                   int // accepted samples; their elapsed times are el[off:off+nAcc]
	}
	ls := make([]acc, n)
	for i := 0; i < t.len(); i++ {
		l := t.label[i]
		ls[l].samples++
		switch t.class(i) {
		case clsThrottled:
			ls[l].thr++
		case clsAccepted:
			ls[l].nAcc++
		default:
			if t.failed(i) {
				ls[l].errs++
			}
		}
	}
	// The accepted elapsed times grouped by label in one scratch array.
	total := 0
	for l := range ls {
		ls[l].off = total
		total += ls[l].nAcc
	}
	el := a.scratch(total)
	fill := make([]int, n)
	for i := 0; i < t.len(); i++ {
		if t.class(i) == clsAccepted {
			l := t.label[i]
			el[ls[l].off+fill[l]] = t.elapsed[i]
			fill[l]++
		}
	}
	for l, r := range a.retryByLabel {
		ls[l].retries = r
	}
	d := float64(a.runEnd-a.run0) / 1000
	for l, x := range ls {
		if x.samples == 0 {
			continue // a label only nested sub-results had (dropped)
		}
		s := LabelStats{Label: t.labels.names[l], Samples: x.samples, Throttled: x.thr, Errors: x.errs, Retries: x.retries}
		if d > 0 {
			s.RatePerS = round3(float64(x.samples) / d)
		}
		if x.nAcc > 0 {
			s.P95Ms = roundSig(quantileInt(el[x.off:x.off+x.nAcc], 0.95))
		}
		a.res.Labels = append(a.res.Labels, s)
	}
	sort.SliceStable(a.res.Labels, func(i, j int) bool { return a.res.Labels[i].Label < a.res.Labels[j].Label })
}

// fillHeaders fills Result.Headers from the quota headers.
func (a *analysis) fillHeaders() {
	t := a.t
	h := &a.res.Headers
	h.Families = append([]string{}, t.families...)
	slices.Sort(h.Families)
	if len(t.quota) == 0 {
		if len(h.Families) == 0 {
			h.Note = "no rate-limit headers were saved (save Retry-After and X-RateLimit-* with sample_variables, or use XML results with response headers)"
		}
		return
	}
	var lims []float64
	for _, q := range t.quota {
		if !math.IsNaN(float64(q.limit)) {
			lims = append(lims, float64(q.limit))
		}
	}
	if len(lims) > 0 {
		h.Limit = fptr(mode(lims))
	}
	if w, ok := headerWindow(t); ok {
		h.WindowS = fptr(w)
	}
	h.Scope = headerScope(t)
	l := a.res.Limit
	if l.Detected && (h.Limit != nil || h.WindowS != nil) {
		agree := true
		if h.Limit != nil && l.Limit != nil && math.Abs(*h.Limit-*l.Limit) > 0.05**h.Limit+0.5 {
			agree = false
		}
		if h.Limit != nil && l.Limit == nil && l.Burst != nil && math.Abs(*h.Limit-*l.Burst) > 0.15**h.Limit+1 {
			agree = false
		}
		if h.WindowS != nil && l.WindowS != nil && math.Abs(*h.WindowS-*l.WindowS) > math.Max(0.5, 0.02**h.WindowS) {
			agree = false
		}
		if h.Scope != "" && h.Scope != l.Scope {
			agree = false
		}
		h.AgreesWithFit = ptr(agree)
		if agree {
			h.Note = "the rate-limit headers agree with the fitted model"
		} else {
			h.Note = "the rate-limit headers disagree with the fitted model: a second limit, or headers that describe another policy"
		}
	}
}

// mode returns the most frequent value.
// (ties go to the smallest value).
func mode(v []float64) float64 {
	cnt := map[float64]int{}
	best, bn := math.NaN(), 0
	for _, x := range v {
		cnt[x]++
		if cnt[x] > bn || (cnt[x] == bn && x < best) {
			best, bn = x, cnt[x]
		}
	}
	return best
}

// modeSorted is mode for sorted values, without a map.
func modeSorted(v []float64) float64 {
	best, bn := math.NaN(), 0
	for i := 0; i < len(v); {
		j := i
		for j < len(v) && v[j] == v[i] {
			j++
		}
		if j-i > bn {
			best, bn = v[i], j-i
		}
		i = j
	}
	return best
}

// headerWindow derives the window from reset headers: t_end + reset is
// constant within a window, and its distinct values are W apart.
func headerWindow(t *table) (float64, bool) {
	var bs []float64
	for _, q := range t.quota {
		if math.IsNaN(float64(q.reset)) {
			continue
		}
		i := int(q.idx)
		bs = append(bs, float64(t.startMs(i)+int64(t.elapsed[i]))/1000+float64(q.reset))
	}
	if w, ok := boundarySpacing(bs, 1.0); ok {
		return w, true
	}
	for _, q := range t.quota {
		if !math.IsNaN(float64(q.wd)) && q.wd > 0 {
			return float64(q.wd), true
		}
	}
	return 0, false
}

// headerWindowHints are window candidates from the headers.
func headerWindowHints(t *table) []float64 {
	if w, ok := headerWindow(t); ok {
		return []float64{w}
	}
	return nil
}

// boundarySpacing clusters boundary times (each known to within tol
// seconds) and returns the most frequent spacing between consecutive
// clusters, when at least three clusters exist.
func boundarySpacing(bs []float64, tol float64) (float64, bool) {
	if len(bs) < 3 {
		return 0, false
	}
	// Hundreds of thousands of boundaries tell no more than tens of
	// thousands: an even subsample keeps the clusters and their spacing.
	const maxBoundaries = 1 << 16
	if n := len(bs); n > maxBoundaries {
		step := float64(n) / maxBoundaries
		sub := make([]float64, maxBoundaries)
		for k := range sub {
			sub[k] = bs[int(float64(k)*step)]
		}
		bs = sub
	}
	slices.Sort(bs)
	centers := clusterCentres(bs, tol)
	if len(centers) < 3 {
		return 0, false
	}
	bins := map[int][]float64{}
	for k := 1; k < len(centers); k++ {
		d := centers[k] - centers[k-1]
		if d < 2*tol {
			continue
		}
		b := int(math.Round(math.Log(d) / math.Log(1.03)))
		bins[b] = append(bins[b], d)
	}
	var best []float64
	for _, v := range bins {
		if len(v) > len(best) || (len(v) == len(best) && len(v) > 0 && v[0] < best[0]) {
			best = v
		}
	}
	if len(best) < 2 {
		return 0, false
	}
	return median(best), true
}

// headerScope tells from the used/remaining counters whether one quota is
// shared by all threads (the counter moves by one between consecutive
// responses of any thread) or kept per thread.
func headerScope(t *table) string {
	type obs struct {
		i    int
		used float64
	}
	var seq []obs
	for _, q := range t.quota {
		switch {
		case !math.IsNaN(float64(q.used)):
			seq = append(seq, obs{int(q.idx), float64(q.used)})
		case !math.IsNaN(float64(q.remaining)):
			seq = append(seq, obs{int(q.idx), -float64(q.remaining)})
		}
	}
	if len(seq) < 20 {
		return ""
	}
	// Only accepted responses move the counter.
	step := func(a, b float64) bool { return b-a == 1 }
	shared, sharedN := 0, 0
	var prev *obs
	lastTh := map[uint32]obs{}
	thread, threadN := 0, 0
	for k := range seq {
		o := seq[k]
		if t.class(o.i) != clsAccepted {
			continue
		}
		if prev != nil {
			sharedN++
			if step(prev.used, o.used) {
				shared++
			}
		}
		prev = &seq[k]
		th := t.thread[o.i]
		if p, ok := lastTh[th]; ok {
			threadN++
			if step(p.used, o.used) {
				thread++
			}
		}
		lastTh[th] = o
	}
	if sharedN < 10 || threadN < 10 {
		return ""
	}
	fs, ft := float64(shared)/float64(sharedN), float64(thread)/float64(threadN)
	switch {
	case ft > 0.6 && ft > fs+0.2:
		return ScopePerThread
	case fs > 0.6 && fs > ft+0.2:
		return ScopeShared
	}
	return ""
}

// raWindowHints proposes window lengths from Retry-After: its maximum (a
// window reset is at most W away) and the spacing of the reset instants
// t + Retry-After.
func raWindowHints(e *events) []float64 {
	var maxRA float64
	var bs []float64
	for i := range e.t {
		if e.y[i] == evThrottled && !math.IsNaN(float64(e.ra(i))) {
			r := float64(e.ra(i))
			maxRA = math.Max(maxRA, r)
			bs = append(bs, e.t[i]+r)
		}
	}
	var out []float64
	if maxRA > 1 {
		out = append(out, maxRA, maxRA-1, maxRA+1)
	}
	if w, ok := boundarySpacing(bs, 1.0); ok {
		out = append(out, w)
	}
	return out
}

// unthrottledPeer returns a label that was never throttled although the
// same threads called it repeatedly (3 or more times each on average, at
// least 20 times) in the seconds when the limited labels were throttled;
// such a label has its own quota, so the limit is per endpoint. Labels
// called once per thread (a login) say nothing and are ignored.
func (a *analysis) unthrottledPeer() string {
	t := a.t
	n := len(t.labels.names)
	during := make([]int, n)
	threads := make([]map[uint32]bool, n)
	for i := 0; i < t.len(); i++ {
		l := t.label[i]
		if a.limited[l] || t.class(i) == clsNoResponse {
			continue
		}
		b := int((t.startMs(i) - a.run0) / 1000)
		if b < 0 || b >= a.sec.n {
			continue
		}
		if a.sec.limOffered[b] > a.sec.limAcc[b] {
			during[l]++
			if threads[l] == nil {
				threads[l] = map[uint32]bool{}
			}
			threads[l][t.thread[i]] = true
		}
	}
	best, bestN := "", 0
	for l := 0; l < n; l++ {
		if a.limited[l] || during[l] < 20 || len(threads[l]) == 0 {
			continue
		}
		if float64(during[l])/float64(len(threads[l])) >= 3 && during[l] > bestN {
			best, bestN = t.labels.names[l], during[l]
		}
	}
	return best
}
