package engine

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"sync"

	"github.com/zeebo/xxh3"
)

// strTable is the large form of a set (members) or a hash (field/value
// pairs): an open-addressing table of 8-byte slots over byte slabs, so a
// collection of a million small strings costs a few Go objects, not a
// million, and about 8 bytes of table per element at typical load.
//
// Entries live in chunks: "uvarint(len) bytes" (a set member), or that
// twice (a hash field and its value). Entries up to stBigEntry bytes are
// packed into shared chunks of at most 64 KiB, filled by appending; larger
// ones get a chunk of their own. A removed entry's bytes become garbage in
// its chunk; once garbage outweighs half the live bytes, compact copies
// the live entries into fresh chunks (amortised O(1) per removal).
//
// A slot is 0 when empty, else stUsed | 23-bit hash tag << 40 | 40-bit
// ref, ref = chunk index << 16 | byte offset. The tag is the top of the
// entry's hash: it filters probes and, for tables up to 2^23 slots, gives
// an entry's home slot on resize and scan without hashing its bytes again.
// Linear probing with backward-shift deletion (no tombstones); the home of
// a hash is its top bits, so a cursor (a home index scaled to 64 bits)
// stays meaningful when the table grows or shrinks.
//
// Hashes are seeded per process (xxh3 with a random seed): members are
// client data, and a fixed hash would let a client build colliding
// clusters.
//
// Ownership: a strTable belongs to the shard thread of the Object that
// holds it. Slices it returns (keys, values) alias its chunks: valid until
// the table's next mutation.
type strTable struct {
	slots   []uint64 // len is a power of two >= stMinSlots, or nil
	shift   uint     // 64 - log2(len(slots))
	count   int
	pairs   bool // entries are field/value pairs
	chunks  [][]byte
	cur     int   // chunk being filled by appends (-1: none)
	bigFree []int // indexes of released own-chunks, reusable
	live    int64 // bytes of live entries in shared chunks
	garbage int64 // bytes of dead entries in shared chunks
	mem     int64 // MemBytes: slots + chunk capacities + headers
}

const (
	stUsed      = 1 << 63
	stTagShift  = 40
	stTagBits   = 23
	stTagMask   = 1<<stTagBits - 1
	stRefMask   = 1<<40 - 1
	stOffBits   = 16
	stChunkMax  = 1 << stOffBits // shared chunks are at most this large
	stChunkMin  = 256
	stBigEntry  = 16 << 10 // larger entries get a chunk of their own
	stMinSlots  = 8
	stFixedCost = 96 // the struct and its Object wrapper
)

// stSeed seeds member hashes (see strTable).
var stSeed = rand.Uint64()

func stHash(b []byte) uint64 { return xxh3.HashSeed(b, stSeed) }

func newStrTable(pairs bool, hint int) *strTable {
	t := &strTable{pairs: pairs, cur: -1, mem: stFixedCost}
	n := stMinSlots
	for n*4 < hint*5 {
		n *= 2
	}
	t.setSlots(make([]uint64, n))
	return t
}

func (t *strTable) setSlots(s []uint64) {
	t.mem += 8 * int64(len(s)-len(t.slots))
	t.slots = s
	t.shift = uint(64 - bits.TrailingZeros(uint(len(s))))
}

// Len is the number of entries.
func (t *strTable) Len() int { return t.count }

// uv reads a uvarint length at b[i:] (one byte in the common case).
func uv(b []byte, i int) (n, next int) {
	if c := b[i]; c < 0x80 {
		return int(c), i + 1
	}
	x, k := binary.Uvarint(b[i:])
	return int(x), i + k
}

func (t *strTable) at(s uint64) (chunk []byte, off int) {
	ref := s & stRefMask
	return t.chunks[ref>>stOffBits], int(ref & (stChunkMax - 1))
}

// key returns the member (set) or field (hash) of slot s.
func (t *strTable) key(s uint64) []byte {
	c, off := t.at(s)
	n, i := uv(c, off)
	return c[i : i+n : i+n]
}

