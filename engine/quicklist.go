package engine

import (
	"encoding/binary"
	"math"
	"strconv"
	"unsafe"
)

// Lists are stored in Redis's own formats, so that memory per element is
// Redis's and a snapshot can write them as RDB quicklist2/listpack nodes
// without re-encoding:
//
//   - A small list is one listpack (EncBlob, OBJECT ENCODING "listpack"):
//     a 6-byte header (total bytes uint32 LE, element count uint16 LE),
//     the entries, and a 0xFF terminator, stored in the key's arena record.
//   - A large list is a quicklist (EncObject, "quicklist"): a deque of
//     nodes, each holding the entries of one listpack (without header and
//     terminator) in a Go byte slice with free space at both ends, so that
//     pushing and popping at either end of the list is O(1) and reaching
//     index i skips whole nodes by their counts.
//
// An entry is listpack's: an encoding header and data (7-bit uint, 13-,
// 16-, 24-, 32- and 64-bit ints, strings with 6-, 12- and 32-bit lengths),
// then "backlen", the header+data length in 1..5 bytes readable from the
// right, which lets a node be walked backwards. A string that is the
// canonical decimal form of an int64 is stored as an integer.

const (
	lpHeaderSize = 6
	lpOverhead   = lpHeaderSize + 1 // header + terminator: lpBytes of an empty listpack
	lpEOF        = 0xFF

	// qlSizeEstimateOverhead is Redis's SIZE_ESTIMATE_OVERHEAD: what a node
	// insertion reserves beyond the element's raw length.
	qlSizeEstimateOverhead = 8
	// qlSizeSafetyLimit is Redis's SIZE_SAFETY_LIMIT for count-limited fills.
	qlSizeSafetyLimit = 8192

	// qlGrowFullNodes is the node count from which a push that starts a
	// new end node gives it its neighbour's buffer size at once.
	qlGrowFullNodes = 4
)

// lpElem is one decoded list element: an integer (isInt) or a string that
// aliases the node or record it was read from.
type lpElem struct {
	s     []byte
	v     int64
	isInt bool
}

// appendTo appends the element's string form to dst.
func (e lpElem) appendTo(dst []byte) []byte {
	if e.isInt {
		return strconv.AppendInt(dst, e.v, 10)
	}
	return append(dst, e.s...)
}

// rawLen is the length of the element's string form.
func (e lpElem) rawLen() int {
	if !e.isInt {
		return len(e.s)
	}
	var buf [20]byte
	return len(strconv.AppendInt(buf[:0], e.v, 10))
}

// lpBacklenSize is the number of bytes lpEncodeBacklen uses for l.
func lpBacklenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// lpIntEncLen is the header+data size of integer v.
func lpIntEncLen(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= -32768 && v <= 32767:
		return 3
	case v >= -8388608 && v <= 8388607:
		return 4
	case v >= -2147483648 && v <= 2147483647:
		return 5
	}
	return 9
}

func lpStrEncLen(n int) int {
	switch {
	case n < 64:
		return 1 + n
	case n < 4096:
		return 2 + n
	}
	return 5 + n
}

// lpEncoded describes how an element will be encoded.
type lpEncoded struct {
	e     []byte
	v     int64
	isInt bool
	enc   int // header + data
	size  int // enc + backlen
}

// lpEncode plans the entry for raw element e.
func lpEncode(e []byte) lpEncoded {
	x := lpEncoded{e: e}
	if len(e) <= 20 {
		if v, ok := ParseInt(e); ok {
			x.v, x.isInt = v, true
			x.enc = lpIntEncLen(v)
			x.size = x.enc + lpBacklenSize(x.enc)
			return x
		}
	}
	x.enc = lpStrEncLen(len(e))
	x.size = x.enc + lpBacklenSize(x.enc)
	return x
}

// lpEntrySize is the full encoded size of raw element e.
func lpEntrySize(e []byte) int { return lpEncode(e).size }

