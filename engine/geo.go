package engine

import (
	"math"
	"strconv"
	"sync"

	"github.com/darnerdb/darner/proto"
)

// The geo family: GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH,
// GEOSEARCHSTORE and the deprecated GEORADIUS[BYMEMBER][_RO], with Redis
// 7.0's replies and error texts. A geo set is a sorted set (TYPE zset)
// whose scores are 52-bit geohashes (geohash.go); every read goes through
// a zview and every change through a zmut (zset_store.go), so the Z*
// commands work on geo sets and the geo commands on any sorted set.
//
// The searches (geoExec) run on the source key's shard and copy what they
// found into a geoResult that the reply or the store then uses: the STORE
// forms with source and destination on different shards are Tx plans
// whose first phase searches and second one stores.

const errGeoUnit = "ERR unsupported unit provided. please use M, KM, FT, MI"

func init() {
	const g = "geo"
	const radiusCx = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."
	const searchCx = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape"
	ro := func(name string, arity int, run func(*Ctx, [][]byte), summary, since, cx string) *Command {
		return &Command{Name: name, Arity: arity, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1, Run: run, Group: g,
			KeySpecs: []KeySpec{rangeSpec("RO", "access")}, Summary: summary, Since: since, Complexity: cx}
	}
	storeSpec := func(kw string, from int) KeySpec {
		return KeySpec{Flags: []string{"OW", "update"}, Keyword: kw, KeywordFrom: from, LastKey: 0, KeyStep: 1}
	}
	radius := func(name string, arity int, run func(*Ctx, [][]byte), tx func(*Tx, [][]byte), txIf func([][]byte) bool, summary string) *Command {
		return &Command{Name: name, Arity: arity, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, FirstKey: 1, LastKey: 1, Step: 1,
			Run: run, Tx: tx, TxIf: txIf, Group: g,
			KeySpecs: []KeySpec{rangeSpec("RO", "access"), storeSpec("STORE", -arity), storeSpec("STOREDIST", -arity)},
			Summary:  summary, Since: "3.2.0", Complexity: radiusCx}
	}
	register(
		&Command{Name: "geoadd", Arity: -5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdGeoadd, Group: g,
			KeySpecs: []KeySpec{rangeSpec("RW", "update")},
			Summary:  "Add one or more geospatial items in the geospatial index represented using a sorted set", Since: "3.2.0",
			Complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
			Args:       "key [NX | XX]{condition 6.2.0} [CH]{change 6.2.0} (longitude:d latitude:d member){longitude_latitude_member}...", History: [][2]string{{"6.2.0", "Added the `CH`, `NX` and `XX` options."}}},
		ro("geodist", -4, cmdGeodist, "Returns the distance between two members of a geospatial index", "3.2.0", "O(log(N))").withDocs("key member1 member2 [M | KM | FT | MI]{unit}"),
		ro("geohash", -2, cmdGeohash, "Returns members of a geospatial index as standard geohash strings", "3.2.0",
			"O(log(N)) for each member requested, where N is the number of elements in the sorted set.").withDocs("key member..."),
		ro("geopos", -2, cmdGeopos, "Returns longitude and latitude of members of a geospatial index", "3.2.0",
			"O(N) where N is the number of members requested.").withDocs("key member..."),
		ro("geosearch", -7, cmdGeosearch, "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", "6.2.0", searchCx).withDocs("key (FROMMEMBER member | FROMLONLAT (longitude:d latitude:d){longitude_latitude}){from} ((BYRADIUS radius:d (M | KM | FT | MI){unit}){circle} | (BYBOX width:d, height:d (M | KM | FT | MI){unit}){box}){by} [ASC | DESC]{order} [COUNT count [ANY]]{count} [WITHCOORD] [WITHDIST] [WITHHASH]", [2]string{"7.0.0", "Added support for uppercase unit names."}),
		&Command{Name: "geosearchstore", Arity: -8, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1,
			Run: cmdGeosearchstore, Tx: txGeosearchstore, Group: g,
			KeySpecs: []KeySpec{rangeSpec("OW", "update"), {Flags: []string{"RO", "access"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
			Summary:  "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
			Since:    "6.2.0", Complexity: searchCx,
			Args: "destination source (FROMMEMBER member | FROMLONLAT (longitude:d latitude:d){longitude_latitude}){from} ((BYRADIUS radius:d (M | KM | FT | MI){unit}){circle} | (BYBOX width:d, height:d (M | KM | FT | MI){unit}){box}){by} [ASC | DESC]{order} [COUNT count [ANY]]{count} [STOREDIST]", History: [][2]string{{"7.0.0", "Added support for uppercase unit names."}}},
		radius("georadius", -6, cmdGeoradius, txGeoradius, geoRadiusTxIf,
			"Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point").withDocs("key longitude:d latitude:d radius:d (M | KM | FT | MI){unit} [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]{6.2.0}]{count} [ASC | DESC]{order} [STORE key] [STOREDIST key]", [2]string{"6.2.0", "Added the `ANY` option for `COUNT`."}, [2]string{"7.0.0", "Added support for uppercase unit names."}).deprecated("6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument"),
		ro("georadius_ro", -6, cmdGeoradiusRO, "A read-only variant for GEORADIUS", "3.2.10", radiusCx).withDocs("key longitude:d latitude:d radius:d (M | KM | FT | MI){unit} [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]{6.2.0}]{count} [ASC | DESC]{order}", [2]string{"6.2.0", "Added the `ANY` option for `COUNT`."}).deprecated("6.2.0", "`GEOSEARCH` with the `BYRADIUS` argument"),
		radius("georadiusbymember", -5, cmdGeoradiusbymember, txGeoradiusbymember, geoRadiusMemberTxIf,
			"Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member").withDocs("key member radius:d (M | KM | FT | MI){unit} [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]]{count} [ASC | DESC]{order} [STORE key] [STOREDIST key]", [2]string{"7.0.0", "Added support for uppercase unit names."}).deprecated("6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments"),
		ro("georadiusbymember_ro", -5, cmdGeoradiusbymemberRO, "A read-only variant for GEORADIUSBYMEMBER", "3.2.10", radiusCx).withDocs("key member radius:d (M | KM | FT | MI){unit} [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]]{count} [ASC | DESC]{order}").deprecated("6.2.0", "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments"),
	)
}

// ---- argument helpers ----

// geoUnit is the factor from a unit to meters; ok is false for an
// unknown unit (errGeoUnit).
func geoUnit(b []byte) (float64, bool) {
	switch {
	case EqualFold(b, "m"):
		return 1, true
	case EqualFold(b, "km"):
		return 1000, true
	case EqualFold(b, "ft"):
		return 0.3048, true
	case EqualFold(b, "mi"):
		return 1609.34, true
	}
	return 0, false
}

// geoLonLat parses a longitude and a latitude; errMsg is Redis's text.
func geoLonLat(lonb, latb []byte) (lon, lat float64, errMsg string) {
	lon, ok := zParseScore(lonb)
	if !ok {
		return 0, 0, ErrNotFloat
	}
	lat, ok = zParseScore(latb)
	if !ok {
		return 0, 0, ErrNotFloat
	}
	if lon < -180 || lon > 180 || lat < -geoLatLimit || lat > geoLatLimit {
		b := []byte("ERR invalid longitude,latitude pair ")
		b = appendCFloat6(b, lon)
		b = append(b, ',')
		b = appendCFloat6(b, lat)
		return 0, 0, string(b)
	}
	return lon, lat, ""
}

// appendCFloat6 is C's "%f".
func appendCFloat6(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'f', 6, 64)
}

// geoDistanceArg parses "<radius> <unit>".
func geoDistanceArg(rb, ub []byte) (r, conv float64, errMsg string) {
	r, ok := zParseScore(rb)
	if !ok {
		return 0, 0, "ERR need numeric radius"
	}
	if r < 0 {
		return 0, 0, "ERR radius cannot be negative"
	}
	conv, ok = geoUnit(ub)
	if !ok {
		return 0, 0, errGeoUnit
	}
	return r, conv, ""
}

// ---- GEOADD ----

func cmdGeoadd(c *Ctx, args [][]byte) {
	nx, xx, ch := false, false, false
	i := 2
loop:
	for ; i < len(args); i++ {
		switch a := args[i]; {
		case EqualFold(a, "nx"):
			nx = true
		case EqualFold(a, "xx"):
			xx = true
		case EqualFold(a, "ch"):
			ch = true
		default:
			break loop
		}
	}
	if (len(args)-i)%3 != 0 || (nx && xx) || len(args) == i {
		c.W.Error(ErrSyntax)
		return
	}
	for j := i; j < len(args); j += 3 {
		if _, _, e := geoLonLat(args[j], args[j+1]); e != "" {
			c.W.Error(e)
			return
		}
	}
	db := c.Shard.DBs[c.DB]
	key := args[1]
	v, ok, wrong := zsetLookup(db, key, c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	added, updated := 0, 0
	if ok || !xx {
		z := zsetOpen(db, key, v, ok, zlimitsOf(c.Server), c.Now)
		for j := i; j < len(args); j += 3 {
			lon, lat, _ := geoLonLat(args[j], args[j+1])
			s := geoScoreOf(lon, lat)
			m := args[j+2]
			if cur, exists := z.Score(m); exists {
				if !nx && s != cur {
					z.SetScore(m, s)
					updated++
				}
			} else if !xx {
				z.Insert(m, s)
				added++
			}
		}
		z.commit()
		z.release()
	}
	if ch {
		added += updated
	}
	c.W.Int(int64(added))
}

// ---- GEODIST, GEOHASH, GEOPOS ----

func cmdGeodist(c *Ctx, args [][]byte) {
	conv := 1.0
	if len(args) == 5 {
		var ok bool
		if conv, ok = geoUnit(args[4]); !ok {
			c.W.Error(errGeoUnit)
			return
		}
	} else if len(args) > 5 {
		c.W.Error(ErrSyntax)
		return
	}
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	if !ok {
		c.W.Null()
		return
	}
	sc := getZscratch()
	defer putZscratch(sc)
	zv := zviewOf(db, v, sc)
	s1, ok1 := zv.Score(args[2])
	s2, ok2 := zv.Score(args[3])
	if !ok1 || !ok2 {
		c.W.Null()
		return
	}
	lon1, lat1 := geoDecodeScore(s1)
	lon2, lat2 := geoDecodeScore(s2)
	var tmp [48]byte
	c.W.Bulk(geoAppendDist(tmp[:0], geoDistance(lon1, lat1, lon2, lat2)/conv))
}

func cmdGeohash(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	sc := getZscratch()
	defer putZscratch(sc)
	var zv zview
	if ok {
		zv = zviewOf(db, v, sc)
	}
	c.W.ArrayLen(len(args) - 2)
	var tmp [16]byte
	for _, m := range args[2:] {
		s, found := zv.Score(m)
		if !ok || !found {
			c.W.Null()
			continue
		}
		c.W.Bulk(geoHashString(tmp[:0], s))
	}
}

// writeGeoCoord writes a coordinate as Redis's addReplyHumanLongDouble: a
// bulk string in RESP2, a double in RESP3.
func writeGeoCoord(w *proto.Writer, f float64) {
	var tmp [48]byte
	text := geoAppendHuman(tmp[:0], f)
	if w.Resp3 {
		w.Buf = append(w.Buf, ',')
		w.Buf = append(w.Buf, text...)
		w.Buf = append(w.Buf, '\r', '\n')
		return
	}
	w.Bulk(text)
}

func cmdGeopos(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	sc := getZscratch()
	defer putZscratch(sc)
	var zv zview
	if ok {
		zv = zviewOf(db, v, sc)
	}
	c.W.ArrayLen(len(args) - 2)
	for _, m := range args[2:] {
		s, found := zv.Score(m)
		if !ok || !found {
			c.W.NullArray()
			continue
		}
		lon, lat := geoDecodeScore(s)
		c.W.ArrayLen(2)
		writeGeoCoord(c.W, lon)
		writeGeoCoord(c.W, lat)
	}
}

// ---- searches ----

// Search command variants (Redis's georadiusGeneric flags).
const (
	geoByCoords    = 1 << iota // GEORADIUS[_RO]: key lon lat radius unit
	geoByMember                // GEORADIUSBYMEMBER[_RO]: key member radius unit
	geoNoStore                 // the _RO forms: no STORE/STOREDIST
	geoSearch                  // GEOSEARCH syntax
	geoSearchStore             // GEOSEARCHSTORE: dest src ...
)

const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

// geoReq is a parsed search request.
type geoReq struct {
	shape                         geoShape
	withDist, withHash, withCoord bool
	any                           bool
	count                         int64
	sort                          int
	store                         int // index of the destination key in args; 0 = none
	storeDist                     bool
}

// geoResult is what a search found, in reply order, with the members
// copied into buf: it stays valid after the phase that filled it.
type geoResult struct {
	pts []geoPoint
	buf []byte
	tmp []geoPoint // merge sort scratch
}

// geoResultPool recycles the single-shard searches' results (a Tx plan's
// result belongs to its tx and is not pooled).
var geoResultPool = sync.Pool{New: func() any { return new(geoResult) }}

func putGeoResult(r *geoResult) {
	if cap(r.pts) > 1<<14 || cap(r.buf) > 1<<18 {
		return
	}
	r.pts, r.buf, r.tmp = r.pts[:0], r.buf[:0], r.tmp[:0]
	geoResultPool.Put(r)
}

func (r *geoResult) member(p *geoPoint) []byte { return r.buf[p.off : p.off+p.n : p.off+p.n] }

// geoExec parses and runs the search of args (a command of the given
// variant) against db, as Redis's georadiusGeneric up to its reply: it
// returns the request, or wrong for a source of another type, or errMsg.
// missing reports an absent source (the reply is then empty or 0).
func geoExec(db *DB, args [][]byte, flags int, now int64, res *geoResult) (req geoReq, errMsg string, wrong, missing bool) {
	src := 1
	if flags&geoSearchStore != 0 {
		src = 2
	}
	v, ok, wrong := zsetLookup(db, args[src], now)
	if wrong {
		return req, "", true, false
	}
	missing = !ok
	sc := getZscratch()
	defer putZscratch(sc)
	var zv zview
	if ok {
		zv = zviewOf(db, v, sc)
	}
	fromMember := func(m []byte) bool {
		s, found := zv.Score(m)
		if !found {
			return false
		}
		req.shape.lon, req.shape.lat = geoDecodeScore(s)
		return true
	}
	const errDecode = "ERR could not decode requested zset member"
	sh := &req.shape
	var base int
	switch {
	case flags&geoByCoords != 0:
		base = 6
		sh.kind = geoCircular
		if sh.lon, sh.lat, errMsg = geoLonLat(args[2], args[3]); errMsg != "" {
			return
		}
		if sh.radius, sh.conv, errMsg = geoDistanceArg(args[4], args[5]); errMsg != "" {
			return
		}
	case flags&geoByMember != 0:
		base = 5
		if ok {
			sh.kind = geoCircular
			if !fromMember(args[2]) {
				return req, errDecode, false, false
			}
			if sh.radius, sh.conv, errMsg = geoDistanceArg(args[3], args[4]); errMsg != "" {
				return
			}
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			req.store = 1
		}
	}
	search := flags&geoSearch != 0
	var byMember, byLonLat, byRadius, byBox bool
	for i := base; i < len(args); i++ {
		a := args[i]
		left := len(args) - i - 1
		switch {
		case EqualFold(a, "withdist"):
			req.withDist = true
		case EqualFold(a, "withhash"):
			req.withHash = true
		case EqualFold(a, "withcoord"):
			req.withCoord = true
		case EqualFold(a, "any"):
			req.any = true
		case EqualFold(a, "asc"):
			req.sort = geoSortAsc
		case EqualFold(a, "desc"):
			req.sort = geoSortDesc
		case EqualFold(a, "count") && left >= 1:
			n, ok := ParseInt(args[i+1])
			if !ok {
				return req, ErrNotInt, false, false
			}
			if n <= 0 {
				return req, "ERR COUNT must be > 0", false, false
			}
			req.count = n
			i++
		case (EqualFold(a, "store") || EqualFold(a, "storedist")) && left >= 1 && flags&(geoNoStore|geoSearch) == 0:
			req.store = i + 1
			req.storeDist = len(a) == len("storedist")
			i++
		case EqualFold(a, "storedist") && flags&geoSearchStore != 0:
			req.storeDist = true
		case EqualFold(a, "frommember") && left >= 1 && search && !byLonLat:
			if ok && !fromMember(args[i+1]) {
				return req, errDecode, false, false
			}
			byMember = true
			i++
		case EqualFold(a, "fromlonlat") && left >= 2 && search && !byMember:
			if sh.lon, sh.lat, errMsg = geoLonLat(args[i+1], args[i+2]); errMsg != "" {
				return
			}
			byLonLat = true
			i += 2
		case EqualFold(a, "byradius") && left >= 2 && search && !byBox:
			if sh.radius, sh.conv, errMsg = geoDistanceArg(args[i+1], args[i+2]); errMsg != "" {
				return
			}
			sh.kind = geoCircular
			byRadius = true
			i += 2
		case EqualFold(a, "bybox") && left >= 3 && search && !byRadius:
			w, ok1 := zParseScore(args[i+1])
			if !ok1 {
				return req, "ERR need numeric width", false, false
			}
			h, ok2 := zParseScore(args[i+2])
			if !ok2 {
				return req, "ERR need numeric height", false, false
			}
			if h < 0 || w < 0 {
				return req, "ERR height or width cannot be negative", false, false
			}
			sh.width, sh.height = w, h
			conv, ok := geoUnit(args[i+3])
			if !ok {
				return req, errGeoUnit, false, false
			}
			sh.conv = conv
			sh.kind = geoRectangle
			byBox = true
			i += 3
		default:
			return req, ErrSyntax, false, false
		}
	}
	if req.store != 0 && (req.withDist || req.withHash || req.withCoord) {
		if flags&geoSearchStore != 0 {
			return req, "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options", false, false
		}
		return req, "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options", false, false
	}
	if search && !byMember && !byLonLat {
		return req, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(args[0]), false, false
	}
	if search && !byRadius && !byBox {
		return req, "ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(args[0]), false, false
	}
	if req.any && req.count == 0 {
		return req, "ERR the ANY argument requires COUNT argument", false, false
	}
	if missing {
		return req, "", false, true
	}
	if req.count != 0 && req.sort == geoSortNone && !req.any {
		req.sort = geoSortAsc
	}
	limit := 0
	if req.any {
		limit = int(min(req.count, 1<<31))
	}
	sh.prepare()
	geoCollect(&zv, sh, limit, res)
	n := len(res.pts)
	if req.count != 0 && int64(n) > req.count {
		n = int(req.count)
	}
	if req.sort != geoSortNone {
		cmp := geoCmpAsc
		if req.sort == geoSortDesc {
			cmp = geoCmpDesc
		}
		if n == len(res.pts) {
			if cap(res.tmp) < len(res.pts) {
				res.tmp = make([]geoPoint, 0, len(res.pts))
			}
			geoMergeSort(res.pts, res.tmp[:0], cmp)
		} else {
			geoPartialSort(res.pts, 0, len(res.pts), cmp, 0, n-1)
		}
	}
	res.pts = res.pts[:n]
	for i := range res.pts {
		res.pts[i].dist /= sh.conv
	}
	return req, "", false, false
}

// geoCollect appends the members of zv inside shape, walking the shape's
// cells in Redis's order and each cell's score range [min, max) in
// ascending order; limit > 0 stops the walk once that many were found.
func geoCollect(zv *zview, sh *geoShape, limit int, res *geoResult) {
	cells := sh.cells()
	last := 0
	for i, cell := range cells {
		if cell.bits == 0 && cell.step == 0 {
			continue
		}
		if last != 0 && cell == cells[last] {
			continue
		}
		if limit > 0 && len(res.pts) >= limit {
			break
		}
		shift := 52 - cell.step*2
		lo := float64(cell.bits << shift)
		hi := float64((cell.bits + 1) << shift)
		start := zv.below(func(s float64, _ []byte) bool { return s < lo })
		zv.each(start, false, func(m []byte, s float64) bool {
			if !(s < hi) {
				return false
			}
			lon, lat := geoDecodeScore(s)
			if d, in := sh.distIn(lon, lat); in {
				off := len(res.buf)
				res.buf = append(res.buf, m...)
				res.pts = append(res.pts, geoPoint{lon: lon, lat: lat, dist: d, score: s, off: off, n: len(m)})
			}
			return limit <= 0 || len(res.pts) < limit
		})
		last = i
	}
}

// writeGeoResult writes a search's array reply.
func writeGeoResult(w *proto.Writer, req *geoReq, res *geoResult) {
	opts := 0
	if req.withDist {
		opts++
	}
	if req.withHash {
		opts++
	}
	if req.withCoord {
		opts++
	}
	w.ArrayLen(len(res.pts))
	var tmp [48]byte
	for i := range res.pts {
		p := &res.pts[i]
		if opts > 0 {
			w.ArrayLen(opts + 1)
		}
		w.Bulk(res.member(p))
		if req.withDist {
			w.Bulk(geoAppendDist(tmp[:0], p.dist))
		}
		if req.withHash {
			w.Int(int64(p.score))
		}
		if req.withCoord {
			w.ArrayLen(2)
			writeGeoCoord(w, p.lon)
			writeGeoCoord(w, p.lat)
		}
	}
}

// geoStore replaces key with the found members (scored by their geohash,
// or by their distance for STOREDIST) or deletes it when none was found.
func geoStore(db *DB, key []byte, req *geoReq, res *geoResult, lim zlimits, now int64) {
	ents := make([]zent, 0, len(res.pts))
	for i := range res.pts {
		p := &res.pts[i]
		s := p.score
		if req.storeDist {
			s = p.dist
		}
		ents = append(ents, zent{m: res.member(p), s: s})
	}
	zstoreResult(db, key, ents, lim, false, now)
}

// geoSearchRun is the single-shard path of every search command.
func geoSearchRun(c *Ctx, args [][]byte, flags int) {
	db := c.Shard.DBs[c.DB]
	res := geoResultPool.Get().(*geoResult)
	defer putGeoResult(res)
	req, errMsg, wrong, missing := geoExec(db, args, flags, c.Now, res)
	switch {
	case wrong:
		c.W.WrongType()
	case errMsg != "":
		c.W.Error(errMsg)
	case req.store != 0:
		geoStore(db, args[req.store], &req, res, zlimitsOf(c.Server), c.Now)
		c.W.Int(int64(len(res.pts)))
	case missing:
		c.W.ArrayLen(0)
	default:
		writeGeoResult(c.W, &req, res)
	}
}

// geoSearchTx plans a storing search whose destination is dst (the last
// STORE/STOREDIST key, or GEOSEARCHSTORE's first key): search on the
// source's shard, then store on the destination's.
func geoSearchTx(t *Tx, args [][]byte, flags int, src int, dst int) {
	if dst == 0 {
		// no store at all: a read on one shard.
		var res geoResult
		var req geoReq
		var errMsg string
		var wrong, missing bool
		t.On(t.ShardOf(args[src]), func(c *Ctx) {
			req, errMsg, wrong, missing = geoExec(c.Shard.DBs[c.DB], args, flags, c.Now, &res)
		})
		t.Reply(func(w *proto.Writer) {
			switch {
			case wrong:
				w.WrongType()
			case errMsg != "":
				w.Error(errMsg)
			case missing:
				w.ArrayLen(0)
			default:
				writeGeoResult(w, &req, &res)
			}
		})
		return
	}
	t.AddKey(args[dst], true)
	var res geoResult
	var req geoReq
	var errMsg string
	var wrong bool
	t.On(t.ShardOf(args[src]), func(c *Ctx) {
		req, errMsg, wrong, _ = geoExec(c.Shard.DBs[c.DB], args, flags, c.Now, &res)
	})
	t.On(t.ShardOf(args[dst]), func(c *Ctx) {
		if !wrong && errMsg == "" && req.store != 0 {
			geoStore(c.Shard.DBs[c.DB], args[req.store], &req, &res, zlimitsOf(c.Server), c.Now)
		}
	})
	t.Reply(func(w *proto.Writer) {
		switch {
		case wrong:
			w.WrongType()
		case errMsg != "":
			w.Error(errMsg)
		case req.store != 0:
			w.Int(int64(len(res.pts)))
		default:
			writeGeoResult(w, &req, &res)
		}
	})
}

// geoRadiusStoreKey finds the destination GEORADIUS[BYMEMBER] would use
// (the last STORE/STOREDIST key of its options, skipping COUNT's value)
// and how many STORE/STOREDIST options there are, without checking the
// rest of the syntax.
func geoRadiusStoreKey(args [][]byte, base int) (dst, n int) {
	for i := base; i < len(args); i++ {
		a := args[i]
		left := len(args) - i - 1
		switch {
		case EqualFold(a, "count") && left >= 1:
			i++
		case (EqualFold(a, "store") || EqualFold(a, "storedist")) && left >= 1:
			dst = i + 1
			n++
			i++
		}
	}
	return dst, n
}

// The key specs name the first STORE and the first STOREDIST key; when a
// command repeats them, the one it writes may be another key: such
// commands go through the Tx plan, which locks it.
func geoRadiusTxIf(args [][]byte) bool {
	_, n := geoRadiusStoreKey(args, 6)
	return n > 1
}

func geoRadiusMemberTxIf(args [][]byte) bool {
	_, n := geoRadiusStoreKey(args, 5)
	return n > 1
}

func cmdGeosearch(c *Ctx, args [][]byte)      { geoSearchRun(c, args, geoSearch) }
func cmdGeosearchstore(c *Ctx, args [][]byte) { geoSearchRun(c, args, geoSearch|geoSearchStore) }
func cmdGeoradius(c *Ctx, args [][]byte)      { geoSearchRun(c, args, geoByCoords) }
func cmdGeoradiusRO(c *Ctx, args [][]byte)    { geoSearchRun(c, args, geoByCoords|geoNoStore) }
func cmdGeoradiusbymember(c *Ctx, args [][]byte) {
	geoSearchRun(c, args, geoByMember)
}
func cmdGeoradiusbymemberRO(c *Ctx, args [][]byte) {
	geoSearchRun(c, args, geoByMember|geoNoStore)
}

func txGeosearchstore(t *Tx, args [][]byte) {
	geoSearchTx(t, args, geoSearch|geoSearchStore, 2, 1)
}

func txGeoradius(t *Tx, args [][]byte) {
	dst, _ := geoRadiusStoreKey(args, 6)
	geoSearchTx(t, args, geoByCoords, 1, dst)
}

func txGeoradiusbymember(t *Tx, args [][]byte) {
	dst, _ := geoRadiusStoreKey(args, 5)
	geoSearchTx(t, args, geoByMember, 1, dst)
}
