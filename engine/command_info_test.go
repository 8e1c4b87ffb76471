package engine

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/darnerdb/darner/proto"
)

// runLine runs one command line the way the dispatcher does (lookup,
// arity, Run) and returns the raw reply.
func runLine(t *testing.T, srv *Server, resp3 bool, line ...string) string {
	t.Helper()
	args := make([][]byte, len(line))
	for i, s := range line {
		args[i] = []byte(s)
	}
	w := &proto.Writer{Resp3: resp3}
	c := &Ctx{Server: srv, W: w, Sess: &Session{Resp3: resp3}}
	cmd := Lookup(args[0])
	switch {
	case cmd == nil:
		t.Fatalf("unknown command %q", line[0])
	case !CheckArity(cmd.Arity, len(args)):
		w.Error(ErrWrongArgs(cmd.Name))
	default:
		cmd.Run(c, args)
	}
	return string(w.Buf)
}

// resp builds expected RESP text from a compact notation: each element is
// written verbatim followed by CRLF.
func resp(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

// keySpecRESP2 is a range key spec's RESP2 form.
func keySpecRESP2(flags []string, index, lastkey, step int) []string {
	out := []string{"*6", "$5", "flags", "*" + strconv.Itoa(len(flags))}
	for _, f := range flags {
		out = append(out, "+"+f)
	}
	out = append(out, "$12", "begin_search", "*4", "$4", "type", "$5", "index", "$4", "spec", "*2", "$5", "index", ":"+strconv.Itoa(index),
		"$9", "find_keys", "*4", "$4", "type", "$5", "range", "$4", "spec", "*6",
		"$7", "lastkey", ":"+strconv.Itoa(lastkey), "$7", "keystep", ":"+strconv.Itoa(step), "$5", "limit", ":0")
	return out
}

func testServer() *Server { return &Server{NumDBs: 16, Port: 6379, NumShards: 1} }

func TestCommandInfoShape(t *testing.T) {
	srv := testServer()
	f := func(want string, line ...string) {
		t.Helper()
		if got := runLine(t, srv, false, line...); got != want {
			t.Errorf("%v:\n got %q\nwant %q", line, got, want)
		}
	}
	// A command registered here only for the test, with a Group, as the
	// families register theirs (Redis 7.0's COMMAND INFO get, byte for byte).
	get := &Command{Name: "test-get", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string"}
	register(get)
	defer delete(commands, get.Name)
	want := []string{"*1", "*10", "$8", "test-get", ":2", "*2", "+readonly", "+fast", ":1", ":1", ":1",
		"*3", "+@read", "+@string", "+@fast", "*0", "*1"}
	want = append(want, keySpecRESP2([]string{"RO", "access"}, 1, 0, 1)...)
	want = append(want, "*0")
	f(resp(want...), "COMMAND", "INFO", "TEST-GET")

	mset := &Command{Name: "test-mset", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string",
		Tips:     []string{"request_policy:multi_shard", "response_policy:all_succeeded"},
		KeySpecs: []KeySpec{{Flags: []string{"OW", "update"}, BeginIndex: 1, LastKey: -1, KeyStep: 2}}}
	register(mset)
	defer delete(commands, mset.Name)
	want = []string{"*2", "$-1", "*10", "$9", "test-mset", ":-3", "*2", "+write", "+denyoom", ":1", ":-1", ":2",
		"*3", "+@write", "+@string", "+@slow", "*2", "$26", "request_policy:multi_shard", "$29", "response_policy:all_succeeded", "*1"}
	want = append(want, keySpecRESP2([]string{"OW", "update"}, 1, -1, 2)...)
	want = append(want, "*0")
	f(resp(want...), "COMMAND", "INFO", "nosuch", "test-mset")

	// Subcommands by full name, with Redis's flags and categories.
	f(resp("*1", "*10", "$10", "config|get", ":-3", "*4", "+admin", "+noscript", "+loading", "+stale", ":0", ":0", ":0",
		"*3", "+@admin", "+@slow", "+@dangerous", "*0", "*0", "*0"), "command", "info", "CONFIG|GET")
	f(":"+strconv.Itoa(len(Commands()))+"\r\n", "COMMAND", "COUNT")
	f("-ERR wrong number of arguments for 'command|count' command\r\n", "COMMAND", "COUNT", "x")
	f("-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n", "COMMAND", "FOO")
	f(resp("*6", "$6", "config", "$10", "config|get", "$11", "config|help", "$16", "config|resetstat", "$14", "config|rewrite", "$10", "config|set"),
		"COMMAND", "LIST", "FILTERBY", "PATTERN", "conf*")
	f("*0\r\n", "COMMAND", "LIST", "FILTERBY", "MODULE", "json")
	f("*0\r\n", "COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch")
	f("-ERR syntax error\r\n", "COMMAND", "LIST", "FILTERBY", "FOO", "x")
	f("-ERR syntax error\r\n", "COMMAND", "LIST", "FOO")
	f(resp("*1", "$8", "test-get"), "COMMAND", "LIST", "FILTERBY", "PATTERN", "test-g*")
	f(resp("*2", "$8", "test-get", "$9", "test-mset"), "COMMAND", "LIST", "FILTERBY", "PATTERN", "test-*")
	if got := runLine(t, srv, false, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"); !strings.Contains(got, "test-mset") {
		t.Errorf("ACLCAT string does not list test-mset: %q", got)
	}

	// A container reports no keys even when it carries its subcommands'
	// key position for routing (Redis 7: OBJECT and MEMORY are -2 0 0 0).
	for _, name := range []string{"object", "memory"} {
		if got := runLine(t, srv, false, "COMMAND", "INFO", name); !strings.HasPrefix(got, "*1\r\n*10\r\n$6\r\n"+name+"\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n") {
			t.Errorf("COMMAND INFO %s = %q", name, got)
		}
	}

	// RESP3: flags, categories, tips, key specs and subcommands are sets; specs maps.
	got := runLine(t, srv, true, "COMMAND", "INFO", "test-get")
	for _, frag := range []string{"~2\r\n+readonly\r\n+fast\r\n", "~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO", "$5\r\nlimit\r\n:0\r\n~0\r\n"} {
		if !strings.Contains(got, frag) {
			t.Errorf("RESP3 COMMAND INFO lacks %q:\n%q", frag, got)
		}
	}
	if got := runLine(t, srv, true, "COMMAND", "INFO", "nosuch"); got != "*1\r\n_\r\n" {
		t.Errorf("RESP3 unknown command entry = %q", got)
	}
}

func TestCommandGetKeys(t *testing.T) {
	srv := testServer()
	f := func(want string, line ...string) {
		t.Helper()
		if got := runLine(t, srv, false, line...); got != want {
			t.Errorf("%v:\n got %q\nwant %q", line, got, want)
		}
	}
	cmds := []*Command{
		{Name: "t-mset", Arity: -3, Flags: FlagWrite, FirstKey: 1, LastKey: -1, Step: 2},
		{Name: "t-get", Arity: 2, Flags: FlagReadonly, FirstKey: 1, LastKey: 1, Step: 1},
		{Name: "t-rename", Arity: 3, Flags: FlagWrite, FirstKey: 1, LastKey: 2, Step: 1},
		// ZUNIONSTORE-like: destination, then numkeys keys.
		{Name: "t-zunionstore", Arity: -4, Flags: FlagWrite | FlagMovableKeys, KeySpecs: []KeySpec{
			{Flags: []string{"OW", "update"}, BeginIndex: 1, LastKey: 0, KeyStep: 1},
			{Flags: []string{"RO", "access"}, BeginIndex: 2, KeyNum: true, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}}},
		// XREAD-like: keys after the STREAMS keyword, half of the rest.
		{Name: "t-xread", Arity: -4, Flags: FlagReadonly | FlagMovableKeys, KeySpecs: []KeySpec{
			{Flags: []string{"RO", "access"}, Keyword: "STREAMS", KeywordFrom: 1, LastKey: -1, KeyStep: 1, Limit: 2}}},
	}
	register(cmds...)
	defer func() {
		for _, c := range cmds {
			delete(commands, c.Name)
		}
	}()
	f(resp("*2", "$1", "a", "$1", "c"), "COMMAND", "GETKEYS", "t-mset", "a", "b", "c", "d")
	f(resp("*2", "$1", "a", "$1", "c"), "COMMAND", "GETKEYS", "T-MSET", "a", "b", "c")
	f(resp("*1", "$1", "k"), "COMMAND", "GETKEYS", "t-get", "k")
	f(resp("*2", "$1", "x", "$1", "y"), "COMMAND", "GETKEYS", "t-rename", "x", "y")
	f(resp("*3", "$1", "d", "$2", "k1", "$2", "k2"), "COMMAND", "GETKEYS", "t-zunionstore", "d", "2", "k1", "k2", "WEIGHTS", "1", "2")
	f("-ERR Invalid arguments specified for command\r\n", "COMMAND", "GETKEYS", "t-zunionstore", "d", "5", "k1", "k2")
	f("-ERR Invalid arguments specified for command\r\n", "COMMAND", "GETKEYS", "t-zunionstore", "d", "x", "k1")
	f(resp("*2", "$2", "s1", "$2", "s2"), "COMMAND", "GETKEYS", "t-xread", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0")
	f(resp("*1", "*2", "$1", "k", "*2", "+RO", "+access"), "COMMAND", "GETKEYSANDFLAGS", "t-get", "k")
	f("-ERR Invalid number of arguments specified for command\r\n", "COMMAND", "GETKEYS", "t-get", "a", "b")
	f("-ERR Invalid command specified\r\n", "COMMAND", "GETKEYS", "nosuch", "a")
	f("-ERR The command has no key arguments\r\n", "COMMAND", "GETKEYS", "ping", "x")
	f("-ERR The command has no key arguments\r\n", "COMMAND", "GETKEYS", "config", "get", "x")
	f("-ERR wrong number of arguments for 'command|getkeys' command\r\n", "COMMAND", "GETKEYS", "t-get")
}

func TestCommandDocs(t *testing.T) {
	srv := testServer()
	got := runLine(t, srv, false, "COMMAND", "DOCS", "config", "nosuch")
	for _, frag := range []string{"*2\r\n$6\r\nconfig\r\n*10\r\n$7\r\nsummary\r\n", "$5\r\nsince\r\n$5\r\n2.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n",
		"$11\r\nsubcommands\r\n*10\r\n$10\r\nconfig|get\r\n*12\r\n$7\r\nsummary\r\n$42\r\nGet the values of configuration parameters\r\n"} {
		if !strings.Contains(got, frag) {
			t.Errorf("COMMAND DOCS config lacks %q:\n%q", frag, got)
		}
	}
	if got := runLine(t, srv, true, "COMMAND", "DOCS", "nosuch"); got != "%0\r\n" {
		t.Errorf("RESP3 DOCS of an unknown command = %q, want an empty map", got)
	}
	if got := runLine(t, srv, true, "COMMAND", "DOCS"); !strings.HasPrefix(got, "%"+strconv.Itoa(len(Commands()))+"\r\n") {
		t.Errorf("COMMAND DOCS without names does not list every command: %.80q", got)
	}
}

func TestACLCategories(t *testing.T) {
	f := func(cmd Command, want string) {
		t.Helper()
		if got := strings.Join(cmd.ACLCategories(), " "); got != want {
			t.Errorf("%s: got %q, want %q", cmd.Name, got, want)
		}
	}
	f(Command{Name: "get", Flags: FlagReadonly | FlagFast, Group: "string"}, "read string fast")
	f(Command{Name: "del", Flags: FlagWrite, Group: "generic"}, "keyspace write slow")
	f(Command{Name: "ping", Flags: FlagFast, Group: "connection"}, "fast connection")
	f(Command{Name: "keys", Flags: FlagReadonly, Group: "generic", ACL: "@dangerous"}, "keyspace read slow dangerous")
	f(Command{Name: "blpop", Flags: FlagWrite | FlagBlocking, Group: "list"}, "write list slow blocking")
	f(Command{Name: "config|set", Flags: FlagAdmin, Group: "server"}, "admin slow dangerous")
	f(Command{Name: "eval", Flags: FlagReadonly, Group: "scripting"}, "slow scripting")
}

func TestGlobMatch(t *testing.T) {
	f := func(pattern, s string, nocase, want bool) {
		t.Helper()
		if got := globMatch([]byte(pattern), []byte(s), nocase); got != want {
			t.Errorf("globMatch(%q, %q, %v) = %v, want %v", pattern, s, nocase, got, want)
		}
	}
	f("*", "", false, true)
	f("*", "abc", false, true)
	f("a*c", "abbbc", false, true)
	f("a*c", "abbb", false, false)
	f("a?c", "abc", false, true)
	f("a?c", "ac", false, false)
	f("h[ae]llo", "hello", false, true)
	f("h[ae]llo", "hillo", false, false)
	f("h[^e]llo", "hallo", false, true)
	f("h[^e]llo", "hello", false, false)
	f("h[a-b]llo", "hbllo", false, true)
	f("h[b-a]llo", "hbllo", false, true) // reversed range
	f("h\\*llo", "h*llo", false, true)
	f("h\\*llo", "hello", false, false)
	f("HZ", "hz", true, true)
	f("HZ", "hz", false, false)
	f("*max-*-entries*", "hash-max-listpack-entries", true, true)
	f("**a", "ba", false, true)
	f("[abc", "a", false, true) // unterminated class
	f("", "", false, true)
	f("", "a", false, false)
}

func TestSubcommandLookup(t *testing.T) {
	cfg := Lookup([]byte("config"))
	if cfg == nil {
		t.Fatal("config not registered")
	}
	var names []string
	for _, s := range cfg.Subcommands {
		names = append(names, s.Name)
		if lookupFull([]byte(strings.ToUpper(s.Name))) != s {
			t.Errorf("lookupFull(%q) does not find it", s.Name)
		}
	}
	want := []string{"config|get", "config|help", "config|resetstat", "config|rewrite", "config|set"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("config subcommands %v, want %v", names, want)
	}
	if lookupFull([]byte("config|nosuch")) != nil || lookupFull([]byte("nosuch|get")) != nil {
		t.Error("lookupFull finds a command that does not exist")
	}
}

// BenchmarkCommandAll is the cost of a full COMMAND reply (cluster clients
// send it once per connection pool at start-up).
func BenchmarkCommandAll(b *testing.B) {
	srv := testServer()
	w := &proto.Writer{}
	c := &Ctx{Server: srv, W: w, Sess: &Session{}}
	cmd := Lookup([]byte("command"))
	args := [][]byte{[]byte("COMMAND")}
	for b.Loop() {
		w.Buf = w.Buf[:0]
		cmd.Run(c, args)
	}
	b.SetBytes(int64(len(w.Buf)))
}
