package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"jmtune/analysis"
	"jmtune/internal/testenv"
	"jmtune/internal/testserver"
	"jmtune/jmx"
	"jmtune/jtl"
)

const seedPlan = "testdata/jmx/seed.jmx"

// normalize replaces what varies between runs (the output directory, the
// version) so that outputs can be compared with golden files.
func normalize(s, dir string) string {
	s = strings.ReplaceAll(s, dir, "$OUT")
	s = strings.ReplaceAll(s, "jmtune "+version, "jmtune VERSION")
	s = strings.ReplaceAll(s, "version "+version, "version VERSION")
	return s
}

// tuneGolden compares got with testdata/jmx/<name> (see compareGolden).
func tuneGolden(t *testing.T, name, got string) {
	t.Helper()
	compareGolden(t, filepath.Join("testdata", "jmx", name), got)
}

// TestTuneGolden tunes the seed plan in each mode and compares the tuned
// plan, the change list and the user.properties snippet with golden files.
func TestTuneGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"seed-rate", []string{"--rate", "8/s", "--labels", "GET script"}},
		{"seed-analysis", []string{"--analysis", "testdata/jmx/seed.analysis.json"}},
		{"seed-precise", []string{"--analysis", "testdata/jmx/seed.analysis.json", "--timer", "precise", "--threads", "auto"}},
		{"seed-shaping", []string{"--rate", "480/min", "--labels", "GET script", "--timer", "shaping", "--retry-labels", "none"}},
		{"seed-per-thread", []string{"--rate", "0.5/s", "--scope", "per-thread", "--labels", "GET script|POST token", "--max-attempts", "3", "--retry-budget", "5%"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, tc.name+".jmx")
			args := append([]string{"tune", "-t", seedPlan, "-o", out}, tc.args...)
			stdout, stderr, code := runCLI(args...)
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, stdout, stderr)
			}
			tuned, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			props, err := os.ReadFile(out + ".user.properties")
			if err != nil {
				t.Fatal(err)
			}
			tuneGolden(t, tc.name+".tuned.jmx", normalize(string(tuned), dir))
			tuneGolden(t, tc.name+".changes.txt", normalize(stdout, dir))
			if tc.name == "seed-rate" {
				tuneGolden(t, "seed.user.properties", normalize(string(props), dir))
			}
			// Tuning the tuned plan with the same evidence changes nothing.
			again := filepath.Join(dir, "again.jmx")
			stdout2, stderr2, code := runCLI(append([]string{"tune", "-t", out, "-o", again}, tc.args...)...)
			if code != 0 {
				t.Fatalf("retune: exit %d: %s%s", code, stdout2, stderr2)
			}
			if tuned2, _ := os.ReadFile(again); !bytes.Equal(tuned, tuned2) {
				t.Errorf("retune changed the plan:\n%s", jmx.UnifiedDiff(out, again, tuned, tuned2, 2))
			}
			if !strings.Contains(stdout2, "changes: none") {
				t.Errorf("retune reported changes:\n%s", stdout2)
			}
		})
	}
}

func TestTuneDryRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "tuned.jmx")
	stdout, _, code := runCLI("tune", "-t", seedPlan, "-o", out, "--rate", "8/s", "--labels", "GET script", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("--dry-run wrote the plan")
	}
	if _, err := os.Stat(out + ".user.properties"); err == nil {
		t.Error("--dry-run wrote the properties")
	}
	tuneGolden(t, "seed-dryrun.txt", normalize(stdout, dir))
	// The diff in the output, applied, gives what a real run writes.
	runCLI("tune", "-t", seedPlan, "-o", out, "--rate", "8/s", "--labels", "GET script")
	real, _ := os.ReadFile(out)
	orig, _ := os.ReadFile(seedPlan)
	diff := stdout[strings.Index(stdout, "\n--- a/"):]
	if d := jmx.UnifiedDiff("a/"+seedPlan, "b/"+out, orig, real, 3); !strings.Contains(diff, d) {
		t.Errorf("the dry run's diff is not the diff of what tune writes")
	}
}

