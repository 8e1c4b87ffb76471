package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Helpers of the differential test (diff_test.go): the script format, a
// raw RESP client that keeps every reply byte for byte, and a redis-server
// started per script.
//
// Script format (testdata/diff/*.txt), one command per line:
//
//	@pending            first lines: directives. @pending = run only with
//	@resp3              DARNER_DIFF_PENDING=1; @resp3 = run a second pass
//	@requirepass pw     after HELLO 3; @requirepass = start both servers
//	                    with --requirepass pw (the connection starts
//	                    unauthenticated; a RESP3 pass uses HELLO 3 AUTH).
//	# comment           blank lines and #-lines are ignored
//	SET k "a b\n"       arguments split as redis-cli does ("..." with \n,
//	                    \r, \t, \xHH escapes; '...' with \')
//	~sorted SMEMBERS s  markers before the command say how replies compare:
//	                    ~sorted  top-level aggregate compared as a sorted list
//	                    ~pairs   top-level map / flat pair array compared as
//	                             sorted (key, value) pairs
//	                    ~type    same RESP type (first byte) only
//	                    ~skip    sent, reply read, not compared
//
// Everything else is compared as raw RESP bytes. QUIT is followed by a new
// connection (and HELLO 3 again in a RESP3 pass).

// diffScript is one parsed script file.
type diffScript struct {
	name    string
	pending bool
	resp3   bool
	pass    string // @requirepass: both servers start with --requirepass pass
	cases   []diffCase
}

// diffCase is one command line of a script.
type diffCase struct {
	line    int
	text    string
	args    []string
	markers map[string]bool
}

var knownMarkers = map[string]bool{"~sorted": true, "~pairs": true, "~type": true, "~skip": true}

// parseDiffScript reads a script; errors name file:line.
func parseDiffScript(name string, src []byte) (*diffScript, error) {
	s := &diffScript{name: name}
	directives := true
	for i, line := range strings.Split(string(src), "\n") {
		ln := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "@") {
			if !directives {
				return nil, fmt.Errorf("%s:%d: directive %q after the first command", name, ln, line)
			}
			fields := strings.Fields(line)
			for k := 0; k < len(fields); k++ {
				switch d := fields[k]; d {
				case "@pending":
					s.pending = true
				case "@resp3":
					s.resp3 = true
				case "@requirepass":
					if k+1 >= len(fields) {
						return nil, fmt.Errorf("%s:%d: @requirepass needs a password", name, ln)
					}
					k++
					s.pass = fields[k]
				default:
					return nil, fmt.Errorf("%s:%d: unknown directive %q", name, ln, d)
				}
			}
			continue
		}
		directives = false
		args, err := splitArgs(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, ln, err)
		}
		c := diffCase{line: ln, text: line, markers: map[string]bool{}}
		for len(args) > 0 && strings.HasPrefix(args[0], "~") {
			if !knownMarkers[args[0]] {
				return nil, fmt.Errorf("%s:%d: unknown marker %q", name, ln, args[0])
			}
			c.markers[args[0]] = true
			args = args[1:]
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("%s:%d: no command", name, ln)
		}
		c.args = args
		s.cases = append(s.cases, c)
	}
	return s, nil
}

