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
				for step := 0; step < 4000; step++ {
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
