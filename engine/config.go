package engine

import (
	"math"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// The CONFIG command and the server-wide parameter store.
//
// Parameters are declared once in the params table below, with Redis's
// names, aliases, value formats and bounds. Their current values live in an
// immutable snapshot that CONFIG SET replaces atomically (copy, change,
// swap): a shard thread reading a value does one atomic load and never
// sees half of a multi-parameter CONFIG SET. Writers never block either
// (shard threads must not): a CONFIG SET that loses a compare-and-swap to
// a concurrent one re-applies its pairs on the newer snapshot.
//
// Initial values: Redis's defaults, except databases, port, requirepass
// and io-threads (the shard count), which come from the Server; the
// wiring should pass its other start-up flags (--hz, --maxclients,
// --bind, --maxmemory, --dir, ...) through SetStartup before the shards
// start, so that CONFIG GET reports them.
//
// What takes effect: the typed getters (MaxMemory, Hz, Timeout, ...) are
// for the code that consumes each setting; a value changes behaviour only
// once that code reads it through Config instead of its start-up copy.
// Today every parameter is stored and reported; none is consumed yet (the
// shard tick, eviction, client timeouts, slowlog and the encodings read
// their start-up flags or have not been written). Parameters darner cannot
// change at runtime without lying (port, bind, requirepass) refuse CONFIG
// SET rather than store a value nothing enforces; immutable (databases,
// io-threads, ...) and protected (dir, dbfilename) ones answer as Redis.

// paramKind says how a parameter's value is parsed and printed.
type paramKind uint8

const (
	kindInt     paramKind = iota // decimal integer in [min, max]
	kindMemory                   // bytes; SET accepts 1k/1kb/1m/1mb/1g/1gb units
	kindBool                     // yes/no
	kindEnum                     // one of enum, case-insensitive, stored lower case
	kindString                   // free text
	kindSpecial                  // parsed by check
)

// param declares one configuration parameter.
type param struct {
	name     string
	alias    string
	kind     paramKind
	min, max int64
	enum     []string
	// immutable: CONFIG SET answers "can't set immutable config".
	immutable bool
	// refuse, when set, is the reason CONFIG SET refuses this parameter
	// in darner (a value nothing would enforce).
	refuse string
	// check validates and normalises a kindSpecial or kindString value.
	check func(v string) (string, string) // (canonical, error text)
	// apply adjusts an accepted integer value (hz clamps to 1..500).
	apply func(n int64) int64
	def   func(s *Server) string
}

// protectedConfig is Redis's answer for dir and dbfilename while
// enable-protected-configs is off (its default, and darner's only mode).
const protectedConfig = "can't set protected config"

const (
	intMax  = math.MaxInt32
	longMax = math.MaxInt64
)

func constDef(v string) func(*Server) string { return func(*Server) string { return v } }

var maxmemoryPolicies = []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}

