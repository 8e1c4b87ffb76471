package engine

import (
	"cmp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/darnerdb/darner/proto"
)

// The rest of the server family: TIME, LASTSAVE, MEMORY, SLOWLOG (see
// slowlog below), FUNCTION (until scripting arrives) and RESET.
//
// TIME, LASTSAVE, FUNCTION and RESET are keyless and run on the
// connection's coordinator. MEMORY is a tx command (no Run): USAGE runs
// on its key's shard (the parent carries argument 2 as its key, as OBJECT
// does), STATS and DOCTOR gather every shard's counters.

func init() {
	register(
		&Command{Name: "time", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Run: cmdTime,
			Group: "server", Tips: []string{"nondeterministic_output"},
			Summary: "Return the current server time", Since: "2.6.0", Complexity: "O(1)"},
		&Command{Name: "lastsave", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Run: cmdLastSave,
			Group: "server", ACL: "@admin @dangerous", Tips: []string{"nondeterministic_output"},
			Summary: "Get the UNIX time stamp of the last successful save to disk", Since: "1.0.0", Complexity: "O(1)"},
		&Command{Name: "reset", Arity: 1, Flags: FlagConn | FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoAuth | FlagAllowBusy,
			Run: cmdReset, Group: "connection",
			Summary: "Reset the connection", Since: "6.2.0", Complexity: "O(1)"},
		memoryCommand(),
		functionCommand(),
		slowlogCommand(),
	)
}

// cmdTime replies [unix seconds, microseconds] as bulk strings, read from
// the wall clock (c.Now is per batch and only has milliseconds).
func cmdTime(c *Ctx, args [][]byte) {
	us := time.Now().UnixMicro()
	c.W.ArrayLen(2)
	c.W.BulkInt(us / 1e6)
	c.W.BulkInt(us % 1e6)
}

// cmdLastSave: darner does not persist yet, so it reports what a Redis
// that never saved does: the time the server started.
func cmdLastSave(c *Ctx, args [][]byte) { c.W.Int(c.Server.Persist().LastSave.Load()) }

// cmdReset brings the session back to a new connection's state: no
// MULTI, no WATCH, database 0, RESP2, no name. Like Redis it keeps the
// authentication only when no password is required.
func cmdReset(c *Ctx, args [][]byte) {
	s := c.Sess
	s.ResetMulti()
	s.Unwatch()
	s.DB = 0
	s.Resp3 = false
	c.W.Resp3 = false
	s.Name = ""
	if c.Server.RequirePass != "" {
		s.Authed = false
	}
	c.W.SimpleString("RESET")
}

// ---- MEMORY ----

func memoryCommand() *Command {
	sub := func(name string, arity int, flags Flags, summary, since, complexity string, run func(*Ctx, [][]byte)) *Command {
		return &Command{Name: "memory|" + name, Arity: arity, Flags: flags, Group: "server",
			Summary: summary, Since: since, Complexity: complexity, Run: run}
	}
	cmd := &Command{Name: "memory", Arity: -2, FirstKey: 2, LastKey: 2, Step: 1, KeySpecs: []KeySpec{},
		Group: "server", Summary: "A container for memory diagnostics commands", Since: "4.0.0",
		Complexity: "Depends on subcommand."}
	usage := sub("usage", -3, FlagReadonly, "Estimate the memory usage of a key", "4.0.0", "O(N) where N is the number of samples.", cmdMemoryUsage)
	usage.FirstKey, usage.LastKey, usage.Step = 2, 2, 1
	usage.KeySpecs = []KeySpec{{BeginIndex: 2, KeyStep: 1, Flags: []string{"RO"}}}
	doctor := sub("doctor", 2, 0, "Outputs memory problems report", "4.0.0", "O(1)", nil)
	doctor.Tips = []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}
	stats := sub("stats", 2, 0, "Show memory usage details", "4.0.0", "O(1)", nil)
	stats.Tips = []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}
	mallocStats := sub("malloc-stats", 2, 0, "Show allocator internal stats", "4.0.0", "Depends on how much memory is allocated, could be slow", cmdMemoryMallocStats)
	mallocStats.Tips = []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}
	purge := sub("purge", 2, 0, "Ask the allocator to release memory", "4.0.0", "Depends on how much memory is allocated, could be slow", cmdMemoryPurge)
	purge.Tips = []string{"request_policy:all_shards", "response_policy:all_succeeded"}
	cmd.Subcommands = []*Command{
		doctor,
		sub("help", 2, FlagLoading|FlagStale, "Show helpful text about the different subcommands", "4.0.0", "O(1)", cmdMemoryHelp),
		mallocStats,
		purge,
		stats,
		usage,
	}
	subDocs(cmd, "usage", "key [SAMPLES count]")
	// MEMORY is a tx command: USAGE runs on its key's shard, STATS and
	// DOCTOR gather every shard's counters; HELP, PURGE and MALLOC-STATS
	// run on the coordinator (a one-phase tx there).
	cmd.Tx = func(t *Tx, args [][]byte) {
		s := cmd.TxSubcommand(t, args)
		if s == nil {
			return
		}
		switch s.Name {
		case "memory|stats", "memory|doctor":
			g := GatherShards(t)
			srv, stats := t.Server, s.Name == "memory|stats"
			t.Reply(func(w *proto.Writer) {
				tot := Sum(g.Snaps)
				m := readMemory(srv, &tot)
				if stats {
					writeMemoryStats(w, &m, &tot)
				} else {
					writeMemoryDoctor(w, &m)
				}
			})
			return
		}
		shard := 0
		if t.Coordinator != nil {
			shard = t.Coordinator.ID
		}
		if s.Name == "memory|usage" {
			shard = t.ShardOf(args[2])
		}
		var out []byte
		t.On(shard, func(c *Ctx) {
			var w proto.Writer
			w.Resp3 = t.Resp3
			c.W = &w
			s.Run(c, args)
			c.W = nil
			out = w.Buf
		})
		t.Reply(func(w *proto.Writer) { w.Buf = append(w.Buf, out...) })
	}
	return cmd
}

