package engine

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/big"
	"strconv"

	"github.com/darnerdb/darner/proto"
)

// The strings family: GET, SET and its options, SETNX/SETEX/PSETEX,
// GETSET, GETDEL, GETEX, MGET/MSET/MSETNX, APPEND, STRLEN, GETRANGE,
// SUBSTR, SETRANGE, the INCR family, INCRBYFLOAT and LCS, with Redis 7's
// replies and error texts.
//
// Values: a string that is the canonical decimal form of an int64 is kept
// as an integer (EncInt, DB.SetInt), so INCR neither parses nor formats;
// everything else is raw bytes in the key's arena record. APPEND and
// SETRANGE change the record in place when it has room and turn an integer
// into raw bytes. Every handler runs on the shard that owns its keys and
// writes its reply before it mutates the DB (a Value's Bytes alias the
// arena until the next mutation).
//
// Multi-key commands (MGET, MSET, MSETNX, LCS) have a Run for keys on one
// shard and a Tx plan for keys on several; Run and the phases share the
// shard halves (msetOn, existsAny, lcsRead) and LCS's reply (lcsReply).
// The DB-level halves at the end of the file (incrInt, appendString,
// setRange, growString) edit a key's arena record in place where they can.

func init() {
	const (
		ro  = FlagReadonly
		rof = FlagReadonly | FlagFast
		wr  = FlagWrite | FlagDenyOOM
		wrf = FlagWrite | FlagDenyOOM | FlagFast
		grp = "string"
		o1  = "O(1)"
	)
	one := func(notes string, flags ...string) []KeySpec {
		return []KeySpec{{Notes: notes, Flags: flags, BeginIndex: 1, LastKey: 0, KeyStep: 1}}
	}
	rangeCx := "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."
	incrSpec := one("", "RW", "access", "update")
	register(
		&Command{Name: "get", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdGet,
			Group: grp, Summary: "Get the value of a key", Since: "1.0.0", Complexity: o1,
			Args: "key"},
		&Command{Name: "set", Arity: -3, Flags: wr, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSet,
			KeySpecs: one("RW and ACCESS due to the optional `GET` argument", "RW", "access", "update", "variable_flags"),
			Group:    grp, Summary: "Set the string value of a key", Since: "1.0.0", Complexity: o1,
			Args: "key value [NX | XX]{condition 2.6.12} [GET]{6.2.0} [EX seconds{2.6.12} | PX milliseconds{2.6.12} | EXAT unix-time-seconds{6.2.0} | PXAT unix-time-milliseconds{6.2.0} | KEEPTTL{6.0.0}]{expiration}", History: [][2]string{{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."}, {"6.0.0", "Added the `KEEPTTL` option."}, {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."}, {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}}, KeyFlags: setKeyFlags},
		&Command{Name: "setnx", Arity: 3, Flags: wrf, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSetNX,
			KeySpecs: one("", "OW", "insert"),
			Group:    grp, Summary: "Set the value of a key, only if the key does not exist", Since: "1.0.0", Complexity: o1,
			Args: "key value"},
		&Command{Name: "setex", Arity: 4, Flags: wr, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSetEX,
			KeySpecs: one("", "OW", "update"),
			Group:    grp, Summary: "Set the value and expiration of a key", Since: "2.0.0", Complexity: o1,
			Args: "key seconds value"},
		&Command{Name: "psetex", Arity: 4, Flags: wr, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdPSetEX,
			KeySpecs: one("", "OW", "update"),
			Group:    grp, Summary: "Set the value and expiration in milliseconds of a key", Since: "2.6.0", Complexity: o1,
			Args: "key milliseconds value"},
		&Command{Name: "getset", Arity: 3, Flags: wrf, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdGetSet,
			KeySpecs: one("", "RW", "access", "update"),
			Group:    grp, Summary: "Set the string value of a key and return its old value", Since: "1.0.0", Complexity: o1,
			Args: "key value", DeprecatedSince: "6.2.0", ReplacedBy: "`SET` with the `!GET` argument"},
		&Command{Name: "getdel", Arity: 2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdGetDel,
			KeySpecs: one("", "RW", "access", "delete"),
			Group:    grp, Summary: "Get the value of a key and delete the key", Since: "6.2.0", Complexity: o1,
			Args: "key"},
		&Command{Name: "getex", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdGetEX,
			KeySpecs: one("RW and UPDATE because it changes the TTL", "RW", "access", "update"),
			Group:    grp, Summary: "Get the value of a key and optionally set its expiration", Since: "6.2.0", Complexity: o1,
			Args: "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]{expiration}"},
		&Command{Name: "mget", Arity: -2, Flags: rof, FirstKey: 1, LastKey: -1, Step: 1, Run: cmdMGet, Tx: txMGet,
			Tips:  []string{"request_policy:multi_shard"},
			Group: grp, Summary: "Get the values of all the given keys", Since: "1.0.0", Complexity: "O(N) where N is the number of keys to retrieve.",
			Args: "key..."},
		&Command{Name: "mset", Arity: -3, Flags: wr, FirstKey: 1, LastKey: -1, Step: 2, Run: cmdMSet, Tx: txMSet,
			Tips:     []string{"request_policy:multi_shard", "response_policy:all_succeeded"},
			KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, BeginIndex: 1, LastKey: -1, KeyStep: 2}},
			Group:    grp, Summary: "Set multiple keys to multiple values", Since: "1.0.1", Complexity: "O(N) where N is the number of keys to set.",
			Args: "(key value){key_value}..."},
		&Command{Name: "msetnx", Arity: -3, Flags: wr, FirstKey: 1, LastKey: -1, Step: 2, Run: cmdMSetNX, Tx: txMSetNX,
			Tips:     []string{"request_policy:multi_shard", "response_policy:agg_min"},
			KeySpecs: []KeySpec{{Flags: []string{"OW", "insert"}, BeginIndex: 1, LastKey: -1, KeyStep: 2}},
			Group:    grp, Summary: "Set multiple keys to multiple values, only if none of the keys exist", Since: "1.0.1", Complexity: "O(N) where N is the number of keys to set.",
			Args: "(key value){key_value}..."},
		&Command{Name: "append", Arity: 3, Flags: wrf, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdAppend,
			KeySpecs: one("", "RW", "insert"),
			Group:    grp, Summary: "Append a value to a key", Since: "2.0.0",
			Complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
			Args:       "key value"},
		&Command{Name: "strlen", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdStrlen,
			KeySpecs: one("", "RO"),
			Group:    grp, Summary: "Get the length of the value stored in a key", Since: "2.2.0", Complexity: o1,
			Args: "key"},
		&Command{Name: "getrange", Arity: 4, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdGetRange,
			Group: grp, Summary: "Get a substring of the string stored at a key", Since: "2.4.0", Complexity: rangeCx,
			Args: "key start:i end:i"},
		&Command{Name: "substr", Arity: 4, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdGetRange,
			Group: grp, Summary: "Get a substring of the string stored at a key", Since: "1.0.0", Complexity: rangeCx,
			Args: "key start:i end:i", DeprecatedSince: "2.0.0", ReplacedBy: "`GETRANGE`"},
		&Command{Name: "setrange", Arity: 4, Flags: wr, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdSetRange,
			KeySpecs: one("", "RW", "update"),
			Group:    grp, Summary: "Overwrite part of a string at key starting at the specified offset", Since: "2.2.0",
			Complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
			Args:       "key offset:i value"},
		&Command{Name: "incr", Arity: 2, Flags: wrf, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdIncr, KeySpecs: incrSpec,
			Group: grp, Summary: "Increment the integer value of a key by one", Since: "1.0.0", Complexity: o1,
			Args: "key"},
		&Command{Name: "decr", Arity: 2, Flags: wrf, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdDecr, KeySpecs: incrSpec,
			Group: grp, Summary: "Decrement the integer value of a key by one", Since: "1.0.0", Complexity: o1,
			Args: "key"},
		&Command{Name: "incrby", Arity: 3, Flags: wrf, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdIncrBy, KeySpecs: incrSpec,
			Group: grp, Summary: "Increment the integer value of a key by the given amount", Since: "1.0.0", Complexity: o1,
			Args: "key increment:i"},
		&Command{Name: "decrby", Arity: 3, Flags: wrf, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdDecrBy, KeySpecs: incrSpec,
			Group: grp, Summary: "Decrement the integer value of a key by the given number", Since: "1.0.0", Complexity: o1,
			Args: "key decrement:i"},
		&Command{Name: "incrbyfloat", Arity: 3, Flags: wrf, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdIncrByFloat, KeySpecs: incrSpec,
			Group: grp, Summary: "Increment the float value of a key by the given amount", Since: "2.6.0", Complexity: o1,
			Args: "key increment:d"},
		&Command{Name: "lcs", Arity: -3, Flags: ro, FirstKey: 1, LastKey: 2, Step: 1, Run: cmdLCS, Tx: txLCS,
			Group: grp, Summary: "Find longest common substring", Since: "7.0.0", Complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
			Args: "key1:k key2:k{#0} [LEN] [IDX] [MINMATCHLEN len:i] [WITHMATCHLEN]"},
	)
}

