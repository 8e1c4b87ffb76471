package engine

import (
	"testing"
)

func TestRecordCommandCounters(t *testing.T) {
	s := NewShard(ShardConfig{ID: 0, NumDBs: 1, Node: -1})
	defer s.Close()
	get := Lookup([]byte("get"))
	for _, ns := range []int64{0, 999, 1000, 1999, 2000, 5_000_000, 1 << 40} {
		s.RecordCommand(get, ns, false)
	}
	st := s.Stats.Cmds[get.ID]
	want := [LatencyBuckets]uint64{0: 2, 1: 2, 2: 1, 13: 1, LatencyBuckets - 1: 1}
	if st.Hist != want || st.Calls != 7 || s.Stats.TotalCalls != 7 {
		t.Fatalf("hist %v calls %d", st.Hist, st.Calls)
	}
	s.EndCommand(get, s.BeginCommand(get), []byte("-WRONGTYPE Operation against a key\r\n"))
	s.RecordRejected(nil, []byte("-ERR unknown command"))
	s.RecordRejected(get, []byte("-NOAUTH Authentication required.\r\n"))
	for _, code := range []string{"WRONGTYPE", "ERR", "NOAUTH"} {
		if n := s.Stats.ErrorCodes[code]; n == nil || *n != 1 {
			t.Fatalf("error code %s counted %v", code, n)
		}
	}
	if st := s.Stats.Cmds[get.ID]; st.Errors != 1 || st.Rejected != 1 || st.Calls != 8 {
		t.Fatalf("get stats %+v", st)
	}
	// Error codes are bounded.
	for i := 0; i < 2*maxErrorCodes; i++ {
		s.RecordError([]byte("-X" + string(rune('A'+i%26)) + string(rune('A'+i/26)) + " boom"))
	}
	if len(s.Stats.ErrorCodes) > maxErrorCodes {
		t.Fatalf("%d error codes kept", len(s.Stats.ErrorCodes))
	}
	// Steady state: no allocation.
	reply := []byte("-ERR boom\r\n")
	if n := testing.AllocsPerRun(100, func() { s.EndCommand(get, s.BeginCommand(get), reply) }); n != 0 {
		t.Fatalf("EndCommand allocates %v", n)
	}
}

// The dispatcher's per-command cost of the counters: two monotonic clock
// reads, the counter and histogram increments.
func BenchmarkCommandAccounting(b *testing.B) {
	s := NewShard(ShardConfig{ID: 0, NumDBs: 1, Node: -1})
	defer s.Close()
	get := Lookup([]byte("get"))
	reply := []byte("$1\r\nv\r\n")
	b.ReportAllocs()
	for b.Loop() {
		s.EndCommand(get, s.BeginCommand(get), reply)
	}
}

func BenchmarkNanotime(b *testing.B) {
	for b.Loop() {
		_ = Nanotime()
	}
}

// GET run directly vs through the accounting the ring does around it.
func BenchmarkGetWithAccounting(b *testing.B) {
	for _, acct := range []bool{false, true} {
		name := "without"
		if acct {
			name = "with"
		}
		b.Run(name, func(b *testing.B) {
			l := NewLocal(1)
			defer l.Close()
			l.Do("set", "k", "v")
			get := Lookup([]byte("get"))
			args := [][]byte{[]byte("get"), []byte("k")}
			sh := l.Shards[0]
			c := &Ctx{Server: l.Server, Shard: sh, W: &l.w, Now: 1}
			b.ReportAllocs()
			for b.Loop() {
				l.w.Buf = l.w.Buf[:0]
				if acct {
					t0 := sh.BeginCommand(get)
					get.Run(c, args)
					sh.EndCommand(get, t0, l.w.Buf)
				} else {
					get.Run(c, args)
				}
			}
		})
	}
}
