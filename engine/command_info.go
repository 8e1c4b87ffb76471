package engine

import (
	"bytes"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/darnerdb/darner/proto"
)

// The COMMAND command: introspection of the command table in Redis 7's
// reply shapes (COMMAND, COUNT, INFO, DOCS, LIST, GETKEYS,
// GETKEYSANDFLAGS, HELP), so redis-cli hints and cluster-aware clients
// (go-redis ClusterClient, redis-py) can read it. Everything here reads the
// table, which is immutable after init, so it runs on any shard.

// KeySpec is one key specification of a command, as Redis 7 reports it in
// COMMAND INFO and uses for COMMAND GETKEYS. A command without KeySpecs
// gets one derived from FirstKey/LastKey/Step and its flags.
//
// begin_search: BeginIndex > 0 searches from that argument index;
// otherwise Keyword is searched for from KeywordFrom (negative = from the
// end). find_keys: a range (LastKey relative to the first key, -1 = last
// argument; KeyStep; Limit) unless KeyNum is set, in which case the
// argument at KeyNumIdx (relative to the begin index) holds the number of
// keys, which start FirstKey arguments after it, KeyStep apart.
//
// Unknown is Redis's "unknown" spec (both begin_search and find_keys):
// the keys cannot be found from the spec (SORT's BY/GET patterns, its
// STORE keyword anywhere in the line); the command's FindKeys finds them.
type KeySpec struct {
	Notes   string
	Flags   []string // as Redis prints them: "RW", "access", "update", ...
	Unknown bool

	BeginIndex  int
	Keyword     string
	KeywordFrom int

	KeyNum    bool
	LastKey   int
	KeyStep   int
	Limit     int
	KeyNumIdx int
	FirstKey  int
}

func init() {
	const f = FlagLoading | FlagStale
	sub := func(name string, arity int, summary, since, complexity string, run func(*Ctx, [][]byte)) *Command {
		return &Command{Name: "command|" + name, Arity: arity, Flags: f, Group: "server", ACL: "@connection",
			Summary: summary, Since: since, Complexity: complexity, Tips: nil, Run: run}
	}
	const perArg, perCmd = "O(N) where N is the number of arguments to the command", "O(N) where N is the number of commands to look up"
	cmd := &Command{Name: "command", Arity: -1, Flags: f, Group: "server", ACL: "@connection",
		Tips:    []string{"nondeterministic_output_order"},
		Summary: "Get array of Redis command details", Since: "2.8.13", Complexity: "O(N) where N is the total number of Redis commands",
	}
	cmd.Subcommands = []*Command{
		sub("count", 2, "Get total number of Redis commands", "2.8.13", "O(1)", cmdCommandCount),
		sub("docs", -2, "Get array of specific Redis command documentation", "7.0.0", perCmd, cmdCommandDocs),
		sub("getkeys", -4, "Extract keys given a full Redis command", "2.8.13", perArg, cmdCommandGetKeys),
		sub("getkeysandflags", -4, "Extract keys and access flags given a full Redis command", "7.0.0", perArg, cmdCommandGetKeys),
		sub("help", 2, "Show helpful text about the different subcommands", "5.0.0", "O(1)", cmdCommandHelp),
		sub("info", -2, "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", perCmd, cmdCommandInfo),
		sub("list", -2, "Get an array of Redis command names", "7.0.0", "O(N) where N is the total number of Redis commands", cmdCommandList),
	}
	subDocs(cmd, "docs", "[command-name...]")
	subDocs(cmd, "list", "[FILTERBY (MODULE module-name | ACLCAT category | PATTERN pattern)]")
	subDocs(cmd, "info", "[command-name...]", [2]string{"7.0.0", "Allowed to be called with no argument to get info on all commands."})
	cmd.Subcommands[1].Tips = []string{"nondeterministic_output_order"}
	cmd.Subcommands[5].Tips = []string{"nondeterministic_output_order"}
	cmd.Subcommands[6].Tips = []string{"nondeterministic_output_order"}
	cmd.Run = func(c *Ctx, args [][]byte) {
		if len(args) == 1 {
			writeAllCommandInfo(c)
			return
		}
		cmd.RunSubcommand(c, args)
	}
	register(cmd)
}

