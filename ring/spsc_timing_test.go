package ring_test

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/darnerdb/darner/ring"
)

// The SPSC benchmarks run producer and consumer on two goroutines, each
// locked to its own OS thread, spinning on a full or empty ring. Their
// numbers are in docs/ring-spsc.md.

// spscSpin backs off after a failed TryPush/TryPop/PopBatch: it yields only
// every 65536 failed tries, as a safety valve. Yielding sooner distorts the
// numbers: runtime.Gosched on a locked thread hands the P to another M and
// back (two futex calls, tens of µs in a VM).
func spscSpin(spins *int) {
	*spins++
	if *spins&(1<<16-1) == 0 {
		runtime.Gosched()
	}
}

// BenchmarkSPSCThroughput is one-way throughput: a producer thread pushes
// b.N messages, the consumer thread (the benchmark goroutine) pops them.
// ns/op is per message; msgs/s is reported too.
func BenchmarkSPSCThroughput(b *testing.B) {
	b.Run("uint64/TryPop", func(b *testing.B) { spscThroughput(b, 1024, 0, func(uint64) uint64 { return 0 }) })
	b.Run("uint64/PopBatch64", func(b *testing.B) { spscThroughput(b, 1024, 64, func(uint64) uint64 { return 0 }) })
	// A pointer, as the event loop's SPSC[*hop]: slot stores and the
	// zeroing carry GC write barriers while a GC is marking.
	reqs := make([][64]byte, 256)
	mk := func(i uint64) *[64]byte { return &reqs[i&255] }
	b.Run("ptr/TryPop", func(b *testing.B) { spscThroughput(b, 1024, 0, mk) })
	b.Run("ptr/PopBatch64", func(b *testing.B) { spscThroughput(b, 1024, 64, mk) })
}

// spscThroughput pushes b.N values made by mk through a ring of capacity;
// batch 0 pops with TryPop, else with PopBatch of that size.
func spscThroughput[T any](b *testing.B, capacity, batch int, mk func(uint64) T) {
	q := ring.NewSPSC[T](capacity)
	n := b.N
	var wg sync.WaitGroup
	wg.Add(1)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	start := time.Now()
	go func() {
		defer wg.Done()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		spins := 0
		for i := 0; i < n; {
			if q.TryPush(mk(uint64(i))) {
				i++
			} else {
				spscSpin(&spins)
			}
		}
	}()
	spins := 0
	if batch == 0 {
		for got := 0; got < n; {
			if _, ok := q.TryPop(); ok {
				got++
			} else {
				spscSpin(&spins)
			}
		}
	} else {
		dst := make([]T, batch)
		for got := 0; got < n; {
			if k := q.PopBatch(dst); k > 0 {
				got += k
			} else {
				spscSpin(&spins)
			}
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	wg.Wait()
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
}

// BenchmarkSPSCRoundTrip is the hop round trip: the benchmark thread pushes
// a message on a request ring, an echo thread pops it and pushes it back on
// a reply ring, the benchmark thread pops the reply. Both consumers spin.
// ns/op is one round trip with one message in flight ("TryPop",
// "PopBatch"), or per message with 16 in flight ("PopBatch-16inflight",
// where the batch pop pays off). p50/p99/p99.9 are of one burst's round
// trip (one message, or 16), timed with time.Now.
func BenchmarkSPSCRoundTrip(b *testing.B) {
	b.Run("TryPop", func(b *testing.B) { spscRoundTrip(b, 1, false) })
	b.Run("PopBatch", func(b *testing.B) { spscRoundTrip(b, 1, true) })
	b.Run("TryPop-16inflight", func(b *testing.B) { spscRoundTrip(b, 16, false) })
	b.Run("PopBatch-16inflight", func(b *testing.B) { spscRoundTrip(b, 16, true) })
	b.Run("chan-baseline", spscChanRoundTrip)
}

// spscChanRoundTrip is the same one-in-flight round trip over two buffered
// Go channels, for comparison: a blocked receiver parks its goroutine.
func spscChanRoundTrip(b *testing.B) {
	reqs, reps := make(chan uint64, 64), make(chan uint64, 64)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for v := range reqs {
			reps <- v
		}
		close(reps)
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for i := range uint64(b.N) {
		reqs <- i
		if v := <-reps; v != i {
			b.Fatalf("reply %d, want %d", v, i)
		}
	}
	b.StopTimer()
	close(reqs)
	for range reps {
	}
}

func spscRoundTrip(b *testing.B, inflight int, batch bool) {
	reqs := ring.NewSPSC[uint64](64)
	reps := ring.NewSPSC[uint64](64)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // echo: pops requests, pushes them back as replies
		defer wg.Done()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		dst := make([]uint64, 64)
		spins := 0
		for !stop.Load() {
			var k int
			if batch {
				k = reqs.PopBatch(dst)
			} else if v, ok := reqs.TryPop(); ok {
				dst[0], k = v, 1
			}
			if k == 0 {
				spscSpin(&spins)
				continue
			}
			for _, v := range dst[:k] {
				for !reps.TryPush(v) { // cannot stay full: at most inflight queued
					spscSpin(&spins)
				}
			}
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dst := make([]uint64, 64)
	spins := 0
	// One latency sample per burst, up to 1M (8 MB), for p50/p99/p99.9.
	samples := make([]time.Duration, 0, min(b.N/inflight+1, 1<<20))
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		t0 := time.Now()
		burst := min(inflight, b.N-sent)
		for i := range burst {
			for !reqs.TryPush(uint64(sent + i)) {
				spscSpin(&spins)
			}
		}
		for got := 0; got < burst; {
			var k int
			if batch {
				k = reps.PopBatch(dst[:burst-got])
			} else if v, ok := reps.TryPop(); ok {
				dst[0], k = v, 1
			}
			if k == 0 {
				spscSpin(&spins)
				continue
			}
			for _, v := range dst[:k] {
				if v != uint64(sent+got) {
					b.Fatalf("reply %d, want %d", v, sent+got)
				}
				got++
			}
		}
		sent += burst
		if len(samples) < cap(samples) {
			samples = append(samples, time.Since(t0))
		}
	}
	b.StopTimer()
	stop.Store(true)
	wg.Wait()
	slices.Sort(samples)
	for _, p := range []struct {
		unit string
		q    float64
	}{{"p50-ns", 0.50}, {"p99-ns", 0.99}, {"p99.9-ns", 0.999}} {
		b.ReportMetric(float64(samples[int(p.q*float64(len(samples)-1))].Nanoseconds()), p.unit)
	}
}
