// Package verify checks a rerun against what an earlier analysis promised
// (ratelimit-inference.md section 5.5): after jmtune tune paced the plan for
// the inferred limit, did the rerun stay under it?
//
// Five checks, each with its measured value and the evidence:
//
//   - throttled-share: the share of throttled responses (429, and 503 with
//     Retry-After) is below a threshold (0.5% by default).
//   - throughput: the accepted rate of the limited requests is within a
//     tolerance (±15%) of the recommended target; lower points at thread
//     starvation, higher at a timer in the wrong mode.
//   - limit: the accepted requests conform to the inferred limiter: no fixed
//     window (at the inferred phase, or at any alignment when the phase is
//     unknown) and no sliding window over its limit, token-bucket
//     conformance b*(r) within the burst, requests in flight within the
//     concurrency. Per-thread and per-label limits are checked per thread
//     and per label.
//   - retry-after: no retry was sent before the Retry-After of the throttled
//     response it retried.
//   - latency-trend: the p95 of accepted requests does not rise over the run
//     (a queue building up in front of the limiter).
//
// Use it as an accumulator: New, Add every sample, then Checks.
package verify

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"jmtune/analysis"
	"jmtune/internal/hist"
	"jmtune/jtl"
)

// Config holds the thresholds of the checks. Start from DefaultConfig.
type Config struct {
	// Max429Pct is the largest throttled share (percent of samples) that passes.
	Max429Pct float64
	// RateTolerance is the relative deviation of the accepted rate from the
	// target that passes (0.15 = ±15%).
	RateTolerance float64
	// MaxLatencyRise is the relative rise of p95 over the run that fails the
	// trend check (0.5 = +50%), together with MinLatencyRiseMs.
	MaxLatencyRise float64
	// MinLatencyRiseMs is the smallest absolute rise (ms) that fails the trend
	// check, so that jitter on very fast responses does not count as a trend.
	MinLatencyRiseMs float64
	// TrendWindow is the length of the windows whose p95 makes the trend;
	// windows are merged in pairs (the window doubles) when a long run would
	// need more than maxTrendWindows of them.
	TrendWindow time.Duration
	// AnyPhase judges fixed windows at every alignment (the busiest interval
	// of the window's length) even when the analysis gives the phase: use it
	// when the server restarted between the runs, which moves its windows.
	AnyPhase bool
	// TimingToleranceMs allows for the difference between the client's
	// timestamps and the server's clock: a retry this much early still
	// honours Retry-After, and token-bucket conformance allows rate*tolerance
	// more tokens.
	TimingToleranceMs int64
	// ThrottleCodes are the response codes that mean "throttled"; nil means
	// 429, and 503 when it carries a Retry-After.
	ThrottleCodes []int
	// Transactions and SubResults count Transaction Controller parents and
	// 5.x sub-result rows (left out by default, as in jmtune check criteria).
	Transactions bool
	SubResults   bool
}

// DefaultConfig returns the default thresholds.
func DefaultConfig() Config {
	return Config{
		Max429Pct:         0.5,
		RateTolerance:     0.15,
		MaxLatencyRise:    0.5,
		MinLatencyRiseMs:  50,
		TrendWindow:       10 * time.Second,
		TimingToleranceMs: 50,
	}
}

// Status is the verdict on one check.
type Status string

// Verdicts. A skipped check could not be judged (the analysis gave no limit,
// the rerun was too short for a trend); it does not fail the run.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Check IDs.
const (
	CheckThrottled  = "throttled-share"
	CheckThroughput = "throughput"
	CheckLimit      = "limit"
	CheckRetryAfter = "retry-after"
	CheckTrend      = "latency-trend"
)

// Check is the result of one check.
type Check struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"` // what was promised, e.g. "429 share < 0.5%"
	Status    Status   `json:"status"`
	Measured  *float64 `json:"measured"` // nil when skipped
	Unit      string   `json:"unit"`
	Threshold string   `json:"threshold"` // e.g. "< 0.5%", "16/s ±15%", "<= 400 per 20s"
	// Summary is the measured value in words, one line.
	Summary string `json:"summary"`
	// Evidence are the facts behind the verdict (worst window, worst thread,
	// an early retry, ...).
	Evidence []string `json:"evidence"`
}

