package engine

import (
	"github.com/darnerdb/darner/proto"
)

// Transactions: commands whose keys may live on several shards.
//
// A command with a Tx planner (Command.Tx) runs through the transaction
// layer whenever its keys span more than one shard, or always when it has
// FlagGlobal. The layer (ring/ drives it; engine.Local runs it serially for
// tests) works in three stages:
//
//  1. Plan, on the coordinator: the runtime builds a Tx with the command's
//     keys (from its key spec; exclusive for FlagWrite commands, shared
//     otherwise) and calls Command.Tx(t, args). The planner checks the
//     arguments and appends phases (On, Each) and reply writers (Reply), or
//     ends the command early with Error (then nothing is locked or run).
//  2. Schedule and run: the tx takes a global order, its intent locks on
//     every involved shard (VLL: per-key shared/exclusive counters and a
//     per-shard queue), and then runs its phases one after another. A
//     phase's function runs on the shard it names, on that shard's thread,
//     while the tx holds its keys there; no other command can observe the
//     tx half done. Phases that name several shards (Each) run on them in
//     parallel.
//  3. Reply and release: the locks are released on every shard and the
//     reply writers run on the coordinator, in order.
//
// Ownership: the Tx, its args and every value the planner's closures
// capture belong to the tx. Phases run strictly one after another with a
// happens-before edge between them (the hops' ring publication), so state
// written by one phase is visible to the next; functions of one Each phase
// run concurrently and must write to disjoint state (index by c.Shard.ID).
// Values read from a shard's DB alias its arena: copy them into tx state
// before the phase returns.
type Tx struct {
	Server *Server
	DB     int   // the connection's selected database
	Now    int64 // unix ms, taken when the tx was planned
	Resp3  bool
	// Sess is the connection's session, for planners of FlagConn commands
	// (EXEC reads its queue from it). Phases must not touch it.
	Sess *Session

	// Coordinator is the coordinator's shard: reply writers (which run
	// there) may use it, e.g. EXEC running a FlagConn command. Set by the
	// runtime.
	Coordinator *Shard
	// SelfTouch: the phases touch WATCHed keys themselves (EXEC, whose
	// phases may not run); otherwise the runtime touches every exclusive
	// key of the tx on a shard after each of its phases there.
	SelfTouch bool
	// NoBlock: blocking commands answer at once instead of blocking
	// (inside EXEC, from Server.Do).
	NoBlock bool
	blocked *Blocker
	// ConnSlot and ConnGen identify the client's connection on the
	// coordinator (the runtime's; copied into a Blocker).
	ConnSlot, ConnGen uint32

	numShards int
	writes    bool // some key or the global lock is for writing
	keys      []TxKey
	shards    []int // involved shards, ascending
	global    bool

	phases  []TxPhase
	replies []func(w *proto.Writer)
	// errSet marks a planning-time error reply (no phase runs).
	errSet bool
	// scratch[s]: bytes phases on shard s copied out (Scratch, Keep).
	scratch [][]byte
}

// TxKey is one key a tx locks: its hash, owner shard and lock mode.
type TxKey struct {
	Hash      uint64
	Shard     int
	Exclusive bool
}

// TxPhase is one step of a tx's plan. Shard < 0 runs Fn on every involved
// shard (in parallel); otherwise on that shard only.
type TxPhase struct {
	Shard int
	Fn    func(c *Ctx)
}

// NewTx starts a tx for a command on a server with numShards shards. The
// runtime calls it (then AddKey for each key, then the planner).
func NewTx(srv *Server, numShards, db int, now int64, resp3 bool) *Tx {
	return &Tx{Server: srv, numShards: numShards, DB: db, Now: now, Resp3: resp3, scratch: make([][]byte, numShards)}
}

// Reuse readies t for another tx as NewTx would, keeping the memory of
// its key, shard, phase and reply lists (the runtime pools its Txs).
// Nothing may use t's previous plan any more: its phases and reply
// writers are dropped.
func (t *Tx) Reuse(srv *Server, numShards, db int, now int64, resp3 bool) {
	clear(t.phases)
	clear(t.replies)
	scratch := t.scratch
	if len(scratch) != numShards {
		scratch = make([][]byte, numShards)
	}
	for i := range scratch {
		scratch[i] = scratch[i][:0]
		if cap(scratch[i]) > maxKeptScratch {
			scratch[i] = nil // a huge MGET's copies are not kept
		}
	}
	keys, phases, replies := t.keys[:0], t.phases[:0], t.replies[:0]
	if cap(keys) > maxKeptKeys {
		keys = nil
	}
	if cap(phases) > maxKeptKeys || cap(replies) > maxKeptKeys {
		phases, replies = nil, nil
	}
	*t = Tx{Server: srv, numShards: numShards, DB: db, Now: now, Resp3: resp3,
		keys: keys, shards: t.shards[:0], phases: phases, replies: replies,
		scratch: scratch}
}

// maxKeptScratch bounds the scratch memory a reused Tx keeps per shard,
// maxKeptKeys the length of its key, phase and reply lists.
const (
	maxKeptScratch = 64 << 10
	maxKeptKeys    = 4096
)

// Scratch is the tx's byte buffer for phases running on c's shard: a
// phase appends the bytes it copies out of the shard's arena and keeps
// sub-slices of it (taken after its append; an append that grows the
// buffer leaves earlier sub-slices valid). They stay valid until the tx
// ends; the runtime reuses the memory for later txs, so a steady stream
// of txs copies out without allocating. Each shard has its own buffer,
// so the functions of an Each phase may use theirs concurrently.
func (t *Tx) Scratch(c *Ctx) *[]byte { return &t.scratch[c.Shard.ID] }

