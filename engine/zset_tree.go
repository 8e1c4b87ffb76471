package engine

import (
	"bytes"
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/zeebo/xxh3"
)

// zsetTree is the large form of a sorted set (OBJECT ENCODING "skiplist"):
// an EncObject held by the shard's ObjectStore once a zset outgrows its
// listpack blob (more than zset-max-listpack-entries members, or a member
// longer than zset-max-listpack-value).
//
// Layout, chosen for memory per member (a Redis skiplist zset costs about
// 100 bytes per member beyond the member's bytes):
//
//   - slab: every member's record, appended: score (8 bytes LE) uvarint(len)
//     member. A record's offset in the slab is the member's id (uint32;
//     offset 0 is a reserved byte, so id 0 means "none"). Deleted records
//     stay in place as garbage until compact rewrites the slab.
//   - table: an open-addressing (linear probing, backward-shift deletion)
//     hash table of ids: member -> id -> record (score). 4 bytes a slot.
//   - an order-statistic B+tree ordered by (score, member): leaves hold
//     (score, id) pairs, inner nodes hold subtree counts and separator keys
//     (a score and the id of a record whose member is the separator's). A
//     separator is a lower bound of its subtree and may name a deleted
//     record (still readable in the slab); compact rebuilds the tree.
//
// About 12/fill bytes of leaf, 4/load bytes of table and 9 bytes of record
// header per member, plus the member: ~30 bytes + len(member).
//
// Ownership: a zsetTree belongs to its shard's thread. Member slices it
// returns alias the slab: valid until the tree's next mutation.
type zsetTree struct {
	slab    []byte
	garbage int // bytes of dead records in slab
	table   []uint32
	count   int

	root     *zinner // height >= 2
	rootLeaf *zleaf  // height == 1
	height   int
	first    *zleaf
	last     *zleaf
	leaves   int // allocated nodes (memory accounting)
	inners   int
}

const (
	zLeafCap    = 126 // a zleaf is 1536 bytes, a Go size class
	zInnerCap   = 64
	zLeafBytes  = int64(unsafe.Sizeof(zleaf{}))
	zInnerBytes = int64(unsafe.Sizeof(zinner{}))
)

// zleaf is a B+tree leaf: entries sorted by (score, member), chained.
type zleaf struct {
	n      int32
	ids    [zLeafCap]uint32
	scores [zLeafCap]float64
	prev   *zleaf
	next   *zleaf
}

// zinner is an inner node: entry i (i >= 1) is a lower bound of kid i;
// counts[i] is the number of members under kid i. Its kids are leaves
// (leaves[i]) on the level above the leaves, else inner nodes (kids[i]).
type zinner struct {
	n      int32
	ids    [zInnerCap]uint32
	counts [zInnerCap]int32
	scores [zInnerCap]float64
	kids   [zInnerCap]*zinner
	leaves [zInnerCap]*zleaf
}

func newZsetTree(capHint int) *zsetTree {
	t := &zsetTree{slab: make([]byte, 1, 1+capHint*16)}
	n := 8
	for n*3 < capHint*4 {
		n <<= 1
	}
	t.table = make([]uint32, n)
	t.rootLeaf = t.newLeaf()
	t.height = 1
	t.first, t.last = t.rootLeaf, t.rootLeaf
	return t
}

func (t *zsetTree) newLeaf() *zleaf {
	t.leaves++
	return &zleaf{}
}

func (t *zsetTree) newInner() *zinner {
	t.inners++
	return &zinner{}
}

// MemBytes implements Object.
func (t *zsetTree) MemBytes() int64 {
	return int64(cap(t.slab)) + int64(len(t.table))*4 + int64(t.leaves)*zLeafBytes + int64(t.inners)*zInnerBytes + 128
}

// Clone implements Object.
func (t *zsetTree) Clone() Object {
	ents := make([]zent, 0, t.count)
	t.each(0, false, func(m []byte, s float64) bool {
		ents = append(ents, zent{m: m, s: s})
		return true
	})
	return zsetTreeFromSorted(ents)
}

// Len is the number of members.
func (t *zsetTree) Len() int { return t.count }

// record accessors

func (t *zsetTree) recScore(id uint32) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(t.slab[id:]))
}

func (t *zsetTree) recMember(id uint32) []byte {
	b := t.slab[id+8:]
	if b[0] < 0x80 {
		n := uint32(b[0])
		return b[1 : 1+n : 1+n]
	}
	n, k := binary.Uvarint(b)
	return b[k : k+int(n) : k+int(n)]
}

