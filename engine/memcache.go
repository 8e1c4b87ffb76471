package engine

import (
	"encoding/binary"
	"strconv"

	"github.com/darnerdb/darner/proto"
)

// The memcached family: memcached 1.6's text and meta commands on database
// 0 of the shared keyspace.
//
// The ring's memcached loop parses requests with proto.MCParser and turns
// each into per-key parts (a get of three keys is three parts), built with
// an MCRequest and run by MCKeyCommand on the shard owning the key, through
// the same squashing/hop path as RESP commands; replies come back in
// request order and the last part of a get writes END. Keyless requests
// that must stay in order with the rest (mn, version, verbosity, errors)
// are parts too, run on the coordinator. flush_all and stats run on every
// shard: MCShardCommand parts through hops (the ring today), or their Tx
// planners MCFlushAllTx/MCStatsTx (the transaction runtime, engine.Local).
// None of these commands is in the command table (COMMAND does not show
// them).
//
// Flags and CAS live in the key's record (dash_mc.go); a Redis-protocol
// write of a key drops them.

// MCVersion is what version and stats report (memcached's, so that clients
// that check it behave as with memcached 1.6).
const MCVersion = "1.6.18"

// mcRelativeMax is memcached's REALTIME_MAXDELTA: exptimes up to 30 days
// are relative, larger ones unix times.
const mcRelativeMax = 60 * 60 * 24 * 30

// Indexes of MCStats, the per-shard memcached counters.
const (
	MCCmdGet = iota
	MCCmdSet
	MCCmdFlush
	MCCmdTouch
	MCCmdMeta
	MCGetHits
	MCGetMisses
	MCGetExpired
	MCGetFlushed
	MCDeleteMisses
	MCDeleteHits
	MCIncrMisses
	MCIncrHits
	MCDecrMisses
	MCDecrHits
	MCCasMisses
	MCCasHits
	MCCasBadval
	MCTouchHits
	MCTouchMisses
	MCStoreTooLarge
	MCTotalItems
	// Filled in by the shard's stats part from its database 0.
	MCCurrItems
	MCBytes
	MCEvictions
	MCReclaimed
	mcNumStats
)

var mcStatNames = [mcNumStats]string{
	"cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "cmd_meta", "get_hits",
	"get_misses", "get_expired", "get_flushed", "delete_misses",
	"delete_hits", "incr_misses", "incr_hits", "decr_misses", "decr_hits",
	"cas_misses", "cas_hits", "cas_badval", "touch_hits", "touch_misses",
	"store_too_large", "total_items", "curr_items", "bytes", "evictions",
	"reclaimed",
}

// MCStats are one shard's memcached counters, indexed by the MC* stat
// constants. Written by the shard thread only; read through a stats part.
type MCStats [mcNumStats]uint64

// MCShard is a shard's memcached state. It belongs to the shard thread.
type MCShard struct {
	Stats MCStats
	// casSeq numbers the CAS uniques this shard handed out: the CAS of
	// the k-th is (k-1)*NumShards + ID + 1, unique over every shard.
	casSeq uint64
	// flushAt is the deadline (unix ms) of a delayed flush_all; 0: none.
	flushAt int64
	// parser re-parses meta requests on the shard that runs them.
	parser proto.MCParser
	// scratch holds values being built (append, incr).
	scratch []byte
	item    proto.MetaItem
}

func (sh *Shard) mcNextCAS(numShards int) uint64 {
	sh.MC.casSeq++
	if numShards <= 1 {
		return sh.MC.casSeq
	}
	return (sh.MC.casSeq-1)*uint64(numShards) + uint64(sh.ID) + 1
}

// mcTick runs a delayed flush_all whose time has come, so that Redis
// clients see it within a tick even when no memcached request arrives.
func (sh *Shard) mcTick(now int64) {
	if at := sh.MC.flushAt; at != 0 && now >= at {
		sh.MC.flushAt = 0
		sh.DBs[0].Flush()
	}
}

// mcPrelude runs before every memcached part on a shard: a delayed
// flush_all whose time has come empties database 0 first.
func mcPrelude(c *Ctx) *DB {
	db := c.Shard.DBs[0]
	if at := c.Shard.MC.flushAt; at != 0 && c.Now >= at {
		c.Shard.MC.flushAt = 0
		db.Flush()
	}
	return db
}

// mcDeadline converts a memcached exptime to a deadline in unix ms (0:
// none) the way memcached's realtime() does; expired reports an exptime
// already in the past (negative, or an absolute time gone by).
func mcDeadline(exptime, now int64) (at int64, expired bool) {
	switch {
	case exptime == 0:
		return 0, false
	case exptime < 0:
		return 0, true
	case exptime > mcRelativeMax:
		at = exptime * 1000
		return at, at <= now
	}
	return now + exptime*1000, false
}

// mcTTL is the seconds an item has left, as mg t and ma t report them (-1:
// never expires).
func mcTTL(expireAt, now int64) int64 {
	if expireAt == 0 {
		return -1
	}
	return (expireAt - now + 999) / 1000
}

// ---- requests: how the ring describes one part ----

