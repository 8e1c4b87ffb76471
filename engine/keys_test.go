package engine

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/darnerdb/darner/proto"
)

// testObj is a stand-in collection for EncObject values: the keys family
// must move and clone objects without knowing what they are.
type testObj struct{ items []string }

func (o *testObj) MemBytes() int64 { return int64(64 + 16*len(o.items)) }
func (o *testObj) Clone() Object   { return &testObj{items: append([]string(nil), o.items...)} }

// keyOn returns a key with the given prefix that lives on shard s of n.
func keyOn(prefix string, s, n int) string {
	for i := 0; ; i++ {
		k := prefix + strconv.Itoa(i)
		if ShardOf([]byte(k), n) == s {
			return k
		}
	}
}

// newKeysLocal returns a Local of n shards with a fixed clock.
func newKeysLocal(t *testing.T, n int, now *int64) *Local {
	t.Helper()
	l := NewLocal(n)
	t.Cleanup(l.Close)
	l.Now = func() int64 { return *now }
	return l
}

// expect runs a command on l and compares its raw RESP2 reply.
func expect(t *testing.T, l *Local, want string, args ...string) {
	t.Helper()
	if got := l.Do(args...); got != want {
		t.Fatalf("%q = %q, want %q", args, got, want)
	}
}

// dbOf is key's DB (the session's database) on its owner shard.
func dbOf(l *Local, key string, db int) (*Shard, *DB) {
	sh := l.Shards[ShardOf([]byte(key), len(l.Shards))]
	return sh, sh.DBs[db]
}

// putObj binds a testObj holding items to key.
func putObj(l *Local, key string, db int, t ValueType, items ...string) {
	_, d := dbOf(l, key, db)
	h := d.Objects().Put(&testObj{items: items})
	d.SetObject([]byte(key), t, h, 0, 0, 0)
}

func objItems(t *testing.T, l *Local, key string, db int) []string {
	t.Helper()
	_, d := dbOf(l, key, db)
	v, ok := d.Get([]byte(key), 0)
	if !ok || v.Enc != EncObject {
		t.Fatalf("%s: not an object (%v %+v)", key, ok, v)
	}
	return d.Objects().Get(v.Obj).(*testObj).items
}

var shardCounts = []int{1, 3}

func TestKeysDelExistsTouch(t *testing.T) {
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			a, b, c := keyOn("a", 0, n), keyOn("b", n-1, n), keyOn("c", n/2, n)
			for _, k := range []string{a, b, c} {
				expect(t, l, "+OK\r\n", "SET", k, "v")
			}
			expect(t, l, ":5\r\n", "EXISTS", a, b, c, a, b, "missing")
			expect(t, l, ":3\r\n", "TOUCH", a, b, c, "missing")
			expect(t, l, ":2\r\n", "DEL", a, b, a, "missing")
			expect(t, l, ":1\r\n", "EXISTS", a, b, c)
			expect(t, l, ":1\r\n", "UNLINK", c, c)
			expect(t, l, ":0\r\n", "EXISTS", a, b, c)
			// An expired key is neither counted nor deleted twice.
			expect(t, l, "+OK\r\n", "SET", a, "v")
			expect(t, l, ":1\r\n", "PEXPIRE", a, "10")
			now += 10
			expect(t, l, ":0\r\n", "EXISTS", a)
			expect(t, l, ":0\r\n", "DEL", a, b)
		})
	}
}

func TestKeysType(t *testing.T) {
	now := int64(1_700_000_000_000)
	l := newKeysLocal(t, 1, &now)
	expect(t, l, "+none\r\n", "TYPE", "k")
	expect(t, l, "+OK\r\n", "SET", "k", "1")
	expect(t, l, "+string\r\n", "TYPE", "k")
	putObj(l, "z", 0, TypeZSet, "m")
	expect(t, l, "+zset\r\n", "TYPE", "z")
	l.Shards[0].DBs[0].SetBlob([]byte("h"), TypeHash, []byte("blob"), 0, 0, now)
	expect(t, l, "+hash\r\n", "TYPE", "h")
}

