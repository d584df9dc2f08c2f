package verify

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"jmtune/analysis"
	"jmtune/internal/limiter"
	"jmtune/jtl"
)

// t0 is 2026-11-26T19:00:00Z, a multiple of 5, 10 and 20 s: windows aligned
// to it have epoch phase 0.
const t0 = int64(1795719600000)

func fp(x float64) *float64 { return &x }

// prevFixed is the analysis of an earlier run that found a fixed window.
func prevFixed(scope string, limit, windowS float64, phaseS *float64, target float64) *analysis.Result {
	return &analysis.Result{SchemaVersion: analysis.SchemaVersion,
		Limit: analysis.Limit{Detected: true, Algorithm: analysis.AlgoFixedWindow, Scope: scope,
			Labels: []string{"GET script"}, Limit: fp(limit), WindowS: fp(windowS), PhaseS: phaseS,
			RatePerS: fp(limit / windowS), Confidence: analysis.ConfVeryStrong},
		Recommendation: analysis.Recommendation{TargetRatePerS: target, Scope: scope}}
}

// verifyRun feeds samples to a Verifier and returns its checks by ID.
func verifyRun(t *testing.T, prev *analysis.Result, cfg Config, samples []jtl.Sample) map[string]Check {
	t.Helper()
	v := New(prev, cfg)
	for i := range samples {
		v.Add(&samples[i])
	}
	out := map[string]Check{}
	for _, c := range v.Checks() {
		out[c.ID] = c
		t.Logf("%-5s %s: %s %v", c.Status, c.Title, c.Summary, c.Evidence)
	}
	if len(out) != 5 {
		t.Fatalf("%d checks, want 5", len(out))
	}
	return out
}

// wantStatus fails the test when a check's status is not want.
func wantStatus(t *testing.T, checks map[string]Check, id string, want Status) Check {
	t.Helper()
	c := checks[id]
	if c.Status != want {
		t.Errorf("%s: status %s, want %s (%s; %v)", id, c.Status, want, c.Summary, c.Evidence)
	}
	return c
}

// wantMeasured fails the test when a check's measured value is not in [lo, hi].
func wantMeasured(t *testing.T, c Check, lo, hi float64) {
	t.Helper()
	if c.Measured == nil || *c.Measured < lo || *c.Measured > hi {
		m := math.NaN()
		if c.Measured != nil {
			m = *c.Measured
		}
		t.Errorf("%s: measured %v, want within [%v, %v]", c.ID, m, lo, hi)
	}
}

// fixed400 is the limiter of scenario P1: 400 per 20 s, shared, windows
// from t0.
var fixed400 = limiter.Level{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 400,
	Window: 20 * time.Second, Align: limiter.AlignStart, Origin: t0 * 1e6}, Scope: limiter.ScopeShared}

func TestVerifyFixedWindowGoodRerun(t *testing.T) {
	// The tuned plan: 22 threads paced together at 17/s (a request every
	// 58 ms, 17.24/s), Retry-After honoured. Every 20 s window gets at most
	// ceil(20000/58) = 345 requests, under 400; nothing is throttled.
	ss := run{threads: 22, rampMs: 2000, durationMs: 120000, sharedRate: 17, retry: "ra",
		limiter: fixed400, seed: 1}.simulate(t)
	checks := verifyRun(t, prevFixed(analysis.ScopeShared, 400, 20, fp(0), 17), DefaultConfig(), ss)
	c := wantStatus(t, checks, CheckThrottled, Pass)
	wantMeasured(t, c, 0, 0)
	c = wantStatus(t, checks, CheckThroughput, Pass)
	wantMeasured(t, c, 17.0, 17.3)
	c = wantStatus(t, checks, CheckLimit, Pass)
	wantMeasured(t, c, 340, 345)
	if !strings.Contains(c.Evidence[0], "busiest window 2026-11-26T19:0") {
		t.Errorf("limit evidence does not name the busiest window: %v", c.Evidence)
	}
	wantStatus(t, checks, CheckRetryAfter, Pass)
	if checks[CheckRetryAfter].Summary != "no retry after a throttled response" {
		t.Errorf("retry summary %q", checks[CheckRetryAfter].Summary)
	}
	wantStatus(t, checks, CheckTrend, Pass)
}

