package engine

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"
)

// The dashtable (Dash: Lu et al., VLDB 2020; as Dragonfly uses it).
//
// A DB is a directory of 2^depth pointers to segments (extendible hashing:
// the top `depth` bits of the key's 48-bit table hash pick the entry; a
// segment of local depth L is shared by 2^(depth-L) consecutive entries).
// A segment is 59 regular buckets and 4 stash buckets of 14 slots. A key's
// home bucket comes from hash bits 8..23; it lives in its home bucket, the
// next one (its neighbour), or a stash bucket. A full segment splits alone:
// its keys with the next hash bit set move to a new segment, each to the
// same bucket and slot, and the directory doubles only when the splitting
// segment is as deep as the directory. There is never a whole-table rehash.
//
// Slots are uint64: a 40-bit arena Handle to the key's record, an 8-bit
// fingerprint, the 6-bit home bucket, a TTL bit, a 2Q "hot" bit, and the
// value's type and encoding. Buckets and segments hold no Go pointers and
// live in the shard arena's mmap'd segment slabs, outside the Go heap: the
// keyspace costs the collector one (ignored) pointer per directory entry,
// whatever the number of keys.
//
// Hash bits: 48..63 choose the shard (ShardOfHash); 0..7 fingerprint,
// 8..23 home bucket, 47 downwards the directory.

const (
	slotsPerBucket    = 14
	regularBuckets    = 59
	stashBuckets      = 4
	bucketsPerSegment = regularBuckets + stashBuckets
	hashBits          = 48
	hashMask          = 1<<hashBits - 1

	slotTagShift  = 40 // fingerprint (8 bits) then home bucket (6 bits)
	slotTagMask   = 0x3fff
	slotHomeShift = 48
	slotTTL       = 1 << 54
	slotHot       = 1 << 55
	slotTypeShift = 56
	slotEncShift  = 60
	slotKindMask  = 0xff << slotTypeShift

	// segmentBytes is what one segment costs in its arena slab.
	segmentBytes = 8192
	// SlotOverhead is the table's cost per slot in bytes.
	SlotOverhead = segmentBytes / (bucketsPerSegment * slotsPerBucket)
)

// bucket is 128 bytes: two cache lines.
type bucket struct {
	slots    [slotsPerBucket]uint64
	version  uint64 // DB.version at the bucket's last change (snapshots)
	busy     uint16 // bit i: slots[i] holds a key
	stashCnt uint8  // regular buckets: keys homed here that live in a stash bucket
	_        [5]byte
}

type segment struct {
	b      [bucketsPerSegment]bucket
	start  uint64 // first 48-bit hash prefix this segment serves
	minExp int64  // <= every deadline in the segment (MaxInt64: none)
	depth  uint8  // local depth
	_      uint8
	size   uint16 // keys
	ttl    uint16 // keys with a deadline
	_      uint16
}

var _ [segmentBytes - unsafe.Sizeof(segment{})]byte // segment fits its slab slot
var _ [unsafe.Sizeof(bucket{}) - 128]byte
var _ [128 - unsafe.Sizeof(bucket{})]byte

// DBConfig configures a DB.
type DBConfig struct {
	// Arena holds the DB's keys and values. Databases of one shard share
	// the shard's arena; nil gives the DB an arena of its own.
	Arena *Arena
	// Objects holds large collections; nil gives the DB its own store.
	Objects *ObjectStore
	// Node is the NUMA node for a DB-owned arena (-1: none).
	Node int
}

