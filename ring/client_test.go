package ring_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/darnerdb/darner/ring"
	"github.com/redis/go-redis/v9"
)

// TestClientReply checks CLIENT REPLY OFF/SKIP/ON on every dispatch path:
// inline, squashed runs to other shards, multi-shard tx, MULTI/EXEC and a
// blocking command that times out.
func TestClientReply(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		r := dial(t, srv)
		n := cfg.Shards
		k0, k1 := keyOn(0, n), keyOn(n-1, n)
		if n == 1 {
			k1 = "other"
		}
		// exchange sends reqs pipelined plus a final ECHO end and returns
		// the reply lines before "end" (bulk replies as their payload line).
		exchange := func(reqs ...string) []string {
			t.Helper()
			r.send(strings.Join(reqs, "") + cmd("ECHO", "end"))
			var got []string
			for {
				l := r.line()
				if strings.HasPrefix(l, "$") && l != "$-1" {
					l = r.line()
				}
				if l == "end" {
					return got
				}
				got = append(got, l)
			}
		}
		check := func(name string, got []string, want ...string) {
			t.Helper()
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("%s: got %q, want %q", name, got, want)
			}
		}
		check("off", exchange(
			cmd("CLIENT", "REPLY", "OFF"),
			cmd("SET", k0, "a"), cmd("SET", k1, "b"), cmd("GET", k0), cmd("GET", k1),
			cmd("MSET", k0, "c", k1, "d"), cmd("MGET", k0, k1),
			cmd("CLIENT", "REPLY", "SKIP"), cmd("NOSUCH"), cmd("GET"),
			cmd("MULTI"), cmd("GET", k0), cmd("EXEC"),
			cmd("BLPOP", "nolist", "0.05"),
			cmd("CLIENT", "REPLY", "ON"),
			cmd("GET", k0), cmd("GET", k1),
		), "+OK", "c", "d")
		check("on", exchange(cmd("GET", k0), cmd("GET", k1)), "c", "d")
		check("skip", exchange(
			cmd("CLIENT", "REPLY", "SKIP"), cmd("GET", k1), cmd("GET", k0), cmd("GET", k1),
			cmd("CLIENT", "REPLY", "SKIP"), cmd("GET", k0), cmd("GET", k1),
			cmd("CLIENT", "REPLY", "SKIP"), cmd("MSET", k0, "e", k1, "f"), cmd("MGET", k0, k1),
			cmd("CLIENT", "REPLY", "SKIP"), cmd("BLPOP", "nolist", "0.05"), cmd("PING"),
			cmd("CLIENT", "REPLY", "SKIP"), cmd("CLIENT", "REPLY", "ON"), cmd("PING"),
			cmd("CLIENT", "REPLY", "MAYBE"),
		), "c", "d", "d", "*2", "e", "f", "+PONG", "+OK", "+PONG", "-ERR syntax error")
		check("exec", exchange(
			cmd("MULTI"), cmd("CLIENT", "SETNAME", "n"), cmd("CLIENT", "KILL", "ID", "999999"), cmd("CLIENT", "REPLY", "ON"), cmd("EXEC"),
		), "+OK", "+QUEUED", "+QUEUED", "+QUEUED", "*3", "+OK", ":0", "+OK")
		check("flags", exchange(
			cmd("CLIENT", "NO-EVICT", "on"), cmd("CLIENT", "NO-TOUCH", "OFF"), cmd("CLIENT", "NO-EVICT", "x"),
		), "+OK", "+OK", "-ERR syntax error")
	})
}

