package engine

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/darnerdb/darner/proto"
)

// The keys (generic) family: commands about keys whatever their type —
// DEL, UNLINK, EXISTS, TOUCH, TYPE, the EXPIRE and TTL families, PERSIST,
// RENAME, RENAMENX, COPY, MOVE, OBJECT — and the keyspace-wide ones —
// KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB. SORT lives in
// keys_sort.go, moving values between shards in keys_move.go.
//
// Each command has a shard half (opX: works on one shard's DB, never
// touches a connection) that both its Run (all keys on the running shard)
// and its Tx plan (keys on several shards, or the whole keyspace) call.

func init() {
	const generic = "generic"
	ro := func(begin int, flags ...string) KeySpec {
		return KeySpec{BeginIndex: begin, KeyStep: 1, Flags: flags}
	}
	multi := []string{"request_policy:multi_shard", "response_policy:agg_sum"}
	manyKeys := func(flags ...string) []KeySpec {
		return []KeySpec{{BeginIndex: 1, LastKey: -1, KeyStep: 1, Flags: flags}}
	}
	expire := func(name, summary, since string, sec, abs bool) *Command {
		return &Command{Name: name, Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Run: cmdExpire(name, sec, abs), Group: generic, KeySpecs: []KeySpec{ro(1, "RW", "update")},
			Summary: summary, Since: since, Complexity: "O(1)"}
	}
	ttl := func(name, summary, since string, ms, abs bool) *Command {
		c := &Command{Name: name, Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Run: cmdTTL(ms, abs), Group: generic, KeySpecs: []KeySpec{ro(1, "RO", "access")},
			Summary: summary, Since: since, Complexity: "O(1)"}
		if !abs {
			c.Tips = []string{"nondeterministic_output"}
		}
		return c
	}
	const flushDoc = "request_policy:all_shards"
	register(
		&Command{Name: "del", Arity: -2, Flags: FlagWrite, FirstKey: 1, LastKey: -1, Step: 1,
			Run: cmdCount(opDel), Tx: txCount(opDel), Group: generic, Tips: multi, KeySpecs: manyKeys("RM", "delete"),
			Summary: "Delete a key", Since: "1.0.0",
			Complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
			Args:       "key..."},
		&Command{Name: "unlink", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: -1, Step: 1,
			Run: cmdCount(opDel), Tx: txCount(opDel), Group: generic, Tips: multi, KeySpecs: manyKeys("RM", "delete"),
			Summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", Since: "4.0.0",
			Complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
			Args:       "key..."},
		&Command{Name: "exists", Arity: -2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1,
			Run: cmdCount(opExists), Tx: txCount(opExists), Group: generic, Tips: multi, KeySpecs: manyKeys("RO"),
			Summary: "Determine if a key exists", Since: "1.0.0", Complexity: "O(N) where N is the number of keys to check.",
			Args: "key...", History: [][2]string{{"3.0.3", "Accepts multiple `key` arguments."}}},
		&Command{Name: "touch", Arity: -2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1,
			Run: cmdCount(opTouch), Tx: txCount(opTouch), Group: generic, Tips: multi, KeySpecs: manyKeys("RO"),
			Summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", Since: "3.2.1",
			Complexity: "O(N) where N is the number of keys that will be touched.",
			Args:       "key..."},
		&Command{Name: "type", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Run: cmdType, Group: generic, KeySpecs: []KeySpec{ro(1, "RO")},
			Summary: "Determine the type stored at key", Since: "1.0.0", Complexity: "O(1)",
			Args: "key"},
		expire("expire", "Set a key's time to live in seconds", "1.0.0", true, false).withDocs("key seconds [NX | XX | GT | LT]{condition 7.0.0}", [2]string{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}),
		expire("pexpire", "Set a key's time to live in milliseconds", "2.6.0", false, false).withDocs("key milliseconds [NX | XX | GT | LT]{condition 7.0.0}", [2]string{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}),
		expire("expireat", "Set the expiration for a key as a UNIX timestamp", "1.2.0", true, true).withDocs("key unix-time-seconds [NX | XX | GT | LT]{condition 7.0.0}", [2]string{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}),
		expire("pexpireat", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", false, true).withDocs("key unix-time-milliseconds [NX | XX | GT | LT]{condition 7.0.0}", [2]string{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}),
		ttl("ttl", "Get the time to live for a key in seconds", "1.0.0", false, false).withDocs("key", [2]string{"2.8.0", "Added the -2 reply."}),
		ttl("pttl", "Get the time to live for a key in milliseconds", "2.6.0", true, false).withDocs("key", [2]string{"2.8.0", "Added the -2 reply."}),
		ttl("expiretime", "Get the expiration Unix timestamp for a key", "7.0.0", false, true).withDocs("key"),
		ttl("pexpiretime", "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", true, true).withDocs("key"),
		&Command{Name: "persist", Arity: 2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Run: cmdPersist, Group: generic, KeySpecs: []KeySpec{ro(1, "RW", "update")},
			Summary: "Remove the expiration from a key", Since: "2.2.0", Complexity: "O(1)",
			Args: "key"},
		&Command{Name: "rename", Arity: 3, Flags: FlagWrite, FirstKey: 1, LastKey: 2, Step: 1,
			Run: cmdRename(false), Tx: txRename(false), Group: generic,
			KeySpecs: []KeySpec{ro(1, "RW", "access", "delete"), ro(2, "OW", "update")},
			Summary:  "Rename a key", Since: "1.0.0", Complexity: "O(1)",
			Args: "key newkey"},
		&Command{Name: "renamenx", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Step: 1,
			Run: cmdRename(true), Tx: txRename(true), Group: generic,
			KeySpecs: []KeySpec{ro(1, "RW", "access", "delete"), ro(2, "OW", "insert")},
			Summary:  "Rename a key, only if the new key does not exist", Since: "1.0.0", Complexity: "O(1)",
			Args: "key newkey", History: [][2]string{{"3.2.0", "The command no longer returns an error when source and destination names are the same."}}},
		&Command{Name: "copy", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1,
			Run: cmdCopy, Tx: txCopy, Group: generic,
			KeySpecs: []KeySpec{ro(1, "RO", "access"), ro(2, "OW", "update")},
			Summary:  "Copy a key", Since: "6.2.0",
			Complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
			Args:       "source destination [DB destination-db:i] [REPLACE]"},
		&Command{Name: "move", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Run: cmdMove, Group: generic, KeySpecs: []KeySpec{ro(1, "RW", "access", "update")},
			Summary: "Move a key to another database", Since: "1.0.0", Complexity: "O(1)",
			Args: "key db:i"},
		objectCommand(),
		&Command{Name: "keys", Arity: 2, Flags: FlagReadonly | FlagGlobal,
			Run: oneShard(cmdKeys), Tx: txKeys, Group: generic, ACL: "@dangerous",
			Tips:    []string{"request_policy:all_shards", "nondeterministic_output_order"},
			Summary: "Find all keys matching the given pattern", Since: "1.0.0",
			Complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
			Args:       "pattern"},
		&Command{Name: "scan", Arity: -2, Flags: FlagReadonly,
			Tx: txScan, Group: generic,
			Tips:    []string{"nondeterministic_output", "request_policy:special"},
			Summary: "Incrementally iterate the keys space", Since: "2.8.0",
			Complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
			Args:       "cursor [MATCH pattern] [COUNT count] [TYPE type]{6.0.0}", History: [][2]string{{"6.0.0", "Added the `TYPE` subcommand."}}},
		&Command{Name: "randomkey", Arity: 1, Flags: FlagReadonly | FlagGlobal,
			Run: oneShard(cmdRandomKey), Tx: txRandomKey, Group: generic,
			Tips:    []string{"request_policy:all_shards", "nondeterministic_output"},
			Summary: "Return a random key from the keyspace", Since: "1.0.0", Complexity: "O(1)"},
		&Command{Name: "dbsize", Arity: 1, Flags: FlagReadonly | FlagFast | FlagGlobal,
			Run: oneShard(cmdDBSize), Tx: txDBSize, Group: "server", ACL: "@keyspace",
			Tips:    []string{flushDoc, "response_policy:agg_sum"},
			Summary: "Return the number of keys in the selected database", Since: "1.0.0", Complexity: "O(1)"},
		&Command{Name: "flushdb", Arity: -1, Flags: FlagWrite | FlagGlobal,
			Run: cmdFlush(false), Tx: txFlush(false), Group: "server", ACL: "@keyspace @dangerous",
			Tips:    []string{flushDoc, "response_policy:all_succeeded"},
			Summary: "Remove all keys from the current database", Since: "1.0.0",
			Complexity: "O(N) where N is the number of keys in the selected database",
			Args:       "[ASYNC{4.0.0} | SYNC{6.2.0}]{async}", History: [][2]string{{"4.0.0", "Added the `ASYNC` flushing mode modifier."}, {"6.2.0", "Added the `SYNC` flushing mode modifier."}}},
		&Command{Name: "flushall", Arity: -1, Flags: FlagWrite | FlagGlobal,
			Run: cmdFlush(true), Tx: txFlush(true), Group: "server", ACL: "@keyspace @dangerous",
			Tips:    []string{flushDoc, "response_policy:all_succeeded"},
			Summary: "Remove all keys from all databases", Since: "1.0.0",
			Complexity: "O(N) where N is the total number of keys in all databases",
			Args:       "[ASYNC{4.0.0} | SYNC{6.2.0}]{async}", History: [][2]string{{"4.0.0", "Added the `ASYNC` flushing mode modifier."}, {"6.2.0", "Added the `SYNC` flushing mode modifier."}}},
		&Command{Name: "swapdb", Arity: 3, Flags: FlagWrite | FlagFast | FlagGlobal,
			Run: cmdSwapDB, Tx: txSwapDB, Group: "server", ACL: "@keyspace @dangerous",
			Summary: "Swaps two Redis databases", Since: "4.0.0",
			Complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
			Args:       "index1:i index2:i"},
	)
}

// Error texts of the family.
const (
	errSameObject = "ERR source and destination objects are the same"
	errLFUFreq    = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFUIdle    = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// oneShard guards the Run of a FlagGlobal command. The transaction layer
// runs such a command's Tx plan whenever the server has several shards, so
// Run only ever serves a one-shard server; a dispatcher without that layer
// that calls Run on one shard of many gets an error rather than half a
// FLUSHALL or SWAPDB, or a DBSIZE of one shard.
func oneShard(run func(c *Ctx, args [][]byte)) func(c *Ctx, args [][]byte) {
	return func(c *Ctx, args [][]byte) {
		if !manyShards(c) {
			run(c, args)
		}
	}
}

// manyShards replies errNeedsTx and reports true on a multi-shard server
// (see oneShard); commands with argument errors check them first, as
// their Tx planners do.
func manyShards(c *Ctx) bool {
	if c.Server != nil && c.Server.NumShards > 1 {
		c.W.Error(errNeedsTx)
		return true
	}
	return false
}

// errNeedsTx answers a keyspace-wide command on a multi-shard server whose
// dispatcher cannot run transactions yet.
const errNeedsTx = "ERR CROSSSLOT multi-shard commands are not supported yet"

// ---- DEL, UNLINK, EXISTS, TOUCH: count the keys the op is true for ----

// keyOp is the shard half of a counting command: it acts on one key of db
// and reports whether the key counts.
type keyOp func(db *DB, key []byte, now int64) bool

func opDel(db *DB, key []byte, now int64) bool    { return db.Delete(key, now) }
func opExists(db *DB, key []byte, now int64) bool { return db.Exists(key, now) }

// opTouch marks key recently used (for eviction) and reports whether it
// exists.
func opTouch(db *DB, key []byte, now int64) bool {
	_, ok := db.Get(key, now)
	return ok
}

// cmdCount runs op on every key (all on the running shard) and replies
// with how many counted, each occurrence separately (EXISTS k k is 2).
func cmdCount(op keyOp) func(c *Ctx, args [][]byte) {
	return func(c *Ctx, args [][]byte) {
		db := c.Shard.DBs[c.DB]
		var n int64
		for _, k := range args[1:] {
			if op(db, k, c.Now) {
				n++
			}
		}
		c.W.Int(n)
	}
}

// txCount plans a counting command whose keys span shards: every involved
// shard runs op on its own keys, in argument order, and the reply sums.
func txCount(op keyOp) func(t *Tx, args [][]byte) {
	return func(t *Tx, args [][]byte) {
		n := t.NumShards()
		counts := make([]int64, n)
		t.Each(func(c *Ctx) {
			db := c.Shard.DBs[c.DB]
			var k int64
			for _, key := range args[1:] {
				if ShardOf(key, n) == c.Shard.ID && op(db, key, c.Now) {
					k++
				}
			}
			counts[c.Shard.ID] = k
		})
		t.Reply(func(w *proto.Writer) {
			var sum int64
			for _, k := range counts {
				sum += k
			}
			w.Int(sum)
		})
	}
}

// ---- TYPE ----

func cmdType(c *Ctx, args [][]byte) {
	v, _, ok := c.Shard.DBs[c.DB].peek(args[1], c.Now)
	if !ok {
		c.W.SimpleString("none")
		return
	}
	c.W.SimpleString(v.Type.String())
}

// ---- EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT ----

const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags reads EXPIRE's NX/XX/GT/LT options as Redis 7 does:
// an unknown word first, then the incompatible combinations.
func parseExpireFlags(args [][]byte) (int, string) {
	flags := 0
	for _, a := range args {
		switch {
		case EqualFold(a, "nx"):
			flags |= expireNX
		case EqualFold(a, "xx"):
			flags |= expireXX
		case EqualFold(a, "gt"):
			flags |= expireGT
		case EqualFold(a, "lt"):
			flags |= expireLT
		default:
			return 0, "ERR Unsupported option " + string(a)
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		return 0, "ERR NX and XX, GT or LT options at the same time are not compatible"
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		return 0, "ERR GT and LT options at the same time are not compatible"
	}
	return flags, ""
}

// cmdExpire builds the handler of one EXPIRE variant: sec says the
// argument is in seconds, abs that it is a unix time rather than a delay.
func cmdExpire(name string, sec, abs bool) func(c *Ctx, args [][]byte) {
	errTime := "ERR invalid expire time in '" + name + "' command"
	return func(c *Ctx, args [][]byte) {
		flags, msg := parseExpireFlags(args[3:])
		if msg != "" {
			c.W.Error(msg)
			return
		}
		when, ok := ParseInt(args[2])
		if !ok {
			c.W.Error(ErrNotInt)
			return
		}
		if sec {
			if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
				c.W.Error(errTime)
				return
			}
			when *= 1000
		}
		if !abs {
			if when > math.MaxInt64-c.Now {
				c.W.Error(errTime)
				return
			}
			when += c.Now
		}
		c.W.Int(opExpire(c.Shard.DBs[c.DB], args[1], when, flags, c.Now))
	}
}

// opExpire sets key's deadline to when (unix ms) under flags and returns
// EXPIRE's reply: 1 when set (or the key deleted, for a deadline already
// past), 0 when the key is missing or a flag refused.
func opExpire(db *DB, key []byte, when int64, flags int, now int64) int64 {
	cur, ok := db.Deadline(key, now)
	if !ok {
		return 0
	}
	has := cur != 0
	switch {
	case flags&expireNX != 0 && has,
		flags&expireXX != 0 && !has,
		flags&expireGT != 0 && (!has || when <= cur),
		flags&expireLT != 0 && has && when >= cur:
		return 0
	}
	db.Expire(key, when, now)
	return 1
}

// ---- TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST ----

// cmdTTL builds TTL (ms=false, abs=false), PTTL, EXPIRETIME and
// PEXPIRETIME: -2 for a missing key, -1 without a deadline, otherwise the
// remaining time or the deadline, seconds rounded to the nearest.
func cmdTTL(ms, abs bool) func(c *Ctx, args [][]byte) {
	return func(c *Ctx, args [][]byte) {
		at, ok := c.Shard.DBs[c.DB].Deadline(args[1], c.Now)
		switch {
		case !ok:
			c.W.Int(-2)
			return
		case at == 0:
			c.W.Int(-1)
			return
		}
		v := at
		if !abs {
			v = max(at-c.Now, 0)
		}
		if !ms {
			v = (v + 500) / 1000
		}
		c.W.Int(v)
	}
}

func cmdPersist(c *Ctx, args [][]byte) {
	if c.Shard.DBs[c.DB].Persist(args[1], c.Now) {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

// ---- RENAME, RENAMENX ----

// renameResult is a RENAME's outcome: an error text, or the reply (OK,
// or 1/0 for RENAMENX).
type renameResult struct {
	err  string
	done bool // the value moved (or src == dst and it exists)
}

func (r renameResult) write(w *proto.Writer, nx bool) {
	switch {
	case r.err != "":
		w.Error(r.err)
	case !nx:
		w.OK()
	case r.done:
		w.Int(1)
	default:
		w.Int(0)
	}
}

// opRename renames src to dst within one DB (one shard): Redis's order of
// checks — a missing source is an error, src == dst does nothing, NX
// refuses an existing destination — and the deadline moves with the value.
func opRename(db *DB, src, dst []byte, nx bool, now int64, m *Moved) renameResult {
	if !db.Exists(src, now) {
		return renameResult{err: ErrNoSuchKey}
	}
	if string(src) == string(dst) {
		return renameResult{done: !nx}
	}
	if nx && db.Exists(dst, now) {
		return renameResult{}
	}
	TakeOut(db, src, false, now, m)
	PutIn(db, dst, m, now)
	return renameResult{done: true}
}

func cmdRename(nx bool) func(c *Ctx, args [][]byte) {
	return func(c *Ctx, args [][]byte) {
		var m Moved
		opRename(c.Shard.DBs[c.DB], args[1], args[2], nx, c.Now, &m).write(c.W, nx)
	}
}

// txRename plans a RENAME whose keys live on two shards: the destination
// shard says whether dst exists, the source shard checks and takes the
// value out, the destination shard puts it in. The keys are locked
// throughout, so nobody sees the value in neither or both places.
func txRename(nx bool) func(t *Tx, args [][]byte) {
	return func(t *Tx, args [][]byte) {
		src, dst := args[1], args[2]
		var (
			res       renameResult
			dstExists bool
			m         Moved
		)
		t.On(t.ShardOf(dst), func(c *Ctx) { dstExists = c.Shard.DBs[c.DB].Exists(dst, c.Now) })
		t.On(t.ShardOf(src), func(c *Ctx) {
			db := c.Shard.DBs[c.DB]
			switch {
			case !db.Exists(src, c.Now):
				res.err = ErrNoSuchKey
			case nx && dstExists:
			default:
				TakeOut(db, src, false, c.Now, &m)
				res.done = true
			}
		})
		t.On(t.ShardOf(dst), func(c *Ctx) {
			if res.done {
				PutIn(c.Shard.DBs[c.DB], dst, &m, c.Now)
			}
		})
		t.Reply(func(w *proto.Writer) { res.write(w, nx) })
	}
}

// ---- COPY ----

// copyArgs are COPY's parsed options.
type copyArgs struct {
	dstDB   int
	replace bool
}

// parseCopy reads COPY's options (DB n, REPLACE) as Redis does.
func parseCopy(args [][]byte, srcDB, numDBs int) (copyArgs, string) {
	a := copyArgs{dstDB: srcDB}
	for j := 3; j < len(args); j++ {
		switch {
		case EqualFold(args[j], "replace"):
			a.replace = true
		case EqualFold(args[j], "db") && j+1 < len(args):
			id, msg := parseDBIndex(args[j+1], "")
			if msg != "" {
				return a, msg
			}
			if id < 0 || id >= numDBs {
				return a, ErrInvalidDBIx
			}
			a.dstDB = id
			j++
		default:
			return a, ErrSyntax
		}
	}
	if a.dstDB == srcDB && string(args[1]) == string(args[2]) {
		return a, errSameObject
	}
	return a, ""
}

// errIntRange is Redis's getIntFromObjectOrReply text for an integer
// outside 32 bits.
const errIntRange = "ERR value is out of range, value must between -2147483648 and 2147483647"

// parseDBIndex parses a database number as Redis's getIntFromObjectOrReply
// (msg "" is its default texts): an integer that fits 32 bits. Its range
// against the number of databases is the caller's to check.
func parseDBIndex(b []byte, msg string) (int, string) {
	n, ok := ParseInt(b)
	switch {
	case ok && n >= math.MinInt32 && n <= math.MaxInt32:
		return int(n), ""
	case msg != "":
		return 0, msg
	case ok:
		return 0, errIntRange
	}
	return 0, ErrNotInt
}

func cmdCopy(c *Ctx, args [][]byte) {
	a, msg := parseCopy(args, c.DB, len(c.Shard.DBs))
	if msg != "" {
		c.W.Error(msg)
		return
	}
	src, dst := c.Shard.DBs[c.DB], c.Shard.DBs[a.dstDB]
	if !src.Exists(args[1], c.Now) || !a.replace && dst.Exists(args[2], c.Now) {
		c.W.Int(0)
		return
	}
	var m Moved
	TakeOut(src, args[1], true, c.Now, &m)
	PutIn(dst, args[2], &m, c.Now)
	c.W.Int(1)
}

// txCopy plans a COPY across shards: the destination shard checks dst,
// the source shard copies (clones) the value, the destination puts it in.
func txCopy(t *Tx, args [][]byte) {
	a, msg := parseCopy(args, t.DB, t.Server.NumDBs)
	if msg != "" {
		t.Error(msg)
		return
	}
	src, dst := args[1], args[2]
	var (
		blocked, done bool
		m             Moved
	)
	t.On(t.ShardOf(dst), func(c *Ctx) {
		blocked = !a.replace && c.Shard.DBs[a.dstDB].Exists(dst, c.Now)
	})
	t.On(t.ShardOf(src), func(c *Ctx) {
		if !blocked {
			done = TakeOut(c.Shard.DBs[c.DB], src, true, c.Now, &m)
		}
	})
	t.On(t.ShardOf(dst), func(c *Ctx) {
		if done {
			PutIn(c.Shard.DBs[a.dstDB], dst, &m, c.Now)
		}
	})
	t.Reply(func(w *proto.Writer) {
		if done {
			w.Int(1)
		} else {
			w.Int(0)
		}
	})
}

// ---- MOVE ----

func cmdMove(c *Ctx, args [][]byte) {
	id, msg := parseDBIndex(args[2], "")
	if msg != "" {
		c.W.Error(msg)
		return
	}
	if id < 0 || id >= len(c.Shard.DBs) {
		c.W.Error(ErrInvalidDBIx)
		return
	}
	if id == c.DB {
		c.W.Error(errSameObject)
		return
	}
	src, dst := c.Shard.DBs[c.DB], c.Shard.DBs[id]
	if !src.Exists(args[1], c.Now) || dst.Exists(args[1], c.Now) {
		c.W.Int(0)
		return
	}
	var m Moved
	TakeOut(src, args[1], false, c.Now, &m)
	PutIn(dst, args[1], &m, c.Now)
	c.W.Int(1)
}

// ---- OBJECT ----

func objectCommand() *Command {
	sub := func(name string, arity int, flags Flags, summary, since string, run func(*Ctx, [][]byte)) *Command {
		c := &Command{Name: "object|" + name, Arity: arity, Flags: flags, Group: "generic",
			Summary: summary, Since: since, Complexity: "O(1)", Run: run}
		if arity == 3 {
			c.FirstKey, c.LastKey, c.Step = 2, 2, 1
			c.KeySpecs = []KeySpec{{BeginIndex: 2, KeyStep: 1, Flags: []string{"RO"}}}
			c.Tips = []string{"nondeterministic_output"}
		}
		return c
	}
	// The parent carries the subcommands' key position (argument 2) so
	// that the dispatcher runs OBJECT on the key's shard; OBJECT HELP has
	// no argument 2 and runs on the coordinator. Its key specs stay empty,
	// as Redis reports them.
	cmd := &Command{Name: "object", Arity: -2, FirstKey: 2, LastKey: 2, Step: 1, KeySpecs: []KeySpec{},
		Group: "generic", Summary: "A container for object introspection commands", Since: "2.2.3",
		Complexity: "Depends on subcommand."}
	cmd.Subcommands = []*Command{
		sub("encoding", 3, FlagReadonly, "Inspect the internal encoding of a Redis object", "2.2.3", cmdObjectEncoding),
		sub("freq", 3, FlagReadonly, "Get the logarithmic access frequency counter of a Redis object", "4.0.0", cmdObjectFreq),
		sub("help", 2, FlagLoading|FlagStale, "Show helpful text about the different subcommands", "6.2.0", cmdObjectHelp),
		sub("idletime", 3, FlagReadonly, "Get the time since a Redis object was last accessed", "2.2.3", cmdObjectIdleTime),
		sub("refcount", 3, FlagReadonly, "Get the number of references to the value of the key", "2.2.3", cmdObjectRefCount),
	}
	subDocs(cmd, "encoding", "key")
	subDocs(cmd, "freq", "key")
	subDocs(cmd, "idletime", "key")
	subDocs(cmd, "refcount", "key")
	cmd.Run = func(c *Ctx, args [][]byte) { cmd.RunSubcommand(c, args) }
	return cmd
}

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

func cmdObjectHelp(c *Ctx, args [][]byte) { writeHelp(c, objectHelp) }

// objectKey looks up OBJECT's key; a missing key is a null reply.
func objectKey(c *Ctx, args [][]byte) (Value, bool) {
	v, _, ok := c.Shard.DBs[c.DB].peek(args[2], c.Now)
	if !ok {
		c.W.Null()
	}
	return v, ok
}

// EncodingName is Redis's OBJECT ENCODING name for v: "int", "embstr"
// (up to 44 bytes) or "raw" for strings, the family's name (through its
// registered TypeOps) for collections.
func EncodingName(sh *Shard, v Value) string {
	if v.Type == TypeString {
		switch {
		case v.Enc == EncInt:
			return "int"
		case len(v.Bytes) <= 44:
			return "embstr"
		}
		return "raw"
	}
	if ops := OpsOf(v.Type); ops.Encoding != nil {
		return ops.Encoding(sh, v)
	}
	if v.Type == TypeStream {
		return "stream"
	}
	return "unknown"
}

func cmdObjectEncoding(c *Ctx, args [][]byte) {
	if v, ok := objectKey(c, args); ok {
		c.W.BulkString(EncodingName(c.Shard, v))
	}
}

// lfuPolicy reports whether the configured maxmemory-policy is an LFU one.
func lfuPolicy(c *Ctx) bool {
	p := c.Server.Config().MaxMemoryPolicy()
	return p == "allkeys-lfu" || p == "volatile-lfu"
}

// cmdObjectFreq: darner keeps no per-key frequency counter (its eviction
// uses one "recently used" bit); under an LFU policy it reports Redis's
// initial counter (LFU_INIT_VAL, 5), what Redis shows for a new key.
func cmdObjectFreq(c *Ctx, args [][]byte) {
	if _, ok := objectKey(c, args); !ok {
		return
	}
	if !lfuPolicy(c) {
		c.W.Error(errLFUFreq)
		return
	}
	c.W.Int(5)
}

// cmdObjectIdleTime: darner keeps no access time per key; it reports 0.
func cmdObjectIdleTime(c *Ctx, args [][]byte) {
	if _, ok := objectKey(c, args); !ok {
		return
	}
	if lfuPolicy(c) {
		c.W.Error(errLFUIdle)
		return
	}
	c.W.Int(0)
}

// cmdObjectRefCount: values are never shared in darner, but Redis reports
// its shared small integers (0..9999, when no LRU/LFU policy forbids
// sharing) with INT_MAX, and clients' tests compare it.
func cmdObjectRefCount(c *Ctx, args [][]byte) {
	v, ok := objectKey(c, args)
	if !ok {
		return
	}
	if v.Type == TypeString && v.Enc == EncInt && v.Int >= 0 && v.Int < 10000 && !noSharedIntegers(c) {
		c.W.Int(math.MaxInt32)
		return
	}
	c.W.Int(1)
}

// noSharedIntegers mirrors Redis: with maxmemory set and an LRU or LFU
// policy, integers are not shared.
func noSharedIntegers(c *Ctx) bool {
	cfg := c.Server.Config()
	if cfg.MaxMemory() == 0 {
		return false
	}
	switch cfg.MaxMemoryPolicy() {
	case "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu":
		return true
	}
	return false
}

// ---- KEYS ----

// opKeys appends copies of db's live keys matching pattern to out.
func opKeys(db *DB, pattern []byte, now int64, out [][]byte) [][]byte {
	all := len(pattern) == 1 && pattern[0] == '*'
	var cur uint64
	for {
		cur = db.Scan(cur, 1024, now, func(k []byte, _ ValueType) {
			if all || GlobMatch(pattern, k, false) {
				out = append(out, append([]byte(nil), k...))
			}
		})
		if cur == 0 {
			return out
		}
	}
}

func writeKeys(w *proto.Writer, parts ...[][]byte) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	w.ArrayLen(n)
	for _, p := range parts {
		for _, k := range p {
			w.Bulk(k)
		}
	}
}

func cmdKeys(c *Ctx, args [][]byte) {
	writeKeys(c.W, opKeys(c.Shard.DBs[c.DB], args[1], c.Now, nil))
}

func txKeys(t *Tx, args [][]byte) {
	found := make([][][]byte, t.NumShards())
	t.Each(func(c *Ctx) { found[c.Shard.ID] = opKeys(c.Shard.DBs[c.DB], args[1], c.Now, nil) })
	t.Reply(func(w *proto.Writer) { writeKeys(w, found...) })
}

// ---- SCAN ----

// A SCAN cursor holds the shard in its top 16 bits and that shard's
// DB.Scan cursor (48 bits) below: a full iteration walks shard 0, then
// shard 1, and so on, and returns 0 after the last.
const scanShardShift = 48

// parseCursor parses a SCAN cursor as Redis does (strtoul: an optional
// sign, digits, no leading space, no overflow; "" is 0; "-1" wraps).
func parseCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
	}
	neg := false
	if b[0] == '-' || b[0] == '+' {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var u uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if u > (math.MaxUint64-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if neg {
		u = -u
	}
	return u, true
}

// scanArgs are SCAN's parsed options.
type scanArgs struct {
	cursor  uint64
	count   int
	pattern []byte // nil: every key
	typ     []byte // nil: every type
}

func parseScan(args [][]byte) (scanArgs, string) {
	a := scanArgs{count: 10}
	cur, ok := parseCursor(args[1])
	if !ok {
		return a, "ERR invalid cursor"
	}
	a.cursor = cur
	for i := 2; i < len(args); i += 2 {
		more := i+1 < len(args)
		switch {
		case EqualFold(args[i], "count") && more:
			n, ok := ParseInt(args[i+1])
			if !ok {
				return a, ErrNotInt
			}
			if n < 1 {
				return a, ErrSyntax
			}
			a.count = int(min(n, 1<<30))
		case EqualFold(args[i], "match") && more:
			a.pattern = args[i+1]
			if len(a.pattern) == 1 && a.pattern[0] == '*' {
				a.pattern = nil
			}
		case EqualFold(args[i], "type") && more:
			a.typ = args[i+1]
		default:
			return a, ErrSyntax
		}
	}
	return a, ""
}

// opScan continues a scan of db from cur (a DB.Scan cursor) for about
// count keys, appending copies of the matching keys to out; it returns
// the next cursor (0: the DB is done).
func opScan(db *DB, a *scanArgs, cur uint64, now int64, out [][]byte) (uint64, [][]byte) {
	next := db.Scan(cur, a.count, now, func(k []byte, t ValueType) {
		if a.typ != nil && !EqualFold(a.typ, t.String()) {
			return
		}
		if a.pattern != nil && !GlobMatch(a.pattern, k, false) {
			return
		}
		out = append(out, append([]byte(nil), k...))
	})
	return next, out
}

// txScan plans one SCAN call: it continues on the cursor's shard, and
// while the batch is short and that shard is done, on the next shards
// (each a phase of its own, a no-op once the batch is full), so an empty
// or sparse keyspace ends in one call as in Redis. It locks no key.
func txScan(t *Tx, args [][]byte) {
	a, msg := parseScan(args)
	if msg != "" {
		t.Error(msg)
		return
	}
	n := t.NumShards()
	first := int(a.cursor >> scanShardShift)
	var (
		keys [][]byte
		next uint64 // the reply's cursor
		stop bool
	)
	if uint64(first) < uint64(n) {
		for s := first; s < n; s++ {
			cur := a.cursor & (1<<scanShardShift - 1)
			if s != first {
				cur = 0
			}
			t.On(s, func(c *Ctx) {
				if stop {
					return
				}
				var nc uint64
				nc, keys = opScan(c.Shard.DBs[c.DB], &a, cur, c.Now, keys)
				switch {
				case nc != 0:
					next, stop = uint64(s)<<scanShardShift|nc, true
				case s+1 < n && len(keys) >= a.count:
					next, stop = uint64(s+1)<<scanShardShift, true
				}
			})
		}
	}
	t.Reply(func(w *proto.Writer) {
		w.ArrayLen(2)
		var buf [20]byte
		w.Bulk(strconv.AppendUint(buf[:0], next, 10))
		writeKeys(w, keys)
	})
}

// ---- RANDOMKEY ----

func cmdRandomKey(c *Ctx, args [][]byte) {
	k, ok := c.Shard.DBs[c.DB].RandomKey(c.Now)
	if !ok {
		c.W.Null()
		return
	}
	c.W.Bulk(k)
}

// txRandomKey asks every shard for a random key and picks one shard's,
// weighted by the shards' key counts.
func txRandomKey(t *Tx, args [][]byte) {
	n := t.NumShards()
	keys := make([][]byte, n)
	counts := make([]int64, n)
	t.Each(func(c *Ctx) {
		db := c.Shard.DBs[c.DB]
		if k, ok := db.RandomKey(c.Now); ok {
			keys[c.Shard.ID] = append([]byte(nil), k...)
			counts[c.Shard.ID] = db.Len()
		}
	})
	t.Reply(func(w *proto.Writer) {
		var total int64
		for _, k := range counts {
			total += k
		}
		if total == 0 {
			w.Null()
			return
		}
		r := rand.Int64N(total)
		for s, k := range counts {
			if r < k {
				w.Bulk(keys[s])
				return
			}
			r -= k
		}
	})
}

// ---- DBSIZE, FLUSHDB, FLUSHALL, SWAPDB ----

func cmdDBSize(c *Ctx, args [][]byte) { c.W.Int(c.Shard.DBs[c.DB].Len()) }

func txDBSize(t *Tx, args [][]byte) {
	counts := make([]int64, t.NumShards())
	t.Each(func(c *Ctx) { counts[c.Shard.ID] = c.Shard.DBs[c.DB].Len() })
	t.Reply(func(w *proto.Writer) {
		var sum int64
		for _, k := range counts {
			sum += k
		}
		w.Int(sum)
	})
}

// flushArgsOK checks FLUSHDB/FLUSHALL's optional SYNC or ASYNC (darner
// frees memory synchronously either way).
func flushArgsOK(args [][]byte) bool {
	switch len(args) {
	case 1:
		return true
	case 2:
		return EqualFold(args[1], "sync") || EqualFold(args[1], "async")
	}
	return false
}

// opFlush empties database db of sh, or all of them.
func opFlush(sh *Shard, db int, all bool) {
	if !all {
		sh.DBs[db].Flush()
		return
	}
	for _, d := range sh.DBs {
		if d.Len() > 0 {
			d.Flush()
		}
	}
}

func cmdFlush(all bool) func(c *Ctx, args [][]byte) {
	return func(c *Ctx, args [][]byte) {
		if !flushArgsOK(args) {
			c.W.Error(ErrSyntax)
			return
		}
		if manyShards(c) {
			return
		}
		opFlush(c.Shard, c.DB, all)
		c.W.OK()
	}
}

func txFlush(all bool) func(t *Tx, args [][]byte) {
	return func(t *Tx, args [][]byte) {
		if !flushArgsOK(args) {
			t.Error(ErrSyntax)
			return
		}
		t.Each(func(c *Ctx) { opFlush(c.Shard, c.DB, all) })
		t.Reply(func(w *proto.Writer) { w.OK() })
	}
}

// parseSwapDB reads SWAPDB's two indexes with Redis's errors.
func parseSwapDB(args [][]byte, numDBs int) (a, b int, msg string) {
	if a, msg = parseDBIndex(args[1], "ERR invalid first DB index"); msg != "" {
		return 0, 0, msg
	}
	if b, msg = parseDBIndex(args[2], "ERR invalid second DB index"); msg != "" {
		return 0, 0, msg
	}
	if a < 0 || a >= numDBs || b < 0 || b >= numDBs {
		return 0, 0, ErrInvalidDBIx
	}
	return a, b, ""
}

// opSwapDB swaps two databases of one shard (their tables; the arena and
// object store are the shard's, shared by all its databases).
func opSwapDB(sh *Shard, a, b int) { sh.DBs[a], sh.DBs[b] = sh.DBs[b], sh.DBs[a] }

func cmdSwapDB(c *Ctx, args [][]byte) {
	a, b, msg := parseSwapDB(args, len(c.Shard.DBs))
	if msg != "" {
		c.W.Error(msg)
		return
	}
	if manyShards(c) {
		return
	}
	opSwapDB(c.Shard, a, b)
	c.W.OK()
}

func txSwapDB(t *Tx, args [][]byte) {
	a, b, msg := parseSwapDB(args, t.Server.NumDBs)
	if msg != "" {
		t.Error(msg)
		return
	}
	t.Each(func(c *Ctx) { opSwapDB(c.Shard, a, b) })
	t.Reply(func(w *proto.Writer) { w.OK() })
}