// write encodes x into dst (at least x.size bytes) and returns x.size.
func (x *lpEncoded) write(dst []byte) int {
	if x.isInt {
		v := x.v
		switch x.enc {
		case 1:
			dst[0] = byte(v)
		case 2:
			u := uint64(v) & (1<<13 - 1)
			dst[0] = byte(u>>8) | 0xC0
			dst[1] = byte(u)
		case 3:
			dst[0] = 0xF1
			putInt(dst[1:3], v)
		case 4:
			dst[0] = 0xF2
			putInt(dst[1:4], v)
		case 5:
			dst[0] = 0xF3
			putInt(dst[1:5], v)
		default:
			dst[0] = 0xF4
			putInt(dst[1:9], v)
		}
	} else {
		n := len(x.e)
		switch {
		case n < 64:
			dst[0] = byte(n) | 0x80
			copy(dst[1:], x.e)
		case n < 4096:
			dst[0] = byte(n>>8) | 0xE0
			dst[1] = byte(n)
			copy(dst[2:], x.e)
		default:
			dst[0] = 0xF0
			binary.LittleEndian.PutUint32(dst[1:], uint32(n))
			copy(dst[5:], x.e)
		}
	}
	lpPutBacklen(dst[x.enc:], x.enc)
	return x.size
}

func lpPutBacklen(dst []byte, l int) {
	switch lpBacklenSize(l) {
	case 1:
		dst[0] = byte(l)
	case 2:
		dst[0] = byte(l >> 7)
		dst[1] = byte(l&127) | 128
	case 3:
		dst[0] = byte(l >> 14)
		dst[1] = byte((l>>7)&127) | 128
		dst[2] = byte(l&127) | 128
	case 4:
		dst[0] = byte(l >> 21)
		dst[1] = byte((l>>14)&127) | 128
		dst[2] = byte((l>>7)&127) | 128
		dst[3] = byte(l&127) | 128
	default:
		dst[0] = byte(l >> 28)
		dst[1] = byte((l>>21)&127) | 128
		dst[2] = byte((l>>14)&127) | 128
		dst[3] = byte((l>>7)&127) | 128
		dst[4] = byte(l&127) | 128
	}
}

// lpGet decodes the entry starting at b[p] and returns it and the offset
// of the next entry.
func lpGet(b []byte, p int) (lpElem, int) {
	h := b[p]
	var e lpElem
	var enc int
	switch {
	case h&0x80 == 0:
		e, enc = lpElem{v: int64(h), isInt: true}, 1
	case h&0xC0 == 0x80:
		n := int(h & 0x3F)
		e, enc = lpElem{s: b[p+1 : p+1+n : p+1+n]}, 1+n
	case h&0xE0 == 0xC0:
		u := int64(h&0x1F)<<8 | int64(b[p+1])
		if u >= 1<<12 {
			u -= 1 << 13
		}
		e, enc = lpElem{v: u, isInt: true}, 2
	case h&0xF0 == 0xE0:
		n := int(h&0x0F)<<8 | int(b[p+1])
		e, enc = lpElem{s: b[p+2 : p+2+n : p+2+n]}, 2+n
	case h == 0xF0:
		n := int(binary.LittleEndian.Uint32(b[p+1:]))
		e, enc = lpElem{s: b[p+5 : p+5+n : p+5+n]}, 5+n
	default:
		k := 8
		switch h {
		case 0xF1:
			k = 2
		case 0xF2:
			k = 3
		case 0xF3:
			k = 4
		}
		e, enc = lpElem{v: getInt(b[p+1 : p+1+k]), isInt: true}, 1+k
	}
	return e, p + enc + lpBacklenSize(enc)
}

// lpPrev returns the offset of the entry that ends at b[q] (exclusive).
func lpPrev(b []byte, q int) int {
	p := q - 1
	var l, shift int
	for {
		c := b[p]
		l |= int(c&127) << shift
		if c&128 == 0 {
			break
		}
		shift += 7
		p--
	}
	return q - lpBacklenSize(l) - l
}

// lpEqual reports whether entry e equals raw element x (with x's integer
// reading xi, xIsInt precomputed by lpEncode).
func lpEqual(e lpElem, x *lpEncoded) bool {
	if e.isInt {
		return x.isInt && x.v == e.v
	}
	return !x.isInt && string(e.s) == string(x.e)
}

// listLimits are list-max-listpack-size in force: a byte limit per node
// (negative fill) or an element count limit (positive fill, with the
// 8 KB safety limit on bytes).
type listLimits struct {
	sz  int // bytes per node; 0 = none (count limit instead)
	cnt int // elements per node; 0 = none
}