// kv returns the field and value of slot s (hash tables).
func (t *strTable) kv(s uint64) (k, v []byte) {
	c, off := t.at(s)
	n, i := uv(c, off)
	k = c[i : i+n : i+n]
	n, i = uv(c, i+n)
	return k, c[i : i+n : i+n]
}

// entryLen is the stored size of slot s's entry.
func (t *strTable) entryLen(s uint64) int {
	c, off := t.at(s)
	n, i := uv(c, off)
	i += n
	if t.pairs {
		n, i = uv(c, i)
		i += n
	}
	return i - off
}

func stEntryLen(k, v []byte, pairs bool) int {
	n := uvarintLen(len(k)) + len(k)
	if pairs {
		n += uvarintLen(len(v)) + len(v)
	}
	return n
}

func stTag(h uint64) uint64 { return h >> (64 - stTagBits) }

// home is slot s's home index in the current table.
func (t *strTable) home(s uint64) int {
	b := 64 - t.shift
	if b <= stTagBits {
		return int(((s >> stTagShift) & stTagMask) >> (stTagBits - b))
	}
	return int(stHash(t.key(s)) >> t.shift)
}

// find returns the slot index holding key (hash h = stHash(key)), or -1.
func (t *strTable) find(key []byte, h uint64) int {
	if t.count == 0 {
		return -1
	}
	mask := len(t.slots) - 1
	tag := stTag(h)
	for i := int(h >> t.shift); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if (s>>stTagShift)&stTagMask == tag && string(t.key(s)) == string(key) {
			return i
		}
	}
}

// Has reports whether key is present.
func (t *strTable) Has(key []byte) bool { return t.find(key, stHash(key)) >= 0 }

// insert adds key (and val for pairs), which must be absent (find
// returned -1 for hash h).
func (t *strTable) insert(key, val []byte, h uint64) {
	if (t.count+1)*5 > len(t.slots)*4 {
		t.resize(len(t.slots) * 2)
	}
	ref := t.store(key, val)
	t.place(stUsed | stTag(h)<<stTagShift | ref)
	t.count++
}

