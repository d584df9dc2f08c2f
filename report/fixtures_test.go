package report

import (
	"math"

	"jmtune/analysis"
)

// The fixtures below are runs built by a small per-second model, so that
// every number in them follows from the model's rules (not from jmtune's
// own output).

const fixtureStartMs = 1_700_000_000_000

func ptr[T any](v T) *T { return &v }

// fixedWindowRun models the seed case: threads ramp from 1 to 50 over 30 s
// and hold to 90 s, each thread sending about one request per 1.05 s; a
// shared fixed window admits 400 requests per 20 s (windows start 7 s before
// the run), answering 429 with Retry-After = seconds to the next window
// (ceil, at least 1). Two 500s in seconds 60 and 61 each; a p99 spike at 75 s.
func fixedWindowRun() *analysis.Result {
	const (
		dur     = 90
		window  = 20.0
		limit   = 400
		phaseS  = -7.0 // first window boundary, relative to the start
		startMs = fixtureStartMs
	)
	s := &analysis.Series{StartMs: startMs, StepMs: 1000, Codes: map[string][]float64{}}
	grow := func(n int) []float64 { return make([]float64, n) }
	s.Offered, s.Accepted, s.Throttled, s.Errors = grow(dur), grow(dur), grow(dur), grow(dur)
	s.Threads, s.InFlight, s.P50, s.P90, s.P99 = grow(dur), grow(dur), grow(dur), grow(dur), grow(dur)
	s.Codes["200"], s.Codes["429"], s.Codes["500"] = grow(dur), grow(dur), grow(dur)
	used := map[int]int{}
	r := &analysis.Result{SchemaVersion: analysis.SchemaVersion, Tool: "jmtune test"}
	var onset *float64
	var onsetThreads *int
	for i := 0; i < dur; i++ {
		threads := math.Min(50, math.Floor(1+float64(i)*50/30))
		s.Threads[i] = threads
		n := int(math.Round(threads / 1.05))
		s.Offered[i] = float64(n)
		s.InFlight[i] = float64(n) * 0.05
		for j := 0; j < n; j++ {
			t := float64(i) + (float64(j)+0.5)/float64(n)
			if (i == 60 || i == 61) && j < 2 {
				s.Errors[i]++
				s.Codes["500"][i]++
				continue
			}
			k := int(math.Floor((t - phaseS) / window))
			if used[k] < limit {
				used[k]++
				s.Accepted[i]++
				s.Codes["200"][i]++
				continue
			}
			s.Throttled[i]++
			s.Codes["429"][i]++
			end := phaseS + float64(k+1)*window
			s.RetryAfter = append(s.RetryAfter, analysis.Point{X: t, Y: math.Max(1, math.Ceil(end-t))})
			if onset == nil {
				onset, onsetThreads = ptr(t), ptr(int(threads))
			}
		}
		if s.Accepted[i] > 0 {
			s.P50[i] = 40 + threads*0.5
			s.P90[i] = 1.6 * s.P50[i]
			s.P99[i] = 2.5 * s.P50[i]
			if i == 75 {
				s.P99[i] = 900
			}
		}
	}
	r.Series = s
	r.Inputs = []analysis.Input{{File: "before.jtl", Format: "csv", Layout: "header", Rows: int(sum(s.Offered)), TimeMode: "start"}}
	r.Run = analysis.RunStats{
		Start: "2023-11-14T22:13:20Z", StartMs: startMs, DurationS: dur,
		Samples: int(sum(s.Offered)), Requests: int(sum(s.Offered)),
		Accepted: int(sum(s.Accepted)), Throttled: int(sum(s.Throttled)), Errors: int(sum(s.Errors)),
		MaxThreads: 50, Engines: 1,
		ResponseMeanS: 0.05, ResponseP90S: 0.09, ResponseP95S: 0.1,
		OfferedRatePerS: sum(s.Offered) / dur, AcceptedRatePerS: sum(s.Accepted) / dur, PeakAcceptedPerS: 40,
	}
	r.Run.Share429 = float64(r.Run.Throttled) / float64(r.Run.Requests)
	r.Limit = analysis.Limit{Detected: true, Algorithm: analysis.AlgoFixedWindow, Scope: analysis.ScopeShared,
		RatePerS: ptr(20.0), Limit: ptr(400.0), WindowS: ptr(window), PhaseS: ptr(startMs/1000 + phaseS),
		Confidence: analysis.ConfVeryStrong, DeltaBIC: 42,
		CI: map[string][2]float64{"rate_per_s": {19.5, 20.5}}}
	r.Onset = analysis.Onset{Threads: onsetThreads, OffsetS: onset}
	r.RetryAfter = analysis.RetryAfter{Present: true, Semantics: analysis.RASemWindowReset, Count: len(s.RetryAfter),
		Explanation: "Retry-After counts down to the next 20 s window: t + Retry-After is constant within a window."}
	r.Retries = analysis.Retries{Count: 0}
	r.Verdict = []string{
		"Throttled: 429 on a shared fixed window of 400 requests per 20 s (20.0 req/s).",
		"Throttling started at 44 threads.",
	}
	r.Labels = []analysis.LabelStats{
		{Label: "GET script", Samples: r.Run.Samples, Throttled: r.Run.Throttled, Errors: r.Run.Errors, RatePerS: r.Run.OfferedRatePerS, P95Ms: 100},
	}
	return r
}

