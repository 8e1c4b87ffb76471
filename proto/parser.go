package proto

import (
	"bytes"
	"math"
)

// MaxMultibulkLen is the largest argument count a multibulk request may
// announce. Redis 7.0 checks `ll > INT_MAX` (the 1024*1024 limit belongs to
// Redis 6 and earlier); verified against redis-server 7.0.15, which accepts
// "*2000000" and rejects "*2147483648".
const MaxMultibulkLen = math.MaxInt32

// DefaultMaxBulkLen is Redis's default proto-max-bulk-len (512 MB).
const DefaultMaxBulkLen = 512 << 20

// MaxInlineLen is Redis's limit on an inline request line, and on a
// multibulk "*N" or "$N" header line (PROTO_INLINE_MAX_SIZE, 64 KB).
const MaxInlineLen = 64 << 10

// UnauthMaxMultibulkLen and UnauthMaxBulkLen are the limits Redis (since
// 6.2.6/7.0, CVE-2021-32675) applies while a client still has to
// authenticate: at most 10 arguments of at most 16384 bytes each.
const (
	UnauthMaxMultibulkLen = 10
	UnauthMaxBulkLen      = 16384
)

// ProtocolError is a malformed request. Msg is the exact Redis error text
// without the leading '-' (e.g. "ERR Protocol error: invalid bulk length").
// After it the connection must send the reply and close, as Redis does.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return e.Msg }

// The protocol errors, with Redis 7's exact texts. They are shared, read-only
// values: callers compare them or copy Msg, never modify them.
var (
	ErrInvalidMultibulkLen = &ProtocolError{"ERR Protocol error: invalid multibulk length"}
	ErrInvalidBulkLen      = &ProtocolError{"ERR Protocol error: invalid bulk length"}
	ErrTooBigInline        = &ProtocolError{"ERR Protocol error: too big inline request"}
	ErrTooBigMbulkCount    = &ProtocolError{"ERR Protocol error: too big mbulk count string"}
	ErrTooBigBulkCount     = &ProtocolError{"ERR Protocol error: too big bulk count string"}
	ErrUnbalancedQuotes    = &ProtocolError{"ERR Protocol error: unbalanced quotes in request"}
	ErrUnauthMultibulkLen  = &ProtocolError{"ERR Protocol error: unauthenticated multibulk length"}
	ErrUnauthBulkLen       = &ProtocolError{"ERR Protocol error: unauthenticated bulk length"}
)

// errExpectedDollar holds "expected '$', got 'c'" for every byte c, built
// once so that the error path does not allocate either. Redis formats the
// byte with %c and then maps CR and LF in the message to spaces.
var errExpectedDollar = func() (t [256]*ProtocolError) {
	for i := range t {
		c := byte(i)
		if c == '\r' || c == '\n' {
			c = ' '
		}
		t[i] = &ProtocolError{"ERR Protocol error: expected '$', got '" + string([]byte{c}) + "'"}
	}
	return t
}()

// Parser is an incremental RESP request parser (multibulk and inline),
// shaped like a bufio.SplitFunc. It keeps no bytes of its own: the caller
// owns the buffer. A Parser belongs to one connection and is used by one
// goroutine at a time; the zero value uses Redis's default limits.
//
// Between a Parse that returned (0, nil, nil) and the next call, the Parser
// remembers how far it got (arguments already parsed, as offsets), so a
// request arriving in many reads is scanned once, not once per read. The
// next call must therefore pass a buffer that starts with the same bytes
// (it may have moved, e.g. after growing, and may hold more); to parse
// unrelated bytes instead, call Reset first.
type Parser struct {
	// MaxBulkLen bounds one bulk argument (proto-max-bulk-len); 0 means
	// DefaultMaxBulkLen.
	MaxBulkLen int64

	// Unauthenticated applies Redis's limits for clients that still have
	// to AUTH (UnauthMaxMultibulkLen, UnauthMaxBulkLen). The connection
	// sets it while authentication is required and not yet done.
	Unauthenticated bool

	args [][]byte // reused by every Parse; returned to the caller
	offs []int    // offs[i] is the offset of args[i] in buf (to rebase after a move)

	// Resumable state, meaningful only while state != stIdle.
	state uint8
	nul   bool  // the pending line holds a NUL before its terminator: it never completes
	scan  int   // the pending line's terminator is not in buf[line start:scan]
	pos   int   // multibulk: offset of the next unread byte ("$" line or bulk data)
	left  int   // multibulk: arguments still to read; -1 while the "*" line is unread
	bulk  int   // multibulk: length of the bulk being read; -1 while its "$" line is unread
	need  int   // what Need reports
	base  *byte // &buf[0] of the call that left the state; another base means buf moved
}

