package proto

import (
	"strings"
	"testing"
)

func TestParseRequests(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		got, err := checkSplits([]byte(in), true)
		if err != nil {
			t.Fatalf("%q: split variance: %v", in, err)
		}
		if got != want {
			t.Errorf("%q:\ngot:\n%swant:\n%s", in, got, want)
		}
		if ref := refTranscript([]byte(in), false, DefaultMaxBulkLen); ref != want {
			t.Errorf("%q: reference parser disagrees with the table:\n%s", in, ref)
		}
	}
	// Multibulk.
	f("*1\r\n$4\r\nPING\r\n", "n=14 [\"PING\"]\n")
	f("*3\r\n$3\r\nSET\r\n$1\r\na\r\n$0\r\n\r\n", "n=26 [\"SET\" \"a\" \"\"]\n")
	f("*2\r\n$3\r\nGET\r\n$3\r\na\x00b\r\n*1\r\n$4\r\nPING\r\n",
		"n=22 [\"GET\" \"a\\x00b\"]\nn=14 [\"PING\"]\n")
	f("*2\r\n$3\r\nGET\r\n$10\r\nab", "pending 20 need 30\n")
	f("*1\r\n$4\r\nPING\r", "pending 13 need 14\n")
	f("*1\r\n$4\r", "pending 7\n")
	// Counts <= 0 are skipped, as Redis does.
	f("*0\r\n", "n=4 []\n")
	f("*-1\r\n*1\r\n$1\r\nx\r\n", "n=5 []\nn=11 [\"x\"]\n")
	f("*-5\r\nPING\r\n", "n=5 []\nn=6 [\"PING\"]\n")
	// Redis quirks: the byte after '\r' and the two after the data are skipped unchecked.
	f("*1\rX$4\r\nPINGxx", "n=14 [\"PING\"]\n")
	f("*1\r\n$1\rZaQQ", "n=11 [\"a\"]\n")
	// A NUL before a header's '\r' makes the line never end.
	f("*1\x00\r\n$1\r\na\r\n", "pending 12\n")
	f("*1\r\n$\x001\r\na\r\n", "pending 12\n")
	// Inline.
	f("PING\r\n", "n=6 [\"PING\"]\n")
	f("PING\n", "n=5 [\"PING\"]\n")
	f("\r\n\n   \r\nPING", "n=2 []\nn=1 []\nn=5 []\npending 4\n")
	f("SET a  b\tc\r\n", "n=12 [\"SET\" \"a\" \"b\" \"c\"]\n")
	f("SET \"a b\" 'c d'\r\n", "n=17 [\"SET\" \"a b\" \"c d\"]\n")
	f(`ECHO "\x41\x4a\q\n\r\t\b\a\\\"" 'it\'s' '\n'`+"\r\n",
		"n=46 [\"ECHO\" \"AJq\\n\\r\\t\\b\\a\\\\\\\"\" \"it's\" \"\\\\n\"]\n")
	f(`ECHO "\x4" "\xZZ"`+"\n", "n=18 [\"ECHO\" \"x4\" \"xZZ\"]\n")
	f("ECHO a\"b c\"\r\n", "n=13 [\"ECHO\" \"ab c\"]\n")
	f("ECHO a'b c'd e\r\n", "error ERR Protocol error: unbalanced quotes in request\n")
	f("ECHO a\vb\r\n", "n=10 [\"ECHO\" \"a\\vb\"]\n")
	f("\vPING\f\r\n", "n=8 [\"PING\\f\"]\n")
	f("ECHO \"a\"\v\r\n", "n=11 [\"ECHO\" \"a\"]\n")
	f("ECHO \"\"\r\n", "n=9 [\"ECHO\" \"\"]\n")
	f("PING\r\r\n", "n=7 [\"PING\"]\n")
	f("PING\x00\r\nPING\r\n", "pending 13\n")
	f("\xff\xfe\r\n", "n=4 [\"\\xff\\xfe\"]\n")
	// Errors, with Redis's exact texts.
	f("*1\r\n$-2\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*1\r\n$-1\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*1\r\n$9999999999999999999\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*1\r\n$18446744073709551616\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*1\r\n$536870913\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*1\r\n$01\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*1\r\n$+1\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*1\r\n$\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*1\r\n$ 1\r\n", "error ERR Protocol error: invalid bulk length\n")
	f("*2147483648\r\n", "error ERR Protocol error: invalid multibulk length\n")
	f("*9999999999999999999\r\n", "error ERR Protocol error: invalid multibulk length\n")
	f("*-9223372036854775809\r\n", "error ERR Protocol error: invalid multibulk length\n")
	f("*-0\r\n", "error ERR Protocol error: invalid multibulk length\n")
	f("*01\r\n", "error ERR Protocol error: invalid multibulk length\n")
	f("*\r\n", "error ERR Protocol error: invalid multibulk length\n")
	f("*1x\r\n", "error ERR Protocol error: invalid multibulk length\n")
	f("*-9223372036854775808\r\n", "n=23 []\n")
	f("*2147483647\r\n", "pending 13\n")
	f("*1\r\nPING\r\n", "error ERR Protocol error: expected '$', got 'P'\n")
	f("*1\r\n\r\n", "error ERR Protocol error: expected '$', got ' '\n")
	f("*1\r\n\n\r\n", "error ERR Protocol error: expected '$', got ' '\n")
	f("*1\r\n\xff\r\n", "error ERR Protocol error: expected '$', got '\xff'\n")
	f("PING\r\n*1\r\n$-2\r\n", "n=6 [\"PING\"]\nerror ERR Protocol error: invalid bulk length\n")
	f("\"a\r\n", "error ERR Protocol error: unbalanced quotes in request\n")
	f("'a\r\n", "error ERR Protocol error: unbalanced quotes in request\n")
	f("ECHO \"a\"b\r\n", "error ERR Protocol error: unbalanced quotes in request\n")
	f("ECHO 'a'b\r\n", "error ERR Protocol error: unbalanced quotes in request\n")
	f("ECHO \"a\\\"\r\n", "error ERR Protocol error: unbalanced quotes in request\n")
}

