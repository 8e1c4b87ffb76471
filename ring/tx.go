package ring

import (
	"sync"
	"sync/atomic"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
)

// The transaction runtime: it drives engine.Tx plans (multi-shard
// commands, global commands, EXEC) across shards with VLL locking (see
// engine.LockTable and docs/transactions.md).
//
// Life of a tx, coordinated by the shard that owns the client connection:
//
//	plan      coordinator: engine.Tx.Plan (keys, phases, reply writers)
//	schedule  coordinator takes Server.schedMu, gives the tx the next id and
//	          posts a schedule message to every involved shard's inbox;
//	          the global lock makes every inbox receive schedules in id
//	          order. Each shard adds the tx to its LockTable and acks.
//	phases    once every shard acked, phase after phase: an exec message per
//	          shard of the phase; a shard runs it once the tx is runnable
//	          there (parks it otherwise) and acks. The exec message of a
//	          shard's last phase also releases the tx there.
//	reply     coordinator writes the reply writers' output to the
//	          connection, in command order.
//
// A tx with one phase that runs on all its shards is scheduled and run in
// one hop (quick): its schedule carries the phase, each shard runs it once
// the tx is runnable there, releases it and acks with msgDone. Keyed
// commands add waiting schedules to the LockTable first (syncInbox), so
// none can see such a tx half done (docs/transactions.md). The
// coordinator queues (and runs) its own part without a message.
//
// A tx whose shards are all the coordinator and whose keys are free runs
// inline without any of that (the fast path), and a tx that locks nothing
// (SCAN, INFO) skips scheduling. Finished txns go back to the
// coordinator's pool (putTxn).
//
// Inboxes carry tx messages between threads (shard threads and, for
// Server.Do, other goroutines). They are multi-producer: a mutex per
// inbox, taken for a slice append or swap. The hot single-key path never
// touches them.

type txMsgKind uint8

const (
	msgSchedule  txMsgKind = iota // coordinator → shard: queue the tx
	msgScheduled                  // shard → coordinator
	msgExec                       // coordinator → shard: run a phase (release after if last)
	msgRelease                    // coordinator → shard: release without a phase
	msgDone                       // shard → coordinator: exec or release finished
	msgUnblock                    // serving shard → coordinator: a blocked client was served
)

type txMsg struct {
	kind    txMsgKind
	tx      *txn
	from    int
	fn      func(*engine.Ctx)
	release bool
	blk     *engine.Blocker
	// quick: a schedule that carries the tx's only phase (fn, release):
	// the shard runs it as soon as the tx is runnable there and acks with
	// msgDone (one hop instead of schedule, ack, exec, ack).
	quick bool
	// added: syncInbox already added the schedule's entry to the
	// LockTable.
	added bool
}

// inbox is a shard's multi-producer message queue.
type inbox struct {
	mu   sync.Mutex
	msgs []txMsg
	n    atomic.Int32 // len(msgs), readable without the lock
	// pushes counts the messages pushed (under mu; benchmarks read it).
	pushes uint64

	// The owning shard's thread only: msgs[:synced] have had their
	// schedules added to the LockTable (syncInbox; it changes them under
	// mu); draining is set while drainInbox handles taken messages.
	synced   int
	draining bool
}

func (q *inbox) push(m txMsg) {
	q.mu.Lock()
	q.pushLocked(m)
	q.mu.Unlock()
}

// pushLocked appends m; q.mu is held.
func (q *inbox) pushLocked(m txMsg) {
	q.msgs = append(q.msgs, m)
	q.pushes++
	q.n.Store(int32(len(q.msgs)))
}

// take swaps the queued messages into buf (returned) and leaves buf's old
// array as the new queue.
func (q *inbox) take(buf []txMsg) []txMsg {
	q.mu.Lock()
	out := q.msgs
	q.msgs = buf[:0]
	q.n.Store(0)
	q.synced = 0
	q.mu.Unlock()
	return out
}

