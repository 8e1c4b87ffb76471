package engine

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

func args(s ...string) [][]byte {
	b := make([][]byte, len(s))
	for i, x := range s {
		b[i] = []byte(x)
	}
	return b
}

func TestBitmapsBasic(t *testing.T) {
	for _, shards := range []int{1, 3} {
		l := NewLocal(shards)
		f := func(want string, a ...string) {
			t.Helper()
			if got := l.Do(a...); got != want {
				t.Fatalf("shards=%d %v: got %q, want %q", shards, a, got, want)
			}
		}
		f(":0\r\n", "SETBIT", "b", "7", "1")
		f("$1\r\n\x01\r\n", "GET", "b")
		f(":1\r\n", "SETBIT", "b", "7", "0")
		f(":0\r\n", "SETBIT", "b", "23", "1")
		f("$3\r\n\x00\x00\x01\r\n", "GET", "b")
		f(":1\r\n", "GETBIT", "b", "23")
		f(":0\r\n", "GETBIT", "b", "24000")
		f(":1\r\n", "BITCOUNT", "b")
		f(":23\r\n", "BITPOS", "b", "1")
		f(":0\r\n", "BITPOS", "b", "0")
		f("-ERR bit offset is not an integer or out of range\r\n", "SETBIT", "b", "-1", "1")
		f("-ERR bit offset is not an integer or out of range\r\n", "SETBIT", "b", "4294967296", "1")
		f("-ERR bit is not an integer or out of range\r\n", "SETBIT", "b", "1", "2")
		f("+OK\r\n", "SET", "i", "12")
		f(":1\r\n", "GETBIT", "i", "7") // '2' = 0x32
		f(":0\r\n", "SETBIT", "i", "8", "0")
		f(":1\r\n", "SETBIT", "i", "10", "0")
		f("$2\r\n1\x12\r\n", "GET", "i")
		f("*3\r\n:0\r\n:-1\r\n:255\r\n", "BITFIELD", "f", "SET", "u8", "0", "255", "GET", "i1", "0", "GET", "u8", "0")
		f("*2\r\n:-1\r\n$-1\r\n", "BITFIELD", "f", "GET", "i8", "0", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1")
		f("-ERR BITFIELD_RO only supports the GET subcommand\r\n", "BITFIELD_RO", "f", "SET", "u8", "0", "1")
		l.Shards[ShardOf([]byte("list"), shards)].DBs[0].SetBlob([]byte("list"), TypeList, []byte{1}, 0, 0, 1)
		for _, a := range [][]string{{"SETBIT", "list", "0", "1"}, {"GETBIT", "list", "0"}, {"BITCOUNT", "list"},
			{"BITPOS", "list", "1"}, {"BITFIELD", "list", "GET", "u8", "0"}, {"BITFIELD", "list", "SET", "u8", "0", "1"}} {
			f("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", a...)
		}
		l.Close()
	}
}

// TestBitmapsGrowth sets bits at rising offsets, so the string grows a
// byte at a time and later in big steps, and checks it against a model;
// the deadline survives the growth.
func TestBitmapsGrowth(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	l.Now = func() int64 { return 1000 }
	db := l.Shards[0].DBs[0]
	l.Do("SETBIT", "g", "0", "1")
	db.Expire([]byte("g"), 1_000_000, 1000)
	model := map[int]bool{0: true}
	rng := rand.New(rand.NewSource(3))
	off := 0
	for i := 0; i < 3000; i++ {
		off += 1 + rng.Intn(200)
		if i%500 == 499 {
			off += 200_000 // past the small-record limit
		}
		on := rng.Intn(3) > 0
		l.Do("SETBIT", "g", strconv.Itoa(off), map[bool]string{true: "1", false: "0"}[on])
		model[off] = on
	}
	want := 0
	for _, on := range model {
		if on {
			want++
		}
	}
	if got := intReply(t, l.Do("BITCOUNT", "g")); got != int64(want) {
		t.Fatalf("BITCOUNT = %d, want %d", got, want)
	}
	if got := intReply(t, l.Do("STRLEN", "g")); got != int64(off/8+1) {
		t.Fatalf("STRLEN = %d, want %d", got, off/8+1)
	}
	for o, on := range model {
		if got := l.Do("GETBIT", "g", strconv.Itoa(o)); got != map[bool]string{true: ":1\r\n", false: ":0\r\n"}[on] {
			t.Fatalf("GETBIT %d = %q, want %v", o, got, on)
		}
	}
	if ttl := db.TTL([]byte("g"), 1000); ttl <= 0 {
		t.Fatalf("deadline lost while growing: TTL %d", ttl)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestBitopMultiShard compares BITOP over keys on different shards
// (planned as a transaction) with the same commands on one shard.
func TestBitopMultiShard(t *testing.T) {
	one := NewLocal(1)
	defer one.Close()
	for _, shards := range []int{2, 3, 4} {
		l := NewLocal(shards)
		keys := keysOnShards(l, "bits:")
		for i, k := range keys {
			v := fmt.Sprintf("value-%d-%s", i, string(make([]byte, i*7)))
			l.Do("SET", k, v)
			one.Do("SET", k, v)
		}
		l.Do("SET", keys[0], "123") // an integer source
		one.Do("SET", keys[0], "123")
		for _, op := range []string{"AND", "OR", "XOR"} {
			a := append([]string{"BITOP", op, keys[len(keys)-1]}, keys...)
			a = append(a, "missing")
			if got, want := l.Do(a...), one.Do(a...); got != want {
				t.Fatalf("shards=%d %v: %q, want %q", shards, a, got, want)
			}
			if got, want := l.Do("GET", keys[len(keys)-1]), one.Do("GET", keys[len(keys)-1]); got != want {
				t.Fatalf("shards=%d BITOP %s result %q, want %q", shards, op, got, want)
			}
		}
		a := []string{"BITOP", "NOT", keys[0], keys[1]}
		if got, want := l.Do(a...), one.Do(a...); got != want || l.Do("GET", keys[0]) != one.Do("GET", keys[0]) {
			t.Fatalf("shards=%d BITOP NOT differs", shards)
		}
		// Empty result deletes the destination.
		if got := l.Do("BITOP", "OR", keys[1], "nokey1", "nokey2", keys[0]+"-none"); got != ":0\r\n" {
			t.Fatalf("empty BITOP: %q", got)
		}
		if got := l.Do("GET", keys[1]); got != "$-1\r\n" {
			t.Fatalf("empty BITOP left %q", got)
		}
		// A source of another type fails the whole command.
		sh := ShardOf([]byte(keys[0]), shards)
		l.Shards[sh].DBs[0].SetBlob([]byte(keys[0]), TypeList, []byte{1}, 0, 0, 1)
		l.Do("SET", keys[1], "dest")
		before := l.Do("GET", keys[1])
		if got := l.Do("BITOP", "AND", keys[1], keys[len(keys)-1], keys[0]); got != "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" {
			t.Fatalf("BITOP with a list: %q", got)
		}
		if l.Do("GET", keys[1]) != before {
			t.Fatal("failed BITOP changed its destination")
		}
		for _, k := range keys {
			one.Do("DEL", k)
		}
		l.Close()
	}
}

func TestBitmapsNoAllocs(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	l.Do("SETBIT", "a", "100000", "1")
	for _, a := range [][][]byte{args("SETBIT", "a", "777", "1"), args("GETBIT", "a", "777"), args("BITCOUNT", "a", "0", "-1"),
		args("BITPOS", "a", "1", "10"), args("BITFIELD", "a", "INCRBY", "i16", "#3", "5")} {
		if n := testing.AllocsPerRun(100, func() { l.DoBytes(a) }); n != 0 {
			t.Errorf("%s allocates %.1f times per run", a[0], n)
		}
	}
}

func BenchmarkSetbit(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	l.Do("SETBIT", "bm", strconv.Itoa(1<<20-1), "0")
	offs := make([][][]byte, 1024)
	for i := range offs {
		offs[i] = args("SETBIT", "bm", strconv.Itoa(i*1021%(1<<20)), strconv.Itoa(i&1))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.DoBytes(offs[i&1023])
	}
}

func BenchmarkGetbit(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	l.Do("SETBIT", "bm", strconv.Itoa(1<<20-1), "1")
	a := args("GETBIT", "bm", "524287")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.DoBytes(a)
	}
}

func BenchmarkBitcount(b *testing.B) {
	for _, size := range []int{64, 4096, 1 << 20} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			l := NewLocal(1)
			defer l.Close()
			v := make([]byte, size)
			rand.New(rand.NewSource(1)).Read(v)
			l.DoBytes([][]byte{[]byte("SET"), []byte("bm"), v})
			a := args("BITCOUNT", "bm")
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l.DoBytes(a)
			}
		})
	}
}

