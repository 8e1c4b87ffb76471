package ring_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/darnerdb/darner/ring"
)

func TestSPSCCapacity(t *testing.T) {
	f := func(in, want int) {
		t.Helper()
		if got := ring.NewSPSC[int](in).Cap(); got != want {
			t.Errorf("NewSPSC(%d).Cap() = %d, want %d", in, got, want)
		}
	}
	f(0, 2)
	f(1, 2)
	f(2, 2)
	f(3, 4)
	f(4, 4)
	f(5, 8)
	f(1000, 1024)
	f(1024, 1024)
	f(1025, 2048)
	f(1<<20-1, 1<<20)

	panics := func(in int) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("NewSPSC(%d) did not panic", in)
			}
		}()
		ring.NewSPSC[int](in)
	}
	panics(-1)
	if tooBig := uint64(1<<40 + 1); tooBig <= math.MaxInt { // 64-bit int
		panics(int(tooBig))
	}
}

func TestSPSCEmpty(t *testing.T) {
	q := ring.NewSPSC[string](8)
	if v, ok := q.TryPop(); ok || v != "" {
		t.Errorf("TryPop on empty ring = %q, %v; want \"\", false", v, ok)
	}
	if n := q.PopBatch(make([]string, 4)); n != 0 {
		t.Errorf("PopBatch on empty ring = %d, want 0", n)
	}
	if n := q.PopBatch(nil); n != 0 {
		t.Errorf("PopBatch(nil) = %d, want 0", n)
	}
	if n := q.Len(); n != 0 {
		t.Errorf("Len of empty ring = %d, want 0", n)
	}
	// Push one, then PopBatch with an empty dst must not take it.
	q.TryPush("a")
	if n := q.PopBatch(nil); n != 0 || q.Len() != 1 {
		t.Errorf("PopBatch(nil) with one queued = %d, Len %d; want 0, 1", n, q.Len())
	}
}

func TestSPSCFull(t *testing.T) {
	for _, capacity := range []int{2, 4, 64} {
		t.Run(strconv.Itoa(capacity), func(t *testing.T) {
			q := ring.NewSPSC[int](capacity)
			for i := range capacity {
				if !q.TryPush(i) {
					t.Fatalf("TryPush #%d failed below capacity %d", i, capacity)
				}
			}
			if q.Len() != capacity {
				t.Errorf("Len of full ring = %d, want %d", q.Len(), capacity)
			}
			if q.TryPush(-1) {
				t.Fatalf("TryPush on full ring succeeded")
			}
			if q.Len() != capacity {
				t.Errorf("Len after refused push = %d, want %d", q.Len(), capacity)
			}
			// One pop makes room for exactly one push; the refused -1 was
			// never stored.
			if v, ok := q.TryPop(); !ok || v != 0 {
				t.Fatalf("TryPop = %d, %v; want 0, true", v, ok)
			}
			if !q.TryPush(capacity) {
				t.Fatalf("TryPush after one pop failed")
			}
			if q.TryPush(-1) {
				t.Fatalf("TryPush on refilled ring succeeded")
			}
			for want := 1; want <= capacity; want++ {
				if v, ok := q.TryPop(); !ok || v != want {
					t.Fatalf("TryPop = %d, %v; want %d, true", v, ok, want)
				}
			}
			if _, ok := q.TryPop(); ok {
				t.Fatalf("TryPop on drained ring succeeded")
			}
		})
	}
}

func TestSPSCZeroSizedValues(t *testing.T) {
	q := ring.NewSPSC[struct{}](4)
	for range 4 {
		if !q.TryPush(struct{}{}) {
			t.Fatal("TryPush below capacity failed")
		}
	}
	if q.TryPush(struct{}{}) {
		t.Fatal("TryPush on full ring succeeded")
	}
	if n := q.PopBatch(make([]struct{}, 3)); n != 3 {
		t.Fatalf("PopBatch = %d, want 3", n)
	}
	if _, ok := q.TryPop(); !ok {
		t.Fatal("TryPop of last value failed")
	}
	if q.Len() != 0 {
		t.Fatalf("Len = %d, want 0", q.Len())
	}
}

