package main

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestMaxMemoryFlags: --maxmemory takes Redis's units and shows in CONFIG
// and INFO; with --cache_mode writes over it evict; a bad value fails at
// start-up with a clear message.
func TestMaxMemoryFlags(t *testing.T) {
	p := startDarner(t, "io_uring", "--proactor_threads", "2", "--maxmemory", "2mb", "--cache_mode")
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: 2, DisableIdentity: true})
	defer rdb.Close()
	if got, err := rdb.ConfigGet(ctx, "maxmemory").Result(); err != nil || got["maxmemory"] != "2097152" {
		t.Fatalf("CONFIG GET maxmemory = %v, %v", got, err)
	}
	val := strings.Repeat("v", 1000)
	for i := 0; i < 6000; i += 100 {
		pl := rdb.Pipeline()
		for j := i; j < i+100; j++ {
			pl.Set(ctx, "k:"+strconv.Itoa(j), val, 0)
		}
		if _, err := pl.Exec(ctx); err != nil {
			t.Fatalf("SET in cache mode: %v", err)
		}
	}
	info, _ := rdb.Info(ctx, "memory", "stats").Result()
	if !strings.Contains(info, "maxmemory:2097152\r\n") || !strings.Contains(info, "maxmemory_human:2.00M\r\n") {
		t.Errorf("INFO memory: %q", info)
	}
	if strings.Contains(info, "evicted_keys:0\r\n") || !strings.Contains(info, "evicted_keys:") {
		t.Errorf("nothing evicted: %q", info)
	}
	rdb.Close()
	p.stop(t)

	out, err := exec.Command(darnerBin, "--bind", "127.0.0.1", "--port", "0", "--maxmemory", "12zb").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "--maxmemory") {
		t.Errorf("--maxmemory 12zb: %v\n%s", err, out)
	}
}
