package verify

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"jmtune/analysis"
)

// conformance is the worst case of one quota partition.
type conformance struct {
	key      string  // partition: "" (shared), a thread or a label
	value    float64 // worst count, b* or in flight
	evidence string  // where it happened
}

func (v *Verifier) checkLimit() Check {
	l := v.prev.Limit
	c := Check{ID: CheckLimit, Title: "within the inferred limit"}
	if !l.Detected || l.Algorithm == "" || l.Algorithm == analysis.AlgoUnknown {
		c.Status, c.Summary = Skip, "the analysis found no limit to check against"
		return c
	}
	c.Title = "within the limit: " + describeLimit(l)
	if len(v.sent) == 0 {
		c.Status, c.Summary = Skip, "no request of the limited labels in the rerun"
		return c
	}
	var (
		bound    float64 // the largest value that conforms
		accBound float64 // the largest the server can have accepted (0: bound)
		each     func(key string, ts, ends []int64) conformance
		eachAcc  func(key string, ts, ends []int64) conformance // for the accepted requests (nil: each)
		unit     string
	)
	need := func(ps ...*float64) bool {
		for _, p := range ps {
			if p == nil || *p <= 0 || math.IsNaN(*p) {
				return false
			}
		}
		return true
	}
	switch l.Algorithm {
	case analysis.AlgoFixedWindow:
		if !need(l.Limit, l.WindowS) {
			c.Status, c.Summary = Skip, "the analysis gives no limit and window"
			return c
		}
		bound, unit = *l.Limit, "requests"
		wms := int64(math.Round(*l.WindowS * 1000))
		c.Threshold = fmt.Sprintf("<= %s per %ss window", num(bound), num(*l.WindowS))
		usePhase := l.PhaseS != nil && !v.cfg.AnyPhase
		var phaseMs int64
		if usePhase {
			// The server's own decisions test the phase: at the right phase
			// no window admits more than the limit. Client times are not
			// server times (network delay), so the grid may move by up to
			// the timing tolerance to fit. If no shift fits, the windows
			// moved (a server restart, a window length slightly off and
			// drifting over the hours between the runs): drop the phase.
			base := int64(math.Round(*l.PhaseS * 1000))
			shift, fit, worst := v.fitPhase(wms, base, bound)
			phaseMs = base + shift
			if !fit {
				usePhase = false
				c.Evidence = append(c.Evidence, fmt.Sprintf(
					"the analysis' window phase %ss does not fit the rerun (%s accepted), so windows are judged at any alignment",
					num(*l.PhaseS), worst.evidence))
			} else if shift != 0 {
				c.Evidence = append(c.Evidence, fmt.Sprintf("window grid shifted by %d ms (within the %d ms timing tolerance) to fit the server's decisions", shift, v.cfg.TimingToleranceMs))
			}
		}
		if usePhase {
			each = func(key string, ts, _ []int64) conformance { return fixedWindowMax(key, ts, wms, phaseMs) }
		} else {
			c.Threshold += " at any alignment"
			accBound = 2 * bound // a fixed window admits up to 2L across a boundary
			each = func(key string, ts, _ []int64) conformance { return slidingMax(key, ts, wms) }
		}
	case analysis.AlgoSlidingWindow:
		if !need(l.Limit, l.WindowS) {
			c.Status, c.Summary = Skip, "the analysis gives no limit and window"
			return c
		}
		bound, unit = *l.Limit, "requests"
		wms := int64(math.Round(*l.WindowS * 1000))
		c.Threshold = fmt.Sprintf("<= %s in any %ss", num(bound), num(*l.WindowS))
		each = func(key string, ts, _ []int64) conformance { return slidingMax(key, ts, wms) }
		// Server times differ from client times by up to the tolerance
		// either way: what the server admitted in W shows in W - 2*tolerance.
		if short := wms - 2*v.cfg.TimingToleranceMs; short > 0 {
			eachAcc = func(key string, ts, _ []int64) conformance { return slidingMax(key, ts, short) }
		}
	case analysis.AlgoTokenBucket, analysis.AlgoLeakyQueue:
		if !need(l.RatePerS, l.Burst) {
			c.Status, c.Summary = Skip, "the analysis gives no rate and burst"
			return c
		}
		r := *l.RatePerS
		// Client timestamps are not server arrivals: allow r*tolerance tokens.
		bound, unit = *l.Burst+r*float64(v.cfg.TimingToleranceMs)/1000, "tokens"
		c.Threshold = fmt.Sprintf("b*(%s/s) <= %s (burst %s + %s for %d ms timing tolerance)",
			num(r), num(bound), num(*l.Burst), num(bound-*l.Burst), v.cfg.TimingToleranceMs)
		each = func(key string, ts, _ []int64) conformance { return bucketBurst(key, ts, r) }
	case analysis.AlgoConcurrency:
		if !need(l.Concurrency) {
			c.Status, c.Summary = Skip, "the analysis gives no concurrency"
			return c
		}
		bound, unit = *l.Concurrency, "in flight"
		c.Threshold = fmt.Sprintf("<= %s in flight", num(bound))
		each = func(key string, ts, ends []int64) conformance { return maxInFlight(key, ts, ends) }
	default:
		c.Status, c.Summary = Skip, fmt.Sprintf("no conformance test for algorithm %q", l.Algorithm)
		return c
	}
	if accBound == 0 {
		accBound = bound
	}
	if eachAcc == nil {
		eachAcc = each
	}
	keys := make([]string, 0, len(v.sent))
	for k := range v.sent {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var worst, worstAcc conformance
	over, accOver := 0, 0
	for i, k := range keys {
		cf := each(k, v.sent[k], v.sentEnd[k])
		if cf.value > bound {
			over++
		}
		if i == 0 || cf.value > worst.value {
			worst = cf
		}
		if l.Algorithm != analysis.AlgoConcurrency && len(v.accepted[k]) > 0 {
			ca := eachAcc(k, v.accepted[k], nil)
			if ca.value > accBound {
				accOver++
			}
			if ca.value > worstAcc.value || worstAcc.evidence == "" {
				worstAcc = ca
			}
		}
	}
	c.Unit = unit
	c.Measured = measured(worst.value)
	c.Status = verdict(worst.value <= bound)
	switch unit {
	case "tokens":
		c.Summary = fmt.Sprintf("the requests sent need a bucket of %s (allowed %s)", num(worst.value), num(bound))
	case "in flight":
		c.Summary = fmt.Sprintf("at most %s requests in flight (allowed %s)", num(worst.value), num(bound))
	default:
		c.Summary = fmt.Sprintf("at most %s requests sent in a window (allowed %s)", num(worst.value), num(bound))
	}
	switch v.scope {
	case analysis.ScopePerThread:
		c.Summary += fmt.Sprintf(", thread %q; %d of %d threads over", worst.key, over, len(keys))
	case analysis.ScopePerLabel:
		c.Summary += fmt.Sprintf(", label %q; %d of %d labels over", worst.key, over, len(keys))
	}
	c.Evidence = append([]string{"sent (accepted or throttled): " + worst.evidence}, c.Evidence...)
	if worstAcc.evidence != "" {
		e := "accepted: " + worstAcc.evidence
		if accOver > 0 {
			e += fmt.Sprintf(" - more than the inferred limit lets through (%s): the limit is higher than inferred, or changed", num(accBound))
		}
		c.Evidence = append(c.Evidence, e)
	}
	if l.Algorithm == analysis.AlgoFixedWindow && !strings.HasSuffix(c.Threshold, "any alignment") {
		// For information: the busiest interval of the window's length at any
		// alignment (a fixed window lets up to twice its limit through there).
		wms := int64(math.Round(*l.WindowS * 1000))
		s := slidingMax(worst.key, v.sent[worst.key], wms)
		c.Evidence = append(c.Evidence, fmt.Sprintf("windows at the analysis' phase %ss (epoch seconds mod %ss); at any alignment (not judged): %s",
			num(*l.PhaseS), num(*l.WindowS), s.evidence))
	}
	if len(v.prev.Limit.Labels) > 0 {
		c.Evidence = append(c.Evidence, "counted: requests of "+joinQuoted(v.prev.Limit.Labels)+" and their retries that got an HTTP response")
	}
	return c
}

// fitPhase finds the shift of the window grid (within the timing
// tolerance, smallest first) at which no partition's accepted requests
// exceed bound in a window. fit is false when none does; worst is then the
// busiest window at the unshifted phase.
func (v *Verifier) fitPhase(wms, phaseMs int64, bound float64) (shift int64, fit bool, worst conformance) {
	tol := v.cfg.TimingToleranceMs
	step := max(tol/10, 1)
	for d := int64(0); d <= tol; d += step {
		for _, sh := range []int64{d, -d} {
			ok := true
			for k, ts := range v.accepted {
				a := fixedWindowMax(k, ts, wms, phaseMs+sh)
				if sh == 0 && a.value > worst.value {
					worst = a
				}
				if a.value > bound {
					ok = false
					if sh != 0 {
						break
					}
				}
			}
			if ok {
				return sh, true, worst
			}
			if d == 0 {
				break
			}
		}
	}
	return 0, false, worst
}

// fixedWindowMax returns the busiest fixed window [phase+kW, phase+(k+1)W).
func fixedWindowMax(key string, ts []int64, wms, phaseMs int64) conformance {
	best, bestK, n, curK := 0, int64(0), 0, int64(math.MinInt64)
	for _, t := range ts {
		k := floorDiv(t-phaseMs, wms)
		if k != curK {
			curK, n = k, 0
		}
		n++
		if n > best {
			best, bestK = n, k
		}
	}
	start := phaseMs + bestK*wms
	return conformance{key: key, value: float64(best),
		evidence: fmt.Sprintf("%sbusiest window %s: %d", who(key), stamp(start), best)}
}

// slidingMax returns the largest number of times in any half-open interval
// of length wms (the maximum over all window alignments).
func slidingMax(key string, ts []int64, wms int64) conformance {
	best, bestI, i := 0, 0, 0
	for j := range ts {
		for ts[j]-ts[i] >= wms {
			i++
		}
		if n := j - i + 1; n > best {
			best, bestI = n, i
		}
	}
	return conformance{key: key, value: float64(best),
		evidence: fmt.Sprintf("%sbusiest %ss from %s: %d", who(key), num(float64(wms)/1000), stamp(ts[bestI]), best)}
}

// bucketBurst returns b*(r), the smallest bucket that lets every accepted
// request through at rate r: max over i <= j of (j-i+1) - r*(t_j - t_i)
// (ratelimit-inference.md 3.4), in one pass with a running minimum.
func bucketBurst(key string, ts []int64, r float64) conformance {
	best := math.Inf(-1)
	bestI, bestJ := 0, 0
	minX, minI := math.Inf(1), 0
	for k, t := range ts {
		x := float64(k) - r*float64(t)/1000
		if x < minX {
			minX, minI = x, k
		}
		if d := x - minX; d > best {
			best, bestI, bestJ = d, minI, k
		}
	}
	b := best + 1
	return conformance{key: key, value: b,
		evidence: fmt.Sprintf("%stightest stretch: %d from %s to %s need a bucket of %s at %s/s",
			who(key), bestJ-bestI+1, stamp(ts[bestI]), stamp(ts[bestJ]), num(b), num(r))}
}

// maxInFlight returns the most requests in flight at once, from sorted
// arrival and departure times (a departure at the same ms as an arrival
// comes first).
func maxInFlight(key string, arr, dep []int64) conformance {
	best, at, n, j := 0, int64(0), 0, 0
	for _, a := range arr {
		for j < len(dep) && dep[j] <= a {
			n--
			j++
		}
		n++
		if n > best {
			best, at = n, a
		}
	}
	return conformance{key: key, value: float64(best),
		evidence: fmt.Sprintf("%s%d in flight at %s", who(key), best, stamp(at))}
}

// who prefixes evidence with the partition, when there is one.
func who(key string) string {
	if key == "" {
		return ""
	}
	return fmt.Sprintf("%q: ", key)
}

// joinQuoted joins labels, quoted.
func joinQuoted(ls []string) string {
	s := ""
	for i, l := range ls {
		if i > 0 {
			s += ", "
		}
		s += quote(l)
	}
	return s
}
