package ring_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/ring"
)

// backends returns the backends to test: DARNER_TEST_BACKEND, or both.
func backends() []string {
	if b := os.Getenv("DARNER_TEST_BACKEND"); b != "" {
		return []string{b}
	}
	return []string{"io_uring", "epoll"}
}

// forEach runs f as a subtest per backend and shard count.
func forEach(t *testing.T, shardCounts []int, f func(t *testing.T, cfg ring.Config)) {
	for _, b := range backends() {
		for _, n := range shardCounts {
			t.Run(fmt.Sprintf("%s/shards=%d", b, n), func(t *testing.T) {
				f(t, ring.Config{Shards: n, ForceEpoll: b == "epoll"})
			})
		}
	}
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// start runs a server on 127.0.0.1 and a free port until the test ends.
func start(t testing.TB, cfg ring.Config) *ring.Server {
	t.Helper()
	cfg.Bind = []string{"127.0.0.1"}
	// Shard threads are pinned only with DARNER_TEST_PIN=1: test machines
	// share their few CPUs with other jobs, and a pinned thread on a busy
	// CPU waits for the scheduler's tick (see docs/ring.md); pinning itself
	// is checked end to end by cmd/darner's tests.
	cfg.NoPin = os.Getenv("DARNER_TEST_PIN") != "1"
	if cfg.Logger == nil {
		cfg.Logger = quietLog
	}
	srv, err := ring.NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	want := "io_uring"
	if cfg.ForceEpoll {
		want = "epoll"
	}
	if srv.Backend() != want {
		t.Fatalf("backend %q, want %q", srv.Backend(), want)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return srv
}

func addr(srv *ring.Server) string { return "127.0.0.1:" + strconv.Itoa(srv.Port()) }

func client(t testing.TB, srv *ring.Server, opts ...func(*redis.Options)) *redis.Client {
	t.Helper()
	o := &redis.Options{Addr: addr(srv), Protocol: 2, DisableIdentity: true, MaxRetries: -1}
	for _, f := range opts {
		f(o)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// rawConn is a plain TCP client for byte-exact checks.
type rawConn struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

func dial(t testing.TB, srv *ring.Server) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr(srv), 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawConn{t: t, c: c, r: bufio.NewReaderSize(c, 1<<16)}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := r.c.Write([]byte(s)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// line reads one reply line (without CRLF).
func (r *rawConn) line() string {
	r.t.Helper()
	s, err := r.r.ReadString('\n')
	if err != nil {
		r.t.Fatalf("read: %v (got %q)", err, s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

// expectClosed checks that the server closes the connection.
func (r *rawConn) expectClosed() {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(r.r)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		r.t.Fatalf("expected close, got %v after %q", err, b)
	}
	if len(b) > 0 {
		r.t.Fatalf("expected close, got more bytes %q", b)
	}
}

func cmd(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// alive checks the server still serves a fresh client.
func alive(t *testing.T, srv *ring.Server) {
	t.Helper()
	r := dial(t, srv)
	r.send(cmd("PING"))
	if got := r.line(); got != "+PONG" {
		t.Fatalf("PING: %q", got)
	}
}

func TestPingGetSet(t *testing.T) {
	forEach(t, []int{1, 2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		c := client(t, srv)
		if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
			t.Fatalf("PING = %q, %v", got, err)
		}
		if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
			t.Fatalf("GET = %q, %v", got, err)
		}
		if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
			t.Fatalf("GET missing: %v", err)
		}
		if got, err := c.Echo(ctx, "hello").Result(); err != nil || got != "hello" {
			t.Fatalf("ECHO = %q, %v", got, err)
		}
	})
}

func TestManyClients(t *testing.T) {
	forEach(t, []int{1, 2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		const clients, ops = 200, 10
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := redis.NewClient(&redis.Options{Addr: addr(srv), Protocol: 2, DisableIdentity: true, PoolSize: 1})
				defer c.Close()
				ctx := context.Background()
				for j := 0; j < ops; j++ {
					k := fmt.Sprintf("c%d:k%d", i, j)
					v := fmt.Sprintf("v%d-%d", i, j)
					if err := c.Set(ctx, k, v, 0).Err(); err != nil {
						errs <- fmt.Errorf("SET %s: %w", k, err)
						return
					}
					if got, err := c.Get(ctx, k).Result(); err != nil || got != v {
						errs <- fmt.Errorf("GET %s = %q, %v; want %q", k, got, err, v)
						return
					}
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// TestReadYourWrites puts keys on every shard, one connection at a time
// and through pipelines (squashed hops), and reads each back.
func TestReadYourWrites(t *testing.T) {
	forEach(t, []int{1, 2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		c := client(t, srv)
		for i := 0; i < 200; i++ {
			k, v := fmt.Sprintf("key:%d", i), fmt.Sprintf("val:%d", i)
			if err := c.Set(ctx, k, v, 0).Err(); err != nil {
				t.Fatal(err)
			}
			if got, err := c.Get(ctx, k).Result(); err != nil || got != v {
				t.Fatalf("GET %s = %q, %v", k, got, err)
			}
		}
		// Pipelined: SET k, GET k, SET k again, GET k on keys of all shards,
		// with a keyless command in the middle to split the run.
		p := c.Pipeline()
		var gets []*redis.StringCmd
		for i := 0; i < 500; i++ {
			k := fmt.Sprintf("pk:%d", i)
			p.Set(ctx, k, "a"+k, 0)
			gets = append(gets, p.Get(ctx, k))
			p.Set(ctx, k, "b"+k, 0)
			gets = append(gets, p.Get(ctx, k))
			if i == 250 {
				p.Ping(ctx)
			}
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, g := range gets {
			k := fmt.Sprintf("pk:%d", i/2)
			want := "a" + k
			if i%2 == 1 {
				want = "b" + k
			}
			if g.Val() != want {
				t.Fatalf("pipelined GET %d = %q, want %q", i, g.Val(), want)
			}
		}
	})
}

func TestDeepPipeline(t *testing.T) {
	forEach(t, []int{1, 2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		const n = 10000
		// Raw: 10k SETs then 10k GETs in one write each.
		r := dial(t, srv)
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(cmd("SET", fmt.Sprintf("deep:%d", i), fmt.Sprintf("v%d", i)))
		}
		for i := 0; i < n; i++ {
			b.WriteString(cmd("GET", fmt.Sprintf("deep:%d", i)))
		}
		go r.c.Write([]byte(b.String())) // the server replies while we still write
		for i := 0; i < n; i++ {
			if got := r.line(); got != "+OK" {
				t.Fatalf("SET reply %d: %q", i, got)
			}
		}
		for i := 0; i < n; i++ {
			want := fmt.Sprintf("v%d", i)
			if got := r.line(); got != "$"+strconv.Itoa(len(want)) {
				t.Fatalf("GET reply %d header: %q", i, got)
			}
			if got := r.line(); got != want {
				t.Fatalf("GET reply %d: %q, want %q", i, got, want)
			}
		}
		// go-redis Pipeline of 10k mixed commands.
		ctx := context.Background()
		c := client(t, srv)
		p := c.Pipeline()
		var gets []*redis.StringCmd
		for i := 0; i < n/2; i++ {
			p.Set(ctx, fmt.Sprintf("gp:%d", i), i, 0)
			gets = append(gets, p.Get(ctx, fmt.Sprintf("deep:%d", i)))
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, g := range gets {
			if want := fmt.Sprintf("v%d", i); g.Val() != want {
				t.Fatalf("pipeline GET %d = %q, want %q", i, g.Val(), want)
			}
		}
	})
}

// TestBigValue sends a 100 MB value from a connection on shard 0 to a key
// owned by shard 1 and reads it back: one growth of the input buffer, a
// 100 MB hop each way, a 100 MB reply with short sends.
func TestBigValue(t *testing.T) {
	forEach(t, []int{2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		c := client(t, srv, func(o *redis.Options) {
			o.ReadTimeout = 60 * time.Second
			o.WriteTimeout = 60 * time.Second
			o.Dialer = func(context.Context, string, string) (net.Conn, error) { return connOnShard(srv, 0) }
		})
		big := bytes.Repeat([]byte("0123456789abcdef"), (100<<20)/16)
		big[12345] = 'X'
		k := keyOn(1, 2)
		if err := c.Set(ctx, k, big, 0).Err(); err != nil {
			t.Fatal(err)
		}
		got, err := c.Get(ctx, k).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, big) {
			t.Fatalf("GET %s: %d bytes, not equal to the %d sent", k, len(got), len(big))
		}
		alive(t, srv)
	})
}

// connOnShard dials until a connection lands on shard want (after a PING
// round trip, so the server has accepted it).
func connOnShard(srv *ring.Server, want int) (net.Conn, error) {
	for i := 0; i < 100; i++ {
		before := ring.ShardAccepts(srv)
		c, err := net.DialTimeout("tcp", addr(srv), 5*time.Second)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, 7)
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			c.Close()
			return nil, err
		}
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "+PONG\r\n" {
			c.Close()
			return nil, fmt.Errorf("PING: %q, %v", buf, err)
		}
		if ring.ShardAccepts(srv)[want] > before[want] {
			return c, nil
		}
		c.Close()
	}
	return nil, fmt.Errorf("no connection landed on shard %d", want)
}

func TestErrorsAndQuit(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		r := dial(t, srv)
		f := func(req, want string) {
			t.Helper()
			r.send(req)
			if got := r.line(); got != want {
				t.Fatalf("%q: got %q, want %q", req, got, want)
			}
		}
		long := strings.Repeat("x", 300)
		f(cmd("FOOBAR", "a", "b"), "-ERR unknown command 'FOOBAR', with args beginning with: 'a' 'b' ")
		f(cmd("nope"), "-ERR unknown command 'nope', with args beginning with: ")
		f(cmd("Foo", "a\nb", long), "-ERR unknown command 'Foo', with args beginning with: 'a b' '"+strings.Repeat("x", 122)+"' ")
		f(cmd("foo", strings.Repeat("a", 100), strings.Repeat("b", 100), "ccc"),
			"-ERR unknown command 'foo', with args beginning with: '"+strings.Repeat("a", 100)+"' '"+strings.Repeat("b", 25)+"' ")
		f(cmd("GET"), "-ERR wrong number of arguments for 'get' command")
		f(cmd("GeT", "a", "b"), "-ERR wrong number of arguments for 'get' command")
		f("PING\r\n", "+PONG") // inline
		f("\r\n"+cmd("PING"), "+PONG")
		r.send(cmd("QUIT"))
		if got := r.line(); got != "+OK" {
			t.Fatalf("QUIT: %q", got)
		}
		r.expectClosed()
		alive(t, srv)
	})
}

// TestRedisTexts compares error texts with the real redis-server.
func TestRedisTexts(t *testing.T) {
	path := "/usr/bin/redis-server"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found at %s (required when CI=true)", path)
		}
		t.Skipf("redis-server not found at %s; skipping the differential check", path)
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	proc := exec.CommandContext(ctx, path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = proc.Wait() }()
	var rc net.Conn
	for i := 0; i < 100; i++ {
		var err error
		if rc, err = net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rc == nil {
		t.Fatal("redis-server did not start")
	}
	defer rc.Close()
	rr := bufio.NewReader(rc)
	srv := start(t, ring.Config{Shards: 2})
	d := dial(t, srv)
	for _, req := range []string{
		cmd("FOOBAR", "a", "b"),
		cmd("x", strings.Repeat("y", 200)),
		cmd("x", "1", "2", "3", strings.Repeat("z", 140)),
		cmd("GET"), cmd("set", "a"), cmd("ECHO"),
		"*1\r\n$4\r\nPING\r\n",
	} {
		_, _ = rc.Write([]byte(req))
		want, _ := rr.ReadString('\n')
		d.send(req)
		if got := d.line() + "\r\n"; got != want {
			t.Errorf("%q: darner %q, redis %q", req, got, want)
		}
	}
	for _, bad := range []string{"*-5\r\n*1\r\n$4\r\nPING\r\n", "*1\r\n$99999999999\r\n", "*2\r\n$3\r\nGET\r\n:1\r\n", "*abc\r\n", "*1\r\n$-2\r\n"} {
		c1, _ := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		_, _ = c1.Write([]byte(bad))
		_ = c1.SetReadDeadline(time.Now().Add(time.Second))
		want, _ := io.ReadAll(c1)
		c1.Close()
		d := dial(t, srv)
		d.send(bad)
		_ = d.c.SetReadDeadline(time.Now().Add(time.Second))
		got, _ := io.ReadAll(d.r)
		if string(got) != string(want) {
			t.Errorf("%q: darner %q, redis %q", bad, got, want)
		}
	}
}

// keyOn returns a key owned by shard i of n.
func keyOn(i, n int) string {
	for j := 0; ; j++ {
		if k := fmt.Sprintf("key%d", j); engine.ShardOf([]byte(k), n) == i {
			return k
		}
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestNoAuth(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		cfg.RequirePass = "secret"
		srv := start(t, cfg)
		r := dial(t, srv)
		r.send(cmd("GET", "k"))
		if got := r.line(); got != "-NOAUTH Authentication required." {
			t.Fatalf("GET before AUTH: %q", got)
		}
		r.send(cmd("PING"))
		if got := r.line(); got != "-NOAUTH Authentication required." {
			t.Fatalf("PING before AUTH: %q", got)
		}
		// Arity and unknown-command errors come before the auth check, as
		// in Redis.
		r.send(cmd("GET"))
		if got := r.line(); got != "-ERR wrong number of arguments for 'get' command" {
			t.Fatalf("GET arity before AUTH: %q", got)
		}
		r.send(cmd("QUIT"))
		if got := r.line(); got != "+OK" {
			t.Fatalf("QUIT before AUTH: %q", got)
		}
		r.expectClosed()
	})
}

func TestMaxClients(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		cfg.MaxClients = 3
		srv := start(t, cfg)
		var held []*rawConn
		for i := 0; i < 3; i++ {
			r := dial(t, srv)
			r.send(cmd("PING"))
			if got := r.line(); got != "+PONG" {
				t.Fatalf("client %d: %q", i, got)
			}
			held = append(held, r)
		}
		r := dial(t, srv)
		if got := r.line(); got != "-ERR max number of clients reached" {
			t.Fatalf("fourth client: %q", got)
		}
		r.expectClosed()
		held[0].c.Close()
		// The slot frees once the server sees the close.
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := dial(t, srv)
			r.send(cmd("PING"))
			got := r.line()
			if got == "+PONG" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after a client left: %q", got)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestBadInput(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		f := func(in, want string) {
			t.Helper()
			r := dial(t, srv)
			r.send(in)
			if got := r.line(); got != want {
				t.Fatalf("%q: got %q, want %q", in, got, want)
			}
			r.expectClosed()
			alive(t, srv)
		}
		// Redis ignores a negative multibulk length and keeps the client.
		r0 := dial(t, srv)
		r0.send("*-5\r\n" + cmd("PING"))
		if got := r0.line(); got != "+PONG" {
			t.Fatalf("*-5 then PING: %q", got)
		}
		f("*2\r\n$3\r\nGET\r\n$99999999999\r\n", "-ERR Protocol error: invalid bulk length")
		r1 := dial(t, srv)
		r1.send(cmd("SET", "k", "v") + "*1\r\n$-2\r\n")
		if got := r1.line(); got != "+OK" {
			t.Fatalf("SET before a bad length: %q", got)
		}
		if got := r1.line(); got != "-ERR Protocol error: invalid bulk length" {
			t.Fatalf("$-2: %q", got)
		}
		r1.expectClosed()

		// 10 MB of garbage: a protocol error (or a close), never a crash.
		r := dial(t, srv)
		garbage := bytes.Repeat([]byte("\x00\xff*$garbage\x01"), (10<<20)/13)
		go func() { _, _ = r.c.Write(garbage) }()
		_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if b, _ := io.ReadAll(r.r); len(b) > 0 && !strings.HasPrefix(string(b), "-ERR Protocol error") {
			t.Fatalf("garbage: got %q", b)
		}
		alive(t, srv)
	})
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestDisconnects closes clients mid-command, mid-pipeline and while their
// hops are out, many times; the server must leak no fd and keep serving.
func TestDisconnects(t *testing.T) {
	forEach(t, []int{1, 2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		alive(t, srv)
		base := countFDs(t)
		var pipe strings.Builder
		for i := 0; i < 2000; i++ {
			pipe.WriteString(cmd("SET", fmt.Sprintf("dk:%d", i), strings.Repeat("v", 100)))
			pipe.WriteString(cmd("GET", fmt.Sprintf("dk:%d", i)))
		}
		for i := 0; i < 60; i++ {
			c, err := net.Dial("tcp", addr(srv))
			if err != nil {
				t.Fatal(err)
			}
			switch i % 3 {
			case 0: // mid-command
				_, _ = c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nab"))
			case 1: // mid-pipeline / mid-hop: a big pipeline, never read
				_, _ = c.Write([]byte(pipe.String()))
			case 2: // reset with unread replies pending
				_, _ = c.Write([]byte(pipe.String()[:len(pipe.String())/2]))
				_ = c.(*net.TCPConn).SetLinger(0)
			}
			c.Close()
		}
		waitFor(t, "connections to be freed", func() bool { return countFDs(t) <= base })
		alive(t, srv)
	})
}

// TestNoLeakAfterShutdown: many connects/disconnects, then Shutdown; the
// process is back to its fd and goroutine counts.
func TestNoLeakAfterShutdown(t *testing.T) {
	for _, b := range backends() {
		t.Run(b, func(t *testing.T) {
			fds, gs := countFDs(t), runtime.NumGoroutine()
			srv, err := ring.NewServer(ring.Config{Shards: 2, ForceEpoll: b == "epoll", Bind: []string{"127.0.0.1"}, Logger: quietLog})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 200; i++ {
				c, err := net.Dial("tcp", addr(srv))
				if err != nil {
					t.Fatal(err)
				}
				if i%2 == 0 {
					_, _ = c.Write([]byte(cmd("SET", fmt.Sprint(i), "x")))
				}
				c.Close()
			}
			// A client that stays connected across Shutdown gets its reply
			// and is then closed.
			r := dial(t, srv)
			r.send(cmd("PING"))
			if got := r.line(); got != "+PONG" {
				t.Fatalf("PING: %q", got)
			}
			// Sent just before Shutdown: in the server's socket buffer,
			// maybe not read yet; Shutdown still runs them.
			r.send(cmd("SET", "last", "1") + cmd("GET", "last"))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatalf("second Shutdown: %v", err)
			}
			if got := r.line(); got != "+OK" {
				t.Fatalf("reply across shutdown: %q", got)
			}
			if got := r.line() + r.line(); got != "$11" {
				t.Fatalf("GET across shutdown: %q", got)
			}
			r.expectClosed()
			r.c.Close()
			waitFor(t, "fds to return", func() bool { return countFDs(t) <= fds })
			waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= gs })
		})
	}
}