var memoryHelp = []string{
	"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DOCTOR",
	"    Return memory problems reports.",
	"MALLOC-STATS",
	"    Return internal statistics report from the memory allocator.",
	"PURGE",
	"    Attempt to purge dirty pages for reclamation by the allocator.",
	"STATS",
	"    Return information about the memory usage of the server.",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
	"HELP",
	"    Prints this help.",
}

func cmdMemoryHelp(c *Ctx, args [][]byte) { writeHelp(c, memoryHelp) }

// cmdMemoryUsage answers MEMORY USAGE key [SAMPLES n]: the key's record
// and slot share (DB.MemoryUsage) plus, for an EncObject value, the
// object's MemBytes. darner's sizes are exact, so SAMPLES is checked and
// then has no effect.
func cmdMemoryUsage(c *Ctx, args [][]byte) {
	for i := 3; i < len(args); i += 2 {
		if !EqualFold(args[i], "samples") || i+1 >= len(args) {
			c.W.Error(ErrSyntax)
			return
		}
		n, ok := ParseInt(args[i+1])
		if !ok {
			c.W.Error(ErrNotInt)
			return
		}
		if n < 0 {
			c.W.Error(ErrSyntax)
			return
		}
	}
	db := c.Shard.DBs[c.DB]
	n, ok := db.MemoryUsage(args[2], c.Now)
	if !ok {
		c.W.Null()
		return
	}
	if v, _, found := db.peek(args[2], c.Now); found && v.Enc == EncObject {
		if o := c.Shard.Objects.Get(v.Obj); o != nil {
			n += o.MemBytes()
		}
	}
	c.W.Int(n)
}

// writeMemoryStats replies with Redis's MEMORY STATS fields filled with
// darner's numbers over every shard (0 for what darner has no part of).
func writeMemoryStats(w *proto.Writer, m *memInfo, tot *Totals) {
	keys := int64(0)
	for _, k := range tot.Keys {
		keys += k
	}
	w.MapLen(26)
	kv := func(k string, v int64) { w.BulkString(k); w.Int(v) }
	kd := func(k string, v float64) { w.BulkString(k); w.Double(v) }
	kv("peak.allocated", m.peak)
	kv("total.allocated", m.used)
	kv("startup.allocated", 0)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", 0)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", 0)
	kv("functions.caches", 0)
	kv("overhead.total", m.used-m.dataset)
	kv("keys.count", keys)
	perKey := int64(0)
	if keys > 0 {
		perKey = m.used / keys
	}
	kv("keys.bytes-per-key", perKey)
	kv("dataset.bytes", m.dataset)
	kd("dataset.percentage", ratioF(m.dataset, m.used)*100)
	kd("peak.percentage", ratioF(m.used, m.peak)*100)
	kv("allocator.allocated", m.allocated)
	kv("allocator.active", m.active)
	kv("allocator.resident", m.rss)
	kd("allocator-fragmentation.ratio", ratioF(m.active, m.allocated))
	kv("allocator-fragmentation.bytes", m.active-m.allocated)
	kd("allocator-rss.ratio", ratioF(m.rss, m.active))
	kv("allocator-rss.bytes", m.rss-m.active)
	kd("rss-overhead.ratio", 1)
	kv("rss-overhead.bytes", 0)
	kd("fragmentation", ratioF(m.rss, m.used))
}

