package proto

import "strconv"

// Writer appends RESP replies to Buf. Resp3 selects the protocol the
// connection negotiated (HELLO 3); every RESP3-only type is downgraded to
// its RESP2 form exactly as Redis 7 does when Resp3 is false.
//
// A Writer is owned by whoever runs the command (a shard thread); Buf is
// handed back to the connection afterwards. The zero Writer is usable.
//
// NOTE: this is the minimal contract stub; the proto issue owns and
// completes it (doubles, RESP3 types, downgrade rules, tests).
type Writer struct {
	Buf   []byte
	Resp3 bool
}

// SimpleString appends "+s\r\n". s must not contain CR or LF.
func (w *Writer) SimpleString(s string) { w.Buf = AppendSimple(w.Buf, s) }

// OK appends "+OK\r\n".
func (w *Writer) OK() { w.Buf = append(w.Buf, "+OK\r\n"...) }

// Error appends "-msg\r\n"; msg carries its own code ("ERR ...", "WRONGTYPE ...").
func (w *Writer) Error(msg string) { w.Buf = AppendError(w.Buf, msg) }

// Int appends ":n\r\n".
func (w *Writer) Int(n int64) { w.Buf = AppendInt(w.Buf, n) }

// Bulk appends "$len\r\nb\r\n".
func (w *Writer) Bulk(b []byte) { w.Buf = AppendBulk(w.Buf, b) }

// BulkString appends s as a bulk string.
func (w *Writer) BulkString(s string) { w.Buf = AppendBulkString(w.Buf, s) }

// Null appends the null bulk string ("$-1" in RESP2, "_" in RESP3).
func (w *Writer) Null() {
	if w.Resp3 {
		w.Buf = append(w.Buf, "_\r\n"...)
	} else {
		w.Buf = append(w.Buf, "$-1\r\n"...)
	}
}

// ArrayLen appends an array header for n elements.
func (w *Writer) ArrayLen(n int) { w.Buf = appendLen(w.Buf, '*', int64(n)) }

// AppendSimple appends a simple string reply.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends an error reply; msg carries its own code.
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	dst = append(dst, msg...)
	return append(dst, '\r', '\n')
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

func appendLen(dst []byte, prefix byte, n int64) []byte {
	dst = append(dst, prefix)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}
