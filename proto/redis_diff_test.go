package proto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startRedis starts a private redis-server on 127.0.0.1 and a free port and
// returns its address. It skips the test when redis-server is not
// installed, unless CI=true, where that is a failure.
func startRedis(t *testing.T, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not on PATH (required when CI=true): %v", err)
		}
		t.Skipf("redis-server not on PATH; skipping the differential test: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", t.TempDir(), "--loglevel", "warning"}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expected is what darner's parser predicts Redis sends for a stream.
type expected struct {
	replies []string // exact reply, "prefix:..." for a prefix, "*" for any one reply
	close   bool     // a protocol error: the reply, then the connection closes
	err     string
}

// predict parses stream with p and models the replies of the few commands
// the differential streams use (PING, ECHO, SET; others are unknown or "any").
func predict(p *Parser, stream []byte, unauth bool) expected {
	var e expected
	buf := bytes.Clone(stream)
	for off := 0; off < len(buf); {
		n, args, err := p.Parse(buf[off:])
		if err != nil {
			e.err = err.Error()
			e.replies = append(e.replies, "-"+err.Error()+"\r\n")
			e.close = true
			return e
		}
		if n == 0 {
			return e
		}
		off += n
		if len(args) == 0 {
			continue
		}
		if unauth {
			e.replies = append(e.replies, "-NOAUTH Authentication required.\r\n")
			continue
		}
		wrong := func(name string) string {
			return "-ERR wrong number of arguments for '" + name + "' command\r\n"
		}
		switch name := strings.ToLower(string(args[0])); {
		case name == "ping" && len(args) == 1:
			e.replies = append(e.replies, "+PONG\r\n")
		case name == "ping" && len(args) == 2, name == "echo" && len(args) == 2:
			e.replies = append(e.replies, string(AppendBulk(nil, args[1])))
		case name == "ping" || name == "echo":
			e.replies = append(e.replies, wrong(name))
		case name == "set" && len(args) == 3:
			e.replies = append(e.replies, "+OK\r\n")
		case strings.HasPrefix(name, "xx"):
			e.replies = append(e.replies, "prefix:-ERR unknown command '")
		default:
			e.replies = append(e.replies, "*")
		}
	}
	return e
}

// exchange sends stream on a new connection and collects the replies until
// it has want of them and, then, until the server closes (close) or stays
// quiet for quiet.
func exchange(addr string, stream []byte, want int, close bool) (replies []string, closed bool, err error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, false, err
	}
	defer c.Close()
	go c.Write(stream) // may fail once Redis closes; the replies tell
	const quiet = 150 * time.Millisecond
	var in []byte
	tmp := make([]byte, 64<<10)
	for {
		d := 3 * time.Second
		if len(replies) >= want && !close {
			d = quiet
		}
		c.SetReadDeadline(time.Now().Add(d))
		n, rerr := c.Read(tmp)
		in = append(in, tmp[:n]...)
		for len(in) > 0 {
			_, k, err := readReply(in)
			if err == errIncomplete {
				break
			}
			if err != nil {
				return replies, false, fmt.Errorf("unreadable reply %q: %v", in, err)
			}
			replies = append(replies, string(in[:k]))
			in = in[k:]
		}
		var ne net.Error
		switch {
		case rerr == nil:
		case errors.Is(rerr, io.EOF), errors.Is(rerr, net.ErrClosed), strings.Contains(rerr.Error(), "reset"):
			return replies, true, nil
		case errors.As(rerr, &ne) && ne.Timeout():
			if len(replies) >= want && !close {
				return replies, false, nil
			}
			return replies, false, fmt.Errorf("timed out with %d replies of %d (%q pending)", len(replies), want, in)
		default:
			return replies, false, rerr
		}
	}
}

func compare(t *testing.T, addr string, stream []byte, p *Parser, unauth bool) {
	t.Helper()
	e := predict(p, stream, unauth)
	got, closed, err := exchange(addr, stream, len(e.replies), e.close)
	if err != nil {
		t.Errorf("%.80q: %v", stream, err)
		return
	}
	match := len(got) == len(e.replies) && closed == e.close
	for i := 0; match && i < len(got); i++ {
		w := e.replies[i]
		switch {
		case w == "*":
		case strings.HasPrefix(w, "prefix:"):
			match = strings.HasPrefix(got[i], w[len("prefix:"):])
		default:
			match = got[i] == w
		}
	}
	if !match {
		t.Errorf("%.80q:\nredis:  %q closed=%v\ndarner: %q close=%v", stream, got, closed, e.replies, e.close)
	}
}

