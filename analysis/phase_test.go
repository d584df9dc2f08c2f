package analysis_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"time"

	"jmtune/analysis"
	rl "jmtune/internal/limiter"
	"jmtune/internal/sim"
)

// trueGrid is where a fixed-window server really puts its window
// boundaries: at BaseS + k*WindowS (epoch seconds).
type trueGrid struct {
	BaseS, WindowS float64
}

// phaseTolS is how far a reported boundary may lie from the server's: the
// arrival times the analysis works from are client times plus an estimated
// one-way delay (tens of ms), and Retry-After is whole seconds; half a
// second is well outside what a right fit gets wrong and well inside what
// a wrong phase does (a window's worth of requests moves across it).
const phaseTolS = 0.5

// phaseFailure checks the window boundaries an analysis reports
// (limit.phase_s + k*limit.window_s, epoch seconds, with the values exactly
// as written in JSON) against the server's true grid: every reported
// boundary inside the run must lie within tol of a true boundary. It
// returns "" when they do, else what is wrong; and the worst offset seen.
func phaseFailure(res *analysis.Result, g trueGrid, tol float64) (string, float64) {
	l := res.Limit
	if l.PhaseS == nil || l.WindowS == nil || *l.WindowS <= 0 {
		return "phase_s or window_s missing", math.NaN()
	}
	w, ph := *l.WindowS, *l.PhaseS
	lo := float64(res.Run.StartMs) / 1000
	hi := lo + res.Run.DurationS
	k := math.Floor((lo - ph) / w)
	worst, worstAt, n := 0.0, 0.0, 0
	for b := ph + k*w; b <= hi; b = ph + k*w {
		k++
		if b < lo {
			continue
		}
		n++
		// Distance to the nearest true boundary.
		x := math.Mod(b-g.BaseS, g.WindowS)
		if x < 0 {
			x += g.WindowS
		}
		d := math.Min(x, g.WindowS-x)
		if d > worst {
			worst, worstAt = d, b-lo
		}
	}
	if n == 0 {
		return fmt.Sprintf("no reported boundary (phase %g, window %g) inside the run", ph, w), math.NaN()
	}
	if worst > tol {
		return fmt.Sprintf("window boundary %.3f s into the run is %.3f s from the server's (phase_s %g, window_s %g; true boundaries at %.3f + k*%g epoch s), want within %g s",
			worstAt, worst, ph, w, g.BaseS, g.WindowS, tol), worst
	}
	return "", worst
}

// simGrid returns the true boundary grid of a simulated run's binding
// fixed-window (or sliding-counter) level, and false when the binding
// level has no fixed grid (another algorithm, or windows that start at a
// key's first request).
func simGrid(run *sim.Run, ex sim.Expected) (trueGrid, bool) {
	lv := ex.Observed.BindingLevel
	if !ex.Limit.Detected || lv < 0 || lv >= len(run.Config.Server.Levels) {
		return trueGrid{}, false
	}
	c := run.Config.Server.Levels[lv].Config
	if c.Algorithm != rl.FixedWindow && c.Algorithm != rl.SlidingCounter {
		return trueGrid{}, false
	}
	var base time.Duration = c.Phase
	switch c.Align {
	case rl.AlignFirst:
		return trueGrid{}, false
	case rl.AlignStart:
		origin := c.Origin
		if origin == 0 {
			start := run.Config.StartUnixMs
			if start == 0 {
				start = sim.DefaultStartUnixMs
			}
			origin = start * 1e6
		}
		base += time.Duration(origin % int64(c.Window))
	}
	w := c.Window.Seconds()
	return trueGrid{BaseS: math.Mod(base.Seconds(), w), WindowS: w}, true
}

// scenarioGrid reads a real scenario's truth.json and returns the server's
// boundary grid when its limiter is a fixed window on a fixed grid: window
// index = (mono_ns + window_offset_ns) / window with mono_ns counted from
// start_unix_ns (window_align "start", plus first_reset), or from the
// epoch (window_align "epoch").
func scenarioGrid(path string) (trueGrid, bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return trueGrid{}, false, err
	}
	var tr struct {
		Algo       string  `json:"algo"`
		WindowS    float64 `json:"window_s"`
		Align      string  `json:"window_align"`
		FirstReset string  `json:"first_reset"`
		StartNs    int64   `json:"start_unix_ns"`
		OffsetNs   int64   `json:"window_offset_ns"`
	}
	if err := json.Unmarshal(raw, &tr); err != nil {
		return trueGrid{}, false, fmt.Errorf("%s: %v", path, err)
	}
	if tr.Algo != "fixed" || tr.WindowS <= 0 {
		return trueGrid{}, false, nil
	}
	wNs := int64(tr.WindowS * 1e9)
	base := -tr.OffsetNs
	switch tr.Align {
	case "start":
		base += tr.StartNs
		if tr.FirstReset != "" {
			d, err := time.ParseDuration(tr.FirstReset)
			if err != nil {
				return trueGrid{}, false, fmt.Errorf("%s: first_reset: %v", path, err)
			}
			base += int64(d)
		}
	case "epoch":
	default:
		return trueGrid{}, false, nil
	}
	base %= wNs
	if base < 0 {
		base += wNs
	}
	return trueGrid{BaseS: float64(base) / 1e9, WindowS: tr.WindowS}, true, nil
}