// txn is the runtime's state of one tx. The coordinator owns everything
// except entries[s] and pend[s], which belong to shard s from the schedule
// message on (the inbox mutexes order the hand-offs).
type txn struct {
	t     *engine.Tx
	coord int
	id    uint64
	// locked: the tx takes locks (has keys or is global); otherwise it is
	// not scheduled and its phases run as soon as they arrive.
	locked bool
	sched  bool // every involved shard acked the schedule

	// The waiting party: a connection (t.ConnSlot/ConnGen, see waitFor),
	// or an external request (done receives the RESP2 reply).
	done chan []byte
	// cmd and start feed the command counters (nil cmd: not a command).
	cmd   *engine.Command
	start int64
	args  [][]byte // the tx's copy of cmd's arguments (slow log)

	phase     int
	waiting   int
	lastPhase []int // per shard: last phase that runs there (-1: none)
	entries   []engine.TxEntry
	pend      []txMsg // pend[s]: an exec parked on shard s (tx nil: none)

	// argBuf and argv back args (copyArgs); the pool keeps them.
	argBuf []byte
	argv   [][]byte
}

// waitFor makes connection c the tx's waiting party (its Blocker, if it
// blocks, points there too).
func (x *txn) waitFor(c *conn) { x.t.ConnSlot, x.t.ConnGen = c.slot, c.gen }

// txLocal is a shard's own tx runtime state (its thread only).
type txLocal struct {
	// free holds finished txns for reuse: a steady stream of txs
	// allocates nothing here.
	free []*txn
}

// newTxn prepares a tx coordinated by s, from the shard's pool.
func (s *shard) newTxn(db int, resp3 bool) *txn {
	n := len(s.srv.shards)
	var x *txn
	if f := s.txs.free; len(f) > 0 {
		x = f[len(f)-1]
		f[len(f)-1] = nil
		s.txs.free = f[:len(f)-1]
		x.t.Reuse(s.srv.eng, n, db, s.nowMs, resp3)
	} else {
		x = &txn{coord: s.id, t: engine.NewTx(s.srv.eng, n, db, s.nowMs, resp3),
			lastPhase: make([]int, n), entries: make([]engine.TxEntry, n), pend: make([]txMsg, n)}
	}
	x.t.Coordinator = s.eng
	return x
}

// putTxn returns a finished tx to the pool. Every shard has acked its
// last message by now and no longer touches it (a LockTable slot it
// left behind is told apart by the entries' generation), and nothing
// else refers to it: a tx that ended blocked is not put back (its
// Blocker keeps its arguments).
func (s *shard) putTxn(x *txn) {
	if len(s.txs.free) >= maxFreeTxns || x.t.BlockedOn() != nil {
		return
	}
	x.id, x.locked, x.sched = 0, false, false
	x.done, x.cmd, x.start, x.args = nil, nil, 0, nil
	x.phase, x.waiting = 0, 0
	if cap(x.argBuf) > maxKeptBytes || cap(x.argv) > maxKeptArgs {
		x.argBuf, x.argv = nil, nil // a huge command's copy is not kept
	}
	for i := range x.entries {
		e := &x.entries[i]
		e.Keys, e.Global, e.Payload = e.Keys[:0], false, nil
		if cap(e.Keys) > maxKeptArgs {
			e.Keys = nil
		}
	}
	s.txs.free = append(s.txs.free, x)
}

// maxFreeTxns bounds a shard's pool of txns; a pooled txn keeps at most
// maxKeptBytes of argument copy and maxKeptArgs arguments.
const (
	maxFreeTxns  = 256
	maxKeptBytes = 64 << 10
	maxKeptArgs  = 4096
)

// copyArgs copies args into x's own argument buffers (kept by the pool).
func (x *txn) copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	if cap(x.argBuf) < n {
		x.argBuf = make([]byte, 0, n)
	}
	buf := x.argBuf[:0]
	out := x.argv[:0]
	for _, a := range args {
		buf = append(buf, a...)
		out = append(out, buf[len(buf)-len(a):len(buf):len(buf)])
	}
	x.argBuf, x.argv = buf, out
	return out
}

