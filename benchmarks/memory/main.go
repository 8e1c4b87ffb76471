// Command memory measures darner's memory per key against redis-server for
// memtier_benchmark's key/value shape ("memtier-<n>" keys, 32-byte values),
// and shows that the keyspace is invisible to the Go GC.
//
//	go run ./benchmarks/memory -n 1000000            # darner vs redis, 1M keys
//	go run ./benchmarks/memory -n 10000000 -gc       # + GC mark time 10k vs 10M keys
//
// darner is measured in process: one engine.DB (one shard's database) is
// loaded and the process's RSS delta and DB.UsedBytes are divided by the key
// count. redis-server (from $PATH or -redis) is started on 127.0.0.1 on a
// free port without persistence, loaded with pipelined raw RESP SETs, and
// measured by INFO used_memory and the RSS in /proc/<pid>/status.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

func main() {
	n := flag.Int("n", 1_000_000, "keys to load")
	valSize := flag.Int("value", 32, "value size in bytes")
	redisBin := flag.String("redis", "redis-server", "redis-server binary (\"\" to skip Redis)")
	gc := flag.Bool("gc", false, "also measure a forced GC with 10k keys and with -n keys loaded")
	flag.Parse()

	d := measureDarner(*n, *valSize)
	fmt.Printf("darner: %d keys, value %d B: used %.1f B/key (data %.1f + table %.1f), RSS delta %.1f B/key, load %.2fs\n",
		*n, *valSize, d.usedPerKey, d.dataPerKey, d.tablePerKey, d.rssPerKey, d.load.Seconds())
	if *redisBin != "" {
		r, err := measureRedis(*redisBin, *n, *valSize)
		if err != nil {
			fmt.Fprintln(os.Stderr, "redis:", err)
			os.Exit(1)
		}
		fmt.Printf("redis:  %d keys, value %d B: used_memory %.1f B/key, RSS delta %.1f B/key, load %.2fs (%s)\n",
			*n, *valSize, r.usedPerKey, r.rssPerKey, r.load.Seconds(), r.version)
		fmt.Printf("ratio darner/redis: used %.2f, RSS %.2f\n", d.usedPerKey/r.usedPerKey, d.rssPerKey/r.rssPerKey)
	}
	if *gc {
		small := measureGC(10_000, *valSize)
		big := measureGC(*n, *valSize)
		fmt.Printf("forced GC with %d keys: %v (mark %v), heap %d MB\n", small.keys, small.wall, small.mark, small.heapMB)
		fmt.Printf("forced GC with %d keys: %v (mark %v), heap %d MB\n", big.keys, big.wall, big.mark, big.heapMB)
	}
}

func settle() {
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(50 * time.Millisecond)
}
