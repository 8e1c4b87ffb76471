package proto_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/darnerdb/darner/proto"
)

// mcFuzzSeeds are hostile and ordinary request streams.
var mcFuzzSeeds = []string{
	"set k 0 0 3\r\nabc\r\nget k\r\n",
	"set k 0 0 3\r\nabcde\r\nget k\r\n",
	"set k 0 0 -1\r\nabc\r\n",
	"set k 0 0 -2\r\n",
	"set k 0 0 9999999999\r\n",
	"set k 0 0 2147483647\r\nx",
	"set k 0 0 2147483645\r\nx",
	"set k 0 0 4294967297\r\na\r\n",
	"set k 18446744073709551616 0 1\r\na\r\n",
	"set k -9223372036854775809 0 1\r\na\r\n",
	"set k 0 0 1 noreply\r\na\r\n",
	"set k 0 0 noreply\r\nabc\r\n",
	"cas k 0 0 1 18446744073709551615\r\na\r\n",
	"cas k 0 0 1 -1\r\na\r\n",
	"get a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3\r\n",
	"gets a\x00b c\r\n",
	"gat -1 a b\r\n",
	"gats x a\r\n",
	"get " + strings.Repeat("k", 251) + "\r\n",
	"delete k 0 noreply\r\ndelete k 1\r\n",
	"incr k 18446744073709551615\r\ndecr k -1\r\n",
	"touch k -1 noreply\r\n",
	"flush_all -1 noreply\r\nflush_all x\r\n",
	"verbosity 1 noreply\r\nversion\r\nstats detail on\r\nquit\r\n",
	"\r\n\n\r\r\n",
	strings.Repeat("x", 2100),
	"get" + strings.Repeat(" k", 1100),
	strings.Repeat(" ", 101) + "get" + strings.Repeat(" k", 1100),
	"mn\r\nme k\r\nme azE= b\r\n",
	"mg k v f t s c k O123 q T30 N-1 R5 u h l E1\r\n",
	"mg azE= b k v\r\nmg YW=j b\r\nmg ==== b\r\n",
	"mg k v v\r\nmg k \x80\r\nmg k Tx Mxx\r\n",
	"mg k" + strings.Repeat(" v", 18) + "\r\n",
	"ms k 2 T0 F5 c k O1 I MS C9 q\r\nab\r\n",
	"ms k 2 F-1\r\nab\r\nms k 2 MX\r\nab\r\nms k -5\r\nab\r\n",
	"ms k 9999999999 T0\r\n",
	"ms k 300 T0\r\n" + strings.Repeat("a", 302),
	"ms k 2 q\r\nabc\r\n",
	"md k q C5 I T30 k O9 x\r\nmd k zz\r\n",
	"ma k N0 J10 D3 MD v t c\r\nma k Mi\r\nma k D-1\r\n",
}

func newFuzzMC() *proto.MCParser { return &proto.MCParser{MaxItemSize: 300, MaxGetLine: 4096} }

// FuzzMemcacheParse checks that any stream gives the same commands and
// errors however it is split (whole, byte by byte, in chunks of the fuzzed
// size, with and without moving the buffer), and that every command obeys
// the parser's contract.
func FuzzMemcacheParse(f *testing.F) {
	for i, s := range mcFuzzSeeds {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8) {
		if len(stream) > 8<<10 {
			return
		}
		c := int(chunk)%97 + 1
		tr, err := mcCheckSplits(newFuzzMC, stream, 1, c, c+1)
		if err != nil {
			t.Fatalf("%q: %v", stream, err)
		}
		if strings.Contains(tr, "BUG") {
			t.Fatalf("%q:\n%s", stream, tr)
		}
		// Contract checks on one pass.
		p := newFuzzMC()
		buf := stream
		for len(buf) > 0 {
			n, cmd, err := p.Parse(buf)
			if n == 0 && err == nil {
				break
			}
			if cmd != nil {
				mcFuzzCheckCommand(t, cmd)
			}
			if err != nil && err.(*proto.MCError).Close {
				break
			}
			buf = buf[n:]
		}
	})
}

func mcFuzzCheckCommand(t *testing.T, c *proto.MCCommand) {
	t.Helper()
	keys := c.Keys
	if c.Key != nil {
		keys = append(keys[:len(keys):len(keys)], c.Key)
	}
	for _, k := range keys {
		if len(k) == 0 || len(k) > proto.MCKeyMaxLen {
			t.Fatalf("%s: key of %d bytes", c.Kind, len(k))
		}
		if !c.Meta.Base64 && bytes.ContainsAny(k, " \n\x00") {
			t.Fatalf("%s: key %q holds a separator", c.Kind, k)
		}
	}
	switch {
	case c.Kind.IsStorage():
		if c.Key == nil || c.Data == nil {
			t.Fatalf("%s without key or data", c.Kind)
		}
	case c.Kind == proto.MCInvalid:
		t.Fatal("invalid command returned")
	}
	if c.Exptime != int64(int32(c.Exptime)) || c.Meta.TTL != int64(int32(c.Meta.TTL)) {
		t.Fatalf("%s: exptime out of int32 range", c.Kind)
	}
	if len(c.Meta.List) > 17 {
		t.Fatalf("%s: %d meta flags", c.Kind, len(c.Meta.List))
	}
}

