package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// redisDenyOOM is every command Redis 7.0.15 flags denyoom (COMMAND).
const redisDenyOOM = "append bitfield bitop blmove brpoplpush copy decr decrby geoadd georadius " +
	"georadiusbymember geosearchstore getset hincrby hincrbyfloat hmset hset hsetnx incr incrby " +
	"incrbyfloat linsert lmove lpush lpushx lset mset msetnx pfadd pfdebug pfmerge psetex restore " +
	"restore-asking rpoplpush rpush rpushx sadd sdiffstore set setbit setex setnx setrange sinterstore " +
	"sort sunionstore xadd xsetid zadd zdiffstore zincrby zinterstore zrangestore zunionstore"

// TestMaxMemoryDenyOOMFlags: the table's denyoom flags are Redis's, for
// every command darner has.
func TestMaxMemoryDenyOOMFlags(t *testing.T) {
	want := map[string]bool{}
	for _, n := range strings.Fields(redisDenyOOM) {
		want[n] = true
	}
	var wrong []string
	for _, cmd := range Commands() {
		if got := cmd.Flags&FlagDenyOOM != 0; got != want[cmd.Name] {
			wrong = append(wrong, fmt.Sprintf("%s (denyoom=%v)", cmd.Name, got))
		}
	}
	sort.Strings(wrong)
	if len(wrong) > 0 {
		t.Errorf("denyoom differs from Redis 7.0: %v", wrong)
	}
}

func mmLocals(t *testing.T, f func(t *testing.T, l *Local)) {
	for _, n := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("shards=%d", n), func(t *testing.T) {
			l := NewLocal(n)
			defer l.Close()
			f(t, l)
		})
	}
}

func mmExpect(t *testing.T, l *Local, want string, args ...string) {
	t.Helper()
	if got := l.Do(args...); got != want {
		t.Errorf("%q = %q, want %q", args, got, want)
	}
}

const oomReply = "-" + ErrOOM + "\r\n"

