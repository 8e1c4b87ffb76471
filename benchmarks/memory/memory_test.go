package main

import (
	"os"
	"os/exec"
	"testing"
)

// TestSmallRun loads 20k keys into darner and redis-server and checks the
// measurements are sane (the full run is `go run ./benchmarks/memory`).
func TestSmallRun(t *testing.T) {
	const n = 20_000
	d := measureDarner(n, 32)
	if d.usedPerKey < 32+9 || d.usedPerKey > 200 {
		t.Fatalf("darner used %.1f B/key for 32-byte values", d.usedPerKey)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not installed (required when CI=true)")
		}
		t.Skip("redis-server not installed: skipping the Redis half")
	}
	r, err := measureRedis("redis-server", n, 32)
	if err != nil {
		t.Fatal(err)
	}
	if r.usedPerKey < 32 {
		t.Fatalf("redis used_memory %.1f B/key for 32-byte values", r.usedPerKey)
	}
	t.Logf("20k keys: darner %.1f B/key, redis %.1f B/key", d.usedPerKey, r.usedPerKey)
}
