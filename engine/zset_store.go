package engine

import (
	"bytes"
	"encoding/binary"
	"math"
	"sort"
	"sync"
)

// Sorted-set storage: the two encodings behind one read view (zview) and
// one write handle (zmut).
//
// Small zsets are an EncBlob "listpack": entries sorted by (score, member)
// (see zblobAppendScore for an entry's layout). Large ones are a *zsetTree in the shard's
// ObjectStore. A zset converts to the tree when it gets more than
// zset-max-listpack-entries members or a member longer than
// zset-max-listpack-value; it never converts back in place (as Redis),
// but a STORE command's destination takes the encoding its size calls for.

// zscratch is pooled per-command scratch: decoded entries and an encode
// buffer. Entries alias the blob, the tree or args: they must not outlive
// the command (or phase) that filled them.
type zscratch struct {
	ents []zent
	buf  []byte
}

var zscratchPool = sync.Pool{New: func() any { return &zscratch{ents: make([]zent, 0, 130), buf: make([]byte, 0, 1024)} }}

func getZscratch() *zscratch { return zscratchPool.Get().(*zscratch) }

func putZscratch(s *zscratch) {
	if cap(s.ents) > 4096 || cap(s.buf) > 1<<16 {
		return
	}
	clear(s.ents)
	s.ents = s.ents[:0]
	s.buf = s.buf[:0]
	zscratchPool.Put(s)
}

// Blob entries: a score, uvarint(len(member)), the member. A score that
// is an integer of at most 53 bits is uvarint(zigzag(n) << 1); any other
// is the byte 0x01 and the float64 (8 bytes LE). Like a listpack, which
// stores integer scores as integers, this keeps small zsets with integer
// scores near len(member)+3 bytes a member.

const zMaxExactInt = 1 << 53

// zblobAppendScore appends s's encoding. -0 is stored as 0 (Redis's
// listpack stores a score's text, and writes -0 as "0").
func zblobAppendScore(dst []byte, s float64) []byte {
	if s == math.Trunc(s) && s <= zMaxExactInt && s >= -zMaxExactInt {
		n := int64(s)
		return binary.AppendUvarint(dst, uint64(n<<1^n>>63)<<1)
	}
	dst = append(dst, 1)
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(s))
}

// zblobNext decodes the entry of b at i; it returns the member (aliasing
// b), the score and the next entry's offset.
func zblobNext(b []byte, i int) ([]byte, float64, int) {
	var s float64
	if b[i] == 1 {
		s = math.Float64frombits(binary.LittleEndian.Uint64(b[i+1:]))
		i += 9
	} else if b[i] < 0x80 {
		u := uint64(b[i]) >> 1
		s = float64(int64(u>>1) ^ -int64(u&1))
		i++
	} else {
		u, k := binary.Uvarint(b[i:])
		u >>= 1
		s = float64(int64(u>>1) ^ -int64(u&1))
		i += k
	}
	var n uint64
	if b[i] < 0x80 {
		n = uint64(b[i])
		i++
	} else {
		var k int
		n, k = binary.Uvarint(b[i:])
		i += k
	}
	e := i + int(n)
	return b[i:e:e], s, e
}

// zblobDecode appends the entries of blob b to dst; members alias b.
func zblobDecode(dst []zent, b []byte) []zent {
	for i := 0; i < len(b); {
		var e zent
		e.m, e.s, i = zblobNext(b, i)
		dst = append(dst, e)
	}
	return dst
}

// zblobEncode appends the blob of ents (sorted) to dst.
func zblobEncode(dst []byte, ents []zent) []byte {
	for _, e := range ents {
		dst = zblobAppendScore(dst, e.s)
		dst = binary.AppendUvarint(dst, uint64(len(e.m)))
		dst = append(dst, e.m...)
	}
	return dst
}

// zblobScore scans blob b for m without decoding it.
func zblobScore(b, m []byte) (float64, bool) {
	for i := 0; i < len(b); {
		var mm []byte
		var s float64
		mm, s, i = zblobNext(b, i)
		if bytes.Equal(mm, m) {
			return s, true
		}
	}
	return 0, false
}

