package ring

import (
	"math/bits"
	"sync/atomic"
	"unsafe"
)

// spscPad is the gap, in bytes, kept between groups of fields touched by
// different threads. A full spscPad (not spscPad minus the group's size) is
// left between groups, because Go does not align the struct to spscPad: a
// gap of spscPad puts two groups in different 128-byte blocks whatever the
// base address. It is 128, not 64: Intel x86 CPUs (since Sandy Bridge)
// fetch cache lines in adjacent pairs (the spatial prefetcher), so two hot
// fields 64 bytes apart still ping-pong; Apple M-series and POWER cores have
// 128-byte lines outright. folly's hardware_destructive_interference_size
// and crossbeam-utils' CachePadded use 128 on x86-64 for the same reason.
// The price is a few hundred bytes per ring (N² rings for N shards), which
// is nothing next to a ring's slots.
const spscPad = 128

// SPSC is a bounded, lock-free, single-producer/single-consumer FIFO queue
// of T: the ring over which one shard sends hops to another. It is the
// classic Lamport ring with the index caching of Rigtorp's SPSCQueue: each
// side keeps a private copy of the other side's index and re-reads the
// shared one only when its copy says the ring is full (producer) or empty
// (consumer), so in steady state neither side touches the other's cache
// line.
//
// Threads: exactly one goroutine at a time may be the producer (TryPush)
// and exactly one the consumer (TryPop, PopBatch); they may be the same
// goroutine. Handing a role to another goroutine needs a happens-before edge
// between the old and the new owner (a channel, a mutex, thread start).
// Len and Cap may be called from any goroutine.
//
// Ownership of values: TryPush copies v into a slot; from then until the
// consumer pops it, the slot belongs to the consumer side and the producer
// must not touch whatever v points to unless T's own contract allows it
// (for a hop: the coordinator owns the request again only once the reply
// comes back). TryPop and PopBatch copy the value out and zero the slot, so
// the ring never keeps a popped message (and what it points to) alive for
// the garbage collector.
//
// Memory ordering: Go's sync/atomic operations are sequentially consistent
// (the Go memory model), hence at least acquire/release. The producer
// writes a slot with a plain store and then publishes it by storing tail
// (release); the consumer loads tail (acquire) before reading the slot. The
// consumer zeroes a slot with a plain store and then frees it by storing
// head (release); the producer loads head (acquire) before reusing the slot.
// No compare-and-swap, no lock, no syscall: a full or empty ring is reported
// to the caller, who decides whether to spin, do other work or sleep (the
// event loop's eventfd wakeup is outside this type).
//
// The zero SPSC is not usable; create rings with NewSPSC.
type SPSC[T any] struct {
	// Padding before the read-only fields, so that a write-hot neighbour
	// allocation never shares their cache lines.
	_ [spscPad]byte

	// Read-only after NewSPSC; read by both sides without synchronisation
	// (the happens-before edge that handed the ring to them covers it).
	slots []T    // len is a power of two; a window into slotMem, see NewSPSC
	mask  uint64 // len(slots) - 1

	_ [spscPad]byte

	// Consumer's group.
	//
	// head is the index of the next slot to pop (a free-running counter;
	// the slot is head & mask). Written only by the consumer, with an
	// atomic store (release) after the popped slot has been zeroed. Read
	// by the consumer (its own value) and by the producer with an atomic
	// load (acquire) when the producer's headCache says the ring is full,
	// and by Len from any goroutine.
	head atomic.Uint64
	// tailCache is the consumer's last observed value of tail; always
	// <= tail. Read and written only by the consumer, plain accesses.
	tailCache uint64

	_ [spscPad]byte

	// Producer's group.
	//
	// tail is the index of the next slot to fill (free-running; the slot is
	// tail & mask). Written only by the producer, with an atomic store
	// (release) after the slot has been written. Read by the consumer with
	// an atomic load (acquire) when its tailCache says the ring is empty,
	// and by Len from any goroutine.
	tail atomic.Uint64
	// headCache is the producer's last observed value of head; always
	// <= head. Read and written only by the producer, plain accesses.
	headCache uint64

	// Padding after, so that the next allocation does not share the
	// producer's line.
	_ [spscPad]byte
}

