package engine

// TEMPORARY: GET, SET and DEL on a Go map per shard and database, so the
// shard runtime can be exercised end to end. The dashtable issue replaces
// this file (and Shard.tmp) with the real keyspace and the full strings and
// keys families; nothing else may grow on top of it.

func init() {
	register(
		&Command{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Run: tmpGet},
		&Command{Name: "set", Arity: 3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Run: tmpSet},
		&Command{Name: "del", Arity: -2, Flags: FlagWrite, FirstKey: 1, LastKey: -1, Step: 1, Run: tmpDel},
	)
}

func tmpGet(c *Ctx, args [][]byte) {
	v, ok := c.Shard.tmp[c.DB][string(args[1])]
	if !ok {
		c.W.Null()
		return
	}
	c.W.Bulk(v)
}

func tmpSet(c *Ctx, args [][]byte) {
	m := c.Shard.tmp[c.DB]
	if old, ok := m[string(args[1])]; ok && cap(old) >= len(args[2]) {
		m[string(args[1])] = append(old[:0], args[2]...)
	} else {
		m[string(args[1])] = append([]byte(nil), args[2]...)
	}
	c.W.OK()
}

func tmpDel(c *Ctx, args [][]byte) {
	n := int64(0)
	m := c.Shard.tmp[c.DB]
	for _, k := range args[1:] {
		if _, ok := m[string(k)]; ok {
			delete(m, string(k))
			n++
		}
	}
	c.W.Int(n)
}
