package ring_test

import (
	"bufio"
	"fmt"
	"strings"
	"testing"

	"github.com/darnerdb/darner/ring"
)

// dialOnShard opens a raw connection on shard want.
func dialOnShard(b *testing.B, srv *ring.Server, want int) *rawConn {
	b.Helper()
	c, err := connOnShard(srv, want)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return &rawConn{t: b, c: c, r: bufio.NewReader(c)}
}

// BenchmarkGET measures one unpipelined GET round trip through the real
// loops from a raw client on shard 0: "local" reads a key shard 0 owns,
// "hop" one shard 1 owns (coordinator → SPSC → shard 1 → SPSC → back; shard
// 1 is idle between requests, so each hop also pays its eventfd wake-up).
// The difference is the cost of a hop. Shards are unpinned unless
// DARNER_TEST_PIN=1 (see start). "pipe16" sends 16 GETs of shard-1
// keys per write, squashed into one hop.
func BenchmarkGET(b *testing.B) {
	for _, be := range backends() {
		srv := start(b, ring.Config{Shards: 2, ForceEpoll: be == "epoll"})
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
