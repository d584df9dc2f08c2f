package hist

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// exactQuantile is the reference: the value of rank round(q*n) (at least 1)
// of the sorted values, JMeter's getPercentPoint rule.
func exactQuantile(sorted []float64, q float64) float64 {
	if q <= 0 {
		return sorted[0]
	}
	if q >= 1 {
		return sorted[len(sorted)-1]
	}
	rank := int(math.Round(q * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

type distribution struct {
	name  string
	whole bool // round to whole numbers (milliseconds)
	gen   func(r *rand.Rand) float64
}

var distributions = []distribution{
	{"lognormal", false, func(r *rand.Rand) float64 { return math.Exp(5 + 1.2*r.NormFloat64()) }},
	{"lognormal-ms", true, func(r *rand.Rand) float64 { return math.Round(math.Exp(5 + 1.2*r.NormFloat64())) }},
	{"uniform", false, func(r *rand.Rand) float64 { return 10 + 990*r.Float64() }},
	{"uniform-ms", true, func(r *rand.Rand) float64 { return float64(r.IntN(3000)) }},
	{"bimodal", false, func(r *rand.Rand) float64 {
		if r.IntN(10) < 7 {
			return math.Abs(40 + 5*r.NormFloat64())
		}
		return math.Abs(1500 + 300*r.NormFloat64())
	}},
	{"heavy-tail-pareto", false, func(r *rand.Rand) float64 { return 20 / math.Pow(1-r.Float64(), 1/1.1) }},
	{"heavy-tail-ms", true, func(r *rand.Rand) float64 { return math.Floor(5 / math.Pow(1-r.Float64(), 1/0.8)) }},
	{"tiny-seconds", false, func(r *rand.Rand) float64 { return 0.001 + 0.05*r.ExpFloat64() }},
}

var quantiles = []float64{0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}

// checkQuantiles compares every quantile of h with the exact one.
func checkQuantiles(t *testing.T, h *Histogram, values []float64, whole bool) {
	t.Helper()
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	bound := MaxRelativeError
	if whole {
		bound = MaxRelativeErrorInt
	}
	if bound > 0.01 {
		t.Fatalf("documented bound %g exceeds the 1%% contract", bound)
	}
	for _, q := range quantiles {
		want := exactQuantile(sorted, q)
		got := h.Quantile(q)
		rel := math.Abs(got-want) / math.Max(want, 1e-300)
		if want == 0 {
			rel = math.Abs(got)
		}
		if rel > bound {
			t.Errorf("q=%g: got %g, exact %g, relative error %.5f > %.5f", q, got, want, rel, bound)
		}
		if whole && want < 512 && got != want {
			t.Errorf("q=%g: whole-number value below 512: got %g, want exactly %g", q, got, want)
		}
	}
	var sum float64
	for _, v := range values {
		sum += v
	}
	if h.Count() != uint64(len(values)) {
		t.Errorf("Count = %d, want %d", h.Count(), len(values))
	}
	if h.Min() != sorted[0] || h.Max() != sorted[len(sorted)-1] {
		t.Errorf("Min/Max = %g/%g, want %g/%g", h.Min(), h.Max(), sorted[0], sorted[len(sorted)-1])
	}
	if want := sum / float64(len(values)); math.Abs(h.Mean()-want) > 1e-9*want {
		t.Errorf("Mean = %g, want %g", h.Mean(), want)
	}
}

func TestQuantilesWithinBound(t *testing.T) {
	for seed, d := range distributions {
		t.Run(d.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(seed), 42))
			values := make([]float64, 200_000)
			var h Histogram
			for i := range values {
				values[i] = d.gen(r)
				h.Add(values[i])
			}
			checkQuantiles(t, &h, values, d.whole)
		})
	}
}

func TestMergeEqualsSingle(t *testing.T) {
	for seed, d := range distributions {
		t.Run(d.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(seed), 7))
			values := make([]float64, 100_000)
			// Four parts with different ranges, merged out of order, so
			// that Merge has to widen the receiver both ways.
			parts := make([]Histogram, 4)
			var single Histogram
			for i := range values {
				values[i] = d.gen(r) * float64(1+i%4*10)
				if d.whole {
					values[i] = math.Round(values[i])
				}
				parts[i%4].Add(values[i])
				single.Add(values[i])
			}
			var merged Histogram
			for _, i := range []int{2, 0, 3, 1} {
				merged.Merge(&parts[i])
			}
			checkQuantiles(t, &merged, values, d.whole)
			for _, q := range quantiles {
				if a, b := merged.Quantile(q), single.Quantile(q); a != b {
					t.Errorf("q=%g: merged %g != single %g", q, a, b)
				}
			}
		})
	}
}

