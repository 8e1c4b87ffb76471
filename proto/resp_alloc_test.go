package proto

import (
	"fmt"
	"strings"
	"testing"
)

// pipeline returns a batch of n alternating SET key value / GET key
// requests (multibulk, as memtier_benchmark sends them), with 32-byte values.
func pipeline(n int) []byte {
	var b []byte
	val := strings.Repeat("v", 32)
	for i := range n {
		key := fmt.Sprintf("key:%08d", i/2)
		if i%2 == 0 {
			b = fmt.Appendf(b, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(val), val)
		} else {
			b = fmt.Appendf(b, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(key), key)
		}
	}
	return b
}

// inlinePipeline is the same batch as inline commands (redis-cli, telnet).
func inlinePipeline(n int) []byte {
	var b []byte
	val := strings.Repeat("v", 32)
	for i := range n {
		if i%2 == 0 {
			b = fmt.Appendf(b, "SET key:%08d %s\r\n", i/2, val)
		} else {
			b = fmt.Appendf(b, "GET key:%08d\r\n", i/2)
		}
	}
	return b
}

// parseBatch parses every request in buf and writes a reply for each (OK
// for SET, the 32-byte value for GET) into w. It returns the request count.
func parseBatch(tb testing.TB, p *Parser, w *Writer, buf []byte) int {
	cmds := 0
	for off := 0; off < len(buf); {
		n, args, err := p.Parse(buf[off:])
		if err != nil || n == 0 {
			tb.Fatalf("Parse at %d: n=%d err=%v", off, n, err)
		}
		off += n
		if len(args[0]) == 3 && args[0][0] == 'S' {
			w.OK()
		} else {
			w.Bulk(args[1][:0:0])
			w.Buf = append(w.Buf[:len(w.Buf)-2], "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\r\n"...)
		}
		cmds++
	}
	return cmds
}

func TestParsePipelineZeroAlloc(t *testing.T) {
	for _, c := range []struct {
		name string
		buf  []byte
	}{{"multibulk", pipeline(100)}, {"inline", inlinePipeline(100)}} {
		var p Parser
		parseBatch(t, &p, &Writer{}, c.buf) // warm up: grow the args slice
		allocs := testing.AllocsPerRun(50, func() {
			for off := 0; off < len(c.buf); {
				n, _, err := p.Parse(c.buf[off:])
				if err != nil || n == 0 {
					t.Fatal(err)
				}
				off += n
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations to parse 100 SET/GET", c.name, allocs)
		}
	}
}

func TestParseIncrementalZeroAlloc(t *testing.T) {
	// A request arriving in many reads, its buffer moved between reads.
	req := pipeline(1)
	var p Parser
	a, b := make([]byte, len(req)), make([]byte, len(req))
	run := func() {
		for k := 1; k <= len(req); k++ {
			dst := a
			if k%2 == 1 {
				dst = b
			}
			copy(dst, req[:k])
			if n, _, err := p.Parse(dst[:k]); err != nil || (n != 0) != (k == len(req)) {
				t.Fatalf("k=%d n=%d err=%v", k, n, err)
			}
		}
	}
	run()
	if allocs := testing.AllocsPerRun(20, run); allocs != 0 {
		t.Errorf("%v allocations to parse a request byte by byte", allocs)
	}
}

func TestWriteRepliesZeroAlloc(t *testing.T) {
	val := []byte(strings.Repeat("v", 32))
	for _, resp3 := range []bool{false, true} {
		w := Writer{Buf: make([]byte, 0, 64<<10), Resp3: resp3}
		allocs := testing.AllocsPerRun(50, func() {
			w.Buf = w.Buf[:0]
			for range 50 {
				w.OK()
				w.Bulk(val)
			}
			w.Null()
			w.NullArray()
			w.Int(-123456789)
			w.BulkInt(42)
			w.ArrayLen(3)
			w.MapLen(2)
			w.SetLen(1)
			w.PushLen(3)
			w.AttrLen(1)
			w.Double(1.1)
			w.Double(3)
			w.Bool(true)
			w.BigNumber("12345678901234567890")
			w.Verbatim("txt", val)
			w.Error("ERR x")
			w.SimpleString("PONG")
			w.WrongType()
		})
		if allocs != 0 {
			t.Errorf("resp3=%v: %v allocations to write replies", resp3, allocs)
		}
	}
}
