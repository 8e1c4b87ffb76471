package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Tests with go-redis v9, the client most Go users run against darner.
//
// TestGoRedisDiff runs one scenario per command family against a real
// redis-server and against darner (both backends, 2 shards so that keys
// spread), with Options.Protocol 2 and 3, and compares the typed results
// go-redis hands the caller (cmd.String(): the arguments and the parsed
// value or error). A reply that parses in RESP2 but not in RESP3, or parses
// into a different value, shows up as a mismatch. Where Redis itself is not
// deterministic (random members, SCAN order, ids, timings), a scenario
// records an invariant instead (a count, a sorted list, a membership).
//
// TestGoRedisClient covers what only makes sense against darner alone:
// INFO and CLIENT LIST parsing, BLPOP with a pusher, WATCH under
// contention, a 1000-command pipeline, Options.DB.

// grRec records the typed results of one scenario run.
type grRec struct {
	lines []string
}

// c records a command's rendering (arguments and parsed value or error).
func (r *grRec) c(cmd redis.Cmder) {
	r.lines = append(r.lines, cmd.String())
}

// v records a derived value under a label.
func (r *grRec) v(label string, v any) {
	r.lines = append(r.lines, label+" = "+fmt.Sprint(v))
}

// sorted records a string-slice result as a sorted list (unordered replies).
func (r *grRec) sorted(cmd *redis.StringSliceCmd) {
	vals, err := cmd.Result()
	s := append([]string(nil), vals...)
	sort.Strings(s)
	r.lines = append(r.lines, fmt.Sprintf("%v: %q err=%v", cmd.Args(), s, err))
}

// grScenario is one family's sequence of go-redis calls.
type grScenario struct {
	name string
	run  func(ctx context.Context, rdb *redis.Client, r *grRec)
}

// grZ builds sorted set members.
func grZ(pairs ...any) []redis.Z {
	var out []redis.Z
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, redis.Z{Score: pairs[i].(float64), Member: pairs[i+1]})
	}
	return out
}

