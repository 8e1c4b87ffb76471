package ring

import (
	"errors"
	"os"
	"runtime"
	"unsafe"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
	"golang.org/x/sys/unix"
)

// Buffer sizes and limits of one connection.
const (
	inInitial    = 16 << 10  // input buffer size of a new connection
	inShrinkOver = 256 << 10 // an idle input buffer larger than this shrinks back
	minRecv      = 4 << 10   // never post a recv smaller than this
	outShrink    = 1 << 20   // an output buffer larger than this is dropped once sent
	// defaultOutputLimit is Config.OutputLimit's default: a connection
	// whose unsent output exceeds it is neither read nor parsed until it
	// drains below half of it.
	defaultOutputLimit = 64 << 20
)

// conn is one client connection. It lives in its coordinator shard's slab
// (shard.conns[slot]) and only that shard's thread touches it. The struct is
// reused for later connections in the same slot; gen tells them apart, so a
// completion or a hop that outlives its connection is recognised as stale.
//
// Buffers:
//   - in is mmap'd (off the Go heap): the kernel writes into in[end:] after
//     the recv is submitted, so it must be memory the GC can neither move
//     nor free. in[start:end] is received but not yet parsed; argument
//     slices handed to commands point into it and are valid only during
//     that command's Run. It is resized or compacted only while no recv is
//     posted.
//   - out collects replies (Go heap, append-style). When a send is due, out
//     and wbuf swap: wbuf[woff:] is in flight, pinned with pin, and is not
//     touched until its completion; new replies keep going to out.
type conn struct {
	slot uint32
	gen  uint32
	fd   int

	in         []byte
	start, end int
	need       int // Parser.Need after the last "read more"
	parser     proto.Parser

	out    []byte
	wbuf   []byte
	woff   int
	pin    runtime.Pinner
	pinned *byte // the wbuf array currently pinned

	sess engine.Session
	blk  *engine.Blocker // the blocking command the connection waits in
	mc   *mcConn         // memcached connection (memcache.go); nil for RESP

	recvPosted bool
	sendPosted bool
	closing    bool // closed or closing: free once nothing is outstanding
	// closeAfterFlush: send what is in out, then close (QUIT, protocol
	// error, shutdown drain).
	closeAfterFlush bool
	outBlocked      bool // backpressure: too much unsent output
	draining        bool // server shutdown: finish parsed work, read no more
	protoKnown      bool // the first bytes were checked for HTTP (httpProbe)
	inReady         bool // queued in shard.ready
	inDirty         bool // queued in shard.dirty
	// drop: the reply of the command in flight is dropped (CLIENT REPLY
	// OFF/SKIP); dropAt is where it starts in out while it runs inline.
	drop   bool
	dropAt int

	// Push delivery (push.go): monitor is set by MONITOR; softSince is
	// when unsent output last went over the pubsub soft limit (0: under
	// it); addr is the peer address, looked up once for monitor lines.
	monitor   bool
	softSince int64
	addr      string
	subs      *connSubs // pub/sub subscriptions (nil: none)

	// For CLIENT LIST: accept time, last command and its time (unix ms).
	created, lastAt int64
	lastCmd         *engine.Command

	// The squashed run being built or waiting for hops: hops[t] carries
	// the commands for shard t (nil: none), order[i] is command i's shard.
	hops       []*hop
	order      []uint16
	batchOpen  bool
	batchBytes int
	waiting    int // hops sent and not yet back
	// runMax adapts the squashed run length to the reply sizes seen: a
	// hop's replies are not bounded by the output limit while it runs, so
	// runs that came back with big replies make the next ones shorter.
	runMax int
}

var pageSize = os.Getpagesize()

func roundPage(n int) int { return (n + pageSize - 1) &^ (pageSize - 1) }

