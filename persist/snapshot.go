package persist

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
)

// The snapshot driver.
//
// A save is a job: every shard serialises its own databases into RDB
// records (Encoder), in chunks of about chunkBytes per database, and hands
// the chunks to the job's writer goroutine, which alone touches the file:
// <dir>/temp-<pid>-<n>.rdb, then fsync, rename to <dir>/<dbfilename> and
// fsync of the directory, so a crash leaves either the old file or the new
// one, never a torn one. The writer emits SELECTDB (and, the first time a
// database appears, RESIZEDB with the key counts at the snapshot point)
// whenever the database changes between chunks: RDB allows a database's
// keys to come in several runs, and Redis loads such files.
//
// SAVE runs the serialisation inside its global tx (every shard at once,
// in parallel), then waits for the writer on one shard: like Redis's SAVE
// it blocks the server for the duration.
//
// BGSAVE is forkless: its global tx only starts a point-in-time snapshot
// on every database of every shard (engine's DB.StartSnapshot) and replies.
// From then on each shard walks its buckets in bounded slices from its
// event loop (Shard.Background, bucketsPerStep buckets a slice), and a
// bucket about to change before the walk reached it is serialised first by
// the DB's pre-change hook; so the file holds exactly the dataset at the
// BGSAVE point. Large collections changed in place (EncObject values) are
// covered too: the DB saves an object's bucket at the first lookup that
// hands the object out (engine persist_cmds.go snapTouchObject). Shard
// threads never do disk I/O: they pass chunks to the writer through a
// mutex-guarded queue and a wake channel (never blocking).

const (
	chunkBytes = 256 << 10

	// maxQueued is how much serialised data may wait for the writer
	// before the background walk pauses (hook-driven saves still queue).
	maxQueued = 64 << 20
)

// bucketsPerStep is how many buckets one background slice visits (a
// variable for tests).
var bucketsPerStep = 32

// Config is where snapshots go. Zero fields read the server's CONFIG (dir,
// dbfilename) at the time of the save.
type Config struct {
	Dir, DBFilename string
}

// Logger receives the driver's messages (default slog.Default()).
var Logger = slog.Default()

var seq atomic.Int64

type chunk struct {
	db   int
	data []byte
}

// job is one save in progress.
type job struct {
	srv        *engine.Server
	path, tmp  string
	start      time.Time
	background bool

	mu     sync.Mutex
	queue  []chunk
	queued int64
	left   int // shards not finished
	failed error

	wake chan struct{}
	done chan error
	// aborted is set when the file cannot be written: the shards stop
	// their walks and drop their chunks instead of queueing them forever.
	aborted atomic.Bool

	keys, expires []int64 // per db, at the snapshot point (RESIZEDB)
	nowMs         int64   // the snapshot point (unix ms): keys expired by then are left out
	writes        []uint64
}

func newJob(srv *engine.Server, nshards int, background bool) *job {
	cfg := srv.Config()
	dir, name := cfg.Dir(), cfg.DBFilename()
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if name == "" {
		name = "dump.rdb"
	}
	j := &job{
		srv: srv, background: background, start: time.Now(), left: nshards,
		path: filepath.Join(dir, name),
		tmp:  filepath.Join(dir, fmt.Sprintf("temp-%d-%d.rdb", os.Getpid(), seq.Add(1))),
		wake: make(chan struct{}, 1), done: make(chan error, 1),
		keys: make([]int64, srv.NumDBs), expires: make([]int64, srv.NumDBs),
		writes: make([]uint64, nshards),
	}
	return j
}

