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

	// next is the target's position: commands before it have run. A hop
	// stopped at a command whose keys a tx holds is parked (entry queued in
	// the target's LockTable) and resumes there.
	next   int
	parked bool
	away   bool // a local hop that parked: counted in hopsOut until it returns
	entry  engine.TxEntry
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
	h.next = 0
	h.parked = false
	h.away = false
	h.entry.Payload = nil
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

// argsOf rebuilds command i's arguments into h.argv (target side).
func (h *hop) argsOf(i int) (*engine.Command, [][]byte) {
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
	return h.cmds[i], h.argv
}

// runOne runs command h.next, whose arguments argsOf put in h.argv, on the
// target shard and records its reply.
func (h *hop) runOne(ctx *engine.Ctx, w *proto.Writer) {
	cmd := h.cmds[h.next]
	ctx.DB = h.db
	ctx.Sess = nil
	ctx.Close = false
	w.Resp3 = h.resp3
	w.Buf = h.reply
	t0 := ctx.Shard.BeginCommand(cmd)
	before := len(w.Buf)
	cmd.Run(ctx, h.argv)
	ctx.Shard.EndCommand(cmd, t0, w.Buf[before:], h.argv...)
	ctx.Shard.AfterWrite(cmd, h.argv, h.db)
	h.reply = w.Buf
	w.Buf = nil
	h.replyEnd = append(h.replyEnd, len(h.reply))
	h.next++
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
