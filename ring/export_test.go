package ring

// ShardAccepts returns how many connections each shard has accepted, so a
// black-box test can tell which shard a new connection landed on.
func ShardAccepts(s *Server) []uint64 {
	out := make([]uint64, len(s.shards))
	for i, sh := range s.shards {
		out[i] = sh.accepts.Load()
	}
	return out
}
