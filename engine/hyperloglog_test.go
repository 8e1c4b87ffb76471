package engine

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// keysOnShards returns one key per shard of l (prefix + a number), so a
// test can place HLLs and bitmaps on chosen shards.
func keysOnShards(l *Local, prefix string) []string {
	n := len(l.Shards)
	keys := make([]string, n)
	found := 0
	for i := 0; found < n; i++ {
		k := prefix + strconv.Itoa(i)
		if s := ShardOf([]byte(k), n); keys[s] == "" {
			keys[s] = k
			found++
		}
	}
	return keys
}

func intReply(t *testing.T, r string) int64 {
	t.Helper()
	if !strings.HasPrefix(r, ":") {
		t.Fatalf("want an integer reply, got %q", r)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(r[1:]), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHLLRedisBytes checks hashing, register choice and sparse editing
// against bytes recorded from redis-server 7.0 (PFADD t a; GET t; PFADD
// t b c hello; GET t).
func TestHLLRedisBytes(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	l.Do("PFADD", "t", "a")
	if got, want := l.Do("GET", "t"), "$21\r\nHYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80q\xa6\x84NW\r\n"; got != want {
		t.Fatalf("after PFADD a: %q, want %q", got, want)
	}
	l.Do("PFADD", "t", "b", "c", "hello")
	if got, want := l.Do("GET", "t"), "$30\r\nHYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80C\n\x80M\xa5\x84K\xfb\x80BZ\r\n"; got != want {
		t.Fatalf("after PFADD b c hello: %q, want %q", got, want)
	}
}

func TestHLLDenseRegisters(t *testing.T) {
	regs := make([]byte, hllDenseSize-hllHdrSize)
	want := make([]uint8, hllRegisters)
	for i := range want {
		want[i] = uint8((i*7 + i/3) & 63)
		hllDenseSetReg(regs, i, want[i])
	}
	for i := range want {
		if got := hllDenseGet(regs, i); got != want[i] {
			t.Fatalf("register %d = %d, want %d", i, got, want[i])
		}
	}
	var h [64]int
	hllDenseHisto(regs, &h)
	var raw [hllRegisters]uint8
	copy(raw[:], want)
	var h2 [64]int
	for _, r := range raw {
		h2[r]++
	}
	if h != h2 {
		t.Fatal("dense histogram differs from the registers' histogram")
	}
}

func TestHLLBasic(t *testing.T) {
	for _, shards := range []int{1, 3} {
		l := NewLocal(shards)
		f := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("shards=%d %v: got %q, want %q", shards, args, got, want)
			}
		}
		f(":1\r\n", "PFADD", "h")
		f("$18\r\nHYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff\r\n", "GET", "h")
		f(":0\r\n", "PFCOUNT", "h")
		f("$18\r\nHYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff\r\n", "GET", "h")
		f(":0\r\n", "PFADD", "h")
		f(":1\r\n", "PFADD", "h", "a", "b", "c")
		f(":0\r\n", "PFADD", "h", "a", "b", "c")
		f(":3\r\n", "PFCOUNT", "h")
		f(":0\r\n", "PFCOUNT", "nokey")
		f("+OK\r\n", "SET", "s", "foo")
		f("-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n", "PFADD", "s", "x")
		f("-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n", "PFCOUNT", "s")
		f("+OK\r\n", "SET", "i", "1")
		f("-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n", "PFCOUNT", "i")
		f("-ERR wrong number of arguments for 'pfadd' command\r\n", "PFADD")
		l.Close()
	}
}

func TestHLLWrongType(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	db := l.Shards[0].DBs[0]
	db.SetBlob([]byte("list"), TypeList, []byte{1, 2, 3}, 0, 0, 1)
	for _, args := range [][]string{{"PFADD", "list", "a"}, {"PFCOUNT", "list"}, {"PFCOUNT", "x", "list"}, {"PFMERGE", "list", "x"}, {"PFMERGE", "x", "list"}} {
		if got := l.Do(args...); got != "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" {
			t.Fatalf("%v: %q", args, got)
		}
	}
}

// TestHLLAccuracy checks the estimate within Redis's standard error (0.81%,
// allowing 4 sigma) up to 100000 elements, through sparse and dense.
func TestHLLAccuracy(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	args := []string{"PFADD", "h"}
	n := 0
	for _, target := range []int{10, 100, 1000, 10000, 100000} {
		for n < target {
			args = append(args[:2], "")
			for j := 0; j < 1000 && n < target; j++ {
				args = append(args, fmt.Sprintf("element:%d", n))
				n++
			}
			l.Do(args...)
		}
		got := intReply(t, l.Do("PFCOUNT", "h"))
		if e := math.Abs(float64(got)-float64(n)) / float64(n); e > 4*0.0081+1.0/float64(n) {
			t.Fatalf("PFCOUNT after %d elements = %d (error %.3f)", n, got, e)
		}
	}
	v := l.Do("GET", "h")
	if !strings.HasPrefix(v, "$12304\r\nHYLL\x00") {
		t.Fatalf("100000 elements should be dense, got %q...", v[:20])
	}
}

