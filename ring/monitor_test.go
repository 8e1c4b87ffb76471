package ring_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/darnerdb/darner/ring"
)

// readReply reads one whole RESP2/RESP3 reply and returns its bytes.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return line, err
	}
	if len(line) < 3 {
		return line, fmt.Errorf("short line %q", line)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return line, nil
		}
		b := make([]byte, n+2)
		_, err := io.ReadFull(r, b)
		return line + string(b), err
	case '*', '~', '>', '%', '|':
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		out := line
		for i := 0; i < n; i++ {
			s, err := readReply(r)
			out += s
			if err != nil {
				return out, err
			}
		}
		return out, nil
	}
	return line, nil
}

// startRedisServer starts the real redis-server on a free port, or skips
// (fails under CI=true) when it is not installed.
func startRedisServer(t *testing.T) string {
	t.Helper()
	path := "/usr/bin/redis-server"
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found at %s (required when CI=true)", path)
		}
		t.Skipf("redis-server not found at %s; skipping the differential check", path)
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	proc := exec.CommandContext(ctx, path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := proc.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = proc.Wait() })
	a := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", a); err == nil {
			c.Close()
			return a
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
	return ""
}

var monitorMask = regexp.MustCompile(`^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] `)

// monitorSession runs cmds one by one on a client while a monitor watches,
// and returns the client's replies and the monitor's lines (timestamp and
// port masked). The monitor's own PING ends the feed.
func monitorSession(t *testing.T, a string, cmds [][]string) (replies, lines []string) {
	t.Helper()
	dialR := func() (net.Conn, *bufio.Reader) {
		c, err := net.DialTimeout("tcp", a, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		return c, bufio.NewReader(c)
	}
	mc, mr := dialR()
	_, _ = mc.Write([]byte(cmd("MONITOR")))
	if l, err := mr.ReadString('\n'); err != nil || l != "+OK\r\n" {
		t.Fatalf("MONITOR: %q %v", l, err)
	}
	cc, cr := dialR()
	for _, c := range cmds {
		_, _ = cc.Write([]byte(cmd(c...)))
		if c[0] == "QUIT" {
			l, _ := readReply(cr)
			replies = append(replies, l)
			cc, cr = dialR()
			continue
		}
		r, err := readReply(cr)
		if err != nil {
			t.Fatalf("%q: %v", c, err)
		}
		replies = append(replies, r)
	}
	_, _ = mc.Write([]byte(cmd("PING")))
	for {
		l, err := mr.ReadString('\n')
		if err != nil {
			t.Fatalf("monitor: %v after %q", err, lines)
		}
		if l == "+PONG\r\n" {
			continue
		}
		m := monitorMask.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("monitor line %q does not look like Redis's", l)
		}
		l = "[" + m[1] + "] " + l[len(m[0]):]
		if l == "[0] \"PING\"\r\n" {
			return replies, lines
		}
		lines = append(lines, l)
	}
}

// TestMonitorLikeRedis runs one command sequence against redis-server and
// darner with a monitor watching, and compares the monitor lines (masked
// timestamps and ports) and the client's replies.
func TestMonitorLikeRedis(t *testing.T) {
	ra := startRedisServer(t)
	k0, k1 := keyOn(0, 2), keyOn(1, 2)
	cmds := [][]string{
		{"SET", k0, "v"}, {"set", k1, "a\"b\\c\n\r\t\a\b\x00\xff é"}, {"get", ""},
		{"MSET", k0, "1", k1, "2"}, {"MGET", k0, k1}, {"DEL", k0, k1, "nokey"},
		{"AUTH", "pw"}, {"AUTH", "u", "pw"}, {"AUTH", "a", "b", "c"},
		{"HELLO", "2", "AUTH", "default", "x"}, {"HELLO", "2"}, {"hello", "2", "setname", "nm"},
		{"CONFIG", "GET", "maxmemory"}, {"CLIENT", "LIST", "ID", "0"}, {"CLIENT", "SETNAME", "x"}, {"CLIENT", "GETNAME"},
		{"CLIENT", "KILL", "ID", "999999"}, {"SLOWLOG", "LEN"},
		{"SELECT", "1"}, {"SET", k1, "1"}, {"SELECT", "0"},
		{"FOO", "bar"}, {"GET"}, {"set", "a"},
		{"MULTI"}, {"SET", "m", "1"}, {"INCR", "m"}, {"SELECT", "2"}, {"SET", k0, "x"}, {"EXEC"},
		{"SELECT", "0"},
		{"MULTI"}, {"set", "q"}, {"EXEC"},
		{"MULTI"}, {"DISCARD"}, {"EXEC"},
		{"LPUSH", "l", "a"}, {"incr", k0}, {"blpop", "zz", "0.01"}, {"BLPOP", "l", "0"},
		{"PING"}, {"echo", "hi"}, {"DBSIZE"}, {"FLUSHALL"},
		{"RESET"}, {"QUIT"}, {"PING", "after quit"},
	}
	wantReplies, wantLines := monitorSession(t, ra, cmds)
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		replies, lines := monitorSession(t, addr(srv), cmds)
		for i := range cmds {
			if strings.EqualFold(cmds[i][0], "hello") {
				continue // version and client id differ
			}
			if replies[i] != wantReplies[i] {
				t.Errorf("%q: darner replied %q, redis %q", cmds[i], replies[i], wantReplies[i])
			}
		}
		if strings.Join(lines, "") != strings.Join(wantLines, "") {
			t.Errorf("monitor lines differ:\ndarner:\n%s\nredis:\n%s", strings.Join(lines, ""), strings.Join(wantLines, ""))
		}
	})
}

