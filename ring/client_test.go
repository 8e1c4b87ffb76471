package ring_test

import (
	"strings"
	"testing"

	"github.com/darnerdb/darner/ring"
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
		check("flags", exchange(
			cmd("CLIENT", "NO-EVICT", "on"), cmd("CLIENT", "NO-TOUCH", "OFF"), cmd("CLIENT", "NO-EVICT", "x"),
		), "+OK", "+OK", "-ERR syntax error")
	})
}
