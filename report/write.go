package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
)

// Options configure WriteCharts and WriteReport.
type Options struct {
	// Size of a single-panel chart; zero means DefaultSize.
	Size Size
	// Formats are the chart formats to write ("png", "svg"); nil means
	// both. WriteReport always writes PNGs, which its pages embed and link.
	Formats []string
	// Tool is "jmtune <version>", written into the report's footnote.
	Tool string
	// Plan is the tuned plan a predicted after side is for (shown in the
	// report); "" when none.
	Plan string
	// Filter is the sample filter the runs were read with, as the flags
	// that made it (--label "GET" --from 30s); "" when none. It is shown
	// with what the analysis found and in summary.json.
	Filter string
}

// Rendered is a figure drawn in one or more formats.
type Rendered struct {
	Figure *Figure
	// Data are the file contents by format.
	Data map[string][]byte
}

// FileName is the figure's file name in format.
func (r *Rendered) FileName(format string) string { return r.Figure.Name + "." + format }

// RenderAll draws every figure in every format, using the available CPUs.
func RenderAll(figs []*Figure, formats []string) ([]Rendered, error) {
	out := make([]Rendered, len(figs))
	jobs := make(chan int)
	errs := make([]error, len(figs))
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(figs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i] = Rendered{Figure: figs[i], Data: map[string][]byte{}}
				for _, f := range formats {
					data, err := figs[i].Render(f)
					if err != nil {
						errs[i] = err
						break
					}
					out[i].Data[f] = data
				}
			}
		}()
	}
	for i := range figs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkFormats validates formats; nil means png and svg.
func checkFormats(formats []string) ([]string, error) {
	if len(formats) == 0 {
		return []string{FormatPNG, FormatSVG}, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range formats {
		if f != FormatPNG && f != FormatSVG {
			return nil, fmt.Errorf("unknown chart format %q (want png or svg)", f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// WriteCharts draws the charts of before (and after, with the overlays)
// into dir. It returns the notes on charts left out.
func WriteCharts(dir *OutDir, before Run, after *Run, opt Options) (notes []string, err error) {
	formats, err := checkFormats(opt.Formats)
	if err != nil {
		return nil, err
	}
	figs, notes := Figures(before, after, opt.Size)
	rendered, err := RenderAll(figs, formats)
	if err != nil {
		return nil, err
	}
	for i := range rendered {
		for _, f := range formats {
			if _, err := dir.WriteFile(rendered[i].FileName(f), rendered[i].Data[f]); err != nil {
				return nil, err
			}
		}
	}
	return notes, nil
}

// Report file names.
const (
	IndexHTML   = "index.html"
	ReportMD    = "report.md"
	SummaryJSON = "summary.json"
)

// WriteReport writes the charts (PNG, plus the other opt.Formats), and
// index.html, report.md and summary.json into dir. after may be nil, or a
// predicted run (Run.Predicted). It returns the summary it wrote.
func WriteReport(dir *OutDir, before Run, after *Run, opt Options) (*Summary, error) {
	if before.Result == nil {
		return nil, fmt.Errorf("report: no result for %s", before.Name)
	}
	if after != nil && after.Result == nil {
		after = nil
	}
	formats, err := checkFormats(opt.Formats)
	if err != nil {
		return nil, err
	}
	if !contains(formats, FormatPNG) {
		formats = append([]string{FormatPNG}, formats...)
	}
	figs, notes := Figures(before, after, opt.Size)
	rendered, err := RenderAll(figs, formats)
	if err != nil {
		return nil, err
	}
	charts := make([]ChartRef, len(rendered))
	for i := range rendered {
		charts[i] = ChartRef{Name: rendered[i].Figure.Name, Title: rendered[i].Figure.Title, Caption: rendered[i].Figure.Caption, Files: map[string]string{}}
		for _, f := range formats {
			charts[i].Files[f] = rendered[i].FileName(f)
		}
	}
	sum := newSummary(before, after, opt, charts, notes)

	js, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: summary.json: %w", err)
	}
	js = append(js, '\n')
	var md bytes.Buffer
	writeMarkdown(&md, sum)
	var page bytes.Buffer
	if err := writeHTML(&page, sum, rendered); err != nil {
		return nil, err
	}

	for i := range rendered {
		for _, f := range formats {
			if _, err := dir.WriteFile(rendered[i].FileName(f), rendered[i].Data[f]); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{SummaryJSON, js}, {ReportMD, md.Bytes()}, {IndexHTML, page.Bytes()}} {
		if _, err := dir.WriteFile(f.name, f.data); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
