package engine

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/darnerdb/darner/proto"
)

// The list family: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LRANGE,
// LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH, LMPOP.
//
// Storage (see quicklist.go): a list is a listpack in its key's arena
// record while it fits list-max-listpack-size, and a quicklist object
// beyond, converting as Redis 7.2 does (listpack -> quicklist when a
// write would exceed the limit; back when a shrinking write leaves one
// node of at most half the limit). An emptied list is deleted.
//
// Shard halves: listPush and listPop are what blocking commands (BLPOP,
// BLMOVE, ...) call on the shard that owns the key; openList gives the
// other operations a view of one list.

func init() {
	const (
		rw = FlagWrite | FlagDenyOOM
	)
	insert := []KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, KeyStep: 1}}
	del := []KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, KeyStep: 1}}
	ro := []KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, KeyStep: 1}}
	roAccess := []KeySpec{{Flags: []string{"RO", "access"}, BeginIndex: 1, KeyStep: 1}}
	update := []KeySpec{{Flags: []string{"RW", "update"}, BeginIndex: 1, KeyStep: 1}}
	delOnly := []KeySpec{{Flags: []string{"RW", "delete"}, BeginIndex: 1, KeyStep: 1}}
	move := []KeySpec{
		{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, KeyStep: 1},
		{Flags: []string{"RW", "insert"}, BeginIndex: 2, KeyStep: 1},
	}
	const pushCx = "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."
	one := func(name string, arity int, f Flags, specs []KeySpec, run func(*Ctx, [][]byte), summary, since, cx string) *Command {
		return &Command{Name: name, Arity: arity, Flags: f, FirstKey: 1, LastKey: 1, Step: 1, Run: run,
			KeySpecs: specs, Group: "list", Summary: summary, Since: since, Complexity: cx}
	}
	register(
		one("lpush", -3, rw|FlagFast, insert, cmdLPush, "Prepend one or multiple elements to a list", "1.0.0", pushCx).withDocs("key element...", [2]string{"2.4.0", "Accepts multiple `element` arguments."}),
		one("rpush", -3, rw|FlagFast, insert, cmdRPush, "Append one or multiple elements to a list", "1.0.0", pushCx).withDocs("key element...", [2]string{"2.4.0", "Accepts multiple `element` arguments."}),
		one("lpushx", -3, rw|FlagFast, insert, cmdLPushX, "Prepend an element to a list, only if the list exists", "2.2.0", pushCx).withDocs("key element...", [2]string{"4.0.0", "Accepts multiple `element` arguments."}),
		one("rpushx", -3, rw|FlagFast, insert, cmdRPushX, "Append an element to a list, only if the list exists", "2.2.0", pushCx).withDocs("key element...", [2]string{"4.0.0", "Accepts multiple `element` arguments."}),
		one("lpop", -2, FlagWrite|FlagFast, del, cmdLPop, "Remove and get the first elements in a list", "1.0.0", "O(N) where N is the number of elements returned").withDocs("key [count]{6.2.0}", [2]string{"6.2.0", "Added the `count` argument."}),
		one("rpop", -2, FlagWrite|FlagFast, del, cmdRPop, "Remove and get the last elements in a list", "1.0.0", "O(N) where N is the number of elements returned").withDocs("key [count]{6.2.0}", [2]string{"6.2.0", "Added the `count` argument."}),
		one("llen", 2, FlagReadonly|FlagFast, ro, cmdLLen, "Get the length of a list", "1.0.0", "O(1)").withDocs("key"),
		one("lrange", 4, FlagReadonly, roAccess, cmdLRange, "Get a range of elements from a list", "1.0.0",
			"O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.").withDocs("key start:i stop:i"),
		one("lindex", 3, FlagReadonly, roAccess, cmdLIndex, "Get an element from a list by its index", "1.0.0",
			"O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).").withDocs("key index:i"),
		one("lset", 4, rw, update, cmdLSet, "Set the value of an element in a list by its index", "1.0.0",
			"O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).").withDocs("key index:i element"),
		one("linsert", 5, rw, insert, cmdLInsert, "Insert an element before or after another element in a list", "2.2.0",
			"O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).").withDocs("key (BEFORE | AFTER){where} pivot element"),
		one("lrem", 4, FlagWrite, delOnly, cmdLRem, "Remove elements from a list", "1.0.0",
			"O(N+M) where N is the length of the list and M is the number of elements removed.").withDocs("key count element"),
		one("ltrim", 4, FlagWrite, delOnly, cmdLTrim, "Trim a list to the specified range", "1.0.0",
			"O(N) where N is the number of elements to be removed by the operation.").withDocs("key start:i stop:i"),
		one("lpos", -3, FlagReadonly, roAccess, cmdLPos, "Return the index of matching elements on a list", "6.0.6",
			"O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.").withDocs("key element [RANK rank:i] [COUNT num-matches:i] [MAXLEN len:i]"),
		&Command{Name: "lmove", Arity: 5, Flags: rw, FirstKey: 1, LastKey: 2, Step: 1, KeySpecs: move,
			Run: cmdLMove, Tx: txLMove, Group: "list",
			Summary: "Pop an element from a list, push it to another list and return it", Since: "6.2.0", Complexity: "O(1)",
			Args: "source destination (LEFT | RIGHT){wherefrom} (LEFT | RIGHT){whereto}"},
		&Command{Name: "rpoplpush", Arity: 3, Flags: rw, FirstKey: 1, LastKey: 2, Step: 1, KeySpecs: move,
			Run: cmdRPopLPush, Tx: txRPopLPush, Group: "list",
			Summary: "Remove the last element in a list, prepend it to another list and return it", Since: "1.2.0", Complexity: "O(1)",
			Args: "source destination", DeprecatedSince: "6.2.0", ReplacedBy: "`LMOVE` with the `RIGHT` and `LEFT` arguments"},
		&Command{Name: "lmpop", Arity: -4, Flags: FlagWrite | FlagMovableKeys,
			KeySpecs: []KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
			Run:      cmdLMPop, Tx: txLMPop, Group: "list",
			Summary: "Pop elements from a list", Since: "7.0.0",
			Complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
			Args:       "numkeys key... (LEFT | RIGHT){where} [COUNT count]"},
	)
	RegisterType(TypeList, TypeOps{Encoding: listEncoding, Elements: listElements})
}

