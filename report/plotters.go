package report

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"jmtune/analysis"
)

// The plotters below draw reference elements across the whole data area
// (limits, bands, windows, markers), which gonum/plot's plotters, bound to
// data points, do not.

// hLinePlotter is a horizontal line at Y across the panel.
type hLinePlotter struct {
	y     float64
	style draw.LineStyle
}

func (h hLinePlotter) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.y)
	if c.ContainsY(y) {
		c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
	}
}

func (h hLinePlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.y, h.y
}

func (h hLinePlotter) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// hBandPlotter fills [lo, hi] of y across the panel.
type hBandPlotter struct {
	lo, hi float64
	fill   color.Color
}

func (h hBandPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y0, y1 := trY(h.lo), trY(h.hi)
	y0 = max(min(y0, c.Max.Y), c.Min.Y)
	y1 = max(min(y1, c.Max.Y), c.Min.Y)
	if y1 > y0 {
		c.FillPolygon(h.fill, rect(c.Min.X, y0, c.Max.X, y1))
	}
}

func (h hBandPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.lo, h.hi
}

func (h hBandPlotter) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(h.fill, rect(c.Min.X, c.Min.Y, c.Max.X, c.Max.Y))
}

// xSpansPlotter fills vertical bands [from, to) over the full panel height.
type xSpansPlotter struct {
	spans [][2]float64
	fill  color.Color
}

func (s xSpansPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, sp := range s.spans {
		x0 := max(min(trX(sp[0]), c.Max.X), c.Min.X)
		x1 := max(min(trX(sp[1]), c.Max.X), c.Min.X)
		if x1 > x0 {
			c.FillPolygon(s.fill, rect(x0, c.Min.Y, x1, c.Max.Y))
		}
	}
}

func (s xSpansPlotter) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.fill, rect(c.Min.X, c.Min.Y, c.Max.X, c.Max.Y))
}

// markerPlotter is a vertical line at x with a label written upwards along
// it, on a translucent white backing so that it stays readable over data.
type markerPlotter struct {
	x     float64
	label string
	style draw.LineStyle
	text  text.Style
}

func (m markerPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(m.x)
	if !c.ContainsX(x) {
		return
	}
	c.StrokeLine2(m.style, x, c.Min.Y, x, c.Max.Y)
	if m.label == "" {
		return
	}
	sty := m.text
	sty.Rotation = math.Pi / 2
	sty.XAlign = draw.XLeft
	sty.YAlign = draw.YBottom
	w := sty.Width(m.label)
	h := sty.Height(m.label)
	pad := vg.Points(3)
	y0 := c.Min.Y + vg.Points(6)
	// Turned a quarter counter-clockwise, the text runs up from y0 and its
	// glyphs extend leftwards of the anchor by their height.
	c.FillPolygon(color.NRGBA{R: 255, G: 255, B: 255, A: 200}, rect(x+vg.Points(1), y0-pad, x+h+2*pad, y0+w+pad))
	c.FillText(sty, vg.Point{X: x + pad + h, Y: y0}, m.label)
}

func (m markerPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	return m.x, m.x, math.Inf(1), math.Inf(-1)
}

// envelopePlotter fills the band between lo and hi (same x values), in
// pieces of maxPathPoints columns for the rasteriser's sake (see
// maxPathPoints).
type envelopePlotter struct {
	lo, hi []analysis.Point
	fill   color.Color
}

func (e envelopePlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i := 0; i < len(e.lo)-1; i += maxPathPoints - 1 {
		j := min(i+maxPathPoints, len(e.lo))
		poly := make([]vg.Point, 0, 2*(j-i))
		for k := i; k < j; k++ {
			poly = append(poly, vg.Point{X: trX(e.hi[k].X), Y: trY(e.hi[k].Y)})
		}
		for k := j - 1; k >= i; k-- {
			poly = append(poly, vg.Point{X: trX(e.lo[k].X), Y: trY(e.lo[k].Y)})
		}
		c.FillPolygon(e.fill, poly)
	}
}

func (e envelopePlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range e.lo {
		xmin, xmax = math.Min(xmin, e.lo[i].X), math.Max(xmax, e.lo[i].X)
		ymin, ymax = math.Min(ymin, e.lo[i].Y), math.Max(ymax, e.hi[i].Y)
	}
	return
}

// rect is the closed polygon of a rectangle.
func rect(x0, y0, x1, y1 vg.Length) []vg.Point {
	return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
}
