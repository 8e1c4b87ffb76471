package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/darnerdb/darner/benchmarks/harness"
	"github.com/darnerdb/darner/benchmarks/loadgen"
)

// driver holds the run's settings and state. Only the main goroutine
// touches it.
type driver struct {
	darnerBin, redisBin, memcachedBin string
	memtierBin, redisBenchBin         string
	self                              string // this executable, for the loadgen child
	darnerArgs, redisArgs             []string
	variants                          map[string][]string // "darner-epoll" → extra darner flags
	memtierArgs, rbArgs               []string
	darnerHelp                        string // darner --help output, to check for flags
	lab                               bool
	serverCPUs, clientCPUs            []int
	toolChoice                        string
	duration                          time.Duration
	maxOps                            uint64
	rounds                            int
	servers                           map[string]bool // --servers filter
	tmp                               string
	rateGuess                         map[string]float64 // redis-benchmark rate per workload/server
	running                           *server

	res       harness.Results
	planned   int // runs planned
	doneRuns  int
	startedAt time.Time
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "loadgen" {
		loadgenMain()
		return
	}
	os.Exit(run(os.Args[1:]))
}

// repoRoot walks up from the working directory to the directory holding
// go.mod, so bin/darner and benchmarks/results resolve from anywhere in
// the tree.
func repoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func lookPath(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		return ""
	}
	return p
}

