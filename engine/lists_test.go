package engine

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// resp helpers for expected replies.
func rInt(n int64) string { return ":" + strconv.FormatInt(n, 10) + "\r\n" }
func rBulk(s string) string {
	return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n"
}
func rArr(items ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(items)) + "\r\n")
	for _, s := range items {
		b.WriteString(rBulk(s))
	}
	return b.String()
}

const (
	rNull    = "$-1\r\n"
	rNullArr = "*-1\r\n"
	rOK      = "+OK\r\n"
	rWrong   = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
)

func TestListBasics(t *testing.T) {
	for _, shards := range []int{1, 3} {
		l := NewLocal(shards)
		f := func(want string, args ...string) {
			t.Helper()
			if got := l.Do(args...); got != want {
				t.Fatalf("shards=%d %q:\n got  %q\n want %q", shards, args, got, want)
			}
		}
		f(rInt(3), "RPUSH", "l", "a", "b", "c")
		f(rInt(5), "LPUSH", "l", "y", "x")
		f(rArr("x", "y", "a", "b", "c"), "LRANGE", "l", "0", "-1")
		f(rArr("y", "a"), "LRANGE", "l", "1", "2")
		f(rArr(), "LRANGE", "l", "5", "10")
		f(rArr("b", "c"), "LRANGE", "l", "-2", "100")
		f(rBulk("x"), "LPOP", "l")
		f(rBulk("c"), "RPOP", "l")
		f(rArr("y", "a"), "LPOP", "l", "2")
		f(rArr(), "LPOP", "l", "0")
		f(rArr("b"), "RPOP", "l", "5")
		f(rInt(0), "LLEN", "l")
		f(rNullArr, "LPOP", "l", "1")
		f(rNull, "LPOP", "l")
		f(rInt(0), "LPUSHX", "l", "a")
		f(rInt(3), "RPUSH", "n", "1", "-5", "100000000000")
		f(rArr("1", "-5", "100000000000"), "LRANGE", "n", "0", "-1")
		f(rInt(4), "RPUSHX", "n", "007")
		f(rBulk("007"), "LINDEX", "n", "-1")
		f(rNull, "LINDEX", "n", "4")
		f(rOK, "LSET", "n", "0", "one")
		f("-ERR index out of range\r\n", "LSET", "n", "9", "x")
		f(rInt(5), "LINSERT", "n", "BEFORE", "-5", "m")
		f(rInt(-1), "LINSERT", "n", "AFTER", "zzz", "m")
		f(rArr("one", "m", "-5", "100000000000", "007"), "LRANGE", "n", "0", "-1")
		f(rInt(1), "LREM", "n", "0", "-5")
		f(rInt(2), "LPOS", "n", "100000000000")
		f(rOK, "LTRIM", "n", "1", "-2")
		f(rArr("m", "100000000000"), "LRANGE", "n", "0", "-1")
		f(rOK, "SET", "s", "v")
		f(rWrong, "LPUSH", "s", "x")
		f(rWrong, "LRANGE", "s", "0", "1")
		f(rBulk("m"), "LMOVE", "n", "d", "LEFT", "RIGHT")
		f(rBulk("100000000000"), "RPOPLPUSH", "n", "d")
		f(rArr("100000000000", "m"), "LRANGE", "d", "0", "-1")
		f(rInt(0), "LLEN", "n")
		f("*2\r\n"+rBulk("d")+rArr("m", "100000000000"), "LMPOP", "3", "nokey", "n", "d", "RIGHT", "COUNT", "5")
		f(rNullArr, "LMPOP", "2", "n", "d", "LEFT")
		f(rWrong, "LMPOP", "2", "n", "s", "LEFT")
		l.Close()
	}
}

// listModel applies list commands to a Go slice model and returns the
// expected reply.
type listModel map[string][]string

