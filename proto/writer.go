package proto

import (
	"math"
	"strconv"
)

// Writer appends RESP replies to Buf. Resp3 selects the protocol the
// connection negotiated (HELLO 3); every RESP3-only type is downgraded to
// its RESP2 form exactly as Redis 7 does when Resp3 is false:
//
//	RESP3 (Resp3 == true)          RESP2 (Resp3 == false)
//	_  null                        $-1 (Null) or *-1 (NullArray)
//	%n map of n pairs              *2n flat array
//	~n set                         *n array
//	>n push                        *n array (as Redis sends pub/sub messages)
//	|n attribute                   nothing: the caller skips the pairs (AttrLen)
//	,d double                      bulk string of the same text
//	#t / #f boolean                :1 / :0
//	(n big number                  bulk string of the digits
//	=len txt:text verbatim         bulk string of text, no "txt:" prefix
//
// A Writer is owned by whoever runs the command (a shard thread); Buf is
// handed back to the connection afterwards. The zero Writer is usable and
// writes RESP2. Writing never allocates once Buf has room; aggregate
// headers (ArrayLen, MapLen, ...) must be followed by exactly that many
// elements (twice as many for maps and attributes: key, value, ...).
type Writer struct {
	Buf   []byte
	Resp3 bool
}

// SimpleString appends "+s\r\n". CR and LF in s become spaces, so the
// reply stays one line.
func (w *Writer) SimpleString(s string) { w.Buf = AppendSimple(w.Buf, s) }

// OK appends "+OK\r\n".
func (w *Writer) OK() { w.Buf = append(w.Buf, "+OK\r\n"...) }

// Error appends "-msg\r\n"; msg carries its own code ("ERR ...", "WRONGTYPE ...").
// CR and LF in msg become spaces, as Redis's addReplyErrorFormat does.
func (w *Writer) Error(msg string) { w.Buf = AppendError(w.Buf, msg) }

// WrongType appends Redis's WRONGTYPE error.
func (w *Writer) WrongType() { w.Buf = append(w.Buf, errWrongType...) }

const errWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

// Int appends ":n\r\n".
func (w *Writer) Int(n int64) { w.Buf = AppendInt(w.Buf, n) }

// Bulk appends "$len\r\nb\r\n". A nil b is the empty string, not null.
func (w *Writer) Bulk(b []byte) { w.Buf = AppendBulk(w.Buf, b) }

// BulkString appends s as a bulk string.
func (w *Writer) BulkString(s string) { w.Buf = AppendBulkString(w.Buf, s) }

// BulkInt appends the decimal text of n as a bulk string (how Redis replies
// with an integer-encoded string value, e.g. GET after SET k 10).
func (w *Writer) BulkInt(n int64) { w.Buf = AppendBulkInt(w.Buf, n) }

// Null appends the null bulk string ("$-1" in RESP2, "_" in RESP3).
func (w *Writer) Null() { w.Buf = AppendNull(w.Buf, w.Resp3) }

// NullArray appends the null array ("*-1" in RESP2, "_" in RESP3), e.g. a
// timed-out BLPOP or an aborted EXEC.
func (w *Writer) NullArray() { w.Buf = AppendNullArray(w.Buf, w.Resp3) }

// ArrayLen appends an array header for n elements.
func (w *Writer) ArrayLen(n int) { w.Buf = AppendArrayLen(w.Buf, n) }

// MapLen appends a map header for n key/value pairs ("%n"; "*2n" in RESP2).
func (w *Writer) MapLen(n int) { w.Buf = AppendMapLen(w.Buf, n, w.Resp3) }

// SetLen appends a set header for n elements ("~n"; "*n" in RESP2).
func (w *Writer) SetLen(n int) { w.Buf = AppendSetLen(w.Buf, n, w.Resp3) }

// PushLen appends a push header for n elements (">n"; "*n" in RESP2).
func (w *Writer) PushLen(n int) { w.Buf = AppendPushLen(w.Buf, n, w.Resp3) }

// AttrLen appends an attribute header for n key/value pairs ("|n") and
// reports true; the caller then writes the 2n elements and the reply they
// annotate. In RESP2, where Redis sends no attributes, it writes nothing
// and reports false: the caller skips the pairs and writes only the reply.
func (w *Writer) AttrLen(n int) bool {
	if !w.Resp3 {
		return false
	}
	w.Buf = appendLen(w.Buf, '|', int64(n))
	return true
}

// Double appends f as Redis 7.0's addReplyDouble does: "%.17g" text (so
// 1.1 is "1.1000000000000001"), "inf"/"-inf", "nan"; a RESP3 double
// (",text") or, in RESP2, a bulk string of the same text.
func (w *Writer) Double(f float64) { w.Buf = AppendDouble(w.Buf, f, w.Resp3) }

// Bool appends a boolean ("#t"/"#f"; ":1"/":0" in RESP2).
func (w *Writer) Bool(b bool) { w.Buf = AppendBool(w.Buf, b, w.Resp3) }

// BigNumber appends digits (an optional '-' and decimal digits, unchecked)
// as a big number ("(digits"; a bulk string in RESP2).
func (w *Writer) BigNumber(digits string) { w.Buf = AppendBigNumber(w.Buf, digits, w.Resp3) }

