package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/persist"
	"github.com/darnerdb/darner/ring"
)

// Persistence wiring: --dir, --dbfilename, --save; load at start, save
// points, save on shutdown. See docs/persistence.md.

func persistFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "dir", Usage: "directory of the snapshot file (default: the working directory)", EnvVars: envOf("dir")},
		&cli.StringFlag{Name: "dbfilename", Value: "dump.rdb", Usage: "snapshot file name (Redis RDB format); loaded at start-up when it exists", EnvVars: envOf("dbfilename")},
		&cli.StringFlag{Name: "save", Value: "", Usage: `save points as Redis's "save" ("3600 1 300 100" = BGSAVE after 3600 s if 1 key changed, or after 300 s if 100 changed); when set, darner also saves on SIGTERM/SHUTDOWN. Empty (the default): only SAVE/BGSAVE/SHUTDOWN SAVE write snapshots`, EnvVars: envOf("save")},
	}
}

// persistSetup resolves the snapshot path, verifies and maps the file if
// there is one, and fills cfg's hooks. The returned function is called
// once the server runs (it unmaps the file and logs the load).
func persistSetup(c *cli.Context, cfg *ring.Config, stop chan<- os.Signal, log *slog.Logger) (func(), error) {
	persist.Logger = log
	dir := c.String("dir")
	if dir == "" {
		dir, _ = os.Getwd()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("--dir: %w", err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--dir %s: not a directory", dir)
	}
	name := c.String("dbfilename")
	if name == "" || strings.ContainsRune(name, '/') {
		return nil, fmt.Errorf("--dbfilename %q: must be a plain file name", name)
	}
	save := c.String("save")
	cfg.Params = append(cfg.Params, "dir", dir, "dbfilename", name, "save", save)

	path := filepath.Join(dir, name)
	start := time.Now()
	file, err := persist.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loading the snapshot failed, not starting (move the file away to start empty): %w", err)
	}
	var loaded, expired atomic.Int64
	if file != nil {
		now := start.UnixMilli()
		cfg.LoadShard = func(sh *engine.Shard) error {
			st, err := persist.LoadShard(sh, sh.Server.NumShards, file.Data, now)
			loaded.Add(st.Loaded)
			expired.Add(st.Expired)
			p := sh.Server.Persist()
			p.KeysLoaded.Add(st.Loaded)
			p.KeysExpiredOnLoad.Add(st.Expired)
			return err
		}
	}
	cfg.RequestShutdown = func(int) bool {
		select {
		case stop <- syscall.SIGTERM:
		default:
		}
		return true
	}
	cfg.OnStopped = func(srv *engine.Server, shards []*engine.Shard) error {
		p := srv.Persist()
		mode := p.ShutdownSave.Load()
		if mode < 0 || (mode == 0 && srv.Config().Save() == "") {
			return nil
		}
		log.Info("saving the final snapshot before exiting", "file", path)
		if err := persist.SaveShards(srv, shards); err != nil {
			return fmt.Errorf("error trying to save the DB, can't exit: %w", err)
		}
		return nil
	}
	return func() {
		if file == nil {
			return
		}
		file.Close()
		log.Info("DB loaded from disk", "file", path, "keys", loaded.Load(), "expired_dropped", expired.Load(),
			"seconds", fmt.Sprintf("%.3f", time.Since(start).Seconds()))
	}, nil
}

// savePoints runs Redis's "save" schedule: every second it reads the
// current save parameter, the changes since the last save and the last
// save time (INFO persistence, through the server like a client) and starts
// a BGSAVE when a point is reached. A failed BGSAVE is retried after 5 s,
// as Redis's CONFIG_BGSAVE_RETRY_DELAY.
func savePoints(ctx context.Context, srv *ring.Server, log *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var lastTry int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		out, err := srv.Do(ctx, []byte("CONFIG"), []byte("GET"), []byte("save"))
		if err != nil {
			continue
		}
		points := parseSavePoints(string(out))
		if len(points) == 0 {
			continue
		}
		info, err := srv.Do(ctx, []byte("INFO"), []byte("persistence"))
		if err != nil {
			continue
		}
		f := infoFields(string(info))
		if f["rdb_bgsave_in_progress"] == 1 {
			continue
		}
		now := time.Now().Unix()
		changes, last := f["rdb_changes_since_last_save"], f["rdb_last_save_time"]
		ok := f["rdb_last_bgsave_status"] == 1
		for _, p := range points {
			if changes >= p[1] && now-last > p[0] && (ok || now-lastTry > 5) {
				lastTry = now
				log.Info("save point reached: starting BGSAVE", "changes", changes, "seconds", p[0])
				_, _ = srv.Do(ctx, []byte("BGSAVE"))
				break
			}
		}
	}
}

// parseSavePoints reads CONFIG GET save's reply into (seconds, changes)
// pairs.
func parseSavePoints(reply string) [][2]int64 {
	lines := strings.Split(reply, "\r\n")
	if len(lines) < 5 {
		return nil
	}
	fields := strings.Fields(lines[4])
	var out [][2]int64
	for i := 0; i+1 < len(fields); i += 2 {
		s, err1 := strconv.ParseInt(fields[i], 10, 64)
		n, err2 := strconv.ParseInt(fields[i+1], 10, 64)
		if err1 == nil && err2 == nil {
			out = append(out, [2]int64{s, n})
		}
	}
	return out
}

// infoFields reads INFO's numeric fields; "ok" reads as 1.
func infoFields(reply string) map[string]int64 {
	m := map[string]int64{}
	for _, line := range strings.Split(reply, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if v == "ok" {
			m[k] = 1
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			m[k] = n
		}
	}
	return m
}
