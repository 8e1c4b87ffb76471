package ring_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/ring"
)

// fillUntilOOM SETs 1000-byte values in pipelined batches of 32 until a
// SET is refused, at most max keys; it returns how many were stored and
// how many of the last batch were refused (all with the OOM error).
func fillUntilOOM(t *testing.T, c *redis.Client, prefix string, max int) (stored, refused int) {
	t.Helper()
	ctx := context.Background()
	val := strings.Repeat("v", 1000)
	n := 0
	for n < max {
		p := c.Pipeline()
		cmds := make([]*redis.StatusCmd, 0, 32)
		for i := 0; i < 32; i++ {
			cmds = append(cmds, p.Set(ctx, prefix+strconv.Itoa(n+i), val, 0))
		}
		_, _ = p.Exec(ctx)
		for _, sc := range cmds {
			if err := sc.Err(); err != nil {
				var rerr redis.Error
				if !errors.As(err, &rerr) || err.Error() != engine.ErrOOM {
					t.Fatalf("SET after %d keys: %v, want a redis.Error %q", n, err, engine.ErrOOM)
				}
				refused++
			} else if refused > 0 {
				t.Fatalf("a SET succeeded after one was refused")
			} else {
				n++
			}
		}
		if refused > 0 {
			return n, refused
		}
	}
	t.Fatalf("%d SETs of 1000 bytes never hit maxmemory", n)
	return n, 0
}

func TestMaxMemoryOOM(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		cfg.MaxMemory = 1 << 20
		srv := start(t, cfg)
		c := client(t, srv)
		ctx := context.Background()
		info, err := c.Info(ctx, "memory").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"maxmemory:1048576\r\n", "maxmemory_human:1.00M\r\n", "maxmemory_policy:noeviction\r\n"} {
			if !strings.Contains(info, want) {
				t.Errorf("INFO memory lacks %q", strings.TrimSpace(want))
			}
		}
		if got, _ := c.ConfigGet(ctx, "maxmemory").Result(); got["maxmemory"] != "1048576" {
			t.Errorf("CONFIG GET maxmemory = %v", got)
		}
		n, r1 := fillUntilOOM(t, c, "k:", 4000)
		if n < 300 {
			t.Errorf("only %d keys of 1000 bytes fit under 1 MB", n)
		}
		// Reads and DEL still run; non-denyoom writes too.
		if v, err := c.Get(ctx, "k:0").Result(); err != nil || len(v) != 1000 {
			t.Fatalf("GET over maxmemory: %q, %v", v, err)
		}
		if err := c.Expire(ctx, "k:1", time.Hour).Err(); err != nil {
			t.Fatalf("EXPIRE over maxmemory: %v", err)
		}
		if err := c.Incr(ctx, "counter").Err(); err == nil || err.Error() != engine.ErrOOM {
			t.Fatalf("INCR over maxmemory: %v", err)
		}
		// Cross-shard MSET (a transaction) is refused as a whole.
		if err := c.MSet(ctx, keyOn(0, cfg.Shards), "x", keyOn(cfg.Shards-1, cfg.Shards), "y").Err(); err == nil || err.Error() != engine.ErrOOM {
			t.Fatalf("MSET over maxmemory: %v", err)
		}
		// DEL frees; writes resume.
		keys := make([]string, 0, n)
		for i := 0; i < n; i++ {
			keys = append(keys, "k:"+strconv.Itoa(i))
		}
		for i := 0; i < len(keys); i += 100 {
			if err := c.Del(ctx, keys[i:min(i+100, len(keys))]...).Err(); err != nil {
				t.Fatalf("DEL: %v", err)
			}
		}
		if err := c.Set(ctx, "after", "1", 0).Err(); err != nil {
			t.Fatalf("SET after DEL: %v", err)
		}
		m, r2 := fillUntilOOM(t, c, "again:", 4000)
		if m < n-40 || m > n+40 {
			t.Errorf("refilled %d keys, first time %d", m, n)
		}
		errs, _ := c.Info(ctx, "errorstats").Result()
		if want := "errorstat_OOM:count=" + strconv.Itoa(r1+r2+2) + "\r\n"; !strings.Contains(errs, want) {
			t.Errorf("errorstats: %q, want %q", errs, want)
		}
		stats, _ := c.Info(ctx, "commandstats").Result()
		if want := "cmdstat_set:calls=" + strconv.Itoa(n+1+m) + ","; !strings.Contains(stats, want) {
			t.Errorf("commandstats lack %q: %q", want, stats)
		}
		if want := "rejected_calls=" + strconv.Itoa(r1+r2) + ",failed_calls=0\r\n"; !strings.Contains(stats, want) {
			t.Errorf("commandstats lack %q: %q", want, stats)
		}
		// CONFIG SET maxmemory takes effect at once.
		if err := c.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.Set(ctx, "free", "1", 0).Err(); err != nil {
			t.Fatalf("SET with maxmemory 0: %v", err)
		}
		if err := c.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.Set(ctx, "free", "1", 0).Err(); err == nil || err.Error() != engine.ErrOOM {
			t.Fatalf("SET with maxmemory 1: %v", err)
		}
	})
}

