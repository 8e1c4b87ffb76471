package engine

import (
	"sync"
	"sync/atomic"

	"github.com/darnerdb/darner/proto"
)

// Flags describe a command for the table, COMMAND INFO and the dispatcher.
type Flags uint32

const (
	FlagWrite Flags = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagLoading
	FlagStale
	FlagFast
	FlagBlocking
	FlagMovableKeys
	FlagNoAuth // allowed before AUTH (AUTH, HELLO, QUIT, RESET)
	// FlagConn marks a command that reads or changes the connection's
	// Session (SELECT, HELLO, CLIENT, QUIT, ...). It always runs on the
	// coordinator shard, with Ctx.Sess set.
	FlagConn
	// FlagGlobal marks a command that runs on every shard as one
	// transaction (FLUSHALL, SWAPDB, DBSIZE, ...); it needs a Tx planner.
	FlagGlobal
	// FlagAllowBusy: allowed while a script is busy (Redis's allow_busy).
	FlagAllowBusy
	// FlagNoAsyncLoading: refused during an async load (Redis's
	// no_async_loading; reported by COMMAND INFO).
	FlagNoAsyncLoading
	// FlagSkipSlowlog: never logged in the slow log (EXEC: its commands
	// are).
	FlagSkipSlowlog
	// FlagNoMulti: refused inside MULTI ("Command not allowed inside a
	// transaction"), as Redis's no_multi.
	FlagNoMulti
)

// Command is one entry of the declarative command table.
//
// Arity follows Redis: positive = exact argument count including the
// command name, negative = at least -Arity. FirstKey/LastKey/Step give key
// positions as in COMMAND INFO (LastKey -1 = last argument, 0 = no keys).
//
// Run executes the whole command on the shard that owns its keys (or on
// the coordinator for keyless commands) and writes exactly one reply to
// c.W. It must not keep args (they alias the connection's input buffer)
// nor c beyond its return.
type Command struct {
	Name string // lower case, as COMMAND reports it
	// ID is the command's index in the table, set by register: per-shard
	// counters are arrays indexed by it.
	ID       int
	Arity    int
	Flags    Flags
	FirstKey int
	LastKey  int
	Step     int
	Run      func(c *Ctx, args [][]byte)
	// Tx plans the command as a transaction (see tx.go) when its keys span
	// several shards, or always with FlagGlobal or when Run is nil. Run then
	// only ever sees keys of the shard it runs on.
	Tx func(t *Tx, args [][]byte)
	// TxIf, when set, makes a command with Run go through Tx for the
	// arguments it accepts (CLIENT LIST/KILL need every shard).
	TxIf func(args [][]byte) bool

	// Introspection (COMMAND INFO/DOCS/LIST, ACL categories). None of these
	// fields affect dispatch; all are optional.

	// Group is the Redis documentation group of the command's family:
	// "string", "generic" (keyspace), "hash", "list", "set", "sorted-set",
	// "bitmap", "hyperloglog", "geo", "stream", "pubsub", "transactions",
	// "scripting", "connection", "server". It implies the family's ACL
	// category (@string, @keyspace, @hash, ...).
	Group string
	// ACL lists ACL categories beyond those implied by Flags and Group,
	// space-separated, e.g. "@dangerous".
	ACL string
	// Tips are Redis's command tips, e.g. "nondeterministic_output",
	// "request_policy:all_shards".
	Tips []string
	// KeySpecs, when nil, are derived from FirstKey/LastKey/Step and Flags.
	KeySpecs []KeySpec
	// Subcommands of a container command (CONFIG, CLIENT, COMMAND), named
	// "parent|sub" as Redis does. They are reported by COMMAND INFO/DOCS;
	// dispatch still calls the parent's Run, which checks their arity.
	Subcommands []*Command
	// COMMAND DOCS text.
	Summary    string
	Since      string
	Complexity string
	// Args declares the arguments COMMAND DOCS reports, in the syntax
	// described in command_docs.go; register parses it once (into docArgs)
	// and panics on a bad spec.
	Args string
	// History lists COMMAND DOCS history entries: {version, change}.
	History [][2]string
	// DeprecatedSince and ReplacedBy describe a deprecated command (its
	// doc_flags then say "deprecated").
	DeprecatedSince string
	ReplacedBy      string
	// KeyFlags, for a command whose key spec says "variable_flags" (SET,
	// BITFIELD), returns the flags of that spec's keys for one command line
	// (args[0] is the name) as COMMAND GETKEYSANDFLAGS reports them.
	KeyFlags func(args [][]byte, spec int) []string
	// FindKeys, for a command whose keys its specs cannot find (Redis's
	// getkeys_proc: SORT's STORE), calls f with each key's argument index
	// and flags, in order. KeyPositions and COMMAND GETKEYS use it.
	FindKeys func(args [][]byte, f func(i int, flags []string))
	docArgs  []*DocArg
}

