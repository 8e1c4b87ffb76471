package engine

import (
	"math/rand/v2"
	"testing"
)

func entry(global bool, keys ...TxKey) *TxEntry { return &TxEntry{Keys: keys, Global: global} }

func k(h uint64, excl bool) TxKey { return TxKey{Hash: h, Exclusive: excl} }

func TestLockTableVLL(t *testing.T) {
	lt := NewLockTable()
	if !lt.IsFree(1, true) {
		t.Fatal("empty table: key not free")
	}
	a := entry(false, k(1, true), k(2, false))
	if !lt.Add(a) {
		t.Fatal("first entry blocked")
	}
	if lt.IsFree(1, false) || lt.IsFree(2, true) || !lt.IsFree(2, false) || !lt.IsFree(3, true) {
		t.Fatal("IsFree disagrees with a's locks")
	}
	b := entry(false, k(2, false), k(3, true)) // shares 2 with a: free
	if !lt.Add(b) {
		t.Fatal("shared lock on a shared key blocked")
	}
	c := entry(false, k(1, false)) // conflicts with a
	if lt.Add(c) || lt.Runnable(c) {
		t.Fatal("conflicting entry runnable")
	}
	g := entry(true)
	if lt.Add(g) || lt.Runnable(g) {
		t.Fatal("global entry behind others runnable")
	}
	d := entry(false, k(9, true)) // behind a global: blocked
	if lt.Add(d) {
		t.Fatal("entry behind a global entry free")
	}
	if next := lt.Release(b); next != nil {
		t.Fatalf("releasing a non-head entry woke %v", next)
	}
	if next := lt.Release(a); next != c {
		t.Fatalf("releasing the head woke %v, want c", next)
	}
	if next := lt.Release(c); next != g {
		t.Fatal("c's release did not wake the global entry")
	}
	if next := lt.Release(g); next != d {
		t.Fatal("g's release did not wake d")
	}
	if next := lt.Release(d); next != nil || !lt.Empty() || len(lt.locks) != 0 {
		t.Fatalf("table not empty after every release: %d entries, %d locks", lt.Len(), len(lt.locks))
	}
}

// TestLockTableRandom: random adds and releases of runnable entries never
// let two runnable entries conflict, and the table drains to empty.
func TestLockTableRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lt := NewLockTable()
	var live []*TxEntry
	conflict := func(a, b *TxEntry) bool {
		if a.Global || b.Global {
			return true
		}
		for _, x := range a.Keys {
			for _, y := range b.Keys {
				if x.Hash == y.Hash && (x.Exclusive || y.Exclusive) {
					return true
				}
			}
		}
		return false
	}
	for step := 0; step < 20000; step++ {
		if len(live) < 8 && rng.IntN(2) == 0 {
			e := &TxEntry{Global: rng.IntN(40) == 0}
			for n := rng.IntN(3) + 1; n > 0 && !e.Global; n-- {
				e.Keys = append(e.Keys, k(uint64(rng.IntN(6)), rng.IntN(2) == 0))
			}
			lt.Add(e)
			live = append(live, e)
		} else if len(live) > 0 {
			var run []*TxEntry
			for _, e := range live {
				if lt.Runnable(e) {
					run = append(run, e)
				}
			}
			for i := range run {
				for j := i + 1; j < len(run); j++ {
					if conflict(run[i], run[j]) {
						t.Fatalf("step %d: two conflicting entries runnable", step)
					}
				}
			}
			if len(run) == 0 {
				t.Fatalf("step %d: %d entries, none runnable (deadlock)", step, len(live))
			}
			e := run[rng.IntN(len(run))]
			lt.Release(e)
			for i, x := range live {
				if x == e {
					live = append(live[:i], live[i+1:]...)
					break
				}
			}
		}
	}
	for len(live) > 0 {
		for i, e := range live {
			if lt.Runnable(e) {
				lt.Release(e)
				live = append(live[:i], live[i+1:]...)
				break
			}
		}
	}
	if !lt.Empty() || len(lt.locks) != 0 {
		t.Fatal("table not empty")
	}
}

// TestLockTableReuse: an entry released before the head of the queue
// may be added again (the runtime pools them) while its old slot is still
// queued; the old slot counts as finished and the new one queues anew.
func TestLockTableReuse(t *testing.T) {
	lt := NewLockTable()
	k1 := TxKey{Hash: 1, Exclusive: true}
	k2 := TxKey{Hash: 2, Exclusive: true}
	e1, e2 := entry(false, k1), entry(false, k2)
	if !lt.Add(e1) || !lt.Add(e2) {
		t.Fatal("disjoint entries should be free")
	}
	if next := lt.Release(e2); next != nil {
		t.Fatalf("release of a free entry returned %v", next)
	}
	e2.Keys = []TxKey{k1}
	if lt.Add(e2) {
		t.Fatal("reused entry on k1 should be blocked behind e1")
	}
	if lt.Runnable(e2) || lt.Len() != 3 {
		t.Fatalf("runnable %v, len %d", lt.Runnable(e2), lt.Len())
	}
	if next := lt.Release(e1); next != e2 {
		t.Fatalf("release of e1 returned %v, want the reused e2", next)
	}
	if !lt.Runnable(e2) || lt.Len() != 1 {
		t.Fatalf("runnable %v, len %d", lt.Runnable(e2), lt.Len())
	}
	if next := lt.Release(e2); next != nil || !lt.Empty() {
		t.Fatalf("release of e2: %v, empty %v", next, lt.Empty())
	}
}
