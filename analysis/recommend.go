package analysis

import (
	"fmt"
	"math"
)

// overflowBound is the per-window probability of overflow that the safety
// factor of a window limit allows.
const overflowBound = 1e-3

// poissonTail returns P(X > k) for X ~ Poisson(mu), summed in log space.
func poissonTail(mu float64, k int) float64 {
	if mu <= 0 {
		return 0
	}
	// P(X <= k)
	logTerm := -mu // log P(X=0)
	cdf := math.Exp(logTerm)
	for j := 1; j <= k; j++ {
		logTerm += math.Log(mu) - math.Log(float64(j))
		cdf += math.Exp(logTerm)
	}
	return math.Max(0, 1-cdf)
}

// poissonExcess returns E[(X-k)+]/E[X] for X ~ Poisson(mu): the share of
// requests beyond the limit.
func poissonExcess(mu float64, k int) float64 {
	if mu <= 0 {
		return 0
	}
	// E[(X-k)+] = E[X] - k + E[(k-X)+]
	var below float64
	logTerm := -mu
	for j := 0; j <= k; j++ {
		if j > 0 {
			logTerm += math.Log(mu) - math.Log(float64(j))
		}
		below += float64(k-j) * math.Exp(logTerm)
	}
	return math.Max(0, (mu-float64(k)+below)/mu)
}

// pacedSafety is the safety factor of a window limit of L requests for
// requests spaced evenly (a shared Constant Throughput Timer): any window
// then holds at most ceil(s*L) of them, one more when network jitter moves
// one across a boundary, so s*L <= L-1 never overflows; s is at most
// maxPacedSafety (room for an estimate a few per cent high, timer jitter,
// other clients) and at least 0.5 (one request per two windows).
func pacedSafety(L float64) float64 {
	if L <= 0 {
		return 0.5
	}
	return math.Round(100*math.Max(0.5, math.Min(maxPacedSafety, (math.Floor(L)-1)/math.Floor(L)))) / 100
}

// maxPacedSafety is the safety factor for evenly paced requests against a
// large window or a bucket: the simulated seed-like plan against P1's limit
// (400 per 20 s) reaches 0.90 of the limit with no 429 at 0.9, and real
// JMeter 2.13 against the test server (jmtune's end-to-end test, 1000 per
// 10 s) 0.909 with none; 0.85 (the Poisson bound for 400) leaves exactly
// the 85% an engineer expects, no margin. See README.md, "jmtune analyze".
const maxPacedSafety = 0.9

// windowSafety returns the largest s (0.30..0.95) with P(Poisson(s*L) > L)
// below overflowBound: the safety factor for random (Poisson) arrivals, as
// a Precise Throughput Timer makes them.
func windowSafety(L float64) float64 {
	k := int(math.Floor(L))
	for s := 0.95; s >= 0.3; s -= 0.01 {
		if poissonTail(s*L, k) <= overflowBound {
			return math.Round(s*100) / 100
		}
	}
	return 0.3
}

