package engine

import (
	"math"
	"strconv"
)

// Geohash arithmetic for the geo family (geo.go), reproducing Redis 7.0's
// results bit for bit: a point is a sorted-set score holding a 52-bit
// interleaved geohash (26 bits of longitude on the odd bit positions, 26
// of latitude on the even ones, latitude limited to the Web Mercator range
// ±85.05112878); searches walk the geohash cell of the centre and its 8
// neighbours at a precision estimated from the radius, and filter the
// candidates with the haversine distance on a sphere of radius
// 6372797.560856 m.
//
// Every floating-point expression keeps the C code's evaluation order, and
// products are wrapped in float64() so the compiler never fuses them into
// an FMA: the decoded coordinates, distances and cell bounds are then the
// same doubles Redis computes (up to the libm's last-bit differences of
// sin/cos/asin, which only show when a value lies within an ulp of a
// rounding or radius boundary).

const (
	geoStepMax      = 26 // 26 bits per coordinate: 52-bit scores
	geoLatLimit     = 85.05112878
	geoEarthRadius  = 6372797.560856
	geoMercatorMax  = 20037726.37
	geoCircular     = 1
	geoRectangle    = 2
	geoScoreLimit63 = 9223372036854775808.0 // 2^63
)

// geoRange is one coordinate's range.
type geoRange struct{ min, max float64 }

var (
	geoPi       = math.Pi
	geoDR       = geoPi / 180.0 // computed as a double, like C's M_PI / 180.0
	geoLonRange = geoRange{-180, 180}
	geoLatRange = geoRange{-geoLatLimit, geoLatLimit}
	geoStdLat   = geoRange{-90, 90} // GEOHASH's standard latitude range
)

func geoDegRad(a float64) float64 { return a * geoDR }
func geoRadDeg(a float64) float64 { return a / geoDR }

// geoSpread moves the 32 bits of x to the even bit positions.
func geoSpread(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	v = (v | v<<8) & 0x00FF00FF00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// geoSquash gathers the even bits of v into 32 bits.
func geoSquash(v uint64) uint32 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
	v = (v | v>>4) & 0x00FF00FF00FF00FF
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	v = (v | v>>16) & 0x00000000FFFFFFFF
	return uint32(v)
}

