package proto

// The meta commands (mg, ms, md, ma, me, mn) and their flags.

// MetaFlag is one flag of a meta request: its letter and the rest of its
// token (e.g. 'T' and "30" for "T30"; Token is empty for "v"). Token
// aliases the request buffer.
type MetaFlag struct {
	Flag  byte
	Token []byte
}

// MetaFlags is the compact form of a meta request's flags: the list in
// request order (replies echo return flags in that order) plus the values
// of the flags that carry a number, parsed as memcached parses them.
//
// Every meta command accepts every known flag, as memcached 1.6 does (it
// ignores the ones that mean nothing to the command). Known flags: b c f h
// k l O q s t u v I P L (no token), T N R (int32 TTLs), F (uint32), C D J
// (uint64), M (one mode byte). darner also accepts E<cas> (mg/ms/md/ma:
// the new CAS value to use) and x (md: drop the value, keep the item),
// which memcached added after 1.6.18; 1.6.18 refuses them as invalid.
type MetaFlags struct {
	// List holds the flags in request order (at most 17 on mg, md, ma, 16
	// on ms: memcached refuses longer lines).
	List []MetaFlag

	TTL         int64  // T: new TTL in seconds (int32 range; <0 = expired)
	VivifyTTL   int64  // N: vivify on miss with this TTL
	RecacheTTL  int64  // R: win the recache token when the TTL is below this
	ClientFlags uint32 // F: client flags to store (ms)
	CompareCAS  uint64 // C: compare-and-swap value
	NewCAS      uint64 // E: CAS value to give the item (darner, memcached >1.6.18)
	Delta       uint64 // D: ma delta; 1 when absent
	Initial     uint64 // J: ma initial value on vivify; 0 when absent
	Mode        byte   // M: mode byte (ms: E A P R S; ma: I + D -); 0 when absent
	Opaque      []byte // O: the whole token, 'O' included, to echo verbatim
	Base64      bool   // b: Key was sent base64-encoded (echo it encoded)
	Quiet       bool   // q: noreply semantics (see MCCommand.MetaQuiet)

	has [2]uint64 // bit per flag byte (< 128)
}

// Has reports whether the request carried flag f.
func (m *MetaFlags) Has(f byte) bool { return f < 128 && m.has[f>>6]&(1<<(f&63)) != 0 }

func (m *MetaFlags) reset(list []MetaFlag) {
	*m = MetaFlags{List: list, Delta: 1}
}

// metaFlags is memcached's _meta_flag_preparse over tokens [start, count)
// of line: it records every flag and parses the numeric ones. A
// duplicate (or a byte >= 127) or unknown flag stops at once; a bad token
// is remembered and parsing goes on, the last message set winning, as in
// memcached. It returns the error reply ("" when none); the default
// message for a bad F token is "bad command line format".
func (p *MCParser) metaFlags(c *MCCommand, line []byte, start, count int) string {
	m := &c.Meta
	errstr := ""
	hasError := false
	bad := func(msg string) {
		if msg != "" {
			errstr = msg
		}
		hasError = true
	}
	for i := start; i < count; i++ {
		t := line[p.toks[i].start:p.toks[i].end]
		o := t[0]
		if o >= 127 || m.Has(o) {
			return mcErrDupFlag
		}
		m.has[o>>6] |= 1 << (o & 63)
		m.List = append(m.List, MetaFlag{Flag: o, Token: t[1:]})
		switch o {
		case 'b':
			n, ok := mcBase64Decode(c.keyBuf[:], c.Key)
			if !ok {
				bad(mcErrDecodeKey)
			}
			c.Key = c.keyBuf[:n]
			m.Base64 = true
		case 'N', 'T', 'R':
			v, ok := cStrtol32(t[1:])
			if !ok {
				bad(mcErrBadToken)
				break
			}
			switch o {
			case 'N':
				m.VivifyTTL = int64(v)
			case 'T':
				m.TTL = int64(v)
			default:
				m.RecacheTTL = int64(v)
			}
		case 'F':
			v, ok := cStrtoul32(t[1:])
			if !ok {
				bad("")
				break
			}
			m.ClientFlags = v
		case 'C', 'E':
			v, ok := cStrtoull(t[1:])
			if !ok {
				bad(mcErrBadToken)
				break
			}
			if o == 'C' {
				m.CompareCAS = v
			} else {
				m.NewCAS = v
			}
		case 'M':
			if len(t) != 2 {
				bad(mcErrMLength)
				break
			}
			m.Mode = t[1]
		case 'J':
			v, ok := cStrtoull(t[1:])
			if !ok {
				bad(mcErrInitial)
				break
			}
			m.Initial = v
		case 'D':
			v, ok := cStrtoull(t[1:])
			if !ok {
				bad(mcErrDeltaMeta)
				break
			}
			m.Delta = v
		case 'O':
			m.Opaque = t
		case 'q':
			m.Quiet = true
		case 'l', 'P', 'L', 'k', 's', 't', 'c', 'f', 'v', 'h', 'u', 'I', 'x':
		default:
			return mcErrInvalidFlag
		}
	}
	if hasError {
		if errstr == "" {
			return mcErrBadFormat
		}
		return errstr
	}
	return ""
}