// TestMaxMemoryMulti checks Redis 7's MULTI behaviour over maxmemory
// byte for byte.
func TestMaxMemoryMulti(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		admin := dial(t, srv)
		setMax := func(v string) {
			admin.send(cmd("CONFIG", "SET", "maxmemory", v))
			if got := admin.line(); got != "+OK" {
				t.Fatalf("CONFIG SET maxmemory %s: %q", v, got)
			}
		}
		r := dial(t, srv)
		expect := func(send string, want ...string) {
			t.Helper()
			r.send(send)
			for _, w := range want {
				if got := r.line(); got != w {
					t.Fatalf("after %q: %q, want %q", send, got, w)
				}
			}
		}
		oom := "-" + engine.ErrOOM
		k1, k2 := keyOn(0, cfg.Shards), keyOn(cfg.Shards-1, cfg.Shards)
		expect(cmd("SET", k1, "a"), "+OK")
		setMax("1")
		// Every command queued over maxmemory is refused, reads too, and
		// EXEC then aborts.
		expect(cmd("MULTI"), "+OK")
		expect(cmd("GET", k1), oom)
		expect(cmd("SET", k2, "b"), oom)
		expect(cmd("PING"), oom)
		expect(cmd("EXEC"), "-EXECABORT Transaction discarded because of previous errors.")
		expect(cmd("MULTI")+cmd("DISCARD"), "+OK", "+OK")
		// A write queued before the limit: EXEC answers EXECABORT with
		// the OOM text and discards.
		setMax("0")
		expect(cmd("MULTI")+cmd("SET", k1, "c")+cmd("SET", k2, "d"), "+OK", "+QUEUED", "+QUEUED")
		setMax("1")
		expect(cmd("EXEC"), "-EXECABORT Transaction discarded because of: "+engine.ErrOOM)
		expect(cmd("GET", k1), "$1", "a")
		expect(cmd("EXEC"), "-ERR EXEC without MULTI")
		// A queue of reads runs.
		setMax("0")
		expect(cmd("MULTI")+cmd("GET", k1), "+OK", "+QUEUED")
		setMax("1")
		expect(cmd("EXEC"), "*1", "$1", "a")
		admin.send(cmd("INFO", "errorstats"))
		if got := admin.line(); !strings.HasPrefix(got, "$") {
			t.Fatalf("INFO: %q", got)
		}
		var lines []string
		for l := admin.line(); l != ""; l = admin.line() {
			lines = append(lines, l)
		}
		got := strings.Join(lines, " ")
		if !strings.Contains(got, "errorstat_OOM:count=3") || !strings.Contains(got, "errorstat_EXECABORT:count=2") {
			t.Errorf("errorstats: %q", got)
		}
	})
}

// TestMaxMemoryMemcached: storage commands answer SERVER_ERROR out of
// memory (a failed set drops the old value, as memcached does); get and
// delete still work.
func TestMaxMemoryMemcached(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		cfg.MemcachedPort = freePort(t)
		srv := start(t, cfg)
		admin := client(t, srv)
		ctx := context.Background()
		nc, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(srv.MemcachedPort()), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
		br := bufio.NewReader(nc)
		expect := func(send string, want ...string) {
			t.Helper()
			if _, err := nc.Write([]byte(send)); err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				got, err := br.ReadString('\n')
				if err != nil || got != w+"\r\n" {
					t.Fatalf("after %q: %q (%v), want %q", send, got, err, w)
				}
			}
		}
		expect("set a 0 0 1\r\nx\r\nset b 0 0 1\r\ny\r\n", "STORED", "STORED")
		if err := admin.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
			t.Fatal(err)
		}
		const oom = "SERVER_ERROR out of memory storing object"
		expect("add c 0 0 1\r\nz\r\n", oom)
		expect("get b\r\n", "VALUE b 0 1", "y", "END")
		expect("set b 0 0 1\r\nw\r\n", oom)
		expect("get b\r\n", "END") // the failed set unlinked it
		expect("ms c 1\r\nz\r\n", oom)
		expect("set c 0 0 1 noreply\r\nz\r\nmn\r\n", "MN")
		expect("delete a\r\n", "DELETED")
		if err := admin.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
			t.Fatal(err)
		}
		expect("set a 0 0 1\r\nx\r\n", "STORED")
	})
}