// DB is one database of one shard: a dashtable of keys with their values
// and deadlines.
//
// Ownership: a DB belongs to its shard's thread; nothing in it locks. Views
// it returns (Value.Bytes, keys passed to callbacks) alias arena memory and
// stay valid until the next mutation of any DB sharing the arena. Precisely:
// a view of key k is invalidated only by a change to k itself (overwrite,
// delete, deadline change, expiry, eviction, Flush), so an MGET may hold the
// views of several keys while it reads them. Callbacks (Scan,
// ForEachInBucket) must not mutate the DB.
//
// Times are unix milliseconds; a deadline <= now is expired. Every call that
// finds an expired key treats it as absent (and deletes it where it may).
type DB struct {
	dir   []*segment
	depth uint8
	arena *Arena
	objs  *ObjectStore

	count     int64 // keys, expired-but-not-yet-reclaimed included
	expires   int64 // keys with a deadline
	dataBytes int64 // arena bytes of this DB's records
	objBytes  int64 // bytes reported by families for EncObject values
	// sameObject: the last put re-stored the object the key already had.
	sameObject bool
	segments   int64

	version     uint64 // stamped on every bucket change
	snapVersion uint64 // buckets older than this are unsaved while a snapshot runs
	preChange   func(BucketRef)

	expCursor    uint64 // ActiveExpire position (a segment start)
	lastExpired  int    // keys the last ActiveExpire deleted
	lastExamined int    // deadlines it read
	evCursor     uint64 // eviction position (segment start)
	rnd          uint64
	// rank: slots are ranked by position (cache-mode eviction, evict.go):
	// new keys take a bucket's tail, read hits promote.
	rank bool

	Stats DBStats
	// shardStats, when the DB belongs to a Shard, receives the keyspace
	// hits and misses of Get (shard thread only; see ShardStats).
	shardStats *ShardStats
}

// DBStats are a DB's event counters.
type DBStats struct {
	Splits       int64
	Expired      int64 // keys reclaimed because their deadline passed
	Evicted      int64
	DirDoublings int64
}

// SetFlags modify Set.
type SetFlags uint8

const (
	SetNX      SetFlags = 1 << iota // only if the key does not exist
	SetXX                           // only if the key exists
	SetKeepTTL                      // keep the existing deadline (expireAt ignored)
)

// NewDB returns an empty database.
func NewDB(cfg DBConfig) *DB {
	if cfg.Arena == nil {
		cfg.Arena = NewArena(cfg.Node)
	}
	if cfg.Objects == nil {
		cfg.Objects = NewObjectStore()
	}
	db := &DB{arena: cfg.Arena, objs: cfg.Objects, version: 1, rnd: 0x9E3779B97F4A7C15}
	db.reset()
	return db
}

func (db *DB) reset() {
	db.dir = []*segment{db.newSegment()}
	db.depth = 0
	db.segments = 1
	db.count, db.expires, db.dataBytes, db.objBytes = 0, 0, 0, 0
	db.expCursor, db.evCursor = 0, 0
}

// Arena returns the arena the DB stores its records in.
func (db *DB) Arena() *Arena { return db.arena }

// Objects returns the DB's object store.
func (db *DB) Objects() *ObjectStore { return db.objs }

// Len is the number of keys, including expired keys not yet reclaimed
// (as Redis's DBSIZE).
func (db *DB) Len() int64 { return db.count }

// ExpiresLen is the number of keys with a deadline.
func (db *DB) ExpiresLen() int64 { return db.expires }

func (db *DB) newSegment() *segment {
	s := db.arena.allocSegment()
	s.minExp = math.MaxInt64
	for i := range s.b {
		s.b[i].version = db.version // born after any running snapshot began
	}
	return s
}

func tagOf(h uint64) uint64 {
	home := ((h >> 8) & 0xffff) * regularBuckets >> 16
	return h&0xff | home<<8
}

func slotHandle(s uint64) Handle { return Handle(s & handleMask) }
func slotHome(s uint64) int      { return int(s>>slotHomeShift) & 63 }

func (db *DB) segOf(h uint64) *segment {
	return db.dir[(h&hashMask)>>(hashBits-uint(db.depth))]
}

func (db *DB) rec(s uint64) []byte { return db.arena.Bytes(slotHandle(s)) }

func (db *DB) slotKey(s uint64) []byte { return recKey(db.rec(s), s&slotTTL != 0) }

func (db *DB) matchIn(b *bucket, tag uint64, key []byte) int {
	for m := b.busy; m != 0; m &= m - 1 {
		i := bits.TrailingZeros16(m)
		s := b.slots[i]
		if (s>>slotTagShift)&slotTagMask == tag && string(db.slotKey(s)) == string(key) {
			return i
		}
	}
	return -1
}

