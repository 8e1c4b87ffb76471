package harness

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/darnerdb/darner/benchmarks/loadgen"
)

func TestParseStat(t *testing.T) {
	f := func(in string, u, s uint64) {
		t.Helper()
		gu, gs, err := ParseStat([]byte(in))
		if err != nil || gu != u || gs != s {
			t.Fatalf("%q: got %d %d %v, want %d %d", in, gu, gs, err, u, s)
		}
	}
	f("1234 (redis-server) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 37 0 0 20 0 5 0 100 200000 300 18446744073709551615", 250, 37)
	// a command name with spaces and parentheses
	f("77 (a b) (c)) R 1 77 77 0 -1 0 0 0 0 0 9 8 0 0 20 0 1 0 1 1 1", 9, 8)
	for _, bad := range []string{"", "1 (x R 1 2", "1 (x) R 1 2 3", "1 (x) R 1 2 3 4 5 6 7 8 9 10 u s"} {
		if _, _, err := ParseStat([]byte(bad)); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestParseSchedstatAndStatus(t *testing.T) {
	if ns, err := ParseSchedstat([]byte("123456789 1000 42\n")); err != nil || ns != 123456789 {
		t.Fatalf("schedstat: %d %v", ns, err)
	}
	if _, err := ParseSchedstat([]byte("")); err == nil {
		t.Fatal("empty schedstat accepted")
	}
	st := "Name:\tredis-server\nVmPeak:\t  100 kB\nVmRSS:\t    8192 kB\nThreads:\t5\n"
	if rss, err := ParseStatusKB([]byte(st), "VmRSS"); err != nil || rss != 8192*1024 {
		t.Fatalf("VmRSS: %d %v", rss, err)
	}
	if _, err := ParseStatusKB([]byte(st), "VmHWM"); err == nil {
		t.Fatal("missing field accepted")
	}
	if _, err := ParseStatusKB([]byte("VmRSS:\t12 pages\n"), "VmRSS"); err == nil {
		t.Fatal("bad unit accepted")
	}
}

func TestParseAuxvClockTicks(t *testing.T) {
	var b []byte
	put := func(k, v uint64) {
		b = binary.LittleEndian.AppendUint64(b, k)
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	put(6, 4096) // AT_PAGESZ
	put(17, 250) // AT_CLKTCK
	put(0, 0)
	if got := ParseAuxvClockTicks(b); got != 250 {
		t.Fatalf("got %d", got)
	}
	if got := ParseAuxvClockTicks(b[:16]); got != 0 {
		t.Fatalf("absent: got %d", got)
	}
	if ClockTicks() == 0 {
		t.Fatal("ClockTicks is 0")
	}
}

func TestCPUDelta(t *testing.T) {
	a := CPUSample{Ticks: 100, Sched: map[string]uint64{"1": 1e9, "2": 5e8}}
	b := CPUSample{Ticks: 350, Sched: map[string]uint64{"1": 3e9, "2": 1e9}}
	if s, src := CPUDelta(a, b, 100); src != "schedstat" || math.Abs(s-2.5) > 1e-9 {
		t.Fatalf("schedstat delta %v %s", s, src)
	}
	// a thread came and went: fall back to the tick counts
	c := CPUSample{Ticks: 350, Sched: map[string]uint64{"1": 3e9, "3": 1e9}}
	if s, src := CPUDelta(a, c, 100); src != "stat" || math.Abs(s-2.5) > 1e-9 {
		t.Fatalf("stat delta %v %s", s, src)
	}
	if s, src := CPUDelta(CPUSample{Ticks: 10}, CPUSample{Ticks: 60}, 0); src != "stat" || s != 0.5 {
		t.Fatalf("no schedstat: %v %s", s, src)
	}
}

func TestReadCPUAndRSSOfSelf(t *testing.T) {
	pid := os.Getpid()
	a, err := ReadCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for i := range 20_000_000 {
		x += i * i
	}
	_ = x
	b, err := ReadCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := CPUDelta(a, b, ClockTicks()); s < 0 || s > 60 {
		t.Fatalf("cpu delta %v s", s)
	}
	if rss, err := ReadRSS(pid); err != nil || rss < 1<<20 {
		t.Fatalf("rss %d %v", rss, err)
	}
}

func TestCPUList(t *testing.T) {
	f := func(in string, want []int, back string) {
		t.Helper()
		got, err := ParseCPUList(in)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("%q: %v %v", in, got, err)
		}
		if FormatCPUList(got) != back {
			t.Fatalf("%v formats as %q", got, FormatCPUList(got))
		}
	}
	f("0-3,8,10-11\n", []int{0, 1, 2, 3, 8, 10, 11}, "0-3,8,10-11")
	f("1", []int{1}, "1")
	f("3,1,2,2", []int{1, 2, 3}, "1-3")
	f("", nil, "")
	for _, bad := range []string{"a", "3-1", "0-99999", "-1"} {
		if _, err := ParseCPUList(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	srv, cli, ok := SplitCPUs([]int{0, 1})
	if !ok || !slices.Equal(srv, []int{0}) || !slices.Equal(cli, []int{1}) {
		t.Fatalf("split 2: %v %v", srv, cli)
	}
	srv, cli, _ = SplitCPUs([]int{0, 1, 2, 3, 4})
	if !slices.Equal(srv, []int{0, 1}) || !slices.Equal(cli, []int{2, 3, 4}) {
		t.Fatalf("split 5: %v %v", srv, cli)
	}
	if _, _, ok := SplitCPUs([]int{0}); ok {
		t.Fatal("split of one CPU claimed ok")
	}
	if v, err := ParseLoadAvg("3.25 2.00 1.00 2/300 12345\n"); err != nil || v != 3.25 {
		t.Fatalf("loadavg %v %v", v, err)
	}
	if _, err := ParseLoadAvg(""); err == nil {
		t.Fatal("empty loadavg accepted")
	}
	if LoadAvg() < 0 {
		t.Fatal("LoadAvg unreadable")
	}
	if ParseCPUModel("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n") != "AMD EPYC 7B13" {
		t.Fatal("cpu model")
	}
}

func TestParseMemtierJSON(t *testing.T) {
	b, err := os.ReadFile("testdata/memtier-2.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMemtierJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Measure{Ops: 1100000, Seconds: 10, OpsPerSec: 110000, AvgMs: 0.492, P50Ms: 0.487, P99Ms: 1.015, P999Ms: 2.127, MaxMs: 9}
	if m != want {
		t.Fatalf("got %+v\nwant %+v", m, want)
	}
	// Without Count (older memtier), ops come from ops/s × duration.
	old := strings.Replace(string(b), `"Count": 1100000`, `"Countx": 1`, 1)
	if m, err := ParseMemtierJSON([]byte(old)); err != nil || m.Ops != 1100000 {
		t.Fatalf("no Count: %+v %v", m, err)
	}
	noP999 := strings.Replace(string(b), `,"p99.90": 2.127`, ``, 1)
	if _, err := ParseMemtierJSON([]byte(noP999)); err == nil || !strings.Contains(err.Error(), "p99.90") {
		t.Fatalf("missing p99.9 not reported: %v", err)
	}
	for _, bad := range []string{"", "{}", `{"ALL STATS":{}}`, "[1,2"} {
		if _, err := ParseMemtierJSON([]byte(bad)); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
}

func TestParseRedisBenchmarkText(t *testing.T) {
	b, err := os.ReadFile("testdata/redis-benchmark-7.0-get.txt")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ParseRedisBenchmark(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d results", len(rs))
	}
	r := rs[0]
	if r.Test != "GET" || r.Ops != 20000 || r.Seconds != 0.46 || r.OpsPerSec != 43956.04 {
		t.Fatalf("header: %+v", r)
	}
	if r.AvgMs != 0.252 || r.MinMs != 0.064 || r.P50Ms != 0.231 || r.P95Ms != 0.383 || r.P99Ms != 0.647 || r.MaxMs != 2.551 {
		t.Fatalf("summary: %+v", r)
	}
	// first percentile line at or above 99.9%: "99.902% <= 2.279 milliseconds"
	if r.P999Ms != 2.279 || !strings.Contains(r.P999Note, "99.902%") {
		t.Fatalf("p99.9 %v (%s)", r.P999Ms, r.P999Note)
	}
	if _, err := ParseRedisBenchmark("Could not connect to Redis at 127.0.0.1:1: Connection refused"); err == nil {
		t.Fatal("error output accepted")
	}
	trunc := string(b[:bytes.Index(b, []byte("Summary:"))])
	if _, err := ParseRedisBenchmark(trunc); err == nil {
		t.Fatal("output without summary accepted")
	}
}

func TestParseRedisBenchmarkCSV(t *testing.T) {
	b, err := os.ReadFile("testdata/redis-benchmark-7.0-set.csv")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ParseRedisBenchmark(string(b)) // detects CSV
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if len(rs) != 1 || r.Test != "SET key:__rand_int__ xx" || r.OpsPerSec != 43383.95 || r.P50Ms != 0.223 || r.P99Ms != 0.487 || r.MaxMs != 4.183 {
		t.Fatalf("%+v", rs)
	}
	if r.P999Ms != 0 || r.P999Note == "" {
		t.Fatalf("csv has no p99.9, got %v %q", r.P999Ms, r.P999Note)
	}
	if _, err := ParseRedisBenchmarkCSV(`"test","rps"` + "\n" + `"GET","1"`); err == nil {
		t.Fatal("csv without latency columns accepted")
	}
}

func TestParseVersion(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := ParseVersion(in); got != want {
			t.Fatalf("%q: %q", in, want)
		}
	}
	f("redis-benchmark 7.0.15", "7.0.15")
	f("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0", "7.0.15")
	f("memtier_benchmark 2.1.1\nCopyright (C) 2011-2024 Redis Ltd.", "2.1.1")
	f("memcached 1.6.18", "1.6.18")
	f("darner version 0.1.0-dev", "0.1.0-dev")
}

func TestSpreads(t *testing.T) {
	nan := math.NaN()
	if s := SpreadOf([]float64{3, 1, 2}); s != (Spread{Median: 2, Min: 1, Max: 3, N: 3}) {
		t.Fatalf("%+v", s)
	}
	if s := SpreadOf([]float64{4, nan, 1, 2, 3}); s != (Spread{Median: 2.5, Min: 1, Max: 4, N: 4}) {
		t.Fatalf("%+v", s)
	}
	if s := SpreadOf(nil); s.N != 0 {
		t.Fatalf("%+v", s)
	}
	// pairs by round; a failed round (NaN) and a zero denominator drop out
	r := RatioSpread([]float64{200, 300, nan, 100, 50}, []float64{100, 100, 100, 0, 100})
	if r != (Spread{Median: 2, Min: 0.5, Max: 3, N: 3}) {
		t.Fatalf("%+v", r)
	}
}

func TestWorkloadTableAndSelection(t *testing.T) {
	ws := ThroughputWorkloads(100000, 50)
	names := map[string]bool{}
	for _, w := range ws {
		if names[w.Name] {
			t.Fatalf("duplicate workload %s", w.Name)
		}
		names[w.Name] = true
		if len(w.Ops) == 0 || w.Conns != 50 || w.Pipeline < 1 || len(w.Servers) != 2 || w.Protocol == "" {
			t.Fatalf("bad workload %+v", w)
		}
	}
	for _, n := range []string{"getset-32B-p1", "getset-32B-p16", "getset-1KB-p1", "getset-1KB-p16", "set-32B-p16",
		"mset-mget-10keys", "lpush-lpop", "zadd-zrange", "ceiling-p1", "ceiling-p16", "mc-getset-32B-p1", "mc-getset-32B-p16"} {
		if !names[n] {
			t.Fatalf("no workload %s", n)
		}
	}
	sel, err := SelectWorkloads(ws, "getset-32B,ceiling-p1")
	if err != nil || len(sel) != 3 {
		t.Fatalf("select: %d %v", len(sel), err)
	}
	if _, err := SelectWorkloads(ws, "nope"); err == nil {
		t.Fatal("unknown workload accepted")
	}
	if g := GetWorkload(1000000, 50); g.Name != "get-32B-p1-1M" || commonKeyspace(g) != 1000000 {
		t.Fatalf("%+v", g)
	}
	if CountName(10000000) != "10M" || CountName(100000) != "100k" || CountName(1234) != "1234" {
		t.Fatal("CountName")
	}
}

func find(ws []Workload, name string) Workload {
	for _, w := range ws {
		if w.Name == name {
			return w
		}
	}
	panic(name)
}

func TestMemtierArgs(t *testing.T) {
	ws := ThroughputWorkloads(100000, 50)
	args, conns, why := MemtierArgs(find(ws, "getset-32B-p16"), "127.0.0.1", 7000, 10*time.Second, 1, "/tmp/o.json", []string{"--run-count=1"})
	if why != "" || conns != 50 {
		t.Fatalf("why %q conns %d", why, conns)
	}
	want := "-s 127.0.0.1 -p 7000 -t 1 -c 50 --pipeline=16 --test-time=10 --hide-histogram --print-percentiles=50,99,99.9 " +
		"--json-out-file=/tmp/o.json --distinct-client-seed --key-minimum=1 --key-maximum=100000 -d 32 --ratio=1:10 " +
		"--key-pattern=R:R --key-prefix=key: --protocol=redis --run-count=1"
	if got := strings.Join(args, " "); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	args, conns, _ = MemtierArgs(find(ws, "lpush-lpop"), "127.0.0.1", 7000, 5*time.Second, 4, "o.json", nil)
	got := strings.Join(args, " ")
	if conns != 52 || !strings.Contains(got, "-t 4 -c 13") || !strings.Contains(got, "--command=LPUSH list:__key__ __data__ --command-ratio=1 --command-key-pattern=R --command=LPOP list:__key__") ||
		!strings.Contains(got, "--key-maximum=1000") {
		t.Fatalf("lpush: %d %s", conns, got)
	}
	args, _, _ = MemtierArgs(find(ws, "mc-getset-32B-p1"), "127.0.0.1", 7000, 5*time.Second, 1, "o.json", nil)
	if !strings.Contains(strings.Join(args, " "), "--ratio=1:10 --key-pattern=R:R --key-prefix=key: --protocol=memcache_text") {
		t.Fatalf("memcache: %v", args)
	}
	if _, _, why := MemtierArgs(find(ws, "zadd-zrange"), "h", 1, time.Second, 1, "o", nil); why == "" {
		t.Fatal("memtier cannot express random scores, yet no reason given")
	}
	if _, _, why := MemtierArgs(find(ws, "mset-mget-10keys"), "h", 1, time.Second, 1, "o", nil); !strings.Contains(why, "several keys") {
		t.Fatalf("memtier cannot put 10 different keys in one command, yet: %q", why)
	}
	if args, _, why := MemtierArgs(find(ws, "ceiling-p1"), "h", 1, time.Second, 1, "o", nil); why != "" || !strings.Contains(strings.Join(args, " "), "--command=PING") {
		t.Fatalf("ping: %v %s", args, why)
	}
}

func TestRedisBenchmarkArgs(t *testing.T) {
	ws := ThroughputWorkloads(100000, 50)
	args, why := RedisBenchmarkArgs(find(ws, "set-32B-p16"), "127.0.0.1", 7000, 123456, 1, nil)
	want := "-h 127.0.0.1 -p 7000 -c 50 -P 16 -n 123456 --precision 3 -r 100000 SET key:__rand_int__ " + string(loadgen.Value(32))
	if why != "" || strings.Join(args, " ") != want {
		t.Fatalf("got  %s\nwant %s (%s)", strings.Join(args, " "), want, why)
	}
	args, _ = RedisBenchmarkArgs(find(ws, "ceiling-p1"), "127.0.0.1", 7000, 1000, 3, nil)
	if strings.Join(args, " ") != "-h 127.0.0.1 -p 7000 -c 50 -P 1 -n 1000 --precision 3 --threads 3 PING" {
		t.Fatalf("ping: %v", args)
	}
	for _, n := range []string{"getset-32B-p1", "mc-getset-32B-p1", "lpush-lpop"} {
		if _, why := RedisBenchmarkArgs(find(ws, n), "h", 1, 1, 1, nil); why == "" {
			t.Fatalf("%s: redis-benchmark cannot run a mix, yet no reason given", n)
		}
	}
	if KeyStyle(ToolMemtier) != loadgen.KeyPlain || KeyStyle(ToolRedisBenchmark) != loadgen.KeyPadded || KeyStyle(ToolGo) != loadgen.KeyPadded {
		t.Fatal("key styles")
	}
}

func sampleRuns() []RunRecord {
	var runs []RunRecord
	for round := range 3 {
		d := float64(round)
		runs = append(runs,
			RunRecord{Suite: "throughput", Workload: "w1", Server: Darner, Round: round, Tool: ToolGo, Status: StatusOK,
				Measure: Measure{OpsPerSec: 200 + d, P50Ms: 0.1, P99Ms: 0.5, P999Ms: 1}, CPUPerOpUs: 5, ServerCPUUtil: 0.6, ClientCPUUtil: 1},
			RunRecord{Suite: "throughput", Workload: "w1", Server: Redis, Round: round, Tool: ToolGo, Status: StatusOK,
				Measure: Measure{OpsPerSec: 100, P50Ms: 0.2, P99Ms: 1, P999Ms: 2}, CPUPerOpUs: 10, ServerCPUUtil: 1, ClientCPUUtil: 0.7},
			RunRecord{Suite: "throughput", Workload: "w2", Server: Darner, Round: round, Tool: ToolGo, Status: StatusUnsupported,
				Note: "ERR unknown command 'ZADD', with args beginning with: 'zset:000000000960' '19463' 'm759'"},
			RunRecord{Suite: "throughput", Workload: "w2", Server: Redis, Round: round, Tool: ToolGo, Status: StatusOK,
				Measure: Measure{OpsPerSec: 50, P99Ms: 1}, CPUPerOpUs: 20, ServerCPUUtil: 1, ClientCPUUtil: 0.5},
		)
	}
	return runs
}

func TestSummarizeAndTables(t *testing.T) {
	sums := Summarize(sampleRuns(), map[string]string{"w1": "first", "w2": "second"})
	if len(sums) != 2 || sums[0].Workload != "w1" || sums[0].Title != "first" {
		t.Fatalf("%+v", sums)
	}
	d := sums[0].Servers[0]
	if d.Server != Darner || d.Status != StatusOK || d.Rounds != 3 || d.OpsPerSec != (Spread{Median: 201, Min: 200, Max: 202, N: 3}) {
		t.Fatalf("darner: %+v", d)
	}
	r := sums[0].Ratios[0]
	if r.Other != Redis || r.OpsPerSec != (Spread{Median: 2.01, Min: 2, Max: 2.02, N: 3}) || r.CPUPerOpUs.Median != 0.5 || r.P99Ms.Median != 0.5 {
		t.Fatalf("ratio: %+v", r)
	}
	if s := sums[1].Servers[0]; s.Status != StatusUnsupported || s.Rounds != 0 || !strings.Contains(s.Note, "ZADD") {
		t.Fatalf("unsupported: %+v", s)
	}
	if sums[1].Ratios[0].OpsPerSec.N != 0 {
		t.Fatalf("a ratio against an unsupported run: %+v", sums[1].Ratios[0])
	}
	res := &Results{Mode: "lab", Rounds: 3, Duration: "10s", ServerCPUCount: 1, ClientCPUCount: 1, Summary: sums, LoadAvgStart: 9.5,
		Memory: []MemoryRecord{{Server: Darner, Status: StatusOK, Keys: 1000000, ValueBytes: 32, RSSAfter: 100 << 20, RSSPerKey: 80},
			{Server: Redis, Status: StatusError, Note: "boom"}}}
	var b bytes.Buffer
	WriteTables(&b, res)
	out := b.String()
	if strings.Contains(out, "with args beginning") {
		t.Errorf("table row keeps Redis's argument echo:\n%s", out)
	}
	for _, want := range []string{"== w1: first", "darner/redis", "2.01× (2.00–2.02)", "unsupported: ERR unknown command 'ZADD'",
		"note: darner was client-bound", "== memory per key", "WARNING: load average 9.5", "80.0", "boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("tables lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "note: redis was client-bound") {
		t.Errorf("redis at 100%% CPU flagged client-bound:\n%s", out)
	}
}

func TestJSONRoundTripAndSVG(t *testing.T) {
	dir := t.TempDir()
	runs := sampleRuns()
	res := &Results{Schema: 1, Started: time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC), Host: HostInfo{Host: "box 1"},
		Runs: runs, Summary: Summarize(runs, nil), Workloads: ThroughputWorkloads(100, 2)}
	base := ResultsBaseName(res.Started, res.Host.Host)
	if base != "2026-11-25T210000Z-box_1" {
		t.Fatalf("base name %q", base)
	}
	p := filepath.Join(dir, "results", base+".json")
	if err := WriteJSON(p, res); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Runs) != len(runs) || back.Runs[0] != runs[0] || back.Summary[0].Ratios[0] != res.Summary[0].Ratios[0] ||
		len(back.Workloads) != len(res.Workloads) || back.Workloads[4].Ops[0].Args[1] != res.Workloads[4].Ops[0].Args[1] {
		t.Fatalf("round trip lost data")
	}
	svg := ChartSVG(res.Summary, []MemoryRecord{{Server: Darner, Status: StatusOK, Keys: 1000000, ValueBytes: 32, RSSPerKey: 70}, {Server: Redis, Status: StatusSkipped}}, "test <run> & chart")
	dec := xml.NewDecoder(bytes.NewReader(svg))
	bars, nas, membars, root := 0, 0, 0, ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			for _, a := range se.Attr {
				if a.Name.Local == "class" && a.Value == "bar" {
					bars++
				}
				if a.Name.Local == "class" && a.Value == "na" {
					nas++
				}
				if a.Name.Local == "class" && a.Value == "membar" {
					membars++
				}
			}
		}
	}
	// two panels × (w1: 2 bars, w2: 1 bar + 1 "unsupported" label); memory: 1 bar + 1 "skipped"
	if root != "svg" || bars != 6 || nas != 3 || membars != 1 {
		t.Fatalf("root %s, %d bars, %d n/a labels, %d memory bars", root, bars, nas, membars)
	}
	if !bytes.Contains(svg, []byte("test &lt;run&gt; &amp; chart")) {
		t.Fatal("caption not escaped")
	}
	if err := WriteSVG(filepath.Join(dir, "c.svg"), res.Summary, nil, "x"); err != nil {
		t.Fatal(err)
	}
	if niceMax(0) != 1 || niceMax(3.2) != 5 || niceMax(120000) != 200000 || niceMax(1) != 1 {
		t.Fatal("niceMax")
	}
	if human(1234567) != "1,234,567" || human(999) != "999" || kilo(1.5e6) != "1.50M" || kilo(2500) != "2k" {
		t.Fatalf("number formats: %s %s %s %s", human(1234567), human(999), kilo(1.5e6), kilo(2500))
	}
}
