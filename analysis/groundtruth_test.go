package analysis_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"jmtune/analysis"
	"jmtune/jtl"
)

// truthCase is one generated run with the limiter's true configuration.
type truthCase struct {
	name string
	cfg  genConfig
	exp  expectation
	// semantics accepted for Retry-After
	sem []string
}

func f64(v float64) *float64 { return &v }

func newFixed(L int, W, ph float64) *fixedLim {
	return &fixedLim{L: L, W: W, ph: ph, win: map[string]int64{}, cnt: map[string]int{}}
}

// truthCases are the ground-truth scenarios of ratelimit-inference.md
// section 7 that the small generator can produce.
func truthCases() []truthCase {
	mk := func(name string, cfg genConfig, algo, scope string, rate, limit, window, burst, conc *float64, raPresent bool, sem ...string) truthCase {
		tc := truthCase{name: name, cfg: cfg, sem: sem}
		tc.exp.Limit.Detected = algo != analysis.AlgoUnknown
		tc.exp.Limit.Algorithm, tc.exp.Limit.Scope = algo, scope
		tc.exp.Limit.RatePerS, tc.exp.Limit.Limit, tc.exp.Limit.WindowS = rate, limit, window
		tc.exp.Limit.Burst, tc.exp.Limit.Concurrency = burst, conc
		tc.exp.RetryAfter.Present = raPresent
		return tc
	}
	nan := math.NaN()
	_ = nan
	return []truthCase{
		mk("seed-replica-fixed-1500-per-15s", genConfig{seed: 1, threads: 200, rampS: 200, durS: 300, thinkS: [2]float64{0.3, 0.2}, respS: 0.1,
			scope: "shared", lim: newFixed(1500, 15, 3.7)},
			analysis.AlgoFixedWindow, analysis.ScopeShared, f64(100), f64(1500), f64(15), nil, nil, true, analysis.RASemWindowReset),
		mk("fixed-300-per-60s-fast-ramp", genConfig{seed: 2, threads: 200, rampS: 10, durS: 400, thinkS: [2]float64{0.2, 0.1}, respS: 0.2,
			scope: "shared", lim: newFixed(300, 60, 17.2)},
			analysis.AlgoFixedWindow, analysis.ScopeShared, f64(5), f64(300), f64(60), nil, nil, true, analysis.RASemWindowReset),
		mk("token-bucket-50ps-b100", genConfig{seed: 3, threads: 200, rampS: 60, durS: 150, thinkS: [2]float64{0.5, 0.5}, respS: 0.1,
			scope: "shared", lim: &bucketLim{r: 50, b: 100, tok: map[string]float64{}, last: map[string]float64{}}},
			analysis.AlgoTokenBucket, analysis.ScopeShared, f64(50), nil, nil, f64(100), nil, true, analysis.RASemTokenRefill, analysis.RASemConstant),
		mk("sliding-log-100-per-10s", genConfig{seed: 4, threads: 50, rampS: 5, durS: 120, thinkS: [2]float64{0.5, 0.5}, respS: 0.05,
			scope: "shared", lim: &slidingLim{L: 100, W: 10, log: map[string][]float64{}}},
			analysis.AlgoSlidingWindow, analysis.ScopeShared, f64(10), f64(100), f64(10), nil, nil, true, analysis.RASemWindowReset),
		mk("concurrency-20", genConfig{seed: 5, threads: 100, rampS: 20, durS: 90, thinkS: [2]float64{0.05, 0.1}, respS: 0.4,
			scope: "shared", lim: &concLim{C: 20, cur: map[string]int{}}},
			analysis.AlgoConcurrency, analysis.ScopeShared, nil, nil, nil, nil, f64(20), false, analysis.RASemAbsent),
		mk("leaky-queue-10ps-b20-503", genConfig{seed: 6, threads: 60, rampS: 30, durS: 120, thinkS: [2]float64{1, 1}, respS: 0.05, code: 503,
			scope: "shared", lim: &leakyLim{r: 10, B: 20, exc: map[string]float64{}, last: map[string]float64{}}},
			analysis.AlgoLeakyQueue, analysis.ScopeShared, f64(10), nil, nil, f64(20), nil, false, analysis.RASemAbsent),
		mk("per-thread-fixed-300-per-60s", genConfig{seed: 7, threads: 20, rampS: 5, durS: 300, thinkS: [2]float64{0.08, 0.04}, respS: 0.02,
			scope: "per-thread", lim: newFixed(300, 60, 11)},
			analysis.AlgoFixedWindow, analysis.ScopePerThread, f64(5), f64(300), f64(60), nil, nil, true, analysis.RASemWindowReset),
		mk("under-the-limit", genConfig{seed: 8, threads: 10, rampS: 10, durS: 120, thinkS: [2]float64{0.5, 0.5}, respS: 0.1,
			scope: "shared", lim: newFixed(1000, 10, 0)},
			analysis.AlgoUnknown, analysis.ScopeShared, nil, nil, nil, nil, nil, false, analysis.RASemAbsent),
		mk("retry-storm-fixed-100-per-10s", genConfig{seed: 9, threads: 80, rampS: 10, durS: 180, thinkS: [2]float64{0.5, 0.5}, respS: 0.05,
			scope: "shared", lim: newFixed(100, 10, 4.2), retry: "immediate-exp"},
			analysis.AlgoFixedWindow, analysis.ScopeShared, f64(10), f64(100), f64(10), nil, nil, true, analysis.RASemWindowReset),
		mk("noise-fixed-300-per-30s", genConfig{seed: 10, threads: 100, rampS: 20, durS: 240, thinkS: [2]float64{0.3, 0.4}, respS: 0.1,
			scope: "shared", lim: newFixed(300, 30, 8.5), noise5xx: 0.01, jitterMs: 20},
			analysis.AlgoFixedWindow, analysis.ScopeShared, f64(10), f64(300), f64(30), nil, nil, true, analysis.RASemWindowReset),
		mk("per-label-fixed-50-per-5s", genConfig{seed: 11, threads: 40, rampS: 10, durS: 120, thinkS: [2]float64{0.2, 0.2}, respS: 0.05,
			labels: []string{"GET script", "GET user"}, scope: "per-label", lim: newFixed(50, 5, 1.3)},
			analysis.AlgoFixedWindow, analysis.ScopePerLabel, f64(10), f64(50), f64(5), nil, nil, true, analysis.RASemWindowReset),
		mk("per-thread-token-2ps-b10", genConfig{seed: 12, threads: 15, rampS: 5, durS: 120, thinkS: [2]float64{0.1, 0.1}, respS: 0.03,
			scope: "per-thread", lim: &bucketLim{r: 2, b: 10, tok: map[string]float64{}, last: map[string]float64{}}},
			analysis.AlgoTokenBucket, analysis.ScopePerThread, f64(2), nil, nil, f64(10), nil, true, analysis.RASemTokenRefill, analysis.RASemConstant),
		mk("sliding-log-600-per-60s-clock", genConfig{seed: 13, threads: 100, rampS: 30, durS: 300, thinkS: [2]float64{0.5, 0.5}, respS: 0.1,
			scope: "shared", lim: &slidingLim{L: 600, W: 60, log: map[string][]float64{}}},
			analysis.AlgoSlidingWindow, analysis.ScopeShared, f64(10), f64(600), f64(60), nil, nil, true, analysis.RASemWindowReset),
	}
}

