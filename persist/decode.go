package persist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/darnerdb/darner/engine"
)

// Record is one key as the reader decodes it. Its slices alias the file's
// bytes or the reader's scratch memory: valid during the callback only.
type Record struct {
	DB       int
	Key      []byte
	Type     engine.ValueType
	ExpireAt int64 // unix ms; 0: no deadline
	// Str is a string's value.
	Str []byte
	// Elems are a list's items in order, a set's members, a hash's fields
	// and values alternating, or a zset's members (Scores in parallel).
	Elems  [][]byte
	Scores []float64
	// RDBType is the value's RDB type byte as the file stored it.
	RDBType byte
}

// FileInfo is what the reader learnt about a file besides its keys.
type FileInfo struct {
	Version   int
	Aux       map[string]string
	Keys      int // records passed to the callback
	Functions int // FUNCTION payloads skipped (darner has no functions)
	Checksum  bool
}

// CorruptError reports a malformed file: where and what.
type CorruptError struct {
	Offset int
	Msg    string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt RDB at byte %d: %s", e.Offset, e.Msg)
}

// ErrUnsupported is wrapped by errors for valid RDB content darner cannot
// load (streams, modules).
var ErrUnsupported = errors.New("unsupported RDB content")

// reader decodes an RDB held in memory. It never panics on bad input:
// every read is bounds-checked and fails with a CorruptError.
type reader struct {
	data    []byte
	pos     int
	err     error
	scratch []byte // decoded integers, decompressed strings
	elems   [][]byte
	scores  []float64
}

func (r *reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = &CorruptError{Offset: r.pos, Msg: fmt.Sprintf(format, a...)}
	}
	r.pos = len(r.data)
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.data)-r.pos {
		r.fail("unexpected end of file (wanted %d bytes)", n)
		return nil
	}
	b := r.data[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b
}

func (r *reader) byte1() byte {
	b := r.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// length reads a length; encoded reports a special string encoding (the
// returned value is then its kind: encInt8.. encLZF).
func (r *reader) length() (n uint64, encoded bool) {
	b := r.byte1()
	switch b >> 6 {
	case len6bit:
		return uint64(b & 0x3f), false
	case len14bit:
		return uint64(b&0x3f)<<8 | uint64(r.byte1()), false
	case lenEnc:
		return uint64(b & 0x3f), true
	}
	switch b {
	case len32bit:
		if p := r.bytes(4); p != nil {
			return uint64(binary.BigEndian.Uint32(p)), false
		}
	case len64bit:
		if p := r.bytes(8); p != nil {
			return binary.BigEndian.Uint64(p), false
		}
	default:
		r.fail("unknown length encoding 0x%02x", b)
	}
	return 0, false
}

// count reads a length that counts items, each at least one byte: a count
// beyond the bytes left is corrupt (so hostile counts allocate nothing).
func (r *reader) count() int {
	n, enc := r.length()
	if enc {
		r.fail("encoded length where a count was expected")
		return 0
	}
	if n > uint64(len(r.data)-r.pos) {
		r.fail("count %d exceeds the file", n)
		return 0
	}
	return int(n)
}

// str reads a string (raw, integer-encoded or LZF). The result aliases
// the file or scratch memory.
func (r *reader) str() []byte {
	n, enc := r.length()
	if r.err != nil {
		return nil
	}
	if !enc {
		if n > uint64(len(r.data)-r.pos) {
			r.fail("string length %d exceeds the file", n)
			return nil
		}
		return r.bytes(int(n))
	}
	var v int64
	switch n {
	case encInt8:
		v = int64(int8(r.byte1()))
	case encInt16:
		if p := r.bytes(2); p != nil {
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		}
	case encInt32:
		if p := r.bytes(4); p != nil {
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		}
	case encLZF:
		clen, e1 := r.length()
		ulen, e2 := r.length()
		if e1 || e2 || r.err != nil {
			r.fail("bad LZF lengths")
			return nil
		}
		if clen > uint64(len(r.data)-r.pos) || ulen > 1<<32 || ulen > clen*1000+64 {
			r.fail("bad LZF lengths %d/%d", clen, ulen)
			return nil
		}
		in := r.bytes(int(clen))
		out, err := lzfDecompress(make([]byte, 0, ulen), in, int(ulen))
		if err != nil {
			r.fail("%v", err)
			return nil
		}
		return out
	default:
		r.fail("unknown string encoding %d", n)
		return nil
	}
	return r.intStr(v)
}

// intStr formats v into scratch and returns the view.
func (r *reader) intStr(v int64) []byte {
	start := len(r.scratch)
	r.scratch = strconv.AppendInt(r.scratch, v, 10)
	return r.scratch[start:len(r.scratch):len(r.scratch)]
}

func (r *reader) oldDouble() float64 {
	n := r.byte1()
	switch n {
	case 253:
		return math.NaN()
	case 254:
		return math.Inf(1)
	case 255:
		return math.Inf(-1)
	}
	b := r.bytes(int(n))
	if r.err != nil {
		return 0
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		r.fail("bad double %q", b)
	}
	return f
}

func (r *reader) binDouble() float64 {
	p := r.bytes(8)
	if p == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p))
}

