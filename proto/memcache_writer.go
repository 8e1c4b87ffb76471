package proto

import (
	"encoding/base64"
	"strconv"
)

// Memcached reply writers. Every function appends one reply (or one piece
// of a meta reply) to dst and returns the extended slice, like append: the
// caller owns dst; nothing is kept. None allocates once dst has room.

// Classic reply lines, CRLF included, for AppendMCLine and direct appends.
const (
	MCEnd       = "END\r\n"
	MCStored    = "STORED\r\n"
	MCNotStored = "NOT_STORED\r\n"
	MCExists    = "EXISTS\r\n"
	MCNotFound  = "NOT_FOUND\r\n"
	MCDeleted   = "DELETED\r\n"
	MCTouched   = "TOUCHED\r\n"
	MCOK        = "OK\r\n"
	MCReset     = "RESET\r\n"
	MCErrorLine = "ERROR\r\n"
	// MCMetaNoopReply is the reply to mn.
	MCMetaNoopReply = "MN\r\n"
)

// Meta status codes, for AppendMetaStatus.
const (
	MetaHD = "HD" // success, no value
	MetaVA = "VA" // value follows (use AppendMetaValue)
	MetaEN = "EN" // mg miss
	MetaNS = "NS" // not stored
	MetaEX = "EX" // CAS mismatch
	MetaNF = "NF" // not found
)

// AppendMCLine appends a reply line given with its CRLF (one of the MC*
// constants).
func AppendMCLine(dst []byte, line string) []byte { return append(dst, line...) }

// AppendMCValueHeader appends "VALUE <key> <flags> <size>[ <cas>]\r\n";
// the caller appends the size data bytes and a CRLF itself (e.g. straight
// from the store).
func AppendMCValueHeader(dst, key []byte, flags uint32, size int, cas uint64, withCAS bool) []byte {
	dst = append(dst, "VALUE "...)
	dst = append(dst, key...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(flags), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(size), 10)
	if withCAS {
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, cas, 10)
	}
	return append(dst, '\r', '\n')
}

// AppendMCValue appends one get hit: "VALUE <key> <flags> <bytes>\r\n<data>\r\n".
func AppendMCValue(dst, key []byte, flags uint32, data []byte) []byte {
	dst = AppendMCValueHeader(dst, key, flags, len(data), 0, false)
	dst = append(dst, data...)
	return append(dst, '\r', '\n')
}

// AppendMCValueCAS appends one gets hit: "VALUE <key> <flags> <bytes> <cas>\r\n<data>\r\n".
func AppendMCValueCAS(dst, key []byte, flags uint32, data []byte, cas uint64) []byte {
	dst = AppendMCValueHeader(dst, key, flags, len(data), cas, true)
	dst = append(dst, data...)
	return append(dst, '\r', '\n')
}

// AppendMCUint appends the result of incr/decr: "<value>\r\n".
func AppendMCUint(dst []byte, v uint64) []byte {
	dst = strconv.AppendUint(dst, v, 10)
	return append(dst, '\r', '\n')
}

// AppendMCVersion appends "VERSION <v>\r\n".
func AppendMCVersion(dst []byte, v string) []byte {
	dst = append(dst, "VERSION "...)
	dst = append(dst, v...)
	return append(dst, '\r', '\n')
}

// AppendMCStat appends "STAT <name> <value>\r\n"; a stats reply ends
// with MCEnd.
func AppendMCStat(dst []byte, name, value string) []byte {
	dst = append(dst, "STAT "...)
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = append(dst, value...)
	return append(dst, '\r', '\n')
}

// AppendMCStatInt appends "STAT <name> <v>\r\n".
func AppendMCStatInt(dst []byte, name string, v int64) []byte {
	dst = append(dst, "STAT "...)
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, v, 10)
	return append(dst, '\r', '\n')
}

// AppendMCError appends "ERROR\r\n" (unknown command).
func AppendMCError(dst []byte) []byte { return append(dst, MCErrorLine...) }

// AppendMCClientError appends "CLIENT_ERROR <msg>\r\n".
func AppendMCClientError(dst []byte, msg string) []byte {
	dst = append(dst, "CLIENT_ERROR "...)
	dst = append(dst, msg...)
	return append(dst, '\r', '\n')
}

// AppendMCServerError appends "SERVER_ERROR <msg>\r\n".
func AppendMCServerError(dst []byte, msg string) []byte {
	dst = append(dst, "SERVER_ERROR "...)
	dst = append(dst, msg...)
	return append(dst, '\r', '\n')
}

// A meta reply is built in pieces: a status (AppendMetaStatus or
// AppendMetaValue), return flags (MCCommand.AppendMetaFlags, or the
// AppendMetaFlag* pieces), AppendMetaEnd, then for VA the data
// (AppendMetaData).

// AppendMetaStatus appends a two-letter status code (MetaHD, MetaEN, ...)
// without its CRLF.
func AppendMetaStatus(dst []byte, code string) []byte { return append(dst, code...) }

// AppendMetaValue appends "VA <size>" without its CRLF.
func AppendMetaValue(dst []byte, size int) []byte {
	dst = append(dst, "VA "...)
	return strconv.AppendInt(dst, int64(size), 10)
}

// AppendMetaFlagUint appends " <flag><v>" (e.g. " c42").
func AppendMetaFlagUint(dst []byte, flag byte, v uint64) []byte {
	dst = append(dst, ' ', flag)
	return strconv.AppendUint(dst, v, 10)
}

