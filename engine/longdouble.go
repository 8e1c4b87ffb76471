package engine

import (
	"math/big"
)

// Redis's INCRBYFLOAT (and HINCRBYFLOAT) compute in C's long double, which
// on x86-64 is the x87 80-bit format (64-bit significand, 15-bit
// exponent), parse with strtold and reply with "%.17Lf" minus trailing
// zeros. A float64 gives different digits (10.5 + 0.1 must read "10.6"),
// so these helpers emulate the format with math/big: parsing is exact and
// then rounded once to 64 bits, sums are rounded to 64 bits (nearest-even,
// as the FPU does), and formatting is exact decimal with round-half-even,
// as glibc's printf. Subnormal long doubles are not modelled (their
// reduced precision); values that overflow or underflow the format are
// refused as strtold's ERANGE makes Redis refuse them.

const (
	ldPrec    = 64
	ldMaxExp  = 16384  // |x| < 2^16384 (big.Float: mantissa in [0.5, 1))
	ldMinExp  = -16444 // the smallest subnormal is 2^-16445
	ldMaxText = 5 * 1024
)

func cIsSpace(ch byte) bool {
	switch ch {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// ldParse parses b as Redis's string2ld does (strtold of the whole
// argument: optional sign, decimal or 0x hex with optional exponent, inf or
// infinity; no leading space, no NaN, nothing left over, no overflow or
// underflow to zero) into z, rounded to the long double format.
func ldParse(z *big.Float, b []byte) bool {
	if len(b) == 0 || len(b) >= ldMaxText || cIsSpace(b[0]) {
		return false
	}
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		b = b[1:]
	}
	if EqualFold(b, "inf") || EqualFold(b, "infinity") {
		z.SetInf(neg)
		return true
	}
	z.SetPrec(ldPrec).SetMode(big.ToNearestEven)
	var ok bool
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		ok = parseHexLD(z, b[2:])
	} else {
		ok = parseDecLD(z, b)
	}
	if !ok || !ldInRange(z) {
		return false
	}
	if neg {
		z.Neg(z)
	}
	return true
}

// ldInRange reports whether z is representable (not overflowing to
// infinity, not underflowing to zero).
func ldInRange(z *big.Float) bool {
	if z.Sign() == 0 {
		return true
	}
	e := z.MantExp(nil)
	return e <= ldMaxExp && e >= ldMinExp
}

// scanDigits splits b into the digits of a mantissa ("12.5" → "125" and 1
// fractional digit) and an exponent part starting at the marker; it
// reports false when there is no digit or a character is not a digit.
func scanDigits(b []byte, hex bool, expMark byte) (digits []byte, frac int, rest []byte, ok bool) {
	digits = make([]byte, 0, len(b))
	dot, n := false, 0
	i := 0
	for ; i < len(b); i++ {
		ch := b[i]
		switch {
		case ch == '.' && !dot:
			dot = true
		case '0' <= ch && ch <= '9', hex && ('a' <= ch|0x20 && ch|0x20 <= 'f'):
			digits = append(digits, ch)
			n++
			if dot {
				frac++
			}
		default:
			if ch|0x20 != expMark {
				return nil, 0, nil, false
			}
			return digits, frac, b[i:], n > 0
		}
	}
	return digits, frac, nil, n > 0
}

// scanExp parses an exponent part "e-12" (after its marker), saturating
// far beyond the format's range. ok is false for a marker without digits.
func scanExp(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	b = b[1:]
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var e int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if e < 1e9 {
			e = e*10 + int64(ch-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

func parseDecLD(z *big.Float, b []byte) bool {
	digits, frac, rest, ok := scanDigits(b, false, 'e')
	if !ok {
		return false
	}
	e, ok := scanExp(rest)
	if !ok {
		return false
	}
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		z.SetInt64(0)
		return true
	}
	e -= int64(frac)
	// The value is about 10^(e+len(digits)-1): refuse early what is far
	// outside the format (|x| < 1.19e4932, >= 3.6e-4951), so that the
	// exact computation below stays small.
	if mag := e + int64(len(digits)) - 1; mag > 4940 {
		return false
	} else if mag < -4970 {
		return false
	}
	var m big.Int
	m.SetString(string(digits), 10)
	if e >= 0 {
		m.Mul(&m, new(big.Int).Exp(big.NewInt(10), big.NewInt(e), nil))
		z.SetInt(&m)
		return true
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(-e), nil)
	z.SetRat(new(big.Rat).SetFrac(&m, den))
	return true
}

func parseHexLD(z *big.Float, b []byte) bool {
	digits, frac, rest, ok := scanDigits(b, true, 'p')
	if !ok {
		return false
	}
	e, ok := scanExp(rest)
	if !ok {
		return false
	}
	var m big.Int
	m.SetString(string(digits), 16)
	if m.Sign() == 0 {
		z.SetInt64(0)
		return true
	}
	e -= 4 * int64(frac)
	if mag := e + int64(m.BitLen()); mag > ldMaxExp+1 || mag < ldMinExp-1 {
		return false
	}
	z.SetInt(&m)
	z.SetMantExp(z, int(e))
	return true
}

// ldAdd sets z = x + y rounded to the long double format. It
// reports false when the sum is NaN or infinite (an infinite operand, or
// an overflow).
func ldAdd(z, x, y *big.Float) bool {
	if x.IsInf() || y.IsInf() {
		return false
	}
	z.SetPrec(ldPrec).SetMode(big.ToNearestEven)
	z.Add(x, y)
	return z.Sign() == 0 || z.MantExp(nil) <= ldMaxExp
}

// ldAppend appends x as Redis's ld2string in LD_STR_HUMAN mode:
// "%.17Lf" with trailing zeros (and a trailing '.') removed, "-0" as "0".
func ldAppend(dst []byte, x *big.Float) []byte {
	start := len(dst)
	dst = x.Append(dst, 'f', 17)
	for len(dst) > start && dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