func (m listModel) do(args []string) string {
	key := args[1]
	lst := m[key]
	set := func(v []string) {
		if len(v) == 0 {
			delete(m, key)
		} else {
			m[key] = v
		}
	}
	switch args[0] {
	case "LPUSH", "RPUSH":
		for _, e := range args[2:] {
			if args[0] == "LPUSH" {
				lst = append([]string{e}, lst...)
			} else {
				lst = append(lst, e)
			}
		}
		set(lst)
		return rInt(int64(len(lst)))
	case "LPOP", "RPOP":
		n, _ := strconv.Atoi(args[2])
		if len(lst) == 0 {
			return rNullArr
		}
		n = min(n, len(lst))
		var out []string
		for i := 0; i < n; i++ {
			if args[0] == "LPOP" {
				out = append(out, lst[0])
				lst = lst[1:]
			} else {
				out = append(out, lst[len(lst)-1])
				lst = lst[:len(lst)-1]
			}
		}
		set(append([]string(nil), lst...))
		return rArr(out...)
	case "LRANGE":
		return rArr(lst...)
	case "LLEN":
		return rInt(int64(len(lst)))
	case "LINDEX":
		i, _ := strconv.Atoi(args[2])
		if i < 0 {
			i += len(lst)
		}
		if i < 0 || i >= len(lst) {
			return rNull
		}
		return rBulk(lst[i])
	case "LSET":
		if len(lst) == 0 {
			return "-ERR no such key\r\n"
		}
		i, _ := strconv.Atoi(args[2])
		if i < 0 {
			i += len(lst)
		}
		if i < 0 || i >= len(lst) {
			return "-ERR index out of range\r\n"
		}
		lst[i] = args[3]
		return rOK
	case "LINSERT":
		if len(lst) == 0 {
			return rInt(0)
		}
		for i, e := range lst {
			if e == args[3] {
				if args[2] == "AFTER" {
					i++
				}
				lst = append(lst[:i], append([]string{args[4]}, lst[i:]...)...)
				set(lst)
				return rInt(int64(len(lst)))
			}
		}
		return rInt(-1)
	case "LREM":
		cnt, _ := strconv.Atoi(args[2])
		var removed int
		keep := make([]bool, len(lst))
		for i := range keep {
			keep[i] = true
		}
		if cnt >= 0 {
			for i, e := range lst {
				if e == args[3] && (cnt == 0 || removed < cnt) {
					keep[i] = false
					removed++
				}
			}
		} else {
			for i := len(lst) - 1; i >= 0; i-- {
				if lst[i] == args[3] && removed < -cnt {
					keep[i] = false
					removed++
				}
			}
		}
		var out []string
		for i, e := range lst {
			if keep[i] {
				out = append(out, e)
			}
		}
		set(out)
		return rInt(int64(removed))
	case "LTRIM":
		s, _ := strconv.ParseInt(args[2], 10, 64)
		e, _ := strconv.ParseInt(args[3], 10, 64)
		a, b, ok := normRange(s, e, int64(len(lst)))
		if !ok {
			set(nil)
		} else {
			set(append([]string(nil), lst[a:b+1]...))
		}
		return rOK
	case "LPOS":
		for i, e := range lst {
			if e == args[2] {
				return rInt(int64(i))
			}
		}
		return rNull
	}
	panic(args[0])
}

// checkLists verifies every list of every shard's db 0: listpack headers,
// node counts and sizes, and that the DB's object bytes equal its
// quicklists' MemBytes.
func checkLists(t *testing.T, l *Local) {
	t.Helper()
	for _, sh := range l.Shards {
		db := sh.DBs[0]
		if err := db.Check(); err != nil {
			t.Fatal(err)
		}
		var obj int64
		var keys [][]byte
		db.Scan(0, 1<<30, 0, func(k []byte, _ ValueType) { keys = append(keys, append([]byte(nil), k...)) })
		for _, k := range keys {
			v, ok := db.Get(k, 0)
			if !ok || v.Type != TypeList {
				continue
			}
			if v.Enc == EncBlob {
				b := v.Bytes
				if int(uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24) != len(b) || b[len(b)-1] != lpEOF {
					t.Fatalf("%s: bad listpack header/terminator", k)
				}
				nd := blobNode(b)
				if c := countEntries(&nd); c != lpCount(b) || c == 0 {
					t.Fatalf("%s: listpack count %d, entries %d", k, lpCount(b), c)
				}
				continue
			}
			q := db.objs.Get(v.Obj).(*quicklist)
			obj += q.MemBytes()
			mem := quicklistBase + int64(len(q.arr))*qlNodeSize
			var total int64
			for i := range q.nodes() {
				nd := q.node(i)
				if nd.n == 0 || countEntries(nd) != int(nd.n) {
					t.Fatalf("%s: node %d count %d, entries %d", k, i, nd.n, countEntries(nd))
				}
				total += int64(nd.n)
				mem += int64(cap(nd.b))
			}
			if total != q.count || q.count == 0 {
				t.Fatalf("%s: count %d, nodes hold %d", k, q.count, total)
			}
			if mem != q.mem {
				t.Fatalf("%s: mem %d, computed %d", k, q.mem, mem)
			}
		}
		if obj != db.objBytes {
			t.Fatalf("shard %d: objBytes %d, quicklists %d", sh.ID, db.objBytes, obj)
		}
	}
}