// Header layout of a part (args[0]).
const (
	mcHdrKind   = 0
	mcHdrBits   = 1
	mcHdrFlags  = 2  // uint32
	mcHdrExp    = 6  // int64
	mcHdrCAS    = 14 // uint64
	mcHdrDelta  = 22 // uint64
	mcHdrLen    = 30
	mcBitLast   = 1 // the last part of a get: write END after it
	mcBitNoRep  = 2 // noreply
	mcBitWithCS = 4 // gets/gats
	// mcBitPinned: incr/decr/ma of a key an mg of the same connection
	// read since memcached's last write; memcached then still holds the
	// item for that reply and replaces it instead of updating it in place
	// (no space padding).
	mcBitPinned = 8
)

// Kinds of shard-wide parts (MCShardCommand).
const (
	mcShardFlush = 1
	mcShardStats = 2
	mcShardReset = 3
)

// MCRequest builds the argument vectors of parts. It is scratch owned by
// one shard thread; the vectors it returns alias it and the request's
// buffer, and are valid until its next call (hops copy them).
type MCRequest struct {
	hdr  [mcHdrLen]byte
	argv [3][]byte
}

func (r *MCRequest) header(cmd *proto.MCCommand, bits byte) {
	r.hdr = [mcHdrLen]byte{}
	r.hdr[mcHdrKind] = byte(cmd.Kind)
	if cmd.NoReply {
		bits |= mcBitNoRep
	}
	r.hdr[mcHdrBits] = bits
	binary.LittleEndian.PutUint32(r.hdr[mcHdrFlags:], cmd.Flags)
	binary.LittleEndian.PutUint64(r.hdr[mcHdrExp:], uint64(cmd.Exptime))
	binary.LittleEndian.PutUint64(r.hdr[mcHdrCAS:], cmd.CAS)
	binary.LittleEndian.PutUint64(r.hdr[mcHdrDelta:], cmd.Delta)
}

// Key is the part of a get/gets/gat/gats for its i-th key; last marks the
// request's last key (its part writes END).
func (r *MCRequest) Key(cmd *proto.MCCommand, i int, last bool) [][]byte {
	var bits byte
	if last {
		bits |= mcBitLast
	}
	if cmd.Kind == proto.MCGets || cmd.Kind == proto.MCGats {
		bits |= mcBitWithCS
	}
	r.header(cmd, bits)
	r.argv[0], r.argv[1] = r.hdr[:], cmd.Keys[i]
	return r.argv[:2]
}

// Single is the part of a one-key command (storage, delete, incr/decr,
// touch, and the meta commands). raw is the whole request as received
// (line and data block): meta requests are parsed again on the key's
// shard from it. pinned: see mcBitPinned (incr/decr/ma only).
func (r *MCRequest) Single(cmd *proto.MCCommand, raw []byte, pinned bool) [][]byte {
	var bits byte
	if pinned {
		bits = mcBitPinned
	}
	r.header(cmd, bits)
	r.argv[0], r.argv[1] = r.hdr[:], cmd.Key
	if cmd.Kind.IsMeta() {
		r.argv[2] = raw
	} else {
		r.argv[2] = cmd.Data
	}
	return r.argv[:3]
}

// Reply is a part that writes text as it is (errors, mn, version,
// verbosity, the END of a get without keys), to keep it in order with
// the parts around it.
func (r *MCRequest) Reply(text []byte) [][]byte {
	r.hdr = [mcHdrLen]byte{}
	r.argv[0], r.argv[1] = r.hdr[:], text
	return r.argv[:2]
}

// Flush is shard t's part of flush_all with delay seconds (<= 0: now);
// reply is the request's reply text, written by the part whose last is
// set ("" for noreply).
func (r *MCRequest) Flush(delay int64, last bool, reply string) [][]byte {
	r.hdr = [mcHdrLen]byte{}
	r.hdr[mcHdrKind] = mcShardFlush
	if last {
		r.hdr[mcHdrBits] = mcBitLast
	}
	binary.LittleEndian.PutUint64(r.hdr[mcHdrExp:], uint64(delay))
	r.argv[0], r.argv[1] = r.hdr[:], []byte(reply)
	return r.argv[:2]
}

// Stats is a shard's part of stats: it writes MCStatsBlobLen bytes that
// MCWriteStats sums.
func (r *MCRequest) Stats() [][]byte {
	r.hdr = [mcHdrLen]byte{}
	r.hdr[mcHdrKind] = mcShardStats
	r.argv[0] = r.hdr[:]
	return r.argv[:1]
}

// StatsReset is a shard's part of "stats reset": its counters go back to
// zero; the part whose last is set writes RESET.
func (r *MCRequest) StatsReset(last bool) [][]byte {
	r.hdr = [mcHdrLen]byte{}
	r.hdr[mcHdrKind] = mcShardReset
	if last {
		r.hdr[mcHdrBits] = mcBitLast
	}
	r.argv[0] = r.hdr[:]
	return r.argv[:1]
}

// MCKeyCommand runs one part on the shard that owns its key (or on the
// coordinator for Reply parts). Not in the command table.
var MCKeyCommand = &Command{Name: "memcache", Arity: -2, Flags: FlagFast, Run: mcRun}