// fillRecommendation turns the limit into plan settings (see
// ratelimit-inference.md section 5): target rate s*limit, threads by
// Little's law, a ramp-up that avoids a start burst, the throughput timer,
// the retry policy and the labels to cache.
func (a *analysis) fillRecommendation() {
	res := a.res
	l := res.Limit
	rec := &res.Recommendation
	run := res.Run
	rp90 := run.ResponseP90S
	z := run.ThinkS
	rec.Scope = l.Scope
	rec.CacheLabels = res.Retries.RepeatedFetches
	rec.Timer.Type = TimerConstant
	rec.Backoff = a.backoff()
	b := a.inf.best

	if !l.Detected {
		peak := 0.0
		if l.LowerBoundPerS != nil {
			peak = *l.LowerBoundPerS
		}
		if peak <= 0 {
			// The limited labels were never admitted (a handful of
			// throttles): the rate they were sent at is too much.
			peak = 0.5 * res.Run.AcceptedRatePerS
		}
		rec.SafetyFactor = 1
		rec.TargetRatePerS = round3(peak)
		rec.Threads = run.MaxThreads
		rec.RampUpS = math.Max(1, math.Ceil(float64(rec.Threads)/math.Max(peak, 1)))
		rec.Timer.Mode, rec.Timer.CalcMode = "shared", 4
		rec.Timer.PerMinute = round2(peak * 60)
		rec.Notes = append(rec.Notes, "No limit was reached: the target is the highest accepted rate seen, not a limit. Raise the load in a new run to find the limit.")
		return
	}
	// s is for the Constant Throughput Timer (evenly spaced requests), sp
	// for the Precise Throughput Timer (random arrivals in each period).
	s, sp := 0.8, 0.0
	var rate float64
	if l.RatePerS != nil {
		rate = *l.RatePerS
	}
	switch l.Algorithm {
	case AlgoFixedWindow, AlgoSlidingWindow:
		s = pacedSafety(*l.Limit)
		sp = windowSafety(*l.Limit)
		rec.Timer.PeriodS = *l.WindowS
		if s < 0.6 {
			rec.Notes = append(rec.Notes, fmt.Sprintf("The window allows only %g requests: even evenly spaced requests need room for one moved across a boundary, so the target is low (s = %.2f).", *l.Limit, s))
		}
	case AlgoTokenBucket:
		// Evenly spaced requests below the refill rate never empty the
		// bucket; random ones need the burst to absorb their clusters.
		s, sp = maxPacedSafety, 0.85
		if l.Burst != nil && *l.Burst >= 10 {
			sp = 0.9
		}
	case AlgoLeakyQueue:
		s, sp = maxPacedSafety, 0.85
	case AlgoUnknown:
		// No model explains the throttling (ratelimit-inference.md 5.1:
		// unknown or adaptive limits: s = 0.7, then verify).
		s = 0.7
		rec.Notes = append(rec.Notes, "No rate, window or concurrency pattern explains the 429s: the target is 0.7 x the rate the server admitted while throttling; re-run and check (jmtune check --against).")
	case AlgoConcurrency:
		s = 0.8
		// Each JMeter thread has at most one request in flight.
		c := *l.Concurrency
		rate = c / math.Max(run.ResponseMeanS, 0.001)
	}
	if l.Confidence == ConfAmbiguous {
		s, sp = math.Min(s, 0.8), math.Min(sp, 0.8)
	}
	if l.Changing {
		s, sp = math.Min(s, 0.7), math.Min(sp, 0.7)
		rec.Notes = append(rec.Notes, "The limit changed during the run: the target uses a lower safety factor; re-run and check.")
	}
	rec.SafetyFactor = s
	target := s * rate
	rec.TargetRatePerS = round3(target)
	if sp > 0 && sp != s {
		rec.PreciseSafetyFactor = sp
		rec.PreciseTargetRatePerS = round3(sp * rate)
	}
	total := target
	switch l.Scope {
	case ScopePerThread:
		total = target * float64(max(run.MaxThreads, 1))
	case ScopePerLabel:
		rec.PerLabel = map[string]float64{}
		for _, lab := range l.Labels {
			rec.PerLabel[lab] = round3(target)
		}
		total = target * float64(max(len(l.Labels), 1))
	}
	switch {
	case l.Algorithm == AlgoConcurrency:
		rec.Threads = int(math.Max(1, math.Floor(s**l.Concurrency)))
		rec.Notes = append(rec.Notes, fmt.Sprintf("A concurrency cap limits requests in flight, not the rate: use at most %d threads (one request in flight each).", rec.Threads))
	case l.Scope == ScopePerThread:
		rec.Threads = run.MaxThreads
		rec.Notes = append(rec.Notes, "The limit is per thread (per user or token): keep the number of users, pace each thread on its own (Constant Throughput Timer, this thread only).")
	default:
		rec.Threads = int(math.Ceil(total * (rp90 + z) * 1.2))
		rec.Threads = max(rec.Threads, 1)
	}
	rec.RampUpS = math.Max(1, math.Ceil(float64(rec.Threads)/math.Max(total, 0.001)))
	if l.Algorithm == AlgoTokenBucket && l.Burst != nil {
		// The first second must stay within burst + rate.
		if lim := *l.Burst + rate; float64(rec.Threads) > lim {
			rec.RampUpS = math.Max(rec.RampUpS, math.Ceil(float64(rec.Threads)/lim))
		}
	}
	switch l.Scope {
	case ScopePerThread:
		rec.Timer.Mode, rec.Timer.CalcMode = "per-thread", 0
		rec.Timer.PerMinute = round2(target * 60)
	default:
		rec.Timer.Mode, rec.Timer.CalcMode = "shared", 4
		rec.Timer.PerMinute = round2(total * 60)
	}
	// Expected throttled share: none for evenly spaced requests within the
	// limit (pacedSafety leaves room for one request moved across a window
	// boundary).
	rec.ExpectedSharePct = 0
	_ = b
	rec.Notes = append(rec.Notes, fmt.Sprintf("Target = %.2f x the limit's rate (%s req/s%s), for the Constant Throughput Timer: it spaces requests evenly and runs on every JMeter version.", s, fmtNum(roundSig(rate)), scopeUnit(l.Scope)))
	if rec.PreciseTargetRatePerS > 0 {
		what := "its arrivals fall at random within each period"
		if rec.Timer.PeriodS > 0 {
			what = fmt.Sprintf("its arrivals fall at random within each %s s period", fmtNum(rec.Timer.PeriodS))
		}
		extra := ""
		if l.Algorithm == AlgoFixedWindow || l.Algorithm == AlgoSlidingWindow {
			extra = fmt.Sprintf("; about %.2g%% of them would still be throttled", 100*poissonExcess(sp**l.Limit, int(*l.Limit)))
		}
		rec.Notes = append(rec.Notes, fmt.Sprintf("With a Precise Throughput Timer (JMeter 4.0 or later, tune --timer precise) use %s req/s (%.2f x the rate): %s%s.",
			fmtNum(rec.PreciseTargetRatePerS), sp, what, extra))
	}
	if len(rec.CacheLabels) > 0 {
		rec.Notes = append(rec.Notes, "Threads fetch the same resource again and again: fetch it once per thread (cache it in a variable) to save quota.")
	}
}

