package analysis

import (
	"fmt"
	"slices"
	"strings"
)

// fillVerdict writes the 3-6 line summary an engineer pastes into a ticket.
func (a *analysis) fillVerdict() {
	res := a.res
	l, o, ra, r, rec := res.Limit, res.Onset, res.RetryAfter, res.Retries, res.Recommendation
	var v []string
	if l.Detected {
		v = append(v, "Limit: "+limitPhrase(l)+fmt.Sprintf(" (confidence: %s).", l.Confidence))
		share := fmt.Sprintf("%.0f%% of requests were throttled", 100*res.Run.Share429)
		switch {
		case o.Threads != nil && o.OfferedRatePerS != nil:
			v = append(v, fmt.Sprintf("Onset: sustained throttling from %s s into the run at %d threads (offered %s req/s); %s.",
				fmtNum(*o.OffsetS), *o.Threads, fmtNum(roundSig(*o.OfferedRatePerS)), share))
		case l.Scope == ScopePerThread:
			v = append(v, fmt.Sprintf("Onset: each thread is throttled once it exceeds its own quota, whatever the number of threads; %s.", share))
		default:
			v = append(v, "Onset: "+share+".")
		}
	} else {
		lb := ""
		if l.LowerBoundPerS != nil && *l.LowerBoundPerS > 0 {
			lb = fmt.Sprintf(" up to %s req/s was accepted", fmtNum(roundSig(*l.LowerBoundPerS)))
		}
		if res.Run.Throttled > 0 {
			// Throttled, but too little evidence to fit a model: too few
			// throttles, or no admitted request of the throttled labels.
			admitted := 0
			for _, ls := range res.Labels {
				if slices.Contains(l.Labels, ls.Label) {
					admitted += ls.Samples - ls.Throttled - ls.Errors
				}
			}
			v = append(v, fmt.Sprintf("Limit: too little evidence to fit one - %d throttled and %d admitted requests of the throttled labels; run longer, or with more load, to find the limit.",
				res.Run.Throttled, admitted))
		} else {
			v = append(v, "Limit: not reached -"+lb+" with no throttled response; the real limit is higher.")
		}
	}
	if ra.Present {
		v = append(v, "Retry-After: "+ra.Explanation)
	} else if res.Run.Throttled > 0 {
		v = append(v, "Retry-After: absent on throttled responses.")
	}
	if r.Count > 0 {
		line := fmt.Sprintf("Retries: %d", r.Count)
		if r.BeforeRetryAfter > 0 {
			line += fmt.Sprintf(", %d before Retry-After", r.BeforeRetryAfter)
		}
		if r.SynchronisedBursts > 0 {
			line += fmt.Sprintf(", %d synchronised bursts", r.SynchronisedBursts)
		}
		line += fmt.Sprintf("; %.2f attempts per success.", r.AttemptsPerSuccess)
		v = append(v, line)
	}
	v = append(v, "Do: "+recommendPhrase(l, rec))
	res.Verdict = v
}

// limitPhrase describes a detected limit in words.
func limitPhrase(l Limit) string {
	var s string
	switch l.Algorithm {
	case AlgoFixedWindow:
		s = fmt.Sprintf("fixed window of %s requests per %s s (%s req/s)", fmtNum(*l.Limit), fmtNum(*l.WindowS), fmtNum(roundSig(*l.RatePerS)))
	case AlgoSlidingWindow:
		s = fmt.Sprintf("sliding window of %s requests per rolling %s s (%s req/s)", fmtNum(*l.Limit), fmtNum(*l.WindowS), fmtNum(roundSig(*l.RatePerS)))
	case AlgoTokenBucket:
		s = fmt.Sprintf("token bucket of %s req/s with a burst of %s", fmtNum(roundSig(*l.RatePerS)), fmtNum(*l.Burst))
	case AlgoLeakyQueue:
		s = fmt.Sprintf("leaky-bucket queue draining %s req/s, queue of %s (excess requests are delayed, then rejected)", fmtNum(roundSig(*l.RatePerS)), fmtNum(*l.Burst))
	case AlgoConcurrency:
		s = fmt.Sprintf("at most %s requests in flight", fmtNum(*l.Concurrency))
	default:
		s = "no known pattern: the 429s follow no rate, window or concurrency limit"
		if l.RatePerS != nil {
			s += fmt.Sprintf(" (the server admitted %s req/s while throttling)", fmtNum(roundSig(*l.RatePerS)))
		}
		if len(l.Labels) > 0 {
			s += " on " + strings.Join(quoteAll(l.Labels), ", ")
		}
		return s
	}
	switch l.Scope {
	case ScopeShared:
		s += ", shared by all threads"
	case ScopePerThread:
		s += ", per thread (each user/token has its own quota)"
	case ScopePerLabel:
		s += ", per endpoint (label)"
	}
	if len(l.Labels) > 0 {
		s += " on " + strings.Join(quoteAll(l.Labels), ", ")
	}
	return s
}

func quoteAll(v []string) []string {
	out := make([]string, len(v))
	for k, s := range v {
		out[k] = "\"" + s + "\""
	}
	return out
}

// recommendPhrase sums up the recommendation in one sentence.
func recommendPhrase(l Limit, rec Recommendation) string {
	var s string
	switch {
	case !l.Detected:
		s = fmt.Sprintf("keep at most %s req/s (the highest rate seen) or raise the load to find the limit", fmtNum(rec.TargetRatePerS))
		if l.LowerBoundPerS == nil || *l.LowerBoundPerS <= 0 {
			s = fmt.Sprintf("keep below %s req/s (half the rate the run had admitted) until a longer run shows the limit", fmtNum(rec.TargetRatePerS))
		}
	case rec.Scope == ScopePerThread:
		s = fmt.Sprintf("pace each thread at %s req/s (Constant Throughput Timer, this thread only, %s/min)", fmtNum(rec.TargetRatePerS), fmtNum(rec.Timer.PerMinute))
	case l.Algorithm == AlgoConcurrency:
		s = fmt.Sprintf("run at most %d threads", rec.Threads)
	default:
		s = fmt.Sprintf("pace at %s req/s%s (Constant Throughput Timer, shared, %s/min) with %d threads, ramp-up %s s",
			fmtNum(rec.TargetRatePerS), scopeUnit(rec.Scope), fmtNum(rec.Timer.PerMinute), rec.Threads, fmtNum(rec.RampUpS))
	}
	if rec.Backoff.HonourRetryAfter {
		s += fmt.Sprintf("; on 429 wait Retry-After + up to %s s jitter, max %d attempts", fmtNum(rec.Backoff.JitterS), rec.Backoff.MaxAttempts)
	} else if l.Detected {
		s += fmt.Sprintf("; on 429 back off with full jitter (base %s s, cap %s s), max %d attempts", fmtNum(rec.Backoff.BaseS), fmtNum(rec.Backoff.CapS), rec.Backoff.MaxAttempts)
	}
	if len(rec.CacheLabels) > 0 {
		s += "; fetch " + strings.Join(quoteAll(rec.CacheLabels), ", ") + " once per thread"
	}
	return s + "."
}
