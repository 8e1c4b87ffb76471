package proto_test

import (
	"strings"
	"testing"

	"github.com/darnerdb/darner/proto"
)

// Benchmarks of the Memcached parser and writers. Run with
// go test -run '^$' -bench MC -benchmem ./proto/

func benchParse(b *testing.B, req string) {
	b.Helper()
	buf := []byte(req)
	var p proto.MCParser
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		n, c, err := p.Parse(buf)
		if err != nil || c == nil || n != len(buf) {
			b.Fatalf("n=%d err=%v", n, err)
		}
	}
}

func BenchmarkMCParseGet(b *testing.B) { benchParse(b, "get key:000000012345\r\n") }

func BenchmarkMCParseSet100(b *testing.B) {
	benchParse(b, "set key:000000012345 0 0 100\r\n"+strings.Repeat("v", 100)+"\r\n")
}

func BenchmarkMCParseSet4K(b *testing.B) {
	benchParse(b, "set key:000000012345 0 0 4096\r\n"+strings.Repeat("v", 4096)+"\r\n")
}

func BenchmarkMCParseMultiGet100(b *testing.B) {
	benchParse(b, "get"+strings.Repeat(" key:000000012345", 100)+"\r\n")
}

func BenchmarkMCParseMetaGet(b *testing.B) { benchParse(b, "mg key:000000012345 v f t c k O123\r\n") }

func BenchmarkMCParseMetaSet(b *testing.B) {
	benchParse(b, "ms key:000000012345 100 T60 F5 c\r\n"+strings.Repeat("v", 100)+"\r\n")
}

// BenchmarkMCPipeline parses a pipelined batch of 32 set + 32 get (the
// memtier_benchmark 1:1 mix, 32-byte values) and writes every reply; the
// reported ns/op is per command.
func BenchmarkMCPipeline(b *testing.B) {
	var batch []byte
	for i := 0; i < 32; i++ {
		batch = append(batch, "set memtier-0000"+itoa(i)+" 0 0 32\r\n"+strings.Repeat("x", 32)+"\r\n"...)
		batch = append(batch, "get memtier-0000"+itoa(i)+"\r\n"...)
	}
	value := []byte(strings.Repeat("x", 32))
	var p proto.MCParser
	out := make([]byte, 0, 16<<10)
	b.ReportAllocs()
	for b.Loop() {
		out = out[:0]
		buf := batch
		for len(buf) > 0 {
			n, c, err := p.Parse(buf)
			if err != nil || c == nil {
				b.Fatal(err)
			}
			buf = buf[n:]
			if c.Kind == proto.MCSet {
				out = proto.AppendMCLine(out, proto.MCStored)
				continue
			}
			for _, k := range c.Keys {
				out = proto.AppendMCValue(out, k, 0, value)
			}
			out = proto.AppendMCLine(out, proto.MCEnd)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/cmd")
}

func BenchmarkMCWriteValue(b *testing.B) {
	key := []byte("key:000000012345")
	value := []byte(strings.Repeat("v", 100))
	out := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		out = proto.AppendMCValueCAS(out[:0], key, 42, value, 1234567)
	}
}

func BenchmarkMCWriteMetaValue(b *testing.B) {
	var p proto.MCParser
	_, c, err := p.Parse([]byte("mg key:000000012345 v f t c k O123\r\n"))
	if err != nil {
		b.Fatal(err)
	}
	value := []byte(strings.Repeat("v", 100))
	item := proto.MetaItem{Size: 100, ClientFlags: 5, CAS: 99, TTL: 60}
	out := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		out = proto.AppendMetaValue(out[:0], len(value))
		out = c.AppendMetaFlags(out, &item)
		out = proto.AppendMetaEnd(out)
		out = proto.AppendMetaData(out, value)
	}
}
