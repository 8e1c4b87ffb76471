package engine

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/darnerdb/darner/proto"
)

// The set family: SADD, SREM, SISMEMBER, SPOP, SRANDMEMBER, the set
// algebra (SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD), SMOVE
// and SSCAN.
//
// Encodings (OBJECT ENCODING names as Redis 7.2's):
//   - intset: up to set-max-intset-entries members that are all canonical
//     int64s, as an intset blob: one width byte (2, 4 or 8) then the
//     members sorted ascending, little-endian. Replies list them in order,
//     as Redis does.
//   - listpack: up to set-max-listpack-entries members of at most
//     set-max-listpack-value bytes, as a pack blob (strtable.go), in
//     insertion order.
//   - hashtable: a setObject (a strTable of members) in the ObjectStore.
//
// A set only moves up that list (intset to listpack or hashtable, listpack
// to hashtable), as in Redis, except that a STORE result is encoded by
// its contents. Blobs are rebuilt in a scratch buffer and stored with
// SetBlob (never changed in place); objects change in place and report
// their size changes with AdjustObjectBytes.
//
// Multi-key commands have a Run (all keys on one shard) and a Tx: an Each
// phase copies every source set out of its shard (blobs as bytes, objects
// cloned), the algebra runs on those copies, and STORE forms write the
// result in a phase on the destination's shard.

func init() {
	register(
		&Command{Name: "sadd", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSadd,
			Group: "set", Summary: "Add one or more members to a set", Since: "1.0.0",
			Complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key member...", History: [][2]string{{"2.4.0", "Accepts multiple `member` arguments."}}},
		&Command{Name: "srem", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSrem,
			Group: "set", Summary: "Remove one or more members from a set", Since: "1.0.0",
			Complexity: "O(N) where N is the number of members to be removed.",
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key member...", History: [][2]string{{"2.4.0", "Accepts multiple `member` arguments."}}},
		&Command{Name: "smembers", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSmembers,
			Group: "set", Summary: "Get all the members in a set", Since: "1.0.0",
			Complexity: "O(N) where N is the set cardinality.",
			Tips:       []string{"nondeterministic_output_order"},
			Args:       "key"},
		&Command{Name: "sismember", Arity: 3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSismember,
			Group: "set", Summary: "Determine if a given value is a member of a set", Since: "1.0.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key member"},
		&Command{Name: "smismember", Arity: -3, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSmismember,
			Group: "set", Summary: "Returns the membership associated with the given elements for a set", Since: "6.2.0",
			Complexity: "O(N) where N is the number of elements being checked for membership",
			Args:       "key member..."},
		&Command{Name: "scard", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdScard,
			Group: "set", Summary: "Get the number of members in a set", Since: "1.0.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key"},
		&Command{Name: "spop", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSpop,
			Group: "set", Summary: "Remove and return one or multiple random members from a set", Since: "1.0.0",
			Complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
			Tips:       []string{"nondeterministic_output"},
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}},
			Args:       "key [count]{3.2.0}", History: [][2]string{{"3.2.0", "Added the `count` argument."}}},
		&Command{Name: "srandmember", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSrandmember,
			Group: "set", Summary: "Get one or multiple random members from a set", Since: "1.0.0",
			Complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
			Tips:       []string{"nondeterministic_output"},
			Args:       "key [count]{2.6.0}", History: [][2]string{{"2.6.0", "Added the optional `count` argument."}}},
		&Command{Name: "sinter", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdSinter, Tx: txSinter,
			Group: "set", Summary: "Intersect multiple sets", Since: "1.0.0",
			Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
			Tips:       []string{"nondeterministic_output_order"},
			Args:       "key..."},
		&Command{Name: "sintercard", Arity: -3, Flags: FlagReadonly | FlagMovableKeys, FirstKey: 0, LastKey: 0, Step: 0, Run: cmdSintercard, Tx: txSintercard,
			Group: "set", Summary: "Intersect multiple sets and return the cardinality of the result", Since: "7.0.0",
			Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
			KeySpecs:   []KeySpec{{Flags: []string{"RO", "access"}, BeginIndex: 1, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
			Args:       "numkeys key... [LIMIT limit:i]"},
		&Command{Name: "sunion", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdSunion, Tx: txSunion,
			Group: "set", Summary: "Add multiple sets", Since: "1.0.0",
			Complexity: "O(N) where N is the total number of elements in all given sets.",
			Tips:       []string{"nondeterministic_output_order"},
			Args:       "key..."},
		&Command{Name: "sdiff", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdSdiff, Tx: txSdiff,
			Group: "set", Summary: "Subtract multiple sets", Since: "1.0.0",
			Complexity: "O(N) where N is the total number of elements in all given sets.",
			Tips:       []string{"nondeterministic_output_order"},
			Args:       "key..."},
		&Command{Name: "sinterstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdSinterstore, Tx: txSinterstore,
			Group: "set", Summary: "Intersect multiple sets and store the resulting set in a key", Since: "1.0.0",
			Complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "update"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"RO", "access"}, BeginIndex: 2, LastKey: -1, KeyStep: 1}},
			Args:       "destination key..."},
		&Command{Name: "sunionstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdSunionstore, Tx: txSunionstore,
			Group: "set", Summary: "Add multiple sets and store the resulting set in a key", Since: "1.0.0",
			Complexity: "O(N) where N is the total number of elements in all given sets.",
			KeySpecs:   []KeySpec{{Flags: []string{"OW", "update"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"RO", "access"}, BeginIndex: 2, LastKey: -1, KeyStep: 1}},
			Args:       "destination key..."},
		&Command{Name: "sdiffstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdSdiffstore, Tx: txSdiffstore,
			Group: "set", Summary: "Subtract multiple sets and store the resulting set in a key", Since: "1.0.0",
			Complexity: "O(N) where N is the total number of elements in all given sets.",
			KeySpecs:   []KeySpec{{Flags: []string{"OW", "update"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"RO", "access"}, BeginIndex: 2, LastKey: -1, KeyStep: 1}},
			Args:       "destination key..."},
		&Command{Name: "smove", Arity: 4, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Step: 1, Run: cmdSmove, Tx: txSmove,
			Group: "set", Summary: "Move a member from one set to another", Since: "1.0.0",
			Complexity: "O(1)",
			KeySpecs:   []KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1}, {Flags: []string{"RW", "insert"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
			Args:       "source destination member"},
		&Command{Name: "sscan", Arity: -3, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSscan,
			Group: "set", Summary: "Incrementally iterate Set elements", Since: "2.8.0",
			Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
			Tips:       []string{"nondeterministic_output"},
			Args:       "key cursor [MATCH pattern] [COUNT count]"})
	RegisterType(TypeSet, TypeOps{Encoding: setEncoding, Elements: setElements})
}

