package engine

import (
	"encoding/binary"
	"math"
	"math/bits"
	"sync"

	"github.com/darnerdb/darner/proto"
)

// The HyperLogLog family: PFADD, PFCOUNT, PFMERGE, byte for byte as Redis's
// hyperloglog.c, so an HLL written by either server reads the same on the
// other (GET/SET, DUMP, replication from Redis).
//
// An HLL is a string: a 16-byte header ("HYLL", encoding byte, 3 unused
// bytes, the cached cardinality as a little-endian uint64 whose top bit
// set means "stale"), then the registers: 16384 six-bit registers packed
// LSB first (dense, 12288 bytes), or the run-length sparse form (ZERO
// 00xxxxxx, XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx). Elements are hashed
// with MurmurHash64A (seed 0xadc83b19); the low 14 bits pick the register
// and the run of zeros above them (plus one) is its candidate value. A new
// HLL is sparse and is promoted to dense when a register exceeds 32 or the
// sparse form would exceed hll-sparse-max-bytes (CONFIG, default 3000). The estimate is
// Ertl's improved estimator, as Redis 5+.
//
// Dense HLLs are updated in place in the key's record; sparse ones are
// edited in a pooled scratch buffer and written back.

const (
	hllP             = 14
	hllQ             = 64 - hllP
	hllRegisters     = 1 << hllP
	hllPMask         = hllRegisters - 1
	hllRegisterMax   = 63
	hllHdrSize       = 16
	hllDenseSize     = hllHdrSize + (hllRegisters*6+7)/8
	hllEncDense      = 0
	hllEncSparse     = 1
	hllSparseValMax  = 32
	hllSparseValLen  = 4
	hllSparseZeroLen = 64
	hllAlphaInf      = 0.721347520444481703680 // 0.5/ln(2)

	errNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errInvalidHLL = "INVALIDOBJ Corrupted HLL object detected"

	errWrongTypeText = "WRONGTYPE Operation against a key holding the wrong kind of value"
)

