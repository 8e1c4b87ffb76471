package engine

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/darnerdb/darner/proto"
)

// The server family: INFO.
//
// INFO is a tx command without Run: its planner involves every shard, a
// phase copies each shard's counters on that shard's thread
// (GatherShards), and the reply writer formats the sections on the
// coordinator from the copies, so no counter is ever read across threads.
// Field names and formats are Redis 7.0's; fields darner has no use for
// (replication, AOF, modules, ...) report what a Redis without them does.

func init() {
	register(
		&Command{Name: "info", Arity: -1, Flags: FlagStale | FlagLoading, Tx: planInfo,
			Group: "server", ACL: "@dangerous", Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
			Summary: "Get information and statistics about the server", Since: "1.0.0", Complexity: "O(1)",
			Args: "[section...]", History: [][2]string{{"7.0.0", "Added support for taking multiple section arguments."}}},
	)
}

// Info sections, in the order INFO prints them.
const (
	secServer = 1 << iota
	secClients
	secMemory
	secPersistence
	secStats
	secReplication
	secCPU
	secModules
	secCommandstats
	secErrorstats
	secLatencystats
	secCluster
	secKeyspace
	secShards // darner's

	secDefault = secServer | secClients | secMemory | secPersistence | secStats | secReplication |
		secCPU | secModules | secErrorstats | secCluster | secKeyspace | secShards
	secAll = secDefault | secCommandstats | secLatencystats
)

var infoSectionNames = map[string]int{
	"server": secServer, "clients": secClients, "memory": secMemory, "persistence": secPersistence,
	"stats": secStats, "replication": secReplication, "cpu": secCPU, "modules": secModules,
	"commandstats": secCommandstats, "errorstats": secErrorstats, "latencystats": secLatencystats,
	"cluster": secCluster, "keyspace": secKeyspace, "shards": secShards,
	"default": secDefault, "all": secAll, "everything": secAll,
}

// InfoSections parses INFO's arguments (section names, case-insensitive;
// none = default) into a section set. Unknown names select nothing.
func InfoSections(args [][]byte) int {
	if len(args) == 0 {
		return secDefault
	}
	sel := 0
	for _, a := range args {
		sel |= infoSectionNames[strings.ToLower(string(a))]
	}
	return sel
}

func planInfo(t *Tx, args [][]byte) {
	sel := InfoSections(args[1:])
	g := GatherShards(t)
	srv, now := t.Server, t.Now
	t.Reply(func(w *proto.Writer) {
		w.Verbatim("txt", AppendInfo(nil, srv, sel, g.Snaps, now))
	})
}

