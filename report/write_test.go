package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"jmtune/internal/testenv"
)

const evilLabel = `<script>alert(1)</script>`

// writeReport writes a report of the fixtures into a new directory.
func writeReport(t *testing.T, after *Run, opt Options) (string, *Summary) {
	t.Helper()
	before := Run{Name: "before", Result: fixedWindowRun()}
	before.Result.Labels = append(before.Result.Labels, before.Result.Labels[0])
	before.Result.Labels[1].Label = evilLabel
	before.Result.Warnings = []string{"row 7: " + evilLabel + " & more"}
	before.Result.Inputs[0].File = "runs/<b>before</b>.jtl"
	dir := filepath.Join(t.TempDir(), "out")
	d, err := OpenOutDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if opt.Tool == "" {
		opt.Tool = "jmtune test"
	}
	sum, err := WriteReport(d, before, after, opt)
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteReportFiles(t *testing.T) {
	dir, sum := writeReport(t, &Run{Name: "after", Result: steadyRun()}, Options{})
	var got Summary
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, SummaryJSON))), &got); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if got.SchemaVersion != SummaryVersion || got.After == nil || got.Before.Name != "before" {
		t.Fatalf("summary.json: %+v", got)
	}
	// The table, from the fixtures' own counts: before throttled 1,854 of
	// 3,590 requests (51.6 %), after none; p95 100 ms -> 70 ms.
	b, a := fixedWindowRun(), steadyRun()
	wantShare := float64(b.Run.Throttled) / float64(b.Run.Requests) * 100
	rows := map[string]Row{}
	for _, r := range got.Comparison {
		rows[r.Metric] = r
	}
	share := rows["429 share"]
	if share.Before == nil || math.Abs(*share.Before-wantShare) > 1e-9 || *share.After != 0 {
		t.Errorf("429 share row %+v, want %v -> 0", share, wantShare)
	}
	if want := "−" + fmt.Sprintf("%.1f", wantShare) + " pp"; share.ChangeText != want {
		t.Errorf("429 share change %q, want %q", share.ChangeText, want)
	}
	acc := rows["accepted throughput"]
	if *acc.Before != b.Run.AcceptedRatePerS || *acc.After != a.Run.AcceptedRatePerS {
		t.Errorf("accepted row %+v", acc)
	}
	// The accepted rate over whole windows: the before run's windows start 7 s
	// before it, so [13,33), [33,53) and [53,73) are whole (the ones cut by
	// its start and its end at 90 s left out), and the model admitted 400 in
	// each: 20 req/s, the limit, where the whole run's rate includes the
	// burst of the cut first window. The after run has no limit of its own;
	// on the before run's grid (it starts 3,600 s later, a multiple of 20 s)
	// the same three windows are whole in its 80 s, paced at 18 req/s.
	ww := rows["accepted throughput, whole windows"]
	if ww.Before == nil || ww.After == nil || *ww.Before != 20 || *ww.After != 18 ||
		ww.BeforeText != "20.00 req/s (3 × 20 s)" || ww.AfterText != "18.00 req/s (3 × 20 s)" {
		t.Errorf("whole-window row %+v, want 20.00 req/s (3 × 20 s) -> 18.00 req/s (3 × 20 s)", ww)
	}
	if got.Before.WholeWindows != 3 || got.Before.WindowS != 20 || got.After.WholeWindows != 3 {
		t.Errorf("whole windows in summary.json: before %d of %v s, after %d; want 3 of 20 s each", got.Before.WholeWindows, got.Before.WindowS, got.After.WholeWindows)
	}
	p95 := rows["p95 response time"]
	if *p95.Before != 100 || *p95.After != 70 || p95.ChangeText != "−30%" {
		t.Errorf("p95 row %+v, want 100 -> 70 ms, −30%%", p95)
	}
	if rt := rows["run time"]; rt.BeforeText != "1 min 30 s" || rt.AfterText != "1 min 20 s" {
		t.Errorf("run time row %+v", rt)
	}
	if last := got.Verdict[len(got.Verdict)-1]; !strings.HasPrefix(last, "After: 429 share 51.6% → 0.0%") {
		t.Errorf("comparison verdict %q", last)
	}
	// Every chart named in the summary was written, and report.md links
	// each PNG.
	md := readFile(t, filepath.Join(dir, ReportMD))
	// 2 overlays, 5 charts of before, 4 of after (it has no Retry-After).
	if len(sum.Charts) != 11 {
		t.Errorf("%d charts, want 11", len(sum.Charts))
	}
	for _, c := range sum.Charts {
		for _, f := range c.Files {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("chart file: %v", err)
			}
		}
		if !strings.Contains(md, "]("+c.Files[FormatPNG]+")") {
			t.Errorf("report.md does not link %s", c.Files[FormatPNG])
		}
	}
	for _, want := range []string{"| 429 share | 51.6% | 0.0% | −51.6 pp |", "| accepted throughput, whole windows | 20.00 req/s (3 × 20 s) | 18.00 req/s (3 × 20 s) | −10% |", "| p95 response time | 100 ms | 70 ms | −30% |", "## Verdict"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// TestReportEscapesLabelsAndMessages: a label, a warning and a file name
// holding markup come out as text in index.html and report.md.
func TestReportEscapesLabelsAndMessages(t *testing.T) {
	dir, _ := writeReport(t, nil, Options{})
	page := readFile(t, filepath.Join(dir, IndexHTML))
	md := readFile(t, filepath.Join(dir, ReportMD))
	for name, doc := range map[string]string{"index.html": page, "report.md": md} {
		if strings.Contains(doc, "<script") || strings.Contains(doc, "<b>") {
			t.Errorf("%s holds raw markup from the input", name)
		}
		if !strings.Contains(doc, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s lacks the escaped label", name)
		}
		if !strings.Contains(doc, "&lt;b&gt;before&lt;/b&gt;.jtl") {
			t.Errorf("%s lacks the escaped file name", name)
		}
	}
	if !strings.Contains(md, "| &lt;script&gt;alert(1)&lt;/script&gt; | 3,590 |") {
		t.Errorf("report.md label table row not found")
	}
}

func TestMdText(t *testing.T) {
	for in, want := range map[string]string{
		"a|b":             `a\|b`,
		"*x* _y_ [l](u)":  `\*x\* \_y\_ \[l\](u)`,
		"- item":          `\- item`,
		"12. not a list":  `12\. not a list`,
		"a & b < c":       "a &amp; b &lt; c",
		"line\nbreak":     "line break",
		"`code` #1 ~x~ !": "\\`code\\` \\#1 \\~x\\~ \\!",
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPredictedAfterIsLabelled(t *testing.T) {
	dir, sum := writeReport(t, &Run{Name: "predicted", Result: steadyRun(), Predicted: true}, Options{Plan: "tuned.jmx"})
	if !sum.After.Predicted {
		t.Errorf("summary after side not marked predicted")
	}
	page := readFile(t, filepath.Join(dir, IndexHTML))
	md := readFile(t, filepath.Join(dir, ReportMD))
	if !strings.Contains(page, `class="predicted"><strong>Predicted:</strong>`) || !strings.Contains(page, "simulation of tuned.jmx") {
		t.Errorf("index.html has no predicted banner naming the plan")
	}
	if !strings.Contains(md, "> **Predicted:**") || !strings.Contains(md, "| | before | predicted | change |") {
		t.Errorf("report.md does not label the predicted side")
	}
	if v := sum.Verdict[len(sum.Verdict)-1]; !strings.HasPrefix(v, "Predicted for tuned.jmx:") {
		t.Errorf("verdict %q does not say predicted", v)
	}
}

// TestIndexHTMLIsSelfContained: no external resource; every image is an
// embedded PNG of the chart's size.
func TestIndexHTMLIsSelfContained(t *testing.T) {
	dir, sum := writeReport(t, &Run{Name: "after", Result: steadyRun()}, Options{})
	page := readFile(t, filepath.Join(dir, IndexHTML))
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(page) || strings.Contains(page, "<link") || strings.Contains(page, "<script") {
		t.Errorf("index.html refers to external resources")
	}
	imgs := regexp.MustCompile(`<img src="data:image/png;base64,([A-Za-z0-9+/=&#;]+)" alt="[^"]*" width="(\d+)" height="(\d+)">`).FindAllStringSubmatch(page, -1)
	if len(imgs) != len(sum.Charts) {
		t.Fatalf("%d embedded images, want %d", len(imgs), len(sum.Charts))
	}
	for _, m := range imgs {
		// html/template writes '+' in attributes as "&#43;".
		data, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(img.Bounds().Dx()) != m[2] || fmt.Sprint(img.Bounds().Dy()) != m[3] {
			t.Errorf("image %dx%d, attributes say %sx%s", img.Bounds().Dx(), img.Bounds().Dy(), m[2], m[3])
		}
	}
	if !strings.Contains(page, "default-src 'none'") {
		t.Errorf("no Content-Security-Policy")
	}
}

// TestIndexHTMLRendersInChromium opens index.html in headless Chromium and
// checks that the screenshot shows the page: mostly not blank, many
// colours, and the charts' accepted green among them (the embedded images
// were decoded and drawn).
func TestIndexHTMLRendersInChromium(t *testing.T) {
	chromium := testenv.Chromium(t)
	dir, _ := writeReport(t, &Run{Name: "after", Result: steadyRun()}, Options{})
	shot := filepath.Join(t.TempDir(), "shot.png")
	profile := t.TempDir()
	// The deadline only stops a hung browser; it is not a speed check.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--window-size=1200,2000", "--screenshot="+shot,
		"file://"+filepath.Join(dir, IndexHTML))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img := pngImage(t, data)
	counts := colourCounts(img)
	total := img.Bounds().Dx() * img.Bounds().Dy()
	white := counts[[3]uint8{255, 255, 255}]
	if nonWhite := total - white; nonWhite < total/20 {
		t.Errorf("screenshot is %d%% white: blank page?", white*100/total)
	}
	if len(counts) < 50 {
		t.Errorf("screenshot has %d colours, want many (text, tables, charts)", len(counts))
	}
	green := 0
	for c, n := range counts {
		// Allow for scaling and anti-aliasing around #009E73.
		if absDiff(c[0], 0x00) < 24 && absDiff(c[1], 0x9E) < 24 && absDiff(c[2], 0x73) < 24 {
			green += n
		}
	}
	if green < 100 {
		t.Errorf("only %d pixels of the accepted green: charts not shown", green)
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// FuzzMdText: whatever the text, it cannot open an HTML tag, break a table
// row or a line, or start a block.
func FuzzMdText(f *testing.F) {
	for _, s := range []string{evilLabel, "a|b\nc", "# x", "1. y", "- z", "[l](u)", "&amp;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := mdText(s)
		if strings.ContainsAny(got, "<>\n\r") {
			t.Fatalf("mdText(%q) = %q holds <, > or a line break", s, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] == '|' && (i == 0 || got[i-1] != '\\') {
				t.Fatalf("mdText(%q) = %q holds an unescaped |", s, got)
			}
		}
		if len(got) > 0 && strings.ContainsRune("#-+=>*", rune(got[0])) {
			t.Fatalf("mdText(%q) = %q starts a block", s, got)
		}
	})
}

// TestNoWholeWindowRowWithoutWindows: a run whose limit has no windows (here
// none was found) gets no whole-window row, and null in summary.json.
func TestNoWholeWindowRowWithoutWindows(t *testing.T) {
	d, err := OpenOutDir(filepath.Join(t.TempDir(), "out"), false)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := WriteReport(d, Run{Name: "steady", Result: steadyRun()}, nil, Options{Tool: "jmtune test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sum.Comparison {
		if strings.Contains(r.Metric, "whole windows") {
			t.Errorf("row %+v for a run without windows", r)
		}
	}
	if sum.Before.AcceptedRateWholeWindowsPerS != nil || sum.Before.WholeWindows != 0 {
		t.Errorf("whole-window rate %v over %d windows for a run without windows", sum.Before.AcceptedRateWholeWindowsPerS, sum.Before.WholeWindows)
	}
}
