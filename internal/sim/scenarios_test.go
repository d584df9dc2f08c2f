package sim

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"jmtune/internal/limiter"
)

// TestScenarios runs every scenario and checks that its load exercises the
// limiter and that the expected answer agrees with what the run shows: the
// admitted rate while throttled is the expected rate, the Retry-After values
// fit the semantics.
func TestScenarios(t *testing.T) {
	scs := Scenarios()
	if len(scs) < 14 {
		t.Fatalf("%d scenarios, want at least 14", len(scs))
	}
	names := map[string]bool{}
	for _, sc := range scs {
		if names[sc.Name] {
			t.Errorf("duplicate scenario name %q", sc.Name)
		}
		names[sc.Name] = true
		t.Run(sc.Name, func(t *testing.T) {
			r, err := sc.Run()
			if err != nil {
				t.Fatal(err)
			}
			ex := sc.Expect(r)
			ob := ex.Observed
			b, _ := json.Marshal(ex)
			t.Logf("%s", b)
			if sc.Format != "csv" && sc.Format != "csv213" && sc.Format != "xml" {
				t.Errorf("format %q", sc.Format)
			}
			if ob.Rows < 300 {
				t.Errorf("%d rows: too few to analyse", ob.Rows)
			}
			if sc.Name == "under-the-limit" {
				if ob.Throttled != 0 || ex.Limit.Detected || ex.Onset.Threads != nil {
					t.Errorf("under the limit: %d throttled, detected %v", ob.Throttled, ex.Limit.Detected)
				}
				return
			}
			if ob.ThrottledShare < 0.10 || ob.ThrottledShare > 0.70 {
				t.Errorf("throttled share %.3f: the load should saturate the limiter without drowning it (10-70%%)", ob.ThrottledShare)
			}
			el := ex.Limit
			if !el.Detected || el.Algorithm == "" || el.Scope == "" {
				t.Fatalf("expected limit %+v", el)
			}
			if el.Scope == ScopePerThread {
				if ex.Onset.Threads != nil {
					t.Error("per-thread scope with an onset")
				}
			} else if ex.Onset.Threads == nil || *ex.Onset.Threads < 1 || *ex.Onset.Threads > ob.MaxThreads {
				t.Errorf("onset %v with %d threads", ex.Onset.Threads, ob.MaxThreads)
			}
			if el.RatePerS != nil {
				got := admittedRateWhileThrottled(r, el.Scope)
				if el.Algorithm == AlgoFixedWindow {
					got = admittedPerThrottledWindow(r, ob.BindingLevel)
				}
				if math.Abs(got-*el.RatePerS)/(*el.RatePerS) > 0.08 {
					t.Errorf("admitted %.3f/s while throttled, expected rate %.3f/s", got, *el.RatePerS)
				}
			}
			switch ex.RetryAfter.Semantics[0] {
			case RASemAbsent:
				if ob.RetryAfterS != nil && sc.Format == "xml" {
					t.Errorf("semantics absent but Retry-After seen %v", ob.RetryAfterS)
				}
			case RASemWindowReset:
				if el.WindowS == nil || ob.RetryAfterS[1] > *el.WindowS+1 {
					t.Errorf("window-reset Retry-After up to %v s with window %v", ob.RetryAfterS, el.WindowS)
				}
			case RASemTokenRefill:
				if ob.RetryAfterS[1] > math.Ceil(1 / *el.RatePerS) {
					t.Errorf("token-refill Retry-After up to %v s at %v/s", ob.RetryAfterS[1], *el.RatePerS)
				}
			}
		})
	}
}

