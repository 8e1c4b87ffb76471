// Package harness holds the pure parts of darner-bench, the benchmark
// driver in benchmarks/cmd/darner-bench: the workload table and how each
// load tool expresses a workload, parsers for memtier_benchmark's JSON and
// redis-benchmark's output, /proc readers for a server's CPU time and RSS,
// the statistics over rounds (medians, darner/other ratios and their
// min–max spread), and the writers for the results JSON, the text tables
// and the SVG chart.
//
// Nothing here starts a process or opens a socket, so `go test
// ./benchmarks/...` needs no server. Every function is safe to call from
// any goroutine; values returned are owned by the caller.
package harness
