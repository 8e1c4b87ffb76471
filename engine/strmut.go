package engine

import (
	"encoding/binary"
	"strconv"
)

// In-place access to string values for the commands that edit a string a
// few bytes at a time (SETBIT, BITFIELD, PFADD, PFCOUNT's cached
// cardinality): rewriting a 12 KiB HyperLogLog or a 100 MiB bitmap to flip
// one bit would make them O(size). These helpers live with the bitmap and
// HyperLogLog families; they use the dashtable's internals the way put
// does and follow the same rules (touch a bucket before changing a record
// it refers to, so a running snapshot saves it first).
//
// Every []byte they return aliases the key's arena record: valid until the
// next mutation of the shard, as Value.Bytes.

// zeroBytes backs new zero-filled strings of moderate size without
// allocating.
var zeroBytes [4096]byte

// liveSlot finds key's slot, deleting the key first when it is expired.
// si < 0 means absent.
func (db *DB) liveSlot(key []byte, now int64) (seg *segment, bi, si int) {
	seg, bi, si = db.lookup(key, KeyHash(key))
	if si >= 0 && db.expiredSlot(seg.b[bi].slots[si], now) {
		db.removeSlot(seg, bi, si)
		db.Stats.Expired++
		return seg, -1, -1
	}
	return seg, bi, si
}

// rawValue returns the value bytes of the record slot s points to, and
// the offset of the value in the record.
func (db *DB) rawValue(s uint64) (rec []byte, klen, vlen, voff int) {
	rec = db.rec(s)
	klen, vlen, off := recHeader(rec)
	if s&slotTTL != 0 {
		off += 8
	}
	voff = off + klen
	return rec, klen, vlen, voff
}

// MutableString returns key's string value for an in-place update, zero
// padded to at least minLen bytes and created (empty, then padded) when
// missing; an integer-encoded string is first converted to its decimal
// bytes. The key's deadline is kept. wrongType reports a key of another
// type (nothing changed then). oldLen is the length before padding (0
// for a created key); created tells whether the key was new.
//
// The caller may change the returned bytes until its next call into the
// DB; it must not change their length.
func (db *DB) MutableString(key []byte, minLen int, now int64) (val []byte, oldLen int, created, wrongType bool) {
	seg, bi, si := db.liveSlot(key, now)
	if si < 0 {
		n := min(minLen, len(zeroBytes))
		db.put(key, TypeString, EncRaw, zeroBytes[:n], 0, 0, now)
		seg, bi, si = db.lookup(key, KeyHash(key))
		created = true
	}
	s := seg.b[bi].slots[si]
	if ValueType(s>>slotTypeShift)&15 != TypeString {
		return nil, 0, false, true
	}
	if Encoding(s>>slotEncShift) == EncInt {
		_, v := recParts(db.rec(s), s&slotTTL != 0)
		var buf [20]byte
		db.put(key, TypeString, EncRaw, strconv.AppendInt(buf[:0], getInt(v), 10), 0, SetKeepTTL, now)
		seg, bi, si = db.lookup(key, KeyHash(key))
		s = seg.b[bi].slots[si]
	}
	_, _, vlen, _ := db.rawValue(s)
	if created {
		oldLen = 0
	} else {
		oldLen = vlen
	}
	if vlen < minLen {
		db.resizeString(seg, bi, si, minLen)
		s = seg.b[bi].slots[si]
	} else {
		db.touch(seg, bi)
	}
	rec, _, vlen, voff := db.rawValue(s)
	return rec[voff : voff+vlen : voff+vlen], oldLen, created, false
}

// resizeString sets the length of the raw string in slot si of bucket bi
// to n, zero filling what grows. It reuses the record when it has room
// (records above maxSmallRecord are allocated with 1/8 slack, so a string
// grown a little at a time is copied O(log n) times, as Redis's sds
// growth) and otherwise moves it to a new record.
func (db *DB) resizeString(seg *segment, bi, si int, n int) {
	db.touch(seg, bi)
	b := &seg.b[bi]
	old := b.slots[si]
	ttl := old&slotTTL != 0
	rec, klen, vlen, voff := db.rawValue(old)
	var at int64
	if ttl {
		at = recExpire(rec)
	}
	need := recordLen(klen, n, ttl)
	hdr := uvarintLen(klen) + uvarintLen(n)
	if need <= len(rec) {
		oldHdr := uvarintLen(klen) + uvarintLen(vlen)
		keep := min(vlen, n)
		if oldHdr != hdr {
			// The value length's varint changed size: shift deadline, key
			// and the kept value bytes.
			copy(rec[hdr:], rec[oldHdr:voff+keep])
		}
		i := binary.PutUvarint(rec, uint64(klen))
		binary.PutUvarint(rec[i:], uint64(n))
		nvoff := voff - oldHdr + hdr
		clear(rec[nvoff+keep : nvoff+n])
		return
	}
	alloc := need
	if alloc > maxSmallRecord {
		alloc += alloc / 8
	}
	nh := db.arena.Alloc(alloc)
	nrec := db.arena.Bytes(nh)
	i := binary.PutUvarint(nrec, uint64(klen))
	i += binary.PutUvarint(nrec[i:], uint64(n))
	if ttl {
		binary.LittleEndian.PutUint64(nrec[i:], uint64(at))
		i += 8
	}
	copy(nrec[i:], rec[voff-klen:voff+vlen]) // key and value
	clear(nrec[i+klen+vlen : i+klen+n])
	oh := slotHandle(old)
	db.dataBytes += db.arena.Size(nh) - db.arena.Size(oh)
	db.arena.Free(oh)
	b.slots[si] = old&^handleMask | uint64(nh)
}

// stringView returns key's string value for reading: its bytes (an
// integer formatted into buf), whether it exists, and whether it is of
// another type.
func (db *DB) stringView(key []byte, now int64, buf *[20]byte) (val []byte, found, wrongType bool) {
	v, ok := db.Get(key, now)
	switch {
	case !ok:
		return nil, false, false
	case v.Type != TypeString:
		return nil, true, true
	case v.Enc == EncInt:
		return strconv.AppendInt(buf[:0], v.Int, 10), true, false
	default:
		return v.Bytes, true, false
	}
}