func TestKeysExpireFamily(t *testing.T) {
	now := int64(1_700_000_000_000)
	l := newKeysLocal(t, 1, &now)
	f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
	f("+OK\r\n", "SET", "k", "v")
	f(":-1\r\n", "TTL", "k")
	f(":-2\r\n", "TTL", "nokey")
	f(":-2\r\n", "PEXPIRETIME", "nokey")
	f(":-1\r\n", "EXPIRETIME", "k")
	f(":0\r\n", "EXPIRE", "k", "100", "XX")
	f(":0\r\n", "EXPIRE", "k", "100", "GT") // no deadline counts as infinite
	f(":1\r\n", "EXPIRE", "k", "100", "LT")
	f(":100\r\n", "TTL", "k")
	f(":100000\r\n", "PTTL", "k")
	f(":"+strconv.FormatInt(now/1000+100, 10)+"\r\n", "EXPIRETIME", "k")
	f(":"+strconv.FormatInt(now+100000, 10)+"\r\n", "PEXPIRETIME", "k")
	f(":0\r\n", "EXPIRE", "k", "50", "NX")
	f(":0\r\n", "EXPIRE", "k", "50", "GT")
	f(":1\r\n", "EXPIRE", "k", "200", "gt")
	f(":0\r\n", "EXPIRE", "k", "300", "LT")
	f(":1\r\n", "PEXPIRE", "k", "1499", "lt", "xx")
	f(":1\r\n", "TTL", "k") // 1.499 s rounds to 1
	f(":1499\r\n", "PTTL", "k")
	now += 1000
	f(":0\r\n", "TTL", "k") // 0.499 s rounds to 0
	f(":499\r\n", "PTTL", "k")
	f(":1\r\n", "PERSIST", "k")
	f(":0\r\n", "PERSIST", "k")
	f(":-1\r\n", "PTTL", "k")
	f(":1\r\n", "EXPIREAT", "k", strconv.FormatInt(now/1000+10, 10))
	f(":1\r\n", "PEXPIREAT", "k", strconv.FormatInt(now+5, 10))
	f(":5\r\n", "PTTL", "k")
	// Errors: options are checked before the number, the number before
	// the key.
	f("-ERR Unsupported option FOO\r\n", "EXPIRE", "nokey", "x", "FOO")
	f("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n", "EXPIRE", "k", "1", "NX", "LT")
	f("-ERR GT and LT options at the same time are not compatible\r\n", "EXPIRE", "k", "1", "GT", "LT")
	f("-ERR value is not an integer or out of range\r\n", "EXPIRE", "nokey", "1.5")
	f("-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "k", "9223372036854775")
	f("-ERR invalid expire time in 'expireat' command\r\n", "EXPIREAT", "k", "-9223372036854776")
	f("-ERR invalid expire time in 'pexpire' command\r\n", "PEXPIRE", "k", "9223372036854775807")
	f(":0\r\n", "EXPIRE", "nokey", "10")
	// A deadline at or before now deletes the key and reports 1.
	f(":1\r\n", "PEXPIREAT", "k", strconv.FormatInt(now, 10))
	f(":0\r\n", "EXISTS", "k")
	f("+OK\r\n", "SET", "k", "v")
	f(":1\r\n", "EXPIRE", "k", "-1")
	f(":-2\r\n", "TTL", "k")
	// PERSIST and a TTL query on an expired key.
	f("+OK\r\n", "SET", "k", "v")
	f(":1\r\n", "PEXPIRE", "k", "1")
	now++
	f(":0\r\n", "PERSIST", "k")
	f(":-2\r\n", "PTTL", "k")
}

func TestKeysRename(t *testing.T) {
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
			src, dst := keyOn("src", 0, n), keyOn("dst", n-1, n)
			f("-ERR no such key\r\n", "RENAME", src, dst)
			f("-ERR no such key\r\n", "RENAMENX", src, dst)
			f("-ERR no such key\r\n", "RENAME", src, src)
			f("+OK\r\n", "SET", src, "hello")
			f(":1\r\n", "EXPIRE", src, "100")
			f("+OK\r\n", "RENAME", src, src)
			f(":0\r\n", "RENAMENX", src, src)
			f("+OK\r\n", "RENAME", src, dst)
			f(":0\r\n", "EXISTS", src)
			f("$5\r\nhello\r\n", "GET", dst)
			f(":100\r\n", "TTL", dst) // the deadline moves with the value
			// Overwriting a destination (of another type) drops its TTL-less value.
			f("+OK\r\n", "SET", src, "12345")
			f("+OK\r\n", "RENAME", src, dst)
			f(":-1\r\n", "TTL", dst)
			f("$5\r\n12345\r\n", "GET", dst)
			f("$3\r\nint\r\n", "OBJECT", "ENCODING", dst)
			f("+OK\r\n", "SET", src, "x")
			f(":0\r\n", "RENAMENX", src, dst)
			f("$1\r\nx\r\n", "GET", src)
			f(":1\r\n", "DEL", dst)
			f(":1\r\n", "RENAMENX", src, dst)
			f("$1\r\nx\r\n", "GET", dst)

			// An object moves between the shards' stores, its bytes with it.
			srcSh, srcDB := dbOf(l, src, 0)
			dstSh, dstDB := dbOf(l, dst, 0)
			putObj(l, src, 0, TypeList, "a", "b", "c")
			objsBefore := srcSh.Objects.Len() + dstSh.Objects.Len()
			srcBytes := srcDB.UsedBytes()
			f(":1\r\n", "PEXPIRE", src, "5000")
			f("+OK\r\n", "RENAME", src, dst)
			if got := objItems(t, l, dst, 0); strings.Join(got, ",") != "a,b,c" {
				t.Fatalf("moved object holds %v", got)
			}
			if srcSh.Objects.Len()+dstSh.Objects.Len() != objsBefore {
				t.Fatalf("objects: %d before, %d after", objsBefore, srcSh.Objects.Len()+dstSh.Objects.Len())
			}
			if n > 1 && srcDB.UsedBytes() >= srcBytes {
				t.Fatalf("source shard still accounts %d bytes (had %d)", srcDB.UsedBytes(), srcBytes)
			}
			if dstDB.objBytes != (&testObj{items: []string{"a", "b", "c"}}).MemBytes() {
				t.Fatalf("destination accounts %d object bytes", dstDB.objBytes)
			}
			f(":5000\r\n", "PTTL", dst)
			f("+list\r\n", "TYPE", dst)
			f(":1\r\n", "DEL", dst)
			if srcSh.Objects.Len()+dstSh.Objects.Len() != 0 || dstDB.objBytes != 0 || srcDB.objBytes != 0 {
				t.Fatalf("after DEL: %d objects, %d+%d bytes", srcSh.Objects.Len()+dstSh.Objects.Len(), srcDB.objBytes, dstDB.objBytes)
			}
		})
	}
}