func TestAddNWeights(t *testing.T) {
	var h, ref Histogram
	h.AddN(10, 3)
	h.AddN(20, 1)
	h.AddN(99, 0) // no-op
	for _, v := range []float64{10, 10, 10, 20} {
		ref.Add(v)
	}
	if h.Count() != 4 || h.Mean() != 12.5 || h.Max() != 20 {
		t.Fatalf("AddN: count %d mean %g max %g, want 4 12.5 20", h.Count(), h.Mean(), h.Max())
	}
	for _, q := range quantiles {
		if h.Quantile(q) != ref.Quantile(q) {
			t.Errorf("q=%g: AddN %g, Add %g", q, h.Quantile(q), ref.Quantile(q))
		}
	}
	// JMeter's nearest rank: rank round(0.75*4)=3 is 10, rank round(0.9*4)=4 is 20.
	if got := h.Quantile(0.75); got != 10 {
		t.Errorf("p75 = %g, want 10", got)
	}
	if got := h.Quantile(0.9); got != 20 {
		t.Errorf("p90 = %g, want 20", got)
	}
}

func TestEdges(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Fatal("empty histogram must report zeros")
	}
	h.Add(math.NaN())
	if h.Count() != 0 {
		t.Fatal("NaN must be ignored")
	}
	h.Add(0)
	h.Add(0)
	h.Add(-3) // below range: shares the zero bucket, Min stays exact
	h.Add(1e300)
	if h.Min() != -3 || h.Max() != 1e300 {
		t.Errorf("Min/Max = %g/%g", h.Min(), h.Max())
	}
	if got := h.Quantile(0.5); got != 0 {
		t.Errorf("median of {-3,0,0,1e300} = %g, want 0", got)
	}
	if got := h.Quantile(1); got != 1e300 {
		t.Errorf("max quantile = %g, want 1e300", got)
	}
	h.Reset()
	if h.Count() != 0 || h.Quantile(0.5) != 0 {
		t.Error("Reset must empty the histogram")
	}
	h.Add(7)
	if h.Quantile(0.5) != 7 || h.Min() != 7 {
		t.Errorf("after Reset: median %g min %g, want 7", h.Quantile(0.5), h.Min())
	}
}

func TestBucketsAreContiguousAndNarrow(t *testing.T) {
	prevHi := MinValue
	for b := 1; b < Buckets; b++ {
		lo, hi := bounds(b)
		if lo != prevHi {
			t.Fatalf("bucket %d starts at %g, previous ended at %g", b, lo, prevHi)
		}
		if (hi-lo)/lo > 1.0/SubBuckets*1.0000001 {
			t.Fatalf("bucket %d [%g,%g) is %.4f%% wide", b, lo, hi, 100*(hi-lo)/lo)
		}
		if bucketOf(lo) != b || bucketOf(math.Nextafter(hi, 0)) != b {
			t.Fatalf("bucketOf disagrees with bounds at bucket %d", b)
		}
		prevHi = hi
	}
	if prevHi != MaxValue {
		t.Fatalf("last bucket ends at %g, want %g", prevHi, MaxValue)
	}
}

func TestAddDoesNotAllocate(t *testing.T) {
	var h Histogram
	h.Add(1)
	h.Add(100000)
	allocs := testing.AllocsPerRun(1000, func() {
		h.Add(12345)
		h.AddN(3, 2)
	})
	if allocs != 0 {
		t.Errorf("Add allocates %v times per call", allocs)
	}
}

func TestMemoryBounded(t *testing.T) {
	var h Histogram
	for v := 1.0; v < 60_000; v *= 1.001 {
		h.Add(v)
	}
	if n := cap(h.counts); n > 17*SubBuckets+2*SubBuckets {
		t.Errorf("1 ms..1 min takes %d buckets, want about %d", n, 17*SubBuckets)
	}
	h.Add(1e-30)
	h.Add(1e30)
	if n := cap(h.counts); n > Buckets {
		t.Errorf("%d buckets, more than the bound %d", n, Buckets)
	}
}

func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = math.Round(math.Exp(5 + r.NormFloat64()))
	}
	var h Histogram
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Add(vals[i&4095])
	}
}

func BenchmarkQuantile(b *testing.B) {
	var h Histogram
	for v := 1.0; v < 60_000; v *= 1.01 {
		h.Add(math.Round(v))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = h.Quantile(0.99)
	}
}
