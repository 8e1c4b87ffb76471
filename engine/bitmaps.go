package engine

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/darnerdb/darner/proto"
)

// The bitmap family: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
// BITFIELD_RO, on string values, as Redis 7.0's bitops.c behaves (argument
// checks in the same order, the same error texts).
//
// Bit 0 is the most significant bit of the first byte. An integer-encoded
// string is read as its decimal bytes; a write converts it to raw bytes.
// Writes edit the value in place (DB.MutableString), so SETBIT on a large
// bitmap is O(1) and growing one a byte at a time is amortized O(1).

const (
	errBitOffset     = "ERR bit offset is not an integer or out of range"
	errBitValue      = "ERR bit is not an integer or out of range"
	errBitArg        = "ERR The bit argument must be 1 or 0."
	errBitfieldType  = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitfieldOvf   = "ERR Invalid OVERFLOW type specified"
	errBitfieldRO    = "ERR BITFIELD_RO only supports the GET subcommand"
	errBitopNot      = "ERR BITOP NOT must be called with a single source key."
	bitfieldMaxOps   = 1 << 20
	bitfieldInlineOp = 8
)

func init() {
	register(
		&Command{Name: "setbit", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSetbit,
			Group: "bitmap", Summary: "Sets or clears the bit at offset in the string value stored at key", Since: "2.2.0", Complexity: "O(1)",
			KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "update"}, BeginIndex: 1, KeyStep: 1}},
			Args:     "key offset:i value:i"},
		&Command{Name: "getbit", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdGetbit,
			Group: "bitmap", Summary: "Returns the bit value at offset in the string value stored at key", Since: "2.2.0", Complexity: "O(1)",
			Args: "key offset:i"},
		&Command{Name: "bitcount", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdBitcount,
			Group: "bitmap", Summary: "Count set bits in a string", Since: "2.6.0", Complexity: "O(N)",
			Args: "key [start:i end:i [BYTE | BIT]{index_unit 7.0.0}]{index}", History: [][2]string{{"7.0.0", "Added the `BYTE|BIT` option."}}},
		&Command{Name: "bitpos", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdBitpos,
			Group: "bitmap", Summary: "Find first bit set or clear in a string", Since: "2.8.7", Complexity: "O(N)",
			Args: "key bit:i [start:i [end:i [BYTE | BIT]{index_unit 7.0.0}]{end_index}]{index}", History: [][2]string{{"7.0.0", "Added the `BYTE|BIT` option."}}},
		&Command{Name: "bitop", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 2, LastKey: -1, Step: 1, Run: cmdBitop, Tx: txBitop,
			Group: "bitmap", Summary: "Perform bitwise operations between strings", Since: "2.6.0", Complexity: "O(N)",
			KeySpecs: []KeySpec{
				{Flags: []string{"OW", "update"}, BeginIndex: 2, KeyStep: 1},
				{Flags: []string{"RO", "access"}, BeginIndex: 3, LastKey: -1, KeyStep: 1},
			},
			Args: "operation destkey:k key..."},
		&Command{Name: "bitfield", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdBitfield,
			Group: "bitmap", Summary: "Perform arbitrary bitfield integer operations on strings", Since: "3.2.0", Complexity: "O(1) for each subcommand specified",
			KeySpecs: []KeySpec{{Notes: "This command allows both access and modification of the key", Flags: []string{"RW", "access", "update", "variable_flags"}, BeginIndex: 1, KeyStep: 1}},
			Args:     "key [GET (encoding offset:i){encoding_offset} | ([OVERFLOW (WRAP | SAT | FAIL){wrap_sat_fail}] (SET (encoding offset:i value:i){encoding_offset_value} | INCRBY (encoding offset:i increment:i){encoding_offset_increment}){write_operation}){write}]{operation}...", KeyFlags: bitfieldKeyFlags},
		&Command{Name: "bitfield_ro", Arity: -2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdBitfieldRO,
			Group: "bitmap", Summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", Since: "6.0.0", Complexity: "O(1) for each subcommand specified",
			Args: "key [GET (encoding offset:i){encoding_offset}]..."},
	)
}

