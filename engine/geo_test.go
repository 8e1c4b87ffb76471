package engine

import (
	"bytes"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
)

// Geo commands on engine.Local with 1 and 3 shards. The expected values
// are Redis 7.0's (its documentation's examples and redis-server runs).
func TestGeoBasics(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		f := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("shards=%d %q:\n got  %q\n want %q", n, args, got, want)
			}
		}
		f(":2\r\n", "GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania")
		f("$16\r\n3479099956230698\r\n", "ZSCORE", "Sicily", "Palermo")
		f("$16\r\n3479447370796909\r\n", "ZSCORE", "Sicily", "Catania")
		f("$11\r\n166274.1516\r\n", "GEODIST", "Sicily", "Palermo", "Catania")
		f("$8\r\n166.2742\r\n", "GEODIST", "Sicily", "Palermo", "Catania", "km")
		f("$8\r\n103.3182\r\n", "GEODIST", "Sicily", "Palermo", "Catania", "mi")
		f("$-1\r\n", "GEODIST", "Sicily", "Palermo", "nosuch")
		f("*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n", "GEOHASH", "Sicily", "Palermo", "Catania", "x")
		f("*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n", "GEOPOS", "Sicily", "Palermo", "x")
		f("*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n",
			"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC")
		f("*1\r\n*2\r\n$7\r\nPalermo\r\n:3479099956230698\r\n", "GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "DESC", "COUNT", "1", "WITHHASH")
		f("*2\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n", "GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km", "DESC")
		f("-ERR invalid longitude,latitude pair 200.000000,1.000000\r\n", "GEOADD", "Sicily", "200", "1", "x")
		f("-ERR syntax error\r\n", "GEOADD", "Sicily", "NX", "XX", "1", "1", "x")
		f("-ERR value is not a valid float\r\n", "GEOADD", "Sicily", "a", "1", "x")
		f("-ERR unsupported unit provided. please use M, KM, FT, MI\r\n", "GEODIST", "Sicily", "a", "b", "yd")
		f("-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n", "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "WITHDIST", "ASC")
		f("-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n", "geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "WITHDIST")
		f("-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n",
			"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "x", "WITHDIST")
		f("-ERR COUNT must be > 0\r\n", "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "COUNT", "0")
		f("-ERR the ANY argument requires COUNT argument\r\n", "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "ANY")
		f("-ERR could not decode requested zset member\r\n", "GEORADIUSBYMEMBER", "Sicily", "nosuch", "1", "km")
		f("*0\r\n", "GEORADIUSBYMEMBER", "nokey", "nosuch", "1", "km")
		f(":1\r\n", "GEOADD", "Sicily", "CH", "XX", "15", "37", "Catania", "1", "1", "nosuch")
		f("+zset\r\n", "TYPE", "Sicily")
		f(":2\r\n", "ZCARD", "Sicily")
		l.Do("SET", "str", "x")
		f("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "GEOPOS", "str", "a")
		f("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "GEOSEARCH", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km")
		l.Close()
	}
}

// The STORE forms with source and destination on different shards (3
// shards: "src" on 1, "dst" and "d" on 0, "a" on 2) run as Tx plans.
func TestGeoStoreMultiShard(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		f := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("shards=%d %q:\n got  %q\n want %q", n, args, got, want)
			}
		}
		f(":3\r\n", "GEOADD", "src", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "2.3522", "48.8566", "Paris")
		f(":2\r\n", "GEOSEARCHSTORE", "dst", "src", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")
		f("*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n", "ZRANGE", "dst", "0", "-1", "WITHSCORES")
		f(":1\r\n", "GEOSEARCHSTORE", "dst", "src", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST", "COUNT", "1")
		f("*2\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n", "ZRANGE", "dst", "0", "-1", "WITHSCORES")
		// The last STORE wins: "a" is not named by the key specs.
		f(":2\r\n", "GEORADIUS", "src", "15", "37", "200", "km", "STORE", "d", "STORE", "a")
		f(":0\r\n", "EXISTS", "d")
		f(":2\r\n", "ZCARD", "a")
		f(":0\r\n", "GEOSEARCHSTORE", "a", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")
		f(":0\r\n", "EXISTS", "a")
		f(":3\r\n", "GEORADIUSBYMEMBER", "src", "Paris", "2000", "km", "STOREDIST", "dst")
		f("*3\r\n$5\r\nParis\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n", "ZRANGE", "dst", "0", "-1")
		l.Do("SET", "str", "x")
		f("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "GEOSEARCHSTORE", "dst", "str", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km")
		f(":3\r\n", "ZCARD", "dst")
		l.Close()
	}
}

// geoPartialSort leaves ranks [0, k) in order and holding the k smallest;
// geoMergeSort is a stable sort.
func TestGeoSorts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for it := 0; it < 2000; it++ {
		n := 1 + rng.IntN(200)
		pts := make([]geoPoint, n)
		for i := range pts {
			pts[i] = geoPoint{dist: float64(rng.IntN(1 + n/3)), off: i}
		}
		want := append([]geoPoint(nil), pts...)
		sort.SliceStable(want, func(i, j int) bool { return want[i].dist < want[j].dist })
		got := append([]geoPoint(nil), pts...)
		geoMergeSort(got, nil, geoCmpAsc)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("merge sort differs at %d", i)
			}
		}
		k := 1 + rng.IntN(n)
		part := append([]geoPoint(nil), pts...)
		geoPartialSort(part, 0, n, geoCmpAsc, 0, k-1)
		for i := 0; i < k; i++ {
			if part[i].dist != want[i].dist {
				t.Fatalf("n=%d k=%d: rank %d has %v want %v", n, k, i, part[i].dist, want[i].dist)
			}
		}
		seen := map[int]bool{}
		for _, p := range part {
			seen[p.off] = true
		}
		if len(seen) != n {
			t.Fatalf("partial sort lost elements")
		}
	}
}

// The double-double sin/cos/asin are within a few ulps of the math package's
// and exact where the value is known.
func TestGeoMath(t *testing.T) {
	ulps := func(a, b float64) float64 {
		return math.Abs(a-b) / (math.Nextafter(math.Abs(b), math.Inf(1)) - math.Abs(b))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		x := rng.Float64()*8 - 4
		if d := ulps(geoSin(x), math.Sin(x)); d > 2 {
			t.Fatalf("sin(%v) = %v, math %v", x, geoSin(x), math.Sin(x))
		}
		if d := ulps(geoCos(x), math.Cos(x)); d > 2 && math.Abs(math.Cos(x)) > 1e-3 {
			t.Fatalf("cos(%v) = %v, math %v", x, geoCos(x), math.Cos(x))
		}
		a := rng.Float64()
		// math.Asin is off by up to a few ulps near 1 (glibc and mpmath
		// agree with geoAsin there)
		if d := ulps(geoAsin(a), math.Asin(a)); d > 8 {
			t.Fatalf("asin(%v) = %v, math %v", a, geoAsin(a), math.Asin(a))
		}
	}
	for _, c := range []struct{ got, want float64 }{
		{geoSin(0), 0}, {geoCos(0), 1}, {geoAsin(1), math.Pi / 2}, {geoAsin(0.5), 0.5235987755982989},
		// math.Asin misses the nearest double here (glibc's)
		{geoSin(0.5), 0.479425538604203}, {geoAsin(0.9986661034923048), 1.5191399010596083},
	} {
		if c.got != c.want {
			t.Fatalf("got %v want %v", c.got, c.want)
		}
	}
	if geoScoreBits(-5) != 0xFFFFFFFFFFFFFFFB || geoScoreBits(math.Inf(1)) != 0 || geoScoreBits(math.Inf(-1)) != 1<<63 {
		t.Fatal("geoScoreBits")
	}
	// encode/decode round trip: the decoded point encodes to the same cell
	for i := 0; i < 10000; i++ {
		lon, lat := rng.Float64()*360-180, rng.Float64()*170-85
		s := geoScoreOf(lon, lat)
		dlon, dlat := geoDecodeScore(s)
		if geoScoreOf(dlon, dlat) != s || math.Abs(dlon-lon) > 1e-5 || math.Abs(dlat-lat) > 1e-5 {
			t.Fatalf("%v,%v -> %v -> %v,%v", lon, lat, s, dlon, dlat)
		}
	}
	if got := string(geoAppendHuman(nil, -0.0)); got != "0" {
		t.Fatalf("human -0: %q", got)
	}
	if got := string(geoAppendHuman(nil, 13.361389338970184)); got != "13.36138933897018433" {
		t.Fatalf("human: %q", got)
	}
}

// GEOSEARCH over a skiplist-encoded set finds what a brute-force scan of
// its members with the same distance function finds.
func TestGeoSearchBruteForce(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	type pt struct {
		m        string
		lon, lat float64
	}
	var pts []pt
	args := []string{"GEOADD", "g"}
	for i := 0; i < 600; i++ {
		p := pt{"m" + strconv.Itoa(i), 10 + rng.Float64()*4, 45 + rng.Float64()*4}
		pts = append(pts, p)
		args = append(args, strconv.FormatFloat(p.lon, 'f', -1, 64), strconv.FormatFloat(p.lat, 'f', -1, 64), p.m)
	}
	l.Do(args...)
	for q := 0; q < 100; q++ {
		clon, clat := 10+rng.Float64()*4, 45+rng.Float64()*4
		r := rng.Float64() * 200
		var want []string
		for _, p := range pts {
			s := geoScoreOf(p.lon, p.lat)
			lon, lat := geoDecodeScore(s)
			if geoDistance(clon, clat, lon, lat) <= r*1000 {
				want = append(want, p.m)
			}
		}
		got := l.Do("GEOSEARCH", "g", "FROMLONLAT", strconv.FormatFloat(clon, 'f', -1, 64), strconv.FormatFloat(clat, 'f', -1, 64),
			"BYRADIUS", strconv.FormatFloat(r, 'f', -1, 64), "km")
		if c := bytes.Count([]byte(got), []byte("\r\nm")); c != len(want) {
			t.Fatalf("query %d: %d members, brute force %d", q, c, len(want))
		}
	}
}

func BenchmarkGeoSearch(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	args := []string{"GEOADD", "g"}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 10000; i++ {
		args = append(args, strconv.FormatFloat(rng.Float64()*10, 'f', -1, 64), strconv.FormatFloat(40+rng.Float64()*10, 'f', -1, 64), "m"+strconv.Itoa(i))
	}
	l.Do(args...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Do("GEOSEARCH", "g", "FROMLONLAT", "5", "45", "BYRADIUS", "50", "km", "ASC", "COUNT", "10")
	}
}

// Random argument soups never panic and always get exactly one reply.
func TestGeoArgSoup(t *testing.T) {
	vocab := []string{"g", "h", "s", "m1", "m2", "nosuch", "0", "1", "-1", "180", "-180", "85.05112878", "-85.05112878", "90",
		"1e308", "inf", "-inf", "nan", "0x10", "", "x", "1.5", "200", "m", "km", "ft", "mi", "FT", "furlong",
		"WITHDIST", "WITHHASH", "WITHCOORD", "ASC", "DESC", "COUNT", "ANY", "STORE", "STOREDIST", "FROMMEMBER",
		"FROMLONLAT", "BYRADIUS", "BYBOX", "NX", "XX", "CH", "9223372036854775807", "-9223372036854775808"}
	cmds := []string{"GEOADD", "GEODIST", "GEOHASH", "GEOPOS", "GEOSEARCH", "GEOSEARCHSTORE", "GEORADIUS",
		"GEORADIUS_RO", "GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"}
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		l.Do("GEOADD", "g", "1", "1", "m1", "2", "2", "m2", "-179.9", "85", "m3")
		l.Do("ZADD", "h", "-5", "m1", "inf", "m2", "1e300", "m3")
		l.Do("SET", "s", "x")
		rng := rand.New(rand.NewPCG(uint64(n), 9))
		for i := 0; i < 20000; i++ {
			args := []string{cmds[rng.IntN(len(cmds))]}
			for k := 1 + rng.IntN(14); k > 0; k-- {
				args = append(args, vocab[rng.IntN(len(vocab))])
			}
			cmd := Lookup([]byte(args[0]))
			if !CheckArity(cmd.Arity, len(args)) {
				continue
			}
			got := l.Do(args...)
			if got == "" {
				t.Fatalf("%q: no reply", args)
			}
		}
		l.Close()
	}
}
