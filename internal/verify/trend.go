package verify

import (
	"fmt"
	"sort"
)

// Trend windows need this many accepted samples to count, and the trend
// this many windows.
const (
	minTrendSamples = 10
	minTrendWindows = 6
)

// trendPoint is the p95 of one window.
type trendPoint struct {
	midMs int64
	p95   float64
}

func (v *Verifier) checkTrend() Check {
	c := Check{ID: CheckTrend, Unit: "%",
		Title:     fmt.Sprintf("p95 not rising (at most +%s%% or +%sms over the run)", num(100*v.cfg.MaxLatencyRise), num(v.cfg.MinLatencyRiseMs)),
		Threshold: fmt.Sprintf("<= +%s%% or <= +%sms", num(100*v.cfg.MaxLatencyRise), num(v.cfg.MinLatencyRiseMs))}
	var pts []trendPoint
	for k, h := range v.trend {
		if h.Count() < minTrendSamples {
			continue
		}
		pts = append(pts, trendPoint{midMs: v.trendAnchor + k*v.trendW + v.trendW/2, p95: h.Quantile(0.95)})
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].midMs < pts[j].midMs })
	if len(pts) < minTrendWindows {
		c.Status = Skip
		c.Summary = fmt.Sprintf("too few %ss windows with %d accepted samples or more (%d, need %d)",
			num(float64(v.trendW)/1000), minTrendSamples, len(pts), minTrendWindows)
		return c
	}
	slope := theilSen(pts) // ms per ms
	spanMs := float64(pts[len(pts)-1].midMs - pts[0].midMs)
	rise := slope * spanMs
	p95s := make([]float64, len(pts))
	for i, p := range pts {
		p95s[i] = p.p95
	}
	med := median(p95s)
	rel := 0.0
	if med > 0 {
		rel = rise / med
	}
	c.Measured = measured(100 * rel)
	c.Status = verdict(!(rel > v.cfg.MaxLatencyRise && rise > v.cfg.MinLatencyRiseMs))
	c.Summary = fmt.Sprintf("p95 trend %sms over %ss (%+.1f%% of the median p95 %sms)", signed(rise), num(spanMs/1000), 100*rel, num(med))
	third := max(len(pts)/3, 1)
	c.Evidence = append(c.Evidence,
		fmt.Sprintf("median p95 of the first %d windows %sms, of the last %d windows %sms",
			third, num(median(p95s[:third])), third, num(median(p95s[len(p95s)-third:]))),
		fmt.Sprintf("Theil-Sen slope %sms per minute over %d windows of %ss (accepted responses of the limited labels)",
			num(slope*60000), len(pts), num(float64(v.trendW)/1000)))
	return c
}

// theilSen returns the median of the pairwise slopes of p95 over time: a
// slope that a few outlying windows do not move.
func theilSen(pts []trendPoint) float64 {
	slopes := make([]float64, 0, len(pts)*(len(pts)-1)/2)
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			dt := float64(pts[j].midMs - pts[i].midMs)
			if dt > 0 {
				slopes = append(slopes, (pts[j].p95-pts[i].p95)/dt)
			}
		}
	}
	return median(slopes)
}

// median returns the median of xs (sorting a copy); 0 when empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
