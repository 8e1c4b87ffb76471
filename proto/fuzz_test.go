package proto

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// hostileSeeds are request streams every parser fuzz target starts from:
// hostile lengths, overflow, huge counts, split boundaries, NULs.
var hostileSeeds = []string{
	"*-5\r\n", "$-2\r\n", "*1\r\n$-2\r\n", "*1\r\n$-1\r\n", "$9999999999999999999\r\n",
	"*1\r\n$9999999999999999999\r\n", "*9999999999999999999\r\n", "*18446744073709551616\r\n",
	"*-9223372036854775808\r\n", "*-9223372036854775809\r\n", "*2147483647\r\n", "*2147483648\r\n",
	"*1048577\r\n", "*1\r\n$2147483648\r\n", "*1\r\n$536870913\r\n", "*0\r\n", "*-1\r\n", "*-0\r\n",
	"*01\r\n", "*+1\r\n", "* 1\r\n", "*\r\n", "*1\r\n$\r\n", "*1\r\n$01\r\nx\r\n",
	"*1\r\n$4\r\nPING\r\n", "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\ngarbage\r\n", "*2\r\n$3\r\nGET\r\n$10\r\nab",
	"*1\rX$4\r\nPINGxx", "*1\r\n$1\rZaQQ", "*1\x00\r\n", "*1\r\n$\x001\r\n", "*1\r\nPING\r\n",
	"*1\r\n\r\n", "*1\r\n\xff\r\n", "*2\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n",
	"PING\r\n*1\r\n$-2\r\n", "PING\r\n", "PING\n", "\r\n\n", "SET a \"b c\" 'd'\r\n",
	"\"unbalanced\r\n", "ECHO \"a\"b\r\n", "ECHO a\"b c\"\r\n", "ECHO \"\\x41\\q\\n\"\r\n",
	"PING\x00\r\n", "\vPING\f\r\n", "*1\r\n$4\r\nPI\x00G\r\n",
}

// refSplitArgs is a plain transliteration of Redis's sdssplitargs (C string
// semantics: a NUL ends the input), used as the oracle for inline lines.
func refSplitArgs(line []byte) ([][]byte, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	at := func(k int) byte {
		if k < len(line) {
			return line[k]
		}
		return 0
	}
	var out [][]byte
	p := 0
	for {
		for at(p) != 0 && isSpace(at(p)) {
			p++
		}
		if at(p) == 0 {
			return out, true
		}
		inq, insq, done := false, false, false
		cur := []byte{}
		for !done {
			c := at(p)
			if inq {
				if c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)) {
					v, _ := strconv.ParseUint(string(line[p+2:p+4]), 16, 8)
					cur = append(cur, byte(v))
					p += 3
				} else if c == '\\' && at(p+1) != 0 {
					p++
					e := map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'a': '\a'}[at(p)]
					if e == 0 {
						e = at(p)
					}
					cur = append(cur, e)
				} else if c == '"' {
					if at(p+1) != 0 && !isSpace(at(p+1)) {
						return nil, false
					}
					done = true
				} else if c == 0 {
					return nil, false
				} else {
					cur = append(cur, c)
				}
			} else if insq {
				if c == '\\' && at(p+1) == '\'' {
					p++
					cur = append(cur, '\'')
				} else if c == '\'' {
					if at(p+1) != 0 && !isSpace(at(p+1)) {
						return nil, false
					}
					done = true
				} else if c == 0 {
					return nil, false
				} else {
					cur = append(cur, c)
				}
			} else {
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if at(p) != 0 {
				p++
			}
		}
		out = append(out, cur)
	}
}