func mmapBuf(n int) ([]byte, error) {
	return unix.Mmap(-1, 0, roundPage(n), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
}

// pending is the number of reply bytes not yet sent.
func (c *conn) pending() int { return len(c.out) + len(c.wbuf) - c.woff }

// pinWbuf pins wbuf's array for the kernel's read (once per array).
func (c *conn) pinWbuf() {
	p := unsafe.SliceData(c.wbuf)
	if p == c.pinned {
		return
	}
	c.pin.Unpin()
	c.pin.Pin(p)
	c.pinned = p
}

func (c *conn) releaseBuffers() {
	if c.in != nil {
		_ = unix.Munmap(c.in)
		c.in = nil
	}
	c.pin.Unpin()
	c.pinned = nil
	c.out, c.wbuf = nil, nil
}

// ---- shard side: accept, receive, send, close ----

func (s *shard) connFor(tok uint64) *conn {
	slot := tokenSlot(tok)
	if int(slot) >= len(s.conns) {
		return nil
	}
	c := s.conns[slot]
	if c.gen&0xffffff != tokenGen(tok) || c.fd < 0 {
		return nil
	}
	return c
}

func (s *shard) accepted(fd int, memcached bool) {
	if s.stopState != 0 {
		_ = unix.Close(fd)
		return
	}
	s.accepts.Add(1)
	if s.srv.clients.Add(1) > s.srv.eng.Config().MaxClients() {
		s.srv.clients.Add(-1)
		s.stats.rejected++
		msg := "-ERR max number of clients reached\r\n"
		if memcached {
			msg = "SERVER_ERROR Too many open connections\r\n"
		}
		_, _ = unix.Write(fd, []byte(msg))
		_ = unix.Close(fd)
		return
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	s.setKeepalive(fd)
	in, err := mmapBuf(inInitial)
	if err != nil {
		s.srv.clients.Add(-1)
		_ = unix.Close(fd)
		return
	}
	var c *conn
	if n := len(s.freeSlots); n > 0 {
		c = s.conns[s.freeSlots[n-1]]
		s.freeSlots = s.freeSlots[:n-1]
	} else {
		c = &conn{slot: uint32(len(s.conns)), hops: make([]*hop, len(s.srv.shards))}
		s.conns = append(s.conns, c)
	}
	c.fd = fd
	c.in = in
	c.parser = proto.Parser{MaxBulkLen: s.maxBulkLen}
	c.sess = engine.Session{ID: s.srv.nextID.Add(1)}
	c.runMax = maxHopCmds
	c.created, c.lastAt = s.nowMs, s.nowMs
	if memcached {
		s.acceptedMemcached(c)
	}
	s.nconns++
	s.postRecv(c)
}

// postRecv posts the next read unless one is posted or reading is paused.
// It is also where the input buffer is compacted, grown (once, to what the
// parser says the pending request needs) and shrunk.
func (s *shard) postRecv(c *conn) {
	if c.recvPosted || c.closing || c.closeAfterFlush || c.draining || c.outBlocked {
		return
	}
	if c.start == c.end {
		c.start, c.end = 0, 0
		if len(c.in) > inShrinkOver {
			if small, err := mmapBuf(inInitial); err == nil {
				_ = unix.Munmap(c.in)
				c.in = small
			}
		}
	}
	want := minRecv
	if c.need > 0 {
		want = max(want, c.need-(c.end-c.start))
	}
	if len(c.in)-c.end < want && c.start > 0 {
		c.end = copy(c.in, c.in[c.start:c.end])
		c.start = 0
	}
	if len(c.in)-c.end < want {
		size := max(2*len(c.in), c.end+want)
		if c.need > 0 {
			size = max(size/2, c.end+want) // one growth, to what the request needs
		}
		nb, err := mmapBuf(size)
		if err != nil {
			s.closeConn(c)
			return
		}
		c.end = copy(nb, c.in[c.start:c.end])
		c.start = 0
		_ = unix.Munmap(c.in)
		c.in = nb
	}
	c.recvPosted = true
	s.p.recv(c.fd, c.in[c.end:], token(opRecv, c.slot, c.gen))
}

func (s *shard) onRecv(c *conn, res int32) {
	c.recvPosted = false
	if c.closing {
		s.maybeFree(c)
		return
	}
	if res <= 0 && !(res == -int32(unix.ECANCELED) && c.draining) {
		s.closeConn(c)
		return
	}
	if res > 0 {
		c.end += int(res)
		s.stats.netIn += uint64(res)
		s.stats.reads++
	}
	if c.draining {
		// Shutdown: the recv is not posted again, so take what the client
		// has already sent (non-blocking) and finish those commands too.
		for c.end < len(c.in) {
			n, err := unix.Read(c.fd, c.in[c.end:])
			if err != nil || n <= 0 {
				break
			}
			c.end += n
		}
	}
	if int64(c.end-c.start) > s.queryLimit {
		s.log.Warn("closing client that reached max query buffer length", "id", c.sess.ID, "qbuf", c.end-c.start)
		s.closeConn(c)
		return
	}
	s.process(c)
}

func (s *shard) onSend(c *conn, res int32) {
	c.sendPosted = false
	if c.closing {
		s.maybeFree(c)
		return
	}
	if res < 0 {
		s.closeConn(c)
		return
	}
	c.woff += int(res)
	s.stats.netOut += uint64(res)
	s.stats.writes++
	if c.woff < len(c.wbuf) { // short send: the rest goes now
		c.sendPosted = true
		s.p.send(c.fd, c.wbuf[c.woff:], token(opSend, c.slot, c.gen))
		return
	}
	c.wbuf, c.woff = c.wbuf[:0], 0
	if cap(c.wbuf) > outShrink {
		c.wbuf = nil
		c.pin.Unpin()
		c.pinned = nil
	}
	if len(c.out) > 0 || c.closeAfterFlush {
		s.markDirty(c)
	}
	if c.outBlocked && c.pending() < s.srv.cfg.OutputLimit/2 {
		c.outBlocked = false
		s.markReady(c)
	}
}

// flushSend starts the send of everything in out (one send per connection
// per loop iteration; a short send continues from its completion).
func (s *shard) flushSend(c *conn) {
	if c.sendPosted || c.closing {
		return
	}
	if len(c.out) == 0 {
		if c.closeAfterFlush && c.waiting == 0 {
			s.closeConn(c)
		}
		return
	}
	c.wbuf, c.out = c.out, c.wbuf[:0]
	c.woff = 0
	c.pinWbuf()
	c.sendPosted = true
	s.p.send(c.fd, c.wbuf, token(opSend, c.slot, c.gen))
}

// closeConn starts closing c: outstanding operations are cancelled and
// the slot is freed once they, and any hops, have come back.
func (s *shard) closeConn(c *conn) {
	if c.closing {
		return
	}
	c.closing = true
	if c.monitor {
		s.stopMonitor(c)
	}
	if c.subs != nil {
		s.unsubscribeAll(c)
	}
	c.sess.Unwatch()
	s.cancelBlocked(c)
	if c.recvPosted {
		s.p.cancel(c.fd, token(opRecv, c.slot, c.gen))
	}
	if c.sendPosted {
		s.p.cancel(c.fd, token(opSend, c.slot, c.gen))
	}
	s.maybeFree(c)
}

func (s *shard) maybeFree(c *conn) {
	if !c.closing || c.recvPosted || c.sendPosted || c.waiting > 0 {
		return
	}
	s.p.forget(c.fd)
	_ = unix.Close(c.fd)
	c.releaseBuffers()
	for t, h := range c.hops {
		if h != nil {
			s.putHop(h)
			c.hops[t] = nil
		}
	}
	*c = conn{slot: c.slot, gen: (c.gen + 1) & 0xffffff, fd: -1, hops: c.hops, order: c.order[:0]}
	s.freeSlots = append(s.freeSlots, c.slot)
	s.nconns--
	s.srv.clients.Add(-1)
}

func (s *shard) markDirty(c *conn) {
	if !c.inDirty {
		c.inDirty = true
		s.dirty = append(s.dirty, c)
	}
}

func (s *shard) markReady(c *conn) {
	if !c.inReady {
		c.inReady = true
		s.ready = append(s.ready, c)
	}
}

// ---- dispatch ----

// process runs every complete request in c's input buffer, in order, until
// the buffer is exhausted, the connection must wait for hops, or its
// output is over the backpressure limit.
func (s *shard) process(c *conn) {
	s.eng.ClockStale()
	if c.mc != nil {
		s.processMC(c)
		return
	}
	if !c.protoKnown && s.httpProbe(c) {
		s.afterProcess(c)
		return
	}
	for !c.closing && !c.closeAfterFlush && c.waiting == 0 && c.start < c.end {
		if c.drop {
			if c.batchOpen {
				break // a muted command ends the run: its reply is cut alone
			}
			s.muteSync(c)
		}
		if c.pending() > s.srv.cfg.OutputLimit {
			c.outBlocked = true
			break
		}
		c.parser.MaxBulkLen = s.maxBulkLen // CONFIG SET proto-max-bulk-len applies at once
		n, args, err := c.parser.Parse(c.in[c.start:c.end])
		if err != nil {
			if c.batchOpen {
				break // the error is met again once the run's replies are out
			}
			var pe *proto.ProtocolError
			msg := err.Error()
			if errors.As(err, &pe) {
				msg = pe.Msg
			}
			c.out = proto.AppendError(c.out, msg)
			c.closeAfterFlush = true
			break
		}
		if n == 0 {
			c.need = c.parser.Need()
			break
		}
		c.need = 0
		if len(args) == 0 {
			c.start += n
			continue
		}
		if c.sess.Mute != 0 {
			if c.batchOpen {
				break // muting is decided with nothing in flight
			}
			muteBegin(c)
		}
		if s.srv.cfg.BenchOK {
			c.out = append(c.out, "+OK\r\n"...)
			c.start += n
			continue
		}
		cmd, target, errMsg := s.route(c, args)
		if cmd != nil {
			c.lastCmd, c.lastAt = cmd, s.nowMs
			if cmd.Subcommands != nil && len(args) > 1 {
				if sc := cmd.Subcommand(args[1]); sc != nil {
					c.lastCmd = sc
				}
			}
		}
		if errMsg == "" && cmd != nil && s.eng.Server.RejectOOM(&c.sess, cmd) {
			errMsg, target = engine.ErrOOM, -1 // maxmemory.go
		}
		if errMsg == "" && c.subs != nil && c.subscribedRESP2() && !pubsubAllowed(cmd) {
			target, errMsg = -1, "ERR Can't execute '"+engine.ResolveSubcommand(cmd, args).Name+
				"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
		}
		if c.monitor && errMsg == "" && (cmd.Flags&(engine.FlagWrite|engine.FlagReadonly) != 0 || cmd.Name == "publish" || cmd.Name == "spublish") {
			// Redis treats a monitor as a replica.
			target, errMsg = -1, "ERR Replica can't interact with the keyspace"
		}
		if errMsg != "" && cmd != nil {
			errMsg = c.sess.RejectExec(cmd, errMsg)
		}
		if c.sess.InMulti {
			if c.batchOpen {
				break // the queue's replies follow the run's
			}
			s.w.Buf = c.out
			before := len(s.w.Buf)
			queued := c.sess.MultiQueue(&s.w, cmd, args, errMsg)
			if errMsg != "" {
				s.eng.RecordRejected(cmd, s.w.Buf[before:])
			}
			c.out = s.w.Buf
			s.w.Buf = nil
			if queued {
				c.start += n
				continue
			}
		}
		if target == targetTx {
			if c.batchOpen {
				break // ends the run; starts after its replies are out
			}
			c.start += n
			if s.monitoring() {
				s.feedTx(c, cmd, args)
			}
			if !s.startTx(c, cmd, args) {
				break // the connection waits for the tx
			}
			continue
		}
		if target < 0 { // a reply from the coordinator: error or FlagConn/keyless command
			if c.batchOpen {
				break // ends the run; runs after its replies are out
			}
			c.start += n
			if errMsg != "" {
				before := len(c.out)
				c.out = proto.AppendError(c.out, errMsg)
				s.eng.RecordRejected(cmd, c.out[before:])
				continue
			}
			if cmd == engine.MonitorCommand {
				s.startMonitor(c)
				continue
			}
			if cmd.Flags&(engine.FlagPubSub|engine.FlagConn) == engine.FlagPubSub|engine.FlagConn ||
				cmd == pingCommand && c.subs != nil && c.subscribedRESP2() {
				s.runPubSubConn(c, cmd, args)
				continue
			}
			s.runInline(c, cmd, args, true)
			continue
		}
		if !c.batchOpen && target == s.id && s.keysFree(cmd, args) {
			c.start += n
			s.runInline(c, cmd, args, false)
			continue
		}
		if c.batchOpen && (len(c.order) >= c.runMax || c.batchBytes >= maxHopBytes) {
			break
		}
		c.start += n
		s.batchAdd(c, target, cmd, args)
	}
	if c.batchOpen {
		s.batchSend(c)
	}
	if c.drop {
		s.muteSync(c)
	}
	s.afterProcess(c)
}

// muteBegin decides, before a command of a connection with CLIENT REPLY
// state runs, whether its reply is dropped (Redis: OFF drops all, SKIP the
// next command's).
func muteBegin(c *conn) {
	m := c.sess.Mute &^ engine.MuteOn
	if m&engine.MuteSkipNext != 0 {
		m = m&^engine.MuteSkipNext | engine.MuteSkip
	}
	c.drop = m&(engine.MuteOff|engine.MuteSkip) != 0
	c.dropAt = len(c.out)
	c.sess.Mute = m &^ engine.MuteSkip
}

// muteSync drops the reply of a muted command that completed inline (no
// hop or tx outstanding, so out has not been sent from since dropAt).
func (s *shard) muteSync(c *conn) {
	if !c.batchOpen && c.waiting == 0 {
		c.dropReply(c.dropAt)
	}
}

// dropReply ends a muted command whose reply starts at out[before:]: the
// reply is cut, unless the command was CLIENT REPLY ON.
func (c *conn) dropReply(before int) {
	if !c.drop {
		return
	}
	c.drop = false
	if c.sess.Mute&engine.MuteOn != 0 {
		c.sess.Mute &^= engine.MuteOn
		return
	}
	if before <= len(c.out) {
		c.out = c.out[:before]
	}
}

func (s *shard) afterProcess(c *conn) {
	if c.closing {
		s.maybeFree(c)
		return
	}
	if c.draining && c.waiting == 0 && !c.recvPosted {
		c.closeAfterFlush = true
	}
	if len(c.out) > 0 || c.closeAfterFlush {
		s.markDirty(c)
	}
	s.postRecv(c)
}

// route looks the command up and checks it. It returns target >= 0 for a
// command whose keys all live on shard target, targetTx for one that runs
// through the transaction runtime, and target < 0 otherwise: a reply the
// coordinator answers itself (errMsg != "": unknown command, arity,
// NOAUTH) or a FlagConn/keyless command to run with the session.
func (s *shard) route(c *conn, args [][]byte) (cmd *engine.Command, target int, errMsg string) {
	cmd = engine.Lookup(args[0])
	if cmd == nil {
		return nil, -1, engine.ErrUnknownCommand(args)
	}
	if !engine.CheckArity(cmd.Arity, len(args)) {
		return cmd, -1, engine.ErrWrongArgs(cmd.Name)
	}
	if s.srv.cfg.RequirePass != "" && !c.sess.Authed && cmd.Flags&engine.FlagNoAuth == 0 {
		return cmd, -1, "NOAUTH Authentication required."
	}
	if c.sess.InMulti && cmd.Flags&engine.FlagNoMulti != 0 {
		return cmd, -1, engine.ErrNoMulti
	}
	n := len(s.srv.shards)
	if cmd.Tx != nil && engine.NeedsTx(cmd, args, n) {
		return cmd, targetTx, ""
	}
	if cmd.Flags&engine.FlagConn != 0 || cmd.FirstKey <= 0 && cmd.Flags&engine.FlagMovableKeys == 0 {
		return cmd, -1, ""
	}
	if n == 1 {
		return cmd, 0, ""
	}
	target = -1
	cmd.KeyPositions(args, func(i int) {
		if target < 0 {
			target = engine.ShardOf(args[i], n)
		}
	})
	if target < 0 { // a key spec that matched no argument
		return cmd, -1, ""
	}
	return cmd, target, ""
}

// targetTx is route's target for commands that run as a transaction.
const targetTx = -2

// runInline runs one command on this shard, its reply going straight to
// c.out. withSess gives it the session (FlagConn and keyless commands).
func (s *shard) runInline(c *conn, cmd *engine.Command, args [][]byte, withSess bool) {
	ctx := &s.ctx
	ctx.Shard = s.eng
	ctx.DB = c.sess.DB
	ctx.Sess = nil
	if withSess {
		ctx.Sess = &c.sess
	}
	ctx.Now = s.nowMs
	ctx.Close = false
	s.w.Buf = c.out
	s.w.Resp3 = c.sess.Resp3
	ctx.W = &s.w
	start := s.eng.BeginCommand(cmd)
	before := len(s.w.Buf)
	s.push.running = c
	cmd.Run(ctx, args)
	s.push.running = nil
	s.eng.EndCommand(cmd, start, s.w.Buf[before:], args...)
	s.eng.AfterWrite(cmd, args, ctx.DB)
	c.out = s.w.Buf
	s.w.Buf = nil
	ctx.Sess = nil
	if ctx.Close {
		c.closeAfterFlush = true
	}
	if c.subs != nil {
		if cmd == resetCommand {
			s.unsubscribeAll(c)
		} else if withSess {
			s.subsProtocol(c) // HELLO may have changed the protocol
		}
	}
	if s.monitoring() {
		if c.monitor && (ctx.Close || cmd == resetCommand) {
			s.stopMonitor(c)
		}
		s.feedMonitors(c, cmd, args, c.sess.DB)
	}
}

// resetCommand is RESET's entry (it ends MONITOR).
var resetCommand = engine.Lookup([]byte("reset"))

// pingCommand is PING's entry (it answers differently to a RESP2
// subscriber).
var pingCommand = engine.Lookup([]byte("ping"))

// batchAdd adds a keyed command to the squashed run.
func (s *shard) batchAdd(c *conn, target int, cmd *engine.Command, args [][]byte) {
	if !c.batchOpen {
		c.batchOpen = true
		c.order = c.order[:0]
		c.batchBytes = 0
	}
	h := c.hops[target]
	if h == nil {
		h = s.getHop()
		h.target = target
		h.connSlot, h.connGen = c.slot, c.gen
		h.db, h.resp3 = c.sess.DB, c.sess.Resp3
		c.hops[target] = h
	}
	before := len(h.args)
	h.add(cmd, args)
	c.batchBytes += len(h.args) - before
	c.order = append(c.order, uint16(target))
}

// batchSend sends one hop per remote shard of the run (all outstanding in
// parallel) and runs the local part inline meanwhile.
func (s *shard) batchSend(c *conn) {
	c.batchOpen = false
	for t, h := range c.hops {
		if h != nil && t != s.id {
			c.waiting++
			s.pushHop(t, h)
		}
	}
	if h := c.hops[s.id]; h != nil && !s.runHop(h) {
		c.waiting++ // parked behind a tx; resumeHop completes it
	}
	if c.waiting == 0 {
		s.assemble(c)
	}
}

// assemble appends the run's replies in command order and recycles its
// hops.
func (s *shard) assemble(c *conn) {
	before := len(c.out)
	if len(c.order) == 1 && len(c.out) == 0 && !c.closing {
		// One command, nothing before it: take the hop's reply buffer as
		// the output instead of copying it (a 100 MB GET is not copied
		// again; the hop keeps our empty buffer).
		h := c.hops[c.order[0]]
		c.out, h.reply = h.reply, c.out[:0]
	} else if !c.closing {
		for _, t := range c.order {
			c.out = append(c.out, c.hops[t].nextReply()...)
		}
	}
	if s.monitoring() {
		s.feedRun(c)
	}
	if c.drop {
		c.dropReply(before)
	}
	switch size := len(c.out) - before; {
	case size > s.srv.cfg.OutputLimit/4:
		c.runMax = max(c.runMax/8, 1)
	case size < s.srv.cfg.OutputLimit/64 && c.runMax < maxHopCmds:
		c.runMax = min(c.runMax*2, maxHopCmds)
	}
	for t, h := range c.hops {
		if h != nil {
			s.putHop(h)
			c.hops[t] = nil
		}
	}
	c.order = c.order[:0]
}

// hopReturned is called on the origin when one of its hops comes back.
func (s *shard) hopReturned(h *hop) {
	s.hopsOut--
	c := s.conns[h.connSlot]
	if c.gen != h.connGen || c.waiting == 0 {
		panic("ring: hop returned to a connection that is not waiting for it")
	}
	c.waiting--
	if c.waiting > 0 {
		return
	}
	s.assemble(c)
	if c.closing {
		s.maybeFree(c)
		return
	}
	s.markReady(c)
	s.markDirty(c)
}
