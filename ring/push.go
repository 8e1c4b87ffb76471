package ring

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/darnerdb/darner/engine"
	"golang.org/x/sys/unix"
)

// Push delivery: bytes produced on one shard for a connection that lives
// on another (MONITOR lines today; pub/sub messages next). A connection
// belongs to its coordinator shard's thread, so nobody else may append to
// its output: producers queue records for the target shard, which appends
// them to the connection's output on its own thread.
//
// Each shard has one multi-producer pushQueue. A producer shard batches
// its records per target in pushLocal.out during a loop iteration and
// hands each batch over once, right before it wakes the shards it sent
// to (one mutex acquisition and one copy per target per iteration); the
// target drains its queue every iteration (pending is one atomic load when
// empty) and is woken by the same protocol as the hop rings
// (inboundPending checks the flag). Records address a connection by slot
// and generation, so a record for a closed or reused slot is dropped, or
// address "every monitor on the shard" (slotMonitors).
//
// Backpressure: a connection fed by pushes (a monitor, later a
// subscriber) has Redis's pubsub client-output-buffer-limit: 32 MB of
// unsent output closes it at once, more than 8 MB for 60 s closes it too.

// slotMonitors addresses a record to every monitor of the target shard.
const slotMonitors = ^uint32(0)

// Redis 7's default client-output-buffer-limit for the pubsub class, which
// darner applies to monitors as well.
const (
	pushHardLimit   = 32 << 20
	pushSoftLimit   = 8 << 20
	pushSoftSeconds = 60
)

// pushHeader is a record's header: slot, generation, payload length
// (little-endian uint32 each).
const pushHeader = 12

// pushQueue is a shard's inbox of push records. Shared: any shard appends
// under mu; the owning shard swaps the buffer out under mu.
type pushQueue struct {
	mu      sync.Mutex
	buf     []byte
	pending atomic.Bool
	// monitors is the number of monitors on this shard (written by the
	// shard, read by producers to choose where monitor lines go).
	monitors atomic.Int32
}

// pushLocal is a shard's own push state (shard thread only).
type pushLocal struct {
	out   [][]byte // out[t]: records for shard t, handed over by flushPush
	any   bool     // some out[t] is non-empty
	spare []byte   // the drained queue's buffer, reused
	mons  []*conn  // this shard's monitors
	line  []byte   // scratch for one monitor line
	idx   []int    // scratch: per-shard command index while feeding a run
}

// record appends one record to dst.
func appendPushRecord(dst []byte, slot, gen uint32, data []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, slot)
	dst = binary.LittleEndian.AppendUint32(dst, gen)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(data)))
	return append(dst, data...)
}

// pushTo sends data to connection slot/gen of shard t (slot may be
// slotMonitors). data is copied; a record for this shard is delivered at
// once.
func (s *shard) pushTo(t int, slot, gen uint32, data []byte) {
	if t == s.id {
		s.deliverPush(slot, gen, data)
		return
	}
	if s.push.out == nil {
		s.push.out = make([][]byte, len(s.srv.shards))
	}
	s.push.out[t] = appendPushRecord(s.push.out[t], slot, gen, data)
	s.push.any = true
}

// flushPush hands this iteration's records to their shards' queues and
// marks those shards for a wake-up (wakeTargets runs after it).
func (s *shard) flushPush() {
	s.push.any = false
	for t, b := range s.push.out {
		if len(b) == 0 {
			continue
		}
		q := &s.srv.shards[t].pushq
		q.mu.Lock()
		if len(q.buf) == 0 && cap(q.buf) < cap(b) {
			// Hand our buffer over instead of copying it.
			q.buf, b = b, q.buf
		} else {
			q.buf = append(q.buf, b...)
		}
		q.pending.Store(true)
		q.mu.Unlock()
		if cap(b) > outShrink {
			b = nil
		}
		s.push.out[t] = b[:0]
		s.wake[t] = true
	}
}

// drainPush delivers the records other shards queued for this one.
func (s *shard) drainPush() {
	q := &s.pushq
	q.mu.Lock()
	b := q.buf
	q.buf = s.push.spare[:0]
	q.pending.Store(false)
	q.mu.Unlock()
	for len(b) >= pushHeader {
		slot := binary.LittleEndian.Uint32(b)
		gen := binary.LittleEndian.Uint32(b[4:])
		n := int(binary.LittleEndian.Uint32(b[8:]))
		s.deliverPush(slot, gen, b[pushHeader:pushHeader+n])
		b = b[pushHeader+n:]
	}
	b = b[:0]
	if cap(b) > outShrink {
		b = nil
	}
	s.push.spare = b
}

// deliverPush appends data to the output of connection slot/gen of this
// shard (or of every monitor here), if it is still open.
func (s *shard) deliverPush(slot, gen uint32, data []byte) {
	if slot == slotMonitors {
		for i := 0; i < len(s.push.mons); i++ {
			c := s.push.mons[i]
			if s.pushOne(c, data) {
				i-- // closed: it left the list
			}
		}
		return
	}
	if int(slot) >= len(s.conns) {
		return
	}
	if c := s.conns[slot]; c.gen == gen {
		s.pushOne(c, data)
	}
}

