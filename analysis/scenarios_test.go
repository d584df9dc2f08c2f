package analysis_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"jmtune/analysis"
	"jmtune/internal/testenv"
	"jmtune/jtl"
)

// expectation is the part of a scenario's expected.json that is judged.
type expectation struct {
	Limit struct {
		Detected    bool     `json:"detected"`
		Algorithm   string   `json:"algorithm"`
		Scope       string   `json:"scope"`
		RatePerS    *float64 `json:"rate_per_s"`
		Limit       *float64 `json:"limit"`
		WindowS     *float64 `json:"window_s"`
		Burst       *float64 `json:"burst"`
		Concurrency *float64 `json:"concurrency"`
	} `json:"limit"`
	RetryAfter struct {
		Present   bool            `json:"present"`
		Semantics json.RawMessage `json:"semantics"`
	} `json:"retry_after"`
	Onset struct {
		Threads *int `json:"threads"`
	} `json:"onset"`
	Tolerances struct {
		RateRel        float64 `json:"rate_rel"`
		WindowAbsS     float64 `json:"window_abs_s"`
		WindowRel      float64 `json:"window_rel"`
		BurstRel       float64 `json:"burst_rel"`
		ConcurrencyAbs float64 `json:"concurrency_abs"`
		OnsetAbs       float64 `json:"onset_threads_abs"`
	} `json:"tolerances"`
}

// semantics returns the accepted Retry-After semantics (a string or a list).
func (e *expectation) semantics() []string {
	var one string
	if json.Unmarshal(e.RetryAfter.Semantics, &one) == nil {
		if one == "" {
			return nil
		}
		return []string{one}
	}
	var many []string
	json.Unmarshal(e.RetryAfter.Semantics, &many)
	return many
}

// judge compares a result with an expectation and returns the failures and
// whether the algorithm was right.
func judge(exp *expectation, res *analysis.Result) (fails []string, algoOK bool) {
	l := res.Limit
	tol := exp.Tolerances
	if tol.RateRel == 0 {
		tol.RateRel, tol.WindowAbsS, tol.WindowRel, tol.BurstRel, tol.ConcurrencyAbs, tol.OnsetAbs = 0.05, 0.5, 0.02, 0.15, 1, 5
	}
	if l.Detected != exp.Limit.Detected {
		fails = append(fails, fmt.Sprintf("detected %v, want %v", l.Detected, exp.Limit.Detected))
	}
	algoOK = l.Algorithm == exp.Limit.Algorithm || (exp.Limit.Algorithm == "" && !l.Detected)
	if !algoOK {
		fails = append(fails, fmt.Sprintf("algorithm %s, want %s", l.Algorithm, exp.Limit.Algorithm))
	}
	if exp.Limit.Scope != "" && l.Scope != exp.Limit.Scope {
		fails = append(fails, fmt.Sprintf("scope %s, want %s", l.Scope, exp.Limit.Scope))
	}
	rel := func(name string, got, want *float64, r float64) {
		if want == nil {
			return
		}
		if got == nil {
			fails = append(fails, fmt.Sprintf("%s missing, want %g", name, *want))
			return
		}
		if math.Abs(*got-*want) > r*math.Abs(*want)+1e-9 {
			fails = append(fails, fmt.Sprintf("%s %g, want %g ±%g%%", name, *got, *want, 100*r))
		}
	}
	abs := func(name string, got, want *float64, a float64) {
		if want == nil {
			return
		}
		if got == nil {
			fails = append(fails, fmt.Sprintf("%s missing, want %g", name, *want))
			return
		}
		if math.Abs(*got-*want) > a+1e-9 {
			fails = append(fails, fmt.Sprintf("%s %g, want %g ±%g", name, *got, *want, a))
		}
	}
	rel("rate_per_s", l.RatePerS, exp.Limit.RatePerS, tol.RateRel)
	rel("limit", l.Limit, exp.Limit.Limit, tol.RateRel)
	if exp.Limit.WindowS != nil {
		abs("window_s", l.WindowS, exp.Limit.WindowS, math.Max(tol.WindowAbsS, tol.WindowRel**exp.Limit.WindowS))
	}
	rel("burst", l.Burst, exp.Limit.Burst, tol.BurstRel)
	abs("concurrency", l.Concurrency, exp.Limit.Concurrency, tol.ConcurrencyAbs)
	if exp.Onset.Threads != nil {
		if res.Onset.Threads == nil {
			fails = append(fails, fmt.Sprintf("onset.threads missing, want %d", *exp.Onset.Threads))
		} else if math.Abs(float64(*res.Onset.Threads-*exp.Onset.Threads)) > tol.OnsetAbs {
			fails = append(fails, fmt.Sprintf("onset.threads %d, want %d ±%g", *res.Onset.Threads, *exp.Onset.Threads, tol.OnsetAbs))
		}
	}
	if res.RetryAfter.Present != exp.RetryAfter.Present {
		fails = append(fails, fmt.Sprintf("retry_after.present %v, want %v", res.RetryAfter.Present, exp.RetryAfter.Present))
	}
	if sems := exp.semantics(); len(sems) > 0 {
		ok := false
		for _, s := range sems {
			ok = ok || s == res.RetryAfter.Semantics
		}
		if !ok {
			fails = append(fails, fmt.Sprintf("retry_after.semantics %s, want %v", res.RetryAfter.Semantics, sems))
		}
	}
	return fails, algoOK
}

func analyzeFile(t *testing.T, path string) *analysis.Result {
	t.Helper()
	src, err := jtl.Open([]string{path}, jtl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := analysis.Analyze(src, analysis.Config{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

// TestRealScenarios analyses the real JMeter runs against a rate-limited
// server in ../shared/scenarios (CSV and XML results of each) and checks
// every judged field of expected.json within its tolerance, and, for fixed
// windows, the window boundaries against the server's (truth.json).
func TestRealScenarios(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "scenarios")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name(), "expected.json"))
		if err != nil {
			continue
		}
		var exp expectation
		if err := json.Unmarshal(raw, &exp); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		grid, ok, err := scenarioGrid(filepath.Join(dir, e.Name(), "truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"results.csv", "results.xml", "results.xml.gz", "results.csv.gz"} {
			path := filepath.Join(dir, e.Name(), f)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			n++
			t.Run(e.Name()+"/"+f, func(t *testing.T) {
				res := analyzeFile(t, path)
				fails, _ := judge(&exp, res)
				for _, f := range fails {
					t.Error(f)
				}
				if ok && res.Limit.Algorithm == analysis.AlgoFixedWindow {
					if msg, _ := phaseFailure(res, grid, phaseTolS); msg != "" {
						t.Error(msg)
					}
				}
				if len(res.Verdict) < 3 || len(res.Verdict) > 6 {
					t.Errorf("verdict has %d lines, want 3-6: %q", len(res.Verdict), res.Verdict)
				}
			})
		}
	}
	if n == 0 {
		t.Fatalf("no scenario with expected.json under %s", dir)
	}
}
