package analysis_test

import (
	"bytes"
	"strings"
	"testing"

	"jmtune/analysis"
	"jmtune/internal/jtlgen"
	"jmtune/jtl"
)

// TestRandomThrottlingIsUnknown: internal/jtlgen throttles about 15% of
// requests at random, whatever the load (no limiter behind them). No model
// may be reported as the limit: the analysis must say the algorithm is
// unknown, with ambiguous confidence, the admitted rate as a measurement,
// and a cautious target (0.7 of it).
func TestRandomThrottlingIsUnknown(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		var buf bytes.Buffer
		if err := jtlgen.Write(&buf, jtlgen.Config{Rows: 60_000, Seed: seed, RatePerSec: 300}); err != nil {
			t.Fatal(err)
		}
		r, err := jtl.NewReader(&buf, "random.csv", jtl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := analysis.Analyze(r, analysis.Config{})
		if err != nil {
			t.Fatal(err)
		}
		l := res.Limit
		if !l.Detected || l.Algorithm != analysis.AlgoUnknown || l.Confidence != analysis.ConfAmbiguous {
			t.Errorf("seed %d: limit %s/%s confidence %s (detected %v), want unknown and ambiguous", seed, l.Algorithm, l.Scope, l.Confidence, l.Detected)
			continue
		}
		if l.RatePerS == nil || *l.RatePerS <= 0 {
			t.Errorf("seed %d: no admitted rate reported", seed)
			continue
		}
		if rec := res.Recommendation; rec.SafetyFactor != 0.7 || rec.TargetRatePerS <= 0 {
			t.Errorf("seed %d: recommendation s=%v target=%v, want s=0.7 and a target", seed, rec.SafetyFactor, rec.TargetRatePerS)
		}
		if !strings.Contains(strings.Join(l.Caveats, "\n"), "better than chance") {
			t.Errorf("seed %d: caveats do not say why: %q", seed, l.Caveats)
		}
	}
}
