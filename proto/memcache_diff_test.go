package proto_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/darnerdb/darner/proto"
)

// The differential test: raw request streams, well-formed and hostile, go
// to a real memcached and through MCParser plus a small in-test model of
// memcached's semantics (a Go map) that answers with the proto reply
// writers. The bytes memcached sends back, and whether it closes the
// connection, must be exactly what the parser's verdicts and the writers
// produce.
//
// Streams whose fate in memcached depends on how the kernel splits them
// (a non-get line over 2048 bytes that arrives in one read) and darner's
// extensions (E and x meta flags) are not part of it.

// startMemcached starts memcached on a free loopback port and returns its
// address and version string. It skips when memcached is not installed,
// unless CI=true.
func startMemcached(t *testing.T) (addr, version string) {
	t.Helper()
	bin, err := exec.LookPath("memcached")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("memcached not found on PATH (required when CI=true)")
		}
		t.Skip("memcached not found on PATH; skipping the differential test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-t", "1", "-m", "64"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root") // memcached refuses to run as root otherwise
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			c.Write([]byte("version\r\n"))
			line := make([]byte, 64)
			n, _ := c.Read(line)
			c.Close()
			v, ok := strings.CutPrefix(strings.TrimSpace(string(line[:n])), "VERSION ")
			if !ok {
				t.Fatalf("memcached answered %q to version", line[:n])
			}
			return addr, v
		}
		if time.Now().After(deadline) {
			t.Fatalf("memcached did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mcModelItem is a stored item of the model.
type mcModelItem struct {
	flags uint32
	data  []byte
}

// mcModel answers a request stream as memcached would, from the parser's
// verdicts, the reply writers and a map. It covers what the differential
// cases use: no CAS values, TTLs, LRU or stats.
type mcModel struct {
	items   map[string]mcModelItem
	version string
}

func (m *mcModel) run(stream []byte) (reply []byte, closed bool) {
	var p proto.MCParser
	buf := stream
	for {
		n, c, err := p.Parse(buf)
		if err != nil {
			var e *proto.MCError
			errors.As(err, &e)
			reply = append(reply, e.Reply...)
			if e.DeleteKey != nil {
				delete(m.items, string(e.DeleteKey))
			}
			if e.Close {
				return reply, true
			}
			buf = buf[n:]
			continue
		}
		if n == 0 {
			return reply, false
		}
		buf = buf[n:]
		if c == nil {
			continue
		}
		if c.Kind == proto.MCQuit {
			return reply, true
		}
		reply = m.exec(reply, c)
	}
}

func (m *mcModel) exec(out []byte, c *proto.MCCommand) []byte {
	key := string(c.Key)
	it, hit := m.items[key]
	line := func(s string) {
		if !c.NoReply {
			out = proto.AppendMCLine(out, s)
		}
	}
	store := func(v mcModelItem, exp int64) {
		if exp < 0 {
			delete(m.items, key) // stored already expired
			return
		}
		m.items[key] = v
	}
	switch c.Kind {
	case proto.MCSet:
		store(mcModelItem{c.Flags, bytes.Clone(c.Data)}, c.Exptime)
		line(proto.MCStored)
	case proto.MCAdd, proto.MCReplace:
		if hit == (c.Kind == proto.MCAdd) {
			line(proto.MCNotStored)
			break
		}
		store(mcModelItem{c.Flags, bytes.Clone(c.Data)}, c.Exptime)
		line(proto.MCStored)
	case proto.MCAppend, proto.MCPrepend:
		if !hit {
			line(proto.MCNotStored)
			break
		}
		if c.Kind == proto.MCAppend {
			it.data = append(bytes.Clone(it.data), c.Data...)
		} else {
			it.data = append(bytes.Clone(c.Data), it.data...)
		}
		m.items[key] = it
		line(proto.MCStored)
	case proto.MCCas:
		if hit {
			line(proto.MCExists) // the cases never know the real CAS
		} else {
			line(proto.MCNotFound)
		}
	case proto.MCGet, proto.MCGat, proto.MCGets, proto.MCGats:
		for _, k := range c.Keys {
			if v, ok := m.items[string(k)]; ok {
				if c.Kind == proto.MCGets || c.Kind == proto.MCGats {
					panic("model: gets/gats hits need CAS values")
				}
				out = proto.AppendMCValue(out, k, v.flags, v.data)
			}
		}
		out = proto.AppendMCLine(out, proto.MCEnd)
	case proto.MCDelete:
		if hit {
			delete(m.items, key)
			line(proto.MCDeleted)
		} else {
			line(proto.MCNotFound)
		}
	case proto.MCIncr, proto.MCDecr:
		if !hit {
			line(proto.MCNotFound)
			break
		}
		v, ok := mcModelArith(&it, c.Kind == proto.MCIncr, c.Delta)
		if !ok {
			if !c.NoReply {
				out = proto.AppendMCClientError(out, "cannot increment or decrement non-numeric value")
			}
			break
		}
		m.items[key] = it
		if !c.NoReply {
			out = proto.AppendMCUint(out, v)
		}
	case proto.MCTouch:
		if hit {
			line(proto.MCTouched)
		} else {
			line(proto.MCNotFound)
		}
	case proto.MCFlushAll:
		if c.Exptime <= 0 {
			clear(m.items)
		}
		line(proto.MCOK)
	case proto.MCVersion:
		out = proto.AppendMCVersion(out, m.version)
	case proto.MCVerbosity:
		line(proto.MCOK)
	case proto.MCMetaNoop:
		out = proto.AppendMCLine(out, proto.MCMetaNoopReply)
	case proto.MCMetaGet:
		if !hit {
			if !c.MetaQuiet(proto.MetaEN) {
				out = proto.AppendMetaStatus(out, proto.MetaEN)
				out = c.AppendMetaFlags(out, nil)
				out = proto.AppendMetaEnd(out)
			}
			break
		}
		mi := proto.MetaItem{Size: len(it.data), ClientFlags: it.flags, TTL: -1}
		if c.Meta.Has('v') {
			out = proto.AppendMetaValue(out, len(it.data))
		} else {
			out = proto.AppendMetaStatus(out, proto.MetaHD)
		}
		out = c.AppendMetaFlags(out, &mi)
		out = proto.AppendMetaEnd(out)
		if c.Meta.Has('v') {
			out = proto.AppendMetaData(out, it.data)
		}
	case proto.MCMetaSet:
		code := proto.MetaHD
		nv := mcModelItem{c.Meta.ClientFlags, bytes.Clone(c.Data)}
		switch c.Meta.Mode {
		case 'E':
			if hit {
				code = proto.MetaNS
			}
		case 'R':
			if !hit {
				code = proto.MetaNS
			}
		case 'A', 'P':
			if !hit {
				code = proto.MetaNS
			} else if c.Meta.Mode == 'A' {
				nv = mcModelItem{it.flags, append(bytes.Clone(it.data), c.Data...)}
			} else {
				nv = mcModelItem{it.flags, append(bytes.Clone(c.Data), it.data...)}
			}
		}
		if code == proto.MetaHD {
			m.items[key] = nv
		}
		if !c.MetaQuiet(code) {
			out = proto.AppendMetaStatus(out, code)
			out = c.AppendMetaFlags(out, nil)
			out = proto.AppendMetaEnd(out)
		}
	case proto.MCMetaDelete:
		code := proto.MetaNF
		if hit {
			delete(m.items, key)
			code = proto.MetaHD
		}
		if !c.MetaQuiet(code) {
			out = proto.AppendMetaStatus(out, code)
			out = c.AppendMetaFlags(out, nil)
			out = proto.AppendMetaEnd(out)
		}
	case proto.MCMetaArith:
		var val []byte
		switch {
		case !hit && !c.Meta.Has('N'):
			out = proto.AppendMetaStatus(out, proto.MetaNF)
			out = c.AppendMetaFlags(out, nil)
			return proto.AppendMetaEnd(out)
		case !hit:
			val = strconv.AppendUint(nil, c.Meta.Initial, 10)
			m.items[key] = mcModelItem{0, val}
		default:
			v, ok := mcModelArith(&it, c.Meta.Mode != 'D' && c.Meta.Mode != '-', c.Meta.Delta)
			if !ok {
				return proto.AppendMCClientError(out, "cannot increment or decrement non-numeric value")
			}
			m.items[key] = it
			val = strconv.AppendUint(nil, v, 10)
		}
		if hit && c.MetaQuiet(proto.MetaHD) {
			break // memcached does not hide the reply of a vivified item
		}
		if c.Meta.Has('v') {
			out = proto.AppendMetaValue(out, len(val))
		} else {
			out = proto.AppendMetaStatus(out, proto.MetaHD)
		}
		out = c.AppendMetaFlags(out, &proto.MetaItem{})
		out = proto.AppendMetaEnd(out)
		if c.Meta.Has('v') {
			out = proto.AppendMetaData(out, val)
		}
	default:
		panic("model: command not covered: " + c.Kind.String())
	}
	return out
}

// mcModelArith applies incr/decr as memcached's do_add_delta: 64-bit wrap
// on incr, floor 0 on decr, and a shorter result padded with spaces in
// place.
func mcModelArith(it *mcModelItem, incr bool, delta uint64) (uint64, bool) {
	digits := bytes.TrimRight(it.data, " ")
	v, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil || len(digits) == 0 {
		return 0, false
	}
	if incr {
		v += delta
	} else if delta > v {
		v = 0
	} else {
		v -= delta
	}
	s := strconv.AppendUint(nil, v, 10)
	if len(s) < len(it.data) {
		s = append(s, bytes.Repeat([]byte(" "), len(it.data)-len(s))...)
	}
	it.data = s
	return v, true
}

// mcExchange sends stream on a fresh connection and reads until it has
// len(want) bytes (and, for a close, until EOF).
func mcExchange(t *testing.T, addr string, stream []byte, want []byte, wantClose bool) (got []byte, closed bool) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go c.Write(stream) // large streams: write while reading
	deadline := time.Now().Add(2 * time.Second)
	buf := make([]byte, 64<<10)
	for {
		if len(got) >= len(want) && !wantClose {
			// A little more time for bytes we did not expect.
			extra := 30 * time.Millisecond
			if bytes.HasSuffix(want, []byte("MN\r\n")) {
				extra = 0 // the sentinel came last: nothing can follow
			}
			if extra == 0 {
				return got, false
			}
			deadline = time.Now().Add(extra)
			c.SetReadDeadline(deadline)
			n, err := c.Read(buf)
			got = append(got, buf[:n]...)
			return got, err == io.EOF
		}
		c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return got, err == io.EOF || isReset(err)
		}
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

func TestMCDiffMemcached(t *testing.T) {
	addr, version := startMemcached(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	cases := []string{
		// Storage, and what a bad line leaves behind.
		"set k 0 0 3\r\nabc\r\nget k\r\n",
		"set k 5 0 0\r\n\r\nget k\r\n",
		"set k 0 0 4\r\n\r\n\r\n\r\nget k\r\n",
		"set k 0 0 1\nx\r\nget k\r\n",
		"set k 0 0 1 noreply\r\na\r\nget k\r\n",
		"set k 0 0 1 norepl\r\na\r\n",
		"  set   k  0 0  1  \r\nx\r\nget k\r\n",
		"set k 0 0\r\na\r\n",
		"set k 0 0 1 2 3\r\na\r\n",
		"set k -1 0 1\r\na\r\n",
		"set k x 0 1\r\na\r\n",
		"set k 0 x 1\r\na\r\n",
		"set k 0 0 1x\r\na\r\n",
		"set k 0 0 -1\r\na\r\n",
		"set k 0 0 +1\r\na\r\nget k\r\n",
		"set k -0 0 01\r\na\r\nget k\r\n",
		"set k 4294967295 0 1\r\na\r\nget k\r\n",
		"set k 4294967296 0 1\r\na\r\nget k\r\n",
		"set k 18446744073709551615 0 1\r\na\r\nget k\r\n",
		"set k 18446744073709551616 0 1\r\na\r\n",
		"set k -9223372036854775809 0 1\r\na\r\nget k\r\n",
		"set k 0 9223372036854775808 1\r\na\r\n",
		"set k 0 0 4294967297\r\na\r\nget k\r\n",
		"set k 0 0 2147483647\r\na\r\n",
		"set k 0 \t0 1\r\na\r\nget k\r\n",
		"set k 0 0 1\r\r\na\r\nget k\r\n",
		"set k 0 0 abc noreply\r\nabc\r\n",
		"set k 0 0 noreply\r\nabc\r\n",
		"set " + strings.Repeat("k", 251) + " 0 0 1\r\na\r\n",
		"set " + strings.Repeat("k", 250) + " 0 0 1\r\na\r\nget " + strings.Repeat("k", 250) + "\r\n",
		"set k 0 0 3\r\nabcde\r\nget k\r\n",
		"set k 0 0 3 noreply\r\nabcde\r\n",
		"set k 0 0 1\nx\nget k\n",
		"add k 0 0 1\r\na\r\nadd k 0 0 1\r\nb\r\nreplace k 0 0 1\r\nc\r\nreplace z 0 0 1\r\nc\r\nget k z\r\n",
		"append k 0 0 1\r\na\r\nset k 3 0 1\r\nb\r\nappend k 0 0 2\r\ncd\r\nprepend k 9 0 2\r\nxy\r\nget k\r\n",
		"cas k 0 0 1 5\r\na\r\nset k 0 0 1\r\na\r\ncas k 0 0 1 18446744073709551615\r\nb\r\n",
		"cas k 0 0 1\r\na\r\n",
		"cas k 0 0 1 x\r\na\r\n",
		"cas k 0 0 1 -1\r\na\r\n",
		"cas k 0 0 1 18446744073709551616\r\na\r\n",
		"cas k 0 0 1 1 noreply\r\na\r\n",
		// Too large: the data is swallowed, and set drops the old value.
		"set k 0 0 1\r\nv\r\nset k 0 0 1048517\r\n" + long(1048517) + "\r\nget k\r\n",
		"set k 0 0 1048516\r\n" + long(1048516) + "\r\nget z\r\n",
		"set k 1 0 1048513\r\n" + long(1048513) + "\r\nget z\r\n",
		"set k 0 0 1\r\nv\r\nadd k 0 0 2000000 noreply\r\n" + long(2000002) + "get k\r\n",
		// Retrieval.
		"get\r\n", "gets\r\n", "gat\r\n", "gx k\r\n", "GET k\r\n", "get\tk\r\n",
		"set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nget a b c a\r\nbget b\r\n",
		"set a 0 0 1\r\n1\r\ngat 0 a b\r\ngats 100 b\r\ngat 0\r\n",
		"gat x k\r\n",
		"get k " + strings.Repeat("x", 251) + " k\r\n",
		"set a 0 0 1\r\n1\r\nget a\x00b\r\n",
		"set a 0 0 1\r\n1\r\nget a\r\r\n",
		"get" + strings.Repeat(" k", 1500) + "\r\n",
		"set k1 0 0 1\r\n1\r\nget " + strings.Repeat("k1 ", 70) + "\r\n",
		// Delete, arithmetic, touch.
		"set k 0 0 1\r\na\r\ndelete k\r\ndelete k\r\n",
		"delete k 0\r\ndelete k 1\r\ndelete k noreply\r\ndelete k 0 noreply\r\ndelete k 1 noreply\r\n",
		"delete\r\ndelete a b c d\r\ndelete " + strings.Repeat("k", 251) + "\r\n",
		"incr k 1\r\nset k 0 0 2\r\n10\r\nincr k 5\r\ndecr k 100\r\nget k\r\nincr k 18446744073709551615\r\n",
		"set n 0 0 1\r\n5\r\nincr n 18446744073709551615\r\ndecr n 1\r\nincr n 1 noreply\r\nget n\r\n",
		"set k 0 0 1\r\na\r\nincr k 1\r\nincr k -1\r\nincr k x\r\nincr k\r\nincr k noreply\r\nincr k 18446744073709551616\r\n",
		"touch k 10\r\nset k 0 0 1\r\na\r\ntouch k 10\r\ntouch k x\r\ntouch k\r\ntouch k 0 noreply\r\n",
		// Others.
		"flush_all\r\nflush_all 0\r\nflush_all x\r\nflush_all noreply\r\nflush_all 1 2 3\r\nflush_all -1\r\nflush_all x noreply\r\n",
		"set k 0 0 1\r\na\r\nflush_all\r\nget k\r\n",
		"verbosity\r\nverbosity 0\r\nverbosity x\r\nverbosity 0 noreply\r\nverbosity 0 2\r\nverbosity 1 2 3\r\nverbosity 0\r\n",
		"version\r\nversion x\r\n",
		"\r\n", "\n", "x\r\n", "foo bar\r\n", "m\r\n",
		"quit\r\nget k\r\n",
		"set k 0 0 1\r\na\r\nquit x\r\nget k\r\n",
		// Lines without an end.
		strings.Repeat("x", 3000),
		"set k 0 0 1 " + strings.Repeat(" ", 3000),
		strings.Repeat(" ", 101) + "get" + strings.Repeat(" k", 1500),
		// Meta.
		"mn\r\nmn x y\r\n",
		"mg k\r\nmg k v\r\nmg k s v f k O123\r\nmg k k O9 q\r\n",
		"ms k 2 F7 k O1\r\nab\r\nmg k s v f t k O2\r\nmg k q\r\nmg k q v\r\n",
		"mg\r\nmx k\r\nMG k\r\nmg k zz\r\nmg k 1\r\nmg k v v\r\nmg k \x80\r\nmg k \x7f\r\n",
		"mg k Tx\r\nmg k T\r\nmg k Tx Mxx\r\nmg k Mxx Tx\r\nmg k Tx zz\r\nmg k Fx\r\nmg k Jx\r\nmg k D-1\r\nmg k Cx\r\n",
		"mg k b\r\nmg !! b\r\n",
		"mg k O" + strings.Repeat("1", 31) + "\r\nmg k O" + strings.Repeat("1", 32) + "\r\n",
		"mg k" + strings.Repeat(" v", 17) + "\r\nmg k" + strings.Repeat(" v", 18) + "\r\n",
		"mg " + strings.Repeat("k", 251) + " v\r\n",
		"mg k v\t\t\r\nms k 1\r\na\r\nmg k v\t\t\r\nmg k vXYZ\r\n",
		"ms k 2\r\nab\r\nms k 2 MS k\r\ncd\r\nms k 1 ME\r\nx\r\nms z 1 ME O5\r\nx\r\nms k 1 MA\r\ne\r\nms k 1 MP\r\nf\r\nms y 1 MA\r\ne\r\nms y 1 MR\r\ne\r\nmg k v\r\nmg z v\r\n",
		"ms k 2 q\r\nab\r\nms k 2 q O7\r\nab\r\nms k 1 q ME O8\r\na\r\n",
		"ms k\r\nms k x\r\nab\r\nms k -1\r\nab\r\n",
		"ms k 2 F-1\r\nab\r\nms k 2 Fx\r\nab\r\nms k 2 C-1\r\nab\r\nms k 2 Fx Tx\r\nab\r\nms k 2 Tx Fx\r\nab\r\n",
		"ms k 2 b\r\nab\r\nms k 2 MX\r\nab\r\nms k 2 Ms\r\nab\r\nms k 2 T1 T2\r\nab\r\nms k 2 zz\r\nab\r\n",
		"ms k 2 O" + strings.Repeat("1", 40) + "\r\nab\r\nms k 2 O" + strings.Repeat("1", 40) + " MX\r\nab\r\n",
		"ms k 2" + strings.Repeat(" O1", 17) + "\r\nab\r\n",
		"ms k 2 q\r\nabc\r\n",
		"ms k 4294967298\r\nab\r\nmg k v\r\n",
		"ms k 2000000 T0\r\n" + long(2000002) + "get k\r\n",
		"ms k 1 T0\r\nv\r\nms k 1048517\r\n" + long(1048519) + "mg k v\r\n",
		"md k\r\nms k 1\r\na\r\nmd k k O1\r\nmd k q\r\nmd k q O2\r\n",
		"md k zz\r\nmd k Tx\r\nmd k" + strings.Repeat(" q", 18) + "\r\nmd k O" + strings.Repeat("1", 33) + "\r\n",
		"ma k\r\nma k N0 J10\r\nma k v\r\nma k MD D3 v\r\nma k M- v k O3\r\nma k M+ q\r\nma k v MI\r\n",
		"ma k Mx\r\nma k Mi\r\nma k M\r\nma k MII\r\nma k D-1\r\nma k J-1\r\nms s 1\r\nx\r\nma s\r\n",
		"ma k q\r\nma k N0 q v\r\nma k O" + strings.Repeat("1", 33) + "\r\n",
		"me\r\nme " + strings.Repeat("k", 251) + "\r\nme k b\r\nme a b c d\r\n",
		// Base64 keys, memcached's lenient decoder, echoed re-encoded.
		"ms azE= 2 b k O1\r\nab\r\nmg azE= b k v s O9\r\nmg k1 v\r\n",
		"ms YW=j 2 b k\r\nab\r\nms YW\x01Jj 2 b k\r\nab\r\nms YQ==YWJj 2 b k\r\nab\r\nms YQ=x 2 b k\r\nab\r\nget a` abc a\r\n",
		"ms azE 2 b\r\nab\r\nms a=== 2 b\r\nab\r\nms YWI 2 b\r\nab\r\nms YWI== 2 b\r\nab\r\nms YQ 2 b\r\nab\r\nms ==== 2 b\r\nab\r\n",
		"md azE= b k\r\nms azE= 1 b\r\nx\r\nmd azE= b k q\r\nma YQ== b N0 J5 v k\r\nget a\r\n",
	}
	m := &mcModel{items: map[string]mcModelItem{}, version: version}
	for _, in := range cases {
		// Every case starts from an empty cache.
		if got, _ := mcExchange(t, addr, []byte("flush_all\r\n"), []byte("OK\r\n"), false); string(got) != "OK\r\n" {
			t.Fatalf("flush_all: %q", got)
		}
		clear(m.items)
		stream := []byte(in)
		want, wantClose := m.run(stream)
		if !wantClose {
			// A sentinel: its MN ends the exchange, unless it was swallowed.
			stream = append(stream, "mn\r\n"...)
			clear(m.items)
			want, wantClose = m.run(stream)
		}
		got, closed := mcExchange(t, addr, stream, want, wantClose)
		if !bytes.Equal(got, want) || closed != wantClose {
			t.Errorf("%s:\nmemcached (closed=%v):\n%s\ndarner (closed=%v):\n%s",
				mcShort(in), closed, mcShort(string(got)), wantClose, mcShort(string(want)))
		}
	}
}

func mcShort(s string) string {
	q := strconv.Quote(s)
	if len(q) > 600 {
		q = q[:300] + " ... " + q[len(q)-300:]
	}
	return q
}
