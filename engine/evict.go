package engine

import "math/bits"

// --cache_mode eviction: a 2Q-style policy inside the dashtable, with no
// per-key metadata (docs/memory.md).
//
// When eviction is on (--cache_mode, or CONFIG maxmemory-policy set to an
// allkeys-* or volatile-* policy) and maxmemory is set, each shard keeps
// its UsedBytes under maxmemory/shards. Writes are refused (Redis's
// out_of_memory) only when the server stays over maxmemory by more than
// the accounting's error although every write evicts: nothing (or, under
// volatile-*, no key with a deadline) is left to evict.
//
// Rank by slot position: in cache mode the slots of a bucket are ordered,
// slot 0 the best. A new key takes the bucket's highest free slot (the
// probationary end); a read hit swaps the key with the nearest occupied
// slot above it (promotion: keys that are read climb, keys that are not
// sink as others pass them), so the low slots are the protected segment
// and the tail the probationary one. The stash buckets, where keys land
// when their home and neighbour are full, are probationary as a whole.
// The slot's hot bit (set by every read) gives a tail key one more chance.
//
// Victims are chosen right after a write, inside the segment the written
// key lives in (the segment being inserted into): first the tails of the
// stash buckets, then the tails of the written key's home and neighbour
// buckets, then the tails of the segment's other buckets; expired keys
// always go, a hot tail is passed over once (its bit cleared). At most
// evictPerSegment keys leave one segment per write; if the shard is still
// over, DB.EvictOne (segments round robin) continues, up to evictPerWrite
// keys per write, and the hz tick finishes the rest. The written key itself
// is never a victim. Eviction happens after the command, never inside an
// insert: a command may hold views of other keys while it writes.

const (
	evictPerSegment = 8
	evictPerWrite   = 256
	evictPerTick    = 4096
)

// evictMode says which keys eviction may take.
type evictMode uint8

const (
	evictNone     evictMode = iota
	evictAll                // --cache_mode, allkeys-*
	evictVolatile           // volatile-*: keys with a deadline only
)

// evictMode reads the mode from --cache_mode and maxmemory-policy (a few
// atomic loads; maxmemoryPolicies' order: volatile-* 0..3, allkeys-* 4..6,
// noeviction 7).
func (srv *Server) evictMode() evictMode {
	if srv.mem.cacheMode.Load() {
		return evictAll
	}
	switch p := srv.Config().load().ints[pMaxMemoryPolicy]; {
	case p <= 3:
		return evictVolatile
	case p <= 6:
		return evictAll
	}
	return evictNone
}

// Evicting reports whether writes over maxmemory evict keys (--cache_mode
// or an allkeys-*/volatile-* policy) instead of being refused.
func (srv *Server) Evicting() bool { return srv.evictMode() != evictNone }

// shardLimit is the shard's share of maxmemory (0: no limit).
func (s *Shard) shardLimit() int64 {
	lim := s.Server.Config().MaxMemory()
	if lim <= 0 {
		return 0
	}
	if lim != s.mem.limFor {
		s.mem.limFor = lim
		s.mem.share = max(lim/int64(max(s.Server.NumShards, 1)), 1)
	}
	return s.mem.share
}

// writeMemory is AfterWrite's memory step for write command cmd that ran
// with args in database db.
func (s *Shard) writeMemory(cmd *Command, args [][]byte, db int) {
	if cmd.Flags&FlagGlobal != 0 || cmd.Name == "move" || cmd.Name == "copy" {
		s.NoteMemory() // may have written to another database
		s.evictIfOver(db, nil, evictPerWrite)
		return
	}
	var key []byte
	if cmd.FirstKey > 0 && cmd.FirstKey < len(args) {
		key = args[cmd.FirstKey]
	}
	s.noteWrite(db, key)
}

// noteWrite is writeMemory: note database db's size and,
// when eviction is on and the shard is over its share, evict, starting in
// the segment of key (nil: none known).
func (s *Shard) noteWrite(db int, key []byte) {
	s.NoteMemoryDB(db)
	s.evictIfOver(db, key, evictPerWrite)
}

// evictIfOver evicts while the shard is over its share of maxmemory and
// eviction is on, at most limit keys. Shard thread only.
func (s *Shard) evictIfOver(db int, key []byte, limit int) {
	m := &s.mem
	if len(m.seen) == 0 || m.cur <= 0 {
		return
	}
	share := s.shardLimit()
	if share == 0 || m.cur <= share {
		return
	}
	mode := s.Server.evictMode()
	if mode == evictNone {
		return
	}
	n := 0
	if key != nil && db >= 0 && db < len(s.DBs) {
		n = s.evictInSegment(db, key, mode, share)
	}
	// Then the other segments, round robin over the databases.
	for n < limit && m.cur > share {
		progress := false
		for range s.DBs {
			d := s.evictDB
			s.evictDB++
			if s.evictDB == len(s.DBs) {
				s.evictDB = 0
			}
			if s.DBs[d].count == 0 {
				continue
			}
			if s.evictOneFrom(d, mode, key) {
				progress = true
				n++
				break
			}
		}
		if !progress {
			break
		}
	}
	if n > 0 {
		s.publishStep()
	}
}