// onsetTruth applies the onset rule of the scenarios' README to the
// generated samples: allThreads on the first 429 after which no two
// consecutive 429s are more than G apart.
func onsetTruth(samples []jtl.Sample, code string, gap float64) *int {
	var thr []jtl.Sample
	for _, s := range samples {
		if s.ResponseCode == code {
			thr = append(thr, s)
		}
	}
	if len(thr) == 0 {
		return nil
	}
	sortByStart(thr)
	k0 := 0
	for k := 1; k < len(thr); k++ {
		if float64(thr[k].Start-thr[k-1].Start)/1000 > gap {
			k0 = k
		}
	}
	n := thr[k0].AllThreads
	return &n
}

// TestGroundTruth runs the inference on generated runs with known limiters
// and checks every parameter within the tolerances of section 7, the window
// boundaries of fixed windows, and that the algorithm is right in at least
// 90% of the scenarios.
func TestGroundTruth(t *testing.T) {
	cases := truthCases()
	right := 0
	var table []string
	for _, tc := range cases {
		samples := generate(tc.cfg)
		code := "429"
		if tc.cfg.code != 0 {
			code = fmt.Sprint(tc.cfg.code)
		}
		if tc.exp.Limit.Scope == analysis.ScopeShared && tc.exp.Limit.Detected {
			gap := 5.0
			if tc.exp.Limit.WindowS != nil {
				gap = math.Max(5, *tc.exp.Limit.WindowS+1)
			}
			tc.exp.Onset.Threads = onsetTruth(samples, code, gap)
		}
		res, err := analysis.Analyze(&sliceSource{v: samples}, analysis.Config{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		fails, ok := judge(&tc.exp, res)
		if ok {
			right++
		}
		phase := ""
		if fl, fixed := tc.cfg.lim.(*fixedLim); fixed && ok && tc.exp.Limit.Detected && tc.cfg.scope != "per-thread" {
			// The generator's limiter sees seconds after startMs.
			startMs := tc.cfg.startMs
			if startMs == 0 {
				startMs = 1_790_000_000_000 + int64(tc.cfg.seed%1000)*7919
			}
			g := trueGrid{BaseS: math.Mod(float64(startMs)/1000+fl.ph, fl.W), WindowS: fl.W}
			msg, off := phaseFailure(res, g, phaseTolS)
			if msg != "" {
				fails = append(fails, msg)
			}
			phase = fmt.Sprintf(" boundary off %.3f s", off)
		}
		semOK := false
		for _, s := range tc.sem {
			semOK = semOK || s == res.RetryAfter.Semantics
		}
		if !semOK {
			fails = append(fails, fmt.Sprintf("retry_after.semantics %s, want %v", res.RetryAfter.Semantics, tc.sem))
		}
		table = append(table, fmt.Sprintf("%-34s %s%s", tc.name, summary(res), phase))
		for _, f := range fails {
			t.Errorf("%s: %s", tc.name, f)
		}
	}
	t.Logf("scenario -> estimate:\n%s", strings.Join(table, "\n"))
	if share := float64(right) / float64(len(cases)); share < 0.9 {
		t.Errorf("algorithm right in %d of %d scenarios (%.0f%%), want >= 90%%", right, len(cases), 100*share)
	}
}

func summary(r *analysis.Result) string {
	l := r.Limit
	s := fmt.Sprintf("%s/%s", l.Algorithm, l.Scope)
	add := func(k string, p *float64) {
		if p != nil {
			s += fmt.Sprintf(" %s=%.4g", k, *p)
		}
	}
	add("rate", l.RatePerS)
	add("L", l.Limit)
	add("W", l.WindowS)
	add("b", l.Burst)
	add("C", l.Concurrency)
	if r.Onset.Threads != nil {
		s += fmt.Sprintf(" onset=%d", *r.Onset.Threads)
	}
	s += " RA=" + r.RetryAfter.Semantics + " conf=" + l.Confidence
	return s
}

func sortByStart(v []jtl.Sample) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].Start < v[j-1].Start; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