// push queues a chunk for the writer. Any goroutine; never blocks.
func (j *job) push(c chunk) {
	if j.aborted.Load() {
		return
	}
	j.mu.Lock()
	j.queue = append(j.queue, c)
	j.queued += int64(len(c.data))
	j.mu.Unlock()
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// shardDone records that a shard has queued all its chunks.
func (j *job) shardDone() {
	j.mu.Lock()
	j.left--
	j.mu.Unlock()
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

func (j *job) backlog() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.queued
}

// write is the writer goroutine: it writes the header, the chunks as they
// come, EOF and checksum, then makes the file durable and renames it.
func (j *job) write(usedMem int64) {
	err := j.writeFile(usedMem)
	if err != nil {
		j.aborted.Store(true)
		_ = os.Remove(j.tmp)
		j.mu.Lock()
		j.failed = err
		j.mu.Unlock()
	}
	j.finish(err)
	j.done <- err
}

func (j *job) writeFile(usedMem int64) error {
	f, err := os.OpenFile(j.tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("failed opening the temp RDB file %s: %w", j.tmp, err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	var crc uint64
	var werr error
	out := func(b []byte) {
		if werr == nil {
			crc = CRC64(crc, b)
			_, werr = bw.Write(b)
		}
	}
	var e Encoder
	e.Header(j.start.Unix(), usedMem)
	out(e.Buf)
	cur := -1
	seen := make([]bool, len(j.keys))
	for {
		<-j.wake
		j.mu.Lock()
		q := j.queue
		j.queue = nil
		j.queued = 0
		left := j.left
		j.mu.Unlock()
		for _, c := range q {
			if c.db != cur {
				e.Buf = e.Buf[:0]
				e.SelectDB(c.db)
				if !seen[c.db] {
					seen[c.db] = true
					e.ResizeDB(j.keys[c.db], j.expires[c.db])
				}
				out(e.Buf)
				cur = c.db
			}
			out(c.data)
			putChunk(c.data)
		}
		if werr != nil {
			j.aborted.Store(true)
			// Keep draining so the shards' pushes never pile up, but
			// fail the save.
			if left == 0 {
				return werr
			}
			continue
		}
		if left == 0 {
			// Everything queued before the last shardDone was taken
			// above (push happens before shardDone on each shard).
			j.mu.Lock()
			rest := j.queue
			j.queue = nil
			j.mu.Unlock()
			for _, c := range rest {
				if c.db != cur {
					e.Buf = e.Buf[:0]
					e.SelectDB(c.db)
					if !seen[c.db] {
						seen[c.db] = true
						e.ResizeDB(j.keys[c.db], j.expires[c.db])
					}
					out(e.Buf)
					cur = c.db
				}
				out(c.data)
			}
			break
		}
	}
	e.Buf = e.Buf[:0]
	e.EOF(crc)
	if werr == nil {
		_, werr = bw.Write(e.Buf)
	}
	if werr == nil {
		werr = bw.Flush()
	}
	if werr == nil {
		werr = f.Sync()
	}
	if werr != nil {
		return fmt.Errorf("write error saving DB on disk: %w", werr)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(j.tmp, j.path); err != nil {
		return fmt.Errorf("error moving temp DB file %s on the final destination %s: %w", j.tmp, j.path, err)
	}
	if d, err := os.Open(filepath.Dir(j.path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// finish updates the server's status after the save.
func (j *job) finish(err error) {
	p := j.srv.Persist()
	secs := int64(time.Since(j.start).Round(time.Second) / time.Second)
	if err != nil {
		Logger.Error("snapshot failed", "file", j.path, "err", err)
		if j.background {
			p.LastBGSaveOK.Store(false)
		}
	} else {
		var w uint64
		for _, n := range j.writes {
			w += n
		}
		p.WritesAtSave.Store(w)
		p.LastSave.Store(time.Now().Unix())
		p.Saves.Add(1)
		if j.background {
			p.LastBGSaveOK.Store(true)
		}
		Logger.Info("DB saved on disk", "file", j.path, "background", j.background, "ms", time.Since(j.start).Milliseconds())
	}
	if j.background {
		p.LastBGSaveSecs.Store(secs)
	}
	p.BGSaveRunning.Store(false)
}

// chunkPool recycles chunk buffers between the shards and the writer, so
// a snapshot does not feed the collector its own size in garbage.
var chunkPool sync.Pool

func getChunk() []byte {
	if b, ok := chunkPool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, chunkBytes+chunkBytes/4)
}

func putChunk(b []byte) {
	if cap(b) >= chunkBytes && cap(b) <= 4*chunkBytes {
		chunkPool.Put(&b)
	}
}

// shardSnap serialises one shard's databases for a job.
type shardSnap struct {
	j    *job
	sh   *engine.Shard
	dbs  []*engine.DB // at the snapshot point, by index (SWAPDB-proof)
	encs []Encoder    // per database
	// The background walk's position.
	cur   int
	ref   engine.BucketRef
	fresh bool // ref is the first bucket of dbs[cur], not yet visited
	keys  int64
}

func newShardSnap(j *job, sh *engine.Shard) *shardSnap {
	s := &shardSnap{j: j, sh: sh, dbs: append([]*engine.DB(nil), sh.DBs...), encs: make([]Encoder, len(sh.DBs)), fresh: true}
	return s
}

// saveBucket serialises the live keys of bucket ref of database d.
func (s *shardSnap) saveBucket(d int, ref engine.BucketRef) {
	db := s.dbs[d]
	e := &s.encs[d]
	db.ForEachInBucket(ref, func(key []byte, v engine.Value, at int64) {
		if at != 0 && at <= s.j.nowMs {
			return
		}
		if !engine.CanDump(v.Type) {
			return
		}
		e.Key(s.sh, key, v, at)
		s.keys++
	})
	if len(e.Buf) >= chunkBytes {
		s.flush(d)
	}
}

func (s *shardSnap) flush(d int) {
	e := &s.encs[d]
	if len(e.Buf) == 0 {
		return
	}
	s.j.push(chunk{db: d, data: e.Buf})
	e.Buf = getChunk()
}

// all serialises every bucket at once (SAVE, shutdown).
func (s *shardSnap) all() {
	for d, db := range s.dbs {
		if db.Len() == 0 {
			continue
		}
		ref := db.FirstBucket()
		for ok := true; ok; ref, ok = db.NextBucket(ref) {
			s.saveBucket(d, ref)
			for s.j.backlog() > maxQueued && !s.j.aborted.Load() {
				// SAVE blocks the server anyway: wait for the disk.
				time.Sleep(time.Millisecond)
			}
		}
		s.flush(d)
	}
	s.j.shardDone()
}

// start begins the point-in-time snapshot on the shard's thread.
func (s *shardSnap) start() {
	for d, db := range s.dbs {
		d := d
		db.StartSnapshot(func(ref engine.BucketRef) { s.saveBucket(d, ref) })
	}
	s.sh.SetBackground(s.step)
}

// step is one bounded slice of the background walk; it reports whether
// more remains.
func (s *shardSnap) step() bool {
	if s.j.aborted.Load() {
		// The writer failed: stop the walk and the hooks.
		for _, db := range s.dbs {
			db.EndSnapshot()
		}
		s.sh.SetBackground(nil)
		s.j.shardDone()
		return false
	}
	if s.j.backlog() > maxQueued {
		return true // let the writer catch up; the hook still saves changes
	}
	for n := 0; n < bucketsPerStep; {
		if s.cur == len(s.dbs) {
			for _, db := range s.dbs {
				db.EndSnapshot()
			}
			for d := range s.encs {
				s.flush(d)
			}
			s.sh.SetBackground(nil)
			s.j.shardDone()
			return false
		}
		db := s.dbs[s.cur]
		if s.fresh {
			s.fresh = false
			s.ref = db.FirstBucket()
		} else {
			var ok bool
			if s.ref, ok = db.NextBucket(s.ref); !ok {
				s.flush(s.cur)
				s.cur++
				s.fresh = true
				continue
			}
		}
		if db.Len() == 0 {
			// An empty database: nothing unsaved can be in it (a key
			// deleted since the start was saved by the hook).
			s.flush(s.cur)
			s.cur++
			s.fresh = true
			continue
		}
		if !db.BucketSaved(s.ref) {
			s.saveBucket(s.cur, s.ref)
			db.MarkBucketSaved(s.ref)
		}
		n++
	}
	return true
}

// snapshotter implements engine.Snapshotter.
type snapshotter struct{}

func init() { engine.SetSnapshotter(snapshotter{}) }

// PlanSave implements engine.Snapshotter.
func (snapshotter) PlanSave(t *engine.Tx) {
	p := t.Server.Persist()
	if !p.BGSaveRunning.CompareAndSwap(false, true) {
		t.Error(engine.ErrBGSaveInProgress)
		return
	}
	p.BGSaveStart.Store(time.Now().UnixMilli())
	j := newJob(t.Server, t.NumShards(), false)
	j.nowMs = t.Now
	var usedMem atomic.Int64
	t.Each(func(c *engine.Ctx) {
		sh := c.Shard
		usedMem.Add(sh.UsedBytes())
		j.mu.Lock()
		for d, db := range sh.DBs {
			j.keys[d] += db.Len()
			j.expires[d] += db.ExpiresLen()
		}
		j.mu.Unlock()
		j.writes[sh.ID] = sh.WriteCalls()
	})
	var err error
	t.Each(func(c *engine.Ctx) {
		if c.Shard.ID == 0 {
			go j.write(usedMem.Load())
		}
		newShardSnap(j, c.Shard).all()
	})
	t.On(0, func(c *engine.Ctx) { err = <-j.done })
	t.Reply(func(w *proto.Writer) {
		if err != nil {
			w.Error("ERR")
			return
		}
		w.OK()
	})
}

// PlanBGSave implements engine.Snapshotter.
func (snapshotter) PlanBGSave(t *engine.Tx) {
	p := t.Server.Persist()
	if !p.BGSaveRunning.CompareAndSwap(false, true) {
		t.Error(engine.ErrBGSaveInProgress)
		return
	}
	p.BGSaveStart.Store(time.Now().UnixMilli())
	j := newJob(t.Server, t.NumShards(), true)
	j.nowMs = t.Now
	var usedMem atomic.Int64
	t.Each(func(c *engine.Ctx) {
		sh := c.Shard
		usedMem.Add(sh.UsedBytes())
		j.mu.Lock()
		for d, db := range sh.DBs {
			j.keys[d] += db.Len()
			j.expires[d] += db.ExpiresLen()
		}
		j.mu.Unlock()
		j.writes[sh.ID] = sh.WriteCalls()
		newShardSnap(j, sh).start()
	})
	t.On(0, func(c *engine.Ctx) { go j.write(usedMem.Load()) })
	t.Reply(func(w *proto.Writer) { w.SimpleString("Background saving started") })
}

// SaveShards writes a snapshot of shards synchronously from the calling
// goroutine, which must own them (the shard threads have stopped, or a
// test). For save-on-shutdown.
func SaveShards(srv *engine.Server, shards []*engine.Shard) error {
	p := srv.Persist()
	for !p.BGSaveRunning.CompareAndSwap(false, true) {
		// A BGSAVE was cut short by the shutdown: its shards stopped,
		// so its writer waits forever. Take over.
		p.BGSaveRunning.Store(false)
	}
	p.BGSaveStart.Store(time.Now().UnixMilli())
	j := newJob(srv, len(shards), false)
	j.nowMs = time.Now().UnixMilli()
	var used int64
	for _, sh := range shards {
		used += sh.UsedBytes()
		for d, db := range sh.DBs {
			db.EndSnapshot()
			j.keys[d] += db.Len()
			j.expires[d] += db.ExpiresLen()
		}
		sh.SetBackground(nil)
		j.writes[sh.ID] = sh.WriteCalls()
	}
	go j.write(used)
	for _, sh := range shards {
		newShardSnap(j, sh).all()
	}
	return <-j.done
}

// ErrNoFile is returned by Open when there is no snapshot to load.
var ErrNoFile = errors.New("no snapshot file")
