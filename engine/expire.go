package engine

import "math/bits"

// Deadlines live in the key's arena record (8 bytes, present only when the
// slot's TTL bit is set), so a key without one pays nothing and no per-key
// Go object exists. Expired keys are deleted lazily when a command finds
// them, and by ActiveExpire, which the shard calls from its hz tick.

// Expire sets key's deadline to at (unix ms). A deadline <= now deletes the
// key, as Redis does. It reports whether a live key was found.
func (db *DB) Expire(key []byte, at, now int64) bool {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si < 0 {
		return false
	}
	s := seg.b[bi].slots[si]
	if db.expiredSlot(s, now) {
		db.removeSlot(seg, bi, si)
		db.Stats.Expired++
		return false
	}
	if at <= now {
		db.removeSlot(seg, bi, si)
		return true
	}
	db.touch(seg, bi)
	if s&slotTTL != 0 {
		recSetExpire(db.rec(s), at)
		return true
	}
	db.rewriteTTL(seg, bi, si, true, at)
	return true
}

// Persist removes key's deadline. It reports whether the key had one.
func (db *DB) Persist(key []byte, now int64) bool {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si < 0 {
		return false
	}
	s := seg.b[bi].slots[si]
	if s&slotTTL == 0 {
		return false
	}
	if db.expiredSlot(s, now) {
		db.removeSlot(seg, bi, si)
		db.Stats.Expired++
		return false
	}
	db.touch(seg, bi)
	db.rewriteTTL(seg, bi, si, false, 0)
	return true
}

// rewriteTTL moves a key's record to one with (ttl) or without a deadline.
func (db *DB) rewriteTTL(seg *segment, bi, si int, ttl bool, at int64) {
	b := &seg.b[bi]
	old := b.slots[si]
	key, val := recParts(db.rec(old), old&slotTTL != 0)
	oh := slotHandle(old)
	nh := db.arena.Alloc(recordLen(len(key), len(val), ttl))
	writeRecord(db.arena.Bytes(nh), key, val, ttl, at)
	db.dataBytes += db.arena.Size(nh) - db.arena.Size(oh)
	db.arena.Free(oh)
	s := old&^(handleMask|slotTTL) | uint64(nh)
	if ttl {
		s |= slotTTL
	}
	b.slots[si] = s
	db.adjustTTL(seg, old, s)
}

// TTL returns key's remaining time to live in ms, -1 when it has no
// deadline and -2 when it does not exist (PTTL's replies).
func (db *DB) TTL(key []byte, now int64) int64 {
	at, ok := db.Deadline(key, now)
	switch {
	case !ok:
		return -2
	case at == 0:
		return -1
	}
	return at - now
}

// Deadline returns key's absolute deadline in unix ms (0: none) and whether
// the key exists (EXPIRETIME).
func (db *DB) Deadline(key []byte, now int64) (int64, bool) {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si < 0 {
		return 0, false
	}
	s := seg.b[bi].slots[si]
	if s&slotTTL == 0 {
		return 0, true
	}
	at := recExpire(db.rec(s))
	if at <= now {
		return 0, false
	}
	return at, true
}

// ActiveExpire reclaims expired keys without their being accessed. It
// continues a sweep over the table from where the last call stopped and
// does at most budget units of work (a unit: one bucket visited, one
// deadline read, or one segment without deadlines skipped). It returns the
// number of keys it deleted. The shard calls it from its hz tick with a
// budget proportional to the number of keys with a deadline, so a full pass
// takes a bounded number of ticks.
func (db *DB) ActiveExpire(now int64, budget int) int {
	expired := 0
	if db.expires == 0 {
		return 0
	}
	cur := db.expCursor
	for budget > 0 && db.expires > 0 {
		seg := db.dir[(cur&^63)>>(hashBits-uint(db.depth))]
		bi := int(cur & 63)
		if bi < bucketsPerSegment && seg.ttl > 0 {
			budget--
			b := &seg.b[bi]
			for m := b.busy; m != 0; m &= m - 1 {
				i := bits.TrailingZeros16(m)
				s := b.slots[i]
				if s&slotTTL == 0 {
					continue
				}
				budget--
				if recExpire(db.rec(s)) <= now {
					db.removeSlot(seg, bi, i)
					expired++
				}
			}
			bi++
		} else {
			budget--
			bi = bucketsPerSegment
		}
		if bi < bucketsPerSegment {
			cur = seg.start | uint64(bi)
			continue
		}
		next := seg.start + 1<<(hashBits-uint(seg.depth))
		if next >= 1<<hashBits {
			next = 0
		}
		cur = next
	}
	db.expCursor = cur
	db.Stats.Expired += int64(expired)
	return expired
}

// ExpireBudget is the ActiveExpire budget for one hz tick: enough for a
// full pass over the table in about 8 ticks (0.8 s at hz 10), and at least
// 1000 units, so a keyspace where half the keys expired is reclaimed within
// a few seconds without being accessed. A tick's work is bounded by the
// table size, not by the number of expired keys.
func (db *DB) ExpireBudget() int {
	if db.expires == 0 {
		return 0
	}
	return 1000 + int((db.segments*bucketsPerSegment+db.expires)/8)
}
