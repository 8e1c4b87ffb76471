package main

import (
	"bytes"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// TestDiffRedisGeoRandom sends seeded random geo sets and searches to a
// real redis-server and to darner (2 shards, so the STORE forms run both
// as single-shard commands and as Tx plans) and compares the raw replies:
// GEOADD, GEOPOS, GEOHASH, GEODIST in every unit, and GEOSEARCH /
// GEORADIUS / GEORADIUSBYMEMBER by radius and by box, with random orders,
// COUNT [ANY] and WITH* options, over compact and skiplist sets with
// clustered, worldwide, polar, antimeridian and duplicate points.
//
// STOREDIST destinations are compared by member order and by scores equal
// to 1e-12 relative: Redis's glibc sin/cos/asin miss the nearest double
// for about 0.1% of arguments (darner's are correctly rounded, see
// engine/geohash.go), which a 17-digit score shows; everything printed
// with "%.4f" or compared against a radius is exact.
func TestDiffRedisGeoRandom(t *testing.T) {
	p := newDiffPair(t, 2)
	rng := rand.New(rand.NewSource(7))
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	units := []string{"m", "km", "mi", "ft", "KM", "M"}
	unitM := map[string]float64{"m": 1, "km": 1000, "mi": 1609.34, "ft": 0.3048, "KM": 1000, "M": 1}
	keys := []string{"g", "g2", "src", "cities"} // on both shards
	dsts := []string{"out", "dst", "res", "res2"}
	randPoint := func(kind int, clon, clat, spread float64) (float64, float64) {
		switch kind {
		case 0: // world
			return rng.Float64()*360 - 180, rng.Float64()*170.1 - 85.05
		case 1: // cluster
			lon := clon + (rng.Float64()*2-1)*spread
			lat := clat + (rng.Float64()*2-1)*spread
			lon = math.Max(-180, math.Min(180, lon))
			lat = math.Max(-85.05112878, math.Min(85.05112878, lat))
			return lon, lat
		case 2: // poles and antimeridian
			edges := []float64{-180, 180, -179.9999, 179.9999, 0}
			if rng.Intn(2) == 0 {
				return edges[rng.Intn(len(edges))], rng.Float64()*170 - 85
			}
			lats := []float64{-85.05112878, 85.05112878, -85, 85, 0, 84.9, -84.9}
			return rng.Float64()*360 - 180, lats[rng.Intn(len(lats))]
		}
		return 0, 0
	}
	total := 0
	for round := 0; round < 24; round++ {
		key := keys[round%len(keys)]
		p.do("DEL", key)
		n := []int{3, 20, 100, 127, 129, 400, 1500}[rng.Intn(7)]
		clon, clat := rng.Float64()*360-180, rng.Float64()*160-80
		spread := []float64{0.001, 0.05, 1, 10}[rng.Intn(4)]
		var members []string
		for i := 0; i < n; {
			args := []string{"GEOADD", key}
			for j := 0; j < 200 && i < n; j++ {
				kind := 1
				if r := rng.Intn(10); r == 0 {
					kind = 0
				} else if r == 1 {
					kind = 2
				}
				lon, lat := randPoint(kind, clon, clat, spread)
				if len(members) > 0 && rng.Intn(15) == 0 { // same place as another member
					lon, lat = clon, clat
				}
				m := "m" + strconv.Itoa(i)
				if rng.Intn(40) == 0 {
					m = strings.Repeat("x", 70) + m // a long member: skiplist
				}
				members = append(members, m)
				args = append(args, f(lon), f(lat), m)
				i++
			}
			p.do(args...)
		}
		p.do("OBJECT", "ENCODING", key)
		for q := 0; q < 60; q++ {
			m1 := members[rng.Intn(len(members))]
			m2 := members[rng.Intn(len(members))]
			u := units[rng.Intn(len(units))]
			switch rng.Intn(10) {
			case 0:
				p.do("GEOPOS", key, m1, m2, "nosuch")
				p.do("GEOHASH", key, m1, m2, "nosuch")
				p.do("GEODIST", key, m1, m2, u)
				continue
			case 1:
				p.do("GEODIST", key, m1, m2)
				continue
			}
			// the shape
			radius := math.Pow(10, rng.Float64()*7.3) / unitM[u] // 1 m .. 20000 km
			if rng.Intn(20) == 0 {
				radius = 0
			}
			w := math.Pow(10, rng.Float64()*7.3) / unitM[u]
			h := math.Pow(10, rng.Float64()*7.3) / unitM[u]
			var opts []string
			for _, o := range []string{"WITHDIST", "WITHCOORD", "WITHHASH"} {
				if rng.Intn(3) == 0 {
					opts = append(opts, o)
				}
			}
			switch rng.Intn(3) {
			case 0:
				opts = append(opts, "ASC")
			case 1:
				opts = append(opts, "DESC")
			}
			if rng.Intn(2) == 0 {
				opts = append(opts, "COUNT", strconv.Itoa(1+rng.Intn(40)))
				if rng.Intn(3) == 0 {
					opts = append(opts, "ANY")
				}
			}
			var from []string
			lon, lat := randPoint(rng.Intn(3), clon, clat, spread)
			byMember := rng.Intn(3) == 0
			if byMember {
				from = []string{"FROMMEMBER", m1}
			} else {
				from = []string{"FROMLONLAT", f(lon), f(lat)}
			}
			by := []string{"BYRADIUS", f(radius), u}
			if rng.Intn(2) == 0 {
				by = []string{"BYBOX", f(w), f(h), u}
			}
			switch rng.Intn(4) {
			case 0, 1:
				args := append([]string{"GEOSEARCH", key}, from...)
				args = append(args, by...)
				p.do(append(args, opts...)...)
			case 2:
				var args []string
				if byMember {
					args = []string{"GEORADIUSBYMEMBER", key, m1, f(radius), u}
				} else {
					args = []string{"GEORADIUS", key, f(lon), f(lat), f(radius), u}
				}
				p.do(append(args, opts...)...)
			case 3:
				dst := dsts[rng.Intn(len(dsts))]
				var sopts []string
				for _, o := range opts {
					if !strings.HasPrefix(o, "WITH") {
						sopts = append(sopts, o)
					}
				}
				storeDist := rng.Intn(2) == 0
				args := append([]string{"GEOSEARCHSTORE", dst, key}, from...)
				args = append(args, by...)
				args = append(args, sopts...)
				if storeDist {
					args = append(args, "STOREDIST")
				}
				if rng.Intn(3) == 0 && by[0] == "BYRADIUS" {
					kw := "STORE"
					if storeDist {
						kw = "STOREDIST"
					}
					if byMember {
						args = []string{"GEORADIUSBYMEMBER", key, m1, f(radius), u}
					} else {
						args = []string{"GEORADIUS", key, f(lon), f(lat), f(radius), u}
					}
					args = append(args, sopts...)
					args = append(args, kw, dst)
				}
				p.do(args...)
				if storeDist {
					p.compareScores(dst)
				} else {
					p.do("ZRANGE", dst, "0", "-1", "WITHSCORES")
				}
			}
			total++
		}
	}
	t.Logf("%d searches, %d replies compared, %d STOREDIST scores off in the last digits", total, p.checked, geoLastBit)
}

var geoLastBit int

// compareScores compares a zset's members in score order on both servers
// and their scores up to 1e-12 relative.
func (p *diffPair) compareScores(key string) {
	p.t.Helper()
	p.do("ZRANGE", key, "0", "-1")
	want, err := p.redis.do([]string{"ZRANGE", key, "0", "-1", "WITHSCORES"})
	if err != nil {
		p.t.Fatal(err)
	}
	got, err := p.darner.do([]string{"ZRANGE", key, "0", "-1", "WITHSCORES"})
	if err != nil {
		p.t.Fatal(err)
	}
	if bytes.Equal(want.raw, got.raw) {
		p.checked++
		return
	}
	wl := strings.Split(string(want.raw), "\r\n")
	gl := strings.Split(string(got.raw), "\r\n")
	if len(wl) != len(gl) {
		p.t.Fatalf("ZRANGE %s WITHSCORES:\n redis:  %s\n darner: %s", key, clip(want.raw), clip(got.raw))
	}
	for i := range wl {
		if wl[i] == gl[i] || (strings.HasPrefix(wl[i], "$") && strings.HasPrefix(gl[i], "$")) {
			continue
		}
		a, err1 := strconv.ParseFloat(wl[i], 64)
		b, err2 := strconv.ParseFloat(gl[i], 64)
		if err1 != nil || err2 != nil || math.Abs(a-b) > 1e-12*math.Max(math.Abs(a), 1e-300) {
			p.t.Fatalf("ZRANGE %s WITHSCORES line %d: redis %q darner %q", key, i, wl[i], gl[i])
		}
		geoLastBit++
	}
	p.checked++
}