// MCShardCommand runs one shard's part of flush_all or stats. Not in the
// command table.
var MCShardCommand = &Command{Name: "memcache-shard", Arity: -1, Flags: FlagFast, Run: mcRunShard}

// MCStatsBlobLen is the size of one shard's stats part reply.
const MCStatsBlobLen = mcNumStats * 8

func mcRun(c *Ctx, args [][]byte) {
	hdr := args[0]
	kind := proto.MCKind(hdr[mcHdrKind])
	if kind == proto.MCInvalid {
		c.W.Buf = append(c.W.Buf, args[1]...)
		return
	}
	db := mcPrelude(c)
	bits := hdr[mcHdrBits]
	flags := binary.LittleEndian.Uint32(hdr[mcHdrFlags:])
	exptime := int64(binary.LittleEndian.Uint64(hdr[mcHdrExp:]))
	cas := binary.LittleEndian.Uint64(hdr[mcHdrCAS:])
	delta := binary.LittleEndian.Uint64(hdr[mcHdrDelta:])
	key := args[1]
	st := &c.Shard.MC.Stats
	w := c.W
	noreply := bits&mcBitNoRep != 0
	reply := func(s string) {
		if !noreply {
			w.Buf = append(w.Buf, s...)
		}
	}
	switch kind {
	case proto.MCGet, proto.MCGets, proto.MCGat, proto.MCGats:
		mcGet(c, db, kind, key, bits&mcBitWithCS != 0, exptime)
		if bits&mcBitLast != 0 {
			w.Buf = append(w.Buf, proto.MCEnd...)
		}
	case proto.MCSet, proto.MCAdd, proto.MCReplace, proto.MCAppend, proto.MCPrepend, proto.MCCas:
		st[MCCmdSet]++
		reply(mcStoreCmd(c, db, kind, key, args[2], flags, exptime, cas))
		c.Shard.noteWrite(0, key)
	case proto.MCDelete:
		if _, ok := db.mcFind(key, c.Now); ok {
			db.Delete(key, c.Now)
			c.Shard.NoteMemoryDB(0)
			st[MCDeleteHits]++
			reply(proto.MCDeleted)
		} else {
			st[MCDeleteMisses]++
			reply(proto.MCNotFound)
		}
	case proto.MCTouch:
		st[MCCmdTouch]++
		it, ok := db.mcFind(key, c.Now)
		if !ok {
			st[MCTouchMisses]++
			reply(proto.MCNotFound)
			return
		}
		st[MCTouchHits]++
		db.mcMarkFetched(&it) // memcached's touch counts as a fetch
		mcTouch(db, &it, exptime, c.Now)
		reply(proto.MCTouched)
	case proto.MCIncr, proto.MCDecr:
		incr := kind == proto.MCIncr
		it, ok := db.mcFind(key, c.Now)
		if !ok {
			if incr {
				st[MCIncrMisses]++
			} else {
				st[MCDecrMisses]++
			}
			reply(proto.MCNotFound)
			return
		}
		v, ok := uint64(0), false
		if it.Val.Type == TypeString {
			v, ok = mcArith(c, db, &it, key, incr, delta, bits&mcBitPinned != 0)
		}
		if !ok {
			reply("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n")
			return
		}
		if !noreply {
			w.Buf = proto.AppendMCUint(w.Buf, v)
		}
	case proto.MCMetaGet, proto.MCMetaSet, proto.MCMetaDelete, proto.MCMetaArith, proto.MCMetaDebug:
		p := &c.Shard.MC.parser
		p.MaxItemSize = 1 << 30 // checked by the coordinator's parser already
		_, cmd, err := p.Parse(args[2])
		if err != nil || cmd == nil {
			w.Buf = append(w.Buf, "SERVER_ERROR internal\r\n"...)
			return
		}
		st[MCCmdMeta]++
		switch kind {
		case proto.MCMetaGet:
			mcMetaGet(c, db, cmd)
		case proto.MCMetaSet:
			mcMetaSet(c, db, cmd)
		case proto.MCMetaDelete:
			mcMetaDelete(c, db, cmd)
		case proto.MCMetaArith:
			mcMetaArith(c, db, cmd, bits&mcBitPinned != 0)
		case proto.MCMetaDebug:
			mcMetaDebug(c, db, cmd)
		}
		c.Shard.noteWrite(0, cmd.Key)
	}
}

// mcGet writes one get/gets/gat/gats hit (nothing for a miss).
func mcGet(c *Ctx, db *DB, kind proto.MCKind, key []byte, withCAS bool, exptime int64) {
	st := &c.Shard.MC.Stats
	touch := kind == proto.MCGat || kind == proto.MCGats
	st[MCCmdGet]++
	if touch {
		st[MCCmdTouch]++
	}
	it, ok := db.mcFind(key, c.Now)
	if !ok || it.Val.Type != TypeString {
		if touch {
			st[MCTouchMisses]++
		} else {
			st[MCGetMisses]++
		}
		return
	}
	if touch {
		st[MCTouchHits]++
	} else {
		st[MCGetHits]++
	}
	if withCAS && it.CAS == 0 {
		db.mcSetMeta(&it, it.Flags, c.Shard.mcNextCAS(c.Server.NumShards), it.State)
	}
	db.mcMarkFetched(&it)
	mcWriteValue(c.W, key, &it, withCAS)
	if touch {
		mcTouch(db, &it, exptime, c.Now)
	}
}