// TestHLLMultiShard compares PFCOUNT and PFMERGE over keys on different
// shards (planned as transactions) with the same commands on one shard.
func TestHLLMultiShard(t *testing.T) {
	one := NewLocal(1)
	defer one.Close()
	for _, shards := range []int{2, 3, 4} {
		l := NewLocal(shards)
		keys := keysOnShards(l, "hll:")
		for i, k := range keys {
			// One dense HLL (i==0), the others sparse.
			count := 40
			if i == 0 {
				count = 3000
			}
			args := []string{"PFADD", k}
			for j := 0; j < count; j++ {
				args = append(args, fmt.Sprintf("%d-%d", i, j))
			}
			l.Do(args...)
			one.Do(args...)
		}
		count := append([]string{"PFCOUNT"}, keys...)
		count = append(count, "missing")
		if got, want := l.Do(count...), one.Do(count...); got != want {
			t.Fatalf("shards=%d PFCOUNT %v: %q, want %q", shards, keys, got, want)
		}
		merge := append([]string{"PFMERGE", keys[len(keys)-1]}, keys[:len(keys)-1]...)
		if got, want := l.Do(merge...), one.Do(merge...); got != want {
			t.Fatalf("shards=%d PFMERGE: %q, want %q", shards, got, want)
		}
		if got, want := l.Do("GET", keys[len(keys)-1]), one.Do("GET", keys[len(keys)-1]); got != want {
			t.Fatalf("shards=%d merged HLL differs", shards)
		}
		// Errors: the first failing key in argument order wins.
		l.Do("SET", keys[1], "not an hll")
		if got := l.Do("PFCOUNT", keys[0], keys[1]); got != "-"+errNotHLL+"\r\n" {
			t.Fatalf("PFCOUNT with a bad key: %q", got)
		}
		if got := l.Do("PFMERGE", keys[0], keys[1]); got != "-"+errNotHLL+"\r\n" {
			t.Fatalf("PFMERGE with a bad key: %q", got)
		}
		// A merge into a new key on another shard.
		dst := keysOnShards(l, "dst:")[1]
		if got := l.Do("PFMERGE", dst, keys[0]); got != "+OK\r\n" {
			t.Fatalf("PFMERGE into new key: %q", got)
		}
		if l.Do("PFCOUNT", dst) != l.Do("PFCOUNT", keys[0]) {
			t.Fatal("merged copy counts differently")
		}
		for _, k := range keys {
			one.Do("DEL", k)
		}
		l.Close()
	}
}

// FuzzHLLValue feeds arbitrary bytes behind an HLL header to PFADD,
// PFCOUNT and PFMERGE: corrupt HLLs must give errors, never a crash, and
// a value that stays sparse must stay a valid sparse HLL or be reported.
func FuzzHLLValue(f *testing.F) {
	f.Add(byte(1), []byte{0x7f, 0xff}, "a")
	f.Add(byte(1), []byte{0x7f, 0xfe, 0x80}, "b")
	f.Add(byte(1), []byte{0x7f}, "c")
	f.Add(byte(1), []byte{0x00, 0x7f, 0xff}, "d")
	f.Add(byte(1), []byte{0xff, 0xff, 0xff, 0x7f, 0xf0}, "e")
	f.Add(byte(0), make([]byte, 12288), "f")
	f.Add(byte(1), []byte{}, "g")
	f.Add(byte(1), []byte{0x40, 0x00, 0x7f, 0xfe}, "h")
	l := NewLocal(1)
	f.Fuzz(func(t *testing.T, enc byte, body []byte, ele string) {
		v := append([]byte("HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), body...)
		v[4] = enc
		l.DoBytes([][]byte{[]byte("SET"), []byte("k"), v})
		l.Do("PFADD", "k", ele, ele+"x", ele+"yy")
		l.Do("PFCOUNT", "k")
		l.Do("PFCOUNT", "k", "k2")
		l.Do("PFMERGE", "k2", "k")
		l.Do("PFMERGE", "k", "k2")
		l.Do("PFADD", "k2", ele)
		l.Do("DEL", "k")
		l.Do("DEL", "k2")
	})
}

// TestHLLCorruptValues runs seeded random opcode soups (biased toward
// XZERO/VAL/ZERO bytes, some dense-sized) through the HLL commands: every
// reply must be an integer, OK or one of Redis's HLL errors.
func TestHLLCorruptValues(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	rng := rand.New(rand.NewSource(7))
	for it := 0; it < 3000; it++ {
		n := rng.Intn(64)
		if rng.Intn(10) == 0 {
			n = rng.Intn(20000)
		}
		if rng.Intn(20) == 0 {
			n = hllDenseSize - hllHdrSize
		}
		body := make([]byte, n)
		for i := range body {
			switch rng.Intn(4) {
			case 0:
				body[i] = byte(rng.Intn(256))
			case 1:
				body[i] = 0x7f
			case 2:
				body[i] = byte(0x80 | rng.Intn(128))
			default:
				body[i] = byte(rng.Intn(64))
			}
		}
		v := append([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), body...)
		if rng.Intn(8) == 0 {
			v[4] = 0
		}
		l.DoBytes([][]byte{[]byte("SET"), []byte("k"), v})
		e := strconv.Itoa(it)
		for _, args := range [][]string{{"PFADD", "k", e, e + "x", e + "yy"}, {"PFCOUNT", "k"}, {"PFCOUNT", "k", "k2"},
			{"PFMERGE", "k2", "k"}, {"PFMERGE", "k", "k2"}, {"PFADD", "k2", e}} {
			r := l.Do(args...)
			if r[0] != ':' && r != "+OK\r\n" && r != "-"+errNotHLL+"\r\n" && r != "-"+errInvalidHLL+"\r\n" {
				t.Fatalf("%v on %x: %q", args, v, r)
			}
		}
		l.Do("DEL", "k")
		l.Do("DEL", "k2")
	}
}
