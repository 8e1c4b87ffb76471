package persist

import "errors"

// LZF (liblzf, as Redis's lzf_c.c/lzf_d.c): RDB strings with the
// RDB_ENC_LZF special encoding are LZF-compressed.

var errLZF = errors.New("invalid LZF data")

// lzfDecompress appends the decompression of in to dst, which must expand
// to exactly n bytes.
func lzfDecompress(dst, in []byte, n int) ([]byte, error) {
	base := len(dst)
	if cap(dst)-base < n {
		nd := make([]byte, base, base+n)
		copy(nd, dst)
		dst = nd
	}
	out := dst[:base+n]
	op := base
	for ip := 0; ip < len(in); {
		ctrl := int(in[ip])
		ip++
		if ctrl < 32 { // literal run of ctrl+1 bytes
			l := ctrl + 1
			if ip+l > len(in) || op+l > len(out) {
				return dst, errLZF
			}
			copy(out[op:], in[ip:ip+l])
			op += l
			ip += l
			continue
		}
		l := ctrl >> 5
		if l == 7 {
			if ip >= len(in) {
				return dst, errLZF
			}
			l += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return dst, errLZF
		}
		ref := op - (ctrl&0x1f)<<8 - 1 - int(in[ip])
		ip++
		l += 2
		if ref < base || op+l > len(out) {
			return dst, errLZF
		}
		for i := 0; i < l; i++ { // may overlap: byte by byte
			out[op] = out[ref]
			op++
			ref++
		}
	}
	if op != len(out) {
		return dst, errLZF
	}
	return out, nil
}

const (
	lzfHashLog = 14
	lzfMaxOff  = 1 << 13
	lzfMaxRef  = (1 << 8) + (1 << 3)
	lzfMaxLit  = 1 << 5
)

// lzfCompress appends in compressed to dst and reports whether the result
// is shorter than in (Redis stores the string raw otherwise). It is
// liblzf's algorithm (a 3-byte hash of recent positions), so the output
// decompresses with any LZF decoder.
func lzfCompress(dst, in []byte, table *[1 << lzfHashLog]int32) ([]byte, bool) {
	n := len(in)
	if n < 4 {
		return dst, false
	}
	start := len(dst)
	limit := start + n // give up once it is not shorter
	// The table is not cleared between inputs (64 KiB per string would
	// dominate a snapshot of short values): a stale entry is just a
	// candidate, checked below to lie before ip and to match.
	hash := func(p int) uint32 {
		v := uint32(in[p])<<16 | uint32(in[p+1])<<8 | uint32(in[p+2])
		return (v * 2654435761) >> (32 - lzfHashLog)
	}
	litStart := len(dst)
	dst = append(dst, 0) // literal length placeholder
	lit := 0
	ip := 0
	for ip < n-2 {
		h := hash(ip)
		ref := int(table[h]) - 1
		table[h] = int32(ip + 1)
		off := ip - ref - 1
		if ref >= 0 && ref < ip && off < lzfMaxOff && ref+2 < n && in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			l := 3
			maxl := min(n-ip, lzfMaxRef)
			for l < maxl && in[ref+l] == in[ip+l] {
				l++
			}
			if lit == 0 {
				dst = dst[:len(dst)-1] // drop the empty literal header
			} else {
				dst[litStart] = byte(lit - 1)
			}
			l -= 2
			if l < 7 {
				dst = append(dst, byte(off>>8+l<<5))
			} else {
				dst = append(dst, byte(off>>8+7<<5), byte(l-7))
			}
			dst = append(dst, byte(off))
			ip += l + 2
			litStart = len(dst)
			dst = append(dst, 0)
			lit = 0
			if len(dst) >= limit {
				return dst, false
			}
			continue
		}
		dst = append(dst, in[ip])
		lit++
		ip++
		if lit == lzfMaxLit {
			dst[litStart] = byte(lit - 1)
			litStart = len(dst)
			dst = append(dst, 0)
			lit = 0
		}
		if len(dst) >= limit {
			return dst, false
		}
	}
	for ip < n {
		dst = append(dst, in[ip])
		lit++
		ip++
		if lit == lzfMaxLit {
			dst[litStart] = byte(lit - 1)
			litStart = len(dst)
			dst = append(dst, 0)
			lit = 0
		}
	}
	if lit == 0 {
		dst = dst[:len(dst)-1]
	} else {
		dst[litStart] = byte(lit - 1)
	}
	// As Redis (outlen = len-4): worth it only when it saves 4 bytes.
	return dst, len(dst)-start <= n-4
}
