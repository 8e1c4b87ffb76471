package engine

import "math/bits"

// Memory accounting and eviction.
//
// UsedBytes is exact for what the DB owns: the arena bytes of its records
// (each rounded to its size class; large values to their page-rounded
// mapping), its segments (segmentBytes each, in the arena's slabs), its
// directory, and the bytes the families report for their EncObject values.
// The arena's free lists and unused chunk tails are the shard's, not a
// DB's: see Arena.Stats.

// UsedBytes is the DB's memory: records + table + reported object bytes.
func (db *DB) UsedBytes() int64 {
	return db.dataBytes + db.TableBytes() + db.objBytes
}

// DataBytes is the arena bytes of the DB's records.
func (db *DB) DataBytes() int64 { return db.dataBytes }

// TableBytes is the dashtable's own memory: segments and directory.
func (db *DB) TableBytes() int64 { return db.segments*segmentBytes + int64(len(db.dir))*8 }

// AdjustObjectBytes lets a family report that an EncObject value grew or
// shrank by delta bytes, so UsedBytes (and --maxmemory) see it.
func (db *DB) AdjustObjectBytes(delta int64) { db.objBytes += delta }

// MemoryUsage returns the bytes key costs (MEMORY USAGE): its record plus
// one slot's share of the table. Objects' own bytes are the family's to add.
// It reports false for a missing or expired key.
func (db *DB) MemoryUsage(key []byte, now int64) (int64, bool) {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si < 0 {
		return 0, false
	}
	s := seg.b[bi].slots[si]
	if db.expiredSlot(s, now) {
		return 0, false
	}
	return db.arena.Size(slotHandle(s)) + SlotOverhead, true
}

// EvictOne deletes one key chosen 2Q-style and returns the bytes freed
// (record and slot share), or false when the DB is empty. Within a segment
// the stash buckets are the probation queue and are searched first; a key
// read since it was last passed over carries the slot's hot bit and gets a
// second chance (the bit is cleared and the search moves on). Expired keys
// go first. No per-key metadata beyond the one bit. Segments are visited
// round robin.
func (db *DB) EvictOne(now int64) (int64, bool) {
	if db.count == 0 {
		return 0, false
	}
	for {
		seg := db.dir[db.evCursor>>(hashBits-uint(db.depth))]
		next := seg.start + 1<<(hashBits-uint(seg.depth))
		if next >= 1<<hashBits {
			next = 0
		}
		db.evCursor = next
		if seg.size == 0 {
			continue
		}
		// Pass 0: expired or cold keys; pass 1: any key (every hot bit
		// was cleared by pass 0).
		for pass := 0; pass < 2; pass++ {
			for k := 0; k < bucketsPerSegment; k++ {
				bi := (k + regularBuckets) % bucketsPerSegment // stash first
				b := &seg.b[bi]
				for m := b.busy; m != 0; m &= m - 1 {
					i := bits.TrailingZeros16(m)
					s := b.slots[i]
					if pass == 0 && s&slotHot != 0 && !db.expiredSlot(s, now) {
						b.slots[i] = s &^ slotHot
						continue
					}
					freed := db.arena.Size(slotHandle(s)) + SlotOverhead
					db.removeSlot(seg, bi, i)
					db.Stats.Evicted++
					return freed, true
				}
			}
		}
	}
}

// Evict deletes keys with EvictOne until at least bytes were freed or the
// DB is empty; it returns the bytes freed and the keys deleted.
func (db *DB) Evict(bytes int64, now int64) (freed int64, n int) {
	for freed < bytes {
		f, ok := db.EvictOne(now)
		if !ok {
			break
		}
		freed += f
		n++
	}
	return freed, n
}