// steadyRun models a tuned run: threads ramp to 20 over 10 s, then the plan
// paces them to 18 req/s in total for 80 s; nothing is throttled.
func steadyRun() *analysis.Result {
	const dur = 80
	s := &analysis.Series{StartMs: fixtureStartMs + 3_600_000, StepMs: 1000, Codes: map[string][]float64{}}
	grow := func(n int) []float64 { return make([]float64, n) }
	s.Offered, s.Accepted, s.Throttled, s.Errors = grow(dur), grow(dur), grow(dur), grow(dur)
	s.Threads, s.InFlight, s.P50, s.P90, s.P99 = grow(dur), grow(dur), grow(dur), grow(dur), grow(dur)
	s.Codes["200"] = grow(dur)
	for i := 0; i < dur; i++ {
		threads := math.Min(20, math.Floor(1+float64(i)*2))
		s.Threads[i] = threads
		n := math.Min(18, threads)
		s.Offered[i], s.Accepted[i], s.Codes["200"][i] = n, n, n
		s.InFlight[i] = n * 0.04
		s.P50[i], s.P90[i], s.P99[i] = 38, 60, 95
	}
	r := &analysis.Result{SchemaVersion: analysis.SchemaVersion, Tool: "jmtune test", Series: s}
	r.Inputs = []analysis.Input{{File: "after.jtl", Format: "csv", Layout: "header", Rows: int(sum(s.Offered)), TimeMode: "start"}}
	r.Run = analysis.RunStats{Start: "2023-11-14T23:13:20Z", StartMs: s.StartMs, DurationS: dur,
		Samples: int(sum(s.Offered)), Requests: int(sum(s.Offered)), Accepted: int(sum(s.Accepted)),
		MaxThreads: 20, Engines: 1, ResponseMeanS: 0.04, ResponseP90S: 0.06, ResponseP95S: 0.07,
		OfferedRatePerS: sum(s.Offered) / dur, AcceptedRatePerS: sum(s.Accepted) / dur, PeakAcceptedPerS: 18}
	r.Limit = analysis.Limit{Detected: false, Algorithm: analysis.AlgoUnknown, Confidence: analysis.ConfNone, LowerBoundPerS: ptr(18.0)}
	r.RetryAfter = analysis.RetryAfter{Semantics: analysis.RASemAbsent}
	r.Verdict = []string{"No throttling: 0 of 1,350 requests were answered 429."}
	r.Labels = []analysis.LabelStats{{Label: "GET script", Samples: r.Run.Samples, RatePerS: r.Run.OfferedRatePerS, P95Ms: 70}}
	return r
}

// longRun is a run of n seconds at 100 requests per second under a fixed
// window of 3000 per 60 s: the first 30 s of each minute accepted, the rest
// throttled, with raPerS Retry-After values per second following the
// window's sawtooth. 50,000 s is the size of a 5 M-row results file.
func longRun(n, raPerS int) *analysis.Result {
	s := &analysis.Series{StartMs: fixtureStartMs, StepMs: 1000, Codes: map[string][]float64{}}
	grow := func() []float64 { return make([]float64, n) }
	s.Offered, s.Accepted, s.Throttled, s.Errors = grow(), grow(), grow(), grow()
	s.Threads, s.InFlight, s.P50, s.P90, s.P99 = grow(), grow(), grow(), grow(), grow()
	s.Codes["200"], s.Codes["429"] = grow(), grow()
	s.RetryAfter = make([]analysis.Point, 0, n*raPerS)
	for i := 0; i < n; i++ {
		// The window admits the first 30 s of each minute: per-second
		// counts swing between 0 and 100, the hardest case to draw.
		acc := 100.0
		if i%60 >= 30 {
			acc = 0
		}
		s.Offered[i], s.Accepted[i], s.Throttled[i] = 100, acc, 100-acc
		s.Codes["200"][i], s.Codes["429"][i] = acc, 100-acc
		s.Threads[i], s.InFlight[i] = 120, 5
		s.P50[i], s.P90[i], s.P99[i] = 40+float64(i%7), 80, 150+float64(i%13)
		for j := 0; j < raPerS; j++ {
			t := float64(i) + float64(j)/float64(raPerS)
			s.RetryAfter = append(s.RetryAfter, analysis.Point{X: t, Y: math.Ceil(60 - math.Mod(t, 60))})
		}
	}
	s.P99[n/3-n/3%60+10] = 5000 // in an accepting half-minute
	r := &analysis.Result{SchemaVersion: analysis.SchemaVersion, Series: s}
	r.Run = analysis.RunStats{StartMs: fixtureStartMs, DurationS: float64(n), Requests: 100 * n, Accepted: 50 * n, Throttled: 50 * n, Share429: 0.5}
	r.Limit = analysis.Limit{Detected: true, Algorithm: analysis.AlgoFixedWindow, Scope: analysis.ScopeShared,
		RatePerS: ptr(50.0), Limit: ptr(3000.0), WindowS: ptr(60.0), PhaseS: ptr(float64(fixtureStartMs / 1000))}
	r.Onset = analysis.Onset{OffsetS: ptr(0.0)}
	r.RetryAfter = analysis.RetryAfter{Present: true, Semantics: analysis.RASemWindowReset, Count: len(s.RetryAfter)}
	return r
}
