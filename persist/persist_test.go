package persist

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/darnerdb/darner/engine"
)

func TestCRC64(t *testing.T) {
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %x", got)
	}
	// Incremental equals whole.
	a := CRC64(CRC64(0, []byte("1234")), []byte("56789"))
	if a != 0xe9c6d914c4b8d9ca {
		t.Fatalf("incremental crc64 = %x", a)
	}
}

func TestLZFRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var table [1 << lzfHashLog]int32
	inputs := [][]byte{
		[]byte(strings.Repeat("a", 1000)),
		[]byte(strings.Repeat("hello world ", 300)),
		[]byte("abcabcabcabcabcabcabcabcabcxyz"),
	}
	for i := 0; i < 200; i++ {
		n := rng.Intn(5000) + 4
		b := make([]byte, n)
		alpha := rng.Intn(20) + 1
		for j := range b {
			b[j] = byte('a' + rng.Intn(alpha))
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		c, ok := lzfCompress(nil, in, &table)
		if !ok {
			continue
		}
		out, err := lzfDecompress(nil, c, len(in))
		if err != nil || string(out) != string(in) {
			t.Fatalf("lzf round trip of %d bytes failed: %v", len(in), err)
		}
	}
	// Redis's compression of "aaaa...": a known liblzf stream.
	out, err := lzfDecompress(nil, []byte{0x00, 'a', 0xe0, 0x09, 0x00}, 19)
	if err != nil || string(out) != strings.Repeat("a", 19) {
		t.Fatalf("decompress = %q, %v", out, err)
	}
}

// dataset writes every type in both encodings, with and without
// deadlines, over several databases, through l.
func dataset(l *engine.Local, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	do := func(args ...string) {
		if r := l.Do(args...); strings.HasPrefix(r, "-") {
			panic(fmt.Sprint(args, r))
		}
	}
	for db := 0; db < 16; db += 5 {
		do("SELECT", strconv.Itoa(db))
		p := fmt.Sprintf("d%d:", db)
		do("SET", p+"int", "12345")
		do("SET", p+"neg", "-9223372036854775808")
		do("SET", p+"big", "123456789012")
		do("SET", p+"str", "hello")
		do("SET", p+"empty", "")
		do("SET", p+"long", strings.Repeat("abc", 500))
		do("SET", p+"ttl", "v", "PX", "100000000")
		do("SET", p+"0lead", "007")
		for i := 0; i < 50; i++ {
			do("SET", fmt.Sprintf("%sk%d", p, i), strconv.Itoa(rng.Intn(1000)))
		}
		do("RPUSH", p+"list", "a", "1", "-5", "b", strings.Repeat("x", 100))
		args := []string{"RPUSH", p + "biglist"}
		for i := 0; i < 1000; i++ {
			args = append(args, strconv.Itoa(rng.Intn(100000)), "e"+strconv.Itoa(i))
		}
		do(args...)
		do("SADD", p+"intset", "1", "2", "3", "-100000", "9999999999")
		do("SADD", p+"set", "a", "b", "c", "1")
		args = []string{"SADD", p + "bigset"}
		for i := 0; i < 700; i++ {
			args = append(args, strconv.Itoa(i))
		}
		do(args...)
		args = []string{"SADD", p + "bigstrset"}
		for i := 0; i < 300; i++ {
			args = append(args, "m"+strconv.Itoa(i))
		}
		do(args...)
		do("HSET", p+"hash", "f1", "v1", "f2", "2", "f3", strings.Repeat("y", 80))
		args = []string{"HSET", p + "bighash"}
		for i := 0; i < 300; i++ {
			args = append(args, "f"+strconv.Itoa(i), strconv.Itoa(i*7))
		}
		do(args...)
		do("ZADD", p+"zset", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "0.1", "e")
		args = []string{"ZADD", p + "bigzset"}
		for i := 0; i < 300; i++ {
			args = append(args, strconv.FormatFloat(rng.NormFloat64()*1e6, 'g', -1, 64), "m"+strconv.Itoa(i))
		}
		do(args...)
		do("PEXPIRE", p+"bighash", "50000000")
		do("PEXPIRE", p+"zset", "60000000")
	}
	do("SELECT", "0")
}

// dumpAll describes every key of l as text, for comparisons.
func dumpAll(t *testing.T, l *engine.Local) []string {
	t.Helper()
	var out []string
	for db := 0; db < 16; db++ {
		l.Do("SELECT", strconv.Itoa(db))
		keys := parseArray(l.Do("KEYS", "*"))
		sort.Strings(keys)
		for _, k := range keys {
			typ := strings.TrimSpace(strings.TrimPrefix(l.Do("TYPE", k), "+"))
			var v string
			switch typ {
			case "string":
				v = l.Do("GET", k)
			case "list":
				v = l.Do("LRANGE", k, "0", "-1")
			case "set":
				m := parseArray(l.Do("SMEMBERS", k))
				sort.Strings(m)
				v = strings.Join(m, ",")
			case "hash":
				m := parseArray(l.Do("HGETALL", k))
				var pairs []string
				for i := 0; i+1 < len(m); i += 2 {
					pairs = append(pairs, m[i]+"="+m[i+1])
				}
				sort.Strings(pairs)
				v = strings.Join(pairs, ",")
			case "zset":
				v = l.Do("ZRANGE", k, "0", "-1", "WITHSCORES")
			}
			ttl := l.Do("PTTL", k)
			hasTTL := ttl != ":-1\r\n"
			out = append(out, fmt.Sprintf("%d %s %s ttl=%v enc=%s %s", db, k, typ, hasTTL, l.Do("OBJECT", "ENCODING", k), v))
		}
	}
	l.Do("SELECT", "0")
	return out
}

