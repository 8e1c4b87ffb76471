package ring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/numa"
	"github.com/darnerdb/darner/proto"
	"golang.org/x/sys/unix"
)

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	// Port is the TCP port; 0 picks a free one (see Server.Port). Every
	// shard's SO_REUSEPORT listener binds this same port.
	Port int
	// Bind lists the addresses (IP literals) to listen on; default
	// 127.0.0.1 and ::1. An address whose family the host lacks is skipped
	// with a log line; at least one must bind.
	Bind []string
	// Shards is the number of shard threads; 0 = one per CPU the process
	// may run on.
	Shards int
	// ForceEpoll selects the epoll backend even when io_uring works.
	ForceEpoll bool
	// MaxClients caps connected clients over all shards (default 10000);
	// more are answered "-ERR max number of clients reached" and closed.
	MaxClients int
	// RequirePass, when set, makes every command without FlagNoAuth fail
	// with NOAUTH until the session is authenticated.
	RequirePass string
	// DBNum is the number of databases (default 16).
	DBNum int
	// Hz is the per-shard background tick rate (default 10).
	Hz int
	// BenchOK answers every command "+OK" through the same ring and
	// proto code without running it: the networking ceiling.
	BenchOK bool
	// MaxBulkLen is proto-max-bulk-len (default 512 MB).
	MaxBulkLen int64
	// QueryBufferLimit is client-query-buffer-limit (default 1 GB): a
	// client with more unparsed input is closed.
	QueryBufferLimit int64
	// OutputLimit is the output backpressure threshold in bytes (default
	// 64 MB): a connection with more unsent replies is neither read nor
	// parsed until they drain below half of it.
	OutputLimit int
	// NoPin leaves shard threads unpinned (still locked to their OS
	// threads). For hosts where the shards must share CPUs with other busy
	// processes: a pinned thread cannot move off a busy CPU and waits for
	// the scheduler's tick, an unpinned one is woken wherever a CPU is free.
	NoPin bool
	// MaxMemory is --maxmemory in bytes (0 = no limit): CONFIG's
	// maxmemory at start (engine/maxmemory.go).
	MaxMemory int64
	// CacheMode is --cache_mode: over maxmemory, writes evict keys instead
	// of failing (engine/evict.go).
	CacheMode bool
	// MemcachedPort, when > 0, opens a memcached listener on every shard
	// (same bind addresses) sharing the keyspace's database 0 (memcache.go).
	MemcachedPort int
	// MemcachedMaxItemSize is memcached's -I (default 1 MB).
	MemcachedMaxItemSize int
	// Version is reported in engine.Server.Version (INFO).
	Version string
	// Logger receives start-up and error logs (default slog.Default()).
	Logger *slog.Logger

	// Persistence hooks (persist/ is wired by the binary; ring does not
	// import it).
	//
	// Params are CONFIG name/value pairs set at start-up (dir, dbfilename,
	// save), so CONFIG GET reports them.
	Params []string
	// LoadShard, when set, runs on each shard's thread after the shard is
	// created and before it accepts connections (loading a snapshot); an
	// error fails Start.
	LoadShard func(sh *engine.Shard) error
	// OnStopped, when set, runs in Shutdown after every shard loop has
	// ended, with the engine shards (then owned by the caller; save on
	// shutdown). Its error is Shutdown's.
	OnStopped func(srv *engine.Server, shards []*engine.Shard) error
	// RequestShutdown, when set, is what the SHUTDOWN command calls to
	// stop the process (engine.PersistStatus.RequestShutdown).
	RequestShutdown func(save int) bool
}

// Server runs the shards. Its methods may be called from any goroutine;
// NewServer, Start and Shutdown are meant to be called once each, in that
// order (Shutdown is idempotent).
type Server struct {
	cfg     Config
	log     *slog.Logger
	port    int
	backend string
	mcPort  int // bound memcached port (0: none)
	mcFirst int // index of a shard's first memcached listener (0: none)
	eng     *engine.Server
	shards  []*shard

	clients atomic.Int64  // connected clients, all shards
	nextID  atomic.Uint64 // client id counter
	// stopping asks every shard to drain and stop; force (after the
	// Shutdown context expires) closes connections without waiting.
	stopping atomic.Bool
	force    atomic.Bool
	done     atomic.Int32 // shards that finished draining

	// schedMu orders transaction scheduling: a coordinator holds it while
	// it numbers a tx (txSeq) and posts its schedule messages, so every
	// shard's inbox receives schedules in one global order (tx.go).
	schedMu sync.Mutex
	txSeq   uint64

	// monitors counts MONITOR connections on all shards (push.go): the
	// command path's only cost while nobody monitors is loading it.
	monitors atomic.Int32
	// hub is the pub/sub channel registry (push.go).
	hub *pubsubHub

	flagsOnce sync.Once
	started   bool
	serving   bool // every shard started (OnStopped runs only then)
	wg        sync.WaitGroup
	stopOnce  sync.Once
	stopErr   error
}

