package engine

import (
	"container/list"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// evictLocal is a Local with maxmemory set to its empty size plus room
// bytes and eviction configured by setup.
func evictLocal(t testing.TB, n int, room int64, setup func(l *Local)) *Local {
	l := NewLocal(n)
	base := l.Server.UsedMemory()
	if err := l.Server.Config().Set("maxmemory", strconv.FormatInt(base+room, 10)); err != nil {
		t.Fatal(err)
	}
	setup(l)
	for _, s := range l.Shards {
		s.Tick(l.now()) // turns slot ranking on
	}
	return l
}

func checkDBs(t testing.TB, l *Local) {
	t.Helper()
	for _, s := range l.Shards {
		for i, db := range s.DBs {
			if err := db.Check(); err != nil {
				t.Fatalf("shard %d db %d: %v", s.ID, i, err)
			}
		}
	}
}

func sumUsed(l *Local) int64 {
	var n int64
	for _, s := range l.Shards {
		n += s.UsedBytes()
	}
	return n
}

func TestEvictKeepsUnderLimit(t *testing.T) {
	modes := map[string]func(l *Local){
		"cache_mode":  func(l *Local) { l.Server.SetCacheMode(true) },
		"allkeys-lru": func(l *Local) { _ = l.Server.Config().Set("maxmemory-policy", "allkeys-lru") },
	}
	for name, setup := range modes {
		for _, n := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/shards=%d", name, n), func(t *testing.T) {
				const room = 1 << 20
				l := evictLocal(t, n, room, setup)
				defer l.Close()
				limit := l.Server.Config().MaxMemory()
				val := strings.Repeat("v", 1000)
				const keys = 6000 // ~6 MB of values into 1 MB
				for i := 0; i < keys; i++ {
					k := "key:" + strconv.Itoa(i)
					if r := l.Do("SET", k, val); r != "+OK\r\n" {
						t.Fatalf("SET %d = %q", i, r)
					}
					if r := l.Do("EXISTS", k); r != ":1\r\n" {
						t.Fatalf("the key just written was evicted (%d)", i)
					}
					if used := sumUsed(l); used > limit+int64(n)*8<<10+2*int64(len(val)) {
						t.Fatalf("used %d over limit %d after %d SETs", used, limit, i+1)
					}
				}
				checkDBs(t, l)
				size := 0
				for _, s := range l.Shards {
					size += int(s.Keys())
				}
				ev, _ := strconv.Atoi(infoField(l, "stats", "evicted_keys"))
				if ev+size != keys || ev < keys/2 {
					t.Errorf("%d keys left, evicted_keys %d, of %d", size, ev, keys)
				}
				// The space is used: the keys left fill most of the room.
				if size < room/(2*1100) {
					t.Errorf("only %d keys of 1 KB left in %d bytes", size, room)
				}
				// Reads and DEL work; more writes still succeed.
				mmExpect(t, l, ":1\r\n", "DEL", "key:"+strconv.Itoa(keys-1))
				mmExpect(t, l, "+OK\r\n", "SET", "after", val)
				mmExpect(t, l, ":1\r\n", "RPUSH", "list", val)
			})
		}
	}
}

// TestEvictVolatile: volatile-* policies evict only keys with a deadline;
// with none left, writes are refused.
func TestEvictVolatile(t *testing.T) {
	l := evictLocal(t, 1, 256<<10, func(l *Local) { _ = l.Server.Config().Set("maxmemory-policy", "volatile-lru") })
	defer l.Close()
	val := strings.Repeat("p", 1000)
	for i := 0; i < 100; i++ { // ~100 KB without deadlines
		mmExpect(t, l, "+OK\r\n", "SET", "perm:"+strconv.Itoa(i), val)
	}
	for i := 0; i < 1000; i++ { // 1 MB with deadlines: evicted as needed
		if r := l.Do("SET", "vol:"+strconv.Itoa(i), val, "EX", "1000"); r != "+OK\r\n" {
			t.Fatalf("SET vol:%d = %q", i, r)
		}
	}
	for i := 0; i < 100; i++ {
		mmExpect(t, l, ":1\r\n", "EXISTS", "perm:"+strconv.Itoa(i))
	}
	refused := false
	for i := 0; i < 400 && !refused; i++ { // no deadline: nothing to evict
		switch r := l.Do("SET", "perm2:"+strconv.Itoa(i), val); r {
		case oomReply:
			refused = true
		case "+OK\r\n":
		default:
			t.Fatalf("SET = %q", r)
		}
	}
	if !refused {
		t.Error("writes without evictable keys never refused")
	}
	checkDBs(t, l)
}