func (p *MCParser) opaqueTooLong(c *MCCommand) bool {
	return c.Meta.Opaque != nil && len(c.Meta.Opaque) > mcMaxOpaqueLen
}

// metaStart does the checks every meta command but mn/me starts with:
// arity, key length, flag count. tooLong is the command's message for too
// many flags.
func (p *MCParser) metaStart(kind MCKind, line []byte, ntokens int, tooLong string) (*MCCommand, string) {
	if ntokens < 3 {
		return nil, mcErrError
	}
	key := line[p.toks[1].start:p.toks[1].end]
	if p.badKey(key) {
		return nil, mcErrBadFormat
	}
	if kind == MCMetaSet && ntokens == 3 {
		return nil, mcErrBadFormat
	}
	if ntokens > mcMetaMaxTokens {
		return nil, tooLong
	}
	c := p.reset(kind)
	c.Key = key
	return c, ""
}

func (p *MCParser) metaGet(line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	c, e := p.metaStart(MCMetaGet, line, ntokens, mcErrFlagsLongMg)
	if e == "" {
		e = p.metaFlags(c, line, 2, ntokens-1)
	}
	if e == "" && p.opaqueTooLong(c) {
		e = mcErrOpaqueLong
	}
	if e != "" {
		return consumed, nil, p.fail(e, 0, false)
	}
	return consumed, c, nil
}

func (p *MCParser) metaDelete(line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	c, e := p.metaStart(MCMetaDelete, line, ntokens, mcErrFlagsLong)
	if e == "" && p.metaFlags(c, line, 2, ntokens-1) != "" {
		e = mcErrInvalidOrDup
	}
	if e == "" && p.opaqueTooLong(c) {
		e = mcErrOpaqueLong
	}
	if e != "" {
		return consumed, nil, p.fail(e, 0, false)
	}
	return consumed, c, nil
}

func (p *MCParser) metaArith(line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	c, e := p.metaStart(MCMetaArith, line, ntokens, mcErrFlagsLong)
	if e == "" && p.metaFlags(c, line, 2, ntokens-1) != "" {
		e = mcErrInvalidOrDup
	}
	if e == "" {
		switch c.Meta.Mode {
		case 0, 'I', '+', 'D', '-':
		default:
			e = mcErrMaMode
		}
	}
	if e == "" && p.opaqueTooLong(c) {
		e = mcErrOpaqueLong
	}
	if e != "" {
		return consumed, nil, p.fail(e, 0, false)
	}
	return consumed, c, nil
}

