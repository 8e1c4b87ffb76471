package ring

// The epoll backend: emulates the poller's completion contract on top of
// readiness. Level-triggered; an fd is registered for EPOLLIN while a recv
// (or an accept, or the wake read) is posted on it and for EPOLLOUT only
// while a send is waiting for room. A send is first tried directly at the
// next wait; only a short or refused write arms EPOLLOUT. Interest changes
// are applied lazily at the next wait, so a connection that re-posts its
// recv right after the previous one completed costs no epoll_ctl.

import (
	"golang.org/x/sys/unix"
)

type epollFD struct {
	fd         int
	registered uint32 // events currently in the epoll set (0 = not added)
	dirty      bool   // in epollPoller.dirty

	kind uint8 // opAccept, opWake or 0 (connection)

	recvTok  uint64 // 0 = no recv/accept/wake posted
	recvBuf  []byte
	sendTok  uint64 // 0 = no send posted
	sendBuf  []byte
	sendWait bool // the send got EAGAIN: waiting for EPOLLOUT
}

func (f *epollFD) want() uint32 {
	var ev uint32
	if f.recvTok != 0 {
		ev |= unix.EPOLLIN
	}
	if f.sendTok != 0 && f.sendWait {
		ev |= unix.EPOLLOUT
	}
	return ev
}

// epollPoller belongs to one shard thread.
type epollPoller struct {
	epfd  int
	fds   map[int]*epollFD
	free  []*epollFD
	dirty []*epollFD
	sendQ []*epollFD // sends posted since the last wait: try them directly
	ready []event    // completions produced outside epoll_wait
	evs   [128]unix.EpollEvent
	wake  [8]byte
}

func newEpollPoller() (*epollPoller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &epollPoller{epfd: fd, fds: map[int]*epollFD{}}, nil
}

func (p *epollPoller) backend() string { return "epoll" }

func (p *epollPoller) get(fd int) *epollFD {
	f := p.fds[fd]
	if f == nil {
		if n := len(p.free); n > 0 {
			f = p.free[n-1]
			p.free = p.free[:n-1]
		} else {
			f = &epollFD{}
		}
		*f = epollFD{fd: fd}
		p.fds[fd] = f
	}
	return f
}

func (p *epollPoller) touch(f *epollFD) {
	if !f.dirty {
		f.dirty = true
		p.dirty = append(p.dirty, f)
	}
}

func (p *epollPoller) acceptMulti(lfd int, tok uint64) {
	f := p.get(lfd)
	f.kind = opAccept
	f.recvTok = tok
	p.touch(f)
}

func (p *epollPoller) armWake(efd int, tok uint64) {
	f := p.get(efd)
	f.kind = opWake
	f.recvTok = tok
	p.touch(f)
}

func (p *epollPoller) recv(fd int, buf []byte, tok uint64) {
	f := p.get(fd)
	f.recvTok, f.recvBuf = tok, buf
	p.touch(f)
}

func (p *epollPoller) send(fd int, buf []byte, tok uint64) {
	f := p.get(fd)
	f.sendTok, f.sendBuf, f.sendWait = tok, buf, false
	p.sendQ = append(p.sendQ, f)
}

func (p *epollPoller) cancel(fd int, tok uint64) {
	f := p.fds[fd]
	if f == nil {
		return
	}
	if f.recvTok == tok {
		f.recvTok, f.recvBuf = 0, nil
		p.ready = append(p.ready, event{tok: tok, res: -int32(unix.ECANCELED)})
		p.touch(f)
	}
	if f.sendTok == tok {
		f.sendTok, f.sendBuf = 0, nil
		p.ready = append(p.ready, event{tok: tok, res: -int32(unix.ECANCELED)})
		p.touch(f)
	}
}

func (p *epollPoller) forget(fd int) {
	f := p.fds[fd]
	if f == nil {
		return
	}
	if f.registered != 0 {
		_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	}
	delete(p.fds, fd)
	for i, s := range p.sendQ {
		if s == f {
			p.sendQ[i] = nil
		}
	}
	for i, d := range p.dirty {
		if d == f {
			p.dirty[i] = nil
		}
	}
	*f = epollFD{}
	p.free = append(p.free, f)
}