// setObject is a large set: a strTable of members.
type setObject struct{ strTable }

// MemBytes implements Object.
func (o *setObject) MemBytes() int64 { return o.mem }

// Clone implements Object.
func (o *setObject) Clone() Object { return &setObject{*o.clone()} }

func setEncoding(sh *Shard, v Value) string {
	switch {
	case v.Enc == EncObject:
		return "hashtable"
	case len(v.Bytes) > 0 && v.Bytes[0] != hsPackTag:
		return "intset"
	}
	return "listpack"
}

func setElements(sh *Shard, v Value) [][]byte {
	sv := sview{blob: v.Bytes}
	if v.Enc == EncObject {
		sv = sview{obj: sh.Objects.Get(v.Obj).(*setObject)}
	}
	out, _ := sv.appendAll(nil, nil)
	return out
}

// Intsets.

func intsetWidth(v int64) byte {
	switch {
	case v == int64(int16(v)):
		return 2
	case v == int64(int32(v)):
		return 4
	}
	return 8
}

func intsetLen(b []byte) int { return (len(b) - 1) / int(b[0]) }

func intsetAt(b []byte, i int) int64 {
	switch w := int(b[0]); w {
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b[1+2*i:])))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(b[1+4*i:])))
	default:
		return int64(binary.LittleEndian.Uint64(b[1+8*i:]))
	}
}

// intsetSearch returns v's index, or where it would go, and whether found.
func intsetSearch(b []byte, v int64) (int, bool) {
	lo, hi := 0, intsetLen(b)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch x := intsetAt(b, m); {
		case x == v:
			return m, true
		case x < v:
			lo = m + 1
		default:
			hi = m
		}
	}
	return lo, false
}

