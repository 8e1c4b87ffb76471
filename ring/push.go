package ring

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
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
	refs  []subRef // scratch: a channel's subscribers while publishing
	// running is the connection whose command runs inline right now: its
	// output is in shard.w.Buf until the command returns, so pushes for
	// it (PUBLISH to its own channel) go there, before its reply, as in
	// Redis.
	running *conn
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
	if c == s.push.running {
		s.w.Buf = append(s.w.Buf, data...)
		return false // its reply follows; the limits are checked at the next push
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

// ---- pub/sub ----

// The channel registry: one partition per shard, chosen by the channel's
// hash (engine.ShardOf), each under its own mutex, so publishers of
// different channels do not contend and PUBLISH touches one partition.
// Shard channels (SSUBSCRIBE) have their own partitions. Patterns are few:
// one list under one mutex, copied on write so PUBLISH reads a snapshot.
// A subscriber is its coordinator shard, connection slot and generation
// (and protocol, to frame messages); messages go through pushTo.

type subRef struct {
	shard     int32
	slot, gen uint32
	resp3     bool
}

type chanPart struct {
	mu    sync.Mutex
	chans map[string][]subRef
}

type patSub struct {
	pat string
	ref subRef
}

type pubsubHub struct {
	srv    *Server
	parts  []chanPart // by channel shard
	sparts []chanPart // shard channels
	patMu  sync.Mutex
	pats   atomic.Pointer[[]patSub]
}

func newPubSubHub(srv *Server) *pubsubHub {
	n := len(srv.shards)
	h := &pubsubHub{srv: srv, parts: make([]chanPart, n), sparts: make([]chanPart, n)}
	for i := range h.parts {
		h.parts[i].chans = map[string][]subRef{}
		h.sparts[i].chans = map[string][]subRef{}
	}
	h.pats.Store(&[]patSub{})
	return h
}

func (h *pubsubHub) part(ch []byte, sharded bool) *chanPart {
	i := engine.ShardOf(ch, len(h.parts))
	if sharded {
		return &h.sparts[i]
	}
	return &h.parts[i]
}

func (h *pubsubHub) add(ch string, sharded bool, r subRef) {
	p := h.part([]byte(ch), sharded)
	p.mu.Lock()
	p.chans[ch] = append(p.chans[ch], r)
	p.mu.Unlock()
}

func (h *pubsubHub) remove(ch string, sharded bool, r subRef) {
	p := h.part([]byte(ch), sharded)
	p.mu.Lock()
	l := p.chans[ch]
	for i, x := range l {
		if x.shard == r.shard && x.slot == r.slot && x.gen == r.gen {
			l[i] = l[len(l)-1]
			l = l[:len(l)-1]
			break
		}
	}
	if len(l) == 0 {
		delete(p.chans, ch)
	} else {
		p.chans[ch] = l
	}
	p.mu.Unlock()
}

func (h *pubsubHub) addPat(pat string, r subRef) {
	h.patMu.Lock()
	old := *h.pats.Load()
	nl := append(append(make([]patSub, 0, len(old)+1), old...), patSub{pat, r})
	h.pats.Store(&nl)
	h.patMu.Unlock()
}

func (h *pubsubHub) removePat(pat string, r subRef) {
	h.patMu.Lock()
	old := *h.pats.Load()
	nl := make([]patSub, 0, len(old))
	for _, p := range old {
		if !(p.pat == pat && p.ref.shard == r.shard && p.ref.slot == r.slot && p.ref.gen == r.gen) {
			nl = append(nl, p)
		}
	}
	h.pats.Store(&nl)
	h.patMu.Unlock()
}

// Publish implements engine.PubSubHub. It runs on shard from's thread.
func (h *pubsubHub) Publish(from int, ch, msg []byte, sharded bool) int {
	s := h.srv.shards[from]
	p := h.part(ch, sharded)
	p.mu.Lock()
	refs := append(s.push.refs[:0], p.chans[string(ch)]...)
	p.mu.Unlock()
	kind := "message"
	if sharded {
		kind = "smessage"
	}
	var m2, m3 []byte
	for _, r := range refs {
		if r.resp3 {
			if m3 == nil {
				m3 = appendPushMsg(nil, true, kind, nil, ch, msg)
			}
			s.pushTo(int(r.shard), r.slot, r.gen, m3)
		} else {
			if m2 == nil {
				m2 = appendPushMsg(nil, false, kind, nil, ch, msg)
			}
			s.pushTo(int(r.shard), r.slot, r.gen, m2)
		}
	}
	n := len(refs)
	clear(refs)
	s.push.refs = refs[:0]
	if sharded {
		return n
	}
	m2, m3 = nil, nil
	last := ""
	for _, ps := range *h.pats.Load() {
		if !engine.GlobMatch([]byte(ps.pat), ch, false) {
			continue
		}
		if ps.pat != last {
			m2, m3, last = nil, nil, ps.pat
		}
		var b []byte
		if ps.ref.resp3 {
			if m3 == nil {
				m3 = appendPushMsg(nil, true, "pmessage", []byte(ps.pat), ch, msg)
			}
			b = m3
		} else {
			if m2 == nil {
				m2 = appendPushMsg(nil, false, "pmessage", []byte(ps.pat), ch, msg)
			}
			b = m2
		}
		s.pushTo(int(ps.ref.shard), ps.ref.slot, ps.ref.gen, b)
		n++
	}
	return n
}

// Channels implements engine.PubSubHub.
func (h *pubsubHub) Channels(pattern []byte, sharded bool) [][]byte {
	parts := h.parts
	if sharded {
		parts = h.sparts
	}
	var out [][]byte
	for i := range parts {
		p := &parts[i]
		p.mu.Lock()
		for ch := range p.chans {
			if pattern == nil || engine.GlobMatch(pattern, []byte(ch), false) {
				out = append(out, []byte(ch))
			}
		}
		p.mu.Unlock()
	}
	return out
}

// NumSub implements engine.PubSubHub.
func (h *pubsubHub) NumSub(ch []byte, sharded bool) int {
	p := h.part(ch, sharded)
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.chans[string(ch)])
}

