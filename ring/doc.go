// Package ring runs darner's shards: one goroutine per shard, locked to its
// OS thread and pinned to one CPU, each with its own event loop (io_uring
// through giouring, or epoll), its own listening socket (SO_REUSEPORT), its
// connections, and the SPSC rings over which shards send each other hops.
//
// ring is the connection layer: it parses requests with proto, looks
// commands up in engine's table, runs them on the owning shard (inline or
// by a hop) and sends the replies in command order. giouring is used only
// behind this package's own small poller interface (poller.go, uring.go).
//
// Threads and ownership: a shard's poller, engine.Shard, connections,
// buffers and hop pool belong to its own thread; nothing in a shard is
// locked. Other goroutines touch a shard only through its SPSC rings (a hop
// belongs to its origin shard and is lent to the target between the push
// and its return), its eventfd and its atomic "sleeping" flag. Memory the
// kernel writes after a submit (recv buffers) is mmap'd, never Go heap.
// Server's exported methods may be called from any goroutine.
//
// docs/ring.md describes the loop, the wake protocol and the numbers.
package ring