func TestParseLimits(t *testing.T) {
	f := func(in []byte, p *Parser, want string) {
		t.Helper()
		if p == nil {
			p = new(Parser)
		}
		lim := *p
		got := feed(p, in, whole, false)
		if got != want {
			t.Fatalf("%.40q...: got %q, want %q", in, got, want)
		}
		q := lim
		if got := feed(&q, in, func(int) int { return 4093 }, true); got != want {
			t.Fatalf("%.40q... in 4093-byte reads: got %q, want %q", in, got, want)
		}
	}
	long := func(prefix string, n int, suffix string) []byte {
		return []byte(prefix + strings.Repeat("a", n) + suffix)
	}
	// Inline line: at most MaxInlineLen bytes before its '\n'.
	f(long("", MaxInlineLen, "\n"), nil, "n=65537 [\""+strings.Repeat("a", MaxInlineLen)+"\"]\n")
	f(long("", MaxInlineLen+1, "\n"), nil, "error ERR Protocol error: too big inline request\n")
	f(long("", MaxInlineLen, ""), nil, "pending 65536\n")
	f(long("", MaxInlineLen+1, ""), nil, "error ERR Protocol error: too big inline request\n")
	f(long("PING\x00", MaxInlineLen, "\r\n"), nil, "error ERR Protocol error: too big inline request\n")
	// "*" line: the '\r' at most MaxInlineLen bytes in.
	f(long("*", MaxInlineLen, ""), nil, "error ERR Protocol error: too big mbulk count string\n")
	f(long("*", MaxInlineLen-1, "\r\n"), nil, "error ERR Protocol error: invalid multibulk length\n")
	f(long("*", MaxInlineLen, "\r\n"), nil, "error ERR Protocol error: too big mbulk count string\n")
	// "$" line likewise, counted from its own start.
	f(long("*1\r\n$", MaxInlineLen, ""), nil, "error ERR Protocol error: too big bulk count string\n")
	f(long("*1\r\n$", MaxInlineLen-1, "\r\n"), nil, "error ERR Protocol error: invalid bulk length\n")
	// proto-max-bulk-len.
	f([]byte("*1\r\n$11\r\n"), &Parser{MaxBulkLen: 10}, "error ERR Protocol error: invalid bulk length\n")
	f([]byte("*1\r\n$10\r\n0123456789\r\n"), &Parser{MaxBulkLen: 10}, "n=21 [\"0123456789\"]\n")
	f([]byte("*1\r\n$536870912\r\n"), nil, "pending 16 need 536870930\n")
	// Unauthenticated clients.
	un := func() *Parser { return &Parser{Unauthenticated: true} }
	f([]byte("*11\r\n"), un(), "error ERR Protocol error: unauthenticated multibulk length\n")
	f([]byte("*10\r\n"), un(), "pending 5\n")
	f([]byte("*2147483648\r\n"), un(), "error ERR Protocol error: invalid multibulk length\n")
	f([]byte("*1\r\n$16385\r\n"), un(), "error ERR Protocol error: unauthenticated bulk length\n")
	f([]byte("*1\r\n$16384\r\n"), un(), "pending 12 need 16398\n")
	f([]byte("*1\r\n$-2\r\n"), un(), "error ERR Protocol error: invalid bulk length\n")
	f(long("", 20000, "\r\n"), un(), "n=20002 [\""+strings.Repeat("a", 20000)+"\"]\n")
}