// maxTrendWindows bounds the latency-trend windows kept at once.
const maxTrendWindows = 400

// lastSample is what the retry check remembers of a thread's previous sample.
type lastSample struct {
	base      string
	throttled bool
	endMs     int64
	ra        float64 // seconds
	hasRA     bool
}

// Verifier accumulates a rerun's samples and judges them against an
// analysis of the earlier run.
type Verifier struct {
	prev *analysis.Result
	cfg  Config
	// limited holds the base labels counted against the limit; nil when the
	// analysis named none (then every label counts).
	limited map[string]bool
	scope   string // limit scope

	samples, throttled   int64
	firstThr, lastThr    int64
	codes                map[string]int64
	spanFrom, spanTo     int64 // limited samples: first start, last end
	hasSpan              bool
	limitedSamples       int64
	elapsedSum, gapSum   float64
	elapsedN, gapN       int64
	maxThreads           int
	steadyFrom, steadyTo int64

	// Request times of the limited labels by quota partition (ms): sent
	// are the requests that reached the server (accepted or throttled),
	// sentEnd their ends (concurrency limits only), accepted the ones it
	// admitted.
	sent     map[string][]int64
	sentEnd  map[string][]int64
	accepted map[string][]int64

	// retry-after
	last                   map[string]*lastSample
	retries, retriesWithRA int64
	early                  int64
	worstEarly             string
	worstShort             float64 // largest shortfall (s)
	throttledWithRA        int64

	// latency trend: p95 of accepted limited requests per window
	trendStarted bool
	trendAnchor  int64
	trendW       int64
	trend        map[int64]*hist.Histogram
}

// New returns a Verifier of a rerun against prev, the analysis of the
// earlier run.
func New(prev *analysis.Result, cfg Config) *Verifier {
	v := &Verifier{
		prev: prev, cfg: cfg,
		codes:    map[string]int64{},
		sent:     map[string][]int64{},
		sentEnd:  map[string][]int64{},
		accepted: map[string][]int64{},
		last:     map[string]*lastSample{},
		trend:    map[int64]*hist.Histogram{},
		trendW:   cfg.TrendWindow.Milliseconds(),
	}
	if v.trendW <= 0 {
		v.trendW = 10000
	}
	if len(prev.Limit.Labels) > 0 {
		v.limited = map[string]bool{}
		for _, l := range prev.Limit.Labels {
			v.limited[l] = true
		}
	}
	v.scope = prev.Limit.Scope
	if v.scope == "" {
		v.scope = prev.Recommendation.Scope
	}
	return v
}

// Promise describes in one line what the analysis promised.
func (v *Verifier) Promise() string {
	l := v.prev.Limit
	var b strings.Builder
	if !l.Detected {
		b.WriteString("no limit detected")
	} else {
		b.WriteString(describeLimit(l))
		if l.Scope != "" {
			b.WriteString(", " + l.Scope)
		}
		if l.Confidence != "" {
			b.WriteString(" (" + l.Confidence + ")")
		}
	}
	if r := v.prev.Recommendation; r.TargetRatePerS > 0 {
		fmt.Fprintf(&b, "; target %s/s", num(r.TargetRatePerS))
		if r.Scope == analysis.ScopePerThread {
			b.WriteString(" per thread")
		}
	}
	if len(l.Labels) > 0 {
		b.WriteString("; limited: " + strings.Join(l.Labels, ", "))
	}
	return b.String()
}

// describeLimit returns e.g. "fixed-window 400 per 20s".
func describeLimit(l analysis.Limit) string {
	s := l.Algorithm
	switch l.Algorithm {
	case analysis.AlgoFixedWindow, analysis.AlgoSlidingWindow:
		if l.Limit != nil && l.WindowS != nil {
			s += fmt.Sprintf(" %s per %ss", num(*l.Limit), num(*l.WindowS))
		}
	case analysis.AlgoTokenBucket, analysis.AlgoLeakyQueue:
		if l.RatePerS != nil {
			s += fmt.Sprintf(" %s/s", num(*l.RatePerS))
		}
		if l.Burst != nil {
			s += fmt.Sprintf(" burst %s", num(*l.Burst))
		}
	case analysis.AlgoConcurrency:
		if l.Concurrency != nil {
			s += fmt.Sprintf(" %s in flight", num(*l.Concurrency))
		}
	}
	return s
}

