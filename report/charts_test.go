package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"jmtune/analysis"
)

func figureByName(t *testing.T, figs []*Figure, name string) *Figure {
	t.Helper()
	for _, f := range figs {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no figure %q", name)
	return nil
}

func lineByPrefix(t *testing.T, p Panel, prefix string) Line {
	t.Helper()
	for _, l := range p.Lines {
		if strings.HasPrefix(l.Name, prefix) {
			return l
		}
	}
	t.Fatalf("no line %q in panel %q", prefix, p.Title)
	return Line{}
}

// TestFiguresGolden pins the chart data (titles, labels, every point) of
// one run and of a before/after pair.
func TestFiguresGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		before Run
		after  *Run
	}{
		{"figures-single.golden.txt", Run{Name: "before.jtl", Result: fixedWindowRun()}, nil},
		{"figures-compare.golden.txt", Run{Name: "before", Result: fixedWindowRun()}, &Run{Name: "after", Result: steadyRun()}},
	} {
		figs, notes := Figures(tc.before, tc.after, DefaultSize)
		var b bytes.Buffer
		for _, n := range notes {
			b.WriteString("note " + n + "\n")
		}
		for _, f := range figs {
			if err := f.WriteText(&b); err != nil {
				t.Fatal(err)
			}
		}
		checkGolden(t, tc.golden, b.Bytes())
	}
}

func TestFiguresSet(t *testing.T) {
	figs, notes := Figures(Run{Name: "before", Result: fixedWindowRun()}, &Run{Name: "after", Result: steadyRun()}, DefaultSize)
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	want := "compare-throughput compare-response-times throughput load response-times retry-after codes after-throughput after-load after-response-times after-codes"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("figures %q\nwant    %q", got, want)
	}
	// The tuned run has no Retry-After, so its chart is left out, with a note.
	if len(notes) != 1 || !strings.Contains(notes[0], "Retry-After") {
		t.Errorf("notes = %q, want one about the missing Retry-After chart", notes)
	}
}

func TestThroughputFigureShowsLimitWindowsAndOnset(t *testing.T) {
	r := fixedWindowRun()
	f := throughputFigure(Run{Name: "before", Result: r}, "", DefaultSize)
	p := f.Panels[0]
	if f.Title != "Throughput per second — before" {
		t.Errorf("title %q", f.Title)
	}
	if len(p.HLines) != 1 || p.HLines[0].Y != 20 || !p.HLines[0].Dashed {
		t.Fatalf("limit lines %+v, want one dashed line at 20 req/s", p.HLines)
	}
	if len(p.HBands) != 1 || p.HBands[0].Lo != 19.5 || p.HBands[0].Hi != 20.5 {
		t.Errorf("bands %+v, want the 95%% interval [19.5, 20.5]", p.HBands)
	}
	// Windows start 7 s before the run: boundaries at -7, 13, 33, ...; every
	// other one is shaded, clipped to the run.
	wantSpans := [][2]float64{{0, 13}, {33, 53}, {73, 90}}
	if len(p.XSpans) != len(wantSpans) {
		t.Fatalf("spans %+v, want %v", p.XSpans, wantSpans)
	}
	for i, s := range p.XSpans {
		if s.From != wantSpans[i][0] || s.To != wantSpans[i][1] {
			t.Errorf("span %d = [%v,%v), want %v", i, s.From, s.To, wantSpans[i])
		}
	}
	// In every window that ran out, the model admitted exactly 400 requests,
	// so the window mean of the accepted rate is the limit: 20 req/s. The
	// whole windows of the 90 s run are [13,33), [33,53), [53,73): the
	// windows cut by the start ([-7,13)) and the end ([73,93)) are not
	// drawn, since their requests over the part inside the run read as a
	// rate above the limit.
	mean := lineByPrefix(t, p, "accepted, mean per whole window")
	wantMean := []analysis.Point{{X: 13, Y: 20}, {X: 33, Y: 20}, {X: 53, Y: 20}, {X: 73, Y: 20}}
	if fmt.Sprint(mean.Points) != fmt.Sprint(wantMean) {
		t.Errorf("window means %v, want %v (whole windows only, the step ending at 73 s)", mean.Points, wantMean)
	}
	// The accepted line is the series itself (90 points fit the width).
	acc := lineByPrefix(t, p, "accepted (")
	if len(acc.Points) != 90 {
		t.Fatalf("accepted line has %d points, want 90", len(acc.Points))
	}
	for i, pt := range acc.Points {
		if pt.X != float64(i) || pt.Y != r.Series.Accepted[i] {
			t.Fatalf("accepted point %d = %v, want (%d, %v)", i, pt, i, r.Series.Accepted[i])
		}
	}
	if acc.Name != "accepted ("+count(float64(r.Run.Accepted))+")" {
		t.Errorf("legend %q does not carry the total %d", acc.Name, r.Run.Accepted)
	}
	if len(p.Markers) != 1 || p.Markers[0].X != *r.Onset.OffsetS || !strings.Contains(p.Markers[0].Label, "44 threads") {
		t.Errorf("markers %+v, want the onset at %v s, 44 threads", p.Markers, *r.Onset.OffsetS)
	}
}

