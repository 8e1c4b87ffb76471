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