// place puts slot value s at the first free slot from its home.
func (t *strTable) place(s uint64) {
	mask := len(t.slots) - 1
	i := t.home(s)
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// Add inserts key if absent and reports whether it did.
func (t *strTable) Add(key []byte) bool {
	h := stHash(key)
	if t.find(key, h) >= 0 {
		return false
	}
	t.insert(key, nil, h)
	return true
}

// Set stores field=val and reports whether the field is new.
func (t *strTable) Set(field, val []byte) bool {
	h := stHash(field)
	if i := t.find(field, h); i >= 0 {
		t.setVal(i, val)
		return false
	}
	t.insert(field, val, h)
	return true
}

// Get returns field's value (a view valid until the next mutation).
func (t *strTable) Get(field []byte) ([]byte, bool) {
	i := t.find(field, stHash(field))
	if i < 0 {
		return nil, false
	}
	_, v := t.kv(t.slots[i])
	return v, true
}

// Remove deletes key and reports whether it was present.
func (t *strTable) Remove(key []byte) bool {
	i := t.find(key, stHash(key))
	if i < 0 {
		return false
	}
	t.removeAt(i)
	return true
}

// setVal replaces the value of the pair in slot i.
func (t *strTable) setVal(i int, val []byte) {
	old := t.slots[i]
	k, v := t.kv(old)
	if len(v) == len(val) {
		copy(v, val)
		return
	}
	ref := t.store(k, val) // k stays valid: chunks never move
	t.slots[i] = old&^stRefMask | ref
	t.release(old)
}

// removeAt deletes the entry in slot i, shifting later members of its
// cluster back so that no tombstone is needed.
func (t *strTable) removeAt(i int) {
	gone := t.slots[i]
	defer t.release(gone) // after the slot is cleared: release may compact
	mask := len(t.slots) - 1
	for j := (i + 1) & mask; ; j = (j + 1) & mask {
		s := t.slots[j]
		if s == 0 {
			break
		}
		k := t.home(s)
		// s may move to i unless its home lies cyclically in (i, j].
		if i <= j {
			if i < k && k <= j {
				continue
			}
		} else if i < k || k <= j {
			continue
		}
		t.slots[i] = s
		i = j
	}
	t.slots[i] = 0
	t.count--
	if len(t.slots) > stMinSlots && t.count*10 < len(t.slots) {
		n := stMinSlots
		for n < t.count*2 {
			n *= 2
		}
		t.resize(n) // at most half full afterwards
	}
}

// resize rehashes into n slots (a power of two).
func (t *strTable) resize(n int) {
	if n == len(t.slots) {
		return
	}
	old := t.slots
	t.setSlots(make([]uint64, n))
	for _, s := range old {
		if s != 0 {
			t.place(s)
		}
	}
}

// store writes an entry into the chunks and returns its ref.
func (t *strTable) store(k, v []byte) uint64 {
	n := stEntryLen(k, v, t.pairs)
	var idx, off int
	if n > stBigEntry {
		c := make([]byte, 0, n)
		if m := len(t.bigFree); m > 0 {
			idx = t.bigFree[m-1]
			t.bigFree = t.bigFree[:m-1]
			t.chunks[idx] = c
		} else {
			idx = t.addChunk(c)
		}
		t.mem += int64(cap(c))
	} else {
		if t.cur < 0 || len(t.chunks[t.cur])+n > cap(t.chunks[t.cur]) {
			t.cur = t.addChunk(t.newShared(n))
		}
		idx = t.cur
		off = len(t.chunks[idx])
		t.live += int64(n)
	}
	c := t.chunks[idx]
	c = binary.AppendUvarint(c, uint64(len(k)))
	c = append(c, k...)
	if t.pairs {
		c = binary.AppendUvarint(c, uint64(len(v)))
		c = append(c, v...)
	}
	t.chunks[idx] = c
	return uint64(idx)<<stOffBits | uint64(off)
}

// newShared allocates a shared chunk for at least n more bytes, sized to
// the table (small tables get small chunks).
func (t *strTable) newShared(n int) []byte {
	size := stChunkMin
	for size < stChunkMax && (size < n || int64(size) < t.live/8) {
		size *= 2
	}
	t.mem += int64(size)
	return make([]byte, 0, size)
}

func (t *strTable) addChunk(c []byte) int {
	oc := cap(t.chunks)
	t.chunks = append(t.chunks, c)
	t.mem += 24 * int64(cap(t.chunks)-oc)
	return len(t.chunks) - 1
}

// release drops slot s's entry (the slot itself is the caller's) and
// compacts the chunks when garbage dominates.
func (t *strTable) release(s uint64) {
	n := t.entryLen(s)
	if n > stBigEntry {
		idx := int((s & stRefMask) >> stOffBits)
		t.mem -= int64(cap(t.chunks[idx]))
		t.chunks[idx] = nil
		t.bigFree = append(t.bigFree, idx)
		return
	}
	t.live -= int64(n)
	t.garbage += int64(n)
	if t.garbage*2 > t.live+4096 {
		t.compact(false)
	}
}

// compact copies every live entry into fresh chunks and rewrites the
// slots' refs. Own chunks of big entries move as they are, or are copied
// with copyBig (clone).
func (t *strTable) compact(copyBig bool) {
	old := t.chunks
	t.chunks, t.bigFree, t.cur = nil, nil, -1
	t.mem = stFixedCost + 8*int64(len(t.slots))
	t.live, t.garbage = 0, 0
	for i, s := range t.slots {
		if s == 0 {
			continue
		}
		ref := s & stRefMask
		c := old[ref>>stOffBits]
		off := int(ref & (stChunkMax - 1))
		var k, v []byte
		n, j := uv(c, off)
		k = c[j : j+n]
		if t.pairs {
			m, j2 := uv(c, j+n)
			v = c[j2 : j2+m]
		}
		if stEntryLen(k, v, t.pairs) > stBigEntry {
			if copyBig {
				c = append([]byte(nil), c...)
			}
			idx := t.addChunk(c)
			t.mem += int64(cap(c))
			t.slots[i] = s&^stRefMask | uint64(idx)<<stOffBits
			continue
		}
		t.slots[i] = s&^stRefMask | t.store(k, v)
	}
}

// randomSlot returns the index of a random occupied slot (count > 0).
func (t *strTable) randomSlot() int {
	mask := len(t.slots) - 1
	i := int(rand.Uint64()) & mask
	for t.slots[i] == 0 {
		i = (i + 1) & mask
	}
	return i
}

// scan calls fn for the entries whose home lies in the range of homes
// starting at cursor (a home index scaled to 64 bits), sized to give
// about count entries, and returns the cursor to continue from (0: done).
// Every entry present for a whole scan is returned at least once, whatever
// resizes happen between calls. fn must not mutate the table.
func (t *strTable) scan(cursor uint64, count int, fn func(s uint64)) uint64 {
	n := len(t.slots)
	a := int(cursor >> t.shift)
	homes := 1
	if t.count > 0 {
		homes = int((int64(count)*int64(n) + int64(t.count) - 1) / int64(t.count))
	}
	b := a + max(homes, 1)
	if b > n {
		b = n
	}
	mask := n - 1
	for j := a; ; j++ {
		s := t.slots[j&mask]
		if s == 0 {
			if j >= b {
				break
			}
			continue
		}
		if h := t.home(s); h >= a && h < b {
			fn(s)
		}
	}
	if b >= n {
		return 0
	}
	return uint64(b) << t.shift
}

// clone returns a compacted deep copy.
func (t *strTable) clone() *strTable {
	c := &strTable{pairs: t.pairs, cur: -1, count: t.count, mem: stFixedCost}
	c.setSlots(make([]uint64, len(t.slots)))
	copy(c.slots, t.slots)
	c.chunks = t.chunks // read by compact, then replaced
	c.compact(true)
	return c
}

// Small forms. A small hash or non-integer set is a "pack": a listpack-like
// blob stored as the key's EncBlob value,
//
//	tag byte (hsPackTag) | count uint16 LE | entries: uvarint(len) bytes
//
// where a hash's entries alternate field, value (count counts pairs). A
// set of integers is an intset blob instead (sets.go), told apart by its
// tag byte. Packs are never modified in place (they live in the arena and
// snapshots must see every change through the DB): a command builds the
// new blob in a scratch buffer and stores it with SetBlob.

const (
	hsPackTag = 0
	hsPackHdr = 3
	// hsPackMaxCount bounds a pack's count field, whatever the
	// *-max-listpack-entries settings say.
	hsPackMaxCount = 1<<16 - 1
)

func hsPackCount(b []byte) int { return int(b[1]) | int(b[2])<<8 }

// hsPackNext returns the entry at b[i:] and the offset after it.
func hsPackNext(b []byte, i int) (e []byte, next int) {
	n, j := uv(b, i)
	return b[j : j+n : j+n], j + n
}

// hsPackAppend appends one entry.
func hsPackAppend(dst, e []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(e)))
	return append(dst, e...)
}

// hsPackHeader appends a header for count entries (or pairs).
func hsPackHeader(dst []byte, count int) []byte {
	return append(dst, hsPackTag, byte(count), byte(count>>8))
}

// hsPackSetCount rewrites the count of the pack in b.
func hsPackSetCount(b []byte, count int) { b[1], b[2] = byte(count), byte(count>>8) }

// hsScratch is a reusable buffer for building blobs and collecting entry
// views, pooled so that steady-state writes do not allocate. Shard
// threads are pinned, so the pool's per-P caches keep one per shard.
type hsScratch struct {
	buf  []byte
	ints []int64
	ents [][]byte
}

var hsScratchPool = sync.Pool{New: func() any { return new(hsScratch) }}

func getHsScratch() *hsScratch {
	s := hsScratchPool.Get().(*hsScratch)
	s.buf, s.ents = s.buf[:0], s.ents[:0]
	return s
}

func putHsScratch(s *hsScratch) {
	if cap(s.buf) > 1<<20 || cap(s.ents) > 1<<14 {
		return // don't keep huge buffers around
	}
	clear(s.ents)
	hsScratchPool.Put(s)
}
