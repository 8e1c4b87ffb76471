package engine

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Benchmarks of the dashtable against a Go map[string][]byte doing the same
// work (the map copies key and value, as a store must). Sizes: 1k and 1M
// keys; DARNER_BENCH_10M=1 adds 10M. Keys and values have memtier's shape:
// "memtier-<n>" and 32 bytes.
//
//	go test -run '^$' -bench 'Dash|Map' -benchmem ./engine/

var benchVal = []byte("0123456789abcdef0123456789abcdef")

func benchSizes() []int {
	s := []int{1000, 1_000_000}
	if os.Getenv("DARNER_BENCH_10M") != "" {
		s = append(s, 10_000_000)
	}
	return s
}

func benchKeys(n int, prefix string) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte(prefix + strconv.Itoa(i))
	}
	return keys
}

func loadDB(keys [][]byte) *DB {
	db := NewDB(DBConfig{Node: -1})
	for _, k := range keys {
		db.Set(k, benchVal, 0, 0, t0)
	}
	return db
}

func loadMap(keys [][]byte) map[string][]byte {
	m := make(map[string][]byte)
	for _, k := range keys {
		m[string(k)] = append([]byte(nil), benchVal...)
	}
	return m
}

func BenchmarkDash(b *testing.B) {
	for _, n := range benchSizes() {
		keys := benchKeys(n, "memtier-")
		miss := benchKeys(n, "missing-")
		b.Run(fmt.Sprintf("Insert/n=%d", n), func(b *testing.B) {
			db := NewDB(DBConfig{Node: -1})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%n == 0 && i > 0 {
					b.StopTimer()
					db.Arena().Release()
					db = NewDB(DBConfig{Node: -1})
					b.StartTimer()
				}
				db.Set(keys[i%n], benchVal, 0, 0, t0)
			}
			db.Arena().Release()
		})
		db := loadDB(keys)
		b.Run(fmt.Sprintf("GetHit/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				db.Get(keys[i%n], t0)
			}
		})
		b.Run(fmt.Sprintf("GetMiss/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				db.Get(miss[i%n], t0)
			}
		})
		b.Run(fmt.Sprintf("SetOverwrite/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				db.Set(keys[i%n], benchVal, 0, 0, t0)
			}
		})
		b.Run(fmt.Sprintf("Delete/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%n == 0 && i > 0 {
					b.StopTimer()
					for _, k := range keys {
						db.Set(k, benchVal, 0, 0, t0)
					}
					b.StartTimer()
				}
				db.Delete(keys[i%n], t0)
			}
		})
		db.Arena().Release()
	}
}

func BenchmarkMap(b *testing.B) {
	for _, n := range benchSizes() {
		keys := benchKeys(n, "memtier-")
		miss := benchKeys(n, "missing-")
		b.Run(fmt.Sprintf("Insert/n=%d", n), func(b *testing.B) {
			m := map[string][]byte{}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%n == 0 && i > 0 {
					m = map[string][]byte{}
				}
				m[string(keys[i%n])] = append([]byte(nil), benchVal...)
			}
		})
		m := loadMap(keys)
		var sink []byte
		b.Run(fmt.Sprintf("GetHit/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sink = m[string(keys[i%n])]
			}
		})
		b.Run(fmt.Sprintf("GetMiss/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sink = m[string(miss[i%n])]
			}
		})
		b.Run(fmt.Sprintf("SetOverwrite/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := keys[i%n]
				m[string(k)] = append(m[string(k)][:0], benchVal...)
			}
		})
		b.Run(fmt.Sprintf("Delete/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%n == 0 && i > 0 {
					b.StopTimer()
					for _, k := range keys {
						m[string(k)] = append([]byte(nil), benchVal...)
					}
					b.StartTimer()
				}
				delete(m, string(keys[i%n]))
			}
		})
		_ = sink
	}
}

// BenchmarkInsertLatency loads the largest benchmark size one key at a time
// and reports the worst and p99.99 single-insert latency, for the dashtable
// (whose segments split one at a time) and the Go map, plus the dashtable's
// latency of the inserts that split a segment. It runs the load once per
// b.N iteration; use -benchtime=1x. On a shared machine the max is the
// scheduler's; the split percentiles are the table's.
func BenchmarkInsertLatency(b *testing.B) {
	sizes := benchSizes()
	n := sizes[len(sizes)-1]
	keys := benchKeys(n, "memtier-")
	lat := make([]time.Duration, n)
	report := func(b *testing.B) {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[n-1].Nanoseconds()), "max-ns")
		b.ReportMetric(float64(lat[n-n/10000-1].Nanoseconds()), "p99.99-ns")
		b.ReportMetric(float64(lat[n/2].Nanoseconds()), "p50-ns")
	}
	b.Run(fmt.Sprintf("dash/n=%d", n), func(b *testing.B) {
		var splitLat []time.Duration
		for b.Loop() {
			db := NewDB(DBConfig{Node: -1})
			splitLat = splitLat[:0]
			for i, k := range keys {
				splits := db.Stats.Splits
				t := time.Now()
				db.Set(k, benchVal, 0, 0, t0)
				lat[i] = time.Since(t)
				if db.Stats.Splits != splits {
					splitLat = append(splitLat, lat[i])
				}
			}
			db.Arena().Release()
		}
		// Inserts that split a segment: the cost of a split itself.
		slices.Sort(splitLat)
		if k := len(splitLat); k > 0 {
			b.ReportMetric(float64(splitLat[k/2].Nanoseconds()), "split-p50-ns")
			b.ReportMetric(float64(splitLat[k-1].Nanoseconds()), "split-max-ns")
		}
		report(b)
	})
	b.Run(fmt.Sprintf("map/n=%d", n), func(b *testing.B) {
		for b.Loop() {
			m := map[string][]byte{}
			for i, k := range keys {
				t := time.Now()
				m[string(k)] = append([]byte(nil), benchVal...)
				lat[i] = time.Since(t)
			}
		}
		report(b)
	})
}

// BenchmarkActiveExpireTick is the cost of one hz tick's ActiveExpire at
// ExpireBudget on 1M keys, half with a deadline: "far" = every deadline
// ahead (segments are skipped by their minExp), "spread" = deadlines spread
// over the next hour with a few passing every tick (segments are swept).
func BenchmarkActiveExpireTick(b *testing.B) {
	const n = 1_000_000
	for _, spread := range []bool{false, true} {
		name := "far"
		if spread {
			name = "spread"
		}
		b.Run(name, func(b *testing.B) {
			db := NewDB(DBConfig{Node: -1})
			defer db.Arena().Release()
			for i := 0; i < n; i++ {
				var exp int64
				if i%2 == 0 {
					exp = t0 + 1_000_000
					if spread {
						exp = t0 + 1 + int64(i)*3_600_000/n
					}
				}
				db.Set([]byte("memtier-"+strconv.Itoa(i)), benchVal, exp, 0, t0)
			}
			now := t0
			b.ReportAllocs()
			for b.Loop() {
				now += 100
				db.ActiveExpire(now, db.ExpireBudget(1))
			}
		})
	}
}
