package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/darnerdb/darner/benchmarks/harness"
	"github.com/darnerdb/darner/benchmarks/loadgen"
)

// toolRun is what one load-tool process measured, plus its own CPU time.
type toolRun struct {
	harness.Measure
	errors     uint64
	firstError string
	clientCPU  float64 // user+system seconds of the tool process
	wall       float64
	cmd        string // what ran, for the record
}

// chooseTool picks the tool for w: the one --tool names, or with "auto"
// memtier_benchmark when installed, else redis-benchmark, falling back to
// the built-in Go load generator for workloads a tool cannot express.
// why explains a fallback.
func (d *driver) chooseTool(w *harness.Workload) (tool, why string) {
	prefs := []string{harness.ToolMemtier, harness.ToolRedisBenchmark}
	switch d.toolChoice {
	case "go":
		return harness.ToolGo, ""
	case "memtier":
		prefs = []string{harness.ToolMemtier}
	case "redis-benchmark":
		prefs = []string{harness.ToolRedisBenchmark}
	}
	var whys []string
	for _, t := range prefs {
		switch t {
		case harness.ToolMemtier:
			if d.memtierBin == "" {
				whys = append(whys, "memtier_benchmark not installed")
				continue
			}
			if _, _, why := harness.MemtierArgs(*w, "127.0.0.1", 1, time.Second, 1, "x", nil); why != "" {
				whys = append(whys, "memtier: "+why)
				continue
			}
		case harness.ToolRedisBenchmark:
			if d.redisBenchBin == "" {
				whys = append(whys, "redis-benchmark not installed")
				continue
			}
			if _, why := harness.RedisBenchmarkArgs(*w, "127.0.0.1", 1, 1, 1, nil); why != "" {
				whys = append(whys, "redis-benchmark: "+why)
				continue
			}
		}
		return t, ""
	}
	return harness.ToolGo, strings.Join(whys, "; ")
}

// clientPrefix pins a load tool to the client CPUs in lab mode.
func (d *driver) clientPrefix(argv []string) []string {
	if !d.lab {
		return argv
	}
	return append([]string{"taskset", "-c", harness.FormatCPUList(d.clientCPUs)}, argv...)
}

// execTool runs argv with stdin, bounded by timeout, and returns its
// stdout, stderr and CPU time.
func execTool(ctx context.Context, argv []string, stdin []byte, timeout time.Duration) (stdout, stderr []byte, cpu, wall float64, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start).Seconds()
	if ps := cmd.ProcessState; ps != nil {
		cpu = (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("%s killed after %v", filepath.Base(argv[0]), timeout)
	}
	return o.Bytes(), e.Bytes(), cpu, wall, err
}

