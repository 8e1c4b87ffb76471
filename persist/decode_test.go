package persist

import (
	"encoding/binary"
	"strings"
	"testing"
)

// Hand-built values in the encodings older Redis versions wrote (ziplist,
// zipmap, quicklist of ziplists, intset, old string-encoded zset scores),
// which no redis-server 7 here can produce.

// ziplist builds a ziplist of entries; an entry that parses as an int
// in [0,12] uses the immediate form, other ints int16/int32/int64/int24/
// int8 by the given encoding byte.
func ziplist(entries ...any) []byte {
	var body []byte
	prev := 0
	for _, e := range entries {
		var ent []byte
		if prev < 254 {
			ent = append(ent, byte(prev))
		} else {
			ent = append(ent, 254)
			ent = binary.LittleEndian.AppendUint32(ent, uint32(prev))
		}
		switch v := e.(type) {
		case string:
			switch {
			case len(v) < 64:
				ent = append(ent, byte(len(v)))
			case len(v) < 16384:
				ent = append(ent, 0x40|byte(len(v)>>8), byte(len(v)))
			default:
				ent = append(ent, 0x80)
				ent = binary.BigEndian.AppendUint32(ent, uint32(len(v)))
			}
			ent = append(ent, v...)
		case int:
			switch {
			case v >= 0 && v <= 12:
				ent = append(ent, 0xf1+byte(v))
			case v >= -128 && v <= 127:
				ent = append(ent, 0xfe, byte(v))
			case v >= -32768 && v <= 32767:
				ent = binary.LittleEndian.AppendUint16(append(ent, 0xc0), uint16(v))
			case v >= -(1<<23) && v < 1<<23:
				ent = append(ent, 0xf0, byte(v), byte(v>>8), byte(v>>16))
			case v >= -(1<<31) && v < 1<<31:
				ent = binary.LittleEndian.AppendUint32(append(ent, 0xd0), uint32(v))
			default:
				ent = binary.LittleEndian.AppendUint64(append(ent, 0xe0), uint64(v))
			}
		}
		prev = len(ent)
		body = append(body, ent...)
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(10+len(body)+1))
	out = binary.LittleEndian.AppendUint32(out, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(entries)))
	out = append(out, body...)
	return append(out, 0xff)
}

func rawStr(b []byte) []byte { return append(appendLen(nil, uint64(len(b))), b...) }

func parseOne(t *testing.T, typ byte, payload []byte) *Record {
	t.Helper()
	body := append([]byte("REDIS0009"), typ)
	body = append(body, rawStr([]byte("k"))...)
	body = append(body, payload...)
	var got *Record
	_, err := Parse(withCRC(body), func(r *Record) error {
		c := *r
		c.Elems = nil
		for _, e := range r.Elems {
			c.Elems = append(c.Elems, append([]byte(nil), e...))
		}
		c.Scores = append([]float64(nil), r.Scores...)
		got = &c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("no record")
	}
	return got
}

func joined(r *Record) string {
	var s []string
	for _, e := range r.Elems {
		s = append(s, string(e))
	}
	return strings.Join(s, ",")
}

func TestDecodeOldEncodings(t *testing.T) {
	long := strings.Repeat("z", 300)
	zl := ziplist("a", 0, 12, -1, 300, -70000, 1<<40, 5000000, long, "b")
	want := "a,0,12,-1,300,-70000,1099511627776,5000000," + long + ",b"
	if r := parseOne(t, typeListZiplist, rawStr(zl)); joined(r) != want || r.Type != 1 {
		t.Fatalf("list ziplist = %q", joined(r))
	}
	// quicklist v1: two ziplist nodes.
	ql := append(appendLen(nil, 2), rawStr(ziplist("x", 1))...)
	ql = append(ql, rawStr(ziplist("y"))...)
	if r := parseOne(t, typeListQuicklist, ql); joined(r) != "x,1,y" {
		t.Fatalf("quicklist = %q", joined(r))
	}
	if r := parseOne(t, typeHashZiplist, rawStr(ziplist("f", "v", "n", 7))); joined(r) != "f,v,n,7" || r.Type != 4 {
		t.Fatalf("hash ziplist = %q", joined(r))
	}
	r := parseOne(t, typeZSetZiplist, rawStr(ziplist("m", "1.5", "n", 3)))
	if joined(r) != "m,n" || len(r.Scores) != 2 || r.Scores[0] != 1.5 || r.Scores[1] != 3 {
		t.Fatalf("zset ziplist = %q %v", joined(r), r.Scores)
	}
	// Intset of width 8.
	is := binary.LittleEndian.AppendUint32(nil, 8)
	is = binary.LittleEndian.AppendUint32(is, 2)
	is = binary.LittleEndian.AppendUint64(is, uint64(1<<33))
	is = binary.LittleEndian.AppendUint64(is, ^uint64(0))
	if r := parseOne(t, typeSetIntset, rawStr(is)); joined(r) != "8589934592,-1" || r.Type != 2 {
		t.Fatalf("intset = %q", joined(r))
	}
	// Zipmap: 2 pairs, the second value with 2 free bytes.
	zm := []byte{2, 1, 'a', 1, 0, 'b', 2, 'c', 'd', 3, 2, 'e', 'f', 'g', 0, 0, 0xff}
	if r := parseOne(t, typeHashZipmap, rawStr(zm)); joined(r) != "a,b,cd,efg" {
		t.Fatalf("zipmap = %q", joined(r))
	}
	// Old zset: string-encoded scores, infinities by code.
	oz := append(appendLen(nil, 3), rawStr([]byte("a"))...)
	oz = append(oz, 3, '2', '.', '5')
	oz = append(oz, rawStr([]byte("b"))...)
	oz = append(oz, 254)
	oz = append(oz, rawStr([]byte("c"))...)
	oz = append(oz, 255)
	r = parseOne(t, typeZSet, oz)
	if joined(r) != "a,b,c" || r.Scores[0] != 2.5 || r.Scores[1] < 1e308 || r.Scores[2] > -1e308 {
		t.Fatalf("old zset = %q %v", joined(r), r.Scores)
	}
	// Seconds-resolution deadline and LZF strings.
	var table [1 << lzfHashLog]int32
	val := []byte(strings.Repeat("hello ", 40))
	c, ok := lzfCompress(nil, val, &table)
	if !ok {
		t.Fatal("not compressible")
	}
	body := []byte("REDIS0006")
	body = append(body, opExpireTime, 0x00, 0x00, 0x00, 0x70) // 1879048192 s
	body = append(body, typeString)
	body = append(body, rawStr([]byte("k"))...)
	body = append(body, lenEnc<<6|encLZF)
	body = append(body, appendLen(nil, uint64(len(c)))...)
	body = append(body, appendLen(nil, uint64(len(val)))...)
	body = append(body, c...)
	var got Record
	if _, err := Parse(withCRC(body), func(r *Record) error { got = *r; got.Str = append([]byte(nil), r.Str...); return nil }); err != nil {
		t.Fatal(err)
	}
	if string(got.Str) != string(val) || got.ExpireAt != 1879048192000 {
		t.Fatalf("LZF string = %q, deadline %d", got.Str, got.ExpireAt)
	}
}
