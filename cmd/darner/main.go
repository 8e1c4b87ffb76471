// Command darner is the darner server: a thread-per-core in-memory data
// store that speaks the Redis protocol. This file is only wiring: flags,
// logging, signals. Everything else lives in ring/, engine/, proto/, numa/.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/ring"
)

// version is set at build time with -X main.version=...
var version = "0.1.0-dev"

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "darner:", err)
		os.Exit(1)
	}
}

// envOf names the environment variable that can set a flag:
// --proactor_threads ↔ DARNER_PROACTOR_THREADS.
func envOf(flag string) []string {
	b := []byte("DARNER_" + flag)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return []string{string(b)}
}

func newApp() *cli.App {
	app := &cli.App{
		Name:    "darner",
		Usage:   "a thread-per-core in-memory data store that speaks the Redis protocol",
		Version: version,
		Description: "darner runs one shard per CPU, each on its own pinned thread with its own io_uring\n" +
			"(or epoll) loop and its own slice of the keyspace. Every flag can also be set with an\n" +
			"environment variable DARNER_<FLAG>, e.g. DARNER_PORT=6380.",
		HideHelpCommand: true,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "port", Value: 6379, Usage: "Redis protocol port", EnvVars: envOf("port")},
			&cli.StringSliceFlag{Name: "bind", Value: cli.NewStringSlice("127.0.0.1", "::1"),
				Usage: "addresses to listen on (repeat or comma-separate); the default is loopback only, as Redis's protected mode — bind a public address only with --requirepass", EnvVars: envOf("bind")},
			&cli.IntFlag{Name: "proactor_threads", Value: 0, Usage: "number of shard threads, one per CPU; 0 = every CPU the process may use (cgroup CPU quota respected)", EnvVars: envOf("proactor_threads")},
			&cli.BoolFlag{Name: "force_epoll", Usage: "use epoll instead of io_uring (epoll is also chosen automatically when io_uring is unavailable)", EnvVars: envOf("force_epoll")},
			&cli.IntFlag{Name: "maxclients", Value: 10000, Usage: "maximum number of connected clients; more are refused with an error", EnvVars: envOf("maxclients")},
			&cli.StringFlag{Name: "requirepass", Usage: "password clients must send with AUTH before any other command", EnvVars: envOf("requirepass")},
			&cli.IntFlag{Name: "dbnum", Value: 16, Usage: "number of databases (SELECT 0..dbnum-1)", EnvVars: envOf("dbnum")},
			&cli.IntFlag{Name: "hz", Value: 10, Usage: "background tick frequency per shard (active expiry), 1..500", EnvVars: envOf("hz")},
			&cli.Int64Flag{Name: "proto_max_bulk_len", Value: 512 << 20, Usage: "largest bulk string a client may send, in bytes", EnvVars: envOf("proto_max_bulk_len")},
			&cli.Int64Flag{Name: "client_query_buffer_limit", Value: 1 << 30, Usage: "largest unparsed input one client may accumulate, in bytes; beyond it the client is closed", EnvVars: envOf("client_query_buffer_limit")},
			&cli.StringFlag{Name: "maxmemory", Value: "0", Usage: "memory limit for the keyspace, with Redis's units (512mb, 1gb); over it, writes fail with -OOM (or evict keys with --cache_mode); 0 = no limit. CONFIG SET maxmemory changes it at runtime", EnvVars: envOf("maxmemory")},
			&cli.BoolFlag{Name: "cache_mode", Usage: "over --maxmemory, evict keys (2Q-style, inside the dashtable) instead of refusing writes; memcached stores evict too", EnvVars: envOf("cache_mode")},
			&cli.IntFlag{Name: "memcached_port", Value: 0, Usage: "memcached protocol port (text and meta protocol, sharing database 0 with the Redis API); 0 = off", EnvVars: envOf("memcached_port")},
			&cli.StringFlag{Name: "memcached_max_item_size", Value: "1m", Usage: "largest memcached item (memcached's -I): bytes, or with a k/m suffix (512k, 1m); 1024 bytes to 1 GB", EnvVars: envOf("memcached_max_item_size")},
			&cli.IntFlag{Name: "admin_port", Value: 0, Usage: "HTTP port for /metrics (Prometheus) and /healthz, on the --bind addresses; 0 = off (both are also served on the main port)", EnvVars: envOf("admin_port")},
			&cli.BoolFlag{Name: "bench_ok", Usage: "answer every command with +OK (measures the networking ceiling; stores nothing)", EnvVars: envOf("bench_ok")},
			&cli.StringFlag{Name: "log_level", Value: "info", Usage: "debug, info, warn or error", EnvVars: envOf("log_level")},
			&cli.BoolFlag{Name: "logtostderr", Value: true, Usage: "log to stderr (darner always does; accepted for Dragonfly compatibility)", EnvVars: envOf("logtostderr")},
		},
		Action: run,
	}
	app.Flags = append(app.Flags, persistFlags()...)
	return app
}

