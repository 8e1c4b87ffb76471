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
}

var typeOps [TypeStream + 1]TypeOps

// RegisterType records a family's ops for t. Call it from init only.
func RegisterType(t ValueType, ops TypeOps) { typeOps[t] = ops }

// OpsOf returns the ops registered for t (zero TypeOps when none).
func OpsOf(t ValueType) TypeOps {
	if int(t) < len(typeOps) {
		return typeOps[t]
	}
	return TypeOps{}
}
