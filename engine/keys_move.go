package engine

// Moving values between databases and shards (RENAME, COPY, MOVE), without
// knowing any family's encoding: a value is taken out of one DB into a
// Moved, which owns everything it holds, and put into another DB, which may
// belong to another shard.
//
// EncRaw, EncInt and EncBlob values are copied byte for byte (a compact
// collection's blob means the same thing in every shard). An EncObject
// value's Object is detached from the source shard's ObjectStore (RENAME,
// MOVE) or cloned there with Object.Clone (COPY), and bound to the
// destination's store by PutIn. The deadline travels with the value.

// Moved is a value in transit. Nothing in it aliases shard memory, so a tx
// may carry it from a phase on one shard to a phase on another. Bytes is
// reused by the next TakeOut into the same Moved.
//
// Ownership: between TakeOut and PutIn the Moved owns Obj; PutIn hands it
// to the destination store, after which the Moved must not be put in again
// (Reset clears it).
type Moved struct {
	Type     ValueType
	Enc      Encoding
	Bytes    []byte // EncRaw, EncBlob: a copy of the value
	Int      int64  // EncInt
	Obj      Object // EncObject: bound to no store
	ExpireAt int64  // unix ms; 0: none
}

// Reset forgets the value (keeps Bytes' capacity).
func (m *Moved) Reset() {
	*m = Moved{Bytes: m.Bytes[:0]}
}

// peek returns key's value and deadline (0: none) without marking it used
// and without deleting it when expired (it is reported absent then). The
// value's Bytes alias the arena: see DB.
func (db *DB) peek(key []byte, now int64) (v Value, expireAt int64, ok bool) {
	seg, bi, si := db.lookup(key, KeyHash(key))
	if si < 0 {
		return Value{}, 0, false
	}
	s := seg.b[bi].slots[si]
	if s&slotTTL != 0 {
		expireAt = recExpire(db.rec(s))
		if expireAt <= now {
			return Value{}, 0, false
		}
	}
	if db.preChange != nil {
		db.snapTouchObject(seg, bi, s)
	}
	return db.valueOf(s), expireAt, true
}

// TakeOut reads key from db into m. With keep (COPY) the key stays where
// it is and an EncObject value is cloned; without it (RENAME, MOVE) the key
// is deleted and its object detached from db's store. It reports false
// (and leaves m reset) when the key is missing or expired. It runs on the
// thread of db's shard.
func TakeOut(db *DB, key []byte, keep bool, now int64, m *Moved) bool {
	m.Reset()
	v, at, ok := db.peek(key, now)
	if !ok {
		return false
	}
	m.Type, m.Enc, m.ExpireAt = v.Type, v.Enc, at
	switch v.Enc {
	case EncInt:
		m.Int = v.Int
	case EncObject:
		o := db.objs.Get(v.Obj)
		if keep {
			o = o.Clone()
		}
		m.Obj = o
	default:
		m.Bytes = append(m.Bytes, v.Bytes...)
	}
	if !keep {
		db.Delete(key, now) // releases the handle; m.Obj keeps the object
	}
	return true
}

// PutIn stores m under key in db, replacing any value key has there, with
// m's type, encoding and deadline. An object is bound to db's store; m is
// reset afterwards. It runs on the thread of db's shard.
func PutIn(db *DB, key []byte, m *Moved, now int64) {
	switch m.Enc {
	case EncInt:
		db.SetInt(key, m.Int, m.ExpireAt, 0, now)
	case EncObject:
		h := db.objs.Put(m.Obj)
		db.SetObject(key, m.Type, h, m.ExpireAt, 0, now)
	default:
		db.put(key, m.Type, m.Enc, m.Bytes, m.ExpireAt, 0, now)
	}
	m.Reset()
}