func scopeUnit(scope string) string {
	switch scope {
	case ScopePerThread:
		return " per thread"
	case ScopePerLabel:
		return " per label"
	}
	return " in total"
}

// backoff is the retry policy: honour Retry-After plus jitter, else full
// jitter exponential; at most 4 attempts and a 10% retry budget.
func (a *analysis) backoff() Backoff {
	l := a.res.Limit
	ra := a.res.RetryAfter
	bo := Backoff{HonourRetryAfter: ra.Present, BaseS: 1, CapS: 60, MaxAttempts: 4, BudgetShare: 0.1}
	raTyp := 1.0
	if ra.MedianS != nil {
		raTyp = *ra.MedianS
	}
	switch l.Algorithm {
	case AlgoFixedWindow, AlgoSlidingWindow:
		w := *l.WindowS
		bo.JitterS = math.Min(math.Max(1, 0.1*raTyp), w/4)
		bo.CapS = math.Min(60, w)
	case AlgoTokenBucket, AlgoLeakyQueue:
		r := *l.RatePerS
		bo.JitterS = math.Min(1, math.Max(0.05, 1/r))
		bo.BaseS = math.Min(1, math.Max(0.1, 1/r))
		bo.CapS = math.Min(60, math.Max(2, 20/r))
	default:
		bo.JitterS = math.Max(1, 0.1*raTyp)
	}
	bo.JitterS = round3(bo.JitterS)
	bo.BaseS = round3(bo.BaseS)
	bo.CapS = round3(bo.CapS)
	if bo.HonourRetryAfter {
		bo.Policy = fmt.Sprintf("on 429 wait Retry-After + U(0, %s s); without Retry-After full-jitter exponential U(0, min(%s, %s*2^n)) s; at most %d attempts; retries at most %.0f%% of requests",
			fmtNum(bo.JitterS), fmtNum(bo.CapS), fmtNum(bo.BaseS), bo.MaxAttempts, 100*bo.BudgetShare)
	} else {
		bo.Policy = fmt.Sprintf("full-jitter exponential U(0, min(%s, %s*2^n)) s; at most %d attempts; retries at most %.0f%% of requests",
			fmtNum(bo.CapS), fmtNum(bo.BaseS), bo.MaxAttempts, 100*bo.BudgetShare)
	}
	return bo
}