func TestKeysCopy(t *testing.T) {
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
			src, dst := keyOn("src", 0, n), keyOn("dst", n-1, n)
			f(":0\r\n", "COPY", src, dst)
			f("-ERR source and destination objects are the same\r\n", "COPY", src, src)
			f("-ERR syntax error\r\n", "COPY", src, dst, "FOO")
			f("-ERR syntax error\r\n", "COPY", src, dst, "DB")
			f("-ERR DB index is out of range\r\n", "COPY", src, dst, "DB", "16")
			f("-ERR value is not an integer or out of range\r\n", "COPY", src, dst, "DB", "x")
			f("+OK\r\n", "SET", src, "v1")
			f(":1\r\n", "EXPIRE", src, "100")
			f(":1\r\n", "COPY", src, dst)
			f("$2\r\nv1\r\n", "GET", dst)
			f(":100\r\n", "TTL", dst)
			f(":100\r\n", "TTL", src)
			f("+OK\r\n", "SET", src, "v2")
			f(":0\r\n", "COPY", src, dst)
			f(":1\r\n", "COPY", src, dst, "REPLACE")
			f("$2\r\nv2\r\n", "GET", dst)
			f(":-1\r\n", "TTL", dst)
			// Into another database, even under the same name.
			f(":1\r\n", "COPY", src, src, "DB", "3", "REPLACE")
			f(":1\r\n", "COPY", src, dst, "db", "3")
			f("+OK\r\n", "SELECT", "3")
			f("$2\r\nv2\r\n", "GET", src)
			f("$2\r\nv2\r\n", "GET", dst)
			f("+OK\r\n", "SELECT", "0")
			// An object is cloned: the copies change independently.
			putObj(l, src, 0, TypeSet, "x", "y")
			f(":1\r\n", "COPY", src, dst, "REPLACE")
			objItems(t, l, src, 0)[0] = "changed"
			if got := objItems(t, l, dst, 0); strings.Join(got, ",") != "x,y" {
				t.Fatalf("copy shares the source's object: %v", got)
			}
			f("+set\r\n", "TYPE", dst)
		})
	}
}

