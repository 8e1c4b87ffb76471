package engine

import (
	"sync/atomic"
)

// --maxmemory: refusing writes when the keyspace is full (Redis's
// maxmemory-policy noeviction), and the memory figure it is checked
// against. docs/memory.md has the whole story; in short:
//
// What counts: the sum over all shards of Shard.UsedBytes (records,
// dashtable segments and directories, collections' reported bytes), the
// memory the keyspace owns. INFO's used_memory adds the Go heap
// (connection buffers, command tables) on top; that part is not data and
// is not limited, so a tiny maxmemory does not lock a fresh server.
//
// How the limit applies across shards: globally, as in Redis. Each shard
// publishes its UsedBytes into one server-wide atomic sum (Server.mem)
// after its writes, but only once its unpublished change reaches a step
// of maxmemory/(64·shards), capped at 64 KB (at maxmemory 1 every change
// is published): the sum is within 1/64 of maxmemory of the truth and is
// written about once per 64 KB of churn, so the shards do not fight over
// its cache line. Every hz tick publishes the exact figure. (--cache_mode
// eviction, evict.go, is per shard instead: each shard keeps itself under
// maxmemory/shards, as Dragonfly does, because a shard can only evict its
// own keys.)
//
// The check: a command flagged denyoom (or, as Redis, any command but
// EXEC/DISCARD/QUIT/RESET inside MULTI, and EXEC when its queue holds a
// denyoom command) is refused with ErrOOM while the sum is above
// maxmemory (with eviction on, evict.go: above it by more than the
// accounting's error, i.e. when evicting could not make room). It is one flag test plus, only for those commands, two
// atomic loads and a comparison on the coordinator before the command is
// routed; it allocates nothing. Memcached storage commands answer
// MCErrOOM on the shard that owns the key.

// ErrOOM is Redis's reply to a denyoom command over maxmemory.
const ErrOOM = "OOM command not allowed when used memory > 'maxmemory'."

// MCErrOOM is memcached's reply to a storage command when it cannot get
// memory for the item.
const MCErrOOM = "SERVER_ERROR out of memory storing object\r\n"

// serverMem is the server-wide part of the accounting. used sits on a
// cache line of its own: the shards add to it, every denyoom command on
// every shard reads it.
type serverMem struct {
	_    [64]byte
	used atomic.Int64 // sum of the shards' published UsedBytes
	_    [56]byte
	// cacheMode is --cache_mode (evict.go); read by shard threads.
	cacheMode atomic.Bool
}

// shardMem is a shard's part (shard thread only).
type shardMem struct {
	pub  int64   // UsedBytes as last added to serverMem.used
	cur  int64   // the sum of seen: the shard's UsedBytes as last noted
	seen []int64 // each DB's UsedBytes as last noted
	// exact makes publishStep publish any change (publishMemory).
	exact bool
	// share is maxmemory/shards for maxmemory limFor (evict.go).
	share, limFor int64
}

// publishStepMax caps the change a shard keeps unpublished.
const publishStepMax = 64 << 10

// UsedMemory is the keyspace's memory as the shards last published it
// (what --maxmemory is compared with). Any goroutine.
func (srv *Server) UsedMemory() int64 { return srv.mem.used.Load() }

// OverMaxMemory reports whether maxmemory is set and the published used
// memory is above it. Any goroutine; no allocation.
func (srv *Server) OverMaxMemory() bool {
	lim := srv.Config().MaxMemory()
	return lim > 0 && srv.mem.used.Load() > lim
}

// outOfMemory is Redis's out_of_memory: over maxmemory and, when eviction
// is on, still over it by more than the accounting's error although the
// shards evict after every write (they have nothing left to evict, or one
// huge value fills the shard alone).
func (srv *Server) outOfMemory() bool {
	lim := srv.Config().MaxMemory()
	if lim <= 0 {
		return false
	}
	used := srv.mem.used.Load()
	if used <= lim {
		return false
	}
	if srv.evictMode() != evictNone {
		return used > lim+min(lim/64, int64(max(srv.NumShards, 1))*publishStepMax)
	}
	return true
}