// Verbatim appends text as a verbatim string of format ext ("txt" or "mkd",
// exactly three bytes): "=len\r\next:text\r\n"; in RESP2 a bulk string of
// text alone.
func (w *Writer) Verbatim(ext string, text []byte) {
	w.Buf = AppendVerbatim(w.Buf, ext, text, w.Resp3)
}

// AppendSimple appends a simple string reply; CR and LF in s become spaces.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = appendLine(dst, s)
	return append(dst, '\r', '\n')
}

// AppendError appends an error reply; msg carries its own code. CR and LF
// in msg become spaces.
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	dst = appendLine(dst, msg)
	return append(dst, '\r', '\n')
}

// appendLine appends s with CR and LF mapped to spaces.
func appendLine(dst []byte, s string) []byte {
	start := len(dst)
	dst = append(dst, s...)
	for i := start; i < len(dst); i++ {
		if c := dst[i]; c == '\r' || c == '\n' {
			dst[i] = ' '
		}
	}
	return dst
}

// AppendInt appends an integer reply.
func AppendInt(dst []byte, n int64) []byte { return appendLen(dst, ':', n) }

// AppendBulk appends a bulk string reply.
func AppendBulk(dst, b []byte) []byte {
	dst = appendLen(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends a bulk string reply.
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendLen(dst, '$', int64(len(s)))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendBulkInt appends the decimal text of n as a bulk string.
func AppendBulkInt(dst []byte, n int64) []byte {
	var tmp [20]byte
	return AppendBulk(dst, strconv.AppendInt(tmp[:0], n, 10))
}

// AppendNull appends the null bulk string: "$-1" in RESP2, "_" in RESP3.
func AppendNull(dst []byte, resp3 bool) []byte {
	if resp3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray appends the null array: "*-1" in RESP2, "_" in RESP3.
func AppendNullArray(dst []byte, resp3 bool) []byte {
	if resp3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "*-1\r\n"...)
}

// AppendArrayLen appends an array header for n elements.
func AppendArrayLen(dst []byte, n int) []byte { return appendLen(dst, '*', int64(n)) }

// AppendMapLen appends a map header for n pairs ("*2n" in RESP2).
func AppendMapLen(dst []byte, n int, resp3 bool) []byte {
	if resp3 {
		return appendLen(dst, '%', int64(n))
	}
	return appendLen(dst, '*', 2*int64(n))
}

// AppendSetLen appends a set header for n elements ("*n" in RESP2).
func AppendSetLen(dst []byte, n int, resp3 bool) []byte {
	if resp3 {
		return appendLen(dst, '~', int64(n))
	}
	return appendLen(dst, '*', int64(n))
}

// AppendPushLen appends a push header for n elements ("*n" in RESP2).
func AppendPushLen(dst []byte, n int, resp3 bool) []byte {
	if resp3 {
		return appendLen(dst, '>', int64(n))
	}
	return appendLen(dst, '*', int64(n))
}

// AppendAttrLen appends a RESP3 attribute header for n pairs. RESP2 has no
// attributes: see Writer.AttrLen.
func AppendAttrLen(dst []byte, n int) []byte { return appendLen(dst, '|', int64(n)) }

// AppendDouble appends f as Writer.Double does.
func AppendDouble(dst []byte, f float64, resp3 bool) []byte {
	var tmp [32]byte
	text := FormatDouble(tmp[:0], f)
	if resp3 {
		dst = append(dst, ',')
		dst = append(dst, text...)
		return append(dst, '\r', '\n')
	}
	return AppendBulk(dst, text)
}

// FormatDouble appends the text Redis 7.0 gives a double reply: "inf",
// "-inf", "nan", else C's "%.17g" (shortest form not used: 0.1 is
// "0.10000000000000001", 1e17 is "1e+17", 3 is "3", -0 is "-0").
func FormatDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// AppendBool appends a boolean (":1"/":0" in RESP2).
func AppendBool(dst []byte, b bool, resp3 bool) []byte {
	switch {
	case resp3 && b:
		return append(dst, "#t\r\n"...)
	case resp3:
		return append(dst, "#f\r\n"...)
	case b:
		return append(dst, ":1\r\n"...)
	default:
		return append(dst, ":0\r\n"...)
	}
}

// AppendBigNumber appends a big number (a bulk string in RESP2).
func AppendBigNumber(dst []byte, digits string, resp3 bool) []byte {
	if !resp3 {
		return AppendBulkString(dst, digits)
	}
	dst = append(dst, '(')
	dst = append(dst, digits...)
	return append(dst, '\r', '\n')
}

// AppendVerbatim appends a verbatim string (a bulk string of text in RESP2).
// ext must be three bytes ("txt", "mkd").
func AppendVerbatim(dst []byte, ext string, text []byte, resp3 bool) []byte {
	if !resp3 {
		return AppendBulk(dst, text)
	}
	dst = appendLen(dst, '=', int64(len(text)+len(ext)+1))
	dst = append(dst, ext...)
	dst = append(dst, ':')
	dst = append(dst, text...)
	return append(dst, '\r', '\n')
}

func appendLen(dst []byte, prefix byte, n int64) []byte {
	if n >= 0 && n < 10 {
		return append(dst, prefix, byte('0'+n), '\r', '\n')
	}
	if n >= 10 && n < 100 {
		return append(dst, prefix, byte('0'+n/10), byte('0'+n%10), '\r', '\n')
	}
	dst = append(dst, prefix)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}