func TestKeysMove(t *testing.T) {
	now := int64(1_700_000_000_000)
	l := newKeysLocal(t, 3, &now)
	f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
	f("+OK\r\n", "SET", "k", "v")
	f(":1\r\n", "PEXPIRE", "k", "7000")
	f("-ERR source and destination objects are the same\r\n", "MOVE", "k", "0")
	f("-ERR DB index is out of range\r\n", "MOVE", "k", "16")
	f("-ERR DB index is out of range\r\n", "MOVE", "k", "-1")
	f("-"+errIntRange+"\r\n", "MOVE", "k", "4294967296")
	f(":0\r\n", "MOVE", "missing", "1")
	f(":1\r\n", "MOVE", "k", "1")
	f(":0\r\n", "EXISTS", "k")
	f("+OK\r\n", "SET", "k", "other")
	f(":0\r\n", "MOVE", "k", "1") // the target has the key
	f("+OK\r\n", "SELECT", "1")
	f("$1\r\nv\r\n", "GET", "k")
	f(":7000\r\n", "PTTL", "k")
	putObj(l, "o", 1, TypeHash, "f", "v")
	f(":1\r\n", "MOVE", "o", "2")
	f("+OK\r\n", "SELECT", "2")
	f("+hash\r\n", "TYPE", "o")
	_, d1 := dbOf(l, "o", 1)
	_, d2 := dbOf(l, "o", 2)
	if d1.objBytes != 0 || d2.objBytes == 0 {
		t.Fatalf("object bytes after MOVE: db1 %d, db2 %d", d1.objBytes, d2.objBytes)
	}
}

func TestKeysObject(t *testing.T) {
	now := int64(1_700_000_000_000)
	l := newKeysLocal(t, 1, &now)
	f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
	f("+OK\r\n", "SET", "i", "12345")
	f("$3\r\nint\r\n", "OBJECT", "ENCODING", "i")
	f("+OK\r\n", "SET", "e", strings.Repeat("a", 44))
	f("$6\r\nembstr\r\n", "OBJECT", "encoding", "e")
	f("+OK\r\n", "SET", "r", strings.Repeat("a", 45))
	f("$3\r\nraw\r\n", "OBJECT", "ENCODING", "r")
	f("$-1\r\n", "OBJECT", "ENCODING", "missing")
	f("$-1\r\n", "OBJECT", "FREQ", "missing")
	f("-"+errLFUFreq+"\r\n", "OBJECT", "FREQ", "i")
	f(":0\r\n", "OBJECT", "IDLETIME", "i")
	f(":1\r\n", "OBJECT", "REFCOUNT", "i") // 10000 and up are not shared
	f("+OK\r\n", "SET", "small", "9999")
	f(":2147483647\r\n", "OBJECT", "REFCOUNT", "small")
	f(":1\r\n", "OBJECT", "REFCOUNT", "e")
	f("-ERR unknown subcommand 'NOSUCH'. Try OBJECT HELP.\r\n", "OBJECT", "NOSUCH", "i")
	f("-ERR wrong number of arguments for 'object|encoding' command\r\n", "OBJECT", "ENCODING")
	if got := l.Do("OBJECT", "HELP"); !strings.HasPrefix(got, "*15\r\n+OBJECT <subcommand>") {
		t.Fatalf("OBJECT HELP = %q", got)
	}
	// Collections answer through their family's registered ops.
	saved := typeOps[TypeStream]
	defer func() { typeOps[TypeStream] = saved }()
	RegisterType(TypeStream, TypeOps{Encoding: func(sh *Shard, v Value) string {
		if v.Enc == EncBlob {
			return "listpack"
		}
		return "big"
	}})
	l.Shards[0].DBs[0].SetBlob([]byte("s"), TypeStream, []byte("blob"), 0, 0, now)
	f("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "s")
	putObj(l, "o", 0, TypeStream, "x")
	f("$3\r\nbig\r\n", "OBJECT", "ENCODING", "o")
}

func TestKeysScan(t *testing.T) {
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
			f("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0")
			f("-ERR invalid cursor\r\n", "SCAN", "x")
			f("-ERR invalid cursor\r\n", "SCAN", " 1")
			f("-ERR invalid cursor\r\n", "SCAN", "18446744073709551616")
			f("-ERR syntax error\r\n", "SCAN", "0", "COUNT", "0")
			f("-ERR value is not an integer or out of range\r\n", "SCAN", "0", "COUNT", "x")
			f("-ERR syntax error\r\n", "SCAN", "0", "MATCH")
			f("-ERR syntax error\r\n", "SCAN", "0", "FOO", "bar")
			const total = 3000
			want := map[string]bool{}
			for i := 0; i < total; i++ {
				k := "key:" + strconv.Itoa(i)
				want[k] = true
				if i%3 == 0 {
					putObj(l, k, 0, TypeSet, "m")
				} else {
					f("+OK\r\n", "SET", k, "v")
				}
			}
			f("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", "TYPE", "nosuch", "COUNT", "100000")
			for _, count := range []string{"1", "10", "97", "100000"} {
				seen := map[string]int{}
				strs := 0
				cur := "0"
				for calls := 0; ; calls++ {
					if calls > 2*total {
						t.Fatalf("COUNT %s: scan does not end", count)
					}
					next, keys := scanCall(t, l, "SCAN", cur, "COUNT", count)
					for _, k := range keys {
						seen[k]++
					}
					next2, strKeys := scanCall(t, l, "SCAN", cur, "COUNT", count, "TYPE", "STRING", "MATCH", "key:*")
					if next2 != next {
						t.Fatalf("filters changed the cursor: %s vs %s", next, next2)
					}
					strs += len(strKeys)
					if cur = next; cur == "0" {
						break
					}
				}
				if len(seen) != total {
					t.Fatalf("COUNT %s: saw %d keys, want %d", count, len(seen), total)
				}
				for k, c := range seen {
					if c != 1 || !want[k] {
						t.Fatalf("COUNT %s: key %q returned %d times", count, k, c)
					}
				}
				if strs != total-total/3 {
					t.Fatalf("COUNT %s TYPE string: %d keys, want %d", count, strs, total-total/3)
				}
			}
			// A cursor past the last shard ends the scan.
			f("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", strconv.FormatUint(uint64(n)<<scanShardShift, 10))
		})
	}
}