// checkStream checks one request stream: the same transcript whole, byte by
// byte (in place and moving) and cut at a data-chosen point; and each parsed
// request against an oracle (canonical re-encoding for multibulk, the
// reference sdssplitargs for inline).
func checkStream(t *testing.T, data []byte) {
	t.Helper()
	want, err := checkSplits(data, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(want, "BUG") {
		t.Fatal(want)
	}
	if ref := refTranscript(data, false, DefaultMaxBulkLen); ref != want {
		t.Fatalf("Parser:\n%s\nreference:\n%s", want, ref)
	}
	// The same stream with small limits (unauthenticated, 8-byte bulks).
	small := feed(&Parser{Unauthenticated: true, MaxBulkLen: 8}, data, oneByte, true)
	if ref := refTranscript(data, true, 8); ref != small {
		t.Fatalf("Parser (unauthenticated, MaxBulkLen 8):\n%s\nreference:\n%s", small, ref)
	}
	if len(data) > 1 {
		k := 1 + int(data[len(data)-1])*(len(data)-1)/256
		if got := feed(new(Parser), data, splitAt(k), true); got != want {
			t.Fatalf("split at %d:\n%s\nwhole:\n%s", k, got, want)
		}
	}
	orig := bytes.Clone(data)
	buf := bytes.Clone(data)
	var p Parser
	for off := 0; off < len(buf); {
		n, args, err := p.Parse(buf[off:])
		if err == ErrUnbalancedQuotes {
			nl := bytes.IndexByte(orig[off:], '\n')
			if _, ok := refSplitArgs(orig[off : off+nl]); ok {
				t.Fatalf("unbalanced quotes, but the reference splits %q", orig[off:off+nl])
			}
		}
		if err != nil || n == 0 {
			return
		}
		line := orig[off : off+n]
		if line[0] == '*' {
			checkMultibulk(t, line, args)
		} else {
			checkInline(t, line, args)
		}
		off += n
	}
}

func checkInline(t *testing.T, line []byte, args [][]byte) {
	t.Helper()
	if line[len(line)-1] != '\n' || bytes.IndexByte(line[:len(line)-1], '\n') >= 0 {
		t.Fatalf("inline request %q is not one line", line)
	}
	if bytes.IndexByte(line, 0) >= 0 {
		t.Fatalf("inline line %q with a NUL completed (Redis never sees its end)", line)
	}
	if len(line) > MaxInlineLen+1 {
		t.Fatalf("inline line of %d bytes accepted", len(line))
	}
	body := bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
	ref, ok := refSplitArgs(body)
	if !ok || fmt.Sprintf("%q", ref) != fmt.Sprintf("%q", args) {
		t.Fatalf("inline %q: got %q, reference %q (ok=%v)", line, args, ref, ok)
	}
}

// checkMultibulk re-encodes args canonically and compares with the bytes
// consumed, except where Redis skips bytes unchecked (after a header's '\r',
// the two after the data).
func checkMultibulk(t *testing.T, line []byte, args [][]byte) {
	t.Helper()
	cr := bytes.IndexByte(line, '\r')
	if len(args) == 0 {
		if v, ok := parseLen(line[1:cr]); !ok || v > 0 || cr+2 != len(line) {
			t.Fatalf("empty multibulk %q", line)
		}
		return
	}
	var enc []byte
	var skip []int
	hdr := func(prefix byte, n int) {
		enc = append(enc, prefix)
		enc = strconv.AppendInt(enc, int64(n), 10)
		enc = append(enc, '\r', '\n')
		skip = append(skip, len(enc)-1)
	}
	hdr('*', len(args))
	for _, a := range args {
		hdr('$', len(a))
		enc = append(enc, a...)
		enc = append(enc, "\r\n"...)
		skip = append(skip, len(enc)-2, len(enc)-1)
	}
	if len(enc) != len(line) {
		t.Fatalf("multibulk %q parsed as %q (%d bytes re-encoded)", line, args, len(enc))
	}
	got := bytes.Clone(line)
	for _, i := range skip {
		enc[i], got[i] = 0, 0
	}
	if !bytes.Equal(enc, got) {
		t.Fatalf("multibulk %q parsed as %q", line, args)
	}
}

func FuzzParseRESP(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkStream(t, data)
	})
}

func FuzzParseInline(f *testing.F) {
	for _, s := range hostileSeeds {
		if s[0] != '*' {
			f.Add([]byte(s))
		}
	}
	for _, s := range []string{
		`SET "a\x00b" 'c\'d' "\"" "\\" "\xZZ" "\x4`, `a"b c"d`, `'a'b`, `"a"` + "\v", `""`, `''`,
		`SET k v` + "\r\n" + `GET "k"` + "\n\r\n", "   \t\v\f", `"\`, `'\'`, `"\x41\x4A\x4a"`,
		"\"a\r\n", "ECHO \"a\nb\"\r\n",
	} {
		f.Add([]byte(s + "\r\n"))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 0 && data[0] == '*' {
			data = append([]byte{' '}, data...)
		}
		checkStream(t, data)
	})
}

// val is one reply as a command writes it through Writer (test model).
type val struct {
	op   byte // S E I B N n A M T P R D O G V (see writeVal)
	s    string
	i    int64
	f    float64
	kids []val // A T P elements; M key,value,...; R attribute pairs then the reply
}

// gen turns fuzz bytes into values and request arguments.
type gen struct{ b []byte }

