package engine

import (
	"strconv"
	"strings"
)

// The connection family: commands that act on the client's connection.
// Those that read or change the Session carry FlagConn and run on the
// connection's coordinator shard.

// RedisVersion is the Redis version darner reports for compatibility
// (HELLO, INFO redis_version); clients gate features on it.
const RedisVersion = "7.2.0"

func init() {
	const conn = FlagConn | FlagFast | FlagStale | FlagLoading
	const noauth = conn | FlagNoAuth | FlagNoScript | FlagAllowBusy
	const g = "connection"
	register(
		&Command{Name: "ping", Arity: -1, Flags: FlagFast, Run: cmdPing, Group: g,
			Tips:    []string{"request_policy:all_shards", "response_policy:all_succeeded"},
			Summary: "Ping the server", Since: "1.0.0", Complexity: "O(1)",
			Args: "[message]"},
		&Command{Name: "echo", Arity: 2, Flags: FlagFast | FlagStale | FlagLoading, Run: cmdEcho, Group: g,
			Summary: "Echo the given string", Since: "1.0.0", Complexity: "O(1)",
			Args: "message"},
		&Command{Name: "quit", Arity: -1, Flags: noauth, Run: cmdQuit, Group: g,
			Summary: "Close the connection", Since: "1.0.0", Complexity: "O(1)"},
		&Command{Name: "auth", Arity: -2, Flags: noauth, Run: cmdAuth, Group: g,
			Summary: "Authenticate to the server", Since: "1.0.0", Complexity: "O(N) where N is the number of passwords defined for the user",
			Args: "[username]{6.0.0} password", History: [][2]string{{"6.0.0", "Added ACL style (username and password)."}}},
		&Command{Name: "hello", Arity: -1, Flags: noauth, Run: cmdHello, Group: g,
			Summary: "Handshake with Redis", Since: "6.0.0", Complexity: "O(1)",
			Args: "[protover:i [AUTH (username password){username_password}] [SETNAME clientname]]{arguments}", History: [][2]string{{"6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."}}},
		&Command{Name: "select", Arity: 2, Flags: conn, Run: cmdSelect, Group: g,
			Summary: "Change the selected database for the current connection", Since: "1.0.0", Complexity: "O(1)",
			Args: "index:i"},
		clientCommand(),
	)
}

// clientCommand is the CLIENT container with its subcommands' metadata,
// as Redis 7.0 reports them in COMMAND INFO/DOCS.
func clientCommand() *Command {
	const f = FlagNoScript | FlagLoading | FlagStale
	sub := func(name string, arity int, flags Flags, since, summary, complexity string) *Command {
		return &Command{Name: "client|" + name, Arity: arity, Flags: flags, Group: "connection",
			Summary: summary, Since: since, Complexity: complexity, Run: cmdClient}
	}
	const adm = f | FlagAdmin
	nd := []string{"nondeterministic_output"}
	cmd := &Command{Name: "client", Arity: -2, Flags: FlagConn, Run: cmdClient, Tx: txClient, TxIf: clientTxSub, Group: "connection",
		Summary: "A container for client connection commands", Since: "2.4.0", Complexity: "Depends on subcommand."}
	cmd.Subcommands = []*Command{
		sub("info", 2, f, "6.2.0", "Returns information about the current client connection.", "O(1)"),
		sub("list", -2, adm, "2.4.0", "Get the list of client connections", "O(N) where N is the number of client connections"),
		sub("id", 2, f, "5.0.0", "Returns the client ID for the current connection", "O(1)"),
		sub("setname", 3, f, "2.6.9", "Set the current connection name", "O(1)"),
		sub("getname", 2, f, "2.6.9", "Get the current connection name", "O(1)"),
		sub("kill", -3, adm, "2.4.0", "Kill the connection of a client", "O(N) where N is the number of client connections"),
		sub("reply", 3, f, "3.2.0", "Instruct the server whether to reply to commands", "O(1)"),
		sub("no-evict", 3, adm, "7.0.0", "Set client eviction mode for the current connection", "O(1)"),
		sub("no-touch", 3, f, "7.2.0", "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.", "O(1)"),
		sub("setinfo", 4, f, "7.2.0", "Set client or connection specific info", "O(1)"),
		sub("unblock", -3, adm, "5.0.0", "Unblock a client blocked in a blocking command from a different connection", "O(log N) where N is the number of client connections"),
		sub("help", 2, FlagLoading|FlagStale, "5.0.0", "Show helpful text about the different subcommands", "O(1)"),
	}
	subDocs(cmd, "unblock", "client-id:i [TIMEOUT | ERROR]{timeout_error}")
	subDocs(cmd, "reply", "(ON | OFF | SKIP){on_off_skip}")
	subDocs(cmd, "setname", "connection-name")
	subDocs(cmd, "kill", "(ip:port{-2.8.12} | ([ID client-id:i]{2.8.12} | [TYPE (NORMAL | MASTER{3.2.0} | SLAVE | REPLICA{5.0.0} | PUBSUB){normal_master_slave_pubsub}]{2.8.12} | [USER username] | [ADDR ip:port] | [LADDR ip:port]{6.2.0} | [SKIPME yes/no]){new-format}...){filter}", [2]string{"2.8.12", "Added new filter format."}, [2]string{"2.8.12", "`ID` option."}, [2]string{"3.2.0", "Added `master` type in for `TYPE` option."}, [2]string{"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."}, [2]string{"6.2.0", "`LADDR` option."})
	subDocs(cmd, "list", "[TYPE (NORMAL | MASTER | REPLICA | PUBSUB){normal_master_replica_pubsub}]{5.0.0} [ID (client-id:i...)]{6.2.0}", [2]string{"2.8.12", "Added unique client `id` field."}, [2]string{"5.0.0", "Added optional `TYPE` filter."}, [2]string{"6.0.0", "Added `user` field."}, [2]string{"6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."}, [2]string{"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."}, [2]string{"7.0.3", "Added `ssub` field."})
	subDocs(cmd, "no-evict", "(ON | OFF){enabled}")
	subDocs(cmd, "no-touch", "(ON | OFF){enabled}")
	subDocs(cmd, "setinfo", "(LIB-NAME libname | LIB-VER libver){attr}")
	cmd.Subcommands[0].Tips = nd
	cmd.Subcommands[1].Tips = nd
	return cmd
}

