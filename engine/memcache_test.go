package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/darnerdb/darner/proto"
)

// mcLocal runs memcached requests against an engine.Local the way the
// ring's memcached loop does: parts on the key's shard, flush_all and
// stats through their Tx planners.
type mcLocal struct {
	l   *Local
	p   proto.MCParser
	req MCRequest
	w   proto.Writer
	now int64
}

func newMCLocal(shards int) *mcLocal {
	m := &mcLocal{l: NewLocal(shards), now: 1_800_000_000_000}
	m.l.Now = func() int64 { return m.now }
	return m
}

func (m *mcLocal) part(shard int, cmd *Command, args [][]byte) {
	c := &Ctx{Server: m.l.Server, Shard: m.l.Shards[shard], W: &m.w, Now: m.now}
	cmd.Run(c, args)
}

// do runs every request in s ("\n" becomes CRLF) and returns the replies.
func (m *mcLocal) do(t *testing.T, s string) string {
	if t != nil {
		t.Helper()
	}
	buf := []byte(strings.ReplaceAll(s, "\n", "\r\n"))
	m.w.Buf = m.w.Buf[:0]
	n := len(m.l.Shards)
	for len(buf) > 0 {
		k, cmd, err := m.p.Parse(buf)
		if err != nil {
			e := err.(*proto.MCError)
			m.w.Buf = append(m.w.Buf, e.Reply...)
			buf = buf[k:]
			continue
		}
		if k == 0 {
			if t == nil {
				break // fuzzing: the rest is an incomplete request
			}
			t.Fatalf("incomplete request %q", buf)
		}
		raw := buf[:k]
		buf = buf[k:]
		if cmd == nil {
			continue
		}
		switch cmd.Kind {
		case proto.MCGet, proto.MCGets, proto.MCGat, proto.MCGats:
			for i, key := range cmd.Keys {
				m.part(ShardOf(key, n), MCKeyCommand, m.req.Key(cmd, i, i == len(cmd.Keys)-1))
			}
		case proto.MCFlushAll:
			tx := NewTx(m.l.Server, n, 0, m.now, false)
			MCFlushAllTx(tx, cmd.Exptime, cmd.NoReply)
			m.runTx(tx)
		case proto.MCStats:
			tx := NewTx(m.l.Server, n, 0, m.now, false)
			MCStatsTx(tx, cmd.Args, MCServerInfo{Threads: n, MaxItemSize: 1 << 20})
			m.runTx(tx)
		default:
			m.part(ShardOf(cmd.Key, n), MCKeyCommand, m.req.Single(cmd, raw, false))
		}
	}
	return string(m.w.Buf)
}