func listEncoding(sh *Shard, v Value) string {
	if v.Enc == EncObject {
		return "quicklist"
	}
	return "listpack"
}

func listElements(sh *Shard, v Value) [][]byte {
	var tmp [1]qlNode
	var nodes []qlNode
	var count int64
	if v.Enc == EncObject {
		q := sh.Objects.Get(v.Obj).(*quicklist)
		nodes, count = q.nodes(), q.count
	} else {
		tmp[0] = blobNode(v.Bytes)
		nodes, count = tmp[:], int64(tmp[0].n)
	}
	out := make([][]byte, 0, count)
	it := listIter{nodes: nodes}
	it.seek(count, 0)
	for e, ok := it.next(); ok; e, ok = it.next() {
		if e.isInt {
			out = append(out, e.appendTo(nil))
		} else {
			out = append(out, e.s)
		}
	}
	return out
}

// Listpack (EncBlob) header access.

func lpCount(blob []byte) int { return int(binary.LittleEndian.Uint16(blob[4:])) }

func lpSetHeader(blob []byte, count int) {
	binary.LittleEndian.PutUint32(blob, uint32(len(blob)))
	binary.LittleEndian.PutUint16(blob[4:], uint16(count))
}

// blobNode views a listpack's entries as a node (read-only).
func blobNode(blob []byte) qlNode {
	return qlNode{b: blob, lo: lpHeaderSize, hi: int32(len(blob) - 1), n: int32(lpCount(blob))}
}

// lpFromNodes builds a listpack of the entries of nodes (count elements).
func lpFromNodes(nodes []qlNode, count int64) []byte {
	n := lpOverhead
	for i := range nodes {
		n += nodes[i].used()
	}
	b := make([]byte, n)
	p := lpHeaderSize
	for i := range nodes {
		p += copy(b[p:], nodes[i].entries())
	}
	b[p] = lpEOF
	lpSetHeader(b, int(count))
	return b
}

// listStatus is the outcome of opening a list.
type listStatus uint8

const (
	listOK listStatus = iota
	listMissing
	listWrongType
)

// listRef is one list opened for a command on its owning shard: a view
// that is valid until the command changes the DB other than through it.
type listRef struct {
	db  *DB
	key []byte
	v   Value      // EncBlob: v.Bytes is the listpack
	loc blobLoc    // EncBlob
	q   *quicklist // EncObject
	now int64
}

// openList opens the list at key. Expired keys are missing.
func openList(db *DB, key []byte, now int64) (listRef, listStatus) {
	var l listRef
	st := l.open(db, key, now)
	return l, st
}

// open is openList filling l in place (the hot commands' form: a listRef
// is 15 words, and returning it by value copies it twice).
func (l *listRef) open(db *DB, key []byte, now int64) listStatus {
	v, loc, ok := db.lookupLoc(key, now)
	if !ok {
		return listMissing
	}
	if v.Type != TypeList {
		return listWrongType
	}
	l.db, l.key, l.v, l.loc, l.now = db, key, v, loc, now
	if v.Enc == EncObject {
		l.q = db.objs.Get(v.Obj).(*quicklist)
	}
	return listOK
}

func (l *listRef) length() int64 {
	if l.q != nil {
		return l.q.count
	}
	return int64(lpCount(l.v.Bytes))
}