// Parse decodes an RDB file held in data and calls fn for each key, in
// file order. It verifies the trailing CRC64 (unless the file has none or
// a zero one, as Redis's rdbchecksum no writes). A fn error stops the
// parse and is returned. Modules and streams are refused with an error
// wrapping ErrUnsupported; Redis functions are skipped (counted).
func Parse(data []byte, fn func(rec *Record) error) (FileInfo, error) {
	r := &reader{data: data}
	info := FileInfo{Aux: map[string]string{}}
	hdr := r.bytes(9)
	if hdr == nil || string(hdr[:5]) != "REDIS" {
		return info, &CorruptError{0, "not an RDB file (no REDIS signature)"}
	}
	ver, err := strconv.Atoi(string(hdr[5:]))
	if err != nil || ver < 1 || ver > MaxReadVersion {
		return info, &CorruptError{5, fmt.Sprintf("can't handle RDB format version %q", hdr[5:])}
	}
	info.Version = ver
	db := 0
	var expireAt int64
	rec := &Record{}
	for r.err == nil {
		op := r.byte1()
		if r.err != nil {
			break
		}
		switch op {
		case opExpireTime:
			if p := r.bytes(4); p != nil {
				expireAt = int64(int32(binary.LittleEndian.Uint32(p))) * 1000
			}
			continue
		case opExpireTimeMS:
			if p := r.bytes(8); p != nil {
				expireAt = int64(binary.LittleEndian.Uint64(p))
			}
			continue
		case opFreq:
			r.byte1()
			continue
		case opIdle:
			r.length()
			continue
		case opSelectDB:
			n, enc := r.length()
			if enc || n > 1<<20 {
				r.fail("bad SELECTDB %d", n)
				break
			}
			db = int(n)
			continue
		case opResizeDB:
			r.length()
			r.length()
			continue
		case opAux:
			k := r.str()
			v := r.str()
			if r.err == nil {
				info.Aux[string(k)] = string(v)
			}
			continue
		case opModuleAux:
			return info, fmt.Errorf("%w: module data (opcode MODULE_AUX)", ErrUnsupported)
		case opFunction2:
			r.str()
			info.Functions++
			continue
		case opFunction:
			return info, fmt.Errorf("%w: pre-release FUNCTION opcode", ErrUnsupported)
		case opEOF:
			end := r.pos
			if ver >= 5 {
				p := r.bytes(8)
				if r.err != nil {
					break
				}
				if want := binary.LittleEndian.Uint64(p); want != 0 {
					if got := CRC64(0, data[:end]); got != want {
						return info, &CorruptError{end, fmt.Sprintf("wrong RDB checksum: expected %016x, got %016x", want, got)}
					}
					info.Checksum = true
				}
			}
			return info, r.err
		}
		if r.err != nil {
			break
		}
		// A key/value pair of type op.
		r.scratch = r.scratch[:0]
		key := r.str()
		if r.err != nil {
			break
		}
		// The key may live in scratch (an integer-encoded key): keep it
		// out of the value's scratch growth by starting a new buffer.
		if len(r.scratch) > 0 {
			r.scratch = make([]byte, 0, 64)
		}
		*rec = Record{DB: db, Key: key, ExpireAt: expireAt, RDBType: op}
		expireAt = 0
		if err := r.value(op, rec); err != nil {
			return info, err
		}
		if r.err != nil {
			break
		}
		if rec.Type != engine.TypeString && len(rec.Elems) == 0 {
			continue // Redis skips empty collections too
		}
		info.Keys++
		if err := fn(rec); err != nil {
			return info, err
		}
	}
	if r.err == nil {
		r.fail("unexpected end of file")
	}
	return info, r.err
}

