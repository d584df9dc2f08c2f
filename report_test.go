package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jmtune/jtl"
	"jmtune/report"
)

func readSummary(t *testing.T, dir string) *report.Summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, report.SummaryJSON))
	if err != nil {
		t.Fatal(err)
	}
	var s report.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	return &s
}

// TestReportScenario reports a real JMeter run and checks the summary
// against the scenario's own facts (../shared/scenarios/README.md: 3737
// rows, 48.4 % throttled; the server's fixed window of 400 per 20 s).
func TestReportScenario(t *testing.T) {
	for _, file := range []string{"results.csv", "results.xml"} {
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			stdout, stderr, code := runCLI("report", "-l", scenarioFile(t, scenarioP1, file), "-o", dir, "--force")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			s := readSummary(t, dir)
			if s.Before.Requests != 3737 || math.Abs(s.Before.ThrottledShare-0.484) > 0.001 {
				t.Errorf("requests %d, throttled share %.4f; want 3737 and 0.484", s.Before.Requests, s.Before.ThrottledShare)
			}
			if !s.Limit.Detected || s.Limit.Algorithm != "fixed-window" {
				t.Errorf("limit %+v, want a fixed window", s.Limit)
			}
			if s.Before.P95Ms == nil || *s.Before.P95Ms <= 0 {
				t.Errorf("no p95 in the table")
			}
			if s.After != nil {
				t.Errorf("after side without --after")
			}
			// The server's windows (truth.json) end at 885.680 + 20k s; the
			// run covers 887.6 to 976.6 s, so [905.68, 965.68) holds its
			// whole windows: 3, in which the server admitted 400 each on the
			// limited label plus 18 unlimited token requests (counted from
			// results.csv): 1218 / 60 s = 20.3 req/s, give or take the
			// 1 s buckets the rate is taken from.
			if s.Before.WholeWindows != 3 || s.Before.AcceptedRateWholeWindowsPerS == nil || math.Abs(*s.Before.AcceptedRateWholeWindowsPerS-20.3) > 0.2 {
				t.Errorf("whole windows %d, rate %v; want 3 and 20.3 req/s", s.Before.WholeWindows, s.Before.AcceptedRateWholeWindowsPerS)
			}
			for _, f := range []string{report.IndexHTML, report.ReportMD, report.SummaryJSON, "throughput.png", "retry-after.png"} {
				if !strings.Contains(stdout, "wrote "+filepath.Join(dir, f)+"\n") {
					t.Errorf("stdout does not list %s", f)
				}
			}
			if !strings.Contains(stdout, s.Verdict[0]) {
				t.Errorf("stdout does not end with the verdict")
			}
			md, _ := os.ReadFile(filepath.Join(dir, report.ReportMD))
			if !strings.Contains(string(md), "| 429 share | 48.4% |") {
				t.Errorf("report.md lacks the 429 share row")
			}
		})
	}
}

