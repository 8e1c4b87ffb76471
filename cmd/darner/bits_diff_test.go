package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// Differential tests of the bitmap and HyperLogLog families that need more
// arguments or more cases than a script holds: the same commands go to a
// real redis-server and to darner, and the raw replies must be equal.

// diffPair is one connection to redis-server and one to darner.
type diffPair struct {
	t       *testing.T
	redis   *respConn
	darner  *respConn
	checked int
	history []string // the last commands, shown on a mismatch
}

func newDiffPair(t *testing.T, shards int) *diffPair {
	t.Helper()
	r := startRedis(t, redisServerPath(t))
	d := startDarner(t, backends()[0], "--proactor_threads", strconv.Itoa(shards))
	rc, err := dialRESP(r.addr())
	if err != nil {
		t.Fatal(err)
	}
	dc, err := dialRESP(d.addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.close(); dc.close() })
	return &diffPair{t: t, redis: rc, darner: dc}
}

// do sends args to both servers and fails the test when the replies
// differ; it returns Redis's raw reply.
func (p *diffPair) do(args ...string) []byte {
	p.t.Helper()
	p.history = append(p.history, fmt.Sprintf("%q", clipArgs(args)))
	if len(p.history) > 6 {
		p.history = p.history[1:]
	}
	want, err := p.redis.do(args)
	if err != nil {
		p.t.Fatalf("redis %q: %v", clipArgs(args), err)
	}
	got, err := p.darner.do(args)
	if err != nil {
		p.t.Fatalf("darner %q: %v", clipArgs(args), err)
	}
	if !bytes.Equal(want.raw, got.raw) {
		p.t.Fatalf("%q:\n redis:  %s\n darner: %s\n after: %s", clipArgs(args), clip(want.raw), clip(got.raw), strings.Join(p.history, "\n  "))
	}
	p.checked++
	return want.raw
}

func clipArgs(args []string) []string {
	if len(args) > 8 {
		return append(args[:8:8], fmt.Sprintf("... (%d args)", len(args)))
	}
	return args
}

// TestDiffRedisHLLLarge adds 10, 1000 and 100000 elements (in batches of
// 1000 per PFADD) on both servers and compares every PFADD reply, the
// PFCOUNT results and the HLLs' bytes (sparse, promoted, dense), then the
// union and merge of the three.
func TestDiffRedisHLLLarge(t *testing.T) {
	p := newDiffPair(t, 1)
	sizes := []int{10, 1000, 100000}
	for _, n := range sizes {
		key := "hll:" + strconv.Itoa(n)
		for i := 0; i < n; {
			args := []string{"PFADD", key}
			for j := 0; j < 1000 && i < n; j++ {
				args = append(args, "elem-"+strconv.Itoa(i))
				i++
			}
			p.do(args...)
		}
		p.do("GET", key)
		p.do("PFCOUNT", key)
		p.do("GET", key)
		p.do("PFCOUNT", key)
	}
	p.do("PFCOUNT", "hll:10", "hll:1000", "hll:100000")
	p.do("PFMERGE", "hll:m", "hll:10", "hll:1000")
	p.do("GET", "hll:m")
	p.do("PFMERGE", "hll:m", "hll:100000")
	p.do("GET", "hll:m")
	p.do("PFCOUNT", "hll:m")
	// Dense bytes SET back into a key keep working on both servers.
	dense := p.do("GET", "hll:100000")
	body := dense[bytes.IndexByte(dense, '\n')+1 : len(dense)-2]
	p.do("SET", "hll:copy", string(body))
	p.do("PFADD", "hll:copy", "one-more", "and-another")
	p.do("PFCOUNT", "hll:copy")
	p.do("GET", "hll:copy")
	t.Logf("%d replies compared", p.checked)
}