func (g *gen) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *gen) bytes(n int) []byte {
	n = min(n, len(g.b))
	s := g.b[:n]
	g.b = g.b[n:]
	return s
}

func (g *gen) u64() uint64 {
	var t [8]byte
	copy(t[:], g.bytes(8))
	return binary.LittleEndian.Uint64(t[:])
}

func (g *gen) str() string { return string(g.bytes(int(g.byte() % 40))) }

func (g *gen) value(depth int) val {
	const ops = "SEIBNnDOGVAMTPR"
	n := len(ops)
	if depth >= 3 {
		n = 10 // no more aggregates
	}
	v := val{op: ops[int(g.byte())%n]}
	switch v.op {
	case 'S', 'E', 'B', 'V':
		v.s = g.str()
	case 'I':
		v.i = int64(g.u64())
	case 'D':
		v.f = math.Float64frombits(g.u64())
	case 'O':
		v.i = int64(g.byte() & 1)
	case 'G':
		d := g.bytes(1 + int(g.byte()%50))
		var sb strings.Builder
		if len(d) > 0 && d[0]&1 == 1 {
			sb.WriteByte('-')
		}
		for _, c := range d {
			sb.WriteByte('0' + c%10)
		}
		v.s = sb.String()
	case 'A', 'T', 'P', 'M', 'R':
		k := int(g.byte() % 5)
		if v.op == 'M' || v.op == 'R' {
			k *= 2
		}
		for range k {
			v.kids = append(v.kids, g.value(depth+1))
		}
		if v.op == 'R' {
			v.kids = append(v.kids, g.value(depth+1))
		}
	}
	return v
}

func writeVal(w *Writer, v val) {
	switch v.op {
	case 'S':
		w.SimpleString(v.s)
	case 'E':
		w.Error(v.s)
	case 'I':
		w.Int(v.i)
	case 'B':
		w.BulkString(v.s)
	case 'N':
		w.Null()
	case 'n':
		w.NullArray()
	case 'D':
		w.Double(v.f)
	case 'O':
		w.Bool(v.i == 1)
	case 'G':
		w.BigNumber(v.s)
	case 'V':
		w.Verbatim("txt", []byte(v.s))
	case 'A':
		w.ArrayLen(len(v.kids))
	case 'T':
		w.SetLen(len(v.kids))
	case 'P':
		w.PushLen(len(v.kids))
	case 'M':
		w.MapLen(len(v.kids) / 2)
	case 'R':
		pairs := v.kids[:len(v.kids)-1]
		if w.AttrLen(len(pairs) / 2) {
			for _, k := range pairs {
				writeVal(w, k)
			}
		}
		writeVal(w, v.kids[len(v.kids)-1])
		return
	}
	if v.op != 'R' {
		for _, k := range v.kids {
			writeVal(w, k)
		}
	}
}

// checkVal compares a reply read back with the value written, applying
// Redis 7's RESP2 downgrade when resp3 is false.
func checkVal(v val, got reply, resp3 bool) error {
	bad := func() error {
		return fmt.Errorf("op %c (%q %d %v): got %v (resp3=%v)", v.op, v.s, v.i, v.f, got, resp3)
	}
	pick := func(t3, t2 byte) byte {
		if resp3 {
			return t3
		}
		return t2
	}
	if v.op != 'R' && len(got.attr) > 0 {
		return bad()
	}
	noCRLF := strings.NewReplacer("\r", " ", "\n", " ").Replace
	switch v.op {
	case 'S', 'E':
		if got.t != map[byte]byte{'S': '+', 'E': '-'}[v.op] || got.s != noCRLF(v.s) {
			return bad()
		}
	case 'I', 'O':
		if got.t != pick(map[byte]byte{'I': ':', 'O': '#'}[v.op], ':') || got.i != v.i {
			return bad()
		}
	case 'B':
		if got.t != '$' || got.null || got.s != v.s {
			return bad()
		}
	case 'N', 'n':
		if resp3 && got.t != '_' || !resp3 && (!got.null || got.t != map[byte]byte{'N': '$', 'n': '*'}[v.op]) {
			return bad()
		}
	case 'D':
		if got.t != pick(',', '$') {
			return bad()
		}
		f, err := strconv.ParseFloat(got.s, 64)
		if err != nil || math.Float64bits(f) != math.Float64bits(v.f) && !(math.IsNaN(f) && math.IsNaN(v.f)) {
			return bad()
		}
	case 'G':
		if got.t != pick('(', '$') || got.s != v.s {
			return bad()
		}
	case 'V':
		want := v.s
		if resp3 {
			want = "txt:" + v.s
		}
		if got.t != pick('=', '$') || got.s != want {
			return bad()
		}
	case 'A', 'T', 'P', 'M':
		if got.t != pick(map[byte]byte{'A': '*', 'T': '~', 'P': '>', 'M': '%'}[v.op], '*') || got.null || len(got.elems) != len(v.kids) {
			return bad()
		}
		for i, k := range v.kids {
			if err := checkVal(k, got.elems[i], resp3); err != nil {
				return err
			}
		}
	case 'R':
		pairs, inner := v.kids[:len(v.kids)-1], v.kids[len(v.kids)-1]
		attr := got.attr
		got.attr = nil
		if inner.op == 'R' && resp3 {
			// Nested attributes arrive merged before the innermost reply.
			got.attr = attr[len(pairs):]
		}
		if !resp3 {
			pairs = nil
		}
		if len(attr) < len(pairs) || len(attr) > len(pairs) && (inner.op != 'R' || !resp3) {
			return bad()
		}
		for i, k := range pairs {
			if err := checkVal(k, attr[i], resp3); err != nil {
				return err
			}
		}
		return checkVal(inner, got, resp3)
	}
	return nil
}