// params is the declarative parameter table. Index constants below must
// follow its order.
var params = []param{
	pMaxMemory:               {name: "maxmemory", kind: kindMemory, min: 0, max: longMax, def: constDef("0")},
	pMaxMemoryPolicy:         {name: "maxmemory-policy", kind: kindEnum, enum: maxmemoryPolicies, def: constDef("noeviction")},
	pMaxMemorySamples:        {name: "maxmemory-samples", kind: kindInt, min: 1, max: intMax, def: constDef("5")},
	pMaxMemoryTenacity:       {name: "maxmemory-eviction-tenacity", kind: kindInt, min: 0, max: 100, def: constDef("10")},
	pHz:                      {name: "hz", kind: kindInt, min: 0, max: intMax, apply: clampHz, def: constDef("10")},
	pDynamicHz:               {name: "dynamic-hz", kind: kindBool, def: constDef("yes")},
	pDatabases:               {name: "databases", kind: kindInt, min: 1, max: intMax, immutable: true, def: func(s *Server) string { return strconv.Itoa(s.NumDBs) }},
	pTimeout:                 {name: "timeout", kind: kindInt, min: 0, max: intMax, def: constDef("0")},
	pTCPKeepalive:            {name: "tcp-keepalive", kind: kindInt, min: 0, max: intMax, def: constDef("300")},
	pSave:                    {name: "save", kind: kindSpecial, check: checkSave, def: constDef("")},
	pAppendOnly:              {name: "appendonly", kind: kindBool, check: checkAppendOnly, def: constDef("no")},
	pAppendFsync:             {name: "appendfsync", kind: kindEnum, enum: []string{"everysec", "always", "no"}, def: constDef("everysec")},
	pProtoMaxBulkLen:         {name: "proto-max-bulk-len", kind: kindMemory, min: 1 << 20, max: longMax, def: constDef("536870912")},
	pClientQueryBufferLimit:  {name: "client-query-buffer-limit", kind: kindMemory, min: 1 << 20, max: longMax, def: constDef("1073741824")},
	pMaxClients:              {name: "maxclients", kind: kindInt, min: 1, max: math.MaxUint32, def: constDef("10000")},
	pPort:                    {name: "port", kind: kindInt, min: 0, max: 65535, refuse: "darner cannot rebind at runtime (use --port)", def: func(s *Server) string { return strconv.Itoa(s.Port) }},
	pBind:                    {name: "bind", kind: kindString, refuse: "darner cannot rebind at runtime (use --bind)", def: constDef("")},
	pRequirePass:             {name: "requirepass", kind: kindString, refuse: "darner cannot change the password at runtime yet (use --requirepass)", def: func(s *Server) string { return s.RequirePass }},
	pProtectedMode:           {name: "protected-mode", kind: kindBool, def: constDef("no")},
	pHashMaxListpackEntries:  {name: "hash-max-listpack-entries", alias: "hash-max-ziplist-entries", kind: kindInt, min: 0, max: longMax, def: constDef("512")},
	pHashMaxListpackValue:    {name: "hash-max-listpack-value", alias: "hash-max-ziplist-value", kind: kindInt, min: 0, max: longMax, def: constDef("64")},
	pSetMaxIntsetEntries:     {name: "set-max-intset-entries", kind: kindInt, min: 0, max: longMax, def: constDef("512")},
	pSetMaxListpackEntries:   {name: "set-max-listpack-entries", kind: kindInt, min: 0, max: longMax, def: constDef("128")},
	pSetMaxListpackValue:     {name: "set-max-listpack-value", kind: kindInt, min: 0, max: longMax, def: constDef("64")},
	pZsetMaxListpackEntries:  {name: "zset-max-listpack-entries", alias: "zset-max-ziplist-entries", kind: kindInt, min: 0, max: longMax, def: constDef("128")},
	pZsetMaxListpackValue:    {name: "zset-max-listpack-value", alias: "zset-max-ziplist-value", kind: kindInt, min: 0, max: longMax, def: constDef("64")},
	pListMaxListpackSize:     {name: "list-max-listpack-size", alias: "list-max-ziplist-size", kind: kindInt, min: math.MinInt32, max: intMax, def: constDef("-2")},
	pListCompressDepth:       {name: "list-compress-depth", kind: kindInt, min: 0, max: intMax, def: constDef("0")},
	pStreamNodeMaxBytes:      {name: "stream-node-max-bytes", kind: kindMemory, min: 0, max: longMax, def: constDef("4096")},
	pStreamNodeMaxEntries:    {name: "stream-node-max-entries", kind: kindInt, min: 0, max: longMax, def: constDef("100")},
	pNotifyKeyspaceEvents:    {name: "notify-keyspace-events", kind: kindSpecial, check: checkNotify, def: constDef("")},
	pSlowlogLogSlowerThan:    {name: "slowlog-log-slower-than", kind: kindInt, min: -1, max: longMax, def: constDef("10000")},
	pSlowlogMaxLen:           {name: "slowlog-max-len", kind: kindInt, min: 0, max: longMax, def: constDef("128")},
	pBusyReplyThreshold:      {name: "busy-reply-threshold", alias: "lua-time-limit", kind: kindInt, min: 0, max: longMax, def: constDef("5000")},
	pDir:                     {name: "dir", kind: kindString, refuse: protectedConfig, def: func(*Server) string { d, _ := os.Getwd(); return d }},
	pDBFilename:              {name: "dbfilename", kind: kindString, refuse: protectedConfig, def: constDef("dump.rdb")},
	pLatencyTracking:         {name: "latency-tracking", kind: kindBool, def: constDef("yes")},
	pLatencyMonitorThreshold: {name: "latency-monitor-threshold", kind: kindInt, min: 0, max: longMax, def: constDef("0")},
	pLatencyPercentiles:      {name: "latency-tracking-info-percentiles", kind: kindSpecial, check: checkPercentiles, def: constDef("50 99 99.9")},
	pActiveExpireEffort:      {name: "active-expire-effort", kind: kindInt, min: 1, max: 10, def: constDef("1")},
	pLFULogFactor:            {name: "lfu-log-factor", kind: kindInt, min: 0, max: intMax, def: constDef("10")},
	pLFUDecayTime:            {name: "lfu-decay-time", kind: kindInt, min: 0, max: intMax, def: constDef("1")},
	pLazyfreeLazyEviction:    {name: "lazyfree-lazy-eviction", kind: kindBool, def: constDef("no")},
	pLazyfreeLazyExpire:      {name: "lazyfree-lazy-expire", kind: kindBool, def: constDef("no")},
	pLazyfreeLazyServerDel:   {name: "lazyfree-lazy-server-del", kind: kindBool, def: constDef("no")},
	pLazyfreeLazyUserDel:     {name: "lazyfree-lazy-user-del", kind: kindBool, def: constDef("no")},
	pLazyfreeLazyUserFlush:   {name: "lazyfree-lazy-user-flush", kind: kindBool, def: constDef("no")},
	pActiveRehashing:         {name: "activerehashing", kind: kindBool, def: constDef("yes")},
	pLogLevel:                {name: "loglevel", kind: kindEnum, enum: []string{"debug", "verbose", "notice", "warning"}, def: constDef("notice")},
	pLogfile:                 {name: "logfile", kind: kindString, immutable: true, def: constDef("")},
	pDaemonize:               {name: "daemonize", kind: kindBool, immutable: true, def: constDef("no")},
	pIOThreads:               {name: "io-threads", kind: kindInt, min: 1, max: 128, immutable: true, def: func(s *Server) string { return strconv.Itoa(max(s.NumShards, 1)) }},
	pClusterEnabled:          {name: "cluster-enabled", kind: kindBool, immutable: true, def: constDef("no")},
	pTCPBacklog:              {name: "tcp-backlog", kind: kindInt, min: 0, max: intMax, immutable: true, def: constDef("511")},
	pUnixSocket:              {name: "unixsocket", kind: kindString, immutable: true, def: constDef("")},
	pReplicaReadOnly:         {name: "replica-read-only", alias: "slave-read-only", kind: kindBool, def: constDef("yes")},
	pMaxMemoryClients:        {name: "maxmemory-clients", kind: kindMemory, min: 0, max: longMax, def: constDef("0")},
	pHllSparseMaxBytes:       {name: "hll-sparse-max-bytes", kind: kindMemory, min: 0, max: longMax, def: constDef("3000")},
}

