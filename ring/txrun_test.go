package ring_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/darnerdb/darner/ring"
)

// INFO and scrapes (keyless txs over phase hops) while clients run
// commands on every shard, and Server.Do / Scrape from other goroutines
// at the same time: every reply arrives, counters add up.
func TestKeylessTxUnderLoad(t *testing.T) {
	forEach(t, []int{1, 3}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		const clients, perClient = 4, 200
		var wg sync.WaitGroup
		for w := 0; w < clients; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := client(t, srv)
				for i := 0; i < perClient; i++ {
					k := "k" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
					if err := c.Set(ctx, k, "v", 0).Err(); err != nil {
						t.Errorf("SET: %v", err)
						return
					}
					if i%20 == 0 {
						if _, err := c.Info(ctx, "keyspace").Result(); err != nil {
							t.Errorf("INFO: %v", err)
							return
						}
					}
				}
			}()
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				body, status, err := srv.Scrape(ctx, "/metrics")
				if err != nil || status != 200 || !strings.Contains(string(body), "darner_commands_total") {
					t.Errorf("Scrape: %d %v", status, err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 30; i++ {
				out, err := srv.Do(ctx, []byte("PING"))
				if err != nil || string(out) != "+PONG\r\n" {
					t.Errorf("Do PING: %q %v", out, err)
					return
				}
				out, err = srv.Do(ctx, []byte("info"), []byte("server"))
				if err != nil || !strings.Contains(string(out), "# Server") {
					t.Errorf("Do INFO: %q %v", out, err)
					return
				}
			}
		}()
		wg.Wait()
		out, err := srv.Do(ctx, []byte("get"), []byte("k0-0"))
		if err != nil || string(out) != "$1\r\nv\r\n" {
			t.Fatalf("Do GET: %q %v", out, err)
		}
		info, err := srv.Do(ctx, []byte("info"), []byte("keyspace"), []byte("commandstats"))
		if err != nil {
			t.Fatal(err)
		}
		want := "db0:keys=" + strconv.Itoa(clients*perClient) + ","
		if !strings.Contains(string(info), want) {
			t.Errorf("INFO keyspace: %q, want %q", info, want)
		}
		if !strings.Contains(string(info), "cmdstat_set:calls="+strconv.Itoa(clients*perClient)+",") {
			t.Errorf("INFO commandstats: %q", info)
		}
		body, status, err := srv.Scrape(ctx, "/healthz")
		if err != nil || status != 200 || string(body) != "OK\n" {
			t.Errorf("healthz: %d %q %v", status, body, err)
		}
	})
}