var grScenarios = []grScenario{
	{"strings", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		r.c(rdb.Set(ctx, "s1", "hello", 0))
		r.c(rdb.Get(ctx, "s1"))
		r.c(rdb.Get(ctx, "nosuch"))
		r.c(rdb.SetNX(ctx, "s1", "x", 0))
		r.c(rdb.SetNX(ctx, "s2", "x", 0))
		r.c(rdb.SetXX(ctx, "s3", "x", 0))
		r.c(rdb.SetXX(ctx, "s2", "y", time.Minute))
		r.c(rdb.SetArgs(ctx, "s2", "z", redis.SetArgs{Get: true, KeepTTL: true}))
		r.c(rdb.SetArgs(ctx, "s4", "z", redis.SetArgs{Mode: "NX", Get: true}))
		r.c(rdb.SetArgs(ctx, "s4", "z", redis.SetArgs{Mode: "XX", TTL: 10 * time.Second}))
		r.c(rdb.SetArgs(ctx, "s5", "z", redis.SetArgs{ExpireAt: time.Unix(4000000000, 0)}))
		r.c(rdb.ExpireTime(ctx, "s5"))
		r.c(rdb.PExpireTime(ctx, "s5"))
		r.c(rdb.SetEx(ctx, "s6", "v", time.Hour))
		r.c(rdb.GetSet(ctx, "s6", "w"))
		r.c(rdb.TTL(ctx, "s6"))
		r.c(rdb.GetDel(ctx, "s6"))
		r.c(rdb.GetDel(ctx, "s6"))
		r.c(rdb.GetEx(ctx, "s1", time.Hour))
		r.c(rdb.TTL(ctx, "s1"))
		r.c(rdb.GetEx(ctx, "s1", 0))
		r.c(rdb.TTL(ctx, "s1"))
		r.c(rdb.Append(ctx, "s1", " world"))
		r.c(rdb.StrLen(ctx, "s1"))
		r.c(rdb.GetRange(ctx, "s1", 0, 4))
		r.c(rdb.GetRange(ctx, "s1", -5, -1))
		r.c(rdb.GetRange(ctx, "s1", 100, 200))
		r.c(rdb.SetRange(ctx, "s1", 6, "W"))
		r.c(rdb.SetRange(ctx, "s7", 3, "pad"))
		r.c(rdb.Get(ctx, "s7"))
		r.c(rdb.Incr(ctx, "n"))
		r.c(rdb.IncrBy(ctx, "n", 41))
		r.c(rdb.Decr(ctx, "n"))
		r.c(rdb.DecrBy(ctx, "n", -9))
		r.c(rdb.Incr(ctx, "s1"))
		r.c(rdb.IncrByFloat(ctx, "f", 1.5))
		r.c(rdb.IncrByFloat(ctx, "f", -0.25))
		r.c(rdb.IncrByFloat(ctx, "f", 1e10))
		r.c(rdb.Get(ctx, "f"))
		r.c(rdb.Set(ctx, "big", "9223372036854775807", 0))
		r.c(rdb.Incr(ctx, "big"))
		r.c(rdb.MSet(ctx, "m1", "a", "m2", "b", "m3", "c", "m4", "d"))
		r.c(rdb.MGet(ctx, "m1", "m2", "nosuch", "m3", "m4"))
		r.c(rdb.MSetNX(ctx, "m1", "x", "m9", "y"))
		r.c(rdb.MSetNX(ctx, "m8", "x", "m9", "y"))
		r.c(rdb.MGet(ctx, "m8", "m9"))
		r.c(rdb.Set(ctx, "l1", "ohmytext", 0))
		r.c(rdb.Set(ctx, "l2", "mynewtext", 0))
		r.c(rdb.LCS(ctx, &redis.LCSQuery{Key1: "l1", Key2: "l2"}))
		r.c(rdb.LCS(ctx, &redis.LCSQuery{Key1: "l1", Key2: "l2", Len: true}))
		r.c(rdb.LCS(ctx, &redis.LCSQuery{Key1: "l1", Key2: "l2", Idx: true, MinMatchLen: 2, WithMatchLen: true}))
		r.c(rdb.HSet(ctx, "h", "f", "v"))
		r.c(rdb.Get(ctx, "h"))
		r.c(rdb.Append(ctx, "h", "x"))
		r.c(rdb.MGet(ctx, "h", "m1"))
		r.c(rdb.Do(ctx, "SET", "k", "v", "EX", "0"))
		r.c(rdb.Do(ctx, "SET", "k", "v", "NX", "XX"))
		r.c(rdb.Do(ctx, "GETEX", "m1", "PERSIST"))
		r.c(rdb.Do(ctx, "SUBSTR", "m1", "0", "-1"))
	}},
	{"keys", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		for i := 0; i < 40; i++ {
			rdb.Set(ctx, "key:"+strconv.Itoa(i), i, 0)
		}
		rdb.RPush(ctx, "list:a", "3", "1", "2")
		rdb.SAdd(ctx, "set:a", "x")
		rdb.HSet(ctx, "hash:a", "f", "v")
		r.c(rdb.Exists(ctx, "key:1", "key:2", "nosuch", "key:1"))
		r.c(rdb.Type(ctx, "key:1"))
		r.c(rdb.Type(ctx, "list:a"))
		r.c(rdb.Type(ctx, "set:a"))
		r.c(rdb.Type(ctx, "hash:a"))
		r.c(rdb.Type(ctx, "nosuch"))
		r.c(rdb.DBSize(ctx))
		r.sorted(rdb.Keys(ctx, "key:1*"))
		// SCAN iterators: every key exactly once, whatever the cursor order.
		for _, match := range []string{"", "key:*", "key:3?", "*:a"} {
			seen := map[string]int{}
			it := rdb.Scan(ctx, 0, match, 7).Iterator()
			for it.Next(ctx) {
				seen[it.Val()]++
			}
			r.v("scan "+match+" err", it.Err())
			var ks []string
			for k, n := range seen {
				if n != 1 {
					r.v("scan returned twice", k)
				}
				ks = append(ks, k)
			}
			sort.Strings(ks)
			r.v("scan "+match, ks)
		}
		var typed []string
		it := rdb.ScanType(ctx, 0, "*", 100, "list").Iterator()
		for it.Next(ctx) {
			typed = append(typed, it.Val())
		}
		r.v("scantype list", typed)
		// EXPIRE options.
		r.c(rdb.ExpireNX(ctx, "key:1", time.Hour))
		r.c(rdb.ExpireNX(ctx, "key:1", time.Hour))
		r.c(rdb.ExpireXX(ctx, "key:2", time.Hour))
		r.c(rdb.ExpireGT(ctx, "key:1", 2*time.Hour))
		r.c(rdb.ExpireGT(ctx, "key:1", time.Minute))
		r.c(rdb.ExpireLT(ctx, "key:1", time.Minute))
		r.c(rdb.ExpireLT(ctx, "key:3", time.Minute))
		r.c(rdb.TTL(ctx, "key:1"))
		r.c(rdb.PExpire(ctx, "key:4", 1500*time.Millisecond))
		r.v("pttl>1s", rdb.PTTL(ctx, "key:4").Val() > time.Second)
		r.c(rdb.ExpireAt(ctx, "key:5", time.Unix(4000000000, 0)))
		r.c(rdb.ExpireTime(ctx, "key:5"))
		r.c(rdb.Persist(ctx, "key:5"))
		r.c(rdb.Persist(ctx, "key:5"))
		r.c(rdb.TTL(ctx, "key:5"))
		r.c(rdb.TTL(ctx, "nosuch"))
		r.c(rdb.PTTL(ctx, "nosuch"))
		r.c(rdb.Expire(ctx, "nosuch", time.Second))
		r.c(rdb.Do(ctx, "EXPIRE", "key:6", "10", "NX", "XX"))
		r.c(rdb.Do(ctx, "EXPIRE", "key:6", "10", "GT", "LT"))
		r.c(rdb.Do(ctx, "EXPIRE", "key:6", "abc"))
		// SORT.
		r.c(rdb.Sort(ctx, "list:a", &redis.Sort{}))
		r.c(rdb.Sort(ctx, "list:a", &redis.Sort{Order: "DESC", Offset: 0, Count: 2}))
		r.c(rdb.Sort(ctx, "list:a", &redis.Sort{By: "key:*", Get: []string{"#", "key:*"}}))
		r.c(rdb.Sort(ctx, "list:a", &redis.Sort{By: "nosort", Get: []string{"hash:a->f"}}))
		r.c(rdb.SortRO(ctx, "list:a", &redis.Sort{Alpha: true}))
		r.c(rdb.SortStore(ctx, "list:a", "sorted:a", &redis.Sort{Order: "DESC"}))
		r.c(rdb.LRange(ctx, "sorted:a", 0, -1))
		r.c(rdb.Sort(ctx, "hash:a", &redis.Sort{}))
		r.c(rdb.SortInterfaces(ctx, "list:a", &redis.Sort{}))
		rdb.RPush(ctx, "list:alpha", "b", "a")
		r.c(rdb.Sort(ctx, "list:alpha", &redis.Sort{}))
		// OBJECT.
		r.c(rdb.ObjectEncoding(ctx, "key:7"))
		// (Small lists and non-integer sets: listpack since Redis 7.2,
		// which darner follows; the reference 7.0 says quicklist/hashtable.)
		r.c(rdb.ObjectEncoding(ctx, "hash:a"))
		r.c(rdb.ObjectEncoding(ctx, "nosuch"))
		rdb.Set(ctx, "emb", "short string", 0)
		rdb.Set(ctx, "raw", strings.Repeat("x", 50), 0)
		r.c(rdb.ObjectEncoding(ctx, "emb"))
		r.c(rdb.ObjectEncoding(ctx, "raw"))
		r.c(rdb.ObjectRefCount(ctx, "emb"))
		r.v("idletime<=1s", rdb.ObjectIdleTime(ctx, "emb").Val() <= time.Second)
		// COPY and RENAME (keys land on both shards in darner).
		r.c(rdb.Copy(ctx, "key:8", "copy:8", 0, false))
		r.c(rdb.Copy(ctx, "key:8", "copy:8", 0, false))
		r.c(rdb.Copy(ctx, "key:9", "copy:8", 0, true))
		r.c(rdb.Get(ctx, "copy:8"))
		r.c(rdb.Copy(ctx, "list:a", "copy:list", 0, false))
		r.c(rdb.LRange(ctx, "copy:list", 0, -1))
		r.c(rdb.Copy(ctx, "key:10", "key:10", 0, false))
		r.c(rdb.Copy(ctx, "key:10", "other", 3, false))
		for i := 11; i < 20; i++ {
			k := "key:" + strconv.Itoa(i)
			r.c(rdb.Rename(ctx, k, "ren:"+strconv.Itoa(i)))
			r.c(rdb.Get(ctx, "ren:"+strconv.Itoa(i)))
			r.c(rdb.Exists(ctx, k))
		}
		r.c(rdb.RenameNX(ctx, "key:20", "key:21"))
		r.c(rdb.RenameNX(ctx, "key:20", "fresh"))
		r.c(rdb.Rename(ctx, "nosuch", "x"))
		r.c(rdb.Expire(ctx, "key:22", time.Hour))
		r.c(rdb.Rename(ctx, "key:22", "ttl:22"))
		r.c(rdb.TTL(ctx, "ttl:22"))
		r.c(rdb.Move(ctx, "key:23", 2))
		r.c(rdb.Exists(ctx, "key:23"))
		r.c(rdb.Touch(ctx, "key:24", "key:25", "nosuch"))
		r.c(rdb.Unlink(ctx, "key:24", "key:25", "nosuch"))
		r.c(rdb.Del(ctx, "key:26", "key:27", "key:28", "key:26"))
		r.c(rdb.DBSize(ctx))
		r.v("randomkey exists", rdb.Exists(ctx, rdb.RandomKey(ctx).Val()).Val())
	}},
	{"hashes", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		r.c(rdb.HSet(ctx, "h", "a", "1", "b", "2", "c", "3"))
		r.c(rdb.HSet(ctx, "h", []string{"c", "33", "d", "4"}))
		r.c(rdb.HGet(ctx, "h", "a"))
		r.c(rdb.HGet(ctx, "h", "nosuch"))
		r.c(rdb.HGetAll(ctx, "h"))
		r.c(rdb.HGetAll(ctx, "nosuch"))
		r.c(rdb.HMGet(ctx, "h", "a", "x", "d"))
		r.c(rdb.HMSet(ctx, "h", "e", "5"))
		r.c(rdb.HSetNX(ctx, "h", "e", "6"))
		r.c(rdb.HSetNX(ctx, "h", "f", "6"))
		r.c(rdb.HLen(ctx, "h"))
		r.c(rdb.HExists(ctx, "h", "a"))
		r.c(rdb.HExists(ctx, "h", "zz"))
		r.c(rdb.HDel(ctx, "h", "a", "zz"))
		r.c(rdb.HIncrBy(ctx, "h", "b", 10))
		r.c(rdb.HIncrBy(ctx, "h", "new", -3))
		r.c(rdb.HIncrByFloat(ctx, "h", "fl", 2.5))
		r.c(rdb.HIncrByFloat(ctx, "h", "fl", 1e-3))
		r.c(rdb.HIncrBy(ctx, "h", "fl", 1))
		r.c(rdb.HStrLen(ctx, "h", "c"))
		r.sorted(rdb.HKeys(ctx, "h"))
		r.sorted(rdb.HVals(ctx, "h"))
		r.c(rdb.ObjectEncoding(ctx, "h"))
		r.c(rdb.HSet(ctx, "h", "long", strings.Repeat("v", 65)))
		r.c(rdb.ObjectEncoding(ctx, "h"))
		// HSCAN iterator over a large hash: every field once.
		for i := 0; i < 300; i++ {
			rdb.HSet(ctx, "big", "f"+strconv.Itoa(i), i)
		}
		r.c(rdb.ObjectEncoding(ctx, "big"))
		seen := map[string]string{}
		it := rdb.HScan(ctx, "big", 0, "f1*", 20).Iterator()
		for it.Next(ctx) {
			f := it.Val()
			if !it.Next(ctx) {
				break
			}
			seen[f] = it.Val()
		}
		r.v("hscan err", it.Err())
		r.v("hscan f1*", seen)
		r.c(rdb.HScanNoValues(ctx, "h", 0, "*", 100))
		// HRANDFIELD: random, so invariants only.
		all := rdb.HGetAll(ctx, "big").Val()
		for _, n := range []int{5, -5, 400, -400} {
			f := rdb.HRandField(ctx, "big", n).Val()
			ok := true
			for _, x := range f {
				if _, in := all[x]; !in {
					ok = false
				}
			}
			r.v("hrandfield "+strconv.Itoa(n), fmt.Sprint(len(f), ok))
			kv := rdb.HRandFieldWithValues(ctx, "big", n).Val()
			for _, p := range kv {
				if all[p.Key] != p.Value {
					ok = false
				}
			}
			r.v("hrandfield withvalues "+strconv.Itoa(n), fmt.Sprint(len(kv), ok))
		}
		r.c(rdb.HRandField(ctx, "nosuch", 3))
		r.c(rdb.HRandFieldWithValues(ctx, "nosuch", 3))
		r.c(rdb.HRandField(ctx, "h", 0))
		r.c(rdb.Do(ctx, "HRANDFIELD", "nosuch"))
		r.c(rdb.Set(ctx, "str", "x", 0))
		r.c(rdb.HGet(ctx, "str", "a"))
		r.c(rdb.HGetAll(ctx, "str"))
		r.c(rdb.HDel(ctx, "h2", "x"))
		rdb.HSet(ctx, "h2", "only", "1")
		r.c(rdb.HDel(ctx, "h2", "only"))
		r.c(rdb.Exists(ctx, "h2"))
	}},
	{"lists", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		r.c(rdb.RPush(ctx, "l", "a", "b", "c", "b", "a", "b"))
		r.c(rdb.LPush(ctx, "l", "z"))
		r.c(rdb.LPushX(ctx, "nosuch", "z"))
		r.c(rdb.RPushX(ctx, "l", "end"))
		r.c(rdb.LRange(ctx, "l", 0, -1))
		r.c(rdb.LRange(ctx, "l", -3, 100))
		r.c(rdb.LLen(ctx, "l"))
		r.c(rdb.LIndex(ctx, "l", -1))
		r.c(rdb.LIndex(ctx, "l", 100))
		r.c(rdb.LPos(ctx, "l", "b", redis.LPosArgs{}))
		r.c(rdb.LPos(ctx, "l", "b", redis.LPosArgs{Rank: 2}))
		r.c(rdb.LPos(ctx, "l", "b", redis.LPosArgs{Rank: -1}))
		r.c(rdb.LPos(ctx, "l", "b", redis.LPosArgs{Rank: 1, MaxLen: 2}))
		r.c(rdb.LPos(ctx, "l", "nope", redis.LPosArgs{}))
		r.c(rdb.LPosCount(ctx, "l", "b", 0, redis.LPosArgs{}))
		r.c(rdb.LPosCount(ctx, "l", "b", 2, redis.LPosArgs{Rank: -1}))
		r.c(rdb.LPos(ctx, "l", "b", redis.LPosArgs{Rank: 0}))
		r.c(rdb.LSet(ctx, "l", 1, "A"))
		r.c(rdb.LSet(ctx, "l", 100, "A"))
		r.c(rdb.LInsertBefore(ctx, "l", "c", "before-c"))
		r.c(rdb.LInsertAfter(ctx, "l", "nope", "x"))
		r.c(rdb.LRem(ctx, "l", -1, "b"))
		r.c(rdb.LRem(ctx, "l", 0, "a"))
		r.c(rdb.LTrim(ctx, "l", 1, -2))
		r.c(rdb.LRange(ctx, "l", 0, -1))
		r.c(rdb.LPop(ctx, "l"))
		r.c(rdb.RPopCount(ctx, "l", 2))
		r.c(rdb.LPopCount(ctx, "l", 10))
		r.c(rdb.LPop(ctx, "l"))
		r.c(rdb.LPopCount(ctx, "l", 2))
		r.c(rdb.Exists(ctx, "l"))
		// LMOVE / LMPOP with keys on both shards.
		rdb.RPush(ctx, "src", "1", "2", "3", "4", "5")
		r.c(rdb.LMove(ctx, "src", "dst", "LEFT", "RIGHT"))
		r.c(rdb.LMove(ctx, "src", "dst", "RIGHT", "LEFT"))
		r.c(rdb.RPopLPush(ctx, "src", "dst2"))
		r.c(rdb.LRange(ctx, "dst", 0, -1))
		r.c(rdb.LMPop(ctx, "left", 2, "empty1", "src", "dst"))
		r.c(rdb.LMPop(ctx, "right", 10, "dst", "src"))
		r.c(rdb.LMPop(ctx, "left", 1, "empty1", "empty2"))
		r.c(rdb.LMPop(ctx, "left", 0, "src"))
		r.c(rdb.LRange(ctx, "src", 0, -1))
		r.c(rdb.BLPop(ctx, time.Second, "empty1", "dst2"))
		r.c(rdb.Do(ctx, "BRPOP", "empty1", "empty2", "0.05"))
		r.c(rdb.Do(ctx, "BLMPOP", "0.05", "2", "empty1", "empty2", "LEFT", "COUNT", "2"))
		r.c(rdb.BLMPop(ctx, time.Second, "left", 2, "empty1", "dst"))
		// Encodings: listpack, then quicklist.
		for i := 0; i < 200; i++ {
			rdb.RPush(ctx, "biglist", strconv.Itoa(i))
		}
		r.c(rdb.LIndex(ctx, "biglist", 150))
		r.c(rdb.LRange(ctx, "biglist", 95, 105))
		r.c(rdb.RPush(ctx, "bl2", strings.Repeat("x", 9000)))
		r.c(rdb.ObjectEncoding(ctx, "bl2"))
		r.c(rdb.Set(ctx, "str", "x", 0))
		r.c(rdb.LPush(ctx, "str", "x"))
		r.c(rdb.LRange(ctx, "str", 0, 1))
	}},
	{"sets", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		r.c(rdb.SAdd(ctx, "s1", "a", "b", "c", "d"))
		r.c(rdb.SAdd(ctx, "s2", "c", "d", "e"))
		r.c(rdb.SAdd(ctx, "si", 1, 2, 3, 2))
		r.c(rdb.ObjectEncoding(ctx, "si"))
		r.sorted(rdb.SMembers(ctx, "s1"))
		r.c(rdb.SCard(ctx, "s1"))
		r.c(rdb.SIsMember(ctx, "s1", "a"))
		r.c(rdb.SMIsMember(ctx, "s1", "a", "x", "d"))
		r.c(rdb.SMIsMember(ctx, "nosuch", "a"))
		r.sorted(rdb.SInter(ctx, "s1", "s2"))
		r.sorted(rdb.SUnion(ctx, "s1", "s2", "si"))
		r.sorted(rdb.SDiff(ctx, "s1", "s2"))
		r.c(rdb.SInterCard(ctx, 0, "s1", "s2"))
		r.c(rdb.SInterCard(ctx, 1, "s1", "s2"))
		r.c(rdb.SInterCard(ctx, 0, "s1", "nosuch"))
		r.c(rdb.SInterStore(ctx, "d1", "s1", "s2"))
		r.c(rdb.SUnionStore(ctx, "d2", "s1", "s2"))
		r.c(rdb.SDiffStore(ctx, "d3", "s1", "s2"))
		r.sorted(rdb.SMembers(ctx, "d3"))
		r.c(rdb.SMove(ctx, "s1", "s2", "a"))
		r.c(rdb.SMove(ctx, "s1", "s2", "zz"))
		r.c(rdb.SRem(ctx, "s1", "b", "zz"))
		r.sorted(rdb.SMembers(ctx, "s1"))
		for i := 0; i < 600; i++ {
			rdb.SAdd(ctx, "bigi", i)
		}
		r.c(rdb.ObjectEncoding(ctx, "bigi"))
		seen := map[string]int{}
		it := rdb.SScan(ctx, "bigi", 0, "5*", 30).Iterator()
		for it.Next(ctx) {
			seen[it.Val()]++
		}
		r.v("sscan err", it.Err())
		r.v("sscan 5*", seen)
		pop := rdb.SPop(ctx, "si").Val()
		r.v("spop member", pop == "1" || pop == "2" || pop == "3")
		r.c(rdb.SCard(ctx, "si"))
		r.v("spopn len", len(rdb.SPopN(ctx, "si", 5).Val()))
		r.c(rdb.Exists(ctx, "si"))
		r.v("srandmember n", len(rdb.SRandMemberN(ctx, "bigi", 10).Val()))
		r.v("srandmember -n", len(rdb.SRandMemberN(ctx, "s2", -10).Val()))
		r.c(rdb.SRandMember(ctx, "nosuch"))
		r.c(rdb.SRandMemberN(ctx, "nosuch", 3))
		r.c(rdb.Set(ctx, "str", "x", 0))
		r.c(rdb.SAdd(ctx, "str", "x"))
		r.c(rdb.SInterCard(ctx, 0, "s1", "str"))
	}},
	{"zsets", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		r.c(rdb.ZAdd(ctx, "z", grZ(1.0, "a", 2.0, "b", 3.0, "c", 4.0, "d", 5.5, "e")...))
		r.c(rdb.ZAddArgs(ctx, "z", redis.ZAddArgs{GT: true, Ch: true, Members: grZ(0.5, "a", 10.0, "b", 1.0, "new")}))
		r.c(rdb.ZAddArgs(ctx, "z", redis.ZAddArgs{LT: true, Ch: true, Members: grZ(0.5, "a", 100.0, "c")}))
		r.c(rdb.ZAddArgs(ctx, "z", redis.ZAddArgs{NX: true, Members: grZ(7.0, "a", 7.0, "f")}))
		r.c(rdb.ZAddArgs(ctx, "z", redis.ZAddArgs{XX: true, Ch: true, Members: grZ(7.0, "a", 7.0, "g")}))
		r.c(rdb.ZAddArgs(ctx, "z", redis.ZAddArgs{NX: true, GT: true, Members: grZ(7.0, "a")}))
		r.c(rdb.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{GT: true, Members: grZ(-1.0, "a")}))
		r.c(rdb.ZIncrBy(ctx, "z", 2.25, "a"))
		r.c(rdb.ZRangeWithScores(ctx, "z", 0, -1))
		r.c(rdb.ZCard(ctx, "z"))
		r.c(rdb.ZScore(ctx, "z", "e"))
		r.c(rdb.ZScore(ctx, "z", "nosuch"))
		r.c(rdb.ZMScore(ctx, "z", "a", "nosuch", "e"))
		r.c(rdb.ZRank(ctx, "z", "c"))
		r.c(rdb.ZRevRank(ctx, "z", "c"))
		r.c(rdb.ZRank(ctx, "z", "nosuch"))
		// (ZRANK WITHSCORE is Redis 7.2.)
		r.c(rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: 1, Stop: 3}))
		r.c(rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: 0, Stop: 1, Rev: true}))
		r.c(rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: "(2", Stop: "+inf", ByScore: true}))
		r.c(rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: "+inf", Stop: "(2", ByScore: true, Rev: true, Offset: 1, Count: 2}))
		r.c(rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "z", Start: "-inf", Stop: 5, ByScore: true, Offset: 0, Count: 3}))
		rdb.ZAdd(ctx, "lex", grZ(0.0, "a", 0.0, "b", 0.0, "c", 0.0, "d", 0.0, "e")...)
		r.c(rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "lex", Start: "[b", Stop: "(e", ByLex: true}))
		r.c(rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "lex", Start: "+", Stop: "-", ByLex: true, Rev: true, Offset: 1, Count: 2}))
		r.c(rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "lex", Start: "b", Stop: "(e", ByLex: true}))
		r.c(rdb.ZRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "-", Max: "[c"}))
		r.c(rdb.ZRevRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "1", Max: "7", Offset: 0, Count: 2}))
		r.c(rdb.ZRangeByScoreWithScores(ctx, "z", &redis.ZRangeBy{Min: "(1", Max: "inf"}))
		r.c(rdb.ZCount(ctx, "z", "2", "(7"))
		r.c(rdb.ZLexCount(ctx, "lex", "[b", "+"))
		r.c(rdb.ZRangeStore(ctx, "zstore", redis.ZRangeArgs{Key: "z", Start: 2, Stop: 100, ByScore: true}))
		r.c(rdb.ZRangeWithScores(ctx, "zstore", 0, -1))
		r.c(rdb.ZRangeStore(ctx, "zstore", redis.ZRangeArgs{Key: "nosuch", Start: 0, Stop: -1}))
		r.c(rdb.Exists(ctx, "zstore"))
		// ZINTER / ZUNION / ZDIFF with keys on both shards.
		rdb.ZAdd(ctx, "z1", grZ(1.0, "x", 2.0, "y", 3.0, "w")...)
		rdb.ZAdd(ctx, "z2", grZ(10.0, "x", 20.0, "y", 30.0, "v")...)
		rdb.SAdd(ctx, "plainset", "x", "v")
		r.c(rdb.ZInter(ctx, &redis.ZStore{Keys: []string{"z1", "z2"}}))
		r.c(rdb.ZInterWithScores(ctx, &redis.ZStore{Keys: []string{"z1", "z2"}, Weights: []float64{2, 0.5}, Aggregate: "MAX"}))
		r.c(rdb.ZUnion(ctx, redis.ZStore{Keys: []string{"z1", "z2"}}))
		r.c(rdb.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{"z1", "z2", "plainset"}, Aggregate: "MIN"}))
		r.c(rdb.ZDiff(ctx, "z1", "z2"))
		r.c(rdb.ZDiffWithScores(ctx, "z2", "z1"))
		r.c(rdb.ZInterStore(ctx, "zi", &redis.ZStore{Keys: []string{"z1", "z2"}, Aggregate: "SUM"}))
		r.c(rdb.ZUnionStore(ctx, "zu", &redis.ZStore{Keys: []string{"z1", "z2"}, Weights: []float64{1, -1}}))
		r.c(rdb.ZRangeWithScores(ctx, "zu", 0, -1))
		r.c(rdb.ZDiffStore(ctx, "zd", "z1", "z2"))
		r.c(rdb.ZInterCard(ctx, 0, "z1", "z2"))
		r.c(rdb.ZInterCard(ctx, 1, "z1", "z2"))
		// ZMPOP, ZPOPMIN/MAX.
		r.c(rdb.ZMPop(ctx, "min", 2, "nosuch", "z1"))
		r.c(rdb.ZMPop(ctx, "max", 10, "z1", "z2"))
		r.c(rdb.ZMPop(ctx, "max", 1, "nosuch"))
		r.c(rdb.BZMPop(ctx, time.Second, "min", 1, "nosuch", "z2"))
		r.c(rdb.ZPopMin(ctx, "z", 2))
		r.c(rdb.ZPopMax(ctx, "z"))
		r.c(rdb.ZPopMax(ctx, "nosuch"))
		r.c(rdb.BZPopMin(ctx, time.Second, "nosuch", "z"))
		r.c(rdb.Do(ctx, "BZPOPMAX", "nosuch", "nosuch2", "0.05"))
		r.c(rdb.ZRem(ctx, "z", "a", "nosuch"))
		r.c(rdb.ZRemRangeByRank(ctx, "lex", 0, 0))
		r.c(rdb.ZRemRangeByLex(ctx, "lex", "[d", "+"))
		r.c(rdb.ZRemRangeByScore(ctx, "z", "-inf", "(5"))
		r.c(rdb.ZRangeWithScores(ctx, "z", 0, -1))
		// ZRANDMEMBER: invariants.
		for i := 0; i < 200; i++ {
			rdb.ZAdd(ctx, "bigz", redis.Z{Score: float64(i) / 4, Member: "m" + strconv.Itoa(i)})
		}
		r.c(rdb.ObjectEncoding(ctx, "bigz"))
		r.c(rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "bigz", Start: 10, Stop: 12, ByScore: true}))
		scores := map[string]float64{}
		for _, z := range rdb.ZRangeWithScores(ctx, "bigz", 0, -1).Val() {
			scores[z.Member.(string)] = z.Score
		}
		for _, n := range []int{3, -3, 300} {
			zs := rdb.ZRandMemberWithScores(ctx, "bigz", n).Val()
			ok := true
			for _, z := range zs {
				if s, in := scores[z.Member.(string)]; !in || s != z.Score {
					ok = false
				}
			}
			r.v("zrandmember withscores "+strconv.Itoa(n), fmt.Sprint(len(zs), ok))
			r.v("zrandmember "+strconv.Itoa(n), len(rdb.ZRandMember(ctx, "bigz", n).Val()))
		}
		r.c(rdb.ZRandMember(ctx, "nosuch", 2))
		seen := 0
		it := rdb.ZScan(ctx, "bigz", 0, "m1*", 10).Iterator()
		for it.Next(ctx) {
			seen++
		}
		r.v("zscan m1* (members+scores)", seen)
		r.c(rdb.Set(ctx, "str", "x", 0))
		r.c(rdb.ZAdd(ctx, "str", redis.Z{Score: 1, Member: "x"}))
		r.c(rdb.Do(ctx, "ZADD", "z", "nan", "x"))
		r.c(rdb.Do(ctx, "ZADD", "z", "GT", "LT", "1", "x"))
		r.c(rdb.Do(ctx, "ZADD", "z", "INCR", "1", "x", "2", "y"))
		r.c(rdb.ZAdd(ctx, "inf", grZ(1.0, "a")...))
		r.c(rdb.ZIncrBy(ctx, "inf", 1e308, "a"))
		r.c(rdb.ZAdd(ctx, "inf", redis.Z{Score: 0, Member: "b"}))
		r.c(rdb.Do(ctx, "ZADD", "inf", "+inf", "c"))
		r.c(rdb.ZRangeWithScores(ctx, "inf", 0, -1))
		r.c(rdb.ZScore(ctx, "inf", "c"))
	}},
	{"bitmaps", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		r.c(rdb.SetBit(ctx, "b", 7, 1))
		r.c(rdb.SetBit(ctx, "b", 7, 0))
		r.c(rdb.SetBit(ctx, "b", 100, 1))
		r.c(rdb.GetBit(ctx, "b", 100))
		r.c(rdb.GetBit(ctx, "b", 100000))
		r.c(rdb.BitCount(ctx, "b", nil))
		r.c(rdb.Set(ctx, "bs", "foobar", 0))
		r.c(rdb.BitCount(ctx, "bs", &redis.BitCount{Start: 1, End: 1}))
		r.c(rdb.BitCount(ctx, "bs", &redis.BitCount{Start: 5, End: 30, Unit: redis.BitCountIndexBit}))
		r.c(rdb.BitPos(ctx, "bs", 1))
		r.c(rdb.BitPos(ctx, "bs", 0, 2))
		r.c(rdb.BitPos(ctx, "bs", 1, 2, -1))
		r.c(rdb.BitPosSpan(ctx, "bs", 1, 7, 15, "bit"))
		r.c(rdb.BitPosSpan(ctx, "bs", 0, 0, -1, "byte"))
		r.c(rdb.BitPos(ctx, "nosuch", 0))
		r.c(rdb.BitField(ctx, "bf", "SET", "u8", 0, 200, "GET", "u8", 0, "INCRBY", "u8", 0, 100, "GET", "i4", 4))
		r.c(rdb.BitField(ctx, "bf", "OVERFLOW", "SAT", "INCRBY", "u8", 0, 100, "OVERFLOW", "FAIL", "INCRBY", "u8", 0, 100))
		r.c(rdb.BitField(ctx, "bf", "SET", "i16", "#1", -5, "GET", "i16", "#1"))
		r.c(rdb.BitField(ctx, "bf", "GET", "u64", 0))
		r.c(rdb.BitFieldRO(ctx, "bf", "u8", 0, "i16", 16))
		r.c(rdb.Set(ctx, "o1", "abc", 0))
		r.c(rdb.Set(ctx, "o2", "ab", 0))
		r.c(rdb.Set(ctx, "o3", "\xff\x00", 0))
		r.c(rdb.BitOpAnd(ctx, "dand", "o1", "o2", "o3"))
		r.c(rdb.Get(ctx, "dand"))
		r.c(rdb.BitOpOr(ctx, "dor", "o1", "o2", "o3"))
		r.c(rdb.Get(ctx, "dor"))
		r.c(rdb.BitOpXor(ctx, "dxor", "o1", "o2"))
		r.c(rdb.Get(ctx, "dxor"))
		r.c(rdb.BitOpNot(ctx, "dnot", "o1"))
		r.c(rdb.Get(ctx, "dnot"))
		r.c(rdb.BitOpAnd(ctx, "dempty", "nosuch1", "nosuch2"))
		r.c(rdb.Exists(ctx, "dempty"))
		rdb.LPush(ctx, "lst", "x")
		r.c(rdb.GetBit(ctx, "lst", 0))
		r.c(rdb.BitOpAnd(ctx, "d", "o1", "lst"))
		r.c(rdb.SetBit(ctx, "b", -1, 1))
		r.c(rdb.SetBit(ctx, "b", 1, 2))
	}},
	{"hyperloglog", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		r.c(rdb.PFAdd(ctx, "h1", "a", "b", "c"))
		r.c(rdb.PFAdd(ctx, "h1", "a"))
		r.c(rdb.PFAdd(ctx, "h2"))
		r.c(rdb.PFAdd(ctx, "h2"))
		for i := 0; i < 2000; i++ {
			rdb.PFAdd(ctx, "h3", "e"+strconv.Itoa(i))
		}
		r.c(rdb.PFCount(ctx, "h1"))
		r.c(rdb.PFCount(ctx, "h3"))
		r.c(rdb.PFCount(ctx, "h1", "h3", "nosuch"))
		r.c(rdb.PFMerge(ctx, "hm", "h1", "h3"))
		r.c(rdb.PFCount(ctx, "hm"))
		r.c(rdb.PFMerge(ctx, "h4"))
		r.c(rdb.Get(ctx, "h4"))
		r.c(rdb.Get(ctx, "h1"))
		r.c(rdb.Set(ctx, "str", "not an hll", 0))
		r.c(rdb.PFAdd(ctx, "str", "x"))
		r.c(rdb.PFCount(ctx, "str"))
		rdb.LPush(ctx, "lst", "x")
		r.c(rdb.PFCount(ctx, "lst"))
	}},
	{"server", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		r.c(rdb.Ping(ctx))
		r.c(rdb.Echo(ctx, "hi"))
		r.c(rdb.ConfigGet(ctx, "maxmemory-policy"))
		r.c(rdb.ConfigGet(ctx, "hash-max-*-entries"))
		r.c(rdb.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru"))
		r.c(rdb.ConfigGet(ctx, "maxmemory-policy"))
		r.c(rdb.ConfigSet(ctx, "maxmemory-policy", "noeviction"))
		r.c(rdb.ConfigSet(ctx, "nosuch-param", "1"))
		r.c(rdb.ConfigSet(ctx, "maxmemory", "lots"))
		r.c(rdb.ConfigGet(ctx, "nosuch*"))
		rdb.Set(ctx, "a", "1", 0)
		rdb.Set(ctx, "b", "2", 0)
		r.c(rdb.DBSize(ctx))
		r.c(rdb.FlushDB(ctx))
		r.c(rdb.DBSize(ctx))
		conn := rdb.Conn()
		r.c(conn.ClientSetName(ctx, "grtest"))
		r.c(conn.ClientGetName(ctx))
		conn.Close()
		r.c(rdb.Do(ctx, "CLIENT", "SETNAME", "has space"))
		r.c(rdb.SlowLogReset(ctx))
		r.v("slowlog len", len(rdb.SlowLogGet(ctx, 10).Val()))
		tm := rdb.Time(ctx)
		r.v("time within a minute", tm.Err() == nil && time.Since(tm.Val()).Abs() < time.Minute)
		rdb.HSet(ctx, "hh", "f", "v")
		r.v("memory usage >0", rdb.MemoryUsage(ctx, "hh").Val() > 0)
		r.c(rdb.MemoryUsage(ctx, "nosuch"))
		r.c(rdb.ObjectEncoding(ctx, "hh"))
		r.c(rdb.Do(ctx, "OBJECT", "FREQ", "hh"))
		info, err := rdb.InfoMap(ctx, "server", "keyspace").Result()
		r.v("infomap err", err)
		r.v("infomap has redis_mode", info["Server"]["redis_mode"])
		r.v("infomap keyspace db0", info["Keyspace"]["db0"])
		r.c(rdb.Do(ctx, "NOSUCHCMD", "a"))
		r.c(rdb.Do(ctx, "GET"))
		r.sorted(rdb.CommandList(ctx, &redis.FilterBy{Pattern: "zr*"}))
		r.c(rdb.CommandGetKeys(ctx, "MSET", "a", "1", "b", "2"))
		r.c(rdb.CommandGetKeys(ctx, "ZUNIONSTORE", "d", "2", "x", "y", "WEIGHTS", "1", "2"))
		r.c(rdb.CommandGetKeys(ctx, "LMPOP", "2", "l1", "l2", "LEFT"))
		r.c(rdb.CommandGetKeys(ctx, "GET"))
		r.c(rdb.CommandGetKeys(ctx, "PING"))
		r.c(rdb.CommandGetKeysAndFlags(ctx, "LMOVE", "a", "b", "LEFT", "RIGHT"))
		r.c(rdb.CommandGetKeysAndFlags(ctx, "SET", "k", "v"))
		r.c(rdb.ObjectFreq(ctx, "hh"))
		r.c(rdb.ConfigSet(ctx, "maxmemory-policy", "allkeys-lfu"))
		r.c(rdb.ObjectFreq(ctx, "nosuch"))
		r.c(rdb.ConfigSet(ctx, "maxmemory-policy", "noeviction"))
		r.c(rdb.ConfigResetStat(ctx))
		r.c(rdb.Do(ctx, "CLIENT", "NO-EVICT", "maybe"))
		r.c(rdb.Do(ctx, "CLIENT", "NO-EVICT", "on"))
		r.c(rdb.ClientUnblock(ctx, 999999))
		r.c(rdb.Do(ctx, "CLIENT", "UNBLOCK", "1", "NOPE"))
		hc := rdb.Conn()
		h := hc.Hello(ctx, 3, "", "", "helloname")
		hv, err := h.Result()
		r.v("hello err", err)
		r.v("hello proto mode role", fmt.Sprint(hv["proto"], hv["mode"], hv["role"], hv["server"]))
		r.c(hc.ClientGetName(ctx))
		r.c(hc.Hello(ctx, 4, "", "", ""))
		hc.Close()
		r.c(rdb.FlushAllAsync(ctx))
		r.c(rdb.FlushAll(ctx))
		r.c(rdb.Do(ctx, "SWAPDB", 0, 1))
	}},
	{"transactions", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "t1", "1", 0)
			p.Incr(ctx, "t1")
			p.LPush(ctx, "t2", "a")
			p.Get(ctx, "t2")
			p.HSet(ctx, "t3", "f", "v")
			p.MGet(ctx, "t1", "t3", "nosuch")
			p.ZAdd(ctx, "t4", redis.Z{Score: 1, Member: "m"})
			p.ZRangeWithScores(ctx, "t4", 0, -1)
			return nil
		})
		r.v("txpipelined err", err)
		for _, c := range cmds {
			r.c(c)
		}
		cmds, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "t5", "x", 0)
			p.Do(ctx, "NOSUCH")
			return nil
		})
		r.v("txpipelined with queue error", err)
		for _, c := range cmds {
			r.c(c)
		}
		r.c(rdb.Exists(ctx, "t5"))
		// WATCH: a write by another client aborts the transaction.
		err = rdb.Watch(ctx, func(tx *redis.Tx) error {
			v, _ := tx.Get(ctx, "t1").Int()
			rdb.Set(ctx, "t1", "100", 0)
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "t1", v+1, 0)
				return nil
			})
			return err
		}, "t1", "t3")
		r.v("watch conflict", err)
		r.c(rdb.Get(ctx, "t1"))
		err = rdb.Watch(ctx, func(tx *redis.Tx) error {
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, "t1")
				p.Incr(ctx, "t6")
				return nil
			})
			return err
		}, "t1", "t6")
		r.v("watch clean", err)
		r.c(rdb.MGet(ctx, "t1", "t6"))
	}},
	{"watch", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		// Each case: WATCH keys, let another connection do something, then
		// EXEC; record whether it ran. (darner also aborts after writes
		// that changed nothing: see transactions_watch_pending.txt.)
		try := func(label string, keys []string, interfere func()) {
			err := rdb.Watch(ctx, func(tx *redis.Tx) error {
				interfere()
				cmds, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Incr(ctx, "wctr")
					p.Get(ctx, keys[0])
					return nil
				})
				for _, c := range cmds {
					r.c(c)
				}
				return err
			}, keys...)
			r.v(label, err)
		}
		rdb.Set(ctx, "w1", "a", 0)
		try("untouched", []string{"w1"}, func() {})
		try("set same value", []string{"w1"}, func() { rdb.Set(ctx, "w1", "a", 0) })
		try("other key", []string{"w1"}, func() { rdb.Set(ctx, "w2", "a", 0) })
		try("missing then set and del", []string{"w3"}, func() { rdb.Set(ctx, "w3", "x", 0); rdb.Del(ctx, "w3") })
		try("flushdb with key", []string{"w1"}, func() { rdb.FlushDB(ctx) })
		rdb.Set(ctx, "w1", "a", 0)
		rdb.Set(ctx, "w1", "a", 0)
		try("expire", []string{"w1"}, func() { rdb.Expire(ctx, "w1", time.Hour) })
		try("persist", []string{"w1"}, func() { rdb.Persist(ctx, "w1") })
		try("rename onto", []string{"w1"}, func() { rdb.Set(ctx, "w6", "b", 0); rdb.Rename(ctx, "w6", "w1") })
		try("rename away", []string{"w1"}, func() { rdb.Rename(ctx, "w1", "w7") })
		try("hash field", []string{"wh"}, func() { rdb.HSet(ctx, "wh", "f", "v") })
		try("two keys, second touched", []string{"w1", "w7"}, func() { rdb.Append(ctx, "w7", "x") })
		try("copy onto", []string{"w8"}, func() { rdb.Copy(ctx, "w7", "w8", 0, false) })
		try("swapdb", []string{"w8"}, func() { rdb.Do(ctx, "SWAPDB", "0", "1") })
		try("other db", []string{"w9"}, func() {
			c := rdb.Conn()
			c.Select(ctx, 1)
			c.Set(ctx, "w9", "x", 0)
			c.Close()
		})
		r.c(rdb.Get(ctx, "wctr"))
		// MULTI edge cases on one connection.
		c := rdb.Conn()
		defer c.Close()
		r.c(c.Do(ctx, "EXEC"))
		r.c(c.Do(ctx, "DISCARD"))
		r.c(c.Do(ctx, "MULTI"))
		r.c(c.Do(ctx, "MULTI"))
		r.c(c.Do(ctx, "WATCH", "x"))
		r.c(c.Do(ctx, "SET", "m1", "1"))
		r.c(c.Do(ctx, "INCR", "m1"))
		r.c(c.Do(ctx, "LPUSH", "m1", "x"))
		r.c(c.Do(ctx, "EXEC"))
		r.c(c.Do(ctx, "MULTI"))
		r.c(c.Do(ctx, "SET", "m2", "1"))
		r.c(c.Do(ctx, "DISCARD"))
		r.c(c.Exists(ctx, "m2"))
		r.c(c.Do(ctx, "WATCH", "m1"))
		r.c(c.Do(ctx, "UNWATCH"))
		rdb.Set(ctx, "m1", "other", 0)
		r.c(c.Do(ctx, "MULTI"))
		r.c(c.Do(ctx, "GET", "m1"))
		r.c(c.Do(ctx, "EXEC"))
	}},
	{"pipelines", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < 1000; i++ {
				k := "p" + strconv.Itoa(i%50)
				switch i % 10 {
				case 0:
					p.Set(ctx, k, i, 0)
				case 1:
					p.Get(ctx, k)
				case 2:
					p.Incr(ctx, "ctr")
				case 3:
					p.RPush(ctx, "pl"+k, i)
				case 4:
					p.HIncrBy(ctx, "ph", k, 1)
				case 5:
					p.SAdd(ctx, "ps", i%37)
				case 6:
					p.ZIncrBy(ctx, "pz", 1, k)
				case 7:
					p.MGet(ctx, k, "p"+strconv.Itoa((i+1)%50))
				case 8:
					p.LPush(ctx, "ctr", "x")
				case 9:
					p.Del(ctx, "pl"+k)
				}
			}
			return nil
		})
		r.v("pipelined err", err)
		r.v("pipelined len", len(cmds))
		for _, c := range cmds {
			r.c(c)
		}
		r.c(rdb.ZRangeWithScores(ctx, "pz", 0, 5))
		r.c(rdb.SCard(ctx, "ps"))
		r.c(rdb.HGetAll(ctx, "ph"))
	}},
	{"edges", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		// Strings: limits and odd arguments.
		r.c(rdb.Do(ctx, "SET", "k", "v", "EX", "9999999999999999"))
		r.c(rdb.Do(ctx, "SET", "k", "v", "PX", "-1"))
		r.c(rdb.Do(ctx, "SET", "k", "v", "KEEPTTL", "EX", "10"))
		r.c(rdb.Do(ctx, "SET", "k", "v", "EXAT", "1"))
		r.c(rdb.Exists(ctx, "k"))
		r.c(rdb.Set(ctx, "i", 12345, 0))
		r.c(rdb.Append(ctx, "i", "6"))
		r.c(rdb.StrLen(ctx, "i"))
		// (OBJECT ENCODING after APPEND: Redis says raw, darner embstr;
		// see testdata/diff/strings_encoding_pending.txt.)
		r.c(rdb.GetRange(ctx, "i", 0, -100))
		r.c(rdb.GetRange(ctx, "i", -100, 1))
		r.c(rdb.Do(ctx, "SETRANGE", "i", "-1", "x"))
		r.c(rdb.Do(ctx, "SETRANGE", "i", "536870912", "x"))
		r.c(rdb.SetRange(ctx, "i", 0, ""))
		r.c(rdb.SetRange(ctx, "nosuch", 5, ""))
		r.c(rdb.Exists(ctx, "nosuch"))
		r.c(rdb.Set(ctx, "fl", "1.5e3", 0))
		r.c(rdb.IncrByFloat(ctx, "fl", 0.1))
		r.c(rdb.Do(ctx, "INCRBYFLOAT", "fl", "inf"))
		r.c(rdb.Do(ctx, "INCRBYFLOAT", "fl", "abc"))
		r.c(rdb.Set(ctx, "fl2", "3.0", 0))
		r.c(rdb.IncrByFloat(ctx, "fl2", 0))
		r.c(rdb.Do(ctx, "INCRBY", "i", "9223372036854775807"))
		r.c(rdb.Do(ctx, "DECRBY", "neg", "-9223372036854775808"))
		r.c(rdb.Do(ctx, "INCR", " 1"))
		r.c(rdb.Set(ctx, "sp", " 1", 0))
		r.c(rdb.Incr(ctx, "sp"))
		r.c(rdb.Set(ctx, "lead0", "007", 0))
		r.c(rdb.Incr(ctx, "lead0"))
		// Expiry actually expiring on both shards.
		for i := 0; i < 8; i++ {
			rdb.Set(ctx, "short:"+strconv.Itoa(i), i, 60*time.Millisecond)
		}
		rdb.Set(ctx, "long", 1, time.Hour)
		time.Sleep(150 * time.Millisecond)
		r.c(rdb.Exists(ctx, "short:0", "short:1", "short:2", "short:3", "short:4", "short:5"))
		r.c(rdb.MGet(ctx, "short:6", "short:7", "long"))
		r.sorted(rdb.Keys(ctx, "short:*"))
		r.c(rdb.ExpireAt(ctx, "long", time.Unix(1, 0)))
		r.c(rdb.Exists(ctx, "long"))
		r.c(rdb.Do(ctx, "EXPIRE", "i", "9223372036854775807"))
		r.c(rdb.Do(ctx, "PEXPIRE", "i", "9223372036854775807"))
		r.c(rdb.Do(ctx, "EXPIREAT", "i", "-9223372036854775808"))
		r.c(rdb.PExpireAt(ctx, "i", time.UnixMilli(4000000000123)))
		r.c(rdb.PExpireTime(ctx, "i"))
		r.c(rdb.Do(ctx, "SCAN", "abc"))
		r.c(rdb.Do(ctx, "SCAN", "0", "TYPE", "nosuch"))
		r.c(rdb.Do(ctx, "SCAN", "0", "COUNT", "0"))
		r.c(rdb.Do(ctx, "RENAME", "i", "i"))
		r.c(rdb.Do(ctx, "RENAMENX", "i", "i"))
		r.c(rdb.Do(ctx, "COPY", "i", "j", "DB", "x"))
		r.c(rdb.Do(ctx, "COPY", "i", "j", "DB", "99"))
		r.c(rdb.Do(ctx, "OBJECT", "ENCODING"))
		r.c(rdb.Do(ctx, "OBJECT", "nosuch", "i"))
		// Hashes.
		r.c(rdb.HSet(ctx, "h", "f", "1"))
		r.c(rdb.Do(ctx, "HINCRBYFLOAT", "h", "f", "nan"))
		r.c(rdb.Do(ctx, "HINCRBY", "h", "f", "9223372036854775807"))
		r.c(rdb.Do(ctx, "HSET", "h", "a"))
		r.c(rdb.HStrLen(ctx, "h", "nosuch"))
		r.c(rdb.Do(ctx, "HRANDFIELD", "h", "-9223372036854775808"))
		r.c(rdb.Do(ctx, "HRANDFIELD", "h", "1", "WITHVALUE"))
		// Lists.
		r.c(rdb.LInsertBefore(ctx, "nosuch", "a", "b"))
		r.c(rdb.LSet(ctx, "nosuch", 0, "x"))
		r.c(rdb.RPush(ctx, "l", "a", "b", "c"))
		r.c(rdb.LPos(ctx, "l", "c", redis.LPosArgs{MaxLen: 0}))
		r.c(rdb.Do(ctx, "LPOS", "l", "c", "RANK", "-9223372036854775808"))
		r.c(rdb.Do(ctx, "LPOS", "l", "c", "MAXLEN", "-1"))
		r.c(rdb.LPopCount(ctx, "l", 0))
		r.c(rdb.Do(ctx, "LPOP", "l", "-1"))
		r.c(rdb.Do(ctx, "LMPOP", "1", "l", "LEFT", "COUNT", "-1"))
		r.c(rdb.Do(ctx, "LMPOP", "0", "l", "LEFT"))
		r.c(rdb.LTrim(ctx, "l", 5, 10))
		r.c(rdb.Exists(ctx, "l"))
		var big []any
		for i := 0; i < 1000; i++ {
			if i%97 == 0 {
				big = append(big, strings.Repeat("w", 200+i))
			} else {
				big = append(big, i%10)
			}
		}
		r.c(rdb.RPush(ctx, "ql", big...))
		r.c(rdb.ObjectEncoding(ctx, "ql"))
		r.c(rdb.LInsertAfter(ctx, "ql", "5", "after5"))
		r.c(rdb.LSet(ctx, "ql", 500, "mid"))
		r.c(rdb.LSet(ctx, "ql", -1, "last"))
		r.c(rdb.LRem(ctx, "ql", 3, "7"))
		r.c(rdb.LRem(ctx, "ql", -2, "8"))
		r.c(rdb.LRem(ctx, "ql", 0, "9"))
		r.c(rdb.LPosCount(ctx, "ql", "1", 0, redis.LPosArgs{Rank: -3}))
		r.c(rdb.LTrim(ctx, "ql", 100, -100))
		r.c(rdb.LLen(ctx, "ql"))
		r.c(rdb.LRange(ctx, "ql", 390, 410))
		r.c(rdb.LRange(ctx, "ql", -5, -1))
		r.c(rdb.LIndex(ctx, "ql", 300))
		// Sets.
		r.c(rdb.SAdd(ctx, "is", 1, 2, 3))
		r.c(rdb.SIsMember(ctx, "is", "01"))
		r.c(rdb.SIsMember(ctx, "is", "1"))
		r.c(rdb.SAdd(ctx, "is", "-9223372036854775808", "9223372036854775807"))
		r.c(rdb.SMIsMember(ctx, "is", "-9223372036854775808", "9223372036854775808"))
		r.c(rdb.SPopN(ctx, "is", 0))
		r.c(rdb.SInterStore(ctx, "emptydst", "is", "nosuch"))
		r.c(rdb.Exists(ctx, "emptydst"))
		r.sorted(rdb.SDiff(ctx, "nosuch", "is"))
		r.c(rdb.Do(ctx, "SINTERCARD", "1", "is", "LIMIT", "-1"))
		r.c(rdb.Do(ctx, "SINTERCARD", "0", "is"))
		r.c(rdb.Do(ctx, "SINTERCARD", "2", "is"))
		r.c(rdb.SMove(ctx, "is", "h", "1"))
		// Sorted sets: score formatting and errors.
		r.c(rdb.ZAdd(ctx, "zf", grZ(0.1, "a", 1e-7, "b", 1e21, "c", -0.0, "d", 3.0e15, "e", 123456789.125, "f", 1.0/3, "g")...))
		r.c(rdb.ZRangeWithScores(ctx, "zf", 0, -1))
		r.c(rdb.ZScore(ctx, "zf", "g"))
		r.c(rdb.ZMScore(ctx, "zf", "a", "c"))
		r.c(rdb.ZIncrBy(ctx, "zf", 0.2, "a"))
		r.c(rdb.Do(ctx, "ZADD", "zf", "1e400", "x"))
		r.c(rdb.Do(ctx, "ZADD", "zf", "+inf", "pinf", "-inf", "ninf"))
		r.c(rdb.Do(ctx, "ZINCRBY", "zf", "-inf", "pinf"))
		r.c(rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "zf", Start: "(1", Stop: "(1", ByScore: true}))
		r.c(rdb.ZCount(ctx, "zf", "(0.1", "(0.1"))
		r.c(rdb.ZCount(ctx, "zf", "-inf", "+inf"))
		r.c(rdb.Do(ctx, "ZRANGEBYLEX", "zf", "a", "b"))
		r.c(rdb.Do(ctx, "ZRANGEBYSCORE", "zf", "(a", "1"))
		r.c(rdb.Do(ctx, "ZRANGE", "zf", "0", "-1", "BYSCORE", "LIMIT", "0"))
		r.c(rdb.Do(ctx, "ZRANGE", "zf", "0", "-1", "LIMIT", "0", "1"))
		r.c(rdb.Do(ctx, "ZRANGESTORE", "dst", "zf", "[a", "[z", "BYLEX", "REV"))
		r.c(rdb.ZAdd(ctx, "zl", grZ(0.0, "alpha", 0.0, "beta", 0.0, "gamma", 0.0, "delta")...))
		r.c(rdb.ZRangeStore(ctx, "zls", redis.ZRangeArgs{Key: "zl", Start: "[z", Stop: "-", ByLex: true, Rev: true, Offset: 1, Count: 2}))
		r.c(rdb.ZRange(ctx, "zls", 0, -1))
		r.c(rdb.ZUnionStore(ctx, "zw", &redis.ZStore{Keys: []string{"zf", "zl"}, Weights: []float64{0, 1}}))
		r.c(rdb.ZRangeWithScores(ctx, "zw", 0, -1))
		r.c(rdb.Do(ctx, "ZUNIONSTORE", "zw", "2", "zf", "zl", "WEIGHTS", "1"))
		r.c(rdb.Do(ctx, "ZUNIONSTORE", "zw", "0", "zf"))
		r.c(rdb.Do(ctx, "ZINTER", "2", "zf", "is", "WITHSCORES"))
		r.c(rdb.Do(ctx, "ZADD", "zf", "XX", "NX", "1", "a"))
		for i := 0; i < 300; i++ {
			rdb.ZAdd(ctx, "zs", redis.Z{Score: float64(i % 50), Member: fmt.Sprintf("m%03d", i)})
		}
		r.c(rdb.ObjectEncoding(ctx, "zs"))
		r.c(rdb.ZRank(ctx, "zs", "m150"))
		r.c(rdb.ZRevRank(ctx, "zs", "m150"))
		r.c(rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "zs", Start: 40, Stop: "(42", ByScore: true, Rev: false, Offset: 3, Count: 4}))
		r.c(rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "zs", Start: 42, Stop: 40, ByScore: true, Rev: true, Offset: 1, Count: 5}))
		r.c(rdb.ZRemRangeByRank(ctx, "zs", 10, 20))
		r.c(rdb.ZRemRangeByScore(ctx, "zs", "(45", "+inf"))
		r.c(rdb.ZPopMax(ctx, "zs", 3))
		r.c(rdb.ZCard(ctx, "zs"))
		r.c(rdb.ZRangeWithScores(ctx, "zs", -3, -1))
		// Bitmaps.
		r.c(rdb.Set(ctx, "ones", "\xff\xff\xff", 0))
		r.c(rdb.BitPos(ctx, "ones", 0))
		r.c(rdb.BitPos(ctx, "ones", 0, 0, -1))
		r.c(rdb.BitPos(ctx, "ones", 0, 1))
		r.c(rdb.BitCount(ctx, "ones", &redis.BitCount{Start: -2, End: -1}))
		r.c(rdb.BitCount(ctx, "ones", &redis.BitCount{Start: -100, End: 100}))
		r.c(rdb.BitCount(ctx, "ones", &redis.BitCount{Start: 2, End: 1}))
		r.c(rdb.BitField(ctx, "bw", "OVERFLOW", "WRAP", "INCRBY", "i8", 0, 200, "INCRBY", "u63", 8, -1, "SET", "i64", 100, "-9223372036854775808", "GET", "i64", 100))
		r.c(rdb.Do(ctx, "BITFIELD", "bw", "GET", "u64", "0"))
		r.c(rdb.Do(ctx, "BITFIELD", "bw", "GET", "i65", "0"))
		r.c(rdb.Do(ctx, "BITFIELD", "bw", "SET", "u8", "-1", "1"))
		r.c(rdb.Do(ctx, "BITFIELD", "bw", "OVERFLOW", "NOPE"))
		r.c(rdb.Do(ctx, "BITOP", "NOT", "d", "ones", "ones"))
		r.c(rdb.Do(ctx, "SETBIT", "b", "4294967296", "1"))
		r.c(rdb.GetBit(ctx, "i", 2))
		r.c(rdb.BitCount(ctx, "i", nil))
		// HyperLogLog: sparse and dense representations byte for byte.
		for i := 0; i < 3000; i++ {
			rdb.PFAdd(ctx, "hll", "el"+strconv.Itoa(i))
		}
		r.c(rdb.Get(ctx, "hll"))
		r.c(rdb.PFAdd(ctx, "hs", "a", "b", "c", "d"))
		r.c(rdb.Get(ctx, "hs"))
		r.c(rdb.PFMerge(ctx, "hm", "hs", "hll"))
		r.c(rdb.Get(ctx, "hm"))
		r.c(rdb.PFCount(ctx, "hm", "hs"))
	}},
	{"command", func(ctx context.Context, rdb *redis.Client, r *grRec) {
		cmds, err := rdb.Command(ctx).Result()
		r.v("command err", err)
		// The key positions cluster clients route by, for commands both
		// servers have and whose spec Redis 7.2 left as 7.0 had it.
		for _, name := range []string{"get", "set", "mget", "mset", "del", "rename", "copy", "hset", "lpush", "blpop", "lmove", "sadd", "sunionstore",
			"zadd", "zunionstore", "zrangestore", "setbit", "bitop", "pfmerge", "pfcount", "incr", "expire", "sort", "object", "memory"} {
			ci := cmds[name]
			if ci == nil {
				r.v(name, "missing")
				continue
			}
			r.v(name, fmt.Sprint(ci.Arity, ci.FirstKeyPos, ci.LastKeyPos, ci.StepCount, ci.ReadOnly))
		}
	}},
}