// isThrottled reports whether s was throttled.
func (v *Verifier) isThrottled(s *jtl.Sample, hasRA bool) bool {
	code := s.Code()
	if v.cfg.ThrottleCodes == nil {
		return code == 429 || (code == 503 && hasRA)
	}
	for _, c := range v.cfg.ThrottleCodes {
		if c == code {
			return true
		}
	}
	return false
}

// retryAfter returns the Retry-After (seconds) of s's response: from its
// response headers (XML results) or the retryAfter sample variable (CSV),
// delay-seconds or an HTTP-date (see jtl.Sample.RateLimit).
func retryAfter(s *jtl.Sample) (float64, bool) {
	rl := s.RateLimit()
	return rl.RetryAfter, rl.HasRetryAfter
}

// scopeKey returns the quota partition of a limited sample.
func (v *Verifier) scopeKey(s *jtl.Sample, base string) string {
	switch v.scope {
	case analysis.ScopePerThread:
		return s.ThreadName
	case analysis.ScopePerLabel:
		return base
	}
	return ""
}

// Add accumulates one sample of the rerun. s is not retained.
func (v *Verifier) Add(s *jtl.Sample) {
	if (s.Transaction && !v.cfg.Transactions) || (s.SubResult && !v.cfg.SubResults) {
		return
	}
	v.samples++
	ra, hasRA := retryAfter(s)
	thr := v.isThrottled(s, hasRA)
	v.codes[s.ResponseCode]++
	if thr {
		if v.throttled == 0 || s.Start < v.firstThr {
			v.firstThr = s.Start
		}
		v.lastThr = max(v.lastThr, s.Start)
		v.throttled++
		if hasRA {
			v.throttledWithRA++
		}
	}
	if s.AllThreads > v.maxThreads {
		v.maxThreads = s.AllThreads
		v.steadyFrom, v.steadyTo = s.Start, s.Start
	} else if s.AllThreads == v.maxThreads && s.AllThreads > 0 {
		v.steadyFrom = min(v.steadyFrom, s.Start)
		v.steadyTo = max(v.steadyTo, s.Start)
	}

	base, _ := jtl.SplitRetryLabel(s.Label)
	v.retryCheck(s, base, thr, ra, hasRA)

	if v.limited != nil && !v.limited[base] {
		return
	}
	v.limitedSamples++
	if !v.hasSpan {
		v.spanFrom, v.spanTo, v.hasSpan = s.Start, s.End(), true
	}
	v.spanFrom = min(v.spanFrom, s.Start)
	v.spanTo = max(v.spanTo, s.End())
	if s.Code() == 0 {
		return // no HTTP response: the request may never have reached the server
	}
	// The request reaches the server about when the connection is up.
	arrive := s.Start
	if s.Has&jtl.FieldConnect != 0 {
		arrive += s.Connect
	}
	key := v.scopeKey(s, base)
	v.sent[key] = append(v.sent[key], arrive)
	if v.prev.Limit.Algorithm == analysis.AlgoConcurrency {
		v.sentEnd[key] = append(v.sentEnd[key], s.End())
	}
	if thr {
		return
	}
	v.accepted[key] = append(v.accepted[key], arrive)
	v.elapsedSum += float64(s.Elapsed)
	v.elapsedN++
	if s.Success {
		v.addTrend(s)
	}
}

// retryCheck finds retries (the same thread re-issuing the same base label
// right after a throttled response) and whether they waited Retry-After.
func (v *Verifier) retryCheck(s *jtl.Sample, base string, thr bool, ra float64, hasRA bool) {
	thread := s.Engine + "\x00" + s.ThreadName
	prev := v.last[thread]
	if prev == nil {
		prev = &lastSample{}
		v.last[thread] = prev
	} else {
		gap := s.Start - prev.endMs
		if gap >= 0 {
			v.gapSum += float64(gap)
			v.gapN++
		}
		if prev.throttled && prev.base == base {
			v.retries++
			if prev.hasRA {
				v.retriesWithRA++
				waited := float64(gap) / 1000
				short := prev.ra - waited
				if short*1000 > float64(v.cfg.TimingToleranceMs) {
					v.early++
					if short > v.worstShort {
						v.worstShort = short
						v.worstEarly = fmt.Sprintf("thread %s sent %s at %s, %ss after a throttled response with Retry-After %ss",
							s.ThreadName, quote(s.Label), stamp(s.Start), num(waited), num(prev.ra))
					}
				}
			}
		}
	}
	*prev = lastSample{base: base, throttled: thr, endMs: s.End(), ra: ra, hasRA: hasRA}
}

