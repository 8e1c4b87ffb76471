package engine

import (
	"bytes"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/darnerdb/darner/proto"
)

// sresp builds expected raw replies: "+OK", ":1", "$v" (bulk), "nil".
func sresp(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		switch {
		case p == "nil":
			b.WriteString("$-1\r\n")
		case strings.HasPrefix(p, "$"):
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(p)-1, p[1:])
		case strings.HasPrefix(p, "*"):
			b.WriteString(p + "\r\n")
		default:
			b.WriteString(p + "\r\n")
		}
	}
	return b.String()
}

// stringsLocals runs f on Locals with 1 and 3 shards.
func stringsLocals(t *testing.T, f func(t *testing.T, l *Local)) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("shards=%d", n), func(t *testing.T) {
			l := NewLocal(n)
			defer l.Close()
			f(t, l)
		})
	}
}

func TestStringsCommands(t *testing.T) {
	stringsLocals(t, func(t *testing.T, l *Local) {
		var now int64 = 1_700_000_000_000
		l.Now = func() int64 { return now }
		f := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Errorf("%q = %q, want %q", args, got, want)
			}
		}
		f(sresp("nil"), "GET", "k")
		f(sresp("+OK"), "SET", "k", "v")
		f(sresp("$v"), "GET", "k")
		f(sresp("nil"), "SET", "k", "w", "NX")
		f(sresp("$v"), "SET", "k", "w", "XX", "GET")
		f(sresp("$w"), "SET", "k", "x", "NX", "GET")
		f(sresp("nil"), "SET", "nope", "x", "XX", "GET")
		f(sresp("nil"), "GET", "nope")
		f(sresp("-ERR syntax error"), "SET", "k", "v", "NX", "XX")
		f(sresp("-ERR syntax error"), "SET", "k", "v", "EX", "1", "PX", "1")
		f(sresp("-ERR syntax error"), "SET", "k", "v", "KEEPTTL", "EX", "1")
		f(sresp("-ERR syntax error"), "SET", "k", "v", "EX")
		f(sresp("-ERR value is not an integer or out of range"), "SET", "k", "v", "EX", "x")
		f(sresp("-ERR invalid expire time in 'set' command"), "SET", "k", "v", "EX", "0")
		f(sresp("-ERR invalid expire time in 'set' command"), "SET", "k", "v", "EX", "9223372036854775")
		f(sresp("-ERR invalid expire time in 'setex' command"), "SETEX", "k", "-1", "v")
		f(sresp("-ERR invalid expire time in 'psetex' command"), "PSETEX", "k", "0", "v")
		f(sresp("-ERR invalid expire time in 'getex' command"), "GETEX", "k", "PX", "0")
		f(sresp("nil"), "GETEX", "missing", "EX", "abc")

		// Deadlines: SET EX, KEEPTTL, SETEX, GETEX, PERSIST, past EXAT.
		db := func(key string) *DB { return l.Shards[ShardOf([]byte(key), len(l.Shards))].DBs[0] }
		ttl := func(key string) int64 { return db(key).TTL([]byte(key), now) }
		f(sresp("+OK"), "SET", "t", "v", "EX", "100")
		if got := ttl("t"); got != 100000 {
			t.Errorf("TTL after EX 100 = %d", got)
		}
		f(sresp("+OK"), "SET", "t", "w", "KEEPTTL")
		if got := ttl("t"); got != 100000 {
			t.Errorf("TTL after KEEPTTL = %d", got)
		}
		f(sresp(":11"), "INCRBY", "t2", "11")
		f(sresp("+OK"), "SET", "t2", "5", "PXAT", strconv.FormatInt(now+5000, 10))
		f(sresp(":6"), "INCR", "t2")
		f(sresp("$7.5"), "INCRBYFLOAT", "t2", "1.5")
		f(sresp(":4"), "APPEND", "t2", "x")
		f(sresp(":4"), "SETRANGE", "t2", "0", "8")
		f(sresp("$8.5x"), "GET", "t2")
		if got := ttl("t2"); got != 5000 {
			t.Errorf("TTL after INCR/INCRBYFLOAT/APPEND/SETRANGE = %d, want 5000", got)
		}
		f(sresp("$8.5x"), "GETSET", "t2", "y")
		if got := ttl("t2"); got != -1 {
			t.Errorf("TTL after GETSET = %d, want -1", got)
		}
		f(sresp("$y"), "GETEX", "t2", "EX", "7")
		if got := ttl("t2"); got != 7000 {
			t.Errorf("TTL after GETEX EX 7 = %d", got)
		}
		f(sresp("$y"), "GETEX", "t2", "PERSIST")
		if got := ttl("t2"); got != -1 {
			t.Errorf("TTL after GETEX PERSIST = %d", got)
		}
		f(sresp("$y"), "GETEX", "t2", "EXAT", "1")
		f(sresp("nil"), "GET", "t2")
		f(sresp("+OK"), "SET", "t3", "v", "PXAT", "1")
		f(sresp("nil"), "GET", "t3")
		f(sresp("+OK"), "SET", "t3", "v", "PX", "10")
		now += 10
		f(sresp("nil"), "GET", "t3")
		f(sresp(":1"), "SETNX", "t3", "a")
		f(sresp(":0"), "SETNX", "t3", "b")

		// Integers.
		f(sresp(":1"), "INCR", "n")
		f(sresp(":-9"), "DECRBY", "n", "10")
		f(sresp("+OK"), "SET", "n", "9223372036854775807")
		f(sresp("-ERR increment or decrement would overflow"), "INCR", "n")
		f(sresp("-ERR decrement would overflow"), "DECRBY", "n", "-9223372036854775808")
		f(sresp("+OK"), "SET", "n", "127")
		f(sresp(":128"), "INCR", "n")
		f(sresp(":-32768"), "INCRBY", "n", "-32896")
		f(sresp("$-32768"), "GET", "n")
		f(sresp("+OK"), "SET", "n", "01")
		f(sresp("-ERR value is not an integer or out of range"), "INCR", "n")
		f(sresp("+OK"), "SET", "n", "5")
		f(sresp(":3"), "APPEND", "n", "00")
		f(sresp(":501"), "INCR", "n")

		// APPEND, SETRANGE, GETRANGE.
		f(sresp(":0"), "APPEND", "e", "")
		f(sresp(":0"), "STRLEN", "e")
		f(sresp(":1"), "EXISTS", "e")
		f(sresp(":0"), "SETRANGE", "e2", "5", "")
		f(sresp(":0"), "EXISTS", "e2")
		f(sresp(":3"), "SETRANGE", "e2", "1", "ab")
		f(sresp("$\x00ab"), "GET", "e2")
		f(sresp("-ERR offset is out of range"), "SETRANGE", "e2", "-1", "x")
		f(sresp("-ERR string exceeds maximum allowed size (proto-max-bulk-len)"), "SETRANGE", "e2", "536870912", "x")
		f(sresp("$ab"), "GETRANGE", "e2", "1", "-1")
		f(sresp("$"), "GETRANGE", "e2", "-1", "-2")
		f(sresp("$"), "GETRANGE", "nope", "0", "-1")
		f(sresp("$1"), "SUBSTR", "n", "-1", "-1")

		// LCS on one shard's keys or several.
		f(sresp("+OK"), "SET", "la", "ohmytext")
		f(sresp("+OK"), "SET", "lb", "mynewtext")
		f(sresp("$mytext"), "LCS", "la", "lb")
		f(sresp(":6"), "LCS", "la", "lb", "LEN")
		f("*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n",
			"LCS", "la", "lb", "IDX", "WITHMATCHLEN")
		f(sresp("-ERR If you want both the length and indexes, please just use IDX."), "LCS", "la", "lb", "IDX", "LEN")
		f(sresp("-ERR syntax error"), "LCS", "la", "lb", "FOO")
		f(sresp("$"), "LCS", "la", "nope")

		// Multi-key commands (across shards with 3 shards).
		f(sresp("+OK"), "MSET", "a", "1", "b", "2", "c", "3", "a", "4")
		f(sresp("*4", "$4", "$2", "$3", "nil"), "MGET", "a", "b", "c", "nope")
		f(sresp("-ERR wrong number of arguments for 'mset' command"), "MSET", "a", "1", "b")
		f(sresp(":0"), "MSETNX", "x", "1", "a", "2")
		f(sresp("nil"), "GET", "x")
		f(sresp(":1"), "MSETNX", "x", "1", "y", "2")
		f(sresp("*2", "$1", "$2"), "MGET", "x", "y")
	})
}