// geoEncode is the geohash of (lon, lat) at step bits per coordinate in
// the given ranges; ok is false outside them (or outside the Mercator
// limits, which Redis checks first).
func geoEncode(lonR, latR geoRange, lon, lat float64, step uint) (bits uint64, ok bool) {
	if lon > 180 || lon < -180 || lat > geoLatLimit || lat < -geoLatLimit {
		return 0, false
	}
	if lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max {
		return 0, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	lonOff := (lon - lonR.min) / (lonR.max - lonR.min)
	scale := float64(uint64(1) << step)
	latOff = float64(latOff * scale)
	lonOff = float64(lonOff * scale)
	return geoSpread(uint32(latOff)) | geoSpread(uint32(lonOff))<<1, true
}

// geoArea is a decoded cell.
type geoArea struct{ lonMin, lonMax, latMin, latMax float64 }

func geoDecode(lonR, latR geoRange, bits uint64, step uint) geoArea {
	ilat := geoSquash(bits)
	ilon := geoSquash(bits >> 1)
	latScale := latR.max - latR.min
	lonScale := lonR.max - lonR.min
	div := float64(uint64(1) << step)
	return geoArea{
		latMin: latR.min + float64(float64(ilat)/div*latScale),
		latMax: latR.min + float64(float64(ilat+1)/div*latScale),
		lonMin: lonR.min + float64(float64(ilon)/div*lonScale),
		lonMax: lonR.min + float64(float64(ilon+1)/div*lonScale),
	}
}

// geoScoreBits converts a score to the 64-bit hash as x86-64 C code does
// for (uint64_t)score, including its results for negative and huge
// scores (ZADD can put any score on a member GEOPOS then decodes).
func geoScoreBits(s float64) uint64 {
	if s >= geoScoreLimit63 {
		v := s - geoScoreLimit63
		if v >= geoScoreLimit63 {
			return 0
		}
		return uint64(int64(v)) ^ 1<<63
	}
	if s > -geoScoreLimit63-1 && s < geoScoreLimit63 {
		return uint64(int64(s))
	}
	return 1 << 63
}

// geoDecodeScore is the point a score stands for: the centre of its
// 52-bit cell, clamped to the valid ranges.
func geoDecodeScore(s float64) (lon, lat float64) {
	a := geoDecode(geoLonRange, geoLatRange, geoScoreBits(s), geoStepMax)
	lon = (a.lonMin + a.lonMax) / 2
	lon = min(max(lon, -180), 180)
	lat = (a.latMin + a.latMax) / 2
	lat = min(max(lat, -geoLatLimit), geoLatLimit)
	return lon, lat
}

// geoScoreOf is the score GEOADD stores for a valid (lon, lat).
func geoScoreOf(lon, lat float64) float64 {
	bits, _ := geoEncode(geoLonRange, geoLatRange, lon, lat, geoStepMax)
	return float64(bits)
}

// geoHashString is GEOHASH's 11-character standard geohash of a score.
func geoHashString(dst []byte, s float64) []byte {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := geoDecodeScore(s)
	bits, _ := geoEncode(geoLonRange, geoStdLat, lon, lat, geoStepMax)
	for i := 0; i < 10; i++ {
		dst = append(dst, alphabet[(bits>>(52-(i+1)*5))&0x1f])
	}
	return append(dst, '0')
}

// geoDistance is the haversine distance in meters.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lat1r, lon1r := geoDegRad(lat1), geoDegRad(lon1)
	lat2r, lon2r := geoDegRad(lat2), geoDegRad(lon2)
	u := geoSin((lat2r - lat1r) / 2)
	v := geoSin((lon2r - lon1r) / 2)
	cc := float64(geoCos(lat1r) * geoCos(lat2r))
	a := float64(u*u) + float64(float64(cc*v)*v)
	return float64(2.0*geoEarthRadius) * geoAsin(math.Sqrt(a))
}

// geoHaversineFast is the haversine term a of geoDistance (the distance
// is 2R·asin(√a)) with the math package's functions: within a few ulps
// of it, for rejecting points far outside a shape without an asin.
func geoHaversineFast(lon1, lat1, lon2, lat2 float64) float64 {
	lat1r, lon1r := geoDegRad(lat1), geoDegRad(lon1)
	lat2r, lon2r := geoDegRad(lat2), geoDegRad(lon2)
	u := math.Sin((lat2r - lat1r) / 2)
	v := math.Sin((lon2r - lon1r) / 2)
	return u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
}

// geoHaversineLimit is the haversine term of distance d, with a margin:
// a point whose term exceeds it is farther than d (+Inf: no such point).
func geoHaversineLimit(d float64) float64 {
	x := d / (2 * geoEarthRadius)
	if !(x < 1.5) { // asin never exceeds π/2
		return math.Inf(1)
	}
	s := math.Sin(x)
	return s*s*(1+1e-9) + 1e-300
}

// geoShape is a search area: a circle (radius) or a box (width, height)
// around (lon, lat); conv converts the request's unit to meters.
type geoShape struct {
	kind                  int
	lon, lat              float64
	radius, width, height float64
	conv                  float64
	// haversine limits of the radius, half width and half height (see
	// prepare): cheap rejection of the points far outside.
	limR, limW, limH float64
}

// prepare computes the shape's rejection limits; call it once the shape
// is complete.
func (sh *geoShape) prepare() {
	sh.limR = geoHaversineLimit(float64(sh.radius * sh.conv))
	sh.limW = geoHaversineLimit(float64(sh.width*sh.conv) / 2)
	sh.limH = geoHaversineLimit(float64(sh.height*sh.conv) / 2)
}