func TestVerifyFixedWindowBadRerun(t *testing.T) {
	// The untuned plan: 50 threads with 1 s think time and no pacing offer
	// about 45/s, twice the limit; throttled requests are retried after
	// 200 ms whatever Retry-After says; and the server slows down over the
	// run (20 ms rising to 260 ms: a queue building up).
	rising := func(off int64, r *rand.Rand) int64 { return 20 + off/500 + r.Int64N(10) }
	ss := run{threads: 50, rampMs: 30000, durationMs: 120000, thinkMs: 1000, retry: "fast",
		elapsedMs: rising, limiter: fixed400, seed: 2}.simulate(t)
	checks := verifyRun(t, prevFixed(analysis.ScopeShared, 400, 20, fp(0), 17), DefaultConfig(), ss)
	c := wantStatus(t, checks, CheckThrottled, Fail)
	wantMeasured(t, c, 10, 90)
	// The server lets exactly 400 per 20 s through: 20/s, +17.6% over 17/s.
	c = wantStatus(t, checks, CheckThroughput, Fail)
	wantMeasured(t, c, 19, 20.5)
	if !strings.Contains(strings.Join(c.Evidence, " "), "above the target and at the limit's rate (20/s)") {
		t.Errorf("throughput evidence does not say the rate is above the target: %v", c.Evidence)
	}
	c = wantStatus(t, checks, CheckLimit, Fail)
	wantMeasured(t, c, 401, 2000)
	ev := strings.Join(c.Evidence, "\n")
	if !strings.Contains(ev, "accepted: busiest window") || strings.Contains(ev, "more than the inferred limit") {
		t.Errorf("accepted evidence: the server admitted at most 400 per window at the right phase:\n%s", ev)
	}
	c = wantStatus(t, checks, CheckRetryAfter, Fail)
	if *c.Measured < 10 || !strings.Contains(c.Evidence[0], "after a throttled response with Retry-After") {
		t.Errorf("early retries %v, evidence %v", *c.Measured, c.Evidence)
	}
	c = wantStatus(t, checks, CheckTrend, Fail)
	wantMeasured(t, c, 100, 1000) // p95 rises from ~50 ms to ~260 ms
}

func TestVerifyFixedWindowStalePhase(t *testing.T) {
	// The analysis' phase is 7 s off (the server restarted between the
	// runs). A saturating rerun shows it: at that phase the server seems to
	// admit more than 400 in a window, so the phase is dropped and windows
	// are judged at any alignment.
	ss := run{threads: 50, rampMs: 10000, durationMs: 100000, thinkMs: 500, limiter: fixed400, seed: 3}.simulate(t)
	checks := verifyRun(t, prevFixed(analysis.ScopeShared, 400, 20, fp(7), 17), DefaultConfig(), ss)
	c := wantStatus(t, checks, CheckLimit, Fail)
	if !strings.Contains(c.Threshold, "any alignment") || !strings.Contains(strings.Join(c.Evidence, " "), "does not fit the rerun") {
		t.Errorf("stale phase not detected: %s %v", c.Threshold, c.Evidence)
	}
	// With the right phase, the accepted requests fit and the phase is used.
	checks = verifyRun(t, prevFixed(analysis.ScopeShared, 400, 20, fp(0), 17), DefaultConfig(), ss)
	if c := checks[CheckLimit]; strings.Contains(c.Threshold, "any alignment") {
		t.Errorf("right phase not used: %s %v", c.Threshold, c.Evidence)
	}
	// AnyPhase forces any alignment.
	cfg := DefaultConfig()
	cfg.AnyPhase = true
	checks = verifyRun(t, prevFixed(analysis.ScopeShared, 400, 20, fp(0), 17), cfg, ss)
	if c := checks[CheckLimit]; !strings.Contains(c.Threshold, "any alignment") {
		t.Errorf("AnyPhase ignored: %s", c.Threshold)
	}
}