// Session is one connection's state. It belongs to the connection's
// coordinator shard; commands that change it carry FlagConn and run there.
type Session struct {
	ID     uint64
	DB     int
	Resp3  bool
	Name   string
	Authed bool

	// Mute is CLIENT REPLY's state (Mute* bits); zero while every reply
	// is sent. The ring reads it before each command (one byte test).
	Mute uint8
	// NoEvict and NoTouch are CLIENT NO-EVICT / NO-TOUCH.
	NoEvict, NoTouch bool

	// MULTI/EXEC (multi.go). The ring queues commands while InMulti; a
	// queue-time error (unknown command, arity, NOAUTH) sets MultiDirty.
	InMulti    bool
	MultiDirty bool
	Queue      []QueuedCommand
	// WATCH: the shared state the watched keys' shards mark, and the keys.
	Watch   *WatchState
	Watched []WatchedKey
}

// CLIENT REPLY states (Session.Mute bits).
const (
	MuteOff      uint8 = 1 << iota // CLIENT REPLY OFF: drop every reply
	MuteSkip                       // drop the reply of the command being run
	MuteSkipNext                   // CLIENT REPLY SKIP: drop the next command's reply
	MuteOn                         // CLIENT REPLY ON just ran: its +OK is sent
)

// QueuedCommand is a command queued inside MULTI, with its own copy of
// the arguments.
type QueuedCommand struct {
	Cmd  *Command
	Args [][]byte
}

// Unwatch forgets the session's watched keys (UNWATCH, EXEC, DISCARD,
// disconnect).
func (s *Session) Unwatch() {
	if s.Watch != nil {
		s.Watch.Release()
		s.Watch = nil
	}
	s.Watched = nil
}

// ResetMulti leaves MULTI state (EXEC, DISCARD).
func (s *Session) ResetMulti() {
	s.InMulti, s.MultiDirty = false, false
	clear(s.Queue)
	s.Queue = s.Queue[:0]
}

// Ctx is what a command runs with. The dispatcher fills it in on the
// shard that runs the command; it is reused between commands.
type Ctx struct {
	Server *Server       // server-wide settings and state; read-only for commands
	Shard  *Shard        // the shard running the command; owns its keys
	Sess   *Session      // set only for FlagConn and keyless commands (coordinator)
	DB     int           // selected database
	W      *proto.Writer // where the one reply goes
	Now    int64         // wall clock, unix milliseconds, taken once per batch
	// Close is set by a command (QUIT) that wants the connection closed
	// once its reply is sent.
	Close bool
}

// Server is the server-wide state every shard can read. Fields are set
// before the shards start and never change afterwards, unless a field's
// comment says otherwise.
type Server struct {
	RequirePass string // --requirepass; "" = no AUTH needed
	NumShards   int
	NumDBs      int
	Backend     string // "io_uring" or "epoll" (INFO server multiplexing_api)
	Port        int
	StartUnixMs int64
	Version     string

	// RingStats, set by the event loop before the shards start, returns
	// shard id's loop counters; INFO and /metrics call it on that shard's
	// thread (in a tx phase). nil in tests without a ring.
	RingStats func(id int) RingShardStats
	// Counters are server-wide atomics (any thread).
	Counters ServerCounters

	// BlockedClients counts clients blocked in a blocking command (INFO
	// clients blocked_clients); the runtime updates it from any shard.
	BlockedClients atomic.Int64
	// blockedByID maps client IDs to their Blocker (CLIENT UNBLOCK);
	// Deliver, set by the runtime, hands an ended Blocker to its client's
	// coordinator from any thread.
	blockedByID sync.Map
	Deliver     func(b *Blocker)

	// PubSub is the runtime's channel registry (PUBLISH, PUBSUB); set
	// before the shards start, nil in tests without a ring (pubsub.go).
	PubSub PubSubHub

	// config holds the runtime parameters (CONFIG GET/SET); see
	// (*Server).Config in config.go. Safe to read from any shard thread.
	config atomic.Pointer[Config]
	// persist is the snapshot status (persist_cmds.go, Server.Persist).
	persist atomic.Pointer[PersistStatus]

	// mem is the --maxmemory accounting (maxmemory.go); any thread.
	mem serverMem
}

// ErrWrongArgs returns Redis's arity error text for a command name as the
// client sent it (lower-cased like Redis does).
func ErrWrongArgs(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// CheckArity reports whether n arguments (command name included) fit arity.
func CheckArity(arity, n int) bool {
	if arity >= 0 {
		return n == arity
	}
	return n >= -arity
}

// KeyPositions calls f for each key argument index of args according to
// the command's key spec. It does not allocate.
//
// Commands with FlagMovableKeys find their keys through their KeySpecs
// (keynum or keyword specs, as COMMAND GETKEYS does); that path allocates.
func (cmd *Command) KeyPositions(args [][]byte, f func(i int)) {
	if cmd.Flags&FlagMovableKeys != 0 && (len(cmd.KeySpecs) > 0 || cmd.FindKeys != nil) {
		refs, _ := cmd.getKeys(args)
		for _, r := range refs {
			f(r.i)
		}
		return
	}
	if cmd.FirstKey <= 0 {
		return
	}
	last := cmd.LastKey
	if last < 0 {
		last = len(args) + last
	}
	step := cmd.Step
	if step <= 0 {
		step = 1
	}
	for i := cmd.FirstKey; i <= last && i < len(args); i += step {
		f(i)
	}
}