func countEntries(nd *qlNode) int {
	c := 0
	for p := int(nd.lo); p < int(nd.hi); c++ {
		_, p = lpGet(nd.b, p)
	}
	// and backwards
	b := 0
	for p := int(nd.hi); p > int(nd.lo); b++ {
		p = lpPrev(nd.b, p)
	}
	if b != c {
		return -1
	}
	return c
}

func randElem(r *rand.Rand) string {
	switch r.Intn(10) {
	case 0:
		return strconv.FormatInt(r.Int63()-r.Int63(), 10)
	case 1:
		return strconv.Itoa(r.Intn(300) - 150)
	case 2:
		return strings.Repeat("L", 60+r.Intn(5000))
	case 3:
		if r.Intn(20) == 0 {
			return strings.Repeat("H", 9000+r.Intn(9000))
		}
		return ""
	case 4:
		return "0" + strconv.Itoa(r.Intn(10))
	}
	return "e" + strconv.Itoa(r.Intn(20))
}

func TestListModel(t *testing.T) {
	for _, fill := range []string{"-2", "-1", "3", "1"} {
		for _, shards := range []int{1, 3} {
			t.Run(fmt.Sprintf("fill=%s/shards=%d", fill, shards), func(t *testing.T) {
				l := NewLocal(shards)
				defer l.Close()
				if got := l.Do("CONFIG", "SET", "list-max-listpack-size", fill); got != rOK {
					t.Fatalf("config set: %q", got)
				}
				r := rand.New(rand.NewSource(int64(len(fill)*7 + shards)))
				m := listModel{}
				keys := []string{"a", "b", "c"}
				for step := 0; step < 2500; step++ {
					k := keys[r.Intn(len(keys))]
					var args []string
					switch op := r.Intn(14); op {
					case 0, 1, 2:
						args = []string{"RPUSH", k}
						if op == 0 {
							args[0] = "LPUSH"
						}
						for n := 1 + r.Intn(4); n > 0; n-- {
							args = append(args, randElem(r))
						}
						if r.Intn(8) == 0 {
							for n := 200; n > 0; n-- {
								args = append(args, randElem(r))
							}
						}
					case 3, 4:
						args = []string{"LPOP", k, strconv.Itoa(r.Intn(5))}
						if op == 4 {
							args[0] = "RPOP"
						}
						if args[2] == "0" {
							args[2] = "1"
						}
						if r.Intn(10) == 0 {
							args[2] = "100"
						}
					case 5:
						args = []string{"LRANGE", k, "0", "-1"}
					case 6:
						args = []string{"LINDEX", k, strconv.Itoa(r.Intn(40) - 20)}
					case 7:
						args = []string{"LSET", k, strconv.Itoa(r.Intn(40) - 20), randElem(r)}
					case 8:
						where := "BEFORE"
						if r.Intn(2) == 0 {
							where = "AFTER"
						}
						args = []string{"LINSERT", k, where, randElem(r), randElem(r)}
					case 9:
						args = []string{"LREM", k, strconv.Itoa(r.Intn(7) - 3), randElem(r)}
					case 10:
						args = []string{"LTRIM", k, strconv.Itoa(r.Intn(10) - 3), strconv.Itoa(r.Intn(300) - 10)}
					case 11:
						args = []string{"LLEN", k}
					case 12:
						args = []string{"LPOS", k, randElem(r)}
					case 13:
						args = []string{"LRANGE", k, "0", "-1"}
					}
					want := m.do(args)
					got := l.Do(args...)
					if got != want {
						t.Fatalf("step %d %q:\n got  %.300q\n want %.300q", step, args, got, want)
					}
					if step%50 == 0 {
						checkLists(t, l)
					}
				}
				checkLists(t, l)
			})
		}
	}
}

