package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/darnerdb/darner/proto"
)

// zresp builds an expected RESP2 reply.
type zresp struct{ w proto.Writer }

func (r *zresp) arr(n int) *zresp          { r.w.ArrayLen(n); return r }
func (r *zresp) bulk(s string) *zresp      { r.w.BulkString(s); return r }
func (r *zresp) num(n int64) *zresp        { r.w.Int(n); return r }
func (r *zresp) dbl(f float64) *zresp      { r.w.Double(f); return r }
func (r *zresp) null() *zresp              { r.w.Null(); return r }
func (r *zresp) String() string            { return string(r.w.Buf) }
func (r *zresp) scored(ents []zent) *zresp { return r.scoredOpt(ents, true) }
func (r *zresp) scoredOpt(ents []zent, ws bool) *zresp {
	if ws {
		r.arr(2 * len(ents))
	} else {
		r.arr(len(ents))
	}
	for _, e := range ents {
		r.bulk(string(e.m))
		if ws {
			r.dbl(e.s)
		}
	}
	return r
}

func TestZsetBasics(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		f := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("shards=%d %q: got %q want %q", n, args, got, want)
			}
		}
		f(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c")
		f("$1\r\n2\r\n", "ZSCORE", "z", "b")
		f(":1\r\n", "ZRANK", "z", "b")
		f("*2\r\n:1\r\n$1\r\n2\r\n", "ZRANK", "z", "b", "WITHSCORE")
		f("*-1\r\n", "ZRANK", "z", "x", "WITHSCORE")
		f("*2\r\n:0\r\n$1\r\n3\r\n", "ZREVRANK", "z", "c", "withscore")
		f("-ERR syntax error\r\n", "ZRANK", "z", "b", "foo")
		f("*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZRANGE", "z", "(1", "+inf", "BYSCORE", "WITHSCORES")
		f(":2\r\n", "ZREM", "z", "a", "c", "x")
		f("*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "ZPOPMIN", "z")
		f(":0\r\n", "ZCARD", "z")
		l.Close()
	}
}

