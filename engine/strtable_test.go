package engine

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// checkStrTable verifies t's invariants: every entry is findable from its
// home through occupied slots, count, live bytes and MemBytes agree with
// a recount.
func checkStrTable(t *strTable) error {
	n := 0
	var live int64
	mask := len(t.slots) - 1
	for i, s := range t.slots {
		if s == 0 {
			continue
		}
		n++
		k := t.key(s)
		h := stHash(k)
		if (s>>stTagShift)&stTagMask != stTag(h) {
			return fmt.Errorf("slot %d: tag mismatch for %q", i, k)
		}
		if t.home(s) != int(h>>t.shift) {
			return fmt.Errorf("slot %d: home %d, want %d", i, t.home(s), h>>t.shift)
		}
		for j := int(h >> t.shift); j != i; j = (j + 1) & mask {
			if t.slots[j] == 0 {
				return fmt.Errorf("slot %d (%q): empty slot %d between home and entry", i, k, j)
			}
		}
		if got := t.find(k, h); got != i {
			return fmt.Errorf("find(%q) = %d, want %d", k, got, i)
		}
		if el := t.entryLen(s); el <= stBigEntry {
			live += int64(el)
		}
	}
	if n != t.count {
		return fmt.Errorf("count %d, counted %d", t.count, n)
	}
	if live != t.live {
		return fmt.Errorf("live %d, counted %d", t.live, live)
	}
	mem := int64(stFixedCost) + 8*int64(len(t.slots)) + 24*int64(cap(t.chunks))
	for _, c := range t.chunks {
		mem += int64(cap(c))
	}
	if mem != t.mem {
		return fmt.Errorf("mem %d, counted %d", t.mem, mem)
	}
	if t.count*5 > len(t.slots)*4 {
		return fmt.Errorf("load %d/%d above 0.8", t.count, len(t.slots))
	}
	return nil
}

func stRandKey(r *rand.Rand) string {
	switch r.Intn(20) {
	case 0:
		return strings.Repeat("B", stBigEntry+r.Intn(100)) + fmt.Sprint(r.Intn(4)) // own chunk
	case 1:
		return ""
	}
	return fmt.Sprintf("k%d", r.Intn(3000))
}

func stRandVal(r *rand.Rand) string {
	switch r.Intn(30) {
	case 0:
		return strings.Repeat("V", stBigEntry+1+r.Intn(50))
	case 1:
		return ""
	}
	return strings.Repeat("v", r.Intn(40))
}

// TestStrTableModel drives sets and hashes with random operations against
// a Go map, checking the invariants after every step.
func TestStrTableModel(t *testing.T) {
	for _, pairs := range []bool{false, true} {
		for seed := int64(1); seed <= 3; seed++ {
			r := rand.New(rand.NewSource(seed))
			tb := newStrTable(pairs, 0)
			model := map[string]string{}
			for step := 0; step < 6000; step++ {
				k := stRandKey(r)
				switch op := r.Intn(10); {
				case op < 5:
					v := stRandVal(r)
					var isNew bool
					if pairs {
						isNew = tb.Set([]byte(k), []byte(v))
					} else {
						isNew, v = tb.Add([]byte(k)), ""
					}
					_, had := model[k]
					if isNew == had {
						t.Fatalf("seed %d step %d: add %q new=%v, model had=%v", seed, step, k, isNew, had)
					}
					if pairs || !had {
						model[k] = v
					}
				case op < 8:
					_, had := model[k]
					if got := tb.Remove([]byte(k)); got != had {
						t.Fatalf("seed %d step %d: remove %q = %v, want %v", seed, step, k, got, had)
					}
					delete(model, k)
				case op < 9 && len(model) > 0:
					i := tb.randomSlot()
					if _, ok := model[string(tb.key(tb.slots[i]))]; !ok {
						t.Fatalf("random slot holds unknown key")
					}
				default:
					want, had := model[k]
					if pairs {
						v, ok := tb.Get([]byte(k))
						if ok != had || string(v) != want {
							t.Fatalf("seed %d step %d: get %q = %q,%v want %q,%v", seed, step, k, v, ok, want, had)
						}
					} else if tb.Has([]byte(k)) != had {
						t.Fatalf("has %q wrong", k)
					}
				}
				if step%50 == 0 || step > 5900 {
					if err := checkStrTable(tb); err != nil {
						t.Fatalf("seed %d step %d: %v", seed, step, err)
					}
				}
			}
			if tb.Len() != len(model) {
				t.Fatalf("len %d, model %d", tb.Len(), len(model))
			}
			// Clone is deep and compact.
			cl := tb.clone()
			if err := checkStrTable(cl); err != nil {
				t.Fatalf("clone: %v", err)
			}
			for k, v := range model {
				if pairs {
					got, ok := cl.Get([]byte(k))
					if !ok || string(got) != v {
						t.Fatalf("clone lost %q", k)
					}
				} else if !cl.Has([]byte(k)) {
					t.Fatalf("clone lost %q", k)
				}
				tb.Remove([]byte(k))
			}
			if cl.Len() != len(model) || tb.Len() != 0 {
				t.Fatalf("clone not independent: %d %d", cl.Len(), tb.Len())
			}
			if err := checkStrTable(tb); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestStrTableScan checks that a scan returns every entry present for the
// whole scan at least once, while the table grows and shrinks between
// calls, and exactly once when it does not change.
func TestStrTableScan(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for round := 0; round < 20; round++ {
		tb := newStrTable(false, 0)
		n := 1 + r.Intn(3000)
		for i := 0; i < n; i++ {
			tb.Add([]byte(fmt.Sprintf("stable%d", i)))
		}
		seen := map[string]int{}
		cursor, calls := uint64(0), 0
		mutate := round%2 == 1
		for {
			cursor = tb.scan(cursor, 1+r.Intn(50), func(s uint64) { seen[string(tb.key(s))]++ })
			calls++
			if mutate { // add or remove churn keys between calls
				for j := 0; j < 40; j++ {
					if r.Intn(2) == 0 {
						tb.Add([]byte(fmt.Sprintf("churn%d", r.Intn(5000))))
					} else {
						tb.Remove([]byte(fmt.Sprintf("churn%d", r.Intn(5000))))
					}
				}
			}
			if cursor == 0 || calls > 100000 {
				break
			}
		}
		for i := 0; i < n; i++ {
			k := fmt.Sprintf("stable%d", i)
			if seen[k] == 0 {
				t.Fatalf("round %d: %q never returned", round, k)
			}
			if !mutate && seen[k] != 1 {
				t.Fatalf("round %d: %q returned %d times without changes", round, k, seen[k])
			}
		}
	}
}