// TestStringsCrossShard checks that the Tx plans of MGET, MSET, MSETNX and
// LCS run (keys spread over 4 shards) and agree with one shard.
func TestStringsCrossShard(t *testing.T) {
	one, four := NewLocal(1), NewLocal(4)
	defer one.Close()
	defer four.Close()
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	shards := map[int]bool{}
	for _, k := range keys {
		shards[ShardOf([]byte(k), 4)] = true
	}
	if len(shards) < 3 {
		t.Fatalf("keys cover only %d of 4 shards", len(shards))
	}
	cmds := [][]string{
		{"MSET", "a", "1", "b", "x", "c", "hello", "d", "-5"},
		{"MGET", "a", "b", "c", "d", "e", "a"},
		{"MSETNX", "e", "1", "a", "2"},
		{"MGET", "a", "e"},
		{"MSETNX", "e", "1", "f", "2", "g", "3"},
		{"MGET", "e", "f", "g", "h"},
		{"MSET", "a", "1", "b"},
		{"MSETNX", "a", "1", "b"},
		{"MSET", "g", "ohmytext", "h", "mynewtext"},
		{"LCS", "g", "h"},
		{"LCS", "h", "g", "IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"},
		{"LCS", "g", "h", "LEN"},
		{"LCS", "g", "nope"},
		{"LCS", "g", "h", "IDX", "LEN"},
		{"LCS", "g", "h", "MINMATCHLEN", "x"},
		{"LCS", "a", "d", "IDX"},
	}
	for _, c := range cmds {
		want, got := one.Do(c...), four.Do(c...)
		if got != want {
			t.Errorf("%q: 4 shards %q, 1 shard %q", c, got, want)
		}
	}
	// LCS on a key of another type, on another shard than the string.
	for _, l := range []*Local{one, four} {
		putList(l, "h")
		if got := l.Do("LCS", "g", "h"); got != "-ERR The specified keys must contain string values\r\n" {
			t.Errorf("LCS with a list: %q", got)
		}
		if got := l.Do("MGET", "g", "h", "a"); got != sresp("*3", "$ohmytext", "nil", "$1") {
			t.Errorf("MGET with a list: %q", got)
		}
	}
}