// pushOne appends data to c's output and applies the pubsub output
// limits; it reports whether it closed c.
func (s *shard) pushOne(c *conn, data []byte) (closed bool) {
	if !c.live() || c.closeAfterFlush {
		return false
	}
	c.out = append(c.out, data...)
	s.markDirty(c)
	p := c.pending()
	switch {
	case p > pushHardLimit:
	case p > pushSoftLimit:
		if c.softSince == 0 {
			c.softSince = s.nowMs
			return false
		}
		if s.nowMs-c.softSince < pushSoftSeconds*1000 {
			return false
		}
	default:
		c.softSince = 0
		return false
	}
	s.log.Warn("client scheduled to be closed ASAP for overcoming of output buffer limits",
		"id", c.sess.ID, "addr", s.connAddr(c), "omem", p)
	s.closeConn(c)
	return true
}

// ---- MONITOR ----

// startMonitor turns c into a monitor (MONITOR). Like Redis, a second
// MONITOR on a monitor gets no reply.
func (s *shard) startMonitor(c *conn) {
	if c.monitor {
		return
	}
	c.monitor = true
	s.push.mons = append(s.push.mons, c)
	s.pushq.monitors.Add(1)
	s.srv.monitors.Add(1)
	c.out = append(c.out, "+OK\r\n"...)
}

// stopMonitor ends c's feed (RESET, QUIT, close).
func (s *shard) stopMonitor(c *conn) {
	if !c.monitor {
		return
	}
	c.monitor = false
	for i, m := range s.push.mons {
		if m == c {
			last := len(s.push.mons) - 1
			s.push.mons[i] = s.push.mons[last]
			s.push.mons[last] = nil
			s.push.mons = s.push.mons[:last]
			break
		}
	}
	s.pushq.monitors.Add(-1)
	s.srv.monitors.Add(-1)
}

// monitoring is the hot path's check: one atomic load.
func (s *shard) monitoring() bool { return s.srv.monitors.Load() > 0 }

// connAddr is c's peer address as ip:port, looked up once.
func (s *shard) connAddr(c *conn) string {
	if c.addr == "" {
		c.addr = "?:0"
		if sa, err := unix.Getpeername(c.fd); err == nil {
			c.addr = sockaddrString(sa)
		}
	}
	return c.addr
}

// feedMonitors sends one command c ran (args as the client sent them; db
// the database selected after it ran) to every monitor, unless Redis
// hides it (admin commands).
func (s *shard) feedMonitors(c *conn, cmd *engine.Command, args [][]byte, db int) {
	if !engine.MonitorShown(engine.ResolveSubcommand(cmd, args)) {
		return
	}
	s.push.line = engine.AppendMonitorLine(s.push.line[:0], time.Now().UnixMicro(), db, s.connAddr(c), args)
	for t, o := range s.srv.shards {
		if o.pushq.monitors.Load() > 0 {
			s.pushTo(t, slotMonitors, 0, s.push.line)
		}
	}
	if cap(s.push.line) > outShrink {
		s.push.line = nil
	}
}

// feedRun feeds the commands of a squashed run whose hops came back, in
// command order (assemble calls it before recycling the hops).
func (s *shard) feedRun(c *conn) {
	if cap(s.push.idx) < len(c.hops) {
		s.push.idx = make([]int, len(c.hops))
	}
	idx := s.push.idx[:len(c.hops)]
	clear(idx)
	for _, t := range c.order {
		h := c.hops[t]
		if idx[t] >= h.next { // a command that never ran (cannot happen once back)
			continue
		}
		cmd, args := h.argsOf(idx[t])
		idx[t]++
		s.feedMonitors(c, cmd, args, h.db)
	}
}

// feedTx feeds a command that starts as a transaction. Redis shows it once
// it ran; darner shows it when it starts (a blocking command shows when it
// blocks, as in Redis). EXEC shows the queued commands it is going to run
// first, then itself with the database it leaves selected, unless the
// transaction is discarded (EXECABORT, a WATCH already known to fail).
func (s *shard) feedTx(c *conn, cmd *engine.Command, args [][]byte) {
	db := c.sess.DB
	sess := &c.sess
	if cmd.Name == "exec" && sess.InMulti && !sess.MultiDirty && (sess.Watch == nil || !sess.Watch.Dirty()) {
		for _, q := range sess.Queue {
			if q.Cmd.Name == "select" && len(q.Args) == 2 {
				if i, ok := engine.ParseInt(q.Args[1]); ok && i >= 0 && int(i) < s.srv.eng.NumDBs {
					db = int(i)
				}
			}
			s.feedMonitors(c, q.Cmd, q.Args, db)
		}
	}
	s.feedMonitors(c, cmd, args, db)
}