// TestEvictPromotion: a key read between writes climbs its bucket and
// survives churn that evicts the keys around it.
func TestEvictPromotion(t *testing.T) {
	l := evictLocal(t, 1, 200<<10, func(l *Local) { l.Server.SetCacheMode(true) })
	defer l.Close()
	val := strings.Repeat("x", 500)
	hot := make([]string, 20)
	for i := range hot {
		hot[i] = "hot:" + strconv.Itoa(i)
		mmExpect(t, l, "+OK\r\n", "SET", hot[i], val)
	}
	for i := 0; i < 5000; i++ {
		mmExpect(t, l, "+OK\r\n", "SET", "cold:"+strconv.Itoa(i), val)
		for _, h := range hot {
			if r := l.Do("GET", h); r == "$-1\r\n" {
				t.Fatalf("hot key %s evicted after %d cold writes", h, i)
			}
		}
	}
	checkDBs(t, l)
	if ev, _ := strconv.Atoi(infoField(l, "stats", "evicted_keys")); ev < 4000 {
		t.Errorf("evicted_keys %d", ev)
	}
}

// zipf draws ranks 0..n-1 with P(i) ∝ 1/(i+1)^theta (YCSB's theta 0.99).
type zipf struct {
	cdf []float64
	r   *rand.Rand
}

func newZipf(n int, theta float64, seed int64) *zipf {
	z := &zipf{cdf: make([]float64, n), r: rand.New(rand.NewSource(seed))}
	sum := 0.0
	for i := range z.cdf {
		sum += 1 / math.Pow(float64(i+1), theta)
		z.cdf[i] = sum
	}
	for i := range z.cdf {
		z.cdf[i] /= sum
	}
	return z
}

func (z *zipf) next() int { return sort.SearchFloat64s(z.cdf, z.r.Float64()) }

// lruHitRate replays trace (cache-aside: a miss inserts) through an exact
// LRU of capacity keys.
func lruHitRate(trace []int, capacity int) float64 {
	ll := list.New()
	pos := map[int]*list.Element{}
	hits := 0
	for _, k := range trace {
		if e, ok := pos[k]; ok {
			hits++
			ll.MoveToFront(e)
			continue
		}
		pos[k] = ll.PushFront(k)
		if ll.Len() > capacity {
			old := ll.Back()
			ll.Remove(old)
			delete(pos, old.Value.(int))
		}
	}
	return float64(hits) / float64(len(trace))
}

// randomHitRate is lruHitRate with random eviction (the floor).
func randomHitRate(trace []int, capacity int) float64 {
	r := rand.New(rand.NewSource(2))
	keys := make([]int, 0, capacity+1)
	pos := map[int]int{}
	hits := 0
	for _, k := range trace {
		if _, ok := pos[k]; ok {
			hits++
			continue
		}
		pos[k] = len(keys)
		keys = append(keys, k)
		if len(keys) > capacity {
			i := r.Intn(len(keys) - 1) // never the key just inserted
			delete(pos, keys[i])
			last := keys[len(keys)-1]
			keys[i] = last
			pos[last] = i
			keys = keys[:len(keys)-1]
		}
	}
	return float64(hits) / float64(len(trace))
}

// cacheHitRate replays trace through darner in cache mode (GET, and SET on
// a miss) and returns the hit rate and the mean number of keys resident
// over the second half.
func cacheHitRate(t testing.TB, trace []int, room int64, val string) (float64, float64) {
	l := evictLocal(t, 1, room, func(l *Local) { l.Server.SetCacheMode(true) })
	defer l.Close()
	hits := 0
	var resident, samples float64
	for i, k := range trace {
		key := "k:" + strconv.Itoa(k)
		if l.Do("GET", key) != "$-1\r\n" {
			hits++
		} else if r := l.Do("SET", key, val); r != "+OK\r\n" {
			t.Fatalf("SET = %q", r)
		}
		if i >= len(trace)/2 && i%100 == 0 {
			resident += float64(l.Shards[0].Keys())
			samples++
		}
	}
	return float64(hits) / float64(len(trace)), resident / samples
}

