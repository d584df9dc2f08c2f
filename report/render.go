package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	xfont "golang.org/x/image/font"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"jmtune/analysis"
)

// Formats Render can write.
const (
	FormatPNG = "png"
	FormatSVG = "svg"
)

// pixel is the length of one pixel: PNGs are drawn at 96 dpi.
const pixel = vg.Inch / vgimg.DefaultDPI

// Font sizes (points).
const (
	titleSize  = 14
	labelSize  = 11
	tickSize   = 10
	legendSize = 10
)

func sans(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

// Render draws f as "png" or "svg" and returns the file's bytes.
func (f *Figure) Render(format string) ([]byte, error) {
	if f.WidthPx <= 0 || f.HeightPx <= 0 {
		return nil, fmt.Errorf("report: figure %s has no size", f.Name)
	}
	w, h := vg.Length(f.WidthPx)*pixel, vg.Length(f.HeightPx)*pixel
	var buf bytes.Buffer
	switch format {
	case FormatPNG:
		c := vgimg.New(w, h)
		if err := f.draw(draw.New(c)); err != nil {
			return nil, err
		}
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("report: %s.png: %w", f.Name, err)
		}
	case FormatSVG:
		c := vgsvg.New(w, h)
		if err := f.draw(draw.New(c)); err != nil {
			return nil, err
		}
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, fmt.Errorf("report: %s.svg: %w", f.Name, err)
		}
	default:
		return nil, fmt.Errorf("report: unknown chart format %q (want png or svg)", format)
	}
	return buf.Bytes(), nil
}

// draw draws the figure title and its panels onto dc.
func (f *Figure) draw(dc draw.Canvas) error {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	dc = draw.Crop(dc, vg.Points(8), -vg.Points(12), vg.Points(6), -vg.Points(6))
	if f.Title != "" {
		sty := text.Style{Color: color.Black, Font: sans(titleSize, true), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
		dc.FillText(sty, vg.Point{X: dc.Center().X, Y: dc.Max.Y}, f.Title)
		dc.Max.Y -= sty.Height(f.Title) + vg.Points(6)
	}
	plots := make([]*plot.Plot, len(f.Panels))
	for i := range f.Panels {
		rows := 1
		if f.Layout == Stacked {
			rows = len(f.Panels)
		}
		p, err := f.Panels[i].plot(dc.Max.Y-dc.Min.Y, rows)
		if err != nil {
			return fmt.Errorf("report: figure %s: %w", f.Name, err)
		}
		plots[i] = p
	}
	switch {
	case len(plots) == 0:
		return nil
	case f.Layout == WideNarrow && len(plots) == 2:
		split := dc.Min.X + (dc.Max.X-dc.Min.X)*7/10
		left, right := dc, dc
		left.Max.X = split - vg.Points(6)
		right.Min.X = split + vg.Points(6)
		plots[0].Draw(left)
		plots[1].Draw(right)
	default:
		grid := make([][]*plot.Plot, len(plots))
		for i, p := range plots {
			grid[i] = []*plot.Plot{p}
		}
		tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(10)}
		canvases := plot.Align(grid, tiles, dc)
		for i, p := range plots {
			p.Draw(canvases[i][0])
		}
	}
	return nil
}

