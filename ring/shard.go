package ring

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/numa"
	"github.com/darnerdb/darner/proto"
	"golang.org/x/sys/unix"
)

// hopRingCap is the capacity of each shard-to-shard SPSC ring (a variable
// so that a test can make rings tiny and exercise the outboxes).
var hopRingCap = 1024

// outboxRetryNs is how long a shard with hops waiting for ring room sleeps
// at most before retrying (the target does not signal freed room).
const outboxRetryNs = 100_000

// shard is one event loop: one goroutine locked to one OS thread pinned to
// one CPU. Everything in it except the fields marked "shared" belongs to
// that thread.
type shard struct {
	id   int
	cpu  int // -1: not pinned
	node int // NUMA node of cpu (-1: unknown)
	srv  *Server
	log  *slog.Logger

	// shared: sleeping is set by the shard just before it blocks in its
	// poller and cleared when it wakes; other shards read it (and clear it
	// with a CAS) to decide whether a push needs an eventfd write.
	_        [64]byte
	sleeping atomic.Bool
	_        [64]byte
	// shared: accepts counts accepted connections (read by tests and
	// stats from any goroutine).
	accepts atomic.Uint64
	// shared: ext is the inbox for Server.Do (txrun.go).
	ext extQueue
	// shared: pushq receives push records for this shard's connections
	// (push.go).
	pushq pushQueue

	// efd is the shard's eventfd (created by NewServer; any thread may
	// write it).
	efd int
	// listeners are this shard's SO_REUSEPORT listening sockets (created
	// by NewServer, owned by the shard once started).
	listeners []int

	p   poller
	eng *engine.Shard

	in     []*SPSC[*hop] // in[j]: ring from shard j to this one (nil for j == id)
	out    []*SPSC[*hop] // out[j]: ring from this shard to shard j
	outbox [][]*hop      // outbox[j]: hops waiting for room in out[j], FIFO
	wake   []bool        // wake[j]: pushed to j this iteration
	pool   []*hop
	// hopsOut counts this shard's hops that are away (sent, not back).
	hopsOut int

	// Transactions (tx.go). inbox is shared: any thread pushes to it.
	inbox  inbox
	msgBuf []txMsg
	locks  *engine.LockTable
	txsOut int     // txs this shard coordinates that have not finished
	txs    txLocal // the tx runtime's own state (tx.go)
	// blockedList: this shard's clients blocked in a blocking command
	// (blocking.go), for their timeouts.
	blockedList []*engine.Blocker
	// early: Blockers served before their tx finished on this shard.
	early []*engine.Blocker

	conns     []*conn
	freeSlots []uint32
	nconns    int
	ready     []*conn // connections to run process on this iteration
	dirty     []*conn // connections with output to send

	ctx    engine.Ctx
	w      proto.Writer
	mcReq  engine.MCRequest // memcached parts scratch (memcache.go)
	events [256]event
	popped [64]*hop
	nowMs  int64
	stats  loopStats
	// idleCheckedAt: when closeIdle last looked at the connections (ms).
	idleCheckedAt int64
	// maxBulkLen and queryLimit: proto-max-bulk-len and
	// client-query-buffer-limit, refreshed from CONFIG on every tick.
	maxBulkLen, queryLimit int64     // INFO and /metrics counters (txrun.go)
	push                   pushLocal // push delivery and monitors (push.go)

	// shutdown: 0 running, 1 draining connections, 2 done (waiting for
	// the other shards to be done before tearing down).
	stopState     int
	forced        bool
	wakeCancelled bool
}

func (s *shard) getHop() *hop {
	var h *hop
	if n := len(s.pool); n > 0 {
		h = s.pool[n-1]
		s.pool = s.pool[:n-1]
	} else {
		h = &hop{origin: s.id}
	}
	return h
}

func (s *shard) putHop(h *hop) {
	h.reset()
	s.pool = append(s.pool, h)
}

// pushHop sends h (a request of ours, or a reply to shard t's hop) to
// shard t, or queues it in the outbox when the ring is full.
func (s *shard) pushHop(t int, h *hop) {
	if h.origin == s.id {
		s.hopsOut++
	}
	s.stats.hopsSent++
	if len(s.outbox[t]) > 0 || !s.out[t].TryPush(h) {
		s.outbox[t] = append(s.outbox[t], h)
		return
	}
	s.wake[t] = true
}

func (s *shard) flushOutboxes() (pending bool) {
	for t, q := range s.outbox {
		if len(q) == 0 {
			continue
		}
		i := 0
		for ; i < len(q) && s.out[t].TryPush(q[i]); i++ {
		}
		if i > 0 {
			s.wake[t] = true
		}
		n := copy(q, q[i:])
		clear(q[n:])
		s.outbox[t] = q[:n]
		if n > 0 {
			pending = true
		}
	}
	return pending
}