// scanCall runs one SCAN and parses its RESP2 reply.
func scanCall(t *testing.T, l *Local, args ...string) (string, []string) {
	t.Helper()
	r := l.Do(args...)
	parts := strings.Split(r, "\r\n")
	// *2 $len cursor *n ($len key)...
	if len(parts) < 4 || parts[0] != "*2" {
		t.Fatalf("%q = %q", args, r)
	}
	cur := parts[2]
	n, err := strconv.Atoi(strings.TrimPrefix(parts[3], "*"))
	if err != nil {
		t.Fatalf("%q = %q", args, r)
	}
	var keys []string
	for i := 0; i < n; i++ {
		keys = append(keys, parts[5+2*i])
	}
	return cur, keys
}

func TestKeysKeyspaceWide(t *testing.T) {
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
			f("*0\r\n", "KEYS", "*")
			f("$-1\r\n", "RANDOMKEY")
			f(":0\r\n", "DBSIZE")
			var all []string
			for i := 0; i < 50; i++ {
				k := fmt.Sprintf("k:%02d", i)
				all = append(all, k)
				f("+OK\r\n", "SET", k, "v")
			}
			f(":50\r\n", "DBSIZE")
			if got := keysReply(t, l, "*"); strings.Join(got, " ") != strings.Join(all, " ") {
				t.Fatalf("KEYS * = %v", got)
			}
			if got := keysReply(t, l, "k:?3"); strings.Join(got, " ") != "k:03 k:13 k:23 k:33 k:43" {
				t.Fatalf("KEYS k:?3 = %v", got)
			}
			for i := 0; i < 20; i++ {
				r := l.Do("RANDOMKEY")
				if !strings.HasPrefix(r, "$4\r\nk:") {
					t.Fatalf("RANDOMKEY = %q", r)
				}
			}
			// SWAPDB swaps on every shard.
			f("+OK\r\n", "SELECT", "5")
			f("+OK\r\n", "SET", "only5", "x")
			f("-ERR invalid first DB index\r\n", "SWAPDB", "a", "0")
			f("-ERR invalid second DB index\r\n", "SWAPDB", "0", "b")
			f("-ERR DB index is out of range\r\n", "SWAPDB", "0", "16")
			f("+OK\r\n", "SWAPDB", "0", "5")
			f(":50\r\n", "DBSIZE")
			f("+OK\r\n", "SELECT", "0")
			f(":1\r\n", "DBSIZE")
			f("$1\r\nx\r\n", "GET", "only5")
			f("-ERR syntax error\r\n", "FLUSHDB", "LATER")
			f("-ERR syntax error\r\n", "FLUSHALL", "SYNC", "ASYNC")
			f("+OK\r\n", "FLUSHDB", "ASYNC")
			f(":0\r\n", "DBSIZE")
			f("+OK\r\n", "SELECT", "5")
			f(":50\r\n", "DBSIZE")
			f("+OK\r\n", "FLUSHALL")
			f(":0\r\n", "DBSIZE")
			for _, sh := range l.Shards {
				if sh.Keys() != 0 {
					t.Fatalf("shard %d keeps %d keys after FLUSHALL", sh.ID, sh.Keys())
				}
			}
		})
	}
}

func keysReply(t *testing.T, l *Local, pattern string) []string {
	t.Helper()
	parts := strings.Split(l.Do("KEYS", pattern), "\r\n")
	var keys []string
	for i := 2; i < len(parts); i += 2 {
		keys = append(keys, parts[i])
	}
	sort.Strings(keys)
	return keys
}

