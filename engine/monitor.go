package engine

import (
	"strconv"
)

// MONITOR: the command's table entry and the feed's line format. The
// connection side (which connections monitor, where lines are produced and
// how they reach a monitor on another shard) is the runtime's: ring/push.go.
//
// Redis 7.0 feeds a command to the monitors after it ran (so SELECT's line
// shows the new database and EXEC's comes after the commands it ran),
// never a command refused before it ran (unknown, arity, NOAUTH, queued
// inside MULTI), never an admin command (CONFIG, DEBUG, CLIENT LIST/KILL,
// MONITOR, SAVE, ...), and with the secrets of AUTH and HELLO ... AUTH
// replaced by "(redacted)".

// MonitorCommand is MONITOR's table entry; the runtime recognises it by
// this pointer.
var MonitorCommand = &Command{Name: "monitor", Arity: 1,
	Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale | FlagConn,
	Run:   cmdMonitor, Group: "server",
	Summary: "Listen for all requests received by the server in real time", Since: "1.0.0"}

func init() { register(MonitorCommand) }

// cmdMonitor runs only where the runtime cannot turn the connection into
// a monitor: inside EXEC (Redis 7.0's text for it) and in engine tests.
// A connection's MONITOR is handled by the runtime.
func cmdMonitor(c *Ctx, args [][]byte) {
	c.W.Error("ERR MONITOR isn't allowed for DENY BLOCKING client")
}

// MonitorShown reports whether Redis shows a run of cmd (the subcommand's
// entry for a container, see ResolveSubcommand) to monitors: every command
// except the admin ones.
func MonitorShown(cmd *Command) bool { return cmd.Flags&FlagAdmin == 0 }

// ResolveSubcommand returns the entry of args' subcommand for a container
// command (CLIENT LIST → client|list), else cmd.
func ResolveSubcommand(cmd *Command, args [][]byte) *Command {
	if cmd.Subcommands != nil && len(args) > 1 {
		if sc := cmd.Subcommand(args[1]); sc != nil {
			return sc
		}
	}
	return cmd
}

// redacted stands for a secret argument in a monitor line.
const redacted = "(redacted)"

// AppendMonitorLine appends one monitor feed line, as Redis 7.0's
// replicationFeedMonitors writes it, simple string included:
//
//	+1700000000.123456 [0 127.0.0.1:54321] "set" "k" "v"\r\n
//
// nowUs is the wall clock in unix microseconds, db the database the client
// had selected once the command ran, addr the client's ip:port. args is
// the command as the client sent it (only read); the passwords of AUTH and
// HELLO ... AUTH are written as "(redacted)".
func AppendMonitorLine(b []byte, nowUs int64, db int, addr string, args [][]byte) []byte {
	b = append(b, '+')
	b = strconv.AppendInt(b, nowUs/1e6, 10)
	b = append(b, '.')
	us := nowUs % 1e6
	for d := int64(100000); d > 1 && us < d; d /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, us, 10)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(db), 10)
	b = append(b, ' ')
	b = append(b, addr...)
	b = append(b, ']')
	for i, a := range args {
		b = append(b, ' ')
		if redactedArg(args, i) {
			b = append(b, '"')
			b = append(b, redacted...)
			b = append(b, '"')
			continue
		}
		b = AppendRepr(b, a)
	}
	return append(b, '\r', '\n')
}

// AppendRepr appends s quoted as Redis's sdscatrepr does: "..." with \\,
// \", \n, \r, \t, \a, \b escaped, printable ASCII as is and every other
// byte as \xhh (lower-case hex).
func AppendRepr(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, ch := range s {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if ch >= 0x20 && ch <= 0x7e {
				b = append(b, ch)
			} else {
				b = append(b, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(b, '"')
}

// redactedArg reports whether Redis 7.0 hides args[i] in monitor lines:
// the password (and user) of AUTH in its 2- and 3-argument forms, and the
// user and password after each AUTH option HELLO parsed before it stopped
// (at a bad protocol version or an unknown option nothing further is).
func redactedArg(args [][]byte, i int) bool {
	if i == 0 {
		return false
	}
	switch {
	case EqualFold(args[0], "auth"):
		return len(args) <= 3
	case EqualFold(args[0], "hello"):
		if len(args) < 2 {
			return false
		}
		if v, ok := ParseInt(args[1]); !ok || v < 2 || v > 3 {
			return false
		}
		for j := 2; j < len(args) && j < i; j++ {
			more := len(args) - 1 - j
			switch {
			case EqualFold(args[j], "auth") && more >= 2:
				if i == j+1 || i == j+2 {
					return true
				}
				j += 2
			case EqualFold(args[j], "setname") && more >= 1:
				j++
			default:
				return false
			}
		}
	}
	return false
}
