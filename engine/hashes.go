package engine

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
)

// The hash family: HSET, HGET, HDEL, HINCRBY, HRANDFIELD, HSCAN, ...
//
// Encodings (OBJECT ENCODING names as Redis's):
//   - listpack: up to hash-max-listpack-entries pairs whose fields and
//     values are at most hash-max-listpack-value bytes, stored as a pack
//     blob (strtable.go) in the key's arena record: fields in insertion
//     order, an updated field keeps its place (as Redis's listpack).
//   - hashtable: beyond those limits, a hashObject (a strTable of pairs)
//     in the shard's ObjectStore. Like Redis, a hash never converts back.
//
// Every command runs on the shard owning its key; none needs a Tx.

func init() {
	register(
		&Command{Name: "hset", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHset,
			Group: "hash", Summary: "Set the string value of a hash field", Since: "2.0.0",
			Complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
			Args:       "key (field value){field_value}...", History: [][2]string{{"4.0.0", "Accepts multiple `field` and `value` arguments."}}},
		&Command{Name: "hsetnx", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHsetnx,
			Group: "hash", Summary: "Set the value of a hash field, only if the field does not exist", Since: "2.0.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key field value"},
		&Command{Name: "hget", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHget,
			Group: "hash", Summary: "Get the value of a hash field", Since: "2.0.0",
			Complexity: "O(1)",
			Args:       "key field"},
		&Command{Name: "hmset", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHmset,
			Group: "hash", Summary: "Set multiple hash fields to multiple values", Since: "2.0.0",
			Complexity: "O(N) where N is the number of fields being set.",
			Args:       "key (field value){field_value}...", DeprecatedSince: "4.0.0", ReplacedBy: "`HSET` with multiple field-value pairs"},
		&Command{Name: "hmget", Arity: -3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHmget,
			Group: "hash", Summary: "Get the values of all the given hash fields", Since: "2.0.0",
			Complexity: "O(N) where N is the number of fields being requested.",
			Args:       "key field..."},
		&Command{Name: "hgetall", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHgetall,
			Group: "hash", Summary: "Get all the fields and values in a hash", Since: "2.0.0",
			Complexity: "O(N) where N is the size of the hash.",
			Tips:       []string{"nondeterministic_output_order"},
			Args:       "key"},
		&Command{Name: "hdel", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHdel,
			Group: "hash", Summary: "Delete one or more hash fields", Since: "2.0.0",
			Complexity: "O(N) where N is the number of fields to be removed.",
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key field...", History: [][2]string{{"2.4.0", "Accepts multiple `field` arguments."}}},
		&Command{Name: "hlen", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHlen,
			Group: "hash", Summary: "Get the number of fields in a hash", Since: "2.0.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key"},
		&Command{Name: "hexists", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHexists,
			Group: "hash", Summary: "Determine if a hash field exists", Since: "2.0.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key field"},
		&Command{Name: "hkeys", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHkeys,
			Group: "hash", Summary: "Get all the fields in a hash", Since: "2.0.0",
			Complexity: "O(N) where N is the size of the hash.",
			Tips:       []string{"nondeterministic_output_order"},
			Args:       "key"},
		&Command{Name: "hvals", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHvals,
			Group: "hash", Summary: "Get all the values in a hash", Since: "2.0.0",
			Complexity: "O(N) where N is the size of the hash.",
			Tips:       []string{"nondeterministic_output_order"},
			Args:       "key"},
		&Command{Name: "hincrby", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHincrby,
			Group: "hash", Summary: "Increment the integer value of a hash field by the given number", Since: "2.0.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "access", "update"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key field increment:i"},
		&Command{Name: "hincrbyfloat", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHincrbyfloat,
			Group: "hash", Summary: "Increment the float value of a hash field by the given amount", Since: "2.6.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "access", "update"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key field increment:d"},
		&Command{Name: "hstrlen", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHstrlen,
			Group: "hash", Summary: "Get the length of the value of a hash field", Since: "3.2.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key field"},
		&Command{Name: "hrandfield", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHrandfield,
			Group: "hash", Summary: "Get one or multiple random fields from a hash", Since: "6.2.0",
			Complexity: "O(N) where N is the number of fields returned",
			Tips:       []string{"nondeterministic_output"},
			Args:       "key [count [WITHVALUES]]{options}"},
		&Command{Name: "hscan", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdHscan,
			Group: "hash", Summary: "Incrementally iterate hash fields and associated values", Since: "2.8.0",
			Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
			Tips:       []string{"nondeterministic_output"},
			Args:       "key cursor [MATCH pattern] [COUNT count]"})
	RegisterType(TypeHash, TypeOps{Encoding: hashEncoding})
}

// hashObject is a large hash: a strTable of field/value pairs.
type hashObject struct{ strTable }

// MemBytes implements Object.
func (o *hashObject) MemBytes() int64 { return o.mem }

// Clone implements Object.
func (o *hashObject) Clone() Object { return &hashObject{*o.clone()} }

func hashEncoding(sh *Shard, v Value) string {
	if v.Enc == EncObject {
		return "hashtable"
	}
	return "listpack"
}

// hview is a key's hash as a command reads it: a pack blob (aliasing the
// arena: valid until the shard's next mutation) or a hashObject.
type hview struct {
	blob []byte
	obj  *hashObject
}

// getHash looks key up. found is false for a missing key; wrong is true
// (and WRONGTYPE is replied) when the key holds another type.
func getHash(c *Ctx, db *DB, key []byte) (h hview, found, wrong bool) {
	v, ok := db.Get(key, c.Now)
	if !ok {
		return h, false, false
	}
	if v.Type != TypeHash {
		c.W.WrongType()
		return h, false, true
	}
	if v.Enc == EncObject {
		h.obj = db.Objects().Get(v.Obj).(*hashObject)
	} else {
		h.blob = v.Bytes
	}
	return h, true, false
}

func (h hview) len() int {
	if h.obj != nil {
		return h.obj.count
	}
	return hsPackCount(h.blob)
}

func (h hview) get(f []byte) ([]byte, bool) {
	if h.obj != nil {
		return h.obj.Get(f)
	}
	b := h.blob
	for i := hsPackHdr; i < len(b); {
		var k, v []byte
		k, i = hsPackNext(b, i)
		v, i = hsPackNext(b, i)
		if string(k) == string(f) {
			return v, true
		}
	}
	return nil, false
}

// appendAll appends field, value, field, value, ... (views).
func (h hview) appendAll(dst [][]byte) [][]byte {
	if h.obj != nil {
		for _, s := range h.obj.slots {
			if s != 0 {
				k, v := h.obj.kv(s)
				dst = append(dst, k, v)
			}
		}
		return dst
	}
	for i := hsPackHdr; i < len(h.blob); {
		var e []byte
		e, i = hsPackNext(h.blob, i)
		dst = append(dst, e)
	}
	return dst
}

// hashSet stores field/value pairs into key's hash h (found: it exists),
// creating or converting it as needed, and returns how many fields were
// new. With nx, existing fields keep their values.
func hashSet(c *Ctx, db *DB, key []byte, h hview, found bool, pairs [][]byte, nx bool) int {
	cfg := c.Server.Config()
	maxE := int(min(cfg.HashMaxListpackEntries(), hsPackMaxCount))
	maxV := cfg.HashMaxListpackValue()
	if h.obj == nil {
		s := getHsScratch()
		defer putHsScratch(s)
		if found {
			s.ents = h.appendAll(s.ents)
		}
		small := true
		for _, a := range pairs {
			if int64(len(a)) > maxV {
				small = false
				break
			}
		}
		added := 0
		// Many pairs (a bulk load): index the fields, so that the
		// duplicate checks stay O(1) each instead of a scan.
		var index *strTable
		if len(pairs) > 32 {
			index = newStrTable(true, len(s.ents)/2+len(pairs)/2)
			for j := 0; j < len(s.ents); j += 2 {
				index.Set(s.ents[j], binary.AppendUvarint(nil, uint64(j)))
			}
		}
		for p := 0; p < len(pairs); p += 2 {
			f, v := pairs[p], pairs[p+1]
			j := 0
			if index != nil {
				j = len(s.ents)
				if at, ok := index.Get(f); ok {
					x, _ := binary.Uvarint(at)
					j = int(x)
				} else {
					index.Set(f, binary.AppendUvarint(nil, uint64(j)))
				}
			} else {
				for ; j < len(s.ents); j += 2 {
					if string(s.ents[j]) == string(f) {
						break
					}
				}
			}
			if j < len(s.ents) {
				if !nx {
					s.ents[j+1] = v
				}
				continue
			}
			s.ents = append(s.ents, f, v)
			added++
		}
		if nx && added == 0 {
			return 0
		}
		if small && len(s.ents)/2 <= maxE {
			s.buf = hsPackHeader(s.buf, len(s.ents)/2)
			for _, e := range s.ents {
				s.buf = hsPackAppend(s.buf, e)
			}
			db.SetBlob(key, TypeHash, s.buf, 0, SetKeepTTL, c.Now)
			return added
		}
		t := newStrTable(true, len(s.ents)/2)
		for j := 0; j < len(s.ents); j += 2 {
			t.Set(s.ents[j], s.ents[j+1])
		}
		o := &hashObject{*t}
		db.SetObject(key, TypeHash, db.Objects().Put(o), 0, SetKeepTTL, c.Now)
		return added
	}
	o := h.obj
	before := o.mem
	added := 0
	for p := 0; p < len(pairs); p += 2 {
		f := pairs[p]
		hf := stHash(f)
		if i := o.find(f, hf); i >= 0 {
			if !nx {
				o.setVal(i, pairs[p+1])
			}
			continue
		}
		o.insert(f, pairs[p+1], hf)
		added++
	}
	db.AdjustObjectBytes(o.mem - before)
	return added
}

func cmdHset(c *Ctx, args [][]byte) {
	if len(args)%2 != 0 {
		c.W.Error(ErrWrongArgs("hset"))
		return
	}
	db := c.Shard.DBs[c.DB]
	h, found, wrong := getHash(c, db, args[1])
	if wrong {
		return
	}
	c.W.Int(int64(hashSet(c, db, args[1], h, found, args[2:], false)))
}

func cmdHmset(c *Ctx, args [][]byte) {
	if len(args)%2 != 0 {
		c.W.Error(ErrWrongArgs("hmset"))
		return
	}
	db := c.Shard.DBs[c.DB]
	h, found, wrong := getHash(c, db, args[1])
	if wrong {
		return
	}
	hashSet(c, db, args[1], h, found, args[2:], false)
	c.W.OK()
}

func cmdHsetnx(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	h, found, wrong := getHash(c, db, args[1])
	if wrong {
		return
	}
	c.W.Int(int64(hashSet(c, db, args[1], h, found, args[2:4], true)))
}

func cmdHget(c *Ctx, args [][]byte) {
	h, found, wrong := getHash(c, c.Shard.DBs[c.DB], args[1])
	if wrong {
		return
	}
	if found {
		if v, ok := h.get(args[2]); ok {
			c.W.Bulk(v)
			return
		}
	}
	c.W.Null()
}

func cmdHmget(c *Ctx, args [][]byte) {
	h, found, wrong := getHash(c, c.Shard.DBs[c.DB], args[1])
	if wrong {
		return
	}
	c.W.ArrayLen(len(args) - 2)
	for _, f := range args[2:] {
		if found {
			if v, ok := h.get(f); ok {
				c.W.Bulk(v)
				continue
			}
		}
		c.W.Null()
	}
}

func cmdHexists(c *Ctx, args [][]byte) {
	h, found, wrong := getHash(c, c.Shard.DBs[c.DB], args[1])
	if wrong {
		return
	}
	n := int64(0)
	if found {
		if _, ok := h.get(args[2]); ok {
			n = 1
		}
	}
	c.W.Int(n)
}

func cmdHstrlen(c *Ctx, args [][]byte) {
	h, found, wrong := getHash(c, c.Shard.DBs[c.DB], args[1])
	if wrong {
		return
	}
	n := 0
	if found {
		v, _ := h.get(args[2])
		n = len(v)
	}
	c.W.Int(int64(n))
}

func cmdHlen(c *Ctx, args [][]byte) {
	h, found, wrong := getHash(c, c.Shard.DBs[c.DB], args[1])
	if wrong {
		return
	}
	n := 0
	if found {
		n = h.len()
	}
	c.W.Int(int64(n))
}

const (
	hashFields = 1
	hashValues = 2
)

// hashReplyAll replies HGETALL (a map), HKEYS or HVALS (arrays).
func hashReplyAll(c *Ctx, key []byte, what int) {
	h, found, wrong := getHash(c, c.Shard.DBs[c.DB], key)
	if wrong {
		return
	}
	n := 0
	if found {
		n = h.len()
	}
	if what == hashFields|hashValues {
		c.W.MapLen(n)
	} else {
		c.W.ArrayLen(n)
	}
	if n == 0 {
		return
	}
	emit := func(k, v []byte) {
		if what&hashFields != 0 {
			c.W.Bulk(k)
		}
		if what&hashValues != 0 {
			c.W.Bulk(v)
		}
	}
	if h.obj != nil {
		for _, s := range h.obj.slots {
			if s != 0 {
				emit(h.obj.kv(s))
			}
		}
		return
	}
	for i := hsPackHdr; i < len(h.blob); {
		var k, v []byte
		k, i = hsPackNext(h.blob, i)
		v, i = hsPackNext(h.blob, i)
		emit(k, v)
	}
}

func cmdHgetall(c *Ctx, args [][]byte) { hashReplyAll(c, args[1], hashFields|hashValues) }
func cmdHkeys(c *Ctx, args [][]byte)   { hashReplyAll(c, args[1], hashFields) }
func cmdHvals(c *Ctx, args [][]byte)   { hashReplyAll(c, args[1], hashValues) }

func cmdHdel(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	key := args[1]
	h, found, wrong := getHash(c, db, key)
	if wrong {
		return
	}
	if !found {
		c.W.Int(0)
		return
	}
	removed := 0
	if o := h.obj; o != nil {
		before := o.mem
		for _, f := range args[2:] {
			if o.Remove(f) {
				removed++
			}
		}
		db.AdjustObjectBytes(o.mem - before)
		if o.count == 0 {
			db.Delete(key, c.Now)
		}
		c.W.Int(int64(removed))
		return
	}
	s := getHsScratch()
	defer putHsScratch(s)
	b := h.blob
	for i := hsPackHdr; i < len(b); {
		var k, v []byte
		k, i = hsPackNext(b, i)
		v, i = hsPackNext(b, i)
		del := false
		for _, f := range args[2:] {
			if string(f) == string(k) {
				del = true
				break
			}
		}
		if del {
			removed++
			continue
		}
		s.ents = append(s.ents, k, v)
	}
	switch {
	case removed == 0:
	case len(s.ents) == 0:
		db.Delete(key, c.Now)
	default:
		s.buf = hsPackHeader(s.buf, len(s.ents)/2)
		for _, e := range s.ents {
			s.buf = hsPackAppend(s.buf, e)
		}
		db.SetBlob(key, TypeHash, s.buf, 0, SetKeepTTL, c.Now)
	}
	c.W.Int(int64(removed))
}

const (
	errHashNotInt   = "ERR hash value is not an integer"
	errHashNotFloat = "ERR hash value is not a float"
	errIncrNaNInf   = "ERR increment would produce NaN or Infinity"
	errValueNaNInf  = "ERR value is NaN or Infinity"
)

func cmdHincrby(c *Ctx, args [][]byte) {
	incr, ok := ParseInt(args[3])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	db := c.Shard.DBs[c.DB]
	key := args[1]
	h, found, wrong := getHash(c, db, key)
	if wrong {
		return
	}
	var old int64
	if found {
		if v, ok := h.get(args[2]); ok {
			if old, ok = ParseInt(v); !ok {
				c.W.Error(errHashNotInt)
				return
			}
		}
	}
	if incr < 0 && old < 0 && incr < math.MinInt64-old || incr > 0 && old > 0 && incr > math.MaxInt64-old {
		c.W.Error(ErrOverflow)
		return
	}
	n := old + incr
	var buf [20]byte
	pair := [2][]byte{args[2], strconv.AppendInt(buf[:0], n, 10)}
	hashSet(c, db, key, h, found, pair[:], false)
	c.W.Int(n)
}

func cmdHincrbyfloat(c *Ctx, args [][]byte) {
	incr, ok := parseLongDouble(args[3])
	if !ok {
		c.W.Error(ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.W.Error(errValueNaNInf)
		return
	}
	db := c.Shard.DBs[c.DB]
	key := args[1]
	h, found, wrong := getHash(c, db, key)
	if wrong {
		return
	}
	sum := new(big.Float).SetPrec(64)
	if found {
		if v, ok := h.get(args[2]); ok {
			old, ok := parseLongDouble(v)
			if !ok {
				c.W.Error(errHashNotFloat)
				return
			}
			if old.IsInf() {
				c.W.Error(errIncrNaNInf)
				return
			}
			sum.Set(old)
		}
	}
	sum.Add(sum, incr)
	if sum.MantExp(nil) > 16384 { // beyond long double's range
		c.W.Error(errIncrNaNInf)
		return
	}
	text := formatLongDouble(sum)
	pair := [2][]byte{args[2], text}
	hashSet(c, db, key, h, found, pair[:], false)
	c.W.Bulk(text)
}

// parseLongDouble parses b as Redis's string2ld (strtold) does, keeping
// long double's 64-bit mantissa and exponent range: HINCRBYFLOAT computes
// in long double, so 0.1 + 0.2 is "0.3" there, not double's
// 0.30000000000000004, and 1e400 is a valid value. Accepted: an optional
// sign, then decimal digits with an optional fraction and exponent, a hex
// float (0x...[p...]), or inf/infinity; refused: NaN, leading spaces,
// trailing bytes, overflow and underflow to zero.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= 5*1024 {
		return nil, false
	}
	i := 0
	if b[0] == '+' || b[0] == '-' {
		i = 1
	}
	rest := b[i:]
	x := new(big.Float).SetPrec(64)
	if EqualFold(rest, "inf") || EqualFold(rest, "infinity") {
		return x.SetInf(b[0] == '-'), true
	}
	hex := len(rest) > 1 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')
	if hex {
		rest = rest[2:]
	}
	isDigit := func(ch byte) bool {
		return ch >= '0' && ch <= '9' || hex && (ch|0x20 >= 'a' && ch|0x20 <= 'f')
	}
	j, digits := 0, 0
	for ; j < len(rest) && isDigit(rest[j]); j++ {
		digits++
	}
	if j < len(rest) && rest[j] == '.' {
		for j++; j < len(rest) && isDigit(rest[j]); j++ {
			digits++
		}
	}
	if digits == 0 {
		return nil, false
	}
	if j < len(rest) && (!hex && rest[j]|0x20 == 'e' || hex && rest[j]|0x20 == 'p') {
		j++
		if j < len(rest) && (rest[j] == '+' || rest[j] == '-') {
			j++
		}
		k := j
		for ; j < len(rest) && rest[j] >= '0' && rest[j] <= '9'; j++ {
		}
		if j == k {
			return nil, false
		}
	}
	if j != len(rest) {
		return nil, false
	}
	base := 10
	if hex {
		base = 0
	}
	if _, _, err := x.Parse(string(b), base); err != nil {
		return nil, false
	}
	if e := x.MantExp(nil); e > 16384 || x.Sign() != 0 && e < -16444 {
		return nil, false // strtold's ERANGE: HUGE_VAL, or underflow to zero
	}
	return x, true
}

