package analysis

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestQuantileInt compares selection with sorting on random data with many
// ties, and on sorted, reversed and constant inputs.
func TestQuantileInt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.IntN(500)
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(rng.IntN(1 + trial%40))
		}
		switch trial % 4 {
		case 1:
			slices.Sort(v)
		case 2:
			slices.Sort(v)
			slices.Reverse(v)
		case 3:
			for i := range v {
				v[i] = 7
			}
		}
		for _, q := range []float64{0, 0.25, 0.5, 0.9, 0.95, 1} {
			f := make([]float64, n)
			for i, x := range v {
				f[i] = float64(x)
			}
			want := quantile(f, q)
			got := quantileInt(slices.Clone(v), q)
			if got != want {
				t.Fatalf("trial %d n=%d q=%g: got %g, want %g (%v)", trial, n, q, got, want, v)
			}
		}
	}
}