// putList stores a value of another type under key (the strings family
// only needs to see its type).
func putList(l *Local, key string) {
	db := l.Shards[ShardOf([]byte(key), len(l.Shards))].DBs[0]
	db.SetBlob([]byte(key), TypeList, []byte{0, 1, 2}, 0, 0, l.now())
}

func TestStringsWrongType(t *testing.T) {
	stringsLocals(t, func(t *testing.T, l *Local) {
		const wt = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
		for _, c := range [][]string{
			{"GET", "L"}, {"GETEX", "L"}, {"GETEX", "L", "EX", "abc"}, {"GETDEL", "L"}, {"GETSET", "L", "x"},
			{"SET", "L", "x", "GET"}, {"SET", "L", "x", "NX", "GET"}, {"SET", "L", "x", "XX", "GET"},
			{"STRLEN", "L"}, {"GETRANGE", "L", "0", "1"}, {"SETRANGE", "L", "0", "x"}, {"SETRANGE", "L", "0", ""},
			{"APPEND", "L", "x"}, {"INCR", "L"}, {"DECRBY", "L", "2"}, {"INCRBYFLOAT", "L", "1"},
		} {
			putList(l, "L")
			if got := l.Do(c...); got != wt {
				t.Errorf("%q = %q", c, got)
			}
		}
		putList(l, "L")
		f := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Errorf("%q = %q, want %q", args, got, want)
			}
		}
		f("-ERR value is not an integer or out of range\r\n", "INCRBY", "L", "x")
		f("-ERR syntax error\r\n", "GETEX", "L", "FOO")
		f(":0\r\n", "SETNX", "L", "x")
		f("$-1\r\n", "SET", "L", "x", "NX")
		f(":0\r\n", "MSETNX", "L", "x")
		f("*1\r\n$-1\r\n", "MGET", "L")
		f("+OK\r\n", "SET", "L", "x")
		f("$1\r\nx\r\n", "GET", "L")
	})
}

