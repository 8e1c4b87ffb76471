package engine

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// The server family. INFO reports the sections that need no cross-shard
// aggregation; the rest (clients, memory, stats, keyspace, ...) come with
// the metrics work, which gathers per-shard counters.

func init() {
	register(
		&Command{Name: "info", Arity: -1, Flags: FlagStale | FlagLoading, Run: cmdInfo},
	)
}

func cmdInfo(c *Ctx, args [][]byte) {
	want := func(section string) bool {
		if len(args) == 1 {
			return true
		}
		for _, a := range args[1:] {
			s := strings.ToLower(string(a))
			if s == section || s == "all" || s == "everything" || s == "default" {
				return true
			}
		}
		return false
	}
	var b []byte
	if want("server") {
		b = c.appendInfoServer(b)
	}
	// Sections are separated by a blank line; the reply ends with the last field's CRLF.
	if n := len(b); n >= 2 && string(b[n-2:]) == "\r\n" {
		b = b[:n-2]
	}
	c.W.Verbatim("txt", b)
}

func (c *Ctx) appendInfoServer(b []byte) []byte {
	srv := c.Server
	uptime := (c.Now - srv.StartUnixMs) / 1000
	var uts syscall.Utsname
	osName := "Linux"
	if syscall.Uname(&uts) == nil {
		osName = "Linux " + utsString(uts.Release[:]) + " " + utsString(uts.Machine[:])
	}
	exe, _ := os.Executable()
	field := func(k, v string) {
		b = append(b, k...)
		b = append(b, ':')
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "# Server\r\n"...)
	field("redis_version", RedisVersion)
	field("darner_version", srv.Version)
	field("redis_mode", "standalone")
	field("os", osName)
	field("arch_bits", "64")
	field("multiplexing_api", srv.Backend)
	field("process_id", strconv.Itoa(os.Getpid()))
	field("tcp_port", strconv.Itoa(srv.Port))
	field("uptime_in_seconds", strconv.FormatInt(uptime, 10))
	field("uptime_in_days", strconv.FormatInt(uptime/86400, 10))
	field("executable", exe)
	field("shards", strconv.Itoa(srv.NumShards))
	field("databases", strconv.Itoa(srv.NumDBs))
	return append(b, "\r\n"...)
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