// TestEvictZipfHitRate measures the keyspace hit rate of cache mode on a
// Zipfian (theta 0.99) cache-aside workload, against an exact LRU holding
// the same number of keys darner held on average.
func TestEvictZipfHitRate(t *testing.T) {
	const keys, ops = 50000, 300000
	z := newZipf(keys, 0.99, 1)
	trace := make([]int, ops)
	for i := range trace {
		trace[i] = z.next()
	}
	val := strings.Repeat("z", 100)
	for _, room := range []int64{512 << 10, 2 << 20} {
		hit, resident := cacheHitRate(t, trace, room, val)
		lru := lruHitRate(trace, int(resident))
		rnd := randomHitRate(trace, int(resident))
		t.Logf("room %d KB: darner hit rate %.4f with %.0f keys resident; with as many keys exact LRU %.4f, random eviction %.4f", room>>10, hit, resident, lru, rnd)
		if hit < lru-0.05 {
			t.Errorf("hit rate %.4f, LRU %.4f", hit, lru)
		}
	}
}

// TestEvictNothingLeft: as Redis, a policy that evicts still refuses
// writes when evicting everything cannot get under maxmemory (maxmemory 1
// is below the empty tables' size).
func TestEvictNothingLeft(t *testing.T) {
	mmLocals(t, func(t *testing.T, l *Local) {
		l.Server.SetCacheMode(true)
		mmExpect(t, l, "+OK\r\n", "SET", "a", "1")
		mmExpect(t, l, "+OK\r\n", "CONFIG", "SET", "maxmemory", "1")
		mmExpect(t, l, oomReply, "SET", "b", "1")
		for _, s := range l.Shards {
			s.Tick(l.now())
		}
		mmExpect(t, l, ":0\r\n", "DBSIZE")
		mmExpect(t, l, oomReply, "SET", "b", "1")
	})
}

// BenchmarkGetRanked is DB.Get of resident keys with slot ranking (cache
// mode: every hit promotes) and without.
func BenchmarkGetRanked(b *testing.B) {
	for _, rank := range []bool{false, true} {
		b.Run(fmt.Sprintf("rank=%v", rank), func(b *testing.B) {
			db := NewDB(DBConfig{Node: -1})
			defer db.Arena().Release()
			db.rank = rank
			keys := make([][]byte, 4096)
			for i := range keys {
				keys[i] = []byte("key:" + strconv.Itoa(i))
				db.Set(keys[i], []byte("value"), 0, 0, 0)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok := db.Get(keys[i&4095], 0); !ok {
					b.Fatal("miss")
				}
			}
		})
	}
}

// TestEvictModel runs seeded random writes, reads and deletes in cache
// mode under a tight limit against a map: a key darner still has holds
// the value last written (eviction and promotion never mix up slots), a
// deleted key is gone, and the table's invariants hold throughout.
func TestEvictModel(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("shards=%d", n), func(t *testing.T) {
			l := evictLocal(t, n, 300<<10, func(l *Local) { l.Server.SetCacheMode(true) })
			defer l.Close()
			r := rand.New(rand.NewSource(int64(7 + n)))
			model := map[string]string{}
			evictedBefore := 0
			for op := 0; op < 30000; op++ {
				k := "m:" + strconv.Itoa(r.Intn(3000))
				switch x := r.Intn(10); {
				case x < 4:
					v := strconv.Itoa(op) + strings.Repeat("#", r.Intn(400))
					if got := l.Do("SET", k, v); got != "+OK\r\n" {
						t.Fatalf("SET = %q", got)
					}
					model[k] = v
				case x < 9:
					got := l.Do("GET", k)
					want, ok := model[k]
					switch {
					case got == "$-1\r\n":
						delete(model, k) // evicted (or never written)
					case !ok:
						t.Fatalf("GET %s = %q, the key was never written or was deleted", k, got)
					case got != "$"+strconv.Itoa(len(want))+"\r\n"+want+"\r\n":
						t.Fatalf("GET %s = %.40q, want %.40q", k, got, want)
					}
				default:
					l.Do("DEL", k)
					delete(model, k)
				}
				if op%5000 == 4999 {
					checkDBs(t, l)
					for _, s := range l.Shards {
						s.Tick(l.now())
					}
				}
			}
			ev, _ := strconv.Atoi(infoField(l, "stats", "evicted_keys"))
			if ev <= evictedBefore {
				t.Errorf("nothing evicted (%d)", ev)
			}
			if used, limit := sumUsed(l), l.Server.Config().MaxMemory(); used > limit+int64(n)*8<<10 {
				t.Errorf("used %d, limit %d", used, limit)
			}
		})
	}
}
