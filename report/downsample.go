package report

import (
	"math"

	"jmtune/analysis"
)

// MinMaxPerColumn reduces a line series for drawing into columns pixel
// columns spanning [x0, x1]: from the points falling in each column it keeps
// the lowest and the highest (in x order), plus the first and last point of
// the series. Peaks and troughs survive, so a one-second spike in a day-long
// run still shows; the result has at most 2*columns+2 points. points must be
// sorted by X; NaN values are dropped. A series that already fits is returned
// as is (without NaNs).
func MinMaxPerColumn(points []analysis.Point, x0, x1 float64, columns int) []analysis.Point {
	points = dropNaN(points)
	if columns < 1 || len(points) <= 2*columns || !(x1 > x0) {
		return points
	}
	width := (x1 - x0) / float64(columns)
	column := func(x float64) int {
		c := int(math.Floor((x - x0) / width))
		return min(max(c, 0), columns-1)
	}
	out := make([]analysis.Point, 0, 2*columns+2)
	last := -1 // index of the last point appended
	add := func(i int) {
		if i > last {
			out = append(out, points[i])
			last = i
		}
	}
	add(0)
	cur, lo, hi := column(points[0].X), 0, 0
	flush := func() {
		a, b := lo, hi
		if a > b {
			a, b = b, a
		}
		add(a)
		add(b)
	}
	for i := 1; i < len(points); i++ {
		c := column(points[i].X)
		if c != cur {
			flush()
			cur, lo, hi = c, i, i
			continue
		}
		if points[i].Y < points[lo].Y {
			lo = i
		}
		if points[i].Y > points[hi].Y {
			hi = i
		}
	}
	flush()
	add(len(points) - 1)
	return out
}

// ColumnEnvelope reduces a line series for drawing into columns pixel
// columns spanning [x0, x1] when it has more than two points per column:
// mean holds each occupied column's mean (at the mean x of its points), lo
// and hi its minimum and maximum at the same x. Drawn as a line over a
// translucent band, a long run stays readable (the mean) without losing a
// peak (the band). A series that fits is returned as mean, with lo and hi
// nil. points must be sorted by X; NaN values are dropped.
func ColumnEnvelope(points []analysis.Point, x0, x1 float64, columns int) (mean, lo, hi []analysis.Point) {
	points = dropNaN(points)
	if columns < 1 || len(points) <= 2*columns || !(x1 > x0) {
		return points, nil, nil
	}
	width := (x1 - x0) / float64(columns)
	mean = make([]analysis.Point, 0, columns)
	lo = make([]analysis.Point, 0, columns)
	hi = make([]analysis.Point, 0, columns)
	cur := -1
	var n, sx, sy, mn, mx float64
	flush := func() {
		if n > 0 {
			x := sx / n
			mean = append(mean, analysis.Point{X: x, Y: sy / n})
			lo = append(lo, analysis.Point{X: x, Y: mn})
			hi = append(hi, analysis.Point{X: x, Y: mx})
		}
	}
	for _, p := range points {
		c := min(max(int(math.Floor((p.X-x0)/width)), 0), columns-1)
		if c != cur {
			flush()
			cur, n, sx, sy, mn, mx = c, 0, 0, 0, p.Y, p.Y
		}
		n++
		sx += p.X
		sy += p.Y
		mn, mx = math.Min(mn, p.Y), math.Max(mx, p.Y)
	}
	flush()
	return mean, lo, hi
}

// ThinScatter reduces a scatter series for drawing: of the points falling
// into one cell of a columns x rows pixel grid over [x0, x1] x [y0, y1] it
// keeps the first, so that no more than columns*rows points remain while
// every occupied pixel stays occupied. Points outside the ranges go to the
// nearest edge cell; NaN points are dropped. Order is kept.
func ThinScatter(points []analysis.Point, x0, x1, y0, y1 float64, columns, rows int) []analysis.Point {
	points = dropNaN(points)
	if columns < 1 || rows < 1 || len(points) <= columns || !(x1 > x0) {
		return points
	}
	if !(y1 > y0) {
		y1 = y0 + 1
	}
	cw := (x1 - x0) / float64(columns)
	rh := (y1 - y0) / float64(rows)
	seen := make([]uint64, (columns*rows+63)/64)
	out := make([]analysis.Point, 0, min(len(points), 4*columns))
	for _, p := range points {
		c := min(max(int(math.Floor((p.X-x0)/cw)), 0), columns-1)
		r := min(max(int(math.Floor((p.Y-y0)/rh)), 0), rows-1)
		k := c*rows + r
		if seen[k/64]&(1<<(k%64)) != 0 {
			continue
		}
		seen[k/64] |= 1 << (k % 64)
		out = append(out, p)
	}
	return out
}

// dropNaN returns points without NaN or infinite coordinates; it returns
// points itself when all are finite.
func dropNaN(points []analysis.Point) []analysis.Point {
	bad := func(p analysis.Point) bool {
		return math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0)
	}
	n := 0
	for _, p := range points {
		if bad(p) {
			n++
		}
	}
	if n == 0 {
		return points
	}
	out := make([]analysis.Point, 0, len(points)-n)
	for _, p := range points {
		if !bad(p) {
			out = append(out, p)
		}
	}
	return out
}
