package engine

import "encoding/binary"

// Memcached item metadata in the dashtable.
//
// A key written by a memcached storage command carries its 32-bit client
// flags, its CAS unique and a state byte (win token handed out, stale)
// alongside the value. They live in a 13-byte trailer after the value in
// the key's arena record,
//
//	uvarint(len(key)) uvarint(len(value)) [expireAt] key value flags(4 LE) cas(8 LE) state(1)
//
// and the slot's slotMC bit says the trailer is there. The bit is the top
// bit of the slot's type nibble (types need three bits), so it lies inside
// slotKindMask: every plain put (SET, INCR, APPEND, RESTORE, a collection
// write, ...) clears it. The rule for users: any Redis-protocol write of a
// key drops its memcached metadata (flags become 0), and the next
// memcached read that needs a CAS (gets, mg c, cas, ...) gives the item a
// fresh one. A deadline change (EXPIRE, PERSIST, touch) keeps the trailer
// (rewriteTTL carries it over). Keys without the bit read as flags 0.
//
// Nothing here allocates on the Go heap; views alias the arena as
// DB.Get's do and stay valid until the next mutation of the shard.

const (
	slotMC    = 1 << 59
	mcMetaLen = 13

	// mcStateWon: a win token (W) was handed out for this item; later
	// readers get Z until it is rewritten.
	mcStateWon = 1 << 0
	// mcStateStale: md/ms with I marked the item stale (X).
	mcStateStale = 1 << 1
)

// slotType is the value type bits of a slot (the slotMC bit excluded).
func slotType(s uint64) ValueType { return ValueType(s>>slotTypeShift) & 7 }

// mcExtra is the record bytes a slot needs beyond recordLen.
func mcExtra(s uint64) int {
	if s&slotMC != 0 {
		return mcMetaLen
	}
	return 0
}

// mcCarry copies the memcached trailer of the record of old (still
// allocated) into the new record nrec (written by writeRecord with ttl,
// sized with mcExtra). For rewriteTTL.
func (db *DB) mcCarry(old uint64, nrec []byte, ttl bool) {
	if old&slotMC == 0 {
		return
	}
	copy(mcTrailer(nrec, ttl), mcTrailer(db.rec(old), old&slotTTL != 0))
}

// mcTrailer returns the trailer of a record with slotMC.
func mcTrailer(rec []byte, ttl bool) []byte {
	klen, vlen, off := recHeader(rec)
	if ttl {
		off += 8
	}
	off += klen + vlen
	return rec[off : off+mcMetaLen : off+mcMetaLen]
}

// mcItem is a memcached view of one live string key.
type mcItem struct {
	seg      *segment
	bi, si   int
	Val      Value
	Flags    uint32
	CAS      uint64 // 0: the key has no CAS yet (written over RESP)
	State    uint8
	ExpireAt int64 // unix ms; 0 = none
	Fetched  bool  // read before (slotHot)
}

// mcFind looks key up for a memcached command. An expired key is deleted
// and reported absent. A key of another type than string reports ok with
// Val.Type set; callers treat it as they must (miss, or overwrite).
func (db *DB) mcFind(key []byte, now int64) (it mcItem, ok bool) {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si < 0 {
		return it, false
	}
	s := seg.b[bi].slots[si]
	rec := db.rec(s)
	klen, vlen, off := recHeader(rec)
	if s&slotTTL != 0 {
		at := int64(binary.LittleEndian.Uint64(rec[off:]))
		if at <= now {
			db.removeSlot(seg, bi, si)
			db.Stats.Expired++
			return it, false
		}
		it.ExpireAt = at
		off += 8
	}
	off += klen
	it.seg, it.bi, it.si = seg, bi, si
	it.Val = slotValue(s, rec[off:off+vlen:off+vlen])
	it.Val.Type = slotType(s)
	it.Fetched = s&slotHot != 0
	if s&slotMC != 0 {
		t := rec[off+vlen : off+vlen+mcMetaLen]
		it.Flags = binary.LittleEndian.Uint32(t)
		it.CAS = binary.LittleEndian.Uint64(t[4:])
		it.State = t[12]
	}
	return it, true
}

// mcMarkFetched sets the item's recently-used bit (memcached's
// ITEM_FETCHED, and the eviction policy's hot bit).
func (db *DB) mcMarkFetched(it *mcItem) {
	b := &it.seg.b[it.bi]
	b.slots[it.si] |= slotHot
	if db.rank {
		it.si = db.promoteSlot(it.seg, it.bi, it.si) // evict.go
	}
}