// wakeTargets writes the eventfd of every shard we pushed to that said it
// is going to sleep. The CAS makes one of several producers do the write.
func (s *shard) wakeTargets() {
	for t, w := range s.wake {
		if !w {
			continue
		}
		s.wake[t] = false
		if o := s.srv.shards[t]; o.sleeping.Load() && o.sleeping.CompareAndSwap(true, false) {
			o.kick()
		}
	}
}

// kick writes the shard's eventfd. Any thread.
func (s *shard) kick() {
	var one = [8]byte{1}
	_, _ = unix.Write(s.efd, one[:])
}

func (s *shard) inboundPending() bool {
	if s.inbox.n.Load() > 0 || s.pushq.pending.Load() {
		return true
	}
	for _, q := range s.in {
		if q != nil && q.Len() > 0 {
			return true
		}
	}
	return false
}

// drainInbound runs the hops other shards sent us and takes back our own.
func (s *shard) drainInbound() {
	for j, q := range s.in {
		if q == nil {
			continue
		}
		for {
			n := q.PopBatch(s.popped[:])
			if n == 0 {
				break
			}
			s.stats.hopsReceived += uint64(n)
			for _, h := range s.popped[:n] {
				if h.origin == s.id {
					s.hopReturned(h)
					continue
				}
				if s.runHop(h) {
					s.pushHop(j, h)
				} // else parked behind a tx: resumeHop sends it back

			}
			clear(s.popped[:n])
		}
	}
}

// run is the shard goroutine. ready receives the setup result.
func (s *shard) run(ready chan<- error) {
	runtime.LockOSThread()
	var orig unix.CPUSet
	_ = unix.SchedGetaffinity(0, &orig)
	defer func() {
		_ = unix.SchedSetaffinity(0, &orig)
		runtime.UnlockOSThread()
		s.srv.wg.Done()
	}()
	if s.cpu >= 0 && !s.srv.cfg.NoPin {
		if err := numa.PinThread(s.cpu); err != nil {
			s.log.Warn("could not pin shard thread", "shard", s.id, "cpu", s.cpu, "err", err)
		}
	}
	var err error
	if s.srv.backend == "io_uring" {
		var u *uringPoller
		u, err = newUringPoller(s.log)
		if err == nil {
			s.srv.flagsOnce.Do(func() { s.log.Info("io_uring ring created", "flags", u.flags) })
			s.p = u
		}
	} else {
		s.p, err = newEpollPoller()
	}
	if err != nil {
		ready <- fmt.Errorf("shard %d: %s: %w", s.id, s.srv.backend, err)
		return
	}
	defer s.p.close()
	s.eng = engine.NewShard(engine.ShardConfig{ID: s.id, NumDBs: s.srv.cfg.DBNum, Node: s.node, Server: s.srv.eng})
	s.eng.OnServed = s.onServed
	s.setClientHooks()
	s.eng.Stats.ResetEpoch = &s.srv.eng.Counters.ResetEpoch
	s.ctx.Server = s.srv.eng
	s.locks = engine.NewLockTable()
	if f := s.srv.cfg.LoadShard; f != nil {
		if err := f(s.eng); err != nil {
			ready <- fmt.Errorf("shard %d: loading the snapshot: %w", s.id, err)
			return
		}
	}
	s.p.armWake(s.efd, token(opWake, 0, 0))
	for i, lfd := range s.listeners {
		s.p.acceptMulti(lfd, token(opAccept, uint32(i), 0))
	}
	if _, err := s.p.wait(s.events[:0], false, 0); err != nil {
		ready <- fmt.Errorf("shard %d: first submit: %w", s.id, err)
		return
	}
	ready <- nil
	if err := s.loop(); err != nil {
		// A poller failure is fatal for this shard; count it as done so
		// that the other shards' shutdown does not wait for it.
		s.log.Error("shard loop failed; the shard stopped", "shard", s.id, "err", err)
		if s.stopState < 2 {
			s.stopState = 2
			s.srv.done.Add(1)
		}
	}
	s.teardown()
}