// NumPat implements engine.PubSubHub: distinct patterns, as Redis counts.
func (h *pubsubHub) NumPat() int {
	seen := map[string]bool{}
	for _, p := range *h.pats.Load() {
		seen[p.pat] = true
	}
	return len(seen)
}

// appendPushMsg appends a message, pmessage or smessage (pat nil unless
// pmessage) framed for RESP2 (array) or RESP3 (push).
func appendPushMsg(b []byte, resp3 bool, kind string, pat, ch, msg []byte) []byte {
	n := 3
	if pat != nil {
		n = 4
	}
	w := proto.Writer{Buf: b, Resp3: resp3}
	if resp3 {
		w.Buf = append(w.Buf, '>', byte('0'+n), '\r', '\n')
	} else {
		w.ArrayLen(n)
	}
	w.BulkString(kind)
	if pat != nil {
		w.Bulk(pat)
	}
	w.Bulk(ch)
	w.Bulk(msg)
	return w.Buf
}

// connSubs is a connection's subscriptions (nil until its first).
type connSubs struct {
	chans, pats, schans map[string]bool
	resp3               bool // the protocol the registry's refs carry
}

func (c *conn) subCount() int {
	if c.subs == nil {
		return 0
	}
	return len(c.subs.chans) + len(c.subs.pats)
}

func (c *conn) subTotal() int {
	if c.subs == nil {
		return 0
	}
	return len(c.subs.chans) + len(c.subs.pats) + len(c.subs.schans)
}

// subscribedRESP2 reports whether c is in RESP2 subscribed mode.
func (c *conn) subscribedRESP2() bool { return !c.sess.Resp3 && c.subTotal() > 0 }

