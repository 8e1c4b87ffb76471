package engine

// TypeOps is what a collection family tells the generic key commands
// (OBJECT ENCODING, SORT, COPY/RENAME across shards) about its values.
// Each family registers its type's ops from its own init with
// RegisterType; the generic commands look them up with OpsOf.
type TypeOps struct {
	// Encoding is Redis's OBJECT ENCODING name for v ("listpack",
	// "quicklist", "intset", "hashtable", "skiplist", ...).
	Encoding func(sh *Shard, v Value) string
	// Elements returns v's members as SORT reads them: a list in order, a
	// set in any order, a zset by ascending score. The slices may alias
	// shard memory: valid until the shard's next mutation.
	Elements func(sh *Shard, v Value) [][]byte
	// Dump appends v's contents for serialisation (RDB, persist/) to elems
	// and scores: a list's items in order, a set's members, a hash's
	// fields and values alternating, a zset's members with their scores
	// in parallel. The slices may alias shard memory: valid until the
	// shard's next mutation. Families set it with registerDump from their
	// <family>_rdb.go files.
	Dump func(sh *Shard, v Value, elems [][]byte, scores []float64) ([][]byte, []float64)
}

var typeOps [TypeStream + 1]TypeOps

// RegisterType records a family's ops for t. Call it from init only.
// A Dump registered earlier with registerDump is kept when ops has none.
func RegisterType(t ValueType, ops TypeOps) {
	if ops.Dump == nil {
		ops.Dump = typeOps[t].Dump
	}
	typeOps[t] = ops
}

// registerDump records t's Dump (from the family's <family>_rdb.go init,
// whichever of the family's inits runs first).
func registerDump(t ValueType, dump func(sh *Shard, v Value, elems [][]byte, scores []float64) ([][]byte, []float64)) {
	typeOps[t].Dump = dump
}

// OpsOf returns the ops registered for t (zero TypeOps when none).
func OpsOf(t ValueType) TypeOps {
	if int(t) < len(typeOps) {
		return typeOps[t]
	}
	return TypeOps{}
}
