package ring

// The io_uring backend, and the only file that imports giouring.

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"unsafe"

	"github.com/pawelgaczynski/giouring"
	"golang.org/x/sys/unix"
)

// uringEntries is the submission queue size; the completion queue is twice
// that, and the kernel (FEAT_NODROP, 5.5+) keeps overflowing completions
// instead of dropping them.
const uringEntries = 4096

// uringFlagSets are tried in order: the first the kernel accepts is used.
// DEFER_TASKRUN requires SINGLE_ISSUER (6.1+); SINGLE_ISSUER is 6.0+;
// COOP_TASKRUN is 5.19+.
var uringFlagSets = []struct {
	flags uint32
	name  string
}{
	{giouring.SetupSingleIssuer | giouring.SetupDeferTaskrun | giouring.SetupCoopTaskrun, "SINGLE_ISSUER|DEFER_TASKRUN|COOP_TASKRUN"},
	{giouring.SetupSingleIssuer | giouring.SetupDeferTaskrun, "SINGLE_ISSUER|DEFER_TASKRUN"},
	{giouring.SetupSingleIssuer | giouring.SetupCoopTaskrun, "SINGLE_ISSUER|COOP_TASKRUN"},
	{giouring.SetupSingleIssuer, "SINGLE_ISSUER"},
	{giouring.SetupCoopTaskrun, "COOP_TASKRUN"},
	{0, "none"},
}

// uringAvailable reports whether io_uring can be used on this host, with the
// reason when it cannot: io_uring_disabled, a kernel older than 5.19
// (multishot accept, EXT_ARG waits), or a failing io_uring_setup (ENOSYS,
// EPERM under seccomp/containers, ENOMEM under a small memlock limit). It
// creates and destroys a probe ring on the calling thread.
func uringAvailable() (bool, string) {
	if b, err := os.ReadFile("/proc/sys/kernel/io_uring_disabled"); err == nil {
		if v := strings.TrimSpace(string(b)); v == "2" {
			return false, "kernel.io_uring_disabled = 2"
		}
	}
	if ok, err := giouring.CheckKernelVersion(5, 19, 0); err == nil && !ok {
		return false, "kernel older than 5.19"
	}
	// The probe ring has the real size: on kernels before 5.12 ring memory
	// counts against RLIMIT_MEMLOCK, which a small ring would pass.
	r := giouring.NewRing()
	if err := r.QueueInit(uringEntries, 0); err != nil {
		return false, "io_uring_setup: " + err.Error()
	}
	r.QueueExit()
	return true, ""
}

// uringPoller is the io_uring poller. It owns one ring created on the
// shard thread; only that thread may call its methods.
type uringPoller struct {
	ring  *giouring.Ring
	flags string // the setup flags taken, for the log
	cqes  [64]*giouring.CompletionQueueEvent
	ts    syscall.Timespec
	// scratch is one mmap'd page: the kernel writes the eventfd counter
	// into its first 8 bytes after submit, so it must not be Go memory.
	scratch []byte
	// accepts maps an accept token to its listener, for the multishot →
	// single-shot fallback and the re-arm of single-shot accepts.
	accepts map[uint64]*uringAccept
	log     *slog.Logger
}

type uringAccept struct {
	lfd   int
	multi bool
}

// newUringPoller creates the ring with the best flags the kernel takes.
// Call it on the locked shard thread that will use it.
func newUringPoller(log *slog.Logger) (*uringPoller, error) {
	var lastErr error
	for _, fs := range uringFlagSets {
		r := giouring.NewRing()
		if err := r.QueueInit(uringEntries, fs.flags); err != nil {
			lastErr = err
			continue
		}
		scratch, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			r.QueueExit()
			return nil, fmt.Errorf("mmap: %w", err)
		}
		return &uringPoller{ring: r, flags: fs.name, scratch: scratch, accepts: map[uint64]*uringAccept{}, log: log}, nil
	}
	return nil, fmt.Errorf("io_uring_setup: %w", lastErr)
}

func (u *uringPoller) backend() string { return "io_uring" }

