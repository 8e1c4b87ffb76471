package engine

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/darnerdb/darner/proto"
)

// The sorted-set family: ZADD ... ZSCAN, with Redis 7's replies and error
// texts. Storage is in zset_store.go (listpack blob or zsetTree); every
// command here reads through a zview or changes through a zmut.
//
// Multi-key commands (ZUNION*, ZINTER*, ZDIFF*, ZINTERCARD, ZMPOP,
// ZRANGESTORE) have a Run for keys on one shard and a Tx plan for keys on
// several: the plan's phases copy the sources' entries out of their
// shards (zsrc), and compute and store on the destination's shard.

const (
	errZMinMaxFloat = "ERR min or max is not a float"
	errZLexRange    = "ERR min or max not valid string range item"
	errZNaN         = "ERR resulting score is not a number (NaN)"
	errZWeight      = "ERR weight value is not a float"
)

func rangeSpec(flags ...string) KeySpec {
	return KeySpec{Flags: flags, BeginIndex: 1, LastKey: 0, KeyStep: 1}
}

func init() {
	const g = "sorted-set"
	ro := func(name string, arity int, fast bool, run func(*Ctx, [][]byte), summary, since, cx string) *Command {
		f := FlagReadonly
		if fast {
			f |= FlagFast
		}
		return &Command{Name: name, Arity: arity, Flags: f, FirstKey: 1, LastKey: 1, Step: 1, Run: run, Group: g,
			KeySpecs: []KeySpec{rangeSpec("RO", "access")}, Summary: summary, Since: since, Complexity: cx}
	}
	rw := func(name string, arity int, flags Flags, spec []string, run func(*Ctx, [][]byte), summary, since, cx string) *Command {
		return &Command{Name: name, Arity: arity, Flags: FlagWrite | flags, FirstKey: 1, LastKey: 1, Step: 1, Run: run, Group: g,
			KeySpecs: []KeySpec{rangeSpec(spec...)}, Summary: summary, Since: since, Complexity: cx}
	}
	numkeys := func(begin int, flags ...string) KeySpec {
		return KeySpec{Flags: flags, BeginIndex: begin, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}
	}
	multi := func(name string, arity int, run func(*Ctx, [][]byte), tx func(*Tx, [][]byte), summary, since, cx string) *Command {
		return &Command{Name: name, Arity: arity, Flags: FlagReadonly | FlagMovableKeys, Run: run, Tx: tx, Group: g,
			KeySpecs: []KeySpec{numkeys(1, "RO", "access")}, Summary: summary, Since: since, Complexity: cx}
	}
	store := func(name string, run func(*Ctx, [][]byte), tx func(*Tx, [][]byte), summary, since, cx string) *Command {
		return &Command{Name: name, Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, FirstKey: 1, LastKey: 1, Step: 1,
			Run: run, Tx: tx, Group: g,
			KeySpecs: []KeySpec{rangeSpec("OW", "update"), numkeys(2, "RO", "access")}, Summary: summary, Since: since, Complexity: cx}
	}
	zrank := ro("zrank", -3, true, cmdZrank, "Determine the index of a member in a sorted set", "2.0.0", "O(log(N))").withDocs("key member [WITHSCORE]", [2]string{"7.2.0", "Added the optional `WITHSCORE` argument."})
	zrevrank := ro("zrevrank", -3, true, cmdZrevrank, "Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0", "O(log(N))").withDocs("key member [WITHSCORE]", [2]string{"7.2.0", "Added the optional `WITHSCORE` argument."})
	zrandmember := ro("zrandmember", -2, false, cmdZrandmember, "Get one or multiple random elements from a sorted set", "6.2.0", "O(N) where N is the number of elements returned").withDocs("key [count [WITHSCORES]]{options}")
	zrandmember.Tips = []string{"nondeterministic_output"}
	zscan := ro("zscan", -3, false, cmdZscan, "Incrementally iterate sorted sets elements and associated scores", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..").withDocs("key cursor [MATCH pattern] [COUNT count]")
	zscan.Tips = []string{"nondeterministic_output"}
	const rangeCx = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."
	const byCx = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
	const remCx = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."
	zmpop := &Command{Name: "zmpop", Arity: -4, Flags: FlagWrite | FlagMovableKeys, Run: cmdZmpop, Tx: txZmpop, Group: g,
		KeySpecs: []KeySpec{numkeys(1, "RW", "access", "delete")},
		Summary:  "Remove and return members with scores in a sorted set", Since: "7.0.0",
		Complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
		Args:       "numkeys key... (MIN | MAX){where} [COUNT count]"}
	zrangestore := &Command{Name: "zrangestore", Arity: -5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1,
		Run: cmdZrangestore, Tx: txZrangestore, Group: g,
		KeySpecs: []KeySpec{rangeSpec("OW", "update"), {Flags: []string{"RO", "access"}, BeginIndex: 2, LastKey: 0, KeyStep: 1}},
		Summary:  "Store a range of members from sorted set into another key", Since: "6.2.0",
		Complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
		Args:       "dst:k src:k min max [BYSCORE | BYLEX]{sortby} [REV] [LIMIT offset:i count]{offset_count}"}
	register(
		rw("zadd", -4, FlagDenyOOM|FlagFast, []string{"RW", "update"}, cmdZadd, "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set.").withDocs("key [NX | XX]{condition 3.0.2} [GT | LT]{comparison 6.2.0} [CH]{change 3.0.2} [INCR]{increment 3.0.2} (score:d member){score_member}...", [2]string{"2.4.0", "Accepts multiple elements."}, [2]string{"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."}, [2]string{"6.2.0", "Added the `GT` and `LT` options."}),
		rw("zincrby", 4, FlagDenyOOM|FlagFast, []string{"RW", "access", "update"}, cmdZincrby, "Increment the score of a member in a sorted set", "1.2.0", "O(log(N)) where N is the number of elements in the sorted set.").withDocs("key increment:i member"),
		rw("zrem", -3, FlagFast, []string{"RW", "delete"}, cmdZrem, "Remove one or more members from a sorted set", "1.2.0", "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.").withDocs("key member...", [2]string{"2.4.0", "Accepts multiple elements."}),
		&Command{Name: "zcard", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: cmdZcard, Group: g,
			KeySpecs: []KeySpec{rangeSpec("RO")}, Summary: "Get the number of members in a sorted set", Since: "1.2.0", Complexity: "O(1)",
			Args: "key"},
		ro("zcount", 4, true, cmdZcount, "Count the members in a sorted set with scores within the given values", "2.0.0", "O(log(N)) with N being the number of elements in the sorted set.").withDocs("key min:d max:d"),
		ro("zlexcount", 4, true, cmdZlexcount, "Count the number of members in a sorted set between a given lexicographical range", "2.8.9", "O(log(N)) with N being the number of elements in the sorted set.").withDocs("key min max"),
		ro("zscore", 3, true, cmdZscore, "Get the score associated with the given member in a sorted set", "1.2.0", "O(1)").withDocs("key member"),
		ro("zmscore", -3, true, cmdZmscore, "Get the score associated with the given members in a sorted set", "6.2.0", "O(N) where N is the number of members being requested.").withDocs("key member..."),
		zrank, zrevrank,
		ro("zrange", -4, false, cmdZrange, "Return a range of members in a sorted set", "1.2.0", rangeCx).withDocs("key start stop [BYSCORE | BYLEX]{sortby 6.2.0} [REV]{6.2.0} [LIMIT offset:i count]{offset_count 6.2.0} [WITHSCORES]", [2]string{"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}),
		zrangestore,
		ro("zrevrange", -4, false, cmdZrevrange, "Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0", rangeCx).withDocs("key start:i stop:i [WITHSCORES]").deprecated("6.2.0", "`ZRANGE` with the `REV` argument"),
		ro("zrangebyscore", -4, false, cmdZrangebyscore, "Return a range of members in a sorted set, by score", "1.0.5", byCx).withDocs("key min:d max:d [WITHSCORES]{2.0.0} [LIMIT offset:i count]{offset_count}", [2]string{"2.0.0", "Added the `WITHSCORES` modifier."}).deprecated("6.2.0", "`ZRANGE` with the `BYSCORE` argument"),
		ro("zrevrangebyscore", -4, false, cmdZrevrangebyscore, "Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0", byCx).withDocs("key max:d min:d [WITHSCORES] [LIMIT offset:i count]{offset_count}", [2]string{"2.1.6", "`min` and `max` can be exclusive."}).deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments"),
		ro("zrangebylex", -4, false, cmdZrangebylex, "Return a range of members in a sorted set, by lexicographical range", "2.8.9", byCx).withDocs("key min max [LIMIT offset:i count]{offset_count}").deprecated("6.2.0", "`ZRANGE` with the `BYLEX` argument"),
		ro("zrevrangebylex", -4, false, cmdZrevrangebylex, "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "2.8.9", byCx).withDocs("key max min [LIMIT offset:i count]{offset_count}").deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments"),
		rw("zremrangebyrank", 4, 0, []string{"RW", "delete"}, cmdZremrangebyrank, "Remove all members in a sorted set within the given indexes", "2.0.0", remCx).withDocs("key start:i stop:i"),
		rw("zremrangebyscore", 4, 0, []string{"RW", "delete"}, cmdZremrangebyscore, "Remove all members in a sorted set within the given scores", "1.2.0", remCx).withDocs("key min:d max:d"),
		rw("zremrangebylex", 4, 0, []string{"RW", "delete"}, cmdZremrangebylex, "Remove all members in a sorted set between the given lexicographical range", "2.8.9", remCx).withDocs("key min max"),
		rw("zpopmin", -2, FlagFast, []string{"RW", "access", "delete"}, cmdZpopmin, "Remove and return members with the lowest scores in a sorted set", "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.").withDocs("key [count]"),
		rw("zpopmax", -2, FlagFast, []string{"RW", "access", "delete"}, cmdZpopmax, "Remove and return members with the highest scores in a sorted set", "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.").withDocs("key [count]"),
		zmpop,
		zrandmember,
		multi("zunion", -3, cmdZunion, txZunion, "Add multiple sorted sets", "6.2.0", "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.").withDocs("numkeys key... [WEIGHTS weight:i...] [AGGREGATE (SUM | MIN | MAX)] [WITHSCORES]"),
		multi("zinter", -3, cmdZinter, txZinter, "Intersect multiple sorted sets", "6.2.0", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.").withDocs("numkeys key... [WEIGHTS weight:i...] [AGGREGATE (SUM | MIN | MAX)] [WITHSCORES]"),
		multi("zdiff", -3, cmdZdiff, txZdiff, "Subtract multiple sorted sets", "6.2.0", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.").withDocs("numkeys key... [WITHSCORES]"),
		store("zunionstore", cmdZunionstore, txZunionstore, "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.").withDocs("destination numkeys key... [WEIGHTS weight:i...] [AGGREGATE (SUM | MIN | MAX)]"),
		store("zinterstore", cmdZinterstore, txZinterstore, "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.").withDocs("destination numkeys key... [WEIGHTS weight:i...] [AGGREGATE (SUM | MIN | MAX)]"),
		store("zdiffstore", cmdZdiffstore, txZdiffstore, "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.").withDocs("destination numkeys key..."),
		multi("zintercard", -3, cmdZintercard, txZintercard, "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.").withDocs("numkeys key... [LIMIT limit:i]"),
		zscan,
	)
}

// ---- argument parsing ----

// zParseScore parses a score as Redis's getDoubleFromObject (strtod) does:
// ParseFloat's rules, plus C's hexadecimal forms ("0x10").
func zParseScore(b []byte) (float64, bool) {
	if f, ok := ParseFloat(b); ok {
		return f, true
	}
	return zParseHex(b)
}

// zParseHex parses strtod's hexadecimal floats ("0x1A", "-0x1.8p3").
func zParseHex(b []byte) (float64, bool) {
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		i++
	}
	if len(b) < i+3 || b[i] != '0' || (b[i+1] != 'x' && b[i+1] != 'X') {
		return 0, false
	}
	s := string(b)
	if bytes.IndexAny(b, "pP_") < 0 {
		s += "p0"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// zParseRangeFloat parses a score bound as Redis's zslParseRange does
// (strtod: leading spaces, "" is 0, inf; NaN refused).
func zParseRangeFloat(b []byte) (float64, bool) {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r' || b[0] == '\v' || b[0] == '\f') {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, true
	}
	for _, ch := range b {
		if ch == '_' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, true
		}
		return zParseHex(b)
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// zScoreRange is a parsed [min, max] score range with exclusive flags.
type zScoreRange struct {
	min, max     float64
	minex, maxex bool
}

func parseScoreRange(minb, maxb []byte) (r zScoreRange, ok bool) {
	if len(minb) > 0 && minb[0] == '(' {
		r.minex = true
		minb = minb[1:]
	}
	if len(maxb) > 0 && maxb[0] == '(' {
		r.maxex = true
		maxb = maxb[1:]
	}
	var ok1, ok2 bool
	r.min, ok1 = zParseRangeFloat(minb)
	r.max, ok2 = zParseRangeFloat(maxb)
	return r, ok1 && ok2
}

// ranks returns the ascending rank interval [lo, hi) of the range in v.
func (r *zScoreRange) ranks(v *zview) (int, int) {
	if r.min > r.max || (r.min == r.max && (r.minex || r.maxex)) {
		return 0, 0
	}
	var lo, hi int
	if r.minex {
		lo = v.below(func(s float64, _ []byte) bool { return s <= r.min })
	} else {
		lo = v.below(func(s float64, _ []byte) bool { return s < r.min })
	}
	if r.maxex {
		hi = v.below(func(s float64, _ []byte) bool { return s < r.max })
	} else {
		hi = v.below(func(s float64, _ []byte) bool { return s <= r.max })
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// zLexBound is one end of a lex range: '-' (kind -1), '+' (kind 1) or a
// value (kind 0), exclusive or not.
type zLexBound struct {
	kind int8
	ex   bool
	v    []byte
}

func parseLexBound(b []byte) (zLexBound, bool) {
	if len(b) == 0 {
		return zLexBound{}, false
	}
	switch b[0] {
	case '+':
		return zLexBound{kind: 1}, len(b) == 1
	case '-':
		return zLexBound{kind: -1}, len(b) == 1
	case '(':
		return zLexBound{ex: true, v: b[1:]}, true
	case '[':
		return zLexBound{v: b[1:]}, true
	}
	return zLexBound{}, false
}

type zLexRange struct{ min, max zLexBound }

func parseLexRange(minb, maxb []byte) (r zLexRange, ok bool) {
	var ok1, ok2 bool
	r.min, ok1 = parseLexBound(minb)
	r.max, ok2 = parseLexBound(maxb)
	return r, ok1 && ok2
}

// lexCmp compares two bounds as Redis's zslLexValue rules do for emptiness
// (min > max).
func (r *zLexRange) empty() bool {
	if r.min.kind == 1 || r.max.kind == -1 {
		return true
	}
	if r.min.kind == 0 && r.max.kind == 0 {
		c := bytes.Compare(r.min.v, r.max.v)
		return c > 0 || (c == 0 && (r.min.ex || r.max.ex))
	}
	return false
}

func (r *zLexRange) gteMin(m []byte) bool {
	switch r.min.kind {
	case -1:
		return true
	case 1:
		return false
	}
	c := bytes.Compare(m, r.min.v)
	return c > 0 || (c == 0 && !r.min.ex)
}

func (r *zLexRange) lteMax(m []byte) bool {
	switch r.max.kind {
	case -1:
		return false
	case 1:
		return true
	}
	c := bytes.Compare(m, r.max.v)
	return c < 0 || (c == 0 && !r.max.ex)
}

// ranks returns the ascending rank interval [lo, hi) of the range in v;
// rev selects how a listpack is walked when its members are not sorted
// (mixed scores), as Redis's zzlFirstInLexRange/zzlLastInLexRange do: a
// forward walk starts at the first member >= min and runs while <= max, a
// reverse walk starts at the last member <= max and runs back while
// >= min. With sorted members (the documented use) both agree.
func (r *zLexRange) ranks(v *zview, rev bool) (int, int) {
	if r.empty() {
		return 0, 0
	}
	if v.tree == nil {
		e := v.ents
		n := len(e)
		if n == 0 || !r.gteMin(e[n-1].m) || !r.lteMax(e[0].m) {
			return 0, 0
		}
		if rev {
			j := n - 1
			for j >= 0 && !r.lteMax(e[j].m) {
				j--
			}
			lo := j + 1
			for lo > 0 && r.gteMin(e[lo-1].m) {
				lo--
			}
			return lo, j + 1
		}
		lo := 0
		for lo < n && !r.gteMin(e[lo].m) {
			lo++
		}
		hi := lo
		for hi < n && r.lteMax(e[hi].m) {
			hi++
		}
		return lo, hi
	}
	lo, hi := 0, v.Len()
	if r.min.kind == 0 {
		if r.min.ex {
			lo = v.below(func(_ float64, m []byte) bool { return bytes.Compare(m, r.min.v) <= 0 })
		} else {
			lo = v.below(func(_ float64, m []byte) bool { return bytes.Compare(m, r.min.v) < 0 })
		}
	}
	if r.max.kind == 0 {
		if r.max.ex {
			hi = v.below(func(_ float64, m []byte) bool { return bytes.Compare(m, r.max.v) < 0 })
		} else {
			hi = v.below(func(_ float64, m []byte) bool { return bytes.Compare(m, r.max.v) <= 0 })
		}
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// zrankRange sanitizes Redis rank indexes start..end (inclusive, negative
// from the end) into [lo, hi).
func zrankRange(start, end int64, n int) (int, int) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= ln {
		return 0, 0
	}
	if end >= ln {
		end = ln - 1
	}
	return int(start), int(end) + 1
}

// ---- reply helpers ----

// writeScored writes n (member, score) pairs' header: a flat array in
// RESP2 or without scores, else an array of pairs.
func writeScoredHeader(w *proto.Writer, n int, withScores bool) {
	if withScores && !w.Resp3 {
		w.ArrayLen(2 * n)
		return
	}
	w.ArrayLen(n)
}

func writeScored(w *proto.Writer, m []byte, s float64, withScores bool) {
	if !withScores {
		w.Bulk(m)
		return
	}
	if w.Resp3 {
		w.ArrayLen(2)
	}
	w.Bulk(m)
	w.Double(s)
}

// ---- ZADD / ZINCRBY ----

const (
	zaddNX = 1 << iota
	zaddXX
	zaddGT
	zaddLT
	zaddINCR
	zaddCH
)

func cmdZadd(c *Ctx, args [][]byte) {
	flags := 0
	i := 2
loop:
	for ; i < len(args); i++ {
		switch a := args[i]; {
		case EqualFold(a, "nx"):
			flags |= zaddNX
		case EqualFold(a, "xx"):
			flags |= zaddXX
		case EqualFold(a, "ch"):
			flags |= zaddCH
		case EqualFold(a, "incr"):
			flags |= zaddINCR
		case EqualFold(a, "gt"):
			flags |= zaddGT
		case EqualFold(a, "lt"):
			flags |= zaddLT
		default:
			break loop
		}
	}
	zaddGeneric(c, args, i, flags)
}

func cmdZincrby(c *Ctx, args [][]byte) { zaddGeneric(c, args, 2, zaddINCR) }

func zaddGeneric(c *Ctx, args [][]byte, i, flags int) {
	elems := len(args) - i
	if elems%2 != 0 || elems == 0 {
		c.W.Error(ErrSyntax)
		return
	}
	nx, xx, gt, lt, incr := flags&zaddNX != 0, flags&zaddXX != 0, flags&zaddGT != 0, flags&zaddLT != 0, flags&zaddINCR != 0
	if nx && xx {
		c.W.Error("ERR XX and NX options at the same time are not compatible")
		return
	}
	if (gt && nx) || (lt && nx) || (gt && lt) {
		c.W.Error("ERR GT, LT, and/or NX options at the same time are not compatible")
		return
	}
	if incr && elems > 2 {
		c.W.Error("ERR INCR option supports a single increment-element pair")
		return
	}
	for j := i; j < len(args); j += 2 {
		if _, ok := zParseScore(args[j]); !ok {
			c.W.Error(ErrNotFloat)
			return
		}
	}
	db := c.Shard.DBs[c.DB]
	key := args[1]
	v, ok, wrong := zsetLookup(db, key, c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	added, updated, processed := 0, 0, 0
	var score float64
	if !ok && xx {
		goto reply
	}
	{
		z := zsetOpen(db, key, v, ok, zlimitsOf(c.Server), c.Now)
		defer z.release()
		for j := i; j < len(args); j += 2 {
			s, _ := zParseScore(args[j])
			m := args[j+1]
			cur, exists := z.Score(m)
			if exists {
				if nx {
					continue
				}
				if incr {
					s += cur
					if math.IsNaN(s) {
						z.commit()
						c.W.Error(errZNaN)
						return
					}
				}
				if (lt && s >= cur) || (gt && s <= cur) {
					continue
				}
				score = s
				processed++
				if s != cur {
					z.SetScore(m, s)
					updated++
				}
			} else if !xx {
				z.Insert(m, s)
				score = s
				added++
				processed++
			}
		}
		z.commit()
	}
reply:
	if incr {
		if processed > 0 {
			c.W.Double(score)
		} else {
			c.W.Null()
		}
		return
	}
	if flags&zaddCH != 0 {
		c.W.Int(int64(added + updated))
	} else {
		c.W.Int(int64(added))
	}
}

// ---- ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK ----

func cmdZrem(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	if !ok {
		c.W.Int(0)
		return
	}
	z := zsetOpen(db, args[1], v, true, zlimitsOf(c.Server), c.Now)
	n := 0
	for _, m := range args[2:] {
		if z.Remove(m) {
			n++
			if z.Len() == 0 {
				break
			}
		}
	}
	z.commit()
	z.release()
	c.W.Int(int64(n))
}

func cmdZcard(c *Ctx, args [][]byte) {
	v, ok, wrong := zsetLookup(c.Shard.DBs[c.DB], args[1], c.Now)
	switch {
	case wrong:
		c.W.WrongType()
	case !ok:
		c.W.Int(0)
	case v.Enc == EncObject:
		c.W.Int(int64(c.Shard.Objects.Get(v.Obj).(*zsetTree).Len()))
	default:
		c.W.Int(int64(zblobLen(v.Bytes)))
	}
}

// zscoreOf looks up m in the zset value v without decoding a blob.
func zscoreOf(sh *Shard, v Value, m []byte) (float64, bool) {
	if v.Enc == EncObject {
		return sh.Objects.Get(v.Obj).(*zsetTree).Score(m)
	}
	return zblobScore(v.Bytes, m)
}

func cmdZscore(c *Ctx, args [][]byte) {
	v, ok, wrong := zsetLookup(c.Shard.DBs[c.DB], args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	if ok {
		if s, found := zscoreOf(c.Shard, v, args[2]); found {
			c.W.Double(s)
			return
		}
	}
	c.W.Null()
}

func cmdZmscore(c *Ctx, args [][]byte) {
	v, ok, wrong := zsetLookup(c.Shard.DBs[c.DB], args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	c.W.ArrayLen(len(args) - 2)
	for _, m := range args[2:] {
		if ok {
			if s, found := zscoreOf(c.Shard, v, m); found {
				c.W.Double(s)
				continue
			}
		}
		c.W.Null()
	}
}

func cmdZrank(c *Ctx, args [][]byte)    { zrankGeneric(c, args, false) }
func cmdZrevrank(c *Ctx, args [][]byte) { zrankGeneric(c, args, true) }

func zrankGeneric(c *Ctx, args [][]byte, rev bool) {
	withScore := false
	switch {
	case len(args) == 4 && EqualFold(args[3], "withscore"):
		withScore = true
	case len(args) > 3:
		c.W.Error(ErrSyntax)
		return
	}
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	if !ok {
		if withScore {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return
	}
	sc := getZscratch()
	defer putZscratch(sc)
	zv := zviewOf(db, v, sc)
	r, s, found := zv.Rank(args[2])
	if !found {
		if withScore {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return
	}
	if rev {
		r = zv.Len() - 1 - r
	}
	if withScore {
		c.W.ArrayLen(2)
		c.W.Int(int64(r))
		c.W.Double(s)
		return
	}
	c.W.Int(int64(r))
}

// ---- ZCOUNT, ZLEXCOUNT ----

func cmdZcount(c *Ctx, args [][]byte) {
	r, ok := parseScoreRange(args[2], args[3])
	if !ok {
		c.W.Error(errZMinMaxFloat)
		return
	}
	zcountGeneric(c, args[1], func(v *zview) (int, int) { return r.ranks(v) })
}

func cmdZlexcount(c *Ctx, args [][]byte) {
	r, ok := parseLexRange(args[2], args[3])
	if !ok {
		c.W.Error(errZLexRange)
		return
	}
	zcountGeneric(c, args[1], func(v *zview) (int, int) { return r.ranks(v, false) })
}

func zcountGeneric(c *Ctx, key []byte, ranks func(v *zview) (int, int)) {
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, key, c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	if !ok {
		c.W.Int(0)
		return
	}
	sc := getZscratch()
	zv := zviewOf(db, v, sc)
	lo, hi := ranks(&zv)
	putZscratch(sc)
	c.W.Int(int64(hi - lo))
}

// ---- ZRANGE family ----

const (
	zrangeAuto = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

// zrangeSpec is a parsed ZRANGE-family request.
type zrangeSpec struct {
	kind          int
	rev           bool
	start, end    int64
	score         zScoreRange
	lex           zLexRange
	offset, limit int64
	withScores    bool
}

// parseZrange parses args[from:] (key already consumed: min max [opts])
// for a command of the given kind/direction (zrangeAuto and revAuto for
// ZRANGE/ZRANGESTORE). It returns Redis's error text or "".
func parseZrange(args [][]byte, from int, kind int, rev, fixedDir, store bool) (sp zrangeSpec, errMsg string) {
	sp.kind, sp.rev, sp.limit = kind, rev, -1
	minIdx, maxIdx := from, from+1
	for j := from + 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case !store && EqualFold(a, "withscores"):
			sp.withScores = true
		case EqualFold(a, "limit") && left >= 2:
			off, ok1 := ParseInt(args[j+1])
			lim, ok2 := ParseInt(args[j+2])
			if !ok1 || !ok2 {
				return sp, ErrNotInt
			}
			sp.offset, sp.limit = off, lim
			j += 2
		case !fixedDir && !sp.rev && EqualFold(a, "rev"):
			sp.rev = true
		case sp.kind == zrangeAuto && EqualFold(a, "bylex"):
			sp.kind = zrangeLex
		case sp.kind == zrangeAuto && EqualFold(a, "byscore"):
			sp.kind = zrangeScore
		default:
			return sp, ErrSyntax
		}
	}
	if sp.kind == zrangeAuto {
		sp.kind = zrangeRank
	}
	if sp.limit != -1 && sp.kind == zrangeRank {
		return sp, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	}
	if sp.withScores && sp.kind == zrangeLex {
		return sp, "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	}
	if sp.rev && sp.kind != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	switch sp.kind {
	case zrangeRank:
		s, ok1 := ParseInt(args[minIdx])
		e, ok2 := ParseInt(args[maxIdx])
		if !ok1 || !ok2 {
			return sp, ErrNotInt
		}
		sp.start, sp.end = s, e
	case zrangeScore:
		r, ok := parseScoreRange(args[minIdx], args[maxIdx])
		if !ok {
			return sp, errZMinMaxFloat
		}
		sp.score = r
	case zrangeLex:
		r, ok := parseLexRange(args[minIdx], args[maxIdx])
		if !ok {
			return sp, errZLexRange
		}
		sp.lex = r
	}
	return sp, ""
}

// resolve returns the first ascending rank to visit, the direction, and
// how many entries the request yields.
func (sp *zrangeSpec) resolve(v *zview) (start int, count int) {
	n := v.Len()
	var lo, hi int
	switch sp.kind {
	case zrangeRank:
		if sp.rev {
			a, b := zrankRange(sp.start, sp.end, n)
			if a >= b {
				return 0, 0
			}
			return n - 1 - a, b - a
		}
		lo, hi = zrankRange(sp.start, sp.end, n)
		return lo, hi - lo
	case zrangeScore:
		lo, hi = sp.score.ranks(v)
	default:
		lo, hi = sp.lex.ranks(v, sp.rev)
	}
	if sp.offset < 0 {
		return 0, 0
	}
	cnt := int64(hi - lo)
	if sp.offset >= cnt {
		return 0, 0
	}
	cnt -= sp.offset
	if sp.limit >= 0 && sp.limit < cnt {
		cnt = sp.limit
	}
	if sp.rev {
		return hi - 1 - int(sp.offset), int(cnt)
	}
	return lo + int(sp.offset), int(cnt)
}

func cmdZrange(c *Ctx, args [][]byte) { zrangeCommand(c, args, zrangeAuto, false, false) }
func cmdZrevrange(c *Ctx, args [][]byte) {
	zrangeCommand(c, args, zrangeRank, true, true)
}
func cmdZrangebyscore(c *Ctx, args [][]byte) { zrangeCommand(c, args, zrangeScore, false, true) }
func cmdZrevrangebyscore(c *Ctx, args [][]byte) {
	zrangeCommand(c, args, zrangeScore, true, true)
}
func cmdZrangebylex(c *Ctx, args [][]byte)    { zrangeCommand(c, args, zrangeLex, false, true) }
func cmdZrevrangebylex(c *Ctx, args [][]byte) { zrangeCommand(c, args, zrangeLex, true, true) }

func zrangeCommand(c *Ctx, args [][]byte, kind int, rev, fixed bool) {
	sp, errMsg := parseZrange(args, 2, kind, rev, fixed, false)
	if errMsg != "" {
		c.W.Error(errMsg)
		return
	}
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	if !ok {
		c.W.ArrayLen(0)
		return
	}
	sc := getZscratch()
	defer putZscratch(sc)
	zv := zviewOf(db, v, sc)
	start, cnt := sp.resolve(&zv)
	writeScoredHeader(c.W, cnt, sp.withScores)
	if cnt == 0 {
		return
	}
	k := 0
	zv.each(start, sp.rev, func(m []byte, s float64) bool {
		writeScored(c.W, m, s, sp.withScores)
		k++
		return k < cnt
	})
}

// zrangeCollect appends copies of the entries sp selects from key (in
// the request's order) to dst. wrong reports a non-zset key.
func zrangeCollect(db *DB, key []byte, sp *zrangeSpec, now int64, dst []zent) ([]zent, bool) {
	v, ok, wrong := zsetLookup(db, key, now)
	if wrong || !ok {
		return dst, wrong
	}
	sc := getZscratch()
	defer putZscratch(sc)
	zv := zviewOf(db, v, sc)
	start, cnt := sp.resolve(&zv)
	if cnt == 0 {
		return dst, false
	}
	var buf []byte
	k := 0
	zv.each(start, sp.rev, func(m []byte, s float64) bool {
		buf = append(buf, m...)
		dst = append(dst, zent{s: s, m: m}) // rebased below
		k++
		return k < cnt
	})
	// point members at the copied bytes
	off := 0
	for i := len(dst) - cnt; i < len(dst); i++ {
		n := len(dst[i].m)
		dst[i].m = buf[off : off+n : off+n]
		off += n
	}
	return dst, false
}

// zstoreResult stores ents (any order, distinct members) at dst as a new
// value (its TTL dropped), or deletes dst when ents is empty.
func zstoreResult(db *DB, dst []byte, ents []zent, lim zlimits, sorted bool, now int64) {
	if len(ents) == 0 {
		db.Delete(dst, now)
		return
	}
	if !sorted {
		zsortEnts(ents)
	}
	zsetStoreEnts(db, dst, ents, lim, false, 0, now, nil)
}

func cmdZrangestore(c *Ctx, args [][]byte) {
	sp, errMsg := parseZrange(args, 3, zrangeAuto, false, false, true)
	if errMsg != "" {
		c.W.Error(errMsg)
		return
	}
	db := c.Shard.DBs[c.DB]
	ents, wrong := zrangeCollect(db, args[2], &sp, c.Now, nil)
	if wrong {
		c.W.WrongType()
		return
	}
	zstoreResult(db, args[1], ents, zlimitsOf(c.Server), false, c.Now)
	c.W.Int(int64(len(ents)))
}

func txZrangestore(t *Tx, args [][]byte) {
	sp, errMsg := parseZrange(args, 3, zrangeAuto, false, false, true)
	if errMsg != "" {
		t.Error(errMsg)
		return
	}
	var ents []zent
	wrong := false
	t.On(t.ShardOf(args[2]), func(c *Ctx) {
		ents, wrong = zrangeCollect(c.Shard.DBs[c.DB], args[2], &sp, c.Now, nil)
	})
	t.On(t.ShardOf(args[1]), func(c *Ctx) {
		if !wrong {
			zstoreResult(c.Shard.DBs[c.DB], args[1], ents, zlimitsOf(c.Server), false, c.Now)
		}
	})
	t.Reply(func(w *proto.Writer) {
		if wrong {
			w.WrongType()
			return
		}
		w.Int(int64(len(ents)))
	})
}

// ---- ZREMRANGEBY* ----

func cmdZremrangebyrank(c *Ctx, args [][]byte) {
	start, ok1 := ParseInt(args[2])
	end, ok2 := ParseInt(args[3])
	if !ok1 || !ok2 {
		c.W.Error(ErrNotInt)
		return
	}
	zremrangeGeneric(c, args[1], func(v *zview) (int, int) { return zrankRange(start, end, v.Len()) })
}

func cmdZremrangebyscore(c *Ctx, args [][]byte) {
	r, ok := parseScoreRange(args[2], args[3])
	if !ok {
		c.W.Error(errZMinMaxFloat)
		return
	}
	zremrangeGeneric(c, args[1], func(v *zview) (int, int) { return r.ranks(v) })
}

func cmdZremrangebylex(c *Ctx, args [][]byte) {
	r, ok := parseLexRange(args[2], args[3])
	if !ok {
		c.W.Error(errZLexRange)
		return
	}
	zremrangeGeneric(c, args[1], func(v *zview) (int, int) { return r.ranks(v, false) })
}

func zremrangeGeneric(c *Ctx, key []byte, ranks func(v *zview) (int, int)) {
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, key, c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	if !ok {
		c.W.Int(0)
		return
	}
	z := zsetOpen(db, key, v, true, zlimitsOf(c.Server), c.Now)
	zv := z.view()
	lo, hi := ranks(&zv)
	z.RemoveRanks(lo, hi)
	z.commit()
	z.release()
	c.W.Int(int64(hi - lo))
}

// ---- ZPOPMIN, ZPOPMAX, ZMPOP ----

// zsetPop removes up to n members with the lowest (or, max, highest)
// scores from the zset at key, calling fn for each before removing them
// (total is the number popped; m aliases shard memory, valid during the
// call). It reports the number popped and whether key holds another type.
// It is the shard half of ZPOPMIN/ZPOPMAX/ZMPOP (and BZPOPMIN/BZPOPMAX).
func zsetPop(db *DB, key []byte, max bool, n int, now int64, fn func(total, i int, m []byte, s float64)) (int, bool) {
	v, ok, wrong := zsetLookup(db, key, now)
	if wrong || !ok || n <= 0 {
		return 0, wrong
	}
	z := zsetOpen(db, key, v, true, zlimits{128, 64}, now)
	defer z.release()
	zv := z.view()
	total := min(n, zv.Len())
	start := 0
	if max {
		start = zv.Len() - 1
	}
	i := 0
	zv.each(start, max, func(m []byte, s float64) bool {
		fn(total, i, m, s)
		i++
		return i < total
	})
	if max {
		z.RemoveRanks(zv.Len()-total, zv.Len())
	} else {
		z.RemoveRanks(0, total)
	}
	z.commit()
	return total, false
}

func cmdZpopmin(c *Ctx, args [][]byte) { zpopCommand(c, args, false) }
func cmdZpopmax(c *Ctx, args [][]byte) { zpopCommand(c, args, true) }

func zpopCommand(c *Ctx, args [][]byte, max bool) {
	if len(args) > 3 {
		c.W.Error(ErrSyntax)
		return
	}
	n := int64(1)
	withCount := len(args) == 3
	if withCount {
		var ok bool
		n, ok = ParseInt(args[2])
		if !ok || n < 0 {
			c.W.Error(ErrNotPositive)
			return
		}
	}
	nested := withCount && c.W.Resp3
	db := c.Shard.DBs[c.DB]
	total, wrong := zsetPop(db, args[1], max, int(min(n, math.MaxInt32)), c.Now, func(total, i int, m []byte, s float64) {
		if i == 0 {
			if nested {
				c.W.ArrayLen(total)
			} else {
				c.W.ArrayLen(2 * total)
			}
		}
		if nested {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(m)
		c.W.Double(s)
	})
	if wrong {
		c.W.WrongType()
		return
	}
	if total == 0 {
		c.W.ArrayLen(0)
	}
}

// zmpopArgs parses ZMPOP numkeys key... MIN|MAX [COUNT n].
func zmpopArgs(args [][]byte) (keys [][]byte, max bool, count int64, errMsg string) {
	nk, ok := ParseInt(args[1])
	if !ok || nk <= 0 {
		return nil, false, 0, "ERR numkeys should be greater than 0"
	}
	if nk >= int64(len(args)-2) {
		return nil, false, 0, ErrSyntax
	}
	keys = args[2 : 2+nk]
	i := 2 + int(nk)
	switch {
	case EqualFold(args[i], "min"):
	case EqualFold(args[i], "max"):
		max = true
	default:
		return nil, false, 0, ErrSyntax
	}
	i++
	count = 1
	countSet := false
	for ; i < len(args); i++ {
		if !countSet && EqualFold(args[i], "count") && i+1 < len(args) {
			n, ok := ParseInt(args[i+1])
			if !ok || n <= 0 {
				return nil, false, 0, "ERR count should be greater than 0"
			}
			count, countSet = n, true
			i++
			continue
		}
		return nil, false, 0, ErrSyntax
	}
	return keys, max, count, ""
}

// zpopped is a copied pop result.
type zpopped struct {
	key  []byte
	ents []zent
}

func writeZmpop(w *proto.Writer, key []byte, ents []zent) {
	w.ArrayLen(2)
	w.Bulk(key)
	w.ArrayLen(len(ents))
	for _, e := range ents {
		w.ArrayLen(2)
		w.Bulk(e.m)
		w.Double(e.s)
	}
}

func cmdZmpop(c *Ctx, args [][]byte) {
	keys, max, count, errMsg := zmpopArgs(args)
	if errMsg != "" {
		c.W.Error(errMsg)
		return
	}
	db := c.Shard.DBs[c.DB]
	for _, k := range keys {
		total, wrong := zsetPop(db, k, max, int(min(count, math.MaxInt32)), c.Now, func(total, i int, m []byte, s float64) {
			if i == 0 {
				c.W.ArrayLen(2)
				c.W.Bulk(k)
				c.W.ArrayLen(total)
			}
			c.W.ArrayLen(2)
			c.W.Bulk(m)
			c.W.Double(s)
		})
		if wrong {
			c.W.WrongType()
			return
		}
		if total > 0 {
			return
		}
	}
	c.W.NullArray()
}

func txZmpop(t *Tx, args [][]byte) {
	keys, max, count, errMsg := zmpopArgs(args)
	if errMsg != "" {
		t.Error(errMsg)
		return
	}
	// Phase 1: every shard notes the state of its keys; phase 2: the shard
	// of the first key that is not missing pops it (or it is a WRONGTYPE).
	state := make([]int8, len(keys)) // 0 missing, 1 zset, 2 other type
	var res []zent
	var resKey []byte
	wrongType := false
	t.Each(func(c *Ctx) {
		db := c.Shard.DBs[c.DB]
		for i, k := range keys {
			if ShardOf(k, t.NumShards()) != c.Shard.ID {
				continue
			}
			_, ok, wrong := zsetLookup(db, k, c.Now)
			switch {
			case wrong:
				state[i] = 2
			case ok:
				state[i] = 1
			}
		}
	})
	t.Each(func(c *Ctx) {
		for i, k := range keys {
			if state[i] == 0 {
				continue
			}
			if ShardOf(k, t.NumShards()) != c.Shard.ID {
				return
			}
			if state[i] == 2 {
				wrongType = true
				return
			}
			zsetPop(c.Shard.DBs[c.DB], k, max, int(min(count, math.MaxInt32)), c.Now, func(total, j int, m []byte, s float64) {
				res = append(res, zent{m: append([]byte(nil), m...), s: s})
			})
			resKey = k
			return
		}
	})
	t.Reply(func(w *proto.Writer) {
		switch {
		case wrongType:
			w.WrongType()
		case resKey == nil:
			w.NullArray()
		default:
			writeZmpop(w, resKey, res)
		}
	})
}

// ---- ZRANDMEMBER ----

func cmdZrandmember(c *Ctx, args [][]byte) {
	db := c.Shard.DBs[c.DB]
	if len(args) == 2 {
		v, ok, wrong := zsetLookup(db, args[1], c.Now)
		if wrong {
			c.W.WrongType()
			return
		}
		if !ok {
			c.W.Null()
			return
		}
		sc := getZscratch()
		zv := zviewOf(db, v, sc)
		m, _ := zv.at(rand.IntN(zv.Len()))
		c.W.Bulk(m)
		putZscratch(sc)
		return
	}
	n, ok := ParseInt(args[2])
	if !ok {
		c.W.Error(ErrNotInt)
		return
	}
	if n == math.MinInt64 {
		c.W.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return
	}
	if len(args) > 4 || (len(args) == 4 && !EqualFold(args[3], "withscores")) {
		c.W.Error(ErrSyntax)
		return
	}
	withScores := len(args) == 4
	if withScores && (n < -math.MaxInt64/2 || n > math.MaxInt64/2) {
		c.W.Error("ERR value is out of range")
		return
	}
	v, found, wrong := zsetLookup(db, args[1], c.Now)
	if wrong {
		c.W.WrongType()
		return
	}
	if !found || n == 0 {
		c.W.ArrayLen(0)
		return
	}
	sc := getZscratch()
	defer putZscratch(sc)
	zv := zviewOf(db, v, sc)
	size := zv.Len()
	if n < 0 {
		cnt := int(-n)
		writeScoredHeader(c.W, cnt, withScores)
		for i := 0; i < cnt; i++ {
			m, s := zv.at(rand.IntN(size))
			writeScored(c.W, m, s, withScores)
		}
		return
	}
	if n >= int64(size) {
		// the whole set, highest first (as Redis's listpack and skiplist
		// walks give it)
		writeScoredHeader(c.W, size, withScores)
		zv.each(size-1, true, func(m []byte, s float64) bool {
			writeScored(c.W, m, s, withScores)
			return true
		})
		return
	}
	// n distinct ranks: a partial Fisher-Yates over a sparse permutation.
	cnt := int(n)
	picked := make(map[int]int, cnt)
	writeScoredHeader(c.W, cnt, withScores)
	for i := 0; i < cnt; i++ {
		j := i + rand.IntN(size-i)
		vj, okj := picked[j]
		if !okj {
			vj = j
		}
		vi, oki := picked[i]
		if !oki {
			vi = i
		}
		picked[j] = vi
		m, s := zv.at(vj)
		writeScored(c.W, m, s, withScores)
	}
}

// ---- ZSCAN ----

func cmdZscan(c *Ctx, args [][]byte) {
	cursor, err := strconv.ParseUint(string(args[2]), 10, 64)
	if err != nil {
		c.W.Error("ERR invalid cursor")
		return
	}
	db := c.Shard.DBs[c.DB]
	v, ok, wrong := zsetLookup(db, args[1], c.Now)
	if !ok && !wrong {
		c.W.ArrayLen(2)
		c.W.BulkString("0")
		c.W.ArrayLen(0)
		return
	}
	if wrong {
		c.W.WrongType()
		return
	}
	var pattern []byte
	count := int64(10)
	for i := 3; i < len(args); i += 2 {
		if i+1 >= len(args) {
			c.W.Error(ErrSyntax)
			return
		}
		switch {
		case EqualFold(args[i], "count"):
			n, ok := ParseInt(args[i+1])
			if !ok {
				c.W.Error(ErrNotInt)
				return
			}
			if n < 1 {
				c.W.Error(ErrSyntax)
				return
			}
			count = n
		case EqualFold(args[i], "match"):
			pattern = args[i+1]
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	matchAll := pattern == nil || (len(pattern) == 1 && pattern[0] == '*')
	var out []zent
	next := uint64(0)
	if v.Enc != EncObject {
		sc := getZscratch()
		defer putZscratch(sc)
		for _, e := range zblobDecode(sc.ents[:0], v.Bytes) {
			if matchAll || GlobMatch(pattern, e.m, false) {
				out = append(out, e)
			}
		}
	} else {
		t := c.Shard.Objects.Get(v.Obj).(*zsetTree)
		// The cursor is a home slot of the member table, advanced in
		// reverse-binary order as Redis's dict scan: each step returns the
		// members whose hash homes there (they sit in the probe run that
		// starts at it), so members present for the whole scan are
		// returned even when the table grows or shrinks in between.
		mask := uint64(len(t.table) - 1)
		visited := int64(0)
		for {
			home := cursor & mask
			for i := home; ; i = (i + 1) & mask {
				id := t.table[i]
				if id == 0 {
					break
				}
				m := t.recMember(id)
				if zhash(m)&mask != home {
					continue
				}
				if matchAll || GlobMatch(pattern, m, false) {
					out = append(out, zent{m: m, s: t.recScore(id)})
				}
				visited++
			}
			cursor |= ^mask
			cursor = revBits(cursor)
			cursor++
			cursor = revBits(cursor)
			if cursor == 0 || visited >= count {
				break
			}
		}
		next = cursor
	}
	c.W.ArrayLen(2)
	var nb [20]byte
	c.W.Bulk(strconv.AppendUint(nb[:0], next, 10))
	c.W.ArrayLen(2 * len(out))
	var fb [32]byte
	for _, e := range out {
		c.W.Bulk(e.m)
		c.W.Bulk(proto.FormatDouble(fb[:0], e.s))
	}
}

func revBits(v uint64) uint64 {
	var r uint64
	for i := 0; i < 64; i++ {
		r = r<<1 | v&1
		v >>= 1
	}
	return r
}

// ---- ZUNION, ZINTER, ZDIFF (+STORE), ZINTERCARD ----

const (
	zopUnion = iota
	zopInter
	zopDiff
)

const (
	zaggSum = iota
	zaggMin
	zaggMax
)

// zsetOpArgs is a parsed ZUNION/ZINTER/ZDIFF[STORE] request. errMsg is an
// option error, reported only when no source key has the wrong type (as
// Redis looks the keys up before it parses the options).
type zsetOpArgs struct {
	op         int
	dst        []byte
	keys       [][]byte
	weights    []float64
	agg        int
	withScores bool
	errMsg     string
}

// parseZsetOp parses args; a non-empty early error is reported before any
// key lookup.
func parseZsetOp(args [][]byte, op int, store bool) (a zsetOpArgs, early string) {
	a.op = op
	nkIdx := 1
	if store {
		a.dst = args[1]
		nkIdx = 2
	}
	nk, ok := ParseInt(args[nkIdx])
	if !ok {
		return a, ErrNotInt
	}
	if nk < 1 {
		return a, "ERR at least 1 input key is needed for '" + zopName(op, store) + "' command"
	}
	if nk > int64(len(args)-nkIdx-1) {
		return a, ErrSyntax
	}
	a.keys = args[nkIdx+1 : nkIdx+1+int(nk)]
	j := nkIdx + 1 + int(nk)
	for j < len(args) {
		rem := len(args) - j
		switch {
		case op != zopDiff && rem >= len(a.keys)+1 && EqualFold(args[j], "weights"):
			j++
			a.weights = make([]float64, len(a.keys))
			for i := range a.keys {
				w, ok := zParseScore(args[j])
				if !ok {
					a.errMsg = errZWeight
					return a, ""
				}
				a.weights[i] = w
				j++
			}
		case op != zopDiff && rem >= 2 && EqualFold(args[j], "aggregate"):
			j++
			switch {
			case EqualFold(args[j], "sum"):
				a.agg = zaggSum
			case EqualFold(args[j], "min"):
				a.agg = zaggMin
			case EqualFold(args[j], "max"):
				a.agg = zaggMax
			default:
				a.errMsg = ErrSyntax
				return a, ""
			}
			j++
		case !store && EqualFold(args[j], "withscores"):
			a.withScores = true
			j++
		default:
			a.errMsg = ErrSyntax
			return a, ""
		}
	}
	return a, ""
}

func zopName(op int, store bool) string {
	n := [...]string{"zunion", "zinter", "zdiff"}[op]
	if store {
		n += "store"
	}
	return n
}

// zsrc is one input of a set operation: its entries (a zset's in score
// order, or a set's members with score 1).
type zsrc struct {
	ents  []zent
	index map[string]float64 // built on demand for lookups
}

func (s *zsrc) find(m []byte) (float64, bool) {
	if len(s.ents) <= 16 {
		for i := range s.ents {
			if bytes.Equal(s.ents[i].m, m) {
				return s.ents[i].s, true
			}
		}
		return 0, false
	}
	if s.index == nil {
		s.index = make(map[string]float64, len(s.ents))
		for _, e := range s.ents {
			s.index[string(e.m)] = e.s
		}
	}
	f, ok := s.index[string(m)]
	return f, ok
}

// zreadSource reads key as a set-operation input, copying the entries
// when copyOut (tx phases) or aliasing shard memory otherwise. wrong
// reports a key that is neither a zset nor a set.
func zreadSource(sh *Shard, db *DB, key []byte, now int64, copyOut bool) (zsrc, bool) {
	v, ok := db.Get(key, now)
	if !ok {
		return zsrc{}, false
	}
	var ents []zent
	switch v.Type {
	case TypeZSet:
		if v.Enc == EncObject {
			t := sh.Objects.Get(v.Obj).(*zsetTree)
			ents = make([]zent, 0, t.Len())
			t.each(0, false, func(m []byte, s float64) bool {
				ents = append(ents, zent{m: m, s: s})
				return true
			})
		} else {
			ents = zblobDecode(nil, v.Bytes)
		}
	case TypeSet:
		if el := OpsOf(TypeSet).Elements; el != nil {
			for _, m := range el(sh, v) {
				ents = append(ents, zent{m: m, s: 1})
			}
		}
	default:
		return zsrc{}, true
	}
	if copyOut {
		n := 0
		for _, e := range ents {
			n += len(e.m)
		}
		buf := make([]byte, 0, n)
		for i := range ents {
			st := len(buf)
			buf = append(buf, ents[i].m...)
			ents[i].m = buf[st:len(buf):len(buf)]
		}
	}
	return zsrc{ents: ents}, false
}

func zaggregate(target *float64, v float64, agg int) {
	switch agg {
	case zaggSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0
		}
	case zaggMin:
		if v < *target {
			*target = v
		}
	case zaggMax:
		if v > *target {
			*target = v
		}
	}
}

// zsetCompute runs the operation over the sources (in argument order) and
// returns the result sorted by (score, member). Members alias the sources.
func zsetCompute(a *zsetOpArgs, srcs []zsrc) []zent {
	weight := func(i int) float64 {
		if a.weights == nil {
			return 1
		}
		return a.weights[i]
	}
	// Redis visits union and intersection inputs from the smallest to the
	// largest (a stable order for equal sizes), which fixes the order in
	// which SUM adds the scores.
	order := make([]int, len(srcs))
	for i := range order {
		order[i] = i
	}
	if a.op != zopDiff {
		for i := 1; i < len(order); i++ {
			for j := i; j > 0 && len(srcs[order[j]].ents) < len(srcs[order[j-1]].ents); j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
	}
	var out []zent
	switch a.op {
	case zopInter:
		first := &srcs[order[0]]
		if len(first.ents) == 0 {
			return nil
		}
		for _, e := range first.ents {
			score := weight(order[0]) * e.s
			if math.IsNaN(score) {
				score = 0
			}
			all := true
			for _, k := range order[1:] {
				v, ok := srcs[k].find(e.m)
				if !ok {
					all = false
					break
				}
				zaggregate(&score, v*weight(k), a.agg)
			}
			if all {
				out = append(out, zent{m: e.m, s: score})
			}
		}
	case zopUnion:
		idx := map[string]int{}
		for _, k := range order {
			w := weight(k)
			for _, e := range srcs[k].ents {
				score := w * e.s
				if math.IsNaN(score) {
					score = 0
				}
				if i, ok := idx[string(e.m)]; ok {
					zaggregate(&out[i].s, score, a.agg)
					continue
				}
				idx[string(e.m)] = len(out)
				out = append(out, zent{m: e.m, s: score})
			}
		}
	case zopDiff:
	outer:
		for _, e := range srcs[0].ents {
			for k := 1; k < len(srcs); k++ {
				if _, ok := srcs[k].find(e.m); ok {
					continue outer
				}
			}
			out = append(out, e)
		}
	}
	zsortEnts(out)
	return out
}

func writeZsetResult(w *proto.Writer, ents []zent, withScores bool) {
	writeScoredHeader(w, len(ents), withScores)
	for _, e := range ents {
		writeScored(w, e.m, e.s, withScores)
	}
}

// zsetOpRun is Run for ZUNION/ZINTER/ZDIFF and their STOREs (all keys on
// this shard).
func zsetOpRun(c *Ctx, args [][]byte, op int, store bool) {
	a, early := parseZsetOp(args, op, store)
	if early != "" {
		c.W.Error(early)
		return
	}
	db := c.Shard.DBs[c.DB]
	srcs := make([]zsrc, len(a.keys))
	for i, k := range a.keys {
		s, wrong := zreadSource(c.Shard, db, k, c.Now, false)
		if wrong {
			c.W.WrongType()
			return
		}
		srcs[i] = s
	}
	if a.errMsg != "" {
		c.W.Error(a.errMsg)
		return
	}
	res := zsetCompute(&a, srcs)
	if store {
		zstoreResult(db, a.dst, res, zlimitsOf(c.Server), true, c.Now)
		c.W.Int(int64(len(res)))
		return
	}
	writeZsetResult(c.W, res, a.withScores)
}

// zsetOpTx plans ZUNION/ZINTER/ZDIFF[STORE] over several shards: every
// shard copies out its source keys, then the destination's shard (STORE)
// or the coordinator (reply) computes.
func zsetOpTx(t *Tx, args [][]byte, op int, store bool) {
	a, early := parseZsetOp(args, op, store)
	if early != "" {
		t.Error(early)
		return
	}
	srcs := make([]zsrc, len(a.keys))
	wrong := make([]bool, t.NumShards())
	t.Each(func(c *Ctx) {
		db := c.Shard.DBs[c.DB]
		for i, k := range a.keys {
			if ShardOf(k, t.NumShards()) != c.Shard.ID {
				continue
			}
			s, w := zreadSource(c.Shard, db, k, c.Now, true)
			if w {
				wrong[c.Shard.ID] = true
				return
			}
			srcs[i] = s
		}
	})
	anyWrong := func() bool {
		for _, w := range wrong {
			if w {
				return true
			}
		}
		return false
	}
	var res []zent
	if store {
		t.On(t.ShardOf(a.dst), func(c *Ctx) {
			if anyWrong() || a.errMsg != "" {
				return
			}
			res = zsetCompute(&a, srcs)
			zstoreResult(c.Shard.DBs[c.DB], a.dst, res, zlimitsOf(c.Server), true, c.Now)
		})
	}
	t.Reply(func(w *proto.Writer) {
		switch {
		case anyWrong():
			w.WrongType()
		case a.errMsg != "":
			w.Error(a.errMsg)
		case store:
			w.Int(int64(len(res)))
		default:
			writeZsetResult(w, zsetCompute(&a, srcs), a.withScores)
		}
	})
}

func cmdZunion(c *Ctx, args [][]byte)      { zsetOpRun(c, args, zopUnion, false) }
func cmdZinter(c *Ctx, args [][]byte)      { zsetOpRun(c, args, zopInter, false) }
func cmdZdiff(c *Ctx, args [][]byte)       { zsetOpRun(c, args, zopDiff, false) }
func cmdZunionstore(c *Ctx, args [][]byte) { zsetOpRun(c, args, zopUnion, true) }
func cmdZinterstore(c *Ctx, args [][]byte) { zsetOpRun(c, args, zopInter, true) }
func cmdZdiffstore(c *Ctx, args [][]byte)  { zsetOpRun(c, args, zopDiff, true) }
func txZunion(t *Tx, args [][]byte)        { zsetOpTx(t, args, zopUnion, false) }
func txZinter(t *Tx, args [][]byte)        { zsetOpTx(t, args, zopInter, false) }
func txZdiff(t *Tx, args [][]byte)         { zsetOpTx(t, args, zopDiff, false) }
func txZunionstore(t *Tx, args [][]byte)   { zsetOpTx(t, args, zopUnion, true) }
func txZinterstore(t *Tx, args [][]byte)   { zsetOpTx(t, args, zopInter, true) }
func txZdiffstore(t *Tx, args [][]byte)    { zsetOpTx(t, args, zopDiff, true) }

// zintercardArgs parses ZINTERCARD numkeys key... [LIMIT n].
func zintercardArgs(args [][]byte) (keys [][]byte, limit int64, errMsg string) {
	nk, ok := ParseInt(args[1])
	if !ok {
		return nil, 0, ErrNotInt
	}
	if nk < 1 {
		return nil, 0, "ERR at least 1 input key is needed for 'zintercard' command"
	}
	if nk > int64(len(args)-2) {
		return nil, 0, ErrSyntax
	}
	keys = args[2 : 2+nk]
	for i := 2 + int(nk); i < len(args); i++ {
		if EqualFold(args[i], "limit") && i+1 < len(args) {
			n, ok := ParseInt(args[i+1])
			if !ok || n < 0 {
				return nil, 0, "ERR LIMIT can't be negative"
			}
			limit = n
			i++
			continue
		}
		return nil, 0, ErrSyntax
	}
	return keys, limit, ""
}

func zintercard(srcs []zsrc, limit int64) int64 {
	a := zsetOpArgs{op: zopInter}
	n := int64(len(zsetCompute(&a, srcs)))
	if limit > 0 && n > limit {
		n = limit
	}
	return n
}

func cmdZintercard(c *Ctx, args [][]byte) {
	keys, limit, errMsg := zintercardArgs(args)
	if errMsg != "" {
		c.W.Error(errMsg)
		return
	}
	db := c.Shard.DBs[c.DB]
	srcs := make([]zsrc, len(keys))
	for i, k := range keys {
		s, wrong := zreadSource(c.Shard, db, k, c.Now, false)
		if wrong {
			c.W.WrongType()
			return
		}
		srcs[i] = s
	}
	c.W.Int(zintercard(srcs, limit))
}

func txZintercard(t *Tx, args [][]byte) {
	keys, limit, errMsg := zintercardArgs(args)
	if errMsg != "" {
		t.Error(errMsg)
		return
	}
	srcs := make([]zsrc, len(keys))
	wrong := make([]bool, t.NumShards())
	t.Each(func(c *Ctx) {
		db := c.Shard.DBs[c.DB]
		for i, k := range keys {
			if ShardOf(k, t.NumShards()) != c.Shard.ID {
				continue
			}
			s, w := zreadSource(c.Shard, db, k, c.Now, true)
			if w {
				wrong[c.Shard.ID] = true
				return
			}
			srcs[i] = s
		}
	})
	t.Reply(func(w *proto.Writer) {
		for _, x := range wrong {
			if x {
				w.WrongType()
				return
			}
		}
		w.Int(zintercard(srcs, limit))
	})
}
