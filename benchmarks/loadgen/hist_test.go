package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBucketBoundsCoverEveryValue(t *testing.T) {
	f := func(v uint64) {
		t.Helper()
		i := bucketOf(v)
		if v > bucketHigh(i) {
			t.Fatalf("value %d in bucket %d whose high is %d", v, i, bucketHigh(i))
		}
		if i > 0 && v <= bucketHigh(i-1) {
			t.Fatalf("value %d in bucket %d but fits bucket %d (high %d)", v, i, i-1, bucketHigh(i-1))
		}
		// relative error of reporting the bucket's high for v
		if v >= subCount {
			if err := float64(bucketHigh(i)-v) / float64(v); err > 1.0/64 {
				t.Fatalf("value %d: bucket high %d, error %.4f > 1/64", v, bucketHigh(i), err)
			}
		}
	}
	for v := uint64(0); v < 5000; v++ {
		f(v)
	}
	for _, v := range []uint64{127, 128, 129, 255, 256, 257, 1 << 20, 1<<20 - 1, 1<<20 + 1, 123456789, 1 << 39} {
		f(v)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		f(r.Uint64N(1 << 39))
	}
}

func TestQuantileAgainstSortedSample(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var h Histogram
	var vals []uint64
	for range 200000 {
		// log-normal-ish latencies between 10 µs and ~50 ms
		v := uint64(10000 * (1 + r.ExpFloat64()*r.ExpFloat64()*20))
		vals = append(vals, v)
		h.Record(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 0.9999, 1} {
		idx := int(float64(len(vals))*q+0.999999) - 1
		exact := vals[idx]
		got := h.Quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/64+1 {
			t.Errorf("q=%v: got %d, exact %d", q, got, exact)
		}
	}
	if h.Quantile(1) != vals[len(vals)-1] {
		t.Errorf("max quantile %d != max %d", h.Quantile(1), vals[len(vals)-1])
	}
	if h.Min != vals[0] || h.Max != vals[len(vals)-1] || h.N != uint64(len(vals)) {
		t.Errorf("min/max/n = %d/%d/%d", h.Min, h.Max, h.N)
	}
}

func TestMergeEqualsRecordingAll(t *testing.T) {
	var a, b, all Histogram
	for i := uint64(1); i <= 1000; i++ {
		v := i * i * 37
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
		all.Record(v)
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{}) // empty merge changes nothing
	if m != all {
		t.Fatalf("merged histogram differs: n=%d/%d min=%d/%d max=%d/%d", m.N, all.N, m.Min, all.Min, m.Max, all.Max)
	}
}

func TestEmptyHistogram(t *testing.T) {
	var h Histogram
	if h.Quantile(0.99) != 0 || h.Mean() != 0 {
		t.Fatalf("empty histogram: q=%d mean=%v", h.Quantile(0.99), h.Mean())
	}
	h.Record(1 << 50) // beyond the range: clamps into the last bucket
	if h.Quantile(0.5) != 1<<50 {
		t.Fatalf("huge value: q=%d", h.Quantile(0.5))
	}
}