// run is the whole command with its arguments; it returns the exit code.
func run(argv []string) int {
	root := repoRoot()
	fs := flag.NewFlagSet("darner-bench", flag.ContinueOnError)
	defDarner := os.Getenv("DARNER_BIN")
	if defDarner == "" {
		defDarner = filepath.Join(root, "bin", "darner")
	}
	var (
		darnerBin    = fs.String("darner", defDarner, "darner binary (env DARNER_BIN; make build builds it)")
		darnerArgs   = fs.String("darner-args", "", "extra darner flags, space-separated (e.g. \"--force_epoll\")")
		redisBin     = fs.String("redis-server", lookPath("redis-server"), "redis-server binary")
		redisArgs    = fs.String("redis-args", "", "extra redis-server arguments, space-separated (e.g. \"--io-threads 4\")")
		memcachedBin = fs.String("memcached", lookPath("memcached"), "memcached binary (Memcached workloads)")
		mode         = fs.String("mode", "lab", "lab: server on the first half of the CPUs, load generator on the rest; unpinned: no pinning, darner on all CPUs")
		serverCPUs   = fs.String("server-cpus", "", "lab mode: CPU list for the servers (e.g. 0-15), overriding the half split")
		clientCPUs   = fs.String("client-cpus", "", "lab mode: CPU list for the load generator (e.g. 16-31)")
		suites       = fs.String("suite", "throughput", "comma list of suites: throughput, memory, latency-size")
		workloads    = fs.String("workloads", "all", "throughput workloads: comma list of names or prefixes (-list shows them)")
		serversFlag  = fs.String("servers", "darner,redis,memcached", "servers to run (others are left out of every workload)")
		tool         = fs.String("tool", "auto", "load tool: auto (memtier_benchmark if on PATH, else redis-benchmark where it can express the workload, else go), memtier, redis-benchmark, go")
		duration     = fs.Duration("duration", 10*time.Second, "length of each measured run")
		maxOps       = fs.Uint64("max-ops", 1e9, "go load generator: also stop after this many requests (0 = time only)")
		rounds       = fs.Int("rounds", 3, "rounds; each round runs every workload on every server")
		conns        = fs.Int("conns", 50, "connections per run")
		keys         = fs.Int("keys", 100000, "preloaded keyspace of the string workloads")
		memKeys      = fs.Int("memory-keys", 1000000, "memory suite: keys to load")
		memValue     = fs.Int("memory-value", 32, "memory suite: value size in bytes")
		sizes        = fs.String("sizes", "100000,1000000", "latency-size suite: keyspace sizes (add 10000000 on a big box)")
		outDir       = fs.String("out", filepath.Join(root, "benchmarks", "results"), "directory for <date>-<host>.json/.svg/.txt and latest.*")
		quick        = fs.Bool("quick", false, "smoke run: 1 round of 3 s, workloads getset-32B-p1, set-32B-p16, ceiling-p1")
		list         = fs.Bool("list", false, "list the throughput workloads and exit")
		note         = fs.String("note", "", "free text recorded in the results and shown in the tables and chart (\"shared 2-core VM, smoke run\")")
		variants     = map[string][]string{}
		render       = fs.String("render", "", "re-render the tables and the SVG chart of a results JSON file (no run)")
	)
	fs.Func("darner-variant", "also run darner with extra flags as server darner-NAME, e.g. -darner-variant 'epoll=--force_epoll' (repeatable); ratios darner/darner-NAME are reported",
		func(v string) error {
			name, args, ok := strings.Cut(v, "=")
			if !ok || name == "" || strings.ContainsAny(name, " /") {
				return fmt.Errorf("want NAME=FLAGS")
			}
			variants[harness.Darner+"-"+name] = strings.Fields(args)
			return nil
		})
	if err := fs.Parse(argv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *render != "" {
		return renderResults(*render)
	}
	if *quick { // presets for what the command line leaves unset
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["rounds"] {
			*rounds = 1
		}
		if !set["duration"] {
			*duration = 3 * time.Second
		}
		if *workloads == "all" {
			*workloads = "getset-32B-p1,set-32B-p16,ceiling-p1"
		}
	}
	all := harness.ThroughputWorkloads(*keys, *conns)
	if *list {
		for _, w := range all {
			fmt.Printf("%-18s %s  [%s]\n", w.Name, w.Title, strings.Join(w.Servers, ", "))
		}
		return 0
	}
	die := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "darner-bench: "+format+"\n", a...)
		return 2
	}
	selected, err := harness.SelectWorkloads(all, *workloads)
	if err != nil {
		return die("%v (see -list)", err)
	}
	if *rounds < 1 || *duration <= 0 || *conns < 1 {
		return die("need -rounds ≥ 1, -duration > 0, -conns ≥ 1")
	}
	self, err := os.Executable()
	if err != nil {
		return die("%v", err)
	}
	tmp, err := os.MkdirTemp("", "darner-bench-")
	if err != nil {
		return die("%v", err)
	}
	defer os.RemoveAll(tmp)

	d := &driver{darnerBin: *darnerBin, redisBin: *redisBin, memcachedBin: *memcachedBin,
		memtierBin: lookPath("memtier_benchmark"), redisBenchBin: lookPath("redis-benchmark"), self: self,
		darnerArgs: strings.Fields(*darnerArgs), redisArgs: strings.Fields(*redisArgs),
		memtierArgs: strings.Fields(os.Getenv("MEMTIER_ARGS")), rbArgs: strings.Fields(os.Getenv("REDIS_BENCHMARK_ARGS")),
		toolChoice: *tool, duration: *duration, maxOps: *maxOps, rounds: *rounds, tmp: tmp,
		rateGuess: map[string]float64{}, servers: map[string]bool{}, variants: variants}
	switch d.toolChoice {
	case "auto", "go", "memtier", "redis-benchmark":
	default:
		return die("-tool %q: want auto, memtier, redis-benchmark or go", d.toolChoice)
	}
	if d.toolChoice == "memtier" && d.memtierBin == "" {
		return die("-tool memtier: memtier_benchmark is not on PATH")
	}
	if d.toolChoice == "redis-benchmark" && d.redisBenchBin == "" {
		return die("-tool redis-benchmark: redis-benchmark is not on PATH (apt-get install redis-tools)")
	}
	for s := range strings.SplitSeq(*serversFlag, ",") {
		d.servers[strings.TrimSpace(s)] = true
	}

	// CPUs
	cpus, err := harness.AllowedCPUs()
	if err != nil {
		return die("%v", err)
	}
	switch *mode {
	case "lab":
		d.lab = true
		if *serverCPUs != "" || *clientCPUs != "" {
			if d.serverCPUs, err = harness.ParseCPUList(*serverCPUs); err != nil || len(d.serverCPUs) == 0 {
				return die("-server-cpus %q: %v", *serverCPUs, err)
			}
			if d.clientCPUs, err = harness.ParseCPUList(*clientCPUs); err != nil || len(d.clientCPUs) == 0 {
				return die("-client-cpus %q: %v", *clientCPUs, err)
			}
		} else {
			var ok bool
			if d.serverCPUs, d.clientCPUs, ok = harness.SplitCPUs(cpus); !ok {
				return die("lab mode needs at least 2 CPUs (have %d); use -mode unpinned", len(cpus))
			}
		}
		if lookPath("taskset") == "" {
			return die("lab mode needs taskset (apt-get install util-linux)")
		}
		d.res.ServerCPUs, d.res.ClientCPUs = harness.FormatCPUList(d.serverCPUs), harness.FormatCPUList(d.clientCPUs)
		d.res.ServerCPUCount, d.res.ClientCPUCount = len(d.serverCPUs), len(d.clientCPUs)
		d.res.ModeNote = fmt.Sprintf("servers pinned to CPUs %s (darner --proactor_threads %d; redis-server is single-threaded), load generator pinned to CPUs %s",
			d.res.ServerCPUs, len(d.serverCPUs), d.res.ClientCPUs)
	case "unpinned":
		d.serverCPUs, d.clientCPUs = cpus, cpus
		d.res.ServerCPUCount, d.res.ClientCPUCount = len(cpus), len(cpus)
		d.res.ModeNote = fmt.Sprintf("NO pinning: darner on all %d CPUs (--proactor_threads 0), redis-server and the load generator free to run anywhere; server and client compete for the same cores, so this shows behaviour on a shared box, not the server's capacity",
			len(cpus))
	default:
		return die("-mode %q: want lab or unpinned", *mode)
	}

	d.res.Schema = 1
	d.res.Started = time.Now().UTC()
	d.res.LoadAvgStart = harness.LoadAvg()
	d.res.Host = harness.ReadHostInfo()
	d.res.Mode = *mode
	d.res.Duration = d.duration.String()
	d.res.Rounds = d.rounds
	d.res.ToolChoice = d.toolChoice
	d.res.Note = *note
	d.res.Command = append([]string{"darner-bench"}, argv...)
	d.res.Tools = map[string]string{harness.ToolGo: "built-in"}
	if d.memtierBin != "" {
		d.res.Tools[harness.ToolMemtier] = toolVersion(d.memtierBin)
	} else {
		d.res.Tools[harness.ToolMemtier] = ""
	}
	if d.redisBenchBin != "" {
		d.res.Tools[harness.ToolRedisBenchmark] = toolVersion(d.redisBenchBin)
	} else {
		d.res.Tools[harness.ToolRedisBenchmark] = ""
	}
	d.res.Servers = map[string]string{}
	if fi, err := os.Stat(d.darnerBin); err == nil && !fi.IsDir() {
		d.res.Servers[harness.Darner] = toolVersion(d.darnerBin) + " (" + d.darnerBin + ")"
		d.darnerHelp = darnerHelp(d.darnerBin)
	} else {
		d.res.Servers[harness.Darner] = "" // missing: its runs are reported as skipped
	}
	if d.redisBin != "" {
		d.res.Servers[harness.Redis] = toolVersion(d.redisBin)
	}
	if d.memcachedBin != "" {
		d.res.Servers[harness.Memcached] = toolVersion(d.memcachedBin, "-V")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer func() {
		if d.running != nil {
			d.running.stop()
		}
	}()

	// plan
	var throughput, latency []harness.Workload
	doMemory := false
	for s := range strings.SplitSeq(*suites, ",") {
		switch strings.TrimSpace(s) {
		case "throughput":
			throughput = selected
		case "memory":
			doMemory = true
		case "latency-size":
			for f := range strings.SplitSeq(*sizes, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || n < 1 {
					return die("-sizes: bad %q", f)
				}
				latency = append(latency, harness.GetWorkload(n, *conns))
			}
		default:
			return die("-suite: unknown %q (throughput, memory, latency-size)", s)
		}
	}
	for _, ws := range [][]harness.Workload{throughput, latency} {
		for i := range ws {
			ws[i].Servers = d.filterServers(ws[i].Servers)
			d.planned += d.rounds * len(ws[i].Servers)
		}
	}
	d.res.Workloads = append(append([]harness.Workload{}, throughput...), latency...)
	d.startedAt = time.Now()
	fmt.Fprintf(os.Stderr, "darner-bench: %d runs of %v planned (%s); tools: memtier %q, redis-benchmark %q; results in %s\n",
		d.planned, d.duration, d.res.ModeNote, d.res.Tools[harness.ToolMemtier], d.res.Tools[harness.ToolRedisBenchmark], *outDir)

	for round := 0; round < d.rounds && ctx.Err() == nil; round++ {
		d.runSuite(ctx, "throughput", throughput, round)
		d.runSuite(ctx, "latency-size", latency, round)
	}
	if doMemory && ctx.Err() == nil {
		for _, s := range []string{harness.Darner, harness.Redis} {
			if !d.servers[s] {
				continue
			}
			d.res.Memory = append(d.res.Memory, d.memoryRun(ctx, s, *memKeys, *memValue))
		}
	}
	d.res.Finished = time.Now().UTC()
	d.res.LoadAvgEnd = harness.LoadAvg()
	titles := map[string]string{}
	for _, w := range d.res.Workloads {
		titles[w.Name] = w.Title
	}
	d.res.Summary = harness.Summarize(d.res.Runs, titles)

	var table strings.Builder
	harness.WriteTables(&table, &d.res)
	fmt.Print(table.String())
	base := harness.ResultsBaseName(d.res.Started, d.res.Host.Host)
	caption := chartCaption(&d.res)
	status := 0
	for _, p := range []struct {
		name  string
		write func(string) error
	}{
		{base + ".json", func(p string) error { return harness.WriteJSON(p, &d.res) }},
		{base + ".svg", func(p string) error { return harness.WriteSVG(p, d.res.Summary, d.res.Memory, caption) }},
		{base + ".txt", func(p string) error { return os.WriteFile(p, []byte(table.String()), 0o644) }},
	} {
		path := filepath.Join(*outDir, p.name)
		if err := p.write(path); err != nil {
			fmt.Fprintln(os.Stderr, "darner-bench:", err)
			status = 1
			continue
		}
		latest := filepath.Join(*outDir, "latest"+filepath.Ext(p.name))
		if b, err := os.ReadFile(path); err == nil {
			_ = os.WriteFile(latest, b, 0o644)
		}
		fmt.Fprintln(os.Stderr, "darner-bench: wrote", path)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "darner-bench: interrupted; partial results written")
		return 130
	}
	return status
}

