package tune

import (
	"strings"
	"testing"

	"jmtune/jmx"
)

// TestPropertyDefaults: a ramp-up written as ${__P(rampup,10)} is tuned by
// changing the default, which a -Jrampup on the command line overrides; the
// result lists those properties so that the CLI can say so. The seed plan
// starts 200 threads over 10 s under a scheduler of 300 s: at 8/s the
// ramp-up must be 200/8 = 25 s and the duration grows by the same 15 s. A
// plan with plain numbers has no property defaults.
func TestPropertyDefaults(t *testing.T) {
	res, err := Tune(load(t, seedFile), seedSettings())
	if err != nil {
		t.Fatal(err)
	}
	want := []PropertyDefault{{Name: "rampup", Value: "25"}, {Name: "duration", Value: "315"}}
	if len(res.PropertyDefaults) != len(want) {
		t.Fatalf("property defaults %+v; want %+v", res.PropertyDefaults, want)
	}
	for i, d := range res.PropertyDefaults {
		if d.Name != want[i].Name || d.Value != want[i].Value || d.Where == "" {
			t.Errorf("property default %d = %+v; want %+v at the thread group", i, d, want[i])
		}
	}
	for _, ch := range res.Changes {
		if strings.HasPrefix(ch.What, "ramp-up") && !strings.Contains(ch.Why, "-Jrampup=... on the JMeter command line overrides it, so rerun without -Jrampup (or with -Jrampup=25)") {
			t.Errorf("the ramp-up change does not say that -Jrampup overrides it: %s", ch.Why)
		}
	}

	// The demo's seed plan starts 200 threads over 60 s (intProps): at 2/s
	// the ramp-up becomes 100 s, a number.
	s := rate(2, "")
	s.Labels = jmx.MustGlob("GET agent script")
	res, err = Tune(load(t, "../../internal/demodata/seed-plan.jmx"), s)
	if err != nil {
		t.Fatal(err)
	}
	ramped := false
	for _, ch := range res.Changes {
		if ch.What == "ramp-up (s) 60 -> 100" {
			ramped = true
		}
	}
	if !ramped {
		t.Errorf("the seed plan's ramp-up was not set to 100 s: %+v", res.Changes)
	}
	if len(res.PropertyDefaults) != 0 {
		t.Errorf("a plan of plain numbers: property defaults %+v; want none", res.PropertyDefaults)
	}
}