// AppendInfo formats the selected INFO sections from shard snapshots.
func AppendInfo(b []byte, srv *Server, sel int, snaps []ShardSnapshot, nowMs int64) []byte {
	tot := Sum(snaps)
	f := infoFmt{b: b}
	cfg := srv.Config()
	mem := readMemory(srv, &tot)
	if sel&secServer != 0 {
		f.section("Server")
		uptime := (nowMs - srv.StartUnixMs) / 1000
		var uts syscall.Utsname
		osName := "Linux"
		if syscall.Uname(&uts) == nil {
			osName = "Linux " + utsString(uts.Release[:]) + " " + utsString(uts.Machine[:])
		}
		exe, _ := os.Executable()
		f.str("redis_version", RedisVersion)
		f.str("redis_git_sha1", "00000000")
		f.str("redis_git_dirty", "0")
		f.str("redis_build_id", "0")
		f.str("redis_mode", "standalone")
		f.str("os", osName)
		f.str("arch_bits", strconv.Itoa(strconv.IntSize))
		f.str("monotonic_clock", "POSIX clock_gettime")
		f.str("multiplexing_api", srv.Backend)
		f.str("atomicvar_api", "go-sync/atomic")
		f.str("gcc_version", "0.0.0")
		f.int("process_id", int64(os.Getpid()))
		f.str("process_supervised", "no")
		f.str("run_id", runID)
		f.int("tcp_port", int64(srv.Port))
		f.int("server_time_usec", nowMs*1000)
		f.int("uptime_in_seconds", uptime)
		f.int("uptime_in_days", uptime/86400)
		f.int("hz", int64(cfg.Hz()))
		f.int("configured_hz", int64(cfg.Hz()))
		f.int("lru_clock", (nowMs/1000)&(1<<24-1))
		f.str("executable", exe)
		f.str("config_file", "")
		f.int("io_threads_active", 0)
		f.str("darner_version", srv.Version)
		f.str("go_version", runtime.Version())
		f.int("shards", int64(srv.NumShards))
		f.int("databases", int64(srv.NumDBs))
	}
	if sel&secClients != 0 {
		f.section("Clients")
		f.int("connected_clients", tot.Ring.Conns)
		f.int("cluster_connections", 0)
		f.int("maxclients", cfg.MaxClients())
		f.int("client_recent_max_input_buffer", 0)
		f.int("client_recent_max_output_buffer", 0)
		f.int("blocked_clients", srv.BlockedClients.Load())
		f.int("tracking_clients", 0)
		f.int("clients_in_timeout_table", 0)
	}
	if sel&secMemory != 0 {
		f.section("Memory")
		m := &mem
		f.int("used_memory", m.used)
		f.str("used_memory_human", bytesToHuman(m.used))
		f.int("used_memory_rss", m.rss)
		f.str("used_memory_rss_human", bytesToHuman(m.rss))
		f.int("used_memory_peak", m.peak)
		f.str("used_memory_peak_human", bytesToHuman(m.peak))
		f.str("used_memory_peak_perc", pct(m.used, m.peak)+"%")
		f.int("used_memory_overhead", m.used-m.dataset)
		f.int("used_memory_startup", 0)
		f.int("used_memory_dataset", m.dataset)
		f.str("used_memory_dataset_perc", pct(m.dataset, m.used)+"%")
		f.int("allocator_allocated", m.allocated)
		f.int("allocator_active", m.active)
		f.int("allocator_resident", m.rss)
		f.int("total_system_memory", m.system)
		f.str("total_system_memory_human", bytesToHuman(m.system))
		for _, k := range []string{"used_memory_lua", "used_memory_vm_eval"} {
			f.int(k, 0)
		}
		f.str("used_memory_lua_human", "0B")
		for _, k := range []string{"used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
			"number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total"} {
			f.int(k, 0)
		}
		f.str("used_memory_vm_total_human", "0B")
		f.int("used_memory_functions", 0)
		f.int("used_memory_scripts", 0)
		f.str("used_memory_scripts_human", "0B")
		f.int("maxmemory", cfg.MaxMemory())
		f.str("maxmemory_human", bytesToHuman(cfg.MaxMemory()))
		f.str("maxmemory_policy", cfg.MaxMemoryPolicy())
		f.str("allocator_frag_ratio", ratio(m.active, m.allocated))
		f.int("allocator_frag_bytes", m.active-m.allocated)
		f.str("allocator_rss_ratio", ratio(m.rss, m.active))
		f.int("allocator_rss_bytes", m.rss-m.active)
		f.str("rss_overhead_ratio", "1.00")
		f.int("rss_overhead_bytes", 0)
		f.str("mem_fragmentation_ratio", ratio(m.rss, m.used))
		f.int("mem_fragmentation_bytes", m.rss-m.used)
		for _, k := range []string{"mem_not_counted_for_evict", "mem_replication_backlog", "mem_total_replication_buffers",
			"mem_clients_slaves", "mem_clients_normal", "mem_cluster_links", "mem_aof_buffer"} {
			f.int(k, 0)
		}
		f.str("mem_allocator", "darner-arena")
		f.int("active_defrag_running", 0)
		f.int("lazyfree_pending_objects", 0)
		f.int("lazyfreed_objects", 0)
		// darner's split of used_memory.
		f.int("darner_dataset_records", tot.DataBytes)
		f.int("darner_dataset_objects", tot.ObjectBytes)
		f.int("darner_table_bytes", tot.TableBytes)
		f.int("darner_arena_mapped", tot.ArenaMapped)
		f.int("darner_go_heap", m.goHeap)
	}
	if sel&secPersistence != 0 {
		f.section("Persistence")
		for _, k := range []string{"loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age"} {
			f.int(k, 0)
		}
		f.str("current_fork_perc", "0.00")
		f.int("current_save_keys_processed", 0)
		f.int("current_save_keys_total", 0)
		ps := srv.Persist()
		f.int("rdb_changes_since_last_save", max(int64(tot.WriteCalls)-int64(ps.WritesAtSave.Load()), 0))
		running, cur := ps.BGSaveRunning.Load(), int64(-1)
		if running {
			f.int("rdb_bgsave_in_progress", 1)
			cur = (nowMs - ps.BGSaveStart.Load()) / 1000
		} else {
			f.int("rdb_bgsave_in_progress", 0)
		}
		f.int("rdb_last_save_time", ps.LastSave.Load())
		if ps.LastBGSaveOK.Load() {
			f.str("rdb_last_bgsave_status", "ok")
		} else {
			f.str("rdb_last_bgsave_status", "err")
		}
		f.int("rdb_last_bgsave_time_sec", ps.LastBGSaveSecs.Load())
		f.int("rdb_current_bgsave_time_sec", cur)
		f.int("rdb_saves", ps.Saves.Load())
		f.int("rdb_last_cow_size", 0)
		f.int("rdb_last_load_keys_expired", ps.KeysExpiredOnLoad.Load())
		f.int("rdb_last_load_keys_loaded", ps.KeysLoaded.Load())
		f.int("aof_enabled", 0)
		f.int("aof_rewrite_in_progress", 0)
		f.int("aof_rewrite_scheduled", 0)
		f.int("aof_last_rewrite_time_sec", -1)
		f.int("aof_current_rewrite_time_sec", -1)
		f.str("aof_last_bgrewrite_status", "ok")
		f.int("aof_rewrites", 0)
		f.int("aof_rewrites_consecutive_failures", 0)
		f.str("aof_last_write_status", "ok")
		f.int("aof_last_cow_size", 0)
		f.int("module_fork_in_progress", 0)
		f.int("module_fork_last_cow_size", 0)
	}
	if sel&secStats != 0 {
		f.section("Stats")
		f.uint("total_connections_received", tot.Ring.Accepted)
		f.uint("total_commands_processed", tot.TotalCalls)
		f.int("instantaneous_ops_per_sec", int64(tot.OpsPerSec+0.5))
		f.uint("total_net_input_bytes", tot.Ring.NetInBytes)
		f.uint("total_net_output_bytes", tot.Ring.NetOutBytes)
		f.int("total_net_repl_input_bytes", 0)
		f.int("total_net_repl_output_bytes", 0)
		for _, k := range []string{"instantaneous_input_kbps", "instantaneous_output_kbps", "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps"} {
			f.str(k, "0.00")
		}
		f.uint("rejected_connections", tot.Ring.Rejected)
		f.int("sync_full", 0)
		f.int("sync_partial_ok", 0)
		f.int("sync_partial_err", 0)
		f.int("expired_keys", tot.Expired)
		f.str("expired_stale_perc", "0.00")
		f.int("expired_time_cap_reached_count", 0)
		f.int("expire_cycle_cpu_milliseconds", 0)
		f.int("evicted_keys", tot.Evicted)
		f.int("evicted_clients", 0)
		f.int("total_eviction_exceeded_time", 0)
		f.int("current_eviction_exceeded_time", 0)
		f.uint("keyspace_hits", tot.Hits)
		f.uint("keyspace_misses", tot.Misses)
		var chans, pats, schans int
		if srv.PubSub != nil {
			chans, pats, schans = srv.PubSub.Counts()
		}
		f.int("pubsub_channels", int64(chans))
		f.int("pubsub_patterns", int64(pats))
		f.int("pubsubshard_channels", int64(schans))
		for _, k := range []string{"latest_fork_usec", "total_forks",
			"migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
			"active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time",
			"tracking_total_keys", "tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies"} {
			f.int(k, 0)
		}
		f.uint("total_error_replies", tot.TotalErrors)
		f.int("dump_payload_sanitizations", 0)
		f.uint("total_reads_processed", tot.Ring.Reads)
		f.uint("total_writes_processed", tot.Ring.Writes)
		for _, k := range []string{"io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks", "reply_buffer_expands"} {
			f.int(k, 0)
		}
		f.uint("darner_hops_sent", tot.Ring.HopsSent)
		f.uint("darner_hops_received", tot.Ring.HopsReceived)
	}
	if sel&secReplication != 0 {
		f.section("Replication")
		f.str("role", "master")
		f.int("connected_slaves", 0)
		f.str("master_failover_state", "no-failover")
		f.str("master_replid", replID)
		f.str("master_replid2", strings.Repeat("0", 40))
		f.int("master_repl_offset", 0)
		f.int("second_repl_offset", -1)
		f.int("repl_backlog_active", 0)
		f.int("repl_backlog_size", 1048576)
		f.int("repl_backlog_first_byte_offset", 0)
		f.int("repl_backlog_histlen", 0)
	}
	if sel&secCPU != 0 {
		f.section("CPU")
		var self, children, thread syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
		_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
		_ = syscall.Getrusage(rusageThread, &thread)
		f.str("used_cpu_sys", tvSeconds(self.Stime))
		f.str("used_cpu_user", tvSeconds(self.Utime))
		f.str("used_cpu_sys_children", tvSeconds(children.Stime))
		f.str("used_cpu_user_children", tvSeconds(children.Utime))
		f.str("used_cpu_sys_main_thread", tvSeconds(thread.Stime))
		f.str("used_cpu_user_main_thread", tvSeconds(thread.Utime))
	}
	if sel&secModules != 0 {
		f.section("Modules")
	}
	if sel&secCommandstats != 0 {
		f.section("Commandstats")
		for _, c := range tot.Cmds {
			usec := c.Nanos / 1000
			per := 0.0
			if c.Calls > 0 {
				per = float64(c.Nanos) / 1000 / float64(c.Calls)
			}
			f.b = append(f.b, "cmdstat_"...)
			f.b = append(f.b, c.Cmd.Name...)
			f.b = append(f.b, ":calls="...)
			f.b = strconv.AppendUint(f.b, c.Calls, 10)
			f.b = append(f.b, ",usec="...)
			f.b = strconv.AppendUint(f.b, usec, 10)
			f.b = append(f.b, ",usec_per_call="...)
			f.b = strconv.AppendFloat(f.b, per, 'f', 2, 64)
			f.b = append(f.b, ",rejected_calls="...)
			f.b = strconv.AppendUint(f.b, c.Rejected, 10)
			f.b = append(f.b, ",failed_calls="...)
			f.b = strconv.AppendUint(f.b, c.Errors, 10)
			f.b = append(f.b, "\r\n"...)
		}
	}
	if sel&secErrorstats != 0 {
		f.section("Errorstats")
		codes := make([]string, 0, len(tot.ErrorCodes))
		for k := range tot.ErrorCodes {
			codes = append(codes, k)
		}
		slices.Sort(codes)
		for _, k := range codes {
			f.b = append(f.b, "errorstat_"...)
			f.b = append(f.b, k...)
			f.b = append(f.b, ":count="...)
			f.b = strconv.AppendUint(f.b, tot.ErrorCodes[k], 10)
			f.b = append(f.b, "\r\n"...)
		}
	}
	if sel&secLatencystats != 0 {
		f.section("Latencystats")
		pcts := latencyPercentiles(cfg)
		for _, c := range tot.Cmds {
			if c.Calls == 0 {
				continue
			}
			f.b = append(f.b, "latency_percentiles_usec_"...)
			f.b = append(f.b, c.Cmd.Name...)
			f.b = append(f.b, ':')
			for i, p := range pcts {
				if i > 0 {
					f.b = append(f.b, ',')
				}
				f.b = append(f.b, 'p')
				f.b = strconv.AppendFloat(f.b, p, 'f', -1, 64)
				f.b = append(f.b, '=')
				f.b = strconv.AppendFloat(f.b, histPercentileUs(&c.Hist, c.Calls, p), 'f', 3, 64)
			}
			f.b = append(f.b, "\r\n"...)
		}
	}
	if sel&secCluster != 0 {
		f.section("Cluster")
		f.int("cluster_enabled", 0)
	}
	if sel&secKeyspace != 0 {
		f.section("Keyspace")
		for d := range tot.Keys {
			if tot.Keys[d] == 0 {
				continue
			}
			f.b = append(f.b, "db"...)
			f.b = strconv.AppendInt(f.b, int64(d), 10)
			f.b = append(f.b, ":keys="...)
			f.b = strconv.AppendInt(f.b, tot.Keys[d], 10)
			f.b = append(f.b, ",expires="...)
			f.b = strconv.AppendInt(f.b, tot.Expires[d], 10)
			f.b = append(f.b, ",avg_ttl=0\r\n"...)
		}
	}
	if sel&secShards != 0 {
		f.section("Shards")
		f.int("shards", int64(len(snaps)))
		for i := range snaps {
			sn := &snaps[i]
			var keys, expires int64
			for d := range sn.Keys {
				keys += sn.Keys[d]
				expires += sn.Expires[d]
			}
			f.b = append(f.b, "shard"...)
			f.b = strconv.AppendInt(f.b, int64(sn.ID), 10)
			f.b = append(f.b, ":keys="...)
			f.b = strconv.AppendInt(f.b, keys, 10)
			f.b = append(f.b, ",expires="...)
			f.b = strconv.AppendInt(f.b, expires, 10)
			f.b = append(f.b, ",used_memory="...)
			f.b = strconv.AppendInt(f.b, sn.UsedBytes, 10)
			f.b = append(f.b, ",commands="...)
			f.b = strconv.AppendUint(f.b, sn.TotalCalls, 10)
			f.b = append(f.b, ",ops_per_sec="...)
			f.b = strconv.AppendInt(f.b, int64(sn.OpsPerSec+0.5), 10)
			f.b = append(f.b, ",connections="...)
			f.b = strconv.AppendInt(f.b, sn.Ring.Conns, 10)
			f.b = append(f.b, ",hops_sent="...)
			f.b = strconv.AppendUint(f.b, sn.Ring.HopsSent, 10)
			f.b = append(f.b, ",hops_received="...)
			f.b = strconv.AppendUint(f.b, sn.Ring.HopsReceived, 10)
			f.b = append(f.b, ",backlog="...)
			f.b = strconv.AppendInt(f.b, sn.Ring.Backlog, 10)
			f.b = append(f.b, "\r\n"...)
		}
	}
	return f.b
}

