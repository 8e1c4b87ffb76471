package ring_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
	"github.com/darnerdb/darner/ring"
)

// Test-only commands that exercise the transaction runtime independently
// of the command families:
//
//	t.mset k v [k v ...]  every pair, atomically (one Each phase)
//	t.mget k [k ...]      every value, atomically
//	t.xfer a b            a -= 1 then b += 1, in two phases on two shards
//	t.count               keys of db 0 on every shard (a global tx)
func init() {
	engine.Register(
		&engine.Command{Name: "t.mset", Arity: -3, Flags: engine.FlagWrite, FirstKey: 1, LastKey: -1, Step: 2,
			Run: func(c *engine.Ctx, args [][]byte) {
				tMset(c, args, -1)
				c.W.OK()
			},
			Tx: func(t *engine.Tx, args [][]byte) {
				t.Each(func(c *engine.Ctx) { tMset(c, args, c.Shard.ID) })
				t.Reply(func(w *proto.Writer) { w.OK() })
			}},
		&engine.Command{Name: "t.mget", Arity: -2, Flags: engine.FlagReadonly, FirstKey: 1, LastKey: -1, Step: 1,
			Run: func(c *engine.Ctx, args [][]byte) {
				vals := make([][]byte, len(args)-1)
				tMget(c, args, vals, -1)
				writeVals(c.W, vals)
			},
			Tx: func(t *engine.Tx, args [][]byte) {
				vals := make([][]byte, len(args)-1)
				t.Each(func(c *engine.Ctx) { tMget(c, args, vals, c.Shard.ID) })
				t.Reply(func(w *proto.Writer) { writeVals(w, vals) })
			}},
		&engine.Command{Name: "t.xfer", Arity: 3, Flags: engine.FlagWrite, FirstKey: 1, LastKey: 2, Step: 1,
			Run: func(c *engine.Ctx, args [][]byte) {
				tAdd(c, args[1], -1)
				tAdd(c, args[2], 1)
				c.W.OK()
			},
			Tx: func(t *engine.Tx, args [][]byte) {
				t.On(t.ShardOf(args[1]), func(c *engine.Ctx) { tAdd(c, args[1], -1) })
				t.On(t.ShardOf(args[2]), func(c *engine.Ctx) { tAdd(c, args[2], 1) })
				t.Reply(func(w *proto.Writer) { w.OK() })
			}},
		&engine.Command{Name: "t.count", Arity: 1, Flags: engine.FlagReadonly | engine.FlagGlobal,
			Tx: func(t *engine.Tx, args [][]byte) {
				counts := make([]int64, t.NumShards())
				t.Each(func(c *engine.Ctx) { counts[c.Shard.ID] = c.Shard.DBs[c.DB].Len() })
				t.Reply(func(w *proto.Writer) {
					var n int64
					for _, x := range counts {
						n += x
					}
					w.Int(n)
				})
			}},
	)
}

func tMset(c *engine.Ctx, args [][]byte, shard int) {
	db := c.Shard.DBs[c.DB]
	for i := 1; i+1 < len(args); i += 2 {
		if shard < 0 || engine.ShardOf(args[i], c.Server.NumShards) == shard {
			db.Set(args[i], args[i+1], 0, 0, c.Now)
		}
	}
}

func tMget(c *engine.Ctx, args [][]byte, vals [][]byte, shard int) {
	db := c.Shard.DBs[c.DB]
	for i, k := range args[1:] {
		if shard >= 0 && engine.ShardOf(k, c.Server.NumShards) != shard {
			continue
		}
		if v, ok := db.Get(k, c.Now); ok {
			vals[i] = v.AppendString(nil)
		}
	}
}

func writeVals(w *proto.Writer, vals [][]byte) {
	w.ArrayLen(len(vals))
	for _, v := range vals {
		if v == nil {
			w.Null()
		} else {
			w.Bulk(v)
		}
	}
}

func tAdd(c *engine.Ctx, key []byte, d int64) {
	db := c.Shard.DBs[c.DB]
	var n int64
	if v, ok := db.Get(key, c.Now); ok {
		n, _ = strconv.ParseInt(string(v.AppendString(nil)), 10, 64)
	}
	db.SetInt(key, n+d, 0, 0, c.Now)
}

