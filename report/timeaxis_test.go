package report

import (
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

func labels(ticks []plot.Tick) string {
	var out []string
	for _, t := range ticks {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return strings.Join(out, " ")
}

func TestTimeTicks(t *testing.T) {
	for _, tc := range []struct {
		hi   float64
		want string
	}{
		{90, "0 10 20 30 40 50 60 70 80 90"},
		{1800, "0:00 5:00 10:00 15:00 20:00 25:00 30:00"},
		{50000, "0:00:00 2:00:00 4:00:00 6:00:00 8:00:00 10:00:00 12:00:00"},
	} {
		f := clockFormatFor(tc.hi)
		got := labels(timeTicker{f: f}.Ticks(0, tc.hi))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("ticks of 0..%v = %q, want prefix %q", tc.hi, got, tc.want)
		}
	}
	// Minor ticks lie between the labelled ones.
	ticks := timeTicker{f: clockSeconds}.Ticks(0, 90)
	minor := 0
	for _, tk := range ticks {
		if tk.Label == "" {
			minor++
		}
	}
	if minor != 36 {
		t.Errorf("%d minor ticks on 0..90 s, want 36 (every 2 s between labels)", minor)
	}
}

func TestClock(t *testing.T) {
	for _, tc := range []struct {
		v, span float64
		want    string
	}{
		{28.51, 90, "28.5 s"}, {41, 90, "41 s"}, {725, 1800, "12:05"}, {3725, 50000, "1:02:05"},
	} {
		if got := clock(tc.v, tc.span); got != tc.want {
			t.Errorf("clock(%v, %v) = %q, want %q", tc.v, tc.span, got, tc.want)
		}
	}
	if got := clockFormatFor(1800).unit(); got != "m:ss" {
		t.Errorf("unit %q", got)
	}
}
