package engine

import "sync/atomic"

// The persistence family: SAVE, BGSAVE, SHUTDOWN (LASTSAVE is in
// server_cmds.go and reads PersistStatus).
//
// engine must not import persist (the RDB codec and the snapshot driver),
// so persist registers its planners here with SetSnapshotter from its init,
// and the binary links persist in. Without it (engine unit tests) SAVE and
// BGSAVE answer an error. What the engine itself provides for snapshots:
// the bucket pre-change hook (scan.go StartSnapshot), the per-type Dump
// hooks (types.go, <family>_rdb.go), Shard.Background (a bounded step the
// event loop runs every iteration), and PersistStatus for INFO and
// LASTSAVE.

func init() {
	register(
		&Command{Name: "save", Arity: 1, Flags: FlagAdmin | FlagNoScript | FlagNoAsyncLoading | FlagNoMulti | FlagGlobal, Tx: planSave,
			Group: "server", ACL: "@dangerous",
			Summary: "Synchronously save the dataset to disk", Since: "1.0.0",
			Complexity: "O(N) where N is the total number of keys in all databases"},
		&Command{Name: "bgsave", Arity: -1, Flags: FlagAdmin | FlagNoScript | FlagNoAsyncLoading | FlagGlobal, Tx: planBGSave,
			Group: "server", ACL: "@dangerous",
			Summary: "Asynchronously save the dataset to disk", Since: "1.0.0", Complexity: "O(1)",
			Args: "[SCHEDULE]{3.2.2}", History: [][2]string{{"3.2.2", "Added the `SCHEDULE` option."}}},
		&Command{Name: "shutdown", Arity: -1, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagNoMulti | FlagAllowBusy | FlagConn, Run: cmdShutdown,
			Group: "server", ACL: "@dangerous",
			Summary: "Synchronously save the dataset to disk and then shut down the server", Since: "1.0.0",
			Complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
			Args:       "[NOSAVE | SAVE]{nosave_save} [NOW]{7.0.0} [FORCE]{7.0.0} [ABORT]{7.0.0}", History: [][2]string{{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}}},
	)
}

// Snapshotter is what persist/ registers: planners that append a save's
// phases and reply to a global tx.
type Snapshotter interface {
	// PlanSave plans SAVE on t (a global tx): serialise every shard and
	// write the file; the reply is +OK or -ERR.
	PlanSave(t *Tx)
	// PlanBGSave plans BGSAVE's start on t: every shard begins its
	// point-in-time snapshot; the reply is "Background saving started".
	PlanBGSave(t *Tx)
}

var snapshotter Snapshotter

// SetSnapshotter registers persist's planners (from persist's init).
func SetSnapshotter(s Snapshotter) { snapshotter = s }

// PersistStatus is the server's snapshot state, for INFO persistence,
// LASTSAVE and the planners. Any thread may read or update it (atomics).
type PersistStatus struct {
	// LastSave is the unix time (s) of the last successful save (the
	// start-up time before any).
	LastSave atomic.Int64
	// LastBGSaveOK is false after a failed BGSAVE (until one succeeds).
	LastBGSaveOK atomic.Bool
	// BGSaveRunning is set while a BGSAVE (or SAVE) writes; planners claim
	// it with CompareAndSwap.
	BGSaveRunning atomic.Bool
	// BGSaveStart is the unix ms when the running save started.
	BGSaveStart atomic.Int64
	// LastBGSaveSecs is the duration of the last BGSAVE (-1: none yet).
	LastBGSaveSecs atomic.Int64
	// Saves counts successful saves since start (rdb_saves).
	Saves atomic.Int64
	// WritesAtSave is the server's write-command total at the last save
	// (or at start): INFO's rdb_changes_since_last_save is the total now
	// minus this.
	WritesAtSave atomic.Uint64
	// KeysLoaded and KeysExpiredOnLoad describe the start-up load.
	KeysLoaded, KeysExpiredOnLoad atomic.Int64
	// RequestShutdown, set by the runtime before the shards start, asks
	// the process to stop gracefully (SHUTDOWN); save is -1 for NOSAVE, 1
	// for SAVE, 0 for "as configured". nil: SHUTDOWN fails.
	RequestShutdown func(save int) bool
	// ShutdownSave is the save mode of the last SHUTDOWN (read by the
	// save-on-shutdown path): -1 NOSAVE, 0 configured, 1 SAVE.
	ShutdownSave atomic.Int32
}