// Subcommand finds a container command's subcommand by the name in
// args[1], case-insensitively. It returns nil when there is none.
func (cmd *Command) Subcommand(name []byte) *Command {
	for _, s := range cmd.Subcommands {
		if i := strings.IndexByte(s.Name, '|'); i >= 0 && bytes.EqualFold([]byte(s.Name[i+1:]), name) {
			return s
		}
	}
	return nil
}

// RunSubcommand dispatches a container command (CONFIG, COMMAND, ...) to
// the subcommand named by args[1]: it replies Redis's unknown-subcommand
// or subcommand-arity error itself, else calls the subcommand's Run with
// the same args. Container commands call it from their own Run.
func (cmd *Command) RunSubcommand(c *Ctx, args [][]byte) {
	s := cmd.Subcommand(args[1])
	if s == nil || s.Run == nil {
		name := args[1]
		if len(name) > 128 {
			name = name[:128]
		}
		c.W.Error("ERR unknown subcommand '" + string(name) + "'. Try " + strings.ToUpper(cmd.Name) + " HELP.")
		return
	}
	if !CheckArity(s.Arity, len(args)) {
		c.W.Error(ErrWrongArgs(s.Name))
		return
	}
	s.Run(c, args)
}

// TxSubcommand is RunSubcommand for a container planned as a
// transaction (MEMORY, SLOWLOG, LATENCY): it returns args[1]'s
// subcommand, or nil after t.Error with Redis's unknown-subcommand or
// subcommand-arity error.
func (cmd *Command) TxSubcommand(t *Tx, args [][]byte) *Command {
	s := cmd.Subcommand(args[1])
	if s == nil {
		name := args[1]
		if len(name) > 128 {
			name = name[:128]
		}
		t.Error("ERR unknown subcommand '" + string(name) + "'. Try " + strings.ToUpper(cmd.Name) + " HELP.")
		return nil
	}
	if !CheckArity(s.Arity, len(args)) {
		t.Error(ErrWrongArgs(s.Name))
		return nil
	}
	return s
}

// planSubcommands is the Tx of a container whose subcommands all have
// their own Tx.
func (cmd *Command) planSubcommands(t *Tx, args [][]byte) {
	if s := cmd.TxSubcommand(t, args); s != nil {
		s.Tx(t, args)
	}
}

// lookupFull finds a command by a full name ("get", "config|get"),
// case-insensitively.
func lookupFull(name []byte) *Command {
	if i := bytes.IndexByte(name, '|'); i >= 0 {
		p := Lookup(name[:i])
		if p == nil {
			return nil
		}
		return p.Subcommand(name[i+1:])
	}
	return Lookup(name)
}

