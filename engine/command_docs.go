package engine

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// COMMAND DOCS: each command declares its arguments in Command.Args, a
// compact syntax modelled on the redis.io synopsis, parsed once when the
// command is registered (a bad spec panics, so every test fails on a
// typo). The parsed tree (DocArg) is what COMMAND DOCS writes, in Redis
// 7's shape. Nothing here runs on the request path except the writer.
//
// The syntax (Command.Args):
//
//	key value [NX | XX]{condition 2.6.12} [GET]{6.2.0}
//	[EX seconds{2.6.12} | PX milliseconds{2.6.12} | KEEPTTL{6.0.0}]{expiration}
//
//   - A lower-case word is an argument; the word is its display text and
//     its name. Its type is string unless the word ends in ":T" with T one
//     of k (key), s (string), i (integer), d (double), p (pattern), t
//     (unix-time), or the word is one of the names whose type is always the
//     same in Redis (key, destination, source, newkey → key; count,
//     numkeys, cursor, seconds, milliseconds → integer; pattern → pattern;
//     unix-time-seconds, unix-time-milliseconds → unix-time).
//   - A word without lower-case letters (NX, WITHSCORES, NO-EVICT) is a
//     token; "..." quotes a token verbatim. A token followed by one
//     argument word is that argument's token (EX seconds); followed by two
//     or more words it is a block named after the token (LIMIT offset
//     count; a "," ends the token's operands: BYBOX width, height); followed by a group, the group is a block or oneof named after
//     the token (TYPE (NORMAL | MASTER)); alone it is a pure-token named
//     after it in lower case.
//   - [ ... ] is optional, ( ... ) is required. A group of alternatives
//     separated by | is a oneof; a group of one argument is that argument;
//     a group of several arguments is a block. A oneof or block without a
//     token needs a name ({name}).
//   - "..." after an argument or group sets flag multiple; after a group
//     whose argument has a token (the token repeats: [GET pattern]...) also
//     multiple_token.
//   - {attrs} after a word or group: space-separated, a bare word is the
//     argument's name (when it differs from the display text, or names a
//     oneof/block), N.N.N its since, -N.N.N its deprecated_since, #N its
//     key_spec_index, :T its type (as above, or the full type name);
//     :block on a group of one argument keeps it a block ((parameter){parameter :block}).
//
// Key arguments get key_spec_index 0, 1, 2, ... in order of appearance
// (each one the previous index + 1); #N sets one explicitly (LCS's two
// keys share spec 0; SORT's BY/GET patterns name spec 1).

// DocArg is one argument of a command as COMMAND DOCS reports it. A
// DocArg tree is built at registration and never changes afterwards.
type DocArg struct {
	Name            string
	Type            string // key, string, integer, double, pattern, unix-time, pure-token, oneof, block
	Display         string // display_text (Redis 7.2); empty for pure-token, oneof and block
	Token           string
	Since           string
	DeprecatedSince string
	KeySpec         int // key_spec_index, -1 when none
	Optional        bool
	Multiple        bool
	MultipleToken   bool
	Args            []*DocArg // oneof / block members
}

// DocArgs returns the command's parsed arguments (nil when it declares
// none). The slice belongs to the table: callers must not change it.
func (cmd *Command) DocArgs() []*DocArg { return cmd.docArgs }

// parseDocs parses the Args of cmd and of its subcommands; it panics on a
// bad spec, naming the command.
func (cmd *Command) parseDocs() {
	if cmd.Args != "" {
		args, err := ParseDocArgs(cmd.Args)
		if err != nil {
			panic("engine: " + cmd.Name + ": bad Args: " + err.Error())
		}
		cmd.docArgs = args
	}
	for _, s := range cmd.Subcommands {
		s.parseDocs()
	}
}

var docTypeCodes = map[string]string{
	"k": "key", "s": "string", "i": "integer", "d": "double", "p": "pattern", "t": "unix-time",
	"key": "key", "string": "string", "integer": "integer", "double": "double", "pattern": "pattern",
	"unix-time": "unix-time", "pure-token": "pure-token", "oneof": "oneof", "block": "block",
}

