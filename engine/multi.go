package engine

import (
	"sync/atomic"

	"github.com/darnerdb/darner/proto"
)

// The transactions family: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// While a session is InMulti the dispatcher (ring/) queues every command
// but the ones IsMultiControl names, answering +QUEUED, or answers a
// queue-time error (unknown command, arity) and marks the transaction
// dirty. EXEC turns the queue into one Tx: the union of the queued
// commands' keys (and the watched keys, shared) is locked on every shard
// involved, a first phase checks the WATCH state, and each queued command
// becomes phases (single-shard commands: one phase on their shard with the
// reply captured; multi-shard ones: their own plan's phases) and reply
// writers, so the whole queue runs atomically and its replies come back in
// order as one array. Connection commands (SELECT, PING, CLIENT, ...) run
// at reply time on the coordinator, in order with the others' replies.

func init() {
	const f = FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagConn | FlagAllowBusy
	register(
		&Command{Name: "multi", Arity: 1, Flags: f, Group: "transactions", Run: cmdMulti,
			Summary: "Starts a transaction.", Since: "1.2.0", Complexity: "O(1)"},
		&Command{Name: "exec", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagSkipSlowlog | FlagConn, Group: "transactions",
			Tx: execTx, Summary: "Executes all commands in a transaction.", Since: "1.2.0",
			Complexity: "Depends on commands in the transaction"},
		&Command{Name: "discard", Arity: 1, Flags: f, Group: "transactions", Run: cmdDiscard,
			Summary: "Discards a transaction.", Since: "2.0.0", Complexity: "O(N), when N is the number of queued commands"},
		&Command{Name: "watch", Arity: -2, Flags: f, FirstKey: 1, LastKey: -1, Step: 1, Group: "transactions",
			KeySpecs: []KeySpec{{Flags: []string{"RO"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
			Tx:       watchTx, Summary: "Monitors changes to keys to determine the execution of a transaction.", Since: "2.2.0",
			Complexity: "O(1) for every key.",
			Args:       "key..."},
		&Command{Name: "unwatch", Arity: 1, Flags: f, Group: "transactions", Run: cmdUnwatch,
			Summary: "Forgets about watched keys of a transaction.", Since: "2.2.0", Complexity: "O(1)"},
	)
}

// IsMultiControl reports whether cmd runs at once inside MULTI instead of
// being queued (as Redis: EXEC, DISCARD, MULTI, WATCH, QUIT, RESET).
func IsMultiControl(cmd *Command) bool {
	if cmd == nil {
		return false
	}
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

func cmdMulti(c *Ctx, args [][]byte) {
	if c.Sess.InMulti {
		c.W.Error("ERR MULTI calls can not be nested")
		return
	}
	c.Sess.InMulti = true
	c.W.OK()
}

func cmdDiscard(c *Ctx, args [][]byte) {
	if !c.Sess.InMulti {
		c.W.Error("ERR DISCARD without MULTI")
		return
	}
	c.Sess.ResetMulti()
	c.Sess.Unwatch()
	c.W.OK()
}

func cmdUnwatch(c *Ctx, args [][]byte) {
	c.Sess.Unwatch()
	c.W.OK()
}

// watchTx registers the session on every key's shard and records the
// keys' deadlines (for the expiry check at EXEC).
func watchTx(t *Tx, args [][]byte) {
	sess := t.Sess
	if sess.InMulti {
		t.Error("ERR WATCH inside MULTI is not allowed")
		return
	}
	if sess.Watch == nil {
		sess.Watch = &WatchState{}
	}
	st, db, keys := sess.Watch, t.DB, args[1:]
	deadlines := make([]int64, len(keys))
	t.Each(func(c *Ctx) {
		for i, k := range keys {
			if ShardOf(k, c.Server.NumShards) != c.Shard.ID {
				continue
			}
			c.Shard.Watch(st, db, KeyHash(k))
			if at, ok := c.Shard.DBs[db].Deadline(k, c.Now); ok {
				deadlines[i] = at
			}
		}
	})
	t.Reply(func(w *proto.Writer) {
		for i, k := range keys {
			sess.Watched = append(sess.Watched, WatchedKey{Key: append([]byte(nil), k...), DB: db, Deadline: deadlines[i]})
		}
		w.OK()
	})
}

// execTx plans a session's queued commands as one transaction.
func execTx(t *Tx, args [][]byte) {
	sess := t.Sess
	if !sess.InMulti {
		t.Error("ERR EXEC without MULTI")
		return
	}
	queue := append([]QueuedCommand(nil), sess.Queue...)
	dirty := sess.MultiDirty
	watch, watched := sess.Watch, sess.Watched
	sess.ResetMulti()
	sess.Watch, sess.Watched = nil, nil
	release := func() {
		if watch != nil {
			watch.Release()
		}
	}
	if dirty {
		release()
		t.Error("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	expired := false
	for _, w := range watched {
		if w.Deadline != 0 && w.Deadline <= t.Now {
			expired = true // a watched key expired since WATCH
		}
	}
	if expired {
		release()
		t.Reply(func(w *proto.Writer) { w.NullArray() })
		return
	}
	// aborted is read and set by phases on several shard threads.
	var abortFlag atomic.Bool
	aborted := &abortFlag
	// The queued commands touch watchers themselves, only when they ran.
	t.SelfTouch = true
	for _, w := range watched {
		t.AddKey(w.Key, false)
	}
	if watch != nil && len(watched) > 0 {
		// The check runs on every shard of a watched key once the tx is
		// runnable there: every earlier write to the key on that shard has
		// run (and touched), and no later one can run before the commands.
		seen := map[int]bool{}
		for _, w := range watched {
			sh := t.ShardOf(w.Key)
			if seen[sh] {
				continue
			}
			seen[sh] = true
			t.On(sh, func(c *Ctx) {
				if watch.Dirty() {
					aborted.Store(true)
				}
			})
		}
	}
	n := len(queue)
	t.Reply(func(w *proto.Writer) {
		release()
		if aborted.Load() {
			w.NullArray()
			return
		}
		w.ArrayLen(n)
	})
	db := t.DB
	for _, q := range queue {
		cmd, a, qdb := q.Cmd, q.Args, db
		switch {
		case cmd.Flags&FlagConn != 0 && (cmd.Tx == nil || !NeedsTx(cmd, a, t.numShards)):
			if cmd.Name == "select" {
				if i, ok := ParseInt(a[1]); ok && i >= 0 && int(i) < t.Server.NumDBs {
					db = int(i)
				}
			}
			t.Reply(func(w *proto.Writer) {
				if aborted.Load() {
					return
				}
				c := &Ctx{Server: t.Server, Shard: t.Coordinator, Sess: sess, DB: sess.DB, W: w, Now: t.Now}
				cmd.Run(c, a)
			})
		case cmd.Tx != nil && NeedsTx(cmd, a, t.numShards):
			t.mergePlan(cmd, a, qdb, aborted)
		default:
			target := -1
			excl := cmd.Flags&FlagWrite != 0
			cmd.KeyPositions(a, func(i int) {
				t.AddKey(a[i], excl)
				if target < 0 {
					target = t.ShardOf(a[i])
				}
			})
			if target < 0 {
				target = t.Coordinator.ID
			}
			var out []byte
			resp3 := t.Resp3
			t.On(target, func(c *Ctx) {
				if aborted.Load() {
					return
				}
				c.Shard.deferServe = true
				out = RunCaptured(c, cmd, a, qdb, resp3)
				c.Shard.deferServe = false
			})
			t.Reply(func(w *proto.Writer) {
				if !aborted.Load() {
					w.Buf = append(w.Buf, out...)
				}
			})
		}
	}
	// Clients blocked on keys the transaction wrote are served after it,
	// as Redis does, while its locks are still held.
	t.Each(func(c *Ctx) { c.Shard.ServeDeferred(c.Now) })
}

// mergePlan plans a queued multi-shard command into t: its keys, its
// phases (an Each becomes one phase per shard of its own plan) and its
// reply writers, all skipped once aborted is set.
func (t *Tx) mergePlan(cmd *Command, args [][]byte, db int, aborted *atomic.Bool) {
	sub := NewTx(t.Server, t.numShards, db, t.Now, t.Resp3)
	sub.Coordinator = t.Coordinator
	sub.Sess = t.Sess
	sub.NoBlock = true // Redis: blocking commands do not block inside EXEC
	sub.Plan(cmd, args)
	for _, k := range sub.keys {
		t.addKeyRef(k)
	}
	if sub.global {
		t.SetGlobal()
	}
	t.writes = t.writes || sub.writes
	if !sub.Failed() {
		for _, ph := range sub.phases {
			fn := ph.Fn
			wrapped := func(c *Ctx) {
				if aborted.Load() {
					return
				}
				c.DB = db
				c.Shard.deferServe = true
				fn(c)
				c.Shard.AfterTxPhase(sub)
				c.Shard.deferServe = false
			}
			if ph.Shard >= 0 {
				t.On(ph.Shard, wrapped)
				continue
			}
			for _, s := range sub.shards {
				t.On(s, wrapped)
			}
		}
	}
	for _, r := range sub.replies {
		t.Reply(func(w *proto.Writer) {
			if !aborted.Load() {
				r(w)
			}
		})
	}
}

// addKeyRef declares an already hashed key.
func (t *Tx) addKeyRef(k TxKey) {
	for i := range t.keys {
		if t.keys[i].Hash == k.Hash {
			t.keys[i].Exclusive = t.keys[i].Exclusive || k.Exclusive
			t.writes = t.writes || k.Exclusive
			return
		}
	}
	t.keys = append(t.keys, k)
	t.writes = t.writes || k.Exclusive
	t.addShard(k.Shard)
}

// MultiQueue is the dispatcher's MULTI step for a command arriving while
// the session is InMulti (errMsg: the dispatcher's queue-time error for
// it, "" when none). It reports false when the command must run now
// (IsMultiControl, without a queue-time error); otherwise it queues a copy
// of args, or records the error and marks the transaction dirty, and
// appends the reply to w.
func (s *Session) MultiQueue(w *proto.Writer, cmd *Command, args [][]byte, errMsg string) bool {
	if errMsg != "" {
		s.MultiDirty = true
		w.Error(errMsg)
		return true
	}
	if IsMultiControl(cmd) {
		return false
	}
	s.Queue = append(s.Queue, QueuedCommand{Cmd: cmd, Args: CopyArgs(args)})
	w.SimpleString("QUEUED")
	return true
}

// ErrNoMulti is the rejection of a no_multi command (SAVE, SHUTDOWN, ...)
// inside MULTI. The dispatcher returns it with the other queue-time
// errors (arity, NOAUTH, OOM), so it is counted as a rejected call and
// MultiQueue makes EXEC abort.
const ErrNoMulti = "ERR Command not allowed inside a transaction"

// RejectExec turns the dispatcher's rejection of an EXEC (arity, NOAUTH,
// OOM) into Redis's reply: the transaction is discarded and the error
// becomes "EXECABORT Transaction discarded because of: <error>", with a
// leading "ERR " dropped (Redis's formatted rejections have no code; its
// shared error objects, NOAUTH and OOM, keep theirs). For any other
// command it returns errMsg unchanged.
func (s *Session) RejectExec(cmd *Command, errMsg string) string {
	if cmd == nil || cmd.Name != "exec" || errMsg == "" {
		return errMsg
	}
	s.ResetMulti()
	s.Unwatch()
	msg := errMsg
	if len(msg) > 4 && msg[:4] == "ERR " {
		msg = msg[4:]
	}
	return "EXECABORT Transaction discarded because of: " + msg
}
