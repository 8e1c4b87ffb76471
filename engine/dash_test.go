package engine

import (
	"fmt"
	"strconv"
	"testing"
)

const t0 = int64(1_700_000_000_000)

func newTestDB(t testing.TB) *DB {
	db := NewDB(DBConfig{Node: -1})
	t.Cleanup(db.Arena().Release)
	return db
}

func TestSetGetEncodings(t *testing.T) {
	db := newTestDB(t)
	f := func(val string, wantEnc Encoding) {
		t.Helper()
		db.Set([]byte("k"), []byte(val), 0, 0, t0)
		v, ok := db.Get([]byte("k"), t0)
		if !ok {
			t.Fatalf("SET k %q: GET finds nothing", val)
		}
		if v.Enc != wantEnc {
			t.Fatalf("SET k %q: encoding %d, want %d", val, v.Enc, wantEnc)
		}
		if got := string(v.AppendString(nil)); got != val {
			t.Fatalf("SET k %q: GET = %q", val, got)
		}
		if v.StringLen() != len(val) {
			t.Fatalf("SET k %q: STRLEN = %d", val, v.StringLen())
		}
	}
	f("12345", EncInt)
	f("0", EncInt)
	f("-1", EncInt)
	f("9223372036854775807", EncInt)
	f("-9223372036854775808", EncInt)
	f("9223372036854775808", EncRaw) // overflows int64
	f("-9223372036854775809", EncRaw)
	f("007", EncRaw)
	f("-0", EncRaw)
	f("+1", EncRaw)
	f("1 ", EncRaw)
	f("", EncRaw)
	f("-", EncRaw)
	f("hello", EncRaw)
	f(string(make([]byte, 200_000)), EncRaw) // a large record of its own
	f("x", EncRaw)
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestSetFlags(t *testing.T) {
	db := newTestDB(t)
	k := []byte("key")
	f := func(val string, exp int64, flags SetFlags, wantExisted, wantStored bool, wantTTL int64) {
		t.Helper()
		existed, stored := db.Set(k, []byte(val), exp, flags, t0)
		if existed != wantExisted || stored != wantStored {
			t.Fatalf("SET %q flags %d: existed=%v stored=%v, want %v %v", val, flags, existed, stored, wantExisted, wantStored)
		}
		if got := db.TTL(k, t0); got != wantTTL {
			t.Fatalf("SET %q flags %d: PTTL %d want %d", val, flags, got, wantTTL)
		}
	}
	f("a", 0, SetXX, false, false, -2)
	f("a", 0, SetNX, false, true, -1)
	f("b", 0, SetNX, true, false, -1)
	f("c", t0+5000, SetXX, true, true, 5000)
	f("d", 0, SetKeepTTL, true, true, 5000)
	f("e", 0, 0, true, true, -1)
	f("f", t0+100, 0, true, true, 100)
	if v, _ := db.Get(k, t0); string(v.Bytes) != "f" {
		t.Fatalf("GET = %q", v.Bytes)
	}
	// Past its deadline the key is gone for every call.
	if _, ok := db.Get(k, t0+100); ok {
		t.Fatal("GET found a key at its deadline")
	}
	if db.Len() != 0 || db.ExpiresLen() != 0 {
		t.Fatalf("after lazy expiry Len=%d ExpiresLen=%d", db.Len(), db.ExpiresLen())
	}
}

func TestExpireSemantics(t *testing.T) {
	db := newTestDB(t)
	k := []byte("k")
	if db.Expire(k, t0+10, t0) {
		t.Fatal("EXPIRE on a missing key reported true")
	}
	db.Set(k, []byte("v"), 0, 0, t0)
	if !db.Expire(k, t0+10, t0) || db.TTL(k, t0) != 10 || db.ExpiresLen() != 1 {
		t.Fatalf("EXPIRE: TTL %d ExpiresLen %d", db.TTL(k, t0), db.ExpiresLen())
	}
	if !db.Expire(k, t0+20, t0) || db.TTL(k, t0) != 20 {
		t.Fatal("EXPIRE did not move the deadline")
	}
	if at, ok := db.Deadline(k, t0); !ok || at != t0+20 {
		t.Fatalf("Deadline = %d %v", at, ok)
	}
	if !db.Persist(k, t0) || db.TTL(k, t0) != -1 || db.ExpiresLen() != 0 {
		t.Fatal("PERSIST did not clear the deadline")
	}
	if db.Persist(k, t0) {
		t.Fatal("PERSIST on a key without deadline reported true")
	}
	if !db.Expire(k, t0, t0) || db.Exists(k, t0) {
		t.Fatal("EXPIRE in the past must delete the key")
	}
	db.Set(k, []byte("v"), t0+5, 0, t0)
	if db.Delete(k, t0+5) {
		t.Fatal("DEL of an expired key reported true")
	}
	if db.Len() != 0 {
		t.Fatalf("Len %d after DEL", db.Len())
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestObjects(t *testing.T) {
	db := newTestDB(t)
	objs := db.Objects()
	h := objs.Put(&testObject{n: 100})
	db.SetObject([]byte("l"), TypeList, h, 0, 0, t0)
	v, ok := db.Get([]byte("l"), t0)
	if !ok || v.Type != TypeList || v.Enc != EncObject || v.Obj != h {
		t.Fatalf("GET = %+v %v", v, ok)
	}
	db.SetObject([]byte("l"), TypeList, h, 0, 0, t0) // same object again: kept
	if db.objBytes != 100 {
		t.Fatalf("object bytes = %d, want 100 (bound once)", db.objBytes)
	}
	if objs.Len() != 1 {
		t.Fatalf("re-storing the same object released it: %d objects", objs.Len())
	}
	db.Set([]byte("l"), []byte("now a string"), 0, 0, t0)
	if objs.Len() != 0 || db.objBytes != 0 {
		t.Fatalf("overwriting an object did not release it: %d objects", objs.Len())
	}
	h2 := objs.Put(&testObject{n: 7})
	db.SetObject([]byte("m"), TypeSet, h2, t0+1, 0, t0)
	db.ActiveExpire(t0+1, 1000)
	if objs.Len() != 0 || db.Len() != 1 {
		t.Fatalf("expiry did not release the object: %d objects, %d keys", objs.Len(), db.Len())
	}
	if v, _ := db.Get([]byte("l"), t0); v.Type != TypeString {
		t.Fatalf("TYPE after overwrite = %v", v.Type)
	}
}

// A key present for the whole scan is returned at least once, while splits
// and directory doublings happen between the calls.
func TestScanStableAcrossSplits(t *testing.T) {
	f := func(stableKeys, count, growPerCall int) {
		t.Helper()
		db := newTestDB(t)
		stable := map[string]bool{}
		for i := 0; i < stableKeys; i++ {
			k := "stable:" + strconv.Itoa(i)
			db.Set([]byte(k), []byte("v"), 0, 0, t0)
			stable[k] = false
		}
		segs0, splits0 := db.segments, db.Stats.Splits
		cur, next, calls := uint64(0), 0, 0
		for {
			cur = db.Scan(cur, count, t0, func(k []byte, _ ValueType) {
				if _, ok := stable[string(k)]; ok {
					stable[string(k)] = true
				}
			})
			calls++
			// Grow the table under the scan, deleting a third of the
			// keys added.
			for j := 0; j < growPerCall; j++ {
				db.Set([]byte("grow:"+strconv.Itoa(next)), []byte("v"), 0, 0, t0)
				if next%3 == 0 {
					db.Delete([]byte("grow:"+strconv.Itoa(next-30)), t0)
				}
				next++
			}
			if cur == 0 {
				break
			}
		}
		for k, seen := range stable {
			if !seen {
				t.Fatalf("key %q present for the whole scan was never returned (%d calls, segments %d -> %d)", k, calls, segs0, db.segments)
			}
		}
		if db.Stats.Splits-splits0 < 3 {
			t.Fatalf("the test did not split enough: segments %d -> %d", segs0, db.segments)
		}
		if err := db.Check(); err != nil {
			t.Fatal(err)
		}
	}
	f(500, 20, 40)
	f(500, 5, 30)
	f(3000, 100, 150)
	f(20000, 500, 600)
}

// Zero allocations on the hot paths, steady state.
func TestZeroAllocs(t *testing.T) {
	db := newTestDB(t)
	keys := make([][]byte, 10_000)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("memtier-%d", i))
		db.Set(keys[i], []byte("0123456789abcdef0123456789abcdef"), 0, 0, t0)
	}
	val := []byte("fedcba9876543210fedcba9876543210")
	i := 0
	f := func(name string, fn func()) {
		t.Helper()
		if n := testing.AllocsPerRun(2000, fn); n != 0 {
			t.Fatalf("%s: %.2f allocs/op, want 0", name, n)
		}
	}
	f("Get", func() { db.Get(keys[i%len(keys)], t0); i++ })
	f("Get miss", func() { db.Get([]byte("nope"), t0) })
	f("Set overwrite", func() { db.Set(keys[i%len(keys)], val, 0, 0, t0); i++ })
	f("Set int", func() { db.Set(keys[i%len(keys)], []byte("12345"), 0, 0, t0); i++ })
	f("Delete+Set", func() {
		k := keys[i%len(keys)]
		db.Delete(k, t0)
		db.Set(k, val, 0, 0, t0)
		i++
	})
	f("Expire+TTL", func() { db.Expire(keys[i%len(keys)], t0+1000, t0); db.TTL(keys[i%len(keys)], t0); i++ })
}

func TestActiveExpireReclaims(t *testing.T) {
	for _, effort := range []int{1, 10} {
		t.Run(strconv.Itoa(effort), func(t *testing.T) { testActiveExpireReclaims(t, effort) })
	}
}

// testActiveExpireReclaims: half of 200k keys expire; the sweep at the
// given active-expire-effort reclaims them within 3 s of 10 Hz ticks
// (effort 10 at least as fast as 1).
func testActiveExpireReclaims(t *testing.T, effort int) {
	const n = 200_000
	db := newTestDB(t)
	for i := 0; i < n; i++ {
		var exp int64
		if i%2 == 0 {
			exp = t0 + 1000
		}
		db.Set([]byte("memtier-"+strconv.Itoa(i)), []byte("0123456789abcdef0123456789abcdef"), exp, 0, t0)
	}
	if db.ExpiresLen() != n/2 {
		t.Fatalf("ExpiresLen %d", db.ExpiresLen())
	}
	// Half the keys are past their deadline; run the hz tick at 10 Hz.
	now := t0 + 2000
	ticks := 0
	for db.ExpiresLen() > 0 {
		db.ActiveExpire(now, db.ExpireBudget(effort))
		ticks++
		now += 100
		if ticks > 100 {
			break
		}
	}
	t.Logf("%d keys with an expired deadline reclaimed in %d ticks (%.1f s at 10 Hz)", n/2, ticks, float64(ticks)/10)
	if db.ExpiresLen() != 0 || db.Len() != n/2 {
		t.Fatalf("after %d ticks: %d deadlines, %d keys left", ticks, db.ExpiresLen(), db.Len())
	}
	if limit := 30 - 2*(effort-1); ticks > limit {
		t.Fatalf("reclaiming took %d ticks at effort %d, want <= %d", ticks, effort, limit)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestEvict(t *testing.T) {
	db := newTestDB(t)
	for i := 0; i < 5000; i++ {
		db.Set([]byte("k"+strconv.Itoa(i)), make([]byte, 100), 0, 0, t0)
	}
	// Read the first 1000 keys: they are hot and should survive a small
	// eviction.
	for i := 0; i < 1000; i++ {
		db.Get([]byte("k"+strconv.Itoa(i)), t0)
	}
	before := db.UsedBytes()
	freed, n := db.Evict(50_000, t0)
	if freed < 50_000 || n == 0 {
		t.Fatalf("Evict freed %d bytes in %d keys", freed, n)
	}
	if got := before - db.UsedBytes(); got < freed-int64(n)*SlotOverhead {
		t.Fatalf("UsedBytes fell by %d, Evict says %d", got, freed)
	}
	hotLost := 0
	for i := 0; i < 1000; i++ {
		if !db.Exists([]byte("k"+strconv.Itoa(i)), t0) {
			hotLost++
		}
	}
	if hotLost > n/4 {
		t.Fatalf("evicted %d keys, %d of them hot", n, hotLost)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	db.Evict(1<<40, t0)
	if db.Len() != 0 {
		t.Fatalf("evicting everything left %d keys", db.Len())
	}
}

func TestSnapshotHook(t *testing.T) {
	db := newTestDB(t)
	for i := 0; i < 2000; i++ {
		db.Set([]byte("k"+strconv.Itoa(i)), []byte("v"), 0, 0, t0)
	}
	saved := map[string]bool{}
	save := func(ref BucketRef) {
		db.ForEachInBucket(ref, func(k []byte, v Value, _ int64) { saved[string(k)] = true })
		db.MarkBucketSaved(ref)
	}
	db.StartSnapshot(save)
	// Mutate while the snapshot walks the buckets: every key present at
	// the start must be saved exactly as of then.
	ref, ok := db.FirstBucket(), true
	i := 0
	for ok {
		if !db.BucketSaved(ref) {
			save(ref)
		}
		for j := 0; j < 20; j++ {
			db.Set([]byte("new"+strconv.Itoa(i)), []byte("v"), 0, 0, t0)
			db.Delete([]byte("k"+strconv.Itoa(i)), t0)
			i++
		}
		ref, ok = db.NextBucket(ref)
	}
	db.EndSnapshot()
	for i := 0; i < 2000; i++ {
		if !saved["k"+strconv.Itoa(i)] {
			t.Fatalf("key k%d present at the snapshot start was not saved", i)
		}
	}
}

func TestRandomKey(t *testing.T) {
	db := newTestDB(t)
	if _, ok := db.RandomKey(t0); ok {
		t.Fatal("RandomKey on an empty DB")
	}
	for i := 0; i < 1000; i++ {
		db.Set([]byte("k"+strconv.Itoa(i)), []byte("v"), t0+1, 0, t0)
	}
	db.Set([]byte("live"), []byte("v"), 0, 0, t0)
	// 1000 expired keys and one live one: sampling falls back to a scan.
	for i := 0; i < 10; i++ {
		if k, ok := db.RandomKey(t0 + 1); !ok || string(k) != "live" {
			t.Fatalf("RandomKey = %q %v", k, ok)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		k, _ := db.RandomKey(t0)
		seen[string(k)] = true
	}
	if len(seen) < 500 {
		t.Fatalf("RandomKey returned only %d distinct keys of 1001", len(seen))
	}
}

// The keys of one shard (hash bits 48..63 in one range) still spread over
// the whole table: the table uses bits 0..47 only.
func TestOneShardsKeysSpread(t *testing.T) {
	db := newTestDB(t)
	n := 0
	for i := 0; n < 50_000; i++ {
		k := []byte("key:" + strconv.Itoa(i))
		if ShardOf(k, 8) != 3 {
			continue
		}
		db.Set(k, []byte("v"), 0, 0, t0)
		n++
	}
	load := float64(n) / float64(db.segments*bucketsPerSegment*slotsPerBucket)
	if load < 0.5 {
		t.Fatalf("load factor %.2f with one shard's keys (%d keys, %d segments)", load, n, db.segments)
	}
	t.Logf("one shard's 50k keys: %d segments, load factor %.2f", db.segments, load)
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// testObject is an Object of a fixed size.
type testObject struct{ n int64 }

func (o *testObject) MemBytes() int64 { return o.n }
func (o *testObject) Clone() Object   { c := *o; return &c }
