package engine

import (
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// hsFlat parses one RESP reply into its scalar elements, flattening
// nested aggregates (nulls become "<nil>", integers their digits, errors
// "-text").
func hsFlat(t *testing.T, raw string) []string {
	t.Helper()
	var out []string
	var walk func(s string) string
	walk = func(s string) string {
		end := strings.Index(s, "\r\n")
		if end < 0 {
			t.Fatalf("bad reply %q", raw)
		}
		line, rest := s[1:end], s[end+2:]
		switch s[0] {
		case '*', '~', '%', '>':
			n, _ := strconv.Atoi(line)
			if s[0] == '%' {
				n *= 2
			}
			for i := 0; i < n; i++ {
				rest = walk(rest)
			}
		case '$':
			n, _ := strconv.Atoi(line)
			if n < 0 {
				out = append(out, "<nil>")
				return rest
			}
			out = append(out, rest[:n])
			rest = rest[n+2:]
		case '_':
			out = append(out, "<nil>")
		case '-':
			out = append(out, "-"+line)
		default:
			out = append(out, line)
		}
		return rest
	}
	if rest := walk(raw); rest != "" {
		t.Fatalf("trailing bytes in %q", raw)
	}
	return out
}

// hsLocals runs f with 1 and 3 shards.
func hsLocals(t *testing.T, f func(t *testing.T, l *Local)) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("shards=%d", n), func(t *testing.T) {
			l := NewLocal(n)
			defer l.Close()
			f(t, l)
		})
	}
}

func hsExpect(t *testing.T, l *Local, want string, args ...string) {
	t.Helper()
	if got := l.Do(args...); got != want {
		t.Errorf("%v = %q, want %q", args, got, want)
	}
}

// hsAccounted checks that the DB's object bytes equal the MemBytes of
// the objects its keys hold.
func hsAccounted(t *testing.T, l *Local) {
	t.Helper()
	for _, sh := range l.Shards {
		for _, db := range sh.DBs {
			var sum int64
			for ref, ok := db.FirstBucket(), true; ok; ref, ok = db.NextBucket(ref) {
				db.ForEachInBucket(ref, func(_ []byte, v Value, _ int64) {
					if v.Enc == EncObject {
						sum += sh.Objects.Get(v.Obj).MemBytes()
					}
				})
			}
			if sum != db.objBytes {
				t.Fatalf("shard %d: objBytes %d, objects hold %d", sh.ID, db.objBytes, sum)
			}
		}
	}
}

