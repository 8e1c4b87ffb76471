package ring_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darnerdb/darner/ring"
)

// TestMultiIncrSums: 64 clients run MULTI; INCR a; INCR b; EXEC with a and
// b on different shards; the counters equal the number of EXECs, and no
// EXEC ever shows a != b.
func TestMultiIncrSums(t *testing.T) {
	forEach(t, []int{2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		keys := keysOn(cfg.Shards, 2)
		ctx := context.Background()
		var execs atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < 64; w++ {
			c := client(t, srv)
			wg.Add(1)
			go func() {
				defer wg.Done()
				testFor(1500*time.Millisecond, 10000, func(int) bool {
					cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Incr(ctx, keys[0])
						p.Incr(ctx, keys[1])
						return nil
					})
					if err != nil {
						t.Errorf("EXEC: %v", err)
						return false
					}
					x, y := cmds[0].(*redis.IntCmd).Val(), cmds[1].(*redis.IntCmd).Val()
					if x != y {
						t.Errorf("EXEC saw a=%d b=%d: not isolated", x, y)
						return false
					}
					execs.Add(1)
					return true
				})
			}()
		}
		wg.Wait()
		c := client(t, srv)
		for _, k := range keys {
			n, err := c.Get(ctx, k).Int64()
			if err != nil || n != execs.Load() {
				t.Errorf("%s = %d (%v), want %d", k, n, err, execs.Load())
			}
		}
		t.Logf("%d EXECs of 2 INCRs on 2 shards", execs.Load())
	})
}

// TestWatchTransfers: optimistic transfers (WATCH a b; GET a b; MULTI;
// SET a; SET b; EXEC, retried when EXEC fails) between accounts on
// different shards conserve the total; some EXECs do fail under
// contention, and none is lost.
func TestWatchTransfers(t *testing.T) {
	forEach(t, []int{2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		accts := keysOn(cfg.Shards, cfg.Shards+1)
		ctx := context.Background()
		setup := client(t, srv)
		for _, k := range accts {
			if err := setup.Set(ctx, k, 100, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		var done, aborted atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			c := client(t, srv)
			wg.Add(1)
			go func(seed uint64) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, 3))
				testFor(1500*time.Millisecond, 3000, func(int) bool {
					i, j := rng.IntN(len(accts)), rng.IntN(len(accts))
					if i == j {
						return true
					}
					a, b := accts[i], accts[j]
					err := c.Watch(ctx, func(tx *redis.Tx) error {
						x, err := tx.Get(ctx, a).Int64()
						if err != nil {
							return err
						}
						y, err := tx.Get(ctx, b).Int64()
						if err != nil {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, a, x-1, 0)
							p.Set(ctx, b, y+1, 0)
							return nil
						})
						return err
					}, a, b)
					switch {
					case errors.Is(err, redis.TxFailedErr):
						aborted.Add(1)
					case err != nil:
						t.Errorf("transfer: %v", err)
						return false
					default:
						done.Add(1)
					}
					return true
				})
			}(uint64(w))
		}
		wg.Wait()
		var sum int64
		for _, k := range accts {
			n, err := setup.Get(ctx, k).Int64()
			if err != nil {
				t.Fatal(err)
			}
			sum += n
		}
		if want := int64(100 * len(accts)); sum != want {
			t.Errorf("total %d, want %d (%d transfers, %d aborted)", sum, want, done.Load(), aborted.Load())
		}
		if aborted.Load() == 0 {
			t.Logf("no EXEC aborted: contention too low to exercise WATCH")
		}
		t.Logf("%d transfers committed, %d aborted by WATCH", done.Load(), aborted.Load())
	})
}

// TestMultiRandomLinearizable: clients run random MULTI blocks over a
// small keyspace spanning shards (INCRBY, SET, MSET, GET, DEL); each EXEC
// records what it read. Replaying the committed EXECs serially in the
// order of one global counter incremented inside every EXEC must produce
// exactly the replies every client saw.
func TestMultiRandomLinearizable(t *testing.T) {
	forEach(t, []int{2, 4}, func(t *testing.T, cfg ring.Config) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		srv := start(t, cfg)
		keys := keysOn(cfg.Shards, 6)
		ctx := context.Background()
		type op struct {
			kind  int // 0 INCRBY k n, 1 SET k n, 2 GET k, 3 DEL k, 4 MSET k1 n k2 n
			k, k2 string
			n     int64
		}
		type rec struct {
			order int64
			ops   []op
			got   []string
		}
		var mu sync.Mutex
		var recs []rec
		seq := "lin:seq" + keysOn(cfg.Shards, 1)[0]
		var wg sync.WaitGroup
		for w := 0; w < 12; w++ {
			c := client(t, srv)
			wg.Add(1)
			go func(ws uint64) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, ws))
				testFor(1500*time.Millisecond, 2000, func(int) bool {
					var ops []op
					for n := 1 + rng.IntN(4); n > 0; n-- {
						ops = append(ops, op{kind: rng.IntN(5), k: keys[rng.IntN(len(keys))], k2: keys[rng.IntN(len(keys))], n: int64(rng.IntN(10))})
					}
					cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.Incr(ctx, seq)
						for _, o := range ops {
							switch o.kind {
							case 0:
								p.IncrBy(ctx, o.k, o.n)
							case 1:
								p.Set(ctx, o.k, o.n, 0)
							case 2:
								p.Get(ctx, o.k)
							case 3:
								p.Del(ctx, o.k)
							case 4:
								p.MSet(ctx, o.k, o.n, o.k2, o.n)
							}
						}
						return nil
					})
					if err != nil && err != redis.Nil {
						t.Errorf("EXEC: %v (seed %d)", err, seed)
						return false
					}
					r := rec{order: cmds[0].(*redis.IntCmd).Val(), ops: ops}
					for _, cm := range cmds[1:] {
						switch x := cm.(type) {
						case *redis.IntCmd:
							r.got = append(r.got, strconv.FormatInt(x.Val(), 10))
						case *redis.StringCmd:
							if x.Err() == redis.Nil {
								r.got = append(r.got, "(nil)")
							} else {
								r.got = append(r.got, x.Val())
							}
						case *redis.StatusCmd:
							r.got = append(r.got, x.Val())
						}
					}
					mu.Lock()
					recs = append(recs, r)
					mu.Unlock()
					return true
				})
			}(uint64(w))
		}
		wg.Wait()
		byOrder := make(map[int64]rec, len(recs))
		for _, r := range recs {
			byOrder[r.order] = r
		}
		model := map[string]int64{}
		for i := int64(1); i <= int64(len(recs)); i++ {
			r, ok := byOrder[i]
			if !ok {
				t.Fatalf("EXEC number %d missing: the counter was not serial (seed %d)", i, seed)
			}
			for j, o := range r.ops {
				var want string
				switch o.kind {
				case 0:
					model[o.k] += o.n
					want = strconv.FormatInt(model[o.k], 10)
				case 1:
					model[o.k] = o.n
					want = "OK"
				case 2:
					if v, ok := model[o.k]; ok {
						want = strconv.FormatInt(v, 10)
					} else {
						want = "(nil)"
					}
				case 3:
					_, ok := model[o.k]
					delete(model, o.k)
					want = map[bool]string{true: "1", false: "0"}[ok]
				case 4:
					model[o.k], model[o.k2] = o.n, o.n
					want = "OK"
				}
				if r.got[j] != want {
					t.Fatalf("EXEC %d op %d (%+v): got %q, serial replay says %q (seed %d)", i, j, o, r.got[j], want, seed)
				}
			}
		}
		t.Logf("%d EXECs replayed serially", len(recs))
	})
}
