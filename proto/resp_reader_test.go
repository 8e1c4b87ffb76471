package proto

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// reply is one RESP2/RESP3 reply as it appears on the wire, read back by
// readReply (test-only client side).
type reply struct {
	t     byte    // '+', '-', ':', '$', '*', '%', '~', '>', ',', '#', '(', '=', '_'
	s     string  // text of + - $ , ( = (with its "ext:" prefix)
	i     int64   // ':' value; '#' 1 or 0
	null  bool    // "$-1" or "*-1"
	elems []reply // '*', '~', '>' elements; '%' keys and values interleaved
	attr  []reply // attribute ('|') pairs sent before this reply
}

func (r reply) String() string {
	var b bytes.Buffer
	if len(r.attr) > 0 {
		fmt.Fprintf(&b, "|%v ", r.attr)
	}
	switch {
	case r.null:
		fmt.Fprintf(&b, "%c-1", r.t)
	case r.t == ':' || r.t == '#':
		fmt.Fprintf(&b, "%c%d", r.t, r.i)
	case r.elems != nil || r.t == '*' || r.t == '%' || r.t == '~' || r.t == '>':
		fmt.Fprintf(&b, "%c%v", r.t, r.elems)
	case r.t == '_':
		b.WriteByte('_')
	default:
		fmt.Fprintf(&b, "%c%q", r.t, r.s)
	}
	return b.String()
}

var errIncomplete = errors.New("incomplete")

// readReply reads one reply from the front of b, strictly (exact CRLFs,
// canonical lengths). It returns errIncomplete when b is a prefix of one.
func readReply(b []byte) (reply, int, error) {
	var attr []reply
	pos := 0
	for {
		r, n, err := readOne(b[pos:])
		if err != nil {
			return reply{}, 0, err
		}
		pos += n
		if r.t != '|' {
			r.attr = attr
			return r, pos, nil
		}
		attr = append(attr, r.elems...)
	}
}

func readOne(b []byte) (reply, int, error) {
	if len(b) == 0 {
		return reply{}, 0, errIncomplete
	}
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		if bytes.IndexByte(b, '\n') >= 0 {
			return reply{}, 0, errors.New("bare LF")
		}
		return reply{}, 0, errIncomplete
	}
	t, line, pos := b[0], string(b[1:i]), i+2
	if bytes.ContainsAny([]byte(line), "\r\n") {
		return reply{}, 0, fmt.Errorf("CR or LF inside %q", line)
	}
	num := func() (int64, error) {
		v, err := strconv.ParseInt(line, 10, 64)
		if err != nil || strconv.FormatInt(v, 10) != line {
			return 0, fmt.Errorf("bad number %q", line)
		}
		return v, nil
	}
	r := reply{t: t}
	switch t {
	case '+', '-', ',', '(':
		r.s = line
	case ':':
		v, err := num()
		if err != nil {
			return r, 0, err
		}
		r.i = v
	case '#':
		switch line {
		case "t":
			r.i = 1
		case "f":
		default:
			return r, 0, fmt.Errorf("bad boolean %q", line)
		}
	case '_':
		if line != "" {
			return r, 0, fmt.Errorf("bad null %q", line)
		}
	case '$', '=':
		v, err := num()
		if err != nil {
			return r, 0, err
		}
		if v == -1 && t == '$' {
			r.null = true
			break
		}
		if v < 0 {
			return r, 0, fmt.Errorf("bad length %d", v)
		}
		if int64(len(b)-pos) < v+2 {
			return r, 0, errIncomplete
		}
		end := pos + int(v)
		if string(b[end:end+2]) != "\r\n" {
			return r, 0, errors.New("bulk not followed by CRLF")
		}
		r.s = string(b[pos:end])
		pos = end + 2
	case '*', '%', '~', '>', '|':
		v, err := num()
		if err != nil {
			return r, 0, err
		}
		if v == -1 && t == '*' {
			r.null = true
			break
		}
		if v < 0 {
			return r, 0, fmt.Errorf("bad count %d", v)
		}
		if t == '%' || t == '|' {
			v *= 2
		}
		r.elems = []reply{}
		for range v {
			e, n, err := readReply(b[pos:])
			if err != nil {
				return r, 0, err
			}
			r.elems = append(r.elems, e)
			pos += n
		}
	default:
		return r, 0, fmt.Errorf("unknown type %q", t)
	}
	return r, pos, nil
}
