package engine

// Serialisation hook of the list family (TypeOps.Dump, for persist/).

func init() { registerDump(TypeList, listDump) }

// listDump appends the list's items in order (integers formatted).
func listDump(sh *Shard, v Value, elems [][]byte, scores []float64) ([][]byte, []float64) {
	var tmp [1]qlNode
	var nodes []qlNode
	var count int64
	if v.Enc == EncObject {
		q := sh.Objects.Get(v.Obj).(*quicklist)
		nodes, count = q.nodes(), q.count
	} else {
		tmp[0] = blobNode(v.Bytes)
		nodes, count = tmp[:], int64(tmp[0].n)
	}
	it := listIter{nodes: nodes}
	it.seek(count, 0)
	var buf []byte
	for e, ok := it.next(); ok; e, ok = it.next() {
		if e.isInt {
			start := len(buf)
			buf = e.appendTo(buf)
			elems = append(elems, buf[start:len(buf):len(buf)])
		} else {
			elems = append(elems, e.s)
		}
	}
	return elems, scores
}