// TestMonitorOwnConnection checks a monitor's own commands: replies, then
// its own line; keyspace commands refused as Redis refuses them to a
// replica; a second MONITOR silent; RESET ending the feed.
func TestMonitorOwnConnection(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		m := dial(t, srv)
		m.send(cmd("MONITOR"))
		if l := m.line(); l != "+OK" {
			t.Fatalf("MONITOR: %q", l)
		}
		m.send(cmd("PING"))
		if l := m.line(); l != "+PONG" {
			t.Fatalf("PING: %q", l)
		}
		if l := m.line(); !strings.HasSuffix(l, `"PING"`) {
			t.Fatalf("own line: %q", l)
		}
		m.send(cmd("GET", "k") + cmd("MONITOR") + cmd("HELLO", "3") + cmd("ECHO", "x"))
		if l := m.line(); l != "-ERR Replica can't interact with the keyspace" {
			t.Fatalf("GET on a monitor: %q", l)
		}
		// MONITOR again: no reply, no line. HELLO 3: a map, then its line;
		// monitor lines stay simple strings in RESP3.
		if l := m.line(); !strings.HasPrefix(l, "%") {
			t.Fatalf("HELLO 3: %q", l)
		}
		for {
			l := m.line()
			if strings.HasSuffix(l, `"HELLO" "3"`) {
				break
			}
		}
		if l := m.line(); l != "$1" {
			t.Fatalf("ECHO: %q", l)
		}
		m.line()
		if l := m.line(); !strings.HasPrefix(l, "+") || !strings.HasSuffix(l, `"ECHO" "x"`) {
			t.Fatalf("ECHO line: %q", l)
		}
		if ring.Monitors(srv) != 1 {
			t.Fatalf("monitors %d, want 1", ring.Monitors(srv))
		}
		m.send(cmd("RESET"))
		if l := m.line(); l != "+RESET" {
			t.Fatalf("RESET: %q", l)
		}
		if n := ring.Monitors(srv); n != 0 {
			t.Fatalf("monitors after RESET: %d", n)
		}
		o := client(t, srv)
		o.Set(context.Background(), "k", "v", 0)
		m.send(cmd("GET", "k"))
		if l := m.line(); l != "$1" {
			t.Fatalf("GET after RESET: %q (still fed?)", l)
		}
		m.line()
		// QUIT and disconnect end the feed too.
		m.send(cmd("MONITOR"))
		m.line()
		m.send(cmd("QUIT"))
		if l := m.line(); l != "+OK" {
			t.Fatalf("QUIT: %q", l)
		}
		m.expectClosed()
		m2 := dial(t, srv)
		m2.send(cmd("MONITOR"))
		m2.line()
		m2.c.Close()
		waitFor(t, "monitors to end", func() bool { return ring.Monitors(srv) == 0 })
	})
}

