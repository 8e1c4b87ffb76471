package loadgen

import (
	"math"
	"math/bits"
)

// subBits sets the resolution: each power of two is split into 2^subBits
// buckets, so values are exact below 2^(subBits+1) ns and a bucket's upper
// bound is within 1/2^subBits (< 0.8%) of any value in it.
const subBits = 7

const subCount = 1 << subBits // 128 buckets per power of two

// maxShift bounds the range: values up to 2^(maxShift+subBits+1) ns
// (2^41 ns, about 36 minutes), far beyond any latency a bounded run can
// see; larger values land in the last bucket (Max stays exact).
const maxShift = 33

const histBuckets = (maxShift + 2) * subCount

// Histogram counts latencies in nanoseconds in log-linear buckets, like
// HdrHistogram with two significant decimal digits. The zero value is
// ready to use. A Histogram is not safe for concurrent use: each connection
// goroutine owns one and the results are merged after the goroutines stop.
type Histogram struct {
	Counts [histBuckets]uint64
	N      uint64
	Sum    uint64 // sum of recorded values, for the mean
	Max    uint64
	Min    uint64 // valid when N > 0
}

// bucketOf maps a value to its bucket index.
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1  // shift that leaves subBits+1 significant bits
	i := e*subCount + int(v>>uint(e)) // v>>e is in [subCount, 2*subCount)
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// bucketHigh is the largest value that lands in bucket i.
func bucketHigh(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	e := i/subCount - 1
	m := uint64(i%subCount + subCount)
	return (m+1)<<uint(e) - 1
}

// Record adds one value in nanoseconds.
func (h *Histogram) Record(ns uint64) {
	h.Counts[bucketOf(ns)]++
	if h.N == 0 || ns < h.Min {
		h.Min = ns
	}
	if ns > h.Max {
		h.Max = ns
	}
	h.N++
	h.Sum += ns
}

// Merge adds o's counts into h.
func (h *Histogram) Merge(o *Histogram) {
	if o.N == 0 {
		return
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	if h.N == 0 || o.Min < h.Min {
		h.Min = o.Min
	}
	if o.Max > h.Max {
		h.Max = o.Max
	}
	h.N += o.N
	h.Sum += o.Sum
}

// Quantile returns the value at quantile q (0 < q <= 1) in nanoseconds:
// the upper bound of the bucket holding the ceil(q*N)-th smallest value,
// clamped to the recorded maximum, as HdrHistogram's ValueAtPercentile
// does. It returns 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) uint64 {
	if h.N == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.N)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= rank {
			if i == histBuckets-1 {
				return h.Max
			}
			return min(bucketHigh(i), h.Max)
		}
	}
	return h.Max
}

// Mean returns the mean recorded value in nanoseconds.
func (h *Histogram) Mean() float64 {
	if h.N == 0 {
		return 0
	}
	return float64(h.Sum) / float64(h.N)
}
