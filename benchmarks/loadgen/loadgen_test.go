package loadgen

import (
	"bufio"
	"context"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAppendKeyName(t *testing.T) {
	f := func(s KeyStyle, prefix string, i int, want string) {
		t.Helper()
		if got := string(AppendKeyName(nil, s, prefix, i)); got != want {
			t.Fatalf("AppendKeyName(%s,%q,%d) = %q, want %q", s, prefix, i, got, want)
		}
	}
	f(KeyPadded, "key:", 0, "key:000000000000")
	f(KeyPadded, "key:", 12345, "key:000000012345")
	f(KeyPadded, "", 999999999999, "999999999999")
	f(KeyPlain, "memtier-", 0, "memtier-1")
	f(KeyPlain, "key:", 99999, "key:100000")
}

func TestParseOpAndEncode(t *testing.T) {
	f := func(tmpl string, proto Protocol, want string) {
		t.Helper()
		op, err := ParseOp(1, tmpl)
		if err != nil {
			t.Fatalf("ParseOp(%q): %v", tmpl, err)
		}
		e := encoder{proto: proto, style: KeyPadded, value: []byte("vv")}
		// a bound of 1 makes every random choice 0, so output is fixed
		got := string(e.appendOp(nil, &op, rand.New(rand.NewPCG(1, 1))))
		if got != want {
			t.Fatalf("%q encodes as %q, want %q", tmpl, got, want)
		}
	}
	f("GET {key:k:1}", RESP, "*2\r\n$3\r\nGET\r\n$13\r\nk000000000000\r\n")
	f("SET {key:k:1} {data}", RESP, "*3\r\n$3\r\nSET\r\n$13\r\nk000000000000\r\n$2\r\nvv\r\n")
	f("ZADD {key:z:1} {rand::1} {rand:m:1}", RESP, "*4\r\n$4\r\nZADD\r\n$13\r\nz000000000000\r\n$1\r\n0\r\n$2\r\nm0\r\n")
	f("PING", RESP, "*1\r\n$4\r\nPING\r\n")
	f("set {key:k:1} {data}", Memcache, "set k000000000000 0 0 2\r\nvv\r\n")
	f("get {key:k:1}", Memcache, "get k000000000000\r\n")

	bad := func(tmpl string, w int) {
		t.Helper()
		if _, err := ParseOp(w, tmpl); err == nil {
			t.Fatalf("ParseOp(%q, %d) accepted", tmpl, w)
		}
	}
	bad("", 1)
	bad("GET {key:k}", 1)
	bad("GET {key:k:0}", 1)
	bad("GET {key:k:x}", 1)
	bad("GET", 0)
}

func TestOpString(t *testing.T) {
	op, _ := ParseOp(1, "SET {key:key::100} {data}")
	if got := op.String(); got != "SET key:<key<100> <data>" || op.Name() != "SET" {
		t.Fatalf("String %q Name %q", got, op.Name())
	}
}

func TestPickerHonoursWeights(t *testing.T) {
	ops := []Op{{Weight: 1, Args: []Arg{{Text: "SET"}}}, {Weight: 10, Args: []Arg{{Text: "GET"}}}}
	p := newPicker(ops)
	r := rand.New(rand.NewPCG(5, 6))
	var n [2]int
	for range 110000 {
		n[p.pick(r)]++
	}
	if n[0] < 9000 || n[0] > 11000 {
		t.Fatalf("1:10 mix picked %v", n)
	}
}

func TestSkipRESP(t *testing.T) {
	f := func(in string, wantErr bool, wantMsg string, rest string) {
		t.Helper()
		r := bufio.NewReader(strings.NewReader(in))
		isErr, msg, err := skipRESP(r)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if isErr != wantErr || string(msg) != wantMsg {
			t.Fatalf("%q: isErr=%v msg=%q", in, isErr, msg)
		}
		left := make([]byte, 100)
		n, _ := r.Read(left)
		if string(left[:n]) != rest {
			t.Fatalf("%q: left %q, want %q", in, left[:n], rest)
		}
	}
	f("+OK\r\nX", false, "", "X")
	f("-ERR unknown command 'FOO'\r\n", true, "ERR unknown command 'FOO'", "")
	f(":42\r\n+NEXT\r\n", false, "", "+NEXT\r\n")
	f("$5\r\nhello\r\nX", false, "", "X")
	f("$-1\r\nX", false, "", "X")
	f("*3\r\n$1\r\na\r\n$-1\r\n*1\r\n:1\r\nX", false, "", "X")
	f("*-1\r\nX", false, "", "X")
	f("%1\r\n+k\r\n+v\r\nX", false, "", "X")
	f("_\r\nX", false, "", "X")

	bad := func(in string) {
		t.Helper()
		if _, _, err := skipRESP(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Fatalf("%q accepted", in)
		}
	}
	bad("OK\r\n")
	bad("$-2\r\n")
	bad("$99999999999\r\n")
	bad("*x\r\n")
	bad("+OK\n")
	bad("$5\r\nhel")
}

func TestSkipMemcache(t *testing.T) {
	f := func(in string, wantErr bool, rest string) {
		t.Helper()
		r := bufio.NewReader(strings.NewReader(in))
		isErr, _, err := skipMemcache(r)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if isErr != wantErr {
			t.Fatalf("%q: isErr=%v", in, isErr)
		}
		left := make([]byte, 100)
		n, _ := r.Read(left)
		if string(left[:n]) != rest {
			t.Fatalf("%q: left %q", in, left[:n])
		}
	}
	f("STORED\r\nX", false, "X")
	f("END\r\nX", false, "X")
	f("VALUE k 0 5\r\nhello\r\nEND\r\nX", false, "X")
	f("VALUE a 0 1\r\nx\r\nVALUE b 3 2\r\nyz\r\nEND\r\n", false, "")
	f("ERROR\r\n", true, "")
	f("SERVER_ERROR out of memory\r\n", true, "")
	if _, _, err := skipMemcache(bufio.NewReader(strings.NewReader("VALUE k 0\r\n"))); err == nil {
		t.Fatal("short VALUE line accepted")
	}
	if _, _, err := skipMemcache(bufio.NewReader(strings.NewReader("WHAT\r\n"))); err == nil {
		t.Fatal("unknown line accepted")
	}
}

func TestInfoFieldAndUnsupported(t *testing.T) {
	info := "# Memory\r\nused_memory:12345\r\nused_memory_human:12K\r\n"
	if InfoField(info, "used_memory") != "12345" || InfoField(info, "nope") != "" {
		t.Fatal("InfoField")
	}
	if !Unsupported("ERR unknown command 'ZADD', with args beginning with: ") || !Unsupported("ERROR") ||
		Unsupported("WRONGTYPE Operation against a key holding the wrong kind of value") {
		t.Fatal("Unsupported")
	}
}

// fakeServer is a minimal in-process RESP server for the tests: GET
// answers a 3-byte bulk, FOO an unknown-command error, anything else +OK.
type fakeServer struct {
	ln       net.Listener
	requests atomic.Int64
	wg       sync.WaitGroup
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *fakeServer) serve(c net.Conn) {
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		var args []string
		for range n {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			m, _ := strconv.Atoi(strings.TrimSpace(l[1:]))
			b := make([]byte, m+2)
			if _, err := ioReadFull(r, b); err != nil {
				return
			}
			args = append(args, string(b[:m]))
		}
		s.requests.Add(1)
		switch strings.ToUpper(args[0]) {
		case "GET":
			w.WriteString("$3\r\nabc\r\n")
		case "FOO":
			w.WriteString("-ERR unknown command 'FOO'\r\n")
		case "INFO":
			w.WriteString("$16\r\nused_memory:100\r\n\r\n")
		default:
			w.WriteString("+OK\r\n")
		}
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}

func TestRunAgainstFakeServer(t *testing.T) {
	s := newFakeServer(t)
	set, _ := ParseOp(1, "SET {key:key:100} {data}")
	get, _ := ParseOp(10, "GET {key:key:100}")
	cfg := Config{Addr: s.ln.Addr().String(), Protocol: RESP, KeyStyle: KeyPadded, Ops: []Op{set, get},
		ValueSize: 32, Conns: 4, Pipeline: 8, Duration: 5 * time.Second, MaxOps: 20000, Seed: 1}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops < 20000 || res.Ops > 20000+4*8 {
		t.Fatalf("ops %d, want MaxOps 20000 (+ at most one batch per connection)", res.Ops)
	}
	if res.Ops != uint64(s.requests.Load()) {
		t.Fatalf("client counted %d replies, server answered %d", res.Ops, s.requests.Load())
	}
	if res.Errors != 0 || res.ConnErrors != 0 {
		t.Fatalf("errors %d conn errors %d: %s", res.Errors, res.ConnErrors, res.FirstError)
	}
	if res.PerOp[0].Count+res.PerOp[1].Count != res.Ops || res.PerOp[0].Count*5 > res.PerOp[1].Count {
		t.Fatalf("mix %v", res.PerOp)
	}
	if !(res.MinMs <= res.P50Ms && res.P50Ms <= res.P99Ms && res.P99Ms <= res.P999Ms && res.P999Ms <= res.MaxMs) || res.OpsPerSec <= 0 {
		t.Fatalf("inconsistent result %+v", res)
	}
}

func TestRunStopsAtDurationAndCountsErrors(t *testing.T) {
	s := newFakeServer(t)
	foo, _ := ParseOp(1, "FOO {key:k:10}")
	start := time.Now()
	res, err := Run(context.Background(), Config{Addr: s.ln.Addr().String(), Ops: []Op{foo}, Conns: 2,
		Pipeline: 1, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("run took %v, bound was 200ms", el)
	}
	if res.Ops == 0 || res.Errors != res.Ops || !Unsupported(res.FirstError) {
		t.Fatalf("ops %d errors %d first %q", res.Ops, res.Errors, res.FirstError)
	}
}

func TestRunDialFailure(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	op, _ := ParseOp(1, "PING")
	if _, err := Run(context.Background(), Config{Addr: addr, Ops: []Op{op}, Duration: time.Second}); err == nil {
		t.Fatal("Run on a closed port succeeded")
	}
}

func TestFillAndClient(t *testing.T) {
	s := newFakeServer(t)
	addr := s.ln.Addr().String()
	st, err := Fill(context.Background(), addr, RESP, 1000, 3, 64, 10*time.Second, func(dst []byte, i int) []byte {
		return AppendRESP(dst, [][]byte{[]byte("SET"), AppendKeyName(nil, KeyPadded, "key:", i), []byte("v")})
	})
	if err != nil || st.Requests != 1000 || st.Errors != 0 {
		t.Fatalf("fill: %+v %v", st, err)
	}
	if s.requests.Load() != 1000 {
		t.Fatalf("server saw %d requests", s.requests.Load())
	}
	c, err := Dial(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Do("GET", "k"); err != nil || r.Kind != '$' || r.Str != "abc" {
		t.Fatalf("GET: %+v %v", r, err)
	}
	if r, err := c.Do("FOO"); err != nil || !r.IsErr() || !Unsupported(r.Str) {
		t.Fatalf("FOO: %+v %v", r, err)
	}
	if r, err := c.Do("INFO", "memory"); err != nil || InfoField(r.Str, "used_memory") != "100" {
		t.Fatalf("INFO: %+v %v", r, err)
	}
}

func TestProbe(t *testing.T) {
	s := newFakeServer(t)
	set, _ := ParseOp(1, "SET {key:k:10} {data}")
	foo, _ := ParseOp(1, "FOO {key:k:10}")
	if msg, err := Probe(s.ln.Addr().String(), RESP, KeyPadded, []Op{set}, 8); err != nil || msg != "" {
		t.Fatalf("SET probe: %q %v", msg, err)
	}
	if msg, err := Probe(s.ln.Addr().String(), RESP, KeyPadded, []Op{set, foo}, 8); err != nil || !Unsupported(msg) {
		t.Fatalf("FOO probe: %q %v", msg, err)
	}
}
