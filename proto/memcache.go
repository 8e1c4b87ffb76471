package proto

import "bytes"

// Memcached text and meta protocol: the request parser.
//
// The parser reproduces memcached 1.6's proto_text.c verdicts (checked
// against memcached 1.6.18 by memcache_diff_test.go): the same tokenizer
// (space is the only separator, a NUL byte ends the line, a CR is dropped
// only right before the LF), the same number parsing (C strtoul/strtol with
// memcached's safe_* wrappers, including their truncation to 32 bits), the
// same arity checks and the same error texts, including which errors a
// trailing "noreply" silences.
//
// Where darner knowingly differs from memcached 1.6.18:
//   - A non-get line longer than 2048 bytes is accepted by memcached when
//     it arrives in one read and refused (connection closed) when it
//     arrives in pieces; the parser always refuses it, so that its verdict
//     never depends on how the stream was split.
//   - gat/gats lines may be as long as get/gets lines (memcached closes
//     the connection on a gat line over 2048 bytes that arrives in pieces).
//   - The meta flags E<cas> and x (added after 1.6.18) are accepted.
//   - Errors memcached only notices while building the reply (an opaque
//     token over 32 bytes on mg/ma) are reported before the command runs,
//     so the command has no side effect.
//   - A multi-get with a key over 250 bytes: memcached also drops the
//     replies of earlier pipelined commands still in its buffer; darner
//     answers only the one error.
//   - The binary protocol (first byte 0x80) is not detected; such bytes
//     are parsed as text (and refused).

// MCKeyMaxLen is memcached's KEY_MAX_LENGTH: the longest key, in bytes.
const MCKeyMaxLen = 250

// MCMaxLineLen is how many bytes memcached buffers while waiting for the
// end of a request line. A line whose LF comes later than this is refused
// and the connection closed, except get/gets (and here gat/gats) lines,
// which may run up to MCParser.MaxGetLine.
const MCMaxLineLen = 2048

// DefaultMCMaxItemSize is memcached's default item size limit (-I 1m).
const DefaultMCMaxItemSize = 1 << 20

// DefaultMCMaxGetLine bounds a multi-key get/gets/gat/gats line (memcached
// grows its buffer without bound for these; darner stops at 8 MB).
const DefaultMCMaxGetLine = 8 << 20

// mcItemHeader is what memcached 1.6 (64-bit, CAS on) counts per item on
// top of key+1 and value+2 (+4 when the client flags are not 0) against
// the item size limit; measured against memcached 1.6.18 -I 1m.
const mcItemHeader = 56

const (
	mcMaxTokens     = 24 // memcached's MAX_TOKENS, the terminal token included
	mcMetaMaxTokens = 20 // MFLAG_MAX_OPT_LENGTH, compared with ntokens
	mcMaxOpaqueLen  = 32 // MFLAG_MAX_OPAQUE_LENGTH, the 'O' included
	mcIntMax        = 1<<31 - 1
	mcLongLineSpace = 100 // leading spaces memcached tolerates on a long get line
)

// MCKind says which command an MCCommand is.
type MCKind uint8

const (
	MCInvalid MCKind = iota
	// Storage: Key, Flags, Exptime, Data, NoReply (and CAS for MCCas).
	MCSet
	MCAdd
	MCReplace
	MCAppend
	MCPrepend
	MCCas
	// Retrieval: Keys (possibly none for gat/gats); Exptime for gat/gats.
	MCGet // also the ancient "bget"
	MCGets
	MCGat
	MCGats
	MCDelete    // Key, NoReply
	MCIncr      // Key, Delta, NoReply
	MCDecr      // Key, Delta, NoReply
	MCTouch     // Key, Exptime, NoReply
	MCFlushAll  // Exptime (delay; 0 when absent), NoReply
	MCVersion   // no arguments
	MCVerbosity // Verbosity, NoReply
	MCStats     // Args: the words after "stats" (memcached sees at most 22)
	MCQuit      // close the connection once earlier replies are sent
	// Meta commands: Key (base64-decoded when Meta has 'b'), Meta.
	MCMetaGet    // mg
	MCMetaSet    // ms: also Data
	MCMetaDelete // md
	MCMetaArith  // ma
	MCMetaNoop   // mn: reply "MN"
	MCMetaDebug  // me: Key, Meta.Base64 only
)

