package engine

import (
	"math"
	"sync/atomic"

	"github.com/darnerdb/darner/proto"
)

// Blocking commands: BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH, BZPOPMIN,
// BZPOPMAX, BZMPOP.
//
// A blocking command runs as a transaction over its keys (Command.Tx,
// Run nil). Its phases try the keys in order on their shards, as the
// non-blocking command would; if none could serve and the command may
// block (not inside EXEC, not from Server.Do), a last phase registers a
// Blocker on every key's shard while the tx still holds the keys, so no
// push can slip between the failed try and the registration. The tx then
// ends without a reply and the connection waits.
//
// A write that touches a key with waiters (AfterWrite, AfterTxPhase)
// serves them on the key's shard, in FIFO order of registration: it claims
// a waiter (an atomic state: several shards may race for one client
// blocked on keys of several shards), pops for it, stores the reply in the
// Blocker and hands it to OnServed (the runtime posts it to the client's
// coordinator). Inside EXEC, serving waits until the transaction's end on
// that shard (Redis serves blocked clients after EXEC). A Blocker the
// shard cannot serve itself (BLMOVE to a key on another shard) is handed
// back with Retry set: the coordinator runs the command again.
//
// The coordinator ends a Blocker on timeout, CLIENT UNBLOCK or disconnect
// by moving it from waiting to done; a shard that claimed it first wins,
// and the coordinator then waits for its reply. Shards drop done Blockers
// from their lists lazily.

// Blocker is one blocked client. Fields other than state are set by the
// coordinator before the Blocker is published (registered) and read-only
// afterwards, except Reply and Retry, which the party that moves it to
// done writes before handing it to the coordinator.
type Blocker struct {
	state atomic.Int32

	Cmd      *Command
	Args     [][]byte // the command's own copy
	DB       int
	Resp3    bool
	Coord    int    // coordinator shard
	ClientID uint64 // CLIENT UNBLOCK
	Deadline int64  // unix ms; 0 = forever
	// Slot and Gen identify the waiting connection (the runtime's).
	Slot, Gen uint32

	Reply []byte
	Retry bool
}

const (
	blkWaiting int32 = iota
	blkClaimed
	blkDone
)

// Cancel ends a waiting Blocker (timeout, unblock, disconnect). It
// reports false when a shard has claimed or served it already.
func (b *Blocker) Cancel() bool { return b.state.CompareAndSwap(blkWaiting, blkDone) }

// Done reports whether the Blocker has ended.
func (b *Blocker) Done() bool { return b.state.Load() == blkDone }

// TimeoutReply writes the command's reply for a timeout.
func (b *Blocker) TimeoutReply(w *proto.Writer) { blockSpecs[b.Cmd.Name].timeoutReply(w) }

type blockWaiter struct {
	b  *Blocker
	ki int // index of the key in b.Args
}

// blockSpec describes one blocking command.
type blockSpec struct {
	// parse checks the arguments and returns the timeout (seconds) and
	// the indexes of the keys to wait on, or an error text.
	parse func(args [][]byte) (timeout []byte, keys []int, errMsg string)
	// serve tries to serve the command from the key at args[ki] on the
	// running shard, writing the reply to c.W. first: the tx's own try
	// (a wrong type is an error reply then; when woken it just does not
	// serve). It returns served, or errored (an error reply was written).
	// retry: the shard cannot serve it alone (the caller re-runs it).
	serve        func(c *Ctx, args [][]byte, ki int, first bool) (served, errored, retry bool)
	timeoutReply func(w *proto.Writer)
	// noBlockReply answers an empty try that may not block (inside
	// EXEC); nil means timeoutReply. (Redis 7.0: BLMOVE times out with
	// *-1 but answers $-1 inside MULTI, as LMOVE does.)
	noBlockReply func(w *proto.Writer)
}

var blockSpecs = map[string]*blockSpec{}

