package report

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"jmtune/analysis"
)

// noisySeries is n per-second points of a noisy level around 20 with
// one-second spikes to 500 at the given offsets and a drop to 0 at n/2.
func noisySeries(n int, spikes ...int) []analysis.Point {
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]analysis.Point, n)
	for i := range pts {
		pts[i] = analysis.Point{X: float64(i), Y: 20 + rng.Float64()*5}
	}
	for _, s := range spikes {
		pts[s].Y = 500
	}
	pts[n/2].Y = 0
	return pts
}

func TestMinMaxPerColumnKeepsEveryColumnsExtremes(t *testing.T) {
	const n, cols = 20000, 300
	pts := noisySeries(n, 17, 9999, 19998)
	got := MinMaxPerColumn(pts, 0, n, cols)
	if len(got) > 2*cols+2 {
		t.Fatalf("%d points for %d columns, want at most %d", len(got), cols, 2*cols+2)
	}
	if got[0] != pts[0] || got[len(got)-1] != pts[n-1] {
		t.Errorf("first/last = %v/%v, want %v/%v", got[0], got[len(got)-1], pts[0], pts[n-1])
	}
	for i := 1; i < len(got); i++ {
		if got[i].X <= got[i-1].X {
			t.Fatalf("x not increasing at %d: %v then %v", i, got[i-1], got[i])
		}
	}
	// In every pixel column the kept points have the same minimum and
	// maximum as all points of that column.
	width := float64(n) / cols
	type mm struct{ lo, hi float64 }
	extremes := func(ps []analysis.Point) map[int]mm {
		m := map[int]mm{}
		for _, p := range ps {
			c := min(int(p.X/width), cols-1)
			e, ok := m[c]
			if !ok {
				e = mm{p.Y, p.Y}
			}
			e.lo, e.hi = math.Min(e.lo, p.Y), math.Max(e.hi, p.Y)
			m[c] = e
		}
		return m
	}
	want, have := extremes(pts), extremes(got)
	if len(have) != len(want) {
		t.Fatalf("%d columns kept, want %d", len(have), len(want))
	}
	for c, w := range want {
		if have[c] != w {
			t.Errorf("column %d: min/max %v, want %v", c, have[c], w)
		}
	}
	for _, s := range []float64{17, 9999, 19998} {
		found := false
		for _, p := range got {
			if p.X == s && p.Y == 500 {
				found = true
			}
		}
		if !found {
			t.Errorf("spike at %v lost", s)
		}
	}
}

func TestMinMaxPerColumnShortSeriesUnchanged(t *testing.T) {
	pts := noisySeries(100)
	got := MinMaxPerColumn(pts, 0, 100, 50)
	if len(got) != len(pts) {
		t.Fatalf("%d points, want all %d (they fit in 2 per column)", len(got), len(pts))
	}
}

func TestMinMaxPerColumnDropsNaN(t *testing.T) {
	pts := []analysis.Point{{X: 0, Y: 1}, {X: 1, Y: math.NaN()}, {X: 2, Y: 3}, {X: math.Inf(1), Y: 4}}
	got := MinMaxPerColumn(pts, 0, 3, 10)
	want := []analysis.Point{{X: 0, Y: 1}, {X: 2, Y: 3}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestThinScatterKeepsOccupiedCells(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var pts []analysis.Point
	for i := 0; i < 200000; i++ {
		x := rng.Float64() * 1000
		pts = append(pts, analysis.Point{X: x, Y: math.Ceil(20 - math.Mod(x, 20))})
	}
	const cols, rows = 400, 100
	got := ThinScatter(pts, 0, 1000, 0, 20, cols, rows)
	if len(got) > cols*rows {
		t.Fatalf("%d points, want at most %d", len(got), cols*rows)
	}
	cell := func(p analysis.Point) [2]int {
		return [2]int{min(int(p.X/(1000.0/cols)), cols-1), min(int(p.Y/(20.0/rows)), rows-1)}
	}
	want, have := map[[2]int]bool{}, map[[2]int]bool{}
	for _, p := range pts {
		want[cell(p)] = true
	}
	for _, p := range got {
		if have[cell(p)] {
			t.Fatalf("two points kept in cell %v", cell(p))
		}
		have[cell(p)] = true
	}
	if len(have) != len(want) {
		t.Errorf("%d cells occupied after thinning, want %d", len(have), len(want))
	}
	// Order is kept: the kept points appear in the input order.
	j := 0
	for _, p := range pts {
		if j < len(got) && p == got[j] {
			j++
		}
	}
	if j != len(got) {
		t.Errorf("kept points are not in input order")
	}
}

// TestDownsampleGolden pins the downsampled form of a long series with
// spikes (sawtooth + spikes, 5000 s into 100 columns).
func TestDownsampleGolden(t *testing.T) {
	pts := make([]analysis.Point, 5000)
	for i := range pts {
		pts[i] = analysis.Point{X: float64(i), Y: float64(i % 20)}
	}
	pts[1234].Y, pts[4321].Y = 300, -5
	var b bytes.Buffer
	b.WriteString("x,y\n")
	for _, p := range MinMaxPerColumn(pts, 0, 5000, 100) {
		fmt.Fprintf(&b, "%s,%s\n", num(p.X), num(p.Y))
	}
	checkGolden(t, "downsample.golden.csv", b.Bytes())
}

func TestColumnEnvelope(t *testing.T) {
	// 1000 points, 10 columns of 100: y = x, so each column's mean is its
	// middle and its band spans it.
	pts := make([]analysis.Point, 1000)
	for i := range pts {
		pts[i] = analysis.Point{X: float64(i), Y: float64(i)}
	}
	mean, lo, hi := ColumnEnvelope(pts, 0, 1000, 10)
	if len(mean) != 10 || len(lo) != 10 || len(hi) != 10 {
		t.Fatalf("%d/%d/%d points, want 10 each", len(mean), len(lo), len(hi))
	}
	for c := range mean {
		x0 := float64(100 * c)
		if mean[c].Y != x0+49.5 || mean[c].X != x0+49.5 || lo[c].Y != x0 || hi[c].Y != x0+99 || lo[c].X != mean[c].X {
			t.Errorf("column %d: mean %v lo %v hi %v", c, mean[c], lo[c], hi[c])
		}
	}
	if m, l, h := ColumnEnvelope(pts[:20], 0, 1000, 10); len(m) != 20 || l != nil || h != nil {
		t.Errorf("a series that fits was reduced")
	}
}