func limitsOf(fill int64) listLimits {
	if fill >= 0 {
		if fill == 0 {
			fill = 1
		}
		return listLimits{cnt: int(min(fill, 1<<31-1))}
	}
	off := -fill - 1
	if off > 4 {
		off = 4
	}
	return listLimits{sz: 4096 << off}
}

// exceeds is quicklistNodeExceedsLimit: a node (or listpack) of sz bytes
// (lpBytes) and cnt elements is over the limit.
func (l listLimits) exceeds(sz, cnt int) bool {
	if l.sz > 0 {
		return sz > l.sz
	}
	if sz > qlSizeSafetyLimit {
		return true
	}
	return cnt > l.cnt
}

// large is isLargeElement: an element of sz raw bytes gets a node of its
// own (a "plain" node that nothing else joins).
func (l listLimits) large(sz int) bool {
	if l.sz > 0 {
		return sz > l.sz
	}
	return sz > qlSizeSafetyLimit
}

// nodeCap is the buffer size a node grows to before it is full.
func (l listLimits) nodeCap() int {
	if l.sz > 0 {
		return l.sz
	}
	return qlSizeSafetyLimit
}

// qlNode is one quicklist node: the entries of one listpack in b[lo:hi].
type qlNode struct {
	b      []byte
	lo, hi int32
	n      int32 // entries
	plain  bool  // holds one large element; nothing joins it
}

func (n *qlNode) used() int       { return int(n.hi - n.lo) }
func (n *qlNode) entries() []byte { return n.b[n.lo:n.hi:n.hi] }

// sz is the node's size as Redis counts it (lpBytes of its listpack).
func (n *qlNode) sz() int { return n.used() + lpOverhead }

const qlNodeSize = int64(unsafe.Sizeof(qlNode{}))

// quicklistBase is the fixed cost of a quicklist object.
const quicklistBase = int64(unsafe.Sizeof(quicklist{})) + 16

// quicklist is a large list: a deque of nodes kept in arr[off:end] with
// free slots at both ends (O(1) amortised node push at either end).
//
// It belongs to the shard thread that owns the key; views of its elements
// (lpElem.s) alias node buffers and stay valid until the next change to the
// list. mem is its MemBytes: node buffers' capacities plus the node array.
type quicklist struct {
	arr      []qlNode
	off, end int
	count    int64
	mem      int64
}

func newQuicklist() *quicklist { return &quicklist{mem: quicklistBase} }

func (q *quicklist) nodes() []qlNode { return q.arr[q.off:q.end:q.end] }
func (q *quicklist) numNodes() int   { return q.end - q.off }
func (q *quicklist) node(i int) *qlNode {
	return &q.arr[q.off+i]
}

// MemBytes implements Object.
func (q *quicklist) MemBytes() int64 { return q.mem }

// Clone implements Object: an independent deep copy.
func (q *quicklist) Clone() Object {
	c := &quicklist{count: q.count, mem: quicklistBase}
	n := q.numNodes()
	c.arr = make([]qlNode, n)
	c.end = n
	c.mem += int64(n) * qlNodeSize
	for i, nd := range q.nodes() {
		b := make([]byte, nd.used())
		copy(b, nd.entries())
		c.arr[i] = qlNode{b: b, lo: 0, hi: int32(len(b)), n: nd.n, plain: nd.plain}
		c.mem += int64(cap(b))
	}
	return c
}

// regrow re-centres the node array with room for extra more nodes.
func (q *quicklist) regrow(extra int) {
	n := q.numNodes()
	size := 2*n + extra + 4
	arr := make([]qlNode, size)
	off := (size - n) / 2
	copy(arr[off:], q.nodes())
	q.mem += int64(size-len(q.arr)) * qlNodeSize
	q.arr, q.off, q.end = arr, off, off+n
}

// insertNode inserts nd at node index i (0..numNodes).
func (q *quicklist) insertNode(i int, nd qlNode) {
	n := q.numNodes()
	switch {
	case i == 0 && q.off > 0:
		q.off--
	case i == n && q.end < len(q.arr):
		q.end++
	case q.end < len(q.arr) && (q.off == 0 || i >= n/2):
		copy(q.arr[q.off+i+1:q.end+1], q.arr[q.off+i:q.end])
		q.end++
	case q.off > 0:
		copy(q.arr[q.off-1:], q.arr[q.off:q.off+i])
		q.off--
	default:
		q.regrow(1 + n/2)
		q.insertNode(i, nd)
		return
	}
	q.arr[q.off+i] = nd
	q.mem += int64(cap(nd.b))
}