// view returns the list's nodes for reading (tmp holds a listpack's node).
func (l *listRef) view(tmp *[1]qlNode) []qlNode {
	if l.q != nil {
		return l.q.nodes()
	}
	tmp[0] = blobNode(l.v.Bytes)
	return tmp[:]
}

// toQuicklist converts a listpack list into a quicklist (keeping its TTL).
func (l *listRef) toQuicklist() {
	q := newQuicklist()
	if n := lpCount(l.v.Bytes); n > 0 {
		nd := blobNode(l.v.Bytes)
		q.appendEntries(nd.entries(), n)
	}
	l.bind(q)
}

// bind stores q as the key's value (keeping the TTL).
func (l *listRef) bind(q *quicklist) {
	h := l.db.objs.Put(q)
	l.db.SetObject(l.key, TypeList, h, 0, SetKeepTTL, l.now)
	l.q = q
	l.v = Value{Type: TypeList, Enc: EncObject, Obj: h}
}

// edit runs fn on the list as a quicklist and stores the result: a
// quicklist list is changed in place (its byte change reported to the DB);
// a listpack list is copied into a temporary quicklist, and written back
// as a listpack unless grow says it must become a quicklist. An emptied
// list is deleted; a quicklist that shrank converts back when small.
// fn reports whether it changed the list.
func (l *listRef) edit(growBytes int, shrinking bool, lim listLimits, fn func(q *quicklist) bool) {
	if l.q == nil {
		blob := l.v.Bytes
		if growBytes > 0 && lim.exceeds(len(blob)+growBytes, lpCount(blob)+1) {
			l.toQuicklist()
		} else {
			q := newQuicklist()
			nd := blobNode(blob)
			if nd.n > 0 {
				q.appendEntries(nd.entries(), int(nd.n))
			}
			if !fn(q) {
				return
			}
			if q.count == 0 {
				l.db.Delete(l.key, l.now)
				return
			}
			l.db.SetBlob(l.key, TypeList, lpFromNodes(q.nodes(), q.count), 0, SetKeepTTL, l.now)
			return
		}
	}
	before := l.q.mem
	changed := fn(l.q)
	l.db.AdjustObjectBytes(l.q.mem - before)
	if changed {
		l.afterShrink(shrinking, lim)
	}
}

// afterShrink deletes an emptied quicklist list, or converts it back to a
// listpack when it has one packed node within half the limits
// (listTypeTryConvertQuicklist with shrinking).
func (l *listRef) afterShrink(shrinking bool, lim listLimits) {
	q := l.q
	if q.count == 0 {
		l.db.Delete(l.key, l.now)
		return
	}
	if !shrinking || q.numNodes() != 1 || q.node(0).plain {
		return
	}
	nd := q.node(0)
	if lim.sz > 0 && nd.sz() > lim.sz/2 || lim.cnt > 0 && q.count > int64(lim.cnt/2) {
		return
	}
	l.db.SetBlob(l.key, TypeList, lpFromNodes(q.nodes(), q.count), 0, SetKeepTTL, l.now)
	l.q = nil
}

// push adds elems (in argument order) at the head (left) or tail.
func (l *listRef) push(elems [][]byte, left bool, lim listLimits) {
	if l.q == nil {
		blob := l.v.Bytes
		cnt := lpCount(blob)
		raw, total := 0, 0
		for _, e := range elems {
			raw += len(e)
			total += lpEntrySize(e)
		}
		if !lim.exceeds(len(blob)+raw, cnt+len(elems)) {
			pos := lpHeaderSize
			if !left {
				pos = len(blob) - 1
			}
			nb := l.db.blobSplice(l.loc, pos, pos, total)
			lpWriteEntries(nb[pos:pos+total], elems, left)
			lpSetHeader(nb, cnt+len(elems))
			l.v.Bytes = nb
			return
		}
		l.toQuicklist()
	}
	before := l.q.mem
	for _, e := range elems {
		l.q.push(e, left, lim)
	}
	l.db.AdjustObjectBytes(l.q.mem - before)
}

// lpWriteEntries encodes elems into dst (exactly their size): in order,
// or reversed for a head push (LPUSH a b c puts c first).
func lpWriteEntries(dst []byte, elems [][]byte, left bool) {
	if left {
		w := len(dst)
		for _, e := range elems {
			x := lpEncode(e)
			w -= x.size
			x.write(dst[w:])
		}
		return
	}
	w := 0
	for _, e := range elems {
		x := lpEncode(e)
		w += x.write(dst[w:])
	}
}

