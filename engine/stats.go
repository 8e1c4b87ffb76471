package engine

// CmdStats are one command's counters on one shard.
type CmdStats struct {
	Calls  uint64
	Errors uint64 // calls that replied with an error
	Nanos  uint64 // time spent running it
}

// ShardStats are a shard's counters. Only the shard's own thread writes
// them (plain increments, no atomics); readers on other threads get a copy
// through a tx phase (INFO, /metrics), never by reading the fields.
type ShardStats struct {
	// Cmds is indexed by Command.ID.
	Cmds []CmdStats
}

// RecordCommand counts one run of cmd on this shard. The dispatcher calls
// it; ns is the time the command took, failed whether its reply was an
// error.
func (s *Shard) RecordCommand(cmd *Command, ns int64, failed bool) {
	if s.Stats.Cmds == nil {
		s.Stats.Cmds = make([]CmdStats, NumCommands())
	}
	st := &s.Stats.Cmds[cmd.ID]
	st.Calls++
	st.Nanos += uint64(ns)
	if failed {
		st.Errors++
	}
}