// TestDiffRedisHLLRandom sends seeded random HLL values (valid prefixes,
// corrupt opcode soups, truncated and oversized sparse forms) through
// PFADD, PFCOUNT and PFMERGE on both servers, comparing replies and bytes.
func TestDiffRedisHLLRandom(t *testing.T) {
	p := newDiffPair(t, 1)
	rng := rand.New(rand.NewSource(11))
	for it := 0; it < 400; it++ {
		var body []byte
		switch it % 4 {
		case 0: // a real HLL with a few opcodes flipped
			p.do("DEL", "src")
			args := []string{"PFADD", "src"}
			for j := rng.Intn(600); j > 0; j-- {
				args = append(args, strconv.Itoa(rng.Int()))
			}
			p.do(args...)
			raw := p.do("GET", "src")
			body = append([]byte(nil), raw[bytes.IndexByte(raw, '\n')+1+16:len(raw)-2]...)
			for k := rng.Intn(3); k > 0 && len(body) > 0; k-- {
				body[rng.Intn(len(body))] = byte(rng.Intn(256))
			}
		default:
			n := rng.Intn(40)
			if rng.Intn(10) == 0 {
				n = rng.Intn(4000)
			}
			body = make([]byte, n)
			for i := range body {
				switch rng.Intn(4) {
				case 0:
					body[i] = byte(rng.Intn(256))
				case 1:
					body[i] = 0x7f
				case 2:
					body[i] = byte(0x80 | rng.Intn(128))
				default:
					body[i] = byte(rng.Intn(64))
				}
			}
		}
		// A sparse form whose last opcode is an XZERO cut after its first
		// byte makes Redis read past the string's end (its terminator, or
		// what an earlier edit left there): complete it so the case is
		// defined.
		for i := 0; i < len(body); {
			if body[i]&0xc0 == 0x40 {
				if i+1 == len(body) {
					body = append(body, byte(rng.Intn(256)))
				}
				i += 2
				continue
			}
			i++
		}
		v := append([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), body...)
		p.do("SET", "k", string(v))
		e := strconv.Itoa(it)
		p.do("PFADD", "k", e, e+"x", e+"yy", e+"zzz")
		p.do("GET", "k")
		p.do("PFCOUNT", "k")
		p.do("GET", "k")
		p.do("PFCOUNT", "k", "k2")
		p.do("PFMERGE", "k2", "k")
		p.do("GET", "k2")
		if it%10 == 0 {
			p.do("DEL", "k2")
		}
	}
	t.Logf("%d replies compared", p.checked)
}

// TestDiffRedisBitmapsRandom runs seeded random SETBIT, BITFIELD, GETBIT,
// BITCOUNT, BITPOS and BITOP commands (ranges in bytes and bits, negative
// indexes, overflow modes) on both servers.
func TestDiffRedisBitmapsRandom(t *testing.T) {
	p := newDiffPair(t, 1)
	rng := rand.New(rand.NewSource(5))
	keys := []string{"b1", "b2", "b3"}
	num := func(lim int) string { return strconv.Itoa(rng.Intn(2*lim+1) - lim) }
	types := []string{"u1", "u3", "u8", "u16", "u31", "u63", "i1", "i4", "i8", "i17", "i32", "i64"}
	for it := 0; it < 3000; it++ {
		k := keys[rng.Intn(len(keys))]
		switch rng.Intn(9) {
		case 0, 1:
			p.do("SETBIT", k, strconv.Itoa(rng.Intn(300)), strconv.Itoa(rng.Intn(2)))
		case 2:
			p.do("GETBIT", k, strconv.Itoa(rng.Intn(320)))
		case 3:
			args := []string{"BITCOUNT", k}
			switch rng.Intn(3) {
			case 1:
				args = append(args, num(45), num(45))
			case 2:
				args = append(args, num(330), num(330), []string{"BIT", "BYTE"}[rng.Intn(2)])
			}
			p.do(args...)
		case 4, 5:
			args := []string{"BITPOS", k, strconv.Itoa(rng.Intn(2))}
			switch rng.Intn(4) {
			case 1:
				args = append(args, num(45))
			case 2:
				args = append(args, num(45), num(45))
			case 3:
				args = append(args, num(330), num(330), []string{"BIT", "BYTE"}[rng.Intn(2)])
			}
			p.do(args...)
		case 6:
			args := []string{"BITFIELD", k}
			for j := rng.Intn(4); j >= 0; j-- {
				ty := types[rng.Intn(len(types))]
				off := strconv.Itoa(rng.Intn(200))
				if rng.Intn(4) == 0 {
					off = "#" + strconv.Itoa(rng.Intn(6))
				}
				switch rng.Intn(4) {
				case 0:
					args = append(args, "GET", ty, off)
				case 1:
					args = append(args, "SET", ty, off, strconv.FormatInt(rng.Int63()-rng.Int63(), 10))
				case 2:
					args = append(args, "INCRBY", ty, off, num(300))
				case 3:
					args = append(args, "OVERFLOW", []string{"WRAP", "SAT", "FAIL"}[rng.Intn(3)])
				}
			}
			p.do(args...)
		case 7:
			op := []string{"AND", "OR", "XOR", "NOT"}[rng.Intn(4)]
			args := []string{"BITOP", op, keys[rng.Intn(len(keys))], k}
			if op != "NOT" {
				args = append(args, keys[rng.Intn(len(keys))])
			}
			p.do(args...)
		case 8:
			p.do("GET", k)
			if rng.Intn(10) == 0 {
				p.do("DEL", k)
			}
		}
	}
	for _, k := range keys {
		p.do("GET", k)
	}
	t.Logf("%d replies compared", p.checked)
}