// pop removes up to n elements from the head (left) or tail, passing each
// to sink in pop order before it is removed; it deletes an emptied list.
func (l *listRef) pop(left bool, n int64, lim listLimits, sink *listSink) int64 {
	if l.q == nil {
		blob := l.v.Bytes
		cnt := int64(lpCount(blob))
		k := min(n, cnt)
		a, z := lpHeaderSize, len(blob)-1
		if left {
			for i := int64(0); i < k; i++ {
				e, next := lpGet(blob, a)
				sink.put(e)
				a = next
			}
			// the popped range is [lpHeaderSize, a)
			if k == cnt {
				l.db.Delete(l.key, l.now)
				return k
			}
			nb := l.db.blobSplice(l.loc, lpHeaderSize, a, 0)
			lpSetHeader(nb, int(cnt-k))
			l.v.Bytes = nb
			return k
		}
		for i := int64(0); i < k; i++ {
			p := lpPrev(blob, z)
			e, _ := lpGet(blob, p)
			sink.put(e)
			z = p
		}
		if k == cnt {
			l.db.Delete(l.key, l.now)
			return k
		}
		nb := l.db.blobSplice(l.loc, z, len(blob)-1, 0)
		lpSetHeader(nb, int(cnt-k))
		l.v.Bytes = nb
		return k
	}
	before := l.q.mem
	k := l.q.pop(left, n, sink)
	l.db.AdjustObjectBytes(l.q.mem - before)
	l.afterShrink(true, lim)
	return k
}

// listSink receives popped elements: as bulk replies to w, or (w == nil)
// as copies appended to vals.
type listSink struct {
	w    *proto.Writer
	vals [][]byte
}

func (s *listSink) put(e lpElem) {
	if s.w != nil {
		if e.isInt {
			s.w.BulkInt(e.v)
		} else {
			s.w.Bulk(e.s)
		}
		return
	}
	s.vals = append(s.vals, e.appendTo(make([]byte, 0, e.rawLen())))
}

// listPush is the shard half of the push commands (and of the push side
// of LMOVE/BLMOVE): it pushes elems, in argument order, at the head (left)
// or tail of the list at key, creating the key unless onlyIfExists. It
// returns the list's new length (0 with listMissing when onlyIfExists and
// there is no list), or listWrongType. elems may alias anything except
// the DB's own memory. It runs on the shard that owns key.
func listPush(db *DB, key []byte, left bool, elems [][]byte, onlyIfExists bool, lim listLimits, now int64) (int64, listStatus) {
	var l listRef
	switch st := l.open(db, key, now); st {
	case listWrongType:
		return 0, st
	case listMissing:
		if onlyIfExists {
			return 0, st
		}
		raw, total := 0, 0
		for _, e := range elems {
			raw += len(e)
			total += lpEntrySize(e)
		}
		if !lim.exceeds(lpOverhead+raw, len(elems)) {
			b := db.blobCreate(key, TypeList, lpOverhead+total)
			lpWriteEntries(b[lpHeaderSize:lpHeaderSize+total], elems, left)
			b[len(b)-1] = lpEOF
			lpSetHeader(b, len(elems))
			return int64(len(elems)), listOK
		}
		q := newQuicklist()
		for _, e := range elems {
			q.push(e, left, lim)
		}
		db.SetObject(key, TypeList, db.objs.Put(q), 0, 0, now)
		return q.count, listOK
	}
	l.push(elems, left, lim)
	return l.length(), listOK
}

// listPop is the shard half of the pop commands (LPOP/RPOP, LMPOP, and
// BLPOP/BRPOP/BLMPOP when they are served): it removes up to n elements
// from the head (left) or tail of the list at key, passing each to sink in
// pop order, and deletes the key when the list empties. It returns how
// many it popped, or listMissing / listWrongType (nothing popped). It runs
// on the shard that owns key.
func listPop(db *DB, key []byte, left bool, n int64, lim listLimits, now int64, sink *listSink) (int64, listStatus) {
	var l listRef
	if st := l.open(db, key, now); st != listOK {
		return 0, st
	}
	return l.pop(left, n, lim, sink), listOK
}

// listLimitsOf reads list-max-listpack-size for a command.
func listLimitsOf(srv *Server) listLimits {
	if srv == nil {
		return limitsOf(-2)
	}
	return limitsOf(srv.Config().ListMaxListpackSize())
}

// listIter walks a list's nodes forward or backward.
type listIter struct {
	nodes []qlNode
	ni    int
	p     int // next entry's offset (forward) / end of the previous entry (backward)
}

// seek positions the iterator at element i (0 <= i < count; i == count
// positions it at the end) for walking forward, from the nearer end.
func (it *listIter) seek(count, i int64) {
	if i >= count {
		it.ni = len(it.nodes)
		return
	}
	if i < count/2 {
		for it.ni = 0; ; it.ni++ {
			nd := &it.nodes[it.ni]
			if i < int64(nd.n) {
				it.p = nodeSeek(nd, int(i))
				return
			}
			i -= int64(nd.n)
		}
	}
	r := count - 1 - i
	for it.ni = len(it.nodes) - 1; ; it.ni-- {
		nd := &it.nodes[it.ni]
		if r < int64(nd.n) {
			it.p = nodeSeek(nd, int(nd.n)-1-int(r))
			return
		}
		r -= int64(nd.n)
	}
}