// infoFmt appends "name:value\r\n" lines and "# Section" headers;
// sections are separated by a blank line and the text ends with the last
// line's CRLF, as Redis's.
type infoFmt struct{ b []byte }

func (f *infoFmt) section(name string) {
	if len(f.b) > 0 {
		f.b = append(f.b, "\r\n"...)
	}
	f.b = append(f.b, "# "...)
	f.b = append(f.b, name...)
	f.b = append(f.b, "\r\n"...)
}

func (f *infoFmt) str(k, v string) {
	f.b = append(f.b, k...)
	f.b = append(f.b, ':')
	f.b = append(f.b, v...)
	f.b = append(f.b, "\r\n"...)
}

func (f *infoFmt) int(k string, v int64) {
	f.b = append(f.b, k...)
	f.b = append(f.b, ':')
	f.b = strconv.AppendInt(f.b, v, 10)
	f.b = append(f.b, "\r\n"...)
}

func (f *infoFmt) uint(k string, v uint64) {
	f.b = append(f.b, k...)
	f.b = append(f.b, ':')
	f.b = strconv.AppendUint(f.b, v, 10)
	f.b = append(f.b, "\r\n"...)
}

// memInfo is the memory section's figures.
type memInfo struct {
	used, dataset, rss, peak int64
	allocated, active        int64
	goHeap                   int64
	system                   int64
}