// TestSPSCPopBatch places the ring's head at every offset (so batches start
// anywhere and wrap), fills it with count values and pops a batch of len(dst).
func TestSPSCPopBatch(t *testing.T) {
	const capacity = 8
	f := func(offset, count, dstLen int) {
		t.Helper()
		q := ring.NewSPSC[int](capacity)
		for i := range offset {
			q.TryPush(-1)
			if v, ok := q.TryPop(); !ok || v != -1 {
				t.Fatalf("warm-up pop %d = %d, %v", i, v, ok)
			}
		}
		for i := range count {
			if !q.TryPush(i) {
				t.Fatalf("offset %d: TryPush %d failed", offset, i)
			}
		}
		dst := make([]int, dstLen)
		n := q.PopBatch(dst)
		want := min(count, dstLen)
		if n != want {
			t.Fatalf("offset %d count %d dst %d: PopBatch = %d, want %d", offset, count, dstLen, n, want)
		}
		for i := range n {
			if dst[i] != i {
				t.Fatalf("offset %d count %d dst %d: dst[%d] = %d, want %d", offset, count, dstLen, i, dst[i], i)
			}
		}
		if q.Len() != count-n {
			t.Fatalf("offset %d count %d dst %d: Len after batch = %d, want %d", offset, count, dstLen, q.Len(), count-n)
		}
		// The rest comes out in order, and the freed room is usable.
		for i := n; i < count; i++ {
			if v, ok := q.TryPop(); !ok || v != i {
				t.Fatalf("offset %d: TryPop after batch = %d, %v; want %d", offset, v, ok, i)
			}
		}
		for i := range capacity {
			if !q.TryPush(i) {
				t.Fatalf("offset %d: ring not fully reusable after batch, push %d failed", offset, i)
			}
		}
	}
	for offset := range capacity {
		f(offset, 0, 4)        // empty
		f(offset, 3, 8)        // fewer queued than dst
		f(offset, 8, 3)        // more queued than dst
		f(offset, 8, 8)        // exactly full, whole ring
		f(offset, 8, 100)      // dst larger than the ring
		f(offset, 5, 5)        // exact
		f(offset, capacity, 1) // batch of one
	}
}

// TestSPSCModel runs seeded random operations, single-threaded, against a
// slice FIFO, checking every result and Len after each step. Small
// capacities wrap the indices thousands of times.
func TestSPSCModel(t *testing.T) {
	for _, capacity := range []int{2, 4, 16} {
		for seed := range uint64(4) {
			t.Run(fmt.Sprintf("cap%d/seed%d", capacity, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, uint64(capacity)))
				q := ring.NewSPSC[uint64](capacity)
				var model []uint64
				next := uint64(1)
				dst := make([]uint64, capacity+3)
				for step := range 20000 {
					switch op := rng.IntN(3); op {
					case 0:
						ok := q.TryPush(next)
						if want := len(model) < capacity; ok != want {
							t.Fatalf("step %d: TryPush = %v, want %v (model len %d)", step, ok, want, len(model))
						}
						if ok {
							model = append(model, next)
							next++
						}
					case 1:
						v, ok := q.TryPop()
						if want := len(model) > 0; ok != want {
							t.Fatalf("step %d: TryPop ok = %v, want %v", step, ok, want)
						}
						if ok {
							if v != model[0] {
								t.Fatalf("step %d: TryPop = %d, want %d", step, v, model[0])
							}
							model = model[1:]
						} else if v != 0 {
							t.Fatalf("step %d: failed TryPop returned %d, want zero", step, v)
						}
					case 2:
						d := dst[:rng.IntN(len(dst)+1)]
						n := q.PopBatch(d)
						if want := min(len(d), len(model)); n != want {
							t.Fatalf("step %d: PopBatch(len %d) = %d, want %d", step, len(d), n, want)
						}
						for i := range n {
							if d[i] != model[i] {
								t.Fatalf("step %d: PopBatch dst[%d] = %d, want %d", step, i, d[i], model[i])
							}
						}
						model = model[n:]
					}
					if q.Len() != len(model) {
						t.Fatalf("step %d: Len = %d, want %d", step, q.Len(), len(model))
					}
				}
			})
		}
	}
}