// admittedRateWhileThrottled measures the admitted rate of limited requests
// between the first and last throttle, per partition (thread, label) when
// the scope says so, averaged over partitions that were throttled.
func admittedRateWhileThrottled(r *Run, scope string) float64 {
	key := func(d Decision) string {
		switch scope {
		case ScopePerThread:
			return d.Token
		case ScopePerLabel:
			return d.Label
		}
		return ""
	}
	type span struct {
		first, last int64
		has         bool
	}
	spans := map[string]*span{}
	for _, d := range r.Decisions {
		if !d.Throttled() {
			continue
		}
		s := spans[key(d)]
		if s == nil {
			s = &span{first: d.ArriveNs}
			spans[key(d)] = s
		}
		s.last, s.has = d.ArriveNs, true
	}
	var sum float64
	n := 0
	for k, s := range spans {
		if s.last-s.first < 20e9 {
			continue
		}
		adm := 0
		for _, d := range r.Decisions {
			if d.Limited && !d.Throttled() && key(d) == k && d.ArriveNs >= s.first && d.ArriveNs < s.last {
				adm++
			}
		}
		sum += float64(adm) / (float64(s.last-s.first) / 1e9)
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// admittedPerThrottledWindow measures, as the scenarios' README does for
// fixed windows, the admitted requests of every throttled window (each
// key's first and last window left out) over the windows' length, with the
// windows rebuilt from the binding level's configuration.
func admittedPerThrottledWindow(r *Run, level int) float64 {
	lv := r.Config.Server.Levels[level]
	c := lv.Config
	w := int64(c.Window)
	type win struct{ adm, thr int }
	wins := map[string]map[int64]*win{}
	open := map[string][2]int64{} // AlignFirst: current window [start, end) per key
	base := int64(c.Phase)
	if c.Align == limiter.AlignStart {
		base += r.Config.StartUnixMs * 1e6
		if r.Config.StartUnixMs == 0 {
			base += DefaultStartUnixMs * 1e6
		}
	}
	for _, d := range r.Decisions {
		if !d.Limited {
			continue
		}
		key := lv.Scope.Key(limiter.Request{Token: d.Token, Label: d.Label})
		var k int64
		if c.Align == limiter.AlignFirst {
			o, ok := open[key]
			if !ok || d.ArriveNs >= o[1] {
				o = [2]int64{d.ArriveNs, d.ArriveNs + w}
				open[key] = o
			}
			k = o[0]
		} else {
			k = (d.ArriveNs - base) / w
		}
		if wins[key] == nil {
			wins[key] = map[int64]*win{}
		}
		x := wins[key][k]
		if x == nil {
			x = &win{}
			wins[key][k] = x
		}
		if d.Throttled() && d.Level == level {
			x.thr++
		} else if !d.Throttled() {
			x.adm++
		}
	}
	adm, n := 0, 0
	for _, ws := range wins {
		var ks []int64
		for k := range ws {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		for _, k := range ks[1 : len(ks)-1] {
			if ws[k].thr > 0 {
				adm += ws[k].adm
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(adm) / (float64(n) * c.Window.Seconds())
}

// TestOnsetRule checks the onset rule on a hand-made run: a lone early
// 429, a gap longer than G, then sustained 429s.
func TestOnsetRule(t *testing.T) {
	sm := &Sampler{Label: "GET", Limited: true}
	r := &Run{Config: Config{Server: Server{}}}
	add := func(ms int64, code int16, all int32) {
		r.recs = append(r.recs, record{s: sm, start: ms * 1e6, code: code, all: all})
	}
	add(1000, 429, 3)  // isolated
	add(2000, 200, 4)  //
	add(9000, 429, 10) // onset: all later 429s within 5 s of each other
	add(12000, 429, 12)
	add(16000, 429, 14)
	add(20500, 429, 15)
	r.Config.Server.Levels = shared(limiterFixed(10, 1))
	if got := OnsetThreads(r, 5); got == nil || *got != 10 {
		t.Errorf("onset %v, want 10", got)
	}
	if got := OnsetThreads(r, 10); got == nil || *got != 3 {
		t.Errorf("onset with G=10 s %v, want 3 (no gap above 10 s)", got)
	}
	r.recs = r.recs[1:2]
	if got := OnsetThreads(r, 5); got != nil {
		t.Errorf("onset %v without any 429", *got)
	}
}

// TestScenarioExpectFormat: a header-less 2.13 CSV without the retryAfter
// column cannot show Retry-After, so the expected answer is "absent"; the
// same run written as XML shows it.
func TestScenarioExpectFormat(t *testing.T) {
	sc, ok := ScenarioByName("seed-csv213")
	if !ok {
		t.Fatal("no seed-csv213 scenario")
	}
	sc.Config.Groups[0].Duration = 90 * sec
	r, err := sc.Run()
	if err != nil {
		t.Fatal(err)
	}
	if ex := sc.Expect(r); ex.RetryAfter.Present || ex.RetryAfter.Semantics[0] != RASemAbsent {
		t.Errorf("csv213 without retryAfter: %+v", ex.RetryAfter)
	}
	sc.Format = "xml"
	if ex := sc.Expect(r); !ex.RetryAfter.Present || ex.RetryAfter.Semantics[0] != RASemWindowReset {
		t.Errorf("xml: %+v", ex.RetryAfter)
	}
}