// value decodes a value of RDB type t into rec.
func (r *reader) value(t byte, rec *Record) error {
	r.elems, r.scores = r.elems[:0], r.scores[:0]
	switch t {
	case typeString:
		rec.Type = engine.TypeString
		rec.Str = r.str()
		return nil
	case typeList, typeSet:
		rec.Type = engine.TypeList
		if t == typeSet {
			rec.Type = engine.TypeSet
		}
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			r.elems = append(r.elems, r.str())
		}
	case typeHash:
		rec.Type = engine.TypeHash
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			r.elems = append(r.elems, r.str(), r.str())
		}
	case typeZSet, typeZSet2:
		rec.Type = engine.TypeZSet
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			r.elems = append(r.elems, r.str())
			var s float64
			if t == typeZSet {
				s = r.oldDouble()
			} else {
				s = r.binDouble()
			}
			if math.IsNaN(s) {
				r.fail("zset score is NaN")
			}
			r.scores = append(r.scores, s)
		}
	case typeHashZipmap:
		rec.Type = engine.TypeHash
		r.zipmap(r.str())
	case typeListZiplist:
		rec.Type = engine.TypeList
		r.ziplist(r.str())
	case typeSetIntset:
		rec.Type = engine.TypeSet
		r.intset(r.str())
	case typeZSetZiplist, typeZSetListpack:
		rec.Type = engine.TypeZSet
		if t == typeZSetZiplist {
			r.ziplist(r.str())
		} else {
			r.listpack(r.str())
		}
		r.pairsToScores()
	case typeHashZiplist, typeHashListpack:
		rec.Type = engine.TypeHash
		if t == typeHashZiplist {
			r.ziplist(r.str())
		} else {
			r.listpack(r.str())
		}
		if len(r.elems)%2 != 0 {
			r.fail("hash with an odd number of entries")
		}
	case typeSetListpack:
		rec.Type = engine.TypeSet
		r.listpack(r.str())
	case typeListQuicklist:
		rec.Type = engine.TypeList
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			r.ziplist(r.str())
		}
	case typeListQuicklist2:
		rec.Type = engine.TypeList
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			c, enc := r.length()
			if enc || (c != qlNodePlain && c != qlNodePacked) {
				r.fail("bad quicklist container %d", c)
				break
			}
			b := r.str()
			if c == qlNodePlain {
				r.elems = append(r.elems, b)
			} else {
				r.listpack(b)
			}
		}
	case typeStreamListpacks, typeStreamListpack2, typeStreamListpack3:
		return fmt.Errorf("%w: key %q is a stream (darner has no streams yet)", ErrUnsupported, rec.Key)
	case typeModule, typeModule2:
		return fmt.Errorf("%w: key %q holds a module type", ErrUnsupported, rec.Key)
	default:
		r.fail("unknown value type %d", t)
	}
	rec.Elems, rec.Scores = r.elems, r.scores
	return nil
}