const (
	pMaxMemory = iota
	pMaxMemoryPolicy
	pMaxMemorySamples
	pMaxMemoryTenacity
	pHz
	pDynamicHz
	pDatabases
	pTimeout
	pTCPKeepalive
	pSave
	pAppendOnly
	pAppendFsync
	pProtoMaxBulkLen
	pClientQueryBufferLimit
	pMaxClients
	pPort
	pBind
	pRequirePass
	pProtectedMode
	pHashMaxListpackEntries
	pHashMaxListpackValue
	pSetMaxIntsetEntries
	pSetMaxListpackEntries
	pSetMaxListpackValue
	pZsetMaxListpackEntries
	pZsetMaxListpackValue
	pListMaxListpackSize
	pListCompressDepth
	pStreamNodeMaxBytes
	pStreamNodeMaxEntries
	pNotifyKeyspaceEvents
	pSlowlogLogSlowerThan
	pSlowlogMaxLen
	pBusyReplyThreshold
	pDir
	pDBFilename
	pLatencyTracking
	pLatencyMonitorThreshold
	pLatencyPercentiles
	pActiveExpireEffort
	pLFULogFactor
	pLFUDecayTime
	pLazyfreeLazyEviction
	pLazyfreeLazyExpire
	pLazyfreeLazyServerDel
	pLazyfreeLazyUserDel
	pLazyfreeLazyUserFlush
	pActiveRehashing
	pLogLevel
	pLogfile
	pDaemonize
	pIOThreads
	pClusterEnabled
	pTCPBacklog
	pUnixSocket
	pReplicaReadOnly
	pMaxMemoryClients
	pHllSparseMaxBytes
	numParams
)

