package engine

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
)

type zmodel struct {
	m map[string]float64
}

func (z *zmodel) sorted() []zent {
	out := make([]zent, 0, len(z.m))
	for k, v := range z.m {
		out = append(out, zent{m: []byte(k), s: v})
	}
	sort.Slice(out, func(i, j int) bool { return zentLess(out[i], out[j]) })
	return out
}

func zentLess(a, b zent) bool {
	if a.s != b.s {
		return a.s < b.s
	}
	return bytes.Compare(a.m, b.m) < 0
}

// TestZsetTreeModel runs random inserts, deletes and score updates on a
// zsetTree against a map, checking invariants, ranks and order.
func TestZsetTreeModel(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		rng := rand.New(rand.NewPCG(seed, 99))
		tr := newZsetTree(0)
		mod := &zmodel{m: map[string]float64{}}
		keys := 40000
		for step := 0; step < 150000; step++ {
			k := fmt.Sprintf("m%d", rng.IntN(keys))
			if step > 100000 {
				keys = 5000 // shrink: deletes dominate
			}
			s := float64(rng.IntN(1000))
			switch op := rng.IntN(10); {
			case op < 5 && step <= 100000:
				if _, ok := mod.m[k]; ok {
					tr.Update([]byte(k), s)
				} else {
					tr.Insert([]byte(k), s)
				}
				mod.m[k] = s
			default:
				k = fmt.Sprintf("m%d", rng.IntN(40000))
				_, ok := mod.m[k]
				if tr.Delete([]byte(k)) != ok {
					t.Fatalf("seed %d step %d: delete %s mismatch", seed, step, k)
				}
				delete(mod.m, k)
			}
			if step%5000 == 0 || step == 149999 {
				if msg := tr.check(); msg != "" {
					t.Fatalf("seed %d step %d: %s", seed, step, msg)
				}
				want := mod.sorted()
				i := 0
				tr.each(0, false, func(m []byte, s float64) bool {
					if !bytes.Equal(m, want[i].m) || s != want[i].s {
						t.Fatalf("seed %d step %d: at %d got %s/%v want %s/%v", seed, step, i, m, s, want[i].m, want[i].s)
					}
					i++
					return true
				})
				if i != len(want) {
					t.Fatalf("count %d want %d", i, len(want))
				}
				for j := 0; j < 50 && len(want) > 0; j++ {
					r := rng.IntN(len(want))
					got, s, ok := tr.Rank(want[r].m)
					if !ok || got != r || s != want[r].s {
						t.Fatalf("rank of %s: %d %v want %d", want[r].m, got, ok, r)
					}
				}
			}
		}
		tr.rebuild()
		if msg := tr.check(); msg != "" {
			t.Fatalf("after rebuild: %s", msg)
		}
	}
}
