package proto

// MaxMultibulkLen is Redis's limit on the number of arguments of one
// multibulk request (1024*1024).
const MaxMultibulkLen = 1024 * 1024

// DefaultMaxBulkLen is Redis's default proto-max-bulk-len (512 MB).
const DefaultMaxBulkLen = 512 << 20

// MaxInlineLen is Redis's limit on an inline request line (64 KB).
const MaxInlineLen = 64 << 10

// ProtocolError is a malformed request. Msg is the exact Redis error text
// without the leading '-' (e.g. "ERR Protocol error: invalid bulk length").
// After it the connection must send the reply and close, as Redis does.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return e.Msg }

// Parser is an incremental RESP request parser (multibulk and inline).
// It keeps no bytes of its own: the caller owns the buffer. A Parser
// belongs to one connection; the zero value uses Redis's default limits.
//
// NOTE: contract stub; the proto issue owns and completes it.
type Parser struct {
	// MaxBulkLen bounds one bulk argument (proto-max-bulk-len); 0 means
	// DefaultMaxBulkLen.
	MaxBulkLen int64

	args [][]byte
}

// Parse parses one complete request from the front of buf.
//
//   - n > 0, err == nil: one request used buf[:n]; args are sub-slices of
//     buf, valid until the caller modifies or reuses buf, and the args slice
//     itself is reused by the next Parse call. An empty inline line returns
//     n > 0 and len(args) == 0 (skip it).
//   - n == 0, err == nil: buf holds no complete request; read more. Need
//     tells how many bytes in total the request is known to need so far.
//   - err != nil: *ProtocolError; send it and close the connection.
func (p *Parser) Parse(buf []byte) (n int, args [][]byte, err error) {
	panic("proto.Parser.Parse: not implemented yet")
}

// Need returns, after Parse returned n == 0, a lower bound on the total
// size of the pending request (so a connection can grow its buffer once
// for a large bulk), or 0 when unknown.
func (p *Parser) Need() int { return 0 }
