// Package proto holds darner's wire protocols: the incremental RESP2/RESP3
// request parser (multibulk and inline), the append-style RESP reply writers,
// and the Memcached text and meta protocol parser and reply writers.
//
// proto is pure code: it imports nothing of darner's (not engine, not ring),
// does no I/O and keeps no global state. Parsers return sub-slices of the
// caller's buffer; they stay valid until the caller reuses or compacts that
// buffer. Hot paths (parse a pipelined batch, write its replies) do not
// allocate in steady state.
package proto
