package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/darnerdb/darner/proto"
	"golang.org/x/sys/unix"
)

// Engine-level benchmarks of the hot commands, shaped like redis-benchmark's
// workloads (`redis-benchmark -t get,set,incr,lpush,lpop,hset,sadd,zadd
// -r 100000`, plus HGET, SISMEMBER and ZRANGE as custom commands), so that
// scripts/bench_engine.sh can print their ns/op next to redis-server's own
// INFO commandstats usec_per_call for the same commands.
//
// Each command goes through what a shard does per command minus the
// network (ring/conn.go runInline): command table lookup, arity check,
// BeginCommand, Run writing the reply into a proto.Writer, EndCommand
// (counters, latency histogram, slow log check) and AfterWrite. The
// keyspace is pre-populated as redis-benchmark leaves it: 100000 random
// keys "key:%012d" with 3-byte values "xxx", hashes/sets/zsets of 100000
// "element:%012d" members, a 200k-element list.

const (
	hotKeyspace  = 100_000 // redis-benchmark -r
	hotListLen   = 200_000 // the list LPUSH/LPOP work on (redis-benchmark -n 200000 leaves this)
	hotVariants  = 1 << 16 // pre-built argument vectors per command, cycled through
	hotPipeline  = 16      // ClockStale every hotPipeline commands, as a -P 16 batch
	hotZrangeEnd = "9"     // ZRANGE myzset 0 9
)

// hotEngine runs commands on one in-process shard the way ring's
// runInline does.
type hotEngine struct {
	l   *Local
	sh  *Shard
	ctx Ctx
	w   proto.Writer
	n   int
}

func newHotEngine() *hotEngine {
	h := &hotEngine{l: NewLocal(1)}
	h.sh = h.l.Shards[0]
	h.ctx = Ctx{Server: h.l.Server, Shard: h.sh, W: &h.w, Now: time.Now().UnixMilli()}
	h.sh.Clock = h.ctx.Now
	return h
}

func (h *hotEngine) Close() { h.l.Close() }

// do runs one command and returns its reply (valid until the next call).
func (h *hotEngine) do(args [][]byte) []byte {
	h.w.Buf = h.w.Buf[:0]
	cmd := Lookup(args[0])
	switch {
	case cmd == nil:
		h.w.Error(ErrUnknownCommand(args))
		return h.w.Buf
	case !CheckArity(cmd.Arity, len(args)):
		h.w.Error(ErrWrongArgs(cmd.Name))
		return h.w.Buf
	}
	if h.n++; h.n%hotPipeline == 0 {
		h.sh.ClockStale()
	}
	start := h.sh.BeginCommand(cmd)
	cmd.Run(&h.ctx, args)
	h.sh.EndCommand(cmd, start, h.w.Buf, args...)
	h.sh.AfterWrite(cmd, args, h.ctx.DB)
	return h.w.Buf
}

// run runs only the command's Run (no table lookup, arity check,
// counters or clock reads): the part Redis's INFO commandstats times
// (its c->cmd->proc).
func (h *hotEngine) run(cmd *Command, args [][]byte) {
	h.w.Buf = h.w.Buf[:0]
	cmd.Run(&h.ctx, args)
}

// hotRand formats n as redis-benchmark's __rand_int__ (12 digits, zero
// padded).
func hotRand(n int) string { return fmt.Sprintf("%012d", n) }

// hotCase is one redis-benchmark workload: its name in redis-benchmark's
// output (and the command whose usec_per_call it is compared with), the
// command template ("__rand_int__" replaced by a fresh random number per
// occurrence, as redis-benchmark does), and the setup that leaves the
// keyspace as the benchmark run finds it.
type hotCase struct {
	name  string
	cmd   []string
	setup func(h *hotEngine)
	// refill, when set, is called (timer stopped) every refillEvery ops to
	// keep a consuming command (LPOP) in steady state.
	refill      func(h *hotEngine)
	refillEvery int
}

func hotFill(h *hotEngine, args ...string) {
	if r := h.l.Do(args...); len(r) > 0 && r[0] == '-' {
		panic(fmt.Sprint(args[:2], ": ", r))
	}
}

func hotSetupKeys(h *hotEngine) {
	for i := 0; i < hotKeyspace; i++ {
		hotFill(h, "SET", "key:"+hotRand(i), "xxx")
	}
}

