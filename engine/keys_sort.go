package engine

import (
	"bytes"
	"slices"
	"strconv"

	"github.com/darnerdb/darner/proto"
)

// SORT and SORT_RO.
//
// SORT reads the elements of a list, set or sorted set through the type's
// registered TypeOps.Elements, so it knows no family's encoding. BY and
// GET patterns ("weight_*", "obj_*->field") name other keys, which may
// live on any shard: a SORT with such patterns is planned as a global tx
// (every shard locked), whose Each phases look the pattern keys up on the
// shards that own them. Hash fields (->) are read with HGET and STORE
// writes its list with RPUSH, both through the command table, so the
// hash and list families keep their encodings to themselves.
//
// The plan, phase by phase (the state is the tx's, in a sortState):
//
//  1. on the key's shard: check the type, copy the elements out; without
//     a BY pattern, compute the order here.
//  2. with a BY pattern, on every shard: the BY values of the elements
//     whose BY key it owns; then on the key's shard: the order.
//  3. with GET patterns, on every shard: the GET values of the output
//     range's elements whose GET keys it owns.
//  4. with STORE, on the destination's shard: replace it with the list.

func init() {
	doc := func(c *Command) *Command {
		c.Group = "generic"
		c.ACL = "-@keyspace @set @sortedset @list @dangerous"
		c.Complexity = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."
		// As Redis's: the sorted key, then "unknown" specs for the BY/GET
		// patterns' keys and (SORT) the STORE destination; sortKeys finds
		// the keys. The planner declares STORE's key itself.
		c.KeySpecs = []KeySpec{{BeginIndex: 1, KeyStep: 1, Flags: []string{"RO", "access"}},
			{Unknown: true, Flags: []string{"RO", "access"},
				Notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"}}
		if c.Name == "sort" {
			c.KeySpecs = append(c.KeySpecs, KeySpec{Unknown: true, Flags: []string{"OW", "update"},
				Notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"})
		}
		c.FindKeys = sortKeys
		return c
	}
	register(
		doc(&Command{Name: "sort", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, FirstKey: 1, LastKey: 1, Step: 1,
			Tx: txSort(false), Summary: "Sort the elements in a list, set or sorted set", Since: "1.0.0",
			Args: "key [BY pattern{#1}] [LIMIT offset:i count]{offset_count} [GET pattern{#1}]... [ASC | DESC]{order} [ALPHA]{sorting} [STORE destination]"}),
		doc(&Command{Name: "sort_ro", Arity: -2, Flags: FlagReadonly | FlagMovableKeys, FirstKey: 1, LastKey: 1, Step: 1,
			Tx: txSort(true), Summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", Since: "7.0.0",
			Args: "key [BY pattern{#1}] [LIMIT offset:i count]{offset_count} [GET pattern{#1}]... [ASC | DESC]{order} [ALPHA]{sorting}"}),
	)
}

// sortKeys is SORT's key finder (Redis's sortGetKeys): the sorted key,
// and the destination of the last STORE, skipping the arguments of LIMIT,
// BY and GET so a pattern spelled "store" is not taken for the keyword.
func sortKeys(args [][]byte, f func(i int, flags []string)) {
	if len(args) < 2 {
		return
	}
	f(1, []string{"RO", "access"})
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case EqualFold(args[i], "limit"):
			i += 2
		case EqualFold(args[i], "get"), EqualFold(args[i], "by"):
			i++
		case EqualFold(args[i], "store") && i+1 < len(args):
			store = i + 1
			i++
		}
	}
	if store > 0 {
		f(store, []string{"OW", "update"})
	}
}

const (
	errSortScore = "ERR One or more scores can't be converted into double"
	errSortStore = "ERR SORT STORE needs the list type (RPUSH), which this server lacks"
)

// sortArgs are SORT's parsed options.
type sortArgs struct {
	desc, alpha bool
	dontsort    bool   // BY pattern without '*': keep the natural order
	by          []byte // BY pattern with '*' (nil: sort by the elements)
	gets        [][]byte
	start, cnt  int64 // LIMIT (cnt < 0: no limit)
	store       []byte
}

// parseSort reads SORT's options as Redis does: words in any order, the
// last ASC/DESC and BY winning, LIMIT's numbers checked as read.
func parseSort(args [][]byte, readonly bool) (sortArgs, string) {
	a := sortArgs{cnt: -1}
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		switch w := args[j]; {
		case EqualFold(w, "asc"):
			a.desc = false
		case EqualFold(w, "desc"):
			a.desc = true
		case EqualFold(w, "alpha"):
			a.alpha = true
		case EqualFold(w, "limit") && left >= 2:
			s, ok1 := ParseInt(args[j+1])
			n, ok2 := ParseInt(args[j+2])
			if !ok1 || !ok2 {
				return a, ErrNotInt
			}
			a.start, a.cnt = s, n
			j += 2
		case !readonly && EqualFold(w, "store") && left >= 1:
			a.store = args[j+1]
			j++
		case EqualFold(w, "by") && left >= 1:
			// The last pattern is the one; a pattern without '*' turns
			// sorting off for good (Redis never turns it back on).
			a.by = args[j+1]
			if bytes.IndexByte(a.by, '*') < 0 {
				a.dontsort = true
			}
			j++
		case EqualFold(w, "get") && left >= 1:
			a.gets = append(a.gets, args[j+1])
			j++
		default:
			return a, ErrSyntax
		}
	}
	if a.dontsort {
		a.by = nil
	}
	return a, ""
}

// readsKeys reports whether the options look other keys up (a BY pattern,
// or a GET pattern other than "#" with a '*').
func (a *sortArgs) readsKeys() bool {
	if a.by != nil {
		return true
	}
	for _, g := range a.gets {
		if string(g) != "#" && bytes.IndexByte(g, '*') >= 0 {
			return true
		}
	}
	return false
}

// sortVal is a looked-up value: present or not.
type sortVal struct {
	b  []byte
	ok bool
}

// sortElem is one element being sorted.
type sortElem struct {
	el    []byte
	score float64
	cmp   sortVal // ALPHA with BY: the BY value
}

// sortState is a SORT tx's state; phases fill it in order.
type sortState struct {
	a     sortArgs
	err   string
	elems []sortElem
	byVal []sortVal // per element, BY values (phase 2)
	// The output: elems[start..end], and per GET pattern its values
	// (gets[g][i-start]).
	start, end int
	gets       [][]sortVal
	sorted     bool
}

// load is phase 1: the key's type and elements (copied), and the order
// when no BY lookup is needed.
func (st *sortState) load(c *Ctx, key []byte) {
	v, ok := c.Shard.DBs[c.DB].Get(key, c.Now)
	var els [][]byte
	if ok {
		switch v.Type {
		case TypeList, TypeSet, TypeZSet:
		default:
			st.err = wrongTypeErr
			return
		}
		ops := OpsOf(v.Type)
		if ops.Elements == nil {
			st.err = "ERR SORT does not support " + v.Type.String() + " values on this server"
			return
		}
		els = ops.Elements(c.Shard, v)
	}
	n := 0
	for _, e := range els {
		n += len(e)
	}
	buf := make([]byte, 0, n)
	st.elems = make([]sortElem, len(els))
	for i, e := range els {
		buf = append(buf, e...)
		st.elems[i].el = buf[len(buf)-len(e) : len(buf) : len(buf)]
	}
	a := &st.a
	if a.dontsort && v.Type == TypeSet && a.store != nil {
		// A set has no natural order: stored results are sorted so that
		// they are reproducible, as Redis does.
		a.dontsort, a.alpha, a.by = false, true, nil
	}
	if a.dontsort && a.desc && v.Type != TypeSet {
		slices.Reverse(st.elems)
	}
	if a.by == nil {
		st.order()
	} else {
		st.byVal = make([]sortVal, len(st.elems))
	}
}

// wrongTypeErr is the WRONGTYPE error text (the writer's WrongType reply
// without its "-" and CRLF).
const wrongTypeErr = "WRONGTYPE Operation against a key holding the wrong kind of value"

// lookupBy is phase 2 on one shard: BY values of the elements whose BY
// key it owns.
func (st *sortState) lookupBy(c *Ctx, n int) {
	if st.err != "" {
		return
	}
	var kb []byte
	for i := range st.elems {
		if v, mine := lookupPattern(c, n, st.a.by, st.elems[i].el, &kb); mine {
			st.byVal[i] = v
		}
	}
}

// lookupPattern is Redis's lookupKeyByPattern for the keys shard c owns:
// "#" is the element itself; a pattern without '*' names nothing; else the
// first '*' is replaced by the element, and "->field" after it reads a hash
// field. A missing key, or one of the wrong type, is absent. mine reports
// whether c's shard answers for this element: the phases run on every
// shard in parallel, so only the shard owning the looked-up key (shard 0
// for a pattern naming no key) may write the element's slot.
func lookupPattern(c *Ctx, n int, pat, el []byte, kb *[]byte) (v sortVal, mine bool) {
	if string(pat) == "#" {
		return sortVal{b: el, ok: true}, c.Shard.ID == 0
	}
	star := bytes.IndexByte(pat, '*')
	if star < 0 {
		return sortVal{}, c.Shard.ID == 0
	}
	keyPat, field := pat, []byte(nil)
	if f := bytes.Index(pat[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(pat) {
		keyPat, field = pat[:star+1+f], pat[star+1+f+2:]
	}
	k := append((*kb)[:0], keyPat[:star]...)
	k = append(k, el...)
	k = append(k, keyPat[star+1:]...)
	*kb = k
	if n > 1 && ShardOf(k, n) != c.Shard.ID {
		return sortVal{}, false
	}
	if field != nil {
		return hashField(c, k, field), true
	}
	val, ok := c.Shard.DBs[c.DB].Get(k, c.Now)
	if !ok || val.Type != TypeString {
		return sortVal{}, true
	}
	return sortVal{b: val.AppendString(nil), ok: true}, true
}

// hashField reads field of hash key through the table's HGET (a missing
// key or field, or a key of another type, is absent).
func hashField(c *Ctx, key, field []byte) sortVal {
	cmd := Lookup([]byte("hget"))
	if cmd == nil {
		return sortVal{}
	}
	var w proto.Writer
	sc := Ctx{Server: c.Server, Shard: c.Shard, DB: c.DB, Now: c.Now, W: &w}
	cmd.Run(&sc, [][]byte{[]byte("hget"), key, field})
	r := w.Buf
	if len(r) < 4 || r[0] != '$' || r[1] == '-' {
		return sortVal{}
	}
	i := bytes.IndexByte(r, '\r')
	n, err := strconv.Atoi(string(r[1:i]))
	if err != nil || i+2+n > len(r) {
		return sortVal{}
	}
	return sortVal{b: r[i+2 : i+2+n], ok: true}
}

// order computes the elements' keys (scores or compare values), sorts
// them as Redis's sortCompare does and fixes the output range.
func (st *sortState) order() {
	if st.err != "" || st.sorted {
		return
	}
	st.sorted = true
	a := &st.a
	if !a.dontsort {
		for i := range st.elems {
			e := &st.elems[i]
			val := sortVal{b: e.el, ok: true}
			if a.by != nil {
				val = st.byVal[i]
			}
			if !val.ok {
				continue
			}
			if a.alpha {
				if a.by != nil {
					e.cmp = val
				}
				continue
			}
			f, ok := strtod(val.b)
			if !ok {
				st.err = errSortScore
				return
			}
			e.score = f
		}
		slices.SortStableFunc(st.elems, func(x, y sortElem) int {
			c := sortCompare(&x, &y, a.alpha, a.by != nil)
			if a.desc {
				c = -c
			}
			return c
		})
	}
	// LIMIT, as Redis clamps it.
	n := int64(len(st.elems))
	start := max(a.start, 0)
	end := n - 1
	if a.cnt >= 0 && a.cnt <= n {
		end = start + a.cnt - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	end = min(end, n-1)
	st.start, st.end = int(start), int(end)
	if st.end < st.start {
		st.start, st.end = 0, -1
	}
	st.gets = make([][]sortVal, len(a.gets))
	for g := range st.gets {
		st.gets[g] = make([]sortVal, st.end-st.start+1)
	}
}

// sortCompare orders two elements as Redis's sortCompare (before DESC).
func sortCompare(x, y *sortElem, alpha, byPattern bool) int {
	switch {
	case !alpha:
		switch {
		case x.score > y.score:
			return 1
		case x.score < y.score:
			return -1
		}
		return bytes.Compare(x.el, y.el)
	case byPattern:
		switch {
		case !x.cmp.ok && !y.cmp.ok:
			return 0
		case !x.cmp.ok:
			return -1
		case !y.cmp.ok:
			return 1
		}
		return bytes.Compare(x.cmp.b, y.cmp.b)
	}
	return bytes.Compare(x.el, y.el)
}

// strtod parses a score as C's strtod does for SORT: leading white space
// allowed, the whole string consumed, "" is 0, NaN and overflow refused.
func strtod(b []byte) (float64, bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	b = b[i:]
	if len(b) == 0 {
		return 0, i == 0
	}
	if n, ok := ParseInt(b); ok {
		return float64(n), true
	}
	return ParseFloat(b)
}

// lookupGets is phase 3 on one shard: the GET values of the output
// range's elements whose keys it owns.
func (st *sortState) lookupGets(c *Ctx, n int) {
	if st.err != "" {
		return
	}
	var kb []byte
	for g, pat := range st.a.gets {
		vals := st.gets[g]
		for i := st.start; i <= st.end; i++ {
			if v, mine := lookupPattern(c, n, pat, st.elems[i].el, &kb); mine {
				vals[i-st.start] = v
			}
		}
	}
}

// outputLen is the number of values SORT returns or stores.
func (st *sortState) outputLen() int {
	n := st.end - st.start + 1
	if len(st.a.gets) > 0 {
		n *= len(st.a.gets)
	}
	return n
}

// each calls f for every output value in order (absent GET values as
// absent).
func (st *sortState) each(f func(v sortVal)) {
	for i := st.start; i <= st.end; i++ {
		if len(st.a.gets) == 0 {
			f(sortVal{b: st.elems[i].el, ok: true})
			continue
		}
		for g, pat := range st.a.gets {
			v := st.gets[g][i-st.start]
			if string(pat) == "#" {
				v = sortVal{b: st.elems[i].el, ok: true}
			}
			f(v)
		}
	}
}

// storeList is phase 4: dst becomes the output as a list (RPUSH through
// the table), or is deleted when the output is empty. Absent GET values
// are stored as empty strings, as Redis does.
func (st *sortState) storeList(c *Ctx, dst []byte) {
	if st.err != "" {
		return
	}
	db := c.Shard.DBs[c.DB]
	db.Delete(dst, c.Now)
	if st.outputLen() == 0 {
		return
	}
	cmd := Lookup([]byte("rpush"))
	if cmd == nil {
		st.err = errSortStore
		return
	}
	args := make([][]byte, 2, 2+st.outputLen())
	args[0], args[1] = []byte("rpush"), dst
	st.each(func(v sortVal) { args = append(args, v.b) })
	var w proto.Writer
	sc := Ctx{Server: c.Server, Shard: c.Shard, DB: c.DB, Now: c.Now, W: &w}
	cmd.Run(&sc, args)
	if len(w.Buf) > 0 && w.Buf[0] == '-' {
		st.err = string(bytes.TrimSuffix(w.Buf[1:], []byte("\r\n")))
	}
}

func (st *sortState) reply(w *proto.Writer) {
	switch {
	case st.err != "":
		w.Error(st.err)
	case st.a.store != nil:
		w.Int(int64(st.outputLen()))
	default:
		w.ArrayLen(st.outputLen())
		st.each(func(v sortVal) {
			if v.ok {
				w.Bulk(v.b)
			} else {
				w.Null()
			}
		})
	}
}

// txSort plans SORT (readonly: SORT_RO) as described at the top.
func txSort(readonly bool) func(t *Tx, args [][]byte) {
	return func(t *Tx, args [][]byte) {
		a, msg := parseSort(args, readonly)
		if msg != "" {
			t.Error(msg)
			return
		}
		n := t.NumShards()
		if a.store != nil {
			t.AddKey(a.store, true)
		}
		if a.readsKeys() && n > 1 {
			t.SetGlobal()
		}
		st := &sortState{a: a}
		src := t.ShardOf(args[1])
		t.On(src, func(c *Ctx) { st.load(c, args[1]) })
		if a.by != nil {
			t.Each(func(c *Ctx) { st.lookupBy(c, n) })
			t.On(src, func(c *Ctx) { st.order() })
		}
		if a.readsKeys() && len(a.gets) > 0 {
			t.Each(func(c *Ctx) { st.lookupGets(c, n) })
		}
		if a.store != nil {
			dst := a.store
			t.On(t.ShardOf(dst), func(c *Ctx) { st.storeList(c, dst) })
		}
		t.Reply(st.reply)
	}
}
