package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"jmtune/analysis"
)

// Figure is one chart file: one or more panels drawn into one image. It says
// what to draw, not how; Render draws it.
type Figure struct {
	// Name is the file name without extension, e.g. "throughput".
	Name string
	// Title is the figure's title (also the alt text in HTML).
	Title string
	// Caption is one sentence that says how to read the chart.
	Caption string
	// WidthPx and HeightPx are the image size in pixels (PNG at 96 dpi; SVG
	// gets the same size in points times 0.75).
	WidthPx, HeightPx int
	// Layout says how the panels share the image.
	Layout Layout
	Panels []Panel
}

// Layout arranges the panels of a Figure.
type Layout int

const (
	// Stacked puts the panels one above the other, their axes aligned.
	Stacked Layout = iota
	// WideNarrow puts two panels side by side, the first 70 % wide.
	WideNarrow
)

// Panel is one plot area with its axes.
type Panel struct {
	Title  string
	XLabel string
	YLabel string
	// TimeAxis makes the x axis seconds since the start of the run, ticked
	// in seconds or m:ss (h:mm:ss for long runs).
	TimeAxis bool
	// YFromZero pins the y axis at zero (counts and rates).
	YFromZero bool
	// XMax, when > 0, extends the x axis to at least this value (the run's
	// length, so that an idle tail still shows).
	XMax float64

	Lines    []Line
	Scatters []Scatter
	Bars     []Bar
	HLines   []HLine
	HBands   []HBand
	XSpans   []XSpan
	Markers  []Marker
}

// Line is a series drawn as a polyline (already downsampled for drawing).
type Line struct {
	Name   string
	Colour string
	Dashed bool
	// Step draws the series as steps (the value holds until the next point).
	Step   bool
	Points []analysis.Point
	// Lo and Hi, when set, are the minimum and maximum of each pixel column
	// the series was reduced to (Points then holds the column means), drawn
	// as a translucent band (see ColumnEnvelope).
	Lo, Hi []analysis.Point
}

// Scatter is a series drawn as small dots (already thinned for drawing).
type Scatter struct {
	Name   string
	Colour string
	Points []analysis.Point
}

// Bar is one histogram bar covering [X-Width/2, X+Width/2].
type Bar struct {
	X, Width, Count float64
	Colour          string
}

// HLine is a horizontal reference line across the whole panel (a limit).
type HLine struct {
	Name   string
	Colour string
	Dashed bool
	Y      float64
}

// HBand is a translucent horizontal band (an interval of y, e.g. a
// confidence interval of the limit).
type HBand struct {
	Name   string
	Colour string
	Lo, Hi float64
}

// XSpan is a translucent vertical band over [From, To) (e.g. alternate
// rate-limit windows). Spans sharing a Name get one legend entry.
type XSpan struct {
	Name     string
	Colour   string
	From, To float64
}

// Marker is a vertical line at X with a label (e.g. the throttling onset).
type Marker struct {
	Label  string
	Colour string
	X      float64
}

// WriteText writes f as plain text, one element per line with its points:
// the form golden files compare.
func (f *Figure) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "figure %s %q %dx%d layout=%d\n", f.Name, f.Title, f.WidthPx, f.HeightPx, f.Layout)
	fmt.Fprintf(&b, "caption %q\n", f.Caption)
	for i, p := range f.Panels {
		fmt.Fprintf(&b, "panel %d %q x=%q y=%q time=%v zero=%v xmax=%s\n", i, p.Title, p.XLabel, p.YLabel, p.TimeAxis, p.YFromZero, num(p.XMax))
		for _, s := range p.XSpans {
			fmt.Fprintf(&b, "  xspan %q %s [%s,%s)\n", s.Name, s.Colour, num(s.From), num(s.To))
		}
		for _, h := range p.HBands {
			fmt.Fprintf(&b, "  hband %q %s [%s,%s]\n", h.Name, h.Colour, num(h.Lo), num(h.Hi))
		}
		for _, h := range p.HLines {
			fmt.Fprintf(&b, "  hline %q %s dashed=%v y=%s\n", h.Name, h.Colour, h.Dashed, num(h.Y))
		}
		for _, l := range p.Lines {
			fmt.Fprintf(&b, "  line %q %s dashed=%v step=%v n=%d:%s\n", l.Name, l.Colour, l.Dashed, l.Step, len(l.Points), pointsText(l.Points))
			if l.Lo != nil {
				fmt.Fprintf(&b, "    lo n=%d:%s\n    hi n=%d:%s\n", len(l.Lo), pointsText(l.Lo), len(l.Hi), pointsText(l.Hi))
			}
		}
		for _, s := range p.Scatters {
			fmt.Fprintf(&b, "  scatter %q %s n=%d:%s\n", s.Name, s.Colour, len(s.Points), pointsText(s.Points))
		}
		for _, r := range p.Bars {
			fmt.Fprintf(&b, "  bar x=%s w=%s count=%s %s\n", num(r.X), num(r.Width), num(r.Count), r.Colour)
		}
		for _, m := range p.Markers {
			fmt.Fprintf(&b, "  marker %q %s x=%s\n", m.Label, m.Colour, num(m.X))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pointsText(ps []analysis.Point) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteByte(' ')
		b.WriteString(num(p.X))
		b.WriteByte(',')
		b.WriteString(num(p.Y))
	}
	return b.String()
}

// num formats v with up to 6 significant digits.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
