package engine

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// A seeded random walk of the keys family against a map model, on 1 and 3
// shards and 3 databases: SET, DEL, PEXPIRE, PERSIST, RENAME(NX), COPY,
// MOVE, SWAPDB, FLUSHDB with a clock that lets deadlines pass. After every
// step the command's reply matches the model's, and every few steps GET,
// PTTL and KEYS * of a database agree with it.
func TestKeysModel(t *testing.T) {
	type entry struct {
		val string
		exp int64 // 0: none
	}
	for _, n := range shardCounts {
		t.Run(fmt.Sprint("shards=", n), func(t *testing.T) {
			now := int64(1_700_000_000_000)
			l := newKeysLocal(t, n, &now)
			rng := rand.New(rand.NewPCG(uint64(n), 7))
			const dbs = 3
			model := make([]map[string]entry, dbs)
			for i := range model {
				model[i] = map[string]entry{}
			}
			cur := 0
			live := func(db int, k string) (entry, bool) {
				e, ok := model[db][k]
				if ok && e.exp != 0 && e.exp <= now {
					delete(model[db], k)
					return entry{}, false
				}
				return e, ok
			}
			key := func() string { return "k" + strconv.Itoa(rng.IntN(12)) }
			step := func(i int, args []string, want string) {
				t.Helper()
				if got := l.Do(args...); got != want {
					t.Fatalf("step %d: %q = %q, want %q", i, args, got, want)
				}
			}
			ib := func(b bool) string {
				if b {
					return ":1\r\n"
				}
				return ":0\r\n"
			}
			for i := 0; i < 4000; i++ {
				if rng.IntN(4) == 0 {
					now += int64(rng.IntN(3))
				}
				m := model[cur]
				switch op := rng.IntN(11); op {
				case 0, 1:
					k, v := key(), "v"+strconv.Itoa(rng.IntN(1000))
					if rng.IntN(3) == 0 {
						v = strconv.Itoa(rng.IntN(100))
					}
					step(i, []string{"SET", k, v}, "+OK\r\n")
					m[k] = entry{val: v}
				case 2:
					a, b := key(), key()
					cnt := 0
					for _, k := range []string{a, b} {
						if _, ok := live(cur, k); ok {
							delete(m, k)
							cnt++
						}
					}
					step(i, []string{"DEL", a, b}, ":"+strconv.Itoa(cnt)+"\r\n")
				case 3:
					k, ms := key(), rng.IntN(8)-2
					e, ok := live(cur, k)
					step(i, []string{"PEXPIRE", k, strconv.Itoa(ms)}, ib(ok))
					if ok {
						if ms <= 0 {
							delete(m, k)
						} else {
							e.exp = now + int64(ms)
							m[k] = e
						}
					}
				case 4:
					k := key()
					e, ok := live(cur, k)
					had := ok && e.exp != 0
					step(i, []string{"PERSIST", k}, ib(had))
					if had {
						e.exp = 0
						m[k] = e
					}
				case 5, 6:
					src, dst := key(), key()
					nx := op == 6
					cmd := "RENAME"
					if nx {
						cmd = "RENAMENX"
					}
					e, ok := live(cur, src)
					_, dok := live(cur, dst)
					switch {
					case !ok:
						step(i, []string{cmd, src, dst}, "-ERR no such key\r\n")
					case src == dst:
						step(i, []string{cmd, src, dst}, map[bool]string{false: "+OK\r\n", true: ":0\r\n"}[nx])
					case nx && dok:
						step(i, []string{cmd, src, dst}, ":0\r\n")
					default:
						step(i, []string{cmd, src, dst}, map[bool]string{false: "+OK\r\n", true: ":1\r\n"}[nx])
						delete(m, src)
						m[dst] = e
					}
				case 7:
					src, dst, db := key(), key(), rng.IntN(dbs)
					replace := rng.IntN(2) == 0
					args := []string{"COPY", src, dst, "DB", strconv.Itoa(db)}
					if replace {
						args = append(args, "REPLACE")
					}
					e, ok := live(cur, src)
					_, dok := live(db, dst)
					switch {
					case db == cur && src == dst:
						step(i, args, "-ERR source and destination objects are the same\r\n")
					case !ok || dok && !replace:
						step(i, args, ":0\r\n")
					default:
						step(i, args, ":1\r\n")
						model[db][dst] = e
					}
				case 8:
					k, db := key(), rng.IntN(dbs)
					e, ok := live(cur, k)
					_, dok := live(db, k)
					switch {
					case db == cur:
						step(i, []string{"MOVE", k, strconv.Itoa(db)}, "-ERR source and destination objects are the same\r\n")
					case !ok || dok:
						step(i, []string{"MOVE", k, strconv.Itoa(db)}, ":0\r\n")
					default:
						step(i, []string{"MOVE", k, strconv.Itoa(db)}, ":1\r\n")
						delete(m, k)
						model[db][k] = e
					}
				case 9:
					if rng.IntN(10) == 0 {
						a, b := rng.IntN(dbs), rng.IntN(dbs)
						step(i, []string{"SWAPDB", strconv.Itoa(a), strconv.Itoa(b)}, "+OK\r\n")
						model[a], model[b] = model[b], model[a]
					} else if rng.IntN(40) == 0 {
						step(i, []string{"FLUSHDB"}, "+OK\r\n")
						model[cur] = map[string]entry{}
					}
				case 10:
					cur = rng.IntN(dbs)
					step(i, []string{"SELECT", strconv.Itoa(cur)}, "+OK\r\n")
				}
				if i%7 != 0 {
					continue
				}
				// Check the selected database against the model.
				var want []string
				for k := range model[cur] {
					if e, ok := live(cur, k); ok {
						want = append(want, k)
						step(i, []string{"GET", k}, fmt.Sprintf("$%d\r\n%s\r\n", len(e.val), e.val))
						ttl := int64(-1)
						if e.exp != 0 {
							ttl = e.exp - now
						}
						step(i, []string{"PTTL", k}, ":"+strconv.FormatInt(ttl, 10)+"\r\n")
					}
				}
				sort.Strings(want)
				if got := keysReply(t, l, "*"); strings.Join(got, " ") != strings.Join(want, " ") {
					t.Fatalf("step %d db %d: KEYS * = %v, model %v", i, cur, got, want)
				}
			}
		})
	}
}
