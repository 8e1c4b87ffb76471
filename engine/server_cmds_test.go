package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestServerTimeLastSave(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		l.Server.StartUnixMs = 1700000000123
		r := l.Do("time")
		parts := strings.Split(r, "\r\n")
		if len(parts) != 6 || parts[0] != "*2" {
			t.Fatalf("TIME = %q", r)
		}
		sec, err1 := strconv.ParseInt(parts[2], 10, 64)
		us, err2 := strconv.ParseInt(parts[4], 10, 64)
		if err1 != nil || err2 != nil || us < 0 || us >= 1e6 {
			t.Fatalf("TIME = %q", r)
		}
		if d := time.Now().Unix() - sec; d < 0 || d > 2 {
			t.Fatalf("TIME seconds %d, now %d", sec, time.Now().Unix())
		}
		if r := l.Do("lastsave"); r != ":1700000000\r\n" {
			t.Fatalf("LASTSAVE = %q", r)
		}
		l.Close()
	}
}

func TestServerMemoryUsage(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		eq := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("shards=%d %v = %q, want %q", n, args, got, want)
			}
		}
		eq("$-1\r\n", "memory", "usage", "nokey")
		eq("-ERR syntax error\r\n", "memory", "usage", "k", "samples")
		eq("-ERR syntax error\r\n", "memory", "usage", "k", "samples", "-1")
		eq("-ERR value is not an integer or out of range\r\n", "memory", "usage", "k", "samples", "x")
		eq("-ERR syntax error\r\n", "memory", "usage", "k", "foo", "1")
		eq("-ERR unknown subcommand 'foo'. Try MEMORY HELP.\r\n", "memory", "foo")
		eq("-ERR wrong number of arguments for 'memory|usage' command\r\n", "memory", "usage")
		l.Do("set", "k", "v")
		small := usageOf(t, l, "k")
		if small <= 0 {
			t.Fatalf("MEMORY USAGE k = %d", small)
		}
		l.Do("set", "k2", strings.Repeat("x", 1000))
		if big := usageOf(t, l, "k2"); big < small+1000 {
			t.Fatalf("MEMORY USAGE of a 1000-byte value = %d (small %d)", big, small)
		}
		// A large hash is an object: its elements count.
		for i := 0; i < 300; i++ {
			l.Do("hset", "h", "field:"+strconv.Itoa(i), strings.Repeat("v", 20))
		}
		if hu := usageOf(t, l, "h", "samples", "0"); hu < 300*25 {
			t.Fatalf("MEMORY USAGE of a 300-field hash = %d", hu)
		}
		l.Do("set", "e", "v", "px", "1")
		time.Sleep(3 * time.Millisecond)
		eq("$-1\r\n", "memory", "usage", "e")
		l.Close()
	}
}

func usageOf(t *testing.T, l *Local, args ...string) int64 {
	t.Helper()
	r := l.Do(append([]string{"memory", "usage"}, args...)...)
	if !strings.HasPrefix(r, ":") {
		t.Fatalf("MEMORY USAGE %v = %q", args, r)
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(r[1:]), 10, 64)
	return n
}

func TestServerMemoryStatsDoctorHelp(t *testing.T) {
	// keys.count covers every shard.
	l3 := NewLocal(3)
	for i := 0; i < 7; i++ {
		l3.Do("set", "key"+strconv.Itoa(i), "1")
	}
	if r := l3.Do("memory", "stats"); !strings.Contains(r, "keys.count\r\n:7\r\n") {
		t.Fatalf("3 shards: MEMORY STATS = %q", r)
	}
	l3.Close()
	l := NewLocal(1)
	defer l.Close()
	l.Do("set", "a", "1")
	r := l.Do("memory", "stats")
	if !strings.HasPrefix(r, "*52\r\n") || !strings.Contains(r, "keys.count\r\n:1\r\n") {
		t.Fatalf("MEMORY STATS = %q", r)
	}
	l.Do("hello", "3")
	if r := l.Do("memory", "stats"); !strings.HasPrefix(r, "%26\r\n") {
		t.Fatalf("RESP3 MEMORY STATS = %q", r[:20])
	}
	if r := l.Do("memory", "doctor"); !strings.HasPrefix(r, "=") || !strings.Contains(r, "Sam") {
		t.Fatalf("MEMORY DOCTOR = %q", r)
	}
	if r := l.Do("memory", "help"); !strings.HasPrefix(r, "*14\r\n+MEMORY <subcommand>") {
		t.Fatalf("MEMORY HELP = %q", r)
	}
}