// geoDistIn reports whether the point is inside the shape, and its
// distance from the centre in meters.
func (sh *geoShape) distIn(lon, lat float64) (float64, bool) {
	// A haversine term computed with the math package (a few ulps off)
	// first rejects the points clearly outside; the exact distance
	// decides the rest.
	if sh.kind == geoCircular {
		r := float64(sh.radius * sh.conv)
		if geoHaversineFast(sh.lon, sh.lat, lon, lat) > sh.limR {
			return 0, false
		}
		d := geoDistance(sh.lon, sh.lat, lon, lat)
		return d, !(d > r)
	}
	w := float64(sh.width * sh.conv)
	h := float64(sh.height * sh.conv)
	if geoHaversineFast(lon, lat, sh.lon, lat) > sh.limW || geoHaversineFast(lon, lat, lon, sh.lat) > sh.limH {
		return 0, false
	}
	lonD := geoDistance(lon, lat, sh.lon, lat)
	latD := geoDistance(lon, lat, lon, sh.lat)
	if lonD > w/2 || latD > h/2 {
		return 0, false
	}
	return geoDistance(sh.lon, sh.lat, lon, lat), true
}

func geoStepsByRadius(r, lat float64) uint {
	if r == 0 {
		return 26
	}
	step := 1
	for r < geoMercatorMax {
		r *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint(min(max(step, 1), 26))
}

// geoCell is a geohash cell; the zero cell (bits and step 0) is skipped.
type geoCell struct {
	bits uint64
	step uint
}

func geoMoveX(c geoCell, d int) geoCell {
	x := c.bits & 0xaaaaaaaaaaaaaaaa
	y := c.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - c.step*2)
	if d > 0 {
		x = x + (zz + 1)
	} else {
		x = x | zz
		x = x - (zz + 1)
	}
	x &= uint64(0xaaaaaaaaaaaaaaaa) >> (64 - c.step*2)
	return geoCell{x | y, c.step}
}

func geoMoveY(c geoCell, d int) geoCell {
	x := c.bits & 0xaaaaaaaaaaaaaaaa
	y := c.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - c.step*2)
	if d > 0 {
		y = y + (zz + 1)
	} else {
		y = y | zz
		y = y - (zz + 1)
	}
	y &= uint64(0x5555555555555555) >> (64 - c.step*2)
	return geoCell{x | y, c.step}
}

// Neighbour order of the search walk (Redis's membersOfAllNeighbors).
const (
	geoNCenter = iota
	geoNNorth
	geoNSouth
	geoNEast
	geoNWest
	geoNNorthEast
	geoNNorthWest
	geoNSouthEast
	geoNSouthWest
)

func geoNeighbors(c geoCell) [9]geoCell {
	var n [9]geoCell
	n[geoNCenter] = c
	n[geoNNorth] = geoMoveY(c, 1)
	n[geoNSouth] = geoMoveY(c, -1)
	n[geoNEast] = geoMoveX(c, 1)
	n[geoNWest] = geoMoveX(c, -1)
	n[geoNNorthEast] = geoMoveY(geoMoveX(c, 1), 1)
	n[geoNNorthWest] = geoMoveY(geoMoveX(c, -1), 1)
	n[geoNSouthEast] = geoMoveY(geoMoveX(c, 1), -1)
	n[geoNSouthWest] = geoMoveY(geoMoveX(c, -1), -1)
	return n
}

// geoBounds is the shape's bounding box: min lon, min lat, max lon, max lat.
func (sh *geoShape) bounds() (minLon, minLat, maxLon, maxLat float64) {
	var height, width float64
	if sh.kind == geoCircular {
		height = float64(sh.conv * sh.radius)
		width = height
	} else {
		height = float64(sh.conv * (sh.height / 2))
		width = float64(sh.conv * (sh.width / 2))
	}
	latDelta := geoRadDeg(height / geoEarthRadius)
	top := geoRadDeg(width / geoEarthRadius / geoCos(geoDegRad(sh.lat+latDelta)))
	bottom := geoRadDeg(width / geoEarthRadius / geoCos(geoDegRad(sh.lat-latDelta)))
	if sh.lat < 0 {
		minLon, maxLon = sh.lon-bottom, sh.lon+bottom
	} else {
		minLon, maxLon = sh.lon-top, sh.lon+top
	}
	return minLon, sh.lat - latDelta, maxLon, sh.lat + latDelta
}

// geoSearchCells are the cells a search walks, in walk order.
func (sh *geoShape) cells() [9]geoCell {
	minLon, minLat, maxLon, maxLat := sh.bounds()
	var r float64
	if sh.kind == geoCircular {
		r = sh.radius
	} else {
		hw, hh := sh.width/2, sh.height/2
		r = math.Sqrt(float64(hw*hw) + float64(hh*hh))
	}
	r *= sh.conv
	steps := geoStepsByRadius(r, sh.lat)
	bits, _ := geoEncode(geoLonRange, geoLatRange, sh.lon, sh.lat, steps)
	n := geoNeighbors(geoCell{bits, steps})
	area := geoDecode(geoLonRange, geoLatRange, bits, steps)
	north := geoDecode(geoLonRange, geoLatRange, n[geoNNorth].bits, steps)
	south := geoDecode(geoLonRange, geoLatRange, n[geoNSouth].bits, steps)
	east := geoDecode(geoLonRange, geoLatRange, n[geoNEast].bits, steps)
	west := geoDecode(geoLonRange, geoLatRange, n[geoNWest].bits, steps)
	if steps > 1 && (north.latMax < maxLat || south.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon) {
		steps--
		bits, _ = geoEncode(geoLonRange, geoLatRange, sh.lon, sh.lat, steps)
		n = geoNeighbors(geoCell{bits, steps})
		area = geoDecode(geoLonRange, geoLatRange, bits, steps)
	}
	if steps >= 2 {
		zero := func(ids ...int) {
			for _, i := range ids {
				n[i] = geoCell{}
			}
		}
		if area.latMin < minLat {
			zero(geoNSouth, geoNSouthWest, geoNSouthEast)
		}
		if area.latMax > maxLat {
			zero(geoNNorth, geoNNorthEast, geoNNorthWest)
		}
		if area.lonMin < minLon {
			zero(geoNWest, geoNSouthWest, geoNNorthWest)
		}
		if area.lonMax > maxLon {
			zero(geoNEast, geoNSouthEast, geoNNorthEast)
		}
	}
	return n
}

// geoPoint is one search result; the member is res.buf[off:off+n].
type geoPoint struct {
	lon, lat, dist, score float64
	off, n                int
}

// geoCmpAsc is Redis's sort_gp_asc (NaN distances compare as "less").
func geoCmpAsc(a, b *geoPoint) int {
	if a.dist > b.dist {
		return 1
	}
	if a.dist == b.dist {
		return 0
	}
	return -1
}

func geoCmpDesc(a, b *geoPoint) int { return -geoCmpAsc(a, b) }

// geoMergeSort sorts p as glibc's qsort (a top-down merge sort, stable)
// does, so ties keep the walk order exactly as in Redis.
func geoMergeSort(p, tmp []geoPoint, cmp func(a, b *geoPoint) int) {
	n := len(p)
	if n <= 1 {
		return
	}
	n1 := n / 2
	b1, b2 := p[:n1], p[n1:]
	geoMergeSort(b1, tmp, cmp)
	geoMergeSort(b2, tmp, cmp)
	t := tmp[:0]
	i, j := 0, 0
	for i < len(b1) && j < len(b2) {
		if cmp(&b1[i], &b2[j]) <= 0 {
			t = append(t, b1[i])
			i++
		} else {
			t = append(t, b2[j])
			j++
		}
	}
	t = append(t, b1[i:]...)
	copy(p, t)
}

func geoMed3(p []geoPoint, a, b, c int, cmp func(a, b *geoPoint) int) int {
	if cmp(&p[a], &p[b]) < 0 {
		if cmp(&p[b], &p[c]) < 0 {
			return b
		}
		if cmp(&p[a], &p[c]) < 0 {
			return c
		}
		return a
	}
	if cmp(&p[b], &p[c]) > 0 {
		return b
	}
	if cmp(&p[a], &p[c]) < 0 {
		return a
	}
	return c
}

