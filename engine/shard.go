package engine

// Shard is one shard's slice of the keyspace and its counters. It belongs
// to exactly one shard thread: only that thread may read or write it.
type Shard struct {
	ID     int // 0..NumShards-1
	NumDBs int

	// tmp is the temporary per-shard store that serves GET/SET/DEL until
	// the dashtable lands (engine issue). One map per database.
	tmp []map[string][]byte
}

// ShardConfig configures a new shard.
type ShardConfig struct {
	ID     int
	NumDBs int // --dbnum; 16 when zero
	Node   int // NUMA node the shard's memory is bound to (-1: none)
}

// NewShard creates a shard. Call it on the shard's own thread so that its
// memory is first touched (and NUMA-placed) there.
func NewShard(cfg ShardConfig) *Shard {
	if cfg.NumDBs <= 0 {
		cfg.NumDBs = 16
	}
	s := &Shard{ID: cfg.ID, NumDBs: cfg.NumDBs, tmp: make([]map[string][]byte, cfg.NumDBs)}
	for i := range s.tmp {
		s.tmp[i] = map[string][]byte{}
	}
	return s
}

// Tick is called by the shard's event loop on every hz tick (from the
// loop's own timer, on the shard thread) with the wall clock in unix ms.
// It runs bounded background work: the active expiry sweep.
func (s *Shard) Tick(nowMs int64) {}