// writeString writes a string value (or a null when !ok) as a bulk reply.
func writeString(w *proto.Writer, v Value, ok bool) {
	switch {
	case !ok:
		w.Null()
	case v.Enc == EncInt:
		w.BulkInt(v.Int)
	default:
		w.Bulk(v.Bytes)
	}
}

// getString looks key up for a command that reads a string. It writes
// WRONGTYPE and reports false when the key holds another type; a missing
// key is (ok=true, found=false). The lookup counts as a keyspace hit or
// miss even in a write command (GETSET, GETDEL, GETEX, SET ... GET), as
// Redis's lookupKeyRead does.
func getString(c *Ctx, key []byte) (v Value, found, ok bool) {
	st := &c.Shard.Stats
	read := st.readCmd
	st.readCmd = true
	v, found = c.Shard.DBs[c.DB].Get(key, c.Now)
	st.readCmd = read
	return checkString(c, v, found)
}

// checkString writes WRONGTYPE for a value of another type (ok=false).
func checkString(c *Ctx, v Value, found bool) (Value, bool, bool) {
	if found && v.Type != TypeString {
		c.W.WrongType()
		return v, true, false
	}
	return v, found, true
}

// stringBytes returns a string value's bytes, formatting an integer into
// buf (which the result may alias).
func stringBytes(v Value, buf *[20]byte) []byte {
	if v.Enc == EncInt {
		return strconv.AppendInt(buf[:0], v.Int, 10)
	}
	return v.Bytes
}