// lookup finds key (hash h). It returns the key's segment and, when found,
// its bucket and slot (bi, si >= 0).
func (db *DB) lookup(key []byte, h uint64) (seg *segment, bi, si int) {
	seg = db.segOf(h)
	tag := tagOf(h)
	home := int(tag >> 8)
	if si = db.matchIn(&seg.b[home], tag, key); si >= 0 {
		return seg, home, si
	}
	nb := home + 1
	if nb == regularBuckets {
		nb = 0
	}
	if si = db.matchIn(&seg.b[nb], tag, key); si >= 0 {
		return seg, nb, si
	}
	if seg.b[home].stashCnt > 0 {
		for i := regularBuckets; i < bucketsPerSegment; i++ {
			if si = db.matchIn(&seg.b[i], tag, key); si >= 0 {
				return seg, i, si
			}
		}
	}
	return seg, -1, -1
}

// touch is called before bucket bi of seg changes: while a snapshot runs it
// lets the snapshot save the bucket first, then stamps the bucket's version.
func (db *DB) touch(seg *segment, bi int) {
	b := &seg.b[bi]
	if b.version == db.version {
		return
	}
	if db.preChange != nil && b.version < db.snapVersion {
		db.preChange(BucketRef(seg.start | uint64(bi)))
	}
	b.version = db.version
}

func freeSlot(b *bucket) int {
	free := ^b.busy & (1<<slotsPerBucket - 1)
	if free == 0 {
		return -1
	}
	return bits.TrailingZeros16(free)
}

func (db *DB) putSlot(seg *segment, bi, si int, s uint64) {
	db.touch(seg, bi)
	seg.b[bi].slots[si] = s
	seg.b[bi].busy |= 1 << si
}

// place puts slot s (home bucket home) into seg, displacing one key if that
// makes room, or into the stash. It reports false when the segment is full.
func (db *DB) place(seg *segment, home int, s uint64) bool {
	nb := home + 1
	if nb == regularBuckets {
		nb = 0
	}
	b0, b1 := &seg.b[home], &seg.b[nb]
	n0, n1 := bits.OnesCount16(b0.busy), bits.OnesCount16(b1.busy)
	if n0 < slotsPerBucket && n0 <= n1 {
		db.putSlot(seg, home, db.newSlot(b0), s)
		return true
	}
	if n1 < slotsPerBucket {
		db.putSlot(seg, nb, db.newSlot(b1), s)
		return true
	}
	// Displacement: move a key of the neighbour that is at home there to
	// its own neighbour, or a key of the home bucket that was displaced
	// from the previous bucket back to it.
	nn := nb + 1
	if nn == regularBuckets {
		nn = 0
	}
	if fs := freeSlot(&seg.b[nn]); fs >= 0 {
		for m := b1.busy; m != 0; m &= m - 1 {
			i := bits.TrailingZeros16(m)
			if slotHome(b1.slots[i]) == nb {
				db.putSlot(seg, nn, fs, b1.slots[i])
				db.touch(seg, nb)
				b1.slots[i] = s
				return true
			}
		}
	}
	pb := home - 1
	if pb < 0 {
		pb = regularBuckets - 1
	}
	if fs := freeSlot(&seg.b[pb]); fs >= 0 {
		for m := b0.busy; m != 0; m &= m - 1 {
			i := bits.TrailingZeros16(m)
			if slotHome(b0.slots[i]) == pb {
				db.putSlot(seg, pb, fs, b0.slots[i])
				db.touch(seg, home)
				b0.slots[i] = s
				return true
			}
		}
	}
	for i := regularBuckets; i < bucketsPerSegment; i++ {
		if fs := db.newSlot(&seg.b[i]); fs >= 0 {
			db.putSlot(seg, i, fs, s)
			b0.stashCnt++
			return true
		}
	}
	return false
}

// insert adds slot s for a key with hash h that is not in the table,
// splitting segments until it fits.
func (db *DB) insert(h, s uint64) {
	home := int(tagOf(h) >> 8)
	for {
		seg := db.segOf(h)
		if db.place(seg, home, s) {
			seg.size++
			if s&slotTTL != 0 {
				seg.ttl++
				db.expires++
			}
			db.count++
			return
		}
		db.split(seg)
	}
}