// splitArgs splits a line as redis-cli (sdssplitargs) does.
func splitArgs(line string) ([]string, error) {
	var out []string
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			return out, nil
		}
		var cur []byte
		inDQ, inSQ := false, false
		for {
			if inDQ {
				if i >= len(line) {
					return nil, fmt.Errorf("unbalanced double quotes")
				}
				ch := line[i]
				switch {
				case ch == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					cur = append(cur, byte(v))
					i += 3
				case ch == '\\' && i+1 < len(line):
					i++
					switch line[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[i])
					}
				case ch == '"':
					if i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t' {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					inDQ = false
					i++
					goto done
				default:
					cur = append(cur, ch)
				}
				i++
				continue
			}
			if inSQ {
				if i >= len(line) {
					return nil, fmt.Errorf("unbalanced single quotes")
				}
				ch := line[i]
				switch {
				case ch == '\\' && i+1 < len(line) && line[i+1] == '\'':
					cur = append(cur, '\'')
					i++
				case ch == '\'':
					if i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t' {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					inSQ = false
					i++
					goto done
				default:
					cur = append(cur, ch)
				}
				i++
				continue
			}
			if i >= len(line) || line[i] == ' ' || line[i] == '\t' {
				goto done
			}
			switch line[i] {
			case '"':
				inDQ = true
			case '\'':
				inSQ = true
			default:
				cur = append(cur, line[i])
			}
			i++
		}
	done:
		out = append(out, string(cur))
	}
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// rawReply is one RESP reply: its exact bytes, and for aggregates the raw
// bytes of each element (a map's keys and values alternate).
type rawReply struct {
	raw   []byte
	elems [][]byte
}

// readRaw reads one complete RESP2/RESP3 reply, attributes included.
func readRaw(r *bufio.Reader) (*rawReply, error) {
	var buf bytes.Buffer
	rep := &rawReply{}
	if err := readValue(r, &buf, &rep.elems, true); err != nil {
		return nil, err
	}
	rep.raw = buf.Bytes()
	return rep, nil
}

func readValue(r *bufio.Reader, buf *bytes.Buffer, elems *[][]byte, top bool) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return fmt.Errorf("malformed RESP line %q", line)
	}
	buf.WriteString(line)
	n, _ := strconv.Atoi(line[1 : len(line)-2])
	switch line[0] {
	case '$', '!', '=':
		if n < 0 {
			return nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return err
		}
		buf.Write(b)
	case '*', '~', '>', '%', '|':
		count := n
		if line[0] == '%' || line[0] == '|' {
			count = 2 * n
		}
		for i := 0; i < count; i++ {
			var eb bytes.Buffer
			if err := readValue(r, &eb, nil, false); err != nil {
				return err
			}
			buf.Write(eb.Bytes())
			if top && line[0] != '|' {
				*elems = append(*elems, eb.Bytes())
			}
		}
		if line[0] == '|' { // an attribute precedes the real reply
			return readValue(r, buf, elems, top)
		}
	}
	return nil
}

// respConn is a raw RESP connection to one server.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialRESP(addr string) (*respConn, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &respConn{c: c, r: bufio.NewReader(c)}, nil
}

// do sends one command as a multibulk and reads its reply.
func (rc *respConn) do(args []string) (*rawReply, error) {
	var b []byte
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, "\r\n"...)
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	rc.c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := rc.c.Write(b); err != nil {
		return nil, err
	}
	return readRaw(rc.r)
}

func (rc *respConn) close() { rc.c.Close() }

