package persist

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/proto"
	"golang.org/x/sys/unix"
)

// Loading. The file is mapped read-only once and checked whole (structure
// and CRC64) before any key is stored, so a corrupt file stores nothing
// and stops start-up. Then every shard parses the mapping on its own
// thread and stores only the keys it owns (engine.ShardOf), in parallel:
// parsing is cheap next to storing, and no key crosses threads. Keys whose
// deadline has passed are dropped (as a Redis master does).
//
// Values are stored through the families' own commands (RPUSH, SADD,
// HSET, ZADD in batches of loadBatch elements), so each collection gets
// the encoding the family would choose (listpack/intset while small,
// quicklist/hashtable/skiplist past Redis's thresholds), whatever encoding
// the file used; strings are stored directly.

const loadBatch = 512

// File is a mapped snapshot file.
type File struct {
	Path string
	Data []byte
	Info FileInfo
	mm   bool
}

// Open maps path and verifies it (structure and checksum) without storing
// anything. It returns (nil, nil) when the file does not exist.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	file := &File{Path: path}
	if st.Size() == 0 {
		return nil, fmt.Errorf("%s: %w", path, &CorruptError{0, "empty file"})
	}
	file.Data, err = unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		if file.Data, err = os.ReadFile(path); err != nil {
			return nil, err
		}
	} else {
		file.mm = true
	}
	file.Info, err = Parse(file.Data, func(*Record) error { return nil })
	if err != nil {
		file.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file, nil
}

// Close unmaps the file.
func (f *File) Close() {
	if f != nil && f.mm {
		_ = unix.Munmap(f.Data)
		f.mm = false
	}
	f.Data = nil
}

// LoadStats counts what a shard loaded.
type LoadStats struct {
	Loaded, Expired int64
}

// LoadShard stores into sh the keys of data that shard sh owns among n
// shards. Call it on sh's thread (or before the shard runs). now is the
// wall clock in unix ms (deadlines at or before it are dropped).
func LoadShard(sh *engine.Shard, n int, data []byte, now int64) (LoadStats, error) {
	var st LoadStats
	l := loader{sh: sh, now: now}
	_, err := Parse(data, func(rec *Record) error {
		if engine.ShardOf(rec.Key, n) != sh.ID {
			return nil
		}
		if rec.DB >= len(sh.DBs) {
			return fmt.Errorf("the file has keys in database %d; this server has %d databases (--dbnum)", rec.DB, len(sh.DBs))
		}
		if rec.ExpireAt != 0 && rec.ExpireAt <= now {
			st.Expired++
			return nil
		}
		if err := l.store(rec); err != nil {
			return fmt.Errorf("key %q: %w", rec.Key, err)
		}
		st.Loaded++
		return nil
	})
	return st, err
}

type loader struct {
	sh   *engine.Shard
	now  int64
	w    proto.Writer
	args [][]byte
	num  []byte
}

var (
	cmdRPush = engine.Lookup([]byte("rpush"))
	cmdSAdd  = engine.Lookup([]byte("sadd"))
	cmdHSet  = engine.Lookup([]byte("hset"))
	cmdZAdd  = engine.Lookup([]byte("zadd"))
)

func (l *loader) store(rec *Record) error {
	db := l.sh.DBs[rec.DB]
	db.Delete(rec.Key, l.now) // a duplicate key: the last one wins
	if rec.Type == engine.TypeString {
		db.Set(rec.Key, rec.Str, rec.ExpireAt, 0, l.now)
		return nil
	}
	var cmd *engine.Command
	var name string
	step := 1
	switch rec.Type {
	case engine.TypeList:
		cmd, name = cmdRPush, "rpush"
	case engine.TypeSet:
		cmd, name = cmdSAdd, "sadd"
	case engine.TypeHash:
		cmd, name, step = cmdHSet, "hset", 2
	case engine.TypeZSet:
		cmd, name = cmdZAdd, "zadd"
	default:
		return fmt.Errorf("%w: type %s", ErrUnsupported, rec.Type)
	}
	c := engine.Ctx{Server: l.sh.Server, Shard: l.sh, DB: rec.DB, W: &l.w, Now: l.now}
	for i := 0; i < len(rec.Elems); {
		l.args = append(l.args[:0], []byte(name), rec.Key)
		l.num = l.num[:0]
		end := min(i+loadBatch*step, len(rec.Elems))
		for ; i < end; i++ {
			if rec.Type == engine.TypeZSet {
				start := len(l.num)
				l.num = strconv.AppendFloat(l.num, rec.Scores[i], 'g', 17, 64)
				l.args = append(l.args, l.num[start:len(l.num):len(l.num)], rec.Elems[i])
			} else {
				l.args = append(l.args, rec.Elems[i])
			}
		}
		l.w.Buf = l.w.Buf[:0]
		cmd.Run(&c, l.args)
		if len(l.w.Buf) > 0 && l.w.Buf[0] == '-' {
			return fmt.Errorf("storing: %s", l.w.Buf)
		}
	}
	if rec.ExpireAt != 0 {
		db.Expire(rec.Key, rec.ExpireAt, l.now)
	}
	return nil
}

// LoadFile opens path and loads it into shards (all owned by the caller,
// in shard order, e.g. an engine.Local's), serially. It reports the
// totals; a missing file loads nothing.
func LoadFile(path string, shards []*engine.Shard) (LoadStats, error) {
	var tot LoadStats
	f, err := Open(path)
	if err != nil || f == nil {
		return tot, err
	}
	defer f.Close()
	now := time.Now().UnixMilli()
	for _, sh := range shards {
		st, err := LoadShard(sh, len(shards), f.Data, now)
		if err != nil {
			return tot, err
		}
		tot.Loaded += st.Loaded
		tot.Expired += st.Expired
	}
	return tot, nil
}
