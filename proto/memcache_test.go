package proto_test

import (
	"strings"
	"testing"

	"github.com/darnerdb/darner/proto"
)

// mcF returns an f-test checker: the stream's transcript (see mcFeed) must
// be want (lines joined by \n, without the final "pending" line when
// nothing is pending), and the same however the stream is split.
func mcF(t *testing.T, newParser func() *proto.MCParser) func(in, want string) {
	return func(in, want string) {
		t.Helper()
		got, err := mcCheckSplits(newParser, []byte(in))
		if err != nil {
			t.Fatalf("%q: split variance: %v", in, err)
		}
		got = strings.TrimSuffix(got, "pending 0")
		got = strings.TrimSuffix(got, "\n")
		if got != want {
			t.Errorf("%q:\ngot:\n%s\nwant:\n%s", in, got, want)
		}
	}
}

func newMC() *proto.MCParser { return &proto.MCParser{} }

func TestMCStorage(t *testing.T) {
	f := mcF(t, newMC)
	f("set k 0 0 3\r\nabc\r\n", `set key="k" data="abc"`)
	f("set k 5 100 0\r\n\r\n", `set key="k" data="" flags=5 exp=100`)
	f("add k 1 2 1 noreply\r\nx\r\n", `add key="k" data="x" flags=1 exp=2 noreply`)
	f("replace k 0 0 1\r\nx\r\n", `replace key="k" data="x"`)
	f("append k 0 0 1\r\nx\r\n", `append key="k" data="x"`)
	f("prepend k 0 0 1\r\nx\r\n", `prepend key="k" data="x"`)
	f("cas k 0 0 1 99\r\nx\r\n", `cas key="k" data="x" cas=99`)
	f("cas k 0 0 1 18446744073709551615 noreply\r\nx\r\n", `cas key="k" data="x" cas=18446744073709551615 noreply`)
	// Binary data, CRLF inside the data block.
	f("set k 0 0 4\r\n\r\n\r\n\r\n", `set key="k" data="\r\n\r\n"`)
	// LF-only request line; the data block still needs CRLF.
	f("set k 0 0 1\nx\r\n", `set key="k" data="x"`)
	// A token other than noreply in the noreply slot is ignored.
	f("set k 0 0 1 norepl\r\na\r\n", `set key="k" data="a"`)
	// Extra spaces anywhere.
	f("  set   k  0 0  1  \r\nx\r\n", `set key="k" data="x"`)
	// Numbers as C reads them: 32-bit truncation, signs, white space.
	f("set k 4294967295 0 1\r\na\r\n", `set key="k" data="a" flags=4294967295`)
	f("set k 4294967296 0 1\r\na\r\n", `set key="k" data="a"`)
	f("set k 0 -1 1\r\na\r\n", `set key="k" data="a" exp=-1`)
	f("set k 0 2147483648 1\r\na\r\n", `set key="k" data="a" exp=-2147483648`)
	f("set k 0 0 +1\r\na\r\n", `set key="k" data="a"`)
	f("set k -0 0 01\r\na\r\n", `set key="k" data="a"`)
	f("set k 0 0 4294967297\r\na\r\n", `set key="k" data="a"`)
	f("set k 0 0 1\r\r\na\r\n", `set key="k" data="a"`)
	f("set k 0 \t5 1\r\na\r\n", `set key="k" data="a" exp=5`)
	// Wrong arity: ERROR, and the data line is read as a command.
	f("set k 0 0\r\na\r\n", "err \"ERROR\\r\\n\"\nerr \"ERROR\\r\\n\"")
	f("set k 0 0 1 2 3\r\na\r\n", "err \"ERROR\\r\\n\"\nerr \"ERROR\\r\\n\"")
	f("cas k 0 0 1\r\na\r\n", "err \"ERROR\\r\\n\"\nerr \"ERROR\\r\\n\"")
	// Bad numbers: CLIENT_ERROR, no swallow.
	for _, in := range []string{
		"set k -1 0 1\r\na\r\n", "set k x 0 1\r\na\r\n", "set k 0 x 1\r\na\r\n",
		"set k 0 0 1x\r\na\r\n", "set k 0 0 -1\r\na\r\n", "set k 18446744073709551616 0 1\r\na\r\n",
		"set k 0 9223372036854775808 1\r\na\r\n", "set k 0 0 2147483647\r\na\r\n",
		"cas k 0 0 1 x\r\na\r\n", "cas k 0 0 1 -1\r\na\r\n", "cas k 0 0 1 18446744073709551616\r\na\r\n",
		"set " + strings.Repeat("k", 251) + " 0 0 1\r\na\r\n",
	} {
		f(in, "err \"CLIENT_ERROR bad command line format\\r\\n\"\nerr \"ERROR\\r\\n\"")
	}
	f("set "+strings.Repeat("k", 250)+" 0 0 1\r\na\r\n", `set key="`+strings.Repeat("k", 250)+`" data="a"`)
	// noreply silences the command's own errors.
	f("set k 0 0 abc noreply\r\nabc\r\n", "err \"\"\nerr \"ERROR\\r\\n\"")
	f("set k 0 0 noreply\r\nabc\r\n", "err \"\"\nerr \"ERROR\\r\\n\"")
	// Bad data chunk: the declared bytes + 2 are consumed, the rest is
	// parsed as commands.
	f("set k 0 0 3\r\nabcde\r\nget k\r\n", "err \"CLIENT_ERROR bad data chunk\\r\\n\"\nerr \"ERROR\\r\\n\"\nget keys=\"k\"")
	f("set k 0 0 3 noreply\r\nabcde\r\n", "err \"\"\nerr \"ERROR\\r\\n\"")
	f("set k 0 0 1\nx\nget k\n", "err \"CLIENT_ERROR bad data chunk\\r\\n\"\nerr \"ERROR\\r\\n\"")
	// Waiting for the data block.
	f("set k 0 0 10\r\nabc", "pending 17")
}