func mcWriteValue(w *proto.Writer, key []byte, it *mcItem, withCAS bool) {
	v := it.Val
	if v.Enc == EncInt {
		var nb [20]byte
		num := strconv.AppendInt(nb[:0], v.Int, 10)
		w.Buf = proto.AppendMCValueHeader(w.Buf, key, it.Flags, len(num), it.CAS, withCAS)
		w.Buf = append(w.Buf, num...)
	} else {
		w.Buf = proto.AppendMCValueHeader(w.Buf, key, it.Flags, len(v.Bytes), it.CAS, withCAS)
		w.Buf = append(w.Buf, v.Bytes...)
	}
	w.Buf = append(w.Buf, '\r', '\n')
}

// mcTouch gives the item a new exptime (memcached's item_touch).
func mcTouch(db *DB, it *mcItem, exptime, now int64) {
	at, expired := mcDeadline(exptime, now)
	if expired {
		db.mcRemove(it)
		return
	}
	db.mcSetDeadline(it, at, now)
}

// mcValue appends the item's string value to dst.
func mcValue(dst []byte, it *mcItem) []byte { return it.Val.AppendString(dst) }

// mcStoreCmd runs set/add/replace/append/prepend/cas and returns the
// reply line.
func mcStoreCmd(c *Ctx, db *DB, kind proto.MCKind, key, data []byte, flags uint32, exptime int64, cas uint64) string {
	st := &c.Shard.MC.Stats
	it, found := db.mcFind(key, c.Now)
	if !c.Shard.admitWrite(c.Now) {
		// memcached fails the item's allocation before looking at the
		// key, and a failed set unlinks the old value (no stale data).
		if found && kind == proto.MCSet {
			db.mcRemove(&it)
		}
		return MCErrOOM
	}
	switch kind {
	case proto.MCAdd:
		if found {
			return proto.MCNotStored
		}
	case proto.MCReplace:
		if !found {
			return proto.MCNotStored
		}
	case proto.MCAppend, proto.MCPrepend:
		if !found || it.Val.Type != TypeString {
			return proto.MCNotStored
		}
		buf := c.Shard.MC.scratch[:0]
		if kind == proto.MCPrepend {
			buf = append(buf, data...)
			buf = mcValue(buf, &it)
		} else {
			buf = mcValue(buf, &it)
			buf = append(buf, data...)
		}
		c.Shard.MC.scratch = buf
		db.mcStore(key, buf, it.Flags, c.Shard.mcNextCAS(c.Server.NumShards), it.ExpireAt, c.Now, &it)
		st[MCTotalItems]++
		return proto.MCStored
	case proto.MCCas:
		switch {
		case !found:
			st[MCCasMisses]++
			return proto.MCNotFound
		case it.CAS == 0 || it.CAS != cas:
			st[MCCasBadval]++
			return proto.MCExists
		}
		st[MCCasHits]++
	}
	at, expired := mcDeadline(exptime, c.Now)
	if expired {
		if found {
			db.mcRemove(&it)
		}
		return proto.MCStored
	}
	db.mcStore(key, data, flags, c.Shard.mcNextCAS(c.Server.NumShards), at, c.Now, &it)
	st[MCTotalItems]++
	return proto.MCStored
}

// mcArith applies incr/decr to a found string item as memcached's
// do_add_delta: the value must read as an unsigned 64-bit decimal; incr
// wraps at 2^64, decr stops at 0; a result no longer than the old value is
// written over it padded with spaces (memcached's in-place update), a
// longer one replaces it (so does any result when pinned). Flags and
// deadline stay; the CAS is new.
func mcArith(c *Ctx, db *DB, it *mcItem, key []byte, incr bool, delta uint64, pinned bool) (uint64, bool) {
	st := &c.Shard.MC.Stats
	var nb [24]byte
	old := mcValue(nb[:0], it)
	if it.Val.Enc != EncInt {
		old = it.Val.Bytes
	}
	if len(old) == 0 {
		return 0, false
	}
	v, ok := proto.MCParseUint(old)
	if !ok {
		return 0, false
	}
	if incr {
		v += delta
		st[MCIncrHits]++
	} else {
		if delta > v {
			v = 0
		} else {
			v -= delta
		}
		st[MCDecrHits]++
	}
	buf := strconv.AppendUint(c.Shard.MC.scratch[:0], v, 10)
	inPlace := !pinned && len(buf) <= len(old)
	for inPlace && len(buf) < len(old) {
		buf = append(buf, ' ')
	}
	c.Shard.MC.scratch = buf
	fetched, state := it.Fetched, it.State
	db.mcStore(key, buf, it.Flags, c.Shard.mcNextCAS(c.Server.NumShards), it.ExpireAt, c.Now, it)
	if inPlace && (fetched || state != 0) {
		// memcached updated the same item: it keeps its fetched bit and
		// its win-token/stale state.
		if nit, ok := db.mcFind(key, c.Now); ok {
			if fetched {
				db.mcMarkFetched(&nit)
			}
			if state != 0 {
				db.mcSetMeta(&nit, nit.Flags, nit.CAS, state)
			}
		}
	}
	return v, true
}