// readMemory computes used_memory and friends. used_memory is what the
// shards account for (keys, values, tables, collections: what --maxmemory
// limits) plus the Go heap's live objects (connection buffers, hops,
// command tables); used_memory_rss is the process's resident set.
func readMemory(srv *Server, tot *Totals) memInfo {
	var m memInfo
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(samples)
	val := func(i int) int64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return int64(samples[i].Value.Uint64())
		}
		return 0
	}
	m.goHeap = val(0)
	m.used = tot.UsedBytes + m.goHeap
	m.dataset = tot.DataBytes + tot.ObjectBytes
	m.allocated = tot.DataBytes + tot.ObjectBytes + tot.TableBytes + m.goHeap
	m.active = tot.ArenaMapped + val(1) - val(2)
	m.rss = processRSS()
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		m.system = int64(si.Totalram) * int64(si.Unit)
	}
	peak := &srv.Counters.PeakUsedMemory
	for {
		p := peak.Load()
		if m.used <= p {
			m.peak = p
			break
		}
		if peak.CompareAndSwap(p, m.used) {
			m.peak = m.used
			break
		}
	}
	return m
}

// processRSS reads the resident set size from /proc/self/statm.
func processRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

const rusageThread = 1 // RUSAGE_THREAD

func tvSeconds(tv syscall.Timeval) string {
	return strconv.FormatFloat(float64(tv.Sec)+float64(tv.Usec)/1e6, 'f', 6, 64)
}