// TestStringsModel runs seeded random string edits against a Go map
// model, with every DB's invariant check after each step.
func TestStringsModel(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		rng := rand.New(rand.NewSource(int64(42 + n)))
		model := map[string][]byte{}
		key := func() string { return "k" + strconv.Itoa(rng.Intn(12)) }
		payload := func() []byte {
			sizes := []int{0, 1, 5, 40, 130, 900, 2000, 20000, 70000}
			if rng.Intn(10) > 0 {
				sizes = sizes[:7] // large payloads (past maxSmallRecord) now and then
			}
			b := make([]byte, rng.Intn(sizes[rng.Intn(len(sizes))]+1))
			for i := range b {
				b[i] = byte('a' + rng.Intn(26))
			}
			return b
		}
		for step := 0; step < 2000; step++ {
			k := key()
			var args []string
			old, exists := model[k]
			switch rng.Intn(8) {
			case 0:
				v := payload()
				if rng.Intn(3) == 0 {
					v = []byte(strconv.Itoa(rng.Intn(2000) - 1000))
				}
				args = []string{"SET", k, string(v)}
				model[k] = v
			case 1, 2:
				v := payload()
				args = []string{"APPEND", k, string(v)}
				model[k] = append(append([]byte{}, old...), v...)
			case 3:
				v := payload()
				off := rng.Intn(len(old) + 50)
				args = []string{"SETRANGE", k, strconv.Itoa(off), string(v)}
				if len(v) > 0 {
					nv := append([]byte{}, old...)
					if len(nv) < off+len(v) {
						nv = append(nv, make([]byte, off+len(v)-len(nv))...)
					}
					copy(nv[off:], v)
					model[k] = nv
				}
			case 4:
				args = []string{"INCRBY", k, strconv.Itoa(rng.Intn(300) - 150)}
				if cur, err := strconv.ParseInt(string(old), 10, 64); err == nil || !exists {
					if !exists {
						cur = 0
					}
					by, _ := strconv.ParseInt(args[2], 10, 64)
					model[k] = []byte(strconv.FormatInt(cur+by, 10))
				}
			case 5:
				args = []string{"GETDEL", k}
				delete(model, k)
			case 6:
				args = []string{"EXPIRE", k, "1000"}
			default:
				args = []string{"STRLEN", k}
			}
			l.Do(args...)
			for mk, mv := range model {
				if mk != k && step%100 != 0 {
					continue
				}
				got := l.Do("GET", mk)
				if want := sresp("$" + string(mv)); got != want {
					t.Fatalf("shards=%d step %d after %.60q: GET %s = %.80q, want %.80q", n, step, args, mk, got, want)
				}
			}
			if _, ok := model[k]; !ok {
				if got := l.Do("GET", k); got != sresp("nil") {
					t.Fatalf("shards=%d step %d after %.60q: GET %s = %.80q, want nil", n, step, args, k, got)
				}
			}
			if step%50 == 0 || checkEvery == 1 {
				for _, sh := range l.Shards {
					if err := sh.DBs[0].Check(); err != nil {
						t.Fatalf("shards=%d step %d after %.60q: %v", n, step, args, err)
					}
				}
			}
		}
		l.Close()
	}
}

