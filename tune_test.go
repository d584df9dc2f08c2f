package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jmtune/analysis"
	"jmtune/internal/testenv"
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

// tuneGolden compares got with testdata/jmx/<name>; -update rewrites it.
func tuneGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "jmx", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	ext := filepath.Ext(name)
	gotPath := strings.TrimSuffix(path, ext) + ".got-" + strings.TrimPrefix(ext, ".")
	if string(want) != got {
		os.WriteFile(gotPath, []byte(got), 0o644)
		t.Errorf("%s differs from the golden file (got written to %s; go test -run %s -update accepts it):\n%s",
			name, gotPath, t.Name(), jmx.UnifiedDiff(path, gotPath, want, []byte(got), 2))
	} else {
		os.Remove(gotPath)
	}
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
