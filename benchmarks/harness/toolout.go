package harness

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Measure is what one load-tool run reports, whatever the tool. Latencies
// are in milliseconds; P999Note says how p99.9 was obtained when the tool
// does not report it directly.
type Measure struct {
	Ops       uint64  `json:"ops"`
	Seconds   float64 `json:"seconds"`
	OpsPerSec float64 `json:"ops_per_sec"`
	AvgMs     float64 `json:"avg_ms"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	P999Ms    float64 `json:"p999_ms"`
	MaxMs     float64 `json:"max_ms"`
	P999Note  string  `json:"p999_note,omitempty"`
}

// ParseMemtierJSON reads the file memtier_benchmark writes with
// --json-out-file and returns the "ALL STATS" → "Totals" figures. It needs
// --print-percentiles to include 50, 99 and 99.9 (keys "p50.00",
// "p99.00", "p99.90"). Ops is "Count" when present (memtier ≥ 2.0), else
// Ops/sec × the run's duration.
func ParseMemtierJSON(b []byte) (Measure, error) {
	var doc struct {
		RunInfo  map[string]any `json:"run information"`
		AllStats struct {
			Runtime struct {
				TotalDuration float64 `json:"Total duration"`
			} `json:"Runtime"`
			Totals *struct {
				Count       *float64       `json:"Count"`
				OpsSec      float64        `json:"Ops/sec"`
				Latency     float64        `json:"Latency"`
				AvgLatency  *float64       `json:"Average Latency"`
				MaxLatency  float64        `json:"Max Latency"`
				Percentiles map[string]any `json:"Percentile Latencies"`
			} `json:"Totals"`
		} `json:"ALL STATS"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Measure{}, fmt.Errorf("harness: memtier json: %w", err)
	}
	t := doc.AllStats.Totals
	if t == nil {
		return Measure{}, fmt.Errorf("harness: memtier json: no \"ALL STATS\".Totals")
	}
	var m Measure
	m.AvgMs = t.Latency
	if t.AvgLatency != nil {
		m.AvgMs = *t.AvgLatency
	}
	m.MaxMs = t.MaxLatency
	pct := func(key string) (float64, error) {
		v, ok := t.Percentiles[key]
		if !ok {
			return 0, fmt.Errorf("harness: memtier json: no %q percentile (run with --print-percentiles=50,99,99.9)", key)
		}
		f, ok := v.(float64)
		if !ok {
			return 0, fmt.Errorf("harness: memtier json: percentile %q is %T", key, v)
		}
		return f, nil
	}
	var err error
	if m.P50Ms, err = pct("p50.00"); err != nil {
		return Measure{}, err
	}
	if m.P99Ms, err = pct("p99.00"); err != nil {
		return Measure{}, err
	}
	if m.P999Ms, err = pct("p99.90"); err != nil {
		return Measure{}, err
	}
	secs := 0.0
	if v, ok := doc.RunInfo["Actual benchmark duration (seconds)"].(float64); ok && v > 0 {
		secs = v
	} else if d := doc.AllStats.Runtime.TotalDuration; d > 0 {
		secs = d / 1000
	}
	m.Seconds = secs
	m.OpsPerSec = t.OpsSec
	switch {
	case t.Count != nil:
		m.Ops = uint64(*t.Count)
	case secs > 0:
		m.Ops = uint64(t.OpsSec*secs + 0.5)
	}
	if m.OpsPerSec == 0 && secs > 0 {
		m.OpsPerSec = float64(m.Ops) / secs
	}
	if m.Ops == 0 && m.OpsPerSec == 0 {
		return Measure{}, fmt.Errorf("harness: memtier json: no operations")
	}
	return m, nil
}

var (
	rbSection   = regexp.MustCompile(`====== (.+?) ======`)
	rbCompleted = regexp.MustCompile(`(\d+) requests completed in ([0-9.]+) seconds`)
	rbPercent   = regexp.MustCompile(`(?m)^([0-9.]+)% <= ([0-9.]+) milliseconds`)
	rbRPS       = regexp.MustCompile(`throughput summary: ([0-9.]+) requests per second`)
	rbSummary   = regexp.MustCompile(`(?s)latency summary \(msec\):\s*\n\s*avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([0-9. ]+)`)
)

// RBResult is one test of a redis-benchmark run.
type RBResult struct {
	Test string
	Measure
	MinMs, P95Ms float64
}

