package engine

import (
	"strings"
	"testing"
)

// TestLatencyEventRing: one sample per second keeps that second's worst;
// the history is bounded and oldest first.
func TestLatencyEventRing(t *testing.T) {
	var e latencyEvent
	e.add(100, 5)
	e.add(100, 9)
	e.add(100, 2)
	if h := e.history(); len(h) != 1 || h[0] != (latencySample{100, 9}) || e.max != 9 {
		t.Fatalf("same second: %v max %d", h, e.max)
	}
	for i := int64(1); i <= latencyHistoryLen+10; i++ {
		e.add(100+i, i)
	}
	h := e.history()
	if len(h) != latencyHistoryLen || h[0].unix != 111 || h[len(h)-1].unix != 100+latencyHistoryLen+10 {
		t.Fatalf("bounded history: len %d first %v last %v", len(h), h[0], h[len(h)-1])
	}
	if e.max != latencyHistoryLen+10 {
		t.Fatalf("max %d", e.max)
	}
}

// TestLatencyCommands runs LATENCY over 1 and 3 shards with samples
// planted on different shards: LATEST/HISTORY merge them by second,
// RESET clears every shard, HISTOGRAM sums the command histograms.
func TestLatencyCommands(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		eq := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("shards=%d %v = %q, want %q", n, args, got, want)
			}
		}
		eq("-ERR unknown subcommand 'foo'. Try LATENCY HELP.\r\n", "latency", "foo")
		eq("-ERR wrong number of arguments for 'latency|latest' command\r\n", "latency", "latest", "x")
		eq("*0\r\n", "latency", "latest")
		eq("*0\r\n", "latency", "history", "command")
		eq(":0\r\n", "latency", "reset")
		eq("-ERR No samples available for event 'command'\r\n", "latency", "graph", "command")
		if r := l.Do("latency", "doctor"); !strings.Contains(r, "latency-monitor-threshold") {
			t.Fatalf("doctor with the monitor off: %q", r)
		}
		last := l.Shards[n-1]
		l.Shards[0].recordLatency("command", 1000, 5)
		last.recordLatency("command", 1000, 7)
		last.recordLatency("command", 1001, 3)
		l.Shards[0].recordLatency("fast-command", 1002, 1)
		eq("*2\r\n*4\r\n$7\r\ncommand\r\n:1001\r\n:3\r\n:7\r\n*4\r\n$12\r\nfast-command\r\n:1002\r\n:1\r\n:1\r\n", "latency", "latest")
		eq("*2\r\n*2\r\n:1000\r\n:7\r\n*2\r\n:1001\r\n:3\r\n", "latency", "history", "command")
		if r := l.Do("latency", "graph", "command"); !strings.Contains(r, "command - high 7 ms, low 3 ms") {
			t.Fatalf("graph: %q", r)
		}
		if r := l.Do("latency", "doctor"); !strings.Contains(r, "1. command: 2 latency spikes (average 5ms, worst 7ms)") {
			t.Fatalf("doctor: %q", r)
		}
		eq(":1\r\n", "latency", "reset", "fast-command", "nosuch")
		eq(":1\r\n", "latency", "reset")
		eq("*0\r\n", "latency", "latest")
		// Histograms: three SETs over the shards, named in any case.
		for _, k := range []string{"a", "b", "c"} {
			l.Do("set", k, "v")
		}
		r := l.Do("latency", "histogram", "SET", "nosuch")
		if !strings.HasPrefix(r, "*2\r\n$3\r\nset\r\n*4\r\n$5\r\ncalls\r\n:3\r\n$14\r\nhistogram_usec\r\n*") || !strings.HasSuffix(r, ":3\r\n") {
			t.Fatalf("histogram set: %q", r)
		}
		eq("*0\r\n", "latency", "histogram", "nosuch")
	}
}

// TestLatencyMonitorRecords: with latency-monitor-threshold set, a run at
// least that long is a "command" or "fast-command" sample.
func TestLatencyMonitorRecords(t *testing.T) {
	l := NewLocal(1)
	sh := l.Shards[0]
	l.Do("config", "set", "latency-monitor-threshold", "2")
	sh.Clock = 5_000_000 // after Do, which sets the clock
	get, sort := Lookup([]byte("get")), Lookup([]byte("sort"))
	sh.recordSlow(get, 1_000_000, [][]byte{[]byte("get"), []byte("k")}) // 1 ms: below
	sh.recordSlow(get, 3_000_000, [][]byte{[]byte("get"), []byte("k")})
	sh.recordSlow(sort, 4_000_000, [][]byte{[]byte("sort"), []byte("k")})
	if e := sh.latency["fast-command"]; e == nil || e.n != 1 || e.max != 3 {
		t.Fatalf("fast-command: %+v", e)
	}
	if e := sh.latency["command"]; e == nil || e.n != 1 || e.max != 4 || e.history()[0].unix != 5000 {
		t.Fatalf("command: %+v", e)
	}
}