var mcKindNames = [...]string{
	MCInvalid: "invalid", MCSet: "set", MCAdd: "add", MCReplace: "replace",
	MCAppend: "append", MCPrepend: "prepend", MCCas: "cas", MCGet: "get",
	MCGets: "gets", MCGat: "gat", MCGats: "gats", MCDelete: "delete",
	MCIncr: "incr", MCDecr: "decr", MCTouch: "touch", MCFlushAll: "flush_all",
	MCVersion: "version", MCVerbosity: "verbosity", MCStats: "stats",
	MCQuit: "quit", MCMetaGet: "mg", MCMetaSet: "ms", MCMetaDelete: "md",
	MCMetaArith: "ma", MCMetaNoop: "mn", MCMetaDebug: "me",
}

// String returns the command's name as sent on the wire ("set", "mg", ...).
func (k MCKind) String() string {
	if int(k) < len(mcKindNames) {
		return mcKindNames[k]
	}
	return "unknown"
}

// IsStorage reports whether k carries a data block (set/add/replace/
// append/prepend/cas/ms).
func (k MCKind) IsStorage() bool { return (k >= MCSet && k <= MCCas) || k == MCMetaSet }

// IsMeta reports whether k is a meta command (mg/ms/md/ma/mn/me).
func (k MCKind) IsMeta() bool { return k >= MCMetaGet && k <= MCMetaDebug }

// MCCommand is one parsed Memcached request. Which fields mean something
// depends on Kind (see the MCKind constants); the others are zero.
//
// Ownership: the MCParser owns the MCCommand and reuses it. Key, Keys,
// Data, Args and the meta tokens are sub-slices of the buffer given to
// Parse and stay valid until the caller reuses or compacts that buffer;
// a base64 ('b') key is decoded into the command itself and stays valid
// until the next Parse call. Nothing of it may be kept after both.
type MCCommand struct {
	Kind MCKind

	// Key is the single key of storage, delete, incr/decr, touch and meta
	// commands. For meta commands with the 'b' flag it is the decoded key.
	Key []byte
	// Keys are the keys of get/gets/gat/gats, in request order.
	Keys [][]byte
	// Data is the data block of storage commands and ms, without its CRLF.
	Data []byte

	// Flags are the client flags of storage commands (memcached truncates
	// the number to 32 bits as its safe_strtoul does).
	Flags uint32
	// Exptime is the exptime of storage commands, touch and gat/gats, or
	// the delay of flush_all, as memcached reads it: a C long truncated to
	// int32, so it is always in int32 range. Negative means "already
	// expired"; up to 30 days it is relative, beyond that a unix time.
	Exptime int64
	// CAS is the cas unique of the cas command.
	CAS uint64
	// Delta is the incr/decr amount.
	Delta uint64
	// Verbosity is the level of the verbosity command.
	Verbosity uint32
	// NoReply is set when a classic command ended in "noreply": send no
	// reply at all (memcached also silences that command's errors).
	NoReply bool
	// Args are the words after "stats".
	Args [][]byte

	// Meta holds the flags of meta commands.
	Meta MetaFlags

	metaList [mcMetaMaxTokens]MetaFlag
	keyBuf   [MCKeyMaxLen]byte
}

// MCError is a request memcached answers with an error (or silently, or by
// closing). It is returned by MCParser.Parse as the error value.
//
// The caller sends Reply (which may be empty: memcached silences most
// errors of a "noreply" command), closes the connection after it when
// Close is set, and otherwise goes on parsing after the n bytes Parse
// reported. The *MCError belongs to the parser and is valid until the next
// Parse call.
type MCError struct {
	// Reply is the exact reply, CRLF included ("ERROR\r\n",
	// "CLIENT_ERROR bad command line format\r\n", ...), or "".
	Reply string
	// Skip is the number of data bytes following the request line that
	// memcached reads and throws away (a refused storage command whose data
	// block length was readable: declared length + 2). The parser swallows
	// them itself: the next Parse calls consume them and return
	// (k, nil, nil) until they are gone. Informational for the caller.
	Skip int
	// Close means the stream cannot be resynchronised: close the connection
	// (memcached sends nothing first; Reply is then empty).
	Close bool
	// DeleteKey is set when a set or ms was refused as too large: memcached
	// then deletes the key so that a stale value does not outlive the
	// failed write. The engine must do the same. It aliases the request
	// buffer like MCCommand.Key.
	DeleteKey []byte
}