// plot builds the gonum plot of a panel; height is the figure's drawing
// height and rows the panels stacked in it (to size the legend's headroom).
func (pn *Panel) plot(height vg.Length, rows int) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = pn.Title
	p.Title.TextStyle.Font = sans(labelSize+1, true)
	p.X.Label.Text = pn.XLabel
	p.Y.Label.Text = pn.YLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(labelSize, false)
		a.Tick.Label.Font = sans(tickSize, false)
	}
	p.Legend.TextStyle.Font = sans(legendSize, false)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Points(24)
	p.Legend.Padding = vg.Points(1)

	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	p.Add(grid)

	// Legend entries are collected in drawing order and listed data first,
	// then references (limits, bands, windows).
	type entry struct {
		name string
		t    plot.Thumbnailer
		rank int
	}
	var entries []entry
	rank := 0
	addLegend := func(name string, t plot.Thumbnailer) {
		if name != "" {
			entries = append(entries, entry{name, t, rank})
		}
	}

	// Bands and spans first, so that data draw over them.
	spansByName := map[string]int{}
	var spans []xSpansPlotter
	var spanNames []string
	for _, s := range pn.XSpans {
		i, ok := spansByName[s.Name+s.Colour]
		if !ok {
			fill, err := parseColour(s.Colour, 0.18)
			if err != nil {
				return nil, err
			}
			i = len(spans)
			spansByName[s.Name+s.Colour] = i
			spans = append(spans, xSpansPlotter{fill: fill})
			spanNames = append(spanNames, s.Name)
		}
		spans[i].spans = append(spans[i].spans, [2]float64{s.From, s.To})
	}
	rank = 4
	for i, s := range spans {
		p.Add(s)
		addLegend(spanNames[i], s)
	}
	rank = 3
	for _, b := range pn.HBands {
		fill, err := parseColour(b.Colour, 0.3)
		if err != nil {
			return nil, err
		}
		hb := hBandPlotter{lo: b.Lo, hi: b.Hi, fill: fill}
		p.Add(hb)
		addLegend(b.Name, hb)
	}
	if len(pn.Bars) > 0 {
		for _, b := range pn.Bars {
			fill, err := parseColour(b.Colour, 0.85)
			if err != nil {
				return nil, err
			}
			h := &plotter.Histogram{
				Bins:      []plotter.HistogramBin{{Min: b.X - b.Width/2, Max: b.X + b.Width/2, Weight: b.Count}},
				Width:     b.Width,
				FillColor: fill,
				LineStyle: draw.LineStyle{Width: 0},
			}
			p.Add(h)
		}
		p.X.Tick.Marker = integerTicker{}
	}
	// Bands of reduced lines under all lines.
	for _, l := range pn.Lines {
		if len(l.Lo) == 0 || len(l.Lo) != len(l.Hi) {
			continue
		}
		fill, err := parseColour(l.Colour, 0.3)
		if err != nil {
			return nil, err
		}
		p.Add(envelopePlotter{lo: l.Lo, hi: l.Hi, fill: fill})
	}
	rank = 0
	for _, l := range pn.Lines {
		if len(l.Points) == 0 {
			continue
		}
		c, err := parseColour(l.Colour, 1)
		if err != nil {
			return nil, err
		}
		for k, part := range pathChunks(l.Points) {
			line, err := plotter.NewLine(xys(part))
			if err != nil {
				return nil, fmt.Errorf("line %q: %w", l.Name, err)
			}
			line.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.4)}
			if l.Dashed {
				line.LineStyle.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
			}
			if l.Step {
				line.StepStyle = plotter.PostStep
			}
			p.Add(line)
			if k == 0 {
				addLegend(l.Name, line)
			}
		}
	}
	rank = 1
	for _, s := range pn.Scatters {
		if len(s.Points) == 0 {
			continue
		}
		c, err := parseColour(s.Colour, 0.55)
		if err != nil {
			return nil, err
		}
		sc, err := plotter.NewScatter(xys(s.Points))
		if err != nil {
			return nil, fmt.Errorf("scatter %q: %w", s.Name, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		addLegend(s.Name, sc)
	}
	rank = 2
	for _, h := range pn.HLines {
		c, err := parseColour(h.Colour, 1)
		if err != nil {
			return nil, err
		}
		hl := hLinePlotter{y: h.Y, style: draw.LineStyle{Color: c, Width: vg.Points(1.6)}}
		if h.Dashed {
			hl.style.Dashes = []vg.Length{vg.Points(8), vg.Points(4)}
		}
		p.Add(hl)
		addLegend(h.Name, hl)
	}
	for _, m := range pn.Markers {
		c, err := parseColour(m.Colour, 1)
		if err != nil {
			return nil, err
		}
		p.Add(markerPlotter{x: m.X, label: m.Label,
			style: draw.LineStyle{Color: c, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}},
			text:  text.Style{Color: c, Font: sans(legendSize, false), Handler: plot.DefaultTextHandler}})
	}

	sort.SliceStable(entries, func(i, j int) bool { return entries[i].rank < entries[j].rank })
	for _, e := range entries {
		p.Legend.Add(e.name, e.t)
	}
	legend := len(entries)

	if pn.TimeAxis {
		p.X.Min = math.Min(0, finiteOr(p.X.Min, 0))
		p.X.Max = math.Max(finiteOr(p.X.Max, 1), pn.XMax)
		cf := clockFormatFor(p.X.Max - p.X.Min)
		p.X.Tick.Marker = timeTicker{f: cf}
		p.X.Label.Text += " (" + cf.unit() + ")"
	}
	if p.Y.Tick.Marker == (plot.DefaultTicks{}) {
		p.Y.Tick.Marker = plainTicker{}
	}
	if pn.YFromZero {
		p.Y.Min = 0
		p.Y.Max = math.Max(finiteOr(p.Y.Max, 1), 1)
	}
	if len(pn.Bars) > 0 {
		p.Y.Max *= 1.05 // the tallest bar does not touch the frame
	}
	// Headroom above the data for the legend, which is drawn inside the
	// plot area at the top: scale the y axis so that the legend's share of
	// the data area's height stays empty.
	if legend > 0 && !math.IsInf(p.Y.Max, 0) {
		dataH := height/vg.Length(rows) - vg.Points(60)
		legendH := vg.Length(legend) * (p.Legend.TextStyle.Height("Xg") + p.Legend.Padding)
		share := float64(legendH/dataH) + 0.04
		if share > 0 && share < 0.75 {
			lo := finiteOr(p.Y.Min, 0)
			p.Y.Max = lo + (p.Y.Max-lo)/(1-share)
		}
	}
	return p, nil
}