func tail(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

// runTool drives addr with w using tool for the configured duration.
func (d *driver) runTool(ctx context.Context, tool string, w *harness.Workload, srvKind string, port int) (toolRun, error) {
	timeout := 3*d.duration + 60*time.Second
	switch tool {
	case harness.ToolMemtier:
		jsonOut := filepath.Join(d.tmp, fmt.Sprintf("memtier-%d.json", time.Now().UnixNano()))
		args, _, _ := harness.MemtierArgs(*w, "127.0.0.1", port, d.duration, d.clientCount(), jsonOut, d.memtierArgs)
		argv := d.clientPrefix(append([]string{d.memtierBin}, args...))
		_, stderr, cpu, wall, err := execTool(ctx, argv, nil, timeout)
		if err != nil {
			return toolRun{}, fmt.Errorf("memtier_benchmark: %v: %s", err, tail(stderr, 300))
		}
		b, err := os.ReadFile(jsonOut)
		if err != nil {
			return toolRun{}, fmt.Errorf("memtier_benchmark wrote no JSON: %v: %s", err, tail(stderr, 300))
		}
		m, err := harness.ParseMemtierJSON(b)
		if err != nil {
			return toolRun{}, err
		}
		return toolRun{Measure: m, clientCPU: cpu, wall: wall, cmd: shellJoin(argv)}, nil

	case harness.ToolRedisBenchmark:
		key := w.Name + "/" + srvKind
		rps, ok := d.rateGuess[key]
		if !ok {
			// calibrate: a short unmeasured run sizes -n to the duration,
			// since redis-benchmark has no time limit of its own
			n := max(5000, w.Conns*w.Pipeline*50)
			args, _ := harness.RedisBenchmarkArgs(*w, "127.0.0.1", port, n, d.clientCount(), d.rbArgs)
			out, stderr, _, _, err := execTool(ctx, d.clientPrefix(append([]string{d.redisBenchBin}, args...)), nil, timeout)
			if err != nil {
				return toolRun{}, fmt.Errorf("redis-benchmark calibration: %v: %s", err, tail(append(out, stderr...), 300))
			}
			rs, err := harness.ParseRedisBenchmark(string(out))
			if err != nil {
				return toolRun{}, err
			}
			rps = rs[0].OpsPerSec
		}
		n := int(min(max(rps*d.duration.Seconds(), 1000), 2e9))
		args, _ := harness.RedisBenchmarkArgs(*w, "127.0.0.1", port, n, d.clientCount(), d.rbArgs)
		argv := d.clientPrefix(append([]string{d.redisBenchBin}, args...))
		out, stderr, cpu, wall, err := execTool(ctx, argv, nil, timeout)
		if err != nil {
			return toolRun{}, fmt.Errorf("redis-benchmark: %v: %s", err, tail(append(out, stderr...), 300))
		}
		rs, err := harness.ParseRedisBenchmark(string(out))
		if err != nil {
			return toolRun{}, err
		}
		d.rateGuess[key] = rs[0].OpsPerSec
		m := rs[0].Measure
		if m.Ops == 0 {
			m.Ops = uint64(n)
		}
		tr := toolRun{Measure: m, clientCPU: cpu, wall: wall, cmd: shellJoin(argv)}
		// redis-benchmark reports error replies only as text; it cannot count them
		if i := bytes.Index(out, []byte("Error from server: ")); i >= 0 {
			line, _, _ := strings.Cut(string(out[i+len("Error from server: "):]), "\n")
			tr.errors, tr.firstError = m.Ops, strings.TrimSpace(line) // assume the worst
		}
		return tr, nil
	}

	// the built-in Go load generator, in a child process pinned like the others
	cfg := loadgen.Config{Addr: "127.0.0.1:" + strconv.Itoa(port), Protocol: w.Protocol, KeyStyle: harness.KeyStyle(tool),
		Ops: w.Ops, ValueSize: w.ValueSize, Conns: w.Conns, Pipeline: w.Pipeline, Duration: d.duration,
		MaxOps: d.maxOps, Seed: uint64(time.Now().UnixNano())}
	in, _ := json.Marshal(cfg)
	out, stderr, cpu, wall, err := execTool(ctx, d.clientPrefix([]string{d.self, "loadgen"}), in, timeout)
	if err != nil {
		return toolRun{}, fmt.Errorf("go load generator: %v: %s", err, tail(stderr, 300))
	}
	var res loadgen.Result
	if err := json.Unmarshal(out, &res); err != nil {
		return toolRun{}, fmt.Errorf("go load generator output: %v: %s", err, tail(out, 200))
	}
	if res.Ops == 0 {
		return toolRun{}, fmt.Errorf("go load generator: no replies: %s", res.FirstError)
	}
	if res.ConnErrors > 0 {
		return toolRun{}, fmt.Errorf("go load generator: %d connection(s) broke: %s", res.ConnErrors, res.FirstError)
	}
	m := harness.Measure{Ops: res.Ops, Seconds: res.Seconds, OpsPerSec: res.OpsPerSec, AvgMs: res.AvgMs,
		P50Ms: res.P50Ms, P99Ms: res.P99Ms, P999Ms: res.P999Ms, MaxMs: res.MaxMs}
	return toolRun{Measure: m, errors: res.Errors, firstError: res.FirstError, clientCPU: cpu, wall: wall,
		cmd: "darner-bench loadgen <<< '" + string(in) + "'"}, nil
}

// loadgenMain is the "darner-bench loadgen" child: a loadgen.Config as
// JSON on stdin, the loadgen.Result as JSON on stdout.
func loadgenMain() {
	var cfg loadgen.Config
	if err := json.NewDecoder(os.Stdin).Decode(&cfg); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: config:", err)
		os.Exit(2)
	}
	res, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

// clientCount is how many CPUs the load tool may use (its thread count).
func (d *driver) clientCount() int { return max(1, len(d.clientCPUs)) }

// shellJoin quotes argv for a shell, for the record; long arguments (a
// 1 KB value) are abbreviated.
func shellJoin(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if len(a) > 64 {
			a = a[:16] + "…(" + strconv.Itoa(len(a)) + " bytes)"
		}
		if a == "" || strings.ContainsAny(a, " '\"$`\\*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		b.WriteString(a)
	}
	return b.String()
}