// filterServers keeps the servers -servers names and puts the darner
// variants right after darner.
func (d *driver) filterServers(ss []string) []string {
	var out []string
	for _, s := range ss {
		if d.servers[s] {
			out = append(out, s)
			if s == harness.Darner {
				for _, v := range slices.Sorted(maps.Keys(d.variants)) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// base is the server program behind a server name: darner for its variants.
func (d *driver) base(srv string) string {
	if _, ok := d.variants[srv]; ok {
		return harness.Darner
	}
	return srv
}

// progress prints one line to stderr: which run, and an estimate of the
// time left from the mean time per run so far.
func (d *driver) progress(suite string, w *harness.Workload, srv string, round int, tool string) {
	d.doneRuns++
	per := d.duration + 3*time.Second
	if d.doneRuns > 1 {
		per = time.Since(d.startedAt) / time.Duration(d.doneRuns-1)
	}
	left := time.Duration(d.planned-d.doneRuns+1) * per
	fmt.Fprintf(os.Stderr, "[%3d/%d] %-12s %-18s %-9s round %d/%d  %-17s  ~%v left\n",
		d.doneRuns, d.planned, suite, w.Name, srv, round+1, d.rounds, tool, left.Round(time.Second))
}

func (d *driver) runSuite(ctx context.Context, suite string, ws []harness.Workload, round int) {
	for i := range ws {
		w := &ws[i]
		tool, why := d.chooseTool(w)
		for _, srv := range w.Servers {
			if ctx.Err() != nil {
				return
			}
			d.progress(suite, w, srv, round, tool)
			rec := d.runOne(ctx, w, srv, tool, round)
			rec.Suite = suite
			if why != "" && rec.Note == "" && rec.Status == harness.StatusOK {
				rec.Note = "go load generator because " + why
			}
			if rec.Status != harness.StatusOK {
				fmt.Fprintf(os.Stderr, "         %s: %s\n", rec.Status, rec.Note)
			}
			d.res.Runs = append(d.res.Runs, rec)
		}
	}
}

// runOne is one measured run of w on a fresh server of kind srv.
func (d *driver) runOne(ctx context.Context, w *harness.Workload, srv, tool string, round int) harness.RunRecord {
	rec := harness.RunRecord{Workload: w.Name, Server: srv, Round: round, Tool: tool, ToolVersion: d.res.Tools[tool]}
	fail := func(status, note string) harness.RunRecord {
		rec.Status, rec.Note = status, note
		return rec
	}
	switch d.base(srv) {
	case harness.Darner:
		if d.res.Servers[harness.Darner] == "" {
			return fail(harness.StatusSkipped, "darner binary "+d.darnerBin+" not found (make build)")
		}
		need := append(slices.Clone(w.DarnerArgs), d.variants[srv]...)
		if w.Protocol == loadgen.Memcache {
			need = append(need, "--memcached_port")
		}
		for _, f := range need {
			if strings.HasPrefix(f, "--") && !hasFlag(d.darnerHelp, f) {
				return fail(harness.StatusUnsupported, "this darner binary has no "+f+" flag")
			}
		}
	case harness.Redis:
		if d.redisBin == "" {
			return fail(harness.StatusSkipped, "redis-server not installed (apt-get install redis-server)")
		}
	case harness.Memcached:
		if d.memcachedBin == "" {
			return fail(harness.StatusSkipped, "memcached not installed (apt-get install memcached)")
		}
	}
	s, err := d.startServer(ctx, srv, w)
	if err != nil {
		return fail(harness.StatusError, err.Error())
	}
	defer func() { s.stop(); d.running = nil }()
	port := s.port
	if s.mcPort != 0 {
		port = s.mcPort
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	style := harness.KeyStyle(tool)
	if msg, err := loadgen.Probe(addr, w.Protocol, style, w.Ops, w.ValueSize); err != nil {
		return fail(harness.StatusError, "probe: "+err.Error())
	} else if msg != "" {
		if loadgen.Unsupported(msg) {
			return fail(harness.StatusUnsupported, strings.TrimSpace(msg))
		}
		return fail(harness.StatusError, "probe: "+msg)
	}
	if err := d.preload(ctx, addr, w, style); err != nil {
		if loadgen.Unsupported(err.Error()) {
			return fail(harness.StatusUnsupported, "preload: "+err.Error())
		}
		return fail(harness.StatusError, "preload: "+err.Error())
	}
	clk := d.res.Host.ClkTck
	before, err := harness.ReadCPU(s.pid())
	if err != nil {
		return fail(harness.StatusError, "server cpu: "+err.Error())
	}
	t0 := time.Now()
	tr, err := d.runTool(ctx, tool, w, srv, port)
	wall := time.Since(t0).Seconds()
	after, cerr := harness.ReadCPU(s.pid())
	if err != nil {
		if !s.alive() {
			return fail(harness.StatusError, fmt.Sprintf("server exited during the run (%v): %s", s.waitErr, s.logTail()))
		}
		return fail(harness.StatusError, err.Error())
	}
	if cerr != nil || !s.alive() {
		return fail(harness.StatusError, fmt.Sprintf("server exited during the run (%v): %s", s.waitErr, s.logTail()))
	}
	rec.Measure = tr.Measure
	rec.Errors = tr.errors
	rec.ToolCmd = tr.cmd
	rec.ServerCPUSec, rec.CPUSource = harness.CPUDelta(before, after, clk)
	rec.WallSec = wall
	if rec.Ops > 0 {
		rec.CPUPerOpUs = rec.ServerCPUSec * 1e6 / float64(rec.Ops)
	}
	// The server's use is over the tool's own measured window when it
	// reports one (process start-up and connection set-up are not load);
	// the client's is over its whole process life, as its CPU time is.
	if win := rec.Seconds; win > 0 {
		rec.ServerCPUUtil = rec.ServerCPUSec / win
	} else if wall > 0 {
		rec.ServerCPUUtil = rec.ServerCPUSec / wall
	}
	if wall > 0 {
		rec.ClientCPUUtil = tr.clientCPU / wall
	}
	rec.ClientCPUSec = tr.clientCPU
	rec.Status = harness.StatusOK
	if tr.errors > 0 {
		rec.Note = fmt.Sprintf("%d error replies, first: %s", tr.errors, tr.firstError)
		if tr.errors*100 > rec.Ops { // more than 1%: the numbers are not of this workload
			rec.Status = harness.StatusError
		}
	}
	return rec
}

// preload writes w's keyspace in the tool's key naming.
func (d *driver) preload(ctx context.Context, addr string, w *harness.Workload, style loadgen.KeyStyle) error {
	p := w.Preload
	if p.Kind == "" || p.Keys == 0 {
		return nil
	}
	value := loadgen.Value(max(1, w.ValueSize))
	var n int
	var build func(dst []byte, i int) []byte
	key := func(i int) []byte { return loadgen.AppendKeyName(nil, style, p.Prefix, i) }
	switch p.Kind {
	case "strings":
		n = p.Keys
		if w.Protocol == loadgen.Memcache {
			build = func(dst []byte, i int) []byte {
				dst = append(dst, "set "...)
				dst = append(dst, key(i)...)
				dst = append(dst, " 0 0 "+strconv.Itoa(len(value))+"\r\n"...)
				dst = append(dst, value...)
				return append(dst, '\r', '\n')
			}
		} else {
			build = func(dst []byte, i int) []byte {
				return loadgen.AppendRESP(dst, [][]byte{[]byte("SET"), key(i), value})
			}
		}
	case "lists":
		n = p.Keys * p.Elems
		build = func(dst []byte, i int) []byte {
			return loadgen.AppendRESP(dst, [][]byte{[]byte("RPUSH"), key(i % p.Keys), value})
		}
	case "zsets":
		n = p.Keys * p.Elems
		build = func(dst []byte, i int) []byte {
			m := strconv.Itoa(i / p.Keys)
			return loadgen.AppendRESP(dst, [][]byte{[]byte("ZADD"), key(i % p.Keys), []byte(m), []byte("m" + m)})
		}
	default:
		return fmt.Errorf("unknown preload kind %q", p.Kind)
	}
	timeout := 60*time.Second + time.Duration(n/10000)*time.Second
	st, err := loadgen.Fill(ctx, addr, w.Protocol, n, 4, 256, timeout, build)
	if err != nil {
		return err
	}
	if st.Errors > 0 {
		return fmt.Errorf("%d error replies, first: %s", st.Errors, st.FirstError)
	}
	return nil
}

// memoryRun loads n keys of valueSize bytes into a fresh server and
// reports RSS and INFO used_memory per key.
func (d *driver) memoryRun(ctx context.Context, srv string, n, valueSize int) harness.MemoryRecord {
	rec := harness.MemoryRecord{Server: srv, Keys: n, ValueBytes: valueSize, KeyBytes: len("key:000000000000")}
	fmt.Fprintf(os.Stderr, "[memory] %s: loading %d keys of %d B\n", srv, n, valueSize)
	if srv == harness.Darner && d.res.Servers[harness.Darner] == "" {
		rec.Status, rec.Note = harness.StatusSkipped, "darner binary "+d.darnerBin+" not found (make build)"
		return rec
	}
	s, err := d.startServer(ctx, srv, nil)
	if err != nil {
		rec.Status, rec.Note = harness.StatusError, err.Error()
		return rec
	}
	defer func() { s.stop(); d.running = nil }()
	addr := "127.0.0.1:" + strconv.Itoa(s.port)
	usedMem := func() uint64 {
		c, err := loadgen.Dial(addr, time.Second)
		if err != nil {
			return 0
		}
		defer c.Close()
		r, err := c.Do("INFO", "memory")
		if err != nil || r.IsErr() {
			return 0
		}
		v, _ := strconv.ParseUint(loadgen.InfoField(r.Str, "used_memory"), 10, 64)
		return v
	}
	time.Sleep(300 * time.Millisecond)
	rec.RSSBefore, _ = harness.ReadRSS(s.pid())
	rec.UsedMemBefore = usedMem()
	cpu0, _ := harness.ReadCPU(s.pid())
	value := loadgen.Value(valueSize)
	st, err := loadgen.Fill(ctx, addr, loadgen.RESP, n, 4, 256, 60*time.Second+time.Duration(n/10000)*time.Second,
		func(dst []byte, i int) []byte {
			return loadgen.AppendRESP(dst, [][]byte{[]byte("SET"), loadgen.AppendKeyName(nil, loadgen.KeyPadded, "key:", i), value})
		})
	if err != nil || st.Errors > 0 {
		rec.Status, rec.Note = harness.StatusError, fmt.Sprintf("load: %v %s", err, st.FirstError)
		return rec
	}
	rec.LoadSeconds = st.Seconds
	time.Sleep(time.Second) // let background work (expiry ticks, arena growth) settle
	cpu1, _ := harness.ReadCPU(s.pid())
	rec.ServerCPUSecond, _ = harness.CPUDelta(cpu0, cpu1, d.res.Host.ClkTck)
	rec.RSSAfter, _ = harness.ReadRSS(s.pid())
	rec.UsedMemAfter = usedMem()
	rec.RSSPerKey = float64(int64(rec.RSSAfter)-int64(rec.RSSBefore)) / float64(n)
	if rec.UsedMemAfter > 0 {
		rec.UsedMemPerKey = float64(int64(rec.UsedMemAfter)-int64(rec.UsedMemBefore)) / float64(n)
	}
	rec.Status = harness.StatusOK
	if rec.UsedMemAfter == 0 {
		rec.Note = "INFO memory has no used_memory"
	}
	return rec
}

// renderResults prints the tables of a results file and rewrites its SVG
// chart beside it, e.g. after the chart code changed.
func renderResults(path string) int {
	res, err := harness.ReadJSON(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "darner-bench:", err)
		return 1
	}
	harness.WriteTables(os.Stdout, res)
	svg := strings.TrimSuffix(path, filepath.Ext(path)) + ".svg"
	if err := harness.WriteSVG(svg, res.Summary, res.Memory, chartCaption(res)); err != nil {
		fmt.Fprintln(os.Stderr, "darner-bench:", err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "darner-bench: wrote", svg)
	return 0
}

func chartCaption(res *harness.Results) string {
	c := fmt.Sprintf("darner-bench %s, %s, %s mode, %d×%s per run, host %s", res.Started.Format("2006-01-02"), res.Host.CPUModel,
		res.Mode, res.Rounds, res.Duration, res.Host.Host)
	if res.Note != "" {
		c += " — " + res.Note
	}
	return c
}