func TestMCTooLarge(t *testing.T) {
	f := mcF(t, newMC)
	// 1 MB item limit, counted as memcached does: 56 + key+1 + value+2
	// (+4 with client flags) <= 1048576.
	ok := 1048576 - 56 - 2 - 2 // key "k"
	f("set k 0 0 "+itoa(ok)+"\r\n"+strings.Repeat("a", ok)+"\r\n", `set key="k" data="`+strings.Repeat("a", ok)+`"`)
	big := ok + 1
	f("set k 0 0 "+itoa(big)+"\r\n"+strings.Repeat("a", big)+"\r\nmn\r\n",
		"err \"SERVER_ERROR object too large for cache\\r\\n\" skip="+itoa(big+2)+" delete=\"k\"\nmn")
	f("set k 1 0 "+itoa(ok-3)+"\r\n"+strings.Repeat("a", ok-3)+"\r\nmn\r\n",
		"err \"SERVER_ERROR object too large for cache\\r\\n\" skip="+itoa(ok-1)+" delete=\"k\"\nmn")
	// Only set deletes the old value; noreply silences the reply but the
	// data is still swallowed.
	f("add k 0 0 2000000 noreply\r\n"+strings.Repeat("a", 2000002)+"mn\r\n",
		"err \"\" skip=2000002\nmn")
	// A huge declared length is swallowed as it streams in.
	f("set k 0 0 2147483645\r\nabc", "err \"SERVER_ERROR object too large for cache\\r\\n\" skip=2147483647 delete=\"k\"")
	f("ms k 2000000 T0\r\n"+strings.Repeat("a", 2000002)+"mn\r\n",
		"err \"SERVER_ERROR object too large for cache\\r\\n\" skip=2000002 delete=\"k\"\nmn")
	// A smaller configured limit.
	small := func() *proto.MCParser { return &proto.MCParser{MaxItemSize: 100} }
	g := mcF(t, small)
	g("set k 0 0 40\r\n"+strings.Repeat("a", 40)+"\r\n", `set key="k" data="`+strings.Repeat("a", 40)+`"`)
	g("set k 0 0 41\r\n"+strings.Repeat("a", 41)+"\r\n", "err \"SERVER_ERROR object too large for cache\\r\\n\" skip=43 delete=\"k\"")
}

