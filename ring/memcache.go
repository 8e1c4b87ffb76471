package ring

import (
	"errors"
	"net"
	"os"
	"time"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
	"golang.org/x/sys/unix"
)

// The memcached listener and process loop.
//
// With Config.MemcachedPort set, every shard has a second SO_REUSEPORT
// listener per bind address on that port, in the same ring as its Redis
// listeners (they follow the Redis ones in shard.listeners; the accept
// token's slot tells which). A connection accepted there is marked
// memcached (conn.mc) and its input goes through processMC instead of the
// RESP loop: proto.MCParser parses each request, engine.MCRequest turns it
// into parts (one per key of a get; one for other keyed commands; one per
// shard for flush_all and stats; ordered reply parts for the rest), and
// the parts travel the same squashed-run/hop path as RESP commands, so a
// pipelined "get k1 k2 k3" over several shards is one hop per shard and
// its replies are assembled in key order. Nothing here locks or starts a
// goroutine; everything runs on the connection's coordinator shard.

// mcConn is a memcached connection's protocol state; it belongs to the
// connection's coordinator shard.
type mcConn struct {
	parser proto.MCParser
	// A stats request in flight: its shards' counter blobs end c.out once
	// its run is back (stats runs alone); they are turned into text then.
	stats     bool
	statsArgs [][]byte
	// pins are the key hashes of this connection's mg requests whose
	// items memcached 1.6.18 still holds for their pending reply (until mn,
	// the end of the input read, or a get of the same key, as measured):
	// incr/decr/ma of such an item replace it instead of updating it in
	// place, which shows in the value's padding. See engine's mcBitPinned.
	pins []uint64
}

const maxPins = 256

func (m *mcConn) pin(key []byte) {
	if len(m.pins) < maxPins {
		m.pins = append(m.pins, engine.KeyHash(key))
	}
}

func (m *mcConn) unpin(key []byte) {
	if len(m.pins) == 0 {
		return
	}
	h := engine.KeyHash(key)
	for i := 0; i < len(m.pins); {
		if m.pins[i] == h {
			m.pins[i] = m.pins[len(m.pins)-1]
			m.pins = m.pins[:len(m.pins)-1]
			continue
		}
		i++
	}
}

func (m *mcConn) pinned(key []byte) bool {
	h := engine.KeyHash(key)
	for _, p := range m.pins {
		if p == h {
			return true
		}
	}
	return false
}

// isMemcachedListener reports whether listener index i of a shard is a
// memcached one.
func (s *Server) isMemcachedListener(i uint32) bool {
	return s.mcFirst > 0 && int(i) >= s.mcFirst
}

// MemcachedPort returns the bound memcached port (0: none).
func (s *Server) MemcachedPort() int { return s.mcPort }

// bindMemcached adds every shard's memcached listeners (after its Redis
// ones) on Config.MemcachedPort.
func (s *Server) bindMemcached() error {
	if s.cfg.MemcachedPort <= 0 {
		return nil
	}
	s.mcFirst = len(s.shards[0].listeners)
	port := s.cfg.MemcachedPort
	bound := 0
	for _, addr := range s.cfg.Bind {
		ip := net.ParseIP(addr)
		if addr == "*" {
			ip = net.IPv4zero
		}
		var fds []int
		var err error
		for range s.shards {
			var fd int
			fd, _, err = listenTCP(ip, port)
			if err != nil {
				break
			}
			fds = append(fds, fd)
		}
		if err != nil {
			for _, fd := range fds {
				_ = unix.Close(fd)
			}
			if errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.EADDRNOTAVAIL) {
				continue
			}
			return err
		}
		for i, fd := range fds {
			s.shards[i].listeners = append(s.shards[i].listeners, fd)
		}
		bound++
	}
	if bound == 0 {
		return errors.New("memcached: none of the bind addresses is available")
	}
	s.mcPort = port
	return nil
}

// acceptedMemcached makes c, just accepted, a memcached connection.
func (s *shard) acceptedMemcached(c *conn) {
	// StrictKeys: a key with control characters is refused (protocol.txt;
	// memcached 1.6 itself does not check).
	c.mc = &mcConn{parser: proto.MCParser{MaxItemSize: s.srv.cfg.MemcachedMaxItemSize, StrictKeys: true}}
}

// mcDispatch runs one part: inline when nothing is pending and the key is
// ours, else in the squashed run.
func (s *shard) mcDispatch(c *conn, target int, cmd *engine.Command, args [][]byte) {
	if !c.batchOpen && target == s.id {
		s.runInline(c, cmd, args, false)
		return
	}
	s.batchAdd(c, target, cmd, args)
}

func (s *shard) mcReply(c *conn, text string) {
	if text == "" {
		return
	}
	s.mcDispatch(c, s.id, engine.MCKeyCommand, s.mcReq.Reply([]byte(text)))
}