func (e *MCError) Error() string {
	if e.Close {
		return "memcache: close connection"
	}
	if e.Reply == "" {
		return "memcache: silenced error"
	}
	return "memcache: " + e.Reply[:len(e.Reply)-2]
}

// Exact error replies of memcached 1.6.
const (
	mcErrError        = "ERROR\r\n"
	mcErrBadFormat    = "CLIENT_ERROR bad command line format\r\n"
	mcErrBadChunk     = "CLIENT_ERROR bad data chunk\r\n"
	mcErrTooLarge     = "SERVER_ERROR object too large for cache\r\n"
	mcErrExptime      = "CLIENT_ERROR invalid exptime argument\r\n"
	mcErrDelta        = "CLIENT_ERROR invalid numeric delta argument\r\n"
	mcErrDeleteUsage  = "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"
	mcErrFlagsLongMg  = "CLIENT_ERROR options flags are too long\r\n"
	mcErrFlagsLong    = "CLIENT_ERROR options flags too long\r\n"
	mcErrDupFlag      = "CLIENT_ERROR duplicate flag\r\n"
	mcErrInvalidFlag  = "CLIENT_ERROR invalid flag\r\n"
	mcErrBadToken     = "CLIENT_ERROR bad token in command line format\r\n"
	mcErrMLength      = "CLIENT_ERROR incorrect length for M token\r\n"
	mcErrInitial      = "CLIENT_ERROR invalid numeric initial value\r\n"
	mcErrDeltaMeta    = "CLIENT_ERROR invalid numeric delta value\r\n"
	mcErrDecodeKey    = "CLIENT_ERROR error decoding key\r\n"
	mcErrOpaqueLong   = "CLIENT_ERROR opaque token too long\r\n"
	mcErrMsMode       = "CLIENT_ERROR invalid mode for ms M token\r\n"
	mcErrMaMode       = "CLIENT_ERROR invalid mode for ma M token\r\n"
	mcErrInvalidOrDup = "CLIENT_ERROR invalid or duplicate flag\r\n"
)

// MCParser is an incremental Memcached text/meta request parser. It keeps
// no bytes of its own: the caller owns the buffer. An MCParser belongs to
// one connection (one goroutine); the zero value uses memcached's default
// limits.
type MCParser struct {
	// MaxItemSize is memcached's -I: a storage command whose item would be
	// larger is refused with "SERVER_ERROR object too large for cache" and
	// its data swallowed. The size is counted as memcached counts it (56
	// bytes of item header, key+1, value+2, 4 more when the client flags
	// are not 0), so the same values fit. 0 means DefaultMCMaxItemSize.
	MaxItemSize int
	// MaxGetLine bounds a get/gets/gat/gats line; 0 means
	// DefaultMCMaxGetLine. A longer line closes the connection. It only
	// matters above MCMaxLineLen: shorter lines are always accepted.
	MaxGetLine int
	// StrictKeys refuses keys holding control characters (bytes below
	// 0x20 and 0x7f) with "CLIENT_ERROR bad command line format", as
	// protocol.txt asks. memcached itself does not check (false = exact
	// memcached behaviour).
	StrictKeys bool

	cmd  MCCommand
	err  MCError
	skip int // data bytes still to swallow after a refused storage command
	need int

	toks [mcMaxTokens]mcToken
}

type mcToken struct{ start, end int } // offsets into the request line

// Parse parses one request from the front of buf.
//
//   - n > 0, cmd != nil, err == nil: one request used buf[:n]. cmd is the
//     parser's own MCCommand, valid as documented there.
//   - n > 0, cmd == nil, err == nil: buf[:n] was data the parser swallowed
//     after a refused storage command; drop it and call again.
//   - n == 0, err == nil: buf holds no complete request; read more (Need
//     tells how much a storage command waits for).
//   - err != nil: an *MCError for the request in buf[:n]; send its Reply,
//     close if it says so, else continue after n.
func (p *MCParser) Parse(buf []byte) (n int, cmd *MCCommand, err error) {
	p.need = 0
	if p.skip > 0 {
		k := min(p.skip, len(buf))
		p.skip -= k
		return k, nil, nil
	}
	if len(buf) == 0 {
		return 0, nil, nil
	}
	nl := bytes.IndexByte(buf, '\n')
	if nl < 0 {
		if len(buf) > MCMaxLineLen && !p.longLineOK(buf, len(buf)) {
			return len(buf), nil, p.fail("", 0, true)
		}
		return 0, nil, nil
	}
	if nl > MCMaxLineLen && !p.longLineOK(buf, nl) {
		return len(buf), nil, p.fail("", 0, true)
	}
	line := buf[:nl]
	if nl > 1 && line[nl-1] == '\r' {
		line = line[:nl-1]
	}
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i] // memcached tokenizes a C string
	}
	return p.command(buf, line, nl+1)
}