func ratioF(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// writeMemoryDoctor gives a short report in Redis's voice.
func writeMemoryDoctor(w *proto.Writer, m *memInfo) {
	var b []byte
	switch {
	case m.used < 5<<20:
		b = append(b, "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting."...)
	case m.peak > m.used*3/2:
		b = append(b, "Sam, I detected a few issues in this Redis instance memory implants:\n\n * Peak memory: In the past this instance used more than 150% the memory that is currently using ("...)
		b = strconv.AppendInt(b, m.peak, 10)
		b = append(b, " bytes at peak, "...)
		b = strconv.AppendInt(b, m.used, 10)
		b = append(b, " now). darner returns freed arena pages to the system over time.\n\nI'm here to keep you safe, Sam. I want to help you.\n"...)
	default:
		b = append(b, "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base."...)
	}
	w.Verbatim("txt", b)
}

// ---- FUNCTION (until scripting arrives: no libraries) ----

func functionCommand() *Command {
	sub := func(name string, arity int, flags Flags, summary, complexity string, run func(*Ctx, [][]byte)) *Command {
		return &Command{Name: "function|" + name, Arity: arity, Flags: flags, Group: "scripting",
			Summary: summary, Since: "7.0.0", Complexity: complexity, Run: run}
	}
	cmd := &Command{Name: "function", Arity: -2, Group: "scripting",
		Summary: "A container for function commands", Since: "7.0.0", Complexity: "Depends on subcommand."}
	flush := sub("flush", -2, FlagWrite|FlagNoScript, "Deleting all functions", "O(N) where N is the number of functions deleted", cmdFunctionFlush)
	flush.Tips = []string{"request_policy:all_shards", "response_policy:all_succeeded"}
	list := sub("list", -2, FlagNoScript, "List information about all the functions", "O(N) where N is the number of functions", cmdFunctionList)
	list.Tips = []string{"nondeterministic_output_order"}
	cmd.Subcommands = []*Command{flush, list}
	subDocs(cmd, "flush", "[ASYNC | SYNC]{async}")
	subDocs(cmd, "list", "[LIBRARYNAME library-name-pattern] [WITHCODE]")
	cmd.Run = func(c *Ctx, args [][]byte) { cmd.RunSubcommand(c, args) }
	return cmd
}

func cmdFunctionFlush(c *Ctx, args [][]byte) {
	switch {
	case len(args) == 2:
	case len(args) == 3:
		if !EqualFold(args[2], "sync") && !EqualFold(args[2], "async") {
			c.W.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
			return
		}
	default:
		c.W.Error("ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.")
		return
	}
	c.W.OK()
}

func cmdFunctionList(c *Ctx, args [][]byte) {
	for i := 2; i < len(args); i++ {
		switch {
		case EqualFold(args[i], "withcode"):
		case EqualFold(args[i], "libraryname"):
			if i+1 >= len(args) {
				c.W.Error("ERR library name argument was not given")
				return
			}
			i++
		default:
			c.W.Error("ERR Unknown argument " + string(args[i]))
			return
		}
	}
	c.W.ArrayLen(0)
}

// ---- SLOWLOG ----
//
// Each shard keeps its own bounded slow log (Shard.slowlog), appended to
// only by the shard's thread from EndCommand, when a command ran at least
// slowlog-log-slower-than µs (-1: never). SLOWLOG GET/LEN/RESET are tx
// commands over every shard: a phase copies (or clears) each shard's log
// on that shard's thread and the coordinator merges the copies by id, so
// no log is read across threads. Entry ids come from one process-wide
// counter, so they order entries of all shards as Redis's single log.

// Redis's limits on what an entry keeps of a command's arguments.
const (
	slowlogMaxArgc   = 32
	slowlogMaxString = 128
)

// slowlogNextID numbers slow log entries (process-wide; like Redis's,
// RESET does not restart it).
var slowlogNextID atomic.Int64

// slowEntry is one slow log entry. It owns its argument copies, and is
// never changed once built, so a copy of the entry may be handed to
// another thread.
type slowEntry struct {
	id, unix, us int64
	args         [][]byte
}

// slowlog is a shard's slow log: a FIFO of at most slowlog-max-len
// entries, oldest first. Written by the shard's thread only.
type slowlog struct {
	entries []slowEntry
}

// skipSlowlog reports commands Redis never logs (they carry secrets or
// stand for the commands they run: CMD_SKIP_SLOWLOG).
func skipSlowlog(cmd *Command) bool {
	if cmd.Flags&FlagSkipSlowlog != 0 {
		return true
	}
	switch cmd.Name {
	case "auth", "hello":
		return true
	}
	return false
}

// recordSlow logs args (the command as the client sent it) when the run
// took ns and the threshold says it is slow. Called by EndCommand on the
// shard's thread; args are only read (copied into the entry).
func (s *Shard) recordSlow(cmd *Command, ns int64, args [][]byte) {
	if s.Server == nil {
		return
	}
	cfg := s.Server.Config()
	if lt := cfg.LatencyMonitorThreshold(); lt > 0 && ns/1e6 >= lt {
		s.recordLatency(latencyEventOf(cmd), s.Clock/1000, ns/1e6)
	}
	thr := cfg.SlowlogLogSlowerThan()
	us := ns / 1000
	if thr < 0 || us < thr || skipSlowlog(cmd) {
		return
	}
	lim := cfg.SlowlogMaxLen()
	l := &s.slowlog
	if lim <= 0 {
		l.entries = l.entries[:0]
		return
	}
	l.entries = append(l.entries, newSlowEntry(us, args))
	if n := int64(len(l.entries)); n > lim {
		drop := int(n - lim)
		copy(l.entries, l.entries[drop:])
		clear(l.entries[len(l.entries)-drop:])
		l.entries = l.entries[:len(l.entries)-drop]
	}
}

// newSlowEntry copies args as Redis's slowlogCreateEntry keeps them: at
// most 32 arguments (the last one then says how many more there were),
// each cut at 128 bytes with "... (N more bytes)".
func newSlowEntry(us int64, args [][]byte) slowEntry {
	argc := len(args)
	keep := min(argc, slowlogMaxArgc)
	e := slowEntry{id: slowlogNextID.Add(1) - 1, unix: time.Now().Unix(), us: us, args: make([][]byte, keep)}
	for j := 0; j < keep; j++ {
		if keep != argc && j == keep-1 {
			e.args[j] = []byte("... (" + strconv.Itoa(argc-keep+1) + " more arguments)")
			continue
		}
		a := args[j]
		if len(a) > slowlogMaxString {
			b := make([]byte, 0, slowlogMaxString+32)
			b = append(b, a[:slowlogMaxString]...)
			b = append(b, "... ("...)
			b = strconv.AppendInt(b, int64(len(a)-slowlogMaxString), 10)
			e.args[j] = append(b, " more bytes)"...)
			continue
		}
		e.args[j] = append([]byte(nil), a...)
	}
	return e
}

func slowlogCommand() *Command {
	sub := func(name string, arity int, summary, complexity string, tx func(*Tx, [][]byte)) *Command {
		c := &Command{Name: "slowlog|" + name, Arity: arity, Flags: FlagAdmin | FlagLoading | FlagStale, Group: "server",
			Summary: summary, Since: "2.2.12", Complexity: complexity, Tx: tx}
		c.Tips = []string{"request_policy:all_nodes", "nondeterministic_output"}
		return c
	}
	cmd := &Command{Name: "slowlog", Arity: -2, Group: "server", Summary: "A container for slow log commands",
		Since: "2.2.12", Complexity: "Depends on subcommand."}
	get := sub("get", -2, "Get the slow log's entries", "O(N) where N is the number of entries returned", planSlowlogGet)
	get.Tips = []string{"request_policy:all_nodes", "nondeterministic_output"}
	help := sub("help", 2, "Show helpful text about the different subcommands", "O(1)", planSlowlogHelp)
	help.Flags, help.Tips, help.Since = FlagLoading|FlagStale, nil, "6.2.0"
	length := sub("len", 2, "Get the slow log's length", "O(1)", planSlowlogLen)
	length.Tips = []string{"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}
	reset := sub("reset", 2, "Clear all entries from the slow log", "O(N) where N is the number of entries in the slowlog", planSlowlogReset)
	reset.Tips = []string{"request_policy:all_nodes", "response_policy:all_succeeded"}
	cmd.Subcommands = []*Command{get, help, length, reset}
	subDocs(cmd, "get", "[count]", [2]string{"4.0.0", "Added client IP address, port and name to the reply."})
	cmd.Tx = cmd.planSubcommands
	return cmd
}

var slowlogHelp = []string{
	"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET [<count>]",
	"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
	"    Entries are made of:",
	"    id, timestamp, time in microseconds, arguments array, client IP and port,",
	"    client name",
	"LEN",
	"    Return the length of the slowlog.",
	"RESET",
	"    Reset the slowlog.",
	"HELP",
	"    Prints this help.",
}

func planSlowlogHelp(t *Tx, args [][]byte) {
	t.Reply(func(w *proto.Writer) { writeHelpLines(w, slowlogHelp) })
}

// gatherSlowlog adds a phase copying every shard's entries; the returned
// slices are filled by the time the reply runs.
func gatherSlowlog(t *Tx) [][]slowEntry {
	per := make([][]slowEntry, t.NumShards())
	t.AllShards()
	t.Each(func(c *Ctx) { per[c.Shard.ID] = slices.Clone(c.Shard.slowlog.entries) })
	return per
}

// mergeSlowlog merges the shards' entries newest first, keeping at most
// slowlog-max-len of them (Redis's one log never holds more).
func mergeSlowlog(srv *Server, per [][]slowEntry) []slowEntry {
	var all []slowEntry
	for _, p := range per {
		all = append(all, p...)
	}
	slices.SortFunc(all, func(a, b slowEntry) int { return cmp.Compare(b.id, a.id) })
	if lim := srv.Config().SlowlogMaxLen(); int64(len(all)) > lim {
		all = all[:lim]
	}
	return all
}

func planSlowlogGet(t *Tx, args [][]byte) {
	count := int64(10)
	if len(args) > 3 {
		t.Error("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try SLOWLOG HELP.")
		return
	}
	if len(args) == 3 {
		n, ok := ParseInt(args[2])
		if !ok || n < -1 {
			t.Error("ERR count should be greater than or equal to -1")
			return
		}
		count = n
	}
	per := gatherSlowlog(t)
	srv := t.Server
	t.Reply(func(w *proto.Writer) {
		all := mergeSlowlog(srv, per)
		if count >= 0 && int64(len(all)) > count {
			all = all[:count]
		}
		w.ArrayLen(len(all))
		for _, e := range all {
			w.ArrayLen(6)
			w.Int(e.id)
			w.Int(e.unix)
			w.Int(e.us)
			w.ArrayLen(len(e.args))
			for _, a := range e.args {
				w.Bulk(a)
			}
			w.BulkString("")
			w.BulkString("")
		}
	})
}

func planSlowlogLen(t *Tx, args [][]byte) {
	per := gatherSlowlog(t)
	srv := t.Server
	t.Reply(func(w *proto.Writer) { w.Int(int64(len(mergeSlowlog(srv, per)))) })
}

func planSlowlogReset(t *Tx, args [][]byte) {
	t.AllShards()
	t.Each(func(c *Ctx) {
		l := &c.Shard.slowlog
		clear(l.entries)
		l.entries = l.entries[:0]
	})
	t.Reply(func(w *proto.Writer) { w.OK() })
}

// cmdMemoryMallocStats reports the Go runtime's allocator figures (darner's
// records live in its own arena; INFO memory has their split).
func cmdMemoryMallocStats(c *Ctx, args [][]byte) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b := []byte("___ Begin go runtime statistics ___\n")
	for _, f := range []struct {
		k string
		v uint64
	}{{"heap_alloc", ms.HeapAlloc}, {"heap_sys", ms.HeapSys}, {"heap_idle", ms.HeapIdle}, {"heap_inuse", ms.HeapInuse},
		{"heap_released", ms.HeapReleased}, {"heap_objects", ms.HeapObjects}, {"stack_inuse", ms.StackInuse},
		{"sys", ms.Sys}, {"num_gc", uint64(ms.NumGC)}} {
		b = append(b, f.k...)
		b = append(b, ": "...)
		b = strconv.AppendUint(b, f.v, 10)
		b = append(b, '\n')
	}
	b = append(b, "--- End go runtime statistics ---\n"...)
	c.W.Verbatim("txt", b)
}

// cmdMemoryPurge returns the Go heap's free pages to the system (the
// arena returns its own free pages as it goes).
func cmdMemoryPurge(c *Ctx, args [][]byte) {
	debug.FreeOSMemory()
	c.W.OK()
}
