package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jmtune/internal/testenv"
)

// scenarioFile is a file of one of the real JMeter scenarios in ../shared.
func scenarioFile(t *testing.T, scenario, name string) string {
	t.Helper()
	return filepath.Join(testenv.Shared(t), "scenarios", scenario, name)
}

const (
	scenarioP1 = "P1-fixed-400-per-20s"
	scenarioP2 = "P2-token-30ps-b30"
)

func TestPlotUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", "-o", dir}, "-l FILE"},
		{[]string{"plot", "-l", "x.jtl"}, "-o DIR"},
		{[]string{"plot", "-o", dir, "x.jtl"}, "unexpected argument"},
		{[]string{"plot", "-l", "x.jtl", "-o", dir, "--format", "gif"}, "png or svg"},
		{[]string{"plot", "-l", "x.jtl", "-o", dir, "--width", "10"}, "--width"},
		{[]string{"report", "-l", "x.jtl", "--after", "y.jtl", "--predicted", "p.json", "-o", dir}, "give one"},
		{[]string{"report", "-l", "-", "--after", "-", "-o", dir}, "standard input"},
		{[]string{"plot", "--bogus"}, "bogus"},
	} {
		_, stderr, code := runCLI(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("jmtune %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}

func TestPlotMissingInputFails(t *testing.T) {
	_, stderr, code := runCLI("plot", "-l", filepath.Join(t.TempDir(), "missing.jtl"), "-o", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "missing.jtl") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming the file", code, stderr)
	}
}

// TestPlotScenario draws the charts of a real JMeter run (fixed window, 400
// per 20 s, Retry-After counting down to the window's end).
func TestPlotScenario(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	stdout, stderr, code := runCLI("plot", "-l", scenarioFile(t, scenarioP1, "results.csv"), "-o", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"throughput", "load", "response-times", "retry-after", "codes"} {
		for _, ext := range []string{"png", "svg"} {
			p := filepath.Join(dir, name+"."+ext)
			if !strings.Contains(stdout, "wrote "+p+"\n") {
				t.Errorf("stdout does not list %s", p)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			wantH := 600
			if name == "load" {
				wantH = 900
			}
			if ext == "png" {
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != wantH {
					t.Errorf("%s is %dx%d, want 1200x%d", p, b.Dx(), b.Dy(), wantH)
				}
			} else {
				var root struct {
					Width  string `xml:"width,attr"`
					Height string `xml:"height,attr"`
				}
				if err := xml.Unmarshal(data, &root); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				// 96 dpi pixels are 0.75 pt.
				if root.Width != "900pt" || root.Height != fmt.Sprint(wantH*3/4)+"pt" {
					t.Errorf("%s is %sx%s", p, root.Width, root.Height)
				}
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 10 {
		t.Errorf("%d files written, want 10", len(entries))
	}
}

// TestPlotBeforeAfter draws two real runs against each other: the overlays
// and the after run's own charts appear beside the before run's.
func TestPlotBeforeAfter(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runCLI("plot", "-l", scenarioFile(t, scenarioP1, "results.csv"),
		"--after", scenarioFile(t, scenarioP2, "results.csv"), "-o", dir, "--format", "png", "--force")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"compare-throughput", "compare-response-times", "throughput", "after-throughput", "after-retry-after", "after-codes"} {
		if _, err := os.Stat(filepath.Join(dir, name+".png")); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(filepath.Join(dir, name+".svg")); err == nil {
			t.Errorf("%s.svg written with --format png", name)
		}
	}
}

func TestPlotRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)
	in := scenarioFile(t, scenarioP1, "results.csv")
	_, stderr, code := runCLI("plot", "-l", in, "-o", dir)
	if code != 1 || !strings.Contains(stderr, "--force") {
		t.Fatalf("exit %d, stderr %q; want exit 1 suggesting --force", code, stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files written despite the refusal")
	}
	if _, stderr, code = runCLI("plot", "-l", in, "-o", dir, "--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(keep); string(got) != "mine" {
		t.Errorf("notes.txt = %q, want it kept", got)
	}
}

// TestPlotNeverOverwritesItsInput: an input named like an output in the
// output directory is refused, not replaced.
func TestPlotNeverOverwritesItsInput(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(scenarioFile(t, scenarioP1, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "summary.json")
	os.WriteFile(in, data, 0o644)
	_, stderr, code := runCLI("report", "-l", in, "-o", dir, "--force")
	if code != 1 || !strings.Contains(stderr, "inputs") {
		t.Errorf("exit %d, stderr %q; want a refusal", code, stderr)
	}
	if got, _ := os.ReadFile(in); !bytes.Equal(got, data) {
		t.Errorf("the input was overwritten")
	}
}
