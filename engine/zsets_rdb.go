package engine

// Serialisation hook of the sorted-set family (TypeOps.Dump, for persist/).

func init() { registerDump(TypeZSet, zsetDump) }

// zsetDump appends the members by ascending score, scores in parallel.
func zsetDump(sh *Shard, v Value, elems [][]byte, scores []float64) ([][]byte, []float64) {
	if v.Enc == EncObject {
		t := sh.Objects.Get(v.Obj).(*zsetTree)
		t.each(0, false, func(m []byte, s float64) bool {
			elems = append(elems, m)
			scores = append(scores, s)
			return true
		})
		return elems, scores
	}
	for _, e := range zblobDecode(nil, v.Bytes) {
		elems = append(elems, e.m)
		scores = append(scores, e.s)
	}
	return elems, scores
}