// startTx plans cmd for connection c (or an external request when c is
// nil) and starts it. It reports whether the tx finished already (its reply
// is in c.out); otherwise the connection waits (c.waiting) until txDone.
func (s *shard) startTx(c *conn, cmd *engine.Command, args [][]byte) bool {
	x := s.newTxn(c.sess.DB, c.sess.Resp3)
	if cmd.Flags&engine.FlagConn != 0 {
		x.t.Sess = &c.sess
	}
	x.cmd, x.start = cmd, s.eng.BeginCommand(cmd)
	x.waitFor(c)
	x.args = x.copyArgs(args)
	x.t.Plan(cmd, x.args)
	return s.launch(x, c)
}

// launch runs x inline when it can, else starts the protocol. c is the
// waiting connection (nil for external requests).
func (s *shard) launch(x *txn, c *conn) bool {
	t := x.t
	if t.Failed() || len(t.Phases()) == 0 {
		s.txFinish(x, c)
		return true
	}
	if s.inlineOK(t) {
		s.runInlineTx(t)
		if s.txFinish(x, c) {
			c.waiting++ // blocked: the connection waits for unblocked
			return false
		}
		return true
	}
	if c != nil {
		c.waiting++
	}
	s.txsOut++
	for i := range x.lastPhase {
		x.lastPhase[i] = -1
	}
	for p, ph := range t.Phases() {
		if ph.Shard >= 0 {
			x.lastPhase[ph.Shard] = p
			continue
		}
		for _, sh := range t.Shards() {
			x.lastPhase[sh] = p
		}
	}
	x.locked = t.Global() || len(t.Keys()) > 0
	if !x.locked {
		s.txPhase(x)
		return false
	}
	for _, k := range t.Keys() {
		e := &x.entries[k.Shard]
		e.Keys = append(e.Keys, k)
	}
	shards := t.Shards()
	for _, sh := range shards {
		x.entries[sh].Global = t.Global()
		x.entries[sh].Payload = x
	}
	x.waiting = len(shards)
	m := txMsg{kind: msgSchedule, tx: x, from: s.id}
	if ph := t.Phases(); len(ph) == 1 && (ph[0].Shard < 0 || len(shards) == 1) {
		// One phase on every involved shard: schedule and run in one hop.
		m.quick, m.fn, m.release = true, ph[0].Fn, true
		x.sched = true
	}
	srv := s.srv
	srv.schedMu.Lock()
	srv.txSeq++
	x.id = srv.txSeq
	// here: this shard is involved and queues the tx itself, without a
	// message to its own inbox. Every schedule with a smaller id is in
	// our inbox by now (they are pushed under schedMu) or in the
	// LockTable already (drainInbox adds a taken batch's schedules
	// before handling it); syncInbox adds those still in the inbox, so
	// adding ours now keeps the global order.
	here := x.entries[s.id].Payload != nil
	// Every target inbox is locked before any message is appended and
	// unlocked only after the last one: no shard can take (and, quick,
	// run) its part before every other shard's schedule is in that
	// shard's inbox, where its next keyed command finds it (syncInbox).
	for _, sh := range shards {
		if sh != s.id || !here {
			srv.shards[sh].inbox.mu.Lock()
		}
	}
	for _, sh := range shards {
		if sh != s.id || !here {
			srv.shards[sh].inbox.pushLocked(m)
		}
	}
	for _, sh := range shards {
		if sh != s.id || !here {
			srv.shards[sh].inbox.mu.Unlock()
		}
	}
	if here {
		s.syncInbox()
		s.locks.Add(&x.entries[s.id])
		m.added = true // (after the pushes: the other shards add theirs)
	}
	srv.schedMu.Unlock()
	for _, sh := range shards {
		s.wakeLater(sh)
	}
	if !here {
		return false
	}
	if !s.scheduleHere(&m, true) || x.waiting > 0 {
		return false
	}
	// Every part ran here and then: the tx is over already.
	s.txsOut--
	if c != nil {
		c.waiting--
	}
	if s.txFinish(x, c) {
		c.waiting++ // blocked: the connection waits for unblocked
		return false
	}
	return true
}