func TestLimitPerThreadScalesWithThreads(t *testing.T) {
	r := fixedWindowRun()
	r.Limit = analysis.Limit{Detected: true, Algorithm: analysis.AlgoTokenBucket, Scope: analysis.ScopePerThread, RatePerS: ptr(0.5)}
	p := throughputFigure(Run{Name: "r", Result: r}, "", DefaultSize).Panels[0]
	if len(p.HLines) != 0 {
		t.Errorf("per-thread limit drawn as a constant line: %+v", p.HLines)
	}
	l := lineByPrefix(t, p, "limit:")
	for i, pt := range l.Points {
		if want := 0.5 * r.Series.Threads[i]; pt.Y != want {
			t.Fatalf("limit at %v s = %v, want 0.5 x %v threads = %v", pt.X, pt.Y, r.Series.Threads[i], want)
		}
	}
}

func TestNoLimitShowsLowerBound(t *testing.T) {
	p := throughputFigure(Run{Name: "after", Result: steadyRun()}, "", DefaultSize).Panels[0]
	if len(p.HLines) != 1 || p.HLines[0].Y != 18 || !strings.Contains(p.HLines[0].Name, "≥ 18.0") {
		t.Errorf("hlines %+v, want the lower bound 18 req/s", p.HLines)
	}
	if len(p.XSpans) != 0 || len(p.Markers) != 0 {
		t.Errorf("no limit, yet windows %v or onset %v drawn", p.XSpans, p.Markers)
	}
}

func TestRetryAfterFigure(t *testing.T) {
	r := fixedWindowRun()
	f := retryAfterFigure(Run{Name: "before", Result: r}, "", DefaultSize)
	if f == nil || f.Layout != WideNarrow || len(f.Panels) != 2 {
		t.Fatalf("figure %+v, want two panels side by side", f)
	}
	// The histogram counts every Retry-After by whole second.
	want := map[float64]float64{}
	for _, p := range r.Series.RetryAfter {
		want[p.Y]++
	}
	total := 0.0
	for _, b := range f.Panels[1].Bars {
		if b.Count != want[b.X] {
			t.Errorf("bar %v s: %v, want %v", b.X, b.Count, want[b.X])
		}
		total += b.Count
	}
	if total != float64(len(r.Series.RetryAfter)) {
		t.Errorf("histogram holds %v values, want %d", total, len(r.Series.RetryAfter))
	}
	// Thinning keeps the sawtooth's extremes: Retry-After 1 and 12 s.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range f.Panels[0].Scatters[0].Points {
		lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
	}
	if lo != 1 || hi != 12 {
		t.Errorf("scatter spans %v..%v s, want 1..12", lo, hi)
	}
	r.Series.RetryAfter = nil
	if f := retryAfterFigure(Run{Name: "before", Result: r}, "", DefaultSize); f != nil {
		t.Errorf("figure drawn without Retry-After values")
	}
}

func TestCodesFigureGroupsRareCodes(t *testing.T) {
	r := fixedWindowRun()
	for i, code := range []string{"201", "301", "400", "401", "403", "404", "502"} {
		v := make([]float64, 90)
		v[i] = float64(1 + i)
		r.Series.Codes[code] = v
	}
	p := codesFigure(Run{Name: "x", Result: r}, "", DefaultSize).Panels[0]
	if len(p.Lines) != maxCodeLines+1 {
		t.Fatalf("%d lines, want %d codes and other", len(p.Lines), maxCodeLines)
	}
	// 10 codes by total: 429, 200, 500 (4), 502 (7), 404 (6), 403 (5), 401 (4)
	// keep their lines; 400 (3), 301 (2), 201 (1) become "3 other codes (6)".
	other := p.Lines[len(p.Lines)-1]
	if other.Name != "3 other codes (6)" {
		t.Errorf("other line %q, want %q", other.Name, "3 other codes (6)")
	}
	if !strings.HasPrefix(p.Lines[0].Name, "429 (") || p.Lines[0].Colour != Vermillion {
		t.Errorf("first line %q %s, want 429 in vermillion", p.Lines[0].Name, p.Lines[0].Colour)
	}
}