// pairsToScores turns member, score, member, score... elems into members
// with parallel scores.
func (r *reader) pairsToScores() {
	if len(r.elems)%2 != 0 {
		r.fail("zset with an odd number of entries")
		return
	}
	n := len(r.elems) / 2
	for i := 0; i < n; i++ {
		s, err := strconv.ParseFloat(string(r.elems[2*i+1]), 64)
		if err != nil || math.IsNaN(s) {
			r.fail("bad zset score %q", r.elems[2*i+1])
			return
		}
		r.elems[i] = r.elems[2*i]
		r.scores = append(r.scores, s)
	}
	r.elems = r.elems[:n]
}

// listpack appends a listpack's entries to elems.
func (r *reader) listpack(b []byte) {
	if r.err != nil {
		return
	}
	if len(b) < 7 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		r.fail("bad listpack header")
		return
	}
	p := 6
	for {
		if p >= len(b) {
			r.fail("listpack without terminator")
			return
		}
		c := b[p]
		if c == 0xff {
			if p != len(b)-1 {
				r.fail("listpack terminator before its end")
			}
			return
		}
		var l, hdr int // data length, header length
		var v int64
		isInt := true
		need := func(n int) bool {
			if p+n > len(b)-1 {
				r.fail("listpack entry past its end")
				return false
			}
			return true
		}
		switch {
		case c&0x80 == 0:
			v, hdr = int64(c&0x7f), 1
		case c&0xc0 == 0x80:
			l, hdr, isInt = int(c&0x3f), 1, false
		case c&0xe0 == 0xc0:
			if !need(2) {
				return
			}
			u := int64(c&0x1f)<<8 | int64(b[p+1])
			if u >= 1<<12 {
				u -= 1 << 13
			}
			v, hdr = u, 2
		case c&0xf0 == 0xe0:
			if !need(2) {
				return
			}
			l, hdr, isInt = int(c&0x0f)<<8|int(b[p+1]), 2, false
		case c == 0xf0:
			if !need(5) {
				return
			}
			l, hdr, isInt = int(binary.LittleEndian.Uint32(b[p+1:])), 5, false
		case c == 0xf1:
			if !need(3) {
				return
			}
			v, hdr = int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), 3
		case c == 0xf2:
			if !need(4) {
				return
			}
			u := uint32(b[p+1]) | uint32(b[p+2])<<8 | uint32(b[p+3])<<16
			v, hdr = int64(int32(u<<8)>>8), 4
		case c == 0xf3:
			if !need(5) {
				return
			}
			v, hdr = int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), 5
		case c == 0xf4:
			if !need(9) {
				return
			}
			v, hdr = int64(binary.LittleEndian.Uint64(b[p+1:])), 9
		default:
			r.fail("bad listpack encoding 0x%02x", c)
			return
		}
		if l < 0 || !need(hdr+l) {
			return
		}
		if isInt {
			r.elems = append(r.elems, r.intStr(v))
		} else {
			r.elems = append(r.elems, b[p+hdr:p+hdr+l:p+hdr+l])
		}
		el := hdr + l
		bl := 1
		switch {
		case el <= 127:
		case el < 16383:
			bl = 2
		case el < 2097151:
			bl = 3
		case el < 268435455:
			bl = 4
		default:
			bl = 5
		}
		p += el + bl
	}
}

