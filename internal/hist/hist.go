// Package hist is a mergeable histogram of non-negative values with a bounded
// relative error: quantiles of millions of response times in a few tens of
// kilobytes, without storing the values.
//
// Buckets are log-linear, as in HdrHistogram: every power-of-two range
// [2^e, 2^(e+1)) is split into SubBuckets equal sub-buckets, so a bucket is at
// most 1/SubBuckets (0.39%) of its lower bound wide. A quantile is reported as
// the middle of its bucket, so it is within MaxRelativeError (0.2%) of the
// exact value; when every value added is a whole number (milliseconds, as in
// JTL files), the estimate is rounded to a whole number inside the bucket,
// which makes values below 512 exact and keeps larger ones within
// MaxRelativeErrorInt (0.3%). Count, Min, Max, Sum and Mean are exact.
//
// Quantile uses the nearest-rank rule of JMeter's Aggregate Report
// (StatCalculator.getPercentPoint): the value of rank round(q*Count).
//
// Memory is bounded: buckets are allocated only between the smallest and
// largest values seen, at most Buckets counters (about 100 KiB) for values
// from MinValue to MaxValue; milliseconds from 1 ms to 1 minute take about
// 35 KiB. Values below MinValue (including 0 and negative values) share one
// bucket reported as 0; values above MaxValue share the top bucket. Add does
// not allocate except when a value outside the range seen so far widens it.
package hist

import (
	"math"
)

const (
	subBits = 8
	// SubBuckets is the number of buckets per power-of-two range.
	SubBuckets = 1 << subBits
	// minExp and maxExp bound the bucketed range [2^minExp, 2^maxExp).
	minExp = -16
	maxExp = 48
	// MinValue is the smallest value with its own bucket (2^-16, about 1.5e-5).
	MinValue = 1.0 / (1 << -minExp)
	// MaxValue is the largest value with its own bucket (2^48, about 2.8e14).
	MaxValue = float64(uint64(1) << maxExp)
	// Buckets is the number of buckets the full range takes (plus one for
	// values below MinValue).
	Buckets = (maxExp-minExp)*SubBuckets + 1
	// MaxRelativeError bounds |estimate-exact|/exact for Quantile.
	MaxRelativeError = 1.0 / (2 * SubBuckets)
	// MaxRelativeErrorInt bounds it when all values are whole numbers
	// (the estimate is rounded to a whole number in the bucket).
	MaxRelativeErrorInt = MaxRelativeError + 1.0/(4*SubBuckets)
)

// bucketBase is the float64 exponent-and-mantissa prefix of MinValue: for a
// positive float64 v, Float64bits(v)>>(52-subBits) is (biased exponent <<
// subBits | top subBits of the mantissa), which increases with v and is the
// log-linear bucket number up to a constant.
const bucketBase = uint64(1023+minExp) << subBits

// Histogram accumulates values. The zero value is an empty histogram ready
// to use. It is not safe for concurrent use; give each goroutine its own and
// Merge them.
type Histogram struct {
	counts []uint64 // counts[i] is bucket lo+i
	lo     int      // bucket index of counts[0]

	count  uint64
	sum    float64
	min    float64
	max    float64
	nonInt bool // some value was not a whole number
}

// bucketOf returns the bucket index of v: 0 for v < MinValue (and NaN),
// 1..Buckets-1 otherwise.
func bucketOf(v float64) int {
	if !(v >= MinValue) {
		return 0
	}
	if v >= MaxValue {
		return Buckets - 1
	}
	return int(math.Float64bits(v)>>(52-subBits)-bucketBase) + 1
}

// bounds returns the value range [lo, hi) of bucket b.
func bounds(b int) (lo, hi float64) {
	if b == 0 {
		return 0, MinValue
	}
	bits := (uint64(b-1) + bucketBase) << (52 - subBits)
	lo = math.Float64frombits(bits)
	hi = math.Float64frombits(bits + 1<<(52-subBits))
	return lo, hi
}

// Add records one value v.
func (h *Histogram) Add(v float64) { h.AddN(v, 1) }

// AddN records n occurrences of v (n = 0 is a no-op). JMeter's Statistical
// mode rows, which stand for SampleCount samples, are added this way.
func (h *Histogram) AddN(v float64, n uint64) {
	if n == 0 || v != v { // NaN is ignored
		return
	}
	b := bucketOf(v)
	i := b - h.lo
	if uint(i) >= uint(len(h.counts)) {
		h.grow(b)
		i = b - h.lo
	}
	h.counts[i] += n
	if h.count == 0 {
		h.min, h.max = v, v
	}
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.count += n
	h.sum += v * float64(n)
	if !h.nonInt && v != math.Trunc(v) {
		h.nonInt = true
	}
}