// NewSPSC returns an empty ring holding up to capacity values. capacity is
// rounded up to a power of two and to at least 2; it panics if capacity is
// negative or larger than 1<<40.
//
// The slot array is allocated with spscPad bytes of slack on both sides, so
// that the first and last slots never share a cache line with another
// allocation.
func NewSPSC[T any](capacity int) *SPSC[T] {
	if capacity < 0 || uint64(capacity) > 1<<40 {
		panic("ring: NewSPSC capacity out of range")
	}
	n := 2
	if capacity > 2 {
		n = 1 << bits.Len(uint(capacity-1))
	}
	pad := 0
	if sz := unsafe.Sizeof(*new(T)); sz > 0 {
		pad = int((spscPad + sz - 1) / sz)
	}
	slotMem := make([]T, pad+n+pad)
	return &SPSC[T]{
		slots: slotMem[pad : pad+n : pad+n],
		mask:  uint64(n - 1),
	}
}

// TryPush appends v at the tail and reports true, or reports false without
// blocking when the ring is full (v is then not stored; nothing is ever
// dropped or overwritten). Producer only.
func (q *SPSC[T]) TryPush(v T) bool {
	t := q.tail.Load() // own index: a plain MOV on amd64/arm64
	if t-q.headCache > q.mask {
		q.headCache = q.head.Load() // acquire: the consumer is done with the slot
		if t-q.headCache > q.mask {
			return false
		}
	}
	q.slots[t&q.mask] = v
	q.tail.Store(t + 1) // release: publish the slot
	return true
}

// TryPop removes and returns the value at the head, or returns the zero T
// and false when the ring is empty. The slot is zeroed before it is handed
// back to the producer. Consumer only.
func (q *SPSC[T]) TryPop() (T, bool) {
	h := q.head.Load()
	if h == q.tailCache {
		q.tailCache = q.tail.Load() // acquire: the slot is written
		if h == q.tailCache {
			var zero T
			return zero, false
		}
	}
	i := h & q.mask
	v := q.slots[i]
	var zero T
	q.slots[i] = zero
	q.head.Store(h + 1) // release: the slot is free
	return v, true
}

// PopBatch removes up to len(dst) values from the head into dst[0:n] and
// returns n (0 when the ring is empty or dst is empty). The whole batch costs
// at most one acquire load of tail and exactly one release store of head, so
// a consumer draining a busy ring pays for synchronisation once per batch,
// not per value. The popped slots are zeroed. Consumer only; dst is the
// caller's and the ring keeps no reference to it.
func (q *SPSC[T]) PopBatch(dst []T) int {
	if len(dst) == 0 {
		return 0
	}
	h := q.head.Load()
	avail := q.tailCache - h
	if avail < uint64(len(dst)) {
		q.tailCache = q.tail.Load()
		avail = q.tailCache - h
		if avail == 0 {
			return 0
		}
	}
	n := min(avail, uint64(len(dst)))
	i := h & q.mask
	// The n values are slots[i:] possibly wrapping to slots[:rest].
	first := min(n, uint64(len(q.slots))-i)
	copy(dst, q.slots[i:i+first])
	clear(q.slots[i : i+first])
	if rest := n - first; rest > 0 {
		copy(dst[first:], q.slots[:rest])
		clear(q.slots[:rest])
	}
	q.head.Store(h + n)
	return int(n)
}

// Len returns how many values the ring holds: a snapshot that may be stale
// by the time it returns, always within [0, Cap()]. Any goroutine.
func (q *SPSC[T]) Len() int {
	// head first: tail only grows and never passes head+Cap at any one
	// instant, so a later tail is >= this head; it may be more than Cap
	// ahead if the consumer popped and the producer pushed in between.
	h := q.head.Load()
	t := q.tail.Load()
	return int(min(t-h, q.mask+1))
}

// Cap returns the ring's capacity, a power of two >= 2. Any goroutine.
func (q *SPSC[T]) Cap() int {
	return int(q.mask + 1)
}