func cmdGet(c *Ctx, args [][]byte) {
	v, found, ok := getString(c, args[1])
	if ok {
		writeString(c.W, v, found)
	}
}

// --- SET and its options ---

// strOpts are SET's and GETEX's parsed options.
type strOpts struct {
	flags   SetFlags // SetNX, SetXX, SetKeepTTL
	get     bool     // SET ... GET
	persist bool     // GETEX ... PERSIST
	expire  []byte   // the EX/PX/EXAT/PXAT argument; nil when none
	millis  bool     // PX or PXAT
	abs     bool     // EXAT or PXAT
}

// cword is an option as Redis's C code compares it: up to its first NUL.
func cword(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// parse reads SET's (set=true) or GETEX's options from args, with the
// combinations Redis's parseExtendedStringArgumentsOrReply accepts (a
// repeated option is allowed; conflicting ones are a syntax error). It
// returns an error text or "".
func (o *strOpts) parse(args [][]byte, set bool) string {
	for j := 0; j < len(args); j++ {
		opt := cword(args[j])
		hasNext := j+1 < len(args)
		timed := o.expire != nil
		switch {
		case set && EqualFold(opt, "nx") && o.flags&SetXX == 0:
			o.flags |= SetNX
		case set && EqualFold(opt, "xx") && o.flags&SetNX == 0:
			o.flags |= SetXX
		case set && EqualFold(opt, "get"):
			o.get = true
		case set && EqualFold(opt, "keepttl") && !timed:
			o.flags |= SetKeepTTL
		case !set && EqualFold(opt, "persist") && !timed:
			o.persist = true
		case EqualFold(opt, "ex") && hasNext && o.sameUnit(false, false):
			o.expire, o.millis, o.abs = args[j+1], false, false
			j++
		case EqualFold(opt, "px") && hasNext && o.sameUnit(true, false):
			o.expire, o.millis, o.abs = args[j+1], true, false
			j++
		case EqualFold(opt, "exat") && hasNext && o.sameUnit(false, true):
			o.expire, o.millis, o.abs = args[j+1], false, true
			j++
		case EqualFold(opt, "pxat") && hasNext && o.sameUnit(true, true):
			o.expire, o.millis, o.abs = args[j+1], true, true
			j++
		default:
			return ErrSyntax
		}
	}
	return ""
}

// sameUnit reports whether an expire option of the given kind may follow
// the options read so far: no KEEPTTL or PERSIST, and no expire option of
// another kind.
func (o *strOpts) sameUnit(millis, abs bool) bool {
	if o.flags&SetKeepTTL != 0 || o.persist {
		return false
	}
	return o.expire == nil || (o.millis == millis && o.abs == abs)
}

// expireAt turns the expire argument into an absolute deadline in unix ms,
// as Redis's getExpireMillisecondsOrReply: not an integer, <= 0, or
// overflowing once scaled or made absolute is an error naming cmd.
func (o *strOpts) expireAt(cmd string, now int64) (int64, string) {
	n, ok := ParseInt(o.expire)
	if !ok {
		return 0, ErrNotInt
	}
	if n <= 0 || (!o.millis && n > math.MaxInt64/1000) {
		return 0, errExpireTime(cmd)
	}
	if !o.millis {
		n *= 1000
	}
	if !o.abs {
		n += now // wraps on overflow, caught below as Redis does
	}
	if n <= 0 {
		return 0, errExpireTime(cmd)
	}
	return n, ""
}

func errExpireTime(cmd string) string { return "ERR invalid expire time in '" + cmd + "' command" }

func cmdSet(c *Ctx, args [][]byte) {
	var o strOpts
	if len(args) > 3 {
		if err := o.parse(args[3:], true); err != "" {
			c.W.Error(err)
			return
		}
	}
	setGeneric(c, "set", args[1], args[2], &o, false)
}

func cmdSetNX(c *Ctx, args [][]byte) {
	o := strOpts{flags: SetNX}
	setGeneric(c, "setnx", args[1], args[2], &o, true)
}

func cmdSetEX(c *Ctx, args [][]byte) {
	o := strOpts{expire: args[2]}
	setGeneric(c, "setex", args[1], args[3], &o, false)
}

func cmdPSetEX(c *Ctx, args [][]byte) {
	o := strOpts{expire: args[2], millis: true}
	setGeneric(c, "psetex", args[1], args[3], &o, false)
}

// setGeneric is Redis's setGenericCommand: the expire time is checked
// first, then GET reads the old value (WRONGTYPE stops the command), then
// NX/XX decide. Replies: OK / null, or 1 / 0 for SETNX (intReply); with
// GET only the old value.
func setGeneric(c *Ctx, cmd string, key, val []byte, o *strOpts, intReply bool) {
	var at int64
	if o.expire != nil {
		var err string
		if at, err = o.expireAt(cmd, c.Now); err != "" {
			c.W.Error(err)
			return
		}
	}
	db := c.Shard.DBs[c.DB]
	if o.get {
		v, found, ok := getString(c, key)
		if !ok {
			return
		}
		writeString(c.W, v, found) // written before the Set below reuses the record
	}
	_, stored := db.Set(key, val, at, o.flags, c.Now)
	if stored && at != 0 && at <= c.Now {
		db.Delete(key, c.Now) // EXAT/PXAT in the past: set, then expired at once
	}
	switch {
	case o.get:
	case intReply && stored:
		c.W.Int(1)
	case intReply:
		c.W.Int(0)
	case stored:
		c.W.OK()
	default:
		c.W.Null()
	}
}

func cmdGetSet(c *Ctx, args [][]byte) {
	v, found, ok := getString(c, args[1])
	if !ok {
		return
	}
	writeString(c.W, v, found)
	c.Shard.DBs[c.DB].Set(args[1], args[2], 0, 0, c.Now)
}

func cmdGetDel(c *Ctx, args [][]byte) {
	v, found, ok := getString(c, args[1])
	if !ok {
		return
	}
	writeString(c.W, v, found)
	if found {
		c.Shard.DBs[c.DB].Delete(args[1], c.Now)
	}
}

// cmdGetEX follows Redis's getexCommand: options, then the key (null when
// missing, WRONGTYPE), then the expire time, then the reply, then the TTL
// change (an EXAT/PXAT deadline already past deletes the key).
func cmdGetEX(c *Ctx, args [][]byte) {
	var o strOpts
	if err := o.parse(args[2:], false); err != "" {
		c.W.Error(err)
		return
	}
	v, found, ok := getString(c, args[1])
	if !ok {
		return
	}
	if !found {
		c.W.Null()
		return
	}
	var at int64
	if o.expire != nil {
		var err string
		if at, err = o.expireAt("getex", c.Now); err != "" {
			c.W.Error(err)
			return
		}
	}
	writeString(c.W, v, true)
	db := c.Shard.DBs[c.DB]
	switch {
	case o.expire != nil && o.abs && at <= c.Now:
		db.Delete(args[1], c.Now)
	case o.expire != nil:
		db.Expire(args[1], at, c.Now)
	case o.persist:
		db.Persist(args[1], c.Now)
	}
}

// --- MGET, MSET, MSETNX ---

func cmdMGet(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	c.W.ArrayLen(len(args) - 1)
	for _, k := range args[1:] {
		v, ok := db.Get(k, c.Now)
		writeString(c.W, v, ok && v.Type == TypeString)
	}
}

// mgetTx is an MGET across shards: each shard copies out the values of
// its own keys (vals[i] for args[i+1], disjoint per shard), the
// coordinator writes them in order.
type mgetTx struct {
	args  [][]byte
	vals  [][]byte
	found []bool
}

func txMGet(t *Tx, args [][]byte) {
	m := &mgetTx{args: args, vals: make([][]byte, len(args)-1), found: make([]bool, len(args)-1)}
	n := t.NumShards()
	t.Each(func(c *Ctx) {
		db := c.Shard.DBs[c.DB]
		buf := t.Scratch(c)
		for i, k := range m.args[1:] {
			if ShardOf(k, n) != c.Shard.ID {
				continue
			}
			if v, ok := db.Get(k, c.Now); ok && v.Type == TypeString {
				start := len(*buf)
				*buf = v.AppendString(*buf)
				m.vals[i] = (*buf)[start:len(*buf):len(*buf)]
				m.found[i] = true
			}
		}
	})
	t.Reply(func(w *proto.Writer) {
		w.ArrayLen(len(m.vals))
		for i, b := range m.vals {
			if m.found[i] {
				w.Bulk(b)
			} else {
				w.Null()
			}
		}
	})
}

// msetOn sets the pairs of args whose keys belong to shard (all of them
// when n == 0), in argument order, dropping their TTLs.
func msetOn(c *Ctx, args [][]byte, n int) {
	db := c.Shard.DBs[c.DB]
	for i := 1; i+1 < len(args); i += 2 {
		if n == 0 || ShardOf(args[i], n) == c.Shard.ID {
			db.Set(args[i], args[i+1], 0, 0, c.Now)
		}
	}
}

// existsAny reports whether any key of args (pairs) on this shard exists
// (all keys when n == 0).
func existsAny(c *Ctx, args [][]byte, n int) bool {
	db := c.Shard.DBs[c.DB]
	for i := 1; i < len(args); i += 2 {
		if (n == 0 || ShardOf(args[i], n) == c.Shard.ID) && db.Exists(args[i], c.Now) {
			return true
		}
	}
	return false
}

func cmdMSet(c *Ctx, args [][]byte) {
	if len(args)%2 == 0 {
		c.W.Error(ErrWrongArgs("mset"))
		return
	}
	msetOn(c, args, 0)
	c.W.OK()
}

func cmdMSetNX(c *Ctx, args [][]byte) {
	if len(args)%2 == 0 {
		c.W.Error(ErrWrongArgs("msetnx"))
		return
	}
	if existsAny(c, args, 0) {
		c.W.Int(0)
		return
	}
	msetOn(c, args, 0)
	c.W.Int(1)
}

func txMSet(t *Tx, args [][]byte) {
	if len(args)%2 == 0 {
		t.Error(ErrWrongArgs("mset"))
		return
	}
	n := t.NumShards()
	t.Each(func(c *Ctx) { msetOn(c, args, n) })
	t.Reply(func(w *proto.Writer) { w.OK() })
}

// txMSetNX checks every involved shard in one phase, then sets in a second
// phase only if no key existed anywhere; the tx holds all the keys in
// between, so the check and the sets are one atomic step.
func txMSetNX(t *Tx, args [][]byte) {
	if len(args)%2 == 0 {
		t.Error(ErrWrongArgs("msetnx"))
		return
	}
	n := t.NumShards()
	exists := make([]bool, n)
	t.Each(func(c *Ctx) { exists[c.Shard.ID] = existsAny(c, args, n) })
	any := func() bool {
		for _, e := range exists {
			if e {
				return true
			}
		}
		return false
	}
	t.Each(func(c *Ctx) {
		if !any() {
			msetOn(c, args, n)
		}
	})
	t.Reply(func(w *proto.Writer) {
		if any() {
			w.Int(0)
		} else {
			w.Int(1)
		}
	})
}

// --- APPEND, STRLEN, GETRANGE, SETRANGE ---

const errStringTooBig = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

func cmdAppend(c *Ctx, args [][]byte) {
	max := c.Server.Config().ProtoMaxBulkLen()
	n, res := c.Shard.DBs[c.DB].appendString(args[1], args[2], max, c.Now)
	switch res {
	case strWrongType:
		c.W.WrongType()
	case strTooBig:
		c.W.Error(errStringTooBig)
	default:
		c.W.Int(n)
	}
}

func cmdStrlen(c *Ctx, args [][]byte) {
	v, found, ok := getString(c, args[1])
	switch {
	case !ok:
	case !found:
		c.W.Int(0)
	default:
		c.W.Int(int64(v.StringLen()))
	}
}

// cmdGetRange is GETRANGE and SUBSTR, with Redis 7.0's index rules.
func cmdGetRange(c *Ctx, args [][]byte) {
	start, ok1 := ParseInt(args[2])
	end, ok2 := ParseInt(args[3])
	if !ok1 || !ok2 {
		c.W.Error(ErrNotInt)
		return
	}
	v, found, ok := getString(c, args[1])
	if !ok {
		return
	}
	if !found {
		c.W.BulkString("")
		return
	}
	var buf [20]byte
	s := stringBytes(v, &buf)
	c.W.Bulk(substr(s, start, end))
}

// substr applies GETRANGE's start/end (inclusive, negative from the end)
// to s.
func substr(s []byte, start, end int64) []byte {
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		return nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return nil
	}
	return s[start : end+1]
}

