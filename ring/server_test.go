package ring_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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
		const clients, ops = 200, 50
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
