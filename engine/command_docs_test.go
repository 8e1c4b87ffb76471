package engine

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docString renders parsed arguments compactly for the tests: each
// argument as name:type, then its token, since, deprecated_since,
// key_spec_index and flags, and its members in < >.
func docString(args []*DocArg) string {
	var parts []string
	for _, a := range args {
		s := a.Name + ":" + a.Type
		if a.Display != "" && a.Display != a.Name {
			s += "=" + a.Display
		}
		if a.Token != "" {
			s += " T=" + a.Token
		}
		if a.Since != "" {
			s += " S=" + a.Since
		}
		if a.DeprecatedSince != "" {
			s += " D=" + a.DeprecatedSince
		}
		if a.KeySpec >= 0 {
			s += " K=" + strconv.Itoa(a.KeySpec)
		}
		if a.Optional {
			s += " opt"
		}
		if a.Multiple {
			s += " mult"
		}
		if a.MultipleToken {
			s += " mtok"
		}
		if a.Args != nil {
			s += " <" + docString(a.Args) + ">"
		}
		parts = append(parts, "("+s+")")
	}
	return strings.Join(parts, " ")
}

func TestParseDocArgs(t *testing.T) {
	f := func(spec, want string) {
		t.Helper()
		args, err := ParseDocArgs(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if got := docString(args); got != want {
			t.Errorf("%q:\n got %s\nwant %s", spec, got, want)
		}
	}
	f("", "")
	f("key value", "(key:key K=0) (value:string)")
	f("key... timeout:d", "(key:key K=0 mult) (timeout:double)")
	f("[NX | XX]{condition 2.6.12}", "(condition:oneof S=2.6.12 opt <(nx:pure-token T=NX) (xx:pure-token T=XX)>)")
	f("[GET]{6.2.0} KEEPTTL{6.0.0}", "(get:pure-token T=GET S=6.2.0 opt) (keepttl:pure-token T=KEEPTTL S=6.0.0)")
	f("[EX seconds{2.6.12} | PXAT unix-time-milliseconds]{expiration}",
		"(expiration:oneof opt <(seconds:integer T=EX S=2.6.12) (unix-time-milliseconds:unix-time T=PXAT)>)")
	// A token with two operands is a block named after it, unless named.
	f("[LIMIT offset:i count]", "(limit:block T=LIMIT opt <(offset:integer) (count:integer)>)")
	f("[LIMIT offset:i count]{offset_count 6.2.0}", "(offset_count:block T=LIMIT S=6.2.0 opt <(offset:integer) (count:integer)>)")
	// A token before a group gives it the token; a group of one stays a block.
	f("[ID (client-id:i...)]{6.2.0}", "(id:block T=ID S=6.2.0 opt <(client-id:integer mult)>)")
	f("[AGGREGATE (SUM | MIN | MAX)]", "(aggregate:oneof T=AGGREGATE opt <(sum:pure-token T=SUM) (min:pure-token T=MIN) (max:pure-token T=MAX)>)")
	// "..." after the group repeats the token; after the word, only the word.
	f("[GET pattern{#1}]...", "(pattern:pattern T=GET K=1 opt mult mtok)")
	f("[WEIGHTS weight:i...]", "(weight:integer T=WEIGHTS opt mult)")
	f("(field value){data}...", "(data:block mult <(field:string) (value:string)>)")
	f("(parameter){parameter :block}...", "(parameter:block mult <(parameter:string)>)")
	// Key specs: in order, #N resets the sequence.
	f("source destination member", "(source:key K=0) (destination:key K=1) (member:string)")
	f("key1:k key2:k{#0} [STORE destination]", "(key1:key K=0) (key2:key K=0) (destination:key T=STORE K=1 opt)")
	f("destkey:k sourcekey:k...", "(destkey:key K=0) (sourcekey:key K=1 mult)")
	// Names that differ from the display text; deprecated arguments; quoted tokens; odd names.
	f("[BY pattern{by-pattern #1}]", "(by-pattern:pattern=pattern T=BY K=1 opt)")
	f(`(ip:port{-2.8.12} | [ADDR ip:port])`+"{filter}", "(filter:oneof <(ip:port:string D=2.8.12) (ip:port:string T=ADDR opt)>)")
	f(`"*" id`, "(id:string T=*)")
	// "," ends a token's operands.
	f("(BYBOX width:d, height:d (M | KM){unit}){box}",
		"(box:block <(width:double T=BYBOX) (height:double) (unit:oneof <(m:pure-token T=M) (km:pure-token T=KM)>)>)")
	f("[COUNT count [ANY]{6.2.0}]{count}", "(count:block opt <(count:integer T=COUNT) (any:pure-token T=ANY S=6.2.0 opt)>)")
	f(`key ("*" | id){id_selector}`, "(key:key K=0) (id_selector:oneof <(*:pure-token T=*) (id:string)>)")
	f(`"~" "="`, "(~:pure-token T=~) (=:pure-token T==)")
	f("[TYPE (NORMAL | MASTER{3.2.0}){kind}]{2.8.12}", "(kind:oneof T=TYPE S=2.8.12 opt <(normal:pure-token T=NORMAL) (master:pure-token T=MASTER S=3.2.0)>)")
	f("[protover:i [AUTH (username password){username_password}] [SETNAME clientname]]{arguments}",
		"(arguments:block opt <(protover:integer) (username_password:block T=AUTH opt <(username:string) (password:string)>) (clientname:string T=SETNAME opt)>)")
	f("LIB-NAME libname", "(libname:string T=LIB-NAME)")
	f("x:s y:p z:t w{:double}", "(x:string) (y:pattern) (z:unix-time) (w:double)")
}

func TestParseDocArgsErrors(t *testing.T) {
	for _, bad := range []string{
		"[key", "key]", "(key", "[key)", "[ | x]{n}", "[]",
		"[NX | XX]",       // a oneof needs a name
		"(a b)",           // a block needs a name
		"[x | a b]{n}",    // a multi-argument alternative must be a named block
		"Key",             // mixed case
		"key......",       // two "..."
		"x:q",             // unknown type code
		"x{:nosuch}",      // unknown type
		"x{#-1}", "x{#a}", // bad key spec index
		"{name}", "x {a}", // attributes without an argument
		"x{name",                // unclosed attributes
		`"X`,                    // unclosed quote
		"LIMIT{1.0.0} off cnt",  // a token's attributes before its operands
		"LIMIT... off cnt",      // ditto "..."
		", x", "A , x", "[x] ,", // "," only after an argument word
	} {
		if args, err := ParseDocArgs(bad); err == nil {
			t.Errorf("ParseDocArgs(%q) accepted: %s", bad, docString(args))
		}
	}
	// register panics on a bad spec, naming the command.
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "t-bad-docs") {
				t.Errorf("register with bad Args: recover() = %v", r)
			}
		}()
		register(&Command{Name: "t-bad-docs", Arity: 1, Args: "[NX | XX]"})
	}()
	delete(commands, "t-bad-docs")
}