func TestPredictedRunSaysSo(t *testing.T) {
	figs, _ := Figures(Run{Name: "before", Result: fixedWindowRun()}, &Run{Name: "after", Result: steadyRun(), Predicted: true}, DefaultSize)
	for _, f := range figs {
		if strings.HasPrefix(f.Name, "after-") || strings.HasPrefix(f.Name, "compare-") {
			if !strings.Contains(f.Title, "after (predicted)") {
				t.Errorf("%s: title %q does not say predicted", f.Name, f.Title)
			}
		}
	}
}

// TestLongRunIsDownsampled: a 50,000 s run with 2.5 M Retry-After values is
// drawn from a bounded number of points.
func TestLongRunIsDownsampled(t *testing.T) {
	r := longRun(50_000, 50)
	figs, _ := Figures(Run{Name: "long", Result: r}, nil, DefaultSize)
	for _, f := range figs {
		if f.Name != FigRetryAfter && !strings.Contains(f.Caption, "shaded band its minimum to maximum") {
			t.Errorf("%s: caption %q does not explain the band", f.Name, f.Caption)
		}
		for _, p := range f.Panels {
			for _, l := range p.Lines {
				if len(l.Points) > 2*DefaultSize.WidthPx+2 || len(l.Hi) > DefaultSize.WidthPx {
					t.Errorf("%s: line %q has %d points, %d band points", f.Name, l.Name, len(l.Points), len(l.Hi))
				}
			}
			for _, s := range p.Scatters {
				if len(s.Points) > DefaultSize.WidthPx*DefaultSize.HeightPx {
					t.Errorf("%s: scatter %q has %d points", f.Name, s.Name, len(s.Points))
				}
			}
		}
	}
}

// TestWindowsContradictedByRetryAfterAreNotDrawn: window boundaries 4.3 s
// off the ones Retry-After counts down to (as a wrong phase would put them)
// are not drawn, and a note says why.
func TestWindowsContradictedByRetryAfterAreNotDrawn(t *testing.T) {
	r := fixedWindowRun()
	*r.Limit.PhaseS += 4.3
	figs, notes := Figures(Run{Name: "before", Result: r}, nil, DefaultSize)
	for _, f := range figs {
		for _, p := range f.Panels {
			if len(p.XSpans) > 0 {
				t.Errorf("%s: windows drawn", f.Name)
			}
			for _, l := range p.Lines {
				if l.Step && strings.Contains(l.Name, "per window") {
					t.Errorf("%s: window mean drawn", f.Name)
				}
			}
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "phase_s") {
		t.Errorf("notes %q, want one about the disagreeing windows", notes)
	}
}

func TestShort(t *testing.T) {
	for v, want := range map[float64]string{19.993: "20", 400: "400", 2.345: "2.35", 0.5: "0.5", 12.26: "12.3", 1234.6: "1235"} {
		if got := short(v); got != want {
			t.Errorf("short(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestLongRunKeepsPeaks: the one-second p99 spike of a 50,000 s run and the
// swing of the per-second counts between 0 and 100 survive as the band.
func TestLongRunKeepsPeaks(t *testing.T) {
	r := longRun(50_000, 1)
	figs, _ := Figures(Run{Name: "long", Result: r}, nil, DefaultSize)
	p99 := lineByPrefix(t, figureByName(t, figs, FigResponseTimes).Panels[0], "p99")
	top := 0.0
	for _, p := range p99.Hi {
		top = math.Max(top, p.Y)
	}
	if top != 5000 {
		t.Errorf("p99 band reaches %v ms, want the 5000 ms spike", top)
	}
	// The columns are whole 60 s windows (the chart is 1,200 pixels wide, a
	// pixel 42 s): each holds 30 s at 100 and 30 s at 0 accepted per second,
	// so the band spans 0..100 and the mean is the limit's 50. The last
	// window is cut short by the end of the run.
	acc := lineByPrefix(t, figureByName(t, figs, FigThroughput).Panels[0], "accepted")
	if want := int(math.Ceil(50_000.0 / 60)); len(acc.Points) != want {
		t.Errorf("%d columns, want %d windows", len(acc.Points), want)
	}
	for i := range acc.Hi[:len(acc.Hi)-1] {
		if acc.Lo[i].Y != 0 || acc.Hi[i].Y != 100 || acc.Points[i].Y != 50 {
			t.Fatalf("column %d: mean %v band %v..%v, want 50 in 0..100", i, acc.Points[i].Y, acc.Lo[i].Y, acc.Hi[i].Y)
		}
	}
}