func TestParseHugeBulkNeed(t *testing.T) {
	const size = 100 << 20
	hdr := "*2\r\n$3\r\nSET\r\n$104857600\r\n"
	var p Parser
	n, _, err := p.Parse([]byte(hdr))
	if n != 0 || err != nil {
		t.Fatalf("Parse = %d, %v; want need more", n, err)
	}
	need := p.Need()
	if want := len(hdr) + size + 2; need != want {
		t.Fatalf("Need = %d, want %d", need, want)
	}
	// The connection grows its buffer once, to Need, and reads into it.
	grown := make([]byte, need)
	copy(grown, hdr)
	grown[need-2], grown[need-1] = '\r', '\n'
	for _, k := range []int{len(hdr) + 1, need / 2, need - 1} {
		if n, _, err := p.Parse(grown[:k]); n != 0 || err != nil || p.Need() != need {
			t.Fatalf("Parse of %d bytes = %d, %v, Need %d; want need more, Need %d", k, n, err, p.Need(), need)
		}
	}
	n, args, err := p.Parse(grown)
	if err != nil || n != need || len(args) != 2 || string(args[0]) != "SET" || len(args[1]) != size {
		t.Fatalf("Parse = %d, %d args, %v", n, len(args), err)
	}
}

func TestParseArgsCapped(t *testing.T) {
	buf := []byte("*2\r\n$1\r\na\r\n$1\r\nb\r\n")
	var p Parser
	_, args, _ := p.Parse(buf)
	_ = append(args[0], 'X')
	if string(buf) != "*2\r\n$1\r\na\r\n$1\r\nb\r\n" {
		t.Fatalf("append to an arg overwrote the buffer: %q", buf)
	}
	buf = []byte("SET a b\r\n")
	_, args, _ = p.Parse(buf)
	_ = append(args[1], 'X')
	if string(buf) != "SET a b\r\n" {
		t.Fatalf("append to an inline arg overwrote the buffer: %q", buf)
	}
}

func TestParseReset(t *testing.T) {
	var p Parser
	if n, _, _ := p.Parse([]byte("*2\r\n$3\r\nGET\r\n")); n != 0 {
		t.Fatal("want need more")
	}
	p.Reset()
	n, args, err := p.Parse([]byte("PING\r\n"))
	if n != 6 || err != nil || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("after Reset: %d %q %v", n, args, err)
	}
}