// ziplist appends a ziplist's entries to elems.
func (r *reader) ziplist(b []byte) {
	if r.err != nil {
		return
	}
	if len(b) < 11 || int(binary.LittleEndian.Uint32(b)) != len(b) || b[len(b)-1] != 0xff {
		r.fail("bad ziplist header")
		return
	}
	p := 10
	end := len(b) - 1
	for p < end {
		if b[p] == 254 {
			p += 5
		} else {
			p++
		}
		if p >= end {
			r.fail("ziplist entry past its end")
			return
		}
		c := b[p]
		var l, hdr int
		var v int64
		isInt := true
		need := func(n int) bool {
			if p+n > end {
				r.fail("ziplist entry past its end")
				return false
			}
			return true
		}
		switch {
		case c>>6 == 0:
			l, hdr, isInt = int(c&0x3f), 1, false
		case c>>6 == 1:
			if !need(2) {
				return
			}
			l, hdr, isInt = int(c&0x3f)<<8|int(b[p+1]), 2, false
		case c == 0x80:
			if !need(5) {
				return
			}
			l, hdr, isInt = int(binary.BigEndian.Uint32(b[p+1:])), 5, false
		case c == 0xc0:
			if !need(3) {
				return
			}
			v, hdr = int64(int16(binary.LittleEndian.Uint16(b[p+1:]))), 3
		case c == 0xd0:
			if !need(5) {
				return
			}
			v, hdr = int64(int32(binary.LittleEndian.Uint32(b[p+1:]))), 5
		case c == 0xe0:
			if !need(9) {
				return
			}
			v, hdr = int64(binary.LittleEndian.Uint64(b[p+1:])), 9
		case c == 0xf0:
			if !need(4) {
				return
			}
			u := uint32(b[p+1]) | uint32(b[p+2])<<8 | uint32(b[p+3])<<16
			v, hdr = int64(int32(u<<8)>>8), 4
		case c == 0xfe:
			if !need(2) {
				return
			}
			v, hdr = int64(int8(b[p+1])), 2
		case c >= 0xf1 && c <= 0xfd:
			v, hdr = int64(c&0x0f)-1, 1
		default:
			r.fail("bad ziplist encoding 0x%02x", c)
			return
		}
		if l < 0 || !need(hdr+l) {
			return
		}
		if isInt {
			r.elems = append(r.elems, r.intStr(v))
		} else {
			r.elems = append(r.elems, b[p+hdr:p+hdr+l:p+hdr+l])
		}
		p += hdr + l
	}
}

// intset appends an intset's members to elems.
func (r *reader) intset(b []byte) {
	if r.err != nil {
		return
	}
	if len(b) < 8 {
		r.fail("bad intset header")
		return
	}
	w := int(binary.LittleEndian.Uint32(b))
	n := int(binary.LittleEndian.Uint32(b[4:]))
	if (w != 2 && w != 4 && w != 8) || n < 0 || len(b) != 8+w*n {
		r.fail("bad intset (width %d, length %d, %d bytes)", w, n, len(b))
		return
	}
	for i := 0; i < n; i++ {
		q := b[8+w*i:]
		var v int64
		switch w {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(q)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(q)))
		default:
			v = int64(binary.LittleEndian.Uint64(q))
		}
		r.elems = append(r.elems, r.intStr(v))
	}
}

// zipmap appends a zipmap's field/value pairs to elems (Redis < 2.6
// hashes; Redis 7 still loads them).
func (r *reader) zipmap(b []byte) {
	if r.err != nil {
		return
	}
	if len(b) < 2 {
		r.fail("bad zipmap")
		return
	}
	p := 1
	zlen := func() (int, bool) {
		if p >= len(b) {
			return 0, false
		}
		c := b[p]
		switch {
		case c < 254:
			p++
			return int(c), true
		case c == 254 && p+5 <= len(b):
			n := int(binary.LittleEndian.Uint32(b[p+1:]))
			p += 5
			return n, true
		}
		return 0, false
	}
	for {
		if p >= len(b) {
			r.fail("zipmap without terminator")
			return
		}
		if b[p] == 0xff {
			return
		}
		fl, ok := zlen()
		if !ok || fl < 0 || p+fl > len(b) {
			r.fail("bad zipmap field")
			return
		}
		f := b[p : p+fl : p+fl]
		p += fl
		vl, ok := zlen()
		if !ok || vl < 0 || p+1+vl > len(b) {
			r.fail("bad zipmap value")
			return
		}
		free := int(b[p])
		p++
		v := b[p : p+vl : p+vl]
		p += vl + free
		r.elems = append(r.elems, f, v)
	}
}