func TestHashCommands(t *testing.T) {
	hsLocals(t, func(t *testing.T, l *Local) {
		hsExpect(t, l, ":2\r\n", "HSET", "h", "a", "1", "b", "2")
		hsExpect(t, l, ":0\r\n", "HSET", "h", "a", "3")
		hsExpect(t, l, "*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n", "HGETALL", "h")
		hsExpect(t, l, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "h")
		hsExpect(t, l, "-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a", "1", "b")
		hsExpect(t, l, ":1\r\n", "HSETNX", "h", "c", "x")
		hsExpect(t, l, ":0\r\n", "HSETNX", "h", "c", "y")
		hsExpect(t, l, "$1\r\nx\r\n", "HGET", "h", "c")
		hsExpect(t, l, ":5\r\n", "HINCRBY", "h", "n", "5")
		hsExpect(t, l, "-ERR hash value is not an integer\r\n", "HINCRBY", "h", "c", "1")
		hsExpect(t, l, "$3\r\n5.5\r\n", "HINCRBYFLOAT", "h", "n", "0.5")
		hsExpect(t, l, ":2\r\n", "HDEL", "h", "a", "b", "zz")
		hsExpect(t, l, ":2\r\n", "HLEN", "h")
		hsExpect(t, l, ":2\r\n", "HDEL", "h", "c", "n")
		hsExpect(t, l, ":0\r\n", "EXISTS", "h")
		// TTL survives updates and the conversion to a hashtable.
		hsExpect(t, l, ":1\r\n", "HSET", "t", "f", "v")
		hsExpect(t, l, ":1\r\n", "EXPIRE", "t", "1000")
		hsExpect(t, l, ":1\r\n", "HSET", "t", "g", strings.Repeat("x", 100))
		hsExpect(t, l, "$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "t")
		hsExpect(t, l, ":1000\r\n", "TTL", "t")
		hsExpect(t, l, ":1\r\n", "HDEL", "t", "f")
		hsExpect(t, l, ":1000\r\n", "TTL", "t")
		hsAccounted(t, l)
		hsExpect(t, l, ":1\r\n", "HDEL", "t", "g")
		hsExpect(t, l, ":0\r\n", "EXISTS", "t")
		hsAccounted(t, l)
		// RESP3 shapes.
		l.Sess.Resp3 = true
		hsExpect(t, l, ":2\r\n", "HSET", "r", "a", "1", "b", "2")
		hsExpect(t, l, "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n", "HGETALL", "r")
		hsExpect(t, l, "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "HRANDFIELD", "r", "5", "WITHVALUES")
		hsExpect(t, l, "%0\r\n", "HGETALL", "nope")
		hsExpect(t, l, "_\r\n", "HGET", "r", "zz")
		l.Sess.Resp3 = false
	})
}

// TestHashModel drives hashes through both encodings with random
// commands against a map model, including conversions at small limits.
func TestHashModel(t *testing.T) {
	hsLocals(t, func(t *testing.T, l *Local) {
		hsExpect(t, l, "+OK\r\n", "CONFIG", "SET", "hash-max-listpack-entries", "16")
		r := rand.New(rand.NewSource(3))
		model := map[string]map[string]string{}
		keys := []string{"h0", "h1", "h2", "h3"}
		for step := 0; step < 4000; step++ {
			k := keys[r.Intn(len(keys))]
			f := fmt.Sprintf("f%d", r.Intn(40))
			m := model[k]
			switch r.Intn(6) {
			case 0, 1:
				v := strings.Repeat("v", r.Intn(70)) // sometimes over hash-max-listpack-value
				isNew := 1
				if _, ok := m[f]; ok {
					isNew = 0
				}
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", isNew), "HSET", k, f, v)
				if m == nil {
					m = map[string]string{}
					model[k] = m
				}
				m[f] = v
			case 2:
				n := 0
				if _, ok := m[f]; ok {
					n = 1
					delete(m, f)
					if len(m) == 0 {
						delete(model, k)
					}
				}
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", n), "HDEL", k, f)
			case 3:
				if v, ok := m[f]; ok {
					hsExpect(t, l, fmt.Sprintf("$%d\r\n%s\r\n", len(v), v), "HGET", k, f)
				} else {
					hsExpect(t, l, "$-1\r\n", "HGET", k, f)
				}
			case 4:
				got := hsFlat(t, l.Do("HGETALL", k))
				var want []string
				for f, v := range m {
					want = append(want, f+"="+v)
				}
				var pairs []string
				for i := 0; i+1 < len(got); i += 2 {
					pairs = append(pairs, got[i]+"="+got[i+1])
				}
				slices.Sort(want)
				slices.Sort(pairs)
				if !slices.Equal(want, pairs) {
					t.Fatalf("step %d: HGETALL %s = %v, want %v", step, k, pairs, want)
				}
			case 5:
				hsExpect(t, l, fmt.Sprintf(":%d\r\n", len(m)), "HLEN", k)
			}
			if step%200 == 0 {
				hsAccounted(t, l)
			}
		}
		hsAccounted(t, l)
	})
}

// TestHashRandomAndScan checks HRANDFIELD by its properties and a full
// HSCAN of a hashtable-encoded hash.
func TestHashRandomAndScan(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	args := []string{"HSET", "big"}
	for i := 0; i < 1000; i++ {
		args = append(args, fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
	}
	l.Do(args...)
	l.Do("HSET", "small", "a", "1", "b", "2", "c", "3")
	for _, key := range []string{"big", "small"} {
		fields := map[string]bool{}
		for _, f := range hsFlat(t, l.Do("HKEYS", key)) {
			fields[f] = true
		}
		size := 1000
		if key == "small" {
			size = 3
		}
		valid := func(f, v string) bool {
			n, err := strconv.Atoi(strings.TrimPrefix(f, "f"))
			if key == "small" {
				return (f == "a" && v == "1") || (f == "b" && v == "2") || (f == "c" && v == "3")
			}
			return err == nil && n < 1000 && v == "v"+f[1:]
		}
		for _, count := range []int{1, 2, 5, 400, 999, 1000, 5000} {
			got := hsFlat(t, l.Do("HRANDFIELD", key, strconv.Itoa(count), "WITHVALUES"))
			want := min(count, size)
			if len(got) != 2*want {
				t.Fatalf("%s count %d: %d elements", key, count, len(got))
			}
			seen := map[string]bool{}
			for i := 0; i < len(got); i += 2 {
				if !valid(got[i], got[i+1]) || seen[got[i]] {
					t.Fatalf("%s count %d: bad or repeated pair %q=%q", key, count, got[i], got[i+1])
				}
				seen[got[i]] = true
			}
			neg := hsFlat(t, l.Do("HRANDFIELD", key, strconv.Itoa(-count)))
			if len(neg) != count {
				t.Fatalf("%s count -%d: %d elements", key, count, len(neg))
			}
			for _, f := range neg {
				if !fields[f] {
					t.Fatalf("%s count -%d: unknown field %q", key, count, f)
				}
			}
		}
	}
	seen := map[string]int{}
	cursor := "0"
	for calls := 0; ; calls++ {
		got := hsFlat(t, l.Do("HSCAN", "big", cursor, "COUNT", "37"))
		cursor = got[0]
		for i := 1; i < len(got); i += 2 {
			if got[i+1] != "v"+got[i][1:] {
				t.Fatalf("HSCAN pair %q=%q", got[i], got[i+1])
			}
			seen[got[i]]++
		}
		if cursor == "0" {
			break
		}
		if calls > 1000 {
			t.Fatal("HSCAN does not end")
		}
	}
	if len(seen) != 1000 {
		t.Fatalf("HSCAN saw %d fields", len(seen))
	}
	for f, n := range seen {
		if n != 1 {
			t.Fatalf("HSCAN returned %s %d times", f, n)
		}
	}
	got := hsFlat(t, l.Do("HSCAN", "big", "0", "MATCH", "f99*", "COUNT", "100000"))
	if got[0] != "0" || len(got) != 1+2*11 {
		t.Fatalf("HSCAN MATCH: %v", got)
	}
}

// TestHashAllocs: HGET does not allocate, on either encoding.
func TestHashAllocs(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	l.Do("HSET", "small", "field", "value")
	args := []string{"HSET", "big"}
	for i := 0; i < 300; i++ {
		args = append(args, fmt.Sprintf("f%d", i), "v")
	}
	l.Do(args...)
	for _, key := range []string{"small", "big"} {
		cmd := [][]byte{[]byte("HGET"), []byte(key), []byte("f7")}
		l.DoBytes(cmd)
		if n := testing.AllocsPerRun(200, func() { l.DoBytes(cmd) }); n != 0 {
			t.Errorf("HGET %s: %v allocs/op", key, n)
		}
	}
}

func BenchmarkHSET(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	for _, size := range []int{10, 1000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			keys := make([][]byte, size)
			for i := range keys {
				keys[i] = []byte(fmt.Sprintf("field:%d", i))
			}
			cmd := [][]byte{[]byte("HSET"), []byte("bh" + strconv.Itoa(size)), nil, []byte("value-123")}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cmd[2] = keys[i%size]
				l.DoBytes(cmd)
			}
		})
	}
}

