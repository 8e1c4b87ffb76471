package engine

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unsafe"
)

// Arena is a shard's store of keys and values outside the Go heap.
//
// Memory comes from anonymous mmap'd chunks of 1 MiB (arena_mmap.go), bound
// to the shard's NUMA node when one is configured. A chunk serves exactly
// one size class and is carved by a bump pointer; freed records go to the
// class's intrusive free list (the first 8 bytes of a free record hold the
// next free handle), so freed space is reused by the next record of the same
// class. Records larger than maxSmallRecord get a mapping of their own that
// is unmapped when freed.
//
// A record is addressed by a Handle: chunk id (20 bits) and byte offset in the
// chunk (20 bits), 40 bits in all, so a dashtable slot holds it in part of a
// uint64 and the table holds no Go pointers. Handle 0 is "none" (chunk 0 is
// never used).
//
// Ownership: an Arena belongs to one shard thread; every database of the
// shard allocates from it. A slice returned by Bytes aliases mapped memory:
// it stays valid until the record is freed (for a DB: until the next mutation
// of any DB sharing this arena). Never keep it across such a call, and never
// store a Go pointer into arena memory (the GC does not see it).
type Arena struct {
	node    int
	chunks  []arenaChunk // by chunk id; chunk 0 unused
	freeIDs []uint32     // chunk ids released by large records
	classes [numClasses]classState

	segSlabs [][]byte   // mappings holding dashtable segments
	segFree  []*segment // free segments (pointers into segSlabs, not the Go heap)
	segNext  int        // next unused segment in the last slab

	mapped  int64 // bytes currently mapped (small chunks + large records)
	touched int64 // bytes ever handed out by bump pointers + live large records
	live    int64 // bytes of allocated records (class sizes; large: mapping size)
	nlive   int64 // allocated records
}

// Handle addresses one record in an Arena (40 bits used). 0 = none.
type Handle uint64

const (
	chunkShift     = 20
	chunkSize      = 1 << chunkShift
	maxChunks      = 1 << 20
	handleBits     = 40
	handleMask     = 1<<handleBits - 1
	maxSmallRecord = 64 << 10 // larger records get their own mapping
	classLarge     = 0xff
)

type arenaChunk struct {
	mem   []byte // the mapping; nil when the id is free
	class uint8  // size class, or classLarge
}

type classState struct {
	free Handle // head of the free list
	cur  uint32 // chunk being carved (0 = none)
	next uint32 // bump offset in cur
}

// Size classes: 8..128 step 4, 128..512 step 16, then 8 classes per
// doubling up to maxSmallRecord. Fine steps at the small end keep the
// rounding waste of typical cache records (keys of 10-40 bytes, small
// values) at a couple of bytes.
var (
	classSize    [numClasses]uint32
	classOfSmall [maxSmallIndex + 1]uint8 // by (size+3)/4 for size <= 512
)

const (
	numClasses    = 31 + 24 + 56
	maxSmallIndex = 512 / 4
)

func init() {
	n := 0
	for s := 8; s <= maxSmallRecord; {
		classSize[n] = uint32(s)
		n++
		switch {
		case s < 128:
			s += 4
		case s < 512:
			s += 16
		default:
			s += 1 << (bits.Len(uint(s)) - 1) / 8
		}
	}
	if n != numClasses {
		panic(fmt.Sprintf("engine: arena has %d size classes, want %d", n, numClasses))
	}
	c := 0
	for i := 0; i <= maxSmallIndex; i++ {
		for int(classSize[c]) < i*4 {
			c++
		}
		classOfSmall[i] = uint8(c)
	}
}