func hotSetupCounters(h *hotEngine) {
	for i := 0; i < hotKeyspace; i++ {
		hotFill(h, "SET", "counter:"+hotRand(i), strconv.Itoa(i%1000))
	}
}

// hotSetupList pushes n 3-byte elements onto mylist, 100 per command.
func hotSetupList(h *hotEngine, n int) {
	args := []string{"LPUSH", "mylist"}
	for i := 0; i < 100; i++ {
		args = append(args, "xxx")
	}
	for i := 0; i < n; i += 100 {
		hotFill(h, args...)
	}
}

// hotSetupMembers adds hotKeyspace members to key with cmd (HSET, SADD,
// ZADD), 100 per command.
func hotSetupMembers(h *hotEngine, cmd, key string) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < hotKeyspace; i += 100 {
		args := []string{cmd, key}
		for j := i; j < i+100; j++ {
			m := "element:" + hotRand(j)
			switch cmd {
			case "HSET":
				args = append(args, m, "xxx")
			case "ZADD":
				args = append(args, hotRand(r.IntN(hotKeyspace)), m)
			default:
				args = append(args, m)
			}
		}
		hotFill(h, args...)
	}
}

// hotCases are the hot commands, in the order scripts/bench_engine.sh
// prints them. The names match redis-benchmark's test names (lower case)
// and INFO commandstats' cmdstat_<name>.
var hotCases = []hotCase{
	{name: "set", cmd: []string{"SET", "key:__rand_int__", "xxx"}, setup: hotSetupKeys},
	{name: "get", cmd: []string{"GET", "key:__rand_int__"}, setup: hotSetupKeys},
	{name: "incr", cmd: []string{"INCR", "counter:__rand_int__"}, setup: hotSetupCounters},
	{name: "lpush", cmd: []string{"LPUSH", "mylist", "xxx"}, setup: func(h *hotEngine) { hotSetupList(h, hotListLen) }},
	{name: "lpop", cmd: []string{"LPOP", "mylist"}, setup: func(h *hotEngine) { hotSetupList(h, hotListLen) },
		refill: func(h *hotEngine) { hotSetupList(h, hotListLen/2) }, refillEvery: hotListLen / 2},
	{name: "hset", cmd: []string{"HSET", "myhash", "element:__rand_int__", "xxx"}, setup: func(h *hotEngine) { hotSetupMembers(h, "HSET", "myhash") }},
	{name: "hget", cmd: []string{"HGET", "myhash", "element:__rand_int__"}, setup: func(h *hotEngine) { hotSetupMembers(h, "HSET", "myhash") }},
	{name: "sadd", cmd: []string{"SADD", "myset", "element:__rand_int__"}, setup: func(h *hotEngine) { hotSetupMembers(h, "SADD", "myset") }},
	{name: "sismember", cmd: []string{"SISMEMBER", "myset", "element:__rand_int__"}, setup: func(h *hotEngine) { hotSetupMembers(h, "SADD", "myset") }},
	{name: "zadd", cmd: []string{"ZADD", "myzset", "__rand_int__", "element:__rand_int__"}, setup: func(h *hotEngine) { hotSetupMembers(h, "ZADD", "myzset") }},
	{name: "zrange", cmd: []string{"ZRANGE", "myzset", "0", hotZrangeEnd}, setup: func(h *hotEngine) { hotSetupMembers(h, "ZADD", "myzset") }},
}

// variants pre-builds hotVariants argument vectors of c's template.
func (c *hotCase) variants(seed uint64) [][][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][][]byte, hotVariants)
	for i := range out {
		args := make([][]byte, len(c.cmd))
		for j, a := range c.cmd {
			b := []byte(a)
			for k := 0; k+12 <= len(b); k++ {
				if string(b[k:k+12]) == "__rand_int__" {
					copy(b[k:], hotRand(r.IntN(hotKeyspace)))
				}
			}
			args[j] = b
		}
		out[i] = args
	}
	return out
}

// hotStarted caches each case's engine and argument vectors: populating a
// 100k-member keyspace costs far more than a benchmark run, and the
// testing package calls a benchmark function several times (b.N probing,
// -count). The engines live until the test binary exits.
var hotStarted = map[string]struct {
	h  *hotEngine
	vs [][][]byte
}{}