func cmdPing(c *Ctx, args [][]byte) {
	switch len(args) {
	case 1:
		c.W.SimpleString("PONG")
	case 2:
		c.W.Bulk(args[1])
	default:
		c.W.Error(ErrWrongArgs("ping"))
	}
}

func cmdEcho(c *Ctx, args [][]byte) { c.W.Bulk(args[1]) }

func cmdQuit(c *Ctx, args [][]byte) {
	c.W.OK()
	c.Close = true
}

const (
	errWrongPass = "WRONGPASS invalid username-password pair or user is disabled."
	errNoPassSet = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
)

// checkPassword authenticates user/pass against --requirepass. darner has
// one user, "default", as Redis without ACLs.
func (c *Ctx) checkPassword(user, pass []byte) bool {
	if string(user) != "default" {
		return false
	}
	return c.Server.RequirePass == "" || string(pass) == c.Server.RequirePass
}

func cmdAuth(c *Ctx, args [][]byte) {
	var user, pass []byte
	switch len(args) {
	case 2:
		if c.Server.RequirePass == "" {
			c.W.Error(errNoPassSet)
			return
		}
		user, pass = []byte("default"), args[1]
	case 3:
		user, pass = args[1], args[2]
	default:
		c.W.Error("ERR syntax error")
		return
	}
	if !c.checkPassword(user, pass) {
		c.W.Error(errWrongPass)
		return
	}
	c.Sess.Authed = true
	c.W.OK()
}

