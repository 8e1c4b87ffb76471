package ring

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
)

// Keyless transactions, HTTP on the main port, and Server.Do.
//
// txRun runs a tx plan that declares no keys and is not global: commands
// with a Tx planner and no Run (INFO) and the /metrics and /healthz
// scrapes. Such a plan only reads per-shard data (Tx.AllShards, Each), so
// it needs no locks: its phases travel to their shards as phase hops (a
// hop whose fn is set), one phase after the other, and its reply writers
// run on the coordinator once the last phase is back. A plan that declares
// keys or is global needs the transaction runtime (VLL locks) and is
// refused here with the cross-shard error.
//
// Ownership: a txRun belongs to its coordinator shard's thread. While a
// phase hop is away only the target touches the hop (it runs fn on its own
// shard, with no reply writer); the txRun itself stays on the coordinator.
// A connection running a tx counts it in waiting, so it neither processes
// more input nor is freed until the tx has replied.
type txRun struct {
	t       *engine.Tx
	cmd     *engine.Command // the command, for its counters (nil for scrapes)
	start   int64           // BeginCommand's time
	phase   int             // next phase to start
	waiting int             // phase hops away

	// The requester: a connection, or an external caller (Server.Do).
	conn *conn
	gen  uint32
	done chan []byte
}

// startCmdTx plans and starts cmd (Run == nil) for connection c.
func (s *shard) startCmdTx(c *conn, cmd *engine.Command, args [][]byte) {
	r := &txRun{cmd: cmd, conn: c, gen: c.gen}
	r.start = s.eng.BeginCommand(cmd)
	t := engine.NewTx(s.srv.eng, len(s.srv.shards), c.sess.DB, s.nowMs, c.sess.Resp3)
	if cmd.Flags&engine.FlagConn != 0 {
		t.Sess = &c.sess
	}
	r.t = s.planCmd(t, cmd, args)
	c.waiting++
	s.advanceTx(r)
}

// planCmd plans cmd on t with a copy of args (the tx owns its arguments),
// or returns a tx that only replies the cross-shard error when the plan
// needs locks.
func (s *shard) planCmd(t *engine.Tx, cmd *engine.Command, args [][]byte) *engine.Tx {
	own := copyArgs(args)
	t.Plan(cmd, own)
	if !t.Failed() && (t.Global() || len(t.Keys()) > 0) {
		e := engine.NewTx(t.Server, len(s.srv.shards), t.DB, t.Now, t.Resp3)
		e.Error(crossShard(cmd, own))
		return e
	}
	return t
}

func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

// advanceTx starts r's next phases until one has hops away, or replies
// when every phase has run.
func (s *shard) advanceTx(r *txRun) {
	t := r.t
	phases := t.Phases()
	if t.Failed() {
		phases = nil
	}
	for r.phase < len(phases) {
		ph := phases[r.phase]
		r.phase++
		local := false
		send := func(target int) {
			if target == s.id {
				local = true
				return
			}
			h := s.getHop()
			h.target = target
			h.db = t.DB
			h.fn = ph.Fn
			h.txr = r
			r.waiting++
			s.pushHop(target, h)
		}
		if ph.Shard >= 0 {
			send(ph.Shard)
		} else {
			for _, sh := range t.Shards() {
				send(sh)
			}
		}
		if local {
			ctx := engine.Ctx{Server: s.srv.eng, Shard: s.eng, DB: t.DB, Now: t.Now}
			ph.Fn(&ctx)
		}
		if r.waiting > 0 {
			return // txHopBack continues
		}
	}
	s.finishTx(r)
}

// txHopBack takes back one of r's phase hops.
func (s *shard) txHopBack(h *hop) {
	r := h.txr
	s.putHop(h)
	r.waiting--
	if r.waiting == 0 {
		s.advanceTx(r)
	}
}

// finishTx writes r's replies to its requester.
func (s *shard) finishTx(r *txRun) {
	if r.done != nil {
		var w proto.Writer
		r.t.WriteReplies(&w)
		r.done <- w.Buf
		return
	}
	c := r.conn
	if c.gen != r.gen || c.waiting == 0 {
		panic("ring: tx finished for a connection that is not waiting for it")
	}
	c.waiting--
	if c.closing {
		s.maybeFree(c)
		return
	}
	s.w.Buf = c.out
	s.w.Resp3 = c.sess.Resp3
	before := len(c.out)
	r.t.WriteReplies(&s.w)
	c.out = s.w.Buf
	s.w.Buf = nil
	if r.cmd != nil {
		s.eng.EndCommand(r.cmd, r.start, c.out[before:])
	}
	s.markReady(c)
	s.markDirty(c)
}