// TestZsetEncodingConversion checks listpack -> skiplist conversion at
// the thresholds, OBJECT ENCODING names through TypeOps and Elements.
func TestZsetEncodingConversion(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	enc := func(key string) string {
		v, ok := l.Shards[0].DBs[0].Get([]byte(key), 0)
		if !ok {
			return "none"
		}
		return OpsOf(v.Type).Encoding(l.Shards[0], v)
	}
	for i := 0; i < 128; i++ {
		l.Do("ZADD", "z", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	if e := enc("z"); e != "listpack" {
		t.Fatalf("128 members: %s", e)
	}
	l.Do("ZADD", "z", "1000", "m1000")
	if e := enc("z"); e != "skiplist" {
		t.Fatalf("129 members: %s", e)
	}
	l.Do("ZADD", "long", "1", strings.Repeat("x", 65))
	if e := enc("long"); e != "skiplist" {
		t.Fatalf("long member: %s", e)
	}
	l.Do("ZADD", "short", "1", strings.Repeat("x", 64))
	if e := enc("short"); e != "listpack" {
		t.Fatalf("64-byte member: %s", e)
	}
	v, _ := l.Shards[0].DBs[0].Get([]byte("z"), 0)
	els := OpsOf(TypeZSet).Elements(l.Shards[0], v)
	if len(els) != 129 || string(els[0]) != "m0" || string(els[128]) != "m1000" {
		t.Fatalf("elements: %d %s", len(els), els[0])
	}
	// memory accounting: the DB's object bytes equal the tree's MemBytes
	db := l.Shards[0].DBs[0]
	tr := l.Shards[0].Objects.Get(v.Obj).(*zsetTree)
	if db.objBytes != tr.MemBytes()+l.Shards[0].Objects.Get(mustObj(t, db, "long")).MemBytes() {
		t.Fatalf("objBytes %d, trees %d", db.objBytes, tr.MemBytes())
	}
	l.Do("DEL", "z", "long")
	if db.objBytes != 0 {
		t.Fatalf("objBytes after DEL: %d", db.objBytes)
	}
}

func mustObj(t *testing.T, db *DB, key string) uint32 {
	v, ok := db.Get([]byte(key), 0)
	if !ok || v.Enc != EncObject {
		t.Fatalf("%s is not an object", key)
	}
	return v.Obj
}

// TestZsetModel runs random commands on one key against a sorted-slice
// model, across the listpack/skiplist conversion, on 1 shard.
func TestZsetModel(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		rng := rand.New(rand.NewPCG(seed, 7))
		l := NewLocal(1)
		model := map[string]float64{}
		sorted := func() []zent {
			out := make([]zent, 0, len(model))
			for k, v := range model {
				out = append(out, zent{m: []byte(k), s: v})
			}
			sort.Slice(out, func(i, j int) bool { return zentLess(out[i], out[j]) })
			return out
		}
		members := 300
		if seed%2 == 0 {
			members = 60
		}
		check := func(step int, args []string, want string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("seed %d step %d %q:\n got %q\nwant %q", seed, step, args, got, want)
			}
		}
		for step := 0; step < 4000; step++ {
			m := "m" + strconv.Itoa(rng.IntN(members))
			s := float64(rng.IntN(50)) / 2
			ss := strconv.FormatFloat(s, 'g', -1, 64)
			switch op := rng.IntN(12); op {
			case 0, 1, 2:
				_, had := model[m]
				model[m] = s
				n := int64(1)
				if had {
					n = 0
				}
				check(step, []string{"ZADD", "k", ss, m}, (&zresp{}).num(n).String())
			case 3:
				model[m] += s
				check(step, []string{"ZINCRBY", "k", ss, m}, (&zresp{}).dbl(model[m]).String())
			case 4:
				_, had := model[m]
				delete(model, m)
				n := int64(0)
				if had {
					n = 1
				}
				check(step, []string{"ZREM", "k", m}, (&zresp{}).num(n).String())
			case 5:
				ents := sorted()
				a, b := rng.IntN(len(ents)+5)-2, rng.IntN(len(ents)+5)-2
				lo, hi := zrankRange(int64(a), int64(b), len(ents))
				check(step, []string{"ZRANGE", "k", strconv.Itoa(a), strconv.Itoa(b), "WITHSCORES"}, (&zresp{}).scored(ents[lo:hi]).String())
			case 6:
				ents := sorted()
				mn, mx := float64(rng.IntN(30)), float64(rng.IntN(30))
				var sel []zent
				for _, e := range ents {
					if e.s > mn && e.s <= mx {
						sel = append(sel, e)
					}
				}
				// reverse with LIMIT 1 3
				var rev []zent
				for i := len(sel) - 1; i >= 0; i-- {
					rev = append(rev, sel[i])
				}
				if len(rev) > 1 {
					rev = rev[1:]
				} else {
					rev = nil
				}
				if len(rev) > 3 {
					rev = rev[:3]
				}
				check(step, []string{"ZRANGE", "k", fmt.Sprint(mx), "(" + fmt.Sprint(mn), "BYSCORE", "REV", "LIMIT", "1", "3", "WITHSCORES"}, (&zresp{}).scored(rev).String())
				check(step, []string{"ZCOUNT", "k", "(" + fmt.Sprint(mn), fmt.Sprint(mx)}, (&zresp{}).num(int64(len(sel))).String())
			case 7:
				ents := sorted()
				want := (&zresp{}).null().String()
				for i, e := range ents {
					if string(e.m) == m {
						want = (&zresp{}).num(int64(i)).String()
					}
				}
				check(step, []string{"ZRANK", "k", m}, want)
				if v, ok := model[m]; ok {
					check(step, []string{"ZSCORE", "k", m}, (&zresp{}).dbl(v).String())
				}
			case 8:
				ents := sorted()
				n := rng.IntN(4)
				if n > len(ents) {
					n = len(ents)
				}
				max := rng.IntN(2) == 0
				var got []zent
				for i := 0; i < n; i++ {
					e := ents[i]
					if max {
						e = ents[len(ents)-1-i]
					}
					got = append(got, e)
					delete(model, string(e.m))
				}
				cmd := "ZPOPMIN"
				if max {
					cmd = "ZPOPMAX"
				}
				check(step, []string{cmd, "k", strconv.Itoa(n)}, (&zresp{}).scored(got).String())
			case 9:
				mn, mx := float64(rng.IntN(30)), float64(rng.IntN(30))
				n := 0
				for k, v := range model {
					if v >= mn && v <= mx && rng.IntN(4) == 0 {
						_ = k
					}
					if v >= mn && v <= mx {
						n++
					}
				}
				if rng.IntN(4) == 0 { // rarely: delete the range
					for k, v := range model {
						if v >= mn && v <= mx {
							delete(model, k)
						}
					}
					check(step, []string{"ZREMRANGEBYSCORE", "k", fmt.Sprint(mn), fmt.Sprint(mx)}, (&zresp{}).num(int64(n)).String())
				}
			case 10:
				ents := sorted()
				check(step, []string{"ZCARD", "k"}, (&zresp{}).num(int64(len(ents))).String())
				if len(ents) > 0 {
					r := rng.IntN(len(ents))
					check(step, []string{"ZREVRANGE", "k", strconv.Itoa(r), strconv.Itoa(r)}, (&zresp{}).scoredOpt([]zent{ents[len(ents)-1-r]}, false).String())
				}
			case 11:
				ents := sorted()
				if len(ents) > 0 {
					a, b := rng.IntN(len(ents)), rng.IntN(len(ents))
					lo, hi := zrankRange(int64(a), int64(b), len(ents))
					for _, e := range ents[lo:hi] {
						delete(model, string(e.m))
					}
					if rng.IntN(3) == 0 {
						check(step, []string{"ZREMRANGEBYRANK", "k", strconv.Itoa(a), strconv.Itoa(b)}, (&zresp{}).num(int64(hi-lo)).String())
					} else {
						for _, e := range ents[lo:hi] {
							model[string(e.m)] = e.s
						}
					}
				}
			}
			if step%200 == 0 {
				v, ok := l.Shards[0].DBs[0].Get([]byte("k"), 0)
				if ok && v.Enc == EncObject {
					if msg := l.Shards[0].Objects.Get(v.Obj).(*zsetTree).check(); msg != "" {
						t.Fatalf("seed %d step %d: tree: %s", seed, step, msg)
					}
				}
			}
		}
		l.Close()
	}
}

