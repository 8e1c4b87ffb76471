package engine

import "math/bits"

// Iteration.
//
// A cursor is a position in the hash space: the 48-bit hash prefix where a
// segment starts, with a home-bucket number (0..58) in its low 6 bits
// (segment starts are multiples of 2^(48-depth), and depth never exceeds
// 42). Scan visits, segment by segment in hash-prefix order, every key whose
// home bucket is the cursor's bucket, then the next bucket. A split keeps
// each key's home bucket and halves a segment's prefix range, so a segment
// start stays a segment start forever: a key present for the whole scan is
// returned at least once, whatever splits and directory doublings happen
// between calls (a key may be returned twice). Cursors fit in 48 bits; the
// caller may use the bits above for the shard.

const cursorBucketMask = 63

// Scan calls fn for the live keys of at least count home buckets' worth of
// keys (whole buckets at a time) starting at cursor (0 starts a new scan),
// and returns the cursor to continue from, 0 when the scan is complete. fn
// gets a view of the key (valid during the call only) and the value's type;
// it must not mutate the DB.
func (db *DB) Scan(cursor uint64, count int, now int64, fn func(key []byte, t ValueType)) uint64 {
	if cursor >= 1<<hashBits {
		return 0
	}
	if count < 1 {
		count = 1
	}
	seg := db.dir[(cursor&^cursorBucketMask)>>(hashBits-uint(db.depth))]
	bi := int(cursor & cursorBucketMask)
	visited := 0
	for {
		if bi < regularBuckets {
			visited += db.scanHome(seg, bi, now, fn)
			bi++
		} else {
			bi = regularBuckets
		}
		if bi == regularBuckets {
			next := seg.start + 1<<(hashBits-uint(seg.depth))
			if next >= 1<<hashBits {
				return 0
			}
			seg = db.dir[next>>(hashBits-uint(db.depth))]
			bi = 0
		}
		if visited >= count {
			return seg.start | uint64(bi)
		}
	}
}

// scanHome calls fn for each live key of seg whose home bucket is home.
func (db *DB) scanHome(seg *segment, home int, now int64, fn func([]byte, ValueType)) int {
	n := 0
	visit := func(b *bucket) {
		for m := b.busy; m != 0; m &= m - 1 {
			s := b.slots[bits.TrailingZeros16(m)]
			if slotHome(s) != home || db.expiredSlot(s, now) {
				continue
			}
			fn(db.slotKey(s), slotType(s))
			n++
		}
	}
	visit(&seg.b[home])
	nb := home + 1
	if nb == regularBuckets {
		nb = 0
	}
	visit(&seg.b[nb])
	if seg.b[home].stashCnt > 0 {
		for i := regularBuckets; i < bucketsPerSegment; i++ {
			visit(&seg.b[i])
		}
	}
	return n
}

// RandomKey returns a random live key (a view valid until the next
// mutation), or false when the DB has none. It samples random directory
// entries, buckets and slots, falling back to a scan from a random cursor.
func (db *DB) RandomKey(now int64) ([]byte, bool) {
	if db.count == 0 {
		return nil, false
	}
	for try := 0; try < 64; try++ {
		r := db.random()
		seg := db.dir[r&uint64(len(db.dir)-1)]
		if seg.size == 0 {
			continue
		}
		b := &seg.b[(r>>32)%bucketsPerSegment]
		n := bits.OnesCount16(b.busy)
		if n == 0 {
			continue
		}
		m := b.busy
		for k := int((r >> 48) % uint64(n)); k > 0; k-- {
			m &= m - 1
		}
		s := b.slots[bits.TrailingZeros16(m)]
		if !db.expiredSlot(s, now) {
			return db.slotKey(s), true
		}
	}
	var found []byte
	fn := func(k []byte, _ ValueType) {
		if found == nil {
			found = k
		}
	}
	cur := db.dir[(db.random()&hashMask)>>(hashBits-uint(db.depth))].start
	for pass := 0; pass < 2; pass++ {
		for {
			cur = db.Scan(cur, 1, now, fn)
			if found != nil {
				return found, true
			}
			if cur == 0 {
				break
			}
		}
	}
	return nil, false
}

// Snapshot support (persist/ serialises each bucket before its first change
// after the snapshot starts).
//
// BucketRef names one physical bucket: segment start | bucket (0..62).

// BucketRef identifies a physical bucket of a DB.
type BucketRef uint64

// StartSnapshot begins a point-in-time snapshot: from now on, before any
// bucket not yet saved changes (including by a split), hook is called with
// it so the snapshot can serialise it first (with ForEachInBucket) and mark
// it saved (MarkBucketSaved). The hook runs on the shard thread inside the
// mutating call and must not mutate the DB.
func (db *DB) StartSnapshot(hook func(BucketRef)) {
	db.version++
	db.snapVersion = db.version
	db.preChange = hook
}

// EndSnapshot stops calling the hook.
func (db *DB) EndSnapshot() { db.preChange = nil }

// BucketSaved reports whether ref changed or was saved since the snapshot
// started (a snapshot skips those).
func (db *DB) BucketSaved(ref BucketRef) bool {
	return db.bucket(ref).version >= db.snapVersion
}

// MarkBucketSaved records that the snapshot has serialised ref.
func (db *DB) MarkBucketSaved(ref BucketRef) {
	if b := db.bucket(ref); b.version < db.snapVersion {
		b.version = db.snapVersion
	}
}

func (db *DB) bucket(ref BucketRef) *bucket {
	seg := db.dir[(uint64(ref)&^cursorBucketMask)>>(hashBits-uint(db.depth))]
	return &seg.b[ref&cursorBucketMask]
}

// FirstBucket and NextBucket walk every physical bucket once, in hash-prefix
// order; NextBucket reports false after the last one. The walk survives
// splits as Scan does.
func (db *DB) FirstBucket() BucketRef { return 0 }

// NextBucket returns the bucket after ref.
func (db *DB) NextBucket(ref BucketRef) (BucketRef, bool) {
	seg := db.dir[(uint64(ref)&^cursorBucketMask)>>(hashBits-uint(db.depth))]
	bi := int(ref&cursorBucketMask) + 1
	if bi < bucketsPerSegment {
		return BucketRef(seg.start | uint64(bi)), true
	}
	next := seg.start + 1<<(hashBits-uint(seg.depth))
	if next >= 1<<hashBits {
		return 0, false
	}
	return BucketRef(next), true
}

// ForEachInBucket calls fn for each key stored in bucket ref, with its value
// view and deadline (0: none), expired keys included. fn must not mutate
// the DB; the views are valid during the call only.
func (db *DB) ForEachInBucket(ref BucketRef, fn func(key []byte, v Value, expireAt int64)) {
	b := db.bucket(ref)
	for m := b.busy; m != 0; m &= m - 1 {
		s := b.slots[bits.TrailingZeros16(m)]
		var at int64
		if s&slotTTL != 0 {
			at = recExpire(db.rec(s))
		}
		fn(db.slotKey(s), db.valueOf(s), at)
	}
}