// removeNode drops node i (its elements must already be accounted for in
// count) and releases its buffer.
func (q *quicklist) removeNode(i int) {
	n := q.numNodes()
	q.mem -= int64(cap(q.node(i).b))
	if i < n/2 {
		copy(q.arr[q.off+1:q.off+i+1], q.arr[q.off:q.off+i])
		q.arr[q.off] = qlNode{}
		q.off++
	} else {
		copy(q.arr[q.off+i:q.end-1], q.arr[q.off+i+1:q.end])
		q.end--
		q.arr[q.end] = qlNode{}
	}
	if q.off == q.end {
		q.off, q.end = len(q.arr)/2, len(q.arr)/2
	}
	if len(q.arr) > 64 && q.numNodes()*4 < len(q.arr) {
		q.shrinkArr()
	}
}

func (q *quicklist) shrinkArr() {
	n := q.numNodes()
	size := 2*n + 4
	arr := make([]qlNode, size)
	off := (size - n) / 2
	copy(arr[off:], q.nodes())
	q.mem += int64(size-len(q.arr)) * qlNodeSize
	q.arr, q.off, q.end = arr, off, off+n
}

// nodeRealloc moves nd's entries into a new buffer of newCap bytes with
// front bytes of free space before them.
func (q *quicklist) nodeRealloc(nd *qlNode, newCap, front int) {
	b := make([]byte, newCap)
	u := nd.used()
	copy(b[front:], nd.entries())
	q.mem += int64(newCap - cap(nd.b))
	nd.b, nd.lo, nd.hi = b, int32(front), int32(front+u)
}

// room makes k bytes of free space at the front (front) or back of nd.
// alone says the node is both head and tail of the list (free space is
// then split between both ends, so alternating pushes stay cheap).
func (q *quicklist) room(nd *qlNode, k int, front, alone bool, lim listLimits) {
	if front && int(nd.lo) >= k || !front && cap(nd.b)-int(nd.hi) >= k {
		return
	}
	u := nd.used()
	free := cap(nd.b) - u
	if free < k {
		newCap := max(u+k, min(2*cap(nd.b), lim.nodeCap()), 64)
		free = newCap - u
		lo := 0
		switch {
		case alone && front:
			lo = k + (free-k)/2
		case alone:
			lo = (free - k) / 2
		case front:
			lo = free
		}
		q.nodeRealloc(nd, newCap, lo)
		return
	}
	lo := 0
	switch {
	case alone && front:
		lo = k + (free-k)/2
	case alone:
		lo = (free - k) / 2
	case front:
		lo = free
	}
	copy(nd.b[lo:], nd.entries())
	nd.lo, nd.hi = int32(lo), int32(lo+u)
}

// maybeShrink gives a node whose buffer is mostly empty a smaller one.
func (q *quicklist) maybeShrink(nd *qlNode) {
	c := cap(nd.b)
	if u := nd.used(); c > 256 && u*4 < c {
		nc := max(2*u, 64)
		q.nodeRealloc(nd, nc, (nc-u)/2)
	}
}

// allowInsert is _quicklistNodeAllowInsert for an element of raw size sz.
func (nd *qlNode) allowInsert(sz int, lim listLimits) bool {
	if nd.plain || lim.large(sz) {
		return false
	}
	return !lim.exceeds(nd.sz()+sz+qlSizeEstimateOverhead, int(nd.n)+1)
}