func init() {
	nullArray := func(w *proto.Writer) { w.NullArray() }
	lastTimeout := func(args [][]byte) ([]byte, []int, string) {
		keys := make([]int, 0, len(args)-2)
		for i := 1; i < len(args)-1; i++ {
			keys = append(keys, i)
		}
		return args[len(args)-1], keys, ""
	}
	popServe := func(left bool) func(c *Ctx, args [][]byte, ki int, first bool) (bool, bool, bool) {
		return func(c *Ctx, args [][]byte, ki int, first bool) (bool, bool, bool) {
			key := args[ki]
			db := c.Shard.DBs[c.DB]
			if v, ok := db.Get(key, c.Now); !ok {
				return false, false, false
			} else if v.Type != TypeList {
				if first {
					c.W.WrongType()
				}
				return false, first, false
			}
			c.W.ArrayLen(2)
			c.W.Bulk(key)
			sink := listSink{w: c.W}
			listPop(db, key, left, 1, listLimitsOf(c.Server), c.Now, &sink)
			return true, false, false
		}
	}
	blockSpecs["blpop"] = &blockSpec{parse: lastTimeout, serve: popServe(true), timeoutReply: nullArray}
	blockSpecs["brpop"] = &blockSpec{parse: lastTimeout, serve: popServe(false), timeoutReply: nullArray}
	blockSpecs["blmpop"] = &blockSpec{
		parse: numkeysParse(func(a [][]byte) (int, string) {
			keys, _, _, msg := parseLMPop(a)
			return len(keys), msg
		}),
		serve: func(c *Ctx, args [][]byte, ki int, first bool) (bool, bool, bool) {
			_, left, count, _ := parseLMPop(args[1:])
			key := args[ki]
			db := c.Shard.DBs[c.DB]
			l, st := openList(db, key, c.Now)
			switch st {
			case listMissing:
				return false, false, false
			case listWrongType:
				if first {
					c.W.WrongType()
				}
				return false, first, false
			}
			c.W.ArrayLen(2)
			c.W.Bulk(key)
			c.W.ArrayLen(int(min(count, l.length())))
			sink := listSink{w: c.W}
			l.pop(left, count, listLimitsOf(c.Server), &sink)
			return true, false, false
		},
		timeoutReply: nullArray,
	}
	moveServe := func(where func(args [][]byte) (from, to bool)) func(c *Ctx, args [][]byte, ki int, first bool) (bool, bool, bool) {
		return func(c *Ctx, args [][]byte, ki int, first bool) (bool, bool, bool) {
			src, dst := args[1], args[2]
			if ShardOf(dst, c.Server.NumShards) != c.Shard.ID {
				if first {
					panic("engine: blocking move tried on one shard with keys on two")
				}
				v, ok := c.Shard.DBs[c.DB].Get(src, c.Now)
				return false, false, ok && v.Type == TypeList
			}
			db := c.Shard.DBs[c.DB]
			v, ok := db.Get(src, c.Now)
			if !ok {
				return false, false, false
			}
			dv, dok := db.Get(dst, c.Now)
			if v.Type != TypeList || dok && dv.Type != TypeList {
				if first {
					c.W.WrongType()
				}
				return false, first, false
			}
			from, to := where(args)
			lmoveLocal(c, src, dst, from, to)
			return true, false, false
		}
	}
	moveParse := func(ti int, check func(args [][]byte) bool) func(args [][]byte) ([]byte, []int, string) {
		return func(args [][]byte) ([]byte, []int, string) {
			if !check(args) {
				return nil, nil, ErrSyntax
			}
			return args[ti], []int{1}, ""
		}
	}
	blockSpecs["blmove"] = &blockSpec{
		parse: moveParse(5, func(args [][]byte) bool {
			_, ok1 := listWhere(args[3])
			_, ok2 := listWhere(args[4])
			return ok1 && ok2
		}),
		serve: moveServe(func(args [][]byte) (bool, bool) {
			from, _ := listWhere(args[3])
			to, _ := listWhere(args[4])
			return from, to
		}),
		timeoutReply: nullArray, // Redis 7.0 answers *-1 here, not $-1
		noBlockReply: func(w *proto.Writer) { w.Null() },
	}
	blockSpecs["brpoplpush"] = &blockSpec{
		parse:        moveParse(3, func([][]byte) bool { return true }),
		serve:        moveServe(func([][]byte) (bool, bool) { return false, true }),
		timeoutReply: nullArray,
		noBlockReply: func(w *proto.Writer) { w.Null() },
	}
	zpopServe := func(max bool) func(c *Ctx, args [][]byte, ki int, first bool) (bool, bool, bool) {
		return func(c *Ctx, args [][]byte, ki int, first bool) (bool, bool, bool) {
			key := args[ki]
			db := c.Shard.DBs[c.DB]
			n, wrong := zsetPop(db, key, max, 1, c.Now, func(total, i int, m []byte, s float64) {
				c.W.ArrayLen(3)
				c.W.Bulk(key)
				c.W.Bulk(m)
				c.W.Double(s)
			})
			if wrong {
				if first {
					c.W.WrongType()
				}
				return false, first, false
			}
			return n > 0, false, false
		}
	}
	blockSpecs["bzpopmin"] = &blockSpec{parse: lastTimeout, serve: zpopServe(false), timeoutReply: nullArray}
	blockSpecs["bzpopmax"] = &blockSpec{parse: lastTimeout, serve: zpopServe(true), timeoutReply: nullArray}
	blockSpecs["bzmpop"] = &blockSpec{
		parse: numkeysParse(func(a [][]byte) (int, string) {
			keys, _, _, msg := zmpopArgs(a)
			return len(keys), msg
		}),
		serve: func(c *Ctx, args [][]byte, ki int, first bool) (bool, bool, bool) {
			_, max, count, _ := zmpopArgs(args[1:])
			key := args[ki]
			var ents []zent
			n, wrong := zsetPop(c.Shard.DBs[c.DB], key, max, int(min(count, math.MaxInt32)), c.Now, func(total, i int, m []byte, s float64) {
				ents = append(ents, zent{m: append([]byte(nil), m...), s: s})
			})
			if wrong {
				if first {
					c.W.WrongType()
				}
				return false, first, false
			}
			if n == 0 {
				return false, false, false
			}
			writeZmpop(c.W, key, ents)
			return true, false, false
		},
		timeoutReply: nullArray,
	}

	numkeysSpec := KeySpec{Flags: []string{"RW", "access", "delete"}, BeginIndex: 2, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}
	lastKeys := []KeySpec{{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: -2, KeyStep: 1}}
	moveKeys := []KeySpec{
		{Flags: []string{"RW", "access", "delete"}, BeginIndex: 1, LastKey: 0, KeyStep: 1},
		{Flags: []string{"RW", "insert"}, BeginIndex: 2, LastKey: 0, KeyStep: 1},
	}
	const f = FlagWrite | FlagBlocking
	bl := func(c *Command) *Command {
		c.Tx = blockingTx(c)
		return c
	}
	register(
		bl(&Command{Name: "blpop", Arity: -3, Flags: f | FlagNoScript, FirstKey: 1, LastKey: -2, Step: 1, KeySpecs: lastKeys, Group: "list",
			Summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
			Since:   "2.0.0", Complexity: "O(N) where N is the number of provided keys.",
			Args: "key... timeout:d", History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}}),
		bl(&Command{Name: "brpop", Arity: -3, Flags: f | FlagNoScript, FirstKey: 1, LastKey: -2, Step: 1, KeySpecs: lastKeys, Group: "list",
			Summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
			Since:   "2.0.0", Complexity: "O(N) where N is the number of provided keys.",
			Args: "key... timeout:d", History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}}),
		bl(&Command{Name: "blmpop", Arity: -5, Flags: f | FlagMovableKeys, KeySpecs: []KeySpec{numkeysSpec}, Group: "list",
			Summary: "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.",
			Since:   "7.0.0", Complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
			Args: "timeout:d numkeys key... (LEFT | RIGHT){where} [COUNT count]"}),
		bl(&Command{Name: "blmove", Arity: 6, Flags: f | FlagDenyOOM | FlagNoScript, FirstKey: 1, LastKey: 2, Step: 1, KeySpecs: moveKeys, Group: "list",
			Summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.",
			Since:   "6.2.0", Complexity: "O(1)",
			Args: "source destination (LEFT | RIGHT){wherefrom} (LEFT | RIGHT){whereto} timeout:d"}),
		bl(&Command{Name: "brpoplpush", Arity: 4, Flags: f | FlagDenyOOM | FlagNoScript, FirstKey: 1, LastKey: 2, Step: 1, KeySpecs: moveKeys, Group: "list",
			Summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.",
			Since:   "2.2.0", Complexity: "O(1)",
			Args: "source destination timeout:d", History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}, DeprecatedSince: "6.2.0", ReplacedBy: "`BLMOVE` with the `RIGHT` and `LEFT` arguments"}),
		bl(&Command{Name: "bzpopmin", Arity: -3, Flags: f | FlagFast | FlagNoScript, FirstKey: 1, LastKey: -2, Step: 1, KeySpecs: lastKeys, Group: "sorted-set",
			Summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
			Since:   "5.0.0", Complexity: "O(log(N)) with N being the number of elements in the sorted set.",
			Args: "key... timeout:d", History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}}),
		bl(&Command{Name: "bzpopmax", Arity: -3, Flags: f | FlagFast | FlagNoScript, FirstKey: 1, LastKey: -2, Step: 1, KeySpecs: lastKeys, Group: "sorted-set",
			Summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.",
			Since:   "5.0.0", Complexity: "O(log(N)) with N being the number of elements in the sorted set.",
			Args: "key... timeout:d", History: [][2]string{{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}}}),
		bl(&Command{Name: "bzmpop", Arity: -5, Flags: f | FlagMovableKeys, KeySpecs: []KeySpec{numkeysSpec}, Group: "sorted-set",
			Summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.",
			Since:   "7.0.0", Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
			Args: "timeout:d numkeys key... (MIN | MAX){where} [COUNT count]"}),
	)
}