func BenchmarkHGET(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	for _, size := range []int{10, 1000} {
		key := "bh" + strconv.Itoa(size)
		fields := make([][]byte, size)
		for i := range fields {
			fields[i] = []byte(fmt.Sprintf("field:%d", i))
			l.Do("HSET", key, string(fields[i]), "value-123")
		}
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			cmd := [][]byte{[]byte("HGET"), []byte(key), nil}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				cmd[2] = fields[i%size]
				l.DoBytes(cmd)
			}
		})
	}
}

// TestHashBulkLoad: one HSET with many pairs (duplicates included) stays
// linear and keeps the last value of a repeated field.
func TestHashBulkLoad(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	for _, n := range []int{40, 200000} {
		key := "bulk" + strconv.Itoa(n)
		args := []string{"HSET", key}
		for i := 0; i < n; i++ {
			args = append(args, fmt.Sprintf("f%d", i%(n/2)), strconv.Itoa(i))
		}
		hsExpect(t, l, fmt.Sprintf(":%d\r\n", n/2), args...)
		hsExpect(t, l, fmt.Sprintf(":%d\r\n", n/2), "HLEN", key)
		hsExpect(t, l, rBulk(strconv.Itoa(n/2)), "HGET", key, "f0")
	}
	// Duplicates of few fields stay a listpack, in first-seen order.
	args := []string{"HSET", "dups"}
	for i := 0; i < 100; i++ {
		args = append(args, []string{"b", "a"}[i%2], strconv.Itoa(i))
	}
	hsExpect(t, l, ":2\r\n", args...)
	hsExpect(t, l, "*4\r\n$1\r\nb\r\n$2\r\n98\r\n$1\r\na\r\n$2\r\n99\r\n", "HGETALL", "dups")
	hsExpect(t, l, "$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "dups")
}