// keysOn returns one key per shard (key i on shard i%n).
func keysOn(n, count int) []string {
	out := make([]string, count)
	for i := range out {
		out[i] = keyOn(i%n, n) + "-" + strconv.Itoa(i)
		for engine.ShardOf([]byte(out[i]), n) != i%n {
			out[i] += "x"
		}
	}
	return out
}

// testFor bounds a load loop: it runs until d has passed or n rounds.
func testFor(d time.Duration, n int, f func(i int) bool) {
	deadline := time.Now().Add(d)
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		if !f(i) {
			return
		}
	}
}

// TestTxIsolationMSetMGet: concurrent multi-shard writes of one value to
// every key and multi-shard reads never observe a mix.
func TestTxIsolationMSetMGet(t *testing.T) {
	forEach(t, []int{2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		keys := keysOn(cfg.Shards, 2*cfg.Shards)
		ctx := context.Background()
		var wg sync.WaitGroup
		var reads, fails atomic.Int64
		for w := 0; w < 6; w++ {
			c := client(t, srv)
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				testFor(1500*time.Millisecond, 3000, func(i int) bool {
					args := []any{"t.mset"}
					v := fmt.Sprintf("w%d-%d", w, i)
					for _, k := range keys {
						args = append(args, k, v)
					}
					return c.Do(ctx, args...).Err() == nil
				})
			}(w)
		}
		for r := 0; r < 6; r++ {
			c := client(t, srv)
			wg.Add(1)
			go func() {
				defer wg.Done()
				testFor(1500*time.Millisecond, 3000, func(i int) bool {
					args := []any{"t.mget"}
					for _, k := range keys {
						args = append(args, k)
					}
					res, err := c.Do(ctx, args...).Slice()
					if err != nil {
						t.Errorf("t.mget: %v", err)
						return false
					}
					reads.Add(1)
					for _, v := range res[1:] {
						if v != res[0] {
							fails.Add(1)
							t.Errorf("t.mget saw a mix: %v", res)
							return false
						}
					}
					return true
				})
			}()
		}
		wg.Wait()
		if reads.Load() < 50 {
			t.Errorf("only %d reads ran", reads.Load())
		}
		t.Logf("%d multi-shard reads, %d mixes", reads.Load(), fails.Load())
	})
}

// TestTxSingleKeyReadsOrdered: a client that reads a, then b (plain GETs,
// the single-key fast path) while one writer sets both to ever larger
// numbers in one tx never sees b older than a.
func TestTxSingleKeyReadsOrdered(t *testing.T) {
	forEach(t, []int{2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		keys := keysOn(cfg.Shards, 2)
		a, b := keys[0], keys[1]
		ctx := context.Background()
		wc := client(t, srv)
		if err := wc.Do(ctx, "t.mset", a, "0", b, "0").Err(); err != nil {
			t.Fatal(err)
		}
		var stop atomic.Bool
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			testFor(1500*time.Millisecond, 20000, func(i int) bool {
				v := strconv.Itoa(i + 1)
				return !stop.Load() && wc.Do(ctx, "t.mset", a, v, b, v).Err() == nil
			})
		}()
		var checks atomic.Int64
		for r := 0; r < 4; r++ {
			c := client(t, srv)
			wg.Add(1)
			go func() {
				defer wg.Done()
				testFor(1500*time.Millisecond, 20000, func(int) bool {
					x, err1 := c.Get(ctx, a).Int64()
					y, err2 := c.Get(ctx, b).Int64()
					if err1 != nil || err2 != nil {
						t.Errorf("GET: %v %v", err1, err2)
						return false
					}
					checks.Add(1)
					if y < x {
						t.Errorf("read a=%d then b=%d: the tx was half visible", x, y)
						stop.Store(true)
						return false
					}
					return true
				})
			}()
		}
		wg.Wait()
		t.Logf("%d ordered read pairs", checks.Load())
	})
}

