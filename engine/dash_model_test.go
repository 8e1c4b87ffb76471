package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

type modelEntry struct {
	val string
	typ ValueType
	exp int64 // 0: none
}

// modelDB is the reference: a Go map with Redis's visible semantics.
type modelDB map[string]modelEntry

func (m modelDB) live(k string, now int64) (modelEntry, bool) {
	e, ok := m[k]
	if ok && e.exp != 0 && e.exp <= now {
		delete(m, k)
		return modelEntry{}, false
	}
	return e, ok
}

// modelOps is the number of random operations per seed; DARNER_LONG=1 runs
// millions.
func modelOps(short int) int {
	if os.Getenv("DARNER_LONG") != "" {
		return 3_000_000
	}
	return short
}

func TestDBModel(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if s := os.Getenv("DARNER_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seeds = []uint64{n}
	} else {
		seeds = append(seeds, uint64(time.Now().UnixNano()))
	}
	ops := modelOps(30_000)
	if checkEvery == 1 && os.Getenv("DARNER_LONG") == "" {
		ops = 20_000
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			runModel(t, seed, ops)
		})
	}
}

func runModel(t *testing.T, seed uint64, ops int) {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	db := NewDB(DBConfig{Node: -1})
	defer db.Arena().Release()
	m := modelDB{}
	now := int64(1_700_000_000_000)
	keySpace := 200 + r.IntN(40_000)
	valBuf := make([]byte, 200_000)
	for i := range valBuf {
		valBuf[i] = byte('a' + i%26)
	}
	fail := func(step int, format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d (rerun: DARNER_SEED=%d go test -run TestDBModel ./engine/) step %d: %s", seed, seed, step, fmt.Sprintf(format, args...))
	}
	randKey := func() []byte {
		n := r.IntN(keySpace)
		switch n % 7 {
		case 0:
			return []byte("k" + strconv.Itoa(n))
		case 1:
			return []byte(fmt.Sprintf("a-much-longer-key-name-for-testing-varints:%0150d", n)) // > 127 bytes
		default:
			return []byte("memtier-" + strconv.Itoa(n))
		}
	}
	randVal := func() []byte {
		switch x := r.IntN(100); {
		case x < 20:
			return []byte(strconv.FormatInt(r.Int64N(1<<40)-1<<39, 10)) // stored as an integer
		case x < 23:
			return []byte("007") // not canonical: stays a string
		case x < 25:
			return nil
		case x < 26:
			n := maxSmallRecord - 200 + r.IntN(100_000) // around and above the large threshold
			return valBuf[:n]
		case x < 60:
			a := r.IntN(16)
			return valBuf[a : a+r.IntN(64)]
		default:
			return valBuf[:r.IntN(2000)]
		}
	}
	randExp := func() int64 {
		if r.IntN(3) == 0 {
			return now + 1 + r.Int64N(5000)
		}
		return 0
	}
	rareDiv := 1 + ops/100_000 // keeps the O(keys) operations to a bounded total
	for step := 0; step < ops; step++ {
		if r.IntN(10) == 0 {
			now += r.Int64N(200)
		}
		key := randKey()
		k := string(key)
		switch op := r.IntN(1000); {
		case op < 400: // SET with options
			val := randVal()
			exp := randExp()
			var flags SetFlags
			switch r.IntN(8) {
			case 0:
				flags = SetNX
			case 1:
				flags = SetXX
			case 2:
				flags = SetKeepTTL
			}
			e, had := m.live(k, now)
			existed, stored := db.Set(key, val, exp, flags, now)
			if existed != had {
				fail(step, "SET %q existed=%v, model %v", k, existed, had)
			}
			wantStored := !(flags&SetNX != 0 && had) && !(flags&SetXX != 0 && !had)
			if stored != wantStored {
				fail(step, "SET %q flags %d stored=%v want %v", k, flags, stored, wantStored)
			}
			if stored {
				ne := modelEntry{val: string(val), exp: exp}
				if flags&SetKeepTTL != 0 && had {
					ne.exp = e.exp
				}
				m[k] = ne
			}
		case op < 620: // GET
			v, ok := db.Get(key, now)
			e, had := m.live(k, now)
			if ok != had {
				fail(step, "GET %q found=%v, model %v", k, ok, had)
			}
			if ok {
				if v.Type != e.typ {
					fail(step, "GET %q type %v want %v", k, v.Type, e.typ)
				}
				if got := v.AppendString(nil); string(got) != e.val {
					fail(step, "GET %q = %.40q (len %d), want %.40q (len %d)", k, got, len(got), e.val, len(e.val))
				}
				if v.StringLen() != len(e.val) {
					fail(step, "STRLEN %q = %d want %d", k, v.StringLen(), len(e.val))
				}
			}
		case op < 700: // DEL
			_, had := m.live(k, now)
			if got := db.Delete(key, now); got != had {
				fail(step, "DEL %q = %v, model %v", k, got, had)
			}
			delete(m, k)
		case op < 760: // EXPIRE / PEXPIREAT (sometimes in the past)
			at := now - 10 + r.Int64N(3000)
			_, had := m.live(k, now)
			if got := db.Expire(key, at, now); got != had {
				fail(step, "EXPIRE %q = %v, model %v", k, got, had)
			}
			if had {
				if at <= now {
					delete(m, k)
				} else {
					e := m[k]
					e.exp = at
					m[k] = e
				}
			}
		case op < 790: // PERSIST
			e, had := m.live(k, now)
			want := had && e.exp != 0
			if got := db.Persist(key, now); got != want {
				fail(step, "PERSIST %q = %v want %v", k, got, want)
			}
			if want {
				e.exp = 0
				m[k] = e
			}
		case op < 840: // PTTL, EXISTS, MEMORY USAGE
			e, had := m.live(k, now)
			want := int64(-2)
			if had {
				want = -1
				if e.exp != 0 {
					want = e.exp - now
				}
			}
			if got := db.TTL(key, now); got != want {
				fail(step, "PTTL %q = %d want %d", k, got, want)
			}
			if got := db.Exists(key, now); got != had {
				fail(step, "EXISTS %q = %v want %v", k, got, had)
			}
			if n, ok := db.MemoryUsage(key, now); ok != had || (ok && n < int64(len(k)+SlotOverhead)) {
				fail(step, "MEMORY USAGE %q = %d,%v", k, n, ok)
			}
		case op < 870: // SETINT (INCR-style)
			n := r.Int64()
			if r.IntN(2) == 0 {
				n = -n
			}
			_, had := m.live(k, now)
			existed, _ := db.SetInt(key, n, 0, 0, now)
			if existed != had {
				fail(step, "SETINT %q existed=%v, model %v", k, existed, had)
			}
			m[k] = modelEntry{val: strconv.FormatInt(n, 10)}
		case op < 900: // a blob of another type
			blob := valBuf[:r.IntN(300)]
			db.SetBlob(key, TypeHash, blob, 0, 0, now)
			m[k] = modelEntry{val: string(blob), typ: TypeHash}
		case op < 950: // active expiry, as the hz tick runs it
			db.ActiveExpire(now, 1+r.IntN(500))
		case op < 980: // RANDOMKEY
			rk, ok := db.RandomKey(now)
			if ok {
				if _, live := m.live(string(rk), now); !live {
					fail(step, "RANDOMKEY returned %q, not live in the model", rk)
				}
			} else if modelLive(m, now) > 0 {
				fail(step, "RANDOMKEY found nothing, model has keys")
			}
		case op < 985: // full SCAN in one go: exactly the live keys
			if r.IntN(rareDiv) != 0 {
				break // O(keys): rarer on long runs
			}
			checkScan(t, db, m, now, 1+r.IntN(200), func(f string, a ...any) { fail(step, f, a...) })
		case op < 988: // evict one key (cache mode)
			if r.IntN(rareDiv) != 0 {
				break // the model sync is O(keys): rarer on long runs
			}
			if _, ok := db.EvictOne(now); ok {
				// find which key disappeared: the model drops keys the DB lost
				for mk := range m {
					if !db.Exists([]byte(mk), now) {
						delete(m, mk)
					}
				}
			}
		default:
			if r.IntN(1000) == 0 {
				db.Flush()
				clear(m)
			}
		}
		if step%checkEvery == 0 {
			if err := db.Check(); err != nil {
				fail(step, "Check: %v", err)
			}
		}
	}
	if err := db.Check(); err != nil {
		fail(ops, "Check: %v", err)
	}
	checkScan(t, db, m, now, 10, func(f string, a ...any) { fail(ops, f, a...) })
	t.Logf("seed %d: %d ops, %d keys, %d segments, depth %d, stats %+v", seed, ops, db.Len(), db.segments, db.depth, db.Stats)
	// Everything freed returns to the arena's accounting.
	db.Flush()
	if st := db.Arena().Stats(); st.Live != 0 || st.Records != 0 {
		t.Fatalf("seed %d: after Flush the arena still holds %d bytes in %d records", seed, st.Live, st.Records)
	}
}

func modelLive(m modelDB, now int64) int {
	n := 0
	for _, e := range m {
		if e.exp == 0 || e.exp > now {
			n++
		}
	}
	return n
}

func checkScan(t *testing.T, db *DB, m modelDB, now int64, count int, fail func(string, ...any)) {
	t.Helper()
	seen := map[string]int{}
	cur := uint64(0)
	for i := 0; ; i++ {
		cur = db.Scan(cur, count, now, func(k []byte, _ ValueType) { seen[string(k)]++ })
		if cur == 0 {
			break
		}
		if i > 10_000_000 {
			fail("SCAN does not terminate")
		}
	}
	for k, n := range seen {
		if n != 1 {
			fail("SCAN returned %q %d times without mutations", k, n)
		}
		if _, ok := m.live(k, now); !ok {
			fail("SCAN returned %q, not live in the model", k)
		}
	}
	if live := modelLive(m, now); live != len(seen) {
		fail("SCAN returned %d keys, model has %d live", len(seen), live)
	}
}