func TestBenchOK(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		cfg.BenchOK = true
		srv := start(t, cfg)
		r := dial(t, srv)
		r.send(cmd("GET", "x") + cmd("NOSUCHCOMMAND") + "PING\r\n" + cmd("SET", "a", "b"))
		for i := 0; i < 4; i++ {
			if got := r.line(); got != "+OK" {
				t.Fatalf("reply %d: %q", i, got)
			}
		}
	})
}

func TestAddressInUse(t *testing.T) {
	srv := start(t, ring.Config{Shards: 1})
	_, err := ring.NewServer(ring.Config{Port: srv.Port(), Bind: []string{"127.0.0.1"}, Logger: quietLog})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		// Our own listeners use SO_REUSEPORT, so a second darner of the same
		// user could share the port; a plain listener must block it.
		l, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr != nil {
			t.Fatal(lerr)
		}
		defer l.Close()
		port := l.Addr().(*net.TCPAddr).Port
		_, err = ring.NewServer(ring.Config{Port: port, Bind: []string{"127.0.0.1"}, Logger: quietLog})
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("NewServer on a port in use: %v", err)
		}
	}
}

func TestInputLimits(t *testing.T) {
	forEach(t, []int{1}, func(t *testing.T, cfg ring.Config) {
		cfg.MaxBulkLen = 1 << 20 // CONFIG's minimum, as Redis's
		cfg.QueryBufferLimit = 1 << 20
		srv := start(t, cfg)
		// A bulk over proto-max-bulk-len is a protocol error.
		r := dial(t, srv)
		r.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
		if got := r.line(); got != "-ERR Protocol error: invalid bulk length" {
			t.Fatalf("bulk over the limit: %q", got)
		}
		r.expectClosed()
		// CONFIG SET proto-max-bulk-len takes effect at once (by the next
		// tick) on an open connection.
		r = dial(t, srv)
		r.send(cmd("CONFIG", "SET", "proto-max-bulk-len", "2mb", "client-query-buffer-limit", "4mb"))
		if got := r.line(); got != "+OK" {
			t.Fatalf("CONFIG SET proto-max-bulk-len: %q", got)
		}
		time.Sleep(250 * time.Millisecond) // > one tick at hz 10
		r.send(cmd("SET", "k", strings.Repeat("v", 1<<20+1)))
		if got := r.line(); got != "+OK" {
			t.Fatalf("bulk under the raised limit: %q", got)
		}
		r.send(cmd("CONFIG", "SET", "proto-max-bulk-len", "1mb", "client-query-buffer-limit", "1mb"))
		if got := r.line(); got != "+OK" {
			t.Fatalf("CONFIG SET proto-max-bulk-len: %q", got)
		}
		time.Sleep(250 * time.Millisecond)
		// Unparsed input over client-query-buffer-limit closes the client
		// (an inline request that never ends).
		r = dial(t, srv)
		go func() { _, _ = r.c.Write(bytes.Repeat([]byte("*1\r\n$4\r\nPING\r\n"), (2<<20)/14)) }()
		for i := 0; i < (2<<20)/14; i++ {
			if got := r.line(); got != "+PONG" {
				t.Fatalf("pipelined PING %d (a pipeline of small requests is not limited by the query buffer): %q", i, got)
			}
		}
		// One request of 3000 arguments of 900 bytes: 2.7 MB unparsed.
		r = dial(t, srv)
		big := "*3000\r\n" + strings.Repeat("$900\r\n"+strings.Repeat("x", 900)+"\r\n", 3000)
		go func() { _, _ = r.c.Write([]byte(big)) }()
		r.expectClosed()
		alive(t, srv)
	})
}