// addTrend adds an accepted sample to its latency-trend window.
func (v *Verifier) addTrend(s *jtl.Sample) {
	if !v.trendStarted {
		v.trendStarted, v.trendAnchor = true, s.Start
	}
	k := floorDiv(s.Start-v.trendAnchor, v.trendW)
	h := v.trend[k]
	if h == nil {
		if len(v.trend) >= maxTrendWindows {
			v.coarsenTrend()
			k = floorDiv(s.Start-v.trendAnchor, v.trendW)
			h = v.trend[k]
		}
		if h == nil {
			h = &hist.Histogram{}
			v.trend[k] = h
		}
	}
	h.Add(float64(s.Elapsed))
}

// coarsenTrend doubles the trend window, merging pairs of windows.
func (v *Verifier) coarsenTrend() {
	v.trendW *= 2
	merged := make(map[int64]*hist.Histogram, len(v.trend)/2+1)
	for k, h := range v.trend {
		nk := floorDiv(k, 2)
		if m := merged[nk]; m != nil {
			m.Merge(h)
		} else {
			merged[nk] = h
		}
	}
	v.trend = merged
}

// floorDiv divides rounding toward minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Samples returns the number of samples judged.
func (v *Verifier) Samples() int64 { return v.samples }

// Checks judges the rerun. Call it after the last Add.
func (v *Verifier) Checks() []Check {
	for _, m := range []map[string][]int64{v.sent, v.sentEnd, v.accepted} {
		for _, ts := range m {
			sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		}
	}
	return []Check{
		v.checkThrottled(),
		v.checkThroughput(),
		v.checkLimit(),
		v.checkRetryAfter(),
		v.checkTrend(),
	}
}

// measured returns a pointer to x, for Check.Measured.
func measured(x float64) *float64 { return &x }

// verdict returns Pass when ok, else Fail.
func verdict(ok bool) Status {
	if ok {
		return Pass
	}
	return Fail
}

func (v *Verifier) checkThrottled() Check {
	c := Check{ID: CheckThrottled, Title: fmt.Sprintf("throttled share < %s%%", num(v.cfg.Max429Pct)),
		Unit: "%", Threshold: fmt.Sprintf("< %s%%", num(v.cfg.Max429Pct))}
	if v.samples == 0 {
		c.Status, c.Summary = Skip, "no samples"
		return c
	}
	pct := 100 * float64(v.throttled) / float64(v.samples)
	c.Measured = measured(pct)
	c.Status = verdict(pct < v.cfg.Max429Pct)
	c.Summary = fmt.Sprintf("%s%% (%d of %d samples throttled)", num(pct), v.throttled, v.samples)
	if v.throttled > 0 {
		c.Evidence = append(c.Evidence, fmt.Sprintf("throttled responses from %s to %s", stamp(v.firstThr), stamp(v.lastThr)))
	}
	if v.prev.Run.Samples > 0 {
		c.Evidence = append(c.Evidence, fmt.Sprintf("analysed run: %s%% (%d of %d)", num(100*v.prev.Run.Share429), v.prev.Run.Throttled, v.prev.Run.Samples))
	}
	c.Evidence = append(c.Evidence, "response codes: "+v.codeList())
	return c
}

// codeList returns "200: 3000, 429: 12" sorted by code.
func (v *Verifier) codeList() string {
	codes := make([]string, 0, len(v.codes))
	for c := range v.codes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		name := c
		if name == "" {
			name = `""`
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, v.codes[c]))
	}
	return strings.Join(parts, ", ")
}

// steady returns the interval (ms) over which throughput is measured: while
// the most threads were active (the hold phase after the ramp-up), else the
// span of the limited samples; and a description of it.
func (v *Verifier) steady() (from, to int64, what string) {
	if v.maxThreads > 0 && v.steadyTo-v.steadyFrom >= 10000 {
		return v.steadyFrom, v.steadyTo, fmt.Sprintf("while all %d threads were active, %s to %s (%ss)",
			v.maxThreads, stamp(v.steadyFrom), stamp(v.steadyTo), num(float64(v.steadyTo-v.steadyFrom)/1000))
	}
	return v.spanFrom, v.spanTo, fmt.Sprintf("over the whole run, %s to %s (%ss)",
		stamp(v.spanFrom), stamp(v.spanTo), num(float64(v.spanTo-v.spanFrom)/1000))
}

