package analysis

import (
	"math"
	"testing"
)

// TestSafetyFactorByTimer checks the safety factors of window limits: evenly
// paced requests (Constant Throughput Timer, the recommended timer) may use
// s*L <= L-1, at most 0.9 and at least 0.5; random arrivals (Precise
// Throughput Timer) keep the Poisson bound, reported apart and lower.
func TestSafetyFactorByTimer(t *testing.T) {
	for _, c := range []struct {
		limit, window float64
		s             float64
	}{
		{1000, 10, 0.9},
		{400, 20, 0.9},
		{20, 5, 0.9},
		{5, 1, 0.8},
		{2, 1, 0.5},
	} {
		rate := c.limit / c.window
		a := &analysis{inf: &inference{}, res: &Result{
			Limit: Limit{Detected: true, Algorithm: AlgoFixedWindow, Scope: ScopeShared, Confidence: ConfVeryStrong,
				Limit: &c.limit, WindowS: &c.window, RatePerS: &rate, Labels: []string{"GET script"}},
			Run: RunStats{ResponseP90S: 0.05, ThinkS: 1, MaxThreads: 50}}}
		a.fillRecommendation()
		rec := a.res.Recommendation
		if rec.Timer.Type != TimerConstant || rec.SafetyFactor != c.s {
			t.Errorf("L=%g: %s timer, safety factor %g; want constant, %g", c.limit, rec.Timer.Type, rec.SafetyFactor, c.s)
		}
		if want := c.s * rate; math.Abs(rec.TargetRatePerS-want) > 1e-3 || math.Abs(rec.Timer.PerMinute-60*want) > 0.01 {
			t.Errorf("L=%g: target %g/s (%g/min), want %g/s", c.limit, rec.TargetRatePerS, rec.Timer.PerMinute, want)
		}
		if rec.Timer.PeriodS != c.window {
			t.Errorf("L=%g: timer period %g s, want the window %g s", c.limit, rec.Timer.PeriodS, c.window)
		}
		sp := windowSafety(c.limit)
		if sp < c.s {
			if rec.PreciseSafetyFactor != sp || math.Abs(rec.PreciseTargetRatePerS-sp*rate) > 1e-3 {
				t.Errorf("L=%g: precise safety %g (%g/s), want the Poisson bound %g", c.limit, rec.PreciseSafetyFactor, rec.PreciseTargetRatePerS, sp)
			}
			// The Poisson bound: overflow in at most 0.1% of the windows
			// (unless at windowSafety's floor of 0.3, tiny windows).
			if p := poissonTail(sp*c.limit, int(c.limit)); sp > 0.3 && p > overflowBound {
				t.Errorf("L=%g: P(Poisson(%g) > L) = %g, want <= %g", c.limit, sp*c.limit, p, overflowBound)
			}
		}
		if rec.ExpectedSharePct != 0 {
			t.Errorf("L=%g: expected %g%% throttled with even pacing, want 0", c.limit, rec.ExpectedSharePct)
		}
	}
}