// TestSteadyStateAllocs: once warm, serving pipelined GET/SET (through
// squashed hops when there are two shards) allocates nothing per command
// in the server. The raw client below allocates nothing per round either,
// so the process-wide malloc count is the server's.
func TestSteadyStateAllocs(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		c, err := connOnShard(srv, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var req []byte
		var want []byte
		for i := 0; i < 32; i++ {
			k := keyOn(i%cfg.Shards, cfg.Shards) + fmt.Sprint(i)
			req = append(req, cmd("SET", k, "value-0123456789")...)
			req = append(req, cmd("GET", k)...)
			want = append(want, "+OK\r\n$16\r\nvalue-0123456789\r\n"...)
		}
		buf := make([]byte, len(want))
		round := func() {
			if _, err := c.Write(req); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 200; i++ { // warm up: keys, buffers, hop pools
			round()
		}
		if !bytes.Equal(buf, want) {
			t.Fatalf("replies: %q", buf)
		}
		const rounds = 500
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < rounds; i++ {
			round()
		}
		runtime.ReadMemStats(&after)
		perCmd := float64(after.Mallocs-before.Mallocs) / (rounds * 64)
		t.Logf("%.4f allocations per command", perCmd)
		if perCmd > 0.05 {
			t.Fatalf("%.4f allocations per command in steady state, want ~0", perCmd)
		}
	})
}