// ---- meta commands ----

// mcMetaItem fills the reply's item description.
func (c *Ctx) mcMetaItem(it *mcItem) *proto.MetaItem {
	mi := &c.Shard.MC.item
	*mi = proto.MetaItem{
		Size:        it.Val.StringLen(),
		ClientFlags: it.Flags,
		CAS:         it.CAS,
		TTL:         mcTTL(it.ExpireAt, c.Now),
		Fetched:     it.Fetched,
		Stale:       it.State&mcStateStale != 0,
	}
	return mi
}

// mcEnsureCAS gives an item written over RESP a CAS unique.
func mcEnsureCAS(c *Ctx, db *DB, it *mcItem) {
	if it.CAS == 0 {
		db.mcSetMeta(it, it.Flags, c.Shard.mcNextCAS(c.Server.NumShards), it.State)
	}
}

func mcMetaStatus(w *proto.Writer, cmd *proto.MCCommand, code string, it *proto.MetaItem) {
	if cmd.MetaQuiet(code) {
		return
	}
	w.Buf = proto.AppendMetaStatus(w.Buf, code)
	w.Buf = cmd.AppendMetaFlags(w.Buf, it)
	w.Buf = proto.AppendMetaEnd(w.Buf)
}

// mcMetaGet runs mg.
func mcMetaGet(c *Ctx, db *DB, cmd *proto.MCCommand) {
	st := &c.Shard.MC.Stats
	m := &cmd.Meta
	w := c.W
	st[MCCmdGet]++
	it, ok := db.mcFind(cmd.Key, c.Now)
	if ok && it.Val.Type != TypeString {
		// A Redis collection: a miss, never vivified over.
		st[MCGetMisses]++
		mcMetaStatus(w, cmd, proto.MetaEN, nil)
		return
	}
	won := false
	if !ok {
		if !m.Has('N') {
			st[MCGetMisses]++
			mcMetaStatus(w, cmd, proto.MetaEN, nil)
			return
		}
		// Vivify: an empty item whose win token this request takes.
		st[MCGetMisses]++
		at, expired := mcDeadline(m.VivifyTTL, c.Now)
		if expired {
			at = c.Now + 1
		}
		db.mcStore(cmd.Key, nil, 0, c.Shard.mcNextCAS(c.Server.NumShards), at, c.Now, nil)
		st[MCTotalItems]++
		it, _ = db.mcFind(cmd.Key, c.Now)
		db.mcSetMeta(&it, 0, it.CAS, mcStateWon)
		won = true
	} else {
		st[MCGetHits]++
	}
	// memcached applies N and T while it writes the return flags, so a t
	// flag before them reports the TTL from before.
	ttlBefore := mcTTL(it.ExpireAt, c.Now)
	if won {
		ttlBefore = -1
	}
	dropAfter := false // T with an exptime in the past: answer, then delete
	if m.Has('T') {
		st[MCCmdTouch]++
		st[MCTouchHits]++
		if at, expired := mcDeadline(m.TTL, c.Now); expired {
			dropAfter = true
			it.ExpireAt = c.Now
		} else {
			db.mcSetDeadline(&it, at, c.Now)
		}
	}
	if m.Has('c') {
		mcEnsureCAS(c, db, &it)
	}
	mi := c.mcMetaItem(&it)
	if ti := metaIndex(m, 't'); ti >= 0 {
		if (won && ti < metaIndex(m, 'N')) || (m.Has('T') && ti < metaIndex(m, 'T')) {
			mi.TTL = ttlBefore
		}
	}
	if !won {
		// Win tokens: a stale item, or one whose TTL fell under R, hands
		// its token to the first reader; later readers see Z.
		switch {
		case it.State&mcStateWon != 0:
			mi.TokenSent = true
		case it.State&mcStateStale != 0 || (m.Has('R') && it.ExpireAt != 0 && mcTTL(it.ExpireAt, c.Now) < m.RecacheTTL):
			won = true
			db.mcSetMeta(&it, it.Flags, it.CAS, it.State|mcStateWon)
		}
	}
	mi.Won = won
	db.mcMarkFetched(&it)
	cmd.Meta.Base64 = false // memcached 1.6.18's mg echoes k decoded
	if m.Has('v') {
		w.Buf = proto.AppendMetaValue(w.Buf, mi.Size)
	} else {
		w.Buf = proto.AppendMetaStatus(w.Buf, proto.MetaHD)
	}
	w.Buf = cmd.AppendMetaFlags(w.Buf, mi)
	w.Buf = proto.AppendMetaEnd(w.Buf)
	if m.Has('v') {
		w.Buf = mcValue(w.Buf, &it)
		w.Buf = append(w.Buf, '\r', '\n')
	}
	if dropAfter {
		db.mcRemove(&it)
	}
}

// metaIndex is the position of flag f in the request (-1: absent).
func metaIndex(m *proto.MetaFlags, f byte) int {
	for i, x := range m.List {
		if x.Flag == f {
			return i
		}
	}
	return -1
}