// grDial opens a go-redis client with bounded timeouts and no retries.
func grDial(addr string, protocol, db int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Protocol: protocol, DB: db, MaxRetries: -1,
		DialTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, PoolSize: 4})
}

// runGRScenario runs one scenario on a flushed server and returns its lines.
func runGRScenario(t *testing.T, addr string, protocol int, s grScenario) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rdb := grDial(addr, protocol, 0)
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatalf("FLUSHALL: %v", err)
	}
	r := &grRec{}
	s.run(ctx, rdb, r)
	return r.lines
}

func TestGoRedisDiff(t *testing.T) {
	redisBin := redisServerPath(t)
	ref := startRedis(t, redisBin)
	want := map[string][]string{}
	for _, protocol := range []int{2, 3} {
		for _, s := range grScenarios {
			want[s.name+strconv.Itoa(protocol)] = runGRScenario(t, ref.addr(), protocol, s)
		}
	}
	total := 0
	for _, s := range grScenarios {
		total += len(want[s.name+"2"])
	}
	t.Logf("%d scenarios, %d recorded go-redis results per protocol", len(grScenarios), total)
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend, "--proactor_threads", "2")
		for _, protocol := range []int{2, 3} {
			for _, s := range grScenarios {
				t.Run(s.name+"/RESP"+strconv.Itoa(protocol), func(t *testing.T) {
					got := runGRScenario(t, p.addr(), protocol, s)
					exp := want[s.name+strconv.Itoa(protocol)]
					bad := 0
					for i := 0; i < len(exp) || i < len(got); i++ {
						var e, g string
						if i < len(exp) {
							e = exp[i]
						}
						if i < len(got) {
							g = got[i]
						}
						if e != g {
							if bad++; bad <= 20 {
								t.Errorf("#%d\n redis:  %s\n darner: %s", i, e, g)
							}
						}
					}
					if bad > 20 {
						t.Errorf("... %d mismatches in all", bad)
					}
				})
			}
		}
	})
}