// split moves the keys of seg whose next hash bit is set into a new
// segment, each to the same bucket and slot (so it always fits and a scan
// cursor stays valid), doubling the directory first if seg is as deep as it.
func (db *DB) split(seg *segment) {
	if db.preChange != nil {
		for bi := range seg.b {
			db.touch(seg, bi)
		}
	}
	if seg.depth == db.depth {
		if db.depth >= 42 {
			panic("engine: dashtable directory too deep")
		}
		nd := make([]*segment, 2*len(db.dir))
		for i, s := range db.dir {
			nd[2*i], nd[2*i+1] = s, s
		}
		db.dir = nd
		db.depth++
		db.Stats.DirDoublings++
	}
	L := uint(seg.depth)
	bit := uint64(1) << (hashBits - 1 - L)
	ns := db.newSegment()
	ns.minExp = seg.minExp
	ns.start = seg.start | bit
	seg.depth++
	ns.depth = seg.depth
	for bi := range seg.b {
		b, nbk := &seg.b[bi], &ns.b[bi]
		b.version = db.version
		for m := b.busy; m != 0; m &= m - 1 {
			i := bits.TrailingZeros16(m)
			s := b.slots[i]
			if KeyHash(db.slotKey(s))&bit == 0 {
				continue
			}
			nbk.slots[i] = s
			nbk.busy |= 1 << i
			b.busy &^= 1 << i
			b.slots[i] = 0
			seg.size--
			ns.size++
			if s&slotTTL != 0 {
				seg.ttl--
				ns.ttl++
			}
			if bi >= regularBuckets {
				home := slotHome(s)
				seg.b[home].stashCnt--
				ns.b[home].stashCnt++
			}
		}
	}
	G := uint(db.depth)
	first := ns.start >> (hashBits - G)
	n := uint64(1) << (G - uint(ns.depth))
	for j := first; j < first+n; j++ {
		db.dir[j] = ns
	}
	db.segments++
	db.Stats.Splits++
}

// removeSlot deletes the key in slot si of bucket bi: frees its record and
// object and updates the counters.
func (db *DB) removeSlot(seg *segment, bi, si int) {
	db.touch(seg, bi)
	b := &seg.b[bi]
	s := b.slots[si]
	b.busy &^= 1 << si
	b.slots[si] = 0
	if bi >= regularBuckets {
		seg.b[slotHome(s)].stashCnt--
	}
	seg.size--
	db.count--
	if s&slotTTL != 0 {
		seg.ttl--
		db.expires--
	}
	db.releaseValue(s)
	h := slotHandle(s)
	db.dataBytes -= db.arena.Size(h)
	db.arena.Free(h)
}

// releaseValue drops the object an EncObject slot refers to.
func (db *DB) releaseValue(s uint64) {
	if Encoding(s>>slotEncShift) == EncObject {
		_, v := recParts(db.rec(s), s&slotTTL != 0)
		h := uint32(getInt(v))
		db.objBytes -= db.objs.Get(h).MemBytes()
		db.objs.Release(h)
	}
}

func (db *DB) expiredSlot(s uint64, now int64) bool {
	return s&slotTTL != 0 && recExpire(db.rec(s)) <= now
}

func (db *DB) valueOf(s uint64) Value {
	_, v := recParts(db.rec(s), s&slotTTL != 0)
	return slotValue(s, v)
}

// slotValue is the Value of slot s whose record's value bytes are v.
func slotValue(s uint64, v []byte) Value {
	val := Value{Type: slotType(s), Enc: Encoding(s >> slotEncShift)}
	switch val.Enc {
	case EncInt:
		val.Int = getInt(v)
	case EncObject:
		val.Obj = uint32(getInt(v))
	default:
		val.Bytes = v
	}
	return val
}