// numkeysParse is the parse of BLMPOP/BZMPOP ("timeout numkeys key ...
// options"): check validates args[1:] as LMPOP/ZMPOP would (its args[0]
// is the timeout, standing in for the command name) and counts the keys.
func numkeysParse(check func(a [][]byte) (int, string)) func(args [][]byte) ([]byte, []int, string) {
	return func(args [][]byte) ([]byte, []int, string) {
		n, msg := check(args[1:])
		if msg != "" {
			return nil, nil, msg
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = 3 + i
		}
		return args[1], idx, ""
	}
}

// parseTimeout reads a blocking timeout in seconds (Redis's
// getTimeoutFromObjectOrReply): a non-negative float; 0 means forever.
func parseTimeout(b []byte, now int64) (deadline int64, errMsg string) {
	f, ok := ParseFloat(b)
	if !ok {
		return 0, ErrTimeout
	}
	ms := f * 1000
	// Redis 7.0 converts to long long without a range check: anything
	// beyond it (inf included) comes out negative.
	if f < 0 || ms >= float64(math.MaxInt64) {
		return 0, ErrNegTimeout
	}
	if ms == 0 {
		return 0, ""
	}
	return now + int64(math.Ceil(ms)), ""
}

// blockingTx returns the Tx planner of a blocking command.
func blockingTx(cmd *Command) func(t *Tx, args [][]byte) {
	spec := blockSpecs[cmd.Name]
	return func(t *Tx, args [][]byte) {
		tb, keys, msg := spec.parse(args)
		if msg != "" {
			t.Error(msg)
			return
		}
		deadline, msg := parseTimeout(tb, t.Now)
		if msg != "" {
			t.Error(msg)
			return
		}
		var st struct {
			done bool
			out  []byte
		}
		resp3 := t.Resp3
		if cmd.Name == "blmove" || cmd.Name == "brpoplpush" {
			if t.ShardOf(args[1]) != t.ShardOf(args[2]) {
				blockingMoveTx(t, cmd, args, deadline)
				return
			}
		}
		for _, ki := range keys {
			t.On(t.ShardOf(args[ki]), func(c *Ctx) {
				if st.done {
					return
				}
				w := proto.Writer{Resp3: resp3}
				c.W = &w
				served, errored, _ := spec.serve(c, args, ki, true)
				c.W = nil
				if served || errored {
					st.done, st.out = true, w.Buf
				}
			})
		}
		b := t.blockerFor(cmd, args, deadline)
		if b != nil {
			t.Each(func(c *Ctx) {
				if st.done {
					return
				}
				for _, ki := range keys {
					if ShardOf(args[ki], c.Server.NumShards) == c.Shard.ID {
						c.Shard.register(b, ki)
					}
				}
			})
		}
		t.Reply(func(w *proto.Writer) {
			switch {
			case st.done:
				w.Buf = append(w.Buf, st.out...)
			case b == nil && spec.noBlockReply != nil:
				spec.noBlockReply(w)
			case b == nil:
				spec.timeoutReply(w)
			default:
				t.blocked = b
			}
		})
	}
}