func TestVerifyRetryAfterHonoured(t *testing.T) {
	// 100 per 10 s, paced at 11.1/s: about 11 requests per window are
	// throttled, and retried either after Retry-After (+ up to 0.5 s) or
	// after 200 ms.
	lim := limiter.Level{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 100,
		Window: 10 * time.Second, Align: limiter.AlignStart, Origin: t0 * 1e6}}
	prev := prevFixed(analysis.ScopeShared, 100, 10, fp(0), 8.5)
	good := run{threads: 10, rampMs: 1000, durationMs: 60000, sharedRate: 11, retry: "ra", limiter: lim, seed: 4}.simulate(t)
	checks := verifyRun(t, prev, DefaultConfig(), good)
	c := wantStatus(t, checks, CheckRetryAfter, Pass)
	wantMeasured(t, c, 0, 0)
	if !strings.HasPrefix(c.Summary, "0 of ") || strings.HasPrefix(c.Summary, "0 of 0") {
		t.Errorf("summary %q: want retries counted", c.Summary)
	}
	wantStatus(t, checks, CheckThrottled, Fail)

	bad := run{threads: 10, rampMs: 1000, durationMs: 60000, sharedRate: 11, retry: "fast", limiter: lim, seed: 4}.simulate(t)
	checks = verifyRun(t, prev, DefaultConfig(), bad)
	c = wantStatus(t, checks, CheckRetryAfter, Fail)
	if *c.Measured < 1 {
		t.Errorf("no early retry found")
	}
	if !strings.Contains(c.Evidence[0], "0.2s after a throttled response") {
		t.Errorf("evidence %q: want the 200 ms wait", c.Evidence[0])
	}
}

func TestVerifyTokenBucket(t *testing.T) {
	lim := limiter.Level{Config: limiter.Config{Algorithm: limiter.TokenBucket, Rate: 30, Burst: 30}}
	prev := &analysis.Result{Limit: analysis.Limit{Detected: true, Algorithm: analysis.AlgoTokenBucket,
		Scope: analysis.ScopeShared, RatePerS: fp(30), Burst: fp(30)},
		Recommendation: analysis.Recommendation{TargetRatePerS: 27, Scope: analysis.ScopeShared}}
	// Paced at 27/s (every 37 ms): consecutive requests are 37 ms apart, so
	// no stretch needs more than one token at 30/s: b* = 1.
	good := run{threads: 10, rampMs: 1000, durationMs: 60000, sharedRate: 27, limiter: lim, seed: 5}.simulate(t)
	checks := verifyRun(t, prev, DefaultConfig(), good)
	c := wantStatus(t, checks, CheckLimit, Pass)
	wantMeasured(t, c, 1, 1)
	wantStatus(t, checks, CheckThroughput, Pass)
	// Paced at 45/s (every 22 ms, 45.45/s) for 60 s: the requests sent need a
	// bucket of about (45.45-30)*60 = 927 tokens; the server still admits a
	// conforming stream (b* of the accepted <= 30).
	bad := run{threads: 10, rampMs: 1000, durationMs: 60000, sharedRate: 45, limiter: lim, seed: 5}.simulate(t)
	checks = verifyRun(t, prev, DefaultConfig(), bad)
	c = wantStatus(t, checks, CheckLimit, Fail)
	wantMeasured(t, c, 850, 960)
	if ev := strings.Join(c.Evidence, " "); strings.Contains(ev, "more than the inferred limit") || !strings.Contains(ev, "accepted: tightest stretch") {
		t.Errorf("evidence %v", c.Evidence)
	}
}

func TestVerifySlidingWindow(t *testing.T) {
	lim := limiter.Level{Config: limiter.Config{Algorithm: limiter.SlidingLog, Limit: 100, Window: 10 * time.Second}}
	prev := &analysis.Result{Limit: analysis.Limit{Detected: true, Algorithm: analysis.AlgoSlidingWindow,
		Scope: analysis.ScopeShared, Limit: fp(100), WindowS: fp(10)},
		Recommendation: analysis.Recommendation{TargetRatePerS: 8, Scope: analysis.ScopeShared}}
	// Every 125 ms: exactly 80 requests in any 10 s interval.
	good := run{threads: 5, rampMs: 500, durationMs: 60000, sharedRate: 8, limiter: lim, seed: 6}.simulate(t)
	checks := verifyRun(t, prev, DefaultConfig(), good)
	wantMeasured(t, wantStatus(t, checks, CheckLimit, Pass), 80, 80)
	// Every 66 ms: ceil(10000/66) = 152 requests in some 10 s interval.
	bad := run{threads: 5, rampMs: 500, durationMs: 60000, sharedRate: 15, limiter: lim, seed: 6}.simulate(t)
	checks = verifyRun(t, prev, DefaultConfig(), bad)
	wantMeasured(t, wantStatus(t, checks, CheckLimit, Fail), 152, 152)
}

