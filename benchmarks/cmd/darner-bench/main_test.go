package main

import (
	"strings"
	"testing"

	"github.com/darnerdb/darner/benchmarks/harness"
)

func workload(t *testing.T, name string) *harness.Workload {
	t.Helper()
	for _, w := range harness.ThroughputWorkloads(1000, 10) {
		if w.Name == name {
			return &w
		}
	}
	t.Fatalf("no workload %s", name)
	return nil
}

func TestServerArgsLabAndUnpinned(t *testing.T) {
	d := &driver{darnerBin: "/b/darner", redisBin: "/usr/bin/redis-server", memcachedBin: "/usr/bin/memcached",
		lab: true, serverCPUs: []int{0, 1, 2, 3}, clientCPUs: []int{4, 5, 6, 7}, darnerArgs: []string{"--force_epoll"}}
	f := func(kind string, w *harness.Workload, mc int, want string) {
		t.Helper()
		got := strings.Join(d.serverArgs(kind, w, 7000, mc), " ")
		got = strings.Replace(got, " -u root", "", 1) // added only when running as root
		if got != want {
			t.Fatalf("%s:\n got  %s\n want %s", kind, got, want)
		}
	}
	f(harness.Darner, workload(t, "ceiling-p1"), 0,
		"taskset -c 0-3 /b/darner --port 7000 --bind 127.0.0.1 --proactor_threads 4 --bench_ok --force_epoll")
	f(harness.Darner, workload(t, "mc-getset-32B-p1"), 7001,
		"taskset -c 0-3 /b/darner --port 7000 --bind 127.0.0.1 --proactor_threads 4 --memcached_port 7001 --force_epoll")
	f(harness.Redis, nil, 0,
		"taskset -c 0-3 /usr/bin/redis-server --save  --appendonly no --bind 127.0.0.1 --port 7000 --protected-mode no --daemonize no")
	f(harness.Memcached, nil, 0,
		"taskset -c 0-3 /usr/bin/memcached -l 127.0.0.1 -p 7000 -U 0 -t 4 -m 8192 -c 4096")
	d.variants = map[string][]string{"darner-epoll": {"--force_epoll"}}
	f("darner-epoll", workload(t, "getset-32B-p1"), 0,
		"taskset -c 0-3 /b/darner --port 7000 --bind 127.0.0.1 --proactor_threads 4 --force_epoll --force_epoll")
	d.servers = map[string]bool{"darner": true, "redis": true}
	if got := strings.Join(d.filterServers([]string{"darner", "redis", "memcached"}), ","); got != "darner,darner-epoll,redis" {
		t.Fatalf("servers %s", got)
	}
	if got := d.clientPrefix([]string{"tool"}); strings.Join(got, " ") != "taskset -c 4-7 tool" {
		t.Fatalf("client prefix %v", got)
	}
	d.lab, d.darnerArgs = false, nil
	f(harness.Darner, workload(t, "getset-32B-p1"), 0, "/b/darner --port 7000 --bind 127.0.0.1 --proactor_threads 0")
	if got := d.clientPrefix([]string{"tool"}); strings.Join(got, " ") != "tool" {
		t.Fatalf("unpinned client prefix %v", got)
	}
}

func TestChooseTool(t *testing.T) {
	f := func(d *driver, name, want string, wantWhy bool) {
		t.Helper()
		tool, why := d.chooseTool(workload(t, name))
		if tool != want || (why != "") != wantWhy {
			t.Fatalf("%s with %q: got %s (%q), want %s", name, d.toolChoice, tool, why, want)
		}
	}
	noMemtier := &driver{toolChoice: "auto", redisBenchBin: "/usr/bin/redis-benchmark"}
	f(noMemtier, "set-32B-p16", harness.ToolRedisBenchmark, false)
	f(noMemtier, "ceiling-p1", harness.ToolRedisBenchmark, false)
	f(noMemtier, "getset-32B-p1", harness.ToolGo, true)
	f(noMemtier, "mc-getset-32B-p1", harness.ToolGo, true)
	withMemtier := &driver{toolChoice: "auto", memtierBin: "/usr/bin/memtier_benchmark", redisBenchBin: "/usr/bin/redis-benchmark"}
	f(withMemtier, "getset-32B-p1", harness.ToolMemtier, false)
	f(withMemtier, "mc-getset-32B-p1", harness.ToolMemtier, false)
	f(withMemtier, "zadd-zrange", harness.ToolGo, true) // random scores: neither tool
	forcedGo := &driver{toolChoice: "go", memtierBin: "/m", redisBenchBin: "/r"}
	f(forcedGo, "set-32B-p16", harness.ToolGo, false)
	forcedRB := &driver{toolChoice: "redis-benchmark", memtierBin: "/m", redisBenchBin: "/r"}
	f(forcedRB, "getset-32B-p1", harness.ToolGo, true)
	f(forcedRB, "set-32B-p16", harness.ToolRedisBenchmark, false)
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"taskset", "-c", "1", "/usr/bin/redis-benchmark", "--save", "", "it's", strings.Repeat("a", 100)})
	want := `taskset -c 1 /usr/bin/redis-benchmark --save '' 'it'\''s' 'aaaaaaaaaaaaaaaa…(100 bytes)'`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestHasFlag(t *testing.T) {
	help := "   --port value   Redis protocol port\n   --bench_ok   answer +OK\n   --memcached_port_x value\n"
	f := func(flag string, want bool) {
		t.Helper()
		if hasFlag(help, flag) != want {
			t.Fatalf("hasFlag(%q) != %v", flag, want)
		}
	}
	f("--port", true)
	f("--bench_ok", true)
	f("--bench", false)
	f("--memcached_port", false)
	f("--nope", false)
}