func cmdSetRange(c *Ctx, args [][]byte) {
	off, ok := ParseInt(args[2])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	if off < 0 {
		c.W.Error("ERR offset is out of range")
		return
	}
	max := c.Server.Config().ProtoMaxBulkLen()
	n, res := c.Shard.DBs[c.DB].setRange(args[1], off, args[3], max, c.Now)
	switch res {
	case strWrongType:
		c.W.WrongType()
	case strTooBig:
		c.W.Error(errStringTooBig)
	default:
		c.W.Int(n)
	}
}

// --- INCR family ---

func cmdIncr(c *Ctx, args [][]byte) { incrBy(c, args[1], 1) }
func cmdDecr(c *Ctx, args [][]byte) { incrBy(c, args[1], -1) }

func cmdIncrBy(c *Ctx, args [][]byte) {
	by, ok := ParseInt(args[2])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	incrBy(c, args[1], by)
}

func cmdDecrBy(c *Ctx, args [][]byte) {
	by, ok := ParseInt(args[2])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	if by == math.MinInt64 {
		c.W.Error("ERR decrement would overflow")
		return
	}
	incrBy(c, args[1], -by)
}

// incrBy adds by to key's integer value (0 when missing), keeping its TTL.
func incrBy(c *Ctx, key []byte, by int64) {
	n, res := c.Shard.DBs[c.DB].incrInt(key, by, c.Now)
	switch res {
	case strWrongType:
		c.W.WrongType()
	case strNotInt:
		c.W.Error(ErrNotInt)
	case strOverflow:
		c.W.Error(ErrOverflow)
	default:
		c.W.Int(n)
	}
}