// TestReportPredicted shows another real run as the predicted after side
// for a plan, given as an analysis JSON and as a JTL file (what a simulator
// writes): labelled predicted everywhere.
func TestReportPredicted(t *testing.T) {
	tmp := t.TempDir()
	pred := filepath.Join(tmp, "predicted.json")
	stdout, stderr, code := runCLI("analyze", "--format", "json", "--series", scenarioFile(t, scenarioP2, "results.csv"))
	if code != 0 {
		t.Fatalf("analyze: exit %d: %s", code, stderr)
	}
	os.WriteFile(pred, []byte(stdout), 0o644)
	for _, p := range []string{pred, scenarioFile(t, scenarioP2, "results.csv")} {
		t.Run(filepath.Ext(p), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			_, stderr, code := runCLI("report", "-l", scenarioFile(t, scenarioP1, "results.csv"), "--predicted", p, "-t", "tuned.jmx", "-o", dir)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			s := readSummary(t, dir)
			if s.After == nil || !s.After.Predicted || s.After.Name != "predicted" || s.Plan != "tuned.jmx" {
				t.Fatalf("after %+v plan %q, want a predicted side for tuned.jmx", s.After, s.Plan)
			}
			if last := s.Verdict[len(s.Verdict)-1]; !strings.HasPrefix(last, "Predicted for tuned.jmx: 429 share 48.4% → 41.0%") {
				t.Errorf("verdict %q", last)
			}
			page, _ := os.ReadFile(filepath.Join(dir, report.IndexHTML))
			if !strings.Contains(string(page), "<strong>Predicted:</strong>") {
				t.Errorf("index.html has no predicted banner")
			}
			if _, err := os.Stat(filepath.Join(dir, "compare-throughput.png")); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestReportPredictedNotAnalysis(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"hello": 1}`), 0o644)
	_, stderr, code := runCLI("report", "-l", scenarioFile(t, scenarioP1, "results.csv"), "--predicted", bad, "-o", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "not an analysis JSON") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestReportSimulatesPlan: with -t and no after run, the plan is played in
// the simulator against the limit found in the -l run. Played back, the
// scenario's own plan (same threads, ramp-up and think time from its
// run.properties) must be throttled about as often as the real run was
// (48.4 %, ../shared/scenarios/README.md), and the side says "predicted".
func TestReportSimulatesPlan(t *testing.T) {
	dir := t.TempDir()
	plan := scenarioFile(t, scenarioP1, "plan.jmx")
	_, stderr, code := runCLI("report", "-l", scenarioFile(t, scenarioP1, "results.csv"), "-t", plan,
		"-q", scenarioFile(t, scenarioP1, "run.properties"), "-o", dir, "--force")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummary(t, dir)
	if s.After == nil || !s.After.Predicted || s.Plan != plan {
		t.Fatalf("after %+v, plan %q: want a prediction of %s", s.After, s.Plan, plan)
	}
	if math.Abs(s.After.ThrottledShare-0.484) > 0.1 {
		t.Errorf("predicted throttled share %.3f, want within 0.1 of the real run's 0.484", s.After.ThrottledShare)
	}
	if math.Abs(s.After.DurationS-90) > 5 {
		t.Errorf("predicted run of %.0f s, want about the plan's 90 s", s.After.DurationS)
	}
}

func TestReportPlanWithMeasuredAfter(t *testing.T) {
	dir := t.TempDir()
	in := scenarioFile(t, scenarioP1, "results.csv")
	_, stderr, code := runCLI("report", "-l", in, "--after", in, "-t", "tuned.jmx", "-o", dir)
	if code != 0 || !strings.Contains(stderr, "not simulated") {
		t.Errorf("exit %d, stderr %q; want success and a note", code, stderr)
	}
	if s := readSummary(t, dir); s.Plan != "" || s.After == nil || s.After.Predicted {
		t.Errorf("plan %q after %+v: want the measured after run", s.Plan, s.After)
	}
}

// TestReportShowsInputFormat checks that the report's inputs say what the
// reader found under the analysis' wrappers: the format, how the columns
// were decided, and an end-timestamp file taken as such (the reader decides
// "end" from the data: within one thread, samples would overlap otherwise).
func TestReportShowsInputFormat(t *testing.T) {
	cases := []struct {
		file, format, layout, timestamp string
	}{
		{"jtl/testdata/csv/end_timestamps.csv", "csv", "header", "end"},
		{"jtl/testdata/csv/start_timestamps.csv", "csv", "header", "start"},
		{"jtl/testdata/xml/v5.jtl", "xml", "testResults version 1.2", "start"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		if _, stderr, code := runCLI("report", "-l", c.file, "-o", dir, "--force"); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.file, code, stderr)
		}
		in := readSummary(t, dir).Before.Inputs
		if len(in) != 1 {
			t.Fatalf("%s: %d inputs in summary.json; want 1", c.file, len(in))
		}
		if in[0].Format != c.format || in[0].Layout != c.layout || in[0].TimeMode != c.timestamp {
			t.Errorf("%s: format %q, layout %q, timestamp %q; want %q, %q, %q", c.file, in[0].Format, in[0].Layout, in[0].TimeMode, c.format, c.layout, c.timestamp)
		}
	}
}

// TestReportFilter reports a real run with --label, --from and --to and
// counts the samples it should keep independently, with the jtl reader: the
// label matched, the start within [first start + 30 s, first start + 80 s).
// A --after run gets the same filter, its offsets from its own start.
func TestReportFilter(t *testing.T) {
	file := scenarioFile(t, scenarioP1, "results.csv")
	src, err := jtl.Open([]string{file}, jtl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, first, labels := 0, int64(0), map[string]bool{}
	for i := 0; src.Scan(); i++ {
		s := src.Sample()
		if i == 0 {
			first = s.Start
		}
		labels[s.Label] = true
		if strings.Contains(s.Label, "script") && s.Start >= first+30_000 && s.Start < first+80_000 {
			want++
		}
	}
	src.Close()
	if len(labels) < 2 || want == 0 {
		t.Fatalf("the scenario has labels %v and %d samples to keep: the test needs several labels and some kept", labels, want)
	}

	dir := t.TempDir()
	_, stderr, code := runCLI("report", "-l", file, "--after", file, "--label", "script", "--from", "30s", "--to", "80s", "-o", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummary(t, dir)
	if s.Before.Requests != want || s.After == nil || s.After.Requests != want {
		t.Errorf("requests: before %d, after %v; want %d each", s.Before.Requests, s.After, want)
	}
	if len(s.Before.Labels) != 1 || s.Before.Labels[0].Label != "GET script" {
		t.Errorf("labels %+v; want only GET script", s.Before.Labels)
	}
	// The last kept sample starts before 80 s and ends within its elapsed
	// time (well under a second in this run).
	if s.Before.DurationS > 51 || s.Before.DurationS < 45 {
		t.Errorf("duration %.1f s; the filter keeps 50 s of starts", s.Before.DurationS)
	}
	const desc = `--label "script" --from 30s --to 80s`
	if s.Filter != desc {
		t.Errorf("summary filter %q; want %q", s.Filter, desc)
	}
	for _, f := range []string{report.ReportMD, report.IndexHTML} {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		if !strings.Contains(string(data), "only those kept by") || !strings.Contains(string(data), "--from 30s --to 80s") {
			t.Errorf("%s does not say which samples it shows", f)
		}
	}

	// Without a filter the summary has no filter and more requests.
	dir = t.TempDir()
	if _, stderr, code := runCLI("report", "-l", file, "-o", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if s := readSummary(t, dir); s.Filter != "" || s.Before.Requests <= want {
		t.Errorf("unfiltered: filter %q, %d requests; want none and more than %d", s.Filter, s.Before.Requests, want)
	}
}

// TestPlotReportFilterErrors checks the filter flags' failures: a bad value
// is a usage error (exit 2), a filter that keeps nothing a failure (exit 1)
// naming the filter.
func TestPlotReportFilterErrors(t *testing.T) {
	file := scenarioFile(t, scenarioP1, "results.csv")
	for _, cmd := range []string{"plot", "report"} {
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"--label", "("}, 2, "--label"},
			{[]string{"--from", "soon"}, 2, "--from"},
			{[]string{"--from", "2m", "--to", "1m"}, 2, "not after"},
			{[]string{"--label", "no such label"}, 1, `no sample matched --label "no such label"`},
			{[]string{"--from", "1h"}, 1, "no sample matched --from 1h"},
		} {
			args := append([]string{cmd, "-l", file, "-o", t.TempDir()}, tc.args...)
			_, stderr, code := runCLI(args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("jmtune %s: exit %d, stderr %q; want exit %d and %q", strings.Join(args, " "), code, stderr, tc.code, tc.want)
			}
		}
	}
	// plot says what its charts show.
	_, stderr, code := runCLI("plot", "-l", file, "--label", "token", "-o", t.TempDir(), "--format", "svg")
	if code != 0 || !strings.Contains(stderr, `only the samples kept by --label "token"`) {
		t.Errorf("plot --label: exit %d, stderr %q; want 0 and a note naming the filter", code, stderr)
	}
}

// TestReportFilterInsideTransactions: in XML written with "Generate parent
// sample" the requests are children of transaction parents; --label must
// find them there. jmeter213.jtl holds 4 parents "TX fetch", each with one
// "GET login" and one "GET script".
func TestReportFilterInsideTransactions(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runCLI("report", "-l", "jtl/testdata/xml/jmeter213.jtl", "--label", "^GET s", "-o", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s := readSummary(t, dir)
	if s.Before.Requests != 4 || len(s.Before.Labels) != 1 || s.Before.Labels[0].Label != "GET script" {
		t.Errorf("requests %d, labels %+v; want the 4 GET script samples only", s.Before.Requests, s.Before.Labels)
	}
}