// parseArray reads a RESP2 array of bulk strings.
func parseArray(r string) []string {
	lines := strings.Split(r, "\r\n")
	var out []string
	for i := 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "$") && i+1 < len(lines) {
			out = append(out, lines[i+1])
			i++
		}
	}
	return out
}

func newLocal(t *testing.T, n int, dir string) *engine.Local {
	l := newLocalN(n, dir)
	t.Cleanup(l.Close)
	return l
}

func newLocalF(dir string) *engine.Local { return newLocalN(1, dir) }

func newLocalN(n int, dir string) *engine.Local {
	l := engine.NewLocal(n)
	if err := l.Server.Config().SetStartup("dir", dir); err != nil {
		panic(err)
	}
	return l
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, shards := range []int{1, 3} {
		for _, loadShards := range []int{1, 2} {
			t.Run(fmt.Sprintf("save%d-load%d", shards, loadShards), func(t *testing.T) {
				dir := t.TempDir()
				a := newLocal(t, shards, dir)
				dataset(a, 7)
				if r := a.Do("SAVE"); r != "+OK\r\n" {
					t.Fatalf("SAVE = %q", r)
				}
				want := dumpAll(t, a)
				b := newLocal(t, loadShards, dir)
				st, err := LoadFile(filepath.Join(dir, "dump.rdb"), b.Shards)
				if err != nil {
					t.Fatal(err)
				}
				if st.Loaded != int64(len(want)) {
					t.Errorf("loaded %d keys, want %d", st.Loaded, len(want))
				}
				got := dumpAll(t, b)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					for i := range min(len(got), len(want)) {
						if got[i] != want[i] {
							t.Fatalf("first difference:\n got %.300s\nwant %.300s", got[i], want[i])
						}
					}
					t.Fatalf("got %d keys, want %d", len(got), len(want))
				}
			})
		}
	}
}

func TestBGSaveIsPointInTime(t *testing.T) {
	bucketsPerStep = 2
	defer func() { bucketsPerStep = 32 }()
	for _, shards := range []int{1, 3} {
		t.Run(strconv.Itoa(shards), func(t *testing.T) {
			dir := t.TempDir()
			a := newLocal(t, shards, dir)
			dataset(a, 3)
			want := dumpAll(t, a)
			if r := a.Do("BGSAVE"); r != "+Background saving started\r\n" {
				t.Fatalf("BGSAVE = %q", r)
			}
			if r := a.Do("BGSAVE"); r != "-ERR Background save already in progress\r\n" {
				t.Fatalf("second BGSAVE = %q", r)
			}
			if r := a.Do("SAVE"); r != "-ERR Background save already in progress\r\n" {
				t.Fatalf("SAVE during BGSAVE = %q", r)
			}
			// Mutate everything while the shards step: in place object
			// edits, overwrites, deletes, new keys, flushes, swaps.
			rng := rand.New(rand.NewSource(5))
			steps := 0
			for {
				more := false
				for _, sh := range a.Shards {
					if sh.Background() {
						more = true
					}
				}
				for i := 0; i < 3; i++ {
					db := rng.Intn(4) * 5
					p := fmt.Sprintf("d%d:", db)
					a.Do("SELECT", strconv.Itoa(db))
					switch rng.Intn(12) {
					case 0:
						a.Do("RPUSH", p+"biglist", "NEW")
					case 1:
						a.Do("LPOP", p+"biglist")
					case 2:
						a.Do("SADD", p+"bigset", "NEW"+strconv.Itoa(rng.Intn(100)))
					case 3:
						a.Do("SREM", p+"bigstrset", "m"+strconv.Itoa(rng.Intn(300)))
					case 4:
						a.Do("HSET", p+"bighash", "f"+strconv.Itoa(rng.Intn(300)), "CHANGED")
					case 5:
						a.Do("ZINCRBY", p+"bigzset", "5", "m"+strconv.Itoa(rng.Intn(300)))
					case 6:
						a.Do("SET", p+"k"+strconv.Itoa(rng.Intn(50)), "CHANGED")
					case 7:
						a.Do("DEL", p+"k"+strconv.Itoa(rng.Intn(50)))
					case 8:
						a.Do("SET", p+"new"+strconv.Itoa(rng.Intn(1000)), "NEW")
					case 9:
						a.Do("SET", p+"bighash", "overwritten")
					case 10:
						a.Do("PERSIST", p+"ttl")
					case 11:
						switch rng.Intn(40) {
						case 0:
							a.Do("SWAPDB", "0", "5")
						case 1:
							a.Do("FLUSHDB")
						case 2:
							a.Do("RENAME", p+"biglist", p+"moved")
						}
					}
				}
				steps++
				if !more {
					break
				}
				if steps > 1_000_000 {
					t.Fatal("BGSAVE never finished")
				}
			}
			a.Do("FLUSHALL")
			// The writer finishes asynchronously.
			for i := 0; a.Server.Persist().BGSaveRunning.Load(); i++ {
				if i > 5000 {
					t.Fatal("writer never finished")
				}
				sleepMs(1)
			}
			if !a.Server.Persist().LastBGSaveOK.Load() {
				t.Fatal("BGSAVE failed")
			}
			b := newLocal(t, 2, dir)
			if _, err := LoadFile(filepath.Join(dir, "dump.rdb"), b.Shards); err != nil {
				t.Fatal(err)
			}
			got := dumpAll(t, b)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("after %d steps, first difference:\n got %.300s\nwant %.300s", steps, got[i], want[i])
					}
				}
				t.Fatalf("got %d keys, want %d", len(got), len(want))
			}
		})
	}
}

func TestCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	a := newLocal(t, 1, dir)
	dataset(a, 1)
	if r := a.Do("SAVE"); r != "+OK\r\n" {
		t.Fatalf("SAVE = %q", r)
	}
	good, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(good, func(*Record) error { return nil }); err != nil {
		t.Fatal(err)
	}
	noop := func(*Record) error { return nil }
	// Every truncation fails, never panics.
	for n := 0; n < len(good); n += 1 + n/50 {
		if _, err := Parse(good[:n], noop); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
	// A flipped byte is caught (by the checksum at least).
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 300; i++ {
		b := append([]byte(nil), good...)
		p := 9 + rng.Intn(len(b)-9)
		b[p] ^= byte(1 + rng.Intn(255))
		if _, err := Parse(b, noop); err == nil {
			t.Fatalf("flip at %d: no error", p)
		}
	}
	if _, err := Parse([]byte("REDIS0099"), noop); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("version 99: %v", err)
	}
	// A corrupt file stops loading before any key is stored.
	path := filepath.Join(dir, "bad.rdb")
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0xff
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	b := newLocal(t, 1, dir)
	if _, err := LoadFile(path, b.Shards); err == nil {
		t.Fatal("corrupt file loaded")
	}
	if r := b.Do("DBSIZE"); r != ":0\r\n" {
		t.Fatalf("DBSIZE after a refused load = %q", r)
	}
	// A missing file is not an error.
	if st, err := LoadFile(filepath.Join(dir, "none.rdb"), b.Shards); err != nil || st.Loaded != 0 {
		t.Fatalf("missing file: %v %v", st, err)
	}
}

func TestLastSaveAndInfo(t *testing.T) {
	dir := t.TempDir()
	a := newLocal(t, 2, dir)
	a.Do("SET", "a", "1")
	if r := a.Do("SAVE"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	info := a.Do("INFO", "persistence")
	for _, want := range []string{"rdb_saves:1\r\n", "rdb_changes_since_last_save:0\r\n", "rdb_bgsave_in_progress:0\r\n", "rdb_last_bgsave_status:ok\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO persistence lacks %q:\n%s", want, info)
		}
	}
	a.Do("SET", "b", "2")
	if !strings.Contains(a.Do("INFO", "persistence"), "rdb_changes_since_last_save:1\r\n") {
		t.Error("rdb_changes_since_last_save not 1 after one write")
	}
	if r := a.Do("BGSAVE", "x"); r != "-ERR syntax error\r\n" {
		t.Errorf("BGSAVE x = %q", r)
	}
	if r := a.Do("SAVE", "x"); r != "-ERR wrong number of arguments for 'save' command\r\n" {
		t.Errorf("SAVE x = %q", r)
	}
	// A save into a missing directory fails with -ERR and keeps nothing.
	b := newLocal(t, 2, filepath.Join(dir, "missing"))
	dataset(b, 1)
	if r := b.Do("SAVE"); r != "-ERR\r\n" {
		t.Errorf("SAVE into a missing dir = %q", r)
	}
	// A failed BGSAVE stops the shards' walks and hooks and reports err.
	if r := b.Do("BGSAVE"); r != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", r)
	}
	for i := 0; b.Server.Persist().BGSaveRunning.Load(); i++ {
		if i > 5000 {
			t.Fatal("failed BGSAVE still running")
		}
		sleepMs(1)
	}
	for i := 0; ; i++ {
		more := false
		for _, sh := range b.Shards {
			more = sh.Background() || more
		}
		if !more {
			break
		}
		if i > 100000 {
			t.Fatal("shards still walking after the writer failed")
		}
	}
	if !strings.Contains(b.Do("INFO", "persistence"), "rdb_last_bgsave_status:err\r\n") {
		t.Error("failed BGSAVE not reported")
	}
}

func sleepMs(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }
