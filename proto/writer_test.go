package proto

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestWriterDowngrade checks every reply type in RESP3 and its RESP2 form.
// The expected bytes were taken from redis-server 7.0.15 (DEBUG PROTOCOL,
// ZSCORE, HGETALL, SMEMBERS, ... with and without HELLO 3).
func TestWriterDowngrade(t *testing.T) {
	f := func(name string, write func(w *Writer), resp2, resp3 string) {
		t.Helper()
		for _, c := range []struct {
			resp3 bool
			want  string
		}{{false, resp2}, {true, resp3}} {
			w := Writer{Buf: []byte("prefix"), Resp3: c.resp3}
			write(&w)
			if got := string(w.Buf); got != "prefix"+c.want {
				t.Errorf("%s (resp3=%v): got %q, want %q", name, c.resp3, got[len("prefix"):], c.want)
			}
		}
	}
	f("simple", func(w *Writer) { w.SimpleString("PONG") }, "+PONG\r\n", "+PONG\r\n")
	f("simple CRLF", func(w *Writer) { w.SimpleString("a\r\nb") }, "+a  b\r\n", "+a  b\r\n")
	f("ok", func(w *Writer) { w.OK() }, "+OK\r\n", "+OK\r\n")
	f("error", func(w *Writer) { w.Error("ERR x") }, "-ERR x\r\n", "-ERR x\r\n")
	f("error CRLF", func(w *Writer) { w.Error("ERR a\nb\r") }, "-ERR a b \r\n", "-ERR a b \r\n")
	f("wrongtype", func(w *Writer) { w.WrongType() },
		"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
		"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
	f("int", func(w *Writer) { w.Int(-42) }, ":-42\r\n", ":-42\r\n")
	f("int min", func(w *Writer) { w.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n")
	f("bulk", func(w *Writer) { w.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n")
	f("bulk nil", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n")
	f("bulk string", func(w *Writer) { w.BulkString(strings.Repeat("x", 100)) },
		"$100\r\n"+strings.Repeat("x", 100)+"\r\n", "$100\r\n"+strings.Repeat("x", 100)+"\r\n")
	f("bulk int", func(w *Writer) { w.BulkInt(-12345) }, "$6\r\n-12345\r\n", "$6\r\n-12345\r\n")
	f("null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n")
	f("null array", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n")
	f("array", func(w *Writer) { w.ArrayLen(2); w.Int(1); w.Null() }, "*2\r\n:1\r\n$-1\r\n", "*2\r\n:1\r\n_\r\n")
	f("empty array", func(w *Writer) { w.ArrayLen(0) }, "*0\r\n", "*0\r\n")
	f("map", func(w *Writer) { w.MapLen(1); w.BulkString("f"); w.BulkString("v") },
		"*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "%1\r\n$1\r\nf\r\n$1\r\nv\r\n")
	f("map of bools", func(w *Writer) {
		w.MapLen(3)
		for i := range 3 {
			w.Int(int64(i))
			w.Bool(i == 1)
		}
	}, "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n", "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n")
	f("big map", func(w *Writer) { w.MapLen(60) }, "*120\r\n", "%60\r\n")
	f("set", func(w *Writer) { w.SetLen(3); w.Int(0); w.Int(1); w.Int(2) },
		"*3\r\n:0\r\n:1\r\n:2\r\n", "~3\r\n:0\r\n:1\r\n:2\r\n")
	f("push", func(w *Writer) { w.PushLen(2); w.BulkString("server-cpu-usage"); w.Int(42) },
		"*2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n", ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n")
	f("attribute", func(w *Writer) {
		if w.AttrLen(1) {
			w.BulkString("key-popularity")
			w.ArrayLen(2)
			w.BulkString("key:123")
			w.Int(90)
		}
		w.BulkString("Some real reply following the attribute")
	}, "$39\r\nSome real reply following the attribute\r\n",
		"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n")
	f("true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n")
	f("false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n")
	f("double", func(w *Writer) { w.Double(3.141) }, "$5\r\n3.141\r\n", ",3.141\r\n")
	f("double 1.1", func(w *Writer) { w.Double(1.1) }, "$18\r\n1.1000000000000001\r\n", ",1.1000000000000001\r\n")
	f("double int", func(w *Writer) { w.Double(3) }, "$1\r\n3\r\n", ",3\r\n")
	f("double 1e17", func(w *Writer) { w.Double(1e17) }, "$5\r\n1e+17\r\n", ",1e+17\r\n")
	f("double 1e300", func(w *Writer) { w.Double(1e300) }, "$23\r\n1.0000000000000001e+300\r\n", ",1.0000000000000001e+300\r\n")
	f("double 1e-5", func(w *Writer) { w.Double(1e-5) }, "$22\r\n1.0000000000000001e-05\r\n", ",1.0000000000000001e-05\r\n")
	f("double -0", func(w *Writer) { w.Double(math.Copysign(0, -1)) }, "$2\r\n-0\r\n", ",-0\r\n")
	f("double inf", func(w *Writer) { w.Double(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n")
	f("double -inf", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n")
	f("double nan", func(w *Writer) { w.Double(math.NaN()) }, "$3\r\nnan\r\n", ",nan\r\n")
	f("big number", func(w *Writer) { w.BigNumber("1234567999999999999999999999999999999") },
		"$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n")
	f("verbatim", func(w *Writer) { w.Verbatim("txt", []byte("This is a verbatim\nstring")) },
		"$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n")
}

// TestFormatDouble compares FormatDouble with C's "%.17g" on a golden table
// of 2600+ doubles (random bit patterns, integers, decimals, subnormals).
func TestFormatDouble(t *testing.T) {
	fh, err := os.Open("testdata/double_17g.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		hex, want, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		bits, err := strconv.ParseUint(hex, 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(FormatDouble(nil, math.Float64frombits(bits))); got != want {
			t.Errorf("%s: got %q, want %q", hex, got, want)
		}
		n++
	}
	if n < 2000 {
		t.Fatalf("only %d golden doubles", n)
	}
}