// push adds raw element e at the head (left) or tail of the list.
func (q *quicklist) push(e []byte, left bool, lim listLimits) {
	x := lpEncode(e)
	n := q.numNodes()
	var nd *qlNode
	if n > 0 {
		if left {
			nd = q.node(0)
		} else {
			nd = q.node(n - 1)
		}
		if !nd.allowInsert(len(e), lim) {
			nd = nil
		}
	}
	if nd == nil {
		var b []byte
		plain := lim.large(len(e))
		switch {
		case plain:
			b = make([]byte, x.size)
		case n >= qlGrowFullNodes && !q.node(0).plain && !q.node(n-1).plain:
			// A long list growing at this end: the new node will fill as
			// its neighbour did, so it gets a buffer of the neighbour's
			// size now instead of doubling up to it from 64 bytes (seven
			// reallocations and copies per node, twice the garbage). The
			// cost is at most one node's free space at each end of a list
			// of qlGrowFullNodes or more nodes.
			nb := q.node(0)
			if !left {
				nb = q.node(n - 1)
			}
			b = make([]byte, max(64, x.size, min(cap(nb.b), lim.nodeCap())))
		default:
			b = make([]byte, max(64, min(x.size*4, lim.nodeCap())))
		}
		pos := 0
		if left {
			pos = len(b)
		}
		idx := 0
		if !left {
			idx = n
		}
		q.insertNode(idx, qlNode{b: b, lo: int32(pos), hi: int32(pos), plain: plain})
		nd = q.node(idx)
		n++
	}
	q.room(nd, x.size, left, n == 1, lim)
	if left {
		nd.lo -= int32(x.size)
		x.write(nd.b[nd.lo:])
	} else {
		x.write(nd.b[nd.hi:])
		nd.hi += int32(x.size)
	}
	nd.n++
	q.count++
}

// pop removes up to k elements from the head (left) or tail and passes
// each to sink before it is removed (in pop order).
func (q *quicklist) pop(left bool, k int64, sink *listSink) int64 {
	var done int64
	for done < k && q.count > 0 {
		i := 0
		if !left {
			i = q.numNodes() - 1
		}
		nd := q.node(i)
		for done < k && nd.n > 0 {
			if left {
				e, next := lpGet(nd.b, int(nd.lo))
				sink.put(e)
				nd.lo = int32(next)
			} else {
				p := lpPrev(nd.b, int(nd.hi))
				e, _ := lpGet(nd.b, p)
				sink.put(e)
				nd.hi = int32(p)
			}
			nd.n--
			q.count--
			done++
		}
		if nd.n == 0 {
			q.removeNode(i)
		} else {
			q.maybeShrink(nd)
		}
	}
	return done
}

// locate finds element index i (0 <= i < count): its node and the byte
// offset of its entry in the node's buffer, walking from the nearer end.
func (q *quicklist) locate(i int64) (ni int, p int) {
	if i < q.count/2 {
		for ni = 0; ; ni++ {
			nd := q.node(ni)
			if i < int64(nd.n) {
				return ni, nodeSeek(nd, int(i))
			}
			i -= int64(nd.n)
		}
	}
	r := q.count - 1 - i // index from the tail
	for ni = q.numNodes() - 1; ; ni-- {
		nd := q.node(ni)
		if r < int64(nd.n) {
			return ni, nodeSeek(nd, int(nd.n)-1-int(r))
		}
		r -= int64(nd.n)
	}
}

// nodeSeek returns the buffer offset of entry j of nd, walking from the
// nearer end.
func nodeSeek(nd *qlNode, j int) int {
	if j <= int(nd.n)/2 {
		p := int(nd.lo)
		for ; j > 0; j-- {
			_, p = lpGet(nd.b, p)
		}
		return p
	}
	p := int(nd.hi)
	for k := int(nd.n) - j; k > 0; k-- {
		p = lpPrev(nd.b, p)
	}
	return p
}

// nodeDelete removes the bytes b[a:z] (whole entries, k of them) of node
// ni, moving the shorter side; an emptied node is removed. It returns the
// offset where the removed bytes were (the following entry's offset); with
// shrink the node may then get a smaller buffer (which moves its bytes).
func (q *quicklist) nodeDelete(ni, a, z, k int, shrink bool) int {
	nd := q.node(ni)
	d := z - a
	at := a
	if a-int(nd.lo) < int(nd.hi)-z {
		copy(nd.b[int(nd.lo)+d:], nd.b[nd.lo:a])
		nd.lo += int32(d)
		at = z
	} else {
		copy(nd.b[a:], nd.b[z:nd.hi])
		nd.hi -= int32(d)
	}
	nd.n -= int32(k)
	q.count -= int64(k)
	if nd.n == 0 {
		q.removeNode(ni)
		return 0
	}
	if shrink {
		q.maybeShrink(nd)
	}
	return at
}