// infoField returns one field of an INFO section.
func infoField(l *Local, section, field string) string {
	for _, line := range strings.Split(l.Do("INFO", section), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	return ""
}

func TestMaxMemoryRefusesDenyOOM(t *testing.T) {
	mmLocals(t, func(t *testing.T, l *Local) {
		mmExpect(t, l, "+OK\r\n", "SET", "a", "1")
		mmExpect(t, l, "+OK\r\n", "SET", "b", "1")
		mmExpect(t, l, "+OK\r\n", "CONFIG", "SET", "maxmemory", "1")
		mmExpect(t, l, oomReply, "SET", "c", "1")
		mmExpect(t, l, oomReply, "INCR", "a")
		mmExpect(t, l, oomReply, "RPUSH", "l", "x")
		mmExpect(t, l, oomReply, "MSET", "a", "1", "b", "2", "c", "3") // spans shards when n > 1
		mmExpect(t, l, oomReply, "SADD", "s", "x")
		mmExpect(t, l, oomReply, "HSET", "h", "f", "v")
		mmExpect(t, l, oomReply, "ZADD", "z", "1", "m")
		mmExpect(t, l, oomReply, "PFADD", "p", "x")
		mmExpect(t, l, oomReply, "COPY", "a", "a2")
		// Reads, DEL and writes that are not denyoom still run.
		mmExpect(t, l, "$1\r\n1\r\n", "GET", "a")
		mmExpect(t, l, ":1\r\n", "EXPIRE", "a", "100")
		mmExpect(t, l, ":1\r\n", "PERSIST", "a")
		mmExpect(t, l, "$-1\r\n", "LPOP", "l")
		mmExpect(t, l, ":2\r\n", "DEL", "a", "b")
		mmExpect(t, l, ":0\r\n", "EXISTS", "a")
		// Errors before the OOM check keep their text.
		mmExpect(t, l, "-ERR wrong number of arguments for 'set' command\r\n", "SET", "a")
		if got := infoField(l, "errorstats", "errorstat_OOM"); got != "count=9" {
			t.Errorf("errorstat_OOM = %q, want count=9", got)
		}
		if got := infoField(l, "commandstats", "cmdstat_set"); !strings.Contains(got, "calls=2,") || !strings.Contains(got, "rejected_calls=2,failed_calls=0") {
			t.Errorf("cmdstat_set = %q", got)
		}
		if got := infoField(l, "memory", "maxmemory"); got != "1" {
			t.Errorf("maxmemory = %q", got)
		}
		if got := infoField(l, "memory", "maxmemory_human"); got != "1B" {
			t.Errorf("maxmemory_human = %q", got)
		}
		if got := infoField(l, "memory", "maxmemory_policy"); got != "noeviction" {
			t.Errorf("maxmemory_policy = %q", got)
		}
		// CONFIG SET takes effect at once, both ways.
		mmExpect(t, l, "+OK\r\n", "CONFIG", "SET", "maxmemory", "0")
		mmExpect(t, l, "+OK\r\n", "SET", "c", "1")
		mmExpect(t, l, "+OK\r\n", "CONFIG", "SET", "maxmemory", "1gb")
		mmExpect(t, l, "+OK\r\n", "SET", "c", "2")
		mmExpect(t, l, "+OK\r\n", "CONFIG", "SET", "maxmemory", "1")
		mmExpect(t, l, oomReply, "SET", "c", "3")
	})
}

// TestMaxMemoryFillDeleteResume fills the keyspace up to a limit with a
// bounded loop, checks that writes are then refused and the accounting is
// within its step of the limit, frees with DEL and writes again.
func TestMaxMemoryFillDeleteResume(t *testing.T) {
	mmLocals(t, func(t *testing.T, l *Local) {
		base := l.Server.UsedMemory()
		if base <= 0 {
			t.Fatalf("published used memory %d at start", base)
		}
		const room = 512 << 10
		limit := base + room
		mmExpect(t, l, "+OK\r\n", "CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10))
		val := strings.Repeat("v", 1000)
		n := 0
		for ; n < 4*room/len(val); n++ {
			r := l.Do("SET", "key:"+strconv.Itoa(n), val)
			if r == oomReply {
				break
			}
			if r != "+OK\r\n" {
				t.Fatalf("SET = %q", r)
			}
		}
		if n == 4*room/len(val) {
			t.Fatalf("%d SETs of %d bytes never hit a %d-byte limit (used %d)", n, len(val), limit, l.Server.UsedMemory())
		}
		var exact int64
		for _, s := range l.Shards {
			exact += s.UsedBytes()
		}
		// Refused only once really over (the published sum lags the
		// truth by less than a step per shard), and not much later.
		step := limit / int64(64*len(l.Shards))
		if exact <= limit-int64(len(l.Shards))*step || exact > limit+int64(len(l.Shards))*step+2*int64(len(val)) {
			t.Errorf("refused at %d bytes used (limit %d, published %d)", exact, limit, l.Server.UsedMemory())
		}
		if n < room/(2*len(val)) {
			t.Errorf("only %d keys of %d bytes fit in %d bytes", n, len(val), room)
		}
		mmExpect(t, l, oomReply, "APPEND", "key:0", "x")
		mmExpect(t, l, "$1000\r\n"+val+"\r\n", "GET", "key:0")
		// DEL frees; writes resume.
		for i := 0; i < n; i += 2 {
			mmExpect(t, l, ":1\r\n", "DEL", "key:"+strconv.Itoa(i))
		}
		mmExpect(t, l, "+OK\r\n", "SET", "again", val)
		mmExpect(t, l, ":1001\r\n", "APPEND", "key:1", "x")
		// The published sum equals the shards' own figures after a tick.
		for _, s := range l.Shards {
			s.Tick(l.now())
		}
		exact = 0
		for _, s := range l.Shards {
			exact += s.UsedBytes()
		}
		if got := l.Server.UsedMemory(); got != exact {
			t.Errorf("published %d after tick, shards hold %d", got, exact)
		}
		// FLUSHALL (a tx on every shard) brings it back to the empty size.
		mmExpect(t, l, "+OK\r\n", "FLUSHALL")
		if got := l.Server.UsedMemory(); got != base {
			t.Errorf("after FLUSHALL published %d, empty was %d", got, base)
		}
	})
}

// TestMaxMemoryMulti follows Redis 7: over maxmemory every command queued
// inside MULTI is refused (and the transaction aborts at EXEC), EXEC of a
// queue holding a denyoom command answers EXECABORT with the OOM text,
// and EXEC of reads runs.
func TestMaxMemoryMulti(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	srv := l.Server
	set, get := Lookup([]byte("set")), Lookup([]byte("get"))
	exec, discard, multi := Lookup([]byte("exec")), Lookup([]byte("discard")), Lookup([]byte("multi"))
	sess := &Session{}
	if srv.RejectOOM(sess, set) || srv.RejectOOM(nil, get) {
		t.Fatal("refused without maxmemory")
	}
	if err := srv.Config().Set("maxmemory", "1"); err != nil {
		t.Fatal(err)
	}
	if !srv.RejectOOM(sess, set) || srv.RejectOOM(sess, get) || srv.RejectOOM(sess, exec) {
		t.Error("outside MULTI: SET must be refused, GET and EXEC not")
	}
	sess.InMulti = true
	for _, c := range []*Command{get, set, multi} {
		if !srv.RejectOOM(sess, c) {
			t.Errorf("inside MULTI: %s not refused", c.Name)
		}
	}
	if srv.RejectOOM(sess, discard) || srv.RejectOOM(sess, exec) {
		t.Error("inside MULTI: DISCARD and EXEC of an empty queue must run")
	}
	sess.Queue = append(sess.Queue, QueuedCommand{Cmd: get}, QueuedCommand{Cmd: set})
	if !srv.RejectOOM(sess, exec) {
		t.Error("EXEC of a queue holding SET not refused")
	}
	want := "EXECABORT Transaction discarded because of: " + ErrOOM
	if got := sess.RejectExec(exec, ErrOOM); got != want || sess.InMulti || len(sess.Queue) != 0 {
		t.Errorf("RejectExec = %q (InMulti %v), want %q", got, sess.InMulti, want)
	}
	// The arity rejection keeps Redis's code-less text.
	sess.InMulti = true
	if got := sess.RejectExec(exec, ErrWrongArgs("exec")); got != "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command" {
		t.Errorf("RejectExec(arity) = %q", got)
	}
}

// TestMaxMemoryCheckAllocs: the check on the command path allocates
// nothing, under and over the limit.
func TestMaxMemoryCheckAllocs(t *testing.T) {
	l := NewLocal(2)
	defer l.Close()
	set, get := Lookup([]byte("set")), Lookup([]byte("get"))
	sess := &Session{}
	for _, lim := range []string{"0", "1"} {
		if err := l.Server.Config().Set("maxmemory", lim); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() {
			l.Server.RejectOOM(sess, set)
			l.Server.RejectOOM(sess, get)
			l.Shards[0].NoteMemoryDB(0)
		}); n != 0 {
			t.Errorf("maxmemory %s: %v allocs per check", lim, n)
		}
	}
}

// BenchmarkNoteMemoryDB measures the per-write cost of the accounting:
// compare "set+note" with "set".
func BenchmarkNoteMemoryDB(b *testing.B) {
	for _, note := range []bool{false, true} {
		name := "set"
		if note {
			name = "set+note"
		}
		b.Run(name, func(b *testing.B) {
			l := NewLocal(1)
			defer l.Close()
			s := l.Shards[0]
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.DBs[0].SetInt([]byte("k"), int64(i&1023), 0, 0, 0)
				if note {
					s.NoteMemoryDB(0)
				}
			}
		})
	}
}

// BenchmarkRejectOOM is the check for a denyoom command under the limit.
func BenchmarkRejectOOM(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	_ = l.Server.Config().Set("maxmemory", "1gb")
	set := Lookup([]byte("set"))
	sess := &Session{}
	for i := 0; i < b.N; i++ {
		if l.Server.RejectOOM(sess, set) {
			b.Fatal("refused")
		}
	}
}