func (t *zsetTree) recLen(id uint32) int {
	m := t.recMember(id)
	return 8 + uvarintLen(len(m)) + len(m)
}

func (t *zsetTree) appendRec(m []byte, s float64) uint32 {
	id := len(t.slab)
	if id+8+uvarintLen(len(m))+len(m) > math.MaxUint32 {
		panic("zset: member slab exceeds 4 GiB")
	}
	t.slab = binary.LittleEndian.AppendUint64(t.slab, math.Float64bits(s))
	t.slab = binary.AppendUvarint(t.slab, uint64(len(m)))
	t.slab = append(t.slab, m...)
	return uint32(id)
}

// hash table

func zhash(m []byte) uint64 { return xxh3.Hash(m) }

// find returns the table slot holding m, or -1.
func (t *zsetTree) find(m []byte) int {
	mask := len(t.table) - 1
	for i := int(zhash(m)) & mask; ; i = (i + 1) & mask {
		id := t.table[i]
		if id == 0 {
			return -1
		}
		if bytes.Equal(t.recMember(id), m) {
			return i
		}
	}
}

func (t *zsetTree) tablePut(id uint32) {
	if (t.count+1)*4 > len(t.table)*3 {
		t.rehash(len(t.table) * 2)
	}
	mask := len(t.table) - 1
	i := int(zhash(t.recMember(id))) & mask
	for t.table[i] != 0 {
		i = (i + 1) & mask
	}
	t.table[i] = id
}

func (t *zsetTree) rehash(n int) {
	old := t.table
	t.table = make([]uint32, n)
	mask := n - 1
	for _, id := range old {
		if id == 0 {
			continue
		}
		i := int(zhash(t.recMember(id))) & mask
		for t.table[i] != 0 {
			i = (i + 1) & mask
		}
		t.table[i] = id
	}
}

// tableDel empties slot i, shifting later entries of the probe run back.
func (t *zsetTree) tableDel(i int) {
	mask := len(t.table) - 1
	j := i
	for {
		j = (j + 1) & mask
		id := t.table[j]
		if id == 0 {
			break
		}
		home := int(zhash(t.recMember(id))) & mask
		// move id to i unless its home is cyclically in (i, j]
		var inRange bool
		if i <= j {
			inRange = i < home && home <= j
		} else {
			inRange = i < home || home <= j
		}
		if !inRange {
			t.table[i] = id
			i = j
		}
	}
	t.table[i] = 0
}

// Score returns m's score.
func (t *zsetTree) Score(m []byte) (float64, bool) {
	i := t.find(m)
	if i < 0 {
		return 0, false
	}
	return t.recScore(t.table[i]), true
}

// ordering

// cmpKey compares (s, m) with the tree entry (s2, id2).
func (t *zsetTree) cmpKey(s float64, m []byte, s2 float64, id2 uint32) int {
	if s < s2 {
		return -1
	}
	if s > s2 {
		return 1
	}
	return bytes.Compare(m, t.recMember(id2))
}