// scheduleHere queues the tx of schedule message m in this shard's
// LockTable (unless syncInbox did) and acks it; a quick tx runs at once
// when it is runnable here, else when it becomes so (wakeNext). inline:
// the coordinator itself calls it from launch, so the ack is counted
// directly; it reports whether the quick phase ran.
func (s *shard) scheduleHere(m *txMsg, inline bool) bool {
	x := m.tx
	e := &x.entries[s.id]
	if !m.added {
		s.locks.Add(e)
	}
	if !m.quick {
		if inline {
			x.waiting--
			if x.waiting == 0 {
				s.txAdvance(x)
			}
			return false
		}
		s.post(x.coord, txMsg{kind: msgScheduled, tx: x, from: s.id})
		return false
	}
	if !s.locks.Runnable(e) {
		x.pend[s.id] = *m
		return false
	}
	s.runPhaseFn(x.t, m.fn)
	s.txRelease(x)
	if inline {
		x.waiting--
		return true
	}
	s.post(x.coord, txMsg{kind: msgDone, tx: x, from: s.id})
	return true
}

// inlineOK reports whether t may run right here, now: every shard it
// involves is this one and none of its locks would wait.
func (s *shard) inlineOK(t *engine.Tx) bool {
	for _, sh := range t.Shards() {
		if sh != s.id {
			return false
		}
	}
	s.syncInbox() // like keysFree: queued-but-unseen quick txs come first
	lt := s.locks
	if lt.Empty() {
		return true
	}
	if t.Global() {
		return false
	}
	for _, k := range t.Keys() {
		if !lt.IsFree(k.Hash, k.Exclusive) {
			return false
		}
	}
	return true
}

func (s *shard) runInlineTx(t *engine.Tx) {
	for _, ph := range t.Phases() {
		s.runPhaseFn(t, ph.Fn)
	}
}

func (s *shard) runPhaseFn(t *engine.Tx, fn func(*engine.Ctx)) {
	ctx := &s.ctx
	ctx.Shard = s.eng
	ctx.DB = t.DB
	ctx.Sess = nil
	ctx.W = nil
	ctx.Now = t.Now
	ctx.Close = false
	fn(ctx)
	s.eng.AfterTxPhase(t)
}

// post sends m to shard sh's inbox; the shard is woken at the end of this
// loop iteration (wakeTargets), once for everything sent to it meanwhile.
func (s *shard) post(sh int, m txMsg) {
	s.srv.shards[sh].inbox.push(m)
	s.wakeLater(sh)
}

// wakeLater has shard sh woken by this iteration's wakeTargets (the shard
// loop calls it after the inbox, the ready connections and the outboxes).
func (s *shard) wakeLater(sh int) {
	if sh != s.id {
		s.wake[sh] = true
	}
}

// txPhase sends the current phase's exec messages (and the releases of
// shards that have no phase left).
func (s *shard) txPhase(x *txn) {
	t := x.t
	ph := t.Phases()[x.phase]
	x.waiting = 0
	send := func(sh int) {
		x.waiting++
		rel := x.locked && x.lastPhase[sh] == x.phase
		s.post(sh, txMsg{kind: msgExec, tx: x, from: s.id, fn: ph.Fn, release: rel})
	}
	if x.phase == 0 && x.locked {
		for _, sh := range t.Shards() {
			if x.lastPhase[sh] < 0 {
				x.waiting++
				s.post(sh, txMsg{kind: msgRelease, tx: x, from: s.id})
			}
		}
	}
	if ph.Shard >= 0 {
		send(ph.Shard)
		return
	}
	for _, sh := range t.Shards() {
		send(sh)
	}
}

// syncInbox queues the txs of the schedules waiting in the inbox in the
// LockTable, in inbox (= global) order, without running anything or
// taking the messages (drainInbox handles them later). keysFree calls it
// before every keyed command, so a command that follows (in real time) a
// quick tx's run on another shard finds the tx's keys held here: the tx's
// schedule was in our inbox before that run (launch), hence before the
// command (docs/transactions.md).
func (s *shard) syncInbox() {
	q := &s.inbox
	if int(q.n.Load()) == q.synced {
		return
	}
	q.mu.Lock()
	s.addSchedules(q.msgs[q.synced:])
	q.synced = len(q.msgs)
	q.mu.Unlock()
}