// next returns the element at the position and advances.
func (it *listIter) next() (lpElem, bool) {
	for it.ni < len(it.nodes) {
		nd := &it.nodes[it.ni]
		if it.p < int(nd.hi) {
			e, np := lpGet(nd.b, it.p)
			it.p = np
			return e, true
		}
		it.ni++
		if it.ni < len(it.nodes) {
			it.p = int(it.nodes[it.ni].lo)
		}
	}
	return lpElem{}, false
}

// seekEnd positions the iterator after the last element for walking
// backward.
func (it *listIter) seekEnd() {
	it.ni = len(it.nodes) - 1
	if it.ni >= 0 {
		it.p = int(it.nodes[it.ni].hi)
	}
}

// prev returns the element before the position and moves back.
func (it *listIter) prev() (lpElem, bool) {
	for it.ni >= 0 {
		nd := &it.nodes[it.ni]
		if it.p > int(nd.lo) {
			it.p = lpPrev(nd.b, it.p)
			e, _ := lpGet(nd.b, it.p)
			return e, true
		}
		it.ni--
		if it.ni >= 0 {
			it.p = int(it.nodes[it.ni].hi)
		}
	}
	return lpElem{}, false
}

func writeElem(w *proto.Writer, e lpElem) {
	if e.isInt {
		w.BulkInt(e.v)
	} else {
		w.Bulk(e.s)
	}
}

// Commands.

// listDB is the running command's database.
func listDB(c *Ctx) *DB { return c.Shard.DBs[c.DB] }

func cmdLPush(c *Ctx, args [][]byte)  { pushCommand(c, args, true, false) }
func cmdRPush(c *Ctx, args [][]byte)  { pushCommand(c, args, false, false) }
func cmdLPushX(c *Ctx, args [][]byte) { pushCommand(c, args, true, true) }
func cmdRPushX(c *Ctx, args [][]byte) { pushCommand(c, args, false, true) }

func pushCommand(c *Ctx, args [][]byte, left, onlyIfExists bool) {
	n, st := listPush(listDB(c), args[1], left, args[2:], onlyIfExists, listLimitsOf(c.Server), c.Now)
	if st == listWrongType {
		c.W.WrongType()
		return
	}
	c.W.Int(n)
}

func cmdLPop(c *Ctx, args [][]byte) { popCommand(c, args, true, "lpop") }
func cmdRPop(c *Ctx, args [][]byte) { popCommand(c, args, false, "rpop") }