// RejectOOM reports whether the dispatcher must answer ErrOOM instead of
// queueing or running cmd for sess (nil: no session), following Redis's
// processCommand: over maxmemory, denyoom commands are refused; inside
// MULTI every command but EXEC, DISCARD, QUIT and RESET is (queueing
// costs memory too) and marks the transaction dirty; EXEC is refused
// (EXECABORT, see Session.RejectExec) when a queued command is denyoom.
func (srv *Server) RejectOOM(sess *Session, cmd *Command) bool {
	inMulti := sess != nil && sess.InMulti
	if cmd.Flags&FlagDenyOOM == 0 && !inMulti {
		return false // reads and non-denyoom writes: the hot path ends here
	}
	if !srv.outOfMemory() {
		return false
	}
	if !inMulti {
		return cmd.Flags&FlagDenyOOM != 0
	}
	switch cmd.Name {
	case "exec":
		for _, q := range sess.Queue {
			if q.Cmd.Flags&FlagDenyOOM != 0 {
				return true
			}
		}
		return false
	case "discard", "quit", "reset":
		return false
	}
	return true
}

// NoteMemoryDB notes database db's memory after a command that wrote to
// it and publishes the shard's change once it reaches the step (see the
// comment at the top of this file). A handful of loads; no allocation.
// The dispatcher calls it through AfterWrite; memcached commands call it
// themselves. Shard thread only.
func (s *Shard) NoteMemoryDB(db int) {
	m := &s.mem
	if db < 0 || db >= len(m.seen) {
		return
	}
	u := s.DBs[db].UsedBytes()
	d := u - m.seen[db]
	if d == 0 {
		return
	}
	m.seen[db] = u
	m.cur += d
	s.publishStep()
}

// NoteMemory is NoteMemoryDB for every database (after tx phases, which
// may touch several: FLUSHALL, SWAPDB, MOVE inside EXEC).
func (s *Shard) NoteMemory() {
	m := &s.mem
	if len(m.seen) == 0 {
		return
	}
	for i, db := range s.DBs {
		u := db.UsedBytes()
		m.cur += u - m.seen[i]
		m.seen[i] = u
	}
	s.publishStep()
}

func (s *Shard) publishStep() {
	m := &s.mem
	p := m.cur - m.pub
	if p == 0 {
		return
	}
	if !m.exact {
		// The step follows CONFIG SET maxmemory at once: a few loads of
		// read-mostly memory, only for writes that changed the size.
		step := int64(publishStepMax)
		if lim := s.Server.Config().MaxMemory(); lim > 0 {
			step = min(step, lim/int64(64*max(s.Server.NumShards, 1)))
		}
		if p < step && -p < step {
			return
		}
	}
	m.pub += p
	s.Server.mem.used.Add(p)
}

// publishMemory recounts every database and publishes the shard's exact
// UsedBytes (every Tick, and at start-up).
func (s *Shard) publishMemory() {
	if s.Server == nil {
		return
	}
	m := &s.mem
	if len(m.seen) != len(s.DBs) {
		m.seen = make([]int64, len(s.DBs))
		m.cur = 0
	}
	m.exact = true
	s.NoteMemory()
	m.exact = false
}

// unpublishMemory takes the shard's share out of the sum (Close).
func (s *Shard) unpublishMemory() {
	if s.Server != nil && s.mem.pub != 0 {
		s.Server.mem.used.Add(-s.mem.pub)
		s.mem.pub = 0
	}
}

// ParseMemory parses a byte count with Redis's units (1k = 1000, 1kb =
// 1024, m/mb, g/gb; case-insensitive), as maxmemory and --maxmemory
// accept it.
func ParseMemory(s string) (int64, bool) { return parseMemory(s) }

// admitWrite reports whether a write that allocates (a memcached store)
// may go ahead on this shard: not over maxmemory, or eviction can make
// room (evict.go). Shard thread only.
func (s *Shard) admitWrite(now int64) bool {
	return s.Server == nil || !s.Server.outOfMemory()
}

// SetCacheMode turns --cache_mode on or off (evict.go). Any goroutine.
func (srv *Server) SetCacheMode(on bool) { srv.mem.cacheMode.Store(on) }

// CacheMode reports --cache_mode.
func (srv *Server) CacheMode() bool { return srv.mem.cacheMode.Load() }
