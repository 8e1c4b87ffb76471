package proto

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// refString2ll is Redis's string2ll, written independently of parseLen.
func refString2ll(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	v, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != string(s) {
		return 0, false
	}
	return v, true
}

// refLine finds the first term byte at or after from, the way Redis's
// strchr does (a NUL ends the search): -1 when there is none.
func refLine(data []byte, from int, term byte) int {
	for i := from; i < len(data); i++ {
		switch data[i] {
		case term:
			return i
		case 0:
			return -1
		}
	}
	return -1
}

// refTranscript parses a whole stream with a plain, non-incremental
// transliteration of Redis 7.0's processMultibulkBuffer/processInlineBuffer
// (with the split-invariant "too big" rule) and returns the transcript feed
// would give. It is the oracle for the Parser.
func refTranscript(data []byte, unauth bool, maxBulk int64) string {
	var sb strings.Builder
	fail := func(e *ProtocolError) string {
		fmt.Fprintf(&sb, "error %s\n", e.Msg)
		return sb.String()
	}
	pending := func(off, need int) string {
		fmt.Fprintf(&sb, "pending %d", len(data)-off)
		if need != 0 {
			fmt.Fprintf(&sb, " need %d", need-off)
		}
		sb.WriteByte('\n')
		return sb.String()
	}
	data = bytes.Clone(data)
	for off := 0; off < len(data); {
		if data[off] != '*' {
			nl := refLine(data, off, '\n')
			if nl < 0 && len(data)-off > MaxInlineLen || nl-off > MaxInlineLen {
				return fail(ErrTooBigInline)
			}
			if nl < 0 {
				return pending(off, 0)
			}
			end := nl
			if end > off && data[end-1] == '\r' {
				end--
			}
			args, ok := refSplitArgs(data[off:end])
			if !ok {
				return fail(ErrUnbalancedQuotes)
			}
			if args == nil {
				args = [][]byte{}
			}
			fmt.Fprintf(&sb, "n=%d %q\n", nl+1-off, args)
			off = nl + 1
			continue
		}
		cr := refLine(data, off, '\r')
		if cr < 0 && len(data)-off > MaxInlineLen || cr-off > MaxInlineLen {
			return fail(ErrTooBigMbulkCount)
		}
		if cr < 0 || cr+1 >= len(data) {
			return pending(off, 0)
		}
		count, ok := refString2ll(data[off+1 : cr])
		if !ok || count > 1<<31-1 {
			return fail(ErrInvalidMultibulkLen)
		}
		if count > 10 && unauth {
			return fail(ErrUnauthMultibulkLen)
		}
		pos := cr + 2
		args := [][]byte{}
		for ; count > 0; count-- {
			cr := refLine(data, pos, '\r')
			if cr < 0 && len(data)-pos > MaxInlineLen || cr-pos > MaxInlineLen {
				return fail(ErrTooBigBulkCount)
			}
			if cr < 0 || cr+1 >= len(data) {
				return pending(off, 0)
			}
			if data[pos] != '$' {
				return fail(errExpectedDollar[data[pos]])
			}
			n, ok := refString2ll(data[pos+1 : cr])
			if !ok || n < 0 || n > maxBulk {
				return fail(ErrInvalidBulkLen)
			}
			if n > 16384 && unauth {
				return fail(ErrUnauthBulkLen)
			}
			pos = cr + 2
			if int64(len(data)-pos) < n+2 {
				return pending(off, pos+int(n)+2)
			}
			args = append(args, data[pos:pos+int(n)])
			pos += int(n) + 2
		}
		fmt.Fprintf(&sb, "n=%d %q\n", pos-off, args)
		off = pos
	}
	return sb.String()
}