func (m *mcLocal) runTx(tx *Tx) {
	saved := m.l.w.Buf
	m.l.w.Buf = m.w.Buf
	m.l.RunTx(tx)
	m.w.Buf = m.l.w.Buf
	m.l.w.Buf = saved
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestMemcacheEngine(t *testing.T) {
	for _, shards := range []int{1, 3} {
		t.Run(fmt.Sprint("shards=", shards), func(t *testing.T) {
			m := newMCLocal(shards)
			defer m.l.Close()
			f := func(req, want string) {
				t.Helper()
				if got := m.do(t, req); got != crlf(want) {
					t.Fatalf("%q:\n got %q\nwant %q", req, got, crlf(want))
				}
			}
			f("set a 5 0 3\nabc\nget a\n", "STORED\nVALUE a 5 3\nabc\nEND\n")
			f("set n 1 0 2\n10\ndecr n 1\nget n\nincr n 200\nget n\n", "STORED\n9\nVALUE n 1 2\n9 \nEND\n209\nVALUE n 1 3\n209\nEND\n")
			// Keys over every shard, one reply in key order.
			var set, get, want strings.Builder
			get.WriteString("get")
			for i := 0; i < 30; i++ {
				fmt.Fprintf(&set, "set k%d %d 0 1 noreply\n%d\n", i, i, i%10)
				fmt.Fprintf(&get, " k%d", i)
				fmt.Fprintf(&want, "VALUE k%d %d 1\n%d\n", i, i, i%10)
			}
			f(set.String(), "")
			f(get.String()+"\n", want.String()+"END\n")
			// Expiry: relative, negative, absolute.
			f("set e 0 10 1\nx\nset g 0 -1 1\nx\nget e g\n", "STORED\nSTORED\nVALUE e 0 1\nx\nEND\n")
			m.now += 10_000
			f("get e\n", "END\n")
			f(fmt.Sprintf("set abs 0 %d 1\nx\nget abs\n", m.now/1000+5), "STORED\nVALUE abs 0 1\nx\nEND\n")
			m.now += 5_000
			f("get abs\n", "END\n")
			// Stats summed over the shards through the tx.
			out := m.do(t, "stats\n")
			for _, s := range []string{"STAT curr_items 32\r\n", "STAT cmd_get 38\r\n", fmt.Sprintf("STAT threads %d\r\n", shards)} {
				if !strings.Contains(out, s) {
					t.Fatalf("stats lacks %q:\n%s", s, out)
				}
			}
			// flush_all: every shard, now and delayed.
			f("flush_all\nget a k1 k2 n\n", "OK\nEND\n")
			f("set a 0 0 1\na\nflush_all 2\nget a\n", "STORED\nOK\nVALUE a 0 1\na\nEND\n")
			m.now += 2_000
			f("get a\n", "END\n")
			for _, sh := range m.l.Shards {
				if err := sh.DBs[0].Check(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestMemcacheRecord: flags and CAS live in the record; RESP writes drop
// them, deadline changes keep them, the dashtable stays consistent.
func TestMemcacheRecord(t *testing.T) {
	m := newMCLocal(1)
	defer m.l.Close()
	db := m.l.Shards[0].DBs[0]
	now := m.now
	f := func(req, want string) {
		t.Helper()
		if got := m.do(t, req); got != crlf(want) {
			t.Fatalf("%q:\n got %q\nwant %q", req, got, crlf(want))
		}
	}
	f("set a 7 0 5\nhello\ngets a\n", "STORED\nVALUE a 7 5 1\nhello\nEND\n")
	// A deadline added and removed over RESP keeps flags and CAS.
	if !db.Expire([]byte("a"), now+100_000, now) {
		t.Fatal("expire")
	}
	f("gets a\nmg a t f c\n", "VALUE a 7 5 1\nhello\nEND\nHD t100 f7 c1\n")
	db.Persist([]byte("a"), now)
	f("gets a\n", "VALUE a 7 5 1\nhello\nEND\n")
	// A RESP write drops them; the next gets hands out a fresh CAS.
	db.Set([]byte("a"), []byte("world"), 0, 0, now)
	f("get a\ngets a\ngets a\n", "VALUE a 0 5\nworld\nEND\nVALUE a 0 5 2\nworld\nEND\nVALUE a 0 5 2\nworld\nEND\n")
	if v, ok := db.Get([]byte("a"), now); !ok || string(v.Bytes) != "world" || v.Type != TypeString {
		t.Fatalf("GET after gets: %+v %v", v, ok)
	}
	// Integers are stored as integers and read back over both protocols.
	f("set i 3 0 3\n123\n", "STORED\n")
	if v, ok := db.Get([]byte("i"), now); !ok || v.Enc != EncInt || v.Int != 123 {
		t.Fatalf("integer item: %+v", v)
	}
	db.Set([]byte("j"), []byte("41"), 0, 0, now)
	f("incr j 1\nget i j\n", "42\nVALUE i 3 3\n123\nVALUE j 0 2\n42\nEND\n")
	// cas on a RESP-written key is refused until a gets gave it a CAS.
	db.Set([]byte("c"), []byte("v"), 0, 0, now)
	f("cas c 0 0 1 0\nw\n", "EXISTS\n")
	// A collection is a miss for reads and refuses arithmetic.
	db.SetBlob([]byte("h"), TypeHash, []byte("blob"), 0, 0, now)
	f("get h\nmg h v N30\nincr h 1\nappend h 0 0 1\nx\n", "END\nEN\nCLIENT_ERROR cannot increment or decrement non-numeric value\nNOT_STORED\n")
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	// Memory is accounted: deleting every item returns the data bytes.
	f("flush_all\n", "OK\n")
	if db.DataBytes() != 0 || db.Len() != 0 {
		t.Fatalf("after flush: %d bytes %d keys", db.DataBytes(), db.Len())
	}
}

// TestMemcacheCASUnique: CAS uniques from different shards never collide.
func TestMemcacheCASUnique(t *testing.T) {
	m := newMCLocal(4)
	defer m.l.Close()
	seen := map[string]bool{}
	for i := 0; i < 400; i++ {
		out := m.do(t, fmt.Sprintf("ms k%d 1 c\nx\n", i))
		if seen[out] {
			t.Fatalf("CAS reply %q seen twice", out)
		}
		seen[out] = true
	}
}

func TestMemcacheGetAllocs(t *testing.T) {
	m := newMCLocal(1)
	defer m.l.Close()
	m.do(t, "set key 1 0 5\nvalue\n")
	var p proto.MCParser
	_, cmd, _ := p.Parse([]byte("get key\r\n"))
	var req MCRequest
	args := req.Key(cmd, 0, true)
	w := &proto.Writer{Buf: make([]byte, 0, 256)}
	c := &Ctx{Server: m.l.Server, Shard: m.l.Shards[0], W: w, Now: m.now}
	if n := testing.AllocsPerRun(200, func() {
		w.Buf = w.Buf[:0]
		mcRun(c, args)
	}); n != 0 {
		t.Fatalf("get allocates %.1f times", n)
	}
	_, cmd, _ = p.Parse([]byte("set key 1 0 5\r\nvalue\r\n"))
	args = req.Single(cmd, nil, false)
	if n := testing.AllocsPerRun(200, func() {
		w.Buf = w.Buf[:0]
		mcRun(c, args)
	}); n != 0 {
		t.Fatalf("set allocates %.1f times", n)
	}
}

func BenchmarkMemcacheGet(b *testing.B) {
	m := newMCLocal(1)
	defer m.l.Close()
	var p proto.MCParser
	for i := 0; i < 1000; i++ {
		p.Parse([]byte(fmt.Sprintf("set key:%d 0 0 32\r\n%032d\r\n", i, i)))
	}
	m.do(nil, "")
	for i := 0; i < 1000; i++ {
		m.do(nil, fmt.Sprintf("set key:%d 0 0 32\n%032d\n", i, i))
	}
	_, cmd, _ := p.Parse([]byte("get key:500\r\n"))
	var req MCRequest
	args := req.Key(cmd, 0, true)
	w := &proto.Writer{Buf: make([]byte, 0, 256)}
	c := &Ctx{Server: m.l.Server, Shard: m.l.Shards[0], W: w, Now: m.now}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		mcRun(c, args)
	}
}

func BenchmarkMemcacheSet(b *testing.B) {
	m := newMCLocal(1)
	defer m.l.Close()
	var p proto.MCParser
	_, cmd, _ := p.Parse([]byte("set key:500 0 0 32\r\n01234567890123456789012345678901\r\n"))
	var req MCRequest
	args := req.Single(cmd, nil, false)
	w := &proto.Writer{Buf: make([]byte, 0, 256)}
	c := &Ctx{Server: m.l.Server, Shard: m.l.Shards[0], W: w, Now: m.now}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		mcRun(c, args)
	}
}

func BenchmarkMemcacheRespSetForComparison(b *testing.B) {
	db := NewDB(DBConfig{Node: -1})
	key, val := []byte("key:500"), []byte("01234567890123456789012345678901")
	b.ReportAllocs()
	for b.Loop() {
		db.Set(key, val, 0, 0, 1)
	}
}

// FuzzMemcacheEngine runs arbitrary request streams through the handlers
// on three shards and checks every dashtable afterwards.
func FuzzMemcacheEngine(f *testing.F) {
	for _, s := range []string{
		"set a 1 0 1\nx\nget a b\n", "incr a 1\ndecr a 99\n", "mg a v c t N30 T-1 s f h k O1\n",
		"ms a 2 MA I C5 E7 T1\nxx\nmd a I T5 x q\nma a N0 J9 MD v\n", "gat -1 a\ngets a\ntouch a 1\n",
		"flush_all 1\nstats\nstats items\n", "cas a 0 0 1 1\nz\nappend a 0 0 1\nq\n", "me a\nmn\n",
		"ms Zm9v 1 b\nx\nmg Zm9v b v k\n", "set a 0 0 20\n18446744073709551615\nincr a 5\n",
	} {
		f.Add(s)
	}
	m := newMCLocal(3) // reused: creating shards costs more than a run
	f.Cleanup(m.l.Close)
	f.Fuzz(func(t *testing.T, s string) {
		m.p.Reset()
		m.do(nil, "flush_all\n")
		m.do(nil, s)
		m.now += 1500
		m.do(nil, s)
		for _, sh := range m.l.Shards {
			if err := sh.DBs[0].Check(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// BenchmarkMemcacheMemory reports the bytes one memcached item costs in
// the keyspace (record with its flags/CAS trailer, plus the table's share)
// for 100k items with 16-byte keys and 32-byte values.
func BenchmarkMemcacheMemory(b *testing.B) {
	for b.Loop() {
		db := NewDB(DBConfig{Node: -1})
		val := []byte("01234567890123456789012345678901")
		const n = 100_000
		for i := 0; i < n; i++ {
			db.mcStore([]byte(fmt.Sprintf("key:%012d", i)), val, 7, uint64(i+1), 0, 1, nil)
		}
		b.ReportMetric(float64(db.UsedBytes())/n, "bytes/item")
		plain := NewDB(DBConfig{Node: -1})
		for i := 0; i < n; i++ {
			plain.Set([]byte(fmt.Sprintf("key:%012d", i)), val, 0, 0, 1)
		}
		b.ReportMetric(float64(plain.UsedBytes())/n, "bytes/RESP-key")
		db.Arena().Release()
		plain.Arena().Release()
	}
}
