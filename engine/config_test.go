package engine

import (
	"strings"
	"sync"
	"testing"
)

func TestConfigGetSet(t *testing.T) {
	srv := &Server{NumDBs: 16, Port: 6380, RequirePass: "secret", NumShards: 2}
	f := func(want string, line ...string) {
		t.Helper()
		if got := runLine(t, srv, false, line...); got != want {
			t.Errorf("%v:\n got %q\nwant %q", line, got, want)
		}
	}
	failed := func(name, reason string) string {
		return "-ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason + "\r\n"
	}
	// Defaults, some from the Server.
	f(resp("*2", "$9", "maxmemory", "$1", "0"), "CONFIG", "GET", "maxmemory")
	f(resp("*2", "$9", "databases", "$2", "16"), "CONFIG", "GET", "databases")
	f(resp("*2", "$4", "port", "$4", "6380"), "CONFIG", "GET", "port")
	f(resp("*2", "$11", "requirepass", "$6", "secret"), "CONFIG", "GET", "requirepass")
	f(resp("*2", "$4", "save", "$0", ""), "CONFIG", "GET", "save")
	f(resp("*2", "$10", "appendonly", "$2", "no"), "CONFIG", "GET", "appendonly")
	// An exact name answers under the client's spelling; unknown names are left out.
	f(resp("*2", "$2", "HZ", "$2", "10"), "CONFIG", "GET", "HZ")
	f("*0\r\n", "CONFIG", "GET", "nosuch")
	f(resp("*4", "$2", "hz", "$2", "10", "$7", "timeout", "$1", "0"), "CONFIG", "GET", "hz", "timeout", "hz")
	// Globs match names and aliases.
	f(resp("*12",
		"$25", "hash-max-listpack-entries", "$3", "512", "$24", "hash-max-ziplist-entries", "$3", "512",
		"$22", "set-max-intset-entries", "$3", "512", "$24", "set-max-listpack-entries", "$3", "128",
		"$25", "zset-max-listpack-entries", "$3", "128", "$24", "zset-max-ziplist-entries", "$3", "128"),
		"CONFIG", "GET", "*max-*-entries*")
	if got := runLine(t, srv, true, "CONFIG", "GET", "maxmemory"); got != resp("%1", "$9", "maxmemory", "$1", "0") {
		t.Errorf("RESP3 CONFIG GET = %q, want a map", got)
	}
	if got := runLine(t, srv, false, "CONFIG", "GET", "*"); !strings.HasPrefix(got, "*") || strings.Count(got, "\r\n$") < 2*numParams {
		t.Errorf("CONFIG GET * lists too little: %.120q", got)
	}

	// Memory units: k/m/g are powers of 1000, kb/mb/gb of 1024, any case.
	for _, c := range []struct{ in, out string }{
		{"1gb", "1073741824"}, {"1G", "1000000000"}, {"100MB", "104857600"}, {"5k", "5000"}, {"2kb", "2048"}, {"1B", "1"}, {"0", "0"},
	} {
		f("+OK\r\n", "CONFIG", "SET", "maxmemory", c.in)
		if v, _ := srv.Config().Get("maxmemory"); v != c.out {
			t.Errorf("maxmemory %s = %s, want %s", c.in, v, c.out)
		}
	}
	for _, bad := range []string{"-1", "1.5gb", "10xb", "", "gb", "99999999999999999999"} {
		f(failed("maxmemory", "argument must be a memory value"), "CONFIG", "SET", "maxmemory", bad)
	}
	f(failed("proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive"), "CONFIG", "SET", "proto-max-bulk-len", "100")

	// Integers parse strictly, as Redis's string2ll.
	for _, bad := range []string{"abc", "+5", "01", "0x10", " 5", "1e3"} {
		f(failed("hz", "argument couldn't be parsed into an integer"), "CONFIG", "SET", "hz", bad)
	}
	f(failed("hz", "argument must be between 0 and 2147483647 inclusive"), "CONFIG", "SET", "hz", "-1")
	f(failed("timeout", "argument must be between 0 and 2147483647 inclusive"), "CONFIG", "SET", "timeout", "2147483648")
	f(failed("slowlog-log-slower-than", "argument must be between -1 and 9223372036854775807 inclusive"), "CONFIG", "SET", "slowlog-log-slower-than", "-5")
	f(failed("maxclients", "argument must be between 1 and 4294967295 inclusive"), "CONFIG", "SET", "maxclients", "0")
	// hz is clamped to 1..500.
	f("+OK\r\n", "CONFIG", "SET", "hz", "1000")
	f(resp("*2", "$2", "hz", "$3", "500"), "CONFIG", "GET", "hz")
	f("+OK\r\n", "CONFIG", "SET", "hz", "0")
	if got := srv.Config().Hz(); got != 1 {
		t.Errorf("hz 0 → %d, want 1", got)
	}

	// Booleans and enums: case-insensitive in, canonical out.
	f("+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU")
	f(resp("*2", "$16", "maxmemory-policy", "$11", "allkeys-lru"), "CONFIG", "GET", "maxmemory-policy")
	f(failed("maxmemory-policy", "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"),
		"CONFIG", "SET", "maxmemory-policy", "foo")
	f(failed("appendfsync", "argument(s) must be one of the following: everysec, always, no"), "CONFIG", "SET", "appendfsync", "foo")
	f("+OK\r\n", "CONFIG", "SET", "latency-tracking", "NO")
	f(resp("*2", "$16", "latency-tracking", "$2", "no"), "CONFIG", "GET", "latency-tracking")
	f(failed("appendonly", "argument must be 'yes' or 'no'"), "CONFIG", "SET", "appendonly", "maybe")
	f("+OK\r\n", "CONFIG", "SET", "appendonly", "NO")

	// Aliases set the same value.
	f("+OK\r\n", "CONFIG", "SET", "lua-time-limit", "100")
	f(resp("*2", "$20", "busy-reply-threshold", "$3", "100"), "CONFIG", "GET", "busy-reply-threshold")
	f(failed("HZ", "duplicate parameter"), "CONFIG", "SET", "hz", "1", "HZ", "2")
	f("+OK\r\n", "CONFIG", "SET", "hash-max-ziplist-entries", "1", "hash-max-listpack-entries", "2")
	f(resp("*2", "$24", "hash-max-ziplist-entries", "$1", "2"), "CONFIG", "GET", "hash-max-ziplist-entries")

	// Special formats.
	f("+OK\r\n", "CONFIG", "SET", "notify-keyspace-events", "KEA")
	f(resp("*2", "$22", "notify-keyspace-events", "$3", "AKE"), "CONFIG", "GET", "notify-keyspace-events")
	if got := srv.Config().NotifyKeyspaceEvents(); got != NotifyAll|NotifyKeyspace|NotifyKeyevent {
		t.Errorf("notify flags %b", got)
	}
	f("+OK\r\n", "CONFIG", "SET", "notify-keyspace-events", "Ex$")
	f(resp("*2", "$22", "notify-keyspace-events", "$3", "$xE"), "CONFIG", "GET", "notify-keyspace-events")
	f(failed("notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."), "CONFIG", "SET", "notify-keyspace-events", "Z")
	f("+OK\r\n", "CONFIG", "SET", "save", "100 10  60 5")
	f(resp("*2", "$4", "save", "$11", "100 10 60 5"), "CONFIG", "GET", "save")
	f(failed("save", "Invalid save parameters"), "CONFIG", "SET", "save", "100")
	f(failed("save", "Invalid save parameters"), "CONFIG", "SET", "save", "x y")
	f("+OK\r\n", "CONFIG", "SET", "save", "")
	f("+OK\r\n", "CONFIG", "SET", "latency-tracking-info-percentiles", "50.0 99.90")
	f(resp("*2", "$33", "latency-tracking-info-percentiles", "$7", "50 99.9"), "CONFIG", "GET", "latency-tracking-info-percentiles")
	f(failed("latency-tracking-info-percentiles", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"), "CONFIG", "SET", "latency-tracking-info-percentiles", "101")

	// What cannot be set.
	f(failed("databases", "can't set immutable config"), "CONFIG", "SET", "databases", "4")
	f(failed("dir", "can't set protected config"), "CONFIG", "SET", "dir", "/tmp")
	f(failed("dbfilename", "can't set protected config"), "CONFIG", "SET", "dbfilename", "x.rdb")
	f(failed("requirepass", "darner cannot change the password at runtime yet (use --requirepass)"), "CONFIG", "SET", "requirepass", "x")
	f("-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n", "CONFIG", "SET", "nosuch", "1")
	f("-ERR syntax error\r\n", "CONFIG", "SET", "hz", "10", "timeout")
	f("-ERR wrong number of arguments for 'config|set' command\r\n", "CONFIG", "SET", "hz")
	f("-ERR wrong number of arguments for 'config|get' command\r\n", "CONFIG", "GET")
	f("-ERR wrong number of arguments for 'config' command\r\n", "CONFIG")
	f("-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n", "CONFIG", "FOO")
	f("+OK\r\n", "CONFIG", "RESETSTAT")
	f("-ERR The server is running without a config file\r\n", "CONFIG", "REWRITE")
	if got := runLine(t, srv, false, "CONFIG", "HELP"); !strings.HasPrefix(got, "*11\r\n+CONFIG <subcommand>") {
		t.Errorf("CONFIG HELP = %.60q", got)
	}

	// All or nothing: a bad pair anywhere leaves every value unchanged,
	// and an immutable parameter fails before any value is parsed.
	f("+OK\r\n", "CONFIG", "SET", "hz", "7")
	f(failed("maxmemory", "argument must be a memory value"), "CONFIG", "SET", "hz", "12", "maxmemory", "bad")
	f(failed("databases", "can't set immutable config"), "CONFIG", "SET", "hz", "bad", "databases", "1")
	f(resp("*2", "$2", "hz", "$1", "7"), "CONFIG", "GET", "hz")
	f("+OK\r\n", "CONFIG", "SET", "hz", "12", "maxmemory", "1mb")
	if srv.Config().Hz() != 12 || srv.Config().MaxMemory() != 1<<20 {
		t.Errorf("after a two-pair SET: hz %d maxmemory %d", srv.Config().Hz(), srv.Config().MaxMemory())
	}
}

// TestConfigSnapshotAtomic checks, under -race, that readers on other
// goroutines never see half of a multi-parameter CONFIG SET.
func TestConfigSnapshotAtomic(t *testing.T) {
	cfg := NewConfig(&Server{NumDBs: 16})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := cfg.load()
				if hz, mm := s.ints[pHz], s.ints[pMaxMemory]; mm != 0 && mm != hz*1000 {
					t.Errorf("torn snapshot: hz %d maxmemory %d", hz, mm)
					return
				}
			}
		}()
	}
	for i := int64(1); i <= 500; i++ {
		n := itoa(i)
		if err := cfg.Set("hz", n, "maxmemory", itoa(i*1000)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if cfg.Hz() != 500 || cfg.MaxMemory() != 500000 {
		t.Errorf("final hz %d maxmemory %d", cfg.Hz(), cfg.MaxMemory())
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func TestConfigSetStartup(t *testing.T) {
	cfg := NewConfig(&Server{NumDBs: 16})
	if err := cfg.SetStartup("databases", "4", "bind", "127.0.0.1 ::1", "dir", "/var/lib/darner", "hz", "100", "maxmemory", "2gb"); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"databases": "4", "bind": "127.0.0.1 ::1", "dir": "/var/lib/darner", "hz": "100", "maxmemory": "2147483648"} {
		if got, _ := cfg.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if err := cfg.SetStartup("hz", "fast"); err == nil || !strings.Contains(err.Error(), "argument couldn't be parsed into an integer") {
		t.Errorf("SetStartup hz fast: %v", err)
	}
	if err := cfg.Set("databases", "2"); err == nil {
		t.Error("CONFIG SET changed databases after start-up")
	}
}

func TestServerConfigLazyInitRace(t *testing.T) {
	srv := &Server{NumDBs: 8}
	var wg sync.WaitGroup
	got := make([]*Config, 4)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = srv.Config() }()
	}
	wg.Wait()
	for _, c := range got {
		if c != got[0] {
			t.Fatal("Server.Config returned different stores")
		}
	}
	if v, _ := got[0].Get("databases"); v != "8" {
		t.Errorf("databases = %s, want 8", v)
	}
}

// BenchmarkConfigRead is the cost a shard pays to read a setting (one
// atomic load and an index).
func BenchmarkConfigRead(b *testing.B) {
	cfg := NewConfig(&Server{NumDBs: 16})
	var sum int64
	for b.Loop() {
		sum += cfg.MaxMemory() + int64(cfg.Hz())
	}
	if sum < 0 {
		b.Fatal(sum)
	}
}

// BenchmarkConfigSet is one CONFIG SET of two parameters (copy, validate,
// swap).
func BenchmarkConfigSet(b *testing.B) {
	cfg := NewConfig(&Server{NumDBs: 16})
	for b.Loop() {
		if err := cfg.Set("hz", "100", "maxmemory", "1gb"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConfigConcurrentSets checks that concurrent CONFIG SETs of different
// parameters never lose each other's values (compare-and-swap retries).
func TestConfigConcurrentSets(t *testing.T) {
	cfg := NewConfig(&Server{NumDBs: 16})
	var wg sync.WaitGroup
	for _, name := range []string{"timeout", "slowlog-max-len"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(1); i <= 300; i++ {
				if err := cfg.Set(name, itoa(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if cfg.Timeout() != 300 || cfg.SlowlogMaxLen() != 300 {
		t.Errorf("lost update: timeout %d slowlog-max-len %d", cfg.Timeout(), cfg.SlowlogMaxLen())
	}
}
