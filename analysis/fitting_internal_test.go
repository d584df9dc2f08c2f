package analysis

import (
	"slices"
	"testing"
)

func TestClusterCentres(t *testing.T) {
	got := clusterCentres([]float64{0, 0.2, 5, 5.1, 20}, 0.3)
	want := []float64{0.1, 5.05, 20}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k := range want {
		if d := got[k] - want[k]; d > 1e-9 || d < -1e-9 {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if got := clusterCentres([]float64{3}, 1); !slices.Equal(got, []float64{3}) {
		t.Errorf("one value: %v", got)
	}
}