// paramIndex maps every lower-case name and alias to its params index.
var paramIndex = func() map[string]int {
	if len(params) != numParams {
		panic("engine: params table and index constants disagree")
	}
	m := make(map[string]int, 2*len(params))
	for i, p := range params {
		m[p.name] = i
		if p.alias != "" {
			m[p.alias] = i
		}
	}
	return m
}()

// configSnapshot is one immutable set of values: strs holds each
// parameter's canonical text (what CONFIG GET prints), ints its numeric
// value (integers, memory, booleans as 0/1, enums as their index, notify
// flags as a bit set).
type configSnapshot struct {
	strs [numParams]string
	ints [numParams]int64
}

// Config is the server's runtime parameter store. Reads (the getters,
// CONFIG GET) are safe from any goroutine or shard thread, lock-free; a
// returned string stays valid forever (snapshots are never mutated).
type Config struct {
	snap atomic.Pointer[configSnapshot]
}

// NewConfig returns a Config with Redis's defaults, taking databases,
// port, requirepass and the shard count from srv.
func NewConfig(srv *Server) *Config {
	snap := &configSnapshot{}
	for i := range params {
		v := params[i].def(srv)
		snap.strs[i] = v
		snap.ints[i] = parseDefault(&params[i], v)
	}
	c := &Config{}
	c.snap.Store(snap)
	return c
}