const (
	stIdle uint8 = iota
	stInline
	stMulti
)

// Reset forgets a partially parsed request, so that the next Parse starts
// at buf[0] with no assumption about earlier bytes. Limits are kept.
func (p *Parser) Reset() {
	p.state = stIdle
	p.base = nil
	p.need = 0
	p.nul = false
}

// Parse parses one complete request from the front of buf.
//
//   - n > 0, err == nil: one request used buf[:n]; args are sub-slices of
//     buf, valid until the caller modifies or reuses buf, and the args slice
//     itself is reused by the next Parse call. An empty inline line returns
//     n > 0 and len(args) == 0 (skip it); so does a multibulk count <= 0
//     ("*0", "*-1", "*-5"), which Redis also skips. Each arg's capacity is
//     its length, so appending to one never overwrites its neighbour.
//     Inline arguments that use quotes or escapes are unescaped in place:
//     Parse may rewrite bytes inside buf[:n] (never outside it).
//   - n == 0, err == nil: buf holds no complete request; read more and call
//     Parse again with a buffer that starts with the same bytes. Need tells
//     how many bytes in total the request is known to need so far.
//   - err != nil: *ProtocolError; send it and close the connection.
//
// The request kind is chosen by buf[0] as Redis does: '*' is multibulk,
// anything else an inline command line. Redis 7.0 quirks kept on purpose
// (checked against redis-server 7.0.15): an inline line may end in a bare
// "\n"; the byte after a header's '\r' and the two bytes after bulk data
// are skipped unchecked; a header or inline line holding a NUL byte before
// its terminator never completes (Redis searches it with strchr) and so
// ends in a "too big" error once 64 KB are buffered.
func (p *Parser) Parse(buf []byte) (n int, args [][]byte, err error) {
	if len(buf) == 0 {
		return 0, nil, nil
	}
	switch p.state {
	case stIdle:
		p.args = p.args[:0]
		p.offs = p.offs[:0]
		p.scan = 0
		p.pos = 0
		p.nul = false
		if buf[0] == '*' {
			p.state = stMulti
			p.left = -1
			p.bulk = -1
		} else {
			p.state = stInline
		}
	default:
		if p.pos > len(buf) || p.scan > len(buf) {
			// Contract broken (unrelated or shorter buffer): start over.
			p.Reset()
			return p.Parse(buf)
		}
		if len(p.args) > 0 && &buf[0] != p.base {
			for i, off := range p.offs {
				e := off + len(p.args[i])
				p.args[i] = buf[off:e:e]
			}
		}
	}
	p.need = 0
	if p.state == stInline {
		n, err = p.parseInline(buf)
	} else {
		n, err = p.parseMultibulk(buf)
	}
	if n == 0 && err == nil {
		p.base = &buf[0]
		return 0, nil, nil
	}
	p.state = stIdle
	p.base = nil
	if err != nil {
		return 0, nil, err
	}
	return n, p.args, nil
}

// Need returns, after Parse returned n == 0, a lower bound on the total
// size of the pending request counted from buf[0] (so a connection can grow
// its buffer once for a large bulk), or 0 when unknown.
func (p *Parser) Need() int { return p.need }