func popCommand(c *Ctx, args [][]byte, left bool, name string) {
	if len(args) > 3 {
		c.W.Error(ErrWrongArgs(name))
		return
	}
	hasCount := len(args) == 3
	count := int64(1)
	if hasCount {
		n, ok := ParseInt(args[2])
		if !ok || n < 0 {
			c.W.Error(ErrNotPositive)
			return
		}
		count = n
	}
	var l listRef
	switch l.open(listDB(c), args[1], c.Now) {
	case listMissing:
		if hasCount {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return
	case listWrongType:
		c.W.WrongType()
		return
	}
	if hasCount {
		if count == 0 {
			c.W.ArrayLen(0)
			return
		}
		c.W.ArrayLen(int(min(count, l.length())))
	}
	sink := listSink{w: c.W}
	l.pop(left, count, listLimitsOf(c.Server), &sink)
}

func cmdLLen(c *Ctx, args [][]byte) {
	l, st := openList(listDB(c), args[1], c.Now)
	switch st {
	case listMissing:
		c.W.Int(0)
	case listWrongType:
		c.W.WrongType()
	default:
		c.W.Int(l.length())
	}
}

// normRange is Redis's LRANGE/LTRIM index normalisation: it returns the
// inclusive range, or ok=false when it is empty.
func normRange(start, end, n int64) (int64, int64, bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= n {
		return 0, 0, false
	}
	if end >= n {
		end = n - 1
	}
	return start, end, true
}

func cmdLRange(c *Ctx, args [][]byte) {
	start, ok1 := ParseInt(args[2])
	end, ok2 := ParseInt(args[3])
	if !ok1 || !ok2 {
		c.W.Error(ErrNotInt)
		return
	}
	l, st := openList(listDB(c), args[1], c.Now)
	switch st {
	case listMissing:
		c.W.ArrayLen(0)
		return
	case listWrongType:
		c.W.WrongType()
		return
	}
	n := l.length()
	start, end, ok := normRange(start, end, n)
	if !ok {
		c.W.ArrayLen(0)
		return
	}
	c.W.ArrayLen(int(end - start + 1))
	var tmp [1]qlNode
	it := listIter{nodes: l.view(&tmp)}
	it.seek(n, start)
	for i := start; i <= end; i++ {
		e, _ := it.next()
		writeElem(c.W, e)
	}
}

func cmdLIndex(c *Ctx, args [][]byte) {
	l, st := openList(listDB(c), args[1], c.Now)
	switch st {
	case listMissing:
		c.W.Null()
		return
	case listWrongType:
		c.W.WrongType()
		return
	}
	idx, ok := ParseInt(args[2])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	n := l.length()
	if idx < 0 {
		idx += n
	}
	if idx < 0 || idx >= n {
		c.W.Null()
		return
	}
	var tmp [1]qlNode
	it := listIter{nodes: l.view(&tmp)}
	it.seek(n, idx)
	e, _ := it.next()
	writeElem(c.W, e)
}

func cmdLSet(c *Ctx, args [][]byte) {
	l, st := openList(listDB(c), args[1], c.Now)
	switch st {
	case listMissing:
		c.W.Error(ErrNoSuchKey)
		return
	case listWrongType:
		c.W.WrongType()
		return
	}
	idx, ok := ParseInt(args[2])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	n := l.length()
	if idx < 0 {
		idx += n
	}
	if idx < 0 || idx >= n {
		c.W.Error(ErrIndexRange)
		return
	}
	elem := args[3]
	lim := listLimitsOf(c.Server)
	l.edit(len(elem), true, lim, func(q *quicklist) bool {
		q.replace(idx, elem, lim)
		return true
	})
	c.W.OK()
}

func cmdLInsert(c *Ctx, args [][]byte) {
	var after bool
	switch {
	case EqualFold(args[2], "after"):
		after = true
	case EqualFold(args[2], "before"):
	default:
		c.W.Error(ErrSyntax)
		return
	}
	l, st := openList(listDB(c), args[1], c.Now)
	switch st {
	case listMissing:
		c.W.Int(0)
		return
	case listWrongType:
		c.W.WrongType()
		return
	}
	pivot, elem := lpEncode(args[3]), args[4]
	lim := listLimitsOf(c.Server)
	found := false
	l.edit(len(elem), false, lim, func(q *quicklist) bool {
		found = q.insertByPivot(&pivot, elem, after, lim)
		return found
	})
	if !found {
		c.W.Int(-1)
		return
	}
	c.W.Int(l.lengthAfter())
}

// lengthAfter re-reads the length after an edit (the edit may have
// rewritten or converted the value).
func (l *listRef) lengthAfter() int64 {
	if l.q != nil {
		return l.q.count
	}
	v, ok := l.db.Get(l.key, l.now)
	if !ok {
		return 0
	}
	if v.Enc == EncObject {
		return l.db.objs.Get(v.Obj).(*quicklist).count
	}
	return int64(lpCount(v.Bytes))
}

func cmdLRem(c *Ctx, args [][]byte) {
	count, ok := ParseInt(args[2])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	l, st := openList(listDB(c), args[1], c.Now)
	switch st {
	case listMissing:
		c.W.Int(0)
		return
	case listWrongType:
		c.W.WrongType()
		return
	}
	x := lpEncode(args[3])
	var removed int64
	l.edit(0, true, listLimitsOf(c.Server), func(q *quicklist) bool {
		removed = q.remove(&x, count)
		return removed > 0
	})
	c.W.Int(removed)
}

func cmdLTrim(c *Ctx, args [][]byte) {
	start, ok1 := ParseInt(args[2])
	end, ok2 := ParseInt(args[3])
	if !ok1 || !ok2 {
		c.W.Error(ErrNotInt)
		return
	}
	l, st := openList(listDB(c), args[1], c.Now)
	switch st {
	case listMissing:
		c.W.OK()
		return
	case listWrongType:
		c.W.WrongType()
		return
	}
	n := l.length()
	start, end, ok := normRange(start, end, n)
	var ltrim, rtrim int64
	if ok {
		ltrim, rtrim = start, n-end-1
	} else {
		ltrim = n
	}
	if ltrim > 0 || rtrim > 0 {
		if ltrim == n {
			listDB(c).Delete(args[1], c.Now)
		} else if l.q == nil {
			l.trimBlob(ltrim, rtrim)
		} else {
			l.edit(0, true, listLimitsOf(c.Server), func(q *quicklist) bool {
				q.trim(ltrim, rtrim)
				return true
			})
		}
	}
	c.W.OK()
}

// trimBlob drops ltrim elements from the head and rtrim from the tail of
// a listpack list (leaving at least one), splicing its record.
func (l *listRef) trimBlob(ltrim, rtrim int64) {
	blob := l.v.Bytes
	cnt := lpCount(blob)
	a := lpHeaderSize
	for i := int64(0); i < ltrim; i++ {
		_, a = lpGet(blob, a)
	}
	z := len(blob) - 1
	for i := int64(0); i < rtrim; i++ {
		z = lpPrev(blob, z)
	}
	end := len(blob) - 1
	nb := l.db.blobSplice(l.loc, z, end, 0)
	nb = l.db.blobSplice(l.loc, lpHeaderSize, a, 0)
	lpSetHeader(nb, cnt-int(ltrim)-int(rtrim))
	l.v.Bytes = nb
}

const (
	errRankZero   = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errCountNeg   = "ERR COUNT can't be negative"
	errMaxLenNeg  = "ERR MAXLEN can't be negative"
	errNumKeys    = "ERR numkeys should be greater than 0"
	errCountPosit = "ERR count should be greater than 0"
)

func cmdLPos(c *Ctx, args [][]byte) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case EqualFold(args[j], "rank") && more > 0:
			j++
			v, ok := ParseInt(args[j])
			if !ok {
				c.W.Error(ErrNotInt)
				return
			}
			if v == 0 {
				c.W.Error(errRankZero)
				return
			}
			rank = v
		case EqualFold(args[j], "count") && more > 0:
			j++
			v, ok := ParseInt(args[j])
			if !ok || v < 0 {
				c.W.Error(errCountNeg)
				return
			}
			count = v
		case EqualFold(args[j], "maxlen") && more > 0:
			j++
			v, ok := ParseInt(args[j])
			if !ok || v < 0 {
				c.W.Error(errMaxLenNeg)
				return
			}
			maxlen = v
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	l, st := openList(listDB(c), args[1], c.Now)
	switch st {
	case listMissing:
		if count != -1 {
			c.W.ArrayLen(0)
		} else {
			c.W.Null()
		}
		return
	case listWrongType:
		c.W.WrongType()
		return
	}
	backward := rank < 0
	// Redis negates rank in a C long: LONG_MIN stays negative, which makes
	// every match qualify and (with COUNT) never reach the count.
	noLimit := rank == math.MinInt64
	if backward && !noLimit {
		rank = -rank
	}
	x := lpEncode(args[2])
	n := l.length()
	var tmp [1]qlNode
	it := listIter{nodes: l.view(&tmp)}
	if backward {
		it.seekEnd()
	} else {
		it.seek(n, 0)
	}
	var found []int64
	var index, matches int64
	match := int64(-1)
	for maxlen == 0 || index < maxlen {
		var e lpElem
		var ok bool
		if backward {
			e, ok = it.prev()
		} else {
			e, ok = it.next()
		}
		if !ok {
			break
		}
		if lpEqual(e, &x) {
			matches++
			pos := index
			if backward {
				pos = n - index - 1
			}
			if noLimit || matches >= rank {
				if count == -1 {
					match = pos
					break
				}
				found = append(found, pos)
				if count > 0 && !noLimit && matches-rank+1 >= count {
					break
				}
			}
		}
		index++
	}
	if count != -1 {
		c.W.ArrayLen(len(found))
		for _, p := range found {
			c.W.Int(p)
		}
		return
	}
	if match < 0 {
		c.W.Null()
		return
	}
	c.W.Int(match)
}