// TestOutputBackpressure: a client that pipelines far more reply bytes than
// the output limit before reading gets every reply, in order.
func TestOutputBackpressure(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		cfg.OutputLimit = 256 << 10
		srv := start(t, cfg)
		r := dial(t, srv)
		val := strings.Repeat("v", 100<<10)
		keys := []string{keyOn(0, cfg.Shards), keyOn(cfg.Shards-1, cfg.Shards)}
		for _, k := range keys {
			r.send(cmd("SET", k, val))
			if got := r.line(); got != "+OK" {
				t.Fatalf("SET: %q", got)
			}
		}
		const n = 200 // 20 MB of replies
		var req strings.Builder
		for i := 0; i < n; i++ {
			req.WriteString(cmd("GET", keys[i%2]))
			req.WriteString(cmd("ECHO", strconv.Itoa(i)))
		}
		go func() { _, _ = r.c.Write([]byte(req.String())) }()
		time.Sleep(200 * time.Millisecond) // let the server hit the limit
		for i := 0; i < n; i++ {
			if got := r.line(); got != "$102400" {
				t.Fatalf("reply %d: %q", i, got)
			}
			if got := r.line(); got != val {
				t.Fatalf("reply %d: %d bytes", i, len(got))
			}
			if got := r.line() + r.line(); got != "$"+strconv.Itoa(len(strconv.Itoa(i)))+strconv.Itoa(i) {
				t.Fatalf("ECHO %d: %q", i, got)
			}
		}
	})
}