// sizeClass returns the class for a record of n bytes (n <= maxSmallRecord).
func sizeClass(n int) uint8 {
	if n <= 512 {
		return classOfSmall[(n+3)/4]
	}
	lo, hi := int(classOfSmall[maxSmallIndex]), numClasses-1
	for lo < hi {
		m := (lo + hi) / 2
		if int(classSize[m]) < n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return uint8(lo)
}

// NewArena returns an empty arena whose chunks are bound to NUMA node node
// (-1: no binding). Nothing is mapped until the first allocation.
func NewArena(node int) *Arena {
	return &Arena{node: node, chunks: make([]arenaChunk, 1, 64)}
}

// AllocSize is the number of bytes a record of n bytes occupies.
func AllocSize(n int) int64 {
	if n > maxSmallRecord {
		return int64(pageRound(n))
	}
	return int64(classSize[sizeClass(n)])
}

func pageRound(n int) int { return (n + 4095) &^ 4095 }

// Alloc returns a record of at least n bytes (n > 0). Its contents are
// undefined. It panics when the address space of the arena (1 TiB) or the
// operating system's memory is exhausted.
func (a *Arena) Alloc(n int) Handle {
	if n > maxSmallRecord {
		return a.allocLarge(n)
	}
	if n < 8 {
		n = 8
	}
	c := sizeClass(n)
	cs := &a.classes[c]
	size := classSize[c]
	a.live += int64(size)
	a.nlive++
	if h := cs.free; h != 0 {
		cs.free = Handle(binary.LittleEndian.Uint64(a.chunks[h>>chunkShift].mem[h&(chunkSize-1):]))
		return h
	}
	if cs.cur == 0 || cs.next+size > chunkSize {
		cs.cur = a.newChunk(chunkSize, c)
		cs.next = 0
	}
	h := Handle(cs.cur)<<chunkShift | Handle(cs.next)
	cs.next += size
	a.touched += int64(size)
	return h
}

func (a *Arena) allocLarge(n int) Handle {
	size := pageRound(n)
	id := a.newChunk(size, classLarge)
	a.live += int64(size)
	a.nlive++
	a.touched += int64(size)
	return Handle(id) << chunkShift
}

func (a *Arena) newChunk(size int, class uint8) uint32 {
	mem, err := mmapAnon(size, a.node)
	if err != nil {
		panic(fmt.Sprintf("engine: arena mmap of %d bytes: %v", size, err))
	}
	a.mapped += int64(size)
	var id uint32
	if k := len(a.freeIDs); k > 0 {
		id = a.freeIDs[k-1]
		a.freeIDs = a.freeIDs[:k-1]
	} else {
		if len(a.chunks) >= maxChunks {
			panic("engine: arena exhausted its 1 TiB of handles")
		}
		id = uint32(len(a.chunks))
		a.chunks = append(a.chunks, arenaChunk{})
	}
	a.chunks[id] = arenaChunk{mem: mem, class: class}
	return id
}

// Free releases the record h. h must come from Alloc on this arena and not
// have been freed.
func (a *Arena) Free(h Handle) {
	id := uint32(h >> chunkShift)
	ch := &a.chunks[id]
	a.nlive--
	if ch.class == classLarge {
		size := int64(len(ch.mem))
		a.live -= size
		a.touched -= size
		a.mapped -= size
		if err := munmapAnon(ch.mem); err != nil {
			panic(fmt.Sprintf("engine: arena munmap: %v", err))
		}
		*ch = arenaChunk{}
		a.freeIDs = append(a.freeIDs, id)
		return
	}
	cs := &a.classes[ch.class]
	a.live -= int64(classSize[ch.class])
	binary.LittleEndian.PutUint64(ch.mem[h&(chunkSize-1):], uint64(cs.free))
	cs.free = h
}

// Bytes returns the whole record h (its class size, or its mapping for a
// large record). The slice aliases arena memory; see Arena for how long it
// stays valid.
func (a *Arena) Bytes(h Handle) []byte {
	ch := &a.chunks[h>>chunkShift]
	if ch.class == classLarge {
		return ch.mem
	}
	off := uint32(h & (chunkSize - 1))
	return ch.mem[off : off+classSize[ch.class] : off+classSize[ch.class]]
}

// Size returns the bytes record h occupies (its class size or mapping size).
func (a *Arena) Size(h Handle) int64 {
	ch := &a.chunks[h>>chunkShift]
	if ch.class == classLarge {
		return int64(len(ch.mem))
	}
	return int64(classSize[ch.class])
}

// ArenaStats are an arena's byte counts.
type ArenaStats struct {
	Live    int64 // bytes in allocated records (rounded to their class)
	Records int64 // allocated records
	Touched int64 // bytes ever carved from chunks (≈ resident) + large records
	Mapped  int64 // bytes mapped (virtual; untouched pages cost no RAM)
	Chunks  int   // chunk ids in use
}

// Stats returns the arena's counters.
func (a *Arena) Stats() ArenaStats {
	return ArenaStats{Live: a.live, Records: a.nlive, Touched: a.touched, Mapped: a.mapped,
		Chunks: len(a.chunks) - 1 - len(a.freeIDs)}
}

// Release unmaps every chunk. The arena must not be used afterwards; every
// handle into it is dangling.
func (a *Arena) Release() {
	for i := range a.chunks {
		if a.chunks[i].mem != nil {
			_ = munmapAnon(a.chunks[i].mem)
		}
	}
	for _, m := range a.segSlabs {
		_ = munmapAnon(m)
	}
	*a = Arena{node: a.node, chunks: make([]arenaChunk, 1, 64)}
}

// Segments. Dashtable segments are pointer-free and live in mmap'd slabs of
// segSlabSegments segments, outside the Go heap: the GC neither marks nor
// scans them, and they do not count toward GOGC's heap target. The
// directory's pointers to them are ignored by the collector (they point
// outside its heap). Freed segments (Flush) are kept for reuse.

const segSlabSegments = 256 // 2 MiB slabs

func (a *Arena) allocSegment() *segment {
	if n := len(a.segFree); n > 0 {
		s := a.segFree[n-1]
		a.segFree = a.segFree[:n-1]
		*s = segment{}
		return s
	}
	if len(a.segSlabs) == 0 || a.segNext == segSlabSegments {
		mem, err := mmapAnon(segSlabSegments*segmentBytes, a.node)
		if err != nil {
			panic(fmt.Sprintf("engine: segment slab mmap: %v", err))
		}
		a.segSlabs = append(a.segSlabs, mem)
		a.segNext = 0
		a.mapped += int64(len(mem))
	}
	mem := a.segSlabs[len(a.segSlabs)-1]
	s := (*segment)(unsafe.Pointer(&mem[a.segNext*segmentBytes]))
	a.segNext++
	return s
}

func (a *Arena) freeSegment(s *segment) { a.segFree = append(a.segFree, s) }