// runScript runs every case of s on a fresh connection to addr (HELLO 3
// first when resp3) and returns the replies, one per case. A read error
// becomes a reply "<error: ...>" so that the comparison shows it.
func runScript(addr string, s *diffScript, resp3 bool) ([]*rawReply, error) {
	var rc *respConn
	connect := func() error {
		var err error
		if rc, err = dialRESP(addr); err != nil {
			return err
		}
		if resp3 {
			hello := []string{"HELLO", "3"}
			if s.pass != "" {
				hello = append(hello, "AUTH", "default", s.pass)
			}
			rep, err := rc.do(hello)
			if err != nil {
				return err
			}
			if rep.raw[0] != '%' {
				return fmt.Errorf("HELLO 3 answered %q", rep.raw)
			}
		}
		return nil
	}
	if err := connect(); err != nil {
		return nil, err
	}
	defer func() { rc.close() }()
	out := make([]*rawReply, len(s.cases))
	for i, c := range s.cases {
		rep, err := rc.do(c.args)
		if err != nil {
			rep = &rawReply{raw: []byte("<error: " + err.Error() + ">")}
			rc.close()
			if err := connect(); err != nil {
				return nil, err
			}
		}
		out[i] = rep
		if strings.EqualFold(c.args[0], "quit") {
			rc.close()
			if err := connect(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// sameReply compares two replies under a case's markers.
func sameReply(c *diffCase, want, got *rawReply) bool {
	switch {
	case c.markers["~skip"]:
		return true
	case c.markers["~type"]:
		return len(want.raw) > 0 && len(got.raw) > 0 && want.raw[0] == got.raw[0]
	case c.markers["~sorted"]:
		return headerOf(want.raw) == headerOf(got.raw) && equalSorted(want.elems, got.elems, 1)
	case c.markers["~pairs"]:
		return headerOf(want.raw) == headerOf(got.raw) && equalSorted(want.elems, got.elems, 2)
	}
	return bytes.Equal(want.raw, got.raw)
}

func headerOf(raw []byte) string {
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		return string(raw[:i])
	}
	return string(raw)
}

// equalSorted compares element lists as sorted groups of size n.
func equalSorted(a, b [][]byte, n int) bool {
	if len(a) != len(b) || len(a)%n != 0 {
		return false
	}
	group := func(e [][]byte) []string {
		var g []string
		for i := 0; i < len(e); i += n {
			g = append(g, string(bytes.Join(e[i:i+n], nil)))
		}
		sort.Strings(g)
		return g
	}
	ga, gb := group(a), group(b)
	for i := range ga {
		if ga[i] != gb[i] {
			return false
		}
	}
	return true
}

// redisProc is a redis-server started by a test.
type redisProc struct {
	cmd  *exec.Cmd
	port int
	out  *strings.Builder
	done chan error
}

func (p *redisProc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// redisServerPath finds redis-server, skipping the test when it is absent
// (failing it under CI=true).
func redisServerPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not installed (apt-get install redis-server); required under CI=true")
		}
		t.Skip("redis-server not installed (apt-get install redis-server): skipping the differential test")
	}
	return path
}

// serverUp reports whether a server answers PING (PONG, or NOAUTH when
// it wants a password).
func serverUp(addr string) bool {
	rc, err := dialRESP(addr)
	if err != nil {
		return false
	}
	defer rc.close()
	rep, err := rc.do([]string{"PING"})
	return err == nil && (string(rep.raw) == "+PONG\r\n" || strings.HasPrefix(string(rep.raw), "-NOAUTH"))
}

// startRedis starts redis-server on a free loopback port without
// persistence, in a temporary directory, and stops it when the test ends.
func startRedis(t *testing.T, bin string, extra ...string) *redisProc {
	t.Helper()
	port := freePort(t)
	dir := t.TempDir()
	p := &redisProc{port: port, out: &strings.Builder{}, done: make(chan error, 1)}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--loglevel", "warning"}, extra...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	waitReady(t, "redis-server", p.done, p.out, func() bool { return serverUp(p.addr()) })
	return p
}

// loadDiffScripts parses every testdata/diff/*.txt.
func loadDiffScripts(t *testing.T) []*diffScript {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "diff", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/diff: %v", err)
	}
	var out []*diffScript
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := parseDiffScript(filepath.Base(f), src)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// startDarnerFor starts darner for a script: like startDarner (same
// binary, loopback, free port, SIGTERM at the end), plus the script's
// --requirepass, and ready once PING answers PONG or NOAUTH.
func startDarnerFor(t *testing.T, backend string, shards int, s *diffScript) *proc {
	t.Helper()
	if s.pass == "" {
		return startDarner(t, backend, "--proactor_threads", strconv.Itoa(shards))
	}
	port := freePort(t)
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--proactor_threads", strconv.Itoa(shards), "--requirepass", s.pass, "--dir", t.TempDir()}
	if backend == "epoll" {
		args = append(args, "--force_epoll")
	}
	p := &proc{cmd: exec.Command(darnerBin, args...), port: port, stderr: &strings.Builder{}, done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(10 * time.Second)
	for !serverUp(p.addr()) {
		select {
		case err := <-p.done:
			t.Fatalf("darner exited early: %v\n%s", err, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("darner did not answer PING within 10s\n%s", p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}
