package engine

import (
	"fmt"
	"math/rand"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSetCommands(t *testing.T) {
	hsLocals(t, func(t *testing.T, l *Local) {
		hsExpect(t, l, ":3\r\n", "SADD", "i", "3", "1", "2")
		hsExpect(t, l, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "SMEMBERS", "i")
		hsExpect(t, l, "$6\r\nintset\r\n", "OBJECT", "ENCODING", "i")
		hsExpect(t, l, ":1\r\n", "SADD", "i", "x")
		hsExpect(t, l, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "i")
		hsExpect(t, l, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n", "SMEMBERS", "i")
		hsExpect(t, l, ":1\r\n", "SREM", "i", "x")
		hsExpect(t, l, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "i") // never back to intset
		hsExpect(t, l, ":1\r\n", "SADD", "i", strings.Repeat("l", 65))
		hsExpect(t, l, "$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "i")
		hsExpect(t, l, ":4\r\n", "SCARD", "i")
		hsExpect(t, l, "*3\r\n:1\r\n:0\r\n:1\r\n", "SMISMEMBER", "i", "1", "9", "3")
		hsAccounted(t, l)
		hsExpect(t, l, ":4\r\n", "SREM", "i", "1", "2", "3", strings.Repeat("l", 65))
		hsExpect(t, l, ":0\r\n", "EXISTS", "i")
		hsAccounted(t, l)
		// Width upgrades of intsets.
		hsExpect(t, l, ":4\r\n", "SADD", "w", "1", "40000", "3000000000", "-9223372036854775808")
		hsExpect(t, l, "*4\r\n$20\r\n-9223372036854775808\r\n$1\r\n1\r\n$5\r\n40000\r\n$10\r\n3000000000\r\n", "SMEMBERS", "w")
		hsExpect(t, l, ":1\r\n", "SISMEMBER", "w", "3000000000")
		hsExpect(t, l, ":0\r\n", "SISMEMBER", "w", "03000000000")
		// Over set-max-intset-entries integers: hashtable.
		args := []string{"SADD", "many"}
		for i := 0; i < 513; i++ {
			args = append(args, strconv.Itoa(i))
		}
		hsExpect(t, l, ":513\r\n", args...)
		hsExpect(t, l, "$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "many")
		// TTL is kept by updates and removed by a STORE.
		hsExpect(t, l, ":1\r\n", "EXPIRE", "w", "500")
		hsExpect(t, l, ":1\r\n", "SADD", "w", "7")
		hsExpect(t, l, ":500\r\n", "TTL", "w")
		hsExpect(t, l, ":5\r\n", "SUNIONSTORE", "w", "w")
		hsExpect(t, l, ":-1\r\n", "TTL", "w")
		l.Sess.Resp3 = true
		hsExpect(t, l, "~2\r\n$1\r\n1\r\n$1\r\n7\r\n", "SINTER", "w", "w", "many")
		hsExpect(t, l, "~0\r\n", "SMEMBERS", "nope")
		hsExpect(t, l, "~0\r\n", "SPOP", "nope", "3")
		hsExpect(t, l, "*0\r\n", "SRANDMEMBER", "nope", "3")
		l.Sess.Resp3 = false
		hsAccounted(t, l)
	})
}

type setModel map[string]map[string]bool

func (m setModel) members(k string) []string {
	var out []string
	for e := range m[k] {
		out = append(out, e)
	}
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func (m setModel) op(op string, keys []string) []string {
	acc := map[string]bool{}
	for e := range m[keys[0]] {
		acc[e] = true
	}
	for _, k := range keys[1:] {
		switch op {
		case "SINTER":
			for e := range acc {
				if !m[k][e] {
					delete(acc, e)
				}
			}
		case "SUNION":
			for e := range m[k] {
				acc[e] = true
			}
		case "SDIFF":
			for e := range m[k] {
				delete(acc, e)
			}
		}
	}
	var out []string
	for e := range acc {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}

func (m setModel) store(dst string, members []string) {
	if len(members) == 0 {
		delete(m, dst)
		return
	}
	s := map[string]bool{}
	for _, e := range members {
		s[e] = true
	}
	m[dst] = s
}

func sortedFlat(t *testing.T, raw string) []string {
	got := hsFlat(t, raw)
	slices.Sort(got)
	if got == nil {
		got = []string{}
	}
	return got
}

// TestSetModel runs random set commands, single- and multi-key (the
// latter through Tx plans whenever their keys span shards), against a
// map model, with 1 and 3 shards and small conversion limits so every
// encoding is crossed.
func TestSetModel(t *testing.T) {
	hsLocals(t, func(t *testing.T, l *Local) {
		hsExpect(t, l, "+OK\r\n", "CONFIG", "SET", "set-max-intset-entries", "12")
		hsExpect(t, l, "+OK\r\n", "CONFIG", "SET", "set-max-listpack-entries", "8")
		r := rand.New(rand.NewSource(11))
		keys := []string{"sa", "sb", "sc", "sd", "se", "sf"}
		m := setModel{}
		elem := func() string {
			if r.Intn(2) == 0 {
				return strconv.Itoa(r.Intn(30) - 5)
			}
			return fmt.Sprintf("m%d", r.Intn(30))
		}
		pick := func(n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = keys[r.Intn(len(keys))]
			}
			return out
		}
		for step := 0; step < 3000; step++ {
			k := keys[r.Intn(len(keys))]
			switch r.Intn(9) {
			case 0, 1:
				es := []string{elem(), elem(), elem()}
				n := 0
				for _, e := range es {
					if m[k] == nil {
						m[k] = map[string]bool{}
					}
					if !m[k][e] {
						m[k][e] = true
						n++
					}
				}
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", n), append([]string{"SADD", k}, es...)...)
			case 2:
				e := elem()
				n := 0
				if m[k][e] {
					n = 1
					delete(m[k], e)
					if len(m[k]) == 0 {
						delete(m, k)
					}
				}
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", n), "SREM", k, e)
			case 3:
				if got, want := sortedFlat(t, l.Do("SMEMBERS", k)), m.members(k); !slices.Equal(got, want) {
					t.Fatalf("step %d: SMEMBERS %s = %v, want %v", step, k, got, want)
				}
			case 4:
				op := []string{"SINTER", "SUNION", "SDIFF"}[r.Intn(3)]
				ks := pick(1 + r.Intn(3))
				got, want := sortedFlat(t, l.Do(append([]string{op}, ks...)...)), m.op(op, ks)
				if want == nil {
					want = []string{}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("step %d: %s %v = %v, want %v", step, op, ks, got, want)
				}
			case 5:
				op := []string{"SINTER", "SUNION", "SDIFF"}[r.Intn(3)]
				ks := pick(1 + r.Intn(3))
				dst := keys[r.Intn(len(keys))]
				want := m.op(op, ks)
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", len(want)), append([]string{op + "STORE", dst}, ks...)...)
				m.store(dst, want)
			case 6:
				ks := pick(1 + r.Intn(3))
				limit := r.Intn(4)
				want := min(len(m.op("SINTER", ks)), limit)
				if limit == 0 {
					want = len(m.op("SINTER", ks))
				}
				args := append([]string{"SINTERCARD", strconv.Itoa(len(ks))}, ks...)
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", want), append(args, "LIMIT", strconv.Itoa(limit))...)
			case 7:
				src, dst, e := k, keys[r.Intn(len(keys))], elem()
				n := 0
				if m[src][e] {
					n = 1
					if src != dst {
						delete(m[src], e)
						if len(m[src]) == 0 {
							delete(m, src)
						}
						if m[dst] == nil {
							m[dst] = map[string]bool{}
						}
						m[dst][e] = true
					}
				}
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", n), "SMOVE", src, dst, e)
			case 8:
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", len(m[k])), "SCARD", k)
			}
			if step%100 == 0 {
				hsAccounted(t, l)
			}
		}
		for _, k := range keys {
			if got, want := sortedFlat(t, l.Do("SMEMBERS", k)), m.members(k); !slices.Equal(got, want) {
				t.Fatalf("final SMEMBERS %s = %v, want %v", k, got, want)
			}
		}
		hsAccounted(t, l)
	})
}

// TestSetCrossShardTx checks that the multi-key commands take their Tx
// path when keys span shards, and agree with the single-shard Run path.
func TestSetCrossShardTx(t *testing.T) {
	l := NewLocal(3)
	defer l.Close()
	a, b := keyOn("x", 0, 3), keyOn("y", 1, 3)
	l.Do("SADD", a, "1", "2", "3")
	l.Do("SADD", b, "3", "4")
	if !NeedsTx(Lookup([]byte("sunion")), [][]byte{[]byte("sunion"), []byte(a), []byte(b)}, 3) {
		t.Fatal("SUNION across shards does not take the Tx path")
	}
	hsExpect(t, l, "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n", "SUNION", a, b)
	hsExpect(t, l, "*1\r\n$1\r\n3\r\n", "SINTER", a, b)
	hsExpect(t, l, ":1\r\n", "SINTERCARD", "2", a, b)
	hsExpect(t, l, ":2\r\n", "SDIFFSTORE", b, a, b)
	hsExpect(t, l, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SMEMBERS", b)
	hsExpect(t, l, ":1\r\n", "SMOVE", a, b, "3")
	hsExpect(t, l, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "SMEMBERS", b)
	hsExpect(t, l, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SMEMBERS", a)
	l.Do("SET", keyOn("s", 2, 3), "str")
	hsExpect(t, l, rWrong, "SUNION", a, keyOn("s", 2, 3))
	hsExpect(t, l, rWrong, "SMOVE", a, keyOn("s", 2, 3), "1")
	hsExpect(t, l, ":0\r\n", "SMOVE", keyOn("none", 1, 3), keyOn("s", 2, 3), "1")
	hsExpect(t, l, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SMEMBERS", a)
	hsExpect(t, l, "-ERR numkeys should be greater than 0\r\n", "SINTERCARD", "0", a, b)
	hsAccounted(t, l)
}

// TestSetRandom checks SPOP and SRANDMEMBER by their properties on every
// encoding.
func TestSetRandom(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	fill := func(key string, n int, f func(i int) string) map[string]bool {
		all := map[string]bool{}
		args := []string{"SADD", key}
		for i := 0; i < n; i++ {
			args = append(args, f(i))
			all[f(i)] = true
		}
		l.Do(args...)
		return all
	}
	cases := map[string]func(i int) string{
		"ints":  func(i int) string { return strconv.Itoa(i * 7) },
		"small": func(i int) string { return fmt.Sprintf("m%d", i) },
		"big":   func(i int) string { return fmt.Sprintf("member:%d", i) },
	}
	sizes := map[string]int{"ints": 100, "small": 50, "big": 2000}
	for name, f := range cases {
		size := sizes[name]
		all := fill(name, size, f)
		for _, count := range []int{1, 3, size / 3, size - 1, size, size + 5} {
			got := hsFlat(t, l.Do("SRANDMEMBER", name, strconv.Itoa(count)))
			if len(got) != min(count, size) {
				t.Fatalf("%s SRANDMEMBER %d: %d members", name, count, len(got))
			}
			seen := map[string]bool{}
			for _, e := range got {
				if !all[e] || seen[e] {
					t.Fatalf("%s SRANDMEMBER %d: bad or repeated %q", name, count, e)
				}
				seen[e] = true
			}
			neg := hsFlat(t, l.Do("SRANDMEMBER", name, strconv.Itoa(-count)))
			if len(neg) != count {
				t.Fatalf("%s SRANDMEMBER -%d: %d members", name, count, len(neg))
			}
			for _, e := range neg {
				if !all[e] {
					t.Fatalf("%s SRANDMEMBER -%d: %q", name, count, e)
				}
			}
		}
		left := size
		for left > 0 {
			n := 1 + left/3
			got := hsFlat(t, l.Do("SPOP", name, strconv.Itoa(n)))
			if len(got) != min(n, left) {
				t.Fatalf("%s SPOP %d: %d members", name, n, len(got))
			}
			for _, e := range got {
				if !all[e] {
					t.Fatalf("%s SPOP: %q popped twice or unknown", name, e)
				}
				delete(all, e)
			}
			left -= len(got)
			hsExpect(t, l, fmt.Sprintf(":%d\r\n", left), "SCARD", name)
			for e := range all {
				hsExpect(t, l, ":1\r\n", "SISMEMBER", name, e)
				break
			}
		}
		hsExpect(t, l, ":0\r\n", "EXISTS", name)
	}
	hsAccounted(t, l)
}

// TestSetScan iterates a hashtable-encoded set with SSCAN.
func TestSetScan(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	args := []string{"SADD", "s"}
	for i := 0; i < 3000; i++ {
		args = append(args, fmt.Sprintf("e%d", i))
	}
	l.Do(args...)
	seen := map[string]bool{}
	cursor := "0"
	for calls := 0; ; calls++ {
		got := hsFlat(t, l.Do("SSCAN", "s", cursor, "COUNT", "100"))
		cursor = got[0]
		for _, e := range got[1:] {
			if seen[e] {
				t.Fatalf("SSCAN returned %q twice", e)
			}
			seen[e] = true
		}
		if cursor == "0" {
			break
		}
		if calls > 1000 {
			t.Fatal("SSCAN does not end")
		}
	}
	if len(seen) != 3000 {
		t.Fatalf("SSCAN saw %d members", len(seen))
	}
}

// TestSetAllocs: SISMEMBER does not allocate, on any encoding.
func TestSetAllocs(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	l.Do("SADD", "ints", "1", "2", "3")
	l.Do("SADD", "small", "a", "b", "c")
	args := []string{"SADD", "big"}
	for i := 0; i < 1000; i++ {
		args = append(args, fmt.Sprintf("m%d", i))
	}
	l.Do(args...)
	for _, c := range [][2]string{{"ints", "2"}, {"ints", "x"}, {"small", "b"}, {"big", "m500"}, {"big", "zz"}} {
		cmd := [][]byte{[]byte("SISMEMBER"), []byte(c[0]), []byte(c[1])}
		l.DoBytes(cmd)
		if n := testing.AllocsPerRun(200, func() { l.DoBytes(cmd) }); n != 0 {
			t.Errorf("SISMEMBER %s %s: %v allocs/op", c[0], c[1], n)
		}
	}
}

func BenchmarkSADD(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	for _, size := range []int{10, 100000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			members := make([][]byte, size)
			for i := range members {
				members[i] = []byte(fmt.Sprintf("member:%d", i))
			}
			cmd := [][]byte{[]byte("SADD"), []byte("bs" + strconv.Itoa(size)), nil}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cmd[2] = members[i%size]
				l.DoBytes(cmd)
			}
		})
	}
}

func BenchmarkSISMEMBER(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	for _, size := range []int{10, 100000} {
		key := "bs" + strconv.Itoa(size)
		members := make([][]byte, size)
		args := []string{"SADD", key}
		for i := range members {
			members[i] = []byte(fmt.Sprintf("member:%d", i))
			args = append(args, string(members[i]))
		}
		l.Do(args...)
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			cmd := [][]byte{[]byte("SISMEMBER"), []byte(key), nil}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cmd[2] = members[i%size]
				l.DoBytes(cmd)
			}
		})
	}
}

// BenchmarkMemory1M builds a 1M-member set and a 1M-field hash (members
// "member:N", fields "field:N" with values "value:N", as the comparison
// with redis-server's used_memory in the report) and reports the bytes
// per element the DB accounts and the Go heap grew by. It ignores b.N.
func BenchmarkMemory1M(b *testing.B) {
	const n = 1000000
	for _, kind := range []string{"set", "hash"} {
		b.Run(kind, func(b *testing.B) {
			l := NewLocal(1)
			defer l.Close()
			db := l.Shards[0].DBs[0]
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			used0 := db.UsedBytes()
			for j := 0; j < n; j += 1000 {
				args := [][]byte{[]byte("SADD"), []byte("big")}
				if kind == "hash" {
					args[0] = []byte("HSET")
				}
				for i := j; i < j+1000; i++ {
					if kind == "hash" {
						args = append(args, []byte(fmt.Sprintf("field:%d", i)), []byte(fmt.Sprintf("value:%d", i)))
					} else {
						args = append(args, []byte(fmt.Sprintf("member:%d", i)))
					}
				}
				l.DoBytes(args)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(db.UsedBytes()-used0)/n, "accounted-B/elem")
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/elem")
		})
	}
}