// ParseRedisBenchmark parses redis-benchmark 7's default (non-CSV) output
// run with --precision 3: one RBResult per "====== TEST ======" section.
// p99.9 comes from the section's "Latency by percentile distribution"
// (HdrHistogram percentile iteration): the first listed percentile at or
// above 99.9%, an upper bound within one histogram step. Output that is
// CSV (--csv) is parsed by ParseRedisBenchmarkCSV instead, automatically.
func ParseRedisBenchmark(out string) ([]RBResult, error) {
	if strings.HasPrefix(strings.TrimSpace(out), `"test",`) {
		return ParseRedisBenchmarkCSV(out)
	}
	locs := rbSection.FindAllStringSubmatchIndex(out, -1)
	if len(locs) == 0 {
		return nil, fmt.Errorf("harness: redis-benchmark: no \"====== TEST ======\" section in output: %.200q", out)
	}
	var res []RBResult
	for i, loc := range locs {
		end := len(out)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		sec := out[loc[1]:end]
		r := RBResult{Test: out[loc[2]:loc[3]]}
		if m := rbCompleted.FindStringSubmatch(sec); m != nil {
			r.Ops, _ = strconv.ParseUint(m[1], 10, 64)
			r.Seconds, _ = strconv.ParseFloat(m[2], 64)
		}
		m := rbRPS.FindStringSubmatch(sec)
		if m == nil {
			return nil, fmt.Errorf("harness: redis-benchmark %s: no throughput summary", r.Test)
		}
		r.OpsPerSec, _ = strconv.ParseFloat(m[1], 64)
		s := rbSummary.FindStringSubmatch(sec)
		if s == nil {
			return nil, fmt.Errorf("harness: redis-benchmark %s: no latency summary (redis-benchmark < 7?)", r.Test)
		}
		f := strings.Fields(s[1])
		if len(f) < 6 {
			return nil, fmt.Errorf("harness: redis-benchmark %s: latency summary %q", r.Test, s[1])
		}
		v := make([]float64, 6)
		for j := range v {
			v[j], _ = strconv.ParseFloat(f[j], 64)
		}
		r.AvgMs, r.MinMs, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs = v[0], v[1], v[2], v[3], v[4], v[5]
		for _, p := range rbPercent.FindAllStringSubmatch(sec, -1) {
			q, _ := strconv.ParseFloat(p[1], 64)
			if q >= 99.9 {
				r.P999Ms, _ = strconv.ParseFloat(p[2], 64)
				r.P999Note = "redis-benchmark percentile distribution: value at " + p[1] + "%"
				break
			}
		}
		if r.P999Note == "" {
			r.P999Ms = r.MaxMs
			r.P999Note = "redis-benchmark gave no percentile ≥ 99.9%: max latency"
		}
		res = append(res, r)
	}
	return res, nil
}

// ParseRedisBenchmarkCSV parses redis-benchmark 7's --csv output, whose
// header is "test","rps","avg_latency_ms","min_latency_ms",
// "p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms".
// The CSV carries no p99.9 and no request count: P999Ms is 0 (P999Note
// says so) and Ops is 0.
func ParseRedisBenchmarkCSV(out string) ([]RBResult, error) {
	rd := csv.NewReader(strings.NewReader(strings.TrimSpace(out)))
	rows, err := rd.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("harness: redis-benchmark csv: %w", err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("harness: redis-benchmark csv: no rows")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	need := []string{"test", "rps", "avg_latency_ms", "min_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms", "max_latency_ms"}
	for _, n := range need {
		if _, ok := col[n]; !ok {
			return nil, fmt.Errorf("harness: redis-benchmark csv: no column %q", n)
		}
	}
	var res []RBResult
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) {
			return nil, fmt.Errorf("harness: redis-benchmark csv: row %q", row)
		}
		num := func(n string) float64 {
			v, _ := strconv.ParseFloat(row[col[n]], 64)
			return v
		}
		r := RBResult{Test: row[col["test"]]}
		r.OpsPerSec, r.AvgMs, r.MinMs = num("rps"), num("avg_latency_ms"), num("min_latency_ms")
		r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs = num("p50_latency_ms"), num("p95_latency_ms"), num("p99_latency_ms"), num("max_latency_ms")
		r.P999Note = "not in redis-benchmark --csv output"
		res = append(res, r)
	}
	return res, nil
}

// ParseVersion extracts the first dotted version number from a tool's
// --version output ("redis-benchmark 7.0.15" → "7.0.15", "darner version
// 0.1.0-dev" → "0.1.0-dev").
func ParseVersion(out string) string {
	m := regexp.MustCompile(`\d+\.\d+(\.\d+)?(-[0-9A-Za-z.]+)?`).FindString(out)
	if m == "" {
		return strings.TrimSpace(out)
	}
	return m
}