// Get returns key's value. A key past its deadline is deleted and reported
// absent. Get marks the key recently used (for eviction). See DB for how
// long Value.Bytes stays valid.
func (db *DB) Get(key []byte, now int64) (Value, bool) {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si < 0 {
		if db.shardStats != nil {
			db.shardStats.countLookup(false)
		}
		return Value{}, false
	}
	b := &seg.b[bi]
	s := b.slots[si]
	if db.preChange != nil {
		db.snapTouchObject(seg, bi, s)
	}
	rec := db.rec(s)
	klen, vlen, off := recHeader(rec)
	if s&slotTTL != 0 {
		if int64(binary.LittleEndian.Uint64(rec[off:])) <= now {
			db.removeSlot(seg, bi, si)
			db.Stats.Expired++
			if db.shardStats != nil {
				db.shardStats.countLookup(false)
			}
			return Value{}, false
		}
		off += 8
	}
	if db.shardStats != nil {
		db.shardStats.countLookup(true)
	}
	if s&slotHot == 0 {
		b.slots[si] = s | slotHot
	}
	if db.rank {
		db.promoteSlot(seg, bi, si) // evict.go
	}
	off += klen
	return slotValue(s, rec[off:off+vlen:off+vlen]), true
}

// Exists reports whether key is present and not expired.
func (db *DB) Exists(key []byte, now int64) bool {
	seg, bi, si := db.lookup(key, KeyHash(key))
	return si >= 0 && !db.expiredSlot(seg.b[bi].slots[si], now)
}

// Delete removes key. It reports whether a live key was removed (an expired
// key is removed too, but reported absent, as Redis's DEL does).
func (db *DB) Delete(key []byte, now int64) bool {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si < 0 {
		return false
	}
	expired := db.expiredSlot(seg.b[bi].slots[si], now)
	db.removeSlot(seg, bi, si)
	if expired {
		db.Stats.Expired++
	}
	return !expired
}

// Set stores a string value. A value that is the canonical decimal form of
// an int64 is stored as an integer (EncInt). expireAt is the absolute
// deadline in unix ms (0: none), ignored with SetKeepTTL when the key
// exists. It reports whether a live key existed before and whether the
// value was stored (NX/XX may refuse).
func (db *DB) Set(key, val []byte, expireAt int64, flags SetFlags, now int64) (existed, stored bool) {
	if n, ok := parseCanonicalInt(val); ok {
		return db.SetInt(key, n, expireAt, flags, now)
	}
	return db.put(key, TypeString, EncRaw, val, expireAt, flags, now)
}

// SetInt stores an integer string value (INCR and friends), without
// formatting it.
func (db *DB) SetInt(key []byte, n int64, expireAt int64, flags SetFlags, now int64) (existed, stored bool) {
	var buf [8]byte
	k := intBytes(n)
	putInt(buf[:k], n)
	return db.put(key, TypeString, EncInt, buf[:k], expireAt, flags, now)
}

// SetBlob stores a compact-encoded value of type t (EncBlob): the bytes of
// a small collection in its family's own format.
func (db *DB) SetBlob(key []byte, t ValueType, blob []byte, expireAt int64, flags SetFlags, now int64) (existed, stored bool) {
	return db.put(key, t, EncBlob, blob, expireAt, flags, now)
}

// SetObject makes key refer to object h of the DB's ObjectStore
// (EncObject) and accounts its MemBytes. The DB releases h (and its bytes)
// when the key is deleted, expires or is overwritten with another value.
// Never call it with the handle key already has (that would release the
// Storing the handle key already has keeps the object (to change its TTL
// flags, say); change a bound object in place and report the size change
// with AdjustObjectBytes. When the store is refused (NX/XX), the caller
// still owns h.
func (db *DB) SetObject(key []byte, t ValueType, h uint32, expireAt int64, flags SetFlags, now int64) (existed, stored bool) {
	var buf [8]byte
	k := intBytes(int64(h))
	putInt(buf[:k], int64(h))
	existed, stored = db.put(key, t, EncObject, buf[:k], expireAt, flags, now)
	if stored && !db.sameObject {
		db.objBytes += db.objs.Get(h).MemBytes()
	}
	return existed, stored
}

func overlaps(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}

