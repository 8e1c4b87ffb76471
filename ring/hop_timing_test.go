package ring_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/darnerdb/darner/ring"
)

// dialOnShard opens raw connections until one lands on shard want.
func dialOnShard(b *testing.B, srv *ring.Server, want int) *rawConn {
	b.Helper()
	for i := 0; i < 64; i++ {
		before := ring.ShardAccepts(srv)
		r := dial(b, srv)
		r.send(cmd("PING"))
		if got := r.line(); got != "+PONG" {
			b.Fatalf("PING: %q", got)
		}
		after := ring.ShardAccepts(srv)
		if after[want] > before[want] {
			return r
		}
		r.c.Close()
	}
	b.Fatalf("no connection landed on shard %d", want)
	return nil
}

// BenchmarkGET measures one unpipelined GET round trip through the real
// loops from a raw client on shard 0: "local" reads a key shard 0 owns,
// "hop" one shard 1 owns (coordinator → SPSC → shard 1 → SPSC → back; shard
// 1 is idle between requests, so each hop also pays its eventfd wake-up).
// The difference is the cost of a hop. "pipe16" sends 16 GETs of shard-1
// keys per write, squashed into one hop.
func BenchmarkGET(b *testing.B) {
	for _, be := range backends() {
		srv := start(b, ring.Config{Shards: 2, ForceEpoll: be == "epoll", NoPin: os.Getenv("DARNER_BENCH_NOPIN") != ""})
		r := dialOnShard(b, srv, 0)
		for _, sh := range []int{0, 1} {
			r.send(cmd("SET", keyOn(sh, 2), "value"))
			if got := r.line(); got != "+OK" {
				b.Fatalf("SET: %q", got)
			}
		}
		for _, c := range []struct {
			name  string
			shard int
		}{{"local", 0}, {"hop", 1}} {
			req := []byte(cmd("GET", keyOn(c.shard, 2)))
			b.Run(fmt.Sprintf("%s/%s", be, c.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := r.c.Write(req); err != nil {
						b.Fatal(err)
					}
					r.line()
					r.line()
				}
			})
		}
		req := []byte(strings.Repeat(cmd("GET", keyOn(1, 2)), 16))
		b.Run(be+"/hop-pipe16", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := r.c.Write(req); err != nil {
					b.Fatal(err)
				}
				for j := 0; j < 32; j++ {
					r.line()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*16), "ns/GET")
		})
	}
}