// lineEnd returns the offset of the first term byte in buf at or after the
// pending line's start (p.scan), or -1 when there is none yet. Like Redis's
// strchr it does not look past a NUL byte: a line holding one never ends.
func (p *Parser) lineEnd(buf []byte, term byte) int {
	if p.nul {
		return -1
	}
	rest := buf[p.scan:]
	i := bytes.IndexByte(rest, term)
	hay := rest
	if i >= 0 {
		hay = rest[:i]
	}
	if bytes.IndexByte(hay, 0) >= 0 {
		p.nul = true
		return -1
	}
	if i < 0 {
		p.scan = len(buf)
		return -1
	}
	return p.scan + i
}

// parseInline parses an inline command line (processInlineBuffer).
func (p *Parser) parseInline(buf []byte) (int, error) {
	nl := p.lineEnd(buf, '\n')
	// Redis reports "too big" when more than MaxInlineLen bytes are
	// buffered without a newline; a line longer than that is refused
	// however it is split, so the result does not depend on read sizes.
	if nl < 0 {
		if len(buf) > MaxInlineLen {
			return 0, ErrTooBigInline
		}
		return 0, nil
	}
	if nl > MaxInlineLen {
		return 0, ErrTooBigInline
	}
	end := nl
	if end > 0 && buf[end-1] == '\r' {
		end--
	}
	if err := p.splitInline(buf[:end]); err != nil {
		return 0, err
	}
	return nl + 1, nil
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitInline splits an inline line into p.args exactly as Redis's
// sdssplitargs does. line holds no NUL (see lineEnd). Unquoted tokens are
// sub-slices of line; a token with quotes is rewritten in place (its output
// never outgrows the input it has consumed).
func (p *Parser) splitInline(line []byte) error {
	n := len(line)
	at := func(k int) byte {
		if k < n {
			return line[k]
		}
		return 0
	}
	i := 0
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i >= n {
			return nil
		}
		start := i
		// Fast path: a plain token, no quotes.
		for i < n {
			c := line[i]
			if c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '"' || c == '\'' {
				break
			}
			i++
		}
		if i >= n || (line[i] != '"' && line[i] != '\'') {
			p.args = append(p.args, line[start:i:i])
			if i < n {
				i++
			}
			continue
		}
		// Slow path: quotes; unescape in place from w.
		w := i
		inq, insq, done := false, false, false
		for !done {
			c := at(i)
			switch {
			case inq:
				if c == '\\' && at(i+1) == 'x' && isHex(at(i+2)) && isHex(at(i+3)) {
					line[w] = hexVal(at(i+2))<<4 | hexVal(at(i+3))
					w++
					i += 3
				} else if c == '\\' && at(i+1) != 0 {
					i++
					switch c = line[i]; c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					line[w] = c
					w++
				} else if c == '"' {
					// The closing quote must be followed by a space or the end.
					if nx := at(i + 1); nx != 0 && !isSpace(nx) {
						return ErrUnbalancedQuotes
					}
					done = true
				} else if c == 0 {
					return ErrUnbalancedQuotes
				} else {
					line[w] = c
					w++
				}
			case insq:
				if c == '\\' && at(i+1) == '\'' {
					i++
					line[w] = '\''
					w++
				} else if c == '\'' {
					if nx := at(i + 1); nx != 0 && !isSpace(nx) {
						return ErrUnbalancedQuotes
					}
					done = true
				} else if c == 0 {
					return ErrUnbalancedQuotes
				} else {
					line[w] = c
					w++
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					line[w] = c
					w++
				}
			}
			if i < n {
				i++
			}
		}
		p.args = append(p.args, line[start:w:w])
	}
}

