package persist

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/darnerdb/darner/engine"
)

// Encoder appends RDB records to Buf. It writes the plain (non-listpack)
// object encodings every Redis since 2.x loads and 7.0 converts on load:
// strings (integer-encoded when they fit an int32, LZF-compressed when
// longer than 20 bytes and it pays, as Redis's rdbcompression yes), lists
// (RDB_TYPE_LIST), sets (RDB_TYPE_SET), hashes (RDB_TYPE_HASH) and sorted
// sets (RDB_TYPE_ZSET_2, binary scores).
//
// An Encoder belongs to one goroutine (a shard thread while it serialises
// that shard's buckets).
type Encoder struct {
	Buf      []byte
	NoLZF    bool
	lzfTable *[1 << lzfHashLog]int32
	lzfBuf   []byte
	elems    [][]byte
	scores   []float64
}

func appendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|len14bit<<6, byte(n))
	case n <= math.MaxUint32:
		dst = append(dst, len32bit)
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	dst = append(dst, len64bit)
	return binary.BigEndian.AppendUint64(dst, n)
}

// appendIntEnc appends v in the shortest integer string encoding.
func appendIntEnc(dst []byte, v int64) []byte {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(dst, lenEnc<<6|encInt8, byte(v))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(dst, lenEnc<<6|encInt16), uint16(v))
	}
	return binary.LittleEndian.AppendUint32(append(dst, lenEnc<<6|encInt32), uint32(v))
}

// String appends an RDB string: integer-encoded when s is the canonical
// form of an int32 (as rdbTryIntegerEncoding), else LZF or raw.
func (e *Encoder) String(s []byte) {
	if len(s) <= 11 && len(s) > 0 {
		if v, ok := engine.ParseInt(s); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
			e.Buf = appendIntEnc(e.Buf, v)
			return
		}
	}
	if len(s) > 20 && !e.NoLZF {
		if e.lzfTable == nil {
			e.lzfTable = new([1 << lzfHashLog]int32)
		}
		var ok bool
		e.lzfBuf, ok = lzfCompress(e.lzfBuf[:0], s, e.lzfTable)
		if ok {
			e.Buf = append(e.Buf, lenEnc<<6|encLZF)
			e.Buf = appendLen(e.Buf, uint64(len(e.lzfBuf)))
			e.Buf = appendLen(e.Buf, uint64(len(s)))
			e.Buf = append(e.Buf, e.lzfBuf...)
			return
		}
	}
	e.Buf = appendLen(e.Buf, uint64(len(s)))
	e.Buf = append(e.Buf, s...)
}

// Int appends the integer string v.
func (e *Encoder) Int(v int64) {
	if v >= math.MinInt32 && v <= math.MaxInt32 {
		e.Buf = appendIntEnc(e.Buf, v)
		return
	}
	var b [20]byte
	s := strconv.AppendInt(b[:0], v, 10)
	e.Buf = appendLen(e.Buf, uint64(len(s)))
	e.Buf = append(e.Buf, s...)
}

// Header appends the magic, version and Redis 7's AUX fields.
func (e *Encoder) Header(ctime, usedMem int64) {
	e.Buf = append(e.Buf, "REDIS0010"...)
	e.Aux("redis-ver", []byte(engine.RedisVersion))
	e.Aux("redis-bits", []byte("64"))
	e.Aux("ctime", strconv.AppendInt(nil, ctime, 10))
	e.Aux("used-mem", strconv.AppendInt(nil, usedMem, 10))
	e.Aux("aof-base", []byte("0"))
}

// Aux appends an AUX field.
func (e *Encoder) Aux(k string, v []byte) {
	e.Buf = append(e.Buf, opAux)
	e.String([]byte(k))
	e.String(v)
}

// SelectDB appends SELECTDB db.
func (e *Encoder) SelectDB(db int) {
	e.Buf = append(e.Buf, opSelectDB)
	e.Buf = appendLen(e.Buf, uint64(db))
}

// ResizeDB appends the RESIZEDB hint.
func (e *Encoder) ResizeDB(keys, expires int64) {
	e.Buf = append(e.Buf, opResizeDB)
	e.Buf = appendLen(e.Buf, uint64(keys))
	e.Buf = appendLen(e.Buf, uint64(expires))
}

// EOF appends the EOF opcode and the CRC64 of everything before it; crc is
// the checksum of the bytes already written elsewhere (0 when Buf holds
// the whole file).
func (e *Encoder) EOF(crc uint64) {
	e.Buf = append(e.Buf, opEOF)
	crc = CRC64(crc, e.Buf)
	e.Buf = binary.LittleEndian.AppendUint64(e.Buf, crc)
}

// Key appends one key with its value (a view of shard sh, read on sh's
// thread) and deadline (0: none).
func (e *Encoder) Key(sh *engine.Shard, key []byte, v engine.Value, expireAt int64) {
	if expireAt != 0 {
		e.Buf = append(e.Buf, opExpireTimeMS)
		e.Buf = binary.LittleEndian.AppendUint64(e.Buf, uint64(expireAt))
	}
	switch v.Type {
	case engine.TypeString:
		e.Buf = append(e.Buf, typeString)
		e.String(key)
		if v.Enc == engine.EncInt {
			e.Int(v.Int)
		} else {
			e.String(v.Bytes)
		}
		return
	case engine.TypeList:
		e.Buf = append(e.Buf, typeList)
	case engine.TypeSet:
		e.Buf = append(e.Buf, typeSet)
	case engine.TypeHash:
		e.Buf = append(e.Buf, typeHash)
	case engine.TypeZSet:
		e.Buf = append(e.Buf, typeZSet2)
	default:
		panic("persist: no RDB encoding for type " + v.Type.String())
	}
	e.String(key)
	e.elems, e.scores = engine.DumpValue(sh, v, e.elems[:0], e.scores[:0])
	n := len(e.elems)
	if v.Type == engine.TypeHash {
		n /= 2
	}
	e.Buf = appendLen(e.Buf, uint64(n))
	for i, el := range e.elems {
		e.String(el)
		if v.Type == engine.TypeZSet {
			e.Buf = binary.LittleEndian.AppendUint64(e.Buf, math.Float64bits(e.scores[i]))
		}
	}
	clear(e.elems)
}