// nodeInsertAt writes entry x at buffer offset p of node ni (p is an entry
// boundary), making room by moving the shorter side or growing the buffer.
func (q *quicklist) nodeInsertAt(ni, p int, x *lpEncoded) {
	nd := q.node(ni)
	k := x.size
	rel := p - int(nd.lo)
	frontFree, backFree := int(nd.lo), cap(nd.b)-int(nd.hi)
	switch {
	case frontFree >= k && (rel < nd.used()/2 || backFree < k):
		copy(nd.b[int(nd.lo)-k:], nd.b[nd.lo:p])
		nd.lo -= int32(k)
		p -= k
	case backFree >= k:
		copy(nd.b[p+k:], nd.b[p:nd.hi])
		nd.hi += int32(k)
	default:
		u := nd.used()
		nc := max(u+k, min(2*cap(nd.b), u+k+256))
		b := make([]byte, nc)
		front := (nc - u - k) / 2
		copy(b[front:], nd.b[nd.lo:p])
		copy(b[front+rel+k:], nd.b[p:nd.hi])
		q.mem += int64(nc - cap(nd.b))
		nd.b, nd.lo, nd.hi = b, int32(front), int32(front+u+k)
		p = front + rel
	}
	x.write(nd.b[p:])
	nd.n++
	q.count++
}

// splitNode splits node ni at buffer offset p (an entry boundary, strictly
// inside the node): entries from p on move to a new node ni+1.
func (q *quicklist) splitNode(ni, p int) {
	nd := q.node(ni)
	k := 0
	for r := int(nd.lo); r < p; k++ {
		_, r = lpGet(nd.b, r)
	}
	tail := nd.b[p:nd.hi]
	b := make([]byte, len(tail)+64)
	copy(b[32:], tail)
	right := qlNode{b: b, lo: 32, hi: int32(32 + len(tail)), n: nd.n - int32(k)}
	nd.hi = int32(p)
	nd.n = int32(k)
	q.insertNode(ni+1, right)
	q.maybeShrink(q.node(ni))
}

// insertAt inserts raw element e at buffer offset p of node ni (an entry
// boundary; p == hi appends to the node), as _quicklistInsert does: into
// the node when it has room, else into the neighbour at that edge, else
// into a new node (splitting ni when p is inside it).
func (q *quicklist) insertAt(ni, p int, e []byte, lim listLimits) {
	x := lpEncode(e)
	nd := q.node(ni)
	if nd.allowInsert(len(e), lim) {
		q.nodeInsertAt(ni, p, &x)
		return
	}
	atHead, atTail := p == int(nd.lo), p == int(nd.hi)
	if atTail && ni+1 < q.numNodes() && q.node(ni+1).allowInsert(len(e), lim) {
		q.nodeInsertAt(ni+1, int(q.node(ni+1).lo), &x)
		return
	}
	if atHead && ni > 0 && q.node(ni-1).allowInsert(len(e), lim) {
		q.nodeInsertAt(ni-1, int(q.node(ni-1).hi), &x)
		return
	}
	at := ni
	switch {
	case atTail:
		at = ni + 1
	case atHead:
	default:
		q.splitNode(ni, p)
		at = ni + 1
	}
	b := make([]byte, x.size)
	x.write(b)
	q.insertNode(at, qlNode{b: b, lo: 0, hi: int32(x.size), n: 1, plain: lim.large(len(e))})
	q.count++
}

// appendEntries appends a node holding a copy of the listpack entries ents
// (n of them) at the tail.
func (q *quicklist) appendEntries(ents []byte, n int) {
	b := make([]byte, len(ents))
	copy(b, ents)
	q.insertNode(q.numNodes(), qlNode{b: b, lo: 0, hi: int32(len(b)), n: int32(n)})
	q.count += int64(n)
}

// replace sets element i (0 <= i < count) to raw element e (LSET): in
// place when the node has room, else as a delete and an insert that may
// split the node (quicklistReplaceEntry).
func (q *quicklist) replace(i int64, e []byte, lim listLimits) {
	ni, p := q.locate(i)
	nd := q.node(ni)
	_, z := lpGet(nd.b, p)
	x := lpEncode(e)
	if nd.n == 1 {
		b := make([]byte, x.size)
		x.write(b)
		q.mem += int64(len(b) - cap(nd.b))
		nd.b, nd.lo, nd.hi, nd.plain = b, 0, int32(len(b)), lim.large(len(e))
		return
	}
	fits := !nd.plain && !lim.large(len(e)) &&
		!lim.exceeds(nd.sz()-(z-p)+len(e)+qlSizeEstimateOverhead, int(nd.n))
	at := q.nodeDelete(ni, p, z, 1, false)
	if fits {
		q.nodeInsertAt(ni, at, &x)
		return
	}
	q.insertAt(ni, at, e, lim)
}

