package engine

import "sync/atomic"

// WATCH support. A connection's WatchState is shared between its
// coordinator (which reads it at EXEC) and the shards owning its watched
// keys (which set it when a watched key is written): the flags are atomic.
// Each shard keeps its own table from key hash to the states watching it;
// the table belongs to the shard thread.
//
// A write "touches" a key when a command with FlagWrite ran on it (or a tx
// holding it exclusively ran a phase on its shard), whether or not it
// changed the value — more conservative than Redis, which signals only
// real modifications: an EXEC may fail where Redis's would not, never the
// other way round. FLUSHDB, FLUSHALL and SWAPDB touch every watched key of
// the shard. A watched key that had a deadline at WATCH time and reached
// it by EXEC aborts the EXEC as well (Redis 7's isWatchedKeyExpired).
type WatchState struct {
	dirty atomic.Bool // a watched key was touched
	dead  atomic.Bool // UNWATCH/EXEC/DISCARD/disconnect: shards drop it lazily
}

// Dirty reports whether a watched key was touched.
func (w *WatchState) Dirty() bool { return w.dirty.Load() }

// Release marks the state unused; shards drop their entries for it.
func (w *WatchState) Release() { w.dead.Store(true) }

// WatchedKey is a key a session watches, as recorded at WATCH time.
type WatchedKey struct {
	Key      []byte
	DB       int
	Deadline int64 // the key's deadline at WATCH time (0: none or absent)
}

type watchEntry struct {
	st *WatchState
	db int
}

// Watch registers st on key (hash h) of database db on this shard.
func (s *Shard) Watch(st *WatchState, db int, h uint64) {
	if s.watches == nil {
		s.watches = make(map[uint64][]watchEntry)
	}
	s.watches[h] = append(s.watches[h], watchEntry{st: st, db: db})
}

// HasWatches reports whether any key of the shard is watched (one map
// length: the write path's only cost when nobody watches).
func (s *Shard) HasWatches() bool { return len(s.watches) > 0 }

// TouchKey marks every live watcher of key hash h in db dirty and drops
// the entries (a dirty state stays dirty).
func (s *Shard) TouchKey(db int, h uint64) {
	ws, ok := s.watches[h]
	if !ok {
		return
	}
	keep := ws[:0]
	for _, w := range ws {
		switch {
		case w.st.dead.Load():
		case w.db == db:
			w.st.dirty.Store(true)
		default:
			keep = append(keep, w)
		}
	}
	if len(keep) == 0 {
		delete(s.watches, h)
	} else {
		clear(ws[len(keep):])
		s.watches[h] = keep
	}
}

// TouchAll marks every watcher of database db (-1: any) dirty.
func (s *Shard) TouchAll(db int) {
	for h, ws := range s.watches {
		keep := ws[:0]
		for _, w := range ws {
			switch {
			case w.st.dead.Load():
			case db < 0 || w.db == db:
				w.st.dirty.Store(true)
			default:
				keep = append(keep, w)
			}
		}
		if len(keep) == 0 {
			delete(s.watches, h)
		} else {
			s.watches[h] = keep
		}
	}
}

// AfterWrite is called by the dispatcher after cmd ran on this shard with
// args in database db: a write publishes the shard's memory change
// (NoteMemoryDB) and evicts if it is over its share in cache mode
// (evict.go), touches its keys' watchers and serves clients blocked on
// them.
func (s *Shard) AfterWrite(cmd *Command, args [][]byte, db int) {
	if cmd.Flags&FlagWrite == 0 {
		return
	}
	s.writeMemory(cmd, args, db) // evict.go
	if len(s.watches) == 0 && len(s.blocked) == 0 {
		return
	}
	if cmd.Flags&FlagGlobal != 0 || cmd.FirstKey <= 0 && cmd.Flags&FlagMovableKeys == 0 {
		s.TouchAll(-1)
		return
	}
	cmd.KeyPositions(args, func(i int) { s.keyWritten(db, KeyHash(args[i])) })
}

func (s *Shard) keyWritten(db int, h uint64) {
	if len(s.watches) > 0 {
		s.TouchKey(db, h)
	}
	if len(s.blocked) > 0 {
		s.keyReady(db, h, s.Clock)
	}
}

// AfterTxPhase is called by the runtime after a phase of t ran on this
// shard: it touches the tx's exclusive keys here (every key for a global
// write tx) and serves clients blocked on them.
func (s *Shard) AfterTxPhase(t *Tx) {
	s.NoteMemory()
	s.evictIfOver(t.DB, nil, evictPerWrite)
	if len(s.watches) == 0 && len(s.blocked) == 0 || t.SelfTouch {
		return
	}
	if t.Global() && t.writes {
		s.TouchAll(-1)
		return
	}
	for _, k := range t.keys {
		if k.Exclusive && k.Shard == s.ID {
			s.keyWritten(t.DB, k.Hash)
		}
	}
}

// pruneWatches drops entries of released states (called from Tick).
func (s *Shard) pruneWatches() {
	for h, ws := range s.watches {
		keep := ws[:0]
		for _, w := range ws {
			if !w.st.dead.Load() {
				keep = append(keep, w)
			}
		}
		if len(keep) == 0 {
			delete(s.watches, h)
		} else {
			s.watches[h] = keep
		}
	}
}