// TestZsetMultiShard runs the multi-key commands on 1 shard (Run) and on
// 3 and 4 shards (Tx plans over keys on several shards) and compares the
// replies and the resulting keys.
func TestZsetMultiShard(t *testing.T) {
	script := [][]string{
		{"ZADD", "a", "1", "x", "2", "y", "3", "z"},
		{"ZADD", "b", "1", "y", "2", "z", "3", "w"},
		{"ZADD", "c", "0.1", "x", "0.2", "z", "0.7", "v"},
		{"SET", "str", "v"},
		{"ZUNION", "3", "a", "b", "c", "WITHSCORES"},
		{"ZUNION", "3", "c", "b", "a", "WEIGHTS", "1", "2", "3", "AGGREGATE", "MAX", "WITHSCORES"},
		{"ZINTER", "2", "a", "b", "WITHSCORES"},
		{"ZINTER", "3", "a", "b", "c"},
		{"ZDIFF", "2", "a", "b", "WITHSCORES"},
		{"ZDIFF", "3", "c", "a", "b", "WITHSCORES"},
		{"ZUNION", "2", "a", "str"},
		{"ZUNION", "2", "a", "str", "WEIGHTS", "x"},
		{"ZUNION", "2", "a", "b", "WEIGHTS", "x"},
		{"ZUNION", "0", "a"},
		{"ZUNIONSTORE", "d", "2", "a", "b"},
		{"ZRANGE", "d", "0", "-1", "WITHSCORES"},
		{"ZINTERSTORE", "e", "2", "a", "b", "WEIGHTS", "2", "2"},
		{"ZRANGE", "e", "0", "-1", "WITHSCORES"},
		{"ZDIFFSTORE", "e", "2", "a", "b"},
		{"ZRANGE", "e", "0", "-1", "WITHSCORES"},
		{"ZINTERSTORE", "e", "2", "a", "nosuch"},
		{"ZCARD", "e"},
		{"ZUNIONSTORE", "a", "2", "a", "b"},
		{"ZRANGE", "a", "0", "-1", "WITHSCORES"},
		{"ZUNIONSTORE", "f", "2", "a", "str"},
		{"ZINTERCARD", "2", "a", "b"},
		{"ZINTERCARD", "3", "a", "b", "c", "LIMIT", "1"},
		{"ZINTERCARD", "2", "a", "str"},
		{"ZRANGESTORE", "g", "a", "0", "1"},
		{"ZRANGE", "g", "0", "-1", "WITHSCORES"},
		{"ZRANGESTORE", "b", "a", "(1", "+inf", "BYSCORE", "LIMIT", "0", "2"},
		{"ZRANGE", "b", "0", "-1", "WITHSCORES"},
		{"ZRANGESTORE", "g", "str", "0", "-1"},
		{"ZRANGESTORE", "g", "nosuch", "0", "-1"},
		{"ZCARD", "g"},
		{"ZMPOP", "3", "nosuch", "b", "a", "MIN", "COUNT", "2"},
		{"ZMPOP", "2", "a", "b", "MAX"},
		{"ZMPOP", "2", "nosuch", "c", "MAX", "COUNT", "5"},
		{"ZCARD", "c"},
		{"ZMPOP", "2", "nosuch", "nosuch2", "MIN"},
		{"ZMPOP", "2", "str", "a", "MIN"},
		{"ZMPOP", "2", "nosuch", "str", "MIN"},
	}
	// big inputs cross the listpack threshold
	for i := 0; i < 300; i++ {
		script = append(script, []string{"ZADD", "big1", strconv.Itoa(i), "m" + strconv.Itoa(i)})
		if i%2 == 0 {
			script = append(script, []string{"ZADD", "big2", strconv.Itoa(i * 2), "m" + strconv.Itoa(i)})
		}
	}
	script = append(script,
		[]string{"ZINTERSTORE", "big3", "2", "big1", "big2"},
		[]string{"ZRANGE", "big3", "0", "-1", "WITHSCORES"},
		[]string{"ZUNION", "2", "big1", "big2", "WITHSCORES"},
		[]string{"ZDIFFSTORE", "big4", "2", "big1", "big2"},
		[]string{"ZRANGE", "big4", "100", "110", "WITHSCORES"},
		[]string{"ZMPOP", "1", "big4", "MAX", "COUNT", "3"},
		[]string{"ZRANGESTORE", "big5", "big1", "10", "200", "BYSCORE"},
		[]string{"ZCARD", "big5"},
	)
	run := func(n int) []string {
		l := NewLocal(n)
		defer l.Close()
		var out []string
		for _, a := range script {
			out = append(out, l.Do(a...))
		}
		return out
	}
	want := run(1)
	for _, n := range []int{3, 4} {
		got := run(n)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("shards=%d %q:\n got %q\nwant %q", n, script[i], got[i], want[i])
			}
		}
	}
	// sanity: the script really spans shards
	shards := map[int]bool{}
	for _, k := range []string{"a", "b", "c", "d", "e", "str"} {
		shards[ShardOf([]byte(k), 3)] = true
	}
	if len(shards) < 2 {
		t.Fatal("keys all on one shard; pick other names")
	}
}