func TestTuneSafety(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.jmx")
	orig, _ := os.ReadFile(seedPlan)
	os.WriteFile(plan, orig, 0o644)
	out := filepath.Join(dir, "out.jmx")
	rate := []string{"--rate", "8/s", "--labels", "GET script"}
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no evidence", []string{"tune", "-t", plan, "-o", out}, 2, "exactly one source"},
		{"two sources", append([]string{"tune", "-t", plan, "-o", out, "--analysis", "x.json"}, rate...), 2, "exactly one source"},
		{"no output", append([]string{"tune", "-t", plan}, rate...), 2, "-o tuned.jmx"},
		{"no plan", append([]string{"tune", "-o", out}, rate...), 2, "-t plan.jmx"},
		{"output is input", append([]string{"tune", "-t", plan, "-o", plan}, rate...), 2, "never overwritten"},
		{"in-place without backup", append([]string{"tune", "-t", plan, "--in-place"}, rate...), 2, "add --backup"},
		{"in-place and -o", append([]string{"tune", "-t", plan, "--in-place", "--backup", "-o", out}, rate...), 2, "exclude each other"},
		{"precise on 2.13", append([]string{"tune", "-t", plan, "-o", out, "--timer", "precise", "--jmeter-version", "2.13"}, rate...), 2, "JMeter 2.13 refuses"},
		{"bad rate", []string{"tune", "-t", plan, "-o", out, "--rate", "fast"}, 2, "--rate"},
		{"bad scope", append([]string{"tune", "-t", plan, "-o", out, "--scope", "org"}, rate...), 2, "--scope"},
		{"bad budget", append([]string{"tune", "-t", plan, "-o", out, "--retry-budget", "150%"}, rate...), 2, "--retry-budget"},
		{"no such sampler", []string{"tune", "-t", plan, "-o", out, "--rate", "8/s", "--labels", "GET nothing"}, 1, `"GET script"`},
		{"cache the only looping sampler", append([]string{"tune", "-t", plan, "-o", out, "--cache-labels", "GET script"}, rate...), 1, "no sampler left"},
	}
	for _, tc := range cases {
		stdout, stderr, code := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q (stdout %q)", tc.name, code, stderr, tc.code, tc.msg, stdout)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: wrote %s", tc.name, out)
		}
	}
	if now, _ := os.ReadFile(plan); !bytes.Equal(now, orig) {
		t.Fatal("the input plan changed")
	}
	// An existing output is refused without --force and kept.
	os.WriteFile(out, []byte("keep me"), 0o644)
	if _, stderr, code := runCLI(append([]string{"tune", "-t", plan, "-o", out}, rate...)...); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("existing -o: exit %d %q", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "keep me" {
		t.Error("existing -o overwritten without --force")
	}
	// A user.properties beside it that jmtune did not write is refused too.
	os.WriteFile(out+".user.properties", []byte("mine=1\n"), 0o644)
	if _, stderr, code := runCLI(append([]string{"tune", "-t", plan, "-o", out, "--force"}, rate...)...); code != 0 {
		t.Errorf("--force: exit %d %q", code, stderr)
	}
	if b, _ := os.ReadFile(out); !bytes.Contains(b, []byte("jmtune: retry GET script")) {
		t.Error("--force did not write the tuned plan")
	}
	os.WriteFile(out+".user.properties", []byte("mine=1\n"), 0o644)
	out2 := filepath.Join(dir, "out2.jmx")
	os.WriteFile(out2+".user.properties", []byte("mine=1\n"), 0o644)
	if _, stderr, code := runCLI(append([]string{"tune", "-t", plan, "-o", out2}, rate...)...); code != 1 || !strings.Contains(stderr, "not written by jmtune") {
		t.Errorf("foreign user.properties: exit %d %q", code, stderr)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("plan written although its user.properties was refused")
	}
	// In place with a backup; again in place: nothing to change, no new backup.
	stdout, stderr, code := runCLI(append([]string{"tune", "-t", plan, "--in-place", "--backup"}, rate...)...)
	if code != 0 {
		t.Fatalf("in place: exit %d %s %s", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(plan + ".bak"); !bytes.Equal(b, orig) {
		t.Error("backup is not the original plan")
	}
	tuned, _ := os.ReadFile(plan)
	if bytes.Equal(tuned, orig) {
		t.Error("--in-place did not change the plan")
	}
	stdout, _, code = runCLI(append([]string{"tune", "-t", plan, "--in-place", "--backup"}, rate...)...)
	if code != 0 || !strings.Contains(stdout, "unchanged") {
		t.Errorf("second in-place run: exit %d\n%s", code, stdout)
	}
	if _, err := os.Stat(plan + ".bak.1"); err == nil {
		t.Error("an unchanged in-place run made a second backup")
	}
	// A malformed plan: file:line, exit 1.
	bad := filepath.Join(dir, "bad.jmx")
	os.WriteFile(bad, []byte("<jmeterTestPlan>\n  <hashTree>\n"), 0o644)
	if _, stderr, code := runCLI(append([]string{"tune", "-t", bad, "-o", filepath.Join(dir, "x.jmx")}, rate...)...); code != 1 || !strings.Contains(stderr, bad+":3: ") {
		t.Errorf("malformed plan: exit %d %q", code, stderr)
	}
}

// TestTuneCorpusCRLF tunes a CRLF plan of the corpus: the output keeps CRLF
// everywhere and the original lines elsewhere.
func TestTuneCorpusCRLF(t *testing.T) {
	src := filepath.Join(testenv.Shared(t), "corpus", "jmx", "Azure-Samples__azure-load-testing-samples__demo-podcast-test.jmx")
	dir := t.TempDir()
	out := filepath.Join(dir, "tuned.jmx")
	stdout, stderr, code := runCLI("tune", "-t", src, "-o", out, "--rate", "20/s")
	if code != 0 {
		t.Fatalf("exit %d %s %s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(out)
	if n := bytes.Count(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")); n > 0 {
		t.Errorf("%d bare LF line ends in a CRLF plan", n)
	}
	orig, _ := os.ReadFile(src)
	if !bytes.HasPrefix(b, orig[:bytes.Index(orig, []byte("<hashTree>"))]) {
		t.Error("the plan's head changed")
	}
}

// TestTuneFromResults runs tune on a real JMeter run of the scenarios
// (-l results.csv): it must pace the throttled sampler at the rate the
// analysis of the same file recommends.
func TestTuneFromResults(t *testing.T) {
	sc := filepath.Join(testenv.Shared(t), "scenarios", "P1-fixed-400-per-20s")
	res := filepath.Join(sc, "results.csv")
	src, err := jtl.Open([]string{res}, jtl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := analysis.Analyze(src, analysis.Config{})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "tuned.jmx")
	stdout, stderr, code := runCLI("tune", "-t", filepath.Join(sc, "plan.jmx"), "-l", res, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "evidence: analysis of results.csv: "+want.Limit.Algorithm) {
		t.Errorf("evidence line:\n%s", stdout)
	}
	p, err := jmx.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	tts := p.ThroughputTimers()
	if len(tts) != 1 || tts[0].Parent.Name() != "GET script" {
		t.Fatalf("pacers: %v", tts)
	}
	pm, _ := tts[0].PerMinute()
	if d := pm - want.Recommendation.TargetRatePerS*60; d > 0.01 || d < -0.01 {
		t.Errorf("pacer %v/min, analysis target %v/s", pm, want.Recommendation.TargetRatePerS)
	}
	if p.Samplers()[0].Plan.CheckPairs() != nil {
		t.Error("pairing broken")
	}
}

// jmeterRun is one run of a tuned seed plan in real JMeter against the test
// server.
type jmeterRun struct {
	name       string
	server     string   // test server flags
	tune       []string // evidence and overrides for jmtune tune
	durationS  int
	force429   bool    // the target is above the limit: retries must happen
	max429     float64 // highest share of 429 responses allowed
	httpDate   bool    // Retry-After is an HTTP-date
	wantRetry1 bool
}

// TestTunedSeedInJMeter tunes the seed plan (200 agents log in once, then
// fetch their script in a loop) and runs it in real JMeter (2.13 in CI)
// against the rate-limited test server:
//
//   - "paced": the target (8/s) is under the limit (10/s): few 429s;
//   - "retries": the target (6/s) is over the limit (5/s), so that the
//     retry loop has work: retries are labelled, each waits at least its
//     Retry-After (seconds), never more than max attempts;
//   - "http-date": the same with Retry-After as an HTTP-date.
//
// Each run: no ERROR in jmeter.log, a JTL with rows and the captured
// headers (sample_variables from the written user.properties).
func TestTunedSeedInJMeter(t *testing.T) {
	if testing.Short() {
		t.Skip("runs JMeter three times for about 30 s, in parallel")
	}
	jmeter := testenv.JMeter(t)
	runs := []jmeterRun{
		{name: "paced", server: "--algo fixed --limit 20 --window 2s --scope org --retry-after reset --latency 5ms±3ms",
			tune: []string{"--analysis", "testdata/jmx/seed.analysis.json", "--threads", "20", "--jmeter-version", "2.13"}, durationS: 25, max429: 0.05},
		{name: "retries", server: "--algo fixed --limit 10 --window 2s --scope org --retry-after reset --latency 5ms±3ms",
			tune: []string{"--rate", "6/s", "--labels", "GET script", "--threads", "20", "--jmeter-version", "2.13"}, durationS: 25, force429: true, max429: 0.4},
		{name: "http-date", server: "--algo fixed --limit 10 --window 2s --scope org --retry-after date --latency 5ms±3ms",
			tune: []string{"--rate", "6/s", "--labels", "GET script", "--threads", "20"}, durationS: 20, force429: true, max429: 0.4, httpDate: true},
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			runTunedSeed(t, jmeter, r)
		})
	}
}

func runTunedSeed(t *testing.T, jmeter string, r jmeterRun) {
	cfg, err := testserver.ParseArgs(strings.Fields(r.server), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	plan := filepath.Join(dir, "tuned.jmx")
	stdout, stderr, code := runCLI(append([]string{"tune", "-t", seedPlan, "-o", plan}, r.tune...)...)
	if code != 0 {
		t.Fatalf("tune: exit %d\n%s%s", code, stdout, stderr)
	}
	out, jlog := filepath.Join(dir, "results.csv"), filepath.Join(dir, "jmeter.log")
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.durationS+90)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, jmeter, "-n", "-t", plan, "-l", out, "-j", jlog, "-q", plan+".user.properties",
		"-Jhost="+srv.Host, "-Jport="+strconv.Itoa(srv.Port), "-Jduration="+strconv.Itoa(r.durationS), "-Jthink=100")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("jmeter: %v\n%s", err, b)
	}
	logText, _ := os.ReadFile(jlog)
	for _, line := range strings.Split(string(logText), "\n") {
		if strings.Contains(line, " ERROR ") || strings.Contains(line, "Error in NonGUIDriver") {
			t.Errorf("jmeter.log: %s", line)
		}
	}
	src, err := jtl.Open([]string{out}, jtl.Options{Strict: true})
	if err != nil {
		t.Fatalf("no results: %v (jmeter.log:\n%s)", err, logText)
	}
	defer src.Close()
	type attempt struct {
		label      string
		retry      int
		code       string
		start, end int64
		ra, date   string
	}
	byThread := map[string][]attempt{}
	var rows, gets, throttled, retries, withDate int
	for src.Scan() {
		s := src.Sample()
		rows++
		base, n := jtl.SplitRetryLabel(s.Label)
		if base != "GET script" && base != "POST token" {
			t.Errorf("unexpected label %q", s.Label)
		}
		ra, _ := s.Var(jtl.VarRetryAfter)
		date, _ := s.Var(jtl.VarDate)
		if date != "" {
			withDate++
		}
		if base == "GET script" {
			gets++
			if s.ResponseCode == "429" {
				throttled++
				if ra == "" {
					t.Errorf("a 429 row without the captured Retry-After (line %d)", s.Line)
				}
			}
		}
		if n > 0 {
			retries++
		}
		byThread[s.ThreadName] = append(byThread[s.ThreadName], attempt{base, n, s.ResponseCode, s.Start, s.End(), ra, date})
	}
	if err := src.Err(); err != nil {
		t.Fatal(err)
	}
	if rows < 50 || gets == 0 {
		t.Fatalf("only %d rows (%d GET script)", rows, gets)
	}
	if withDate < rows*9/10 {
		t.Errorf("only %d of %d rows carry the captured Date header", withDate, rows)
	}
	share := float64(throttled) / float64(gets)
	t.Logf("%d rows, %d GET script, %d throttled (%.1f%%), %d retries; server saw %d requests", rows, gets, throttled, 100*share, retries, len(srv.Log()))
	if share > r.max429 {
		t.Errorf("429 share %.1f%%, want at most %.0f%%", 100*share, 100*r.max429)
	}
	if r.force429 && retries == 0 {
		t.Fatalf("no retry happened although the target is above the limit")
	}
	// Every retry follows a 429 of the same request in the same thread,
	// one attempt earlier, and starts at least its Retry-After after that
	// response ended.
	checked := 0
	for thread, as := range byThread {
		for i, a := range as {
			if a.retry == 0 {
				continue
			}
			if a.retry > 3 {
				t.Errorf("%s: retry %d, beyond 4 attempts", thread, a.retry)
			}
			if i == 0 || as[i-1].label != a.label || as[i-1].retry != a.retry-1 || as[i-1].code != "429" {
				t.Errorf("%s: retry %d of %s does not follow a throttled attempt %d", thread, a.retry, a.label, a.retry-1)
				continue
			}
			prev := as[i-1]
			waitMs := retryAfterMs(t, prev.ra, prev.date)
			if got := a.start - prev.end; got < waitMs {
				t.Errorf("%s: retry %d started %d ms after the 429, whose Retry-After %q asked for %d ms", thread, a.retry, got, prev.ra, waitMs)
			}
			checked++
		}
	}
	if r.force429 && checked == 0 {
		t.Error("no retry checked")
	}
}

// retryAfterMs returns the wait a captured Retry-After asks for: seconds,
// or an HTTP-date minus the response's Date header.
func retryAfterMs(t *testing.T, ra, date string) int64 {
	t.Helper()
	if secs, err := strconv.ParseFloat(ra, 64); err == nil {
		return int64(secs * 1000)
	}
	at, err := http.ParseTime(ra)
	if err != nil {
		t.Errorf("Retry-After %q is neither seconds nor an HTTP-date", ra)
		return 0
	}
	now, err := http.ParseTime(date)
	if err != nil {
		t.Errorf("Date header %q", date)
		return 0
	}
	return at.Sub(now).Milliseconds()
}