// addSchedules adds the entries of msgs' schedules not added yet.
func (s *shard) addSchedules(msgs []txMsg) {
	for i := range msgs {
		if m := &msgs[i]; m.kind == msgSchedule && !m.added {
			s.locks.Add(&m.tx.entries[s.id])
			m.added = true
		}
	}
}

// drainInbox handles every message in the shard's inbox (and those that
// handling them adds to it). The schedules of a taken batch are all added
// to the LockTable before any message of it is handled, so that a
// syncInbox while handling them (a resumed hop's keysFree) cannot add a
// later schedule before them.
func (s *shard) drainInbox() {
	s.inbox.draining = true
	for s.inbox.n.Load() > 0 {
		msgs := s.inbox.take(s.msgBuf)
		s.addSchedules(msgs)
		for i := range msgs {
			s.handleMsg(&msgs[i])
		}
		clear(msgs)
		s.msgBuf = msgs[:0]
	}
	s.inbox.draining = false
}

func (s *shard) handleMsg(m *txMsg) {
	x := m.tx
	switch m.kind {
	case msgSchedule:
		s.scheduleHere(m, false)
	case msgScheduled, msgDone:
		x.waiting--
		if x.waiting == 0 {
			s.txAdvance(x)
		}
	case msgExec:
		if x.locked && !s.locks.Runnable(&x.entries[s.id]) {
			x.pend[s.id] = *m
			return
		}
		s.txExec(m)
	case msgRelease:
		s.txRelease(x)
		s.post(x.coord, txMsg{kind: msgDone, tx: x, from: s.id})
	case msgUnblock:
		s.unblocked(m.blk)
	}
}

// txExec runs one phase function of a runnable tx on this shard.
func (s *shard) txExec(m *txMsg) {
	x := m.tx
	s.runPhaseFn(x.t, m.fn)
	if m.release {
		s.txRelease(x)
	}
	s.post(x.coord, txMsg{kind: msgDone, tx: x, from: s.id})
}

// txRelease releases x's locks here and runs whatever that unblocks.
func (s *shard) txRelease(x *txn) {
	s.wakeNext(s.locks.Release(&x.entries[s.id]))
}

// wakeNext runs the entries that became runnable, one after another.
func (s *shard) wakeNext(e *engine.TxEntry) {
	for e != nil {
		switch p := e.Payload.(type) {
		case *txn:
			m := p.pend[s.id]
			if m.tx == nil {
				return // its exec has not arrived yet; it runs on arrival
			}
			p.pend[s.id] = txMsg{}
			if !m.release {
				s.txExec(&m)
				return // it holds its locks; nothing else became runnable
			}
			s.runPhaseFn(p.t, m.fn)
			next := s.locks.Release(e)
			s.post(p.coord, txMsg{kind: msgDone, tx: p, from: s.id})
			e = next
		case *hop:
			e = s.resumeHop(p, e)
		default:
			panic("ring: unknown lock table entry")
		}
	}
}

// txAdvance moves the tx on once every ack of its step is in.
func (s *shard) txAdvance(x *txn) {
	if x.locked && !x.sched {
		x.sched = true // every shard has queued it: phases may start
		s.txPhase(x)
		return
	}
	x.phase++
	if x.phase < len(x.t.Phases()) {
		s.txPhase(x)
		return
	}
	s.txsOut--
	if x.done != nil {
		s.txFinish(x, nil)
		return
	}
	c := s.conns[x.t.ConnSlot]
	if c.gen != x.t.ConnGen || c.waiting == 0 {
		panic("ring: tx finished for a connection that is not waiting for it")
	}
	c.waiting--
	if s.txFinish(x, c) {
		c.waiting++ // blocked: the connection waits for unblocked
		return
	}
	if c.closing {
		s.maybeFree(c)
		return
	}
	s.markReady(c)
	s.markDirty(c)
}

