package engine

import (
	"math"
	"math/bits"
)

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
	if at < seg.minExp {
		seg.minExp = at
	}
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
	nh := db.arena.Alloc(recordLen(len(key), len(val), ttl) + mcExtra(old))
	writeRecord(db.arena.Bytes(nh), key, val, ttl, at)
	db.mcCarry(old, db.arena.Bytes(nh), ttl) // memcached flags/CAS (dash_mc.go)
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
// continues a sweep over the segments from where the last call stopped and
// does about budget units of work (a unit: one bucket visited, one deadline
// read, or one segment skipped), finishing the segment it is in, and at most
// one pass over the table. It returns
// the number of keys it deleted.
//
// Each segment keeps a lower bound of its keys' deadlines (minExp), lowered
// whenever a deadline is set and made exact when a sweep covers the
// segment, so a segment whose earliest deadline is still ahead costs one
// unit. The shard calls it from its hz tick with ExpireBudget.
func (db *DB) ActiveExpire(now int64, budget int) int {
	expired, examined := 0, 0
	cur := db.expCursor
	start := cur
	for budget > 0 && db.expires > 0 {
		seg := db.dir[cur>>(hashBits-uint(db.depth))]
		budget--
		if seg.ttl > 0 && seg.minExp <= now {
			minExp := int64(math.MaxInt64)
			for bi := range seg.b {
				b := &seg.b[bi]
				budget--
				for m := b.busy; m != 0; m &= m - 1 {
					i := bits.TrailingZeros16(m)
					s := b.slots[i]
					if s&slotTTL == 0 {
						continue
					}
					budget--
					examined++
					if at := recExpire(db.rec(s)); at <= now {
						db.removeSlot(seg, bi, i)
						expired++
					} else if at < minExp {
						minExp = at
					}
				}
			}
			seg.minExp = minExp
		}
		cur = seg.start + 1<<(hashBits-uint(seg.depth))
		if cur >= 1<<hashBits {
			cur = 0
		}
		if cur == start {
			break // at most one pass per call
		}
	}
	db.expCursor = cur
	db.lastExpired, db.lastExamined = expired, examined
	db.Stats.Expired += int64(expired)
	return expired
}

// ExpireBudget is the ActiveExpire budget for one hz tick at
// active-expire-effort 1 (Redis's default): a full pass over the table
// about every 32 ticks (3.2 s at hz 10), four times faster while more than
// 10% of the deadlines the last call read had passed (so a keyspace where
// half the keys expired is reclaimed within about a second without being
// accessed), and at least 1000 units. A tick's work is bounded by the table
// size, not by the number of expired keys.
//
// effort (1..10, active-expire-effort) scales it as Redis's does: each step
// adds a quarter to the work per tick and lowers the share of passed
// deadlines that triggers the faster pace by a point (10% at 1, 1% at 10).
func (db *DB) ExpireBudget(effort int) int {
	if db.expires == 0 {
		return 0
	}
	effort = min(max(effort, 1), 10)
	b := 1000 + int((db.segments*bucketsPerSegment+db.expires)/32)
	b += b * (effort - 1) / 4
	if db.lastExpired*100 > db.lastExamined*(11-effort) {
		b *= 4
	}
	return b
}