// parseMultibulk parses (or resumes) a "*N\r\n$len\r\ndata\r\n..." request
// (processMultibulkBuffer).
func (p *Parser) parseMultibulk(buf []byte) (int, error) {
	if p.left < 0 {
		if v, next, ok := fastLen(buf, 0); ok && v <= MaxMultibulkLen && (v <= UnauthMaxMultibulkLen || !p.Unauthenticated) {
			p.pos = next
			if v == 0 {
				return next, nil
			}
			p.left = v
			p.bulk = -1
			p.scan = next
			goto args
		}
		cr := p.lineEnd(buf, '\r')
		if cr < 0 {
			if len(buf) > MaxInlineLen {
				return 0, ErrTooBigMbulkCount
			}
			return 0, nil
		}
		if cr > MaxInlineLen {
			return 0, ErrTooBigMbulkCount
		}
		if cr+1 >= len(buf) { // the byte after '\r' (not checked) is still missing
			return 0, nil
		}
		ll, ok := parseLen(buf[1:cr])
		if !ok || ll > MaxMultibulkLen {
			return 0, ErrInvalidMultibulkLen
		}
		if ll > UnauthMaxMultibulkLen && p.Unauthenticated {
			return 0, ErrUnauthMultibulkLen
		}
		p.pos = cr + 2
		if ll <= 0 {
			return p.pos, nil
		}
		p.left = int(ll)
		p.bulk = -1
		p.scan = p.pos
	}
args:
	maxBulk := p.MaxBulkLen
	if maxBulk <= 0 {
		maxBulk = DefaultMaxBulkLen
	}
	for p.left > 0 {
		if p.bulk < 0 && !p.nul && p.pos < len(buf) && buf[p.pos] == '$' {
			v, next, ok := fastLen(buf, p.pos)
			if ok && int64(v) <= maxBulk && (v <= UnauthMaxBulkLen || !p.Unauthenticated) {
				p.pos = next
				p.bulk = v
			}
		}
		if p.bulk < 0 {
			s := p.pos
			cr := p.lineEnd(buf, '\r')
			if cr < 0 {
				if len(buf)-s > MaxInlineLen {
					return 0, ErrTooBigBulkCount
				}
				return 0, nil
			}
			if cr-s > MaxInlineLen {
				return 0, ErrTooBigBulkCount
			}
			if cr+1 >= len(buf) {
				return 0, nil
			}
			if buf[s] != '$' {
				return 0, errExpectedDollar[buf[s]]
			}
			ll, ok := parseLen(buf[s+1 : cr])
			if !ok || ll < 0 || ll > maxBulk {
				return 0, ErrInvalidBulkLen
			}
			if ll > UnauthMaxBulkLen && p.Unauthenticated {
				return 0, ErrUnauthBulkLen
			}
			p.pos = cr + 2
			p.bulk = int(ll)
		}
		end := p.pos + p.bulk
		if len(buf)-end < 2 {
			p.need = end + 2
			return 0, nil
		}
		p.args = append(p.args, buf[p.pos:end:end])
		p.offs = append(p.offs, p.pos)
		p.pos = end + 2
		p.bulk = -1
		p.left--
		p.scan = p.pos
	}
	return p.pos, nil
}

// fastLen parses the common header "<c><digits>\r?" at buf[s:] (c is '*'
// or '$', 1 to 11 digits, no leading zero, followed by '\r' and one more
// byte). It reports ok only when the header is complete and canonical; any
// other case (negative, long, malformed, incomplete) is left to the exact
// slow path, so it never changes a result, only its cost.
func fastLen(buf []byte, s int) (v, next int, ok bool) {
	i := s + 1
	end := min(len(buf), s+13)
	for ; i < end; i++ {
		c := buf[i]
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int(c-'0')
	}
	d := i - s - 1
	if d == 0 || i+1 >= len(buf) || buf[i] != '\r' || d > 11 || d > 1 && buf[s+1] == '0' {
		return 0, 0, false
	}
	return v, i + 2, true
}

// parseLen is Redis's string2ll: an optional '-', then digits with no
// leading zero (or exactly "0"), at most 20 bytes, no overflow; no '+',
// no spaces, no "-0".
func parseLen(b []byte) (int64, bool) {
	n := len(b)
	if n == 0 || n >= 21 {
		return 0, false
	}
	if n == 1 && b[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if b[0] == '-' {
		neg = true
		i = 1
		if n == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	v := uint64(b[i] - '0')
	for i++; i < n; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