// The counting commands do not allocate on the single-shard path.
func TestKeysAllocs(t *testing.T) {
	s := NewShard(ShardConfig{NumDBs: 2, Node: -1})
	defer s.Close()
	c := &Ctx{Shard: s, W: &proto.Writer{Buf: make([]byte, 0, 256)}, Now: t0}
	s.DBs[0].Set([]byte("k"), []byte("v"), 0, 0, t0)
	cmds := [][][]byte{
		{[]byte("EXISTS"), []byte("k"), []byte("nokey")},
		{[]byte("TTL"), []byte("k")},
		{[]byte("EXPIRE"), []byte("k"), []byte("100"), []byte("GT")},
		{[]byte("PERSIST"), []byte("k")},
		{[]byte("TYPE"), []byte("k")},
		{[]byte("DEL"), []byte("nokey")},
	}
	n := testing.AllocsPerRun(200, func() {
		for _, a := range cmds {
			c.W.Buf = c.W.Buf[:0]
			Lookup(a[0]).Run(c, a)
		}
	})
	if n != 0 {
		t.Fatalf("%.1f allocs per round", n)
	}
}

// withTestCollections registers Elements for lists, sets and zsets that
// read testObj values (falling back to the real families' ops for their
// own values), and a stand-in RPUSH when the lists family is absent; the
// cleanup restores the table.
func withTestCollections(t *testing.T) {
	t.Helper()
	for _, typ := range []ValueType{TypeList, TypeSet, TypeZSet} {
		saved := typeOps[typ]
		t.Cleanup(func() { typeOps[typ] = saved })
		ops := saved
		ops.Elements = func(sh *Shard, v Value) [][]byte {
			if v.Enc == EncObject {
				if o, ok := sh.Objects.Get(v.Obj).(*testObj); ok {
					out := make([][]byte, len(o.items))
					for i, s := range o.items {
						out[i] = []byte(s)
					}
					return out
				}
			}
			return saved.Elements(sh, v)
		}
		typeOps[typ] = ops
	}
	if Lookup([]byte("rpush")) == nil {
		commands["rpush"] = &Command{Name: "rpush", Arity: -3, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1,
			Run: func(c *Ctx, args [][]byte) {
				var items []string
				for _, a := range args[2:] {
					items = append(items, string(a))
				}
				db := c.Shard.DBs[c.DB]
				h := db.Objects().Put(&testObj{items: items})
				db.SetObject(args[1], TypeList, h, 0, 0, c.Now)
				c.W.Int(int64(len(items)))
			}}
		t.Cleanup(func() { delete(commands, "rpush") })
	}
}

// listOf reads a list back through the registered Elements.
func listOf(l *Local, key string, db int) string {
	sh, d := dbOf(l, key, db)
	v, ok := d.Get([]byte(key), 0)
	if !ok {
		return "<none>"
	}
	var out []string
	for _, e := range OpsOf(v.Type).Elements(sh, v) {
		out = append(out, string(e))
	}
	return strings.Join(out, " ")
}

// respArray renders a flat RESP2 array of bulks and nulls for comparison.
func respArray(items ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(items))
	for _, s := range items {
		if s == "<nil>" {
			b.WriteString("$-1\r\n")
			continue
		}
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(s), s)
	}
	return b.String()
}