// TestGoRedisClient covers what is checked against darner alone.
func TestGoRedisClient(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend, "--proactor_threads", "2")
		for _, protocol := range []int{2, 3} {
			t.Run("RESP"+strconv.Itoa(protocol), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				rdb := grDial(p.addr(), protocol, 0)
				defer rdb.Close()
				if err := rdb.FlushAll(ctx).Err(); err != nil {
					t.Fatal(err)
				}
				grInfoAndClients(t, ctx, rdb)
				grSelectDB(t, ctx, p.addr(), protocol)
				grBlockingPop(t, ctx, p.addr(), protocol)
				grWatchContention(t, ctx, p.addr(), protocol)
				grSortAcrossShards(t, ctx, rdb)
			})
		}
	})
}

func grInfoAndClients(t *testing.T, ctx context.Context, client *redis.Client) {
	rdb := client.Conn()
	defer rdb.Close()
	rdb.Set(ctx, "k", "v", 0)
	info, err := rdb.InfoMap(ctx).Result()
	if err != nil {
		t.Fatalf("InfoMap: %v", err)
	}
	for _, sec := range []string{"Server", "Clients", "Memory", "Stats", "Keyspace"} {
		if len(info[sec]) == 0 {
			t.Errorf("INFO lacks section %s: %v", sec, info)
		}
	}
	if v := info["Server"]["redis_version"]; v == "" {
		t.Errorf("INFO server redis_version = %q", v)
	}
	if v := info["Keyspace"]["db0"]; !strings.HasPrefix(v, "keys=1,") {
		t.Errorf("INFO keyspace db0 = %q", v)
	}
	id, err := rdb.ClientID(ctx).Result()
	if err != nil || id <= 0 {
		t.Errorf("CLIENT ID = %d, %v", id, err)
	}
	if err := rdb.ClientSetName(ctx, "gr-client").Err(); err != nil {
		t.Errorf("CLIENT SETNAME: %v", err)
	}
	list, err := rdb.ClientList(ctx).Result()
	if err != nil || !strings.Contains(list, "id="+strconv.FormatInt(id, 10)+" ") || !strings.Contains(list, " name=gr-client ") {
		t.Errorf("CLIENT LIST = %q, %v (id %d)", list, err, id)
	}
	ci, err := rdb.ClientInfo(ctx).Result()
	if err != nil || ci.ID != id || ci.Name != "gr-client" {
		t.Errorf("CLIENT INFO = %+v, %v", ci, err)
	}
	tm, err := rdb.Time(ctx).Result()
	if err != nil || time.Since(tm).Abs() > time.Minute {
		t.Errorf("TIME = %v, %v", tm, err)
	}
	if n, err := rdb.MemoryUsage(ctx, "k").Result(); err != nil || n <= 0 || n > 1000 {
		t.Errorf("MEMORY USAGE k = %d, %v", n, err)
	}
	if err := rdb.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Get(ctx, "k")
	logs, err := rdb.SlowLogGet(ctx, 5).Result()
	rdb.ConfigSet(ctx, "slowlog-log-slower-than", "10000")
	if err != nil || len(logs) == 0 || len(logs[0].Args) == 0 {
		t.Errorf("SLOWLOG GET = %+v, %v", logs, err)
	}
	// (Redis also records the client's address and name; darner's entries
	// leave both empty: the shard that logs does not know the connection.)
	for _, l := range logs {
		if l.Time.IsZero() || l.ID < 0 {
			t.Errorf("slowlog entry %+v", l)
		}
	}
}

