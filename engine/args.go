package engine

import (
	"math"
	"strconv"
)

// Shared argument parsing with Redis's error texts. Families use these so
// that "not an integer" reads the same everywhere.

const (
	ErrNotInt      = "ERR value is not an integer or out of range"
	ErrNotFloat    = "ERR value is not a valid float"
	ErrSyntax      = "ERR syntax error"
	ErrNoSuchKey   = "ERR no such key"
	ErrOverflow    = "ERR increment or decrement would overflow"
	ErrNotPositive = "ERR value is out of range, must be positive"
	ErrTimeout     = "ERR timeout is not a float or out of range"
	ErrNegTimeout  = "ERR timeout is negative"
	ErrIndexRange  = "ERR index out of range"
	ErrInvalidDBIx = "ERR DB index is out of range"
)

// ParseInt parses b as Redis's string2ll does: the canonical decimal form
// of an int64 (optional '-', no '+', no leading zeros, no spaces, no "-0").
func ParseInt(b []byte) (int64, bool) { return parseCanonicalInt(b) }

// ParseFloat parses b as Redis's getDoubleFromObject/strtod does: no
// leading space, "inf"/"-inf"/"+inf" allowed, NaN and out-of-range values
// refused.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5000 {
		return 0, false
	}
	switch b[0] {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return 0, false
	}
	for _, ch := range b {
		if ch == '_' { // Go accepts digit separators in some forms; strtod does not
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// CopyArgs copies args into one new buffer the caller owns (a queued or
// transaction command keeps its arguments beyond the input buffer's life).
func CopyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

// EqualFold reports whether b equals the lower-case ASCII word s,
// ignoring ASCII case, without allocating.
func EqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != s[i] {
			return false
		}
	}
	return true
}

// GlobMatch reports whether s matches the glob pattern as Redis's
// stringmatchlen does (KEYS, SCAN MATCH, HSCAN, ...).
func GlobMatch(pattern, s []byte, nocase bool) bool { return globMatch(pattern, s, nocase) }

// ErrUnknownCommand builds Redis 7's exact text: the name truncated to 128
// bytes, then each argument quoted and truncated so that the list stays
// within 128 bytes; CR and LF become spaces.
func ErrUnknownCommand(args [][]byte) string {
	b := make([]byte, 0, 64)
	b = append(b, "ERR unknown command '"...)
	name := args[0]
	if len(name) > 128 {
		name = name[:128]
	}
	b = append(b, name...)
	b = append(b, "', with args beginning with: "...)
	list := 0
	for _, a := range args[1:] {
		if list >= 128 {
			break
		}
		if len(a) > 128-list {
			a = a[:128-list]
		}
		b = append(b, '\'')
		b = append(b, a...)
		b = append(b, '\'', ' ')
		list += len(a) + 3
	}
	for i, ch := range b {
		if ch == '\r' || ch == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

// ArgReader walks a command's arguments and remembers the first error
// (Dragonfly's CmdArgParser): read everything, then check Err once.
// A failed read returns a zero value and leaves the first error in place.
type ArgReader struct {
	args [][]byte
	i    int
	err  string
}

// NewArgReader reads args starting at index from.
func NewArgReader(args [][]byte, from int) ArgReader { return ArgReader{args: args, i: from} }

// More reports whether arguments are left.
func (r *ArgReader) More() bool { return r.i < len(r.args) }

// Left is the number of arguments left.
func (r *ArgReader) Left() int { return len(r.args) - r.i }

// Peek returns the next argument without consuming it (nil at the end).
func (r *ArgReader) Peek() []byte {
	if r.i < len(r.args) {
		return r.args[r.i]
	}
	return nil
}

// Next consumes the next argument; at the end it records ErrSyntax.
func (r *ArgReader) Next() []byte {
	if r.i >= len(r.args) {
		r.Fail(ErrSyntax)
		return nil
	}
	r.i++
	return r.args[r.i-1]
}

// Is consumes the next argument if it equals word (lower case),
// ignoring case.
func (r *ArgReader) Is(word string) bool {
	if r.i < len(r.args) && EqualFold(r.args[r.i], word) {
		r.i++
		return true
	}
	return false
}

// Int consumes an integer argument (ErrNotInt when it is not one).
func (r *ArgReader) Int() int64 {
	b := r.Next()
	if b == nil {
		return 0
	}
	n, ok := ParseInt(b)
	if !ok {
		r.Fail(ErrNotInt)
	}
	return n
}

// Float consumes a float argument (ErrNotFloat when it is not one).
func (r *ArgReader) Float() float64 {
	b := r.Next()
	if b == nil {
		return 0
	}
	f, ok := ParseFloat(b)
	if !ok {
		r.Fail(ErrNotFloat)
	}
	return f
}

// Fail records msg unless an error is already recorded.
func (r *ArgReader) Fail(msg string) {
	if r.err == "" {
		r.err = msg
	}
}

// Err is the first error ("" when none).
func (r *ArgReader) Err() string { return r.err }
