package engine

import (
	"strconv"
	"strings"

	"github.com/darnerdb/darner/proto"
)

// CLIENT LIST / INFO / KILL: the connections live in the ring, each on
// its coordinator shard's thread, so these commands run as a Tx over all
// shards and each shard lists or closes its own connections through the
// callbacks the runtime sets on Shard (ClientInfos, KillClients).

// ClientInfo is one connection as CLIENT LIST shows it. It is a copy,
// owned by the caller.
type ClientInfo struct {
	ID          uint64
	Addr, LAddr string
	FD          int
	Name        string
	Created     int64 // unix ms of the accept
	LastAt      int64 // unix ms of the last command
	DB          int
	Multi       int // -1 outside MULTI, else the queued commands
	QBuf        int
	QBufFree    int
	RBS         int // input buffer size
	OMem        int // reply bytes not yet sent
	Cmd         string
	Resp        int
	Blocked     bool
	NoEvict     bool
	NoTouch     bool
	// Monitor: a MONITOR connection (flag O); Sub, PSub, SSub: its
	// channel, pattern and shard-channel subscriptions (flag P when any).
	Monitor         bool
	Sub, PSub, SSub int
}

// ClientFilter selects connections for CLIENT LIST/INFO/KILL. Zero fields
// match every connection.
type ClientFilter struct {
	IDs    []uint64
	Addr   string
	LAddr  string
	Self   uint64 // the caller's id
	SkipMe bool   // KILL: leave the caller alone
}