// TestTxTransfersConserve: two-phase transfers between accounts on
// different shards conserve the total seen by atomic multi-shard reads;
// a global count runs among them without stalling.
func TestTxTransfersConserve(t *testing.T) {
	forEach(t, []int{2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		accts := keysOn(cfg.Shards, 2*cfg.Shards)
		ctx := context.Background()
		setup := client(t, srv)
		for _, k := range accts {
			if err := setup.Set(ctx, k, 1000, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
		want := int64(1000 * len(accts))
		var wg sync.WaitGroup
		var xfers atomic.Int64
		for w := 0; w < 8; w++ {
			c := client(t, srv)
			wg.Add(1)
			go func(seed uint64) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, 7))
				testFor(1500*time.Millisecond, 5000, func(int) bool {
					i, j := rng.IntN(len(accts)), rng.IntN(len(accts))
					if i == j {
						return true
					}
					// Pipelined: a transfer, a single-key read, another transfer.
					p := c.Pipeline()
					p.Do(ctx, "t.xfer", accts[i], accts[j])
					p.Get(ctx, accts[i])
					p.Do(ctx, "t.xfer", accts[j], accts[i])
					if _, err := p.Exec(ctx); err != nil {
						t.Errorf("pipeline: %v", err)
						return false
					}
					xfers.Add(2)
					return true
				})
			}(uint64(w))
		}
		for r := 0; r < 3; r++ {
			c := client(t, srv)
			wg.Add(1)
			go func(r int) {
				defer wg.Done()
				testFor(1500*time.Millisecond, 5000, func(int) bool {
					if r == 0 {
						n, err := c.Do(ctx, "t.count").Int64()
						if err != nil || n != int64(len(accts)) {
							t.Errorf("t.count = %d, %v; want %d", n, err, len(accts))
							return false
						}
						return true
					}
					args := []any{"t.mget"}
					for _, k := range accts {
						args = append(args, k)
					}
					res, err := c.Do(ctx, args...).Slice()
					if err != nil {
						t.Errorf("t.mget: %v", err)
						return false
					}
					var sum int64
					for _, v := range res {
						n, _ := strconv.ParseInt(v.(string), 10, 64)
						sum += n
					}
					if sum != want {
						t.Errorf("total %d, want %d: a transfer was half visible", sum, want)
						return false
					}
					return true
				})
			}(r)
		}
		wg.Wait()
		t.Logf("%d transfers", xfers.Load())
	})
}

// TestTxDo: Server.Do runs commands (single-shard, multi-shard, global)
// from an ordinary goroutine.
func TestTxDo(t *testing.T) {
	forEach(t, []int{1, 3}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		keys := keysOn(cfg.Shards, 3)
		b := func(s ...string) [][]byte {
			out := make([][]byte, len(s))
			for i, x := range s {
				out[i] = []byte(x)
			}
			return out
		}
		check := func(want string, args ...string) {
			t.Helper()
			out, err := srv.Do(context.Background(), b(args...)...)
			if got := string(out); err != nil || got != want {
				t.Errorf("Do(%q) = %q, want %q", args, got, want)
			}
		}
		check("+OK\r\n", "t.mset", keys[0], "x", keys[1], "y", keys[2], "z")
		check("*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n", "t.mget", keys[0], keys[1], keys[2])
		check("$1\r\ny\r\n", "get", keys[1])
		check(":3\r\n", "t.count")
		check("-ERR wrong number of arguments for 'get' command\r\n", "get")
	})
}

// TestTxSoak: random multi-shard, global and single-key commands, some
// pipelined, from many clients for a bounded time: every client finishes
// (no deadlock, no stall) and the server still answers.
func TestTxSoak(t *testing.T) {
	forEach(t, []int{2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		keys := keysOn(cfg.Shards, 8)
		ctx := context.Background()
		var wg sync.WaitGroup
		var ops atomic.Int64
		for w := 0; w < 16; w++ {
			c := client(t, srv, func(o *redis.Options) { o.ReadTimeout = 10 * time.Second })
			wg.Add(1)
			go func(seed uint64) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, 99))
				k := func() string { return keys[rng.IntN(len(keys))] }
				testFor(2*time.Second, 4000, func(int) bool {
					p := c.Pipeline()
					for n := 1 + rng.IntN(4); n > 0; n-- {
						switch rng.IntN(6) {
						case 0:
							p.Do(ctx, "t.mset", k(), "1", k(), "2")
						case 1:
							p.Do(ctx, "t.mget", k(), k(), k())
						case 2:
							a, b := k(), k()
							if a != b {
								p.Do(ctx, "t.xfer", a, b)
							}
						case 3:
							p.Do(ctx, "t.count")
						case 4:
							p.Set(ctx, k(), "7", 0)
						default:
							p.Get(ctx, k())
						}
					}
					if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
						t.Errorf("pipeline: %v", err)
						return false
					}
					ops.Add(1)
					return true
				})
			}(uint64(w))
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("soak clients did not finish: stall")
		}
		alive(t, srv)
		t.Logf("%d pipelines", ops.Load())
	})
}