// quoteInline quotes arg for an inline request (as redis-cli's repr does).
func quoteInline(dst []byte, arg []byte) []byte {
	dst = append(dst, '"')
	for _, c := range arg {
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\t':
			dst = append(dst, `\t`...)
		case '\a':
			dst = append(dst, `\a`...)
		case '\b':
			dst = append(dst, `\b`...)
		default:
			if c < 0x20 || c >= 0x7f {
				dst = fmt.Appendf(dst, `\x%02x`, c)
			} else {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '"')
}

// FuzzRoundTrip writes fuzz-chosen replies with Writer (RESP2 and RESP3)
// and reads them back, and encodes fuzz-chosen arguments as multibulk and
// quoted inline requests and parses them back (whole and byte by byte).
func FuzzRoundTrip(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("M\x03SxxxBxyDI0123456789abcdef"))
	f.Add([]byte("R\x02S\x03abcI12345678B\x00"))
	f.Add(binary.LittleEndian.AppendUint64([]byte("D"), math.Float64bits(math.Inf(-1))))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Replies.
		g := gen{data}
		var vals []val
		for len(g.b) > 0 && len(vals) < 16 {
			vals = append(vals, g.value(0))
		}
		for _, resp3 := range []bool{false, true} {
			w := Writer{Resp3: resp3}
			for _, v := range vals {
				writeVal(&w, v)
			}
			pos, lastStart := 0, 0
			for _, v := range vals {
				r, n, err := readReply(w.Buf[pos:])
				if err != nil {
					t.Fatalf("read back %q (resp3=%v): %v", w.Buf[pos:], resp3, err)
				}
				if err := checkVal(v, r, resp3); err != nil {
					t.Fatal(err)
				}
				lastStart = pos
				pos += n
			}
			if pos != len(w.Buf) {
				t.Fatalf("%d bytes left over", len(w.Buf)-pos)
			}
			// Every strict prefix of the last reply (up to 256 cut points)
			// reads as incomplete, never as a shorter complete reply.
			step := max(1, (pos-lastStart)/256)
			for cut := lastStart; cut < pos; cut += step {
				if _, _, err := readReply(w.Buf[lastStart:cut]); err != errIncomplete {
					t.Fatalf("prefix %q of reply %q: %v", w.Buf[lastStart:cut], w.Buf[lastStart:pos], err)
				}
			}
		}
		// Requests: the same bytes as arguments.
		var args [][]byte
		for g := (gen{data}); len(g.b) > 0 && len(args) < 64; {
			args = append(args, g.bytes(int(g.byte()%24)))
		}
		if len(args) == 0 {
			return
		}
		var req []byte
		req = AppendArrayLen(req, len(args))
		for _, a := range args {
			req = AppendBulk(req, a)
		}
		want := fmt.Sprintf("n=%d %q\n", len(req), args)
		got, err := checkSplits(req, false)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("multibulk round trip:\ngot  %s\nwant %s", got, want)
		}
		var line []byte
		for i, a := range args {
			if i > 0 {
				line = append(line, ' ')
			}
			line = quoteInline(line, a)
		}
		line = append(line, "\r\n"...)
		want = fmt.Sprintf("n=%d %q\n", len(line), args)
		if got, err := checkSplits(line, false); err != nil || got != want {
			t.Fatalf("inline round trip of %q:\ngot  %s\nwant %s\n%v", line, got, want, err)
		}
	})
}