// Persist returns srv's snapshot status, creating it at first use.
func (srv *Server) Persist() *PersistStatus {
	if p := srv.persist.Load(); p != nil {
		return p
	}
	p := &PersistStatus{}
	p.LastSave.Store(srv.StartUnixMs / 1000)
	p.LastBGSaveOK.Store(true)
	p.LastBGSaveSecs.Store(-1)
	if srv.persist.CompareAndSwap(nil, p) {
		return p
	}
	return srv.persist.Load()
}

// ErrBGSaveInProgress is Redis's answer to SAVE or BGSAVE while one runs.
const ErrBGSaveInProgress = "ERR Background save already in progress"

func planSave(t *Tx, args [][]byte) {
	if snapshotter == nil {
		t.Error("ERR snapshots are not available in this build")
		return
	}
	if t.Server.Persist().BGSaveRunning.Load() {
		t.Error(ErrBGSaveInProgress)
		return
	}
	snapshotter.PlanSave(t)
}

func planBGSave(t *Tx, args [][]byte) {
	if len(args) > 1 && (len(args) > 2 || !EqualFold(args[1], "schedule")) {
		t.Error(ErrSyntax)
		return
	}
	if snapshotter == nil {
		t.Error("ERR snapshots are not available in this build")
		return
	}
	if t.Server.Persist().BGSaveRunning.Load() {
		t.Error(ErrBGSaveInProgress)
		return
	}
	snapshotter.PlanBGSave(t)
}

// cmdShutdown parses SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] as Redis
// 7.0 does and asks the runtime to stop; the save (unless NOSAVE) happens
// once every shard has stopped, so no write acknowledged before it is
// lost. Like Redis, a successful SHUTDOWN sends no reply: the connection
// just closes.
func cmdShutdown(c *Ctx, args [][]byte) {
	save, abort := 0, false
	for _, a := range args[1:] {
		switch {
		case EqualFold(a, "nosave") && save == 0:
			save = -1
		case EqualFold(a, "save") && save == 0:
			save = 1
		case EqualFold(a, "now"), EqualFold(a, "force"):
		case EqualFold(a, "abort"):
			abort = true
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	if abort {
		if len(args) > 2 {
			c.W.Error(ErrSyntax)
			return
		}
		c.W.Error("ERR No shutdown in progress.")
		return
	}
	p := c.Server.Persist()
	p.ShutdownSave.Store(int32(save))
	if p.RequestShutdown == nil || !p.RequestShutdown(save) {
		c.W.Error("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	c.Close = true
}

// Background runs the shard's pending background work (a snapshot's next
// bounded slice) and reports whether more remains; the event loop calls it
// once per iteration and does not sleep while it reports true. Shard
// thread only.
func (s *Shard) Background() bool {
	if s.background == nil {
		return false
	}
	return s.background()
}

// SetBackground installs (or with nil removes) the shard's background step.
// Shard thread only.
func (s *Shard) SetBackground(step func() bool) { s.background = step }

// DumpValue appends a collection value's contents (TypeOps.Dump): see
// TypeOps. It panics for a type without a Dump (strings are not
// collections).
func DumpValue(sh *Shard, v Value, elems [][]byte, scores []float64) ([][]byte, []float64) {
	return typeOps[v.Type].Dump(sh, v, elems, scores)
}

// WriteCalls is the shard's count of successful write commands (INFO's
// rdb_changes_since_last_save sums it). Shard thread only.
func (s *Shard) WriteCalls() uint64 {
	var n uint64
	for id := range s.Stats.Cmds {
		st := &s.Stats.Cmds[id]
		if st.Calls > 0 && CommandByID(id).Flags&FlagWrite != 0 {
			n += st.Calls - st.Errors
		}
	}
	return n
}

// CanDump reports whether values of type t can be serialised.
func CanDump(t ValueType) bool {
	return t == TypeString || (int(t) < len(typeOps) && typeOps[t].Dump != nil)
}

// snapTouchObject saves the bucket of an EncObject value before the caller
// may change the object in place: objects change without their bucket
// changing, so a running snapshot must serialise the bucket at the first
// access (read or write) after it started. Called from the lookups that
// hand out object handles (Get, lookupLoc, peek).
func (db *DB) snapTouchObject(seg *segment, bi int, s uint64) {
	if Encoding(s>>slotEncShift) == EncObject {
		db.touch(seg, bi)
	}
}

// snapFlush saves every bucket before Flush drops them all.
func (db *DB) snapFlush() {
	for i := 0; i < len(db.dir); {
		seg := db.dir[i]
		i += 1 << (db.depth - seg.depth)
		for bi := range seg.b {
			db.touch(seg, bi)
		}
	}
}