func TestMCRetrieval(t *testing.T) {
	f := mcF(t, newMC)
	f("get k\r\n", `get keys="k"`)
	f("get a b  c \r\n", `get keys="a","b","c"`)
	f("gets a b\r\n", `gets keys="a","b"`)
	f("bget a\r\n", `get keys="a"`)
	f("gat 10 a b\r\n", `gat keys="a","b" exp=10`)
	f("gats -1 a\r\n", `gats keys="a" exp=-1`)
	f("gat 0\r\n", `gat`)
	f("get\r\n", `err "ERROR\r\n"`)
	f("gets\r\n", `err "ERROR\r\n"`)
	f("gat\r\n", `err "ERROR\r\n"`)
	f("gx k\r\n", `err "ERROR\r\n"`)
	f("GET k\r\n", `err "ERROR\r\n"`)
	f("get\tk\r\n", `err "ERROR\r\n"`)
	f("gat x k\r\n", `err "CLIENT_ERROR invalid exptime argument\r\n"`)
	f("get k "+strings.Repeat("x", 251)+" k\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	// A NUL ends the line for memcached (a C string); the rest of the line
	// is dropped.
	f("get a\x00b c\r\n", `get keys="a"`)
	// A CR not before the LF is part of the key.
	f("get k\r\r\n", `get keys="k\r"`)
	// More than 24 tokens: memcached re-tokenizes the rest.
	keys := make([]string, 60)
	for i := range keys {
		keys[i] = "k" + itoa(i)
	}
	want := `get keys="` + strings.Join(keys, `","`) + `"`
	f("get "+strings.Join(keys, " ")+"\r\n", want)
}

func TestMCOther(t *testing.T) {
	f := mcF(t, newMC)
	f("delete k\r\n", `delete key="k"`)
	f("delete k 0\r\n", `delete key="k"`)
	f("delete k noreply\r\n", `delete key="k" noreply`)
	f("delete k 0 noreply\r\n", `delete key="k" noreply`)
	f("delete k 1\r\n", `err "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"`)
	f("delete k 1 noreply\r\n", `err ""`)
	f("delete\r\n", `err "ERROR\r\n"`)
	f("delete a b c d\r\n", `err "ERROR\r\n"`)
	f("delete "+strings.Repeat("k", 251)+"\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	f("incr k 5\r\n", `incr key="k" delta=5`)
	f("decr k 18446744073709551615 noreply\r\n", `decr key="k" delta=18446744073709551615 noreply`)
	f("incr k -1\r\n", `err "CLIENT_ERROR invalid numeric delta argument\r\n"`)
	f("incr k x\r\n", `err "CLIENT_ERROR invalid numeric delta argument\r\n"`)
	f("incr k 18446744073709551616\r\n", `err "CLIENT_ERROR invalid numeric delta argument\r\n"`)
	f("incr k noreply\r\n", `err ""`)
	f("incr k\r\n", `err "ERROR\r\n"`)
	f("touch k 10\r\n", `touch key="k" exp=10`)
	f("touch k -1 noreply\r\n", `touch key="k" exp=-1 noreply`)
	f("touch k x\r\n", `err "CLIENT_ERROR invalid exptime argument\r\n"`)
	f("touch k\r\n", `err "ERROR\r\n"`)
	f("flush_all\r\n", `flush_all`)
	f("flush_all 10\r\n", `flush_all exp=10`)
	f("flush_all noreply\r\n", `flush_all noreply`)
	f("flush_all 10 noreply\r\n", `flush_all exp=10 noreply`)
	f("flush_all 5 6\r\n", `flush_all exp=5`)
	f("flush_all x\r\n", `err "CLIENT_ERROR invalid exptime argument\r\n"`)
	f("flush_all x noreply\r\n", `err ""`)
	f("flush_all 1 2 3\r\n", `err "ERROR\r\n"`)
	f("version\r\n", `version`)
	f("version x\r\n", `version`)
	f("verbosity 1\r\n", `verbosity level=1`)
	f("verbosity 1 2\r\n", `verbosity level=1`)
	f("verbosity 1 noreply\r\n", `verbosity level=1 noreply`)
	f("verbosity x\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	f("verbosity\r\n", `err "ERROR\r\n"`)
	f("verbosity 1 2 3\r\n", `err "ERROR\r\n"`)
	f("stats\r\n", `stats`)
	f("stats detail on\r\n", `stats args=["detail" "on"]`)
	f("quit\r\n", `quit`)
	f("quit x\r\n", `quit`)
	f("\r\n", `err "ERROR\r\n"`)
	f("\n", `err "ERROR\r\n"`)
	f("x\r\n", `err "ERROR\r\n"`)
	f("foo bar\r\n", `err "ERROR\r\n"`)
	f("shutdown\r\n", `err "ERROR\r\n"`)
}

func TestMCLongLines(t *testing.T) {
	f := mcF(t, newMC)
	// No LF after 2048 bytes: close without a reply.
	f(strings.Repeat("x", 2049), `err "" close`)
	f(strings.Repeat("x", 2048), "pending 2048")
	f("set k 0 0 1 "+strings.Repeat(" ", 3000)+"\r\na\r\n", `err "" close`)
	// get/gets (and gat/gats) lines may be longer.
	long := "get" + strings.Repeat(" k", 1500)
	f(long, "pending "+itoa(len(long)))
	want := `get keys=` + strings.TrimSuffix(strings.Repeat(`"k",`, 1500), ",")
	f(long+"\r\n", want)
	f("gat 0"+strings.Repeat(" k", 1500)+"\r\n", `gat keys=`+strings.TrimSuffix(strings.Repeat(`"k",`, 1500), ","))
	// ... unless more than 100 spaces lead.
	f(strings.Repeat(" ", 101)+long, `err "" close`)
	f(strings.Repeat(" ", 100)+long+"\r\n", want)
	// MaxGetLine bounds them.
	g := mcF(t, func() *proto.MCParser { return &proto.MCParser{MaxGetLine: 3000} })
	g(long+"\r\n", `err "" close`)
}

func TestMCStrictKeys(t *testing.T) {
	f := mcF(t, newMC)
	f("get a\x01b\r\n", `get keys="a\x01b"`)
	g := mcF(t, func() *proto.MCParser { return &proto.MCParser{StrictKeys: true} })
	g("get a\x01b\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	g("set a\x7f 0 0 1\r\na\r\n", "err \"CLIENT_ERROR bad command line format\\r\\n\"\nerr \"ERROR\\r\\n\"")
	g("mg a\tb v\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	g("get ab\r\n", `get keys="ab"`)
}

func TestMCMeta(t *testing.T) {
	f := mcF(t, newMC)
	f("mn\r\n", `mn`)
	f("mn x y\r\n", `mn`)
	f("mg k\r\n", `mg key="k"`)
	f("mg k v f t s c k O123 q\r\n", `mg key="k" flags=v,f,t,s,c,k,O123,q q`)
	f("mg k T30 N-1 R5 u h l\r\n", `mg key="k" flags=T30,N-1,R5,u,h,l T=30 N=-1 R=5`)
	f("mg k E7\r\n", `mg key="k" flags=E7 E=7`)
	f("mg azE= b k v\r\n", `mg key="k1" flags=b,k,v b64`)
	f("mg k vXYZ\r\n", `mg key="k" flags=vXYZ`)
	f("mg\r\n", `err "ERROR\r\n"`)
	f("mx k\r\n", `err "ERROR\r\n"`)
	f("m\r\n", `err "ERROR\r\n"`)
	f("MG k\r\n", `err "ERROR\r\n"`)
	f("mg k zz\r\n", `err "CLIENT_ERROR invalid flag\r\n"`)
	f("mg k 1\r\n", `err "CLIENT_ERROR invalid flag\r\n"`)
	f("mg k v v\r\n", `err "CLIENT_ERROR duplicate flag\r\n"`)
	f("mg k \x80\r\n", `err "CLIENT_ERROR duplicate flag\r\n"`)
	f("mg k Tx\r\n", `err "CLIENT_ERROR bad token in command line format\r\n"`)
	f("mg k T\r\n", `err "CLIENT_ERROR bad token in command line format\r\n"`)
	f("mg k Tx Mxx\r\n", `err "CLIENT_ERROR incorrect length for M token\r\n"`)
	f("mg k Mxx Tx\r\n", `err "CLIENT_ERROR bad token in command line format\r\n"`)
	f("mg k Tx zz\r\n", `err "CLIENT_ERROR invalid flag\r\n"`)
	f("mg k Fx\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	f("mg k Jx\r\n", `err "CLIENT_ERROR invalid numeric initial value\r\n"`)
	f("mg k D-1\r\n", `err "CLIENT_ERROR invalid numeric delta value\r\n"`)
	f("mg k b\r\n", `err "CLIENT_ERROR error decoding key\r\n"`)
	f("mg k O"+strings.Repeat("1", 31)+"\r\n", `mg key="k" flags=O`+strings.Repeat("1", 31))
	f("mg k O"+strings.Repeat("1", 32)+"\r\n", `err "CLIENT_ERROR opaque token too long\r\n"`)
	f("mg k"+strings.Repeat(" v", 17)+"\r\n", `err "CLIENT_ERROR duplicate flag\r\n"`)
	f("mg k"+strings.Repeat(" v", 18)+"\r\n", `err "CLIENT_ERROR options flags are too long\r\n"`)
	f("mg "+strings.Repeat("k", 251)+" v\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)

	f("ms k 2\r\nab\r\n", `ms key="k" data="ab"`)
	f("ms k 2 T0 F5 c k O1 I MS C9 q\r\nab\r\n", `ms key="k" data="ab" flags=T0,F5,c,k,O1,I,MS,C9,q F=5 C=9 M=S q`)
	f("ms azE= 2 b\r\nab\r\n", `ms key="k1" data="ab" flags=b b64`)
	f("ms k 4294967298\r\nab\r\n", `ms key="k" data="ab"`)
	f("ms k\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	f("ms k x\r\nab\r\n", "err \"CLIENT_ERROR bad command line format\\r\\n\"\nerr \"ERROR\\r\\n\"")
	f("ms k -1\r\nab\r\n", "err \"CLIENT_ERROR bad command line format\\r\\n\"\nerr \"ERROR\\r\\n\"")
	// Flag errors swallow the data block.
	f("ms k 2 F-1\r\nab\r\nmn\r\n", "err \"CLIENT_ERROR bad command line format\\r\\n\" skip=4\nmn")
	f("ms k 2 C-1\r\nab\r\nmn\r\n", "err \"CLIENT_ERROR bad token in command line format\\r\\n\" skip=4\nmn")
	f("ms k 2 Fx Tx\r\nab\r\n", "err \"CLIENT_ERROR bad token in command line format\\r\\n\" skip=4")
	f("ms k 2 b\r\nab\r\n", "err \"CLIENT_ERROR error decoding key\\r\\n\" skip=4")
	f("ms k 2 MX\r\nab\r\n", "err \"CLIENT_ERROR invalid mode for ms M token\\r\\n\" skip=4")
	f("ms k 2 Ms\r\nab\r\n", "err \"CLIENT_ERROR invalid mode for ms M token\\r\\n\" skip=4")
	f("ms k 2 T1 T2\r\nab\r\n", "err \"CLIENT_ERROR duplicate flag\\r\\n\" skip=4")
	f("ms k 2 O"+strings.Repeat("1", 40)+"\r\nab\r\n", "err \"CLIENT_ERROR opaque token too long\\r\\n\" skip=4")
	f("ms k 2 O"+strings.Repeat("1", 40)+" MX\r\nab\r\n", "err \"CLIENT_ERROR invalid mode for ms M token\\r\\n\" skip=4")
	// Too many flags: no swallow.
	f("ms k 2"+strings.Repeat(" O1", 17)+"\r\nab\r\n", "err \"CLIENT_ERROR options flags too long\\r\\n\"\nerr \"ERROR\\r\\n\"")
	// Bad chunk is never silenced for ms.
	f("ms k 2 q\r\nabc\r\nmn\r\n", "err \"CLIENT_ERROR bad data chunk\\r\\n\"\nerr \"ERROR\\r\\n\"\nmn")

	f("md k\r\n", `md key="k"`)
	f("md k q C5 I T30 k O9 x\r\n", `md key="k" flags=q,C5,I,T30,k,O9,x T=30 C=5 q`)
	f("md k zz\r\n", `err "CLIENT_ERROR invalid or duplicate flag\r\n"`)
	f("md k Tx\r\n", `err "CLIENT_ERROR invalid or duplicate flag\r\n"`)
	f("md k"+strings.Repeat(" q", 18)+"\r\n", `err "CLIENT_ERROR options flags too long\r\n"`)

	f("ma k\r\n", `ma key="k"`)
	f("ma k N0 J10 D3 MD v t c\r\n", `ma key="k" flags=N0,J10,D3,MD,v,t,c D=3 J=10 M=D`)
	f("ma k M-\r\n", `ma key="k" flags=M- M=-`)
	f("ma k Mx\r\n", `err "CLIENT_ERROR invalid mode for ma M token\r\n"`)
	f("ma k Mi\r\n", `err "CLIENT_ERROR invalid mode for ma M token\r\n"`)
	f("ma k M\r\n", `err "CLIENT_ERROR invalid or duplicate flag\r\n"`)
	f("ma k D-1\r\n", `err "CLIENT_ERROR invalid or duplicate flag\r\n"`)
	f("ma k J-1\r\n", `err "CLIENT_ERROR invalid or duplicate flag\r\n"`)

	f("me k\r\n", `me key="k"`)
	f("me azE= b\r\n", `me key="k1" b64`)
	f("me\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	f("me k b\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	f("me a b c d\r\n", `err "CLIENT_ERROR bad command line format\r\n"`)
	f("me YWJj b c d\r\n", `me key="abc" b64`)
	f("me a c b\r\n", `me key="a"`)
}

func TestMCBase64Keys(t *testing.T) {
	f := mcF(t, newMC)
	// memcached's decoder skips bytes outside the alphabet and stops at
	// the first padded group.
	f("mg YWJj b\r\n", `mg key="abc" flags=b b64`)
	f("mg YW\x01Jj b\r\n", `mg key="abc" flags=b b64`)
	f("mg YW=j b\r\n", "mg key=\"a`\" flags=b b64")
	f("mg YQ==YWJj b\r\n", `mg key="a" flags=b b64`)
	f("mg YQ=x b\r\n", `mg key="a\x00" flags=b b64`)
	for _, bad := range []string{"azE", "a===", "YWI", "YWI==", "YQ", "===="} {
		f("mg "+bad+" b\r\n", `err "CLIENT_ERROR error decoding key\r\n"`)
	}
}

func TestMCMetaQuiet(t *testing.T) {
	var p proto.MCParser
	quiet := func(req, code string) bool {
		t.Helper()
		_, c, err := p.Parse([]byte(req))
		if err != nil || c == nil {
			t.Fatalf("%q: %v", req, err)
		}
		return c.MetaQuiet(code)
	}
	f := func(req, code string, want bool) {
		t.Helper()
		if got := quiet(req, code); got != want {
			t.Errorf("%q %s: quiet=%v, want %v", req, code, got, want)
		}
	}
	f("mg k q\r\n", "EN", true)
	f("mg k q\r\n", "HD", false)
	f("mg k\r\n", "EN", false)
	f("ms k 1 q\r\na\r\n", "HD", true)
	f("ms k 1 q\r\na\r\n", "NS", false)
	f("md k q\r\n", "HD", true)
	f("md k q\r\n", "NF", false)
	f("ma k q\r\n", "VA", true)
	f("ma k q\r\n", "NF", false)
}

func TestMCNeed(t *testing.T) {
	var p proto.MCParser
	req := []byte("set k 0 0 100\r\nab")
	n, c, err := p.Parse(req)
	if n != 0 || c != nil || err != nil {
		t.Fatalf("got %d %v %v", n, c, err)
	}
	if got := p.Need(); got != 15+102 {
		t.Fatalf("Need=%d want %d", got, 117)
	}
	if _, _, _ = p.Parse([]byte("get")); p.Need() != 0 {
		t.Fatalf("Need=%d after a partial line, want 0", p.Need())
	}
}

func TestMCErrorText(t *testing.T) {
	var p proto.MCParser
	_, _, err := p.Parse([]byte("bogus\r\n"))
	if err == nil || err.Error() != "memcache: ERROR" {
		t.Fatalf("err = %v", err)
	}
	_, _, err = p.Parse([]byte(strings.Repeat("z", 3000)))
	if err == nil || err.Error() != "memcache: close connection" {
		t.Fatalf("err = %v", err)
	}
}

// TestMCAllocs: parsing a pipelined batch of set/get/mg/ms and writing
// their replies allocates nothing in steady state.
func TestMCAllocs(t *testing.T) {
	if mcRaceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	var batch []byte
	for i := 0; i < 16; i++ {
		batch = append(batch, "set key:0000"+itoa(i%10)+" 0 0 10\r\n0123456789\r\n"...)
		batch = append(batch, "get key:0000"+itoa(i%10)+" key:x\r\n"...)
		batch = append(batch, "mg key:0000"+itoa(i%10)+" v f t c k O42\r\n"...)
		batch = append(batch, "ms key:0000"+itoa(i%10)+" 3 T10 F3 c\r\nabc\r\n"...)
		batch = append(batch, "gats 10 a b c\r\n"...)
	}
	var p proto.MCParser
	out := make([]byte, 0, 64<<10)
	value := []byte("0123456789")
	item := proto.MetaItem{Size: 10, ClientFlags: 3, CAS: 77, TTL: -1}
	run := func() {
		out = out[:0]
		buf := batch
		for len(buf) > 0 {
			n, c, err := p.Parse(buf)
			if err != nil || n == 0 {
				t.Fatalf("parse: n=%d err=%v", n, err)
			}
			buf = buf[n:]
			if c == nil {
				continue
			}
			switch c.Kind {
			case proto.MCSet:
				out = proto.AppendMCLine(out, proto.MCStored)
			case proto.MCGet, proto.MCGats:
				for _, k := range c.Keys {
					out = proto.AppendMCValueCAS(out, k, 0, value, 12)
				}
				out = proto.AppendMCLine(out, proto.MCEnd)
			case proto.MCMetaGet:
				out = proto.AppendMetaValue(out, len(value))
				out = c.AppendMetaFlags(out, &item)
				out = proto.AppendMetaEnd(out)
				out = proto.AppendMetaData(out, value)
			case proto.MCMetaSet:
				out = proto.AppendMetaStatus(out, proto.MetaHD)
				out = c.AppendMetaFlags(out, &item)
				out = proto.AppendMetaEnd(out)
			}
		}
	}
	run() // warm up the reused key slices
	if a := testing.AllocsPerRun(50, run); a != 0 {
		t.Fatalf("%v allocations per batch, want 0", a)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

func TestMCWriters(t *testing.T) {
	f := func(got []byte, want string) {
		t.Helper()
		if string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(proto.AppendMCValue(nil, []byte("k"), 5, []byte("ab")), "VALUE k 5 2\r\nab\r\n")
	f(proto.AppendMCValueCAS([]byte("x"), []byte("k"), 4294967295, nil, 18446744073709551615), "xVALUE k 4294967295 0 18446744073709551615\r\n\r\n")
	f(proto.AppendMCValueHeader(nil, []byte("key"), 0, 10, 0, false), "VALUE key 0 10\r\n")
	f(proto.AppendMCLine(nil, proto.MCStored), "STORED\r\n")
	f(proto.AppendMCUint(nil, 18446744073709551615), "18446744073709551615\r\n")
	f(proto.AppendMCVersion(nil, "1.6.18"), "VERSION 1.6.18\r\n")
	f(proto.AppendMCStat(nil, "pid", "42"), "STAT pid 42\r\n")
	f(proto.AppendMCStatInt(nil, "uptime", -1), "STAT uptime -1\r\n")
	f(proto.AppendMCError(nil), "ERROR\r\n")
	f(proto.AppendMCClientError(nil, "bad data chunk"), "CLIENT_ERROR bad data chunk\r\n")
	f(proto.AppendMCServerError(nil, "out of memory"), "SERVER_ERROR out of memory\r\n")
	f(proto.AppendMetaDebug(nil, []byte("k1"), true, -1, 3, 7, false, 1, 62), "ME azE= exp=-1 la=3 cas=7 fetch=no cls=1 size=62\r\n")
	f(proto.AppendMetaDebug(nil, []byte("k"), false, 10, 0, 1, true, 2, 70), "ME k exp=10 la=0 cas=1 fetch=yes cls=2 size=70\r\n")
	f(proto.AppendMetaFlag(proto.AppendMetaFlagInt(proto.AppendMetaStatus(nil, proto.MetaHD), 't', -1), 'W'), "HD t-1 W")

	var p proto.MCParser
	reply := func(req string, va bool, it *proto.MetaItem, want string) {
		t.Helper()
		_, c, err := p.Parse([]byte(req))
		if err != nil {
			t.Fatalf("%q: %v", req, err)
		}
		var out []byte
		if va {
			out = proto.AppendMetaValue(out, it.Size)
		} else if it != nil {
			out = proto.AppendMetaStatus(out, proto.MetaHD)
		} else {
			out = proto.AppendMetaStatus(out, proto.MetaEN)
		}
		out = proto.AppendMetaEnd(c.AppendMetaFlags(out, it))
		f(out, want)
	}
	it := &proto.MetaItem{Size: 2, ClientFlags: 7, CAS: 9, TTL: 30, LastAccess: 4, Fetched: true, Won: true, Stale: true, TokenSent: true}
	reply("mg k v s t c f l h O1 k q u\r\n", true, it, "VA 2 s2 t30 c9 f7 l4 h1 O1 kk Z X W\r\n")
	reply("mg azE= b k O2 c\r\n", false, nil, "EN kazE= b O2\r\n")
	reply("ms k 1 c k s t O3\r\na\r\n", false, it, "HD c9 kk O3\r\n")
	reply("md k c k O4\r\n", false, it, "HD kk O4\r\n")
	reply("ma k c t s k v\r\n", true, it, "VA 2 c9 t30 kk\r\n")
}
