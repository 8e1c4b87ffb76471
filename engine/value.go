package engine

import (
	"encoding/binary"
	"strconv"
)

// ValueType is a key's Redis type (TYPE reports it).
type ValueType uint8

const (
	TypeString ValueType = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

// String is the name TYPE replies with.
func (t ValueType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// Encoding says how a value is stored (OBJECT ENCODING maps it to Redis's
// names per type).
type Encoding uint8

const (
	// EncRaw: the value's bytes live in the key's arena record.
	EncRaw Encoding = iota
	// EncInt: a string that is a canonical decimal int64, stored as 1..8
	// little-endian bytes and formatted on read.
	EncInt
	// EncBlob: a compact encoding of a small collection (listpack-like
	// bytes owned by the type's family), stored in the arena record.
	EncBlob
	// EncObject: a large collection held by the shard's ObjectStore; the
	// record stores its 32-bit handle.
	EncObject
)

// Value is a view of one key's value as Get returns it.
//
// Bytes (EncRaw, EncBlob) aliases arena memory: it stays valid until the
// next mutation of any database of the same shard (they share the arena).
// Copy it (or write it to the reply) before mutating.
type Value struct {
	Type  ValueType
	Enc   Encoding
	Bytes []byte // EncRaw, EncBlob
	Int   int64  // EncInt
	Obj   uint32 // EncObject: handle into the shard's ObjectStore
}

// AppendString appends a string value's bytes (formatting an EncInt value)
// to dst.
func (v Value) AppendString(dst []byte) []byte {
	if v.Enc == EncInt {
		return strconv.AppendInt(dst, v.Int, 10)
	}
	return append(dst, v.Bytes...)
}

// StringLen is the length of a string value (STRLEN).
func (v Value) StringLen() int {
	if v.Enc != EncInt {
		return len(v.Bytes)
	}
	var buf [20]byte
	return len(strconv.AppendInt(buf[:0], v.Int, 10))
}

// parseCanonicalInt reports whether b is the canonical decimal form of an
// int64 (what strconv.FormatInt would print: no sign other than one leading
// '-', no leading zeros, no "-0"), so that storing the integer and
// formatting it on read gives back exactly b.
func parseCanonicalInt(b []byte) (int64, bool) {
	n := len(b)
	if n == 0 || n > 20 {
		return 0, false
	}
	neg := b[0] == '-'
	d := b
	if neg {
		d = b[1:]
		if len(d) == 0 {
			return 0, false
		}
	}
	if d[0] == '0' && (len(d) > 1 || neg) {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (1<<63)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// intBytes is the minimal number of little-endian two's-complement bytes
// (1..8) that hold n.
func intBytes(n int64) int {
	for k := 1; k < 8; k++ {
		s := 64 - 8*uint(k)
		if n<<s>>s == n {
			return k
		}
	}
	return 8
}

func putInt(dst []byte, n int64) {
	for i := range dst {
		dst[i] = byte(n >> (8 * uint(i)))
	}
}

func getInt(src []byte) int64 {
	var u uint64
	for i := len(src) - 1; i >= 0; i-- {
		u = u<<8 | uint64(src[i])
	}
	s := 64 - 8*uint(len(src))
	return int64(u<<s) >> s
}

// Records. A key's record in the arena is
//
//	uvarint(len(key)) uvarint(len(value)) [expireAt: 8 bytes LE, if the
//	slot's TTL bit is set] key value
//
// and the slot says the value's type and encoding. The record is sized by
// recordLen; the arena rounds it up to a size class.

func uvarintLen(n int) int {
	k := 1
	for n >= 0x80 {
		n >>= 7
		k++
	}
	return k
}

func recordLen(klen, vlen int, ttl bool) int {
	n := uvarintLen(klen) + uvarintLen(vlen) + klen + vlen
	if ttl {
		n += 8
	}
	return n
}

// writeRecord fills rec (at least recordLen bytes) with key, value and the
// deadline when ttl.
func writeRecord(rec, key, val []byte, ttl bool, expireAt int64) {
	i := binary.PutUvarint(rec, uint64(len(key)))
	i += binary.PutUvarint(rec[i:], uint64(len(val)))
	if ttl {
		binary.LittleEndian.PutUint64(rec[i:], uint64(expireAt))
		i += 8
	}
	i += copy(rec[i:], key)
	copy(rec[i:], val)
}

// recHeader parses a record's lengths; off is where the optional deadline
// (ttl) or the key starts.
func recHeader(rec []byte) (klen, vlen, off int) {
	if rec[0] < 0x80 && rec[1] < 0x80 {
		return int(rec[0]), int(rec[1]), 2
	}
	k, n1 := binary.Uvarint(rec)
	v, n2 := binary.Uvarint(rec[n1:])
	return int(k), int(v), n1 + n2
}

// recKey returns the key of a record.
func recKey(rec []byte, ttl bool) []byte {
	klen, _, off := recHeader(rec)
	if ttl {
		off += 8
	}
	return rec[off : off+klen : off+klen]
}

// recParts returns a record's key and value.
func recParts(rec []byte, ttl bool) (key, val []byte) {
	klen, vlen, off := recHeader(rec)
	if ttl {
		off += 8
	}
	return rec[off : off+klen : off+klen], rec[off+klen : off+klen+vlen : off+klen+vlen]
}

// recExpire returns the deadline of a record whose slot has the TTL bit.
func recExpire(rec []byte) int64 {
	_, _, off := recHeader(rec)
	return int64(binary.LittleEndian.Uint64(rec[off:]))
}

func recSetExpire(rec []byte, at int64) {
	_, _, off := recHeader(rec)
	binary.LittleEndian.PutUint64(rec[off:], uint64(at))
}

// Object is a large collection held by an ObjectStore (EncObject values):
// a real Go structure (quicklist, hash table, skiplist) a family builds
// once a collection outgrows its compact EncBlob form.
type Object interface {
	// MemBytes is the memory the object accounts for. The DB adds it when
	// SetObject binds the object to a key and subtracts it when the key
	// lets go of it; in between, the family reports every change with
	// DB.AdjustObjectBytes, so MemBytes and the reported total agree.
	MemBytes() int64
	// Clone returns an independent deep copy (COPY, cross-shard moves that
	// must keep the source).
	Clone() Object
}

// ObjectStore holds a shard's large collections (EncObject values). Keys
// refer to them by a 32-bit handle, so the dashtable itself stays
// pointer-free; the objects themselves are ordinary GC-visible Go values,
// which is acceptable because only big collections live here (few
// objects, each holding many elements).
//
// It belongs to one shard thread. Handles are reused after Release.
type ObjectStore struct {
	objs []Object // index 0 unused
	free []uint32
}

// NewObjectStore returns an empty store.
func NewObjectStore() *ObjectStore { return &ObjectStore{objs: make([]Object, 1)} }

// Put stores o and returns its handle (never 0).
func (s *ObjectStore) Put(o Object) uint32 {
	if n := len(s.free); n > 0 {
		h := s.free[n-1]
		s.free = s.free[:n-1]
		s.objs[h] = o
		return h
	}
	s.objs = append(s.objs, o)
	return uint32(len(s.objs) - 1)
}

// Get returns the object with handle h.
func (s *ObjectStore) Get(h uint32) Object { return s.objs[h] }

// Replace swaps the object behind h (e.g. after converting its encoding).
func (s *ObjectStore) Replace(h uint32, o Object) { s.objs[h] = o }

// Release drops the object h; the handle may be reused by the next Put.
func (s *ObjectStore) Release(h uint32) {
	s.objs[h] = nil
	s.free = append(s.free, h)
}

// Len is the number of live objects.
func (s *ObjectStore) Len() int { return len(s.objs) - 1 - len(s.free) }