// pubsubAllowed reports the commands a RESP2 subscriber may run.
func pubsubAllowed(cmd *engine.Command) bool {
	switch cmd.Name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

func (s *shard) ref(c *conn) subRef {
	return subRef{shard: int32(s.id), slot: c.slot, gen: c.gen, resp3: c.sess.Resp3}
}

// runSubscribe runs the SUBSCRIBE family for c (the coordinator).
func (s *shard) runSubscribe(c *conn, cmd *engine.Command, args [][]byte) {
	h := s.srv.hub
	if c.subs == nil {
		c.subs = &connSubs{chans: map[string]bool{}, pats: map[string]bool{}, schans: map[string]bool{}, resp3: c.sess.Resp3}
	}
	r := s.ref(c)
	w := proto.Writer{Buf: c.out, Resp3: c.sess.Resp3}
	reply := func(kind string, ch []byte, n int) {
		if w.Resp3 {
			w.Buf = append(w.Buf, ">3\r\n"...)
		} else {
			w.ArrayLen(3)
		}
		w.BulkString(kind)
		if ch == nil {
			w.Null()
		} else {
			w.Bulk(ch)
		}
		w.Int(int64(n))
	}
	name := cmd.Name
	set, sharded, pat := c.subs.chans, false, false
	switch name {
	case "psubscribe", "punsubscribe":
		set, pat = c.subs.pats, true
	case "ssubscribe", "sunsubscribe":
		set, sharded = c.subs.schans, true
	}
	count := func() int {
		if sharded {
			return len(c.subs.schans)
		}
		return c.subCount()
	}
	switch name {
	case "subscribe", "psubscribe", "ssubscribe":
		for _, a := range args[1:] {
			k := string(a)
			if !set[k] {
				set[k] = true
				if pat {
					h.addPat(k, r)
				} else {
					h.add(k, sharded, r)
				}
			}
			reply(name, a, count())
		}
	default:
		if len(args) == 1 {
			if len(set) == 0 {
				reply(name, nil, count())
			}
			for k := range set {
				s.unsub(c, k, pat, sharded, r)
				reply(name, []byte(k), count())
			}
			break
		}
		for _, a := range args[1:] {
			if set[string(a)] {
				s.unsub(c, string(a), pat, sharded, r)
			}
			reply(name, a, count())
		}
	}
	c.out = w.Buf
}

func (s *shard) unsub(c *conn, k string, pat, sharded bool, r subRef) {
	switch {
	case pat:
		delete(c.subs.pats, k)
		s.srv.hub.removePat(k, r)
	case sharded:
		delete(c.subs.schans, k)
		s.srv.hub.remove(k, true, r)
	default:
		delete(c.subs.chans, k)
		s.srv.hub.remove(k, false, r)
	}
}

// unsubscribeAll drops every subscription of c (RESET, close).
func (s *shard) unsubscribeAll(c *conn) {
	if c.subs == nil {
		return
	}
	r := s.ref(c)
	for k := range c.subs.chans {
		s.srv.hub.remove(k, false, r)
	}
	for k := range c.subs.schans {
		s.srv.hub.remove(k, true, r)
	}
	for k := range c.subs.pats {
		s.srv.hub.removePat(k, r)
	}
	c.subs = nil
}

// runPubSubConn runs a SUBSCRIBE-family command, or PING in RESP2
// subscribed mode, for c on its coordinator.
func (s *shard) runPubSubConn(c *conn, cmd *engine.Command, args [][]byte) {
	start := s.eng.BeginCommand(cmd)
	before := len(c.out)
	if cmd == pingCommand {
		if len(args) > 2 {
			c.out = proto.AppendError(c.out, engine.ErrWrongArgs("ping"))
		} else {
			w := proto.Writer{Buf: c.out}
			w.ArrayLen(2)
			w.BulkString("pong")
			if len(args) == 2 {
				w.Bulk(args[1])
			} else {
				w.BulkString("")
			}
			c.out = w.Buf
		}
	} else {
		s.runSubscribe(c, cmd, args)
	}
	s.eng.EndCommand(cmd, start, c.out[before:], args...)
	if s.monitoring() {
		s.feedMonitors(c, cmd, args, c.sess.DB)
	}
}

// Counts implements engine.PubSubHub.
func (h *pubsubHub) Counts() (chans, pats, schans int) {
	for i := range h.parts {
		for _, p := range []*chanPart{&h.parts[i], &h.sparts[i]} {
			p.mu.Lock()
			if p == &h.parts[i] {
				chans += len(p.chans)
			} else {
				schans += len(p.chans)
			}
			p.mu.Unlock()
		}
	}
	return chans, h.NumPat(), schans
}

// subsProtocol re-registers c's subscriptions when its protocol changed
// since they were made (HELLO while subscribed), so messages are framed
// for the protocol it speaks now.
func (s *shard) subsProtocol(c *conn) {
	if c.subs.resp3 == c.sess.Resp3 {
		return
	}
	c.subs.resp3 = c.sess.Resp3
	h, r := s.srv.hub, s.ref(c)
	for k := range c.subs.chans {
		h.remove(k, false, r)
		h.add(k, false, r)
	}
	for k := range c.subs.schans {
		h.remove(k, true, r)
		h.add(k, true, r)
	}
	for k := range c.subs.pats {
		h.removePat(k, r)
		h.addPat(k, r)
	}
}