// sortedCommands returns the top-level commands ordered by name.
func sortedCommands() []*Command {
	all := make([]*Command, 0, len(commands))
	for _, c := range commands {
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// Redis's command flags in the order COMMAND INFO prints them.
var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagWrite, "write"},
	{FlagReadonly, "readonly"},
	{FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"},
	{FlagPubSub, "pubsub"},
	{FlagNoScript, "noscript"},
	{FlagBlocking, "blocking"},
	{FlagLoading, "loading"},
	{FlagStale, "stale"},
	{FlagSkipSlowlog, "skip_slowlog"},
	{FlagFast, "fast"},
	{FlagNoAuth, "no_auth"},
	{FlagNoAsyncLoading, "no_async_loading"},
	{FlagNoMulti, "no_multi"},
	{FlagMovableKeys, "movablekeys"},
	{FlagAllowBusy, "allow_busy"},
}

// FlagNames returns the Redis flag strings of f, in COMMAND INFO order.
func FlagNames(f Flags) []string {
	var out []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// aclCategories are Redis's ACL categories in the order it prints them.
var aclCategories = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting",
}

// groupCategory maps a documentation group to the ACL category it implies.
var groupCategory = map[string]string{
	"string": "string", "generic": "keyspace", "hash": "hash", "list": "list",
	"set": "set", "sorted-set": "sortedset", "bitmap": "bitmap",
	"hyperloglog": "hyperloglog", "geo": "geo", "stream": "stream",
	"pubsub": "pubsub", "transactions": "transaction", "scripting": "scripting",
	"connection": "connection",
}

// ACLCategories returns the command's ACL categories without the '@', in
// Redis's order: those implied by its flags (write, read, admin+dangerous,
// pubsub, fast or slow, blocking), by its Group, and listed in ACL.
func (cmd *Command) ACLCategories() []string {
	var has uint32
	set := func(cat string) {
		for i, c := range aclCategories {
			if c == cat {
				has |= 1 << i
			}
		}
	}
	if cmd.Flags&FlagWrite != 0 {
		set("write")
	}
	if cmd.Flags&FlagReadonly != 0 && cmd.Group != "scripting" {
		set("read")
	}
	if cmd.Flags&FlagAdmin != 0 {
		set("admin")
		set("dangerous")
	}
	if cmd.Flags&FlagPubSub != 0 {
		set("pubsub")
	}
	if cmd.Flags&FlagFast != 0 {
		set("fast")
	}
	if cmd.Flags&FlagBlocking != 0 {
		set("blocking")
	}
	// A container (CLIENT, CONFIG) takes no category from its group; its
	// subcommands do.
	if g := groupCategory[cmd.Group]; g != "" && len(cmd.Subcommands) == 0 {
		set(g)
	}
	// ACL lists more categories; "-@cat" drops one the group implies
	// where Redis does not list it (SORT is generic but not @keyspace).
	var drop []string
	for _, a := range strings.Fields(cmd.ACL) {
		if c, ok := strings.CutPrefix(a, "-@"); ok {
			drop = append(drop, strings.ToLower(c))
			continue
		}
		set(strings.TrimPrefix(strings.ToLower(a), "@"))
	}
	if cmd.Flags&FlagFast == 0 && !strings.Contains(cmd.ACL, "@fast") {
		set("slow")
	}
	out := make([]string, 0, 4)
	for i, c := range aclCategories {
		if has&(1<<i) != 0 && !slices.Contains(drop, c) {
			out = append(out, c)
		}
	}
	return out
}

// Specs returns the command's key specifications: KeySpecs, or one
// derived from FirstKey/LastKey/Step (flags RO+access for readonly
// commands, RW+update for writes).
func (cmd *Command) Specs() []KeySpec {
	if cmd.KeySpecs != nil || cmd.FirstKey <= 0 {
		return cmd.KeySpecs
	}
	ks := KeySpec{BeginIndex: cmd.FirstKey, LastKey: cmd.LastKey, KeyStep: cmd.Step}
	if cmd.LastKey > 0 {
		ks.LastKey = cmd.LastKey - cmd.FirstKey
	}
	if ks.KeyStep <= 0 {
		ks.KeyStep = 1
	}
	switch {
	case cmd.Flags&FlagWrite != 0:
		ks.Flags = []string{"RW", "update"}
	case cmd.Flags&FlagReadonly != 0:
		ks.Flags = []string{"RO", "access"}
	}
	return []KeySpec{ks}
}

func writeStatusSet(c *Ctx, prefix string, items []string) {
	c.W.SetLen(len(items))
	for _, s := range items {
		c.W.SimpleString(prefix + s)
	}
}

func writeKeySpec(c *Ctx, ks *KeySpec) {
	n := 3
	if ks.Notes != "" {
		n++
	}
	c.W.MapLen(n)
	if ks.Notes != "" {
		c.W.BulkString("notes")
		c.W.BulkString(ks.Notes)
	}
	c.W.BulkString("flags")
	writeStatusSet(c, "", ks.Flags)
	if ks.Unknown {
		for _, part := range []string{"begin_search", "find_keys"} {
			c.W.BulkString(part)
			c.W.MapLen(2)
			c.W.BulkString("type")
			c.W.BulkString("unknown")
			c.W.BulkString("spec")
			c.W.MapLen(0)
		}
		return
	}
	c.W.BulkString("begin_search")
	c.W.MapLen(2)
	c.W.BulkString("type")
	if ks.BeginIndex > 0 {
		c.W.BulkString("index")
		c.W.BulkString("spec")
		c.W.MapLen(1)
		c.W.BulkString("index")
		c.W.Int(int64(ks.BeginIndex))
	} else {
		c.W.BulkString("keyword")
		c.W.BulkString("spec")
		c.W.MapLen(2)
		c.W.BulkString("keyword")
		c.W.BulkString(ks.Keyword)
		c.W.BulkString("startfrom")
		c.W.Int(int64(ks.KeywordFrom))
	}
	c.W.BulkString("find_keys")
	c.W.MapLen(2)
	c.W.BulkString("type")
	if ks.KeyNum {
		c.W.BulkString("keynum")
		c.W.BulkString("spec")
		c.W.MapLen(3)
		c.W.BulkString("keynumidx")
		c.W.Int(int64(ks.KeyNumIdx))
		c.W.BulkString("firstkey")
		c.W.Int(int64(ks.FirstKey))
		c.W.BulkString("keystep")
		c.W.Int(int64(ks.KeyStep))
	} else {
		c.W.BulkString("range")
		c.W.BulkString("spec")
		c.W.MapLen(3)
		c.W.BulkString("lastkey")
		c.W.Int(int64(ks.LastKey))
		c.W.BulkString("keystep")
		c.W.Int(int64(ks.KeyStep))
		c.W.BulkString("limit")
		c.W.Int(int64(ks.Limit))
	}
}

// writeCommandInfo writes one 10-element COMMAND INFO entry.
func writeCommandInfo(c *Ctx, cmd *Command) {
	c.W.ArrayLen(10)
	c.W.BulkString(cmd.Name)
	c.W.Int(int64(cmd.Arity))
	writeStatusSet(c, "", FlagNames(cmd.Flags))
	first, last, step := cmd.FirstKey, cmd.LastKey, cmd.Step
	if len(cmd.Subcommands) > 0 {
		// A container (OBJECT, MEMORY) may carry its subcommands' key
		// position for routing; Redis reports none for the container.
		first, last, step = 0, 0, 0
	}
	c.W.Int(int64(first))
	c.W.Int(int64(last))
	c.W.Int(int64(step))
	writeStatusSet(c, "@", cmd.ACLCategories())
	c.W.SetLen(len(cmd.Tips))
	for _, t := range cmd.Tips {
		c.W.BulkString(t)
	}
	specs := cmd.Specs()
	c.W.SetLen(len(specs))
	for i := range specs {
		writeKeySpec(c, &specs[i])
	}
	// Redis 7 writes an empty set for a leaf but an array of a
	// container's subcommands (the shapes differ in RESP3).
	if len(cmd.Subcommands) == 0 {
		c.W.SetLen(0)
		return
	}
	c.W.ArrayLen(len(cmd.Subcommands))
	for _, s := range cmd.Subcommands {
		writeCommandInfo(c, s)
	}
}

// allInfoCache holds the encoded reply of COMMAND (every command), per
// protocol: the table is immutable after init, so it is built once (by
// whichever shard asks first; a race only builds it twice) and then copied.
var allInfoCache [2]atomic.Pointer[cachedReply]

type cachedReply struct {
	n   int // len(commands) it was built for
	buf []byte
}

func writeAllCommandInfo(c *Ctx) {
	slot := &allInfoCache[0]
	if c.W.Resp3 {
		slot = &allInfoCache[1]
	}
	if r := slot.Load(); r != nil && r.n == len(commands) {
		c.W.Buf = append(c.W.Buf, r.buf...)
		return
	}
	start := len(c.W.Buf)
	all := sortedCommands()
	c.W.ArrayLen(len(all))
	for _, cmd := range all {
		writeCommandInfo(c, cmd)
	}
	slot.Store(&cachedReply{n: len(commands), buf: append([]byte(nil), c.W.Buf[start:]...)})
}

func cmdCommandCount(c *Ctx, args [][]byte) { c.W.Int(int64(len(commands))) }

func cmdCommandInfo(c *Ctx, args [][]byte) {
	if len(args) == 2 {
		writeAllCommandInfo(c)
		return
	}
	c.W.ArrayLen(len(args) - 2)
	for _, name := range args[2:] {
		if cmd := lookupFull(name); cmd != nil {
			writeCommandInfo(c, cmd)
		} else {
			c.W.Null()
		}
	}
}

func cmdCommandDocs(c *Ctx, args [][]byte) {
	var list []*Command
	if len(args) == 2 {
		writeAllCommandDocs(c)
		return
	} else {
		for _, name := range args[2:] {
			if cmd := lookupFull(name); cmd != nil {
				list = append(list, cmd)
			}
		}
	}
	c.W.MapLen(len(list))
	for _, cmd := range list {
		c.W.BulkString(cmd.Name)
		writeCommandDocs(c, cmd)
	}
}

func cmdCommandList(c *Ctx, args [][]byte) {
	var keep func(cmd *Command) bool
	switch {
	case len(args) == 2:
		keep = func(*Command) bool { return true }
	case len(args) == 5 && strings.EqualFold(string(args[2]), "filterby"):
		val := args[4]
		switch strings.ToLower(string(args[3])) {
		case "module":
			keep = func(*Command) bool { return false } // no modules
		case "aclcat":
			cat := strings.ToLower(string(val))
			keep = func(cmd *Command) bool {
				for _, a := range cmd.ACLCategories() {
					if a == cat {
						return true
					}
				}
				return false
			}
		case "pattern":
			keep = func(cmd *Command) bool { return globMatch(val, []byte(cmd.Name), true) }
		}
	}
	if keep == nil {
		c.W.Error("ERR syntax error")
		return
	}
	var names []string
	for _, cmd := range sortedCommands() {
		if keep(cmd) {
			names = append(names, cmd.Name)
		}
		for _, s := range cmd.Subcommands {
			if keep(s) {
				names = append(names, s.Name)
			}
		}
	}
	c.W.ArrayLen(len(names))
	for _, n := range names {
		c.W.BulkString(n)
	}
}

// keyRef is a key found by GetKeys: its argument index and its spec's flags.
type keyRef struct {
	i     int
	flags []string
}

// GetKeys returns the argument indexes of the keys in a full command line
// (args[0] is the command name) according to cmd's key specs, in spec
// order, and whether the arguments were valid for the specs (a keynum
// argument that is not a number or points past the end is invalid).
func (cmd *Command) GetKeys(args [][]byte) (idx []int, ok bool) {
	refs, ok := cmd.getKeys(args)
	for _, r := range refs {
		idx = append(idx, r.i)
	}
	return idx, ok
}

func (cmd *Command) getKeys(args [][]byte) ([]keyRef, bool) {
	var out []keyRef
	if cmd.FindKeys != nil {
		cmd.FindKeys(args, func(i int, flags []string) { out = append(out, keyRef{i, flags}) })
		return out, true
	}
	argc := len(args)
	for si, ks := range cmd.Specs() {
		if ks.Unknown {
			continue
		}
		flags := ks.Flags
		if cmd.KeyFlags != nil && hasVariableFlags(ks.Flags) {
			flags = cmd.KeyFlags(args, si)
		}
		first := 0
		if ks.BeginIndex > 0 {
			first = ks.BeginIndex
		} else {
			start, end, step := ks.KeywordFrom, argc-1, 1
			if ks.KeywordFrom < 0 {
				start, end, step = argc+ks.KeywordFrom, 0, -1
			}
			for i := start; i != end+step; i += step {
				if i >= argc || i < 1 {
					break
				}
				if strings.EqualFold(string(args[i]), ks.Keyword) {
					first = i + 1
					break
				}
			}
			if first == 0 {
				continue
			}
		}
		if first >= argc {
			continue
		}
		var last, step int
		if ks.KeyNum {
			ni := first + ks.KeyNumIdx
			if ni >= argc {
				return out, false
			}
			n, err := strconv.ParseInt(string(args[ni]), 10, 64)
			if err != nil || n < 0 {
				return out, false
			}
			step = ks.KeyStep
			first = ni + ks.FirstKey
			last = first + int(n-1)*step
			if n == 0 {
				continue
			}
			if last >= argc {
				return out, false
			}
		} else {
			step = ks.KeyStep
			switch {
			case ks.LastKey >= 0:
				last = first + ks.LastKey
			case ks.Limit == 0:
				last = argc + ks.LastKey
			default:
				last = first + (argc-first)/ks.Limit + ks.LastKey
			}
		}
		if step <= 0 {
			step = 1
		}
		for i := first; i <= last; i += step {
			if i >= argc || i < first {
				break
			}
			out = append(out, keyRef{i, flags})
		}
	}
	return out, true
}

func cmdCommandGetKeys(c *Ctx, args [][]byte) {
	withFlags := strings.EqualFold(string(args[1]), "getkeysandflags")
	line := args[2:]
	cmd := Lookup(line[0])
	if cmd != nil && len(cmd.Subcommands) > 0 && len(line) >= 2 {
		cmd = cmd.Subcommand(line[1])
	}
	switch {
	case cmd == nil:
		c.W.Error("ERR Invalid command specified")
		return
	case cmd.FirstKey <= 0 && len(cmd.KeySpecs) == 0 && cmd.Flags&FlagMovableKeys == 0:
		c.W.Error("ERR The command has no key arguments")
		return
	case !CheckArity(cmd.Arity, len(line)):
		c.W.Error("ERR Invalid number of arguments specified for command")
		return
	}
	refs, ok := cmd.getKeys(line)
	if !ok || len(refs) == 0 {
		if cmd.Flags&FlagMovableKeys != 0 && ok {
			c.W.ArrayLen(0)
			return
		}
		c.W.Error("ERR Invalid arguments specified for command")
		return
	}
	c.W.ArrayLen(len(refs))
	for _, r := range refs {
		if withFlags {
			c.W.ArrayLen(2)
			c.W.Bulk(line[r.i])
			writeStatusSet(c, "", r.flags)
		} else {
			c.W.Bulk(line[r.i])
		}
	}
}

var commandHelp = []string{
	"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>",
	"    Return the keys from a full Redis command.",
	"GETKEYSANDFLAGS <full-command>",
	"    Return the keys and the access flags from a full Redis command.",
	"HELP",
	"    Prints this help.",
}

func cmdCommandHelp(c *Ctx, args [][]byte) { writeHelp(c, commandHelp) }

func writeHelp(c *Ctx, lines []string) { writeHelpLines(c.W, lines) }

// writeHelpLines writes a HELP reply: lines as an array of simple strings
// (also from a tx's reply writer, which has no Ctx).
func writeHelpLines(w *proto.Writer, lines []string) {
	w.ArrayLen(len(lines))
	for _, l := range lines {
		w.SimpleString(l)
	}
}

// globMatch reports whether s matches the glob pattern as Redis's
// stringmatchlen does: '*', '?', '[...]' with '^' negation and 'a-z'
// ranges, and '\' escaping the next character.
func globMatch(pattern, s []byte, nocase bool) bool {
	lower := func(b byte) byte {
		if nocase && 'A' <= b && b <= 'Z' {
			return b + 'a' - 'A'
		}
		return b
	}
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 1 && pattern[1] == '*' {
				pattern = pattern[1:]
			}
			if len(pattern) == 1 {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern[1:], s[i:], nocase) {
					return true
				}
			}
			return false
		case '?':
			if len(s) == 0 {
				return false
			}
			s = s[1:]
		case '[':
			if len(s) == 0 {
				return false
			}
			pattern = pattern[1:]
			not := len(pattern) > 0 && pattern[0] == '^'
			if not {
				pattern = pattern[1:]
			}
			match := false
			for {
				if len(pattern) == 0 {
					break
				}
				if pattern[0] == '\\' && len(pattern) >= 2 {
					pattern = pattern[1:]
					if pattern[0] == s[0] {
						match = true
					}
				} else if pattern[0] == ']' {
					break
				} else if len(pattern) >= 3 && pattern[1] == '-' {
					lo, hi := lower(pattern[0]), lower(pattern[2])
					if lo > hi {
						lo, hi = hi, lo
					}
					if ch := lower(s[0]); ch >= lo && ch <= hi {
						match = true
					}
					pattern = pattern[2:]
				} else if lower(pattern[0]) == lower(s[0]) {
					match = true
				}
				pattern = pattern[1:]
			}
			if len(pattern) == 0 { // unterminated class: Redis treats the end as ']'
				pattern = []byte{']'}
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
		case '\\':
			if len(pattern) >= 2 {
				pattern = pattern[1:]
			}
			fallthrough
		default:
			if len(s) == 0 || lower(pattern[0]) != lower(s[0]) {
				return false
			}
			s = s[1:]
		}
		pattern = pattern[1:]
	}
	return len(s) == 0
}