// maxPathPoints is the most points stroked as one path. The rasteriser
// behind vgimg keeps a list of cells per scan line and searches it for every
// new cell, so a long path that swings across the whole plot height again
// and again (per-second counts under a window limiter) costs time
// quadratic in its length: 2,400 such points took minutes. Stroked in
// pieces of this many points, the same line takes milliseconds and looks
// the same (pieces share their end points).
const maxPathPoints = 64

// pathChunks splits a polyline into pieces of at most maxPathPoints points,
// each starting where the previous one ended.
func pathChunks(pts []analysis.Point) [][]analysis.Point {
	if len(pts) <= maxPathPoints {
		return [][]analysis.Point{pts}
	}
	var out [][]analysis.Point
	for i := 0; i < len(pts)-1; i += maxPathPoints - 1 {
		out = append(out, pts[i:min(i+maxPathPoints, len(pts))])
	}
	return out
}

func finiteOr(v, def float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return def
	}
	return v
}

// xys converts points for gonum/plot.
func xys(ps []analysis.Point) plotter.XYs {
	out := make(plotter.XYs, len(ps))
	for i, p := range ps {
		out[i].X, out[i].Y = p.X, p.Y
	}
	return out
}

// plainTicker is gonum's default ticker with labels written without
// trailing zeros ("50", not "50.00").
type plainTicker struct{}

// Ticks implements plot.Ticker.
func (plainTicker) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'g', 10, 64)
		}
	}
	return ticks
}

// integerTicker ticks whole numbers only (histogram of whole seconds).
type integerTicker struct{}

// Ticks implements plot.Ticker.
func (integerTicker) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	out := ticks[:0]
	for _, t := range ticks {
		if t.Label != "" && t.Value != math.Round(t.Value) {
			continue
		}
		out = append(out, t)
	}
	return out
}