// diffStreams are sent to redis-server and to the Parser; both must agree on
// every reply the parse determines, on the protocol error and on closing.
var diffStreams = []string{
	"PING\r\n", "PING\n", "*1\r\n$4\r\nPING\r\n", "*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\n",
	"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\necho\r\n$0\r\n\r\nPING hello\r\n",
	"*0\r\n*-1\r\n*-5\r\nPING\r\n", "*-9223372036854775808\r\nPING\r\n",
	"*1\rX$4\r\nPINGxx", "*2\r\n$4\r\nECHO\r\n$1\rZaQQPING\r\n", "\r\n\n  \r\nPING\n", "\vPING\f\r\n",
	"ECHO a\vb\r\n", "ECHO \"a\"\v\r\n", "ECHO a\"b c\"\r\n", "ECHO 'it\\'s'\r\n", `ECHO "\x41\x4a\q\n\r\t\b\a\\\""` + "\r\n",
	`ECHO "\x4" "\xZZ"` + "\r\n", "ECHO \"\"\r\n", "ECHO ''\r\n", "ECHO \xff\xfe\r\n", "PING\r\r\n",
	"xxnosuch a b\r\n", "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\nxxgarbage\r\n",
	// Stalled or incomplete: no reply, connection stays open.
	"PING\x00\r\nPING\r\n", "*1\x00\r\n", "*1\r\n$\x001\r\nPING\r\n", "*1\r\n$4\r\nPING\r", "*2147483647\r\n",
	"*1\r\n$536870912\r\n", "PING\r\n*1\r\n$4\r\nPI",
	// Protocol errors.
	"*-0\r\n", "*01\r\n", "*+1\r\n", "*\r\n", "*1x\r\n", "*2147483648\r\n", "*9999999999999999999\r\n",
	"*-9223372036854775809\r\n", "*1\r\n$-2\r\n", "*1\r\n$-1\r\n", "*1\r\n$9999999999999999999\r\n",
	"*1\r\n$536870913\r\n", "*1\r\n$01\r\n", "*1\r\n$\r\n", "*1\r\n$ 1\r\n", "*1\r\nPING\r\n", "*1\r\n\r\n",
	"*1\r\n\n\r\n", "*1\r\n\xff\r\n", "*1\r\n:1\r\n", "PING\r\n*1\r\n$-2\r\n", "\"a\r\n", "'a\r\n",
	"ECHO \"a\"b\r\n", "ECHO 'a'b\r\n", "ECHO \"a\\\"\r\n", "ECHO a'b c'd e\r\n", "PING\r\nECHO \"x\r\n",
	"$9999999999999999999\r\n", "$-2\r\n",
	strings.Repeat("A", MaxInlineLen), strings.Repeat("A", MaxInlineLen+1), strings.Repeat("A", 70000),
	"*" + strings.Repeat("1", 70000), "*1\r\n$" + strings.Repeat("1", 70000),
	"PING\x00" + strings.Repeat("A", 70000),
}

func TestRedisDifferential(t *testing.T) {
	addr := startRedis(t)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	run := func(stream []byte) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			compare(t, addr, stream, new(Parser), false)
		}()
	}
	for _, s := range diffStreams {
		run([]byte(s))
	}
	// Random inline ECHO lines: quotes, escapes and blanks, 4 per connection.
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab\"\"''\\\\xx4aFZ  \t\v\f\r\x01\xffnrtq"
	for range 80 {
		var stream []byte
		for range 4 {
			stream = append(stream, "ECHO "...)
			for range 1 + rng.IntN(12) {
				stream = append(stream, alphabet[rng.IntN(len(alphabet))])
			}
			stream = append(stream, "\r\n"...)
		}
		run(stream)
	}
	wg.Wait()
}

// TestRedisDifferentialUnauthenticated compares the limits Redis applies
// before AUTH (requirepass set) with Parser.Unauthenticated.
func TestRedisDifferentialUnauthenticated(t *testing.T) {
	addr := startRedis(t, "--requirepass", "secret")
	var wg sync.WaitGroup
	for _, s := range []string{
		"PING\r\n", "*11\r\n", "*10\r\n", "*1\r\n$16385\r\n", "*1\r\n$16384\r\n", "*1\r\n$-2\r\n",
		"*2147483648\r\n", "*0\r\nPING\r\n", "ECHO " + strings.Repeat("a", 20000) + "\r\n",
		"*2\r\n$4\r\nECHO\r\n$16384\r\n" + strings.Repeat("b", 16384) + "\r\n",
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			compare(t, addr, []byte(s), &Parser{Unauthenticated: true}, true)
		}()
	}
	wg.Wait()
}