// bytesToHuman formats n as Redis's bytesToHuman: "512B", "1.51K",
// "2.00M", ...
func bytesToHuman(n int64) string {
	d := float64(n)
	units := []string{"K", "M", "G", "T", "P", "E"}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + "B"
	}
	i := -1
	for d >= 1024 && i < len(units)-1 {
		d /= 1024
		i++
	}
	return strconv.FormatFloat(d, 'f', 2, 64) + units[i]
}

func ratio(a, b int64) string {
	if b <= 0 {
		return "0.00"
	}
	return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64)
}

func pct(a, b int64) string {
	if b <= 0 {
		return "0.00"
	}
	return strconv.FormatFloat(float64(a)*100/float64(b), 'f', 2, 64)
}

// latencyPercentiles reads latency-tracking-info-percentiles.
func latencyPercentiles(cfg *Config) []float64 {
	v, _ := cfg.Get("latency-tracking-info-percentiles")
	var out []float64
	for _, s := range strings.Fields(v) {
		if p, err := strconv.ParseFloat(s, 64); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// histPercentileUs estimates the p-th percentile (0..100) in µs from a
// latency histogram of n runs: the upper bound of the bucket holding it
// (coarse: buckets are powers of two).
func histPercentileUs(h *[LatencyBuckets]uint64, n uint64, p float64) float64 {
	if n == 0 {
		return 0
	}
	rank := uint64(p / 100 * float64(n))
	if rank >= n {
		rank = n - 1
	}
	var seen uint64
	for i, c := range h {
		seen += c
		if seen > rank {
			return LatencyBucketUpperUs(i)
		}
	}
	return LatencyBucketUpperUs(LatencyBuckets - 1)
}

// runID and replID are random per process, as Redis's run_id and
// master_replid.
var runID, replID = randomHex(), randomHex()

func randomHex() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func utsString(a []int8) string {
	b := make([]byte, 0, len(a))
	for _, ch := range a {
		if ch == 0 {
			break
		}
		b = append(b, byte(ch))
	}
	return string(b)
}