// formatLongDouble formats x as Redis's ld2string(LD_STR_HUMAN): "%.17Lf"
// with trailing zeros (and a trailing '.') removed, "-0" as "0".
func formatLongDouble(x *big.Float) []byte {
	b := x.Append(nil, 'f', 17)
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b) == "-0" {
		b = b[:0]
		b = append(b, '0')
	}
	return b
}

// hsParseCount parses a count argument as Redis's
// getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) does.
func hsParseCount(b []byte) (int64, string) {
	n, ok := ParseInt(b)
	if !ok {
		return 0, ErrNotInt
	}
	if n == math.MinInt64 {
		return 0, "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	}
	return n, ""
}

func cmdHrandfield(c *Ctx, args [][]byte) {
	if len(args) == 2 {
		h, found, wrong := getHash(c, c.Shard.DBs[c.DB], args[1])
		switch {
		case wrong:
		case !found:
			c.W.Null()
		default:
			k, _ := hashRandomPair(h)
			c.W.Bulk(k)
		}
		return
	}
	l, msg := hsParseCount(args[2])
	if msg != "" {
		c.W.Error(msg)
		return
	}
	withValues := false
	switch {
	case len(args) > 4 || len(args) == 4 && !EqualFold(args[3], "withvalues"):
		c.W.Error(ErrSyntax)
		return
	case len(args) == 4:
		withValues = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.W.Error("ERR value is out of range")
			return
		}
	}
	h, found, wrong := getHash(c, c.Shard.DBs[c.DB], args[1])
	if wrong {
		return
	}
	if !found || l == 0 {
		c.W.ArrayLen(0)
		return
	}
	size := int64(h.len())
	pair := func(k, v []byte) {
		if withValues && c.W.Resp3 {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(k)
		if withValues {
			c.W.Bulk(v)
		}
	}
	header := func(n int64) {
		if withValues && !c.W.Resp3 {
			n *= 2
		}
		c.W.ArrayLen(int(n))
	}
	if l < 0 || l == 1 {
		// Repeats allowed: n independent picks.
		n := l
		if n < 0 {
			n = -n
		}
		header(n)
		if h.obj != nil {
			for ; n > 0; n-- {
				pair(h.obj.kv(h.obj.slots[h.obj.randomSlot()]))
			}
			return
		}
		s := getHsScratch()
		defer putHsScratch(s)
		s.ents = h.appendAll(s.ents)
		for ; n > 0; n-- {
			i := 2 * rand.IntN(len(s.ents)/2)
			pair(s.ents[i], s.ents[i+1])
		}
		return
	}
	if l >= size {
		header(size)
		s := getHsScratch()
		defer putHsScratch(s)
		s.ents = h.appendAll(s.ents)
		for i := 0; i < len(s.ents); i += 2 {
			pair(s.ents[i], s.ents[i+1])
		}
		return
	}
	header(l)
	hsSample(h, int(l), size, func(k, v []byte) { pair(k, v) })
}

// hashRandomPair returns a random field and its value (h not empty).
func hashRandomPair(h hview) (k, v []byte) {
	if h.obj != nil {
		return h.obj.kv(h.obj.slots[h.obj.randomSlot()])
	}
	i := rand.IntN(hsPackCount(h.blob))
	b := h.blob
	off := hsPackHdr
	for ; i > 0; i-- {
		_, off = hsPackNext(b, off)
		_, off = hsPackNext(b, off)
	}
	k, off = hsPackNext(b, off)
	v, _ = hsPackNext(b, off)
	return k, v
}

// hsSample calls fn for n distinct random pairs (0 < n < size) of h.
func hsSample(h hview, n int, size int64, fn func(k, v []byte)) {
	if h.obj != nil && int64(n)*3 <= size {
		// Few picks from a big table: random slots until n distinct.
		seen := make(map[int]struct{}, n)
		for len(seen) < n {
			i := h.obj.randomSlot()
			if _, dup := seen[i]; dup {
				continue
			}
			seen[i] = struct{}{}
			fn(h.obj.kv(h.obj.slots[i]))
		}
		return
	}
	s := getHsScratch()
	defer putHsScratch(s)
	s.ents = h.appendAll(s.ents)
	m := len(s.ents) / 2
	for i := 0; i < n; i++ { // partial Fisher-Yates over pairs
		j := i + rand.IntN(m-i)
		s.ents[2*i], s.ents[2*j] = s.ents[2*j], s.ents[2*i]
		s.ents[2*i+1], s.ents[2*j+1] = s.ents[2*j+1], s.ents[2*i+1]
		fn(s.ents[2*i], s.ents[2*i+1])
	}
}

// hsParseCursor parses a SCAN-family cursor as Redis's
// parseScanCursorOrReply (strtoul, base 10) does: no leading space, an
// optional sign ("-1" wraps around), digits up to the end; "" is 0.
func hsParseCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
	}
	i, neg := 0, false
	if b[0] == '+' || b[0] == '-' {
		neg, i = b[0] == '-', 1
	}
	start := i
	var n uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		n = n*10 + d
	}
	if i == start || i < len(b) && b[i] != 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