// zblobLen counts blob b's entries.
func zblobLen(b []byte) int {
	c := 0
	for i := 0; i < len(b); c++ {
		_, _, i = zblobNext(b, i)
	}
	return c
}

// zentCmp orders (s, m) against e.
func zentCmp(s float64, m []byte, e *zent) int {
	if s < e.s {
		return -1
	}
	if s > e.s {
		return 1
	}
	return bytes.Compare(m, e.m)
}

// zentPos is the index where (s, m) goes in sorted ents.
func zentPos(ents []zent, s float64, m []byte) int {
	lo, hi := 0, len(ents)
	for lo < hi {
		h := (lo + hi) >> 1
		if zentCmp(s, m, &ents[h]) > 0 {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

func zentIndex(ents []zent, m []byte) int {
	for i := range ents {
		if bytes.Equal(ents[i].m, m) {
			return i
		}
	}
	return -1
}

// zsortEnts sorts ents by (score, member).
func zsortEnts(ents []zent) {
	sort.Slice(ents, func(i, j int) bool {
		a, b := &ents[i], &ents[j]
		if a.s != b.s {
			return a.s < b.s
		}
		return bytes.Compare(a.m, b.m) < 0
	})
}

// zview reads one zset in either encoding.
type zview struct {
	tree *zsetTree
	ents []zent
}

// zsetLookup finds key's zset. wrong reports a value of another type.
func zsetLookup(db *DB, key []byte, now int64) (v Value, ok, wrong bool) {
	v, ok = db.Get(key, now)
	if ok && v.Type != TypeZSet {
		return v, false, true
	}
	return v, ok, false
}

// zviewOf builds a view of v (a zset value); blob entries are decoded into
// sc.ents.
func zviewOf(db *DB, v Value, sc *zscratch) zview {
	if v.Enc == EncObject {
		return zview{tree: db.Objects().Get(v.Obj).(*zsetTree)}
	}
	sc.ents = zblobDecode(sc.ents[:0], v.Bytes)
	return zview{ents: sc.ents}
}

func (z *zview) Len() int {
	if z.tree != nil {
		return z.tree.Len()
	}
	return len(z.ents)
}

func (z *zview) Score(m []byte) (float64, bool) {
	if z.tree != nil {
		return z.tree.Score(m)
	}
	if i := zentIndex(z.ents, m); i >= 0 {
		return z.ents[i].s, true
	}
	return 0, false
}

// Rank is m's ascending 0-based rank and score.
func (z *zview) Rank(m []byte) (int, float64, bool) {
	if z.tree != nil {
		return z.tree.Rank(m)
	}
	if i := zentIndex(z.ents, m); i >= 0 {
		return i, z.ents[i].s, true
	}
	return 0, 0, false
}

// below counts the entries for which pred holds; pred must hold on a
// prefix of the order.
func (z *zview) below(pred func(s float64, m []byte) bool) int {
	if t := z.tree; t != nil {
		return t.countBelow(func(s float64, id uint32) bool { return pred(s, t.recMember(id)) })
	}
	lo, hi := 0, len(z.ents)
	for lo < hi {
		h := (lo + hi) >> 1
		if pred(z.ents[h].s, z.ents[h].m) {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// each calls fn from ascending rank start, upwards or (rev) downwards,
// until fn returns false.
func (z *zview) each(start int, rev bool, fn func(m []byte, s float64) bool) {
	if z.tree != nil {
		z.tree.each(start, rev, fn)
		return
	}
	if rev {
		for i := start; i >= 0 && i < len(z.ents); i-- {
			if !fn(z.ents[i].m, z.ents[i].s) {
				return
			}
		}
		return
	}
	for i := start; i >= 0 && i < len(z.ents); i++ {
		if !fn(z.ents[i].m, z.ents[i].s) {
			return
		}
	}
}

// at is the entry at ascending rank r.
func (z *zview) at(r int) (m []byte, s float64) {
	if z.tree != nil {
		x, i := z.tree.seek(r)
		return z.tree.recMember(x.ids[i]), x.scores[i]
	}
	return z.ents[r].m, z.ents[r].s
}

// zlimits are the listpack thresholds (zset-max-listpack-entries/value).
type zlimits struct{ entries, value int }

func zlimitsOf(srv *Server) zlimits {
	if srv == nil {
		return zlimits{128, 64}
	}
	cfg := srv.Config()
	return zlimits{int(cfg.ZsetMaxListpackEntries()), int(cfg.ZsetMaxListpackValue())}
}

// zmut changes one zset key. Open it with zsetOpen, change it, then
// commit (which writes the blob back, converts, or deletes an emptied key)
// and release.
type zmut struct {
	db      *DB
	key     []byte
	now     int64
	lim     zlimits
	tree    *zsetTree
	sc      *zscratch
	existed bool
	long    bool // a member longer than lim.value was added
	memWas  int64
	changed bool
	// fresh: tree was built by this change from a compact zset that grew
	// past zset-max-listpack-entries (it is not bound to the key yet).
	fresh bool
}

// zsetOpen opens key for change; a missing key opens as an empty zset (it
// is created by commit only if it got members).
func zsetOpen(db *DB, key []byte, v Value, exists bool, lim zlimits, now int64) zmut {
	z := zmut{db: db, key: key, now: now, lim: lim, sc: getZscratch(), existed: exists}
	if exists {
		if v.Enc == EncObject {
			z.tree = db.Objects().Get(v.Obj).(*zsetTree)
			z.memWas = z.tree.MemBytes()
		} else {
			z.sc.ents = zblobDecode(z.sc.ents[:0], v.Bytes)
		}
	}
	return z
}

func (z *zmut) view() zview {
	if z.tree != nil {
		return zview{tree: z.tree}
	}
	return zview{ents: z.sc.ents}
}

func (z *zmut) Len() int {
	if z.tree != nil {
		return z.tree.Len()
	}
	return len(z.sc.ents)
}

func (z *zmut) Score(m []byte) (float64, bool) {
	v := z.view()
	return v.Score(m)
}

// Insert adds m (not a member). m must stay valid until commit.
func (z *zmut) Insert(m []byte, s float64) {
	z.changed = true
	if z.tree != nil {
		z.tree.Insert(m, s)
		return
	}
	if len(m) > z.lim.value {
		z.long = true
	}
	p := zentPos(z.sc.ents, s, m)
	z.sc.ents = append(z.sc.ents, zent{})
	copy(z.sc.ents[p+1:], z.sc.ents[p:])
	z.sc.ents[p] = zent{m: m, s: s}
	if len(z.sc.ents) > z.lim.entries {
		// Past the compact limit: go on in a tree, as Redis converts
		// mid-command, so one ZADD/GEOADD of many members stays
		// O(n log n) instead of scanning the entries per member.
		z.tree = zsetTreeFromSorted(z.sc.ents)
		z.fresh = true
		z.sc.ents = z.sc.ents[:0]
	}
}

// SetScore changes member m's score.
func (z *zmut) SetScore(m []byte, s float64) {
	z.changed = true
	if z.tree != nil {
		z.tree.Update(m, s)
		return
	}
	i := zentIndex(z.sc.ents, m)
	mm := z.sc.ents[i].m
	z.sc.ents = append(z.sc.ents[:i], z.sc.ents[i+1:]...)
	p := zentPos(z.sc.ents, s, mm)
	z.sc.ents = append(z.sc.ents, zent{})
	copy(z.sc.ents[p+1:], z.sc.ents[p:])
	z.sc.ents[p] = zent{m: mm, s: s}
}

// Remove deletes m; it reports whether m was a member.
func (z *zmut) Remove(m []byte) bool {
	if z.tree != nil {
		ok := z.tree.Delete(m)
		z.changed = z.changed || ok
		return ok
	}
	i := zentIndex(z.sc.ents, m)
	if i < 0 {
		return false
	}
	z.changed = true
	z.sc.ents = append(z.sc.ents[:i], z.sc.ents[i+1:]...)
	return true
}

// RemoveRanks deletes the entries of ascending ranks [lo, hi).
func (z *zmut) RemoveRanks(lo, hi int) {
	if lo >= hi {
		return
	}
	z.changed = true
	if z.tree == nil {
		z.sc.ents = append(z.sc.ents[:lo], z.sc.ents[hi:]...)
		return
	}
	t := z.tree
	if hi-lo == t.Len() {
		*t = *newZsetTree(0)
		return
	}
	// Copy the members out first: deleting may compact the slab.
	var buf []byte
	var ends []int
	t.each(lo, false, func(m []byte, _ float64) bool {
		buf = append(buf, m...)
		ends = append(ends, len(buf))
		return len(ends) < hi-lo
	})
	start := 0
	for _, e := range ends {
		t.Delete(buf[start:e])
		start = e
	}
}

// commit stores the change. It returns whether the key still exists.
func (z *zmut) commit() bool {
	if !z.changed {
		return z.existed
	}
	if z.fresh {
		if z.tree.Len() == 0 {
			if z.existed {
				z.db.Delete(z.key, z.now)
			}
			return false
		}
		z.db.SetObject(z.key, TypeZSet, z.db.Objects().Put(z.tree), 0, SetKeepTTL, z.now)
		return true
	}
	if z.tree != nil {
		z.db.AdjustObjectBytes(z.tree.MemBytes() - z.memWas)
		if z.tree.Len() == 0 {
			z.db.Delete(z.key, z.now)
			return false
		}
		return true
	}
	ents := z.sc.ents
	if len(ents) == 0 {
		if z.existed {
			z.db.Delete(z.key, z.now)
		}
		return false
	}
	zsetStoreEnts(z.db, z.key, ents, z.lim, z.long, SetKeepTTL, z.now, z.sc)
	return true
}

func (z *zmut) release() {
	putZscratch(z.sc)
	z.sc = nil
}

// zsetStoreEnts stores sorted ents at key as a blob or, when they exceed
// the limits (or long is set), a tree. flags are SetKeepTTL to keep the
// key's deadline (changes), 0 to replace the key (STORE commands). sc
// provides the encode buffer (nil: allocate).
func zsetStoreEnts(db *DB, key []byte, ents []zent, lim zlimits, long bool, flags SetFlags, now int64, sc *zscratch) {
	if !long {
		for i := range ents {
			if len(ents[i].m) > lim.value {
				long = true
				break
			}
		}
	}
	if long || len(ents) > lim.entries {
		t := zsetTreeFromSorted(ents)
		h := db.Objects().Put(t)
		db.SetObject(key, TypeZSet, h, 0, flags, now)
		return
	}
	var buf []byte
	if sc != nil {
		sc.buf = zblobEncode(sc.buf[:0], ents)
		buf = sc.buf
	} else {
		buf = zblobEncode(nil, ents)
	}
	db.SetBlob(key, TypeZSet, buf, 0, flags, now)
}

// zsetTreeFromSorted builds a tree from entries sorted by (score, member)
// with distinct members.
func zsetTreeFromSorted(ents []zent) *zsetTree {
	t := newZsetTree(len(ents))
	scores := make([]float64, len(ents))
	ids := make([]uint32, len(ents))
	for i := range ents {
		id := t.appendRec(ents[i].m, ents[i].s)
		t.tablePut(id)
		t.count++
		scores[i], ids[i] = ents[i].s, id
	}
	t.bulkLoad(scores, ids)
	return t
}

// zsetElements lists a zset value's members by ascending score (SORT,
// TypeOps); slices alias shard memory.
func zsetElements(sh *Shard, v Value) [][]byte {
	var out [][]byte
	if v.Enc == EncObject {
		t := sh.Objects.Get(v.Obj).(*zsetTree)
		t.each(0, false, func(m []byte, _ float64) bool {
			out = append(out, m)
			return true
		})
		return out
	}
	for _, e := range zblobDecode(nil, v.Bytes) {
		out = append(out, e.m)
	}
	return out
}

func zsetEncoding(sh *Shard, v Value) string {
	if v.Enc == EncObject {
		return "skiplist"
	}
	return "listpack"
}

func init() {
	RegisterType(TypeZSet, TypeOps{Encoding: zsetEncoding, Elements: zsetElements})
}