// insertByPivot inserts raw element e before (or after) the first entry
// equal to pivot, reporting whether there was one (LINSERT).
func (q *quicklist) insertByPivot(pivot *lpEncoded, e []byte, after bool, lim listLimits) bool {
	for ni := 0; ni < q.numNodes(); ni++ {
		nd := q.node(ni)
		for p := int(nd.lo); p < int(nd.hi); {
			el, z := lpGet(nd.b, p)
			if lpEqual(el, pivot) {
				if after {
					p = z
				}
				q.insertAt(ni, p, e, lim)
				return true
			}
			p = z
		}
	}
	return false
}

// remove deletes entries equal to x (LREM): all when count is 0, else the
// first count from the head (count > 0) or from the tail (count < 0).
// It returns how many it removed.
func (q *quicklist) remove(x *lpEncoded, count int64) int64 {
	limit := count
	if limit < 0 {
		limit = -limit
	}
	if count == math.MinInt64 {
		// Redis negates the count in a C long: it stays negative and
		// never matches the number removed, so every match goes.
		limit = 0
	}
	var removed int64
	if count >= 0 {
		for ni := 0; ni < q.numNodes(); {
			left := int64(0)
			if limit > 0 {
				left = limit - removed
			}
			r, gone := q.compactNode(ni, x, left, false)
			removed += r
			if limit > 0 && removed >= limit {
				break
			}
			if !gone {
				ni++
			}
		}
		return removed
	}
	for ni := q.numNodes() - 1; ni >= 0; ni-- {
		left := int64(0)
		if limit > 0 {
			left = limit - removed
		}
		r, _ := q.compactNode(ni, x, left, true)
		removed += r
		if limit > 0 && removed >= limit {
			break
		}
	}
	return removed
}

// compactNode removes up to max (0: all) entries equal to x from node ni,
// scanning from its head (or tail when backward) and sliding the kept
// entries together. It reports how many it removed and whether the node
// emptied and was removed.
func (q *quicklist) compactNode(ni int, x *lpEncoded, max int64, backward bool) (int64, bool) {
	nd := q.node(ni)
	var removed int64
	if !backward {
		w := int(nd.lo)
		for r := int(nd.lo); r < int(nd.hi); {
			e, next := lpGet(nd.b, r)
			if (max == 0 || removed < max) && lpEqual(e, x) {
				removed++
			} else {
				if w != r {
					copy(nd.b[w:], nd.b[r:next])
				}
				w += next - r
			}
			r = next
		}
		nd.hi = int32(w)
	} else {
		w := int(nd.hi)
		for r := int(nd.hi); r > int(nd.lo); {
			p := lpPrev(nd.b, r)
			e, _ := lpGet(nd.b, p)
			if (max == 0 || removed < max) && lpEqual(e, x) {
				removed++
			} else {
				w -= r - p
				if w != p {
					copy(nd.b[w:], nd.b[p:r])
				}
			}
			r = p
		}
		nd.lo = int32(w)
	}
	if removed == 0 {
		return 0, false
	}
	nd.n -= int32(removed)
	q.count -= removed
	if nd.n == 0 {
		q.removeNode(ni)
		return removed, true
	}
	q.maybeShrink(nd)
	return removed, false
}

// trim drops ltrim elements from the head and rtrim from the tail (LTRIM),
// whole nodes at a time where it can.
func (q *quicklist) trim(ltrim, rtrim int64) {
	for ltrim > 0 && q.count > 0 {
		nd := q.node(0)
		if int64(nd.n) <= ltrim {
			ltrim -= int64(nd.n)
			q.count -= int64(nd.n)
			q.removeNode(0)
			continue
		}
		p := nodeSeek(nd, int(ltrim))
		q.nodeDelete(0, int(nd.lo), p, int(ltrim), true)
		ltrim = 0
	}
	for rtrim > 0 && q.count > 0 {
		last := q.numNodes() - 1
		nd := q.node(last)
		if int64(nd.n) <= rtrim {
			rtrim -= int64(nd.n)
			q.count -= int64(nd.n)
			q.removeNode(last)
			continue
		}
		p := nodeSeek(nd, int(nd.n)-int(rtrim))
		q.nodeDelete(last, p, int(nd.hi), int(rtrim), true)
		rtrim = 0
	}
}