// sqe returns a zeroed submission entry, submitting first when the queue is
// full.
func (u *uringPoller) sqe() *giouring.SubmissionQueueEntry {
	s := u.ring.GetSQE()
	for s == nil {
		_, _ = u.ring.Submit()
		s = u.ring.GetSQE()
	}
	*s = giouring.SubmissionQueueEntry{}
	return s
}

func (u *uringPoller) acceptMulti(lfd int, tok uint64) {
	a := u.accepts[tok]
	if a == nil {
		a = &uringAccept{lfd: lfd, multi: true}
		u.accepts[tok] = a
	}
	s := u.sqe()
	if a.multi {
		s.PrepareMultishotAccept(lfd, 0, 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	} else {
		s.PrepareAccept(lfd, 0, 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
	}
	s.UserData = tok
}

func (u *uringPoller) recv(fd int, buf []byte, tok uint64) {
	s := u.sqe()
	s.PrepareRecv(fd, uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uint32(len(buf)), 0)
	s.UserData = tok
}

func (u *uringPoller) send(fd int, buf []byte, tok uint64) {
	s := u.sqe()
	s.PrepareSend(fd, uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uint32(len(buf)), unix.MSG_NOSIGNAL)
	s.UserData = tok
}

func (u *uringPoller) armWake(efd int, tok uint64) {
	s := u.sqe()
	s.PrepareRead(efd, uintptr(unsafe.Pointer(unsafe.SliceData(u.scratch))), 8, 0)
	s.UserData = tok
}

func (u *uringPoller) cancel(fd int, tok uint64) {
	s := u.sqe()
	s.PrepareCancel64(tok, 0)
	s.UserData = token(opCancel, 0, 0)
}

func (u *uringPoller) forget(fd int) {}

func (u *uringPoller) wait(dst []event, block bool, timeoutNs int64) (int, error) {
	var err error
	switch {
	case block && timeoutNs > 0:
		u.ts = syscall.NsecToTimespec(timeoutNs)
		_, err = u.ring.SubmitAndWaitTimeout(1, &u.ts, nil)
	case block:
		_, err = u.ring.SubmitAndWait(1)
	default:
		_, err = u.ring.SubmitAndGetEvents()
	}
	if err != nil && !errors.Is(err, syscall.ETIME) && !errors.Is(err, syscall.EINTR) &&
		!errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EBUSY) {
		return 0, err
	}
	n := 0
	for n < len(dst) {
		// PeekBatchCQE writes every slot of the slice it is given, even
		// past the ready count: give it the fixed 64 and read only k.
		k := int(u.ring.PeekBatchCQE(u.cqes[:]))
		if k == 0 {
			break
		}
		k = min(k, len(dst)-n)
		for i := 0; i < k; i++ {
			c := u.cqes[i]
			ev := event{tok: c.UserData, res: c.Res, more: c.Flags&giouring.CQEFMore != 0}
			if tokenOp(ev.tok) == opAccept && u.acceptDone(&ev) {
				continue
			}
			dst[n] = ev
			n++
		}
		u.ring.CQAdvance(uint32(k))
	}
	return n, nil
}

// acceptDone handles the re-arm side of an accept completion and reports
// whether the event is to be swallowed. A multishot accept the kernel
// refuses (EINVAL on its first completion) falls back to single-shot; a
// single-shot accept is re-armed after each connection so that the shard
// sees the same "still armed" contract as with multishot.
func (u *uringPoller) acceptDone(ev *event) bool {
	a := u.accepts[ev.tok]
	if a == nil || ev.more {
		return false
	}
	switch {
	case ev.res == -int32(unix.ECANCELED):
		delete(u.accepts, ev.tok)
		return false
	case a.multi && ev.res == -int32(unix.EINVAL):
		u.log.Info("io_uring: multishot accept refused by the kernel; using single-shot accept")
		a.multi = false
		u.acceptMulti(a.lfd, ev.tok)
		return true
	default:
		// A finished accept (single-shot, or a multishot the kernel
		// ended, e.g. on ENOMEM): arm it again.
		u.acceptMulti(a.lfd, ev.tok)
		ev.more = true
		return ev.res < 0
	}
}

func (u *uringPoller) close() {
	u.ring.QueueExit()
	_ = unix.Munmap(u.scratch)
}