// processMC is process for a memcached connection.
func (s *shard) processMC(c *conn) {
	m := c.mc
	s.mcFinishStats(c)
	n := len(s.srv.shards)
	for !c.closing && !c.closeAfterFlush && c.waiting == 0 && !m.stats && c.start < c.end {
		if c.pending() > s.srv.cfg.OutputLimit {
			c.outBlocked = true
			break
		}
		if c.batchOpen && (len(c.order) >= c.runMax || c.batchBytes >= maxHopBytes) {
			break
		}
		buf := c.in[c.start:c.end]
		k, cmd, err := m.parser.Parse(buf)
		if err != nil {
			var e *proto.MCError
			if !errors.As(err, &e) {
				c.closeAfterFlush = true
				break
			}
			if e.Close {
				c.start = c.end
				c.closeAfterFlush = true
				break
			}
			c.start += k
			if e.DeleteKey != nil {
				del := proto.MCCommand{Kind: proto.MCDelete, Key: e.DeleteKey, NoReply: true}
				s.mcDispatch(c, engine.ShardOf(e.DeleteKey, n), engine.MCKeyCommand, s.mcReq.Single(&del, nil, false))
			}
			s.mcReply(c, e.Reply)
			continue
		}
		if k == 0 {
			c.need = m.parser.Need()
			m.pins = m.pins[:0] // end of what was read: memcached writes
			break
		}
		c.need = 0
		if cmd == nil { // data swallowed after a refused storage command
			c.start += k
			continue
		}
		switch cmd.Kind {
		case proto.MCGet, proto.MCGets, proto.MCGat, proto.MCGats:
			c.start += k
			for _, key := range cmd.Keys {
				m.unpin(key) // measured: a get of the key releases it
			}
			if len(cmd.Keys) == 0 {
				s.mcReply(c, proto.MCEnd)
				continue
			}
			last := len(cmd.Keys) - 1
			for i, key := range cmd.Keys {
				s.mcDispatch(c, engine.ShardOf(key, n), engine.MCKeyCommand, s.mcReq.Key(cmd, i, i == last))
			}
		case proto.MCMetaNoop:
			c.start += k
			m.pins = m.pins[:0]
			s.mcReply(c, proto.MCMetaNoopReply)
		case proto.MCVersion:
			c.start += k
			s.mcReply(c, "VERSION "+engine.MCVersion+"\r\n")
		case proto.MCVerbosity:
			c.start += k
			if !cmd.NoReply {
				s.mcReply(c, proto.MCOK)
			}
		case proto.MCQuit:
			c.start += k
			c.closeAfterFlush = true
		case proto.MCFlushAll:
			c.start += k
			reply := proto.MCOK
			if cmd.NoReply {
				reply = ""
			}
			for t := 0; t < n; t++ {
				s.mcDispatch(c, t, engine.MCShardCommand, s.mcReq.Flush(cmd.Exptime, t == n-1, reply))
			}
		case proto.MCStats:
			if len(cmd.Args) == 1 && string(cmd.Args[0]) == "reset" {
				c.start += k
				for t := 0; t < n; t++ {
					s.mcDispatch(c, t, engine.MCShardCommand, s.mcReq.StatsReset(t == n-1))
				}
				continue
			}
			if c.batchOpen {
				break // stats starts a run of its own
			}
			c.start += k
			m.stats = true
			m.statsArgs = m.statsArgs[:0]
			for _, a := range cmd.Args {
				m.statsArgs = append(m.statsArgs, append([]byte(nil), a...))
			}
			// All parts in one run (none inline), so that the blobs
			// arrive together at the end of c.out.
			for t := 0; t < n; t++ {
				if n == 1 {
					s.runInline(c, engine.MCShardCommand, s.mcReq.Stats(), false)
				} else {
					s.batchAdd(c, t, engine.MCShardCommand, s.mcReq.Stats())
				}
			}
		default:
			c.start += k
			pinned := false
			switch cmd.Kind {
			case proto.MCMetaGet:
				m.pin(cmd.Key)
			case proto.MCIncr, proto.MCDecr, proto.MCMetaArith:
				pinned = m.pinned(cmd.Key)
			}
			s.mcDispatch(c, engine.ShardOf(cmd.Key, n), engine.MCKeyCommand, s.mcReq.Single(cmd, buf[:k], pinned))
		}
		if cmd.Kind == proto.MCStats && !m.stats {
			break
		}
	}
	if c.start == c.end {
		m.pins = m.pins[:0]
	}
	if c.batchOpen {
		s.batchSend(c)
	}
	s.mcFinishStats(c)
	s.afterProcess(c)
}

// mcFinishStats turns the shards' stats blobs, once all are back, into
// the stats reply.
func (s *shard) mcFinishStats(c *conn) {
	m := c.mc
	if !m.stats || c.waiting > 0 || c.batchOpen || c.closing {
		return
	}
	m.stats = false
	at := len(c.out) - len(s.srv.shards)*engine.MCStatsBlobLen
	if at < 0 {
		return
	}
	sum := engine.MCSumStats(c.out[at:])
	c.out = c.out[:at]
	c.out = engine.MCWriteStats(c.out, m.statsArgs, sum, s.srv.mcServerInfo())
	if c.start < c.end {
		s.markReady(c) // requests after stats wait for it
	}
}

// mcServerInfo is the server-wide part of a stats reply.
func (s *Server) mcServerInfo() engine.MCServerInfo {
	now := time.Now()
	var total int64
	for _, sh := range s.shards {
		total += int64(sh.accepts.Load())
	}
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	limit := s.eng.Config().MaxMemory()
	if limit <= 0 {
		limit = 64 << 20
	}
	return engine.MCServerInfo{
		Pid:              os.Getpid(),
		UptimeSec:        (now.UnixMilli() - s.eng.StartUnixMs) / 1000,
		NowSec:           now.Unix(),
		CurrConnections:  s.clients.Load(),
		TotalConnections: total,
		Threads:          len(s.shards),
		MaxConnections:   s.cfg.MaxClients,
		LimitMaxBytes:    limit,
		MaxItemSize:      s.cfg.MemcachedMaxItemSize,
		TCPPort:          s.mcPort,
		RusageUser:       float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6,
		RusageSystem:     float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6,
	}
}