func benchPfadd(b *testing.B, preload int) {
	l := NewLocal(1)
	defer l.Close()
	for i := 0; i < preload; i += 100 {
		a := []string{"PFADD", "h"}
		for j := i; j < i+100 && j < preload; j++ {
			a = append(a, "pre-"+strconv.Itoa(j))
		}
		l.Do(a...)
	}
	elems := make([][][]byte, 4096)
	for i := range elems {
		elems[i] = args("PFADD", "h", "e-"+strconv.Itoa(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.DoBytes(elems[i&4095])
	}
}

// BenchmarkPfadd adds one element per PFADD to a sparse HLL (about 100
// elements in) and to a dense one.
func BenchmarkPfadd(b *testing.B) {
	b.Run("sparse", func(b *testing.B) { benchPfadd(b, 100) })
	b.Run("dense", func(b *testing.B) { benchPfadd(b, 20000) })
}

func BenchmarkPfcount(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	for _, k := range []string{"h1", "h2"} {
		for i := 0; i < 20000; i += 100 {
			a := []string{"PFADD", k}
			for j := i; j < i+100; j++ {
				a = append(a, k+strconv.Itoa(j))
			}
			l.Do(a...)
		}
	}
	b.Run("cached", func(b *testing.B) {
		a := args("PFCOUNT", "h1")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			l.DoBytes(a)
		}
	})
	b.Run("dense-stale", func(b *testing.B) {
		count := args("PFCOUNT", "h1")
		db := l.Shards[0].DBs[0]
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v, _, _, _ := db.MutableString([]byte("h1"), 0, 1)
			hllInvalidate(v)
			l.DoBytes(count)
		}
	})
	b.Run("union2", func(b *testing.B) {
		a := args("PFCOUNT", "h1", "h2")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			l.DoBytes(a)
		}
	})
}