// TestMonitorCrossShard: a go-redis Monitor on one shard sees the commands
// of clients on every shard, in order per client.
func TestMonitorCrossShard(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		n := cfg.Shards
		// The monitor lives on the last shard; clients on every shard.
		mconn, err := connOnShard(srv, n-1)
		if err != nil {
			t.Fatal(err)
		}
		defer mconn.Close()
		_ = mconn.SetDeadline(time.Now().Add(30 * time.Second))
		mr := bufio.NewReader(mconn)
		_, _ = mconn.Write([]byte(cmd("MONITOR")))
		if l, err := mr.ReadString('\n'); l != "+OK\r\n" {
			t.Fatalf("MONITOR: %q %v", l, err)
		}
		ch := make(chan string, 10000)
		go func() {
			defer close(ch)
			for {
				l, err := mr.ReadString('\n')
				if err != nil {
					return
				}
				ch <- l
			}
		}()
		const per = 300
		done := make(chan error, n)
		for sh := 0; sh < n; sh++ {
			c, err := connOnShard(srv, sh)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			go func(sh int, c net.Conn) {
				r := bufio.NewReader(c)
				var b strings.Builder
				for i := 0; i < per; i++ {
					// Keys on every shard: inline, hops and txs.
					b.WriteString(cmd("SET", keyOn(i%n, n), fmt.Sprintf("c%d-%d", sh, i)))
					if i%50 == 0 {
						b.WriteString(cmd("MSET", keyOn(0, n), "x", keyOn(n-1, n), fmt.Sprintf("c%d-%d", sh, i)))
					}
				}
				if _, err := c.Write([]byte(b.String())); err != nil {
					done <- err
					return
				}
				for i := 0; i < per+per/50; i++ {
					if l, err := r.ReadString('\n'); err != nil || l != "+OK\r\n" {
						done <- fmt.Errorf("reply %d: %q %v", i, l, err)
						return
					}
				}
				done <- nil
			}(sh, c)
		}
		for sh := 0; sh < n; sh++ {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		next := make([]int, n)
		deadline := time.After(20 * time.Second)
		for seen := 0; seen < n*(per+per/50); {
			var l string
			var ok bool
			select {
			case l, ok = <-ch:
				if !ok {
					t.Fatalf("monitor closed after %d lines", seen)
				}
			case <-deadline:
				t.Fatalf("saw %d lines, want %d (next %v)", seen, n*(per+per/50), next)
			}
			if strings.HasSuffix(l, "\"PING\"\r\n") { // connOnShard's
				continue
			}
			seen++
			var sh, i int
			j := strings.LastIndex(l, `"c`)
			if j < 0 {
				t.Fatalf("unexpected line %q", l)
			}
			if _, err := fmt.Sscanf(l[j:], `"c%d-%d"`, &sh, &i); err != nil {
				t.Fatalf("line %q: %v", l, err)
			}
			if strings.Contains(l, `"MSET"`) {
				continue
			}
			if i != next[sh] {
				t.Fatalf("client %d: line for command %d, want %d: %q", sh, i, next[sh], l)
			}
			next[sh]++
		}
	})
}

// TestMonitorSlowConsumer: a monitor that does not read is closed once its
// unsent output passes the pubsub hard limit (32 MB), as Redis does, and
// the server keeps serving.
func TestMonitorSlowConsumer(t *testing.T) {
	forEach(t, []int{2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		m := dial(t, srv)
		m.send(cmd("MONITOR"))
		if l := m.line(); l != "+OK" {
			t.Fatalf("MONITOR: %q", l)
		}
		c := client(t, srv)
		val := strings.Repeat("v", 256<<10)
		ctx := context.Background()
		for i := 0; i < 400 && ring.Monitors(srv) > 0; i++ { // 100 MB of lines at most
			p := c.Pipeline()
			for j := 0; j < 8; j++ {
				p.Set(ctx, keyOn(j%2, 2), val, 0)
			}
			if _, err := p.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the slow monitor to be closed", func() bool { return ring.Monitors(srv) == 0 })
		// The server closed it: CLIENT LIST no longer shows it. (What the
		// kernel had buffered still reaches the monitor, slowly: its
		// window was zero for a while.)
		waitFor(t, "the slow monitor's connection to be freed", func() bool {
			l, err := c.ClientList(ctx).Result()
			return err == nil && !strings.Contains(l, "cmd=monitor")
		})
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	})
}