// Reset forgets any data still to be swallowed, for reusing the parser
// on a new connection.
func (p *MCParser) Reset() { p.skip, p.need = 0, 0 }

// Need returns, after Parse returned n == 0 for a storage command whose
// data block has not fully arrived, the total number of bytes (from the
// start of the request) that request needs; otherwise 0.
func (p *MCParser) Need() int { return p.need }

// longLineOK applies memcached's rule for a line of more than
// MCMaxLineLen bytes without an LF: only a get/gets (and, in darner,
// gat/gats) line with at most 100 leading spaces may go on, up to
// MaxGetLine.
func (p *MCParser) longLineOK(buf []byte, lineLen int) bool {
	max := p.MaxGetLine
	if max <= 0 {
		max = DefaultMCMaxGetLine
	}
	if lineLen > max {
		return false
	}
	i := 0
	for i < len(buf) && buf[i] == ' ' {
		i++
	}
	if i > mcLongLineSpace {
		return false
	}
	s := buf[i:]
	return bytes.HasPrefix(s, []byte("get ")) || bytes.HasPrefix(s, []byte("gets ")) ||
		bytes.HasPrefix(s, []byte("gat ")) || bytes.HasPrefix(s, []byte("gats "))
}

func (p *MCParser) fail(reply string, skip int, close bool) *MCError {
	p.err = MCError{Reply: reply, Skip: skip, Close: close}
	p.skip = skip
	return &p.err
}

// tokenize splits line on spaces like memcached's tokenize_command: at most
// mcMaxTokens-1 tokens; it returns their count and the offset where the
// unsplit rest begins (len(line) when everything was split).
func (p *MCParser) tokenize(line []byte, from int) (count, rest int) {
	i := from
	for count < mcMaxTokens-1 {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i == len(line) {
			return count, i
		}
		s := i
		for i < len(line) && line[i] != ' ' {
			i++
		}
		p.toks[count] = mcToken{s, i}
		count++
	}
	return count, i
}

func (p *MCParser) reset(kind MCKind) *MCCommand {
	c := &p.cmd
	c.Kind = kind
	c.Key = nil
	c.Keys = c.Keys[:0]
	c.Data = nil
	c.Flags = 0
	c.Exptime = 0
	c.CAS = 0
	c.Delta = 0
	c.Verbosity = 0
	c.NoReply = false
	c.Args = c.Args[:0]
	c.Meta.reset(c.metaList[:0])
	return c
}