// cmdIncrByFloat computes in C's long double as Redis does, with the
// hash family's emulation (parseLongDouble, formatLongDouble in
// hashes.go): 10.5 + 0.1 reads "10.6", and the reply is "%.17Lf" without
// trailing zeros. The deadline is kept.
func cmdIncrByFloat(c *Ctx, args [][]byte) {
	v, found := c.Shard.DBs[c.DB].Get(args[1], c.Now) // a write lookup: no hit/miss
	v, found, ok := checkString(c, v, found)
	if !ok {
		return
	}
	cur := new(big.Float).SetPrec(64)
	switch {
	case !found:
	case v.Enc == EncInt:
		cur.SetInt64(v.Int)
	default:
		if cur, ok = parseLongDouble(v.Bytes); !ok {
			c.W.Error(ErrNotFloat)
			return
		}
	}
	incr, ok := parseLongDouble(args[2])
	if !ok {
		c.W.Error(ErrNotFloat)
		return
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		c.W.Error("ERR increment would produce NaN or Infinity")
		return
	}
	out := formatLongDouble(sum)
	c.Shard.DBs[c.DB].Set(args[1], out, 0, SetKeepTTL, c.Now)
	c.W.Bulk(out)
}

// addLongDouble returns x + y rounded to long double's 64-bit mantissa,
// or false when the sum is NaN or infinite (an infinite operand, or
// beyond the format's exponent range).
func addLongDouble(x, y *big.Float) (*big.Float, bool) {
	if x.IsInf() || y.IsInf() {
		return nil, false
	}
	z := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven).Add(x, y)
	return z, z.Sign() == 0 || z.MantExp(nil) <= 16384
}

