package engine

import (
	"math/bits"
	"sync/atomic"
	_ "unsafe" // go:linkname runtime.nanotime
)

// Per-shard counters (INFO, /metrics).
//
// Every counter here is written by its shard's thread only, with plain
// increments: no atomics, no locks on the command path. Readers on other
// threads never read the fields; they get a copy taken on the shard's own
// thread by a tx phase (SnapshotShard, run by INFO and /metrics through
// Tx.Each), and aggregate the copies on the coordinator.

// LatencyBuckets is the number of buckets of a command's latency
// histogram: bucket 0 counts runs under 1µs, bucket i (1..LatencyBuckets-2)
// runs in [2^(i-1), 2^i) µs, and the last one everything from 2^(N-2) µs
// (~1 s) up.
const LatencyBuckets = 22

// LatencyBucketUpperUs is bucket i's upper bound in µs (exclusive), for
// i < LatencyBuckets-1; the last bucket is unbounded.
func LatencyBucketUpperUs(i int) float64 { return float64(uint64(1) << uint(i)) }

// CmdStats are one command's counters on one shard.
type CmdStats struct {
	Calls    uint64
	Errors   uint64 // calls that replied with an error (Redis's failed_calls)
	Rejected uint64 // refused before running: arity, NOAUTH (rejected_calls)
	Nanos    uint64 // time spent running it
	Hist     [LatencyBuckets]uint64
}

// ShardStats are a shard's counters. Only the shard's own thread writes
// them (plain increments, no atomics); readers on other threads get a copy
// through a tx phase (INFO, /metrics), never by reading the fields.
type ShardStats struct {
	// Cmds is indexed by Command.ID; allocated on the first command.
	Cmds []CmdStats
	// ErrorCodes counts error replies by their first word (Redis's
	// errorstats: ERR, WRONGTYPE, NOAUTH, ...). A code is inserted once;
	// later increments go through the pointer and do not allocate.
	ErrorCodes map[string]*uint64
	// Keyspace lookups by read-only commands (DB.Get while such a command
	// runs): Redis's keyspace_hits/keyspace_misses.
	Hits, Misses uint64
	// TotalCalls is the sum of Cmds[*].Calls.
	TotalCalls uint64

	ops opsWindow // command totals per tick, for OpsPerSec
	// readCmd is set while a FlagReadonly command runs (BeginCommand), so
	// DB.Get counts hits and misses for reads only, as Redis's
	// lookupKeyRead does.
	readCmd bool

	// NoTiming turns the per-command clock reads off (CONFIG SET
	// latency-tracking no; the ring copies it on every tick): calls and
	// errors are still counted, durations are not.
	NoTiming bool
	// clock is the last clock read and clockOK whether it may serve as
	// the next command's start: commands run back to back in one batch
	// share the boundary read, so a command costs one clock read, not two
	// (a read costs 100-250 ns on VMs without a vDSO clock). The
	// dispatcher calls ClockStale before each batch.
	clock   int64
	clockOK bool

	// ResetEpoch, when set (by whoever creates the shard for a Server),
	// is the Server's CONFIG RESETSTAT counter; epoch is the value the
	// counters were last zeroed for.
	ResetEpoch *atomic.Uint64
	epoch      uint64
}

//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Nanotime is the runtime's monotonic clock in ns (vDSO clock_gettime,
// no allocation, ~15-20 ns): for durations only, not wall time.
func Nanotime() int64 { return nanotime() }

// BeginCommand is called by the dispatcher on the shard thread right
// before cmd.Run; it returns the start time to pass to EndCommand.
func (s *Shard) BeginCommand(cmd *Command) int64 {
	st := &s.Stats
	if st.ResetEpoch != nil && st.ResetEpoch.Load() != st.epoch {
		s.resetStats()
	}
	st.readCmd = cmd.Flags&FlagReadonly != 0
	if st.NoTiming {
		return 0
	}
	if !st.clockOK {
		st.clock = nanotime()
		st.clockOK = true
	}
	return st.clock
}

// resetStats zeroes the shard's counters for CONFIG RESETSTAT (commands,
// errors, latency, keyspace hits and misses, expired and evicted keys).
func (s *Shard) resetStats() {
	st := &s.Stats
	st.epoch = st.ResetEpoch.Load()
	clear(st.Cmds)
	st.ErrorCodes = nil
	st.Hits, st.Misses, st.TotalCalls = 0, 0, 0
	st.ops = opsWindow{}
	for _, db := range s.DBs {
		db.Stats.Expired, db.Stats.Evicted = 0, 0
	}
}

