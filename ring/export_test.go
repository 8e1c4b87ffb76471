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

// TxMsgCounts returns how many tx messages the shards' inboxes received,
// summed over the shards.
func TxMsgCounts(s *Server) (msgs uint64) {
	for _, sh := range s.shards {
		sh.inbox.mu.Lock()
		msgs += sh.inbox.pushes
		sh.inbox.mu.Unlock()
	}
	return msgs
}
