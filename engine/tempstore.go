package engine

// TEMPORARY: GET, SET key value and DEL on the shard's dashtable (DB), so
// the shard runtime can be exercised end to end. The strings and keys
// families replace this file with the full commands (SET options, GETEX,
// ...); nothing else may grow on top of it.

func init() {
	register(
		&Command{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: tmpGet},
		&Command{Name: "set", Arity: 3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Run: tmpSet},
		&Command{Name: "del", Arity: -2, Flags: FlagWrite, FirstKey: 1, LastKey: -1, Step: 1, Run: tmpDel},
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

func tmpDel(c *Ctx, args [][]byte) {
	n := int64(0)
	db := c.Shard.DBs[c.DB]
	for _, k := range args[1:] {
		if db.Delete(k, c.Now) {
			n++
		}
	}
	c.W.Int(n)
}
