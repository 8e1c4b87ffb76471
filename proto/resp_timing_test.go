package proto

import (
	"bytes"
	"fmt"
	"testing"
)

// Benchmarks for the hot paths. ns/cmd is per parsed request (or written
// reply); MB/s is request (or reply) bytes.

func benchParse(b *testing.B, buf []byte) {
	var p Parser
	w := Writer{Buf: make([]byte, 0, 64<<10)}
	cmds := parseBatch(b, &p, &w, buf)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for off := 0; off < len(buf); {
			n, _, err := p.Parse(buf[off:])
			if err != nil || n == 0 {
				b.Fatal(err)
			}
			off += n
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*cmds), "ns/cmd")
}

func BenchmarkParseMultibulk(b *testing.B) { benchParse(b, pipeline(100)) }
func BenchmarkParseInline(b *testing.B)    { benchParse(b, inlinePipeline(100)) }

// BenchmarkParseAndReply parses 100 pipelined SET/GET and writes their replies.
func BenchmarkParseAndReply(b *testing.B) {
	buf := pipeline(100)
	var p Parser
	w := Writer{Buf: make([]byte, 0, 64<<10)}
	cmds := parseBatch(b, &p, &w, buf)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		parseBatch(b, &p, &w, buf)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*cmds), "ns/cmd")
}

// BenchmarkParseBigBulk parses a 1 MB SET value arriving in 16 KB reads
// into a buffer grown once from Need (the incremental path).
func BenchmarkParseBigBulk(b *testing.B) {
	val := bytes.Repeat([]byte{'x'}, 1<<20)
	req := fmt.Appendf(nil, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$%d\r\n%s\r\n", len(val), val)
	buf := make([]byte, 0, len(req))
	var p Parser
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for off := 0; ; {
			k := min(16<<10, len(req)-off)
			buf = append(buf, req[off:off+k]...)
			off += k
			n, _, err := p.Parse(buf)
			if err != nil {
				b.Fatal(err)
			}
			if n > 0 {
				break
			}
		}
	}
}

func BenchmarkWriteOKAndBulk(b *testing.B) {
	val := bytes.Repeat([]byte{'v'}, 32)
	w := Writer{Buf: make([]byte, 0, 64<<10)}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		for range 50 {
			w.OK()
			w.Bulk(val)
		}
	}
	b.SetBytes(int64(len(w.Buf)))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/cmd")
}

func BenchmarkWriteDouble(b *testing.B) {
	w := Writer{Buf: make([]byte, 0, 64<<10), Resp3: true}
	vals := []float64{1.1, 3, 0.1, 1e300, -2.5e-300, 123456.789}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		for _, v := range vals {
			w.Double(v)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/cmd")
}

// BenchmarkWriteMapRESP2 writes a 100-field HGETALL-like reply downgraded to RESP2.
func BenchmarkWriteMapRESP2(b *testing.B) {
	field, val := []byte("field:0001"), bytes.Repeat([]byte{'v'}, 32)
	w := Writer{Buf: make([]byte, 0, 64<<10)}
	b.ReportAllocs()
	for b.Loop() {
		w.Buf = w.Buf[:0]
		w.MapLen(100)
		for range 100 {
			w.Bulk(field)
			w.Bulk(val)
		}
	}
	b.SetBytes(int64(len(w.Buf)))
}