// txFinish writes the tx's replies to the connection (or the external
// request) and ends it (x goes back to the pool). It reports true when the
// tx ended blocked: the connection (its caller keeps it waiting) is now in
// blockedList.
func (s *shard) txFinish(x *txn, c *conn) bool {
	blocked := s.txReply(x, c)
	s.putTxn(x)
	return blocked
}

// txReply writes the tx's replies (txFinish).
func (s *shard) txReply(x *txn, c *conn) bool {
	if x.done != nil {
		var w proto.Writer
		x.t.WriteReplies(&w)
		if x.cmd != nil {
			s.eng.EndCommand(x.cmd, x.start, w.Buf, x.args...)
		}
		x.done <- w.Buf
		return false
	}
	w := &s.w
	w.Resp3 = x.t.Resp3
	w.Buf = c.out
	before := len(c.out)
	x.t.WriteReplies(w)
	c.out = w.Buf
	w.Buf = nil
	if b := x.t.BlockedOn(); b != nil {
		if c.closing {
			b.Cancel()
			return false
		}
		c.blk = b
		if s.takeEarly(b) {
			// A shard served it before the tx's last ack came back: hand
			// its unblocked message back to our inbox; it completes the
			// connection like any other.
			s.inbox.push(txMsg{kind: msgUnblock, blk: b})
			return true
		}
		if b.Done() {
			// A shard served it and its unblocked message is still on the
			// way (nothing else can end a Blocker before it is tracked):
			// keep waiting for that message.
			return true
		}
		b.ClientID = c.sess.ID
		s.srv.eng.TrackBlocked(b)
		s.blockedList = append(s.blockedList, b)
		s.srv.eng.BlockedClients.Add(1)
		return true
	}
	if x.cmd != nil {
		s.eng.EndCommand(x.cmd, x.start, c.out[before:], x.args...)
	}
	if c.closing {
		c.out = c.out[:before]
	}
	c.dropReply(before)
	return false
}

// ---- single-shard commands meeting locked keys ----

// keysFree reports whether cmd's keys are free on this shard (the fast
// path when no tx is queued here).
func (s *shard) keysFree(cmd *engine.Command, args [][]byte) bool {
	s.syncInbox()
	if s.locks.Empty() {
		return true
	}
	free := true
	excl := cmd.Flags&engine.FlagWrite != 0
	cmd.KeyPositions(args, func(i int) {
		if free && !s.locks.IsFree(engine.KeyHash(args[i]), excl) {
			free = false
		}
	})
	return free
}

// parkHop queues hop h, stopped before command i whose keys are taken, as
// a local entry; it resumes (resumeHop) once the entry is runnable.
func (s *shard) parkHop(h *hop, cmd *engine.Command, args [][]byte) {
	e := &h.entry
	e.Keys = e.Keys[:0]
	excl := cmd.Flags&engine.FlagWrite != 0
	cmd.KeyPositions(args, func(i int) {
		e.Keys = append(e.Keys, engine.TxKey{Hash: engine.KeyHash(args[i]), Exclusive: excl})
	})
	e.Payload = h
	e.Global = false
	s.locks.Add(e)
	h.parked = true
	if h.origin == s.id && !h.away {
		h.away = true
		s.hopsOut++ // a parked local hop is away like a sent one, until hopReturned
	}
}

// resumeHop runs the parked command of h (its entry e is runnable), then
// releases e and carries on with the rest of the hop. It returns the next
// entry the release unblocked.
func (s *shard) resumeHop(h *hop, e *engine.TxEntry) *engine.TxEntry {
	s.prepHop()
	h.argsOf(h.next)
	h.runOne(&s.ctx, &s.w)
	next := s.locks.Release(e)
	h.parked = false
	if s.runHop(h) {
		s.hopDone(h)
	}
	return next
}

// hopDone sends a finished hop back to its origin (or, for our own
// connection's local hop, completes it here).
func (s *shard) hopDone(h *hop) {
	if h.origin == s.id {
		s.hopReturned(h)
		return
	}
	s.pushHop(h.origin, h)
}