// TestStringsAppendLarge grows a string past the arena's small-record
// limit by appends and checks its bytes, the accounting and that the
// record is not copied on every append.
func TestStringsAppendLarge(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	chunk := bytes.Repeat([]byte("0123456789"), 10)
	var want []byte
	db := l.Shards[0].DBs[0]
	moves := 0
	var lastRec Handle
	for i := 0; i < 5000; i++ {
		want = append(want, chunk...)
		if got := l.Do("APPEND", "big", string(chunk)); got != ":"+strconv.Itoa(len(want))+"\r\n" {
			t.Fatalf("APPEND %d = %q", i, got)
		}
		seg, bi, si := db.lookup([]byte("big"), KeyHash([]byte("big")))
		if h := slotHandle(seg.b[bi].slots[si]); h != lastRec {
			moves++
			lastRec = h
		}
	}
	v, _ := db.Get([]byte("big"), l.now())
	if !bytes.Equal(v.Bytes, want) {
		t.Fatal("appended bytes differ")
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	if moves > 120 {
		t.Errorf("the record moved %d times in 5000 appends", moves)
	}
	if got := l.Do("SETRANGE", "big", "499999", "xy"); got != ":500001\r\n" {
		t.Errorf("SETRANGE past the end = %q", got)
	}
	if got := l.Do("GETRANGE", "big", "499998", "-1"); got != "$3\r\n8xy\r\n" {
		t.Errorf("GETRANGE = %q", got)
	}
}

// TestStringsMemcachedMeta checks that RESP writes that edit a value in
// place drop the memcached trailer (dash_mc.go), as put does.
func TestStringsMemcachedMeta(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	db := l.Shards[0].DBs[0]
	for _, c := range [][]string{{"INCR", "m"}, {"SETRANGE", "m", "0", "9"}, {"APPEND", "m", "x"}} {
		l.Do("SET", "m", "5")
		seg, bi, si := db.lookup([]byte("m"), KeyHash([]byte("m")))
		seg.b[bi].slots[si] |= slotMC // pretend memcached wrote it (trailer bytes are garbage)
		l.Do(c...)
		seg, bi, si = db.lookup([]byte("m"), KeyHash([]byte("m")))
		if s := seg.b[bi].slots[si]; s&slotMC != 0 {
			t.Errorf("%q kept the memcached bit", c)
		}
	}
}

func TestLongDouble(t *testing.T) {
	add := func(a, b string) string {
		x, ok1 := parseLongDouble([]byte(a))
		y, ok2 := parseLongDouble([]byte(b))
		if !ok1 || !ok2 {
			return "parse error"
		}
		z, ok := addLongDouble(x, y)
		if !ok {
			return "nan/inf"
		}
		return string(formatLongDouble(z))
	}
	f := func(a, b, want string) {
		t.Helper()
		if got := add(a, b); got != want {
			t.Errorf("%s + %s = %s, want %s", a, b, got, want)
		}
	}
	// Replies recorded from redis-server 7.0 on x86-64.
	f("10.5", "0.1", "10.6")
	f("0", "3.0e3", "3000")
	f("0", "5.0e-1", "0.5")
	f("0.1", "0.2", "0.3")
	f("0", "-0.0", "0")
	f("0", "1e-20", "0")
	f("1.7976931348623157e308", "1.7976931348623157e308", "359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768")
	f("0", "3.14159265358979323846264338327950288", "3.14159265358979324")
	f("0.9", "0.1", "1")
	f("0", "0x1.8p1", "3")
	f("1e4932", "1e4932", "nan/inf")
	f("1", "inf", "nan/inf")
	for _, bad := range []string{"", " 1", "1 ", "1e", "abc", "nan", "-nan", "1_0", "1e5000", "1e-5000", "0x", "0x1p", ".", "1\x00"} {
		if _, ok := parseLongDouble([]byte(bad)); ok {
			t.Errorf("ldParse(%q) accepted", bad)
		}
	}
	for _, good := range []string{"0e5000", ".5", "5.", "+2", "-.25e1", "INF", "-Infinity", "0X.8P-1", "1E2"} {
		if _, ok := parseLongDouble([]byte(good)); !ok {
			t.Errorf("ldParse(%q) refused", good)
		}
	}
}

// TestStringsAllocs checks that GET, SET, INCR and MGET on one shard
// allocate nothing per call in steady state.
func TestStringsAllocs(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	l.Do("SET", "k", "some value")
	l.Do("SET", "n", "1")
	cases := map[string][][]byte{
		"GET":   {[]byte("GET"), []byte("k")},
		"SET":   {[]byte("SET"), []byte("k"), []byte("other value")},
		"SETEX": {[]byte("SET"), []byte("k"), []byte("other value"), []byte("EX"), []byte("100")},
		"INCR":  {[]byte("INCR"), []byte("n")},
		"MGET":  {[]byte("MGET"), []byte("k"), []byte("n"), []byte("missing")},
	}
	for name, args := range cases {
		l.DoBytes(args)
		if n := testing.AllocsPerRun(200, func() { l.DoBytes(args) }); n != 0 {
			t.Errorf("%s: %.1f allocs per call", name, n)
		}
	}
}

func benchStrings(b *testing.B, setup [][]string, args ...string) {
	l := NewLocal(1)
	defer l.Close()
	for _, s := range setup {
		l.Do(s...)
	}
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.DoBytes(a)
	}
}

func BenchmarkStringsGet(b *testing.B) {
	benchStrings(b, [][]string{{"SET", "key:000001", "value-of-some-length"}}, "GET", "key:000001")
}

func BenchmarkStringsSet(b *testing.B) {
	benchStrings(b, nil, "SET", "key:000001", "value-of-some-length")
}

func BenchmarkStringsSetEX(b *testing.B) {
	benchStrings(b, nil, "SET", "key:000001", "value-of-some-length", "EX", "1000")
}

