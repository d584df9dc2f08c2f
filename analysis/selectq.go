package analysis

import "math"

// quantileInt returns the q-quantile of v as quantile does (linear between
// the neighbouring order statistics), in expected linear time by selection
// rather than sorting; it reorders v. NaN when v is empty.
func quantileInt(v []int32, q float64) float64 {
	n := len(v)
	if n == 0 {
		return math.NaN()
	}
	pos := q * float64(n-1)
	i := int(pos)
	if i >= n-1 {
		return float64(selectK(v, n-1))
	}
	a := selectK(v, i)
	b := v[i+1]
	for _, x := range v[i+2:] {
		b = min(b, x)
	}
	f := pos - float64(i)
	return float64(a)*(1-f) + float64(b)*f
}

// selectK moves the k-th smallest element of v to v[k], the smaller ones
// before it and the larger ones after, and returns it (Hoare's selection
// with a median-of-three pivot).
func selectK(v []int32, k int) int32 {
	lo, hi := 0, len(v)-1
	for hi > lo {
		if hi-lo < 16 {
			for i := lo + 1; i <= hi; i++ {
				for j := i; j > lo && v[j] < v[j-1]; j-- {
					v[j], v[j-1] = v[j-1], v[j]
				}
			}
			break
		}
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		p := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < p {
				i++
			}
			for v[j] > p {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}