// docDefaultTypes are argument names whose type is the same in every
// Redis command that has them.
var docDefaultTypes = map[string]string{
	"key": "key", "destination": "key", "source": "key", "newkey": "key",
	"count": "integer", "numkeys": "integer", "cursor": "integer", "seconds": "integer", "milliseconds": "integer",
	"pattern": "pattern", "unix-time-seconds": "unix-time", "unix-time-milliseconds": "unix-time",
}

// docItem is a parsed syntax element before it becomes a DocArg: a token,
// a word or a group, with its suffixes.
type docItem struct {
	token    string       // set for a token
	word     string       // set for an argument word
	alts     [][]*docItem // set for a group
	optional bool         // [ ] group
	multiple bool         // "..."
	stop     bool         // "," follows: ends a token's operands
	attrs    []string
}

type docParser struct {
	s   string
	pos int
}

func (p *docParser) errorf(format string, a ...any) error {
	return fmt.Errorf("at %d in %q: %s", p.pos, p.s, fmt.Sprintf(format, a...))
}

func (p *docParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n') {
		p.pos++
	}
}

func isDocPunct(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '[', ']', '(', ')', '{', '}', '|', '"', ',':
		return true
	}
	return false
}

// ParseDocArgs parses an Args spec (see the syntax above).
func ParseDocArgs(spec string) ([]*DocArg, error) {
	p := &docParser{s: spec}
	seq, err := p.parseSeq()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.s) {
		return nil, p.errorf("unexpected %q", p.s[p.pos])
	}
	args, err := buildSeq(seq)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", spec, err)
	}
	next := 0
	assignKeySpecs(args, &next)
	return args, nil
}

// parseSeq reads items up to a ']', ')', '|' or the end.
func (p *docParser) parseSeq() ([]*docItem, error) {
	var seq []*docItem
	for {
		p.skipSpace()
		if p.pos >= len(p.s) {
			return seq, nil
		}
		it := &docItem{}
		switch c := p.s[p.pos]; c {
		case ']', ')', '|':
			return seq, nil
		case '[', '(':
			p.pos++
			it.optional = c == '['
			for {
				alt, err := p.parseSeq()
				if err != nil {
					return nil, err
				}
				if len(alt) == 0 {
					return nil, p.errorf("empty alternative")
				}
				it.alts = append(it.alts, alt)
				if p.pos >= len(p.s) {
					return nil, p.errorf("unclosed %q", c)
				}
				if p.s[p.pos] == '|' {
					p.pos++
					continue
				}
				want := byte(')')
				if c == '[' {
					want = ']'
				}
				if p.s[p.pos] != want {
					return nil, p.errorf("%q closed by %q", c, p.s[p.pos])
				}
				p.pos++
				break
			}
		case '"':
			end := strings.IndexByte(p.s[p.pos+1:], '"')
			if end < 0 {
				return nil, p.errorf("unclosed quote")
			}
			if end == 0 {
				return nil, p.errorf("empty token")
			}
			it.token = p.s[p.pos+1 : p.pos+1+end]
			p.pos += end + 2
		case '{', '}':
			return nil, p.errorf("attributes without an argument")
		case ',':
			if len(seq) == 0 || seq[len(seq)-1].word == "" {
				return nil, p.errorf("\",\" after something other than an argument word")
			}
			seq[len(seq)-1].stop = true
			p.pos++
			continue
		default:
			start := p.pos
			for p.pos < len(p.s) && !isDocPunct(p.s[p.pos]) && !strings.HasPrefix(p.s[p.pos:], "...") {
				p.pos++
			}
			w := p.s[start:p.pos]
			if w == "" {
				return nil, p.errorf("empty word")
			}
			if strings.ToLower(w) != w || strings.ToUpper(w) == w && strings.ContainsAny(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				if strings.ToUpper(w) != w {
					return nil, p.errorf("word %q mixes cases", w)
				}
				it.token = w
			} else {
				it.word = w
			}
		}
		// Suffixes: {attrs} and "...", in any order.
		for p.pos < len(p.s) {
			if strings.HasPrefix(p.s[p.pos:], "...") {
				if it.multiple {
					return nil, p.errorf("two \"...\"")
				}
				it.multiple = true
				p.pos += 3
				continue
			}
			if p.s[p.pos] == '{' {
				end := strings.IndexByte(p.s[p.pos:], '}')
				if end < 0 {
					return nil, p.errorf("unclosed {")
				}
				it.attrs = append(it.attrs, strings.Fields(p.s[p.pos+1:p.pos+end])...)
				p.pos += end + 1
				continue
			}
			break
		}
		seq = append(seq, it)
	}
}