// blockingMoveTx is BLMOVE/BRPOPLPUSH with the source and destination on
// different shards: LMOVE's plan, then registration on the source when
// the source was empty.
func blockingMoveTx(t *Tx, cmd *Command, args [][]byte, deadline int64) {
	from, to := false, true
	if cmd.Name == "blmove" {
		from, _ = listWhere(args[3])
		to, _ = listWhere(args[4])
	}
	var s struct {
		dstWrong, srcWrong, missing, popped bool
		val                                 []byte
	}
	src, dst := args[1], args[2]
	ds, ss := t.ShardOf(dst), t.ShardOf(src)
	t.On(ds, func(c *Ctx) {
		v, ok := c.Shard.DBs[c.DB].Get(dst, c.Now)
		s.dstWrong = ok && v.Type != TypeList
	})
	b := t.blockerFor(cmd, args, deadline)
	t.On(ss, func(c *Ctx) {
		l, st := openList(c.Shard.DBs[c.DB], src, c.Now)
		switch {
		case st == listWrongType:
			s.srcWrong = true
			return
		case st == listMissing:
			s.missing = true
			if b != nil && !s.dstWrong {
				c.Shard.register(b, 1)
			}
			return
		case s.dstWrong:
			return
		}
		var sink listSink
		l.pop(from, 1, listLimitsOf(c.Server), &sink)
		s.val, s.popped = sink.vals[0], true
	})
	t.On(ds, func(c *Ctx) {
		if s.popped {
			listPush(c.Shard.DBs[c.DB], dst, to, [][]byte{s.val}, false, listLimitsOf(c.Server), c.Now)
		}
	})
	t.Reply(func(w *proto.Writer) {
		switch {
		case s.srcWrong || s.dstWrong:
			w.WrongType()
		case s.popped:
			w.Bulk(s.val)
		case b == nil:
			w.Null()
		default:
			t.blocked = b
		}
	})
}