// evictInSegment evicts up to evictPerSegment keys from the segment that
// holds key in database db, in the order the file comment gives, while
// the shard is over share. It returns the keys evicted.
func (s *Shard) evictInSegment(db int, key []byte, mode evictMode, share int64) int {
	d := s.DBs[db]
	h := KeyHash(key)
	seg, kbi, ksi := d.lookup(key, h)
	home := int(tagOf(h) >> 8)
	nb := home + 1
	if nb == regularBuckets {
		nb = 0
	}
	n := 0
	try := func(bi int) bool { // evicts from bucket bi's tail; false: stop
		for n < evictPerSegment && s.mem.cur > share {
			si := s.tailVictim(d, seg, bi, kbi, ksi, mode)
			if si < 0 {
				return true
			}
			s.evictSlot(db, seg, bi, si)
			n++
		}
		return n < evictPerSegment && s.mem.cur > share
	}
	for bi := regularBuckets; bi < bucketsPerSegment; bi++ {
		if !try(bi) {
			return n
		}
	}
	if !try(home) || !try(nb) {
		return n
	}
	for k := 2; k < regularBuckets; k++ {
		bi := home + k
		if bi >= regularBuckets {
			bi -= regularBuckets
		}
		if !try(bi) {
			return n
		}
	}
	return n
}

// tailVictim returns the slot of bucket bi to evict: among the
// probationary (lower-ranked) half of its occupied slots, the lowest-ranked
// one that mode allows, skipping the written key (kbi, ksi) and giving a
// hot slot one more chance (its bit is cleared). In a stash bucket every
// slot is probationary. -1: none in this bucket.
func (s *Shard) tailVictim(d *DB, seg *segment, bi, kbi, ksi int, mode evictMode) int {
	b := &seg.b[bi]
	now := s.Clock
	m := b.busy
	look := bits.OnesCount16(m)
	if bi < regularBuckets {
		look = (look + 1) / 2
	}
	for ; m != 0 && look > 0; look-- {
		i := 15 - bits.LeadingZeros16(m)
		m &^= 1 << i
		if bi == kbi && i == ksi {
			continue
		}
		sl := b.slots[i]
		if mode == evictVolatile && sl&slotTTL == 0 {
			continue
		}
		if sl&slotHot != 0 && !d.expiredSlot(sl, now) {
			b.slots[i] = sl &^ slotHot // second chance
			continue
		}
		return i
	}
	return -1
}

// evictSlot evicts the key in slot si of bucket bi of database db's
// segment seg: watchers of the key see it change (as Redis's eviction
// does), the counters and the shard's noted size follow.
func (s *Shard) evictSlot(db int, seg *segment, bi, si int) {
	d := s.DBs[db]
	if len(s.watches) > 0 {
		s.TouchKey(db, KeyHash(d.slotKey(seg.b[bi].slots[si])))
	}
	d.removeSlot(seg, bi, si)
	d.Stats.Evicted++
	u := d.UsedBytes()
	s.mem.cur += u - s.mem.seen[db]
	s.mem.seen[db] = u
}

// evictOneFrom evicts one key of database db outside any particular
// segment (segments round robin, stash first, hot keys passed over
// once), never key itself. It reports false when db has no candidate.
func (s *Shard) evictOneFrom(db int, mode evictMode, key []byte) bool {
	d := s.DBs[db]
	var kseg *segment
	kbi, ksi := -1, -1
	if key != nil {
		kseg, kbi, ksi = d.lookup(key, KeyHash(key))
	}
	for segs := 0; segs < len(d.dir)+1; segs++ {
		seg := d.dir[d.evCursor>>(hashBits-uint(d.depth))]
		next := seg.start + 1<<(hashBits-uint(seg.depth))
		if next >= 1<<hashBits {
			next = 0
		}
		d.evCursor = next
		if seg.size == 0 || mode == evictVolatile && seg.ttl == 0 {
			continue
		}
		for pass := 0; pass < 2; pass++ {
			for k := 0; k < bucketsPerSegment; k++ {
				bi := (k + regularBuckets) % bucketsPerSegment // stash first
				xbi, xsi := -1, -1
				if seg == kseg {
					xbi, xsi = kbi, ksi
				}
				if si := s.tailVictim(d, seg, bi, xbi, xsi, mode); si >= 0 {
					s.evictSlot(db, seg, bi, si)
					return true
				}
			}
		}
	}
	return false
}

// promoteSlot moves the key in slot si of bucket bi one rank up: it swaps
// places with the nearest occupied slot below index si. It returns the
// key's new slot. Records do not move, so views stay valid; a scan visits
// whole buckets, so it is not disturbed. Cache mode only (DB.rank).
func (db *DB) promoteSlot(seg *segment, bi, si int) int {
	b := &seg.b[bi]
	above := b.busy & (1<<uint(si) - 1)
	if above == 0 {
		return si
	}
	j := 15 - bits.LeadingZeros16(above)
	db.touch(seg, bi)
	b.slots[si], b.slots[j] = b.slots[j], b.slots[si]
	return j
}

// newSlot is the free slot of b a new key takes: the highest in cache
// mode (the probationary end), else the lowest. -1: b is full.
func (db *DB) newSlot(b *bucket) int {
	if !db.rank {
		return freeSlot(b)
	}
	free := ^b.busy & (1<<slotsPerBucket - 1)
	if free == 0 {
		return -1
	}
	return 15 - bits.LeadingZeros16(free)
}

// refreshEvict turns slot ranking on or off in the shard's databases as
// eviction is (every tick; Shard.Tick). In ranked mode new keys take the
// tail of their bucket and reads promote.
func (s *Shard) refreshEvict() {
	if s.Server == nil {
		return
	}
	on := s.Server.evictMode() != evictNone
	for _, db := range s.DBs {
		db.rank = on
	}
}
