package engine

import (
	"strings"
)

// Pub/sub: the table entries. The subscriptions belong to connections, so
// the registry and the SUBSCRIBE family live in the runtime (ring/push.go);
// PUBLISH and PUBSUB reach the registry through Server.PubSub.

// PubSubHub is the runtime's channel registry. Every method is safe from
// any shard thread; from is the calling shard (messages for its own
// connections are delivered at once, others through the push queues).
type PubSubHub interface {
	// Publish sends msg to the subscribers of ch (sharded: of the shard
	// channel ch) and, unless sharded, to the matching patterns; it
	// returns the number of receivers.
	Publish(from int, ch, msg []byte, sharded bool) int
	// Channels returns the active channels matching pattern (nil: all).
	Channels(pattern []byte, sharded bool) [][]byte
	// NumSub returns the number of subscribers of ch.
	NumSub(ch []byte, sharded bool) int
	// NumPat returns the number of pattern subscriptions.
	NumPat() int
	// Counts returns the numbers of channels, patterns and shard channels
	// with subscribers (INFO stats).
	Counts() (chans, pats, schans int)
}

// Subscribe-family entries, recognised by the runtime through FlagPubSub
// and Command.Name.
var pubsubContainer = pubsubCommand()

func init() {
	const sub = FlagPubSub | FlagNoScript | FlagLoading | FlagStale | FlagConn
	const g = "pubsub"
	register(
		&Command{Name: "publish", Arity: 3, Flags: FlagPubSub | FlagLoading | FlagStale | FlagFast, Run: cmdPublish, Group: g,
			Summary: "Post a message to a channel", Since: "2.0.0",
			Complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
			Args:       "channel message"},
		&Command{Name: "spublish", Arity: 3, Flags: FlagPubSub | FlagLoading | FlagStale | FlagFast, Run: cmdPublish, Group: g,
			// The shard channel is a key position (not a key): it runs on
			// the channel's shard.
			FirstKey: 1, LastKey: 1, Step: 1, KeySpecs: []KeySpec{{Flags: []string{"not_key"}, BeginIndex: 1, KeyStep: 1}},
			Summary: "Post a message to a shard channel", Since: "7.0.0",
			Complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
			Args:       "shardchannel message"},
		&Command{Name: "subscribe", Arity: -2, Flags: sub, Run: cmdSubscribeOutside, Group: g,
			Summary: "Listen for messages published to the given channels", Since: "2.0.0",
			Complexity: "O(N) where N is the number of channels to subscribe to.",
			Args:       "channel..."},
		&Command{Name: "unsubscribe", Arity: -1, Flags: sub, Run: cmdSubscribeOutside, Group: g,
			Summary: "Stop listening for messages posted to the given channels", Since: "2.0.0",
			Complexity: "O(N) where N is the number of clients already subscribed to a channel.",
			Args:       "[channel...]"},
		&Command{Name: "psubscribe", Arity: -2, Flags: sub, Run: cmdSubscribeOutside, Group: g,
			Summary: "Listen for messages published to channels matching the given patterns", Since: "2.0.0",
			Complexity: "O(N) where N is the number of patterns the client is already subscribed to.",
			Args:       "(pattern){pattern :block}..."},
		&Command{Name: "punsubscribe", Arity: -1, Flags: sub, Run: cmdSubscribeOutside, Group: g,
			Summary: "Stop listening for messages posted to channels matching the given patterns", Since: "2.0.0",
			Complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
			Args:       "[pattern...]"},
		&Command{Name: "ssubscribe", Arity: -2, Flags: sub, Run: cmdSubscribeOutside, Group: g,
			FirstKey: 1, LastKey: -1, Step: 1, KeySpecs: []KeySpec{{Flags: []string{"not_key"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
			Summary: "Listen for messages published to the given shard channels", Since: "7.0.0",
			Complexity: "O(N) where N is the number of shard channels to subscribe to.",
			Args:       "shardchannel..."},
		&Command{Name: "sunsubscribe", Arity: -1, Flags: sub, Run: cmdSubscribeOutside, Group: g,
			FirstKey: 1, LastKey: -1, Step: 1, KeySpecs: []KeySpec{{Flags: []string{"not_key"}, BeginIndex: 1, LastKey: -1, KeyStep: 1}},
			Summary: "Stop listening for messages posted to the given shard channels", Since: "7.0.0",
			Complexity: "O(N) where N is the number of clients already subscribed to a shard channel.",
			Args:       "[shardchannel...]"},
		pubsubContainer,
	)
}

// cmdSubscribeOutside runs where the runtime cannot subscribe a
// connection: inside EXEC (Redis 7.0 allows it there; darner does not
// yet) and in engine tests.
func cmdSubscribeOutside(c *Ctx, args [][]byte) {
	c.W.Error("ERR " + strings.ToUpper(string(args[0])) + " is not supported inside MULTI")
}

func cmdPublish(c *Ctx, args [][]byte) {
	n := 0
	if h := c.Server.PubSub; h != nil {
		n = h.Publish(c.Shard.ID, args[1], args[2], EqualFold(args[0], "spublish"))
	}
	c.W.Int(int64(n))
}

func pubsubCommand() *Command {
	sub := func(name string, arity int, summary, since, complexity string, run func(*Ctx, [][]byte)) *Command {
		return &Command{Name: "pubsub|" + name, Arity: arity, Flags: FlagPubSub | FlagLoading | FlagStale, Group: "pubsub",
			Summary: summary, Since: since, Complexity: complexity, Run: run}
	}
	cmd := &Command{Name: "pubsub", Arity: -2, Group: "pubsub",
		Summary: "A container for Pub/Sub commands", Since: "2.8.0", Complexity: "Depends on subcommand."}
	cmd.Run = func(c *Ctx, args [][]byte) { cmd.RunSubcommand(c, args) }
	cmd.Subcommands = []*Command{
		sub("channels", -2, "List active channels", "2.8.0", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
			func(c *Ctx, args [][]byte) { pubsubChannels(c, args, false) }),
		sub("numsub", -2, "Get the count of subscribers for channels", "2.8.0", "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
			func(c *Ctx, args [][]byte) { pubsubNumSub(c, args, false) }),
		sub("numpat", 2, "Get the count of unique patterns pattern subscriptions", "2.8.0", "O(1)",
			func(c *Ctx, args [][]byte) {
				n := 0
				if h := c.Server.PubSub; h != nil {
					n = h.NumPat()
				}
				c.W.Int(int64(n))
			}),
		sub("shardchannels", -2, "List active shard channels", "7.0.0", "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
			func(c *Ctx, args [][]byte) { pubsubChannels(c, args, true) }),
		sub("shardnumsub", -2, "Get the count of subscribers for shard channels", "7.0.0", "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
			func(c *Ctx, args [][]byte) { pubsubNumSub(c, args, true) }),
		sub("help", 2, "Show helpful text about the different subcommands", "6.2.0", "O(1)", pubsubHelp),
	}
	subDocs(cmd, "channels", "[pattern]")
	subDocs(cmd, "shardchannels", "[pattern]")
	subDocs(cmd, "numsub", "[channel...]")
	subDocs(cmd, "shardnumsub", "[shardchannel...]")
	help := cmd.Subcommands[len(cmd.Subcommands)-1]
	help.Flags, help.ACL = FlagLoading|FlagStale, "-@pubsub"
	return cmd
}

func pubsubChannels(c *Ctx, args [][]byte, sharded bool) {
	if len(args) > 3 {
		c.W.Error("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try PUBSUB HELP.")
		return
	}
	var pat []byte
	if len(args) == 3 {
		pat = args[2]
	}
	var chans [][]byte
	if h := c.Server.PubSub; h != nil {
		chans = h.Channels(pat, sharded)
	}
	c.W.ArrayLen(len(chans))
	for _, ch := range chans {
		c.W.Bulk(ch)
	}
}

func pubsubNumSub(c *Ctx, args [][]byte, sharded bool) {
	c.W.ArrayLen(2 * (len(args) - 2)) // an array in RESP3 too (Redis 7.0)
	for _, ch := range args[2:] {
		n := 0
		if h := c.Server.PubSub; h != nil {
			n = h.NumSub(ch, sharded)
		}
		c.W.Bulk(ch)
		c.W.Int(int64(n))
	}
}

func pubsubHelp(c *Ctx, args [][]byte) {
	lines := []string{
		"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
		"HELP",
		"    Prints this help.",
	}
	writeHelp(c, lines)
}