func BenchmarkStringsIncr(b *testing.B) {
	benchStrings(b, [][]string{{"SET", "counter", "1000"}}, "INCR", "counter")
}

func BenchmarkStringsMGet(b *testing.B) {
	benchStrings(b, [][]string{{"MSET", "a", "1", "b", "two", "c", "three"}}, "MGET", "a", "b", "c")
}

// benchStringsDirect runs a command's Run on a Ctx, without Local's
// dispatch, clock and counters: the family's own cost.
func benchStringsDirect(b *testing.B, setup [][]string, args ...string) {
	l := NewLocal(1)
	defer l.Close()
	for _, s := range setup {
		l.Do(s...)
	}
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	cmd := Lookup(a[0])
	var w proto.Writer
	c := &Ctx{Server: l.Server, Shard: l.Shards[0], W: &w, Now: l.now()}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Buf = w.Buf[:0]
		cmd.Run(c, a)
	}
}

func BenchmarkStringsDirectGet(b *testing.B) {
	benchStringsDirect(b, [][]string{{"SET", "key:000001", "value-of-some-length"}}, "GET", "key:000001")
}

func BenchmarkStringsDirectSet(b *testing.B) {
	benchStringsDirect(b, nil, "SET", "key:000001", "value-of-some-length")
}

func BenchmarkStringsDirectIncr(b *testing.B) {
	benchStringsDirect(b, [][]string{{"SET", "counter", "1000"}}, "INCR", "counter")
}

func BenchmarkStringsDirectMGet(b *testing.B) {
	benchStringsDirect(b, [][]string{{"MSET", "a", "1", "b", "two", "c", "three"}}, "MGET", "a", "b", "c")
}

// FuzzStrings feeds arbitrary arguments to the strings commands on two
// shards: no input may panic, every reply is one well-formed RESP value,
// and the databases stay consistent.
func FuzzStrings(f *testing.F) {
	for _, seed := range []string{
		"SET k v EX 10 GET", "SET k v PXAT 1 NX", "SET k v EX 9223372036854775807", "GETEX k PERSIST EX 1",
		"SETRANGE k 536870911 x", "SETRANGE k 130 abc", "APPEND k 0123456789", "GETRANGE k -9223372036854775808 -1",
		"INCRBYFLOAT k 0x1p-16445", "INCRBYFLOAT k 1e4932", "INCRBYFLOAT k -.5e-4950", "INCRBY k -9223372036854775808",
		"LCS k j IDX MINMATCHLEN -1 WITHMATCHLEN", "MSETNX k 1 j 2", "MGET k j k", "SET k 9223372036854775807",
		"SETEX k 1 v", "PSETEX k 9223372036854775807 v", "DECRBY k -9223372036854775808", "SUBSTR k 1 0",
	} {
		f.Add(seed)
	}
	names := map[string]bool{"set": true, "get": true, "setnx": true, "setex": true, "psetex": true, "getset": true,
		"getdel": true, "getex": true, "mget": true, "mset": true, "msetnx": true, "append": true, "strlen": true,
		"getrange": true, "substr": true, "setrange": true, "incr": true, "decr": true, "incrby": true,
		"decrby": true, "incrbyfloat": true, "lcs": true}
	l := NewLocal(2)
	f.Cleanup(l.Close)
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		if len(args) == 0 || !names[strings.ToLower(args[0])] {
			return
		}
		for i := 1; i < len(args); i++ { // keep keys few so commands meet earlier values
			if len(args[i]) == 1 {
				args[i] = "k"
			}
		}
		for _, s := range []string{"SETRANGE", "APPEND", "SET", "MSET"} { // keep values small
			if strings.EqualFold(args[0], s) && len(args) > 2 {
				for _, a := range args[2:] {
					if n, err := strconv.Atoi(a); err == nil && n > 1<<20 {
						return
					}
				}
			}
		}
		got := l.Do(args...)
		if len(got) < 3 || !strings.HasSuffix(got, "\r\n") || !strings.ContainsRune("+-:$*_%,#", rune(got[0])) {
			t.Fatalf("%q: malformed reply %q", args, got)
		}
		for _, sh := range l.Shards {
			if err := sh.DBs[0].Check(); err != nil {
				t.Fatalf("%q: %v", args, err)
			}
		}
	})
}
