package engine

import (
	"slices"
	"sync/atomic"
)

// RingShardStats are the event loop's counters for one shard: what the
// ring (connections, hops, backlog, network) knows and the engine does not.
// The ring fills them on the shard's own thread (Server.RingStats).
type RingShardStats struct {
	Conns         int64  // connections the shard owns now
	Accepted      uint64 // connections accepted since start
	Rejected      uint64 // connections refused (maxclients)
	HopsSent      uint64 // hops this shard sent to others (requests and replies)
	HopsReceived  uint64 // hops it took from others
	Backlog       int64  // hops waiting: in its inbound rings and its outboxes
	NetInBytes    uint64 // bytes received from clients
	NetOutBytes   uint64 // bytes sent to clients
	Reads, Writes uint64 // completed receives and sends
}

// ServerCounters are server-wide values that any thread may update or
// read (atomics); the per-shard counters live in ShardStats instead.
type ServerCounters struct {
	PeakUsedMemory atomic.Int64 // highest used_memory an INFO or scrape saw
	// ResetEpoch counts CONFIG RESETSTATs. Each shard compares it with
	// the epoch its counters belong to before its next command
	// (BeginCommand) and zeroes them when it changed.
	ResetEpoch atomic.Uint64
}

// CmdSnapshot is one command's counters summed over the shards.
type CmdSnapshot struct {
	Cmd *Command
	CmdStats
}

// ShardSnapshot is a copy of one shard's counters and sizes, taken on the
// shard's own thread (SnapshotShard) and then owned by the caller.
type ShardSnapshot struct {
	ID               int
	Keys, Expires    []int64 // per database
	UsedBytes        int64   // what --maxmemory counts
	DataBytes        int64   // records (keys and values) in the arena
	ObjectBytes      int64   // large collections
	TableBytes       int64   // dashtable segments and directories
	ArenaMapped      int64   // arena bytes mapped from the kernel
	Expired, Evicted int64
	Hits, Misses     uint64
	TotalCalls       uint64
	TotalErrors      uint64 // error replies (failed and rejected)
	WriteCalls       uint64 // successful calls of write commands
	OpsPerSec        float64
	Cmds             []CmdSnapshot // commands with calls or rejections, by ID
	ErrorCodes       map[string]uint64
	Ring             RingShardStats
}

// SnapshotShard copies s's counters. Call it on s's thread (a tx phase).
func SnapshotShard(srv *Server, s *Shard) ShardSnapshot {
	if s.Stats.ResetEpoch != nil && s.Stats.ResetEpoch.Load() != s.Stats.epoch {
		s.resetStats()
	}
	sn := ShardSnapshot{ID: s.ID, Keys: make([]int64, len(s.DBs)), Expires: make([]int64, len(s.DBs))}
	for i, db := range s.DBs {
		sn.Keys[i] = db.Len()
		sn.Expires[i] = db.ExpiresLen()
		sn.DataBytes += db.DataBytes()
		sn.ObjectBytes += db.objBytes
		sn.TableBytes += db.TableBytes()
		sn.Expired += db.Stats.Expired
		sn.Evicted += db.Stats.Evicted
	}
	sn.UsedBytes = s.UsedBytes()
	sn.ArenaMapped = s.Arena.Stats().Mapped
	sn.Hits, sn.Misses = s.Stats.Hits, s.Stats.Misses
	sn.OpsPerSec = s.Stats.opsPerSec()
	for id := range s.Stats.Cmds {
		st := &s.Stats.Cmds[id]
		sn.TotalCalls += st.Calls
		if st.Calls == 0 && st.Rejected == 0 {
			continue
		}
		cmd := CommandByID(id)
		if cmd.Flags&FlagWrite != 0 {
			sn.WriteCalls += st.Calls - st.Errors
		}
		sn.Cmds = append(sn.Cmds, CmdSnapshot{Cmd: cmd, CmdStats: *st})
	}
	if len(s.Stats.ErrorCodes) > 0 {
		sn.ErrorCodes = make(map[string]uint64, len(s.Stats.ErrorCodes))
		for k, v := range s.Stats.ErrorCodes {
			sn.ErrorCodes[k] = *v
			sn.TotalErrors += *v
		}
	}
	if srv != nil && srv.RingStats != nil {
		sn.Ring = srv.RingStats(s.ID)
	}
	return sn
}

// Totals are shard snapshots summed for the server-wide sections.
type Totals struct {
	Keys, Expires                []int64 // per database
	UsedBytes, DataBytes         int64
	ObjectBytes, TableBytes      int64
	ArenaMapped                  int64
	Expired, Evicted             int64
	Hits, Misses                 uint64
	TotalCalls, TotalErrors      uint64
	WriteCalls                   uint64
	OpsPerSec                    float64
	Cmds                         []CmdSnapshot // by command name
	ErrorCodes                   map[string]uint64
	Ring                         RingShardStats
	ConnsAccepted, ConnsRejected uint64
}