func run(c *cli.Context) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log_level"))); err != nil {
		return fmt.Errorf("--log_level: %w", err)
	}
	hz := c.Int("hz")
	if hz < 1 || hz > 500 {
		return fmt.Errorf("--hz must be between 1 and 500, got %d", hz)
	}
	itemSize, err := parseItemSize(c.String("memcached_max_item_size"))
	if err != nil {
		return fmt.Errorf("--memcached_max_item_size: %w", err)
	}
	maxMemory, ok := engine.ParseMemory(strings.TrimSpace(c.String("maxmemory")))
	if !ok {
		return fmt.Errorf("--maxmemory: %q is not a byte count (e.g. 1073741824, 512mb, 1gb)", c.String("maxmemory"))
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg := ring.Config{
		Port:             c.Int("port"),
		Bind:             c.StringSlice("bind"),
		Shards:           c.Int("proactor_threads"),
		ForceEpoll:       c.Bool("force_epoll"),
		MaxClients:       c.Int("maxclients"),
		RequirePass:      c.String("requirepass"),
		DBNum:            c.Int("dbnum"),
		Hz:               hz,
		BenchOK:          c.Bool("bench_ok"),
		MaxBulkLen:       c.Int64("proto_max_bulk_len"),
		QueryBufferLimit: c.Int64("client_query_buffer_limit"),
		Logger:           log,
		Version:          version,

		MaxMemory: maxMemory,
		CacheMode: c.Bool("cache_mode"),

		MemcachedPort:        c.Int("memcached_port"),
		MemcachedMaxItemSize: itemSize,
	}
	// Catch signals before the first client can connect, so a SIGTERM that
	// arrives right after start-up still shuts down cleanly.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	loaded, err := persistSetup(c, &cfg, sig, log)
	if err != nil {
		return err
	}
	srv, err := ring.NewServer(cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	loaded()
	cronCtx, stopCron := context.WithCancel(context.Background())
	defer stopCron()
	go savePoints(cronCtx, srv, log)
	var admin *adminServer
	if p := c.Int("admin_port"); p > 0 {
		if admin, err = startAdmin(srv, cfg.Bind, p, log); err != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			return err
		}
	}
	log.Info("darner ready", "version", version, "port", srv.Port(), "memcached_port", srv.MemcachedPort(), "backend", srv.Backend(), "pid", os.Getpid())

	s := <-sig
	stopCron()
	log.Info("shutting down", "signal", s.String())
	admin.close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("bye")
	return nil
}

// parseItemSize reads a memcached -I size: a byte count, or a number with a
// k or m suffix (either case), between 1024 bytes and 1 GB.
func parseItemSize(s string) (int, error) {
	mul := int64(1)
	num := strings.TrimSpace(s)
	if n := len(num); n > 0 {
		switch num[n-1] {
		case 'k', 'K':
			mul, num = 1<<10, num[:n-1]
		case 'm', 'M':
			mul, num = 1<<20, num[:n-1]
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size (bytes, or a number with a k or m suffix)", s)
	}
	v *= mul
	if v < 1024 || v > 1<<30 {
		return 0, fmt.Errorf("%q is out of range (1024 bytes to 1 GB)", s)
	}
	return int(v), nil
}
