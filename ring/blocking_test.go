package ring_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darnerdb/darner/ring"
)

// blockedClients reads INFO clients blocked_clients.
func blockedClients(t *testing.T, c *redis.Client) int {
	t.Helper()
	s, err := c.Info(context.Background(), "clients").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(s, "\r\n") {
		if v, ok := strings.CutPrefix(l, "blocked_clients:"); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	t.Fatal("no blocked_clients in INFO clients")
	return 0
}

// waitBlocked waits until n clients are blocked.
func waitBlocked(t *testing.T, c *redis.Client, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d blocked clients", n), func() bool { return blockedClients(t, c) == n })
}

func TestBlockingWakeAndTimeout(t *testing.T) {
	forEach(t, []int{1, 3}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		keys := keysOn(cfg.Shards, 3)
		a, b, admin := client(t, srv), client(t, srv), client(t, srv)

		// A wake by a push to the second of two keys on different shards.
		got := make(chan []string, 1)
		go func() {
			r, err := a.BLPop(ctx, 0, keys[0], keys[1]).Result()
			if err != nil {
				t.Errorf("BLPOP: %v", err)
			}
			got <- r
		}()
		waitBlocked(t, admin, 1)
		if err := b.RPush(ctx, keys[1], "x").Err(); err != nil {
			t.Fatal(err)
		}
		if r := <-got; len(r) != 2 || r[0] != keys[1] || r[1] != "x" {
			t.Fatalf("BLPOP = %q", r)
		}
		if n, _ := b.Exists(ctx, keys[1]).Result(); n != 0 {
			t.Fatal("the served element is still in the list")
		}
		if blockedClients(t, admin) != 0 {
			t.Fatal("blocked_clients not back to 0")
		}

		// A timeout.
		t0 := time.Now()
		_, err := a.BLPop(ctx, 200*time.Millisecond, keys[2]).Result()
		if err != redis.Nil {
			t.Fatalf("BLPOP timeout: %v, want nil reply", err)
		}
		if d := time.Since(t0); d < 150*time.Millisecond || d > 3*time.Second {
			t.Fatalf("BLPOP 0.2 returned after %v", d)
		}

		// An element already there is served at once, also with WRONGTYPE checks.
		b.RPush(ctx, keys[2], "now")
		if r, err := a.BRPop(ctx, 0, keys[2]).Result(); err != nil || r[1] != "now" {
			t.Fatalf("BRPOP ready = %q %v", r, err)
		}
		b.Set(ctx, keys[2], "str", 0)
		if err := a.BLPop(ctx, 0, keys[2]).Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE") {
			t.Fatalf("BLPOP on a string: %v", err)
		}

		// Inside MULTI a blocking command does not block.
		cmds, err := a.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.BLPop(ctx, 0, keys[0])
			return nil
		})
		if err != redis.Nil || len(cmds) != 1 {
			t.Fatalf("BLPOP in MULTI: %v %v", cmds, err)
		}
	})
}

// TestBlockingFIFO: clients blocked on one key are served in the order
// they blocked, by one push of several elements.
func TestBlockingFIFO(t *testing.T) {
	forEach(t, []int{1, 3}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		key := keysOn(cfg.Shards, 1)[0]
		admin := client(t, srv)
		var wg sync.WaitGroup
		got := make([]string, 3)
		for i := 0; i < 3; i++ {
			c := client(t, srv)
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r, err := c.BLPop(ctx, 0, key).Result()
				if err != nil {
					t.Errorf("BLPOP %d: %v", i, err)
					return
				}
				got[i] = r[1]
			}(i)
			waitBlocked(t, admin, i+1)
		}
		if err := admin.RPush(ctx, key, "a", "b", "c").Err(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if strings.Join(got, "") != "abc" {
			t.Fatalf("served in order %q, want a b c to the first, second, third", got)
		}
	})
}