// listWhere parses LEFT/RIGHT.
func listWhere(b []byte) (left, ok bool) {
	switch {
	case EqualFold(b, "left"):
		return true, true
	case EqualFold(b, "right"):
		return false, true
	}
	return false, false
}

func cmdLMove(c *Ctx, args [][]byte) {
	from, ok1 := listWhere(args[3])
	if !ok1 {
		c.W.Error(ErrSyntax)
		return
	}
	to, ok2 := listWhere(args[4])
	if !ok2 {
		c.W.Error(ErrSyntax)
		return
	}
	lmoveLocal(c, args[1], args[2], from, to)
}

func cmdRPopLPush(c *Ctx, args [][]byte) { lmoveLocal(c, args[1], args[2], false, true) }

// lmoveLocal is LMOVE with both keys on the running shard.
func lmoveLocal(c *Ctx, src, dst []byte, from, to bool) {
	db := listDB(c)
	dv, dok := db.Get(dst, c.Now)
	dstWrong := dok && dv.Type != TypeList
	l, st := openList(db, src, c.Now)
	switch {
	case st == listMissing:
		c.W.Null()
		return
	case st == listWrongType || dstWrong:
		c.W.WrongType()
		return
	}
	lim := listLimitsOf(c.Server)
	if string(src) == string(dst) && l.length() == 1 {
		// Popping would delete the key (and its TTL) before the push
		// brings it back: the list is unchanged.
		var tmp [1]qlNode
		it := listIter{nodes: l.view(&tmp)}
		it.seek(1, 0)
		e, _ := it.next()
		writeElem(c.W, e)
		return
	}
	// The reply holds the popped element's copy: push from there.
	sink := listSink{w: c.W}
	start := len(c.W.Buf)
	l.pop(from, 1, lim, &sink)
	b := c.W.Buf[start:] // "$<len>\r\n<element>\r\n"
	v := b[bytes.IndexByte(b, '\n')+1 : len(b)-2 : len(b)-2]
	elems := [1][]byte{v}
	listPush(db, dst, to, elems[:], false, lim, c.Now)
}