// --- LCS ---

// lcsRead copies key's string for LCS into dst (nil when missing); it
// reports false when the key holds another type.
func lcsRead(c *Ctx, key []byte, dst []byte) ([]byte, bool) {
	v, ok := c.Shard.DBs[c.DB].Get(key, c.Now)
	if !ok {
		return dst, true
	}
	if v.Type != TypeString {
		return dst, false
	}
	return v.AppendString(dst), true
}

func cmdLCS(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	va, fa := db.Get(args[1], c.Now)
	vb, fb := db.Get(args[2], c.Now)
	if fa && va.Type != TypeString || fb && vb.Type != TypeString {
		lcsReply(c.W, nil, nil, false, args, 0)
		return
	}
	var ba, bb [20]byte
	var a, b []byte
	if fa {
		a = stringBytes(va, &ba)
	}
	if fb {
		b = stringBytes(vb, &bb)
	}
	lcsReply(c.W, a, b, true, args, c.Server.Config().ProtoMaxBulkLen())
}

// lcsTx holds the two strings an LCS across shards read.
type lcsTx struct {
	a, b       []byte
	aOK, bOK   bool
	maxBulkLen int64
}

func txLCS(t *Tx, args [][]byte) {
	l := &lcsTx{aOK: true, bOK: true, maxBulkLen: t.Server.Config().ProtoMaxBulkLen()}
	t.On(t.ShardOf(args[1]), func(c *Ctx) { l.a, l.aOK = lcsRead(c, args[1], nil) })
	t.On(t.ShardOf(args[2]), func(c *Ctx) { l.b, l.bOK = lcsRead(c, args[2], nil) })
	t.Reply(func(w *proto.Writer) { lcsReply(w, l.a, l.b, l.aOK && l.bOK, args, l.maxBulkLen) })
}

