package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeGolden runs jmtune analyze in-process on the fixtures in
// testdata/analyze and compares text, Markdown and JSON with the golden
// files (rewrite them with go test -run TestAnalyzeGolden -update).
func TestAnalyzeGolden(t *testing.T) {
	for _, fix := range []string{"per-user-fixed", "no-throttle"} {
		for _, format := range []string{"text", "markdown", "json"} {
			t.Run(fix+"/"+format, func(t *testing.T) {
				in := filepath.Join("testdata", "analyze", fix+".csv")
				var out, errb bytes.Buffer
				if err := run([]string{"jmtune", "analyze", "--format", format, in}, &out, &errb); err != nil {
					t.Fatalf("analyze: %v\n%s", err, errb.String())
				}
				compareGolden(t, filepath.Join("testdata", "analyze", fix+"."+format+".golden"), out.String())
			})
		}
	}
}

// TestAnalyzeFixtureFacts checks the facts of the fixtures independently of
// the golden files: the per-user fixture is the start of a run against a
// per-token fixed window of 20 per 5 s; the other has no 429 at all.
func TestAnalyzeFixtureFacts(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"jmtune", "analyze", "--format", "json", filepath.Join("testdata", "analyze", "per-user-fixed.csv")}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Limit struct {
			Detected  bool     `json:"detected"`
			Algorithm string   `json:"algorithm"`
			Scope     string   `json:"scope"`
			Limit     *float64 `json:"limit"`
			WindowS   *float64 `json:"window_s"`
		} `json:"limit"`
		Verdict []string `json:"verdict"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Limit.Detected || r.Limit.Algorithm != "fixed-window" || r.Limit.Scope != "per-thread" ||
		r.Limit.Limit == nil || *r.Limit.Limit != 20 || r.Limit.WindowS == nil || *r.Limit.WindowS < 4.5 || *r.Limit.WindowS > 5.5 {
		t.Errorf("per-user fixture: got %+v, want fixed-window per-thread 20 per 5 s", r.Limit)
	}
	out.Reset()
	if err := run([]string{"jmtune", "analyze", "--format", "json", filepath.Join("testdata", "analyze", "no-throttle.csv")}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	r.Limit.Detected = true
	json.Unmarshal(out.Bytes(), &r)
	if r.Limit.Detected || r.Limit.Algorithm != "unknown" {
		t.Errorf("no-throttle fixture: detected %v algorithm %s, want not detected, unknown", r.Limit.Detected, r.Limit.Algorithm)
	}
}

// TestAnalyzeUsage checks the usage errors and that -o never overwrites an
// input and writes the file atomically.
func TestAnalyzeUsage(t *testing.T) {
	in := filepath.Join("testdata", "analyze", "no-throttle.csv")
	var out, errb bytes.Buffer
	if code := exitCode(run([]string{"jmtune", "analyze", "--format", "yaml", in}, &out, &errb), &errb); code != 2 {
		t.Errorf("--format yaml: exit %d, want 2", code)
	}
	if code := exitCode(run([]string{"jmtune", "analyze", "--throttle-codes", "4x9", in}, &out, &errb), &errb); code != 2 {
		t.Errorf("--throttle-codes 4x9: exit %d, want 2", code)
	}
	if code := exitCode(run([]string{"jmtune", "analyze", "-o", in, in}, &out, &errb), &errb); code != 2 {
		t.Errorf("-o naming the input: exit %d, want 2", code)
	}
	dst := filepath.Join(t.TempDir(), "a.md")
	if err := run([]string{"jmtune", "analyze", "--format", "markdown", "-o", dst, in}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dst)
	if err != nil || !strings.HasPrefix(string(b), "# Rate-limit analysis") {
		t.Errorf("-o %s: %v %q", dst, err, b[:min(len(b), 40)])
	}
	ents, _ := os.ReadDir(filepath.Dir(dst))
	if len(ents) != 1 {
		t.Errorf("-o left %d files in its directory, want 1", len(ents))
	}
}

// TestAnalyzeFilterKeepsInputFacts: with --label, the analysis still sees the
// reader behind the filter, so the input's format, layout and timestamp mode
// (here end timestamps) are reported as without a filter.
func TestAnalyzeFilterKeepsInputFacts(t *testing.T) {
	const file = "jtl/testdata/csv/end_timestamps.csv"
	for _, args := range [][]string{
		{"analyze", "--format", "json", file},
		{"analyze", "--format", "json", "--label", ".", file},
	} {
		stdout, stderr, code := runCLI(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var res struct {
			Inputs []struct {
				Format, Layout, Timestamp string
			} `json:"inputs"`
		}
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if len(res.Inputs) != 1 || res.Inputs[0].Format != "csv" || res.Inputs[0].Layout != "header" || res.Inputs[0].Timestamp != "end" {
			t.Errorf("%v: inputs = %+v, want one csv/header/end input", args, res.Inputs)
		}
	}
}