// buildSeq turns a sequence of items into arguments: a token takes the
// argument words that follow it (or one group).
func buildSeq(seq []*docItem) ([]*DocArg, error) {
	var out []*DocArg
	for i := 0; i < len(seq); i++ {
		it := seq[i]
		if it.token == "" {
			a, err := buildItem(it)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
			continue
		}
		// A token and its operands.
		j := i + 1
		for j < len(seq) && seq[j].word != "" {
			j++
			if seq[j-1].stop {
				break
			}
		}
		var a *DocArg
		switch {
		case j == i+1 && j < len(seq) && seq[j].alts != nil:
			g, err := buildGroup(seq[j], true)
			if err != nil {
				return nil, err
			}
			if g.Name == "" {
				g.Name = strings.ToLower(it.token)
			}
			a, j = g, j+1
		case j == i+1:
			a = &DocArg{Name: strings.ToLower(it.token), Type: "pure-token", KeySpec: -1}
		case j == i+2:
			var err error
			if a, err = buildItem(seq[i+1]); err != nil {
				return nil, err
			}
		default:
			a = &DocArg{Name: strings.ToLower(it.token), Type: "block", KeySpec: -1}
			for _, w := range seq[i+1 : j] {
				m, err := buildItem(w)
				if err != nil {
					return nil, err
				}
				a.Args = append(a.Args, m)
			}
		}
		a.Token = it.token
		if it.multiple || len(it.attrs) > 0 {
			if j != i+1 {
				return nil, fmt.Errorf("token %s has operands: put its suffixes after them or group it", it.token)
			}
			if err := applyDocAttrs(a, it.attrs); err != nil {
				return nil, err
			}
			a.Multiple = a.Multiple || it.multiple
		}
		out = append(out, a)
		i = j - 1
	}
	return out, nil
}

// buildItem builds one word or group (not a token).
func buildItem(it *docItem) (*DocArg, error) {
	if it.alts != nil {
		return buildGroup(it, false)
	}
	w := it.word
	typ := ""
	if i := strings.LastIndexByte(w, ':'); i >= 0 && len(w)-i == 2 {
		t, ok := docTypeCodes[w[i+1:]]
		if !ok {
			return nil, fmt.Errorf("unknown type code in %q", w)
		}
		w, typ = w[:i], t
		if w == "" {
			return nil, fmt.Errorf("type code %q without a name", it.word)
		}
	}
	if typ == "" {
		typ = docDefaultTypes[w]
	}
	if typ == "" {
		typ = "string"
	}
	a := &DocArg{Name: w, Display: w, Type: typ, KeySpec: -1, Multiple: it.multiple}
	return a, applyDocAttrs(a, it.attrs)
}

// buildGroup builds a [ ] or ( ) group. tokened: a token precedes it, so
// even a single member makes a block.
func buildGroup(it *docItem, tokened bool) (*DocArg, error) {
	var a *DocArg
	if len(it.alts) > 1 {
		a = &DocArg{Type: "oneof", KeySpec: -1}
		for _, alt := range it.alts {
			m, err := buildSeq(alt)
			if err != nil {
				return nil, err
			}
			if len(m) != 1 {
				return nil, fmt.Errorf("an alternative of a oneof is %d arguments; group them as a named block", len(m))
			}
			a.Args = append(a.Args, m[0])
		}
	} else {
		m, err := buildSeq(it.alts[0])
		if err != nil {
			return nil, err
		}
		if len(m) == 1 && !tokened && !hasAttr(it.attrs, ":block") {
			a = m[0]
			if it.multiple && a.Token != "" {
				a.MultipleToken = true
			}
		} else {
			a = &DocArg{Type: "block", KeySpec: -1, Args: m}
		}
	}
	if it.optional {
		a.Optional = true
	}
	if it.multiple {
		a.Multiple = true
	}
	if err := applyDocAttrs(a, it.attrs); err != nil {
		return nil, err
	}
	if a.Name == "" && !tokened {
		return nil, fmt.Errorf("a %s needs a {name}", a.Type)
	}
	return a, nil
}