func init() {
	register(
		&Command{Name: "pfadd", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdPfadd,
			Group: "hyperloglog", Summary: "Adds the specified elements to the specified HyperLogLog.", Since: "2.8.9", Complexity: "O(1) to add every element.",
			KeySpecs: []KeySpec{{Flags: []string{"RW", "insert"}, BeginIndex: 1, KeyStep: 1}},
			Args:     "key [element...]"},
		&Command{Name: "pfcount", Arity: -2, Flags: FlagReadonly, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdPfcount, Tx: txPfcount,
			Group: "hyperloglog", Summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", Since: "2.8.9",
			Complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
			KeySpecs: []KeySpec{{Notes: "RW because it may change the internal representation of the key, and propagate to replicas",
				Flags: []string{"RW", "access"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
			Args: "key..."},
		&Command{Name: "pfmerge", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdPfmerge, Tx: txPfmerge,
			Group: "hyperloglog", Summary: "Merge N different HyperLogLogs into a single one.", Since: "2.8.9", Complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
			KeySpecs: []KeySpec{
				{Flags: []string{"RW", "access", "insert"}, BeginIndex: 1, KeyStep: 1},
				{Flags: []string{"RO", "access"}, BeginIndex: 2, LastKey: -1, KeyStep: 1},
			},
			Args: "destkey:k sourcekey:k..."},
	)
}

// hllScratch holds buffers big enough for a dense HLL, for editing sparse
// HLLs and converting them; any shard thread may take one.
var hllScratch = sync.Pool{New: func() any {
	b := make([]byte, 0, hllDenseSize+8)
	return &b
}}

// murmurHash64A is MurmurHash2's 64-bit variant, in the endian-neutral
// form Redis uses (words read little endian).
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	switch len(key) {
	case 7:
		h ^= uint64(key[6]) << 48
		fallthrough
	case 6:
		h ^= uint64(key[5]) << 40
		fallthrough
	case 5:
		h ^= uint64(key[4]) << 32
		fallthrough
	case 4:
		h ^= uint64(key[3]) << 24
		fallthrough
	case 3:
		h ^= uint64(key[2]) << 16
		fallthrough
	case 2:
		h ^= uint64(key[1]) << 8
		fallthrough
	case 1:
		h ^= uint64(key[0])
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element maps to and the length of
// the 000..1 pattern that follows the register bits (1..51).
func hllPatLen(ele []byte) (int, uint8) {
	h := murmurHash64A(ele, 0xadc83b19)
	index := int(h & hllPMask)
	h >>= hllP
	h |= 1 << hllQ
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// Dense registers. regs is the 12288 bytes after the header; register i
// is 6 bits starting at bit 6*i, LSB first.

func hllDenseGet(regs []byte, i int) uint8 {
	b := i * 6 / 8
	fb := uint(i*6) & 7
	v := uint(regs[b]) >> fb
	if b+1 < len(regs) {
		v |= uint(regs[b+1]) << (8 - fb)
	}
	return uint8(v & hllRegisterMax)
}

func hllDenseSetReg(regs []byte, i int, val uint8) {
	b := i * 6 / 8
	fb := uint(i*6) & 7
	v := uint(val)
	regs[b] = byte(uint(regs[b])&^(hllRegisterMax<<fb) | v<<fb)
	if b+1 < len(regs) {
		regs[b+1] = byte(uint(regs[b+1])&^(hllRegisterMax>>(8-fb)) | v>>(8-fb))
	}
}

// hllDenseSet raises register i to count; it reports whether it changed.
func hllDenseSet(regs []byte, i int, count uint8) bool {
	if count > hllDenseGet(regs, i) {
		hllDenseSetReg(regs, i, count)
		return true
	}
	return false
}

func hllDenseHisto(regs []byte, h *[64]int) {
	for r := regs[:hllRegisters*6/8]; len(r) >= 3; r = r[3:] {
		b0, b1, b2 := r[0], r[1], r[2]
		h[b0&63]++
		h[(b0>>6|b1<<2)&63]++
		h[(b1>>4|b2<<4)&63]++
		h[b2>>2]++
	}
}

// Sparse opcodes.

func hllValOp(val, n int) byte { return byte((val-1)<<2|(n-1)) | 0x80 }

// hllOpSpan decodes the opcode at sp[p]: registers covered, opcode bytes,
// and the value (0 for ZERO/XZERO). A truncated XZERO reads its second
// byte as 0, as Redis reads the string's terminator.
func hllOpSpan(sp []byte, p int) (span, oplen, val int) {
	op := sp[p]
	switch {
	case op&0xc0 == 0:
		return int(op&0x3f) + 1, 1, 0
	case op&0x80 != 0:
		return int(op&3) + 1, 1, int(op>>2&0x1f) + 1
	default:
		var lo byte
		if p+1 < len(sp) {
			lo = sp[p+1]
		}
		return (int(op&0x3f)<<8 | int(lo)) + 1, 2, 0
	}
}

// hllSparseHisto adds the registers of sparse opcodes sp to h; it reports
// false when they do not cover exactly 16384 registers.
func hllSparseHisto(sp []byte, h *[64]int) bool {
	idx := 0
	for p := 0; p < len(sp); {
		span, oplen, val := hllOpSpan(sp, p)
		idx += span
		h[val] += span
		p += oplen
	}
	return idx == hllRegisters
}

// hllSigma and hllTau are the helper functions of Ertl's estimator
// ("New cardinality estimation algorithms for HyperLogLog sketches").
// The explicit float64 conversions keep the compiler from fusing
// multiply-adds, so the result matches Redis to the last bit.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zp := z
		z += float64(x * y)
		y += y
		if zp == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if zp == z {
			return z / 3
		}
	}
}

// hllEstimate is the cardinality estimate from a register histogram.
func hllEstimate(h *[64]int) uint64 {
	m := float64(hllRegisters)
	z := float64(m * hllTau((m-float64(h[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(h[0])/m))
	return uint64(math.Round(float64(float64(hllAlphaInf*m)*m) / z))
}

// hllCount computes an HLL value's cardinality; false means a corrupt
// sparse form.
func hllCount(v []byte) (uint64, bool) {
	var h [64]int
	if v[4] == hllEncDense {
		hllDenseHisto(v[hllHdrSize:], &h)
	} else if !hllSparseHisto(v[hllHdrSize:], &h) {
		return 0, false
	}
	return hllEstimate(&h), true
}

// isHLL reports whether a string value is an HLL Redis would accept.
func isHLL(v []byte) bool {
	return len(v) >= hllHdrSize && string(v[:4]) == "HYLL" && v[4] <= hllEncSparse &&
		(v[4] != hllEncDense || len(v) == hllDenseSize)
}

func hllInvalidate(v []byte) { v[15] |= 0x80 }

// hllNew appends an empty sparse HLL to dst: the header and XZERO:16384.
func hllNew(dst []byte) []byte {
	dst = append(dst, 'H', 'Y', 'L', 'L', hllEncSparse, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	return append(dst, 0x40|byte((hllRegisters-1)>>8), byte((hllRegisters-1)&0xff))
}

// hllSparseToDense converts a sparse HLL into a dense one in dst (its
// capacity at least hllDenseSize); false when the sparse form is corrupt.
func hllSparseToDense(v, dst []byte) ([]byte, bool) {
	dst = dst[:hllDenseSize]
	clear(dst)
	copy(dst, v[:hllHdrSize])
	dst[4] = hllEncDense
	regs := dst[hllHdrSize:]
	sp := v[hllHdrSize:]
	idx := 0
	for p := 0; p < len(sp); {
		span, oplen, val := hllOpSpan(sp, p)
		p += oplen
		if span+idx > hllRegisters {
			return dst, false // more registers than an HLL has
		}
		if val == 0 {
			idx += span
			continue
		}
		for ; span > 0; span-- {
			hllDenseSetReg(regs, idx, uint8(val))
			idx++
		}
	}
	return dst, idx == hllRegisters
}

// hllSparseSet raises register index of the sparse HLL in buf (with spare
// capacity) to count, as Redis's hllSparseSet: it returns the new buffer
// and 1 when the register changed, 0 when not, -1 when the HLL is
// corrupt. When the register cannot be stored sparse (count > 32, or the
// string would outgrow maxBytes, hll-sparse-max-bytes) the HLL is promoted: the
// result is dense, built in dense (capacity hllDenseSize).
func hllSparseSet(buf []byte, index int, count uint8, maxBytes int64, dense []byte) ([]byte, int) {
	if count > hllSparseValMax {
		return hllPromote(buf, index, count, dense)
	}
	sp := buf[hllHdrSize:]
	end := len(sp)
	// Step 1: find the opcode covering index.
	p, first, prev, span, oplen := 0, 0, -1, 0, 0
	var val int
	for p < end {
		span, oplen, val = hllOpSpan(sp, p)
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return buf, -1
	}
	next := p + oplen
	isVal := sp[p]&0x80 != 0
	isZero := sp[p]&0xc0 == 0
	runlen := span
	if isVal {
		if val >= int(count) {
			return buf, 0
		}
		if runlen == 1 {
			sp[p] = hllValOp(int(count), 1)
			return hllSparseMerge(buf, prev), 1
		}
	}
	if isZero && runlen == 1 {
		sp[p] = hllValOp(int(count), 1)
		return hllSparseMerge(buf, prev), 1
	}
	// Step 2: split the opcode into up to three.
	var seq [5]byte
	n := 0
	last := first + span - 1
	zeros := func(l int) {
		if l > hllSparseZeroLen {
			seq[n] = 0x40 | byte((l-1)>>8)
			seq[n+1] = byte((l - 1) & 0xff)
			n += 2
		} else {
			seq[n] = byte(l - 1)
			n++
		}
	}
	if !isVal {
		if index != first {
			zeros(index - first)
		}
		seq[n] = hllValOp(int(count), 1)
		n++
		if index != last {
			zeros(last - index)
		}
	} else {
		if index != first {
			seq[n] = hllValOp(val, index-first)
			n++
		}
		seq[n] = hllValOp(int(count), 1)
		n++
		if index != last {
			seq[n] = hllValOp(val, last-index)
			n++
		}
	}
	// Step 3: put the new sequence in place of the old opcode.
	delta := n - oplen
	if delta > 0 && int64(len(buf)+delta) > maxBytes {
		return hllPromote(buf, index, count, dense)
	}
	if cap(buf) < len(buf)+len(seq) {
		buf = append(buf, seq[:]...)[:len(buf)]
		sp = buf[hllHdrSize:]
	}
	next = min(next, end)
	P, N, E := hllHdrSize+p, hllHdrSize+next, len(buf)
	newLen := E + delta
	buf = buf[:max(E, newLen, P+n)]
	copy(buf[N+delta:], buf[N:E])
	copy(buf[P:], seq[:n])
	buf = buf[:newLen]
	return hllSparseMerge(buf, prev), 1
}

// hllSparseMerge merges adjacent VAL opcodes of equal value after an
// update (up to 5 opcodes from prev, as Redis), and marks the cached
// cardinality stale.
func hllSparseMerge(buf []byte, prev int) []byte {
	sp := buf[hllHdrSize:]
	end := len(sp)
	p := max(prev, 0)
	for scan := 5; p < end && scan > 0; {
		scan--
		op := sp[p]
		if op&0xc0 == 0x40 {
			p += 2
			continue
		} else if op&0xc0 == 0 {
			p++
			continue
		}
		if p+1 < end && sp[p+1]&0x80 != 0 {
			v1, v2 := op>>2&0x1f, sp[p+1]>>2&0x1f
			if v1 == v2 {
				l := int(op&3) + int(sp[p+1]&3) + 2
				if l <= hllSparseValLen {
					sp[p+1] = hllValOp(int(v1)+1, l)
					copy(sp[p:], sp[p+1:end])
					end--
					continue
				}
			}
		}
		p++
	}
	buf = buf[:hllHdrSize+end]
	hllInvalidate(buf)
	return buf
}

func hllPromote(buf []byte, index int, count uint8, dense []byte) ([]byte, int) {
	d, ok := hllSparseToDense(buf, dense)
	if !ok {
		return buf, -1
	}
	hllDenseSet(d[hllHdrSize:], index, count)
	return d, 1
}

// hllMerge raises max[i] to every register of the HLL v; false when v is
// a corrupt sparse HLL: opcodes covering fewer or more than 16384
// registers (Redis 7.0.15 and later refuse the overflow at any opcode;
// max may then hold part of v).
func hllMerge(max *[hllRegisters]uint8, v []byte) bool {
	if v[4] == hllEncDense {
		regs := v[hllHdrSize : hllHdrSize+hllRegisters*6/8]
		for i := 0; len(regs) >= 3; i, regs = i+4, regs[3:] {
			b0, b1, b2 := regs[0], regs[1], regs[2]
			if b0|b1|b2 == 0 {
				continue
			}
			m := max[i : i+4 : i+4]
			if x := b0 & 63; x > m[0] {
				m[0] = x
			}
			if x := (b0>>6 | b1<<2) & 63; x > m[1] {
				m[1] = x
			}
			if x := (b1>>4 | b2<<4) & 63; x > m[2] {
				m[2] = x
			}
			if x := b2 >> 2; x > m[3] {
				m[3] = x
			}
		}
		return true
	}
	sp := v[hllHdrSize:]
	i := 0
	for p := 0; p < len(sp); {
		span, oplen, val := hllOpSpan(sp, p)
		p += oplen
		if span+i > hllRegisters {
			return false // more registers than an HLL has
		}
		if val == 0 {
			i += span
			continue
		}
		for ; span > 0; span-- {
			if uint8(val) > max[i] {
				max[i] = uint8(val)
			}
			i++
		}
	}
	return i == hllRegisters
}

// hllLookup finds key's HLL for reading. It returns the value bytes (nil
// when the key is missing) or an error text.
func hllLookup(db *DB, key []byte, now int64) ([]byte, string) {
	v, ok := db.Get(key, now)
	switch {
	case !ok:
		return nil, ""
	case v.Type != TypeString:
		return nil, errWrongTypeText
	case v.Enc != EncRaw || !isHLL(v.Bytes):
		return nil, errNotHLL
	}
	return v.Bytes, ""
}

func cmdPfadd(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	key := args[1]
	cur, msg := hllLookup(db, key, c.Now)
	if msg != "" {
		c.W.Error(msg)
		return
	}
	if cur != nil && cur[4] == hllEncDense {
		// Dense: update the record in place.
		v, _, _, _ := db.MutableString(key, 0, c.Now)
		regs := v[hllHdrSize:]
		updated := false
		for _, e := range args[2:] {
			i, n := hllPatLen(e)
			if hllDenseSet(regs, i, n) {
				updated = true
			}
		}
		if updated {
			hllInvalidate(v)
			c.W.Int(1)
			return
		}
		c.W.Int(0)
		return
	}
	sp := hllScratch.Get().(*[]byte)
	dn := hllScratch.Get().(*[]byte)
	defer hllScratch.Put(sp)
	defer hllScratch.Put(dn)
	updated := 0
	maxBytes := c.Server.Config().HllSparseMaxBytes()
	buf := (*sp)[:0]
	if cur == nil {
		buf = hllNew(buf)
		updated++
	} else {
		buf = append(buf, cur...)
	}
	for _, e := range args[2:] {
		i, n := hllPatLen(e)
		var r int
		if buf[4] == hllEncDense {
			if hllDenseSet(buf[hllHdrSize:], i, n) {
				r = 1
			}
		} else {
			buf, r = hllSparseSet(buf, i, n, maxBytes, *dn)
		}
		if r < 0 {
			if updated > 0 {
				db.put(key, TypeString, EncRaw, buf, 0, SetKeepTTL, c.Now)
			}
			c.W.Error(errInvalidHLL)
			return
		}
		updated += r
	}
	if updated == 0 {
		c.W.Int(0)
		return
	}
	hllInvalidate(buf)
	db.put(key, TypeString, EncRaw, buf, 0, SetKeepTTL, c.Now)
	c.W.Int(1)
}

func cmdPfcount(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	if len(args) == 2 {
		card, msg := opPfcountOne(db, args[1], c.Now)
		if msg != "" {
			c.W.Error(msg)
			return
		}
		c.W.Int(int64(card))
		return
	}
	var max [hllRegisters]uint8
	for _, k := range args[1:] {
		if msg := hllMergeKey(db, k, &max, c.Now, nil); msg != "" {
			c.W.Error(msg)
			return
		}
	}
	c.W.Int(int64(hllCountRaw(&max)))
}

// opPfcountOne is PFCOUNT of one key: the cached cardinality, or a fresh
// one that is then cached in the key's header (in place).
func opPfcountOne(db *DB, key []byte, now int64) (uint64, string) {
	v, msg := hllLookup(db, key, now)
	if msg != "" || v == nil {
		return 0, msg
	}
	if v[15]&0x80 == 0 {
		return binary.LittleEndian.Uint64(v[8:]), ""
	}
	card, ok := hllCount(v)
	if !ok {
		return 0, errInvalidHLL
	}
	v, _, _, _ = db.MutableString(key, 0, now)
	binary.LittleEndian.PutUint64(v[8:], card)
	return card, ""
}

// hllMergeKey merges key's HLL (if any) into max; it returns an error
// text for a non-HLL or corrupt value. dense, when not nil, is set when
// the HLL is dense.
func hllMergeKey(db *DB, key []byte, max *[hllRegisters]uint8, now int64, dense *bool) string {
	v, msg := hllLookup(db, key, now)
	if msg != "" || v == nil {
		return msg
	}
	if dense != nil && v[4] == hllEncDense {
		*dense = true
	}
	if !hllMerge(max, v) {
		return errInvalidHLL
	}
	return ""
}

// hllCountRaw is the estimate for registers held one per byte.
func hllCountRaw(max *[hllRegisters]uint8) uint64 {
	var h [64]int
	for _, r := range max {
		h[r&63]++
	}
	return hllEstimate(&h)
}

// hllMultiState is the shared state of a PFCOUNT/PFMERGE tx: per-shard
// register maxima (each Each function writes only its own shard's), and
// per-key error texts by argument index.
type hllMultiState struct {
	max   []*[hllRegisters]uint8
	dense []bool
	errs  []string
}

func newHLLMulti(t *Tx, args [][]byte) *hllMultiState {
	return &hllMultiState{
		max:   make([]*[hllRegisters]uint8, t.NumShards()),
		dense: make([]bool, t.NumShards()),
		errs:  make([]string, len(args)),
	}
}

// mergePhase merges the keys args[from:] that live on c's shard.
func (st *hllMultiState) mergePhase(t *Tx, c *Ctx, args [][]byte, from int) {
	db := c.Shard.DBs[c.DB]
	id := c.Shard.ID
	m := new([hllRegisters]uint8)
	st.max[id] = m
	for i := from; i < len(args); i++ {
		if t.ShardOf(args[i]) != id {
			continue
		}
		st.errs[i] = hllMergeKey(db, args[i], m, c.Now, &st.dense[id])
	}
}

// firstErr is the error Redis would report: that of the first key, in
// argument order, that failed.
func (st *hllMultiState) firstErr() string {
	for _, e := range st.errs {
		if e != "" {
			return e
		}
	}
	return ""
}

// union folds the per-shard maxima into one.
func (st *hllMultiState) union() *[hllRegisters]uint8 {
	var u *[hllRegisters]uint8
	for _, m := range st.max {
		if m == nil {
			continue
		}
		if u == nil {
			u = m
			continue
		}
		for i, x := range m {
			if x > u[i] {
				u[i] = x
			}
		}
	}
	if u == nil {
		u = new([hllRegisters]uint8)
	}
	return u
}

func (st *hllMultiState) anyDense() bool {
	for _, d := range st.dense {
		if d {
			return true
		}
	}
	return false
}

// txPfcount plans PFCOUNT over keys on several shards: every shard merges
// its keys' registers; the coordinator takes the union's estimate.
func txPfcount(t *Tx, args [][]byte) {
	st := newHLLMulti(t, args)
	t.Each(func(c *Ctx) { st.mergePhase(t, c, args, 1) })
	t.Reply(func(w *proto.Writer) {
		if msg := st.firstErr(); msg != "" {
			w.Error(msg)
			return
		}
		w.Int(int64(hllCountRaw(st.union())))
	})
}

// opPfmergeStore writes the union max into dest (creating it sparse when
// missing; dense when useDense), as Redis's PFMERGE: register by register
// through the sparse or dense setter, then the cache marked stale.
func opPfmergeStore(db *DB, dest []byte, max *[hllRegisters]uint8, useDense bool, maxBytes, now int64) string {
	cur, msg := hllLookup(db, dest, now)
	if msg != "" {
		return msg
	}
	sp := hllScratch.Get().(*[]byte)
	dn := hllScratch.Get().(*[]byte)
	defer hllScratch.Put(sp)
	defer hllScratch.Put(dn)
	buf := (*sp)[:0]
	if cur == nil {
		buf = hllNew(buf)
	} else {
		buf = append(buf, cur...)
	}
	if useDense && buf[4] == hllEncSparse {
		d, ok := hllSparseToDense(buf, *dn)
		if !ok {
			return errInvalidHLL
		}
		buf = append(buf[:0], d...)
	}
	for i, x := range max {
		if x == 0 {
			continue
		}
		if buf[4] == hllEncDense {
			hllDenseSet(buf[hllHdrSize:], i, x)
		} else {
			var d []byte
			d, _ = hllSparseSet(buf, i, x, maxBytes, *dn)
			if d[4] == hllEncDense && buf[4] != hllEncDense {
				d = append(buf[:0], d...) // keep working in buf
			}
			buf = d
		}
	}
	hllInvalidate(buf)
	db.put(dest, TypeString, EncRaw, buf, 0, SetKeepTTL, now)
	return ""
}

func cmdPfmerge(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	var max [hllRegisters]uint8
	useDense := false
	for _, k := range args[1:] {
		if msg := hllMergeKey(db, k, &max, c.Now, &useDense); msg != "" {
			c.W.Error(msg)
			return
		}
	}
	if msg := opPfmergeStore(db, args[1], &max, useDense, c.Server.Config().HllSparseMaxBytes(), c.Now); msg != "" {
		c.W.Error(msg)
		return
	}
	c.W.OK()
}

// txPfmerge plans PFMERGE over keys on several shards: every shard merges
// its keys' registers (the destination counts as a source), then the
// destination's shard stores the union.
func txPfmerge(t *Tx, args [][]byte) {
	st := newHLLMulti(t, args)
	t.Each(func(c *Ctx) { st.mergePhase(t, c, args, 1) })
	var storeErr string
	t.On(t.ShardOf(args[1]), func(c *Ctx) {
		if st.firstErr() != "" {
			return
		}
		storeErr = opPfmergeStore(c.Shard.DBs[c.DB], args[1], st.union(), st.anyDense(), c.Server.Config().HllSparseMaxBytes(), c.Now)
	})
	t.Reply(func(w *proto.Writer) {
		msg := st.firstErr()
		if msg == "" {
			msg = storeErr
		}
		if msg != "" {
			w.Error(msg)
			return
		}
		w.OK()
	})
}