// TestCacheModeEvicts: with --cache_mode, writes over maxmemory evict keys
// instead of failing, over RESP and memcached, and INFO counts them.
func TestCacheModeEvicts(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		cfg.MaxMemory = 1 << 20
		cfg.CacheMode = true
		cfg.MemcachedPort = freePort(t)
		srv := start(t, cfg)
		c := client(t, srv)
		ctx := context.Background()
		val := strings.Repeat("v", 1000)
		const keys = 4000 // ~4 MB into 1 MB
		for i := 0; i < keys; i += 50 {
			p := c.Pipeline()
			for j := i; j < i+50; j++ {
				p.Set(ctx, "k:"+strconv.Itoa(j), val, 0)
			}
			if _, err := p.Exec(ctx); err != nil {
				t.Fatalf("SETs at %d in cache mode: %v", i, err)
			}
		}
		size, err := c.DBSize(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if size >= keys || size < 300 {
			t.Errorf("DBSIZE %d after %d SETs of 1 KB into 1 MB", size, keys)
		}
		if v, err := c.Get(ctx, "k:"+strconv.Itoa(keys-1)).Result(); err != nil || v != val {
			t.Errorf("the last key written: %v", err)
		}
		stats, _ := c.Info(ctx, "stats").Result()
		if !strings.Contains(stats, "evicted_keys:"+strconv.FormatInt(keys-size, 10)+"\r\n") {
			t.Errorf("INFO stats evicted_keys, want %d: %q", keys-size, stats)
		}
		// memcached stores evict too.
		nc, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(srv.MemcachedPort()), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
		br := bufio.NewReader(nc)
		var req strings.Builder
		for i := 0; i < 2000; i++ {
			req.WriteString("set mc:" + strconv.Itoa(i) + " 0 0 1000\r\n" + val + "\r\n")
		}
		if _, err := nc.Write([]byte(req.String())); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2000; i++ {
			if got, err := br.ReadString('\n'); err != nil || got != "STORED\r\n" {
				t.Fatalf("memcached set %d in cache mode: %q %v", i, got, err)
			}
		}
		if _, err := nc.Write([]byte("stats\r\n")); err != nil {
			t.Fatal(err)
		}
		evictions := ""
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if l == "END\r\n" {
				break
			}
			if v, ok := strings.CutPrefix(l, "STAT evictions "); ok {
				evictions = strings.TrimSpace(v)
			}
		}
		if n, _ := strconv.Atoi(evictions); n < keys-int(size)+1000 {
			t.Errorf("memcached evictions %q", evictions)
		}
		// A policy set by CONFIG works the same without --cache_mode
		// once set; noeviction with cache mode still evicts.
		if got, _ := c.ConfigGet(ctx, "maxmemory-policy").Result(); got["maxmemory-policy"] != "noeviction" {
			t.Errorf("maxmemory-policy %v", got)
		}
	})
}

// TestAllkeysPolicyEvicts: CONFIG SET maxmemory-policy allkeys-lru makes
// writes over maxmemory evict, as Redis users configure it.
func TestAllkeysPolicyEvicts(t *testing.T) {
	forEach(t, []int{2}, func(t *testing.T, cfg ring.Config) {
		cfg.MaxMemory = 1 << 20
		srv := start(t, cfg)
		c := client(t, srv)
		ctx := context.Background()
		if err := c.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err(); err != nil {
			t.Fatal(err)
		}
		val := strings.Repeat("v", 1000)
		for i := 0; i < 3000; i += 50 {
			p := c.Pipeline()
			for j := i; j < i+50; j++ {
				p.Set(ctx, "k:"+strconv.Itoa(j), val, 0)
			}
			if _, err := p.Exec(ctx); err != nil {
				t.Fatalf("SETs at %d with allkeys-lru: %v", i, err)
			}
		}
		if size, _ := c.DBSize(ctx).Result(); size >= 3000 {
			t.Errorf("DBSIZE %d: nothing evicted", size)
		}
		if err := c.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
			t.Fatal(err)
		}
		if _, r := fillUntilOOM(t, c, "x:", 2000); r == 0 {
			t.Error("noeviction again: no OOM")
		}
	})
}