// TestSessionAcrossHops: SELECT, AUTH and HELLO 3 change the session on the
// coordinator; commands squashed into hops after them see the new db and
// protocol.
func TestSessionAcrossHops(t *testing.T) {
	forEach(t, []int{1, 4}, func(t *testing.T, cfg ring.Config) {
		cfg.RequirePass = "pw"
		srv := start(t, cfg)
		r := dial(t, srv)
		var req strings.Builder
		req.WriteString(cmd("GET", "a"))
		req.WriteString(cmd("AUTH", "pw"))
		for i := 0; i < 8; i++ {
			req.WriteString(cmd("SET", fmt.Sprint("s", i), "db0"))
		}
		req.WriteString(cmd("SELECT", "1"))
		for i := 0; i < 8; i++ {
			req.WriteString(cmd("GET", fmt.Sprint("s", i)))
			req.WriteString(cmd("SET", fmt.Sprint("s", i), "db1"))
		}
		req.WriteString(cmd("SELECT", "0"))
		for i := 0; i < 8; i++ {
			req.WriteString(cmd("GET", fmt.Sprint("s", i)))
		}
		r.send(req.String())
		want := []string{"-NOAUTH Authentication required.", "+OK"}
		for i := 0; i < 8; i++ {
			want = append(want, "+OK")
		}
		want = append(want, "+OK")
		for i := 0; i < 8; i++ {
			want = append(want, "$-1", "+OK")
		}
		want = append(want, "+OK")
		for i := 0; i < 8; i++ {
			want = append(want, "$3", "db0")
		}
		for i, w := range want {
			if got := r.line(); got != w {
				t.Fatalf("reply line %d: %q, want %q", i, got, w)
			}
		}
		// RESP3: a missing key is "_" when the hop carries resp3.
		r.send(cmd("HELLO", "3"))
		if got := r.line(); got != "%7" {
			t.Fatalf("HELLO 3: %q", got)
		}
		for r.line() != "*0" { // the map ends with "modules" → empty array
		}
		var get strings.Builder
		for i := 0; i < 8; i++ {
			get.WriteString(cmd("GET", fmt.Sprint("missing", i)))
		}
		r.send(get.String())
		for i := 0; i < 8; i++ {
			if got := r.line(); got != "_" {
				t.Fatalf("RESP3 GET missing %d: %q", i, got)
			}
		}
	})
}

