package ring_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/darnerdb/darner/ring"
)

// TestPubSubAcrossShards: subscribers on every shard (RESP2 and RESP3,
// channels and patterns) receive what publishers on every shard send, in
// order per publisher; PUBLISH counts the receivers; NUMSUB/NUMPAT/
// CHANNELS see the subscriptions; a closed subscriber leaves the registry.
func TestPubSubAcrossShards(t *testing.T) {
	forEach(t, []int{1, 2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx := context.Background()
		n := cfg.Shards
		var subs []*redis.PubSub
		for i := 0; i < 2*n; i++ {
			proto := 2 + i%2
			c := client(t, srv, func(o *redis.Options) { o.Protocol = proto })
			var ps *redis.PubSub
			if i%2 == 0 {
				ps = c.Subscribe(ctx, "news", "other")
			} else {
				ps = c.PSubscribe(ctx, "n*s")
			}
			if _, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if _, err := ps.Receive(ctx); err != nil { // "other"
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { ps.Close() })
			subs = append(subs, ps)
		}
		pub := client(t, srv)
		if got := pub.PubSubNumSub(ctx, "news", "other", "none").Val(); got["news"] != int64(n) || got["other"] != int64(n) || got["none"] != 0 {
			t.Fatalf("NUMSUB %v", got)
		}
		if got := pub.PubSubNumPat(ctx).Val(); got != 1 {
			t.Fatalf("NUMPAT %d", got)
		}
		if info := pub.Info(ctx, "stats").Val(); !strings.Contains(info, "pubsub_channels:2\r\n") || !strings.Contains(info, "pubsub_patterns:1\r\n") {
			t.Fatalf("INFO stats: %s", info)
		}
		chans := pub.PubSubChannels(ctx, "*").Val()
		sort.Strings(chans)
		if fmt.Sprint(chans) != "[news other]" {
			t.Fatalf("CHANNELS %v", chans)
		}
		const msgs = 50
		for p := 0; p < 2; p++ {
			pc := client(t, srv)
			for i := 0; i < msgs; i++ {
				got, err := pc.Publish(ctx, "news", fmt.Sprintf("p%d-%d", p, i)).Result()
				if err != nil || got != int64(2*n) {
					t.Fatalf("PUBLISH: %d %v, want %d receivers", got, err, 2*n)
				}
			}
		}
		for k, ps := range subs {
			next := [2]int{}
			for j := 0; j < 2*msgs; j++ {
				m, err := ps.ReceiveTimeout(ctx, 10*time.Second)
				if err != nil {
					t.Fatalf("subscriber %d: %v after %v", k, err, next)
				}
				var p, i int
				switch m := m.(type) {
				case *redis.Message:
					if m.Channel != "news" || k%2 == 1 && m.Pattern != "n*s" {
						t.Fatalf("subscriber %d: %+v", k, m)
					}
					if _, err := fmt.Sscanf(m.Payload, "p%d-%d", &p, &i); err != nil {
						t.Fatal(err)
					}
				default:
					t.Fatalf("subscriber %d: %T %v", k, m, m)
				}
				if i != next[p] {
					t.Fatalf("subscriber %d: publisher %d message %d, want %d", k, p, i, next[p])
				}
				next[p]++
			}
		}
		for _, ps := range subs {
			ps.Close()
		}
		waitFor(t, "subscriptions to end", func() bool {
			return pub.PubSubNumSub(ctx, "news").Val()["news"] == 0 && pub.PubSubNumPat(ctx).Val() == 0
		})
	})
}

// TestPubSubRESP2Mode checks the raw replies of a RESP2 subscriber: its
// own message, the refused commands, PING's array, RESET.
func TestPubSubRESP2Mode(t *testing.T) {
	forEach(t, []int{2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		s := dial(t, srv)
		o := dial(t, srv)
		s.send(cmd("SUBSCRIBE", "a", "b"))
		want := []string{"*3", "$9", "subscribe", "$1", "a", ":1", "*3", "$9", "subscribe", "$1", "b", ":2"}
		for _, w := range want {
			if l := s.line(); l != w {
				t.Fatalf("SUBSCRIBE: %q, want %q", l, w)
			}
		}
		o.send(cmd("PUBLISH", "b", "hi there"))
		if l := o.line(); l != ":1" {
			t.Fatalf("PUBLISH: %q", l)
		}
		for _, w := range []string{"*3", "$7", "message", "$1", "b", "$8", "hi there"} {
			if l := s.line(); l != w {
				t.Fatalf("message: %q, want %q", l, w)
			}
		}
		s.send(cmd("GET", "k") + cmd("PING"))
		if l := s.line(); !strings.HasPrefix(l, "-ERR Can't execute 'get': only (P|S)SUBSCRIBE") {
			t.Fatalf("GET: %q", l)
		}
		for _, w := range []string{"*2", "$4", "pong", "$0", ""} {
			if l := s.line(); l != w {
				t.Fatalf("PING: %q, want %q", l, w)
			}
		}
		s.send(cmd("RESET") + cmd("PING"))
		if l := s.line(); l != "+RESET" {
			t.Fatalf("RESET: %q", l)
		}
		if l := s.line(); l != "+PONG" {
			t.Fatalf("PING after RESET: %q", l)
		}
		o.send(cmd("PUBLISH", "b", "x"))
		if l := o.line(); l != ":0" {
			t.Fatalf("PUBLISH after RESET: %q", l)
		}
	})
}

// TestPubSubHelloSwitch: a RESP3 subscriber that switches to RESP2 gets
// its messages framed for RESP2 from then on.
func TestPubSubHelloSwitch(t *testing.T) {
	forEach(t, []int{2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		s := dial(t, srv)
		o := dial(t, srv)
		s.send(cmd("HELLO", "3"))
		if l := s.line(); !strings.HasPrefix(l, "%") {
			t.Fatalf("HELLO 3: %q", l)
		}
		for s.line() != "*0" { // ... modules: an empty array ends it
		}
		s.send(cmd("SUBSCRIBE", "c"))
		for _, w := range []string{">3", "$9", "subscribe", "$1", "c", ":1"} {
			if l := s.line(); l != w {
				t.Fatalf("SUBSCRIBE: %q, want %q", l, w)
			}
		}
		o.send(cmd("PUBLISH", "c", "m"))
		o.line()
		for _, w := range []string{">3", "$7", "message", "$1", "c", "$1", "m"} {
			if l := s.line(); l != w {
				t.Fatalf("RESP3 message: %q, want %q", l, w)
			}
		}
		s.send(cmd("HELLO", "2"))
		if l := s.line(); l != "*14" {
			t.Fatalf("HELLO 2: %q", l)
		}
		for s.line() != "*0" { // ... modules: an empty array ends it
		}
		o.send(cmd("PUBLISH", "c", "m"))
		o.line()
		for _, w := range []string{"*3", "$7", "message", "$1", "c", "$1", "m"} {
			if l := s.line(); l != w {
				t.Fatalf("RESP2 message: %q, want %q", l, w)
			}
		}
	})
}