// bitOffset parses a bit offset as Redis's getBitOffsetFromArgument: a
// canonical integer, or with hashBits > 0 also "#n" meaning n*hashBits;
// negative offsets and offsets past proto-max-bulk-len bytes are refused.
func bitOffset(c *Ctx, arg []byte, hashBits int) (uint64, bool) {
	hash := hashBits > 0 && len(arg) > 0 && arg[0] == '#'
	if hash {
		arg = arg[1:]
	}
	n, ok := ParseInt(arg)
	if !ok {
		return 0, false
	}
	if hash {
		n *= int64(hashBits) // wraps like Redis's long long multiply
	}
	if n < 0 || n>>3 >= c.Server.Config().ProtoMaxBulkLen() {
		return 0, false
	}
	return uint64(n), true
}

func cmdSetbit(c *Ctx, args [][]byte) {
	off, ok := bitOffset(c, args[2], 0)
	if !ok {
		c.W.Error(errBitOffset)
		return
	}
	on, ok := ParseInt(args[3])
	if !ok || on&^1 != 0 {
		c.W.Error(errBitValue)
		return
	}
	old, wrong := opSetbit(c.Shard.DBs[c.DB], args[1], off, on == 1, c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	c.W.Int(old)
}

// opSetbit sets bit off of key to on and returns its old value; wrong
// reports a key of another type (nothing changed).
func opSetbit(db *DB, key []byte, off uint64, on bool, now int64) (old int64, wrong bool) {
	byteIx := int(off >> 3)
	val, _, _, wrong := db.MutableString(key, byteIx+1, now)
	if wrong {
		return 0, true
	}
	mask := byte(1) << (7 - off&7)
	if val[byteIx]&mask != 0 {
		old = 1
	}
	if on {
		val[byteIx] |= mask
	} else {
		val[byteIx] &^= mask
	}
	return old, false
}

func cmdGetbit(c *Ctx, args [][]byte) {
	off, ok := bitOffset(c, args[2], 0)
	if !ok {
		c.W.Error(errBitOffset)
		return
	}
	var buf [20]byte
	val, _, wrong := c.Shard.DBs[c.DB].stringView(args[1], c.Now, &buf)
	if wrong {
		c.W.WrongType()
		return
	}
	byteIx := off >> 3
	if byteIx < uint64(len(val)) && val[byteIx]&(1<<(7-off&7)) != 0 {
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

// popcount counts the set bits of b.
func popcount(b []byte) int64 {
	var n int
	for len(b) >= 32 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b)) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[8:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[16:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(b[24:]))
		b = b[32:]
	}
	for len(b) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return int64(n)
}

// bitRange resolves a BITCOUNT/BITPOS range as Redis does: negative
// indexes count from the end, both ends are clamped, and a BIT range is
// turned into a byte range plus masks of the bits of its first and last
// byte that lie outside it.
func bitRange(start, end, strlen int64, isBit bool) (s, e int64, firstMask, lastMask byte) {
	totlen := strlen
	if isBit {
		totlen <<= 3
	}
	if start < 0 {
		start += totlen
	}
	if end < 0 {
		end += totlen
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= totlen {
		end = totlen - 1
	}
	if isBit && start <= end {
		firstMask = ^byte((1 << (8 - start&7)) - 1)
		lastMask = byte((1 << (7 - end&7)) - 1)
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

// parseBitUnit parses BYTE or BIT.
func parseBitUnit(b []byte) (isBit, ok bool) {
	switch {
	case EqualFold(b, "bit"):
		return true, true
	case EqualFold(b, "byte"):
		return false, true
	}
	return false, false
}

func cmdBitcount(c *Ctx, args [][]byte) {
	var buf [20]byte
	val, found, wrong := c.Shard.DBs[c.DB].stringView(args[1], c.Now, &buf)
	switch {
	case !found:
		c.W.Int(0)
		return
	case wrong:
		c.W.WrongType()
		return
	}
	var start, end int64
	var firstMask, lastMask byte
	switch len(args) {
	case 2:
		start, end = 0, int64(len(val))-1
	case 4, 5:
		var ok bool
		if start, ok = ParseInt(args[2]); !ok {
			c.W.Error(ErrNotInt)
			return
		}
		if end, ok = ParseInt(args[3]); !ok {
			c.W.Error(ErrNotInt)
			return
		}
		isBit := false
		if len(args) == 5 {
			if isBit, ok = parseBitUnit(args[4]); !ok {
				c.W.Error(ErrSyntax)
				return
			}
		}
		if start < 0 && end < 0 && start > end {
			c.W.Int(0)
			return
		}
		start, end, firstMask, lastMask = bitRange(start, end, int64(len(val)), isBit)
	default:
		c.W.Error(ErrSyntax)
		return
	}
	if start > end {
		c.W.Int(0)
		return
	}
	n := popcount(val[start : end+1])
	n -= int64(bits.OnesCount8(val[start]&firstMask) + bits.OnesCount8(val[end]&lastMask))
	c.W.Int(n)
}

// bitpos returns the position of the first bit equal to bit in b, as
// Redis's redisBitpos: for 0 the string counts as zero padded on the
// right (len(b)*8 when every bit is 1); for 1, -1 when there is none.
func bitpos(b []byte, bit bool) int64 {
	skip := byte(0)
	skip64 := uint64(0)
	if !bit {
		skip, skip64 = 0xff, math.MaxUint64
	}
	i := 0
	for i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:]) == skip64 {
		i += 8
	}
	for i < len(b) && b[i] == skip {
		i++
	}
	if i == len(b) {
		if bit {
			return -1
		}
		return int64(len(b)) * 8
	}
	x := b[i]
	if !bit {
		x = ^x
	}
	return int64(i)*8 + int64(bits.LeadingZeros8(x))
}

func cmdBitpos(c *Ctx, args [][]byte) {
	b, ok := ParseInt(args[2])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	if b != 0 && b != 1 {
		c.W.Error(errBitArg)
		return
	}
	bit := b == 1
	var buf [20]byte
	val, found, wrong := c.Shard.DBs[c.DB].stringView(args[1], c.Now, &buf)
	switch {
	case !found:
		if bit {
			c.W.Int(-1)
		} else {
			c.W.Int(0)
		}
		return
	case wrong:
		c.W.WrongType()
		return
	}
	var start, end int64
	var firstMask, lastMask byte
	endGiven := false
	switch len(args) {
	case 3:
		start, end = 0, int64(len(val))-1
	case 4, 5, 6:
		if start, ok = ParseInt(args[3]); !ok {
			c.W.Error(ErrNotInt)
			return
		}
		isBit := false
		if len(args) == 6 {
			if isBit, ok = parseBitUnit(args[5]); !ok {
				c.W.Error(ErrSyntax)
				return
			}
		}
		totlen := int64(len(val))
		if len(args) >= 5 {
			if end, ok = ParseInt(args[4]); !ok {
				c.W.Error(ErrNotInt)
				return
			}
			endGiven = true
		} else if isBit {
			end = totlen<<3 + 7
		} else {
			end = totlen - 1
		}
		start, end, firstMask, lastMask = bitRange(start, end, totlen, isBit)
	default:
		c.W.Error(ErrSyntax)
		return
	}
	if start > end {
		c.W.Int(-1)
		return
	}
	c.W.Int(bitposRange(val, start, end, firstMask, lastMask, bit, endGiven))
}

// bitposRange is BITPOS over bytes start..end of val, ignoring the bits
// of the first and last byte that the masks mark as outside the range.
func bitposRange(val []byte, start, end int64, firstMask, lastMask byte, bit, endGiven bool) int64 {
	bytes := end - start + 1
	var pos int64
	var tmp [1]byte
	switch {
	case firstMask != 0:
		tmp[0] = maskedByte(val[start], firstMask, bit)
		if lastMask != 0 && bytes == 1 {
			tmp[0] = maskedByte(tmp[0], lastMask, bit)
		}
		pos = bitpos(tmp[:], bit)
		if bytes == 1 || (pos != -1 && pos != 8) {
			break
		}
		start++
		bytes--
		fallthrough
	default:
		cur := bytes
		if lastMask != 0 {
			cur--
		}
		if cur > 0 {
			pos = bitpos(val[start:start+cur], bit)
			if bytes == cur || (pos != -1 && pos != cur<<3) {
				break
			}
			start += cur
			bytes -= cur
		}
		tmp[0] = maskedByte(val[end], lastMask, bit)
		pos = bitpos(tmp[:], bit)
	}
	if endGiven && !bit && pos == bytes<<3 {
		return -1
	}
	if pos != -1 {
		pos += start << 3
	}
	return pos
}

// maskedByte forces the bits of x that mask marks to the value that is
// not searched for.
func maskedByte(x, mask byte, bit bool) byte {
	if bit {
		return x &^ mask
	}
	return x | mask
}

// BITOP

type bitopKind uint8

const (
	bitopAnd bitopKind = iota
	bitopOr
	bitopXor
	bitopNot
)

// parseBitop checks BITOP's operation and source count; it returns the
// error text on failure.
func parseBitop(args [][]byte) (bitopKind, string) {
	var op bitopKind
	switch {
	case EqualFold(args[1], "and"):
		op = bitopAnd
	case EqualFold(args[1], "or"):
		op = bitopOr
	case EqualFold(args[1], "xor"):
		op = bitopXor
	case EqualFold(args[1], "not"):
		op = bitopNot
	default:
		return 0, ErrSyntax
	}
	if op == bitopNot && len(args) != 4 {
		return 0, errBitopNot
	}
	return op, ""
}

// bitopCompute applies op over srcs (nil = missing key, an empty string)
// and returns the result, as long as the longest source; shorter sources
// count as zero padded.
func bitopCompute(op bitopKind, srcs [][]byte) []byte {
	maxlen, minlen := 0, -1
	for _, s := range srcs {
		maxlen = max(maxlen, len(s))
		if minlen < 0 || len(s) < minlen {
			minlen = len(s)
		}
	}
	if maxlen == 0 {
		return nil
	}
	res := make([]byte, maxlen)
	copy(res, srcs[0])
	j := 0
	// Whole words while every source has data.
	for ; j+8 <= minlen; j += 8 {
		w := binary.LittleEndian.Uint64(res[j:])
		switch op {
		case bitopNot:
			w = ^w
		case bitopAnd:
			for _, s := range srcs[1:] {
				w &= binary.LittleEndian.Uint64(s[j:])
			}
		case bitopOr:
			for _, s := range srcs[1:] {
				w |= binary.LittleEndian.Uint64(s[j:])
			}
		case bitopXor:
			for _, s := range srcs[1:] {
				w ^= binary.LittleEndian.Uint64(s[j:])
			}
		}
		binary.LittleEndian.PutUint64(res[j:], w)
	}
	for ; j < maxlen; j++ {
		out := res[j]
		if op == bitopNot {
			out = ^out
		}
		for _, s := range srcs[1:] {
			var x byte
			if j < len(s) {
				x = s[j]
			}
			switch op {
			case bitopAnd:
				out &= x
			case bitopOr:
				out |= x
			case bitopXor:
				out ^= x
			}
		}
		res[j] = out
	}
	return res
}

// storeBitop stores BITOP's result in dest (deleting dest when it is
// empty, dropping any deadline) and returns its length.
func storeBitop(db *DB, dest, res []byte, now int64) int64 {
	if len(res) == 0 {
		db.Delete(dest, now)
		return 0
	}
	db.Set(dest, res, 0, 0, now)
	return int64(len(res))
}

func cmdBitop(c *Ctx, args [][]byte) {
	op, msg := parseBitop(args)
	if msg != "" {
		c.W.Error(msg)
		return
	}
	db := c.Shard.DBs[c.DB]
	var inline [4][]byte
	srcs := inline[:0]
	for _, k := range args[3:] {
		v, ok := db.Get(k, c.Now)
		switch {
		case !ok:
			srcs = append(srcs, nil)
		case v.Type != TypeString:
			c.W.WrongType()
			return
		case v.Enc == EncInt:
			srcs = append(srcs, v.AppendString(nil))
		default:
			srcs = append(srcs, v.Bytes)
		}
	}
	c.W.Int(storeBitop(db, args[2], bitopCompute(op, srcs), c.Now))
}

// txBitop plans BITOP over keys on several shards: every shard copies its
// sources out, then the destination's shard computes and stores.
func txBitop(t *Tx, args [][]byte) {
	op, msg := parseBitop(args)
	if msg != "" {
		t.Error(msg)
		return
	}
	n := len(args) - 3
	srcs := make([][]byte, n)
	wrong := make([]bool, n)
	t.Each(func(c *Ctx) {
		db := c.Shard.DBs[c.DB]
		for i, k := range args[3:] {
			if t.ShardOf(k) != c.Shard.ID {
				continue
			}
			v, ok := db.Get(k, c.Now)
			switch {
			case !ok:
			case v.Type != TypeString:
				wrong[i] = true
			default:
				srcs[i] = v.AppendString(make([]byte, 0, v.StringLen()))
			}
		}
	})
	var length int64
	failed := false
	t.On(t.ShardOf(args[2]), func(c *Ctx) {
		for _, w := range wrong {
			if w {
				failed = true
				return
			}
		}
		length = storeBitop(c.Shard.DBs[c.DB], args[2], bitopCompute(op, srcs), c.Now)
	})
	t.Reply(func(w *proto.Writer) {
		if failed {
			w.WrongType()
			return
		}
		w.Int(length)
	})
}

// BITFIELD

const (
	bfGet = iota
	bfSet
	bfIncrBy
)

const (
	bfWrap = iota
	bfSat
	bfFail
)

type bitfieldOp struct {
	offset uint64
	value  int64
	op     uint8
	ovf    uint8
	bits   uint8
	signed bool
}

// bitfieldType parses i1..i64 or u1..u63 (the text up to a NUL byte, as
// Redis reads it).
func bitfieldType(b []byte) (bitsN int, signed, ok bool) {
	if len(b) == 0 {
		return 0, false, false
	}
	switch b[0] {
	case 'i':
		signed = true
	case 'u':
	default:
		return 0, false, false
	}
	digits := b[1:]
	for i, ch := range digits {
		if ch == 0 {
			digits = digits[:i]
			break
		}
	}
	n, okN := ParseInt(digits)
	if !okN || n < 1 || signed && n > 64 || !signed && n > 63 {
		return 0, false, false
	}
	return int(n), signed, true
}

// parseBitfield reads BITFIELD's subcommands into ops; it returns the
// error text on failure, and whether every op is a GET.
func parseBitfield(c *Ctx, args [][]byte, ops []bitfieldOp) ([]bitfieldOp, bool, uint64, string) {
	ovf := uint8(bfWrap)
	readonly := true
	var highest uint64
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		var op uint8
		switch sub := args[j]; {
		case EqualFold(sub, "get") && rem >= 2:
			op = bfGet
		case EqualFold(sub, "set") && rem >= 3:
			op = bfSet
		case EqualFold(sub, "incrby") && rem >= 3:
			op = bfIncrBy
		case EqualFold(sub, "overflow") && rem >= 1:
			j++
			switch t := args[j]; {
			case EqualFold(t, "wrap"):
				ovf = bfWrap
			case EqualFold(t, "sat"):
				ovf = bfSat
			case EqualFold(t, "fail"):
				ovf = bfFail
			default:
				return ops, false, 0, errBitfieldOvf
			}
			continue
		default:
			return ops, false, 0, ErrSyntax
		}
		n, signed, ok := bitfieldType(args[j+1])
		if !ok {
			return ops, false, 0, errBitfieldType
		}
		off, ok := bitOffset(c, args[j+2], n)
		if !ok {
			return ops, false, 0, errBitOffset
		}
		var v int64
		if op != bfGet {
			readonly = false
			highest = max(highest, off+uint64(n)-1)
			if v, ok = ParseInt(args[j+3]); !ok {
				return ops, false, 0, ErrNotInt
			}
			j++
		}
		ops = append(ops, bitfieldOp{offset: off, value: v, op: op, ovf: ovf, bits: uint8(n), signed: signed})
		j += 2
	}
	return ops, readonly, highest, ""
}

func cmdBitfield(c *Ctx, args [][]byte)   { bitfield(c, args, false) }
func cmdBitfieldRO(c *Ctx, args [][]byte) { bitfield(c, args, true) }

func bitfield(c *Ctx, args [][]byte, ro bool) {
	var inline [bitfieldInlineOp]bitfieldOp
	ops, readonly, highest, msg := parseBitfield(c, args, inline[:0])
	if msg != "" {
		c.W.Error(msg)
		return
	}
	db := c.Shard.DBs[c.DB]
	var val []byte
	var buf [20]byte
	if readonly {
		var wrong bool
		if val, _, wrong = db.stringView(args[1], c.Now, &buf); wrong {
			c.W.WrongType()
			return
		}
	} else {
		if ro {
			c.W.Error(errBitfieldRO)
			return
		}
		var wrong bool
		if val, _, _, wrong = db.MutableString(args[1], int(highest>>3)+1, c.Now); wrong {
			c.W.WrongType()
			return
		}
	}
	c.W.ArrayLen(len(ops))
	for i := range ops {
		runBitfieldOp(c.W, val, &ops[i])
	}
}

// runBitfieldOp runs one BITFIELD op on val (long enough for every write;
// GET reads past its end as zeros) and writes its reply.
func runBitfieldOp(w *proto.Writer, val []byte, op *bitfieldOp) {
	nb := uint64(op.bits)
	if op.op == bfGet {
		u := getBitfield(val, op.offset, nb)
		if op.signed {
			w.Int(signExtend(u, nb))
		} else {
			w.Int(int64(u))
		}
		return
	}
	old := getBitfield(val, op.offset, nb)
	var newv uint64
	var ret int64
	var overflow bool
	if op.signed {
		oldv := signExtend(old, nb)
		if op.op == bfIncrBy {
			ovf, lim := checkSignedOverflow(oldv, op.value, nb, op.ovf)
			nv := oldv + op.value
			if ovf != 0 {
				nv = lim
			}
			overflow, newv, ret = ovf != 0, uint64(nv), nv
		} else {
			nv := op.value
			ovf, lim := checkSignedOverflow(nv, 0, nb, op.ovf)
			if ovf != 0 {
				nv = lim
			}
			overflow, newv, ret = ovf != 0, uint64(nv), oldv
		}
	} else {
		if op.op == bfIncrBy {
			nv := old + uint64(op.value)
			ovf, lim := checkUnsignedOverflow(old, op.value, nb, op.ovf)
			if ovf != 0 {
				nv = lim
			}
			overflow, newv, ret = ovf != 0, nv, int64(nv)
		} else {
			nv := uint64(op.value)
			ovf, lim := checkUnsignedOverflow(nv, 0, nb, op.ovf)
			if ovf != 0 {
				nv = lim
			}
			overflow, newv, ret = ovf != 0, nv, int64(old)
		}
	}
	if overflow && op.ovf == bfFail {
		w.Null()
		return
	}
	w.Int(ret)
	setBitfield(val, op.offset, nb, newv)
}

// getBitfield reads an nb-bit unsigned integer at bit offset off of p
// (bits past the end of p read as 0).
func getBitfield(p []byte, off, nb uint64) uint64 {
	first := off >> 3
	var win [9]byte // the up to 9 bytes the field spans
	if first < uint64(len(p)) {
		copy(win[:], p[first:])
	}
	sh := off & 7
	v := binary.BigEndian.Uint64(win[:8]) << sh
	if sh != 0 {
		v |= uint64(win[8]) >> (8 - sh)
	}
	return v >> (64 - nb)
}

// setBitfield writes the low nb bits of v at bit offset off of p, which
// must be long enough.
func setBitfield(p []byte, off, nb, v uint64) {
	for j := uint64(0); j < nb; j++ {
		bit := v >> (nb - 1 - j) & 1
		b := off >> 3
		sh := 7 - off&7
		p[b] = p[b]&^(1<<sh) | byte(bit<<sh)
		off++
	}
}

func signExtend(u, nb uint64) int64 {
	if nb < 64 && u&(1<<(nb-1)) != 0 {
		u |= ^uint64(0) << nb
	}
	return int64(u)
}

// checkUnsignedOverflow is Redis's checkUnsignedBitfieldOverflow: 1 on
// overflow, -1 on underflow, with the value to store for WRAP and SAT.
func checkUnsignedOverflow(value uint64, incr int64, nb uint64, ovf uint8) (int, uint64) {
	maxv := uint64(1)<<nb - 1
	maxincr := int64(maxv - value)
	minincr := -int64(value)
	wrap := func() uint64 { return (value + uint64(incr)) &^ (^uint64(0) << nb) }
	if value > maxv || (incr > 0 && incr > maxincr) {
		switch ovf {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, maxv
		}
		return 1, 0
	} else if incr < 0 && incr < minincr {
		switch ovf {
		case bfWrap:
			return 1, wrap() // Redis's wrap path reports 1
		case bfSat:
			return -1, 0
		}
		return -1, 0
	}
	return 0, 0
}

// checkSignedOverflow is Redis's checkSignedBitfieldOverflow.
func checkSignedOverflow(value, incr int64, nb uint64, ovf uint8) (int, int64) {
	var maxv int64 = math.MaxInt64
	if nb != 64 {
		maxv = int64(1)<<(nb-1) - 1
	}
	minv := -maxv - 1
	maxincr := int64(uint64(maxv) - uint64(value))
	minincr := minv - value
	wrap := func() int64 {
		c := uint64(value) + uint64(incr)
		if nb < 64 {
			mask := ^uint64(0) << nb
			if c&(1<<(nb-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return int64(c)
	}
	if value > maxv || (nb != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
		switch ovf {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, maxv
		}
		return 1, 0
	} else if value < minv || (nb != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr) {
		switch ovf {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return -1, minv
		}
		return -1, 0
	}
	return 0, 0
}
