package harness

import (
	"math"
	"slices"
)

// Spread summarises one figure over rounds: the median and the min–max.
type Spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
}

// SpreadOf returns the median and min–max of xs, ignoring NaNs; the zero
// Spread (N == 0) for none.
func SpreadOf(xs []float64) Spread {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Spread{}
	}
	slices.Sort(v)
	s := Spread{Min: v[0], Max: v[len(v)-1], N: len(v)}
	if len(v)%2 == 1 {
		s.Median = v[len(v)/2]
	} else {
		s.Median = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return s
}

// RatioSpread pairs a[i] with b[i] (round i of each server, measured
// back to back) and returns the spread of a[i]/b[i]. Pairs where either
// side is NaN or b[i] is 0 are skipped.
func RatioSpread(a, b []float64) Spread {
	n := min(len(a), len(b))
	r := make([]float64, 0, n)
	for i := range n {
		if b[i] == 0 || math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			continue
		}
		r = append(r, a[i]/b[i])
	}
	return SpreadOf(r)
}