// Match reports whether ci is selected.
func (f *ClientFilter) Match(ci *ClientInfo) bool {
	if len(f.IDs) > 0 {
		found := false
		for _, id := range f.IDs {
			if id == ci.ID {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if f.Addr != "" && f.Addr != ci.Addr || f.LAddr != "" && f.LAddr != ci.LAddr {
		return false
	}
	return !(f.SkipMe && ci.ID == f.Self)
}

// AppendClientLine appends ci in Redis 7's CLIENT LIST format (with the
// trailing newline); now is unix ms.
func AppendClientLine(b []byte, ci *ClientInfo, now int64) []byte {
	num := func(name string, v int64) {
		b = append(b, name...)
		b = strconv.AppendInt(b, v, 10)
	}
	num("id=", int64(ci.ID))
	b = append(b, " addr="...)
	b = append(b, ci.Addr...)
	b = append(b, " laddr="...)
	b = append(b, ci.LAddr...)
	num(" fd=", int64(ci.FD))
	b = append(b, " name="...)
	b = append(b, ci.Name...)
	num(" age=", max(now-ci.Created, 0)/1000)
	num(" idle=", max(now-ci.LastAt, 0)/1000)
	b = append(b, " flags="...)
	n := len(b)
	if ci.Monitor {
		b = append(b, 'O')
	}
	if ci.Sub+ci.PSub+ci.SSub > 0 {
		b = append(b, 'P')
	}
	if ci.Blocked {
		b = append(b, 'b')
	}
	if ci.NoEvict {
		b = append(b, 'e')
	}
	if ci.Multi >= 0 {
		b = append(b, 'x')
	}
	if ci.NoTouch {
		b = append(b, 'T')
	}
	if len(b) == n {
		b = append(b, 'N')
	}
	num(" db=", int64(ci.DB))
	num(" sub=", int64(ci.Sub))
	num(" psub=", int64(ci.PSub))
	num(" ssub=", int64(ci.SSub))
	num(" multi=", int64(ci.Multi))
	num(" qbuf=", int64(ci.QBuf))
	num(" qbuf-free=", int64(ci.QBufFree))
	b = append(b, " argv-mem=0 multi-mem=0"...)
	num(" rbs=", int64(ci.RBS))
	num(" rbp=", int64(ci.RBS))
	b = append(b, " obl=0 oll=0"...)
	num(" omem=", int64(ci.OMem))
	num(" tot-mem=", int64(ci.RBS+ci.OMem)+1024)
	b = append(b, " events=r cmd="...)
	if ci.Cmd == "" {
		b = append(b, "NULL"...)
	} else {
		b = append(b, ci.Cmd...)
	}
	b = append(b, " user=default redir=-1"...)
	num(" resp=", int64(ci.Resp))
	return append(b, '\n')
}

// clientTxSub reports whether CLIENT's subcommand needs the connections
// of every shard (LIST, INFO, KILL).
func clientTxSub(args [][]byte) bool {
	return len(args) >= 2 && (EqualFold(args[1], "list") || EqualFold(args[1], "info") || EqualFold(args[1], "kill"))
}

// txClient plans CLIENT LIST / INFO / KILL over all shards.
func txClient(t *Tx, args [][]byte) {
	sub := strings.ToLower(string(args[1]))
	var self uint64
	if t.Sess != nil {
		self = t.Sess.ID
	}
	f := &ClientFilter{Self: self}
	switch sub {
	case "info":
		if len(args) != 2 {
			t.Error("ERR wrong number of arguments for 'client|info' command")
			return
		}
		f.IDs = []uint64{self}
	case "list":
		for i := 2; i < len(args); i++ {
			switch {
			case EqualFold(args[i], "type") && i+1 < len(args):
				i++
				switch strings.ToLower(string(args[i])) {
				case "normal":
				case "master", "replica", "slave", "pubsub":
					f.IDs = []uint64{0} // none of those here
				default:
					t.Error("ERR Unknown client type '" + string(args[i]) + "'")
					return
				}
			case EqualFold(args[i], "id") && i+1 < len(args):
				for i++; i < len(args); i++ {
					id, ok := ParseInt(args[i])
					if !ok {
						t.Error("ERR Invalid client ID")
						return
					}
					f.IDs = append(f.IDs, uint64(id))
				}
			default:
				t.Error("ERR syntax error")
				return
			}
		}
	case "kill":
		if len(args) < 3 {
			t.Error("ERR wrong number of arguments for 'client|kill' command")
			return
		}
		planClientKill(t, args, f)
		return
	}
	infos := make([][]ClientInfo, t.NumShards())
	t.AllShards()
	t.Each(func(c *Ctx) {
		if c.Shard.ClientInfos == nil {
			return
		}
		all := c.Shard.ClientInfos(nil)
		out := all[:0]
		for i := range all {
			if f.Match(&all[i]) {
				out = append(out, all[i])
			}
		}
		infos[c.Shard.ID] = out
	})
	now := t.Now
	t.Reply(func(w *proto.Writer) {
		var b []byte
		for _, list := range infos {
			for i := range list {
				b = AppendClientLine(b, &list[i], now)
			}
		}
		w.Verbatim("txt", b)
	})
}

// planClientKill parses CLIENT KILL's two forms and plans the kill.
func planClientKill(t *Tx, args [][]byte, f *ClientFilter) {
	old := len(args) == 3
	if old {
		f.Addr = string(args[2])
	} else {
		if len(args)%2 != 0 {
			t.Error("ERR syntax error")
			return
		}
		f.SkipMe = true
		for i := 2; i < len(args); i += 2 {
			opt, v := args[i], args[i+1]
			switch {
			case EqualFold(opt, "id"):
				id, ok := ParseInt(v)
				if !ok || id <= 0 {
					t.Error("ERR client-id should be greater than 0")
					return
				}
				f.IDs = append(f.IDs[:0], uint64(id))
			case EqualFold(opt, "type"):
				switch strings.ToLower(string(v)) {
				case "normal":
				case "master", "replica", "slave", "pubsub":
					f.IDs = []uint64{0}
				default:
					t.Error("ERR Unknown client type '" + string(v) + "'")
					return
				}
			case EqualFold(opt, "user"):
				if string(v) != "default" {
					t.Error("ERR No such user '" + string(v) + "'")
					return
				}
			case EqualFold(opt, "addr"):
				f.Addr = string(v)
			case EqualFold(opt, "laddr"):
				f.LAddr = string(v)
			case EqualFold(opt, "skipme"):
				switch {
				case EqualFold(v, "yes"):
					f.SkipMe = true
				case EqualFold(v, "no"):
					f.SkipMe = false
				default:
					t.Error("ERR syntax error")
					return
				}
			default:
				t.Error("ERR syntax error")
				return
			}
		}
	}
	counts := make([]int, t.NumShards())
	t.AllShards()
	t.Each(func(c *Ctx) {
		if c.Shard.KillClients != nil {
			counts[c.Shard.ID] = c.Shard.KillClients(f)
		}
	})
	t.Reply(func(w *proto.Writer) {
		n := 0
		for _, k := range counts {
			n += k
		}
		switch {
		case !old:
			w.Int(int64(n))
		case n == 0:
			w.Error("ERR No such client")
		default:
			w.OK()
		}
	})
}

// clientHelp is CLIENT HELP's text, as Redis 7.0 prints it.
var clientHelp = []string{
	"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CACHING (YES|NO)",
	"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
	"GETREDIR",
	"    Return the client ID we are redirecting to when tracking is enabled.",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"UNPAUSE",
	"    Stop the current client pause, resuming traffic.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Suspend all, or just write, clients for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
	"         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Control server assisted client side caching.",
	"TRACKINGINFO",
	"    Report tracking status for the current connection.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
	"HELP",
	"    Prints this help.",
}