// metaSet follows process_mset_command: errors found before the data
// length is known leave the data to be parsed as commands; later ones
// swallow it.
func (p *MCParser) metaSet(buf, line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	c, e := p.metaStart(MCMetaSet, line, ntokens, mcErrFlagsLong)
	if e != "" {
		return consumed, nil, p.fail(e, 0, false)
	}
	vlen, ok := cStrtol32(line[p.toks[2].start:p.toks[2].end])
	if !ok || vlen < 0 || vlen > mcIntMax-2 {
		return consumed, nil, p.fail(mcErrBadFormat, 0, false)
	}
	skip := int(vlen) + 2
	if e = p.metaFlags(c, line, 3, ntokens-1); e != "" {
		return consumed, nil, p.fail(e, skip, false)
	}
	if p.opaqueTooLong(c) {
		e = mcErrOpaqueLong
	}
	switch c.Meta.Mode {
	case 0, 'E', 'A', 'P', 'R', 'S':
	default:
		e = mcErrMsMode
	}
	if e != "" {
		return consumed, nil, p.fail(e, skip, false)
	}
	if p.tooLarge(len(c.Key), skip, c.Meta.ClientFlags) {
		err := p.fail(mcErrTooLarge, skip, false)
		err.DeleteKey = c.Key
		return consumed, nil, err
	}
	total := consumed + skip
	if len(buf) < total {
		p.need = total
		return 0, nil, nil
	}
	if buf[total-2] != '\r' || buf[total-1] != '\n' {
		return total, nil, p.fail(mcErrBadChunk, 0, false)
	}
	c.Data = buf[consumed : total-2]
	return total, c, nil
}

// metaDebug follows process_meta_command: "me <key> [b]".
func (p *MCParser) metaDebug(line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	if ntokens < 3 {
		return consumed, nil, p.fail(mcErrBadFormat, 0, false)
	}
	key := line[p.toks[1].start:p.toks[1].end]
	if p.badKey(key) {
		return consumed, nil, p.fail(mcErrBadFormat, 0, false)
	}
	c := p.reset(MCMetaDebug)
	c.Key = key
	if ntokens >= 4 && string(line[p.toks[2].start:p.toks[2].end]) == "b" {
		n, ok := mcBase64Decode(c.keyBuf[:], key)
		if !ok {
			return consumed, nil, p.fail(mcErrBadFormat, 0, false)
		}
		c.Key = c.keyBuf[:n]
		c.Meta.Base64 = true
	}
	return consumed, c, nil
}

// MetaQuiet reports whether, under the q flag, memcached 1.6 leaves out a
// reply with this status code for this command: mg hides EN; ms and md
// hide HD; ma hides its success (HD or VA) when it changed an existing
// item, but not when N created it (the caller checks that). Errors are
// never hidden. It is false when the request had no q flag.
func (c *MCCommand) MetaQuiet(code string) bool {
	if !c.Meta.Quiet {
		return false
	}
	switch c.Kind {
	case MCMetaGet:
		return code == "EN"
	case MCMetaSet, MCMetaDelete:
		return code == "HD"
	case MCMetaArith:
		return code == "HD" || code == "VA"
	}
	return false
}

// mcBase64Decode decodes src as memcached's base64_decode does: bytes
// outside the alphabet are skipped, the rest must come in groups of four,
// '=' counts as a zero digit and the first group holding padding ends
// the decoding (with one or two bytes dropped; three '=' are refused). It
// reports failure as memcached does, including an empty result.
func mcBase64Decode(dst, src []byte) (int, bool) {
	count := 0
	for _, b := range src {
		if mcB64Value(b) >= 0 {
			count++
		}
	}
	if count == 0 || count%4 != 0 || count/4*3 > len(dst) {
		return 0, false
	}
	var block [4]byte
	n, pos, pad := 0, 0, 0
	for _, b := range src {
		v := mcB64Value(b)
		if v < 0 {
			continue
		}
		if b == '=' {
			pad++
		}
		block[n] = byte(v)
		n++
		if n < 4 {
			continue
		}
		dst[pos] = block[0]<<2 | block[1]>>4
		dst[pos+1] = block[1]<<4 | block[2]>>2
		dst[pos+2] = block[2]<<6 | block[3]
		pos += 3
		n = 0
		if pad > 0 {
			if pad > 2 {
				return 0, false
			}
			pos -= pad
			break
		}
	}
	return pos, pos > 0
}

func mcB64Value(b byte) int {
	switch {
	case b >= 'A' && b <= 'Z':
		return int(b - 'A')
	case b >= 'a' && b <= 'z':
		return int(b-'a') + 26
	case b >= '0' && b <= '9':
		return int(b-'0') + 52
	case b == '+':
		return 62
	case b == '/':
		return 63
	case b == '=':
		return 0
	}
	return -1
}