// doSend writes f's pending send. It reports false when the socket is full.
func (p *epollPoller) doSend(f *epollFD) bool {
	n, err := unix.SendmsgN(f.fd, f.sendBuf, nil, nil, unix.MSG_NOSIGNAL)
	if err == unix.EAGAIN {
		if !f.sendWait {
			f.sendWait = true
			p.touch(f)
		}
		return false
	}
	res := int32(n)
	if err != nil {
		res = -int32(errnoOf(err))
	}
	p.ready = append(p.ready, event{tok: f.sendTok, res: res})
	f.sendTok, f.sendBuf = 0, nil
	if f.sendWait {
		f.sendWait = false
		p.touch(f)
	}
	return true
}

// doRecv performs f's pending recv/accept/wake read after EPOLLIN.
func (p *epollPoller) doRecv(f *epollFD) {
	switch f.kind {
	case opAccept:
		for i := 0; i < 64; i++ {
			nfd, _, err := unix.Accept4(f.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			if err == unix.EAGAIN || err == unix.EINTR {
				return
			}
			if err != nil {
				p.ready = append(p.ready, event{tok: f.recvTok, res: -int32(errnoOf(err)), more: true})
				return
			}
			p.ready = append(p.ready, event{tok: f.recvTok, res: int32(nfd), more: true})
		}
	case opWake:
		_, err := unix.Read(f.fd, p.wake[:])
		if err == unix.EAGAIN {
			return
		}
		p.ready = append(p.ready, event{tok: f.recvTok, res: 8})
		f.recvTok = 0
		p.touch(f)
	default:
		n, err := unix.Read(f.fd, f.recvBuf)
		if err == unix.EAGAIN || err == unix.EINTR {
			return
		}
		res := int32(n)
		if err != nil {
			res = -int32(errnoOf(err))
		}
		p.ready = append(p.ready, event{tok: f.recvTok, res: res})
		f.recvTok, f.recvBuf = 0, nil
		p.touch(f)
	}
}

func (p *epollPoller) wait(dst []event, block bool, timeoutNs int64) (int, error) {
	for _, f := range p.sendQ {
		if f != nil && f.sendTok != 0 {
			p.doSend(f)
		}
	}
	p.sendQ = p.sendQ[:0]
	for _, f := range p.dirty {
		if f == nil {
			continue
		}
		f.dirty = false
		want := f.want()
		if want == f.registered {
			continue
		}
		var err error
		ev := unix.EpollEvent{Events: want, Fd: int32(f.fd)}
		switch {
		case f.registered == 0:
			err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, f.fd, &ev)
		case want == 0:
			err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, f.fd, nil)
		default:
			err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, f.fd, &ev)
		}
		if err == nil {
			f.registered = want
		}
	}
	p.dirty = p.dirty[:0]

	msec := 0
	if block && len(p.ready) == 0 {
		msec = -1
		if timeoutNs > 0 {
			msec = int((timeoutNs + 999_999) / 1_000_000)
		}
	}
	n, err := unix.EpollWait(p.epfd, p.evs[:], msec)
	if err != nil && err != unix.EINTR {
		return 0, err
	}
	for i := 0; i < n; i++ {
		e := p.evs[i]
		f := p.fds[int(e.Fd)]
		if f == nil {
			continue
		}
		if e.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 && f.recvTok != 0 {
			p.doRecv(f)
		} else if e.Events&unix.EPOLLIN != 0 && f.recvTok == 0 {
			p.touch(f) // nobody wants to read: drop EPOLLIN at the next wait
		}
		if e.Events&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 && f.sendTok != 0 && f.sendWait {
			p.doSend(f)
		}
	}
	k := copy(dst, p.ready)
	rest := copy(p.ready, p.ready[k:])
	p.ready = p.ready[:rest]
	return k, nil
}

func (p *epollPoller) close() {
	_ = unix.Close(p.epfd)
}

func errnoOf(err error) unix.Errno {
	if e, ok := err.(unix.Errno); ok {
		return e
	}
	return unix.EIO
}
