package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/darnerdb/darner/engine"
)

type darnerResult struct {
	usedPerKey, dataPerKey, tablePerKey, rssPerKey float64
	load                                           time.Duration
}

// memtierKey appends memtier_benchmark's key for index i.
func memtierKey(dst []byte, i int) []byte {
	return strconv.AppendInt(append(dst, "memtier-"...), int64(i), 10)
}

func memtierValue(size int) []byte { return bytes.Repeat([]byte{'x'}, size) }

func loadDarner(n, valSize int) (*engine.DB, time.Duration) {
	db := engine.NewDB(engine.DBConfig{Node: -1})
	val := memtierValue(valSize)
	key := make([]byte, 0, 32)
	start := time.Now()
	for i := 0; i < n; i++ {
		key = memtierKey(key[:0], i)
		db.Set(key, val, 0, 0, 0)
	}
	return db, time.Since(start)
}

func measureDarner(n, valSize int) darnerResult {
	settle()
	before := selfRSS()
	db, load := loadDarner(n, valSize)
	settle()
	after := selfRSS()
	k := float64(n)
	r := darnerResult{
		usedPerKey:  float64(db.UsedBytes()) / k,
		dataPerKey:  float64(db.DataBytes()) / k,
		tablePerKey: float64(db.TableBytes()) / k,
		rssPerKey:   float64(after-before) / k,
		load:        load,
	}
	runtime.KeepAlive(db)
	db.Arena().Release()
	return r
}

type gcResult struct {
	keys       int
	wall, mark time.Duration
	heapMB     uint64
}

// measureGC loads n keys and forces collections: wall is the mean time of
// runtime.GC(), mark the mean GC CPU time spent marking (runtime/metrics
// /cpu/classes/gc/mark/...) per collection.
func measureGC(n, valSize int) gcResult {
	db, _ := loadDarner(n, valSize)
	settle()
	samples := []metrics.Sample{
		{Name: "/cpu/classes/gc/mark/assist:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/dedicated:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
	}
	mark := func() float64 {
		metrics.Read(samples)
		t := 0.0
		for _, s := range samples {
			t += s.Value.Float64()
		}
		return t
	}
	const runs = 10
	m0 := mark()
	start := time.Now()
	for i := 0; i < runs; i++ {
		runtime.GC()
	}
	wall := time.Since(start) / runs
	m1 := mark()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(db)
	db.Arena().Release()
	return gcResult{keys: n, wall: wall, mark: time.Duration((m1 - m0) / runs * 1e9), heapMB: ms.HeapAlloc >> 20}
}

// selfRSS is this process's resident set in bytes.
func selfRSS() int64 { return statusRSS("/proc/self/status") }

func statusRSS(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	i := bytes.Index(b, []byte("VmRSS:"))
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+len("VmRSS:"):])
	kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
	return kb << 10
}
