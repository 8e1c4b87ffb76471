// Package ring runs darner's shards: one goroutine per shard, locked to its
// OS thread and pinned to one CPU, each with its own event loop (io_uring
// through giouring, or epoll), its own listening socket (SO_REUSEPORT), its
// connections, and the SPSC rings over which shards send each other hops.
//
// ring is the connection layer: it parses requests with proto, looks
// commands up in engine's table, runs them on the owning shard (inline or
// by a hop) and sends the replies in command order. giouring is used only
// behind this package's own small poller interface.
package ring