// command dispatches one complete request line (consumed = its length
// with the LF) the way process_command_ascii does.
func (p *MCParser) command(buf, line []byte, consumed int) (int, *MCCommand, error) {
	count, rest := p.tokenize(line, 0)
	ntokens := count + 1 // memcached counts the terminal token
	tok := func(i int) []byte { return line[p.toks[i].start:p.toks[i].end] }
	if count == 0 || p.toks[0].end-p.toks[0].start < 2 {
		return consumed, nil, p.fail(mcErrError, 0, false)
	}
	name := tok(0)
	if name[0] == 'm' && len(name) == 2 {
		switch name[1] {
		case 'g':
			return p.metaGet(line, ntokens, consumed)
		case 's':
			return p.metaSet(buf, line, ntokens, consumed)
		case 'd':
			return p.metaDelete(line, ntokens, consumed)
		case 'a':
			return p.metaArith(line, ntokens, consumed)
		case 'n':
			return consumed, p.reset(MCMetaNoop), nil
		case 'e':
			return p.metaDebug(line, ntokens, consumed)
		}
		return consumed, nil, p.fail(mcErrError, 0, false)
	}
	errorReply := func() (int, *MCCommand, error) { return consumed, nil, p.fail(mcErrError, 0, false) }
	switch string(name) {
	case "get", "bget":
		if ntokens < 3 {
			return errorReply()
		}
		return p.get(MCGet, line, count, rest, consumed)
	case "gets":
		if ntokens < 3 {
			return errorReply()
		}
		return p.get(MCGets, line, count, rest, consumed)
	case "gat":
		if ntokens < 3 {
			return errorReply()
		}
		return p.get(MCGat, line, count, rest, consumed)
	case "gats":
		if ntokens < 3 {
			return errorReply()
		}
		return p.get(MCGats, line, count, rest, consumed)
	case "set", "add", "append", "replace", "prepend":
		if ntokens != 6 && ntokens != 7 {
			return errorReply()
		}
		return p.update(mcStorageKind(name), buf, line, ntokens, consumed)
	case "cas":
		if ntokens != 7 && ntokens != 8 {
			return errorReply()
		}
		return p.update(MCCas, buf, line, ntokens, consumed)
	case "incr", "decr":
		if ntokens != 4 && ntokens != 5 {
			return errorReply()
		}
		return p.arith(name[0] == 'i', line, ntokens, consumed)
	case "delete":
		if ntokens < 3 || ntokens > 5 {
			return errorReply()
		}
		return p.delete(line, ntokens, consumed)
	case "touch":
		if ntokens != 4 && ntokens != 5 {
			return errorReply()
		}
		return p.touch(line, ntokens, consumed)
	case "flush_all":
		if ntokens < 2 || ntokens > 4 {
			return errorReply()
		}
		c := p.reset(MCFlushAll)
		c.NoReply = p.noreply(line, ntokens)
		want := 2
		if c.NoReply {
			want = 3
		}
		if ntokens != want {
			v, ok := cStrtol32(tok(1))
			if !ok {
				return consumed, nil, p.failNoReply(c.NoReply, mcErrExptime)
			}
			c.Exptime = int64(v)
		}
		return consumed, c, nil
	case "version":
		return consumed, p.reset(MCVersion), nil
	case "quit":
		return consumed, p.reset(MCQuit), nil
	case "verbosity":
		if ntokens != 3 && ntokens != 4 {
			return errorReply()
		}
		c := p.reset(MCVerbosity)
		c.NoReply = p.noreply(line, ntokens)
		v, ok := cStrtoul32(tok(1))
		if !ok {
			return consumed, nil, p.failNoReply(c.NoReply, mcErrBadFormat)
		}
		c.Verbosity = v
		return consumed, c, nil
	case "stats":
		c := p.reset(MCStats)
		for i := 1; i < count; i++ {
			c.Args = append(c.Args, tok(i))
		}
		return consumed, c, nil
	}
	return errorReply()
}

func mcStorageKind(name []byte) MCKind {
	switch string(name) {
	case "set":
		return MCSet
	case "add":
		return MCAdd
	case "replace":
		return MCReplace
	case "append":
		return MCAppend
	}
	return MCPrepend
}

// noreply is memcached's set_noreply_maybe: the last token is "noreply".
func (p *MCParser) noreply(line []byte, ntokens int) bool {
	t := p.toks[ntokens-2]
	return string(line[t.start:t.end]) == "noreply"
}

// failNoReply is an error memcached sends with out_string: silenced by
// noreply.
func (p *MCParser) failNoReply(noreply bool, reply string) *MCError {
	if noreply {
		reply = ""
	}
	return p.fail(reply, 0, false)
}

// badKey reports whether key breaks the key rules (length; control
// characters with StrictKeys).
func (p *MCParser) badKey(key []byte) bool {
	if len(key) > MCKeyMaxLen {
		return true
	}
	if p.StrictKeys {
		for _, b := range key {
			if b < 0x20 || b == 0x7f {
				return true
			}
		}
	}
	return false
}

func (p *MCParser) tooLarge(nkey, vlen int, flags uint32) bool {
	max := p.MaxItemSize
	if max <= 0 {
		max = DefaultMCMaxItemSize
	}
	total := mcItemHeader + nkey + 1 + vlen
	if flags != 0 {
		total += 4
	}
	return total > max
}

// get parses get/gets/gat/gats: an optional exptime then every key of the
// line, however many (memcached re-tokenizes the rest of a long line).
func (p *MCParser) get(kind MCKind, line []byte, count, rest, consumed int) (int, *MCCommand, error) {
	c := p.reset(kind)
	first := 1
	if kind == MCGat || kind == MCGats {
		t := p.toks[1]
		v, ok := cStrtol32(line[t.start:t.end])
		if !ok {
			return consumed, nil, p.fail(mcErrExptime, 0, false)
		}
		c.Exptime = int64(v)
		first = 2
	}
	for {
		for i := first; i < count; i++ {
			key := line[p.toks[i].start:p.toks[i].end]
			if p.badKey(key) {
				return consumed, nil, p.fail(mcErrBadFormat, 0, false)
			}
			c.Keys = append(c.Keys, key)
		}
		if rest >= len(line) {
			return consumed, c, nil
		}
		count, rest = p.tokenize(line, rest)
		first = 0
	}
}

