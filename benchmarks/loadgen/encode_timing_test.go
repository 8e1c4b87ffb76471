package loadgen

import (
	"math/rand/v2"
	"testing"
)

// The load generator must cost the client as little as possible, or it
// saturates before the server: building a request allocates nothing.
func TestAppendOpDoesNotAllocate(t *testing.T) {
	ops := []Op{}
	for _, s := range []string{"SET {key:key::100000} {data}", "GET {key:key::100000}",
		"ZADD {key:zset::1000} {rand::1000000} {rand:m:1000}", "set {key:key::100000} {data}"} {
		op, err := ParseOp(1, s)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, proto := range []Protocol{RESP, Memcache} {
		enc := encoder{proto: proto, style: KeyPadded, value: Value(1024)}
		buf := make([]byte, 0, 64<<10)
		for i := range ops {
			buf = enc.appendOp(buf[:0], &ops[i], r) // warm the scratch buffers
			if n := testing.AllocsPerRun(1000, func() { buf = enc.appendOp(buf[:0], &ops[i], r) }); n != 0 {
				t.Errorf("%s %s: %v allocations per request", proto, ops[i].Name(), n)
			}
		}
	}
}

func BenchmarkAppendOpGetSet(b *testing.B) {
	set, _ := ParseOp(1, "SET {key:key::100000} {data}")
	get, _ := ParseOp(10, "GET {key:key::100000}")
	ops := []Op{set, get}
	p := newPicker(ops)
	r := rand.New(rand.NewPCG(1, 2))
	enc := encoder{proto: RESP, style: KeyPadded, value: Value(32)}
	buf := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%16 == 0 {
			buf = buf[:0]
		}
		buf = enc.appendOp(buf, &ops[p.pick(r)], r)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]uint64, 1024)
	for i := range vals {
		vals[i] = 20000 + r.Uint64N(2000000)
	}
	for i := 0; b.Loop(); i++ {
		h.Record(vals[i&1023])
	}
}
