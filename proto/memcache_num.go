package proto

// Number parsing exactly as memcached 1.6 does it: C strtoull/strtol in
// base 10 (leading white space skipped, an optional sign, digits) wrapped
// by memcached's safe_strtoull/safe_strtoul/safe_strtol (util.c), which
// accept the number when it ends the token or is followed by white space,
// refuse a '-' only when the unsigned result looks negative, and truncate
// to 32 bits without a range check.

func cIsSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r'
}

// cStrtoull64 is C strtoull on a 64-bit platform followed by
// safe_strtoull's end check. neg reports a '-' sign (the result is then
// the negated magnitude, modulo 2^64, as C does). ok is false for no
// digits, overflow (ERANGE) or a non-space byte after the digits.
func cStrtoull64(s []byte) (v uint64, neg bool, ok bool) {
	i := 0
	for i < len(s) && cIsSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	overflow := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if v > (^uint64(0)-d)/10 {
			overflow = true
		}
		v = v*10 + d
		i++
	}
	if i == start || overflow {
		return 0, false, false
	}
	if i < len(s) && !cIsSpace(s[i]) {
		return 0, false, false
	}
	if neg {
		v = -v
	}
	return v, neg, true
}

func cHasMinus(s []byte) bool {
	for _, b := range s {
		if b == '-' {
			return true
		}
	}
	return false
}

// cStrtoull is memcached's safe_strtoull.
func cStrtoull(s []byte) (uint64, bool) {
	v, _, ok := cStrtoull64(s)
	if !ok || (int64(v) < 0 && cHasMinus(s)) {
		return 0, false
	}
	return v, true
}

// cStrtoul32 is memcached's safe_strtoul: strtoul, then truncation to
// uint32 ("4294967296" reads as 0).
func cStrtoul32(s []byte) (uint32, bool) {
	v, ok := cStrtoull(s)
	return uint32(v), ok
}

// cStrtol32 is memcached's safe_strtol: strtol (ERANGE outside int64),
// then truncation to int32 ("2147483648" reads as -2147483648).
func cStrtol32(s []byte) (int32, bool) {
	v, neg, ok := cStrtoull64(s)
	if !ok {
		return 0, false
	}
	if neg {
		if -v > 1<<63 { // magnitude beyond LONG_MIN
			return 0, false
		}
	} else if v > 1<<63-1 {
		return 0, false
	}
	return int32(int64(v)), true
}
