package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"jmtune/analysis"
	"jmtune/jmx"
	"jmtune/jtl"
	"jmtune/report"
)

// The seed API of the embedded run (internal/demodata/gen): a fixed window of
// 1500 requests per 15 s shared by all agents, 100 req/s.
const (
	demoLimit   = 1500
	demoWindowS = 15.0
	demoLabel   = "GET agent script"
)

// TestDemo runs jmtune demo with no flags in an empty directory and checks
// what it printed and wrote: the verdict names the fixed window and a rate
// near 100 req/s, the analysis matches the seed API, tuned.jmx parses and
// holds jmtune's shared throughput timer at the target and its retry loop
// around the throttled sampler, the prediction has almost no 429s yet keeps
// most of the limit's rate, and the report is labelled as a prediction.
func TestDemo(t *testing.T) {
	t.Chdir(t.TempDir())
	stdout, stderr, code := runCLI("demo")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, stdout, stderr)
	}
	dir := "jmtune-demo" // the default
	path := func(name string) string { return filepath.Join(dir, name) }

	// The verdict: 3-6 lines, the first naming the limit.
	verdict := demoVerdict(t, stdout)
	if len(verdict) < 3 || len(verdict) > 6 {
		t.Errorf("verdict has %d lines, want 3-6:\n%s", len(verdict), strings.Join(verdict, "\n"))
	}
	if !strings.Contains(verdict[0], "fixed window") {
		t.Errorf("verdict does not name the fixed window: %q", verdict[0])
	}
	m := regexp.MustCompile(`\(([0-9.]+) req/s\)`).FindStringSubmatch(verdict[0])
	if m == nil {
		t.Fatalf("verdict gives no rate: %q", verdict[0])
	}
	if rate, _ := strconv.ParseFloat(m[1], 64); math.Abs(rate-demoLimit/demoWindowS) > 5 {
		t.Errorf("verdict rate %s req/s, want about %g", m[1], demoLimit/demoWindowS)
	}
	for _, want := range []string{"report/index.html", "tuned.jmx", "Where to look"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output does not mention %q:\n%s", want, stdout)
		}
	}

	// The analysis file agrees with the seed API.
	var ana analysis.Result
	if b, err := os.ReadFile(path("analysis.json")); err != nil || json.Unmarshal(b, &ana) != nil {
		t.Fatalf("analysis.json: %v", err)
	}
	l := ana.Limit
	if l.Algorithm != analysis.AlgoFixedWindow || l.Scope != analysis.ScopeShared || l.Limit == nil || l.WindowS == nil ||
		math.Abs(*l.Limit-demoLimit) > 0.05*demoLimit || math.Abs(*l.WindowS-demoWindowS) > 0.5 {
		t.Errorf("analysis.json: %s %s limit %v window %v, want shared fixed-window %d per %g s", l.Algorithm, l.Scope, l.Limit, l.WindowS, demoLimit, demoWindowS)
	}
	if ana.Series != nil {
		t.Errorf("analysis.json carries the per-second series; jmtune analyze --format json leaves it out")
	}
	target := ana.Recommendation.TargetRatePerS
	if target <= 0 || target > demoLimit/demoWindowS {
		t.Fatalf("recommended target %g req/s, want in (0, %g]", target, demoLimit/demoWindowS)
	}

	// tuned.jmx: parses; a shared Constant Throughput Timer at the target
	// and a jmtune retry loop around the throttled sampler.
	p, err := jmx.Load(path("tuned.jmx"))
	if err != nil {
		t.Fatalf("tuned.jmx: %v", err)
	}
	var paced bool
	for _, tt := range p.ThroughputTimers() {
		pm, ok := tt.PerMinute()
		if tt.IsConstant() && ok && tt.CalcMode() == 4 && math.Abs(pm/60-target) < 0.01*target {
			paced = true
		}
	}
	if !paced {
		t.Errorf("tuned.jmx has no shared Constant Throughput Timer at the target %.2f req/s", target)
	}
	loops := p.Find(func(e *jmx.Element) bool {
		if e.TestClass() != "WhileController" || !strings.HasPrefix(e.Name(), "jmtune:") {
			return false
		}
		for _, k := range e.Children() {
			if k.Name() == demoLabel {
				return true
			}
		}
		return false
	})
	if len(loops) != 1 {
		t.Errorf("tuned.jmx: %d jmtune retry loops around %q, want 1", len(loops), demoLabel)
	}
	if b, err := os.ReadFile(path("tuned.jmx.user.properties")); err != nil || !strings.Contains(string(b), "sample_variables=retryAfter") {
		t.Errorf("tuned.jmx.user.properties missing or without sample_variables (%v)", err)
	}
	if b, _ := os.ReadFile(path("seed-plan.jmx")); !strings.Contains(string(b), `testname="`+demoLabel+`"`) {
		t.Errorf("seed-plan.jmx is not the seed plan")
	}

	// predicted.jtl: a JMeter CSV of the tuned plan; read on its own, few
	// 429s and most of the limit's rate while all threads run.
	src, err := jtl.Open([]string{path("predicted.jtl")}, jtl.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	var ss []jtl.Sample
	for src.Scan() {
		ss = append(ss, *src.Sample().Clone())
	}
	src.Close()
	if err := src.Err(); err != nil || len(ss) < 1000 {
		t.Fatalf("predicted.jtl: %d samples, %v", len(ss), err)
	}
	if share := e2eThrottledShare(ss); share >= 0.005 {
		t.Errorf("predicted 429 share %.2f%%, want < 0.5%%", 100*share)
	}
	if rate, n := e2eJTLSteadyRate(ss, demoLabel, *l.WindowS, *l.PhaseS); n < 3 || rate < 0.85*demoLimit/demoWindowS {
		t.Errorf("predicted accepted rate %.1f req/s over %d windows, want at least 85%% of %g", rate, n, demoLimit/demoWindowS)
	}

	// The report: before vs predicted, said so.
	html, err := os.ReadFile(path("report/index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(string(html)), "predicted") {
		t.Errorf("report/index.html does not say the after side is predicted")
	}
	var sum report.Summary
	if b, err := os.ReadFile(path("report/summary.json")); err != nil || json.Unmarshal(b, &sum) != nil {
		t.Fatalf("report/summary.json: %v", err)
	}
	if sum.After == nil || !sum.After.Predicted || sum.Before.ThrottledShare < 0.2 || sum.After.ThrottledShare >= 0.005 {
		t.Errorf("report/summary.json: before %.3f throttled, after %+v; want a predicted after side with < 0.5%%", sum.Before.ThrottledShare, sum.After)
	}
	for _, f := range []string{"throughput.png", "compare-throughput.png", "report.md"} {
		if fi, err := os.Stat(path("report/" + f)); err != nil || fi.Size() == 0 {
			t.Errorf("report/%s missing or empty", f)
		}
	}
}

// TestDemoOutputDir checks that the demo never clobbers a directory that
// holds other files: refused without --force (nothing written), and with
// --force only its own files are written.
func TestDemoOutputDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mine")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI("demo", "-o", dir)
	if code != 1 || !strings.Contains(stderr, "--force") || !strings.Contains(stderr, "notes.txt") {
		t.Errorf("demo into a non-empty directory: exit %d, stderr %q; want 1 and a message naming the file and --force", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "tuned.jmx")); err == nil {
		t.Errorf("a refused demo wrote tuned.jmx")
	}
	stdout, stderr, code := runCLI("demo", "-o", dir, "--force")
	if code != 0 {
		t.Fatalf("demo --force: exit %d\n%s%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "my notes\n" {
		t.Errorf("demo --force changed notes.txt: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "report", "index.html")); err != nil {
		t.Errorf("demo --force wrote no report: %v", err)
	}
	if _, stderr, code := runCLI("demo", "extra"); code != 2 {
		t.Errorf("demo with an argument: exit %d (%s), want 2", code, stderr)
	}
}

// demoVerdict returns the lines printed after "$ jmtune analyze" up to the
// next blank line.
func demoVerdict(t *testing.T, stdout string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(stdout, "$ jmtune analyze ")
	if !ok {
		t.Fatalf("demo output has no analyze step:\n%s", stdout)
	}
	lines := strings.Split(rest, "\n")[1:]
	var v []string
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			break
		}
		v = append(v, l)
	}
	if len(v) == 0 {
		t.Fatalf("no verdict after the analyze step:\n%s", stdout)
	}
	return v
}

// BenchmarkDemo measures jmtune demo end to end (decompress, analyse, tune,
// simulate, report with charts) into a fresh directory per run.
func BenchmarkDemo(b *testing.B) {
	base := b.TempDir()
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(base, strconv.Itoa(i))
		if _, stderr, code := runCLI("demo", "-o", dir); code != 0 {
			b.Fatalf("demo: exit %d: %s", code, stderr)
		}
	}
}
