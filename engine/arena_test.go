package engine

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

func TestSizeClasses(t *testing.T) {
	prev := 0
	for c := 0; c < numClasses; c++ {
		s := int(classSize[c])
		if s <= prev {
			t.Fatalf("class %d size %d not above %d", c, s, prev)
		}
		// Rounding waste stays under 12.5% (and 4 bytes at the small end).
		if prev > 0 && s-prev > 4 && float64(s-prev)/float64(prev) > 0.125 {
			t.Fatalf("class %d: step %d -> %d too coarse", c, prev, s)
		}
		prev = s
	}
	for n := 1; n <= maxSmallRecord; n++ {
		c := sizeClass(n)
		if int(classSize[c]) < n || (c > 0 && int(classSize[c-1]) >= n) {
			t.Fatalf("sizeClass(%d) = %d (size %d)", n, c, classSize[c])
		}
	}
}

func TestArenaReuse(t *testing.T) {
	a := NewArena(-1)
	defer a.Release()
	hs := make([]Handle, 0, 1000)
	for i := 0; i < 1000; i++ {
		h := a.Alloc(48)
		b := a.Bytes(h)
		for j := range b {
			b[j] = byte(i)
		}
		hs = append(hs, h)
	}
	for i, h := range hs {
		for _, c := range a.Bytes(h) {
			if c != byte(i) {
				t.Fatalf("record %d overwritten", i)
			}
		}
	}
	touched := a.Stats().Touched
	for _, h := range hs {
		a.Free(h)
	}
	for i := 0; i < 1000; i++ {
		a.Alloc(45)
	}
	if st := a.Stats(); st.Touched != touched || st.Records != 1000 || st.Live != 1000*48 {
		t.Fatalf("freed space not reused: %+v (touched before %d)", st, touched)
	}
	big := a.Alloc(1 << 20)
	if len(a.Bytes(big)) != 1<<20 {
		t.Fatalf("large record of %d bytes", len(a.Bytes(big)))
	}
	mapped := a.Stats().Mapped
	a.Free(big)
	if a.Stats().Mapped != mapped-1<<20 {
		t.Fatal("a freed large record stays mapped")
	}
}

// Random set/overwrite/delete with varying value sizes (400k ops, at most
// 10 s):
// the arena's touched bytes (what is resident) stay within 1.35x the live
// records plus 1 MiB. (Freed records are reused by their size class; the
// excess is the per-class high-water mark of a shifting mix.)
func TestArenaFragmentation(t *testing.T) {
	db := newTestDB(t)
	r := rand.New(rand.NewPCG(7, 7))
	val := make([]byte, 16_384)
	const keys = 30_000
	deadline := time.Now().Add(10 * time.Second) // a cap for slow machines; 400k ops take ~1 s
	size := func() int {
		// Mostly small, a long tail: 1/2 under 64 B, 1/4 under 1 KB, some up to 16 KB.
		switch r.IntN(8) {
		case 0, 1, 2, 3:
			return r.IntN(64)
		case 4, 5, 6:
			return r.IntN(1024)
		default:
			return r.IntN(len(val))
		}
	}
	var ops, worstTouched, worstLive int64
	worst := 0.0
	for i := 0; i < 400_000 && (i%1024 != 0 || time.Now().Before(deadline)); i++ {
		k := []byte("key:" + strconv.Itoa(r.IntN(keys)))
		if r.IntN(4) == 0 {
			db.Delete(k, t0)
		} else {
			db.Set(k, val[:size()], 0, 0, t0)
		}
		ops++
		if i > 100_000 && i%1000 == 0 {
			st := db.Arena().Stats()
			bound := 1.35*float64(st.Live) + 1<<20
			if float64(st.Touched) > bound {
				t.Fatalf("after %d ops: touched %d bytes for %d live (bound %.0f)", i, st.Touched, st.Live, bound)
			}
			if ratio := float64(st.Touched) / float64(st.Live); ratio > worst {
				worst, worstTouched, worstLive = ratio, st.Touched, st.Live
			}
		}
	}
	if ops < 150_000 {
		t.Skipf("only %d ops in the time bound: machine too slow to judge", ops)
	}
	t.Logf("%d ops: worst touched/live = %.3f (%d / %d bytes)", ops, worst, worstTouched, worstLive)
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// An arena bound to node 0 (every Linux host has it) maps and uses memory.
func TestArenaOnNode(t *testing.T) {
	db := NewDB(DBConfig{Node: 0})
	defer db.Arena().Release()
	for i := 0; i < 5000; i++ {
		db.Set([]byte("k"+strconv.Itoa(i)), []byte("value"), 0, 0, t0)
	}
	if v, ok := db.Get([]byte("k42"), t0); !ok || string(v.Bytes) != "value" {
		t.Fatalf("GET on a node-bound arena = %q %v", v.Bytes, ok)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