// grow widens counts so that it covers bucket b, with some slack so that a
// slowly rising maximum does not reallocate at every new value.
func (h *Histogram) grow(b int) {
	if h.counts == nil {
		lo := b - SubBuckets/2
		if lo < 0 {
			lo = 0
		}
		hi := b + SubBuckets
		if hi > Buckets {
			hi = Buckets
		}
		h.lo = lo
		h.counts = make([]uint64, hi-lo)
		return
	}
	lo, hi := h.lo, h.lo+len(h.counts)
	if b < lo {
		lo = b - SubBuckets
		if lo < 0 {
			lo = 0
		}
	}
	if b >= hi {
		hi = b + 1 + (hi-lo)/2
		if hi > Buckets {
			hi = Buckets
		}
	}
	c := make([]uint64, hi-lo)
	copy(c[h.lo-lo:], h.counts)
	h.lo, h.counts = lo, c
}

// Merge adds every value recorded in o to h. o is not changed.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.count == 0 {
		return
	}
	for i, n := range o.counts {
		if n == 0 {
			continue
		}
		b := o.lo + i
		if j := b - h.lo; uint(j) >= uint(len(h.counts)) {
			h.grow(b)
		}
		h.counts[b-h.lo] += n
	}
	if h.count == 0 {
		h.min, h.max = o.min, o.max
	} else {
		h.min = math.Min(h.min, o.min)
		h.max = math.Max(h.max, o.max)
	}
	h.count += o.count
	h.sum += o.sum
	h.nonInt = h.nonInt || o.nonInt
}

// Reset empties h, keeping its memory.
func (h *Histogram) Reset() {
	clear(h.counts)
	c, lo := h.counts, h.lo
	*h = Histogram{counts: c, lo: lo}
}

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 { return h.count }

// Sum returns the sum of the values recorded.
func (h *Histogram) Sum() float64 { return h.sum }

// Min returns the smallest value recorded, or 0 when empty.
func (h *Histogram) Min() float64 { return h.min }

// Max returns the largest value recorded, or 0 when empty.
func (h *Histogram) Max() float64 { return h.max }

// Mean returns the arithmetic mean of the values, or 0 when empty.
func (h *Histogram) Mean() float64 {
	if h.count == 0 {
		return 0
	}
	return h.sum / float64(h.count)
}

// Quantile returns the q-quantile (0 <= q <= 1) of the values recorded:
// the value of rank round(q*Count) (at least 1) in ascending order, as
// JMeter's Aggregate Report computes its percentiles; q <= 0 gives Min and
// q >= 1 gives Max. The result is within MaxRelativeError of the exact value
// (MaxRelativeErrorInt for whole-number data) and never outside [Min, Max].
// It returns 0 when h is empty.
func (h *Histogram) Quantile(q float64) float64 {
	if h.count == 0 {
		return 0
	}
	if q <= 0 {
		return h.min
	}
	if q >= 1 {
		return h.max
	}
	rank := uint64(math.Round(q * float64(h.count)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, n := range h.counts {
		seen += n
		if seen >= rank {
			return h.representative(h.lo + i)
		}
	}
	return h.max
}

// representative is the value reported for a quantile that falls in bucket b.
func (h *Histogram) representative(b int) float64 {
	lo, hi := bounds(b)
	v := lo + (hi-lo)/2
	if b == 0 {
		v = 0
	}
	if !h.nonInt && b > 0 {
		// Whole-number data: the exact value is a whole number in [lo, hi).
		first, last := math.Ceil(lo), math.Ceil(hi)-1
		v = math.Round(v)
		v = math.Max(first, math.Min(last, v))
	}
	return math.Max(h.min, math.Min(h.max, v))
}

// ForEach calls fn for every non-empty bucket in ascending order with the
// bucket's value range [lo, hi) and its count, for callers that draw a
// distribution; it stops when fn returns false.
func (h *Histogram) ForEach(fn func(lo, hi float64, n uint64) bool) {
	for i, n := range h.counts {
		if n == 0 {
			continue
		}
		lo, hi := bounds(h.lo + i)
		if !fn(lo, hi, n) {
			return
		}
	}
}