// countIn returns how many of the sorted times ts fall in [from, to).
func countIn(ts []int64, from, to int64) int {
	i := sort.Search(len(ts), func(i int) bool { return ts[i] >= from })
	j := sort.Search(len(ts), func(i int) bool { return ts[i] >= to })
	return j - i
}

func (v *Verifier) checkThroughput() Check {
	rec := v.prev.Recommendation
	tol := v.cfg.RateTolerance
	c := Check{ID: CheckThroughput, Unit: "/s"}
	target := rec.TargetRatePerS
	scope := rec.Scope
	if scope == "" {
		scope = v.scope
	}
	per := ""
	if scope == analysis.ScopePerThread {
		per = " per thread"
	} else if scope == analysis.ScopePerLabel {
		per = " per label"
	}
	c.Title = fmt.Sprintf("accepted throughput %s/s%s ±%s%%", num(target), per, num(100*tol))
	c.Threshold = fmt.Sprintf("%s/s ±%s%%", num(target), num(100*tol))
	if scope == analysis.ScopePerLabel && len(rec.PerLabel) > 0 {
		c.Title = fmt.Sprintf("accepted throughput of each label ±%s%% of its target", num(100*tol))
		c.Threshold = fmt.Sprintf("target ±%s%%", num(100*tol))
	}
	if target <= 0 && len(rec.PerLabel) == 0 {
		c.Status, c.Summary = Skip, "the analysis recommends no target rate"
		c.Title = "accepted throughput near the target"
		return c
	}
	if !v.hasSpan {
		c.Status, c.Summary = Skip, "no sample of the limited labels in the rerun"
		return c
	}
	from, to, during := v.steady()
	secs := float64(to-from) / 1000
	if secs <= 0 {
		c.Status, c.Summary = Skip, "the rerun spans no time"
		return c
	}
	// Under a window limiter the accepted requests come in bursts at the
	// window starts: measure over whole windows, or an interval starting
	// mid-window misses (or doubles) a burst.
	if l := v.prev.Limit; (l.Algorithm == analysis.AlgoFixedWindow || l.Algorithm == analysis.AlgoSlidingWindow) && l.WindowS != nil && *l.WindowS > 0 {
		wms := int64(math.Round(*l.WindowS * 1000))
		if n := (to - from) / wms; n >= 1 {
			to = from + n*wms
			secs = float64(to-from) / 1000
			during += fmt.Sprintf(", cut to %d whole %ss windows (%ss)", n, num(*l.WindowS), num(secs))
		}
	}
	c.Evidence = append(c.Evidence, "measured "+during)
	var rate float64
	switch scope {
	case analysis.ScopePerThread:
		var rates []float64
		var threads []string
		for k, ts := range v.accepted {
			n := countIn(ts, from, to)
			if n == 0 {
				continue
			}
			rates = append(rates, float64(n)/secs)
			threads = append(threads, k)
		}
		if len(rates) == 0 {
			c.Status, c.Summary = Skip, "no accepted request in the measured interval"
			return c
		}
		total := 0.0
		for _, r := range rates {
			total += r
		}
		rate = total / float64(len(rates))
		sorted := append([]float64(nil), rates...)
		sort.Float64s(sorted)
		c.Evidence = append(c.Evidence, fmt.Sprintf("%d threads: slowest %s/s, median %s/s, fastest %s/s",
			len(rates), num(sorted[0]), num(sorted[len(sorted)/2]), num(sorted[len(sorted)-1])))
	case analysis.ScopePerLabel:
		// Judge the label that strays furthest from its target.
		worst := -1.0
		for label, ts := range v.accepted {
			t := target
			if pl, ok := rec.PerLabel[label]; ok {
				t = pl
			}
			if t <= 0 {
				continue
			}
			r := float64(countIn(ts, from, to)) / secs
			c.Evidence = append(c.Evidence, fmt.Sprintf("%s: %s/s (target %s/s)", quote(label), num(r), num(t)))
			if d := math.Abs(r/t - 1); d > worst {
				worst, rate, target = d, r, t
			}
		}
		if worst < 0 {
			c.Status, c.Summary = Skip, "no label with a target rate in the rerun"
			return c
		}
		sort.Strings(c.Evidence[1:])
	default:
		n := 0
		for _, ts := range v.accepted {
			n += countIn(ts, from, to)
		}
		rate = float64(n) / secs
		c.Evidence = append(c.Evidence, fmt.Sprintf("%d accepted requests in %ss", n, num(secs)))
	}
	dev := rate/target - 1
	c.Measured = measured(rate)
	c.Status = verdict(math.Abs(dev) <= tol)
	c.Summary = fmt.Sprintf("%s/s%s (%+.1f%% from the target %s/s)", num(rate), per, 100*dev, num(target))
	switch {
	case dev < -tol:
		r, z := v.meanResponseS(), v.meanGapS()
		c.Evidence = append(c.Evidence, fmt.Sprintf(
			"below the target: thread starvation? Little's law needs about X*(R+Z) = %s*(%ss+%ss) = %s busy threads for %s/s%s; the rerun had %d",
			num(target), num(r), num(z), num(target*(r+z)), num(target), per, v.maxThreads))
	case dev > tol && v.throttled > 0 && v.prev.Limit.RatePerS != nil && scope == v.scope && rate >= 0.95*(*v.prev.Limit.RatePerS):
		c.Evidence = append(c.Evidence, fmt.Sprintf(
			"above the target and at the limit's rate (%s/s) with %d throttled: the server, not the plan's timer, set the pace; pace the limited samplers at the target with a throughput timer",
			num(*v.prev.Limit.RatePerS), v.throttled))
	case dev > tol:
		c.Evidence = append(c.Evidence,
			"above the target: the throughput timer lets more through than planned; check its mode (per-thread pacing where the limit is shared multiplies the rate by the threads) and that it applies to the limited samplers")
	}
	return c
}

// meanResponseS is the mean elapsed time (s) of accepted limited requests.
func (v *Verifier) meanResponseS() float64 {
	if v.elapsedN == 0 {
		return 0
	}
	return v.elapsedSum / float64(v.elapsedN) / 1000
}

// meanGapS is the mean time (s) a thread spent between two samples.
func (v *Verifier) meanGapS() float64 {
	if v.gapN == 0 {
		return 0
	}
	return v.gapSum / float64(v.gapN) / 1000
}

func (v *Verifier) checkRetryAfter() Check {
	c := Check{ID: CheckRetryAfter, Title: "no retry before its Retry-After", Unit: "retries", Threshold: "= 0 early"}
	if v.throttled > 0 && v.throttledWithRA == 0 {
		c.Status, c.Summary = Skip, fmt.Sprintf("none of the %d throttled responses carries a Retry-After (save it: sample_variables=retryAfter, or XML results with response headers)", v.throttled)
		return c
	}
	c.Measured = measured(float64(v.early))
	c.Status = verdict(v.early == 0)
	if v.retriesWithRA == 0 {
		c.Summary = "no retry after a throttled response"
		return c
	}
	c.Summary = fmt.Sprintf("%d of %d retries early", v.early, v.retriesWithRA)
	if v.worstEarly != "" {
		c.Evidence = append(c.Evidence, "earliest: "+v.worstEarly)
	}
	c.Evidence = append(c.Evidence, fmt.Sprintf("a retry is the same thread sending the same label (or its \"(retry n)\" label) right after a throttled response; tolerance %d ms", v.cfg.TimingToleranceMs))
	return c
}

// stamp formats epoch ms as RFC 3339 UTC with milliseconds.
func stamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// num formats a number with about four significant digits.
func num(x float64) string {
	a := math.Abs(x)
	decimals := 0
	switch {
	case a == 0 || a >= 1000:
	case a >= 100:
		decimals = 1
	case a >= 1:
		decimals = 2
	default:
		decimals = min(2-int(math.Floor(math.Log10(a))), 12)
	}
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// signed formats x like num with a leading sign.
func signed(x float64) string {
	if x >= 0 {
		return "+" + num(x)
	}
	return num(x)
}

// quote quotes a label for messages.
func quote(s string) string { return strconv.Quote(s) }
