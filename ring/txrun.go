package ring

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
)

// HTTP on the main port, Server.Do and Server.Scrape, and the ring's own
// counters. Requests from other goroutines enter through a shard's
// extQueue and run as transactions coordinated by that shard (tx.go).

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
	x := s.newTxn(0, false)
	x.waitFor(c)
	engine.PlanHTTP(x.t, path)
	s.launch(x, c)
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
	return srv.submit(ctx, target, &extReq{args: engine.CopyArgs(args)})
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
	s.eng.ClockStale()
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
			x := s.newTxn(0, false)
			x.done = r.done
			r.plan(x.t)
			s.launch(x, nil)
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
	if engine.NeedsTx(cmd, args, len(s.srv.shards)) {
		x := s.newTxn(0, false)
		x.done = r.done
		if cmd.Flags&engine.FlagConn != 0 {
			x.t.Sess = &sess
		}
		x.cmd, x.start = cmd, s.eng.BeginCommand(cmd)
		x.t.NoBlock = true
		x.t.Plan(cmd, args)
		s.launch(x, nil)
		return
	}
	if !s.keysFree(cmd, args) {
		// A tx holds its keys: run it as a one-phase tx behind the holders.
		x := s.newTxn(0, false)
		x.done = r.done
		excl := cmd.Flags&engine.FlagWrite != 0
		cmd.KeyPositions(args, func(i int) { x.t.AddKey(args[i], excl) })
		var out []byte
		x.t.On(s.id, func(c *engine.Ctx) { out = engine.RunCaptured(c, cmd, args, 0, false) })
		x.t.Reply(func(w *proto.Writer) { w.Buf = append(w.Buf, out...) })
		s.launch(x, nil)
		return
	}
	var w proto.Writer
	ctx := engine.Ctx{Server: s.srv.eng, Shard: s.eng, Sess: &sess, W: &w, Now: s.nowMs}
	start := s.eng.BeginCommand(cmd)
	cmd.Run(&ctx, args)
	s.eng.AfterWrite(cmd, args, 0)
	s.eng.EndCommand(cmd, start, w.Buf, args...)
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
	// CONFIG RESETSTAT: epoch is the reset these counters started at,
	// acceptBase the accepts count then (accepts itself is shared).
	epoch      uint64
	acceptBase uint64
}

// resetLoopStats zeroes the loop's counters after a CONFIG RESETSTAT
// (checked on every tick and before every snapshot).
func (s *shard) resetLoopStats() {
	if e := s.srv.eng.Counters.ResetEpoch.Load(); e != s.stats.epoch {
		s.stats = loopStats{epoch: e, acceptBase: s.accepts.Load()}
	}
}

// ringStats is engine.Server.RingStats: shard id's loop counters. It runs
// on shard id's thread.
func (srv *Server) ringStats(id int) engine.RingShardStats {
	s := srv.shards[id]
	s.resetLoopStats()
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
		Accepted:     s.accepts.Load() - s.stats.acceptBase - s.stats.rejected,
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

// ---- start-up flags in CONFIG ----

// startupConfig passes the start-up flags to the engine's CONFIG store, so
// CONFIG GET reports them (port, databases, requirepass and io-threads
// come from engine.Server itself). The loops read hz, maxclients and
// latency-tracking from there, so CONFIG SET of those takes effect.
func (s *Server) startupConfig() {
	c := s.eng.Config()
	pairs := [][2]string{
		{"hz", strconv.Itoa(s.cfg.Hz)},
		{"maxclients", strconv.Itoa(s.cfg.MaxClients)},
		{"bind", strings.Join(s.cfg.Bind, " ")},
		{"proto-max-bulk-len", strconv.FormatInt(s.cfg.MaxBulkLen, 10)},
		{"client-query-buffer-limit", strconv.FormatInt(s.cfg.QueryBufferLimit, 10)},
	}
	if s.cfg.MaxMemory > 0 {
		pairs = append(pairs, [2]string{"maxmemory", strconv.FormatInt(s.cfg.MaxMemory, 10)})
	}
	s.eng.SetCacheMode(s.cfg.CacheMode)
	for _, p := range pairs {
		if err := c.SetStartup(p[0], p[1]); err != nil {
			s.log.Warn("start-up flag not reflected in CONFIG", "param", p[0], "value", p[1], "err", err)
		}
	}
}

// tickNs is the shard's tick period from CONFIG's hz (one atomic load).
// It runs on every tick, so it also refreshes the shard's copy of
// latency-tracking, proto-max-bulk-len and client-query-buffer-limit.
func (s *shard) tickNs() int64 {
	cfg := s.srv.eng.Config()
	s.eng.Stats.NoTiming = !cfg.LatencyTracking()
	s.maxBulkLen, s.queryLimit = cfg.ProtoMaxBulkLen(), cfg.ClientQueryBufferLimit()
	s.resetLoopStats()
	hz := cfg.Hz()
	if hz <= 0 {
		hz = s.srv.cfg.Hz
	}
	return int64(time.Second) / int64(hz)
}
