// Package engine is darner's data plane: the per-shard keyspace (dashtable,
// arenas, expiry), the value types, the declarative command table and the
// command handlers.
//
// Ownership: a *Shard and everything reachable from it (databases, arenas,
// counters) belongs to exactly one shard thread; only that thread may touch
// it. engine never does I/O, never starts goroutines and never blocks; it
// imports proto's public reply writers but neither ring nor cmd.
package engine