// NewServer plans the shards' CPUs, chooses the backend and binds every
// listener (so "address already in use" fails here). Unless the GOMAXPROCS
// environment variable is set, it sets GOMAXPROCS to shards+1: each shard
// holds a P while it runs and the runtime needs one more for GC workers,
// timers and the caller (measured ~12% better than the default).
func NewServer(cfg Config) (*Server, error) {
	if cfg.Bind == nil {
		cfg.Bind = []string{"127.0.0.1", "::1"}
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 10000
	}
	if cfg.DBNum <= 0 {
		cfg.DBNum = 16
	}
	if cfg.Hz <= 0 {
		cfg.Hz = 10
	}
	if cfg.MaxBulkLen <= 0 {
		cfg.MaxBulkLen = proto.DefaultMaxBulkLen
	}
	if cfg.QueryBufferLimit <= 0 {
		cfg.QueryBufferLimit = 1 << 30
	}
	if cfg.OutputLimit <= 0 {
		cfg.OutputLimit = defaultOutputLimit
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	topo, allowed, quota, err := numa.Detect()
	if err != nil {
		s.log.Warn("CPU topology not detected; shards are not pinned", "err", err)
		topo, allowed, quota = nil, nil, 0
	}
	plan := numa.Plan(topo, allowed, quota, cfg.Shards)
	n := len(plan)
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(n + 1)
	}

	s.backend = "epoll"
	switch ok, why := uringAvailable(); {
	case cfg.ForceEpoll:
		s.log.Info("using epoll backend", "reason", "forced")
	case !ok:
		s.log.Warn("io_uring unavailable; using epoll backend", "reason", why)
	default:
		s.backend = "io_uring"
		s.log.Info("using io_uring backend")
	}

	s.shards = make([]*shard, n)
	for i, pl := range plan {
		s.shards[i] = &shard{id: i, cpu: pl.CPU, node: pl.Node, srv: s, log: s.log, efd: -1}
	}
	if cfg.MemcachedMaxItemSize <= 0 {
		s.cfg.MemcachedMaxItemSize = proto.DefaultMCMaxItemSize
	}
	if err := s.bindAll(); err != nil {
		s.closeFDs()
		return nil, err
	}
	if err := s.bindMemcached(); err != nil {
		s.closeFDs()
		return nil, err
	}
	for _, sh := range s.shards {
		efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		if err != nil {
			s.closeFDs()
			return nil, fmt.Errorf("eventfd: %w", err)
		}
		sh.efd = efd
	}
	for _, sh := range s.shards {
		sh.in = make([]*SPSC[*hop], n)
		sh.out = make([]*SPSC[*hop], n)
		sh.outbox = make([][]*hop, n)
		sh.wake = make([]bool, n)
	}
	for i, a := range s.shards {
		for j, b := range s.shards {
			if i != j {
				q := NewSPSC[*hop](hopRingCap)
				a.out[j] = q
				b.in[i] = q
			}
		}
	}
	s.eng = &engine.Server{
		RequirePass: cfg.RequirePass,
		NumShards:   n,
		NumDBs:      cfg.DBNum,
		Backend:     s.backend,
		Port:        s.port,
		StartUnixMs: time.Now().UnixMilli(),
		Version:     cfg.Version,
		RingStats:   s.ringStats,
	}
	s.hub = newPubSubHub(s)
	s.eng.PubSub = s.hub
	s.startupConfig()
	if len(cfg.Params) > 0 {
		if err := s.eng.Config().SetStartup(cfg.Params...); err != nil {
			s.closeFDs()
			return nil, err
		}
	}
	s.eng.Persist().RequestShutdown = cfg.RequestShutdown
	s.eng.Deliver = func(b *engine.Blocker) {
		sh := s.shards[b.Coord]
		sh.inbox.push(txMsg{kind: msgUnblock, blk: b})
		if sh.sleeping.Load() && sh.sleeping.CompareAndSwap(true, false) {
			sh.kick()
		}
	}
	return s, nil
}