// allDocCommands lists every command and subcommand, sorted by name.
func allDocCommands() []*Command {
	var out []*Command
	for _, c := range commands {
		out = append(out, c)
		out = append(out, c.Subcommands...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TestCommandDocsTable checks every command's declaration against the
// rest of its table entry: key arguments name existing key specs, every
// command with key specs documents its keys, and a command that takes
// arguments declares them.
func TestCommandDocsTable(t *testing.T) {
	// Commands whose arguments Redis 7.0 does not document either.
	noArgs := map[string]bool{"command|getkeys": true, "command|getkeysandflags": true, "quit": true}
	documented := 0
	for _, cmd := range allDocCommands() {
		if len(cmd.Subcommands) > 0 {
			continue // containers: their subcommands carry the arguments
		}
		specs := len(cmd.Specs())
		keys := 0
		var walk func(args []*DocArg)
		walk = func(args []*DocArg) {
			for _, a := range args {
				if a.Type == "key" && a.KeySpec < 0 {
					t.Errorf("%s: key argument %s without key_spec_index", cmd.Name, a.Name)
				}
				if a.KeySpec >= 0 {
					keys++
					if a.KeySpec >= specs {
						t.Errorf("%s: argument %s names key spec %d; the command has %d", cmd.Name, a.Name, a.KeySpec, specs)
					}
				}
				if (a.Type == "oneof" || a.Type == "block") != (a.Args != nil) {
					t.Errorf("%s: argument %s of type %s has members %v", cmd.Name, a.Name, a.Type, a.Args != nil)
				}
				walk(a.Args)
			}
		}
		walk(cmd.docArgs)
		// Redis 7.0 documents a shard channel (a not_key key spec) as a
		// string without key_spec_index.
		notKey := map[string]bool{"spublish": true, "ssubscribe": true, "sunsubscribe": true}
		if specs > 0 && keys == 0 && !notKey[cmd.Name] {
			t.Errorf("%s has %d key specs but documents no key argument", cmd.Name, specs)
		}
		takesArgs := cmd.Arity < 0 || cmd.Arity > 1
		if strings.Contains(cmd.Name, "|") {
			takesArgs = cmd.Arity < -2 || cmd.Arity > 2
		}
		if takesArgs && cmd.Args == "" && !noArgs[cmd.Name] {
			t.Errorf("%s (arity %d) declares no Args: add its COMMAND DOCS arguments (syntax in command_docs.go; cmd/darner's TestDocsDiffRedis compares them with redis-server)", cmd.Name, cmd.Arity)
		}
		if cmd.Args != "" {
			documented++
		}
		if (cmd.DeprecatedSince == "") != (cmd.ReplacedBy == "") {
			t.Errorf("%s: deprecated_since %q without replaced_by %q (or the reverse)", cmd.Name, cmd.DeprecatedSince, cmd.ReplacedBy)
		}
		for _, h := range cmd.History {
			if !isDocVersion(h[0]) || h[1] == "" {
				t.Errorf("%s: bad history entry %q", cmd.Name, h)
			}
		}
	}
	t.Logf("%d commands and subcommands declare arguments", documented)
}

func TestCommandDocsReply(t *testing.T) {
	srv := testServer()
	// Redis 7.0's reply plus 7.2's display_text (the whole reply is
	// compared with redis-server by cmd/darner's TestDocsDiffRedis).
	got := runLine(t, srv, false, "COMMAND", "DOCS", "getdel")
	wantTail := "$9\r\narguments\r\n*1\r\n*8\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$12\r\ndisplay_text\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
	if !strings.HasPrefix(got, "*2\r\n$6\r\ngetdel\r\n*10\r\n$7\r\nsummary\r\n") || !strings.HasSuffix(got, wantTail) {
		t.Errorf("COMMAND DOCS getdel = %q", got)
	}
	// Deprecated: doc_flags (a set of status strings), deprecated_since, replaced_by; history as a set of pairs.
	got = runLine(t, srv, true, "COMMAND", "DOCS", "getset")
	if !strings.Contains(got, "$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n$16\r\ndeprecated_since\r\n$5\r\n6.2.0\r\n$11\r\nreplaced_by\r\n$30\r\n`SET` with the `!GET` argument\r\n$9\r\narguments\r\n*2\r\n") {
		t.Errorf("RESP3 COMMAND DOCS getset = %q", got)
	}
	got = runLine(t, srv, true, "COMMAND", "DOCS", "lpop")
	if !strings.Contains(got, "$7\r\nhistory\r\n~1\r\n*2\r\n$5\r\n6.2.0\r\n$27\r\nAdded the `count` argument.\r\n$9\r\narguments\r\n*2\r\n") ||
		!strings.Contains(got, "%5\r\n$4\r\nname\r\n$5\r\ncount\r\n$4\r\ntype\r\n$7\r\ninteger\r\n$12\r\ndisplay_text\r\n$5\r\ncount\r\n$5\r\nsince\r\n$5\r\n6.2.0\r\n$5\r\nflags\r\n~1\r\n+optional\r\n") {
		t.Errorf("RESP3 COMMAND DOCS lpop = %q", got)
	}
	// Subcommands carry their own arguments.
	got = runLine(t, srv, false, "COMMAND", "DOCS", "client")
	if !strings.Contains(got, "$11\r\nclient|kill\r\n") || !strings.Contains(got, "$10\r\nnew-format\r\n") {
		t.Errorf("COMMAND DOCS client lacks CLIENT KILL's arguments: %.300q", got)
	}
	// Every command at once stays well-formed: one entry per command.
	got = runLine(t, srv, true, "COMMAND", "DOCS")
	if !strings.HasPrefix(got, "%"+strconv.Itoa(len(commands))+"\r\n") {
		t.Errorf("COMMAND DOCS: %.60q", got)
	}
}

func TestGetKeysAndFlagsVariable(t *testing.T) {
	srv := testServer()
	f := func(want string, line ...string) {
		t.Helper()
		if got := runLine(t, srv, false, append([]string{"COMMAND", "GETKEYSANDFLAGS"}, line...)...); got != want {
			t.Errorf("%v:\n got %q\nwant %q", line, got, want)
		}
	}
	ow := "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n"
	rw := "*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"
	ro := "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n"
	f(ow, "set", "k", "v")
	f(ow, "set", "k", "v", "ex", "10", "nx")
	f(ow, "set", "k", "get") // the value, not the option
	f(rw, "set", "k", "v", "get")
	f(rw, "set", "k", "v", "EX", "10", "GeT")
	f(ro, "bitfield", "k")
	f(ro, "bitfield", "k", "get", "u8", "0")
	f(ro, "bitfield", "k", "overflow", "sat", "GET", "i4", "#1")
	f(rw, "bitfield", "k", "get", "u8")
	f(rw, "bitfield", "k", "get", "u8", "0", "set", "u8", "0", "1")
	f(rw, "bitfield", "k", "incrby", "u8", "0", "1")
	f(rw, "bitfield", "k", "foo")
	// COMMAND INFO keeps the declared flags, variable_flags included.
	if got := runLine(t, srv, false, "COMMAND", "INFO", "set"); !strings.Contains(got, "+variable_flags") {
		t.Errorf("COMMAND INFO set lost variable_flags: %q", got)
	}
	// GETKEYS is unchanged.
	if got := runLine(t, srv, false, "COMMAND", "GETKEYS", "set", "k", "v", "get"); got != "*1\r\n$1\r\nk\r\n" {
		t.Errorf("COMMAND GETKEYS set = %q", got)
	}
}

// TestParseDocsStartup bounds what parsing every declaration costs at
// start-up.
func TestParseDocsStartup(t *testing.T) {
	start := time.Now()
	n := 0
	for _, cmd := range allDocCommands() {
		if cmd.Args != "" {
			if _, err := ParseDocArgs(cmd.Args); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("parsing %d declarations took %v", n, d)
	}
}

func BenchmarkParseAllDocs(b *testing.B) {
	all := allDocCommands()
	for i := 0; i < b.N; i++ {
		for _, cmd := range all {
			if cmd.Args != "" {
				ParseDocArgs(cmd.Args)
			}
		}
	}
}

// FuzzParseDocArgs: any spec either parses into a well-formed tree or is
// an error; nothing panics.
func FuzzParseDocArgs(f *testing.F) {
	for _, cmd := range allDocCommands() {
		if cmd.Args != "" {
			f.Add(cmd.Args)
		}
	}
	for _, s := range []string{"[", "]", "(", "{", "}", "|", "...", `"`, "[a|]{x}", "A{", "x{#", "x:", "x:k...{#0 1.2.3 -4.5.6 :block n}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		args, err := ParseDocArgs(spec)
		if err != nil {
			return
		}
		var check func(args []*DocArg)
		check = func(args []*DocArg) {
			for _, a := range args {
				if a.Name == "" || a.Type == "" {
					t.Fatalf("%q: argument without name or type: %s", spec, docString(args))
				}
				check(a.Args)
			}
		}
		check(args)
	})
}