// blockerFor makes the Blocker a blocking tx registers, or nil when the
// tx may not block (inside EXEC, from Server.Do).
func (t *Tx) blockerFor(cmd *Command, args [][]byte, deadline int64) *Blocker {
	if t.NoBlock {
		return nil
	}
	b := &Blocker{Cmd: cmd, Args: args, DB: t.DB, Resp3: t.Resp3, Deadline: deadline, Slot: t.ConnSlot, Gen: t.ConnGen}
	if t.Coordinator != nil {
		b.Coord = t.Coordinator.ID
	}
	if t.Sess != nil {
		b.ClientID = t.Sess.ID
	}
	return b
}

// BlockedOn returns the Blocker the tx ended blocked on (set by its reply
// writer), or nil.
func (t *Tx) BlockedOn() *Blocker { return t.blocked }

// register adds b as a waiter on args[ki] of this shard.
func (s *Shard) register(b *Blocker, ki int) {
	if s.blocked == nil {
		s.blocked = make(map[uint64][]blockWaiter)
	}
	h := KeyHash(b.Args[ki])
	s.blocked[h] = append(s.blocked[h], blockWaiter{b: b, ki: ki})
}

// HasBlocked reports whether any client waits on a key of this shard.
func (s *Shard) HasBlocked() bool { return len(s.blocked) > 0 }

