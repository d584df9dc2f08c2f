package report

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"strings"
	"testing"
)

// pngImage decodes data as a PNG.
func pngImage(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

// colourCounts counts the pixels of each colour (8-bit RGB).
func colourCounts(img image.Image) map[[3]uint8]int {
	counts := map[[3]uint8]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			counts[[3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}]++
		}
	}
	return counts
}

func hexRGB(t *testing.T, hex string) [3]uint8 {
	c, err := parseColour(hex, 1)
	if err != nil {
		t.Fatal(err)
	}
	return [3]uint8{c.R, c.G, c.B}
}

func TestRenderPNG(t *testing.T) {
	figs, _ := Figures(Run{Name: "before", Result: fixedWindowRun()}, &Run{Name: "after", Result: steadyRun()}, Size{WidthPx: 1000, HeightPx: 500})
	for _, f := range figs {
		data, err := f.Render(FormatPNG)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		img := pngImage(t, data)
		if b := img.Bounds(); b.Dx() != f.WidthPx || b.Dy() != f.HeightPx {
			t.Errorf("%s.png is %dx%d, want %dx%d", f.Name, b.Dx(), b.Dy(), f.WidthPx, f.HeightPx)
		}
		counts := colourCounts(img)
		white := counts[[3]uint8{255, 255, 255}]
		total := f.WidthPx * f.HeightPx
		if white > total*98/100 {
			t.Errorf("%s.png is %d%% white: nearly blank", f.Name, white*100/total)
		}
		// The first line of the first panel is drawn in its palette colour.
		want := ""
		if p := f.Panels[0]; len(p.Lines) > 0 {
			want = p.Lines[0].Colour
		} else if len(p.Scatters) > 0 {
			continue // translucent dots blend with the background
		}
		if want != "" && counts[hexRGB(t, want)] < 50 {
			t.Errorf("%s.png: only %d pixels of %s (the first line's colour)", f.Name, counts[hexRGB(t, want)], want)
		}
	}
	// The two-panel load chart is 1.5 times as tall.
	load := figureByName(t, figs, FigLoad)
	if load.HeightPx != 750 {
		t.Errorf("load chart height %d, want 750", load.HeightPx)
	}
}

func TestRenderSVG(t *testing.T) {
	r := fixedWindowRun()
	f := throughputFigure(Run{Name: `<script>alert(1)</script> & "x"`, Result: r}, "", DefaultSize)
	data, err := f.Render(FormatSVG)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name
		Width   string `xml:"width,attr"`
		Height  string `xml:"height,attr"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("SVG does not parse: %v", err)
	}
	// 1200 x 600 px at 96 dpi = 900 x 450 pt.
	if doc.XMLName.Local != "svg" || doc.Width != "900pt" || doc.Height != "450pt" {
		t.Errorf("root <%s width=%q height=%q>, want <svg width=\"900pt\" height=\"450pt\">", doc.XMLName.Local, doc.Width, doc.Height)
	}
	if bytes.Contains(data, []byte("<script>")) {
		t.Errorf("the run name's <script> tag reached the SVG unescaped")
	}
	// Walk every text element: the title comes back intact after decoding.
	dec := xml.NewDecoder(bytes.NewReader(data))
	found := false
	inText := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			inText = tk.Name.Local == "text"
		case xml.CharData:
			if inText && strings.Contains(string(tk), `Throughput per second — <script>alert(1)</script> & "x"`) {
				found = true
			}
		case xml.EndElement:
			inText = false
		}
	}
	if !found {
		t.Errorf("the title is not among the SVG's text elements")
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	f := throughputFigure(Run{Name: "x", Result: fixedWindowRun()}, "", DefaultSize)
	if _, err := f.Render("gif"); err == nil || !strings.Contains(err.Error(), "gif") {
		t.Errorf("err = %v, want one naming the format", err)
	}
}

// BenchmarkChartsLongRun draws every chart of a 50,000 s run (about 5 M
// rows at 100 req/s) with 2.5 M Retry-After values, as PNG.
func BenchmarkChartsLongRun(b *testing.B) {
	r := longRun(50_000, 50)
	b.ResetTimer()
	for b.Loop() {
		figs, _ := Figures(Run{Name: "long", Result: r}, nil, DefaultSize)
		if _, err := RenderAll(figs, []string{FormatPNG}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPathChunks(t *testing.T) {
	pts := noisySeries(200)
	parts := pathChunks(pts)
	n := 0
	for i, p := range parts {
		if len(p) > maxPathPoints || len(p) < 2 {
			t.Errorf("piece %d has %d points", i, len(p))
		}
		if i > 0 && p[0] != parts[i-1][len(parts[i-1])-1] {
			t.Errorf("piece %d does not start where piece %d ends", i, i-1)
		}
		n += len(p) - 1
	}
	if n != len(pts)-1 {
		t.Errorf("pieces cover %d segments, want %d", n, len(pts)-1)
	}
	if got := pathChunks(pts[:10]); len(got) != 1 || len(got[0]) != 10 {
		t.Errorf("a short line was split")
	}
}
