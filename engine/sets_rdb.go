package engine

// Serialisation hook of the set family (TypeOps.Dump, for persist/).

func init() { registerDump(TypeSet, setDump) }

// setDump appends the set's members (intset members formatted).
func setDump(sh *Shard, v Value, elems [][]byte, scores []float64) ([][]byte, []float64) {
	sv := sview{blob: v.Bytes}
	if v.Enc == EncObject {
		sv = sview{obj: sh.Objects.Get(v.Obj).(*setObject)}
	}
	elems, _ = sv.appendAll(elems, nil)
	return elems, scores
}