// TestBlockingConsumers: consumers BLPOP two keys on different shards
// while pushers push numbered elements: every element is received exactly
// once, and each consumer sees each pusher's elements per key in order.
func TestBlockingConsumers(t *testing.T) {
	forEach(t, []int{2, 4}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		keys := keysOn(cfg.Shards, 2)
		const pushers, per = 4, 300
		var mu sync.Mutex
		seen := map[string]int{}
		var received atomic.Int64
		var cwg, pwg sync.WaitGroup
		for i := 0; i < 4; i++ {
			c := client(t, srv)
			cwg.Add(1)
			go func() {
				defer cwg.Done()
				last := map[string]int{}
				for received.Load() < pushers*per {
					r, err := c.BLPop(ctx, time.Second, keys...).Result()
					if err == redis.Nil {
						continue
					}
					if err != nil {
						t.Errorf("BLPOP: %v", err)
						return
					}
					var p, n int
					fmt.Sscanf(r[1], "%d-%d", &p, &n)
					src := fmt.Sprintf("%s/%d", r[0], p)
					if prev, ok := last[src]; ok && n <= prev {
						t.Errorf("from %s got %d after %d: out of order", src, n, prev)
					}
					last[src] = n
					mu.Lock()
					seen[r[1]]++
					mu.Unlock()
					received.Add(1)
				}
			}()
		}
		for p := 0; p < pushers; p++ {
			c := client(t, srv)
			pwg.Add(1)
			go func(p int) {
				defer pwg.Done()
				for n := 0; n < per; n++ {
					if err := c.RPush(ctx, keys[n%2], fmt.Sprintf("%d-%d", p, n)).Err(); err != nil {
						t.Errorf("RPUSH: %v", err)
						return
					}
				}
			}(p)
		}
		pwg.Wait()
		done := make(chan struct{})
		go func() { cwg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("consumers stalled at %d of %d", received.Load(), pushers*per)
		}
		if len(seen) != pushers*per {
			t.Fatalf("%d distinct elements received, want %d", len(seen), pushers*per)
		}
		for e, n := range seen {
			if n != 1 {
				t.Fatalf("element %s received %d times", e, n)
			}
		}
	})
}

// TestBlockingMoveAndZset: BLMOVE across shards and BZPOPMIN are woken by
// the pushes that make their keys ready; a client that disconnects while
// blocked leaves the pushed element in place.
func TestBlockingMoveAndZset(t *testing.T) {
	forEach(t, []int{1, 3}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		keys := keysOn(cfg.Shards, 3)
		a, admin := client(t, srv), client(t, srv)

		res := make(chan string, 1)
		go func() {
			v, err := a.BLMove(ctx, keys[0], keys[1], "LEFT", "RIGHT", 0).Result()
			if err != nil {
				t.Errorf("BLMOVE: %v", err)
			}
			res <- v
		}()
		waitBlocked(t, admin, 1)
		admin.RPush(ctx, keys[0], "m")
		if v := <-res; v != "m" {
			t.Fatalf("BLMOVE = %q", v)
		}
		if r, _ := admin.LRange(ctx, keys[1], 0, -1).Result(); len(r) != 1 || r[0] != "m" {
			t.Fatalf("destination = %q", r)
		}

		go func() {
			z, err := a.BZPopMin(ctx, 0, keys[2]).Result()
			if err != nil {
				t.Errorf("BZPOPMIN: %v", err)
				res <- ""
				return
			}
			res <- fmt.Sprintf("%s:%v:%v", z.Key, z.Member, z.Score)
		}()
		waitBlocked(t, admin, 1)
		admin.ZAdd(ctx, keys[2], redis.Z{Score: 2, Member: "two"}, redis.Z{Score: 1, Member: "one"})
		if v := <-res; v != keys[2]+":one:1" {
			t.Fatalf("BZPOPMIN = %q", v)
		}

		// Disconnect while blocked.
		d := dial(t, srv)
		d.send(cmd("BLPOP", keys[0], "0"))
		waitBlocked(t, admin, 1)
		d.c.Close()
		waitBlocked(t, admin, 0)
		admin.RPush(ctx, keys[0], "kept")
		if n, _ := admin.LLen(ctx, keys[0]).Result(); n != 1 {
			t.Fatalf("a push after the blocked client left: LLEN %d, want 1", n)
		}
	})
}

// TestClientUnblock: CLIENT UNBLOCK ends another client's BLPOP with the
// timeout reply or an UNBLOCKED error, and answers 0 for a client that is
// not blocked.
func TestClientUnblock(t *testing.T) {
	forEach(t, []int{1, 3}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		key := keysOn(cfg.Shards, 1)[0]
		a, admin := client(t, srv), client(t, srv)
		id, err := a.ClientID(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n, err := admin.ClientUnblock(ctx, id).Result(); err != nil || n != 0 {
			t.Fatalf("CLIENT UNBLOCK of an idle client = %d %v", n, err)
		}
		for _, withErr := range []bool{false, true} {
			res := make(chan error, 1)
			go func() { res <- a.BLPop(ctx, 0, key).Err() }()
			waitBlocked(t, admin, 1)
			var n int64
			if withErr {
				n, err = admin.ClientUnblockWithError(ctx, id).Result()
			} else {
				n, err = admin.ClientUnblock(ctx, id).Result()
			}
			if err != nil || n != 1 {
				t.Fatalf("CLIENT UNBLOCK = %d %v", n, err)
			}
			got := <-res
			switch {
			case !withErr && got != redis.Nil:
				t.Fatalf("unblocked with TIMEOUT: %v, want a nil reply", got)
			case withErr && (got == nil || got.Error() != "UNBLOCKED client unblocked via CLIENT UNBLOCK"):
				t.Fatalf("unblocked with ERROR: %v", got)
			}
		}
		if blockedClients(t, admin) != 0 {
			t.Fatal("blocked_clients not 0")
		}
	})
}