// Keep copies b into c's shard's Scratch and returns the copy.
func (t *Tx) Keep(c *Ctx, b []byte) []byte {
	buf := &t.scratch[c.Shard.ID]
	start := len(*buf)
	*buf = append(*buf, b...)
	return (*buf)[start:len(*buf):len(*buf)]
}

// NumShards is the number of shards of the server.
func (t *Tx) NumShards() int { return t.numShards }

// ShardOf is the shard that owns key.
func (t *Tx) ShardOf(key []byte) int { return ShardOf(key, t.numShards) }

// AddKey declares a key the tx locks (the runtime declares the key-spec
// keys; EXEC declares the keys of every queued command).
func (t *Tx) AddKey(key []byte, exclusive bool) {
	h := KeyHash(key)
	s := ShardOfHash(h, t.numShards)
	for i := range t.keys {
		if t.keys[i].Hash == h {
			t.keys[i].Exclusive = t.keys[i].Exclusive || exclusive
			t.writes = t.writes || exclusive
			return
		}
	}
	t.keys = append(t.keys, TxKey{Hash: h, Shard: s, Exclusive: exclusive})
	t.writes = t.writes || exclusive
	t.addShard(s)
}

func (t *Tx) addShard(s int) {
	for i, x := range t.shards {
		if x == s {
			return
		}
		if x > s {
			t.shards = append(t.shards, 0)
			copy(t.shards[i+1:], t.shards[i:])
			t.shards[i] = s
			return
		}
	}
	t.shards = append(t.shards, s)
}

// SetGlobal makes the tx lock every shard as a whole (FLUSHALL, SWAPDB,
// DBSIZE...): it runs alone, after every tx before it and before every tx
// after it, on every shard.
func (t *Tx) SetGlobal() {
	t.global = true
	for s := 0; s < t.numShards; s++ {
		t.addShard(s)
	}
}

// AllShards involves every shard without locking them (INFO, SCAN-like
// reads that need per-shard data but no isolation from other commands).
func (t *Tx) AllShards() {
	for s := 0; s < t.numShards; s++ {
		t.addShard(s)
	}
}

// Global reports whether the tx locks whole shards.
func (t *Tx) Global() bool { return t.global }

// Keys are the declared keys.
func (t *Tx) Keys() []TxKey { return t.keys }

// Shards are the involved shards, ascending.
func (t *Tx) Shards() []int { return t.shards }

// On appends a phase that runs fn on shard s. s joins the involved shards
// if it was not one of them (its lock then covers no key).
func (t *Tx) On(s int, fn func(c *Ctx)) {
	t.addShard(s)
	t.phases = append(t.phases, TxPhase{Shard: s, Fn: fn})
}

// Each appends a phase that runs fn on every involved shard, in parallel.
func (t *Tx) Each(fn func(c *Ctx)) {
	t.phases = append(t.phases, TxPhase{Shard: -1, Fn: fn})
}

// Reply appends a reply writer, run on the coordinator after the last
// phase. A command's planner adds exactly one (EXEC adds one per queued
// command after its own header).
func (t *Tx) Reply(fn func(w *proto.Writer)) { t.replies = append(t.replies, fn) }

// Error ends planning with an error reply; phases already added still
// run, so call it before adding any.
func (t *Tx) Error(msg string) {
	t.errSet = true
	t.replies = append(t.replies, func(w *proto.Writer) { w.Error(msg) })
}

// Failed reports whether the planner replied with Error.
func (t *Tx) Failed() bool { return t.errSet }

// Phases is the plan, in order.
func (t *Tx) Phases() []TxPhase { return t.phases }

// WriteReplies runs the reply writers in order.
func (t *Tx) WriteReplies(w *proto.Writer) {
	for _, r := range t.replies {
		r(w)
	}
}

// Plan builds t for cmd: it declares cmd's keys (exclusive when cmd has
// FlagWrite), marks it global for FlagGlobal, and calls the planner. args
// must stay valid until the tx ends (the runtime copies them).
func (t *Tx) Plan(cmd *Command, args [][]byte) {
	excl := cmd.Flags&FlagWrite != 0
	cmd.KeyPositions(args, func(i int) { t.AddKey(args[i], excl) })
	if cmd.Flags&FlagGlobal != 0 {
		t.SetGlobal()
		t.writes = t.writes || excl
	}
	cmd.Tx(t, args)
}

// RunCaptured runs the single-shard command cmd from a phase: on c's
// shard, in database db, with its reply captured and returned (phases have
// no reply writer), counted and followed by AfterWrite like a command the
// dispatcher runs itself.
func RunCaptured(c *Ctx, cmd *Command, args [][]byte, db int, resp3 bool) []byte {
	w := proto.Writer{Resp3: resp3}
	c.W, c.DB = &w, db
	start := c.Shard.BeginCommand(cmd)
	cmd.Run(c, args)
	c.Shard.EndCommand(cmd, start, w.Buf, args...)
	c.Shard.AfterWrite(cmd, args, db)
	c.W = nil
	return w.Buf
}

// NeedsTx reports whether cmd with args must run through the transaction
// layer on a server with n shards: it has a planner and either FlagGlobal
// or keys on more than one shard. It does not allocate for fixed key specs.
func NeedsTx(cmd *Command, args [][]byte, n int) bool {
	if cmd.Tx == nil {
		return false
	}
	if cmd.TxIf != nil && cmd.TxIf(args) {
		return true
	}
	if cmd.Flags&FlagGlobal != 0 {
		return n > 1 || cmd.Run == nil
	}
	if cmd.Run == nil {
		return true
	}
	if n == 1 {
		return false
	}
	first, cross := -1, false
	cmd.KeyPositions(args, func(i int) {
		s := ShardOf(args[i], n)
		if first < 0 {
			first = s
		} else if s != first {
			cross = true
		}
	})
	return cross
}
