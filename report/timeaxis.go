package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
)

// clockFormat is how times since the start are written.
type clockFormat int

const (
	clockSeconds clockFormat = iota // "45"
	clockMinutes                    // "12:05"
	clockHours                      // "1:02:05"
)

// clockFormatFor picks the format for a run of span seconds: plain seconds
// up to two minutes, m:ss up to an hour, h:mm:ss beyond.
func clockFormatFor(span float64) clockFormat {
	switch {
	case span <= 120:
		return clockSeconds
	case span < 3600:
		return clockMinutes
	}
	return clockHours
}

// unit is the axis-label suffix of f.
func (f clockFormat) unit() string {
	switch f {
	case clockMinutes:
		return "m:ss"
	case clockHours:
		return "h:mm:ss"
	}
	return "s"
}

// format writes v seconds in format f (without unit).
func (f clockFormat) format(v float64) string {
	neg := ""
	if v < 0 {
		neg, v = "-", -v
	}
	s := int64(math.Round(v))
	switch f {
	case clockMinutes:
		return fmt.Sprintf("%s%d:%02d", neg, s/60, s%60)
	case clockHours:
		return fmt.Sprintf("%s%d:%02d:%02d", neg, s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%s%d", neg, s)
}

// clock writes v seconds for a run of span seconds, with its unit where
// the format needs one: "41.5 s", "12:05", "1:02:05".
func clock(v, span float64) string {
	f := clockFormatFor(span)
	if f == clockSeconds {
		return short(math.Round(v*10)/10) + " s"
	}
	return f.format(v)
}

// timeSteps are the major tick spacings (seconds) a time axis may use, each
// with its minor spacing.
var timeSteps = []struct{ major, minor float64 }{
	{1, 0}, {2, 1}, {5, 1}, {10, 2}, {15, 5}, {20, 5}, {30, 10}, {60, 10}, {120, 30}, {300, 60}, {600, 120},
	{900, 300}, {1800, 300}, {3600, 900}, {7200, 1800}, {10800, 3600}, {21600, 3600}, {43200, 7200}, {86400, 21600},
}

// timeTicker ticks a time axis at round clock values (every 10 s, 5 min, 1 h,
// ...) with at most 10 labelled ticks, labelled in format f.
type timeTicker struct{ f clockFormat }

var _ plot.Ticker = timeTicker{}

// Ticks implements plot.Ticker.
func (t timeTicker) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 2) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s.major <= 10 {
			step = s
			break
		}
	}
	var ticks []plot.Tick
	if step.minor > 0 {
		for v := math.Ceil(lo/step.minor) * step.minor; v <= hi+1e-9; v += step.minor {
			if math.Abs(math.Remainder(v, step.major)) > 1e-9 {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	for v := math.Ceil(lo/step.major) * step.major; v <= hi+1e-9; v += step.major {
		ticks = append(ticks, plot.Tick{Value: v, Label: t.f.format(v)})
	}
	return ticks
}