// TestSPSCPoppedSlotsReleased checks that the ring keeps no reference to a
// popped value: once the consumer drops it, the garbage collector frees it.
func TestSPSCPoppedSlotsReleased(t *testing.T) {
	type msg struct{ payload [256]byte }
	pops := map[string]func(q *ring.SPSC[*msg]){
		"TryPop": func(q *ring.SPSC[*msg]) {
			for {
				if _, ok := q.TryPop(); !ok {
					return
				}
			}
		},
		"PopBatch": func(q *ring.SPSC[*msg]) {
			dst := make([]*msg, 3)
			for q.PopBatch(dst) > 0 {
			}
			clear(dst)
		},
	}
	for name, drain := range pops {
		t.Run(name, func(t *testing.T) {
			q := ring.NewSPSC[*msg](8)
			var weaks []weak.Pointer[msg]
			// Fill past the end so that slots on both sides of the wrap
			// have held a value.
			for range 3 {
				q.TryPush(new(msg))
				q.TryPop()
			}
			for range 7 {
				m := new(msg)
				weaks = append(weaks, weak.Make(m))
				if !q.TryPush(m) {
					t.Fatal("TryPush failed")
				}
			}
			drain(q)
			runtime.GC()
			runtime.GC()
			for i, w := range weaks {
				if w.Value() != nil {
					t.Errorf("message %d still reachable after it was popped: the ring kept its slot", i)
				}
			}
			runtime.KeepAlive(q)
		})
	}
}

// TestSPSCLayout checks that the fields written by the consumer (head) and by
// the producer (tail), and the read-only fields, are at least 128 bytes
// apart and from the struct's ends, so that they never share a cache line
// (or an adjacent-line prefetch pair) with each other or with a neighbour.
func TestSPSCLayout(t *testing.T) {
	typ := reflect.TypeFor[ring.SPSC[uint64]]()
	off := func(name string) uintptr {
		t.Helper()
		f, ok := typ.FieldByName(name)
		if !ok {
			t.Fatalf("SPSC has no field %q", name)
		}
		return f.Offset
	}
	const pad = 128
	end := func(name string) uintptr {
		t.Helper()
		f, _ := typ.FieldByName(name)
		return off(name) + f.Type.Size()
	}
	// Groups: read-only {slots, mask}; consumer {head, tailCache};
	// producer {tail, headCache}.
	f := func(what string, lo, hi uintptr) {
		t.Helper()
		if hi < lo+pad {
			t.Errorf("%s: gap of %d bytes, want >= %d", what, hi-lo, pad)
		}
	}
	f("start..slots", 0, off("slots"))
	f("mask..head", end("mask"), off("head"))
	f("tailCache..tail", end("tailCache"), off("tail"))
	f("headCache..end", end("headCache"), typ.Size())
	if off("mask") < off("slots") || off("tailCache") < off("head") || off("headCache") < off("tail") {
		t.Errorf("field order changed: update the groups in this test")
	}
}

// spscMessages is the stress test's message count: 2M by default (a few
// seconds under -race), DARNER_SPSC_MESSAGES to override (the acceptance run
// is 100000000).
func spscMessages(t *testing.T) uint64 {
	s := os.Getenv("DARNER_SPSC_MESSAGES")
	if s == "" {
		if testing.Short() {
			return 200_000
		}
		return 2_000_000
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		t.Fatalf("DARNER_SPSC_MESSAGES=%q: want a positive integer", s)
	}
	return n
}

