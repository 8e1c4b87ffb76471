package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Run statuses.
const (
	StatusOK          = "ok"
	StatusUnsupported = "unsupported" // the server refused a command of the workload
	StatusError       = "error"       // the run failed (server died, tool failed, errors in replies)
	StatusSkipped     = "skipped"     // not run (binary or flag missing)
)

// RunRecord is one workload on one server in one round: the raw numbers.
type RunRecord struct {
	Suite       string `json:"suite"` // "throughput" or "latency-size"
	Workload    string `json:"workload"`
	Server      string `json:"server"`
	Round       int    `json:"round"`
	Tool        string `json:"tool"`
	ToolVersion string `json:"tool_version,omitempty"`
	// ToolCmd is the load tool's command line (for the Go load generator,
	// its JSON config), so a run can be repeated by hand, e.g. from
	// another host.
	ToolCmd string `json:"tool_cmd,omitempty"`
	Status  string `json:"status"`
	Note    string `json:"note,omitempty"`
	Measure
	Errors uint64 `json:"errors"` // error replies seen by the load generator
	// Server CPU time (utime+stime of every thread) over the window from
	// just before the load tool started to just after it exited.
	ServerCPUSec  float64 `json:"server_cpu_sec"`
	CPUSource     string  `json:"cpu_source,omitempty"` // "schedstat" or "stat"
	CPUPerOpUs    float64 `json:"cpu_per_op_us"`
	ServerCPUUtil float64 `json:"server_cpu_util"` // CPU seconds per wall second (1.0 = one core busy)
	ClientCPUSec  float64 `json:"client_cpu_sec"`
	ClientCPUUtil float64 `json:"client_cpu_util"`
	WallSec       float64 `json:"wall_sec"`
}

// MemoryRecord is one server's memory per key after loading Keys keys.
type MemoryRecord struct {
	Server          string  `json:"server"`
	Status          string  `json:"status"`
	Note            string  `json:"note,omitempty"`
	Keys            int     `json:"keys"`
	KeyBytes        int     `json:"key_bytes"`
	ValueBytes      int     `json:"value_bytes"`
	RSSBefore       uint64  `json:"rss_before"`
	RSSAfter        uint64  `json:"rss_after"`
	RSSPerKey       float64 `json:"rss_per_key"`
	UsedMemBefore   uint64  `json:"used_memory_before,omitempty"`
	UsedMemAfter    uint64  `json:"used_memory_after,omitempty"`
	UsedMemPerKey   float64 `json:"used_memory_per_key,omitempty"` // 0: INFO has no used_memory
	LoadSeconds     float64 `json:"load_seconds"`
	ServerCPUSecond float64 `json:"server_cpu_sec"`
}

