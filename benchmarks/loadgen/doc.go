// Package loadgen is darner-bench's own load generator: a closed-loop,
// pipelined client for the Redis protocol (RESP2) and the Memcached text
// protocol, written on raw TCP sockets, with a log-linear latency histogram
// precise to under 1% (so p99.9 is exact to the histogram's resolution,
// which redis-benchmark's CSV output cannot give).
//
// It is black-box: it imports nothing of darner's, so the same bytes go to
// darner, redis-server and memcached.
//
// Threads: Run starts one goroutine per connection; each goroutine owns its
// connection, its buffers and its Histogram, and hands the Histogram back
// only when it has stopped, so nothing on the hot path is shared except one
// atomic operation counter per batch. Run must not be called concurrently
// with itself in one process if the results are to mean anything (the load
// generator would compete with itself for the CPU).
//
// Bounds: every Run stops at its Duration and at MaxOps, whichever comes
// first, and every socket read and write carries a deadline.
package loadgen