// TestShutdownForced: a client that never reads its replies cannot hold
// Shutdown past its context; the connection is then closed at once.
func TestShutdownForced(t *testing.T) {
	for _, b := range backends() {
		t.Run(b, func(t *testing.T) {
			fds := countFDs(t)
			srv, err := ring.NewServer(ring.Config{Shards: 2, ForceEpoll: b == "epoll", Bind: []string{"127.0.0.1"}, Logger: quietLog, NoPin: true, OutputLimit: 4 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			c, err := connOnShard(srv, 0)
			if err != nil {
				t.Fatal(err)
			}
			r := &rawConn{t: t, c: c, r: bufio.NewReader(c)}
			k := keyOn(0, 2)
			r.send(cmd("SET", k, strings.Repeat("x", 1<<20)))
			if got := r.line(); got != "+OK" {
				t.Fatalf("SET: %q", got)
			}
			r.send(strings.Repeat(cmd("GET", k), 200)) // 200 MB of replies, never read
			time.Sleep(100 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if err := srv.Shutdown(ctx); err != context.DeadlineExceeded {
				t.Fatalf("Shutdown with a stuck client: %v, want %v", err, context.DeadlineExceeded)
			}
			r.c.Close()
			waitFor(t, "fds to return", func() bool { return countFDs(t) <= fds })
		})
	}
}

// TestPipelineModel sends seeded random pipelines (SET/GET/DEL on a small
// key space, SELECT, PING, unknown commands) over several connections and
// checks every reply against a Go map model: squashed runs, run breaks and
// db changes must keep Redis's per-connection order.
func TestPipelineModel(t *testing.T) {
	forEach(t, []int{1, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		rng := rand.New(rand.NewPCG(1, uint64(cfg.Shards)))
		model := map[string]string{} // "db:key" → value; one connection at a time
		for conn := 0; conn < 6; conn++ {
			r := dial(t, srv)
			db := 0
			for batch := 0; batch < 20; batch++ {
				var req strings.Builder
				var want []string
				for i := rng.IntN(200) + 1; i > 0; i-- {
					k := fmt.Sprint("m", rng.IntN(40))
					mk := fmt.Sprint(db, ":", k)
					switch p := rng.IntN(100); {
					case p < 40:
						v := fmt.Sprint("v", rng.IntN(1000))
						req.WriteString(cmd("SET", k, v))
						model[mk] = v
						want = append(want, "+OK")
					case p < 80:
						req.WriteString(cmd("GET", k))
						if v, ok := model[mk]; ok {
							want = append(want, "$"+strconv.Itoa(len(v)), v)
						} else {
							want = append(want, "$-1")
						}
					case p < 88:
						req.WriteString(cmd("DEL", k))
						if _, ok := model[mk]; ok {
							delete(model, mk)
							want = append(want, ":1")
						} else {
							want = append(want, ":0")
						}
					case p < 93:
						db = rng.IntN(3)
						req.WriteString(cmd("SELECT", strconv.Itoa(db)))
						want = append(want, "+OK")
					case p < 97:
						req.WriteString(cmd("PING"))
						want = append(want, "+PONG")
					default:
						req.WriteString(cmd("NOPE", k))
						want = append(want, "-ERR unknown command 'NOPE', with args beginning with: '"+k+"' ")
					}
				}
				r.send(req.String())
				for i, w := range want {
					if got := r.line(); got != w {
						t.Fatalf("conn %d batch %d line %d: got %q, want %q", conn, batch, i, got, w)
					}
				}
			}
			r.c.Close()
		}
	})
}
