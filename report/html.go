package report

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
)

//go:embed index.html.tmpl
var indexTemplateText string

// indexTemplate renders index.html. html/template escapes every value by
// its context, so labels and messages from the results cannot inject markup;
// the page's Content-Security-Policy also forbids scripts and any resource
// other than the embedded images, so it works offline.
var indexTemplate = template.Must(template.New("index.html").Parse(indexTemplateText))

type htmlPage struct {
	Title         string
	PredictedNote string
	Summary       *Summary
	BeforeHeader  string
	AfterHeader   string
	Facts         []Fact
	Charts        []htmlChart
	LabelTables   []htmlLabelTable
	Footnote      string
}

type htmlChart struct {
	ID, Title, Caption string
	// Src is the PNG as a data: URL (built here from bytes we drew, so it
	// is safe to mark as a URL).
	Src           template.URL
	Width, Height int
	Links         []htmlLink
}

type htmlLink struct{ Href, Text string }

type htmlLabelTable struct {
	Header string
	Rows   []htmlLabelRow
}

type htmlLabelRow struct {
	Label                                          string
	Samples, Throttled, Errors, Retries, Rate, P95 string
}

// writeHTML writes index.html: the summary with the charts embedded as
// PNG data URLs.
func writeHTML(w io.Writer, s *Summary, rendered []Rendered) error {
	page := htmlPage{Summary: s, Facts: facts(s), Footnote: footnote(s), BeforeHeader: sideHeader(s.Before)}
	page.Title = "jmtune report: " + sideHeader(s.Before)
	if s.After != nil {
		page.AfterHeader = sideHeader(*s.After)
		page.Title += " vs " + page.AfterHeader
		if s.After.Predicted {
			page.PredictedNote = fmt.Sprintf("the %s column and charts are a simulation", page.AfterHeader)
			if s.Plan != "" {
				page.PredictedNote += " of " + s.Plan
			}
			page.PredictedNote += ", not a measured run."
		}
	}
	for _, r := range rendered {
		png, ok := r.Data[FormatPNG]
		if !ok {
			continue
		}
		c := htmlChart{ID: "chart-" + r.Figure.Name, Title: r.Figure.Title, Caption: r.Figure.Caption,
			Src:   template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
			Width: r.Figure.WidthPx, Height: r.Figure.HeightPx}
		for _, f := range []string{FormatPNG, FormatSVG} {
			if _, ok := r.Data[f]; ok {
				c.Links = append(c.Links, htmlLink{Href: r.FileName(f), Text: "[" + f + "]"})
			}
		}
		page.Charts = append(page.Charts, c)
	}
	sides := []Side{s.Before}
	if s.After != nil {
		sides = append(sides, *s.After)
	}
	for _, side := range sides {
		if len(side.Labels) == 0 {
			continue
		}
		t := htmlLabelTable{Header: sideHeader(side)}
		for _, l := range side.Labels {
			t.Rows = append(t.Rows, htmlLabelRow{Label: l.Label, Samples: count(float64(l.Samples)), Throttled: count(float64(l.Throttled)),
				Errors: count(float64(l.Errors)), Retries: count(float64(l.Retries)), Rate: fixed2(l.RatePerS), P95: fmt.Sprintf("%.0f", l.P95Ms)})
		}
		page.LabelTables = append(page.LabelTables, t)
	}
	if err := indexTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("report: index.html: %w", err)
	}
	return nil
}