// Results is everything one darner-bench invocation measured; it is
// written as benchmarks/results/<date>-<host>.json.
type Results struct {
	Schema     int       `json:"schema"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	Host       HostInfo  `json:"host"`
	Mode       string    `json:"mode"` // "lab" or "unpinned"
	ModeNote   string    `json:"mode_note"`
	ServerCPUs string    `json:"server_cpus"` // taskset list, "" when unpinned
	ClientCPUs string    `json:"client_cpus"`
	// CPUs the server and the load generator may use (both NumCPU when
	// unpinned); used to tell a client-bound run from a server-bound one.
	ServerCPUCount int               `json:"server_cpu_count"`
	ClientCPUCount int               `json:"client_cpu_count"`
	Duration       string            `json:"duration"` // per run
	Rounds         int               `json:"rounds"`
	ToolChoice     string            `json:"tool_choice"`    // --tool
	Tools          map[string]string `json:"tools"`          // tool → version ("" = not installed)
	Servers        map[string]string `json:"servers"`        // server → version or binary description
	Command        []string          `json:"command"`        // darner-bench's own argv
	Note           string            `json:"note,omitempty"` // -note: what the person running it wants said
	// 1-minute load averages before and after: well above the CPUs the
	// run itself keeps busy, other work shared the machine.
	LoadAvgStart float64           `json:"loadavg_start"`
	LoadAvgEnd   float64           `json:"loadavg_end"`
	Workloads    []Workload        `json:"workloads"`
	Runs         []RunRecord       `json:"runs"`
	Memory       []MemoryRecord    `json:"memory,omitempty"`
	Summary      []WorkloadSummary `json:"summary"`
}

// ServerSummary is one server's figures for one workload over the rounds.
type ServerSummary struct {
	Server        string `json:"server"`
	Tool          string `json:"tool"`
	Status        string `json:"status"` // ok if any round was ok, else the last round's status
	Note          string `json:"note,omitempty"`
	Rounds        int    `json:"rounds_ok"`
	OpsPerSec     Spread `json:"ops_per_sec"`
	P50Ms         Spread `json:"p50_ms"`
	P99Ms         Spread `json:"p99_ms"`
	P999Ms        Spread `json:"p999_ms"`
	CPUPerOpUs    Spread `json:"cpu_per_op_us"`
	ServerCPUUtil Spread `json:"server_cpu_util"`
	ClientCPUUtil Spread `json:"client_cpu_util"`
}

// Ratio is darner's figure over another server's, paired round by round.
type Ratio struct {
	Other      string `json:"other"`
	OpsPerSec  Spread `json:"ops_per_sec"`
	P99Ms      Spread `json:"p99_ms"`
	P999Ms     Spread `json:"p999_ms"`
	CPUPerOpUs Spread `json:"cpu_per_op_us"`
}

// WorkloadSummary is one table of the report.
type WorkloadSummary struct {
	Suite    string          `json:"suite"`
	Workload string          `json:"workload"`
	Title    string          `json:"title"`
	Servers  []ServerSummary `json:"servers"`
	Ratios   []Ratio         `json:"ratios"` // darner / each other server
}

// Summarize groups runs by workload (in first-seen order) and server and
// computes medians, spreads and darner/other ratios. Ratios pair round i
// of darner with round i of the other server, so slow drift of the machine
// over the run cancels out; rounds where either side is not ok are left
// out of the pairing.
func Summarize(runs []RunRecord, titles map[string]string) []WorkloadSummary {
	var order []string
	byW := map[string][]RunRecord{}
	for _, r := range runs {
		if _, ok := byW[r.Workload]; !ok {
			order = append(order, r.Workload)
		}
		byW[r.Workload] = append(byW[r.Workload], r)
	}
	var out []WorkloadSummary
	for _, w := range order {
		rs := byW[w]
		ws := WorkloadSummary{Suite: rs[0].Suite, Workload: w, Title: titles[w]}
		var servers []string
		maxRound := 0
		for _, r := range rs {
			if !contains(servers, r.Server) {
				servers = append(servers, r.Server)
			}
			maxRound = max(maxRound, r.Round)
		}
		// per server, per round (NaN where not ok)
		series := map[string]map[string][]float64{}
		for _, s := range servers {
			ss := ServerSummary{Server: s}
			get := func(f func(RunRecord) float64) []float64 {
				v := make([]float64, maxRound+1)
				for i := range v {
					v[i] = math.NaN()
				}
				for _, r := range rs {
					if r.Server == s && r.Status == StatusOK {
						v[r.Round] = f(r)
					}
				}
				return v
			}
			for _, r := range rs {
				if r.Server != s {
					continue
				}
				ss.Tool = r.Tool
				if r.Status == StatusOK {
					ss.Rounds++
				} else if ss.Status != StatusOK {
					ss.Status, ss.Note = r.Status, r.Note
				}
				if r.Status == StatusOK {
					ss.Status = StatusOK
				}
			}
			series[s] = map[string][]float64{
				"ops":  get(func(r RunRecord) float64 { return r.OpsPerSec }),
				"p50":  get(func(r RunRecord) float64 { return r.P50Ms }),
				"p99":  get(func(r RunRecord) float64 { return r.P99Ms }),
				"p999": get(func(r RunRecord) float64 { return r.P999Ms }),
				"cpu":  get(func(r RunRecord) float64 { return r.CPUPerOpUs }),
				"su":   get(func(r RunRecord) float64 { return r.ServerCPUUtil }),
				"cu":   get(func(r RunRecord) float64 { return r.ClientCPUUtil }),
			}
			m := series[s]
			ss.OpsPerSec, ss.P50Ms, ss.P99Ms, ss.P999Ms = SpreadOf(m["ops"]), SpreadOf(m["p50"]), SpreadOf(m["p99"]), SpreadOf(m["p999"])
			ss.CPUPerOpUs, ss.ServerCPUUtil, ss.ClientCPUUtil = SpreadOf(m["cpu"]), SpreadOf(m["su"]), SpreadOf(m["cu"])
			ws.Servers = append(ws.Servers, ss)
		}
		if d, ok := series[Darner]; ok {
			for _, s := range servers {
				if s == Darner {
					continue
				}
				o := series[s]
				ws.Ratios = append(ws.Ratios, Ratio{Other: s,
					OpsPerSec: RatioSpread(d["ops"], o["ops"]), P99Ms: RatioSpread(d["p99"], o["p99"]),
					P999Ms: RatioSpread(d["p999"], o["p999"]), CPUPerOpUs: RatioSpread(d["cpu"], o["cpu"])})
			}
		}
		out = append(out, ws)
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// ResultsBaseName is "<UTC date and time>-<host>", the file name stem of a
// run's JSON and SVG (host sanitised for a file name).
func ResultsBaseName(t time.Time, host string) string {
	h := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, host)
	if h == "" {
		h = "host"
	}
	return t.UTC().Format("2006-01-02T150405Z") + "-" + h
}

// WriteJSON writes res indented to path (creating its directory) through a
// temporary file and a rename, so a crash never leaves half a file.
func WriteJSON(path string, res *Results) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadJSON reads a results file back (for re-rendering tables and charts).
func ReadJSON(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// human formats a rate with thousands separators: 1234567 → "1,234,567".
func human(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func kilo(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// WriteTables prints one table per workload summary: per server the
// median ops/s with its min–max over rounds, median p50/p99/p99.9, server
// CPU per operation and the server's and client's CPU use; then darner's
// ratios to each other server with their spread.
func WriteTables(w io.Writer, res *Results) {
	fmt.Fprintf(w, "darner-bench  %s  host %s  kernel %s  %s (%d CPUs)\n", res.Started.UTC().Format(time.RFC3339),
		res.Host.Host, res.Host.Kernel, res.Host.CPUModel, res.Host.NumCPU)
	fmt.Fprintf(w, "mode %s: %s\n", res.Mode, res.ModeNote)
	if res.Note != "" {
		fmt.Fprintf(w, "note: %s\n", res.Note)
	}
	if busy := float64(res.ServerCPUCount + res.ClientCPUCount); busy > 0 && max(res.LoadAvgStart, res.LoadAvgEnd) > busy+1 {
		fmt.Fprintf(w, "WARNING: load average %.1f at start, %.1f at end: other work shared the machine, the numbers are distorted\n",
			res.LoadAvgStart, res.LoadAvgEnd)
	}
	fmt.Fprintf(w, "%d round(s) of %s per workload and server, servers interleaved within each round; figures are medians over rounds, (min–max) in brackets\n", res.Rounds, res.Duration)
	for _, s := range res.Summary {
		fmt.Fprintf(w, "\n== %s: %s\n", s.Workload, s.Title)
		fmt.Fprintf(w, "%-10s %-18s %-26s %8s %8s %9s %11s %8s %8s\n", "server", "tool", "ops/s (min–max)", "p50 ms", "p99 ms", "p99.9 ms", "CPU/op µs", "srv CPU", "cli CPU")
		for _, ss := range s.Servers {
			if ss.Status != StatusOK {
				fmt.Fprintf(w, "%-10s %-18s %s: %s\n", ss.Server, ss.Tool, ss.Status, shortNote(ss.Note))
				continue
			}
			ops := fmt.Sprintf("%s (%s–%s)", human(ss.OpsPerSec.Median), kilo(ss.OpsPerSec.Min), kilo(ss.OpsPerSec.Max))
			fmt.Fprintf(w, "%-10s %-18s %-26s %8.3f %8.3f %9.3f %11.2f %7.0f%% %7.0f%%\n", ss.Server, ss.Tool, ops,
				ss.P50Ms.Median, ss.P99Ms.Median, ss.P999Ms.Median, ss.CPUPerOpUs.Median,
				ss.ServerCPUUtil.Median*100, ss.ClientCPUUtil.Median*100)
		}
		for _, r := range s.Ratios {
			if r.OpsPerSec.N == 0 {
				continue
			}
			fmt.Fprintf(w, "darner/%-9s ops/s %s  p99 %s  p99.9 %s  CPU/op %s   (over %d paired rounds; >1 is better for ops/s, <1 for latency and CPU/op)\n",
				r.Other, ratioText(r.OpsPerSec), ratioText(r.P99Ms), ratioText(r.P999Ms), ratioText(r.CPUPerOpUs), r.OpsPerSec.N)
		}
		for _, ss := range s.Servers {
			if ss.Status == StatusOK && ClientBound(ss, res.ServerCPUCount, res.ClientCPUCount) {
				fmt.Fprintf(w, "note: %s was client-bound (load generator at %.0f%% CPU, server at %.0f%%): ops/s measure the client here; compare CPU/op\n",
					ss.Server, ss.ClientCPUUtil.Median*100, ss.ServerCPUUtil.Median*100)
			}
		}
	}
	if len(res.Summary) > 0 {
		fmt.Fprint(w, "\nops/s and latencies are the load tool's; p99.9 is exact to 1% from go-loadgen and memtier_benchmark, and from redis-benchmark\n"+
			"it is the first percentile ≥ 99.9% of its latency distribution. CPU/op is the server's utime+stime (all threads) over the run\n"+
			"divided by the operations; srv/cli CPU is CPU time per wall second (100% = one core busy).\n")
	}
	if len(res.Memory) > 0 {
		fmt.Fprintf(w, "\n== memory per key\n%-10s %10s %8s %14s %14s %16s %s\n", "server", "keys", "value B", "RSS after MiB", "RSS B/key", "used_memory B/key", "load s")
		for _, m := range res.Memory {
			if m.Status != StatusOK {
				fmt.Fprintf(w, "%-10s %s: %s\n", m.Server, m.Status, m.Note)
				continue
			}
			um := "n/a"
			if m.UsedMemPerKey > 0 {
				um = fmt.Sprintf("%.1f", m.UsedMemPerKey)
			}
			fmt.Fprintf(w, "%-10s %10d %8d %14.1f %14.1f %16s %.1f\n", m.Server, m.Keys, m.ValueBytes,
				float64(m.RSSAfter)/(1<<20), m.RSSPerKey, um, m.LoadSeconds)
		}
	}
}

func ratioText(s Spread) string {
	if s.N == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", s.Median, s.Min, s.Max)
}

// ClientBound reports a run whose load generator used at least 90% of its
// CPUs while the server used less than 90% of what it can use (one CPU for
// single-threaded redis-server, all its CPUs otherwise): its ops/s then
// measure the client, and CPU per operation is the figure to compare.
func ClientBound(ss ServerSummary, serverCPUs, clientCPUs int) bool {
	can := float64(max(1, serverCPUs))
	if ss.Server == Redis {
		can = 1
	}
	return ss.ClientCPUUtil.Median >= 0.9*float64(max(1, clientCPUs)) && ss.ServerCPUUtil.Median < 0.9*can
}

// shortNote trims a server's error text for a table row (the JSON keeps
// all of it): Redis's ", with args beginning with: ..." and anything past
// 100 characters go.
func shortNote(n string) string {
	if i := strings.Index(n, ", with args beginning with"); i > 0 {
		n = n[:i]
	}
	if r := []rune(n); len(r) > 100 {
		n = string(r[:100]) + "…"
	}
	return n
}