// lcsReply is Redis 7.0's lcsCommand after the key lookups: the type
// check, the options (LEN, IDX, MINMATCHLEN n, WITHMATCHLEN), the
// dynamic-programming table and the reply.
func lcsReply(w *proto.Writer, a, b []byte, typesOK bool, args [][]byte, maxBulkLen int64) {
	if !typesOK {
		w.Error("ERR The specified keys must contain string values")
		return
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(args); j++ {
		opt := cword(args[j])
		switch {
		case EqualFold(opt, "idx"):
			getIdx = true
		case EqualFold(opt, "len"):
			getLen = true
		case EqualFold(opt, "withmatchlen"):
			withMatchLen = true
		case EqualFold(opt, "minmatchlen") && j+1 < len(args):
			n, ok := ParseInt(args[j+1])
			if !ok {
				w.Error(ErrNotInt)
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			w.Error(ErrSyntax)
			return
		}
	}
	if getIdx && getLen {
		w.Error("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	alen, blen := len(a), len(b)
	cells := uint64(alen+1) * uint64(blen+1)
	if cells*4 > uint64(maxBulkLen) {
		w.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	if getLen { // two rows of the table suffice for the length
		prev, cur := make([]uint32, blen+1), make([]uint32, blen+1)
		for i := 1; i <= alen; i++ {
			ai := a[i-1]
			for j := 1; j <= blen; j++ {
				switch {
				case ai == b[j-1]:
					cur[j] = prev[j-1] + 1
				case prev[j] > cur[j-1]:
					cur[j] = prev[j]
				default:
					cur[j] = cur[j-1]
				}
			}
			prev, cur = cur, prev
		}
		w.Int(int64(prev[blen]))
		return
	}
	// tab[j+(blen+1)*i] is the LCS length of a[:i] and b[:j].
	tab := make([]uint32, cells)
	row := blen + 1
	for i := 1; i <= alen; i++ {
		cur, prev := tab[i*row:(i+1)*row], tab[(i-1)*row:i*row]
		ai := a[i-1]
		for j := 1; j <= blen; j++ {
			switch {
			case ai == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] > cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
	}
	at := func(i, j int) uint32 { return tab[j+row*i] }
	total := at(alen, blen)
	// Walk back from the end, building the LCS string and (IDX) the
	// matching ranges exactly as Redis does.
	result := make([]byte, total)
	type match struct{ as, ae, bs, be int }
	var matches []match
	idx := int(total)
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0 // aStart == alen: no range yet
	for i, j := alen, blen; i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if at(i-1, j) > at(i, j-1) {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			if getIdx && (minMatchLen == 0 || int64(aEnd-aStart+1) >= minMatchLen) {
				matches = append(matches, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = alen
		}
	}
	if !getIdx {
		w.Bulk(result)
		return
	}
	w.MapLen(2)
	w.BulkString("matches")
	w.ArrayLen(len(matches))
	for _, m := range matches {
		if withMatchLen {
			w.ArrayLen(3)
		} else {
			w.ArrayLen(2)
		}
		w.ArrayLen(2)
		w.Int(int64(m.as))
		w.Int(int64(m.ae))
		w.ArrayLen(2)
		w.Int(int64(m.bs))
		w.Int(int64(m.be))
		if withMatchLen {
			w.Int(int64(m.ae - m.as + 1))
		}
	}
	w.BulkString("len")
	w.Int(int64(total))
}

// --- shard halves on the DB's records ---

// strRes is the outcome of a string operation on a DB.
type strRes uint8

const (
	strOK strRes = iota
	strWrongType
	strTooBig   // the result would exceed proto-max-bulk-len
	strNotInt   // the value is not an integer
	strOverflow // the increment overflows int64
)

const stringKind = uint64(TypeString)<<slotTypeShift | uint64(EncRaw)<<slotEncShift

// incrInt adds by to key's integer string value (a missing key counts as
// 0), keeping its deadline, and returns the new value. An integer record
// whose width does not change is updated in place.
func (db *DB) incrInt(key []byte, by int64, now int64) (int64, strRes) {
	seg, bi, si := db.liveSlot(key, now)
	if si < 0 {
		db.SetInt(key, by, 0, 0, now)
		return by, strOK
	}
	s := seg.b[bi].slots[si]
	if slotType(s) != TypeString {
		return 0, strWrongType
	}
	rec := db.rec(s)
	_, val := recParts(rec, s&slotTTL != 0)
	enc := Encoding(s >> slotEncShift)
	var cur int64
	if enc == EncInt {
		cur = getInt(val)
	} else {
		n, ok := ParseInt(val)
		if !ok {
			return 0, strNotInt
		}
		cur = n
	}
	if by < 0 && cur < 0 && by < math.MinInt64-cur || by > 0 && cur > 0 && by > math.MaxInt64-cur {
		return 0, strOverflow
	}
	n := cur + by
	if enc == EncInt && intBytes(n) == len(val) {
		db.touch(seg, bi)
		putInt(val, n)
		seg.b[bi].slots[si] = s &^ slotMC // a RESP write drops memcached metadata
		return n, strOK
	}
	db.SetInt(key, n, 0, SetKeepTTL, now)
	return n, strOK
}

// appendString appends suffix to key's string (creating the key, even
// with an empty suffix, when missing) and returns the new length.
func (db *DB) appendString(key, suffix []byte, maxLen, now int64) (int64, strRes) {
	seg, bi, si := db.liveSlot(key, now)
	if si < 0 {
		db.Set(key, suffix, 0, 0, now)
		return int64(len(suffix)), strOK
	}
	s := seg.b[bi].slots[si]
	if slotType(s) != TypeString {
		return 0, strWrongType
	}
	var ibuf [20]byte
	old := stringBytes(db.valueOf(s), &ibuf)
	total := int64(len(old)) + int64(len(suffix))
	if total > maxLen {
		return 0, strTooBig
	}
	if len(suffix) == 0 {
		return total, strOK
	}
	val := db.growString(seg, bi, si, old, int(total))
	copy(val[len(old):], suffix)
	return total, strOK
}

// setRange overwrites key's string from off with val, zero-padding as
// needed, and returns the new length (SETRANGE).
func (db *DB) setRange(key []byte, off int64, val []byte, maxLen, now int64) (int64, strRes) {
	h := KeyHash(key)
	seg, bi, si := db.liveSlot(key, now)
	if si < 0 {
		if len(val) == 0 {
			return 0, strOK
		}
		if off > maxLen-int64(len(val)) {
			return 0, strTooBig
		}
		dst := db.newString(key, h, int(off)+len(val))
		clear(dst[:off])
		copy(dst[off:], val)
		return int64(len(dst)), strOK
	}
	s := seg.b[bi].slots[si]
	if slotType(s) != TypeString {
		return 0, strWrongType
	}
	var ibuf [20]byte
	old := stringBytes(db.valueOf(s), &ibuf)
	if len(val) == 0 {
		return int64(len(old)), strOK
	}
	if off > maxLen-int64(len(val)) {
		return 0, strTooBig
	}
	end := int(off) + len(val)
	if end <= len(old) && Encoding(s>>slotEncShift) == EncRaw {
		db.touch(seg, bi)
		seg.b[bi].slots[si] = s &^ slotMC // a RESP write drops memcached metadata
		copy(old[off:], val)
		return int64(len(old)), strOK
	}
	n := max(len(old), end)
	dst := db.growString(seg, bi, si, old, n)
	if int(off) > len(old) {
		clear(dst[len(old):off])
	}
	copy(dst[off:], val)
	return int64(n), strOK
}

// newString inserts key (hash h, not present) with a raw string value of
// n undefined bytes and returns the value for the caller to fill.
func (db *DB) newString(key []byte, h uint64, n int) []byte {
	rh := db.arena.Alloc(recordLen(len(key), n, false))
	rec := db.arena.Bytes(rh)
	i := binary.PutUvarint(rec, uint64(len(key)))
	i += binary.PutUvarint(rec[i:], uint64(n))
	i += copy(rec[i:], key)
	db.dataBytes += db.arena.Size(rh)
	db.insert(h, uint64(rh)|tagOf(h)<<slotTagShift|stringKind)
	return rec[i : i+n : i+n]
}

// growString makes the string in slot si of bucket bi a raw string of n
// bytes (n >= len(old)) that starts with old, the key's current value
// (which may alias the record, or a buffer holding a formatted integer),
// keeping the key's deadline and dropping memcached metadata (slotMC, see
// dash_mc.go). It returns the value; bytes past len(old)
// are undefined. The record grows in place when its allocation has room;
// otherwise it moves to a new one, with Redis-like slack (up to 1 MiB)
// for large strings so that repeated APPENDs stay amortized O(1).
func (db *DB) growString(seg *segment, bi, si int, old []byte, n int) []byte {
	db.touch(seg, bi)
	b := &seg.b[bi]
	s := b.slots[si]
	ttl := s&slotTTL != 0
	oh := slotHandle(s)
	rec := db.arena.Bytes(oh)
	klen, vlen, off := recHeader(rec)
	body := klen // deadline and key
	if ttl {
		body += 8
	}
	hdr := uvarintLen(klen) + uvarintLen(n)
	isInt := Encoding(s>>slotEncShift) == EncInt
	if hdr+body+n <= len(rec) {
		if hdr != off {
			copy(rec[hdr:], rec[off:off+body+vlen])
		}
		i := binary.PutUvarint(rec, uint64(klen))
		binary.PutUvarint(rec[i:], uint64(n))
		val := rec[hdr+body : hdr+body+n : hdr+body+n]
		if isInt {
			copy(val, old)
		}
		b.slots[si] = s&^slotKindMask | stringKind
		return val
	}
	size := hdr + body + n
	if size > maxSmallRecord {
		size += min(n, 1<<20)
	}
	nh := db.arena.Alloc(size)
	nrec := db.arena.Bytes(nh)
	i := binary.PutUvarint(nrec, uint64(klen))
	i += binary.PutUvarint(nrec[i:], uint64(n))
	i += copy(nrec[i:], rec[off:off+body])
	val := nrec[i : i+n : i+n]
	copy(val, old)
	db.dataBytes += db.arena.Size(nh) - db.arena.Size(oh)
	db.arena.Free(oh)
	b.slots[si] = s&^(handleMask|slotKindMask) | uint64(nh) | stringKind
	return val
}