// AppendMetaFlagInt appends " <flag><v>" (e.g. " t-1").
func AppendMetaFlagInt(dst []byte, flag byte, v int64) []byte {
	dst = append(dst, ' ', flag)
	return strconv.AppendInt(dst, v, 10)
}

// AppendMetaFlag appends a bare " <flag>" (e.g. " W").
func AppendMetaFlag(dst []byte, flag byte) []byte { return append(dst, ' ', flag) }

// AppendMetaOpaque appends " <token>" where token is the request's whole
// O token (MetaFlags.Opaque, 'O' included); nothing when token is empty.
func AppendMetaOpaque(dst, token []byte) []byte {
	if len(token) == 0 {
		return dst
	}
	dst = append(dst, ' ')
	return append(dst, token...)
}

// AppendMetaKey appends " k<key>", or " k<base64(key)> b" for a binary
// key (one the client sent with the b flag), as memcached does.
func AppendMetaKey(dst, key []byte, binary bool) []byte {
	dst = append(dst, ' ', 'k')
	if !binary {
		return append(dst, key...)
	}
	dst = base64.StdEncoding.AppendEncode(dst, key)
	return append(dst, ' ', 'b')
}

// AppendMetaEnd ends the status line with CRLF.
func AppendMetaEnd(dst []byte) []byte { return append(dst, '\r', '\n') }

// AppendMetaData appends a VA reply's data block and its CRLF.
func AppendMetaData(dst, data []byte) []byte {
	dst = append(dst, data...)
	return append(dst, '\r', '\n')
}

// AppendMetaDebug appends the reply to a me hit:
// "ME <key> exp=<exp> la=<la> cas=<cas> fetch=<yes|no> cls=<cls> size=<size>\r\n"
// (exp is -1 for an item that never expires; a binary key is base64).
func AppendMetaDebug(dst, key []byte, binary bool, exp int64, la, cas uint64, fetched bool, cls uint32, size uint64) []byte {
	dst = append(dst, "ME "...)
	if binary {
		dst = base64.StdEncoding.AppendEncode(dst, key)
	} else {
		dst = append(dst, key...)
	}
	dst = append(dst, " exp="...)
	dst = strconv.AppendInt(dst, exp, 10)
	dst = append(dst, " la="...)
	dst = strconv.AppendUint(dst, la, 10)
	dst = append(dst, " cas="...)
	dst = strconv.AppendUint(dst, cas, 10)
	if fetched {
		dst = append(dst, " fetch=yes"...)
	} else {
		dst = append(dst, " fetch=no"...)
	}
	dst = append(dst, " cls="...)
	dst = strconv.AppendUint(dst, uint64(cls), 10)
	dst = append(dst, " size="...)
	dst = strconv.AppendUint(dst, size, 10)
	return append(dst, '\r', '\n')
}

// MetaItem is what the engine tells AppendMetaFlags about the item a meta
// command acted on.
type MetaItem struct {
	Size        int    // s: value length
	ClientFlags uint32 // f
	CAS         uint64 // c
	TTL         int64  // t: seconds left, -1 = never expires
	LastAccess  uint64 // l: seconds since last access
	Fetched     bool   // h: fetched before this request
	Won         bool   // W: this client won the recache token
	Stale       bool   // X: item is stale
	TokenSent   bool   // Z: a win token was already handed out
}

// AppendMetaFlags appends the return flags memcached 1.6 sends after the
// status code of this meta command, in request order: with it == nil (a
// miss, NF, EX, NS) only O and k; on a hit, per command, mg: s t c f l h O
// k then Z, X, W; ms: O k c; md: O k; ma: c t O k. The key is echoed
// base64-encoded (with " b") when the request used b.
func (c *MCCommand) AppendMetaFlags(dst []byte, it *MetaItem) []byte {
	for _, f := range c.Meta.List {
		switch f.Flag {
		case 'O':
			dst = AppendMetaOpaque(dst, c.Meta.Opaque)
			continue
		case 'k':
			dst = AppendMetaKey(dst, c.Key, c.Meta.Base64)
			continue
		}
		if it == nil {
			continue
		}
		switch c.Kind {
		case MCMetaGet:
			switch f.Flag {
			case 's':
				dst = AppendMetaFlagInt(dst, 's', int64(it.Size))
			case 't':
				dst = AppendMetaFlagInt(dst, 't', it.TTL)
			case 'c':
				dst = AppendMetaFlagUint(dst, 'c', it.CAS)
			case 'f':
				dst = AppendMetaFlagUint(dst, 'f', uint64(it.ClientFlags))
			case 'l':
				dst = AppendMetaFlagUint(dst, 'l', it.LastAccess)
			case 'h':
				h := uint64(0)
				if it.Fetched {
					h = 1
				}
				dst = AppendMetaFlagUint(dst, 'h', h)
			}
		case MCMetaSet:
			if f.Flag == 'c' {
				dst = AppendMetaFlagUint(dst, 'c', it.CAS)
			}
		case MCMetaArith:
			switch f.Flag {
			case 'c':
				dst = AppendMetaFlagUint(dst, 'c', it.CAS)
			case 't':
				dst = AppendMetaFlagInt(dst, 't', it.TTL)
			}
		}
	}
	if it != nil && c.Kind == MCMetaGet {
		if it.TokenSent {
			dst = AppendMetaFlag(dst, 'Z')
		}
		if it.Stale {
			dst = AppendMetaFlag(dst, 'X')
		}
		if it.Won {
			dst = AppendMetaFlag(dst, 'W')
		}
	}
	return dst
}