// ClockStale tells the shard that time has passed since the last command
// ended (a new batch of commands starts): the next BeginCommand reads the
// clock instead of reusing the last command's end. The dispatcher calls it
// before every batch it runs (a connection's input, a hop).
func (s *Shard) ClockStale() { s.Stats.clockOK = false }

// EndCommand records one run of cmd that began at start (BeginCommand);
// reply is the reply it wrote (an error reply counts as a failed call and
// in the error codes). reply is only read. args, when the caller passes
// them (the command as the client sent it; only read), go to the slow log
// if the run was slow.
func (s *Shard) EndCommand(cmd *Command, start int64, reply []byte, args ...[]byte) {
	st := &s.Stats
	st.readCmd = false
	failed := len(reply) > 0 && reply[0] == '-'
	var ns int64
	if !st.NoTiming {
		st.clock = nanotime()
		ns = st.clock - start
	}
	s.RecordCommand(cmd, ns, failed)
	if failed {
		s.RecordError(reply)
	}
	if len(args) > 0 {
		s.recordSlow(cmd, ns, args)
	}
}

// RecordCommand counts one run of cmd on this shard. The dispatcher calls
// it (through EndCommand); ns is the time the command took, failed whether
// its reply was an error.
func (s *Shard) RecordCommand(cmd *Command, ns int64, failed bool) {
	if s.Stats.Cmds == nil {
		s.Stats.Cmds = make([]CmdStats, NumCommands())
	}
	st := &s.Stats.Cmds[cmd.ID]
	st.Calls++
	s.Stats.TotalCalls++
	if ns < 0 {
		ns = 0
	}
	st.Nanos += uint64(ns)
	b := bits.Len64(uint64(ns) / 1000)
	if b >= LatencyBuckets {
		b = LatencyBuckets - 1
	}
	st.Hist[b]++
	if failed {
		st.Errors++
	}
}

// RecordRejected counts a command refused before it ran (wrong arity,
// NOAUTH, ...) with the error reply it got. cmd is nil for an unknown
// command (only the error code is counted, as Redis does).
func (s *Shard) RecordRejected(cmd *Command, reply []byte) {
	if cmd != nil {
		if s.Stats.Cmds == nil {
			s.Stats.Cmds = make([]CmdStats, NumCommands())
		}
		s.Stats.Cmds[cmd.ID].Rejected++
	}
	s.RecordError(reply)
}

// RecordError counts an error reply ("-CODE message\r\n", or the message
// without the '-') under its code.
func (s *Shard) RecordError(reply []byte) {
	code := ErrorCode(reply)
	if n := s.Stats.ErrorCodes[string(code)]; n != nil { // no allocation: lookup by converted []byte
		*n++
		return
	}
	if s.Stats.ErrorCodes == nil {
		s.Stats.ErrorCodes = make(map[string]*uint64)
	}
	if len(s.Stats.ErrorCodes) >= maxErrorCodes {
		// A client inventing codes (through scripts) must not grow the
		// map without bound: past the limit new codes count as ERR.
		code = []byte("ERR")
		if n := s.Stats.ErrorCodes["ERR"]; n != nil {
			*n++
			return
		}
	}
	n := new(uint64)
	*n = 1
	s.Stats.ErrorCodes[string(code)] = n
}

// maxErrorCodes bounds ErrorCodes (a client that invents codes through a
// script must not grow it without bound).
const maxErrorCodes = 128

// ErrorCode is an error reply's code: its first word, without the '-'.
func ErrorCode(reply []byte) []byte {
	if len(reply) > 0 && reply[0] == '-' {
		reply = reply[1:]
	}
	for i, ch := range reply {
		if ch == ' ' || ch == '\r' || ch == '\n' {
			return reply[:i]
		}
	}
	return reply
}

// LatencyTracking is latency-tracking: whether commands are timed.
func (c *Config) LatencyTracking() bool { return c.load().ints[pLatencyTracking] != 0 }

// countLookup counts a keyspace hit or miss when a read-only command runs.
func (s *ShardStats) countLookup(hit bool) {
	if !s.readCmd {
		return
	}
	if hit {
		s.Hits++
	} else {
		s.Misses++
	}
}