// TestListCrossShard runs random multi-key list commands (LMOVE,
// RPOPLPUSH, LMPOP) on 1 shard (Run) and on 3 shards (Tx plans where the
// keys span shards) and requires identical replies and lists.
func TestListCrossShard(t *testing.T) {
	one, three := NewLocal(1), NewLocal(3)
	defer one.Close()
	defer three.Close()
	keys := []string{"q0", "q1", "q2", "q3", "q4", "q5"}
	shards := map[int]bool{}
	for _, k := range keys {
		shards[ShardOf([]byte(k), 3)] = true
	}
	if len(shards) < 2 {
		t.Fatal("test keys all land on one shard")
	}
	sides := []string{"LEFT", "RIGHT", "left", "UP"}
	r := rand.New(rand.NewSource(7))
	txs := 0
	for step := 0; step < 3000; step++ {
		k1, k2 := keys[r.Intn(len(keys))], keys[r.Intn(len(keys))]
		var args []string
		switch r.Intn(9) {
		case 0, 1:
			args = []string{"RPUSH", k1, randElem(r), randElem(r)}
		case 2:
			args = []string{"LMOVE", k1, k2, sides[r.Intn(4)], sides[r.Intn(3)]}
		case 3:
			args = []string{"RPOPLPUSH", k1, k2}
		case 4:
			n := 1 + r.Intn(3)
			args = []string{"LMPOP", strconv.Itoa(n)}
			for i := 0; i < n; i++ {
				args = append(args, keys[r.Intn(len(keys))])
			}
			args = append(args, sides[r.Intn(3)])
			if r.Intn(2) == 0 {
				args = append(args, "COUNT", strconv.Itoa(r.Intn(4)))
			}
		case 5:
			args = []string{"SET", k1, "str"}
			if r.Intn(4) != 0 {
				args = []string{"DEL", k1}
			}
		case 6:
			args = []string{"LRANGE", k1, "0", "-1"}
		case 7:
			args = []string{"LPUSH", k1, strings.Repeat("b", 3000), strings.Repeat("c", 3000), strings.Repeat("d", 3000)}
		case 8:
			args = []string{"LPOP", k1, strconv.Itoa(r.Intn(3))}
		}
		b := make([][]byte, len(args))
		for i, a := range args {
			b[i] = []byte(a)
		}
		if cmd := Lookup(b[0]); cmd != nil && CheckArity(cmd.Arity, len(b)) && NeedsTx(cmd, b, 3) {
			txs++
		}
		want, got := one.Do(args...), three.Do(args...)
		if testing.Verbose() && (args[1] == "q0" || strings.Contains(strings.Join(args, " "), " q0")) {
			t.Logf("%d %.80q -> %.80q", step, args, want)
		}
		if got != want {
			t.Fatalf("step %d %q:\n 3 shards %.200q\n 1 shard  %.200q", step, args, got, want)
		}
		if step%100 == 0 {
			checkLists(t, one)
			checkLists(t, three)
		}
	}
	if txs < 300 {
		t.Fatalf("only %d commands went through Tx plans", txs)
	}
}

