package engine

// The connection family: commands that act on the client's connection.

func init() {
	register(
		&Command{Name: "ping", Arity: -1, Flags: FlagFast | FlagStale, Run: cmdPing},
		&Command{Name: "echo", Arity: 2, Flags: FlagFast, Run: cmdEcho},
		&Command{Name: "quit", Arity: -1, Flags: FlagFast | FlagNoAuth | FlagConn | FlagStale | FlagLoading, Run: cmdQuit},
	)
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
