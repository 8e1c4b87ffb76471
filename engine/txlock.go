package engine

// LockTable is one shard's VLL state (Ren, Thomson, Abadi: "Lightweight
// Locking for Main Memory Database Systems"): per-key intent-lock counters
// and a FIFO queue of the transactions holding or waiting for them.
//
// Every multi-shard transaction is added to the queues of all its shards in
// one global order (the runtime schedules under a global lock), so the
// queues of any two shards order any two transactions the same way.
// A transaction is "free" on a shard when none of its keys conflicted
// with an earlier entry when it was added; a free entry may run at once.
// A blocked entry may run once it is at the head of the queue: every
// entry before it has finished, and no later entry can conflict with it
// (a later conflicting entry saw its counters and is blocked itself). The
// oldest unfinished transaction is therefore runnable everywhere, so the
// scheme cannot deadlock and needs no timeouts.
//
// Single-shard commands do not enter the queue while their keys are free
// (the fast path: IsFree, one branch when the queue is empty). A command
// whose key is taken becomes a local entry, queued behind the holders, so
// per-key FIFO order holds for everyone.
//
// A LockTable belongs to its shard's thread; nothing in it is shared.
//
// An entry released while not at the head of the queue stays in its slot
// until the entries before it finish. Its owner may reuse it meanwhile
// (the runtime pools its transactions): a slot remembers the entry's
// generation (bumped by every Add), and a slot whose generation is not
// the entry's current one counts as finished.
type LockTable struct {
	locks map[uint64]keyLock
	queue []qslot // queue[head:] are live or finished-but-not-popped
	head  int
	// globals counts queued entries that lock the whole shard.
	globals int
}

type keyLock struct {
	shared, excl int32
}

// qslot is a queue position: an entry as of one Add (gen).
type qslot struct {
	e   *TxEntry
	gen uint32
}

// finished reports whether the slot's entry was released (or reused).
func (q qslot) finished() bool { return q.e.gen != q.gen || q.e.done }

// TxEntry is one transaction's (or parked command's) place in a shard's
// LockTable. The runtime owns it; the table only reads Keys and Global
// and sets the state fields. Once released, an entry may be added again
// (to reuse it, reset Keys, Global and Payload, never the whole struct:
// its generation tells its old queue slot from its new one).
type TxEntry struct {
	Keys   []TxKey // the keys on this shard (Shard fields are ignored)
	Global bool
	// Payload is the runtime's (the tx or the parked hop it belongs to).
	Payload any

	blocked bool
	queued  bool
	done    bool
	gen     uint32
}

// NewLockTable returns an empty table.
func NewLockTable() *LockTable { return &LockTable{locks: make(map[uint64]keyLock)} }

// Empty reports whether no entry is queued: every key is free.
func (lt *LockTable) Empty() bool { return lt.head == len(lt.queue) }

// IsFree reports whether a command may run now on a key with hash h, in
// the given mode, without queueing: no queued entry conflicts with it.
func (lt *LockTable) IsFree(h uint64, exclusive bool) bool {
	if lt.Empty() {
		return true
	}
	if lt.globals > 0 {
		return false
	}
	l, ok := lt.locks[h]
	if !ok {
		return true
	}
	return l.excl == 0 && (!exclusive || l.shared == 0)
}

// Add queues e and takes its locks. It reports whether e is free (may run
// at once); otherwise e runs once Runnable says so.
func (lt *LockTable) Add(e *TxEntry) bool {
	blocked := lt.globals > 0 || (e.Global && !lt.Empty())
	for _, k := range e.Keys {
		l := lt.locks[k.Hash]
		if l.excl > 0 || (k.Exclusive && l.shared > 0) {
			blocked = true
		}
		if k.Exclusive {
			l.excl++
		} else {
			l.shared++
		}
		lt.locks[k.Hash] = l
	}
	if e.Global {
		lt.globals++
	}
	e.blocked, e.queued, e.done = blocked, true, false
	e.gen++
	lt.queue = append(lt.queue, qslot{e, e.gen})
	return !blocked
}

// Runnable reports whether e (queued) may run now.
func (lt *LockTable) Runnable(e *TxEntry) bool {
	return !e.blocked || lt.atHead(e)
}

// atHead reports whether e's current slot is the head of the queue.
func (lt *LockTable) atHead(e *TxEntry) bool {
	return lt.head < len(lt.queue) && lt.queue[lt.head] == qslot{e, e.gen}
}

// Release drops e's locks and its place in the queue. It returns the entry
// that became the head of the queue if that entry was blocked (it may run
// now), or nil.
func (lt *LockTable) Release(e *TxEntry) *TxEntry {
	if !e.queued || e.done {
		panic("engine: LockTable.Release of an entry that is not queued")
	}
	for _, k := range e.Keys {
		l := lt.locks[k.Hash]
		if k.Exclusive {
			l.excl--
		} else {
			l.shared--
		}
		if l.excl == 0 && l.shared == 0 {
			delete(lt.locks, k.Hash)
		} else {
			lt.locks[k.Hash] = l
		}
	}
	if e.Global {
		lt.globals--
	}
	wasHead := lt.atHead(e)
	e.done = true
	for lt.head < len(lt.queue) && lt.queue[lt.head].finished() {
		if q := lt.queue[lt.head]; q.e.gen == q.gen {
			q.e.queued = false
		}
		lt.queue[lt.head] = qslot{}
		lt.head++
	}
	if lt.head == len(lt.queue) {
		lt.queue = lt.queue[:0]
		lt.head = 0
		return nil
	}
	if lt.head > 64 && lt.head*2 > len(lt.queue) {
		n := copy(lt.queue, lt.queue[lt.head:])
		clear(lt.queue[n:])
		lt.queue = lt.queue[:n]
		lt.head = 0
	}
	if next := lt.queue[lt.head].e; wasHead && next.blocked {
		return next
	}
	return nil
}

// Len is the number of queued entries (finished ones not yet popped
// included); INFO and /metrics report it as the shard's tx backlog.
func (lt *LockTable) Len() int { return len(lt.queue) - lt.head }