func TestListpackCodec(t *testing.T) {
	ints := []int64{0, 1, 127, 128, -1, 4095, -4096, 4096, -4097, 32767, -32768, 32768, -32769,
		8388607, -8388608, 8388608, -8388609, 2147483647, -2147483648, 2147483648, -2147483649,
		1<<63 - 1, -1 << 63}
	wantEnc := []int{1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 9, 9, 9, 9}
	var elems [][]byte
	for i, v := range ints {
		e := []byte(strconv.FormatInt(v, 10))
		x := lpEncode(e)
		if !x.isInt || x.enc != wantEnc[i] {
			t.Fatalf("%d: isInt %v enc %d, want %d", v, x.isInt, x.enc, wantEnc[i])
		}
		elems = append(elems, e)
	}
	for _, n := range []int{0, 1, 63, 64, 125, 126, 127, 4095, 4096, 16380, 16385, 70000} {
		elems = append(elems, []byte(strings.Repeat("s", n)))
	}
	elems = append(elems, []byte("-0"), []byte("01"), []byte("+1"), []byte("9223372036854775808"), []byte(" 1"))
	total := 0
	for _, e := range elems {
		total += lpEntrySize(e)
	}
	buf := make([]byte, total)
	lpWriteEntries(buf, elems, false)
	p := 0
	for i, e := range elems {
		el, next := lpGet(buf, p)
		if got := string(el.appendTo(nil)); got != string(e) {
			t.Fatalf("elem %d: got %.40q want %.40q", i, got, e)
		}
		if el.rawLen() != len(e) {
			t.Fatalf("elem %d: rawLen %d", i, el.rawLen())
		}
		if next-p != lpEntrySize(e) {
			t.Fatalf("elem %d: size %d, want %d", i, next-p, lpEntrySize(e))
		}
		if lpPrev(buf, next) != p {
			t.Fatalf("elem %d: backlen leads to %d, want %d", i, lpPrev(buf, next), p)
		}
		x := lpEncode(e)
		if !lpEqual(el, &x) {
			t.Fatalf("elem %d not equal to itself", i)
		}
		p = next
	}
	// A head write stores the elements reversed.
	lpWriteEntries(buf, elems, true)
	e, _ := lpGet(buf, 0)
	if string(e.appendTo(nil)) != string(elems[len(elems)-1]) {
		t.Fatalf("head write: first is %.20q", e.appendTo(nil))
	}
}

func TestListEncodingConversions(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	db := l.Shards[0].DBs[0]
	enc := func(key string) string {
		v, ok := db.Get([]byte(key), 0)
		if !ok {
			return "none"
		}
		return OpsOf(TypeList).Encoding(l.Shards[0], v)
	}
	// 100-byte elements: the listpack holds 8192 bytes at most.
	e := strings.Repeat("e", 100)
	// Each entry takes 103 bytes: 7 + 79*103 + 100 <= 8192 < 7 + 79*103 + 103.
	for i := 0; i < 79; i++ {
		l.Do("RPUSH", "k", e)
	}
	if got := enc("k"); got != "listpack" {
		t.Fatalf("79 x 100 bytes: %s", got)
	}
	l.Do("RPUSH", "k", e)
	if got := enc("k"); got != "quicklist" {
		t.Fatalf("80 x 100 bytes: %s", got)
	}
	// Shrinking converts back only at half the limit with one node.
	l.Do("LTRIM", "k", "0", "50")
	if got := enc("k"); got != "quicklist" {
		t.Fatalf("51 elements: %s", got)
	}
	l.Do("LTRIM", "k", "0", "39") // 7 + 40*103 > 4096
	if got := enc("k"); got != "quicklist" {
		t.Fatalf("40 elements: %s", got)
	}
	l.Do("LTRIM", "k", "0", "38") // 7 + 39*103 <= 4096
	if got := enc("k"); got != "listpack" {
		t.Fatalf("39 elements: %s", got)
	}
	if got := l.Do("LLEN", "k"); got != rInt(39) {
		t.Fatal(got)
	}
	// A large element makes a quicklist at once.
	l.Do("RPUSH", "big", strings.Repeat("x", 9000))
	if got := enc("big"); got != "quicklist" {
		t.Fatalf("9000-byte element: %s", got)
	}
	// Elements for SORT, Clone for COPY.
	v, _ := db.Get([]byte("k"), 0)
	if els := OpsOf(TypeList).Elements(l.Shards[0], v); len(els) != 39 || string(els[38]) != e {
		t.Fatalf("listpack elements: %d", len(els))
	}
	l.Do("RPUSH", "n", "1", "x", "-300")
	for i := 0; i < 100; i++ {
		l.Do("RPUSH", "n", e)
	}
	v, _ = db.Get([]byte("n"), 0)
	els := OpsOf(TypeList).Elements(l.Shards[0], v)
	if len(els) != 103 || string(els[0]) != "1" || string(els[2]) != "-300" {
		t.Fatalf("quicklist elements: %d %q", len(els), els[:3])
	}
	q := db.objs.Get(v.Obj).(*quicklist)
	c := q.Clone().(*quicklist)
	q.pop(true, 3, &listSink{})
	if c.count != 103 || c.MemBytes() <= 0 {
		t.Fatalf("clone: count %d", c.count)
	}
	el, _ := lpGet(c.node(0).b, int(c.node(0).lo))
	if !el.isInt || el.v != 1 {
		t.Fatalf("clone's first element %+v", el)
	}
	q.count += 3 // the test popped behind the DB's back; keep checkLists quiet
	l.Do("DEL", "n")
}