func (s *shard) prepHop() {
	s.eng.ClockStale()
	s.ctx.Shard = s.eng
	s.ctx.Now = s.nowMs
	s.ctx.W = &s.w
}

// runHop runs h's commands from where it stopped. It reports false when it
// parked at a command whose keys are taken (the hop resumes later).
func (s *shard) runHop(h *hop) bool {
	s.prepHop()
	for h.next < len(h.cmds) {
		cmd, argv := h.argsOf(h.next)
		if !s.keysFree(cmd, argv) {
			s.parkHop(h, cmd, argv)
			return false
		}
		h.runOne(&s.ctx, &s.w)
	}
	clear(h.argv)
	return true
}

// ---- blocked clients (engine/blocking.go) ----

// onServed is the engine's OnServed: shard s served (or wants retried) a
// client blocked on one of its keys; tell the client's coordinator.
func (s *shard) onServed(b *engine.Blocker) {
	s.post(b.Coord, txMsg{kind: msgUnblock, blk: b})
}

// unblocked ends a blocked client on its coordinator: b is done, with its
// reply (or Retry) set by whoever ended it.
func (s *shard) unblocked(b *engine.Blocker) {
	if c := s.conns[b.Slot]; c.gen != b.Gen || c.blk != b {
		if c.gen == b.Gen && !c.closing {
			// Served before its tx finished here: txFinish picks it up.
			s.early = append(s.early, b)
		} // else the client left while a shard served it
		return
	}
	for i, x := range s.blockedList {
		if x == b {
			s.blockedList = append(s.blockedList[:i], s.blockedList[i+1:]...)
			s.srv.eng.BlockedClients.Add(-1)
			s.srv.eng.UntrackBlocked(b)
			break
		}
	}
	c := s.conns[b.Slot]
	c.blk = nil
	c.waiting--
	if c.closing {
		s.maybeFree(c)
		return
	}
	if b.Retry {
		s.retryBlocked(c, b)
		if c.waiting > 0 {
			return
		}
	} else {
		before := len(c.out)
		c.out = append(c.out, b.Reply...)
		c.dropReply(before)
	}
	s.markReady(c)
	s.markDirty(c)
}

// nextBlockDeadlineNs is how long until the earliest blocked client's
// timeout (for the loop's wait).
func (s *shard) nextBlockDeadlineNs(now int64) int64 {
	best := int64(1 << 62)
	for _, b := range s.blockedList {
		if b.Deadline != 0 {
			best = min(best, b.Deadline*1e6-now)
		}
	}
	return max(best, 0)
}

// expireBlocked times out blocked clients whose deadline passed.
func (s *shard) expireBlocked() {
	for i := 0; i < len(s.blockedList); i++ {
		b := s.blockedList[i]
		if b.Deadline == 0 || b.Deadline > s.nowMs || !b.Cancel() {
			continue
		}
		var w proto.Writer
		w.Resp3 = b.Resp3
		b.TimeoutReply(&w)
		b.Reply = w.Buf
		s.unblocked(b)
		i--
	}
}

// cancelBlocked ends a closing connection's blocking command. If a shard
// is serving it at this moment, its unblocked message completes it.
func (s *shard) cancelBlocked(c *conn) {
	if b := c.blk; b != nil && b.Cancel() {
		s.unblocked(b)
	}
}

// takeEarly reports (and forgets) whether b was served before its tx
// finished.
func (s *shard) takeEarly(b *engine.Blocker) bool {
	for i, x := range s.early {
		if x == b {
			s.early = append(s.early[:i], s.early[i+1:]...)
			return true
		}
	}
	return false
}

// retryBlocked runs a blocked command again for c (its keys are on two
// shards, so the shard that saw the push could not serve it alone); it
// blocks again, at the tail, if there is still nothing to take.
func (s *shard) retryBlocked(c *conn, b *engine.Blocker) {
	x := s.newTxn(b.DB, b.Resp3)
	x.waitFor(c)
	x.t.Plan(b.Cmd, b.Args)
	s.launch(x, c)
}