// mcMetaSet runs ms.
func mcMetaSet(c *Ctx, db *DB, cmd *proto.MCCommand) {
	st := &c.Shard.MC.Stats
	m := &cmd.Meta
	w := c.W
	st[MCCmdSet]++
	it, found := db.mcFind(cmd.Key, c.Now)
	if !c.Shard.admitWrite(c.Now) {
		if found { // memcached unlinks the old item whatever the mode
			db.mcRemove(&it)
		}
		w.Buf = append(w.Buf, MCErrOOM...)
		return
	}
	mode := m.Mode
	if mode == 0 {
		mode = 'S'
	}
	flags := m.ClientFlags
	exptime := m.TTL
	data := cmd.Data
	stale := false
	var noItem proto.MetaItem // failures still echo c, as c0
	switch mode {
	case 'E': // add
		if found {
			mcMetaStatus(w, cmd, proto.MetaNS, &noItem)
			return
		}
	case 'R': // replace
		if !found {
			mcMetaStatus(w, cmd, proto.MetaNS, &noItem)
			return
		}
	case 'A', 'P':
		if !found || it.Val.Type != TypeString {
			mcMetaStatus(w, cmd, proto.MetaNS, &noItem) // 1.6.18 does not vivify here
			return
		}
		buf := c.Shard.MC.scratch[:0]
		if mode == 'P' {
			buf = append(buf, data...)
			buf = mcValue(buf, &it)
		} else {
			buf = mcValue(buf, &it)
			buf = append(buf, data...)
		}
		c.Shard.MC.scratch = buf
		data = buf
		flags = it.Flags
	}
	if m.Has('C') {
		switch {
		case !found:
			st[MCCasMisses]++
			mcMetaStatus(w, cmd, proto.MetaNF, &noItem)
			return
		case it.CAS != 0 && m.Has('I') && m.CompareCAS < it.CAS:
			stale = true
		case it.CAS == 0 || it.CAS != m.CompareCAS:
			st[MCCasBadval]++
			mcMetaStatus(w, cmd, proto.MetaEX, &noItem)
			return
		}
		st[MCCasHits]++
	}
	cas := m.NewCAS
	if !m.Has('E') {
		cas = c.Shard.mcNextCAS(c.Server.NumShards)
	}
	var at int64
	expired := false
	if (mode == 'A' || mode == 'P') && found {
		at = it.ExpireAt
	} else {
		at, expired = mcDeadline(exptime, c.Now)
	}
	if expired {
		if found {
			db.mcRemove(&it)
		}
	} else {
		db.mcStore(cmd.Key, data, flags, cas, at, c.Now, nil)
		st[MCTotalItems]++
		if stale {
			if nit, ok := db.mcFind(cmd.Key, c.Now); ok {
				db.mcSetMeta(&nit, flags, cas, mcStateStale)
			}
		}
	}
	mi := &c.Shard.MC.item
	*mi = proto.MetaItem{CAS: cas}
	mcMetaStatus(w, cmd, proto.MetaHD, mi)
}

// mcMetaDelete runs md.
func mcMetaDelete(c *Ctx, db *DB, cmd *proto.MCCommand) {
	st := &c.Shard.MC.Stats
	m := &cmd.Meta
	w := c.W
	it, found := db.mcFind(cmd.Key, c.Now)
	if !found {
		st[MCDeleteMisses]++
		mcMetaStatus(w, cmd, proto.MetaNF, nil)
		return
	}
	if m.Has('C') && (it.CAS == 0 || it.CAS != m.CompareCAS) {
		mcMetaStatus(w, cmd, proto.MetaEX, nil)
		return
	}
	st[MCDeleteHits]++
	switch {
	case m.Has('I') || m.Has('x'):
		// Invalidate (I: mark stale, new CAS, token free again) or drop
		// the value but keep the item (x).
		cas := m.NewCAS
		if !m.Has('E') {
			cas = c.Shard.mcNextCAS(c.Server.NumShards)
		}
		flags, state := it.Flags, uint8(mcStateStale)
		if m.Has('x') {
			flags, state = 0, it.State
			db.mcStore(cmd.Key, nil, 0, cas, it.ExpireAt, c.Now, nil)
			st[MCTotalItems]++
			if m.Has('I') {
				state = mcStateStale
			}
			it, _ = db.mcFind(cmd.Key, c.Now)
		}
		db.mcSetMeta(&it, flags, cas, state&^mcStateWon)
		if m.Has('I') && m.Has('T') {
			mcTouch(db, &it, m.TTL, c.Now)
		}
	default:
		db.mcRemove(&it)
	}
	mcMetaStatus(w, cmd, proto.MetaHD, nil)
}