func TestListExpiry(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	now := int64(1_000_000)
	l.Now = func() int64 { return now }
	l.Do("RPUSH", "k", "a", "b")
	l.Do("PEXPIRE", "k", "100")
	if got := l.Do("RPUSH", "k", "c"); got != rInt(3) {
		t.Fatal(got)
	}
	now += 100
	for _, c := range [][]string{{"LLEN", "k"}, {"LPUSHX", "k", "x"}, {"RPUSHX", "k", "x"}} {
		if got := l.Do(c...); got != rInt(0) {
			t.Fatalf("%q after expiry: %q", c, got)
		}
	}
	if got := l.Do("LPOP", "k"); got != rNull {
		t.Fatal(got)
	}
	if got := l.Do("RPUSH", "k", "n"); got != rInt(1) {
		t.Fatal(got)
	}
	if got := l.Do("TTL", "k"); got != rInt(-1) {
		t.Fatalf("a new list inherits no TTL: %q", got)
	}
	checkLists(t, l)
}

// TestListMillionO1 pushes a million elements and checks that pushes and
// pops at both ends touch only the end nodes: every interior node keeps
// its buffer (so the work per push/pop does not grow with the list).
func TestListMillionO1(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	const n = 1_000_000
	db := l.Shards[0].DBs[0]
	key := []byte("big")
	lim := limitsOf(-2)
	batch := make([][]byte, 1000)
	for i := 0; i < n; i += len(batch) {
		for j := range batch {
			batch[j] = []byte(fmt.Sprintf("e%09d", i+j))
		}
		listPush(db, key, i%2000 == 0, batch, false, lim, 0)
	}
	v, _ := db.Get(key, 0)
	q := db.objs.Get(v.Obj).(*quicklist)
	if q.count != n {
		t.Fatalf("count %d", q.count)
	}
	perNode := float64(n) / float64(q.numNodes())
	if perNode < 500 {
		t.Fatalf("%d nodes: %.0f elements per node", q.numNodes(), perNode)
	}
	if bpe := float64(q.MemBytes()) / n; bpe > 13.5 {
		t.Fatalf("%.2f bytes per element", bpe)
	}
	interior := map[*byte]bool{}
	for i := 2; i < q.numNodes()-2; i++ {
		interior[&q.node(i).b[0]] = true
	}
	r := rand.New(rand.NewSource(1))
	el := [][]byte{[]byte("x123456789")}
	for i := 0; i < 20000; i++ {
		left := r.Intn(2) == 0
		if r.Intn(2) == 0 {
			listPush(db, key, left, el, false, lim, 0)
		} else {
			listPop(db, key, left, 1, lim, 0, &listSink{})
		}
	}
	v, _ = db.Get(key, 0)
	q = db.objs.Get(v.Obj).(*quicklist)
	kept := 0
	for i := 0; i < q.numNodes(); i++ {
		if interior[&q.node(i).b[0]] {
			kept++
		}
	}
	if kept < len(interior)-40 {
		t.Fatalf("only %d of %d interior nodes kept their buffers", kept, len(interior))
	}
	// LINDEX in the middle skips whole nodes.
	if got := l.Do("LLEN", "big"); got != rInt(q.count) {
		t.Fatal(got)
	}
	checkLists(t, l)
}

func benchArgs(s ...string) [][]byte {
	b := make([][]byte, len(s))
	for i, a := range s {
		b[i] = []byte(a)
	}
	return b
}

// BenchmarkListPushPop: LPUSH then RPOP of one 10-byte element on a list
// of 100 (listpack) or 100k (quicklist) elements, through Local.
func BenchmarkListPushPop(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("len=%d", n), func(b *testing.B) {
			l := NewLocal(1)
			defer l.Close()
			for i := 0; i < n; i++ {
				l.Do("RPUSH", "k", "element:00")
			}
			push, pop := benchArgs("LPUSH", "k", "element:01"), benchArgs("RPOP", "k")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l.DoBytes(push)
				l.DoBytes(pop)
			}
		})
	}
}

