package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// DistKind is the shape of a Dist.
type DistKind int

// Distribution shapes.
const (
	DistConstant    DistKind = iota // always A
	DistUniform                     // A + U[0, B)
	DistGaussian                    // |A + N(0, B)|
	DistLognormal                   // median A, shape Sigma
	DistExponential                 // mean A
)

// Dist is a distribution of durations.
type Dist struct {
	Kind  DistKind
	A, B  time.Duration
	Sigma float64
}

// Const returns a constant duration.
func Const(d time.Duration) Dist { return Dist{Kind: DistConstant, A: d} }

// Uniform returns lo + U[0, span).
func Uniform(lo, span time.Duration) Dist { return Dist{Kind: DistUniform, A: lo, B: span} }

// Gaussian returns |mean + N(0, dev)|.
func Gaussian(mean, dev time.Duration) Dist { return Dist{Kind: DistGaussian, A: mean, B: dev} }

// Lognormal returns a lognormal duration with the given median and shape.
func Lognormal(median time.Duration, sigma float64) Dist {
	return Dist{Kind: DistLognormal, A: median, Sigma: sigma}
}

// Exponential returns an exponential duration with the given mean.
func Exponential(mean time.Duration) Dist { return Dist{Kind: DistExponential, A: mean} }

// Sample draws one duration in ns.
func (d Dist) Sample(rng *rand.Rand) int64 {
	switch d.Kind {
	case DistUniform:
		if d.B <= 0 {
			return int64(d.A)
		}
		return int64(d.A) + rng.Int64N(int64(d.B))
	case DistGaussian:
		v := float64(d.A) + rng.NormFloat64()*float64(d.B)
		return int64(math.Abs(v))
	case DistLognormal:
		return int64(float64(d.A) * math.Exp(d.Sigma*rng.NormFloat64()))
	case DistExponential:
		return int64(rng.ExpFloat64() * float64(d.A))
	}
	return int64(d.A)
}

// Mean returns the mean of the distribution.
func (d Dist) Mean() time.Duration {
	switch d.Kind {
	case DistUniform:
		return d.A + d.B/2
	case DistGaussian:
		// Folded normal mean.
		m, s := float64(d.A), float64(d.B)
		if s == 0 {
			return time.Duration(math.Abs(m))
		}
		return time.Duration(s*math.Sqrt(2/math.Pi)*math.Exp(-m*m/(2*s*s)) + m*(1-2*normCDF(-m/s)))
	case DistLognormal:
		return time.Duration(float64(d.A) * math.Exp(d.Sigma*d.Sigma/2))
	}
	return d.A
}

func normCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// String describes the distribution.
func (d Dist) String() string {
	switch d.Kind {
	case DistUniform:
		return fmt.Sprintf("uniform %v..%v", d.A, d.A+d.B)
	case DistGaussian:
		return fmt.Sprintf("gaussian %v±%v", d.A, d.B)
	case DistLognormal:
		return fmt.Sprintf("lognormal median %v σ %.2f", d.A, d.Sigma)
	case DistExponential:
		return fmt.Sprintf("exponential mean %v", d.A)
	}
	return d.A.String()
}