// geoPartialSort sorts p so that ranks [lr, rr] are final, with the same
// comparisons and swaps as Redis's pqsort (Bentley-McIlroy quicksort that
// skips partitions outside the range), so ties come out in Redis's order.
func geoPartialSort(p []geoPoint, lo, n int, cmp func(a, b *geoPoint) int, lr, rr int) {
	swap := func(i, j int) { p[i], p[j] = p[j], p[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i++
			j++
		}
	}
	for {
		if n < 7 {
			for pm := lo + 1; pm < lo+n; pm++ {
				for pl := pm; pl > lo && cmp(&p[pl-1], &p[pl]) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := lo + n/2
		if n > 7 {
			pl, pn := lo, lo+n-1
			if n > 40 {
				d := n / 8
				pl = geoMed3(p, pl, pl+d, pl+2*d, cmp)
				pm = geoMed3(p, pm-d, pm, pm+d, cmp)
				pn = geoMed3(p, pn-2*d, pn-d, pn, cmp)
			}
			pm = geoMed3(p, pl, pm, pn, cmp)
		}
		swap(lo, pm)
		pa, pb := lo+1, lo+1
		pc, pd := lo+n-1, lo+n-1
		for {
			for pb <= pc {
				r := cmp(&p[pb], &p[lo])
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := cmp(&p[pc], &p[lo])
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := lo + n
		r := min(pa-lo, pb-pa)
		vecswap(lo, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		outside := func(s, e int) bool { return (lr < s && rr < s) || (lr > e && rr > e) }
		if r = pb - pa; r > 1 && !outside(lo, lo+r-1) {
			geoPartialSort(p, lo, r, cmp, lr, rr)
		}
		if r = pd - pc; r > 1 {
			lo, n = pn-r, r
			if !outside(lo, lo+r-1) {
				continue
			}
		}
		return
	}
}

// geoAppendHuman appends d as Redis's "human" long double: %.17Lf with the
// trailing zeros (and a trailing dot) removed, "-0" written as "0".
func geoAppendHuman(dst []byte, d float64) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, d, 'f', 17, 64)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

// geoAppendDist appends a distance as "%.4f" (C's spelling of NaN).
func geoAppendDist(dst []byte, d float64) []byte {
	if math.IsNaN(d) {
		if math.Signbit(d) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	}
	if math.IsInf(d, 0) {
		if d < 0 {
			return append(dst, "-inf"...)
		}
		return append(dst, "inf"...)
	}
	return strconv.AppendFloat(dst, d, 'f', 4, 64)
}

// ---- correctly rounded sin, cos and asin ----
//
// Redis calls glibc's sin, cos and asin, whose results are within 0.52
// ulp: the nearest double in all but about 0.1% of arguments. Go's math
// package is off by an ulp or two in 10-40% of them, which GEOSEARCHSTORE's
// STOREDIST scores (printed with 17 digits) show at once. These evaluate
// the functions in double-double arithmetic (about 32 digits) and round
// once: they return the nearest double, so they agree with glibc except
// where glibc itself is off (measured: 0.08% of sin/cos and 0.1% of asin
// arguments; the distance then differs in its last bit).

// geoDD is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type geoDD struct{ hi, lo float64 }

func geoTwoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

func geoQuickTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return s, e
}

func geoDDAdd(a, b geoDD) geoDD {
	s, e := geoTwoSum(a.hi, b.hi)
	t, f := geoTwoSum(a.lo, b.lo)
	e += t
	s, e = geoQuickTwoSum(s, e)
	e += f
	s, e = geoQuickTwoSum(s, e)
	return geoDD{s, e}
}

func geoDDMul(a, b geoDD) geoDD {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	e += a.hi*b.lo + a.lo*b.hi
	p, e = geoQuickTwoSum(p, e)
	return geoDD{p, e}
}

func geoDDDiv(a geoDD, b float64) geoDD {
	q1 := a.hi / b
	p := q1 * b
	pe := math.FMA(q1, b, -p)
	r := geoDDAdd(a, geoDD{-p, -pe})
	q2 := r.hi / b
	s, e := geoQuickTwoSum(q1, q2)
	return geoDD{s, e}
}

const geoTabStep = 64 // table of sin/cos at k/64

var (
	geoInvFact [16]geoDD // 1/n!
	geoTabSin  []geoDD   // sin(k/64), k = 0..geoTabMax
	geoTabCos  []geoDD   // cos(k/64)
	geoTabMax  = 4 * 64  // covers |x| <= 4
	geoPiDD    = geoDD{math.Pi, 1.2246467991473532e-16}
	geoHalfPi  = geoDD{math.Pi / 2, 6.123233995736766e-17}
	_          = geoHalfPi
)

func init() {
	// sin and cos of k/64 by their Taylor series in double-double, with
	// enough terms for |x| <= 4 (4^50/50! < 1e-34).
	var inv [60]geoDD
	inv[0] = geoDD{1, 0}
	for n := 1; n < len(inv); n++ {
		inv[n] = geoDDDiv(inv[n-1], float64(n))
	}
	geoTabSin = make([]geoDD, geoTabMax+1)
	geoTabCos = make([]geoDD, geoTabMax+1)
	for k := 0; k <= geoTabMax; k++ {
		x := geoDDDiv(geoDD{float64(k), 0}, geoTabStep)
		s, c := geoDD{}, geoDD{}
		pow := geoDD{1, 0} // x^n
		for n := 0; n < len(inv); n++ {
			term := geoDDMul(pow, inv[n])
			switch n % 4 {
			case 0:
				c = geoDDAdd(c, term)
			case 1:
				s = geoDDAdd(s, term)
			case 2:
				c = geoDDAdd(c, geoDD{-term.hi, -term.lo})
			case 3:
				s = geoDDAdd(s, geoDD{-term.hi, -term.lo})
			}
			pow = geoDDMul(pow, x)
		}
		geoTabSin[k], geoTabCos[k] = s, c
	}
}

// geoSinCosDD is sin(x) and cos(x) in double-double for |x| <= 4; ok is
// false outside (callers then use the math package).
func geoSinCosDD(x float64) (s, c geoDD, ok bool) {
	ax := math.Abs(x)
	if !(ax <= 4) {
		return s, c, false
	}
	k := int(ax*geoTabStep + 0.5)
	a := float64(k) / geoTabStep
	r := ax - a // exact (Sterbenz), |r| <= 1/128
	// sin(r) = r + r³(-1/3! + r²/5! - ...), cos(r) = 1 + r²(-1/2! + ...):
	// the tails are below 1e-7 and 4e-5, so a double evaluation of them
	// keeps ~1e-21 relative accuracy.
	r2 := r * r
	st := r * r2 * (-1.0/6 + r2*(1.0/120+r2*(-1.0/5040+r2*(1.0/362880+r2*(-1.0/39916800)))))
	ct := r2 * (-0.5 + r2*(1.0/24+r2*(-1.0/720+r2*(1.0/40320+r2*(-1.0/3628800)))))
	hi, lo := geoTwoSum(r, st)
	sr := geoDD{hi, lo}
	hi, lo = geoQuickTwoSum(1, ct)
	cr := geoDD{hi, lo}
	sa, ca := geoTabSin[k], geoTabCos[k]
	s = geoDDAdd(geoDDMul(sa, cr), geoDDMul(ca, sr))
	c = geoDDAdd(geoDDMul(ca, cr), geoDDMul(geoDD{-sa.hi, -sa.lo}, sr))
	if x < 0 {
		s = geoDD{-s.hi, -s.lo}
	}
	return s, c, true
}

// geoSin is sin(x), correctly rounded for |x| <= 4.
func geoSin(x float64) float64 {
	if x == 0 {
		return x
	}
	s, _, ok := geoSinCosDD(x)
	if !ok {
		return math.Sin(x)
	}
	return s.hi + s.lo
}

// geoCos is cos(x), correctly rounded for |x| <= 4.
func geoCos(x float64) float64 {
	_, c, ok := geoSinCosDD(x)
	if !ok {
		return math.Cos(x)
	}
	return c.hi + c.lo
}

// geoAsin is asin(x), correctly rounded: one Newton step in
// double-double from math.Asin's estimate.
func geoAsin(x float64) float64 {
	y := math.Asin(x)
	if x == 0 || math.IsNaN(y) || math.Abs(x) >= 1 {
		return y
	}
	s, c, ok := geoSinCosDD(y)
	if !ok {
		return y
	}
	// y' = y + (x - sin y) / cos y
	d := geoDDAdd(geoDD{x, 0}, geoDD{-s.hi, -s.lo})
	q := d.hi / c.hi
	hi, lo := geoTwoSum(y, q)
	return hi + lo
}
