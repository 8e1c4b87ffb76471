package engine

import (
	"testing"

	"github.com/darnerdb/darner/proto"
)

// GET/SET/DEL through the command table on a shard's DB, and their
// allocations.
func TestShardGetSetDel(t *testing.T) {
	s := NewShard(ShardConfig{NumDBs: 2, Node: -1})
	defer s.Close()
	w := &proto.Writer{}
	c := &Ctx{Shard: s, W: w, Now: t0}
	run := func(want string, args ...string) {
		t.Helper()
		a := make([][]byte, len(args))
		for i, x := range args {
			a[i] = []byte(x)
		}
		w.Buf = w.Buf[:0]
		Lookup(a[0]).Run(c, a)
		if string(w.Buf) != want {
			t.Fatalf("%q = %q, want %q", args, w.Buf, want)
		}
	}
	run("$-1\r\n", "GET", "k")
	run("+OK\r\n", "SET", "k", "hello")
	run("$5\r\nhello\r\n", "GET", "k")
	run("+OK\r\n", "SET", "n", "12345")
	run("$5\r\n12345\r\n", "GET", "n")
	c.DB = 1
	run("$-1\r\n", "GET", "k")
	c.DB = 0
	run(":2\r\n", "DEL", "k", "n", "missing")
	run("$-1\r\n", "GET", "k")
	s.DBs[0].SetBlob([]byte("h"), TypeHash, []byte("blob"), 0, 0, t0)
	run("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "GET", "h")

	get, set := [][]byte{[]byte("GET"), []byte("k")}, [][]byte{[]byte("SET"), []byte("k"), []byte("0123456789abcdef0123456789abcdef")}
	w.Buf = make([]byte, 0, 1024)
	n := testing.AllocsPerRun(1000, func() {
		w.Buf = w.Buf[:0]
		Lookup(set[0]).Run(c, set)
		Lookup(get[0]).Run(c, get)
	})
	if n != 0 {
		t.Fatalf("SET+GET through the table: %.1f allocs/op", n)
	}
}

func TestShardTickExpires(t *testing.T) {
	s := NewShard(ShardConfig{NumDBs: 3, Node: -1})
	defer s.Close()
	for db := 0; db < 3; db++ {
		for i := 0; i < 1000; i++ {
			s.DBs[db].Set([]byte{byte(i), byte(i >> 8)}, []byte("v"), t0+10, 0, t0)
		}
	}
	for tick := 0; tick < 10 && s.Keys() > 0; tick++ {
		s.Tick(t0 + 100 + int64(tick)*100)
	}
	if s.Keys() != 0 {
		t.Fatalf("%d expired keys left after 10 ticks", s.Keys())
	}
	if s.UsedBytes() != 3*s.DBs[0].TableBytes() {
		t.Fatalf("UsedBytes %d with only empty tables", s.UsedBytes())
	}
}

func TestShardEvict(t *testing.T) {
	s := NewShard(ShardConfig{NumDBs: 4, Node: -1})
	defer s.Close()
	for db := 0; db < 4; db += 2 {
		for i := 0; i < 2000; i++ {
			s.DBs[db].Set([]byte{byte(i), byte(i >> 8)}, make([]byte, 100), 0, 0, t0)
		}
	}
	before := s.UsedBytes()
	freed := s.Evict(100_000, t0)
	if freed < 100_000 || before-s.UsedBytes() < 90_000 {
		t.Fatalf("Evict freed %d, UsedBytes fell by %d", freed, before-s.UsedBytes())
	}
	if s.DBs[0].Len() == 2000 || s.DBs[2].Len() == 2000 {
		t.Fatalf("eviction took from one database only: %d and %d keys left", s.DBs[0].Len(), s.DBs[2].Len())
	}
	s.Evict(1<<40, t0)
	if s.Keys() != 0 {
		t.Fatalf("%d keys left after evicting everything", s.Keys())
	}
}