func hasAttr(attrs []string, a string) bool {
	for _, at := range attrs {
		if at == a {
			return true
		}
	}
	return false
}

func isDocVersion(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

func applyDocAttrs(a *DocArg, attrs []string) error {
	for _, at := range attrs {
		switch {
		case isDocVersion(at):
			a.Since = at
		case at[0] == '-' && isDocVersion(at[1:]):
			a.DeprecatedSince = at[1:]
		case at[0] == '#':
			n, err := strconv.Atoi(at[1:])
			if err != nil || n < 0 {
				return fmt.Errorf("bad key spec index %q", at)
			}
			a.KeySpec = n
		case at[0] == ':':
			t, ok := docTypeCodes[at[1:]]
			if !ok {
				return fmt.Errorf("unknown type %q", at)
			}
			a.Type = t
		default:
			a.Name = at
		}
	}
	return nil
}

// assignKeySpecs gives key arguments without an explicit index the one
// after the previous key argument's.
func assignKeySpecs(args []*DocArg, next *int) {
	for _, a := range args {
		if a.KeySpec >= 0 {
			*next = a.KeySpec + 1
		} else if a.Type == "key" {
			a.KeySpec = *next
			*next++
		}
		assignKeySpecs(a.Args, next)
	}
}

// writeDocArgs writes an arguments array as Redis 7 does: per argument a
// map of name, type, display_text, key_spec_index, token, since,
// deprecated_since, flags and (oneof/block) arguments, each only when set.
func writeDocArgs(c *Ctx, args []*DocArg) {
	c.W.ArrayLen(len(args))
	for _, a := range args {
		n := 2
		for _, s := range [...]string{a.Display, a.Token, a.Since, a.DeprecatedSince} {
			if s != "" {
				n++
			}
		}
		if a.KeySpec >= 0 {
			n++
		}
		if a.Optional || a.Multiple || a.MultipleToken {
			n++
		}
		if a.Args != nil {
			n++
		}
		c.W.MapLen(n)
		c.W.BulkString("name")
		c.W.BulkString(a.Name)
		c.W.BulkString("type")
		c.W.BulkString(a.Type)
		if a.Display != "" {
			c.W.BulkString("display_text")
			c.W.BulkString(a.Display)
		}
		if a.KeySpec >= 0 {
			c.W.BulkString("key_spec_index")
			c.W.Int(int64(a.KeySpec))
		}
		for _, f := range [...]struct{ k, v string }{{"token", a.Token}, {"since", a.Since}, {"deprecated_since", a.DeprecatedSince}} {
			if f.v != "" {
				c.W.BulkString(f.k)
				c.W.BulkString(f.v)
			}
		}
		if a.Optional || a.Multiple || a.MultipleToken {
			var flags []string
			if a.Optional {
				flags = append(flags, "optional")
			}
			if a.Multiple {
				flags = append(flags, "multiple")
			}
			if a.MultipleToken {
				flags = append(flags, "multiple_token")
			}
			c.W.BulkString("flags")
			writeStatusSet(c, "", flags)
		}
		if a.Args != nil {
			c.W.BulkString("arguments")
			writeDocArgs(c, a.Args)
		}
	}
}

// allDocsCache holds the encoded reply of COMMAND DOCS without names, per
// protocol, built once like allInfoCache (redis-cli 7.2 asks for it at
// start-up; it is some 70 kB).
var allDocsCache [2]atomic.Pointer[cachedReply]

func writeAllCommandDocs(c *Ctx) {
	slot := &allDocsCache[0]
	if c.W.Resp3 {
		slot = &allDocsCache[1]
	}
	if r := slot.Load(); r != nil && r.n == len(commands) {
		c.W.Buf = append(c.W.Buf, r.buf...)
		return
	}
	start := len(c.W.Buf)
	all := sortedCommands()
	c.W.MapLen(len(all))
	for _, cmd := range all {
		c.W.BulkString(cmd.Name)
		writeCommandDocs(c, cmd)
	}
	slot.Store(&cachedReply{n: len(commands), buf: append([]byte(nil), c.W.Buf[start:]...)})
}

// writeCommandDocs writes one command's COMMAND DOCS map, fields in Redis
// 7's order: summary, since, group, complexity, doc_flags,
// deprecated_since, replaced_by, history, arguments, subcommands.
func writeCommandDocs(c *Ctx, cmd *Command) {
	type kv struct{ k, v string }
	var fields []kv
	for _, f := range []kv{{"summary", cmd.Summary}, {"since", cmd.Since}, {"group", cmd.Group}, {"complexity", cmd.Complexity}} {
		if f.v != "" {
			fields = append(fields, f)
		}
	}
	n := len(fields)
	if cmd.DeprecatedSince != "" {
		n += 2 // doc_flags, deprecated_since
	}
	if cmd.ReplacedBy != "" {
		n++
	}
	if len(cmd.History) > 0 {
		n++
	}
	if len(cmd.docArgs) > 0 {
		n++
	}
	if len(cmd.Subcommands) > 0 {
		n++
	}
	c.W.MapLen(n)
	for _, f := range fields {
		c.W.BulkString(f.k)
		c.W.BulkString(f.v)
	}
	if cmd.DeprecatedSince != "" {
		c.W.BulkString("doc_flags")
		writeStatusSet(c, "", []string{"deprecated"})
		c.W.BulkString("deprecated_since")
		c.W.BulkString(cmd.DeprecatedSince)
	}
	if cmd.ReplacedBy != "" {
		c.W.BulkString("replaced_by")
		c.W.BulkString(cmd.ReplacedBy)
	}
	if len(cmd.History) > 0 {
		c.W.BulkString("history")
		c.W.SetLen(len(cmd.History))
		for _, h := range cmd.History {
			c.W.ArrayLen(2)
			c.W.BulkString(h[0])
			c.W.BulkString(h[1])
		}
	}
	if len(cmd.docArgs) > 0 {
		c.W.BulkString("arguments")
		writeDocArgs(c, cmd.docArgs)
	}
	if len(cmd.Subcommands) > 0 {
		c.W.BulkString("subcommands")
		c.W.MapLen(len(cmd.Subcommands))
		for _, s := range cmd.Subcommands {
			c.W.BulkString(s.Name)
			writeCommandDocs(c, s)
		}
	}
}

// hasVariableFlags reports whether a key spec's flags depend on the
// command's arguments (Command.KeyFlags gives them).
func hasVariableFlags(flags []string) bool {
	for _, f := range flags {
		if f == "variable_flags" {
			return true
		}
	}
	return false
}

// setKeyFlags is SET's Command.KeyFlags: with GET the key is read too.
func setKeyFlags(args [][]byte, spec int) []string {
	for _, a := range args[min(3, len(args)):] {
		if EqualFold(a, "get") {
			return []string{"RW", "access", "update"}
		}
	}
	return []string{"OW", "update"}
}

// bitfieldKeyFlags is BITFIELD's Command.KeyFlags: read-only (RO access)
// while every operation is a complete GET or OVERFLOW; anything else
// (SET, INCRBY, a malformed operation) reports a write.
func bitfieldKeyFlags(args [][]byte, spec int) []string {
	for i := 2; i < len(args); i++ {
		rem := len(args) - i - 1
		switch {
		case EqualFold(args[i], "get") && rem >= 2:
			i += 2
		case EqualFold(args[i], "overflow") && rem >= 1:
			i++
		default:
			return []string{"RW", "access", "update"}
		}
	}
	return []string{"RO", "access"}
}

// subDocs sets the COMMAND DOCS declaration of the subcommand of cmd
// named sub (without the "parent|" prefix); it panics on an unknown name.
// Container commands call it before register.
func subDocs(cmd *Command, sub, args string, history ...[2]string) {
	s := cmd.Subcommand([]byte(sub))
	if s == nil {
		panic("engine: " + cmd.Name + " has no subcommand " + sub)
	}
	s.Args, s.History = args, history
}

// withDocs sets the command's Args and History (for commands built by a
// family's helper constructor) and returns it.
func (cmd *Command) withDocs(args string, history ...[2]string) *Command {
	cmd.Args, cmd.History = args, history
	return cmd
}

// deprecated marks the command deprecated since a version, replaced by
// what (COMMAND DOCS doc_flags, deprecated_since, replaced_by).
func (cmd *Command) deprecated(since, by string) *Command {
	cmd.DeprecatedSince, cmd.ReplacedBy = since, by
	return cmd
}
