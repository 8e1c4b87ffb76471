package ring_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/darnerdb/darner/ring"
	"golang.org/x/sys/unix"
)

// TestIdleTimeout checks CONFIG SET timeout: an idle client is closed
// after about that many seconds, while a client that keeps sending
// commands and one blocked in BLPOP stay connected (as in Redis).
func TestIdleTimeout(t *testing.T) {
	forEach(t, []int{2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		admin := client(t, srv)
		idle, busy, blocked := dial(t, srv), dial(t, srv), dial(t, srv)
		for _, r := range []*rawConn{idle, busy, blocked} {
			r.send(cmd("PING"))
			if l := r.line(); l != "+PONG" {
				t.Fatalf("PING = %q", l)
			}
		}
		blocked.send(cmd("BLPOP", "idle:list", "0"))
		monitor := dial(t, srv)
		monitor.send(cmd("MONITOR"))
		if l := monitor.line(); l != "+OK" {
			t.Fatalf("MONITOR = %q", l)
		}
		sub := dial(t, srv)
		sub.send(cmd("SUBSCRIBE", "idle:chan"))
		for range 3 { // *3, $9 subscribe, $9 ... (the reply's header lines)
			_ = sub.line()
		}
		if err := admin.ConfigSet(ctx, "timeout", "1").Err(); err != nil {
			t.Fatal(err)
		}
		// The idle client goes within timeout + one check period (+ slack);
		// the busy one pings every 200 ms meanwhile. CLIENT LIST then shows
		// admin, busy, blocked, the monitor and the subscriber.
		deadline := time.Now().Add(4 * time.Second)
		for time.Now().Before(deadline) {
			busy.send(cmd("PING"))
			if l := busy.line(); l != "+PONG" {
				t.Fatalf("busy PING = %q", l)
			}
			if n, _ := admin.ClientList(ctx).Result(); countLines(n) == 5 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		idle.expectClosed()
		if err := admin.ConfigSet(ctx, "timeout", "0").Err(); err != nil {
			t.Fatal(err)
		}
		admin.RPush(ctx, "idle:list", "x")
		if l := blocked.line(); l != "*2" {
			t.Fatalf("blocked client after timeout: %q", l)
		}
		busy.send(cmd("PING"))
		if l := busy.line(); l != "+PONG" {
			t.Fatalf("busy client after timeout: %q", l)
		}
		// The subscriber is still there: a message reaches it.
		admin.Publish(ctx, "idle:chan", "still-here")
		for {
			if l := sub.line(); l == "still-here" {
				break
			}
		}
		// The monitor is still there: a command sent now reaches it.
		admin.Set(ctx, "after-timeout", "1", 0)
		for {
			l := monitor.line() // fails on EOF (dial's 30 s deadline bounds it)
			if strings.Contains(l, `"after-timeout"`) {
				break
			}
		}
	})
}

func countLines(s string) int {
	n := 0
	for i := range len(s) {
		if s[i] == '\n' {
			n++
		}
	}
	return n
}

// TestTCPKeepalive checks that accepted sockets carry tcp-keepalive (300 s
// by default, as Redis) and that CONFIG SET applies to new connections.
// The server runs in this process, so its fd (CLIENT INFO fd=) can be
// queried directly.
func TestTCPKeepalive(t *testing.T) {
	forEach(t, []int{1}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		serverFD := func() int {
			r := dial(t, srv)
			r.send(cmd("CLIENT", "INFO"))
			_ = r.line() // $len
			for _, f := range strings.Fields(r.line()) {
				if v, ok := strings.CutPrefix(f, "fd="); ok {
					fd, _ := strconv.Atoi(v)
					return fd
				}
			}
			t.Fatal("CLIENT INFO without fd=")
			return -1
		}
		opt := func(fd, level, name int) int {
			v, err := unix.GetsockoptInt(fd, level, name)
			if err != nil {
				t.Fatalf("getsockopt: %v", err)
			}
			return v
		}
		fd := serverFD()
		if ka, idle, intvl, cnt := opt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE), opt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE),
			opt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL), opt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT); ka != 1 || idle != 300 || intvl != 100 || cnt != 3 {
			t.Errorf("default keepalive: SO_KEEPALIVE=%d KEEPIDLE=%d KEEPINTVL=%d KEEPCNT=%d, want 1 300 100 3", ka, idle, intvl, cnt)
		}
		if err := client(t, srv).ConfigSet(context.Background(), "tcp-keepalive", "0").Err(); err != nil {
			t.Fatal(err)
		}
		if ka := opt(serverFD(), unix.SOL_SOCKET, unix.SO_KEEPALIVE); ka != 0 {
			t.Errorf("tcp-keepalive 0: SO_KEEPALIVE=%d", ka)
		}
	})
}