// grSortAcrossShards repeats SORT with BY and GET patterns naming keys on
// both shards: its lookup phases run on the shards in parallel and once
// lost each other's values (a read-modify-write of shared slots).
func grSortAcrossShards(t *testing.T, ctx context.Context, rdb *redis.Client) {
	rdb.Del(ctx, "sl")
	rdb.RPush(ctx, "sl", "3", "1", "2", "5", "4")
	for i := 1; i <= 5; i++ {
		rdb.Set(ctx, "w_"+strconv.Itoa(i), 10-i, 0)
		rdb.Set(ctx, "g_"+strconv.Itoa(i), "v"+strconv.Itoa(i), 0)
	}
	for i := 0; i < 200; i++ {
		got, err := rdb.Sort(ctx, "sl", &redis.Sort{By: "w_*", Get: []string{"#", "g_*"}}).Result()
		if want := "[5 v5 4 v4 3 v3 2 v2 1 v1]"; err != nil || fmt.Sprint(got) != want {
			t.Fatalf("SORT BY w_* GET # GET g_* (run %d) = %v, %v; want %s", i, got, err, want)
		}
	}
}

// grSelectDB checks Options.DB (SELECT on every new pooled connection).
func grSelectDB(t *testing.T, ctx context.Context, addr string, protocol int) {
	db3 := grDial(addr, protocol, 3)
	defer db3.Close()
	db0 := grDial(addr, protocol, 0)
	defer db0.Close()
	db3.FlushDB(ctx)
	if err := db3.Set(ctx, "only3", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n := db0.Exists(ctx, "only3").Val(); n != 0 {
		t.Errorf("key set in db 3 visible in db 0")
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ { // more goroutines than pool connections
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := db3.Get(ctx, "only3").Result(); v != "x" {
				t.Errorf("db 3 GET = %q, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if n := db3.DBSize(ctx).Val(); n != 1 {
		t.Errorf("db 3 DBSIZE = %d", n)
	}
}

// grBlockingPop runs BLPOP/BZPOPMIN/BLMPOP with timeouts and a pusher.
func grBlockingPop(t *testing.T, ctx context.Context, addr string, protocol int) {
	rdb := grDial(addr, protocol, 0)
	defer rdb.Close()
	pusher := grDial(addr, protocol, 0)
	defer pusher.Close()
	start := time.Now()
	if err := rdb.Do(ctx, "BLPOP", "bq1", "bq2", "0.2").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("BLPOP timeout = %v", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("BLPOP 0.2 timed out after %v", d)
	}
	if err := rdb.BLPop(ctx, time.Second, "bq1", "bq2").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("BLPOP 1s timeout = %v", err)
	}
	for _, key := range []string{"bq1", "bq2"} { // keys on both shards
		go func() {
			time.Sleep(50 * time.Millisecond)
			pusher.RPush(ctx, key, "a")
		}()
		got, err := rdb.BLPop(ctx, 5*time.Second, "bq1", "bq2").Result()
		if err != nil || len(got) != 2 || got[0] != key || got[1] != "a" {
			t.Errorf("BLPOP woken by RPUSH %s = %v, %v", key, got, err)
		}
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		pusher.ZAdd(ctx, "bz", redis.Z{Score: 2, Member: "two"}, redis.Z{Score: 1, Member: "one"})
	}()
	z, err := rdb.BZPopMin(ctx, 5*time.Second, "bzx", "bz").Result()
	if err != nil || z.Key != "bz" || z.Member != "one" || z.Score != 1 {
		t.Errorf("BZPOPMIN = %+v, %v", z, err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		pusher.LPush(ctx, "bm", "x", "y", "z")
	}()
	k, vals, err := rdb.BLMPop(ctx, 5*time.Second, "right", 2, "bmx", "bm").Result()
	if err != nil || k != "bm" || fmt.Sprint(vals) != "[x y]" {
		t.Errorf("BLMPOP = %q %v, %v", k, vals, err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		pusher.RPush(ctx, "bsrc", "moved")
	}()
	if v, err := rdb.BLMove(ctx, "bsrc", "bdst", "LEFT", "RIGHT", 5*time.Second).Result(); v != "moved" || err != nil {
		t.Errorf("BLMOVE = %q, %v", v, err)
	}
	if v := rdb.LRange(ctx, "bdst", 0, -1).Val(); fmt.Sprint(v) != "[moved]" {
		t.Errorf("BLMOVE dst = %v", v)
	}
}

// grWatchContention increments counters on both shards from several
// goroutines, each with WATCH and an optimistic retry loop; no increment
// may be lost.
func grWatchContention(t *testing.T, ctx context.Context, addr string, protocol int) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: protocol, PoolSize: 8, ReadTimeout: 5 * time.Second})
	defer rdb.Close()
	rdb.Del(ctx, "wc:a", "wc:b")
	const workers, incs = 6, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	retries := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < incs; i++ {
				for attempt := 0; ; attempt++ {
					if attempt > 500 {
						t.Errorf("WATCH retry loop did not converge")
						return
					}
					err := rdb.Watch(ctx, func(tx *redis.Tx) error {
						a, err := tx.Get(ctx, "wc:a").Int()
						if err != nil && !errors.Is(err, redis.Nil) {
							return err
						}
						b, err := tx.Get(ctx, "wc:b").Int()
						if err != nil && !errors.Is(err, redis.Nil) {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "wc:a", a+1, 0)
							p.Set(ctx, "wc:b", b+2, 0)
							return nil
						})
						return err
					}, "wc:a", "wc:b")
					if err == nil {
						break
					}
					if !errors.Is(err, redis.TxFailedErr) {
						t.Errorf("WATCH: %v", err)
						return
					}
					mu.Lock()
					retries++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	a, _ := rdb.Get(ctx, "wc:a").Int()
	b, _ := rdb.Get(ctx, "wc:b").Int()
	if a != workers*incs || b != 2*workers*incs {
		t.Errorf("after %d watched increments: a=%d b=%d (retries %d)", workers*incs, a, b, retries)
	}
	t.Logf("WATCH contention: %d increments, %d retries", workers*incs, retries)
}

// grRandomOps generates a seeded sequence of commands with deterministic
// replies over a few keys of every type (so that types collide and
// collections cross their encoding thresholds), for TestGoRedisRandomDiff.
//
// With big, keys are per family (two of each, so multi-key commands meet
// their own type) and elements come from a wider range, so that
// collections grow past their listpack/intset limits and convert.
func grRandomOps(seed int64, n int, big bool) [][]any {
	rng := rand.New(rand.NewSource(seed))
	keys := []string{"ka", "kb", "kc", "kd", "ke", "kf", "kg", "kh"}
	fam := ""
	key := func() string {
		if big {
			return fam + strconv.Itoa(rng.Intn(2))
		}
		return keys[rng.Intn(len(keys))]
	}
	elem := func() string {
		if big && rng.Intn(4) > 0 {
			return "e" + strconv.Itoa(rng.Intn(400))
		}
		switch rng.Intn(10) {
		case 0:
			return strings.Repeat("L", 60+rng.Intn(10)) // crosses the 64-byte listpack value limit
		case 1, 2, 3:
			return strconv.Itoa(rng.Intn(700) - 50) // integers: intsets, int encodings
		default:
			return string(rune('a' + rng.Intn(26)))
		}
	}
	num := func() string { return strconv.Itoa(rng.Intn(21) - 10) }
	score := func() string {
		switch rng.Intn(8) {
		case 0:
			return "-inf"
		case 1:
			return "+inf"
		case 2:
			return strconv.FormatFloat(rng.Float64()*10, 'g', -1, 64)
		}
		return strconv.Itoa(rng.Intn(20))
	}
	var ops [][]any
	for len(ops) < n {
		c := rng.Intn(60)
		switch {
		case c < 8 || c == 55 || c == 56 || c == 57:
			fam = "str"
		case c < 20:
			fam = "list"
		case c < 28:
			fam = "hash"
		case c < 36:
			fam = "set"
		case c < 50:
			fam = "zset"
		default:
			fam = []string{"str", "list", "hash", "set", "zset"}[rng.Intn(5)]
		}
		k := key()
		var op []any
		switch c {
		case 0:
			op = []any{"SET", k, elem()}
		case 1:
			op = []any{"GET", k}
		case 2:
			op = []any{"APPEND", k, elem()}
		case 3:
			op = []any{"INCRBY", k, num()}
		case 4:
			op = []any{"GETRANGE", k, num(), num()}
		case 5:
			op = []any{"SETRANGE", k, strconv.Itoa(rng.Intn(10)), elem()}
		case 6:
			op = []any{"STRLEN", k}
		case 7:
			op = []any{"GETDEL", k}
		case 8, 9:
			op = []any{"RPUSH", k, elem(), elem(), elem()}
		case 10:
			op = []any{"LPUSH", k, elem()}
		case 11:
			op = []any{"LPOP", k, strconv.Itoa(rng.Intn(3))}
		case 12:
			op = []any{"RPOP", k}
		case 13:
			op = []any{"LRANGE", k, num(), num()}
		case 14:
			op = []any{"LINSERT", k, []string{"BEFORE", "AFTER"}[rng.Intn(2)], elem(), elem()}
		case 15:
			op = []any{"LREM", k, num(), elem()}
		case 16:
			op = []any{"LSET", k, num(), elem()}
		case 17:
			op = []any{"LTRIM", k, num(), num()}
		case 18:
			op = []any{"LPOS", k, elem(), "RANK", []string{"1", "-1", "2"}[rng.Intn(3)], "COUNT", strconv.Itoa(rng.Intn(3))}
		case 19:
			op = []any{"LMOVE", k, key(), []string{"LEFT", "RIGHT"}[rng.Intn(2)], []string{"LEFT", "RIGHT"}[rng.Intn(2)]}
		case 20, 21:
			op = []any{"HSET", k, elem(), elem(), elem(), elem()}
		case 22:
			op = []any{"HDEL", k, elem(), elem()}
		case 23:
			op = []any{"HGET", k, elem()}
		case 24:
			op = []any{"HLEN", k}
		case 25:
			op = []any{"HINCRBY", k, elem(), num()}
		case 26:
			op = []any{"HMGET", k, elem(), elem()}
		case 27:
			op = []any{"HSTRLEN", k, elem()}
		case 28, 29:
			op = []any{"SADD", k, elem(), elem(), elem()}
		case 30:
			op = []any{"SREM", k, elem(), elem()}
		case 31:
			op = []any{"SCARD", k}
		case 32:
			op = []any{"SMISMEMBER", k, elem(), elem()}
		case 33:
			op = []any{"SMOVE", k, key(), elem()}
		case 34:
			op = []any{"SINTERCARD", "2", k, key()}
		case 35:
			op = []any{[]string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}[rng.Intn(3)], key(), k, key()}
		case 36, 37:
			op = []any{"ZADD", k, score(), elem(), score(), elem()}
		case 38:
			op = []any{"ZADD", k, []string{"GT", "LT", "NX", "XX"}[rng.Intn(4)], "CH", score(), elem()}
		case 39:
			op = []any{"ZREM", k, elem()}
		case 40:
			op = []any{"ZINCRBY", k, score(), elem()}
		case 41:
			op = []any{"ZRANGE", k, num(), num(), "WITHSCORES"}
		case 42:
			op = []any{"ZRANGE", k, "(" + strconv.Itoa(rng.Intn(10)), "+inf", "BYSCORE", "LIMIT", strconv.Itoa(rng.Intn(3)), strconv.Itoa(rng.Intn(4) - 1)}
		case 43:
			op = []any{"ZRANK", k, elem()}
		case 44:
			op = []any{"ZCOUNT", k, score(), score()}
		case 45:
			op = []any{"ZPOPMIN", k, strconv.Itoa(rng.Intn(3))}
		case 46:
			op = []any{[]string{"ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"}[rng.Intn(3)], key(), "2", k, key()}
		case 47:
			op = []any{"ZRANGESTORE", key(), k, "0", num()}
		case 48:
			op = []any{"ZREMRANGEBYSCORE", k, score(), score()}
		case 49:
			op = []any{"ZSCORE", k, elem()}
		case 50:
			op = []any{"DEL", k, key()}
		case 51:
			op = []any{"EXISTS", k, key(), key()}
		case 52:
			op = []any{"TYPE", k}
		case 53:
			op = []any{"RENAME", k, key()}
		case 54:
			op = []any{"COPY", k, key(), "REPLACE"}
		case 55:
			op = []any{"SETBIT", k, strconv.Itoa(rng.Intn(64)), strconv.Itoa(rng.Intn(2))}
		case 56:
			op = []any{"BITCOUNT", k, num(), num()}
		case 57:
			op = []any{"BITPOS", k, strconv.Itoa(rng.Intn(2)), num()}
		case 58:
			op = []any{"OBJECT", "ENCODING", k}
		case 59:
			// (Not SORT: Redis converts a listpack zset it sorts to a
			// skiplist for good; see keys_sort_encoding_pending.txt.)
			op = []any{"LLEN", k}
		}
		if big {
			// Grow faster than the removals shrink.
			switch op[0] {
			case "RPUSH", "SADD":
				for i := 0; i < 6; i++ {
					op = append(op, elem())
				}
			case "HSET":
				for i := 0; i < 6; i++ {
					op = append(op, elem(), elem())
				}
			case "ZADD":
				if len(op) == 6 {
					for i := 0; i < 6; i++ {
						op = append(op, score(), elem())
					}
				}
			}
		}
		ops = append(ops, op)
	}
	return ops
}

// TestGoRedisRandomDiff runs seeded random command sequences (deterministic
// replies only) through go-redis against redis-server and darner (2
// shards), in RESP2 and RESP3, and compares every typed result.
func TestGoRedisRandomDiff(t *testing.T) {
	ref := startRedis(t, redisServerPath(t))
	seeds, perSeed := int64(3), 1500
	if n, err := strconv.Atoi(os.Getenv("DARNER_GR_SEEDS")); err == nil && n > 0 {
		seeds = int64(n) // a longer hunt by hand
	}
	run := func(t *testing.T, addr string, protocol int, seed int64) []string {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		rdb := grDial(addr, protocol, 0)
		defer rdb.Close()
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, op := range grRandomOps(seed, perSeed, seed%2 == 0) {
			cmd := rdb.Do(ctx, op...)
			s := cmd.String()
			if op[0] == "OBJECT" {
				// Small lists and non-integer sets: listpack since 7.2
				// (darner), quicklist/hashtable in the 7.0 reference;
				// strings edited in place: see strings_encoding_pending.txt.
				s = strings.NewReplacer(": quicklist", ": listpack", ": hashtable", ": listpack", ": raw", ": embstr").Replace(s)
			}
			out = append(out, s)
		}
		return out
	}
	want := map[string][]string{}
	for _, protocol := range []int{2, 3} {
		for seed := int64(1); seed <= seeds; seed++ {
			want[fmt.Sprint(protocol, seed)] = run(t, ref.addr(), protocol, seed)
		}
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend, "--proactor_threads", "2")
		for _, protocol := range []int{2, 3} {
			for seed := int64(1); seed <= seeds; seed++ {
				got := run(t, p.addr(), protocol, seed)
				exp := want[fmt.Sprint(protocol, seed)]
				for i := range exp {
					if i >= len(got) || got[i] != exp[i] {
						var g string
						if i < len(got) {
							g = got[i]
						}
						t.Errorf("RESP%d seed %d op %d:\n redis:  %s\n darner: %s", protocol, seed, i, exp[i], g)
						break // later results follow from the diverged state
					}
				}
			}
		}
	})
}