func (db *DB) put(key []byte, t ValueType, enc Encoding, val []byte, expireAt int64, flags SetFlags, now int64) (existed, stored bool) {
	h := KeyHash(key)
	db.sameObject = false
	seg, bi, si := db.lookup(key, h)
	if si >= 0 && db.expiredSlot(seg.b[bi].slots[si], now) {
		db.removeSlot(seg, bi, si)
		db.Stats.Expired++
		si = -1
	}
	kind := uint64(t)<<slotTypeShift | uint64(enc)<<slotEncShift
	if si < 0 {
		if flags&SetXX != 0 {
			return false, false
		}
		ttl := expireAt != 0
		n := recordLen(len(key), len(val), ttl)
		rh := db.arena.Alloc(n)
		writeRecord(db.arena.Bytes(rh), key, val, ttl, expireAt)
		db.dataBytes += db.arena.Size(rh)
		s := uint64(rh) | tagOf(h)<<slotTagShift | kind
		if ttl {
			s |= slotTTL
		}
		db.insert(h, s)
		if ttl {
			db.noteDeadline(h, expireAt)
		}
		return false, true
	}
	if flags&SetNX != 0 {
		return true, false
	}
	b := &seg.b[bi]
	old := b.slots[si]
	ttl, at := expireAt != 0, expireAt
	if flags&SetKeepTTL != 0 {
		ttl = old&slotTTL != 0
		if ttl {
			at = recExpire(db.rec(old))
		}
	}
	db.sameObject = Encoding(old>>slotEncShift) == EncObject && enc == EncObject && db.valueOf(old).Obj == uint32(getInt(val))
	db.touch(seg, bi) // before the object goes: a snapshot may save it first
	if Encoding(old>>slotEncShift) == EncObject && !db.sameObject {
		db.releaseValue(old) // replaced by another value: drop the object
	}
	oh := slotHandle(old)
	n := recordLen(len(key), len(val), ttl)
	rec := db.arena.Bytes(oh)
	nh := oh
	if AllocSize(n) != int64(len(rec)) || overlaps(rec, key) || overlaps(rec, val) {
		nh = db.arena.Alloc(n)
		writeRecord(db.arena.Bytes(nh), key, val, ttl, at)
		db.dataBytes += db.arena.Size(nh) - int64(len(rec))
		db.arena.Free(oh)
	} else {
		writeRecord(rec, key, val, ttl, at)
	}
	s := old&^(handleMask|slotKindMask|slotTTL) | uint64(nh) | kind
	if ttl {
		s |= slotTTL
	}
	b.slots[si] = s
	db.adjustTTL(seg, old, s)
	if ttl && at < seg.minExp {
		seg.minExp = at
	}
	return true, true
}

// noteDeadline lowers the minExp of the segment holding hash h.
func (db *DB) noteDeadline(h uint64, at int64) {
	if seg := db.segOf(h); at < seg.minExp {
		seg.minExp = at
	}
}

// adjustTTL updates the deadline counters after a slot changed from old to s.
func (db *DB) adjustTTL(seg *segment, old, s uint64) {
	switch {
	case old&slotTTL == 0 && s&slotTTL != 0:
		seg.ttl++
		db.expires++
	case old&slotTTL != 0 && s&slotTTL == 0:
		seg.ttl--
		db.expires--
	}
}

// Flush deletes every key, freeing their records and objects. It is
// O(keys) on the calling shard.
func (db *DB) Flush() {
	if db.preChange != nil {
		db.snapFlush() // a running snapshot saves what Flush drops
	}
	for i := 0; i < len(db.dir); {
		seg := db.dir[i]
		i += 1 << (db.depth - seg.depth) // the segment's run of entries
		for bi := range seg.b {
			b := &seg.b[bi]
			for m := b.busy; m != 0; m &= m - 1 {
				s := b.slots[bits.TrailingZeros16(m)]
				db.releaseValue(s)
				db.arena.Free(slotHandle(s))
			}
		}
		db.arena.freeSegment(seg)
	}
	db.version++
	db.reset()
}

func (db *DB) random() uint64 {
	db.rnd ^= db.rnd << 13
	db.rnd ^= db.rnd >> 7
	db.rnd ^= db.rnd << 17
	return db.rnd
}
