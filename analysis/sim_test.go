package analysis_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jmtune/analysis"
	"jmtune/internal/sim"
	"jmtune/jtl"
)

// TestSimScenarios runs the inference on every ground-truth scenario of the
// simulator (ratelimit-inference.md section 7), written as the JTL format the
// scenario names and read back through jtl, and judges the answer with the
// simulator's expectation (sim.Expect) and the scenarios' tolerances, and
// the window boundaries of fixed windows and sliding-window counters
// against the simulated server's. The algorithm must be right in at least
// 90% of the scenarios.
func TestSimScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates every scenario")
	}
	dir := t.TempDir()
	scs := sim.Scenarios()
	right := 0
	var table []string
	for _, sc := range scs {
		run, err := sc.Run()
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		path := filepath.Join(dir, sc.Name+"."+strings.TrimSuffix(sc.Format, "213"))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		switch sc.Format {
		case "xml":
			err = run.WriteXML(f)
		case "csv213":
			err = run.WriteCSV213(f)
		default:
			err = run.WriteCSV(f)
		}
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		raw, _ := json.Marshal(sim.Expect(run))
		var exp expectation
		if err := json.Unmarshal(raw, &exp); err != nil {
			t.Fatal(err)
		}
		opts := jtl.Options{}
		if sc.Format == "csv213" {
			p := &jtl.Properties{}
			p.Set("sample_variables", strings.Join(run.Variables(), ","))
			opts.Props = p
			opts.Timestamps = jtl.TimestampStart
		}
		src, err := jtl.Open([]string{path}, opts)
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		res, err := analysis.Analyze(src, analysis.Config{})
		src.Close()
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if sc.Format == "csv213" && !hasVariableColumn(path) {
			// JMeter 2.13's default layout has no sample_variables column
			// here: the file carries no Retry-After to judge.
			exp.RetryAfter.Present = false
			exp.RetryAfter.Semantics = nil
		}
		fails, ok := judge(&exp, res)
		if ok {
			right++
		}
		phase := ""
		if g, fixed := simGrid(run, sc.Expect(run)); fixed && ok {
			msg, off := phaseFailure(res, g, phaseTolS)
			if msg != "" {
				fails = append(fails, msg)
			}
			phase = fmt.Sprintf(" boundary off %.3f s", off)
		}
		table = append(table, fmt.Sprintf("%-34s truth %s | got %s%s", sc.Name, truthText(raw), summary(res), phase))
		for _, f := range fails {
			t.Errorf("%s: %s", sc.Name, f)
		}
	}
	t.Logf("scenario -> truth | estimate:\n%s", strings.Join(table, "\n"))
	if share := float64(right) / float64(len(scs)); share < 0.9 {
		t.Errorf("algorithm right in %d of %d scenarios (%.0f%%), want >= 90%%", right, len(scs), 100*share)
	}
}

func truthText(raw []byte) string {
	var e struct {
		Limit map[string]any `json:"limit"`
		Onset map[string]any `json:"onset"`
	}
	json.Unmarshal(raw, &e)
	s := fmt.Sprintf("%v/%v", e.Limit["algorithm"], e.Limit["scope"])
	for _, k := range []string{"rate_per_s", "limit", "window_s", "burst", "concurrency"} {
		if v, ok := e.Limit[k].(float64); ok {
			s += fmt.Sprintf(" %s=%.4g", k, v)
		}
	}
	if v, ok := e.Onset["threads"].(float64); ok {
		s += fmt.Sprintf(" onset=%.0f", v)
	}
	return s
}

// hasVariableColumn reports whether the first line of a header-less CSV has
// more than JMeter 2.13's 12 default columns.
func hasVariableColumn(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.Count(line, ",") >= 12
}
