package engine

import "encoding/binary"

// In-place editing of a list's listpack (EncBlob) record: the hot list
// commands (push, pop) change a small list by splicing its record instead
// of building a new value and storing it, so a push copies the record at
// most once and usually not at all (the record's size class has room).

// blobLoc is where a key's slot is: valid only until the DB's next
// insert or delete (which may split segments or move slots).
type blobLoc struct {
	seg    *segment
	bi, si int
}

// lookupLoc is Get that also returns the key's slot position (it counts
// keyspace hits and misses and marks the key used, as Get does).
func (db *DB) lookupLoc(key []byte, now int64) (Value, blobLoc, bool) {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si >= 0 && db.expiredSlot(seg.b[bi].slots[si], now) {
		db.removeSlot(seg, bi, si)
		db.Stats.Expired++
		si = -1
	}
	if db.shardStats != nil {
		db.shardStats.countLookup(si >= 0)
	}
	if si < 0 {
		return Value{}, blobLoc{}, false
	}
	b := &seg.b[bi]
	s := b.slots[si]
	if db.preChange != nil {
		db.snapTouchObject(seg, bi, s)
	}
	if s&slotHot == 0 {
		b.slots[si] = s | slotHot
	}
	return db.valueOf(s), blobLoc{seg, bi, si}, true
}

// blobSplice replaces bytes [a:z) of the EncBlob value at loc with n
// bytes, keeping the bytes before a and from z on, and returns the new
// value; the caller fills [a:a+n). The record is rewritten in place when
// its size class still fits, else moved to a new record. The returned
// slice aliases the arena (valid until the next mutation of the shard).
func (db *DB) blobSplice(loc blobLoc, a, z, n int) []byte {
	db.touch(loc.seg, loc.bi)
	b := &loc.seg.b[loc.bi]
	s := b.slots[loc.si]
	ttl := s&slotTTL != 0
	oh := slotHandle(s)
	rec := db.arena.Bytes(oh)
	klen, vlen, off := recHeader(rec)
	vstart := off + klen
	if ttl {
		vstart += 8
	}
	old := rec[vstart : vstart+vlen]
	newLen := vlen - (z - a) + n
	need := recordLen(klen, newLen, ttl)
	if AllocSize(need) == int64(len(rec)) && uvarintLen(newLen) == uvarintLen(vlen) {
		copy(rec[vstart+a+n:vstart+newLen], old[z:])
		binary.PutUvarint(rec[uvarintLen(klen):], uint64(newLen))
		return rec[vstart : vstart+newLen : vstart+newLen]
	}
	nh := db.arena.Alloc(need)
	nrec := db.arena.Bytes(nh)
	i := binary.PutUvarint(nrec, uint64(klen))
	i += binary.PutUvarint(nrec[i:], uint64(newLen))
	i += copy(nrec[i:], rec[off:vstart]) // deadline and key
	nv := nrec[i : i+newLen : i+newLen]
	copy(nv, old[:a])
	copy(nv[a+n:], old[z:])
	db.dataBytes += db.arena.Size(nh) - int64(len(rec))
	db.arena.Free(oh)
	b.slots[loc.si] = s&^handleMask | uint64(nh)
	return nv
}

// blobCreate adds key (which must be absent: look it up first, which
// also reclaims it when expired) with an EncBlob value of type t and n
// uninitialised bytes, without a deadline, and returns the value for the
// caller to fill.
func (db *DB) blobCreate(key []byte, t ValueType, n int) []byte {
	h := KeyHash(key)
	need := recordLen(len(key), n, false)
	rh := db.arena.Alloc(need)
	rec := db.arena.Bytes(rh)
	i := binary.PutUvarint(rec, uint64(len(key)))
	i += binary.PutUvarint(rec[i:], uint64(n))
	i += copy(rec[i:], key)
	db.dataBytes += db.arena.Size(rh)
	db.insert(h, uint64(rh)|tagOf(h)<<slotTagShift|uint64(t)<<slotTypeShift|uint64(EncBlob)<<slotEncShift)
	return rec[i : i+n : i+n]
}