func txRPopLPush(t *Tx, args [][]byte) { lmoveTx(t, args[1], args[2], false, true) }

func txLMove(t *Tx, args [][]byte) {
	from, ok1 := listWhere(args[3])
	to, ok2 := listWhere(args[4])
	if !ok1 || !ok2 {
		t.Error(ErrSyntax)
		return
	}
	lmoveTx(t, args[1], args[2], from, to)
}

// lmoveTx moves an element between lists on two shards: the destination's
// type is checked first, then the source is popped, then the element is
// pushed; the tx holds both keys throughout.
func lmoveTx(t *Tx, src, dst []byte, from, to bool) {
	var s struct {
		dstWrong bool
		st       listStatus
		popped   bool
		val      []byte
	}
	ds, ss := t.ShardOf(dst), t.ShardOf(src)
	t.On(ds, func(c *Ctx) {
		v, ok := listDB(c).Get(dst, c.Now)
		s.dstWrong = ok && v.Type != TypeList
	})
	t.On(ss, func(c *Ctx) {
		l, st := openList(listDB(c), src, c.Now)
		s.st = st
		if st != listOK || s.dstWrong {
			return
		}
		var sink listSink
		l.pop(from, 1, listLimitsOf(c.Server), &sink)
		s.val, s.popped = sink.vals[0], true
	})
	t.On(ds, func(c *Ctx) {
		if s.popped {
			listPush(listDB(c), dst, to, [][]byte{s.val}, false, listLimitsOf(c.Server), c.Now)
		}
	})
	t.Reply(func(w *proto.Writer) {
		switch {
		case s.st == listMissing:
			w.Null()
		case s.st == listWrongType || s.dstWrong:
			w.WrongType()
		default:
			w.Bulk(s.val)
		}
	})
}

// parseLMPop checks LMPOP's arguments: it returns the keys, the side and
// the count, or an error text.
func parseLMPop(args [][]byte) (keys [][]byte, left bool, count int64, errMsg string) {
	numkeys, ok := ParseInt(args[1])
	if !ok || numkeys < 1 {
		return nil, false, 0, errNumKeys
	}
	if numkeys > int64(len(args)) || 2+numkeys >= int64(len(args)) {
		return nil, false, 0, ErrSyntax
	}
	wi := int(2 + numkeys)
	left, ok = listWhere(args[wi])
	if !ok {
		return nil, false, 0, ErrSyntax
	}
	count = -1
	for j := wi + 1; j < len(args); j++ {
		if count == -1 && EqualFold(args[j], "count") && j+1 < len(args) {
			j++
			v, ok := ParseInt(args[j])
			if !ok || v < 1 {
				return nil, false, 0, errCountPosit
			}
			count = v
			continue
		}
		return nil, false, 0, ErrSyntax
	}
	if count == -1 {
		count = 1
	}
	return args[2:wi], left, count, ""
}

func cmdLMPop(c *Ctx, args [][]byte) {
	keys, left, count, msg := parseLMPop(args)
	if msg != "" {
		c.W.Error(msg)
		return
	}
	db := listDB(c)
	for _, key := range keys {
		l, st := openList(db, key, c.Now)
		switch st {
		case listMissing:
			continue
		case listWrongType:
			c.W.WrongType()
			return
		}
		c.W.ArrayLen(2)
		c.W.Bulk(key)
		c.W.ArrayLen(int(min(count, l.length())))
		sink := listSink{w: c.W}
		l.pop(left, count, listLimitsOf(c.Server), &sink)
		return
	}
	c.W.NullArray()
}

// txLMPop tries each key's shard in argument order; the first non-empty
// list (or the first key of another type) decides.
func txLMPop(t *Tx, args [][]byte) {
	keys, left, count, msg := parseLMPop(args)
	if msg != "" {
		t.Error(msg)
		return
	}
	var s struct {
		done  bool
		wrong bool
		key   []byte
		vals  [][]byte
	}
	for _, key := range keys {
		t.On(t.ShardOf(key), func(c *Ctx) {
			if s.done {
				return
			}
			l, st := openList(listDB(c), key, c.Now)
			switch st {
			case listMissing:
				return
			case listWrongType:
				s.done, s.wrong = true, true
				return
			}
			var sink listSink
			l.pop(left, count, listLimitsOf(c.Server), &sink)
			s.done, s.key, s.vals = true, key, sink.vals
		})
	}
	t.Reply(func(w *proto.Writer) {
		switch {
		case s.wrong:
			w.WrongType()
		case !s.done:
			w.NullArray()
		default:
			w.ArrayLen(2)
			w.Bulk(s.key)
			w.ArrayLen(len(s.vals))
			for _, v := range s.vals {
				w.Bulk(v)
			}
		}
	})
}