// start returns the engine for c, with its keyspace populated and its
// argument vectors ready, after checking one run for an error reply.
func (c *hotCase) start(tb testing.TB) (*hotEngine, [][][]byte) {
	if st, ok := hotStarted[c.name]; ok {
		return st.h, st.vs
	}
	h := newHotEngine()
	c.setup(h)
	vs := c.variants(uint64(len(c.name)))
	if r := h.do(vs[0]); len(r) > 0 && r[0] == '-' {
		h.Close()
		tb.Fatalf("%s: %q", c.name, r)
	}
	hotStarted[c.name] = struct {
		h  *hotEngine
		vs [][][]byte
	}{h, vs}
	runtime.GC()
	return h, vs
}

// BenchmarkHot runs each hot command through the shard's dispatch path;
// scripts/bench_engine.sh reads the sub-benchmark names (BenchmarkHot/get).
// Besides ns/op it reports cpu-ns/op, the benchmark thread's own CPU time
// per command (CLOCK_THREAD_CPUTIME_ID): on a shared machine wall time
// also counts the time other processes held the CPU.
func BenchmarkHot(b *testing.B) { benchHot(b, false) }

// BenchmarkHotRun is BenchmarkHot with only each command's Run timed: the
// engine's own share, the counterpart of Redis's usec_per_call (which
// times the command procedure alone).
func BenchmarkHotRun(b *testing.B) { benchHot(b, true) }

func benchHot(b *testing.B, runOnly bool) {
	for i := range hotCases {
		c := &hotCases[i]
		b.Run(c.name, func(b *testing.B) {
			h, vs := c.start(b)
			cmd := Lookup(vs[0][0])
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var untimed time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := threadCPU()
			for i := 0; i < b.N; i++ {
				if c.refill != nil && i%c.refillEvery == c.refillEvery-1 {
					b.StopTimer()
					t := threadCPU()
					c.refill(h)
					untimed += threadCPU() - t
					b.StartTimer()
				}
				if runOnly {
					h.run(cmd, vs[i&(hotVariants-1)])
				} else {
					h.do(vs[i&(hotVariants-1)])
				}
			}
			cpu := threadCPU() - cpu0 - untimed
			b.StopTimer()
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// threadCPU is the calling thread's CPU time.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// release closes c's cached engine (tests do, so that the test binary
// does not keep eleven populated keyspaces alive).
func (c *hotCase) release() {
	if st, ok := hotStarted[c.name]; ok {
		st.h.Close()
		delete(hotStarted, c.name)
	}
}

// hotWant is the reply type each benchmark command must give: real work,
// never an error.
var hotWant = map[string]byte{"set": '+', "get": '$', "incr": ':', "lpush": ':', "lpop": '$',
	"hset": ':', "hget": '$', "sadd": ':', "sismember": ':', "zadd": ':', "zrange": '*'}

// TestHotAllocs checks each hot command's replies (so that the benchmark
// measures real work) and enforces that it allocates nothing in steady
// state (after a warm-up over its argument vectors), as measured by
// testing.AllocsPerRun; over a longer run the commands whose structure
// grows (a new list node per ~1600 LPUSHes, a hash/set/zset table that
// doubles) may allocate rarely: at most once per 200 commands.
func TestHotAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("populates 100k-key keyspaces")
	}
	for i := range hotCases {
		c := &hotCases[i]
		t.Run(c.name, func(t *testing.T) {
			h, vs := c.start(t)
			defer c.release()
			for j := 0; j < 100; j++ {
				r := h.do(vs[j])
				if len(r) == 0 || r[0] != hotWant[c.name] ||
					(c.name == "get" || c.name == "hget" || c.name == "lpop") && string(r) != "$3\r\nxxx\r\n" ||
					c.name == "zrange" && string(r[:4]) != "*10\r" {
					t.Fatalf("%s %q: reply %q", c.name, vs[j], r)
				}
			}
			k := 0
			next := func() {
				h.do(vs[k&(hotVariants-1)])
				k++
			}
			for j := 0; j < 2000; j++ {
				next()
			}
			if raceEnabled {
				t.Log("allocation counts are checked without -race (make test-allocs)")
				return
			}
			if n := testing.AllocsPerRun(1000, next); n != 0 {
				t.Errorf("%s: %v allocs/op", c.name, n)
			}
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			for j := 0; j < 20000; j++ {
				next()
			}
			runtime.ReadMemStats(&m1)
			if a := m1.Mallocs - m0.Mallocs; a > 100 {
				t.Errorf("%s: %d allocations in 20000 commands", c.name, a)
			}
		})
	}
}
