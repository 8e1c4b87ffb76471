package ring

import "golang.org/x/sys/unix"

// Idle clients and TCP keepalive: the `timeout` and `tcp-keepalive`
// configuration parameters, as Redis applies them.

// idleCheckMs is how often a shard looks for idle connections. Redis
// checks each client about once a second (clientsCron); so does this.
const idleCheckMs = 1000

// closeIdle closes the RESP connections of this shard that sent no
// command for longer than `timeout` seconds (0: never). Like Redis it
// spares clients blocked in a blocking command (their own timeout rules
// them), monitors (Redis counts them as replicas), pub/sub subscribers
// and connections with work in flight; memcached connections (not
// live() here) follow memcached's rules, which have no idle timeout by
// default. Runs on the shard's thread from the loop's tick.
func (s *shard) closeIdle(nowMs int64) {
	if nowMs-s.idleCheckedAt < idleCheckMs {
		return
	}
	s.idleCheckedAt = nowMs
	t := s.srv.eng.Config().Timeout()
	if t <= 0 {
		return
	}
	limit := t * 1000
	for _, c := range s.conns {
		if !c.live() || c.closeAfterFlush || c.blk != nil || c.monitor || c.subTotal() > 0 || c.waiting > 0 {
			continue
		}
		if nowMs-c.lastAt > limit {
			s.closeConn(c)
		}
	}
}

// setKeepalive applies `tcp-keepalive` (seconds; 0: off) to an accepted
// socket as Redis's anetKeepAlive does: probes start after that much
// idle time, every third of it, and 3 unanswered probes drop the peer.
func (s *shard) setKeepalive(fd int) {
	secs := int(s.srv.eng.Config().TCPKeepalive())
	if secs <= 0 {
		return
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs)
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, max(secs/3, 1))
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 3)
}
