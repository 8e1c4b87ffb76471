package engine

// Serialisation hook of the hash family (TypeOps.Dump, for persist/).

func init() { registerDump(TypeHash, hashDump) }

// hashDump appends field, value, field, value, ...
func hashDump(sh *Shard, v Value, elems [][]byte, scores []float64) ([][]byte, []float64) {
	h := hview{blob: v.Bytes}
	if v.Enc == EncObject {
		h = hview{obj: sh.Objects.Get(v.Obj).(*hashObject)}
	}
	return h.appendAll(elems), scores
}