// spscWait is the stress test's back-off when the ring is full or empty: spin
// a little, then yield, so a descheduled peer on an oversubscribed machine
// gets the CPU. It reports false once abort is set.
func spscWait(spins *int, abort *atomic.Bool) bool {
	*spins++
	if *spins&1023 == 0 {
		if abort.Load() {
			return false
		}
		runtime.Gosched()
	}
	return true
}

// TestSPSCStress sends sequence numbers 0..N-1 from a producer to a consumer,
// each on its own locked OS thread; the consumer mixes TryPop and PopBatch of
// random sizes and checks that every number arrives exactly once and in
// order. A third goroutine samples Len meanwhile.
func TestSPSCStress(t *testing.T) {
	total := spscMessages(t)
	for _, capacity := range []int{1024, 2} {
		n := total
		if capacity == 2 {
			n = max(total/20, 1) // every push and pop contends: slower per message
		}
		t.Run(fmt.Sprintf("cap%d", capacity), func(t *testing.T) {
			spscStress(t, capacity, n)
		})
	}
}

func spscStress(t *testing.T, capacity int, n uint64) {
	q := ring.NewSPSC[uint64](capacity)
	var abort atomic.Bool
	if deadline, ok := t.Deadline(); ok {
		timer := time.AfterFunc(time.Until(deadline)-10*time.Second, func() { abort.Store(true) })
		defer timer.Stop()
	}
	start := time.Now()
	var wg sync.WaitGroup
	var received uint64
	var consumerErr error
	done := make(chan struct{})

	wg.Add(2)
	go func() { // producer
		defer wg.Done()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		spins := 0
		for seq := uint64(0); seq < n; {
			if q.TryPush(seq) {
				seq++
				continue
			}
			if !spscWait(&spins, &abort) {
				return
			}
		}
	}()
	go func() { // consumer
		defer wg.Done()
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		rng := rand.New(rand.NewPCG(uint64(capacity), n))
		batch := make([]uint64, 64)
		spins := 0
		want := uint64(0)
		for want < n {
			if rng.IntN(2) == 0 {
				v, ok := q.TryPop()
				if !ok {
					if !spscWait(&spins, &abort) {
						consumerErr = fmt.Errorf("timed out after %d of %d messages", want, n)
						break
					}
					continue
				}
				if v != want {
					consumerErr = fmt.Errorf("TryPop = %d, want %d", v, want)
					break
				}
				want++
				continue
			}
			got := q.PopBatch(batch[:1+rng.IntN(len(batch))])
			if got == 0 {
				if !spscWait(&spins, &abort) {
					consumerErr = fmt.Errorf("timed out after %d of %d messages", want, n)
					break
				}
				continue
			}
			for _, v := range batch[:got] {
				if v != want {
					consumerErr = fmt.Errorf("PopBatch value = %d, want %d", v, want)
					break
				}
				want++
			}
			if consumerErr != nil {
				break
			}
		}
		received = want
		abort.Store(true) // release the producer if the consumer stopped early
	}()

	// Observer: Len is a snapshot in [0, Cap] from any goroutine. Bounded:
	// it stops when the consumer is done.
	var badLen atomic.Int64
	badLen.Store(-1)
	var observe sync.WaitGroup
	observe.Add(1)
	go func() {
		defer observe.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			if l := q.Len(); l < 0 || l > q.Cap() {
				badLen.Store(int64(l))
			}
		}
	}()

	wg.Wait()
	observe.Wait()
	elapsed := time.Since(start)
	if consumerErr != nil {
		t.Fatalf("after %d messages: %v", received, consumerErr)
	}
	if received != n {
		t.Fatalf("received %d messages, want %d", received, n)
	}
	if l := badLen.Load(); l != -1 {
		t.Errorf("Len() = %d, outside [0, %d]", l, q.Cap())
	}
	if _, ok := q.TryPop(); ok || q.Len() != 0 {
		t.Errorf("ring not empty after all messages: Len %d", q.Len())
	}
	t.Logf("%d messages through a %d-slot ring in %v (%.1f M msgs/s)", n, capacity, elapsed, float64(n)/elapsed.Seconds()/1e6)
}
