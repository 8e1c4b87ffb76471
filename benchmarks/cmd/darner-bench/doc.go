// Command darner-bench benchmarks darner against redis-server (and
// memcached for the Memcached protocol) on the same CPUs with the same
// load, and writes tables, a JSON record and an SVG chart.
//
// It starts each server fresh for every run, pins it (lab mode: the server
// on the first half of the CPUs, the load generator on the rest), preloads
// the keyspace, checks the server supports the workload, drives it with
// memtier_benchmark, redis-benchmark or the built-in Go load generator for
// a bounded time, and measures the server's CPU time over the run. Servers
// are interleaved within each round (darner, redis, darner, redis, ...) so
// that drift of the machine hits both alike.
//
// Usage: go run ./benchmarks/cmd/darner-bench [flags]; -h lists them.
// See benchmarks/README.md.
//
// Processes: the driver runs on one goroutine and owns every server it
// starts (one at a time; each dies with the driver through PDEATHSIG); the
// load runs in child processes ("darner-bench loadgen", memtier_benchmark or
// redis-benchmark) pinned to the client CPUs. The driver itself is not
// pinned; it preloads before the measured window and only waits during it.
package main