const errInvalidCursor = "ERR invalid cursor"

// hsScanOpts parses HSCAN/SSCAN's options (after key and cursor) as
// Redis's scanGenericCommand does. match is nil when every element
// matches.
func hsScanOpts(args [][]byte) (match []byte, count int, msg string) {
	count = 10
	for i := 0; i < len(args); i += 2 {
		more := len(args) - i
		switch {
		case EqualFold(args[i], "count") && more >= 2:
			n, ok := ParseInt(args[i+1])
			if !ok {
				return nil, 0, ErrNotInt
			}
			if n < 1 {
				return nil, 0, ErrSyntax
			}
			count = int(min(n, math.MaxInt32))
		case EqualFold(args[i], "match") && more >= 2:
			match = args[i+1]
			if len(match) == 1 && match[0] == '*' {
				match = nil
			}
		default:
			return nil, 0, ErrSyntax
		}
	}
	return match, count, ""
}

// hsReplyScan writes a SCAN-family reply: the next cursor and the
// elements of ents matching match (step 2: pairs, matched on the first).
func hsReplyScan(c *Ctx, cursor uint64, ents [][]byte, step int, match []byte) {
	n := len(ents)
	if match != nil {
		w := 0
		for i := 0; i < len(ents); i += step {
			if GlobMatch(match, ents[i], false) {
				copy(ents[w:w+step], ents[i:i+step])
				w += step
			}
		}
		n = w
	}
	c.W.ArrayLen(2)
	var buf [20]byte
	c.W.Bulk(strconv.AppendUint(buf[:0], cursor, 10))
	c.W.ArrayLen(n)
	for _, e := range ents[:n] {
		c.W.Bulk(e)
	}
}

func hsWriteEmptyScan(c *Ctx) {
	c.W.ArrayLen(2)
	c.W.BulkString("0")
	c.W.ArrayLen(0)
}

func cmdHscan(c *Ctx, args [][]byte) {
	cursor, ok := hsParseCursor(args[2])
	if !ok {
		c.W.Error(errInvalidCursor)
		return
	}
	h, found, wrong := getHash(c, c.Shard.DBs[c.DB], args[1])
	if wrong {
		return
	}
	if !found {
		hsWriteEmptyScan(c)
		return
	}
	match, count, msg := hsScanOpts(args[3:])
	if msg != "" {
		c.W.Error(msg)
		return
	}
	s := getHsScratch()
	defer putHsScratch(s)
	next := uint64(0)
	if h.obj != nil {
		next = h.obj.scan(cursor, count, func(sl uint64) {
			k, v := h.obj.kv(sl)
			s.ents = append(s.ents, k, v)
		})
	} else {
		s.ents = h.appendAll(s.ents)
	}
	hsReplyScan(c, next, s.ents, 2, match)
}
