package engine

// TEMPORARY: GET and SET key value on the shard's dashtable (DB), so the
// shard runtime can be exercised end to end. The strings family replaces
// this file with the full commands (SET options, GETEX, ...); nothing else
// may grow on top of it.

func init() {
	register(
		&Command{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: tmpGet},
		&Command{Name: "set", Arity: 3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Run: tmpSet},
	)
}

func tmpGet(c *Ctx, args [][]byte) {
	v, ok := c.Shard.DBs[c.DB].Get(args[1], c.Now)
	switch {
	case !ok:
		c.W.Null()
	case v.Type != TypeString:
		c.W.WrongType()
	case v.Enc == EncInt:
		c.W.BulkInt(v.Int)
	default:
		c.W.Bulk(v.Bytes)
	}
}

func tmpSet(c *Ctx, args [][]byte) {
	c.Shard.DBs[c.DB].Set(args[1], args[2], 0, 0, c.Now)
	c.W.OK()
}