// leafPos is the first index in leaf x whose entry is >= (s, m).
func (t *zsetTree) leafPos(x *zleaf, s float64, m []byte) int {
	lo, hi := 0, int(x.n)
	for lo < hi {
		h := (lo + hi) >> 1
		if t.cmpKey(s, m, x.scores[h], x.ids[h]) > 0 {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// kidPos is the kid of inner node x whose range holds (s, m): the last
// i with separator i <= (s, m) (0 when none).
func (t *zsetTree) kidPos(x *zinner, s float64, m []byte) int {
	lo, hi := 1, int(x.n)
	for lo < hi {
		h := (lo + hi) >> 1
		if t.cmpKey(s, m, x.scores[h], x.ids[h]) >= 0 {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo - 1
}

// Insert adds m with score s; m must not be a member.
func (t *zsetTree) Insert(m []byte, s float64) {
	id := t.appendRec(m, s)
	t.tablePut(id)
	t.count++
	t.treeInsert(s, id)
}

func (t *zsetTree) treeInsert(s float64, id uint32) {
	m := t.recMember(id)
	if t.height == 1 {
		r := t.leafInsert(t.rootLeaf, s, m, id)
		if r != nil {
			nr := t.newInner()
			nr.n = 2
			nr.leaves[0], nr.leaves[1] = t.rootLeaf, r
			nr.counts[0], nr.counts[1] = t.rootLeaf.n, r.n
			nr.scores[1], nr.ids[1] = r.scores[0], r.ids[0]
			t.root, t.rootLeaf = nr, nil
			t.height = 2
		}
		return
	}
	right, rs, rid := t.innerInsertAt(t.root, t.height, s, m, id)
	if right != nil {
		nr := t.newInner()
		nr.n = 2
		nr.kids[0], nr.kids[1] = t.root, right
		nr.counts[0] = int32(innerCount(t.root))
		nr.counts[1] = int32(innerCount(right))
		nr.scores[1], nr.ids[1] = rs, rid
		t.root = nr
		t.height++
	}
}

func innerCount(x *zinner) int {
	n := 0
	for i := 0; i < int(x.n); i++ {
		n += int(x.counts[i])
	}
	return n
}

// leafInsert inserts into leaf x; when x splits it returns the new right
// sibling.
func (t *zsetTree) leafInsert(x *zleaf, s float64, m []byte, id uint32) *zleaf {
	p := t.leafPos(x, s, m)
	if x.n < zLeafCap {
		copy(x.scores[p+1:x.n+1], x.scores[p:x.n])
		copy(x.ids[p+1:x.n+1], x.ids[p:x.n])
		x.scores[p], x.ids[p] = s, id
		x.n++
		return nil
	}
	r := t.newLeaf()
	mid := zLeafCap / 2
	if x.next == nil && p == zLeafCap {
		mid = zLeafCap // appending at the very end: keep the old leaf full
	}
	r.n = int32(copy(r.scores[:], x.scores[mid:x.n]))
	copy(r.ids[:], x.ids[mid:x.n])
	x.n = int32(mid)
	r.next, r.prev = x.next, x
	if x.next != nil {
		x.next.prev = r
	} else {
		t.last = r
	}
	x.next = r
	if p < mid || (p == mid && mid < zLeafCap) {
		t.leafInsert(x, s, m, id)
	} else {
		t.leafInsert(r, s, m, id)
	}
	return r
}

// innerInsertAt inserts into the subtree x of height h (>= 2); when x
// splits it returns the new right sibling and its separator.
func (t *zsetTree) innerInsertAt(x *zinner, h int, s float64, m []byte, id uint32) (*zinner, float64, uint32) {
	k := t.kidPos(x, s, m)
	var rl *zleaf
	var ri *zinner
	var rs float64
	var rid uint32
	if h == 2 {
		rl = t.leafInsert(x.leaves[k], s, m, id)
		if rl == nil {
			x.counts[k]++
			return nil, 0, 0
		}
		x.counts[k] = x.leaves[k].n
		rs, rid = rl.scores[0], rl.ids[0]
	} else {
		ri, rs, rid = t.innerInsertAt(x.kids[k], h-1, s, m, id)
		if ri == nil {
			x.counts[k]++
			return nil, 0, 0
		}
		x.counts[k] = int32(innerCount(x.kids[k]))
	}
	if x.n < zInnerCap {
		t.innerPut(x, k+1, ri, rl, rs, rid)
		return nil, 0, 0
	}
	r := t.newInner()
	mid := zInnerCap / 2
	n := int(x.n)
	r.n = int32(copy(r.kids[:], x.kids[mid:n]))
	copy(r.leaves[:], x.leaves[mid:n])
	copy(r.counts[:], x.counts[mid:n])
	copy(r.scores[:], x.scores[mid:n])
	copy(r.ids[:], x.ids[mid:n])
	sepS, sepID := x.scores[mid], x.ids[mid]
	clear(x.kids[mid:n])
	clear(x.leaves[mid:n])
	x.n = int32(mid)
	if k+1 <= mid {
		t.innerPut(x, k+1, ri, rl, rs, rid)
	} else {
		t.innerPut(r, k+1-mid, ri, rl, rs, rid)
	}
	return r, sepS, sepID
}

// innerPut inserts a kid (inner ki or leaf kl) at position i of x.
func (t *zsetTree) innerPut(x *zinner, i int, ki *zinner, kl *zleaf, s float64, id uint32) {
	n := int(x.n)
	copy(x.kids[i+1:n+1], x.kids[i:n])
	copy(x.leaves[i+1:n+1], x.leaves[i:n])
	copy(x.counts[i+1:n+1], x.counts[i:n])
	copy(x.scores[i+1:n+1], x.scores[i:n])
	copy(x.ids[i+1:n+1], x.ids[i:n])
	x.kids[i], x.leaves[i], x.scores[i], x.ids[i] = ki, kl, s, id
	if kl != nil {
		x.counts[i] = kl.n
	} else {
		x.counts[i] = int32(innerCount(ki))
	}
	x.n++
}

// Delete removes m; it reports whether m was a member.
func (t *zsetTree) Delete(m []byte) bool {
	i := t.find(m)
	if i < 0 {
		return false
	}
	id := t.table[i]
	t.treeDelete(t.recScore(id), t.recMember(id))
	t.tableDel(i)
	t.count--
	t.garbage += t.recLen(id)
	t.maybeCompact()
	return true
}

// Update changes member m's score to s (m must be a member).
func (t *zsetTree) Update(m []byte, s float64) {
	id := t.table[t.find(m)]
	old := t.recScore(id)
	if old == s {
		return
	}
	t.treeDelete(old, t.recMember(id))
	binary.LittleEndian.PutUint64(t.slab[id:], math.Float64bits(s))
	t.treeInsert(s, id)
}

func (t *zsetTree) treeDelete(s float64, m []byte) {
	if t.height == 1 {
		t.leafDelete(t.rootLeaf, s, m)
		return
	}
	t.innerDeleteAt(t.root, t.height, s, m)
	for t.height > 1 && t.root.n == 1 {
		old := t.root
		t.inners--
		if t.height == 2 {
			t.rootLeaf, t.root = old.leaves[0], nil
		} else {
			t.root = old.kids[0]
		}
		t.height--
	}
}

func (t *zsetTree) leafDelete(x *zleaf, s float64, m []byte) {
	p := t.leafPos(x, s, m)
	if p >= int(x.n) || x.scores[p] != s || !bytes.Equal(t.recMember(x.ids[p]), m) {
		panic("zset: tree entry missing")
	}
	copy(x.scores[p:], x.scores[p+1:x.n])
	copy(x.ids[p:], x.ids[p+1:x.n])
	x.n--
}

// innerDeleteAt removes (s, m) from subtree x of height h (>= 2) and merges
// an underfull kid with a neighbour.
func (t *zsetTree) innerDeleteAt(x *zinner, h int, s float64, m []byte) {
	k := t.kidPos(x, s, m)
	x.counts[k]--
	var small bool
	if h == 2 {
		t.leafDelete(x.leaves[k], s, m)
		small = x.leaves[k].n < zLeafCap/4
	} else {
		t.innerDeleteAt(x.kids[k], h-1, s, m)
		small = x.kids[k].n < zInnerCap/4
	}
	if small {
		t.rebalance(x, h, k)
	}
}

// rebalance merges kid k of x (height h) with a neighbour when both fit
// in one node, or drops it when it is empty.
func (t *zsetTree) rebalance(x *zinner, h, k int) {
	if h == 2 && x.leaves[k].n == 0 {
		t.unlinkLeaf(x.leaves[k])
		t.leaves--
		t.innerRemove(x, k)
		return
	}
	if h > 2 && x.kids[k].n == 0 {
		t.inners--
		t.innerRemove(x, k)
		return
	}
	j := k + 1
	if j >= int(x.n) {
		j = k - 1
	}
	if j < 0 {
		return
	}
	a, b := min(j, k), max(j, k)
	if h == 2 {
		l, r := x.leaves[a], x.leaves[b]
		if int(l.n+r.n) > zLeafCap*3/4 {
			return
		}
		copy(l.scores[l.n:], r.scores[:r.n])
		copy(l.ids[l.n:], r.ids[:r.n])
		l.n += r.n
		t.unlinkLeaf(r)
		t.leaves--
	} else {
		l, r := x.kids[a], x.kids[b]
		if int(l.n+r.n) > zInnerCap*3/4 {
			return
		}
		// r's unused first separator becomes x's separator for r
		r.scores[0], r.ids[0] = x.scores[b], x.ids[b]
		copy(l.kids[l.n:], r.kids[:r.n])
		copy(l.leaves[l.n:], r.leaves[:r.n])
		copy(l.counts[l.n:], r.counts[:r.n])
		copy(l.scores[l.n:], r.scores[:r.n])
		copy(l.ids[l.n:], r.ids[:r.n])
		l.n += r.n
		t.inners--
	}
	x.counts[a] += x.counts[b]
	t.innerRemove(x, b)
}

func (t *zsetTree) unlinkLeaf(x *zleaf) {
	if x.prev != nil {
		x.prev.next = x.next
	} else {
		t.first = x.next
	}
	if x.next != nil {
		x.next.prev = x.prev
	} else {
		t.last = x.prev
	}
}

func (t *zsetTree) innerRemove(x *zinner, i int) {
	n := int(x.n)
	copy(x.kids[i:], x.kids[i+1:n])
	copy(x.leaves[i:], x.leaves[i+1:n])
	copy(x.counts[i:], x.counts[i+1:n])
	copy(x.scores[i:], x.scores[i+1:n])
	copy(x.ids[i:], x.ids[i+1:n])
	x.kids[n-1], x.leaves[n-1] = nil, nil
	x.n--
}

// maybeCompact rewrites the slab (and rebuilds table and tree) when dead
// records outweigh live ones.
func (t *zsetTree) maybeCompact() {
	if t.garbage < 4096 || t.garbage < len(t.slab)/2 {
		return
	}
	t.rebuild()
}

func (t *zsetTree) rebuild() {
	n := t.count
	slab := make([]byte, 1, len(t.slab)-t.garbage+16)
	scores := make([]float64, 0, n)
	ids := make([]uint32, 0, n)
	for x := t.first; x != nil; x = x.next {
		for i := 0; i < int(x.n); i++ {
			m := t.recMember(x.ids[i])
			id := uint32(len(slab))
			slab = binary.LittleEndian.AppendUint64(slab, math.Float64bits(x.scores[i]))
			slab = binary.AppendUvarint(slab, uint64(len(m)))
			slab = append(slab, m...)
			scores = append(scores, x.scores[i])
			ids = append(ids, id)
		}
	}
	t.slab = slab
	t.garbage = 0
	size := 8
	for size*3 < n*4+4 {
		size <<= 1
	}
	t.count = 0
	t.table = make([]uint32, size)
	for _, id := range ids {
		t.tablePut(id)
		t.count++
	}
	t.bulkLoad(scores, ids)
}

// bulkLoad builds the tree from sorted entries, nodes 7/8 full.
func (t *zsetTree) bulkLoad(scores []float64, ids []uint32) {
	t.leaves, t.inners = 0, 0
	per := zLeafCap * 7 / 8
	var leaves []*zleaf
	var prev *zleaf
	for i := 0; i == 0 || i < len(ids); i += per {
		x := t.newLeaf()
		end := min(i+per, len(ids))
		x.n = int32(copy(x.scores[:], scores[i:end]))
		copy(x.ids[:], ids[i:end])
		x.prev = prev
		if prev != nil {
			prev.next = x
		}
		prev = x
		leaves = append(leaves, x)
	}
	t.first, t.last = leaves[0], leaves[len(leaves)-1]
	if len(leaves) == 1 {
		t.rootLeaf, t.root, t.height = leaves[0], nil, 1
		return
	}
	per = zInnerCap * 7 / 8
	var level []*zinner
	for i := 0; i < len(leaves); i += per {
		x := t.newInner()
		for j, kid := range leaves[i:min(i+per, len(leaves))] {
			x.leaves[j], x.counts[j] = kid, kid.n
			x.scores[j], x.ids[j] = kid.scores[0], kid.ids[0]
			x.n++
		}
		level = append(level, x)
	}
	t.height = 2
	for len(level) > 1 {
		var up []*zinner
		for i := 0; i < len(level); i += per {
			x := t.newInner()
			for j, kid := range level[i:min(i+per, len(level))] {
				x.kids[j], x.counts[j] = kid, int32(innerCount(kid))
				x.scores[j], x.ids[j] = t.minOf(kid, t.height)
				x.n++
			}
			up = append(up, x)
		}
		level = up
		t.height++
	}
	t.root, t.rootLeaf = level[0], nil
}

// Rank returns the 0-based ascending rank of m and its score.
func (t *zsetTree) Rank(m []byte) (int, float64, bool) {
	i := t.find(m)
	if i < 0 {
		return 0, 0, false
	}
	s := t.recScore(t.table[i])
	return t.countBelow(func(s2 float64, id uint32) bool { return t.cmpKey(s, m, s2, id) > 0 }), s, true
}

// countBelow counts the entries e for which below(e) holds; below must
// hold on a prefix of the order (the entries under some bound).
func (t *zsetTree) countBelow(below func(s float64, id uint32) bool) int {
	n := 0
	x := t.rootLeaf
	if t.height > 1 {
		y := t.root
		for h := t.height; ; h-- {
			lo, hi := 1, int(y.n)
			for lo < hi {
				m := (lo + hi) >> 1
				if below(y.scores[m], y.ids[m]) {
					lo = m + 1
				} else {
					hi = m
				}
			}
			k := lo - 1
			for i := 0; i < k; i++ {
				n += int(y.counts[i])
			}
			if h == 2 {
				x = y.leaves[k]
				break
			}
			y = y.kids[k]
		}
	}
	lo, hi := 0, int(x.n)
	for lo < hi {
		m := (lo + hi) >> 1
		if below(x.scores[m], x.ids[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return n + lo
}

// seek returns the leaf and index of the entry at ascending rank r
// (0 <= r < Len).
func (t *zsetTree) seek(r int) (*zleaf, int) {
	if t.height == 1 {
		return t.rootLeaf, r
	}
	y := t.root
	for h := t.height; ; h-- {
		i := 0
		for ; i < int(y.n)-1 && r >= int(y.counts[i]); i++ {
			r -= int(y.counts[i])
		}
		if h == 2 {
			return y.leaves[i], r
		}
		y = y.kids[i]
	}
}

// each calls fn for the entries from ascending rank start, upwards, or
// downwards when rev, until fn returns false or the entries end.
func (t *zsetTree) each(start int, rev bool, fn func(m []byte, s float64) bool) {
	if start < 0 || start >= t.count {
		return
	}
	x, i := t.seek(start)
	for {
		if !fn(t.recMember(x.ids[i]), x.scores[i]) {
			return
		}
		if rev {
			i--
			for i < 0 {
				if x = x.prev; x == nil {
					return
				}
				i = int(x.n) - 1
			}
		} else {
			i++
			for i >= int(x.n) {
				if x = x.next; x == nil {
					return
				}
				i = 0
			}
		}
	}
}

// check verifies the tree's invariants; it returns "" or what is wrong
// (tests).
func (t *zsetTree) check() string {
	n := 0
	var ps float64
	var pm []byte
	for x := t.first; x != nil; x = x.next {
		for i := 0; i < int(x.n); i++ {
			m := t.recMember(x.ids[i])
			if n > 0 && (x.scores[i] < ps || x.scores[i] == ps && bytes.Compare(pm, m) >= 0) {
				return "leaf order"
			}
			if t.recScore(x.ids[i]) != x.scores[i] {
				return "score mismatch"
			}
			j := t.find(m)
			if j < 0 || t.table[j] != x.ids[i] {
				return "table lookup"
			}
			ps, pm = x.scores[i], m
			n++
		}
	}
	if n != t.count {
		return "count"
	}
	used := 0
	for _, id := range t.table {
		if id != 0 {
			used++
		}
	}
	if used != t.count {
		return "table count"
	}
	if t.height == 1 {
		if int(t.rootLeaf.n) != t.count {
			return "root count"
		}
		return ""
	}
	if innerCount(t.root) != t.count {
		return "root count"
	}
	return t.checkInner(t.root, t.height)
}

func (t *zsetTree) checkInner(x *zinner, h int) string {
	for i := 0; i < int(x.n); i++ {
		var cnt int
		var s float64
		var id uint32
		if h == 2 {
			l := x.leaves[i]
			if l == nil || x.kids[i] != nil {
				return "kid kind"
			}
			cnt = int(l.n)
			if l.n > 0 {
				s, id = l.scores[0], l.ids[0]
			}
		} else {
			k := x.kids[i]
			if k == nil || x.leaves[i] != nil {
				return "kid kind"
			}
			cnt = innerCount(k)
			if msg := t.checkInner(k, h-1); msg != "" {
				return msg
			}
			s, id = t.minOf(k, h-1)
		}
		if cnt != int(x.counts[i]) {
			return "counts"
		}
		if i > 0 && cnt > 0 && t.cmpKey(s, t.recMember(id), x.scores[i], x.ids[i]) < 0 {
			return "separator above subtree"
		}
	}
	return ""
}

func (t *zsetTree) minOf(x *zinner, h int) (float64, uint32) {
	for ; h > 2; h-- {
		x = x.kids[0]
	}
	l := x.leaves[0]
	return l.scores[0], l.ids[0]
}

// zent is one member with its score.
type zent struct {
	m []byte
	s float64
}