// validClientName reports whether a name may be set with CLIENT SETNAME
// (printable ASCII without spaces, as Redis requires).
func validClientName(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

const errClientName = "ERR Client names cannot contain spaces, newlines or special characters."

func cmdHello(c *Ctx, args [][]byte) {
	resp3 := c.Sess.Resp3
	i := 1
	if len(args) > 1 {
		v, err := strconv.ParseInt(string(args[1]), 10, 64)
		if err != nil {
			c.W.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.W.Error("NOPROTO unsupported protocol version")
			return
		}
		resp3 = v == 3
		i = 2
	}
	var user, pass, name []byte
	authGiven, nameGiven := false, false
	for ; i < len(args); i++ {
		more := len(args) - i - 1
		switch opt := strings.ToLower(string(args[i])); {
		case opt == "auth" && more >= 2:
			user, pass, authGiven = args[i+1], args[i+2], true
			i += 2
		case opt == "setname" && more >= 1:
			name, nameGiven = args[i+1], true
			i++
		default:
			c.W.Error("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
			return
		}
	}
	if authGiven {
		if !c.checkPassword(user, pass) {
			c.W.Error(errWrongPass)
			return
		}
		c.Sess.Authed = true
	}
	if c.Server.RequirePass != "" && !c.Sess.Authed {
		c.W.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if nameGiven {
		if !validClientName(name) {
			c.W.Error(errClientName)
			return
		}
		c.Sess.Name = string(name)
	}
	c.Sess.Resp3 = resp3
	c.W.Resp3 = resp3
	c.W.MapLen(7)
	c.W.BulkString("server")
	c.W.BulkString("redis")
	c.W.BulkString("version")
	c.W.BulkString(RedisVersion)
	c.W.BulkString("proto")
	if resp3 {
		c.W.Int(3)
	} else {
		c.W.Int(2)
	}
	c.W.BulkString("id")
	c.W.Int(int64(c.Sess.ID))
	c.W.BulkString("mode")
	c.W.BulkString("standalone")
	c.W.BulkString("role")
	c.W.BulkString("master")
	c.W.BulkString("modules")
	c.W.ArrayLen(0)
}

func cmdSelect(c *Ctx, args [][]byte) {
	n, err := strconv.ParseInt(string(args[1]), 10, 64)
	if err != nil {
		c.W.Error(ErrNotInt)
		return
	}
	if n < 0 || n >= int64(c.Server.NumDBs) {
		c.W.Error("ERR DB index is out of range")
		return
	}
	c.Sess.DB = int(n)
	c.W.OK()
}

// cmdClient serves the CLIENT subcommands that concern the caller's own
// connection. Subcommands about other connections (LIST, KILL, UNBLOCK)
// need the connection registry and come with the server family.
func cmdClient(c *Ctx, args [][]byte) {
	sub := strings.ToLower(string(args[1]))
	arity := func(n int) bool {
		if len(args) != n {
			c.W.Error("ERR wrong number of arguments for 'client|" + sub + "' command")
			return false
		}
		return true
	}
	switch sub {
	case "id":
		if arity(2) {
			c.W.Int(int64(c.Sess.ID))
		}
	case "getname":
		if arity(2) {
			if c.Sess.Name == "" {
				c.W.Null()
			} else {
				c.W.BulkString(c.Sess.Name)
			}
		}
	case "setname":
		if !arity(3) {
			return
		}
		if !validClientName(args[2]) {
			c.W.Error(errClientName)
			return
		}
		c.Sess.Name = string(args[2])
		c.W.OK()
	case "unblock":
		if len(args) != 3 && len(args) != 4 {
			c.W.Error("ERR wrong number of arguments for 'client|unblock' command")
			return
		}
		id, ok := ParseInt(args[2])
		if !ok {
			c.W.Error(ErrNotInt)
			return
		}
		withError := false
		if len(args) == 4 {
			switch {
			case EqualFold(args[3], "error"):
				withError = true
			case EqualFold(args[3], "timeout"):
			default:
				c.W.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
				return
			}
		}
		if c.Server.Deliver != nil && c.Server.unblockClient(uint64(id), withError) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	case "reply":
		if !arity(3) {
			return
		}
		switch {
		case EqualFold(args[2], "on"):
			c.Sess.Mute = MuteOn
			c.W.OK()
		case EqualFold(args[2], "off"):
			c.Sess.Mute |= MuteOff
		case EqualFold(args[2], "skip"):
			if c.Sess.Mute&MuteOff == 0 {
				c.Sess.Mute |= MuteSkipNext
			}
		default:
			c.W.Error("ERR syntax error")
		}
	case "no-evict", "no-touch":
		if !arity(3) {
			return
		}
		var on bool
		switch {
		case EqualFold(args[2], "on"):
			on = true
		case EqualFold(args[2], "off"):
		default:
			c.W.Error("ERR syntax error")
			return
		}
		if sub == "no-evict" {
			c.Sess.NoEvict = on
		} else {
			c.Sess.NoTouch = on
		}
		c.W.OK()
	case "help":
		if arity(2) {
			writeHelp(c, clientHelp)
		}
	case "setinfo":
		if !arity(4) {
			return
		}
		switch strings.ToLower(string(args[2])) {
		case "lib-name", "lib-ver":
			if !validClientName(args[3]) {
				c.W.Error("ERR " + strings.ToLower(string(args[2])) + " cannot contain spaces, newlines or special characters.")
				return
			}
			c.W.OK()
		default:
			c.W.Error("ERR Unrecognized option '" + string(args[2]) + "'")
		}
	default:
		c.W.Error("ERR unknown subcommand '" + string(args[1]) + "'. Try CLIENT HELP.")
	}
}