// appendIntset appends an intset blob of vs (sorted, distinct).
func appendIntset(dst []byte, vs []int64) []byte {
	w := byte(2)
	if len(vs) > 0 {
		w = max(intsetWidth(vs[0]), intsetWidth(vs[len(vs)-1]))
	}
	dst = append(dst, w)
	for _, v := range vs {
		switch w {
		case 2:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
		case 4:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
		default:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	}
	return dst
}

// sview is a key's set as a command reads it: an intset or pack blob
// (aliasing the arena until the shard's next mutation, or a tx's own
// copy) or a setObject.
type sview struct {
	blob []byte
	obj  *setObject
}

// getSet looks key up; it writes no reply (phases have no writer).
func getSet(db *DB, key []byte, now int64) (s sview, found, wrong bool) {
	v, ok := db.Get(key, now)
	if !ok {
		return s, false, false
	}
	if v.Type != TypeSet {
		return s, false, true
	}
	if v.Enc == EncObject {
		s.obj = db.Objects().Get(v.Obj).(*setObject)
	} else {
		s.blob = v.Bytes
	}
	return s, true, false
}

func (s sview) intset() bool { return s.obj == nil && s.blob[0] != hsPackTag }

func (s sview) size() int {
	switch {
	case s.obj != nil:
		return s.obj.count
	case s.intset():
		return intsetLen(s.blob)
	}
	return hsPackCount(s.blob)
}

func (s sview) has(m []byte) bool {
	switch {
	case s.obj != nil:
		return s.obj.Has(m)
	case s.intset():
		v, ok := ParseInt(m)
		if !ok {
			return false
		}
		_, found := intsetSearch(s.blob, v)
		return found
	}
	b := s.blob
	for i := hsPackHdr; i < len(b); {
		var e []byte
		e, i = hsPackNext(b, i)
		if string(e) == string(m) {
			return true
		}
	}
	return false
}

// appendAll appends every member to dst: views of the blob or table, or
// (intsets) decimal text appended to buf, which it returns. buf grows
// before anything is written to it, so earlier views stay valid.
func (s sview) appendAll(dst [][]byte, buf []byte) ([][]byte, []byte) {
	switch {
	case s.obj != nil:
		for _, sl := range s.obj.slots {
			if sl != 0 {
				dst = append(dst, s.obj.key(sl))
			}
		}
	case s.intset():
		n := intsetLen(s.blob)
		if cap(buf)-len(buf) < 20*n {
			buf = slices.Grow(buf, 20*n)
		}
		for i := 0; i < n; i++ {
			start := len(buf)
			buf = strconv.AppendInt(buf, intsetAt(s.blob, i), 10)
			dst = append(dst, buf[start:len(buf):len(buf)])
		}
	default:
		for i := hsPackHdr; i < len(s.blob); {
			var e []byte
			e, i = hsPackNext(s.blob, i)
			dst = append(dst, e)
		}
	}
	return dst, buf
}

// copy returns a view that no longer aliases the shard (tx phases).
func (s sview) copy() sview {
	if s.obj != nil {
		return sview{obj: &setObject{*s.obj.clone()}}
	}
	return sview{blob: append([]byte(nil), s.blob...)}
}

// setLimits are the conversion thresholds, read from the config.
type setLimits struct{ intset, lpEntries, lpValue int64 }

func getSetLimits(c *Ctx) setLimits {
	cfg := c.Server.Config()
	return setLimits{
		intset:    cfg.SetMaxIntsetEntries(),
		lpEntries: min(cfg.SetMaxListpackEntries(), hsPackMaxCount),
		lpValue:   cfg.SetMaxListpackValue(),
	}
}

// setStore makes members (distinct) key's set, in the smallest encoding
// they fit (never an intset unless allowIntset), with flags for SetBlob
// (SetKeepTTL when updating a set; 0 replaces the key and its TTL). An
// empty list deletes the key. members may alias the key's old value.
func setStore(c *Ctx, db *DB, key []byte, members [][]byte, allowIntset bool, flags SetFlags) {
	if len(members) == 0 {
		db.Delete(key, c.Now)
		return
	}
	lim := getSetLimits(c)
	n := int64(len(members))
	s := getHsScratch()
	defer putHsScratch(s)
	if allowIntset && n <= lim.intset {
		ints := s.ints[:0]
		ok := true
		for _, m := range members {
			v, isInt := ParseInt(m)
			if !isInt {
				ok = false
				break
			}
			ints = append(ints, v)
		}
		s.ints = ints
		if ok {
			slices.Sort(ints)
			s.buf = appendIntset(s.buf, ints)
			db.SetBlob(key, TypeSet, s.buf, 0, flags, c.Now)
			return
		}
	}
	if n <= lim.lpEntries {
		small := true
		for _, m := range members {
			if int64(len(m)) > lim.lpValue {
				small = false
				break
			}
		}
		if small {
			s.buf = hsPackHeader(s.buf, len(members))
			for _, m := range members {
				s.buf = hsPackAppend(s.buf, m)
			}
			db.SetBlob(key, TypeSet, s.buf, 0, flags, c.Now)
			return
		}
	}
	t := newStrTable(false, len(members))
	for _, m := range members {
		t.insert(m, nil, stHash(m))
	}
	db.SetObject(key, TypeSet, db.Objects().Put(&setObject{*t}), 0, flags, c.Now)
}

// setAdd adds members to key's set sv (found: it exists) and returns how
// many were new.
func setAdd(c *Ctx, db *DB, key []byte, sv sview, found bool, members [][]byte) int {
	if o := sv.obj; o != nil {
		before := o.mem
		added := 0
		for _, m := range members {
			if o.Add(m) {
				added++
			}
		}
		db.AdjustObjectBytes(o.mem - before)
		return added
	}
	s := getHsScratch()
	defer putHsScratch(s)
	if found {
		s.ents, s.buf = sv.appendAll(s.ents, s.buf)
	}
	old := len(s.ents)
	var seen *strTable // dedups many new members in O(1) each
	if len(members) > 16 {
		seen = newStrTable(false, len(members))
	}
	for _, m := range members {
		if found && sv.has(m) {
			continue
		}
		if seen != nil {
			if !seen.Add(m) {
				continue
			}
		} else if slices.ContainsFunc(s.ents[old:], func(e []byte) bool { return string(e) == string(m) }) {
			continue
		}
		s.ents = append(s.ents, m)
	}
	added := len(s.ents) - old
	if added > 0 {
		setStore(c, db, key, s.ents, !found || sv.intset(), SetKeepTTL)
	}
	return added
}

func cmdSadd(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	sv, found, wrong := getSet(db, args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	c.W.Int(int64(setAdd(c, db, args[1], sv, found, args[2:])))
}

// setRemove removes members from key's set sv and returns how many were
// there; an emptied set's key is deleted.
func setRemove(c *Ctx, db *DB, key []byte, sv sview, members [][]byte) int {
	removed := 0
	if o := sv.obj; o != nil {
		before := o.mem
		for _, m := range members {
			if o.Remove(m) {
				removed++
			}
		}
		db.AdjustObjectBytes(o.mem - before)
		if o.count == 0 {
			db.Delete(key, c.Now)
		}
		return removed
	}
	s := getHsScratch()
	defer putHsScratch(s)
	s.ents, s.buf = sv.appendAll(s.ents, s.buf)
	w := 0
	for _, e := range s.ents {
		if slices.ContainsFunc(members, func(m []byte) bool { return string(e) == string(m) }) {
			removed++
			continue
		}
		s.ents[w] = e
		w++
	}
	if removed > 0 {
		setStore(c, db, key, s.ents[:w], sv.intset(), SetKeepTTL)
	}
	return removed
}

func cmdSrem(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	sv, found, wrong := getSet(db, args[1], c.Now)
	switch {
	case wrong:
		c.W.WrongType()
	case !found:
		c.W.Int(0)
	default:
		c.W.Int(int64(setRemove(c, db, args[1], sv, args[2:])))
	}
}

// writeMembers replies members as a set (RESP3 "~"), integers sorted
// when every member is one (as Redis's intset results read).
func writeMembers(w *proto.Writer, members [][]byte) {
	sortIfInts(members)
	w.SetLen(len(members))
	for _, m := range members {
		w.Bulk(m)
	}
}

// sortIfInts sorts members numerically when all are integers.
func sortIfInts(members [][]byte) {
	for _, m := range members {
		if _, ok := ParseInt(m); !ok {
			return
		}
	}
	slices.SortFunc(members, func(a, b []byte) int {
		x, _ := ParseInt(a)
		y, _ := ParseInt(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
}

func cmdSmembers(c *Ctx, args [][]byte) {
	sv, found, wrong := getSet(c.Shard.DBs[c.DB], args[1], c.Now)
	switch {
	case wrong:
		c.W.WrongType()
	case !found:
		c.W.SetLen(0)
	default:
		s := getHsScratch()
		defer putHsScratch(s)
		s.ents, s.buf = sv.appendAll(s.ents, s.buf)
		c.W.SetLen(len(s.ents))
		for _, m := range s.ents {
			c.W.Bulk(m)
		}
	}
}

func cmdSismember(c *Ctx, args [][]byte) {
	sv, found, wrong := getSet(c.Shard.DBs[c.DB], args[1], c.Now)
	switch {
	case wrong:
		c.W.WrongType()
	case found && sv.has(args[2]):
		c.W.Int(1)
	default:
		c.W.Int(0)
	}
}

func cmdSmismember(c *Ctx, args [][]byte) {
	sv, found, wrong := getSet(c.Shard.DBs[c.DB], args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	c.W.ArrayLen(len(args) - 2)
	for _, m := range args[2:] {
		if found && sv.has(m) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

func cmdScard(c *Ctx, args [][]byte) {
	sv, found, wrong := getSet(c.Shard.DBs[c.DB], args[1], c.Now)
	switch {
	case wrong:
		c.W.WrongType()
	case !found:
		c.W.Int(0)
	default:
		c.W.Int(int64(sv.size()))
	}
}

func cmdSpop(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	key := args[1]
	if len(args) > 3 {
		c.W.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(args) == 3 {
		n, ok := ParseInt(args[2])
		if !ok || n < 0 { // getPositiveLongFromObjectOrReply: one text for both
			c.W.Error(ErrNotPositive)
			return
		}
		count = n
	}
	sv, found, wrong := getSet(db, key, c.Now)
	switch {
	case wrong:
		c.W.WrongType()
		return
	case !found && count < 0:
		c.W.Null()
		return
	case !found || count == 0:
		c.W.SetLen(0)
		return
	}
	size := int64(sv.size())
	if count >= size {
		s := getHsScratch()
		defer putHsScratch(s)
		s.ents, s.buf = sv.appendAll(s.ents, s.buf)
		writeMembers(c.W, s.ents)
		db.Delete(key, c.Now)
		return
	}
	one := count < 0
	if one {
		count = 1
	} else {
		c.W.SetLen(int(count))
	}
	if o := sv.obj; o != nil {
		before := o.mem
		for ; count > 0; count-- {
			i := o.randomSlot()
			c.W.Bulk(o.key(o.slots[i])) // written before removeAt frees it
			o.removeAt(i)
		}
		db.AdjustObjectBytes(o.mem - before)
		if o.count == 0 {
			db.Delete(key, c.Now)
		}
		return
	}
	s := getHsScratch()
	defer putHsScratch(s)
	s.ents, s.buf = sv.appendAll(s.ents, s.buf)
	m := len(s.ents)
	for i := 0; i < int(count); i++ { // partial Fisher-Yates: the popped go first
		j := i + rand.IntN(m-i)
		s.ents[i], s.ents[j] = s.ents[j], s.ents[i]
		c.W.Bulk(s.ents[i])
	}
	setStore(c, db, key, s.ents[count:], sv.intset(), SetKeepTTL)
}

func cmdSrandmember(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	if len(args) > 3 {
		c.W.Error(ErrSyntax)
		return
	}
	if len(args) == 2 {
		sv, found, wrong := getSet(db, args[1], c.Now)
		switch {
		case wrong:
			c.W.WrongType()
		case !found:
			c.W.Null()
		default:
			var buf [20]byte
			c.W.Bulk(sv.randomMember(buf[:0]))
		}
		return
	}
	l, msg := hsParseCount(args[2])
	if msg != "" {
		c.W.Error(msg)
		return
	}
	sv, found, wrong := getSet(db, args[1], c.Now)
	switch {
	case wrong:
		c.W.WrongType()
		return
	case !found || l == 0:
		c.W.ArrayLen(0)
		return
	}
	size := int64(sv.size())
	if l < 0 || l == 1 {
		n := l
		if n < 0 {
			n = -n
		}
		c.W.ArrayLen(int(n))
		if sv.obj != nil {
			for ; n > 0; n-- {
				c.W.Bulk(sv.obj.key(sv.obj.slots[sv.obj.randomSlot()]))
			}
			return
		}
		s := getHsScratch()
		defer putHsScratch(s)
		s.ents, s.buf = sv.appendAll(s.ents, s.buf)
		for ; n > 0; n-- {
			c.W.Bulk(s.ents[rand.IntN(len(s.ents))])
		}
		return
	}
	s := getHsScratch()
	defer putHsScratch(s)
	if l >= size {
		s.ents, s.buf = sv.appendAll(s.ents, s.buf)
		c.W.ArrayLen(len(s.ents))
		for _, m := range s.ents {
			c.W.Bulk(m)
		}
		return
	}
	c.W.ArrayLen(int(l))
	if sv.obj != nil && l*3 <= size {
		seen := make(map[int]struct{}, l)
		for int64(len(seen)) < l {
			i := sv.obj.randomSlot()
			if _, dup := seen[i]; dup {
				continue
			}
			seen[i] = struct{}{}
			c.W.Bulk(sv.obj.key(sv.obj.slots[i]))
		}
		return
	}
	s.ents, s.buf = sv.appendAll(s.ents, s.buf)
	m := len(s.ents)
	for i := 0; i < int(l); i++ {
		j := i + rand.IntN(m-i)
		s.ents[i], s.ents[j] = s.ents[j], s.ents[i]
		c.W.Bulk(s.ents[i])
	}
}

// randomMember returns a random member (the set is not empty); intset
// members are formatted into buf.
func (s sview) randomMember(buf []byte) []byte {
	switch {
	case s.obj != nil:
		return s.obj.key(s.obj.slots[s.obj.randomSlot()])
	case s.intset():
		return strconv.AppendInt(buf, intsetAt(s.blob, rand.IntN(intsetLen(s.blob))), 10)
	}
	i := rand.IntN(hsPackCount(s.blob))
	off := hsPackHdr
	var e []byte
	for ; i >= 0; i-- {
		e, off = hsPackNext(s.blob, off)
	}
	return e
}

// Set algebra.

const (
	setOpInter = iota
	setOpUnion
	setOpDiff
)

// setCompute returns the distinct members of op over srcs (found[i]
// false: a missing key, an empty set), stopping at limit members when
// limit > 0 (SINTERCARD). The members are views of the sources or of s.
func setCompute(op int, srcs []sview, found []bool, limit int, s *hsScratch) [][]byte {
	out := s.ents[:0]
	switch op {
	case setOpInter:
		order := make([]int, 0, len(srcs))
		for i := range srcs {
			if !found[i] {
				return out
			}
			order = append(order, i)
		}
		slices.SortStableFunc(order, func(a, b int) int { return srcs[a].size() - srcs[b].size() })
		var all [][]byte
		all, s.buf = srcs[order[0]].appendAll(nil, s.buf)
	next:
		for _, m := range all {
			for _, j := range order[1:] {
				if !srcs[j].has(m) {
					continue next
				}
			}
			out = append(out, m)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
	case setOpUnion:
		var seen *strTable
		for i := range srcs {
			if !found[i] {
				continue
			}
			start := len(out)
			out, s.buf = srcs[i].appendAll(out, s.buf)
			if seen == nil && start == 0 {
				if i == len(srcs)-1 {
					break // one source: already distinct
				}
				seen = newStrTable(false, len(out))
			}
			w := start
			for _, m := range out[start:] {
				if seen.Add(m) {
					out[w] = m
					w++
				}
			}
			out = out[:w]
		}
	case setOpDiff:
		if !found[0] {
			return out
		}
		out, s.buf = srcs[0].appendAll(out, s.buf)
		w := 0
	diff:
		for _, m := range out {
			for j := 1; j < len(srcs); j++ {
				if found[j] && srcs[j].has(m) {
					continue diff
				}
			}
			out[w] = m
			w++
		}
		out = out[:w]
	}
	s.ents = out
	return out
}

// setGatherLocal reads keys on the running shard for the Run path; it
// reports whether any holds another type.
func setGatherLocal(c *Ctx, keys [][]byte) (srcs []sview, found []bool, wrong bool) {
	db := c.Shard.DBs[c.DB]
	srcs, found = make([]sview, len(keys)), make([]bool, len(keys))
	for i, k := range keys {
		sv, ok, w := getSet(db, k, c.Now)
		if w {
			return nil, nil, true
		}
		srcs[i], found[i] = sv, ok
	}
	return srcs, found, false
}

func setAlgebraRun(c *Ctx, op int, keys [][]byte, dst []byte) {
	srcs, found, wrong := setGatherLocal(c, keys)
	if wrong {
		c.W.WrongType()
		return
	}
	s := getHsScratch()
	defer putHsScratch(s)
	out := setCompute(op, srcs, found, 0, s)
	if dst == nil {
		writeMembers(c.W, out)
		return
	}
	setStore(c, c.Shard.DBs[c.DB], dst, out, true, 0)
	c.W.Int(int64(len(out)))
}

func cmdSinter(c *Ctx, args [][]byte)      { setAlgebraRun(c, setOpInter, args[1:], nil) }
func cmdSunion(c *Ctx, args [][]byte)      { setAlgebraRun(c, setOpUnion, args[1:], nil) }
func cmdSdiff(c *Ctx, args [][]byte)       { setAlgebraRun(c, setOpDiff, args[1:], nil) }
func cmdSinterstore(c *Ctx, args [][]byte) { setAlgebraRun(c, setOpInter, args[2:], args[1]) }
func cmdSunionstore(c *Ctx, args [][]byte) { setAlgebraRun(c, setOpUnion, args[2:], args[1]) }
func cmdSdiffstore(c *Ctx, args [][]byte)  { setAlgebraRun(c, setOpDiff, args[2:], args[1]) }

// setTxState is what a set tx's gather phase collects: a copy of each
// source key (by index; each shard writes only its own keys' entries).
type setTxState struct {
	shard []int
	srcs  []sview
	found []bool
	wrong []bool
}

func (st *setTxState) anyWrong() bool { return slices.Contains(st.wrong, true) }

// setGather plans the phase that copies keys out of their shards.
func setGather(t *Tx, keys [][]byte) *setTxState {
	st := &setTxState{shard: make([]int, len(keys)), srcs: make([]sview, len(keys)),
		found: make([]bool, len(keys)), wrong: make([]bool, len(keys))}
	for i, k := range keys {
		st.shard[i] = t.ShardOf(k)
	}
	t.Each(func(c *Ctx) {
		db := c.Shard.DBs[c.DB]
		for i, k := range keys {
			if st.shard[i] != c.Shard.ID {
				continue
			}
			sv, found, wrong := getSet(db, k, c.Now)
			st.wrong[i] = wrong
			if found {
				st.found[i], st.srcs[i] = true, sv.copy()
			}
		}
	})
	return st
}

func setAlgebraTx(op int, store bool) func(t *Tx, args [][]byte) {
	return func(t *Tx, args [][]byte) {
		keys, dst := args[1:], []byte(nil)
		if store {
			keys, dst = args[2:], args[1]
		}
		st := setGather(t, keys)
		if !store {
			t.Reply(func(w *proto.Writer) {
				if st.anyWrong() {
					w.WrongType()
					return
				}
				s := getHsScratch()
				defer putHsScratch(s)
				writeMembers(w, setCompute(op, st.srcs, st.found, 0, s))
			})
			return
		}
		n := 0
		t.On(t.ShardOf(dst), func(c *Ctx) {
			if st.anyWrong() {
				return
			}
			s := getHsScratch()
			defer putHsScratch(s)
			out := setCompute(op, st.srcs, st.found, 0, s)
			n = len(out)
			setStore(c, c.Shard.DBs[c.DB], dst, out, true, 0)
		})
		t.Reply(func(w *proto.Writer) {
			if st.anyWrong() {
				w.WrongType()
				return
			}
			w.Int(int64(n))
		})
	}
}

var (
	txSinter      = setAlgebraTx(setOpInter, false)
	txSunion      = setAlgebraTx(setOpUnion, false)
	txSdiff       = setAlgebraTx(setOpDiff, false)
	txSinterstore = setAlgebraTx(setOpInter, true)
	txSunionstore = setAlgebraTx(setOpUnion, true)
	txSdiffstore  = setAlgebraTx(setOpDiff, true)
)

// parseSintercard checks SINTERCARD numkeys key [key ...] [LIMIT limit]
// as Redis does and returns the keys and the limit (0: none).
func parseSintercard(args [][]byte) (keys [][]byte, limit int, msg string) {
	n, ok := ParseInt(args[1])
	if !ok || n < 1 {
		return nil, 0, "ERR numkeys should be greater than 0"
	}
	if n > int64(len(args)-2) {
		return nil, 0, "ERR Number of keys can't be greater than number of args"
	}
	keys = args[2 : 2+n]
	for j := 2 + int(n); j < len(args); j++ {
		if EqualFold(args[j], "limit") && j+1 < len(args) {
			j++
			l, ok := ParseInt(args[j])
			if !ok || l < 0 {
				return nil, 0, "ERR LIMIT can't be negative"
			}
			limit = int(min(l, math.MaxInt32))
			continue
		}
		return nil, 0, ErrSyntax
	}
	return keys, limit, ""
}

func cmdSintercard(c *Ctx, args [][]byte) {
	keys, limit, msg := parseSintercard(args)
	if msg != "" {
		c.W.Error(msg)
		return
	}
	srcs, found, wrong := setGatherLocal(c, keys)
	if wrong {
		c.W.WrongType()
		return
	}
	s := getHsScratch()
	defer putHsScratch(s)
	c.W.Int(int64(len(setCompute(setOpInter, srcs, found, limit, s))))
}

func txSintercard(t *Tx, args [][]byte) {
	keys, limit, msg := parseSintercard(args)
	if msg != "" {
		t.Error(msg)
		return
	}
	st := setGather(t, keys)
	t.Reply(func(w *proto.Writer) {
		if st.anyWrong() {
			w.WrongType()
			return
		}
		s := getHsScratch()
		defer putHsScratch(s)
		w.Int(int64(len(setCompute(setOpInter, st.srcs, st.found, limit, s))))
	})
}

// SMOVE.

func cmdSmove(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	src, dst, m := args[1], args[2], args[3]
	ssv, sfound, swrong := getSet(db, src, c.Now)
	dsv, dfound, dwrong := getSet(db, dst, c.Now)
	switch {
	case !sfound && !swrong:
		c.W.Int(0)
		return
	case swrong || dwrong:
		c.W.WrongType()
		return
	case string(src) == string(dst):
		if ssv.has(m) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
		return
	case !ssv.has(m):
		c.W.Int(0)
		return
	}
	one := [1][]byte{m} // m is an argument, not arena memory: it survives the removal
	setRemove(c, db, src, ssv, one[:])
	// src's change may have moved dst's blob: look it up again.
	dsv, dfound, _ = getSet(db, dst, c.Now)
	setAdd(c, db, dst, dsv, dfound, one[:])
	c.W.Int(1)
}

func txSmove(t *Tx, args [][]byte) {
	src, dst, m := args[1], args[2], args[3]
	ss, ds := t.ShardOf(src), t.ShardOf(dst)
	var sfound, swrong, dwrong, has bool
	t.Each(func(c *Ctx) {
		db := c.Shard.DBs[c.DB]
		if c.Shard.ID == ss {
			sv, found, wrong := getSet(db, src, c.Now)
			sfound, swrong = found, wrong
			has = found && sv.has(m)
		}
		if c.Shard.ID == ds {
			_, _, dwrong = getSet(db, dst, c.Now)
		}
	})
	ok := func() bool { return sfound && !swrong && !dwrong && has }
	t.On(ss, func(c *Ctx) {
		if !ok() {
			return
		}
		db := c.Shard.DBs[c.DB]
		sv, _, _ := getSet(db, src, c.Now)
		setRemove(c, db, src, sv, [][]byte{m})
	})
	t.On(ds, func(c *Ctx) {
		if !ok() {
			return
		}
		db := c.Shard.DBs[c.DB]
		sv, found, _ := getSet(db, dst, c.Now)
		setAdd(c, db, dst, sv, found, [][]byte{m})
	})
	t.Reply(func(w *proto.Writer) {
		switch {
		case !sfound && !swrong:
			w.Int(0)
		case swrong || dwrong:
			w.WrongType()
		case !has:
			w.Int(0)
		default:
			w.Int(1)
		}
	})
}

func cmdSscan(c *Ctx, args [][]byte) {
	cursor, ok := hsParseCursor(args[2])
	if !ok {
		c.W.Error(errInvalidCursor)
		return
	}
	sv, found, wrong := getSet(c.Shard.DBs[c.DB], args[1], c.Now)
	switch {
	case wrong:
		c.W.WrongType()
		return
	case !found:
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
	if sv.obj != nil {
		next = sv.obj.scan(cursor, count, func(sl uint64) { s.ents = append(s.ents, sv.obj.key(sl)) })
	} else {
		s.ents, s.buf = sv.appendAll(s.ents, s.buf)
	}
	hsReplyScan(c, next, s.ents, 1, match)
}
