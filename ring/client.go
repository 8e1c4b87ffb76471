package ring

import (
	"net/netip"
	"strconv"

	"github.com/darnerdb/darner/engine"
	"golang.org/x/sys/unix"
)

// CLIENT LIST / INFO / KILL: the engine's Tx asks every shard, on its own
// thread, for its RESP connections (engine.Shard.ClientInfos/KillClients).

func (s *shard) setClientHooks() {
	s.eng.ClientInfos = s.clientInfos
	s.eng.KillClients = s.killClients
}

// live reports whether c is an open RESP connection.
func (c *conn) live() bool { return c.fd >= 0 && !c.closing && c.mc == nil }

func (s *shard) clientInfos(dst []engine.ClientInfo) []engine.ClientInfo {
	for _, c := range s.conns {
		if c.live() {
			dst = append(dst, s.clientInfo(c))
		}
	}
	return dst
}

func (s *shard) clientInfo(c *conn) engine.ClientInfo {
	ci := engine.ClientInfo{
		ID: c.sess.ID, FD: c.fd, Name: c.sess.Name, Created: c.created, LastAt: c.lastAt,
		DB: c.sess.DB, Multi: -1, QBuf: c.end - c.start, QBufFree: len(c.in) - c.end, RBS: len(c.in),
		OMem: c.pending(), Resp: 2, Blocked: c.blk != nil, NoEvict: c.sess.NoEvict, NoTouch: c.sess.NoTouch,
	}
	if c.sess.InMulti {
		ci.Multi = len(c.sess.Queue)
	}
	ci.Monitor = c.monitor
	if c.subs != nil {
		ci.Sub, ci.PSub, ci.SSub = len(c.subs.chans), len(c.subs.pats), len(c.subs.schans)
	}
	if c.sess.Resp3 {
		ci.Resp = 3
	}
	if c.lastCmd != nil {
		ci.Cmd = c.lastCmd.Name
	}
	if sa, err := unix.Getpeername(c.fd); err == nil {
		ci.Addr = sockaddrString(sa)
	}
	if sa, err := unix.Getsockname(c.fd); err == nil {
		ci.LAddr = sockaddrString(sa)
	}
	return ci
}

func sockaddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrUnix:
		return a.Name + ":0"
	}
	return "?:" + strconv.Itoa(0)
}

// killClients closes the connections f selects and returns how many. The
// caller itself is only marked to close once its reply is sent: it is the
// connection running this command.
func (s *shard) killClients(f *engine.ClientFilter) int {
	n := 0
	for _, c := range s.conns {
		if !c.live() || c.closeAfterFlush {
			continue
		}
		ci := s.clientInfo(c)
		if !f.Match(&ci) {
			continue
		}
		n++
		if c.sess.ID == f.Self {
			c.closeAfterFlush = true
			s.markDirty(c)
			continue
		}
		s.closeConn(c)
	}
	return n
}