// TestZsetTreeScan checks that ZSCAN over a skiplist zset returns every
// member, with a table that grows between calls.
func TestZsetTreeScan(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	for i := 0; i < 1000; i++ {
		l.Do("ZADD", "z", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	seen := map[string]bool{}
	cursor := "0"
	for rounds := 0; ; rounds++ {
		r := l.Do("ZSCAN", "z", cursor, "COUNT", "50")
		parts := strings.Split(r, "\r\n")
		cursor = parts[2]
		for i := 5; i < len(parts); i += 4 {
			seen[parts[i]] = true
		}
		if rounds == 3 {
			for i := 1000; i < 3000; i++ {
				l.Do("ZADD", "z", strconv.Itoa(i), "m"+strconv.Itoa(i))
			}
		}
		if cursor == "0" || rounds > 10000 {
			break
		}
	}
	for i := 0; i < 1000; i++ {
		if !seen["m"+strconv.Itoa(i)] {
			t.Fatalf("m%d not returned", i)
		}
	}
}

func TestZsetAllocs(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	for i := 0; i < 100; i++ {
		l.Do("ZADD", "small", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	for i := 0; i < 1000; i++ {
		l.Do("ZADD", "big", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	cases := []struct {
		args []string
		max  float64
	}{
		{[]string{"ZSCORE", "small", "m50"}, 0},
		{[]string{"ZSCORE", "big", "m500"}, 0},
		{[]string{"ZRANK", "big", "m500"}, 0},
		{[]string{"ZRANGE", "big", "10", "20", "WITHSCORES"}, 0},
		{[]string{"ZRANGE", "small", "10", "20", "WITHSCORES"}, 0},
		{[]string{"ZADD", "big", "5", "m500"}, 0},
		{[]string{"ZADD", "small", "5", "m50"}, 0},
	}
	for _, c := range cases {
		b := make([][]byte, len(c.args))
		for i, a := range c.args {
			b[i] = []byte(a)
		}
		l.DoBytes(b)
		if n := testing.AllocsPerRun(100, func() { l.DoBytes(b) }); n > c.max {
			t.Errorf("%q: %v allocs, want <= %v", c.args, n, c.max)
		}
	}
}

func benchZ(b *testing.B, setup func(l *Local), args ...string) {
	l := NewLocal(1)
	defer l.Close()
	setup(l)
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.DoBytes(bs)
	}
}

func fillZ(key string, n int) func(l *Local) {
	return func(l *Local) {
		for i := 0; i < n; i++ {
			l.Do("ZADD", key, strconv.Itoa(i), "member:"+strconv.Itoa(i))
		}
	}
}

func BenchmarkZaddSmallUpdate(b *testing.B) {
	benchZ(b, fillZ("z", 100), "ZADD", "z", "7", "member:50")
}

func BenchmarkZaddLargeUpdate(b *testing.B) {
	benchZ(b, fillZ("z", 100000), "ZADD", "z", "7", "member:50000")
}

func BenchmarkZaddLargeInsert(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	fillZ("z", 100000)(l)
	args := [][]byte{[]byte("ZADD"), []byte("z"), nil, nil}
	b.ReportAllocs()
	b.ResetTimer()
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf = strconv.AppendInt(buf[:0], int64(i), 10)
		args[2] = buf
		args[3] = append([]byte("new:"), buf...)
		l.DoBytes(args)
	}
}

func BenchmarkZscoreLarge(b *testing.B) {
	benchZ(b, fillZ("z", 100000), "ZSCORE", "z", "member:777")
}

func BenchmarkZscoreSmall(b *testing.B) {
	benchZ(b, fillZ("z", 100), "ZSCORE", "z", "member:77")
}

func BenchmarkZrankLarge(b *testing.B) {
	benchZ(b, fillZ("z", 100000), "ZRANK", "z", "member:77777")
}

func BenchmarkZrangeLarge10(b *testing.B) {
	benchZ(b, fillZ("z", 100000), "ZRANGE", "z", "50000", "50009", "WITHSCORES")
}

func BenchmarkZrangeSmall10(b *testing.B) {
	benchZ(b, fillZ("z", 100), "ZRANGE", "z", "50", "59", "WITHSCORES")
}

func BenchmarkZrangeByScoreLarge10(b *testing.B) {
	benchZ(b, fillZ("z", 100000), "ZRANGEBYSCORE", "z", "(5000", "+inf", "LIMIT", "0", "10")
}

var _ = math.Inf

func BenchmarkZBaselineGet(b *testing.B) {
	benchZ(b, func(l *Local) { l.Do("SET", "k", "v") }, "GET", "k")
}

// TestZsetMemoryPerMember measures the skiplist form's memory for 1M
// members "member:N" with score N (as redis-cli --pipe ZADDs them), by
// MemBytes and by Go heap growth. Set DARNER_ZSET_MEM=1 to run it.
func TestZsetMemoryPerMember(t *testing.T) {
	if os.Getenv("DARNER_ZSET_MEM") != "1" {
		t.Skip("DARNER_ZSET_MEM=1 runs the 1M-member memory measurement")
	}
	const n = 1000000
	l := NewLocal(1)
	defer l.Close()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	args := [][]byte{[]byte("ZADD"), []byte("big"), nil, nil}
	for i := 0; i < n; i++ {
		s := strconv.Itoa(i)
		args[2] = []byte(s)
		args[3] = []byte("member:" + s)
		l.DoBytes(args)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	db := l.Shards[0].DBs[0]
	v, _ := db.Get([]byte("big"), 0)
	tr := l.Shards[0].Objects.Get(v.Obj).(*zsetTree)
	t.Logf("MemBytes %d (%.1f B/member), UsedBytes %d, heap growth %d (%.1f B/member), leaves %d inner %d slab %d/%d table %d",
		tr.MemBytes(), float64(tr.MemBytes())/n, db.UsedBytes(), int64(after.HeapAlloc)-int64(before.HeapAlloc),
		float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, tr.leaves, tr.inners, len(tr.slab), cap(tr.slab), len(tr.table))
	// random order inserts fill leaves less
	l2 := NewLocal(1)
	defer l2.Close()
	perm := rand.Perm(n)
	for _, i := range perm {
		s := strconv.Itoa(i)
		args[2] = []byte(s)
		args[3] = []byte("member:" + s)
		l2.DoBytes(args)
	}
	v2, _ := l2.Shards[0].DBs[0].Get([]byte("big"), 0)
	tr2 := l2.Shards[0].Objects.Get(v2.Obj).(*zsetTree)
	t.Logf("random order: MemBytes %d (%.1f B/member), leaves %d", tr2.MemBytes(), float64(tr2.MemBytes())/n, tr2.leaves)
}

// FuzzZsetCommands feeds arbitrary arguments to the sorted-set commands
// (on 1 and 3 shards, so Tx plans run too) and checks that nothing panics
// and that every skiplist zset stays consistent.
func FuzzZsetCommands(f *testing.F) {
	seeds := []string{
		"ZADD z 1 a 2 b", "ZADD z NX XX GT LT CH INCR 1 a", "ZRANGE z (1 +inf BYSCORE REV LIMIT 0 -1 WITHSCORES",
		"ZRANGE z [a (c BYLEX LIMIT -5 9223372036854775807", "ZUNIONSTORE d 2 z y WEIGHTS 1 nan AGGREGATE max",
		"ZINTER 9223372036854775807 z", "ZMPOP -1 z MIN", "ZRANDMEMBER z -9223372036854775807 WITHSCORES",
		"ZSCAN z 18446744073709551615 COUNT 1 MATCH *", "ZREMRANGEBYRANK z -9223372036854775808 9223372036854775807",
		"ZRANGESTORE d z 0 -1 BYSCORE", "ZPOPMAX z 9223372036854775807", "ZINTERCARD 2 z y LIMIT 0",
		"ZADD z 0x1p-1074 a 1e308 b -inf c", "ZINCRBY z inf a", "ZINCRBY z -inf a", "ZLEXCOUNT z ( [",
	}
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	ls := []*Local{NewLocal(1), NewLocal(3)}
	f.Fuzz(func(t *testing.T, line string, pre uint8) {
		args := strings.Fields(line)
		if len(args) == 0 || len(args) > 40 {
			return
		}
		// keep counts small enough not to build giant replies
		for _, a := range args {
			if n, err := strconv.ParseInt(a, 10, 64); err == nil && (n < -100000) && strings.EqualFold(args[0], "zrandmember") {
				return
			}
		}
		for _, l := range ls {
			if pre%4 == 0 {
				for i := 0; i < 140; i++ {
					l.Do("ZADD", "z", strconv.Itoa(i%7), "m"+strconv.Itoa(i))
				}
				l.Do("ZADD", "y", "1", "m1", "2", "a")
			}
			l.Do(args...)
			for _, sh := range l.Shards {
				for _, k := range []string{"z", "y", "d"} {
					v, ok := sh.DBs[0].Get([]byte(k), 0)
					if ok && v.Type == TypeZSet && v.Enc == EncObject {
						if msg := sh.Objects.Get(v.Obj).(*zsetTree).check(); msg != "" {
							t.Fatalf("%q: %s: %s", line, k, msg)
						}
					}
				}
			}
		}
	})
}

func TestZsetBlobCodec(t *testing.T) {
	scores := []float64{0, math.Copysign(0, -1), 1, -1, 63, 64, -64, -65, 8191, 8192, 1 << 53, -(1 << 53), 1<<53 + 2, -(1<<53 + 2),
		0.5, -0.5, math.Inf(1), math.Inf(-1), 1e300, -1e-300, math.MaxInt64, math.SmallestNonzeroFloat64}
	var ents []zent
	for i, s := range scores {
		ents = append(ents, zent{m: []byte(strings.Repeat("x", i*13)), s: s})
	}
	b := zblobEncode(nil, ents)
	got := zblobDecode(nil, b)
	if len(got) != len(ents) || zblobLen(b) != len(ents) {
		t.Fatalf("decoded %d entries, want %d", len(got), len(ents))
	}
	for i := range ents {
		if string(got[i].m) != string(ents[i].m) || got[i].s != ents[i].s || math.Signbit(got[i].s) != (math.Signbit(ents[i].s) && ents[i].s != 0) {
			t.Fatalf("entry %d: got %v want %v", i, got[i].s, ents[i].s)
		}
		if s, ok := zblobScore(b, ents[i].m); !ok || s != ents[i].s {
			t.Fatalf("zblobScore %d", i)
		}
	}
}

// TestZsetSmallMemory measures 100k keys of 10 members each (listpack
// form). Set DARNER_ZSET_MEM=1 to run it.
func TestZsetSmallMemory(t *testing.T) {
	if os.Getenv("DARNER_ZSET_MEM") != "1" {
		t.Skip("DARNER_ZSET_MEM=1 runs the memory measurement")
	}
	l := NewLocal(1)
	defer l.Close()
	db := l.Shards[0].DBs[0]
	before := db.UsedBytes()
	for k := 0; k < 100000; k++ {
		args := []string{"ZADD", "zk:" + strconv.Itoa(k)}
		for i := 0; i < 10; i++ {
			args = append(args, strconv.Itoa(i), "member:"+strconv.Itoa(i))
		}
		l.Do(args...)
	}
	t.Logf("%.1f bytes/key (UsedBytes)", float64(db.UsedBytes()-before)/100000)
}

func TestZsetTreeClone(t *testing.T) {
	tr := newZsetTree(0)
	for i := 0; i < 5000; i++ {
		tr.Insert([]byte("m"+strconv.Itoa(i)), float64(i%97))
	}
	c := tr.Clone().(*zsetTree)
	if msg := c.check(); msg != "" || c.Len() != tr.Len() {
		t.Fatalf("clone: %q len %d", msg, c.Len())
	}
	c.Delete([]byte("m1"))
	if _, ok := tr.Score([]byte("m1")); !ok {
		t.Fatal("clone shares state")
	}
}

// TestZaddManyConvertsMidCommand: one ZADD of thousands of members into a
// new key and into a compact one converts to a tree as it goes (not one
// linear scan per member) and ends as Redis's would: every member, in
// order, skiplist-encoded, the compact key's deadline kept.
func TestZaddManyConvertsMidCommand(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	const n = 5000
	args := []string{"ZADD", "big"}
	for i := n - 1; i >= 0; i-- {
		args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	if got := l.Do(args...); got != ":"+strconv.Itoa(n)+"\r\n" {
		t.Fatalf("ZADD new key: %q", got)
	}
	l.Do("ZADD", "small", "1", "a")
	l.Do("PEXPIRE", "small", "100000")
	args[1] = "small"
	if got := l.Do(args...); got != ":"+strconv.Itoa(n)+"\r\n" {
		t.Fatalf("ZADD compact key: %q", got)
	}
	for _, k := range []string{"big", "small"} {
		if got := l.Do("OBJECT", "ENCODING", k); got != "$8\r\nskiplist\r\n" {
			t.Fatalf("%s encoding %q", k, got)
		}
		if got := l.Do("ZRANGE", k, "0", "2"); got != "*3\r\n$2\r\nm0\r\n$2\r\nm1\r\n$2\r\nm2\r\n" && k == "big" {
			t.Fatalf("%s ZRANGE %q", k, got)
		}
		if got := l.Do("ZSCORE", k, "m4321"); got != "$4\r\n4321\r\n" {
			t.Fatalf("%s ZSCORE %q", k, got)
		}
	}
	if got := l.Do("ZCARD", "small"); got != ":"+strconv.Itoa(n+1)+"\r\n" {
		t.Fatalf("ZCARD small %q", got)
	}
	if got := l.Do("PTTL", "small"); got == ":-1\r\n" || got == ":-2\r\n" {
		t.Fatalf("PTTL small %q", got)
	}
	// A 129-member ZADD crosses the limit by one; 128 stays compact.
	for _, m := range []int{128, 129} {
		a := []string{"ZADD", "edge" + strconv.Itoa(m)}
		for i := 0; i < m; i++ {
			a = append(a, strconv.Itoa(i), "e"+strconv.Itoa(i))
		}
		l.Do(a...)
		want := "$8\r\nlistpack\r\n"
		if m > 128 {
			want = "$8\r\nskiplist\r\n"
		}
		if got := l.Do("OBJECT", "ENCODING", a[1]); got != want {
			t.Fatalf("%d members: %q", m, got)
		}
	}
}

// BenchmarkZaddManyNewKey: one ZADD of 5,000 members into a new key.
func BenchmarkZaddManyNewKey(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	args := [][]byte{[]byte("ZADD"), []byte("z")}
	for i := 0; i < 5000; i++ {
		args = append(args, []byte(strconv.Itoa(i)), []byte("member:"+strconv.Itoa(i)))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.Do("DEL", "z")
		l.DoBytes(args)
	}
}
