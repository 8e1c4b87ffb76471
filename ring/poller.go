package ring

// The poller interface: the only thing that differs between the io_uring
// and the epoll backends. It is completion-shaped (post an operation, later
// receive one event for it, keyed by a token), because that is io_uring's
// model; the epoll backend emulates it by doing the read/write/accept itself
// when the fd becomes ready.
//
// Threads: a poller belongs to one shard thread. Every method must be called
// on that thread only (an io_uring created with SINGLE_ISSUER refuses
// submissions from any other thread).

// Operation kinds, carried in the low byte of a token.
const (
	opAccept  uint8 = iota + 1 // accept on a listener; slot = listener index
	opRecv                     // recv into a connection's input buffer
	opSend                     // send from a connection's output buffer
	opWake                     // eventfd read (another shard woke us)
	opCancel                   // completion of a cancel request; ignored
	opTimeout                  // reserved for timers
)

// token is the 64-bit user data of an operation: op kind (8 bits), the
// connection slot's generation (24 bits) and the slot index (32 bits).
// It never holds a Go pointer (checkptr, GC): a completion is mapped back
// to its connection through the shard's slab.
func token(op uint8, slot uint32, gen uint32) uint64 {
	return uint64(op) | uint64(gen&0xffffff)<<8 | uint64(slot)<<32
}

func tokenOp(t uint64) uint8    { return uint8(t) }
func tokenGen(t uint64) uint32  { return uint32(t>>8) & 0xffffff }
func tokenSlot(t uint64) uint32 { return uint32(t >> 32) }

// event is one completed operation.
//
// res is the operation's result: bytes transferred (recv/send), the new fd
// (accept) or a negative errno. more is set when a multishot operation
// stays armed (accept); when it is false the operation is finished and
// must be posted again if still wanted.
type event struct {
	tok  uint64
	res  int32
	more bool
}

// poller is one shard's event source.
//
// Buffers: recv's buf may be written by the kernel at any time until its
// event arrives, so it must be memory the GC can neither move nor free
// (the caller passes mmap'd memory). send's buf is only read, also until its
// event; the caller keeps it referenced and pinned until then. At most one
// recv and one send may be outstanding per fd.
type poller interface {
	// backend is "io_uring" or "epoll".
	backend() string
	// acceptMulti arms accepting on listener lfd; each accepted connection
	// arrives as an event with res = the new fd (non-blocking, CLOEXEC).
	acceptMulti(lfd int, tok uint64)
	// recv posts one read of at most len(buf) bytes.
	recv(fd int, buf []byte, tok uint64)
	// send posts one write of buf (the event's res may be short).
	send(fd int, buf []byte, tok uint64)
	// armWake arms the read of the shard's eventfd; its event means the
	// eventfd was written (the counter is consumed). Re-arm after each.
	armWake(efd int, tok uint64)
	// cancel asks for the operation tok on fd to finish early; it still
	// produces its event (usually -ECANCELED), possibly with a result.
	cancel(fd int, tok uint64)
	// forget is called just before fd is closed, once no operation on it
	// is outstanding.
	forget(fd int)
	// wait submits what was posted, then collects finished operations into
	// dst and returns how many. With block it sleeps until at least one
	// event arrives or timeoutNs passes (timeoutNs <= 0: no limit);
	// without, it returns at once. It never spins.
	wait(dst []event, block bool, timeoutNs int64) (int, error)
	// close releases the poller; on io_uring it must run on the thread
	// that created the ring.
	close()
}