func BenchmarkListLPush(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	push := benchArgs("LPUSH", "k", "element:01")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.DoBytes(push)
	}
}

func BenchmarkListLPop(b *testing.B) {
	l := NewLocal(1)
	defer l.Close()
	push := benchArgs("RPUSH", "k", "a1", "b2", "c3", "d4", "e5", "f6", "g7", "h8", "i9", "j10")
	pop := benchArgs("LPOP", "k")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if i%10 == 0 {
			b.StopTimer()
			l.DoBytes(push)
			b.StartTimer()
		}
		l.DoBytes(pop)
	}
}

// BenchmarkListLRange: LRANGE 0 99 of a 100-element listpack and of the
// middle of a 100k-element quicklist.
func BenchmarkListLRange(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("len=%d", n), func(b *testing.B) {
			l := NewLocal(1)
			defer l.Close()
			for i := 0; i < n; i++ {
				l.Do("RPUSH", "k", fmt.Sprintf("element:%02d", i%100))
			}
			mid := strconv.Itoa(n / 2)
			end := strconv.Itoa(n/2 + 99)
			if n == 100 {
				mid, end = "0", "99"
			}
			r := benchArgs("LRANGE", "k", mid, end)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				l.DoBytes(r)
			}
		})
	}
}

func TestListAllocs(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	for i := 0; i < 50; i++ {
		l.Do("RPUSH", "k", "element:00")
		l.Do("RPUSH", "big", strings.Repeat("x", 1000))
	}
	for _, key := range []string{"k", "big"} {
		push, pop := benchArgs("LPUSH", key, "element:01"), benchArgs("RPOP", key)
		rng := benchArgs("LRANGE", key, "0", "-1")
		llen, idx := benchArgs("LLEN", key), benchArgs("LINDEX", key, "25")
		n := testing.AllocsPerRun(200, func() {
			l.DoBytes(push)
			l.DoBytes(pop)
			l.DoBytes(rng)
			l.DoBytes(llen)
			l.DoBytes(idx)
		})
		if n != 0 {
			t.Errorf("%s: LPUSH+RPOP+LRANGE+LLEN+LINDEX allocate %.1f times", key, n)
		}
		mv, back := benchArgs("LMOVE", key, key+"2", "LEFT", "RIGHT"), benchArgs("RPOPLPUSH", key+"2", key)
		if n := testing.AllocsPerRun(200, func() {
			l.DoBytes(mv)
			l.DoBytes(back)
		}); n != 0 {
			t.Errorf("%s: LMOVE+RPOPLPUSH allocate %.1f times", key, n)
		}
	}
}

// FuzzList runs arbitrary list commands (names from the family, arguments
// from the input) against a small-limit server: nothing may panic and
// every list must stay consistent.
func FuzzList(f *testing.F) {
	f.Add([]byte("RPUSH\x00k\x00a\x00b\x01LPOS\x00k\x00a\x00RANK\x00-9223372036854775808\x00COUNT\x000"))
	f.Add([]byte("LPUSH\x00k\x00" + strings.Repeat("x", 300) + "\x01LSET\x00k\x00-1\x00y\x01LTRIM\x00k\x001\x000"))
	f.Add([]byte("RPUSH\x00k\x001\x002\x003\x01LMPOP\x009223372036854775807\x00k\x00LEFT\x01LREM\x00k\x00-9223372036854775808\x001"))
	f.Add([]byte("RPUSH\x00k\x00a\x01LINSERT\x00k\x00AFTER\x00a\x00b\x01LMOVE\x00k\x00k\x00LEFT\x00RIGHT\x01LRANGE\x00k\x00-9223372036854775808\x009223372036854775807"))
	names := []string{"LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX",
		"LSET", "LINSERT", "LREM", "LTRIM", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP"}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := NewLocal(2)
		defer l.Close()
		l.Do("CONFIG", "SET", "list-max-listpack-size", "-1")
		for _, line := range strings.Split(string(data), "\x01") {
			args := strings.Split(line, "\x00")
			ok := false
			for _, n := range names {
				if strings.EqualFold(args[0], n) {
					ok = true
				}
			}
			if !ok || len(args) > 64 {
				continue
			}
			l.Do(args...)
		}
		checkLists(t, l)
	})
}
