package engine

// Shard is one shard's slice of the keyspace and its counters. It belongs
// to exactly one shard thread: only that thread may read or write it.
type Shard struct {
	ID     int // 0..NumShards-1
	NumDBs int

	// DBs are the shard's databases (SELECT index). They share Arena and
	// Objects, so a value view returned by any of them stays valid only
	// until the next mutation of any of them.
	DBs     []*DB
	Arena   *Arena       // keys, values and dashtable segments, off the Go heap
	Objects *ObjectStore // large collections (EncObject values)
	Stats   ShardStats   // counters; written by the shard thread only
	MC      MCShard      // memcached protocol state and counters (memcache.go)

	// Server is the server the shard belongs to (read-only).
	Server *Server

	// watches: key hash → connections watching it (watch.go).
	watches map[uint64][]watchEntry
	// blocked: key hash → clients blocked on it, FIFO (blocking.go);
	// readyKeys are keys written inside EXEC, served at its end.
	blocked    map[uint64][]blockWaiter
	deferServe bool
	readyKeys  []readyKey
	// OnServed is set by the runtime: it hands a Blocker this shard
	// served (or wants retried) to the client's coordinator.
	OnServed func(b *Blocker)
	// Clock is the runtime's current time (unix ms) for work the shard
	// does outside a command (serving blocked clients after a write).
	Clock int64

	// slowlog is the shard's slow log (server_cmds.go); shard thread only.
	slowlog slowlog
	// latency is the shard's latency monitor (latency.go); shard thread
	// only, nil until the first sample.
	latency latencyMonitor

	// ClientInfos and KillClients are set by the runtime: they list (appending
	// to dst) or close (returning how many) this shard's connections that
	// f selects, on the shard's thread (CLIENT LIST/INFO/KILL, client.go).
	ClientInfos func(dst []ClientInfo) []ClientInfo
	KillClients func(f *ClientFilter) int

	// background is a snapshot's bounded step (persist_cmds.go).
	background func() bool

	expireDB int // the database the next Tick's expiry sweep starts with
	evictDB  int // the database Evict takes its next key from

	mem shardMem // --maxmemory accounting (maxmemory.go)
}

// ShardConfig configures a new shard.
type ShardConfig struct {
	ID     int
	NumDBs int // --dbnum; 16 when zero
	Node   int // NUMA node the shard's memory is bound to (-1: none)
	Server *Server
}

// NewShard creates a shard. Call it on the shard's own thread so that its
// memory is first touched (and NUMA-placed) there.
func NewShard(cfg ShardConfig) *Shard {
	if cfg.NumDBs <= 0 {
		cfg.NumDBs = 16
	}
	s := &Shard{ID: cfg.ID, NumDBs: cfg.NumDBs, Server: cfg.Server, Arena: NewArena(cfg.Node), Objects: NewObjectStore()}
	s.DBs = make([]*DB, cfg.NumDBs)
	for i := range s.DBs {
		s.DBs[i] = NewDB(DBConfig{Arena: s.Arena, Objects: s.Objects, Node: cfg.Node})
		s.DBs[i].shardStats = &s.Stats
	}
	s.publishMemory()
	return s
}

// Tick is called by the shard's event loop on every hz tick (from the
// loop's own timer, on the shard thread) with the wall clock in unix ms.
// It runs bounded background work: the active expiry sweep of every
// database with deadlines, each with its DB.ExpireBudget at the
// configured active-expire-effort.
func (s *Shard) Tick(nowMs int64) {
	s.mcTick(nowMs) // a delayed memcached flush_all that is due (memcache.go)
	s.Stats.sampleOps(nowMs)
	if len(s.watches) > 0 {
		s.pruneWatches()
	}
	if len(s.blocked) > 0 {
		s.pruneBlocked()
	}
	effort := 1
	if s.Server != nil {
		effort = s.Server.Config().ActiveExpireEffort()
	}
	for range s.DBs {
		db := s.DBs[s.expireDB]
		s.expireDB++
		if s.expireDB == len(s.DBs) {
			s.expireDB = 0
		}
		if db.ExpiresLen() > 0 {
			db.ActiveExpire(nowMs, db.ExpireBudget(effort))
		}
	}
	s.publishMemory()
	s.refreshEvict()
	s.evictIfOver(-1, nil, evictPerTick)
}

// UsedBytes is the memory the shard's databases account for (INFO memory,
// --maxmemory), summed over its databases.
func (s *Shard) UsedBytes() int64 {
	var n int64
	for _, db := range s.DBs {
		n += db.UsedBytes()
	}
	return n
}

// Keys is the number of keys over the shard's databases (expired keys not
// yet reclaimed included, as DBSIZE counts them).
func (s *Shard) Keys() int64 {
	var n int64
	for _, db := range s.DBs {
		n += db.Len()
	}
	return n
}

// Evict deletes keys (DB.EvictOne, round robin over the databases that
// have keys) until at least bytes were freed or the shard is empty; it
// returns the bytes freed. For --cache_mode when UsedBytes exceeds the
// shard's share of --maxmemory.
func (s *Shard) Evict(bytes int64, nowMs int64) int64 {
	var freed int64
	for freed < bytes {
		progress := false
		for range s.DBs {
			db := s.DBs[s.evictDB]
			s.evictDB++
			if s.evictDB == len(s.DBs) {
				s.evictDB = 0
			}
			if f, ok := db.EvictOne(nowMs); ok {
				freed += f
				progress = true
				if freed >= bytes {
					break
				}
			}
		}
		if !progress {
			break
		}
	}
	return freed
}

// Close releases the shard's off-heap memory. The shard and every view
// into it must not be used afterwards.
func (s *Shard) Close() {
	s.unpublishMemory()
	s.Arena.Release()
}