// keyReady is called after a write touched key hash h in db: it serves
// the key's waiters now, or queues the key when serving is deferred.
func (s *Shard) keyReady(db int, h uint64, now int64) {
	if _, ok := s.blocked[h]; !ok {
		return
	}
	if s.deferServe {
		s.readyKeys = append(s.readyKeys, readyKey{db, h})
		return
	}
	s.serveKey(db, h, now)
}

type readyKey struct {
	db int
	h  uint64
}

// serveKey serves waiters on key hash h in FIFO order while the key can.
func (s *Shard) serveKey(db int, h uint64, now int64) {
	ws := s.blocked[h]
	i := 0
	for ; i < len(ws); i++ {
		wt := ws[i]
		b := wt.b
		if b.state.Load() == blkDone {
			continue
		}
		if b.DB != db {
			break // keep it; a write in another db does not concern it
		}
		if !b.state.CompareAndSwap(blkWaiting, blkClaimed) {
			continue // another shard is serving it; the next waiter may take this key
		}
		w := proto.Writer{Resp3: b.Resp3}
		c := &Ctx{Server: s.Server, Shard: s, DB: b.DB, W: &w, Now: now}
		served, _, retry := blockSpecs[b.Cmd.Name].serve(c, b.Args, wt.ki, false)
		if !served && !retry {
			b.state.Store(blkWaiting)
			break
		}
		b.Reply, b.Retry = w.Buf, retry
		b.state.Store(blkDone)
		if s.OnServed != nil {
			s.OnServed(b)
		}
		if retry {
			i++
			break
		}
		// The pop was a write too: it may touch watchers and wake others.
		s.TouchKey(db, h)
	}
	// Everything before i has ended (served, or finished elsewhere); keep
	// the rest that is still live, in order.
	j := 0
	for _, wt := range ws[i:] {
		if wt.b.state.Load() != blkDone {
			ws[j] = wt
			j++
		}
	}
	clear(ws[j:])
	if j == 0 {
		delete(s.blocked, h)
	} else {
		s.blocked[h] = ws[:j]
	}
}

// ServeDeferred serves the keys that became ready while serving was
// deferred (inside EXEC) and ends the deferral.
func (s *Shard) ServeDeferred(now int64) {
	s.deferServe = false
	for len(s.readyKeys) > 0 {
		r := s.readyKeys[0]
		s.readyKeys = s.readyKeys[1:]
		s.serveKey(r.db, r.h, now)
	}
	s.readyKeys = nil
}

// pruneBlocked drops finished waiters (from Tick).
func (s *Shard) pruneBlocked() {
	for h, ws := range s.blocked {
		j := 0
		for _, wt := range ws {
			if wt.b.state.Load() != blkDone {
				ws[j] = wt
				j++
			}
		}
		clear(ws[j:])
		if j == 0 {
			delete(s.blocked, h)
		} else {
			s.blocked[h] = ws[:j]
		}
	}
}

// TrackBlocked records b as its client's blocking command (CLIENT
// UNBLOCK finds it by b.ClientID); Untrack forgets it.
func (srv *Server) TrackBlocked(b *Blocker) { srv.blockedByID.Store(b.ClientID, b) }

// UntrackBlocked forgets b.
func (srv *Server) UntrackBlocked(b *Blocker) { srv.blockedByID.CompareAndDelete(b.ClientID, b) }

// unblockClient ends client id's blocking command as CLIENT UNBLOCK does
// (with the timeout reply, or an UNBLOCKED error), reporting whether it
// was blocked.
func (srv *Server) unblockClient(id uint64, withError bool) bool {
	v, ok := srv.blockedByID.Load(id)
	if !ok {
		return false
	}
	b := v.(*Blocker)
	if !b.Cancel() {
		return false
	}
	w := proto.Writer{Resp3: b.Resp3}
	if withError {
		w.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
	} else {
		b.TimeoutReply(&w)
	}
	b.Reply = w.Buf
	srv.Deliver(b)
	return true
}
