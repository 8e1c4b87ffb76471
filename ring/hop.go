package ring

import (
	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
)

// hop is a batch of single-shard commands one connection sends from its
// coordinator shard (origin) to the shard that owns their keys (target),
// and the replies that come back.
//
// Ownership: a hop is allocated by, pooled on and owned by its origin
// shard. The origin fills it and pushes it on the origin→target SPSC ring;
// from then until it pops the hop from the target→origin ring, only the
// target touches it (it runs the commands and writes the replies). The SPSC
// rings' release/acquire publication is the only synchronisation. A hop is
// never freed: it returns to its origin's pool, so steady-state hops
// allocate nothing.
type hop struct {
	origin, target int
	// connSlot/connGen identify the waiting connection on the origin.
	connSlot, connGen uint32

	db    int
	resp3 bool

	// The commands, in connection order. Command i's arguments are
	// args[argEnd[j-1]:argEnd[j]] for j in argFirst[i] .. argFirst[i+1]-1
	// (one contiguous copy, since the connection's input buffer is reused
	// as soon as the hop is sent).
	cmds     []*engine.Command
	argFirst []int // index into argEnd of command i's first argument
	argEnd   []int // end offset in args of each argument
	args     []byte

	// Written by the target: all replies back to back; command i's reply
	// is reply[replyEnd[i-1]:replyEnd[i]].
	reply    []byte
	replyEnd []int

	// argv is the target's scratch for rebuilding [][]byte arguments.
	argv [][]byte
	// cursor is the origin's read position while assembling replies.
	cursor int

	// A phase hop (txrun.go) carries no commands: the target runs fn on
	// its shard, and txr is the origin's tx waiting for it.
	fn  func(c *engine.Ctx)
	txr *txRun
}

// maxHopCmds bounds one hop (and one squashed run), so a huge pipeline is
// still spread over several round trips and replies start flowing early.
const maxHopCmds = 1024

// maxHopBytes bounds the argument bytes of a squashed run; a single larger
// command still travels alone.
const maxHopBytes = 1 << 20

func (h *hop) reset() {
	h.cmds = h.cmds[:0]
	h.argFirst = h.argFirst[:0]
	h.argEnd = h.argEnd[:0]
	h.args = h.args[:0]
	h.reply = h.reply[:0]
	h.replyEnd = h.replyEnd[:0]
	h.cursor = 0
	h.fn, h.txr = nil, nil
	// Do not keep a huge buffer from one big command in the pool.
	if cap(h.args) > 4*maxHopBytes {
		h.args = nil
	}
	if cap(h.reply) > 4*maxHopBytes {
		h.reply = nil
	}
}

// add appends one command with a copy of its arguments.
func (h *hop) add(cmd *engine.Command, args [][]byte) {
	h.cmds = append(h.cmds, cmd)
	h.argFirst = append(h.argFirst, (len(h.argEnd)))
	for _, a := range args {
		h.args = append(h.args, a...)
		h.argEnd = append(h.argEnd, (len(h.args)))
	}
}

// run executes every command on shard sh (the target's thread) and
// records the replies.
func (h *hop) run(ctx *engine.Ctx, w *proto.Writer) {
	ctx.DB = h.db
	ctx.Sess = nil
	if h.fn != nil {
		ctx.W = nil
		h.fn(ctx)
		ctx.W = w
		return
	}
	w.Resp3 = h.resp3
	w.Buf = h.reply[:0]
	for i, cmd := range h.cmds {
		first := h.argFirst[i]
		last := len(h.argEnd)
		if i+1 < len(h.cmds) {
			last = h.argFirst[i+1]
		}
		h.argv = h.argv[:0]
		start := 0
		if first > 0 {
			start = h.argEnd[first-1]
		}
		for j := first; j < last; j++ {
			h.argv = append(h.argv, h.args[start:h.argEnd[j]:h.argEnd[j]])
			start = h.argEnd[j]
		}
		ctx.Close = false
		t0 := ctx.Shard.BeginCommand(cmd)
		before := len(w.Buf)
		cmd.Run(ctx, h.argv)
		ctx.Shard.EndCommand(cmd, t0, w.Buf[before:])
		h.replyEnd = append(h.replyEnd, (len(w.Buf)))
	}
	h.reply = w.Buf
	w.Buf = nil
	clear(h.argv)
}

// nextReply returns the origin's next reply in this hop.
func (h *hop) nextReply() []byte {
	start := 0
	if h.cursor > 0 {
		start = h.replyEnd[h.cursor-1]
	}
	end := h.replyEnd[h.cursor]
	h.cursor++
	return h.reply[start:end]
}