// update parses set/add/replace/append/prepend/cas like
// process_update_command, then waits for the data block.
func (p *MCParser) update(kind MCKind, buf, line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	tok := func(i int) []byte { return line[p.toks[i].start:p.toks[i].end] }
	noreply := p.noreply(line, ntokens)
	key := tok(1)
	if p.badKey(key) {
		return consumed, nil, p.failNoReply(noreply, mcErrBadFormat)
	}
	flags, ok1 := cStrtoul32(tok(2))
	exptime, ok2 := cStrtol32(tok(3))
	vlen, ok3 := cStrtol32(tok(4))
	if !ok1 || !ok2 || !ok3 {
		return consumed, nil, p.failNoReply(noreply, mcErrBadFormat)
	}
	var cas uint64
	if kind == MCCas {
		var ok bool
		if cas, ok = cStrtoull(tok(5)); !ok {
			return consumed, nil, p.failNoReply(noreply, mcErrBadFormat)
		}
	}
	if vlen < 0 || vlen > mcIntMax-2 {
		return consumed, nil, p.failNoReply(noreply, mcErrBadFormat)
	}
	if p.tooLarge(len(key), int(vlen)+2, flags) {
		e := p.failNoReply(noreply, mcErrTooLarge)
		e.Skip = int(vlen) + 2
		p.skip = e.Skip
		if kind == MCSet {
			e.DeleteKey = key
		}
		return consumed, nil, e
	}
	total := consumed + int(vlen) + 2
	if len(buf) < total {
		p.need = total
		return 0, nil, nil
	}
	if buf[total-2] != '\r' || buf[total-1] != '\n' {
		return total, nil, p.failNoReply(noreply, mcErrBadChunk)
	}
	c := p.reset(kind)
	c.Key = key
	c.Flags = flags
	c.Exptime = int64(exptime)
	c.CAS = cas
	c.NoReply = noreply
	c.Data = buf[consumed : total-2]
	return total, c, nil
}

func (p *MCParser) arith(incr bool, line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	kind := MCDecr
	if incr {
		kind = MCIncr
	}
	noreply := p.noreply(line, ntokens)
	key := line[p.toks[1].start:p.toks[1].end]
	if p.badKey(key) {
		return consumed, nil, p.failNoReply(noreply, mcErrBadFormat)
	}
	delta, ok := cStrtoull(line[p.toks[2].start:p.toks[2].end])
	if !ok {
		return consumed, nil, p.failNoReply(noreply, mcErrDelta)
	}
	c := p.reset(kind)
	c.Key, c.Delta, c.NoReply = key, delta, noreply
	return consumed, c, nil
}

func (p *MCParser) touch(line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	noreply := p.noreply(line, ntokens)
	key := line[p.toks[1].start:p.toks[1].end]
	if p.badKey(key) {
		return consumed, nil, p.failNoReply(noreply, mcErrBadFormat)
	}
	v, ok := cStrtol32(line[p.toks[2].start:p.toks[2].end])
	if !ok {
		return consumed, nil, p.failNoReply(noreply, mcErrExptime)
	}
	c := p.reset(MCTouch)
	c.Key, c.Exptime, c.NoReply = key, int64(v), noreply
	return consumed, c, nil
}

// delete follows process_delete_command: "delete <key> [0] [noreply]".
func (p *MCParser) delete(line []byte, ntokens, consumed int) (int, *MCCommand, error) {
	noreply := false
	if ntokens > 3 {
		t := p.toks[2]
		holdIsZero := string(line[t.start:t.end]) == "0"
		noreply = p.noreply(line, ntokens)
		valid := (ntokens == 4 && (holdIsZero || noreply)) || (ntokens == 5 && holdIsZero && noreply)
		if !valid {
			return consumed, nil, p.failNoReply(noreply, mcErrDeleteUsage)
		}
	}
	key := line[p.toks[1].start:p.toks[1].end]
	if p.badKey(key) {
		return consumed, nil, p.failNoReply(noreply, mcErrBadFormat)
	}
	c := p.reset(MCDelete)
	c.Key, c.NoReply = key, noreply
	return consumed, c, nil
}