func parseDefault(p *param, v string) int64 {
	switch p.kind {
	case kindBool:
		if v == "yes" {
			return 1
		}
	case kindEnum:
		for i, e := range p.enum {
			if e == v {
				return int64(i)
			}
		}
	case kindInt, kindMemory:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// Config returns the server's parameter store, creating it with the
// defaults on first use. Safe from any goroutine.
func (s *Server) Config() *Config {
	if c := s.config.Load(); c != nil {
		return c
	}
	s.config.CompareAndSwap(nil, NewConfig(s))
	return s.config.Load()
}

func (c *Config) load() *configSnapshot { return c.snap.Load() }

// Typed getters for the code that consumes settings. Each is one atomic
// load; call it when the value is needed (e.g. once per tick), not once at
// start-up, so CONFIG SET takes effect.

// MaxMemory is maxmemory in bytes; 0 = no limit.
func (c *Config) MaxMemory() int64 { return c.load().ints[pMaxMemory] }

// MaxMemoryPolicy is maxmemory-policy ("noeviction", "allkeys-lru", ...).
func (c *Config) MaxMemoryPolicy() string { return c.load().strs[pMaxMemoryPolicy] }

// MaxMemorySamples is maxmemory-samples.
func (c *Config) MaxMemorySamples() int { return int(c.load().ints[pMaxMemorySamples]) }

// Hz is the background tick frequency, already clamped to 1..500.
func (c *Config) Hz() int { return int(c.load().ints[pHz]) }

// Timeout is the idle client timeout in seconds; 0 = never.
func (c *Config) Timeout() int64 { return c.load().ints[pTimeout] }

// TCPKeepalive is tcp-keepalive in seconds; 0 = off.
func (c *Config) TCPKeepalive() int64 { return c.load().ints[pTCPKeepalive] }

// MaxClients is maxclients.
func (c *Config) MaxClients() int64 { return c.load().ints[pMaxClients] }

// ProtoMaxBulkLen is proto-max-bulk-len in bytes.
func (c *Config) ProtoMaxBulkLen() int64 { return c.load().ints[pProtoMaxBulkLen] }

// ClientQueryBufferLimit is client-query-buffer-limit in bytes.
func (c *Config) ClientQueryBufferLimit() int64 { return c.load().ints[pClientQueryBufferLimit] }

// SlowlogLogSlowerThan is slowlog-log-slower-than in microseconds; -1 = off.
func (c *Config) SlowlogLogSlowerThan() int64 { return c.load().ints[pSlowlogLogSlowerThan] }

// LatencyMonitorThreshold is latency-monitor-threshold in ms; 0 = off.
func (c *Config) LatencyMonitorThreshold() int64 { return c.load().ints[pLatencyMonitorThreshold] }

// SlowlogMaxLen is slowlog-max-len.
func (c *Config) SlowlogMaxLen() int64 { return c.load().ints[pSlowlogMaxLen] }

// BusyReplyThreshold is busy-reply-threshold (lua-time-limit) in ms.
func (c *Config) BusyReplyThreshold() int64 { return c.load().ints[pBusyReplyThreshold] }

// ActiveExpireEffort is active-expire-effort, 1..10.
func (c *Config) ActiveExpireEffort() int { return int(c.load().ints[pActiveExpireEffort]) }

// Notify event class bits of notify-keyspace-events, as NotifyKeyspaceEvents reports them.
const (
	NotifyKeyspace = 1 << iota // K
	NotifyKeyevent             // E
	NotifyGeneric              // g
	NotifyString               // $
	NotifyList                 // l
	NotifySet                  // s
	NotifyHash                 // h
	NotifyZset                 // z
	NotifyExpired              // x
	NotifyEvicted              // e
	NotifyStream               // t
	NotifyKeyMiss              // m
	NotifyModule               // d
	NotifyNew                  // n
	NotifyAll      = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash | NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// NotifyKeyspaceEvents is notify-keyspace-events as Notify* bits.
func (c *Config) NotifyKeyspaceEvents() int64 { return c.load().ints[pNotifyKeyspaceEvents] }

// Encoding thresholds for the collection families.

func (c *Config) HashMaxListpackEntries() int64 { return c.load().ints[pHashMaxListpackEntries] }
func (c *Config) HashMaxListpackValue() int64   { return c.load().ints[pHashMaxListpackValue] }
func (c *Config) SetMaxIntsetEntries() int64    { return c.load().ints[pSetMaxIntsetEntries] }
func (c *Config) SetMaxListpackEntries() int64  { return c.load().ints[pSetMaxListpackEntries] }
func (c *Config) SetMaxListpackValue() int64    { return c.load().ints[pSetMaxListpackValue] }
func (c *Config) ZsetMaxListpackEntries() int64 { return c.load().ints[pZsetMaxListpackEntries] }
func (c *Config) ZsetMaxListpackValue() int64   { return c.load().ints[pZsetMaxListpackValue] }
func (c *Config) ListMaxListpackSize() int64    { return c.load().ints[pListMaxListpackSize] }
func (c *Config) ListCompressDepth() int64      { return c.load().ints[pListCompressDepth] }

// HllSparseMaxBytes is hll-sparse-max-bytes: the size past which a sparse
// HyperLogLog is promoted to the dense representation.
func (c *Config) HllSparseMaxBytes() int64 { return c.load().ints[pHllSparseMaxBytes] }

// Save is the save parameter ("" = no snapshots, else "secs changes ...").
func (c *Config) Save() string { return c.load().strs[pSave] }

// Dir is the absolute snapshot directory.
func (c *Config) Dir() string { return c.load().strs[pDir] }

// DBFilename is the snapshot file name.
func (c *Config) DBFilename() string { return c.load().strs[pDBFilename] }

// Get returns a parameter's current text by name or alias
// (case-insensitive).
func (c *Config) Get(name string) (string, bool) {
	i, ok := paramIndex[strings.ToLower(name)]
	if !ok {
		return "", false
	}
	return c.load().strs[i], true
}

// SetError is a CONFIG SET failure; Error() is Redis's reply text.
type SetError struct{ msg string }

func (e *SetError) Error() string { return e.msg }

func setFailed(name, reason string) *SetError {
	return &SetError{"ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason}
}

// Set applies name/value pairs all or nothing, as CONFIG SET does: every
// pair is validated first; on any error nothing changes.
func (c *Config) Set(pairs ...string) error { return c.set(false, pairs) }

// SetStartup is Set for start-up flags (--hz, --maxclients, --bind,
// --maxmemory, --dir, ...): it also sets parameters CONFIG SET may not
// change (immutable, protected or refused ones), with the same value
// formats. Call it before the shards start.
func (c *Config) SetStartup(pairs ...string) error { return c.set(true, pairs) }

func (c *Config) set(startup bool, pairs []string) error {
	if len(pairs)%2 != 0 {
		return &SetError{"ERR syntax error"}
	}
	idx := make([]int, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		name := pairs[i]
		pi, ok := paramIndex[strings.ToLower(name)]
		if !ok {
			return &SetError{"ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'"}
		}
		if params[pi].immutable && !startup {
			return setFailed(name, "can't set immutable config")
		}
		if params[pi].refuse != "" && !startup {
			return setFailed(name, params[pi].refuse)
		}
		// Redis refuses the same name twice, but not a name and its alias.
		for j := 0; j < i; j += 2 {
			if strings.EqualFold(pairs[j], name) {
				return setFailed(name, "duplicate parameter")
			}
		}
		idx = append(idx, pi)
	}
	for {
		cur := c.load()
		next, err := c.apply(cur, startup, pairs, idx)
		if err != nil {
			return err
		}
		if c.snap.CompareAndSwap(cur, next) {
			return nil
		}
		// Another CONFIG SET won the race: apply ours on top of its values.
	}
}

// apply returns a copy of cur with the pairs (whose params indexes are idx)
// applied, or the first value error.
func (c *Config) apply(cur *configSnapshot, startup bool, pairs []string, idx []int) (*configSnapshot, error) {
	next := *cur
	for k, pi := range idx {
		name, v := pairs[2*k], pairs[2*k+1]
		p := params[pi]
		if startup && p.kind == kindString {
			p.check = nil // start-up strings (dir, bind) are taken as given
		}
		s, n, err := p.parse(v)
		if err != "" {
			return nil, setFailed(name, err)
		}
		next.strs[pi], next.ints[pi] = s, n
	}
	return &next, nil
}

// parse validates v for p and returns its canonical text and numeric form,
// or Redis's reason for refusing it.
func (p *param) parse(v string) (string, int64, string) {
	switch p.kind {
	case kindInt, kindMemory:
		var n int64
		var ok bool
		if p.kind == kindMemory {
			n, ok = parseMemory(v)
			if !ok {
				return "", 0, "argument must be a memory value"
			}
		} else if n, ok = parseStrictInt(v); !ok {
			return "", 0, "argument couldn't be parsed into an integer"
		}
		if n < p.min || n > p.max {
			return "", 0, "argument must be between " + strconv.FormatInt(p.min, 10) + " and " + strconv.FormatInt(p.max, 10) + " inclusive"
		}
		if p.apply != nil {
			n = p.apply(n)
		}
		return strconv.FormatInt(n, 10), n, ""
	case kindBool:
		var s string
		var n int64
		switch strings.ToLower(v) {
		case "yes":
			s, n = "yes", 1
		case "no":
			s = "no"
		default:
			return "", 0, "argument must be 'yes' or 'no'"
		}
		if p.check != nil {
			if _, err := p.check(s); err != "" {
				return "", 0, err
			}
		}
		return s, n, ""
	case kindEnum:
		for i, e := range p.enum {
			if strings.EqualFold(e, v) {
				return e, int64(i), ""
			}
		}
		return "", 0, "argument(s) must be one of the following: " + strings.Join(p.enum, ", ")
	default: // kindString, kindSpecial
		if p.check == nil {
			return v, 0, ""
		}
		s, err := p.check(v)
		if err != "" {
			return "", 0, err
		}
		var n int64
		if p.name == "notify-keyspace-events" {
			n = notifyFlags(s)
		}
		return s, n, ""
	}
}

func clampHz(n int64) int64 { return min(max(n, 1), 500) }

// parseStrictInt parses a decimal int64 as Redis's string2ll does: no
// sign but '-', no leading zeros, no spaces.
func parseStrictInt(s string) (int64, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	d := s
	if d[0] == '-' {
		d = d[1:]
	}
	if d == "" || d[0] < '0' || d[0] > '9' || (d[0] == '0' && len(d) > 1) || (d == "0" && s[0] == '-') {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseMemory parses a Redis memory value: digits with an optional unit
// b, k (1000), kb (1024), m, mb, g, gb, case-insensitive.
func parseMemory(s string) (int64, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil || n > math.MaxInt64/mul {
		return 0, false
	}
	return int64(n * mul), true
}

func checkSave(v string) (string, string) {
	f := strings.Fields(v)
	if len(f)%2 != 0 {
		return "", "Invalid save parameters"
	}
	for _, x := range f {
		if n, ok := parseStrictInt(x); !ok || n < 0 {
			return "", "Invalid save parameters"
		}
	}
	return strings.Join(f, " "), ""
}

func checkAppendOnly(v string) (string, string) {
	if v == "yes" {
		return "", "darner has no append-only file (snapshots only)"
	}
	return v, ""
}

func checkPercentiles(v string) (string, string) {
	f := strings.Fields(v)
	out := make([]string, len(f))
	for i, x := range f {
		p, err := strconv.ParseFloat(x, 64)
		if err != nil || math.IsNaN(p) {
			return "", "Invalid latency-tracking-info-percentiles parameters"
		}
		if p < 0 || p > 100 {
			return "", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
		}
		out[i] = strconv.FormatFloat(p, 'f', -1, 64)
	}
	return strings.Join(out, " "), ""
}

var notifyChars = []struct {
	ch   byte
	flag int64
}{
	{'g', NotifyGeneric}, {'$', NotifyString}, {'l', NotifyList}, {'s', NotifySet},
	{'h', NotifyHash}, {'z', NotifyZset}, {'x', NotifyExpired}, {'e', NotifyEvicted},
	{'t', NotifyStream}, {'d', NotifyModule}, {'n', NotifyNew},
	{'K', NotifyKeyspace}, {'E', NotifyKeyevent}, {'m', NotifyKeyMiss},
}

// checkNotify parses notify-keyspace-events classes and prints them in
// Redis's canonical order ("KEA" → "AKE").
func checkNotify(v string) (string, string) {
	var flags int64
	for i := 0; i < len(v); i++ {
		if v[i] == 'A' {
			flags |= NotifyAll
			continue
		}
		found := false
		for _, nc := range notifyChars {
			if nc.ch == v[i] {
				flags |= nc.flag
				found = true
			}
		}
		if !found {
			return "", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
	}
	var b []byte
	if flags&NotifyAll == NotifyAll {
		b = append(b, 'A')
	}
	for _, nc := range notifyChars {
		if flags&nc.flag == 0 || (flags&NotifyAll == NotifyAll && nc.flag&NotifyAll != 0) {
			continue
		}
		b = append(b, nc.ch)
	}
	return string(b), ""
}

func notifyFlags(s string) int64 {
	var flags int64
	for i := 0; i < len(s); i++ {
		if s[i] == 'A' {
			flags |= NotifyAll
		}
		for _, nc := range notifyChars {
			if nc.ch == s[i] {
				flags |= nc.flag
			}
		}
	}
	return flags
}

// The CONFIG command.

func init() {
	const f = FlagAdmin | FlagNoScript | FlagLoading | FlagStale
	sub := func(name string, arity int, flags Flags, summary, since string, run func(*Ctx, [][]byte)) *Command {
		return &Command{Name: "config|" + name, Arity: arity, Flags: flags, Group: "server",
			Summary: summary, Since: since, Run: run}
	}
	cmd := &Command{Name: "config", Arity: -2, Group: "server", Summary: "A container for server configuration commands", Since: "2.0.0", Complexity: "Depends on subcommand."}
	cmd.Subcommands = []*Command{
		sub("get", -3, f, "Get the values of configuration parameters", "2.0.0", cmdConfigGet),
		sub("help", 2, FlagLoading|FlagStale, "Show helpful text about the different subcommands", "5.0.0", cmdConfigHelp),
		sub("resetstat", 2, f, "Reset the stats returned by INFO", "2.0.0", cmdConfigResetStat),
		sub("rewrite", 2, f, "Rewrite the configuration file with the in memory configuration", "2.8.0", cmdConfigRewrite),
		sub("set", -4, f, "Set configuration parameters to the given values", "2.0.0", cmdConfigSet),
	}
	subDocs(cmd, "get", "(parameter){parameter :block}...", [2]string{"7.0.0", "Added the ability to pass multiple pattern parameters in one call"})
	subDocs(cmd, "set", "(parameter value){parameter_value}...", [2]string{"7.0.0", "Added the ability to set multiple parameters in one call."})
	for _, s := range cmd.Subcommands {
		s.Complexity = "O(1)"
	}
	cmd.Subcommands[0].Complexity = "O(N) when N is the number of configuration parameters provided"
	cmd.Subcommands[4].Complexity = cmd.Subcommands[0].Complexity
	cmd.Subcommands[4].Tips = []string{"request_policy:all_nodes", "response_policy:all_succeeded"}
	cmd.Run = func(c *Ctx, args [][]byte) { cmd.RunSubcommand(c, args) }
	register(cmd)
}

// cmdConfigGet answers CONFIG GET pattern [pattern ...]: a map of every
// matching parameter (names and aliases, case-insensitive globs); an exact
// name is answered under the spelling the client used, as Redis does.
func cmdConfigGet(c *Ctx, args [][]byte) {
	snap := c.Server.Config().load()
	type kv struct{ k, v string }
	var out []kv
	seen := map[string]bool{}
	add := func(k string, i int) {
		if !seen[k] {
			seen[k] = true
			out = append(out, kv{k, snap.strs[i]})
		}
	}
	for _, pat := range args[2:] {
		if !strings.ContainsAny(string(pat), "[*?") {
			if i, ok := paramIndex[strings.ToLower(string(pat))]; ok {
				add(string(pat), i)
			}
			continue
		}
		for i := range params {
			if globMatch(pat, []byte(params[i].name), true) {
				add(params[i].name, i)
			}
			if a := params[i].alias; a != "" && globMatch(pat, []byte(a), true) {
				add(a, i)
			}
		}
	}
	c.W.MapLen(len(out))
	for _, e := range out {
		c.W.BulkString(e.k)
		c.W.BulkString(e.v)
	}
}

func cmdConfigSet(c *Ctx, args [][]byte) {
	pairs := make([]string, len(args)-2)
	for i, a := range args[2:] {
		pairs[i] = string(a)
	}
	if err := c.Server.Config().Set(pairs...); err != nil {
		c.W.Error(err.Error())
		return
	}
	c.W.OK()
}

// cmdConfigResetStat zeroes INFO's counters: every shard zeroes its own
// before its next command (or snapshot) once it sees the new epoch
// (ShardStats.ResetEpoch), so no counter is written across threads.
func cmdConfigResetStat(c *Ctx, args [][]byte) {
	c.Server.Counters.ResetEpoch.Add(1)
	c.Server.Counters.PeakUsedMemory.Store(0)
	c.W.OK()
}

func cmdConfigRewrite(c *Ctx, args [][]byte) {
	c.W.Error("ERR The server is running without a config file")
}

var configHelp = []string{
	"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
	"HELP",
	"    Prints this help.",
}

func cmdConfigHelp(c *Ctx, args [][]byte) { writeHelp(c, configHelp) }