// ---- HTTP on the main port ----

// maxHTTPHeader bounds an HTTP request's head on the main port.
const maxHTTPHeader = 16 << 10

// httpProbe looks at a new connection's first bytes: a request line
// "GET /path HTTP/1.x" makes it an HTTP connection, answered (/metrics,
// /healthz, else 404) and closed; anything else makes it a Redis
// connection for good (c.protoKnown). It reports whether process must not
// parse the input as RESP now (HTTP, or not enough bytes to tell).
func (s *shard) httpProbe(c *conn) bool {
	b := c.in[c.start:c.end]
	if len(b) == 0 {
		return false
	}
	if b[0] != 'G' {
		c.protoKnown = true
		return false
	}
	le := bytes.IndexByte(b, '\n')
	if le < 0 {
		if len(b) >= maxHTTPHeader {
			c.protoKnown = true
			return false
		}
		return true // wait for the whole first line
	}
	line := bytes.TrimSuffix(b[:le], []byte("\r"))
	if !bytes.HasPrefix(line, []byte("GET /")) ||
		!(bytes.HasSuffix(line, []byte(" HTTP/1.1")) || bytes.HasSuffix(line, []byte(" HTTP/1.0"))) {
		c.protoKnown = true
		return false
	}
	if bytes.Index(b, []byte("\r\n\r\n")) < 0 && bytes.Index(b, []byte("\n\n")) < 0 {
		if len(b) >= maxHTTPHeader {
			c.protoKnown = true
			c.out = append(c.out, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"...)
			c.start = c.end
			c.closeAfterFlush = true
		}
		return true // wait for the end of the head
	}
	c.protoKnown = true
	path := string(line[len("GET ") : len(line)-len(" HTTP/1.1")])
	if i := bytes.IndexByte([]byte(path), '?'); i >= 0 {
		path = path[:i]
	}
	c.start = c.end // the request has no body; anything after it is dropped
	c.closeAfterFlush = true
	r := &txRun{conn: c, gen: c.gen}
	r.t = engine.NewTx(s.srv.eng, len(s.srv.shards), 0, s.nowMs, false)
	engine.PlanHTTP(r.t, path)
	c.waiting++
	s.advanceTx(r)
	return true
}

// ---- Server.Do: commands from other goroutines ----

// extReq is a request from a goroutine outside the shards.
type extReq struct {
	args [][]byte           // a command (owned by the request), or
	plan func(t *engine.Tx) // a tx plan run as a keyless tx
	done chan []byte        // receives the RESP2 reply (buffer 1)
}

// extQueue is a shard's inbox for external requests: any goroutine
// appends under mu and kicks the shard; the shard thread takes them all.
type extQueue struct {
	mu      sync.Mutex
	reqs    []*extReq
	pending atomic.Bool
}

// ErrStopped is returned by Do for a server that is not running.
var ErrStopped = errors.New("ring: server is not running")

// Do runs one command from any goroutine (not a shard thread) as a client
// would, in database 0 with RESP2, and returns its raw reply. A keyed
// command runs on the shard that owns its keys; INFO-like commands
// (keyless tx plans) gather from every shard. It blocks until the reply
// or ctx's end.
func (srv *Server) Do(ctx context.Context, args ...[]byte) ([]byte, error) {
	if len(args) == 0 {
		return nil, errors.New("ring: Do needs a command")
	}
	target := 0
	if cmd := engine.Lookup(args[0]); cmd != nil && cmd.Run != nil && cmd.Flags&engine.FlagConn == 0 &&
		engine.CheckArity(cmd.Arity, len(args)) {
		cmd.KeyPositions(args, func(i int) { target = engine.ShardOf(args[i], len(srv.shards)) })
	}
	return srv.submit(ctx, target, &extReq{args: copyArgs(args)})
}

// Scrape returns the body of /metrics or /healthz (path), gathered like
// the main port's HTTP answer; for the admin port's HTTP server.
func (srv *Server) Scrape(ctx context.Context, path string) (body []byte, status int, err error) {
	out, err := srv.submit(ctx, 0, &extReq{plan: func(t *engine.Tx) { engine.PlanScrape(t, path) }})
	if err != nil {
		return nil, 0, err
	}
	status, body = engine.SplitScrape(out)
	return body, status, nil
}

func (srv *Server) submit(ctx context.Context, target int, r *extReq) ([]byte, error) {
	if !srv.started || srv.stopping.Load() {
		return nil, ErrStopped
	}
	r.done = make(chan []byte, 1)
	sh := srv.shards[target]
	q := &sh.ext
	q.mu.Lock()
	q.reqs = append(q.reqs, r)
	q.pending.Store(true)
	q.mu.Unlock()
	sh.kick()
	select {
	case out := <-r.done:
		return out, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// drainExternal runs the external requests queued for this shard.
func (s *shard) drainExternal() {
	q := &s.ext
	q.mu.Lock()
	reqs := q.reqs
	q.reqs = nil
	q.pending.Store(false)
	q.mu.Unlock()
	for _, r := range reqs {
		if s.stopState != 0 {
			r.done <- proto.AppendError(nil, "ERR server is shutting down")
			continue
		}
		if r.plan != nil {
			tr := &txRun{done: r.done}
			tr.t = engine.NewTx(s.srv.eng, len(s.srv.shards), 0, s.nowMs, false)
			r.plan(tr.t)
			s.advanceTx(tr)
			continue
		}
		s.runExternal(r)
	}
}

// runExternal runs one external command on this shard (its owner, or the
// coordinator for keyless ones) with a fresh session.
func (s *shard) runExternal(r *extReq) {
	args := r.args
	cmd := engine.Lookup(args[0])
	switch {
	case cmd == nil:
		r.done <- proto.AppendError(nil, engine.ErrUnknownCommand(args))
		return
	case !engine.CheckArity(cmd.Arity, len(args)):
		r.done <- proto.AppendError(nil, engine.ErrWrongArgs(cmd.Name))
		return
	}
	sess := engine.Session{ID: s.srv.nextID.Add(1), Authed: true}
	if cmd.Run == nil || engine.NeedsTx(cmd, args, len(s.srv.shards)) {
		tr := &txRun{done: r.done}
		t := engine.NewTx(s.srv.eng, len(s.srv.shards), 0, s.nowMs, false)
		if cmd.Flags&engine.FlagConn != 0 {
			t.Sess = &sess
		}
		tr.t = s.planCmd(t, cmd, args)
		s.advanceTx(tr)
		return
	}
	var w proto.Writer
	ctx := engine.Ctx{Server: s.srv.eng, Shard: s.eng, Sess: &sess, W: &w, Now: s.nowMs}
	start := s.eng.BeginCommand(cmd)
	cmd.Run(&ctx, args)
	s.eng.EndCommand(cmd, start, w.Buf)
	r.done <- w.Buf
}

// ---- counters the ring keeps for INFO and /metrics ----

// loopStats are a shard loop's counters (shard thread only; read through
// ringStats, on the same thread, by INFO's and /metrics' tx phases).
type loopStats struct {
	rejected      uint64
	hopsSent      uint64
	hopsReceived  uint64
	netIn, netOut uint64
	reads, writes uint64
}

// ringStats is engine.Server.RingStats: shard id's loop counters. It runs
// on shard id's thread.
func (srv *Server) ringStats(id int) engine.RingShardStats {
	s := srv.shards[id]
	var backlog int64
	for _, q := range s.in {
		if q != nil {
			backlog += int64(q.Len())
		}
	}
	for _, ob := range s.outbox {
		backlog += int64(len(ob))
	}
	return engine.RingShardStats{
		Conns:        int64(s.nconns),
		Accepted:     s.accepts.Load() - s.stats.rejected,
		Rejected:     s.stats.rejected,
		HopsSent:     s.stats.hopsSent,
		HopsReceived: s.stats.hopsReceived,
		Backlog:      backlog,
		NetInBytes:   s.stats.netIn,
		NetOutBytes:  s.stats.netOut,
		Reads:        s.stats.reads,
		Writes:       s.stats.writes,
	}
}
