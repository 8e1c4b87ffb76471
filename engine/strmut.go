package engine

import "strconv"

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

// MutableString returns key's string value for an in-place update, zero
// padded to at least minLen bytes and created (zero filled) when missing;
// an integer-encoded string is first converted to its decimal bytes. The
// key's deadline is kept; its memcached metadata is dropped, as by every
// Redis-protocol write (dash_mc.go). wrongType reports a key of another
// type (nothing changed then). oldLen is the length before padding (0 for
// a created key); created tells whether the key was new.
//
// The caller may change the returned bytes until its next call into the
// DB; it must not change their length. Growth goes through the strings
// family's growString (in place when the record has room, else with
// Redis-like slack), so a bitmap grown a byte at a time costs amortized
// O(1) per byte.
func (db *DB) MutableString(key []byte, minLen int, now int64) (val []byte, oldLen int, created, wrongType bool) {
	seg, bi, si := db.liveSlot(key, now)
	if si < 0 {
		v := db.newString(key, KeyHash(key), minLen)
		clear(v)
		return v, 0, true, false
	}
	s := seg.b[bi].slots[si]
	if slotType(s) != TypeString {
		return nil, 0, false, true
	}
	rec, _, vlen, voff := db.rawValue(s)
	cur := rec[voff : voff+vlen : voff+vlen]
	if Encoding(s>>slotEncShift) != EncInt {
		if len(cur) >= minLen {
			db.touch(seg, bi)
			seg.b[bi].slots[si] = s &^ slotMC
			return cur, len(cur), false, false
		}
		v := db.growString(seg, bi, si, cur, minLen)
		clear(v[len(cur):])
		return v, len(cur), false, false
	}
	var buf [20]byte
	num := strconv.AppendInt(buf[:0], getInt(cur), 10)
	v := db.growString(seg, bi, si, num, max(len(num), minLen))
	clear(v[len(num):])
	return v, len(num), false, false
}

// rawValue returns the record slot s points to, and the key length,
// value length and value offset in it.
func (db *DB) rawValue(s uint64) (rec []byte, klen, vlen, voff int) {
	rec = db.rec(s)
	klen, vlen, off := recHeader(rec)
	if s&slotTTL != 0 {
		off += 8
	}
	voff = off + klen
	return rec, klen, vlen, voff
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