// FuzzMemcacheRoundTrip encodes a command the way a client does and
// checks that the parser gives back exactly its fields.
func FuzzMemcacheRoundTrip(f *testing.F) {
	f.Add(uint8(0), []byte("key"), uint32(7), int32(100), uint64(5), []byte("value\r\n"), false)
	f.Add(uint8(5), []byte("k\tx"), uint32(0), int32(-1), uint64(1<<63), []byte(""), true)
	f.Add(uint8(6), []byte("a"), uint32(1<<31), int32(1<<30), uint64(1), []byte("x"), false)
	f.Add(uint8(12), []byte("k"), uint32(3), int32(-5), uint64(9), []byte("abc"), true)
	f.Fuzz(func(t *testing.T, kind uint8, key []byte, flags uint32, exptime int32, cas uint64, data []byte, noreply bool) {
		if len(key) == 0 || len(key) > proto.MCKeyMaxLen || bytes.ContainsAny(key, " \n\x00") ||
			key[len(key)-1] == '\r' || len(data) > 4096 {
			return
		}
		u := func(v uint64) string { return strconv.FormatUint(v, 10) }
		i := func(v int64) string { return strconv.FormatInt(v, 10) }
		nr := ""
		if noreply {
			nr = " noreply"
		}
		names := []string{"set", "add", "replace", "append", "prepend", "cas", "get", "gets", "delete", "incr", "decr", "touch", "mg", "ms", "md"}
		name := names[int(kind)%len(names)]
		k := string(key)
		var req string
		switch name {
		case "set", "add", "replace", "append", "prepend":
			req = name + " " + k + " " + u(uint64(flags)) + " " + i(int64(exptime)) + " " + i(int64(len(data))) + nr + "\r\n" + string(data) + "\r\n"
		case "cas":
			req = "cas " + k + " " + u(uint64(flags)) + " " + i(int64(exptime)) + " " + i(int64(len(data))) + " " + u(cas) + nr + "\r\n" + string(data) + "\r\n"
		case "get", "gets":
			req = name + " " + k + " " + k + "\r\n"
			noreply = false
		case "delete":
			req = "delete " + k + nr + "\r\n"
		case "incr", "decr":
			req = name + " " + k + " " + u(cas) + nr + "\r\n"
		case "touch":
			req = "touch " + k + " " + i(int64(exptime)) + nr + "\r\n"
		case "mg":
			req = "mg " + k + " v T" + i(int64(exptime)) + " O" + u(cas%1e9) + "\r\n"
			noreply = false
		case "ms":
			req = "ms " + k + " " + i(int64(len(data))) + " F" + u(uint64(flags)) + " C" + u(cas) + "\r\n" + string(data) + "\r\n"
			noreply = false
		case "md":
			req = "md " + k + " q\r\n"
			noreply = false
		}
		var p proto.MCParser
		n, c, err := p.Parse([]byte(req))
		if k == "noreply" && (name == "delete" || name == "incr" || name == "decr" || name == "touch") {
			return // the key itself reads as the noreply token
		}
		if err != nil || c == nil || n != len(req) {
			t.Fatalf("%q: n=%d err=%v", req, n, err)
		}
		if c.Kind.String() != name {
			t.Fatalf("%q: kind %s", req, c.Kind)
		}
		if c.NoReply != noreply {
			t.Fatalf("%q: noreply %v", req, c.NoReply)
		}
		switch name {
		case "get", "gets":
			if len(c.Keys) != 2 || string(c.Keys[0]) != k || string(c.Keys[1]) != k {
				t.Fatalf("%q: keys %q", req, c.Keys)
			}
			return
		}
		if string(c.Key) != k {
			t.Fatalf("%q: key %q", req, c.Key)
		}
		switch name {
		case "set", "add", "replace", "append", "prepend", "cas":
			if c.Flags != flags || c.Exptime != int64(exptime) || !bytes.Equal(c.Data, data) {
				t.Fatalf("%q: flags %d exptime %d data %q", req, c.Flags, c.Exptime, c.Data)
			}
			if name == "cas" && c.CAS != cas {
				t.Fatalf("%q: cas %d", req, c.CAS)
			}
		case "incr", "decr":
			if c.Delta != cas {
				t.Fatalf("%q: delta %d", req, c.Delta)
			}
		case "touch":
			if c.Exptime != int64(exptime) {
				t.Fatalf("%q: exptime %d", req, c.Exptime)
			}
		case "mg":
			if c.Meta.TTL != int64(exptime) || !c.Meta.Has('v') || string(c.Meta.Opaque) != "O"+u(cas%1e9) {
				t.Fatalf("%q: meta %+v", req, c.Meta)
			}
		case "ms":
			if c.Meta.ClientFlags != flags || c.Meta.CompareCAS != cas || !bytes.Equal(c.Data, data) {
				t.Fatalf("%q: meta %+v data %q", req, c.Meta, c.Data)
			}
		case "md":
			if !c.Meta.Quiet {
				t.Fatalf("%q: q lost", req)
			}
		}
	})
}