func TestServerFunctionReset(t *testing.T) {
	l := NewLocal(3)
	defer l.Close()
	eq := func(want string, args ...string) {
		t.Helper()
		if got := l.Do(args...); got != want {
			t.Fatalf("%v = %q, want %q", args, got, want)
		}
	}
	eq("*0\r\n", "function", "list")
	eq("*0\r\n", "function", "list", "withcode", "libraryname", "x")
	eq("-ERR library name argument was not given\r\n", "function", "list", "libraryname")
	eq("-ERR Unknown argument x\r\n", "function", "list", "x")
	eq("+OK\r\n", "function", "flush")
	eq("+OK\r\n", "function", "flush", "ASYNC")
	eq("-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n", "function", "flush", "x")
	eq("-ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.\r\n", "function", "flush", "a", "b")

	l.Do("hello", "3")
	eq("+OK\r\n", "select", "2")
	eq("+OK\r\n", "client", "setname", "me")
	eq("+OK\r\n", "multi")
	eq("+RESET\r\n", "reset")
	if l.Sess.InMulti || l.Sess.DB != 0 || l.Sess.Resp3 || l.Sess.Name != "" {
		t.Fatalf("session after RESET: %+v", l.Sess)
	}
	eq("$-1\r\n", "client", "getname")
	eq("-ERR EXEC without MULTI\r\n", "exec")
}

func TestServerSlowlog(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		eq := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("shards=%d %v = %q, want %q", n, args, got, want)
			}
		}
		eq("-ERR unknown subcommand 'foo'. Try SLOWLOG HELP.\r\n", "slowlog", "foo")
		eq("-ERR count should be greater than or equal to -1\r\n", "slowlog", "get", "x")
		eq("-ERR count should be greater than or equal to -1\r\n", "slowlog", "get", "-2")
		eq("-ERR unknown subcommand or wrong number of arguments for 'Get'. Try SLOWLOG HELP.\r\n", "slowlog", "Get", "1", "2")
		eq("-ERR wrong number of arguments for 'slowlog|len' command\r\n", "slowlog", "len", "x")
		eq("*0\r\n", "slowlog", "get")
		eq(":0\r\n", "slowlog", "len")
		eq("+OK\r\n", "config", "set", "slowlog-log-slower-than", "0")
		// Keys on every shard: the merged log is ordered newest first.
		for i := 0; i < 6; i++ {
			l.Do("set", "key"+strconv.Itoa(i), "v")
		}
		eq(":7\r\n", "slowlog", "len") // CONFIG SET and the six SETs
		r := l.Do("slowlog", "get", "2")
		// Newest first: the SLOWLOG LEN, then the last SET.
		if !strings.HasPrefix(r, "*2\r\n*6\r\n:") || !strings.Contains(r, "*2\r\n$7\r\nslowlog\r\n$3\r\nlen\r\n$0\r\n\r\n$0\r\n\r\n*6\r\n") ||
			!strings.HasSuffix(r, "*3\r\n$3\r\nset\r\n$4\r\nkey5\r\n$1\r\nv\r\n$0\r\n\r\n$0\r\n\r\n") {
			t.Fatalf("shards=%d SLOWLOG GET 2 = %q", n, r)
		}
		// Truncation as Redis: 32 arguments, 128 bytes each.
		args := []string{"rpush", "list", strings.Repeat("a", 200)}
		for i := 0; i < 40; i++ {
			args = append(args, "x")
		}
		l.Do(args...)
		r = l.Do("slowlog", "get", "1")
		if !strings.Contains(r, "*32\r\n$5\r\nrpush\r\n$4\r\nlist\r\n$147\r\n"+strings.Repeat("a", 128)+"... (72 more bytes)\r\n") ||
			!strings.Contains(r, "$23\r\n... (12 more arguments)\r\n$0\r\n") {
			t.Fatalf("shards=%d truncated entry = %q", n, r)
		}
		// slowlog-max-len bounds each shard's log and the merged view.
		eq("+OK\r\n", "config", "set", "slowlog-max-len", "3")
		for i := 0; i < 10; i++ {
			l.Do("get", "key"+strconv.Itoa(i))
		}
		eq(":3\r\n", "slowlog", "len")
		for _, sh := range l.Shards {
			if len(sh.slowlog.entries) > 3 {
				t.Fatalf("shard %d keeps %d entries", sh.ID, len(sh.slowlog.entries))
			}
		}
		r = l.Do("slowlog", "get", "-1")
		if !strings.HasPrefix(r, "*3\r\n") || !strings.Contains(r, "key9") {
			t.Fatalf("shards=%d SLOWLOG GET -1 = %q", n, r)
		}
		eq("+OK\r\n", "slowlog", "reset")
		eq(":1\r\n", "slowlog", "len") // the RESET itself, as Redis
		// Secrets are never logged.
		l.Do("auth", "default", "pw")
		eq(":2\r\n", "slowlog", "len")
		eq("+OK\r\n", "config", "set", "slowlog-log-slower-than", "-1")
		eq("+OK\r\n", "slowlog", "reset")
		l.Do("set", "k", "v")
		eq(":0\r\n", "slowlog", "len")
		eq("+OK\r\n", "config", "set", "slowlog-log-slower-than", "1000000")
		l.Do("set", "k", "v")
		eq(":0\r\n", "slowlog", "len")
		l.Close()
	}
}

// BenchmarkEndCommandSlowlogCheck measures the per-command cost of the
// slow log threshold check on the command path (nothing is logged).
func BenchmarkEndCommandSlowlogCheck(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	sh := l.Shards[0]
	cmd := Lookup([]byte("get"))
	args := [][]byte{[]byte("get"), []byte("k")}
	reply := []byte("$-1\r\n")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sh.EndCommand(cmd, sh.BeginCommand(cmd), reply, args...)
	}
}