func TestVerifyConcurrency(t *testing.T) {
	lim := limiter.Level{Config: limiter.Config{Algorithm: limiter.Concurrency, Concurrency: 10}}
	prev := &analysis.Result{Limit: analysis.Limit{Detected: true, Algorithm: analysis.AlgoConcurrency,
		Scope: analysis.ScopeShared, Concurrency: fp(10)}}
	slow := func(int64, *rand.Rand) int64 { return 200 }
	// 8 threads never have more than 8 requests in flight.
	good := run{threads: 8, rampMs: 800, durationMs: 30000, elapsedMs: slow, limiter: lim, seed: 7}.simulate(t)
	checks := verifyRun(t, prev, DefaultConfig(), good)
	wantMeasured(t, wantStatus(t, checks, CheckLimit, Pass), 8, 8)
	wantStatus(t, checks, CheckThroughput, Skip) // no target rate for a concurrency limit
	// 20 threads send more than 10 at once (the extra ones are rejected).
	bad := run{threads: 20, rampMs: 800, durationMs: 30000, elapsedMs: slow, thinkMs: 50, limiter: lim, seed: 7}.simulate(t)
	checks = verifyRun(t, prev, DefaultConfig(), bad)
	wantMeasured(t, wantStatus(t, checks, CheckLimit, Fail), 11, 20)
}

func TestVerifyPerThread(t *testing.T) {
	// Scenario P3's limiter: 20 per 5 s per token, one token per thread.
	lim := limiter.Level{Config: limiter.Config{Algorithm: limiter.FixedWindow, Limit: 20, Window: 5 * time.Second,
		Align: limiter.AlignStart, Origin: t0 * 1e6}, Scope: limiter.ScopeToken}
	prev := prevFixed(analysis.ScopePerThread, 20, 5, fp(0), 1.92)
	// Each thread paced at 1.92/s (every 520 ms): at most 10 per 5 s window.
	good := run{threads: 12, rampMs: 6000, durationMs: 60000, threadRate: 1.92, limiter: lim, seed: 8}.simulate(t)
	checks := verifyRun(t, prev, DefaultConfig(), good)
	wantMeasured(t, wantStatus(t, checks, CheckLimit, Pass), 9, 10)
	// 1000/520 = 1.923/s, give or take one request over the ~50 s measured.
	wantMeasured(t, wantStatus(t, checks, CheckThroughput, Pass), 1.9, 1.95)
	// Each thread at 8/s: 40 per window sent, 20 accepted (4/s per thread).
	bad := run{threads: 12, rampMs: 6000, durationMs: 60000, threadRate: 8, limiter: lim, seed: 8}.simulate(t)
	checks = verifyRun(t, prev, DefaultConfig(), bad)
	c := wantStatus(t, checks, CheckLimit, Fail)
	wantMeasured(t, c, 40, 40)
	if !strings.Contains(c.Summary, "12 of 12 threads over") {
		t.Errorf("summary %q: want every thread over", c.Summary)
	}
	wantMeasured(t, wantStatus(t, checks, CheckThroughput, Fail), 3.9, 4.1)
}

func TestVerifyNothingToCheck(t *testing.T) {
	// An analysis that found no limit and recommends no rate: the limit and
	// throughput checks are skipped, the others still judge the rerun.
	prev := &analysis.Result{Limit: analysis.Limit{Detected: false, Algorithm: analysis.AlgoUnknown}}
	ss := run{threads: 5, rampMs: 500, durationMs: 60000, sharedRate: 8,
		limiter: limiter.Level{Config: limiter.Config{Algorithm: limiter.Concurrency, Concurrency: 100}}, seed: 9}.simulate(t)
	checks := verifyRun(t, prev, DefaultConfig(), ss)
	wantStatus(t, checks, CheckLimit, Skip)
	wantStatus(t, checks, CheckThroughput, Skip)
	wantStatus(t, checks, CheckThrottled, Pass)
	wantStatus(t, checks, CheckTrend, Pass)
	if got := New(prev, DefaultConfig()).Promise(); got != "no limit detected" {
		t.Errorf("Promise() = %q", got)
	}
	// Too short for a trend: fewer than 6 windows of 10 s.
	short := ss[:0]
	for _, s := range ss {
		if s.Start < t0+30000 {
			short = append(short, s)
		}
	}
	checks = verifyRun(t, prev, DefaultConfig(), short)
	wantStatus(t, checks, CheckTrend, Skip)
}

func TestPromise(t *testing.T) {
	p := prevFixed(analysis.ScopeShared, 400, 20, fp(0), 17)
	if got, want := New(p, DefaultConfig()).Promise(), "fixed-window 400 per 20s, shared (very-strong); target 17/s; limited: GET script"; got != want {
		t.Errorf("Promise() = %q, want %q", got, want)
	}
}

func TestConformanceHelpers(t *testing.T) {
	// Three requests at once and a fourth 1 s later at 1/s: the three need
	// a bucket of 3; all four need 4 - 1*1 = 3.
	if c := bucketBurst("", []int64{0, 0, 0, 1000}, 1); c.value != 3 {
		t.Errorf("bucketBurst = %v, want 3", c.value)
	}
	// Evenly spaced at exactly the rate: one token is enough.
	if c := bucketBurst("", []int64{0, 100, 200, 300}, 10); math.Abs(c.value-1) > 1e-9 {
		t.Errorf("bucketBurst at the rate = %v, want 1", c.value)
	}
	ts := []int64{0, 500, 900, 1000, 1100, 1999, 2000}
	// Windows [0,1000) [1000,2000) [2000,3000): 3, 3, 1.
	if c := fixedWindowMax("", ts, 1000, 0); c.value != 3 || !strings.Contains(c.evidence, "1970-01-01T00:00:00.000Z") {
		t.Errorf("fixedWindowMax = %v %q", c.value, c.evidence)
	}
	// Windows [-500,500) [500,1500) [1500,2500): 1, 4, 2.
	if c := fixedWindowMax("", ts, 1000, 500); c.value != 4 || !strings.Contains(c.evidence, "00:00:00.500Z") {
		t.Errorf("fixedWindowMax with phase = %v %q", c.value, c.evidence)
	}
	// Any 1000 ms interval: [900,1900) holds 900, 1000, 1100; [1000,2000)
	// holds 1000, 1100, 1999; [1100, 2100) holds 1100, 1999, 2000 -> 3;
	// [500, 1500) holds 500, 900, 1000, 1100 -> 4.
	if c := slidingMax("", ts, 1000); c.value != 4 {
		t.Errorf("slidingMax = %v, want 4", c.value)
	}
	// In flight: [0,15) [10,30) [20,40) [30,35): at most 2 (a departure at
	// 30 frees its slot before the arrival at 30).
	if c := maxInFlight("", []int64{0, 10, 20, 30}, []int64{15, 30, 35, 40}); c.value != 2 {
		t.Errorf("maxInFlight = %v, want 2", c.value)
	}
}

func TestFitPhase(t *testing.T) {
	// A limit of 3 per 1 s window, windows at k s on the server. Requests
	// sent at 10, 20, 30 and 975, 980, 985 ms reach it 25 ms later: 3 in
	// window 0, 3 in window 1. On the client's clock the grid fits once
	// moved 25 ms earlier (+25 ms would put 4 in [25, 1025)).
	v := New(prevFixed(analysis.ScopeShared, 3, 1, fp(0), 2), DefaultConfig())
	v.accepted[""] = []int64{10, 20, 30, 975, 980, 985}
	shift, fit, worst := v.fitPhase(1000, 0, 3)
	if !fit || shift != -25 || worst.value != 6 {
		t.Errorf("fitPhase = %d, %v, %v; want -25, true, 6 at the unshifted phase", shift, fit, worst.value)
	}
	// 60 ms of delay is beyond the 50 ms tolerance: on the server, windows
	// 0, 1, 2 get 70..90, {1000, 1005, 1990}, 2000..2010 (3 each); on the
	// client's clock no grid within ±50 ms splits them 3, 3, 3.
	v.accepted[""] = []int64{10, 20, 30, 940, 945, 1930, 1940, 1945, 1950}
	if shift, fit, _ := v.fitPhase(1000, -60, 3); !fit || shift != 0 {
		t.Errorf("the grid at -60 ms does not fit: %d %v", shift, fit)
	}
	if _, fit, _ := v.fitPhase(1000, 0, 3); fit {
		t.Error("a grid 60 ms off fitted within a 50 ms tolerance")
	}
}

