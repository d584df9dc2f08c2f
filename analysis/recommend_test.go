package analysis_test

import (
	"path/filepath"
	"testing"
	"time"

	"jmtune/analysis"
	rl "jmtune/internal/limiter"
	"jmtune/internal/sim"
	"jmtune/internal/testenv"
)

// TestRecommendationHoldsInSimulation analyses the real run against P1's
// server (fixed window 400 per 20 s, shared) and plays the seed-like plan
// with what the analysis recommends (threads, ramp-up, a shared Constant
// Throughput Timer at the recommended rate, retries honouring Retry-After)
// against the server's true configuration for 10 minutes: the rerun the
// end-to-end loop asserts must have under 0.5% throttled requests and accept
// at least 85% of the limit's rate (here with a margin: 88%).
func TestRecommendationHoldsInSimulation(t *testing.T) {
	path := filepath.Join(testenv.Shared(t), "scenarios", "P1-fixed-400-per-20s", "results.csv")
	res := analyzeFile(t, path)
	rec := res.Recommendation
	if rec.Timer.Type != analysis.TimerConstant || rec.Timer.CalcMode != 4 || rec.Timer.Mode != "shared" {
		t.Fatalf("timer %+v, want a shared Constant Throughput Timer (calcMode 4)", rec.Timer)
	}
	if rec.Timer.PeriodS != 20 {
		t.Errorf("timer period %g s, want the window (20 s) for --timer precise", rec.Timer.PeriodS)
	}
	const limitRate = 20.0 // 400 per 20 s
	login := sim.Sampler{Label: "POST /oauth/token", Method: "POST", Path: "/oauth/token", Service: sim.Lognormal(20*time.Millisecond, 0.3)}
	get := sim.Sampler{Label: "GET script", Method: "GET", Path: "/api/v2/scripts/{id}", Limited: true,
		Service: sim.Lognormal(20*time.Millisecond, 0.3),
		// The plan's think time (900 ms + U[0, 200 ms)), then the pacer.
		Think:  []sim.Timer{sim.UniformTimer(900*time.Millisecond, 200*time.Millisecond)},
		Timers: []sim.Timer{sim.ConstantThroughputTimer(rec.Timer.PerMinute, rec.Timer.CalcMode)},
		Retry: &sim.Retry{Policy: sim.RetryHonour, MaxAttempts: rec.Backoff.MaxAttempts,
			Jitter: time.Duration(rec.Backoff.JitterS * float64(time.Second)), Base: time.Second, Cap: time.Duration(rec.Backoff.CapS * float64(time.Second)),
			BudgetShare: rec.Backoff.BudgetShare}}
	cfg := sim.Config{Seed: 7,
		Groups: []sim.Group{{Name: "Agents", Threads: rec.Threads, RampUp: time.Duration(rec.RampUpS * float64(time.Second)),
			Loops: -1, Duration: 600 * time.Second, Once: []sim.Sampler{login}, Samplers: []sim.Sampler{get}}},
		Server: sim.Server{Levels: []rl.Level{{Config: rl.Config{Algorithm: rl.FixedWindow, Limit: 400, Window: 20 * time.Second},
			Scope: rl.ScopeShared}},
			Responder: rl.Responder{RetryAfter: rl.RetryAfter{Mode: rl.RetryAfterReset}}},
		Network: sim.Network{OneWay: 5 * time.Millisecond, Jitter: 2 * time.Millisecond},
	}
	run, err := sim.Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	requests, throttled := 0, 0
	accepted := map[int64]int{} // admitted per server window
	for _, d := range run.Decisions {
		requests++
		if d.Throttled() {
			throttled++
		} else if d.Limited {
			accepted[(d.ArriveNs-run.StartMs*1e6)/int64(20*time.Second)]++
		}
	}
	share := float64(throttled) / float64(requests)
	// Whole windows after the ramp-up and the first window: the steady rate.
	n, whole := 0, 0
	for w := int64(1); w < 29; w++ {
		n += accepted[w]
		whole++
	}
	rate := float64(n) / (float64(whole) * 20)
	t.Logf("s = %g, target %g/s (%g/min), %d threads, ramp-up %g s: %d requests, %.3f%% throttled, %.2f accepted/s = %.1f%% of the limit",
		rec.SafetyFactor, rec.TargetRatePerS, rec.Timer.PerMinute, rec.Threads, rec.RampUpS, requests, 100*share, rate, 100*rate/limitRate)
	if share >= 0.005 {
		t.Errorf("%.3f%% of requests throttled, want under 0.5%%", 100*share)
	}
	if rate < 0.88*limitRate {
		t.Errorf("accepted %.2f/s, want at least 88%% of the limit's %g/s (85%% with a margin)", rate, limitRate)
	}
}
