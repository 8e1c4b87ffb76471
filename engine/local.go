package engine

import (
	"time"

	"github.com/darnerdb/darner/proto"
)

// Local runs commands against in-process shards on the calling goroutine,
// dispatching them the way the server does: unknown-command and arity
// errors from the table, connection and keyless commands with the session
// on shard 0 (the coordinator), single-shard commands on the shard that
// owns their keys, and commands that need the transaction layer through
// their Tx plan, phase after phase (serially: there is no concurrency to
// guard against here).
//
// It is for tests and tools. It is not safe for concurrent use; the
// shards it creates belong to it.
type Local struct {
	Server *Server
	Shards []*Shard
	Sess   Session
	// Now returns the clock commands see (unix ms); nil means time.Now.
	Now func() int64

	ctx Ctx
	w   proto.Writer
}

// NewLocal creates n shards with 16 databases each.
func NewLocal(n int) *Local {
	l := &Local{Server: &Server{NumShards: n, NumDBs: 16, Port: 6379, Version: RedisVersion, Backend: "local"}}
	l.Server.StartUnixMs = time.Now().UnixMilli()
	for i := 0; i < n; i++ {
		l.Shards = append(l.Shards, NewShard(ShardConfig{ID: i, NumDBs: 16, Node: -1, Server: l.Server}))
		l.Shards[i].Stats.ResetEpoch = &l.Server.Counters.ResetEpoch
	}
	return l
}

// Close releases the shards' memory.
func (l *Local) Close() {
	for _, s := range l.Shards {
		s.Close()
	}
}

func (l *Local) now() int64 {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now().UnixMilli()
}

// Do runs one command and returns its raw reply (RESP2, or RESP3 after
// HELLO 3).
func (l *Local) Do(args ...string) string {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return string(l.DoBytes(b))
}

// DoBytes runs one command and returns its raw reply. The reply is valid
// until the next call.
func (l *Local) DoBytes(args [][]byte) []byte {
	l.w.Buf = l.w.Buf[:0]
	l.w.Resp3 = l.Sess.Resp3
	cmd := Lookup(args[0])
	switch {
	case cmd == nil:
		l.w.Error(ErrUnknownCommand(args))
		l.Shards[0].RecordRejected(nil, l.w.Buf)
		return l.w.Buf
	case !CheckArity(cmd.Arity, len(args)):
		l.w.Error(ErrWrongArgs(cmd.Name))
		l.Shards[0].RecordRejected(cmd, l.w.Buf)
		return l.w.Buf
	case l.Server.RequirePass != "" && !l.Sess.Authed && cmd.Flags&FlagNoAuth == 0:
		l.w.Error("NOAUTH Authentication required.")
		l.Shards[0].RecordRejected(cmd, l.w.Buf)
		return l.w.Buf
	case l.Server.RejectOOM(&l.Sess, cmd):
		l.w.Error(ErrOOM)
		l.Shards[0].RecordRejected(cmd, l.w.Buf)
		return l.w.Buf
	}
	now := l.now()
	for _, sh := range l.Shards {
		sh.Clock = now
	}
	if NeedsTx(cmd, args, len(l.Shards)) {
		start := l.Shards[0].BeginCommand(cmd)
		t := NewTx(l.Server, len(l.Shards), l.Sess.DB, now, l.Sess.Resp3)
		t.Coordinator = l.Shards[0]
		t.NoBlock = true // one goroutine: nothing could wake it
		if cmd.Flags&FlagConn != 0 {
			t.Sess = &l.Sess
		}
		t.Plan(cmd, args)
		l.RunTx(t)
		l.Shards[0].EndCommand(cmd, start, l.w.Buf, args...)
		return l.w.Buf
	}
	target, withSess := 0, false
	if cmd.Flags&FlagConn != 0 || cmd.FirstKey <= 0 && cmd.Flags&FlagMovableKeys == 0 {
		withSess = true
	} else {
		cmd.KeyPositions(args, func(i int) { target = ShardOf(args[i], len(l.Shards)) })
	}
	start := l.Shards[target].BeginCommand(cmd)
	l.run(target, now, withSess, func(c *Ctx) { cmd.Run(c, args) })
	l.Shards[target].EndCommand(cmd, start, l.w.Buf, args...)
	if cmd.Flags&FlagWrite != 0 {
		l.Shards[target].writeMemory(cmd, args, l.Sess.DB) // as AfterWrite does (evict.go)
	}
	return l.w.Buf
}

// RunTx runs a planned tx's phases serially and appends its replies.
func (l *Local) RunTx(t *Tx) {
	if !t.Failed() {
		for _, ph := range t.Phases() {
			if ph.Shard >= 0 {
				l.runPhase(t, ph.Shard, ph.Fn)
				continue
			}
			for _, s := range t.Shards() {
				l.runPhase(t, s, ph.Fn)
			}
		}
	}
	t.WriteReplies(&l.w)
}

// runPhase runs one phase function the way the server does: on the
// shard, in the tx's database, with no reply writer and no session.
func (l *Local) runPhase(t *Tx, shard int, fn func(c *Ctx)) {
	c := &l.ctx
	*c = Ctx{Server: l.Server, Shard: l.Shards[shard], DB: t.DB, Now: t.Now}
	fn(c)
	c.Shard.AfterTxPhase(t)
}

func (l *Local) run(shard int, now int64, withSess bool, fn func(c *Ctx)) {
	c := &l.ctx
	*c = Ctx{Server: l.Server, Shard: l.Shards[shard], DB: l.Sess.DB, W: &l.w, Now: now}
	if withSess {
		c.Sess = &l.Sess
	}
	fn(c)
}