// Sum adds up shard snapshots.
func Sum(snaps []ShardSnapshot) Totals {
	var t Totals
	byID := map[int]*CmdSnapshot{}
	t.ErrorCodes = map[string]uint64{}
	for i := range snaps {
		sn := &snaps[i]
		if t.Keys == nil {
			t.Keys = make([]int64, len(sn.Keys))
			t.Expires = make([]int64, len(sn.Expires))
		}
		for d := range sn.Keys {
			t.Keys[d] += sn.Keys[d]
			t.Expires[d] += sn.Expires[d]
		}
		t.UsedBytes += sn.UsedBytes
		t.DataBytes += sn.DataBytes
		t.ObjectBytes += sn.ObjectBytes
		t.TableBytes += sn.TableBytes
		t.ArenaMapped += sn.ArenaMapped
		t.Expired += sn.Expired
		t.Evicted += sn.Evicted
		t.Hits += sn.Hits
		t.Misses += sn.Misses
		t.TotalCalls += sn.TotalCalls
		t.TotalErrors += sn.TotalErrors
		t.WriteCalls += sn.WriteCalls
		t.OpsPerSec += sn.OpsPerSec
		for _, c := range sn.Cmds {
			a := byID[c.Cmd.ID]
			if a == nil {
				a = &CmdSnapshot{Cmd: c.Cmd}
				byID[c.Cmd.ID] = a
			}
			a.Calls += c.Calls
			a.Errors += c.Errors
			a.Rejected += c.Rejected
			a.Nanos += c.Nanos
			for b := range a.Hist {
				a.Hist[b] += c.Hist[b]
			}
		}
		for k, v := range sn.ErrorCodes {
			t.ErrorCodes[k] += v
		}
		r := &sn.Ring
		t.Ring.Conns += r.Conns
		t.Ring.Accepted += r.Accepted
		t.Ring.Rejected += r.Rejected
		t.Ring.HopsSent += r.HopsSent
		t.Ring.HopsReceived += r.HopsReceived
		t.Ring.Backlog += r.Backlog
		t.Ring.NetInBytes += r.NetInBytes
		t.Ring.NetOutBytes += r.NetOutBytes
		t.Ring.Reads += r.Reads
		t.Ring.Writes += r.Writes
	}
	for _, c := range byID {
		t.Cmds = append(t.Cmds, *c)
	}
	slices.SortFunc(t.Cmds, func(a, b CmdSnapshot) int {
		switch {
		case a.Cmd.Name < b.Cmd.Name:
			return -1
		case a.Cmd.Name > b.Cmd.Name:
			return 1
		}
		return 0
	})
	return t
}

// Gather is a tx plan's per-shard snapshots: GatherShards involves every
// shard and adds the phase that fills Snaps; the tx's reply writers read
// Snaps (the phases happen before them).
type Gather struct {
	Snaps []ShardSnapshot
}

// GatherShards plans the snapshot phase on t (every shard, no locks).
func GatherShards(t *Tx) *Gather {
	g := &Gather{Snaps: make([]ShardSnapshot, t.NumShards())}
	srv := t.Server
	t.AllShards()
	t.Each(func(c *Ctx) { g.Snaps[c.Shard.ID] = SnapshotShard(srv, c.Shard) })
	return g
}

// opsSamples is the number of hz-tick samples opsPerSec looks back over.
const opsSamples = 16

// opsWindow keeps the last command totals per tick, for
// instantaneous_ops_per_sec (as Redis's serverCron samples).
type opsWindow struct {
	ms    [opsSamples]int64
	calls [opsSamples]uint64
	next  int
	n     int
}

// sampleOps records the shard's command total at tick time now (ms).
func (s *ShardStats) sampleOps(now int64) {
	w := &s.ops
	if w.n > 0 {
		last := (w.next + opsSamples - 1) % opsSamples
		if now-w.ms[last] < 100 { // at most 10 samples a second
			return
		}
	}
	w.ms[w.next] = now
	w.calls[w.next] = s.TotalCalls
	w.next = (w.next + 1) % opsSamples
	if w.n < opsSamples {
		w.n++
	}
}

func (s *ShardStats) opsPerSec() float64 {
	w := &s.ops
	if w.n < 2 {
		return 0
	}
	last := (w.next + opsSamples - 1) % opsSamples
	first := (w.next + opsSamples - w.n) % opsSamples
	dt := w.ms[last] - w.ms[first]
	if dt <= 0 {
		return 0
	}
	return float64(w.calls[last]-w.calls[first]) * 1000 / float64(dt)
}
