package engine

import (
	"strconv"
	"testing"
)

// FuzzHashSetCommands runs byte-driven sequences of hash and set commands
// (hostile counts, cursors, option words and lengths included) on two
// shards with small conversion limits, then checks the objects' tables
// and the DB's accounting.
func FuzzHashSetCommands(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13"))
	f.Add([]byte("\x01\x01\x01\x01\x01\x01\x01\x01\x02\x02\x02\x02\x13\x13\x13\xff\xfe\xfd"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := NewLocal(2)
		defer l.Close()
		l.Do("CONFIG", "SET", "hash-max-listpack-entries", "4")
		l.Do("CONFIG", "SET", "set-max-intset-entries", "5")
		l.Do("CONFIG", "SET", "set-max-listpack-entries", "3")
		l.Do("CONFIG", "SET", "hash-max-listpack-value", "8")
		l.Do("CONFIG", "SET", "set-max-listpack-value", "8")
		words := []string{"a", "b", "k1", "k2", "1", "-1", "0", "7", "-9223372036854775808", "9223372036854775807",
			"abc", "1.5", "inf", "WITHVALUES", "LIMIT", "COUNT", "MATCH", "*", "x*", "", "longer-than-eight", "3", "-3", "18446744073709551615"}
		cmds := [][2]interface{}{
			{"HSET", 4}, {"HDEL", 3}, {"HGET", 3}, {"HGETALL", 2}, {"HINCRBY", 4}, {"HINCRBYFLOAT", 4},
			{"HRANDFIELD", 4}, {"HSCAN", 5}, {"HSETNX", 4}, {"HMGET", 4},
			{"SADD", 4}, {"SREM", 3}, {"SPOP", 3}, {"SRANDMEMBER", 3}, {"SMEMBERS", 2}, {"SINTER", 3},
			{"SUNIONSTORE", 4}, {"SDIFFSTORE", 4}, {"SINTERCARD", 5}, {"SMOVE", 4}, {"SSCAN", 5}, {"SISMEMBER", 3},
		}
		keys := []string{"k1", "k2", "k3", "k4"}
		for i := 0; i+1 < len(data) && i < 400; {
			c := cmds[int(data[i])%len(cmds)]
			n := 1 + int(data[i+1])%c[1].(int)
			i += 2
			args := []string{c[0].(string), keys[int(data[i%len(data)])%len(keys)]}
			for j := 1; j < n && i < len(data); j++ {
				b := data[i]
				i++
				switch {
				case b < 160:
					args = append(args, words[int(b)%len(words)])
				case b < 200:
					args = append(args, keys[int(b)%len(keys)])
				default:
					args = append(args, strconv.Itoa(int(b)-228))
				}
			}
			l.Do(args...)
		}
		hsAccounted(t, l)
		for _, sh := range l.Shards {
			for h := uint32(1); int(h) < len(sh.Objects.objs); h++ {
				var tb *strTable
				switch o := sh.Objects.objs[h].(type) {
				case *hashObject:
					tb = &o.strTable
				case *setObject:
					tb = &o.strTable
				}
				if tb != nil {
					if err := checkStrTable(tb); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	})
}