func (s *shard) loop() error {
	tickNs := s.tickNs()
	now := time.Now().UnixNano()
	nextTick := now + tickNs
	more := false
	outboxPending := false
	for {
		block := !more && len(s.ready) == 0
		timeout := nextTick - now
		if len(s.blockedList) > 0 {
			timeout = min(timeout, s.nextBlockDeadlineNs(now))
		}
		if outboxPending {
			timeout = min(timeout, outboxRetryNs)
		}
		if timeout <= 0 {
			block = false
		}
		if block {
			// The wake protocol: announce, then re-check, then sleep.
			s.sleeping.Store(true)
			if s.inboundPending() || s.stopRequested() {
				s.sleeping.Store(false)
				block = false
			}
		}
		n, err := s.p.wait(s.events[:], block, timeout)
		s.sleeping.Store(false)
		if err != nil {
			return err
		}
		more = n == len(s.events)
		now = time.Now().UnixNano()
		s.nowMs = now / 1e6
		s.eng.Clock = s.nowMs
		if len(s.blockedList) > 0 {
			s.expireBlocked()
		}
		for _, ev := range s.events[:n] {
			s.handle(ev)
		}
		s.drainInbound()
		if s.ext.pending.Load() {
			s.drainExternal()
		}
		s.drainInbox()
		if s.pushq.pending.Load() {
			s.drainPush()
		}
		for i := 0; i < len(s.ready); i++ {
			c := s.ready[i]
			c.inReady = false
			s.process(c)
		}
		clear(s.ready)
		s.ready = s.ready[:0]
		if s.push.any {
			s.flushPush()
		}
		outboxPending = s.flushOutboxes()
		s.wakeTargets()
		for i := 0; i < len(s.dirty); i++ {
			c := s.dirty[i]
			c.inDirty = false
			s.flushSend(c)
		}
		clear(s.dirty)
		s.dirty = s.dirty[:0]
		if now >= nextTick {
			s.eng.Tick(s.nowMs)
			s.closeIdle(s.nowMs)
			tickNs = s.tickNs() // CONFIG SET hz takes effect at the next tick
			nextTick += tickNs
			if nextTick <= now {
				nextTick = now + tickNs
			}
		}
		if s.eng.Background() {
			more = true // a snapshot's next slice: do not sleep
		}
		if s.stopRequested() && s.shutdownStep() {
			return nil
		}
	}
}

func (s *shard) handle(ev event) {
	switch tokenOp(ev.tok) {
	case opRecv:
		if c := s.connFor(ev.tok); c != nil {
			s.onRecv(c, ev.res)
		}
	case opSend:
		if c := s.connFor(ev.tok); c != nil {
			s.onSend(c, ev.res)
		}
	case opAccept:
		if ev.res >= 0 {
			s.accepted(int(ev.res), s.srv.isMemcachedListener(tokenSlot(ev.tok)))
		} else if ev.res != -int32(unix.ECANCELED) && ev.res != -int32(unix.EAGAIN) {
			s.log.Debug("accept failed", "shard", s.id, "errno", unix.Errno(-ev.res))
		}
	case opWake:
		if s.wakeCancelled {
			s.wakeCancelled = false // the cancelled read came back
			return
		}
		if s.stopState < 3 {
			s.p.armWake(s.efd, token(opWake, 0, 0))
		}
	}
}

func (s *shard) stopRequested() bool { return s.srv.stopping.Load() }

// shutdownStep advances the shard's shutdown; it reports true when the
// loop may end.
func (s *shard) shutdownStep() bool {
	if s.stopState == 0 {
		s.stopState = 1
		for i, lfd := range s.listeners {
			s.p.cancel(lfd, token(opAccept, uint32(i), 0))
		}
		for _, c := range s.conns {
			if c.fd < 0 || c.closing {
				continue
			}
			c.draining = true
			if c.recvPosted {
				s.p.cancel(c.fd, token(opRecv, c.slot, c.gen))
			}
		}
	}
	if !s.forced && s.srv.force.Load() {
		s.forced = true
		for _, c := range s.conns {
			if c.fd >= 0 {
				s.closeConn(c)
			}
		}
	}
	if s.stopState == 1 && s.nconns == 0 && s.hopsOut == 0 && s.txsOut == 0 && s.locks.Empty() {
		s.stopState = 2
		if int(s.srv.done.Add(1)) == len(s.srv.shards) {
			for _, o := range s.srv.shards {
				o.kick()
			}
		}
	}
	return s.stopState == 2 && int(s.srv.done.Load()) == len(s.srv.shards)
}

// teardown runs on the shard thread after the loop: it waits for the
// cancelled wake read (so the kernel is done with its buffer) and closes
// the shard's descriptors. The ring itself is closed by run's defer.
func (s *shard) teardown() {
	s.stopState = 3
	s.wakeCancelled = true
	s.p.cancel(s.efd, token(opWake, 0, 0))
	for i := 0; i < 100 && s.wakeCancelled; i++ {
		n, err := s.p.wait(s.events[:], true, int64(10*time.Millisecond))
		if err != nil {
			break
		}
		for _, ev := range s.events[:n] {
			if tokenOp(ev.tok) == opWake {
				s.wakeCancelled = false
			}
		}
	}
	for _, lfd := range s.listeners {
		s.p.forget(lfd)
		_ = unix.Close(lfd)
	}
	s.listeners = nil
	s.p.forget(s.efd)
}