func TestKeysSort(t *testing.T) {
	withTestCollections(t)
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
			a := func(args []string, want ...string) { t.Helper(); expect(t, l, respArray(want...), args...) }
			s := func(args ...string) []string { return args }
			putObj(l, "l", 0, TypeList, "3", "1", "2", "10")
			putObj(l, "bad", 0, TypeList, "a", "1", "b")
			putObj(l, "z", 0, TypeZSet, "x", "y", "z") // ascending score
			putObj(l, "set", 0, TypeSet, "b", "c", "a")
			for _, kv := range [][2]string{{"w_3", "1"}, {"w_1", "3"}, {"w_2", "2"}} {
				f("+OK\r\n", "SET", kv[0], kv[1])
			}
			f("+OK\r\n", "SET", "str", "x")
			a(s("SORT", "l"), "1", "2", "3", "10")
			a(s("SORT", "l", "DESC"), "10", "3", "2", "1")
			a(s("SORT", "l", "ALPHA"), "1", "10", "2", "3")
			a(s("SORT", "l", "LIMIT", "1", "2"), "2", "3")
			a(s("SORT", "l", "LIMIT", "-5", "2"), "1", "2")
			a(s("SORT", "l", "LIMIT", "2", "-1"), "3", "10")
			a(s("SORT", "l", "LIMIT", "10", "2"))
			a(s("SORT", "l", "LIMIT", "0", "0"))
			a(s("SORT", "l", "LIMIT", "1", "2", "LIMIT", "0", "1"), "1")
			a(s("SORT", "l", "BY", "nosort"), "3", "1", "2", "10")
			a(s("SORT", "l", "BY", "nosort", "DESC"), "10", "2", "1", "3")
			a(s("SORT", "l", "BY", "nosort", "LIMIT", "1", "2", "DESC"), "2", "1")
			a(s("SORT", "l", "BY", "nosort", "BY", "w_*"), "3", "1", "2", "10")
			a(s("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"), "z", "y")
			a(s("SORT", "l", "BY", "w_*"), "10", "3", "2", "1")
			a(s("SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*"), "10", "<nil>", "3", "1", "2", "2", "1", "3")
			a(s("SORT", "l", "BY", "w_*", "ALPHA", "DESC"), "1", "2", "3", "10")
			a(s("SORT", "l", "BY", "w_*->"), "1", "10", "2", "3")
			a(s("SORT", "l", "GET", "nostar"), "<nil>", "<nil>", "<nil>", "<nil>")
			a(s("SORT", "bad", "ALPHA"), "1", "a", "b")
			a(s("SORT", "bad", "BY", "w_*"), "a", "b", "1")
			a(s("SORT_RO", "l", "LIMIT", "0", "1", "GET", "w_*"), "3")
			a(s("SORT", "set", "ALPHA"), "a", "b", "c")
			a(s("SORT", "missing"))
			f("-ERR One or more scores can't be converted into double\r\n", "SORT", "bad")
			f("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "SORT", "str")
			f("-ERR value is not an integer or out of range\r\n", "SORT", "l", "LIMIT", "a", "b")
			f("-ERR syntax error\r\n", "SORT", "l", "LIMIT", "1")
			f("-ERR syntax error\r\n", "SORT_RO", "l", "STORE", "d")
			f("-ERR syntax error\r\n", "SORT", "l", "foo")
			// STORE replaces the destination with a list, or deletes it.
			f("+OK\r\n", "SET", "dst", "old")
			f(":1\r\n", "EXPIRE", "dst", "100")
			f(":4\r\n", "SORT", "l", "STORE", "dst")
			if got := listOf(l, "dst", 0); got != "1 2 3 10" {
				t.Fatalf("stored %q", got)
			}
			f(":-1\r\n", "TTL", "dst")
			f(":8\r\n", "SORT", "l", "GET", "#", "GET", "w_*", "STORE", "dst2")
			if got := listOf(l, "dst2", 0); got != "1 3 2 2 3 1 10 " {
				t.Fatalf("stored %q", got)
			}
			f(":3\r\n", "SORT", "set", "BY", "nosort", "STORE", "dst3") // a set is sorted when stored
			if got := listOf(l, "dst3", 0); got != "a b c" {
				t.Fatalf("stored %q", got)
			}
			f(":0\r\n", "SORT", "missing", "STORE", "dst")
			f(":0\r\n", "EXISTS", "dst")
			f("-ERR One or more scores can't be converted into double\r\n", "SORT", "bad", "STORE", "dst2")
			f(":1\r\n", "EXISTS", "dst2")
		})
	}
}

func TestSortStrtod(t *testing.T) {
	for in, want := range map[string]float64{"": 0, "1": 1, " 2.5": 2.5, "-3e2": -300, "inf": math.Inf(1), "+7": 7} {
		if got, ok := strtod([]byte(in)); !ok || got != want {
			t.Errorf("strtod(%q) = %v, %v", in, got, ok)
		}
	}
	for _, in := range []string{" ", "1 ", "nan", "abc", "1e999"} {
		if _, ok := strtod([]byte(in)); ok {
			t.Errorf("strtod(%q) accepted", in)
		}
	}
}