// mcSetMeta writes flags, cas and state into the item's trailer, first
// giving the record a trailer when it has none (a key written over RESP).
// The item's value view is refreshed (the record may have moved).
func (db *DB) mcSetMeta(it *mcItem, flags uint32, cas uint64, state uint8) {
	seg, bi, si := it.seg, it.bi, it.si
	b := &seg.b[bi]
	s := b.slots[si]
	db.touch(seg, bi)
	if s&slotMC == 0 {
		ttl := s&slotTTL != 0
		key, val := recParts(db.rec(s), ttl)
		var at int64
		if ttl {
			at = recExpire(db.rec(s))
		}
		oh := slotHandle(s)
		nh := db.arena.Alloc(recordLen(len(key), len(val), ttl) + mcMetaLen)
		writeRecord(db.arena.Bytes(nh), key, val, ttl, at)
		db.dataBytes += db.arena.Size(nh) - db.arena.Size(oh)
		db.arena.Free(oh)
		s = s&^handleMask | uint64(nh) | slotMC
		b.slots[si] = s
	}
	rec := db.rec(s)
	t := mcTrailer(rec, s&slotTTL != 0)
	binary.LittleEndian.PutUint32(t, flags)
	binary.LittleEndian.PutUint64(t[4:], cas)
	t[12] = state
	_, v := recParts(rec, s&slotTTL != 0)
	typ := it.Val.Type
	it.Val = slotValue(s, v)
	it.Val.Type = typ
	it.Flags, it.CAS, it.State = flags, cas, state
}

// mcStore stores a memcached item: the string val (an int64 in canonical
// form is stored as EncInt, as SET does) with its client flags, CAS and
// deadline (unix ms, 0 = none), replacing whatever key held. The item
// starts unfetched with no win token. val must not alias the arena.
//
// at, when not nil, is what mcFind returned for key with no mutation of
// the DB since (it saves the second lookup); nil looks key up.
func (db *DB) mcStore(key, val []byte, flags uint32, cas uint64, expireAt int64, now int64, at *mcItem) {
	enc := EncRaw
	var ibuf [8]byte
	if n, ok := parseCanonicalInt(val); ok {
		k := intBytes(n)
		putInt(ibuf[:k], n)
		val = ibuf[:k]
		enc = EncInt
	}
	ttl := expireAt != 0
	n := recordLen(len(key), len(val), ttl) + mcMetaLen
	kind := uint64(TypeString)<<slotTypeShift | uint64(enc)<<slotEncShift | slotMC
	var h uint64
	var seg *segment
	bi, si := -1, -1
	if at != nil && at.seg != nil {
		seg, bi, si = at.seg, at.bi, at.si
	} else {
		h = KeyHash(key)
		seg, bi, si = db.lookup(key, h)
	}
	if si >= 0 {
		b := &seg.b[bi]
		old := b.slots[si]
		rec := db.rec(old)
		if Encoding(old>>slotEncShift) != EncObject && AllocSize(n) == int64(len(rec)) && !overlaps(rec, key) && !overlaps(rec, val) {
			// Same size class: rewrite the record where it is.
			db.touch(seg, bi)
			writeRecord(rec, key, val, ttl, expireAt)
			t := mcTrailer(rec, ttl)
			binary.LittleEndian.PutUint32(t, flags)
			binary.LittleEndian.PutUint64(t[4:], cas)
			t[12] = 0
			s := old&^(slotKindMask|slotTTL|slotHot) | kind
			if ttl {
				s |= slotTTL
				if expireAt < seg.minExp {
					seg.minExp = expireAt
				}
			}
			b.slots[si] = s
			db.adjustTTL(seg, old, s)
			return
		}
		db.removeSlot(seg, bi, si)
	}
	if h == 0 {
		h = KeyHash(key)
	}
	rh := db.arena.Alloc(n)
	rec := db.arena.Bytes(rh)
	writeRecord(rec, key, val, ttl, expireAt)
	t := mcTrailer(rec, ttl)
	binary.LittleEndian.PutUint32(t, flags)
	binary.LittleEndian.PutUint64(t[4:], cas)
	t[12] = 0
	db.dataBytes += db.arena.Size(rh)
	s := uint64(rh) | tagOf(h)<<slotTagShift | kind
	if ttl {
		s |= slotTTL
	}
	db.insert(h, s)
	if ttl {
		db.noteDeadline(h, expireAt)
	}
}

// mcRemove deletes the item it found.
func (db *DB) mcRemove(it *mcItem) { db.removeSlot(it.seg, it.bi, it.si) }

// mcSetDeadline changes the item's deadline (unix ms; 0 = none), keeping
// its value and trailer. A deadline <= now deletes the item.
func (db *DB) mcSetDeadline(it *mcItem, at, now int64) {
	seg, bi, si := it.seg, it.bi, it.si
	s := seg.b[bi].slots[si]
	switch {
	case at != 0 && at <= now:
		db.removeSlot(seg, bi, si)
		return
	case at == 0:
		if s&slotTTL != 0 {
			db.touch(seg, bi)
			db.rewriteTTL(seg, bi, si, false, 0)
		}
	case s&slotTTL != 0:
		db.touch(seg, bi)
		recSetExpire(db.rec(s), at)
		if at < seg.minExp {
			seg.minExp = at
		}
	default:
		db.touch(seg, bi)
		if at < seg.minExp {
			seg.minExp = at
		}
		db.rewriteTTL(seg, bi, si, true, at)
	}
	it.ExpireAt = at
	s = seg.b[bi].slots[si]
	_, v := recParts(db.rec(s), s&slotTTL != 0)
	typ := it.Val.Type
	it.Val = slotValue(s, v)
	it.Val.Type = typ
}