// FuzzBitmapArgs runs bitmap commands with arbitrary arguments on a key
// holding arbitrary bytes: every call must write exactly one well-formed
// reply and leave the table consistent.
func FuzzBitmapArgs(f *testing.F) {
	f.Add([]byte("foobar"), uint8(0), "1", "0", "-1", "BIT", "x")
	f.Add([]byte{0xff, 0x00}, uint8(1), "0", "2", "#3", "i64", "7")
	f.Add([]byte("123"), uint8(2), "GET", "u63", "#1", "SET", "i8")
	f.Add([]byte{}, uint8(3), "OVERFLOW", "SAT", "INCRBY", "u8", "100")
	f.Add([]byte("x"), uint8(4), "1", "4294967295", "1", "", "")
	l := NewLocal(1)
	f.Fuzz(func(t *testing.T, val []byte, which uint8, a1, a2, a3, a4, a5 string) {
		l.DoBytes([][]byte{[]byte("SET"), []byte("k"), val})
		var cmd []string
		switch which % 6 {
		case 0:
			cmd = []string{"BITCOUNT", "k", a1, a2, a3}
		case 1:
			cmd = []string{"BITPOS", "k", a1, a2, a3, a4}
		case 2, 3:
			cmd = []string{"BITFIELD", "k", a1, a2, a3, a4, a5, a3}
		case 4:
			cmd = []string{"SETBIT", "k", a2, a1}
			if n, err := strconv.ParseUint(a2, 10, 64); err == nil && n > 1<<24 {
				return // keep the fuzzer's memory bounded
			}
		case 5:
			cmd = []string{"BITFIELD_RO", "k", a1, a2, a3}
		}
		n := len(cmd) - int(which/6)%3
		cmd = cmd[:max(n, 2)]
		if cmd[0] == "BITFIELD" {
			for _, a := range cmd[2:] {
				if strings.HasPrefix(a, "#") || len(a) > 6 {
					if x, err := strconv.ParseInt(strings.TrimPrefix(a, "#"), 10, 64); err == nil && (x > 1<<21 || x < -1<<21) {
						return
					}
				}
			}
		}
		r := l.Do(cmd...)
		if len(r) < 3 || !strings.HasSuffix(r, "\r\n") || !strings.ContainsRune(":-*$_", rune(r[0])) {
			t.Fatalf("%q: malformed reply %q", cmd, r)
		}
		if r[0] != '*' && strings.Count(r, "\r\n") != 1 && r[0] != '$' {
			t.Fatalf("%q: more than one reply %q", cmd, r)
		}
		if err := l.Shards[0].DBs[0].Check(); err != nil {
			t.Fatal(err)
		}
	})
}