func TestTheilSen(t *testing.T) {
	// p95 = 100 + 2 ms per 10 s, one outlier window: the slope stays 0.2 ms/s.
	var pts []trendPoint
	for i := int64(0); i < 10; i++ {
		pts = append(pts, trendPoint{midMs: i * 10000, p95: 100 + 2*float64(i)})
	}
	pts[4].p95 = 5000
	if got := theilSen(pts); math.Abs(got-0.0002) > 1e-12 {
		t.Errorf("theilSen = %v ms/ms, want 0.0002", got)
	}
}

func TestTrendWindowsCoarsen(t *testing.T) {
	// A long run at a constant 20 ms: the trend keeps at most
	// maxTrendWindows windows by doubling their length, and stays flat.
	prev := prevFixed(analysis.ScopeShared, 400, 20, fp(0), 17)
	v := New(prev, DefaultConfig())
	for i := int64(0); i < 20000; i++ {
		s := jtl.Sample{Start: t0 + i*500, Elapsed: 20, Label: "GET script", ResponseCode: "200", Success: true, ThreadName: "t", SampleCount: 1}
		v.Add(&s)
		if len(v.trend) > maxTrendWindows {
			t.Fatalf("%d trend windows kept", len(v.trend))
		}
	}
	if v.trendW != 40000 { // 10000 s of run over 10 s windows: 1000 -> 500 -> 250 windows
		t.Errorf("trend window %d ms, want 40000", v.trendW)
	}
	c := v.checkTrend()
	if c.Status != Pass || *c.Measured != 0 {
		t.Errorf("flat trend: %+v", c)
	}
}

func TestVerifyPerLabel(t *testing.T) {
	// A per-endpoint limit of 10 per 1 s window; "A" sends every 125 ms
	// (8 per window), "B" every 50 ms (20 per window, 10 of them throttled).
	prev := &analysis.Result{Limit: analysis.Limit{Detected: true, Algorithm: analysis.AlgoFixedWindow,
		Scope: analysis.ScopePerLabel, Labels: []string{"A", "B"}, Limit: fp(10), WindowS: fp(1), PhaseS: fp(0)},
		Recommendation: analysis.Recommendation{Scope: analysis.ScopePerLabel, PerLabel: map[string]float64{"A": 8, "B": 8}}}
	var ss []jtl.Sample
	for ms := int64(0); ms < 30000; ms += 25 {
		for _, l := range []struct {
			label string
			every int64
		}{{"A", 125}, {"B", 50}} {
			if ms%l.every != 0 {
				continue
			}
			s := jtl.Sample{Start: t0 + ms, Elapsed: 5, Label: l.label, ResponseCode: "200", Success: true,
				ThreadName: "t-" + l.label, SampleCount: 1}
			if l.label == "B" && (ms%1000)/50 >= 10 { // the 11th to 20th of each window
				s.ResponseCode, s.Success = "429", false
			}
			ss = append(ss, s)
		}
	}
	checks := verifyRun(t, prev, DefaultConfig(), ss)
	c := wantStatus(t, checks, CheckLimit, Fail)
	wantMeasured(t, c, 20, 20)
	if !strings.Contains(c.Summary, `label "B"; 1 of 2 labels over`) {
		t.Errorf("summary %q", c.Summary)
	}
	// B gets 10/s accepted against its 8/s target (+25%); A 8/s.
	c = wantStatus(t, checks, CheckThroughput, Fail)
	wantMeasured(t, c, 9.9, 10.1)
	if c.Title != "accepted throughput of each label ±15% of its target" {
		t.Errorf("title %q", c.Title)
	}
	if ev := strings.Join(c.Evidence, "\n"); !strings.Contains(ev, `"A": 8/s (target 8/s)`) || !strings.Contains(ev, `"B": 10/s (target 8/s)`) {
		t.Errorf("evidence:\n%s", ev)
	}
}