// TestClientListKill checks CLIENT LIST/INFO show every connection (on
// every shard) with its db and name, and CLIENT KILL closes exactly the
// selected ones.
func TestClientListKill(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		const n = 5
		conns := make([]*redis.Conn, n)
		ids := make([]int64, n)
		for i := range conns {
			c := client(t, srv, func(o *redis.Options) { o.PoolSize = 1; o.DB = i })
			conns[i] = c.Conn()
			t.Cleanup(func() { conns[i].Close() })
			if err := conns[i].ClientSetName(ctx, fmt.Sprintf("c%d", i)).Err(); err != nil {
				t.Fatal(err)
			}
			ids[i] = conns[i].ClientID(ctx).Val()
		}
		list, err := conns[0].ClientList(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			want := fmt.Sprintf("id=%d ", id)
			found := false
			for _, l := range strings.Split(strings.TrimSuffix(list, "\n"), "\n") {
				if strings.HasPrefix(l, want) {
					found = true
					if !strings.Contains(l, fmt.Sprintf(" name=c%d ", i)) || !strings.Contains(l, fmt.Sprintf(" db=%d ", i)) {
						t.Fatalf("client %d: %q", i, l)
					}
				}
			}
			if !found {
				t.Fatalf("client id %d missing from %q", id, list)
			}
		}
		info, err := conns[2].ClientInfo(ctx).Result()
		if err != nil || info.ID != ids[2] || info.Name != "c2" || info.DB != 2 {
			t.Fatalf("CLIENT INFO: %+v %v", info, err)
		}
		one, err := conns[0].Do(ctx, "CLIENT", "LIST", "ID", ids[3], ids[4]).Text()
		if err != nil || strings.Count(one, "\n") != 2 {
			t.Fatalf("CLIENT LIST ID: %q %v", one, err)
		}
		// Kill client 3 by id: it alone goes away.
		if k, err := conns[0].Do(ctx, "CLIENT", "KILL", "ID", ids[3]).Int(); err != nil || k != 1 {
			t.Fatalf("CLIENT KILL ID: %d %v", k, err)
		}
		if err := conns[3].Ping(ctx).Err(); err == nil {
			t.Fatal("killed client still answers")
		}
		for _, i := range []int{0, 1, 2, 4} {
			if err := conns[i].Ping(ctx).Err(); err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
		}
		// The old form by address, and SKIPME.
		addr4 := ""
		for _, l := range strings.Split(conns[0].ClientList(ctx).Val(), "\n") {
			if strings.HasPrefix(l, fmt.Sprintf("id=%d ", ids[4])) {
				addr4 = strings.Fields(l)[1][len("addr="):]
			}
		}
		if err := conns[0].Do(ctx, "CLIENT", "KILL", addr4).Err(); err != nil {
			t.Fatalf("CLIENT KILL addr: %v", err)
		}
		if err := conns[4].Ping(ctx).Err(); err == nil {
			t.Fatal("client killed by addr still answers")
		}
		if k, _ := conns[1].Do(ctx, "CLIENT", "KILL", "ID", ids[1]).Int(); k != 0 {
			t.Fatalf("SKIPME yes killed the caller: %d", k)
		}
		if k, _ := conns[1].Do(ctx, "CLIENT", "KILL", "ID", ids[1], "SKIPME", "no").Int(); k != 1 {
			t.Fatalf("SKIPME no: %d", k)
		}
		if err := conns[1].Ping(ctx).Err(); err == nil {
			t.Fatal("self-killed client still answers")
		}
		if err := conns[0].Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestClientKillOtherShard kills, from a connection on shard 0, a
// connection that lives on shard 1, and lists both.
func TestClientKillOtherShard(t *testing.T) {
	forEach(t, []int{2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		raw := func(shard int) *rawConn {
			c, err := connOnShard(srv, shard)
			if err != nil {
				t.Skipf("cannot place a connection: %v", err)
			}
			t.Cleanup(func() { c.Close() })
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
		}
		killer, victim := raw(0), raw(1)
		victim.send(cmd("CLIENT", "SETNAME", "victim"))
		victim.line()
		victim.send(cmd("CLIENT", "ID"))
		id := strings.TrimPrefix(victim.line(), ":")
		killer.send(cmd("CLIENT", "LIST"))
		size, _ := strconv.Atoi(strings.TrimPrefix(killer.line(), "$"))
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(killer.r, buf); err != nil {
			t.Fatal(err)
		}
		list := string(buf)
		if strings.Count(list, "\n") != 3 { // two lines, then CRLF
			t.Fatalf("want 2 clients: %q", list)
		}
		if !strings.Contains(list, "name=victim") {
			t.Fatalf("victim not listed: %q", list)
		}
		killer.send(cmd("CLIENT", "KILL", "ID", id))
		if got := killer.line(); got != ":1" {
			t.Fatalf("CLIENT KILL: %q", got)
		}
		victim.expectClosed()
		killer.send(cmd("PING"))
		if got := killer.line(); got != "+PONG" {
			t.Fatalf("killer: %q", got)
		}
	})
}