// mcMetaArith runs ma.
func mcMetaArith(c *Ctx, db *DB, cmd *proto.MCCommand, pinned bool) {
	st := &c.Shard.MC.Stats
	m := &cmd.Meta
	w := c.W
	incr := m.Mode != 'D' && m.Mode != '-'
	it, found := db.mcFind(cmd.Key, c.Now)
	if found && it.Val.Type != TypeString {
		w.Buf = append(w.Buf, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"...)
		return
	}
	created := false
	var v uint64
	switch {
	case !found && !m.Has('N'):
		if incr {
			st[MCIncrMisses]++
		} else {
			st[MCDecrMisses]++
		}
		mcMetaStatus(w, cmd, proto.MetaNF, nil)
		return
	case !found:
		at, expired := mcDeadline(m.VivifyTTL, c.Now)
		if expired {
			at = c.Now + 1
		}
		v = m.Initial
		buf := strconv.AppendUint(c.Shard.MC.scratch[:0], v, 10)
		c.Shard.MC.scratch = buf
		db.mcStore(cmd.Key, buf, 0, c.Shard.mcNextCAS(c.Server.NumShards), at, c.Now, nil)
		st[MCTotalItems]++
		created = true
	default:
		if m.Has('C') && (it.CAS == 0 || it.CAS != m.CompareCAS) {
			mcMetaStatus(w, cmd, proto.MetaEX, nil)
			return
		}
		var ok bool
		if v, ok = mcArith(c, db, &it, cmd.Key, incr, m.Delta, pinned); !ok {
			w.Buf = append(w.Buf, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"...)
			return
		}
	}
	it, _ = db.mcFind(cmd.Key, c.Now)
	if m.Has('E') {
		db.mcSetMeta(&it, it.Flags, m.NewCAS, it.State)
	}
	if m.Has('T') && !created {
		mcTouch(db, &it, m.TTL, c.Now)
	}
	mi := c.mcMetaItem(&it)
	code := proto.MetaHD
	if m.Has('v') {
		code = proto.MetaVA
	}
	if !created && cmd.MetaQuiet(code) {
		return
	}
	var nb [20]byte
	num := strconv.AppendUint(nb[:0], v, 10)
	if m.Has('v') {
		w.Buf = proto.AppendMetaValue(w.Buf, len(num))
	} else {
		w.Buf = proto.AppendMetaStatus(w.Buf, proto.MetaHD)
	}
	w.Buf = cmd.AppendMetaFlags(w.Buf, mi)
	w.Buf = proto.AppendMetaEnd(w.Buf)
	if m.Has('v') {
		w.Buf = proto.AppendMetaData(w.Buf, num)
	}
}

// mcMetaDebug runs me.
func mcMetaDebug(c *Ctx, db *DB, cmd *proto.MCCommand) {
	w := c.W
	it, found := db.mcFind(cmd.Key, c.Now)
	if !found || it.Val.Type != TypeString {
		w.Buf = append(w.Buf, "EN\r\n"...)
		return
	}
	mcEnsureCAS(c, db, &it)
	size := it.Val.StringLen()
	w.Buf = proto.AppendMetaDebug(w.Buf, cmd.Key, cmd.Meta.Base64, mcTTL(it.ExpireAt, c.Now), 0, it.CAS,
		it.Fetched, 1, uint64(proto.MCItemSize(len(cmd.Key), size, it.Flags)))
}

// ---- shard-wide parts: flush_all, stats ----

func mcRunShard(c *Ctx, args [][]byte) {
	hdr := args[0]
	switch hdr[mcHdrKind] {
	case mcShardFlush:
		mcFlushShard(c, int64(binary.LittleEndian.Uint64(hdr[mcHdrExp:])))
		if hdr[mcHdrBits]&mcBitLast != 0 {
			c.W.Buf = append(c.W.Buf, args[1]...)
		}
	case mcShardReset:
		total := c.Shard.MC.Stats[MCTotalItems]
		c.Shard.MC.Stats = MCStats{}
		c.Shard.MC.Stats[MCTotalItems] = total // memcached keeps it too
		if hdr[mcHdrBits]&mcBitLast != 0 {
			c.W.Buf = append(c.W.Buf, proto.MCReset...)
		}
	case mcShardStats:
		var blob [MCStatsBlobLen]byte
		s := mcShardStatsOf(c)
		for i, v := range s {
			binary.LittleEndian.PutUint64(blob[i*8:], v)
		}
		c.W.Buf = append(c.W.Buf, blob[:]...)
	}
}

// mcFlushShard is one shard's half of flush_all: database 0 is emptied now
// (delay <= 0) or when the delay has passed.
func mcFlushShard(c *Ctx, delay int64) {
	sh := c.Shard
	sh.MC.Stats[MCCmdFlush]++
	if delay > 0 {
		at, _ := mcDeadline(delay, c.Now)
		sh.MC.flushAt = at
		return
	}
	sh.MC.flushAt = 0
	sh.DBs[0].Flush()
}

// mcShardStatsOf is one shard's counters with its database 0's figures.
func mcShardStatsOf(c *Ctx) MCStats {
	db := mcPrelude(c)
	s := c.Shard.MC.Stats
	s[MCCurrItems] = uint64(db.Len())
	s[MCBytes] = uint64(db.DataBytes())
	s[MCEvictions] = uint64(db.Stats.Evicted)
	s[MCReclaimed] = uint64(db.Stats.Expired)
	return s
}

// MCServerInfo is what the coordinator adds to the shards' counters in a
// stats reply.
type MCServerInfo struct {
	Pid              int
	UptimeSec        int64
	NowSec           int64
	CurrConnections  int64
	TotalConnections int64
	Threads          int
	MaxConnections   int
	LimitMaxBytes    int64
	MaxItemSize      int
	TCPPort          int
	RusageUser       float64
	RusageSystem     float64
}

// MCSumStats adds the shard stats parts in blobs (MCStatsBlobLen bytes
// each, back to back).
func MCSumStats(blobs []byte) MCStats {
	var sum MCStats
	for len(blobs) >= MCStatsBlobLen {
		for i := range sum {
			sum[i] += binary.LittleEndian.Uint64(blobs[i*8:])
		}
		blobs = blobs[MCStatsBlobLen:]
	}
	return sum
}

// MCWriteStats appends the reply of "stats <args>" (END included) from the
// summed counters: the general stats, "settings", "items" or "slabs".
// Unknown groups get memcached's reply to them.
func MCWriteStats(dst []byte, args [][]byte, s MCStats, si MCServerInfo) []byte {
	stat := func(name string, v int64) { dst = proto.AppendMCStatInt(dst, name, v) }
	str := func(name, v string) { dst = proto.AppendMCStat(dst, name, v) }
	group := ""
	if len(args) > 0 {
		group = string(args[0])
	}
	switch group {
	case "":
		stat("pid", int64(si.Pid))
		stat("uptime", si.UptimeSec)
		stat("time", si.NowSec)
		str("version", MCVersion)
		str("libevent", "darner")
		stat("pointer_size", 64)
		str("rusage_user", strconv.FormatFloat(si.RusageUser, 'f', 6, 64))
		str("rusage_system", strconv.FormatFloat(si.RusageSystem, 'f', 6, 64))
		stat("max_connections", int64(si.MaxConnections))
		stat("curr_connections", si.CurrConnections)
		stat("total_connections", si.TotalConnections)
		stat("rejected_connections", 0)
		stat("connection_structures", si.CurrConnections)
		for i := MCCmdGet; i <= MCStoreTooLarge; i++ {
			stat(mcStatNames[i], int64(s[i]))
		}
		stat("limit_maxbytes", si.LimitMaxBytes)
		stat("accepting_conns", 1)
		stat("threads", int64(si.Threads))
		stat("bytes", int64(s[MCBytes]))
		stat("curr_items", int64(s[MCCurrItems]))
		stat("total_items", int64(s[MCTotalItems]))
		stat("expired_unfetched", 0)
		stat("evicted_unfetched", 0)
		stat("evictions", int64(s[MCEvictions]))
		stat("reclaimed", int64(s[MCReclaimed]))
	case "settings":
		stat("maxbytes", si.LimitMaxBytes)
		stat("maxconns", int64(si.MaxConnections))
		stat("tcpport", int64(si.TCPPort))
		stat("udpport", 0)
		stat("verbosity", 0)
		stat("oldest", 0)
		str("evictions", "on")
		str("cas_enabled", "yes")
		stat("num_threads", int64(si.Threads))
		stat("item_size_max", int64(si.MaxItemSize))
		str("flush_enabled", "yes")
		str("binding_protocol", "ascii")
	case "items":
		if s[MCCurrItems] > 0 {
			stat("items:1:number", int64(s[MCCurrItems]))
			stat("items:1:age", 0)
			stat("items:1:evicted", int64(s[MCEvictions]))
			stat("items:1:reclaimed", int64(s[MCReclaimed]))
			stat("items:1:mem_requested", int64(s[MCBytes]))
		}
	case "slabs":
		if s[MCCurrItems] > 0 {
			stat("1:chunk_size", 96)
			stat("1:used_chunks", int64(s[MCCurrItems]))
			stat("1:mem_requested", int64(s[MCBytes]))
		}
		stat("active_slabs", min(int64(s[MCCurrItems]), 1))
		stat("total_malloced", int64(s[MCBytes]))
	case "sizes", "conns", "extstore", "detail":
		// memcached has these; darner reports none of their figures.
	case "reset": // the ring resets through StatsReset parts
		return append(dst, proto.MCReset...)
	default:
		return append(dst, proto.MCErrorLine...)
	}
	return append(dst, proto.MCEnd...)
}

// MCFlushAllTx plans flush_all [delay] as a tx over every shard (for the
// transaction runtime and engine.Local); the reply is memcached's OK.
func MCFlushAllTx(t *Tx, delay int64, noreply bool) {
	t.SetGlobal()
	t.Each(func(c *Ctx) { mcFlushShard(c, delay) })
	t.Reply(func(w *proto.Writer) {
		if !noreply {
			w.Buf = append(w.Buf, proto.MCOK...)
		}
	})
}

// MCStatsTx plans stats as a tx reading every shard's counters.
func MCStatsTx(t *Tx, args [][]byte, si MCServerInfo) {
	t.AllShards()
	per := make([]MCStats, t.NumShards())
	t.Each(func(c *Ctx) { per[c.Shard.ID] = mcShardStatsOf(c) })
	t.Reply(func(w *proto.Writer) {
		var sum MCStats
		for _, s := range per {
			for i := range sum {
				sum[i] += s[i]
			}
		}
		w.Buf = MCWriteStats(w.Buf, args, sum, si)
	})
}