// bindAll creates every shard's listener on every address. With Port 0 the
// first bind picks the port and the rest reuse it; if another address then
// finds it taken, it starts over (a few times).
func (s *Server) bindAll() error {
	var lastErr error
	for attempt := 0; attempt < 8; attempt++ {
		port := s.cfg.Port
		bound := 0
		var err error
		for _, addr := range s.cfg.Bind {
			ip := net.ParseIP(addr)
			if addr == "*" {
				ip = net.IPv4zero
			}
			if ip == nil {
				return fmt.Errorf("bind %q: not an IP address", addr)
			}
			var fds []int
			for range s.shards {
				var fd int
				fd, port, err = listenTCP(ip, port)
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
					s.log.Warn("skipping bind address: not available on this host", "addr", addr, "err", err)
					err = nil
					continue
				}
				err = fmt.Errorf("listen on %s: %w", net.JoinHostPort(addr, fmt.Sprint(port)), err)
				break
			}
			for i, fd := range fds {
				s.shards[i].listeners = append(s.shards[i].listeners, fd)
			}
			bound++
		}
		if err == nil && bound == 0 {
			err = fmt.Errorf("none of the bind addresses %v is available", s.cfg.Bind)
		}
		if err == nil {
			s.port = port
			return nil
		}
		s.closeFDs()
		lastErr = err
		if s.cfg.Port != 0 || !errors.Is(err, unix.EADDRINUSE) {
			break
		}
	}
	return lastErr
}

// listenTCP creates one non-blocking SO_REUSEPORT listening socket.
func listenTCP(ip net.IP, port int) (int, int, error) {
	var sa unix.Sockaddr
	family := unix.AF_INET6
	if ip4 := ip.To4(); ip4 != nil {
		family = unix.AF_INET
		a := &unix.SockaddrInet4{Port: port}
		copy(a.Addr[:], ip4)
		sa = a
	} else {
		a := &unix.SockaddrInet6{Port: port}
		copy(a.Addr[:], ip.To16())
		sa = a
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, port, err
	}
	fail := func(err error) (int, int, error) {
		_ = unix.Close(fd)
		return -1, port, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail(err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return fail(err)
	}
	if family == unix.AF_INET6 {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail(err)
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		return fail(err)
	}
	if port == 0 {
		got, err := unix.Getsockname(fd)
		if err != nil {
			return fail(err)
		}
		switch a := got.(type) {
		case *unix.SockaddrInet4:
			port = a.Port
		case *unix.SockaddrInet6:
			port = a.Port
		}
	}
	return fd, port, nil
}

func (s *Server) closeFDs() {
	for _, sh := range s.shards {
		for _, fd := range sh.listeners {
			_ = unix.Close(fd)
		}
		sh.listeners = nil
		if sh.efd >= 0 {
			_ = unix.Close(sh.efd)
			sh.efd = -1
		}
	}
}

// Start starts the shard goroutines and returns once every shard has its
// poller and is accepting, or with the first setup error (the shards
// already started are then stopped).
func (s *Server) Start() error {
	if s.started {
		return errors.New("ring: Server.Start called twice")
	}
	s.started = true
	ready := make(chan error, len(s.shards))
	for _, sh := range s.shards {
		s.wg.Add(1)
		go sh.run(ready)
	}
	var first error
	for range s.shards {
		if err := <-ready; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		return first
	}
	s.serving = true
	s.log.Info("shards started", "shards", len(s.shards), "backend", s.backend, "port", s.port)
	return nil
}

// Backend returns "io_uring" or "epoll".
func (s *Server) Backend() string { return s.backend }

// Port returns the bound TCP port.
func (s *Server) Port() int { return s.port }

// Shards returns the number of shards.
func (s *Server) Shards() int { return len(s.shards) }

// Shutdown stops accepting, lets every connection finish the commands it
// has already sent (their replies flushed), closes the connections, stops
// the loops and closes every descriptor. When ctx expires first, the
// remaining connections are closed at once and ctx's error is returned.
// It is idempotent: later calls wait for and return the first one's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if !s.started {
			s.closeFDs()
			return
		}
		s.stopping.Store(true)
		for _, sh := range s.shards {
			sh.kick()
		}
		finished := make(chan struct{})
		go func() { s.wg.Wait(); close(finished) }()
		stopped := func() {
			if s.cfg.OnStopped != nil && s.serving {
				shards := make([]*engine.Shard, len(s.shards))
				for i, sh := range s.shards {
					shards[i] = sh.eng
				}
				if err := s.cfg.OnStopped(s.eng, shards); err != nil && s.stopErr == nil {
					s.stopErr = err
				}
			}
		}
		select {
		case <-finished:
			stopped()
		case <-ctx.Done():
			s.stopErr = ctx.Err()
			s.force.Store(true)
			for _, sh := range s.shards {
				sh.kick()
			}
			select {
			case <-finished:
				stopped()
			case <-time.After(30 * time.Second):
				// A shard is stuck (a failed peer holds its hops): give
				// up on it rather than hang the caller.
				s.stopErr = fmt.Errorf("ring: shards did not stop after the forced close: %w", ctx.Err())
				return
			}
		}
		s.closeFDs()
	})
	return s.stopErr
}