// RENAME, COPY and MOVE of the real collection families' values, compact
// and large, across shards: the values read back the same, copies are
// independent, and every shard's object bytes return to zero once the
// keys are gone.
func TestKeysMoveCollections(t *testing.T) {
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
			for _, size := range []int{3, 300} {
				list, hash, zset := []string{"RPUSH", "l:src"}, []string{"HSET", "h:src"}, []string{"ZADD", "z:src"}
				for i := 0; i < size; i++ {
					v := strconv.Itoa(i)
					list = append(list, "e"+v)
					hash = append(hash, "f"+v, "v"+v)
					zset = append(zset, v, "m"+v)
				}
				f(":"+strconv.Itoa(size)+"\r\n", list...)
				f(":"+strconv.Itoa(size)+"\r\n", hash...)
				f(":"+strconv.Itoa(size)+"\r\n", zset...)
				for _, p := range []string{"l", "h", "z"} {
					src, dst := p+":src", keyOn(p+":dst", n-1, n)
					enc := l.Do("OBJECT", "ENCODING", src)
					f(":1\r\n", "EXPIRE", src, "100")
					f("+OK\r\n", "RENAME", src, dst)
					f(":100\r\n", "TTL", dst)
					if got := l.Do("OBJECT", "ENCODING", dst); got != enc {
						t.Fatalf("%s: encoding %q after RENAME, was %q", p, got, enc)
					}
					cp := keyOn(p+":copy", 0, n)
					f(":1\r\n", "COPY", dst, cp)
					f(":1\r\n", "MOVE", cp, "1")
					f(":1\r\n", "COPY", dst, cp, "DB", "2")
				}
				want := func(args ...string) string { return l.Do(args...) }
				lr, hl, zr := want("LRANGE", keyOn("l:dst", n-1, n), "0", "-1"), want("HLEN", keyOn("h:dst", n-1, n)), want("ZRANGE", keyOn("z:dst", n-1, n), "0", "-1", "WITHSCORES")
				if !strings.HasPrefix(lr, "*"+strconv.Itoa(size)+"\r\n$2\r\ne0") || hl != ":"+strconv.Itoa(size)+"\r\n" || !strings.HasPrefix(zr, "*"+strconv.Itoa(2*size)+"\r\n$2\r\nm0") {
					t.Fatalf("size %d: LRANGE %.40q HLEN %q ZRANGE %.40q", size, lr, hl, zr)
				}
				// The copies in DB 1 and 2 are equal and independent.
				for _, db := range []string{"1", "2"} {
					f("+OK\r\n", "SELECT", db)
					if got := want("LRANGE", keyOn("l:copy", 0, n), "0", "-1"); got != lr {
						t.Fatalf("db %s: copied list differs", db)
					}
					if got := want("ZRANGE", keyOn("z:copy", 0, n), "0", "-1", "WITHSCORES"); got != zr {
						t.Fatalf("db %s: copied zset differs", db)
					}
					f(":"+strconv.Itoa(size+1)+"\r\n", "RPUSH", keyOn("l:copy", 0, n), "extra"+db)
					f(":1\r\n", "HSET", keyOn("h:copy", 0, n), "extra", db)
				}
				f("+OK\r\n", "SELECT", "0")
				if got := want("LRANGE", keyOn("l:dst", n-1, n), "0", "-1"); got != lr {
					t.Fatalf("the original list changed with its copies")
				}
				f("+OK\r\n", "FLUSHALL")
				for _, sh := range l.Shards {
					for i, db := range sh.DBs {
						if db.objBytes != 0 || db.Len() != 0 {
							t.Fatalf("shard %d db %d: %d keys, %d object bytes after FLUSHALL", sh.ID, i, db.Len(), db.objBytes)
						}
					}
					if sh.Objects.Len() != 0 {
						t.Fatalf("shard %d keeps %d objects", sh.ID, sh.Objects.Len())
					}
				}
			}
		})
	}
}

// SORT on the real list and zset families, with BY and GET patterns whose
// keys (strings and hash fields) live on every shard.
func TestKeysSortRealTypes(t *testing.T) {
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			f := func(want string, args ...string) { t.Helper(); expect(t, l, want, args...) }
			a := func(args []string, want ...string) { t.Helper(); expect(t, l, respArray(want...), args...) }
			s := func(args ...string) []string { return args }
			f(":4\r\n", "RPUSH", "l", "3", "1", "2", "10")
			f(":1\r\n", "HSET", "h_1", "f", "5")
			f(":1\r\n", "HSET", "h_3", "f", "1")
			f("+OK\r\n", "MSET", "w_3", "1", "w_1", "3", "w_2", "2")
			f(":3\r\n", "ZADD", "z", "3", "a", "1", "b", "2", "c")
			a(s("SORT", "l", "BY", "h_*->f", "GET", "h_*->f"), "<nil>", "<nil>", "1", "5")
			a(s("SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*"), "10", "<nil>", "3", "1", "2", "2", "1", "3")
			a(s("SORT", "z", "BY", "nosort"), "b", "c", "a")
			a(s("SORT", "z", "ALPHA", "DESC"), "c", "b", "a")
			a(s("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"), "a", "c")
			dst := keyOn("dst", n-1, n)
			f(":4\r\n", "SORT", "l", "BY", "w_*", "STORE", dst)
			a(s("LRANGE", dst, "0", "-1"), "10", "3", "2", "1")
			f(":3\r\n", "SORT", "z", "ALPHA", "STORE", "l")
			a(s("LRANGE", "l", "0", "-1"), "a", "b", "c")
			f("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "SORT", "h_1")
		})
	}
}
