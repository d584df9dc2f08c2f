package analysis

import (
	"math"
	"testing"
)

// TestEpochPhase checks that phase_s, read with the window as reported
// (rounded), puts a boundary where the fit has one in the middle of the
// run, for windows that are not round: epoch seconds modulo an unrounded
// window would not (P1 once reported 1.782 for 20.003 s, 6.3 s off).
func TestEpochPhase(t *testing.T) {
	for _, c := range []struct {
		run0     int64
		phase, w float64
		mid      float64 // the middle of the run, run seconds
	}{
		{1795719887591, 18.081, 20.0034, 45},
		{1795719623457, 52.2, 59.9785, 150},
		{1795719623457, 0.3, 0.7071, 30},
		{1795719623457, 100, 123.456789, 400},
	} {
		ph := epochPhase(c.run0, c.phase, c.w, c.mid)
		W := roundSig(c.w)
		if ph < 0 || ph >= W {
			t.Errorf("%+v: phase %g outside [0, %g)", c, ph, W)
		}
		// The fitted boundary nearest mid, in epoch seconds.
		b := float64(c.run0)/1000 + c.phase + math.Round((c.mid-c.phase)/c.w)*c.w
		k := math.Round((b - ph) / W)
		if d := math.Abs(ph + k*W - b); d > 0.001 {
			t.Errorf("%+v: reported grid %g + k*%g misses the fitted boundary %.4f by %.4f s", c, ph, W, b, d)
		}
	}
}
