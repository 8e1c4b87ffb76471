package engine

import (
	"slices"
	"strconv"
	"strings"

	"github.com/darnerdb/darner/proto"
)

// LATENCY: Redis's latency monitor and per-command latency histograms.
//
// The monitor (latency-monitor-threshold ms, 0 = off, Redis's default)
// records, per shard, the commands whose run took at least the threshold,
// as Redis's "command" and "fast-command" events (by the command's fast
// flag): a bounded history of (unix second, ms) samples per event, one
// sample per second keeping that second's worst, and the worst ever.
// LATENCY LATEST/HISTORY/GRAPH/DOCTOR merge the shards' histories; RESET
// clears them on every shard. LATENCY HISTOGRAM reads the per-command
// histograms INFO latencystats uses (stats.go), summed over the shards, in
// Redis's shape: cumulative counts at power-of-two µs bounds.

// latencyHistoryLen is how many samples an event keeps (Redis's 160).
const latencyHistoryLen = 160

type latencySample struct {
	unix int64 // seconds
	ms   int64
}

// latencyEvent is one event's history: a ring of samples, oldest first
// from next once full.
type latencyEvent struct {
	samples [latencyHistoryLen]latencySample
	next, n int
	max     int64
}

func (e *latencyEvent) add(unix, ms int64) {
	if e.n > 0 {
		last := &e.samples[(e.next+latencyHistoryLen-1)%latencyHistoryLen]
		if last.unix == unix {
			last.ms = max(last.ms, ms)
			e.max = max(e.max, ms)
			return
		}
	}
	e.samples[e.next] = latencySample{unix, ms}
	e.next = (e.next + 1) % latencyHistoryLen
	e.n = min(e.n+1, latencyHistoryLen)
	e.max = max(e.max, ms)
}

// history returns the samples oldest first.
func (e *latencyEvent) history() []latencySample {
	out := make([]latencySample, 0, e.n)
	for i := 0; i < e.n; i++ {
		out = append(out, e.samples[(e.next-e.n+i+2*latencyHistoryLen)%latencyHistoryLen])
	}
	return out
}

// latencyMonitor is a shard's events by name; shard thread only.
type latencyMonitor map[string]*latencyEvent

// recordLatency adds a sample of ms to event on this shard.
func (s *Shard) recordLatency(event string, unix, ms int64) {
	if s.latency == nil {
		s.latency = latencyMonitor{}
	}
	e := s.latency[event]
	if e == nil {
		e = &latencyEvent{}
		s.latency[event] = e
	}
	e.add(unix, ms)
}

// latencyEventOf is the monitor event a run of cmd belongs to.
func latencyEventOf(cmd *Command) string {
	if cmd.Flags&FlagFast != 0 {
		return "fast-command"
	}
	return "command"
}

func init() {
	register(latencyCommand())
}

func latencyCommand() *Command {
	sub := func(name string, arity int, summary, complexity string, tx func(*Tx, [][]byte)) *Command {
		return &Command{Name: "latency|" + name, Arity: arity, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
			Group: "server", Summary: summary, Since: "2.8.13", Complexity: complexity, Tx: tx,
			Tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}}
	}
	cmd := &Command{Name: "latency", Arity: -2, Group: "server", Summary: "A container for latency diagnostics commands",
		Since: "2.8.13", Complexity: "Depends on subcommand."}
	latest := sub("latest", 2, "Return the latest latency samples for all events.", "O(1)", planLatencyLatest)
	history := sub("history", 3, "Return timestamp-latency samples for the event.", "O(1)", planLatencyHistory)
	reset := sub("reset", -2, "Reset latency data for one or more events.", "O(1)", planLatencyReset)
	reset.Tips = []string{"request_policy:all_nodes", "response_policy:all_succeeded"}
	graph := sub("graph", 3, "Return a latency graph for the event.", "O(1)", planLatencyGraph)
	doctor := sub("doctor", 2, "Return a human readable latency analysis report.", "O(1)", planLatencyDoctor)
	histogram := sub("histogram", -2, "Return the cumulative distribution of latencies of a subset of commands or all.",
		"O(N) where N is the number of commands with latency information being retrieved.", planLatencyHistogram)
	histogram.Since = "7.0.0"
	help := sub("help", 2, "Show helpful text about the different subcommands.", "O(1)", func(t *Tx, _ [][]byte) {
		t.Reply(func(w *proto.Writer) { writeHelpLines(w, latencyHelp) })
	})
	help.Flags, help.Tips = FlagLoading|FlagStale, nil
	cmd.Subcommands = []*Command{latest, history, reset, graph, doctor, histogram, help}
	subDocs(cmd, "history", "event")
	subDocs(cmd, "reset", "[event...]")
	subDocs(cmd, "graph", "event")
	subDocs(cmd, "histogram", "[command...]")
	cmd.Tx = cmd.planSubcommands
	return cmd
}

var latencyHelp = []string{
	"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DOCTOR",
	"    Return a human readable latency analysis report.",
	"GRAPH <event>",
	"    Return an ASCII latency graph for the <event> class.",
	"HISTORY <event>",
	"    Return time-latency samples for the <event> class.",
	"LATEST",
	"    Return the latest latency samples for all events.",
	"RESET [<event> ...]",
	"    Reset latency data of one or more <event> classes.",
	"    (default: reset all data for all event classes)",
	"HISTOGRAM [COMMAND ...]",
	"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
	"    If no commands are specified then all histograms are replied.",
	"HELP",
	"    Prints this help.",
}

// mergedLatency is the shards' monitors merged: per event, the samples
// by second (each second's worst) and the worst ever.
type mergedLatency struct {
	names  []string // sorted
	events map[string]*latencyEvent
}

// gatherLatency adds a phase copying every shard's monitor; the reply
// calls merge once every copy is taken.
func gatherLatency(t *Tx) *latencyCopies {
	g := &latencyCopies{per: make([]map[string]*latencyEvent, t.NumShards())}
	t.AllShards()
	t.Each(func(c *Ctx) {
		cp := make(map[string]*latencyEvent, len(c.Shard.latency))
		for name, e := range c.Shard.latency {
			e2 := *e
			cp[name] = &e2
		}
		g.per[c.Shard.ID] = cp
	})
	return g
}

// latencyCopies are the shards' monitors, copied on their threads.
type latencyCopies struct {
	per []map[string]*latencyEvent
}

// merge combines the copies: per event, each second's worst sample over
// the shards (the latest latencyHistoryLen seconds) and the worst ever.
func (g *latencyCopies) merge() *mergedLatency {
	m := &mergedLatency{events: map[string]*latencyEvent{}}
	bySecond := map[string]map[int64]int64{}
	worst := map[string]int64{}
	for _, per := range g.per {
		for name, e := range per {
			if bySecond[name] == nil {
				bySecond[name] = map[int64]int64{}
				m.names = append(m.names, name)
			}
			for _, s := range e.history() {
				bySecond[name][s.unix] = max(bySecond[name][s.unix], s.ms)
			}
			worst[name] = max(worst[name], e.max)
		}
	}
	slices.Sort(m.names)
	for _, name := range m.names {
		secs := bySecond[name]
		keys := make([]int64, 0, len(secs))
		for k := range secs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if len(keys) > latencyHistoryLen {
			keys = keys[len(keys)-latencyHistoryLen:]
		}
		e := &latencyEvent{}
		for _, k := range keys {
			e.add(k, secs[k])
		}
		e.max = worst[name]
		m.events[name] = e
	}
	return m
}

func planLatencyLatest(t *Tx, _ [][]byte) {
	g := gatherLatency(t)
	t.Reply(func(w *proto.Writer) {
		m := g.merge()
		w.ArrayLen(len(m.names))
		for _, name := range m.names {
			e := m.events[name]
			h := e.history()
			last := h[len(h)-1]
			w.ArrayLen(4)
			w.BulkString(name)
			w.Int(last.unix)
			w.Int(last.ms)
			w.Int(e.max)
		}
	})
}

func planLatencyHistory(t *Tx, args [][]byte) {
	g := gatherLatency(t)
	event := string(args[2])
	t.Reply(func(w *proto.Writer) {
		e := g.merge().events[event]
		if e == nil {
			w.ArrayLen(0)
			return
		}
		h := e.history()
		w.ArrayLen(len(h))
		for _, s := range h {
			w.ArrayLen(2)
			w.Int(s.unix)
			w.Int(s.ms)
		}
	})
}

func planLatencyReset(t *Tx, args [][]byte) {
	names := make([]string, 0, len(args)-2)
	for _, a := range args[2:] {
		names = append(names, string(a))
	}
	counts := make([]map[string]bool, t.NumShards())
	t.AllShards()
	t.Each(func(c *Ctx) {
		got := map[string]bool{}
		if len(names) == 0 {
			for name := range c.Shard.latency {
				got[name] = true
			}
			c.Shard.latency = nil
		} else {
			for _, name := range names {
				if _, ok := c.Shard.latency[name]; ok {
					got[name] = true
					delete(c.Shard.latency, name)
				}
			}
		}
		counts[c.Shard.ID] = got
	})
	t.Reply(func(w *proto.Writer) {
		all := map[string]bool{}
		for _, g := range counts {
			for n := range g {
				all[n] = true
			}
		}
		w.Int(int64(len(all)))
	})
}

// planLatencyGraph draws the event's samples as columns of '#', one per
// sample, scaled to the worst, with the latency above and the age below.
func planLatencyGraph(t *Tx, args [][]byte) {
	g := gatherLatency(t)
	event := string(args[2])
	now := t.Now / 1000
	t.Reply(func(w *proto.Writer) {
		e := g.merge().events[event]
		if e == nil {
			w.Error("ERR No samples available for event '" + event + "'")
			return
		}
		w.Verbatim("txt", latencyGraph(event, e, now))
	})
}

func latencyGraph(event string, e *latencyEvent, now int64) []byte {
	const rows = 8
	h := e.history()
	lo, hi := h[0].ms, h[0].ms
	for _, s := range h {
		lo, hi = min(lo, s.ms), max(hi, s.ms)
	}
	var b strings.Builder
	b.WriteString(event + " - high " + strconv.FormatInt(hi, 10) + " ms, low " + strconv.FormatInt(lo, 10) + " ms (all time high " + strconv.FormatInt(e.max, 10) + " ms)\n")
	b.WriteString(strings.Repeat("-", 80) + "\n")
	for r := rows; r >= 1; r-- {
		for _, s := range h {
			if hi > 0 && s.ms*rows >= int64(r)*hi {
				b.WriteByte('#')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	b.WriteString(strings.Repeat("-", len(h)) + "\n")
	b.WriteString("samples oldest to newest; newest " + strconv.FormatInt(max(now-h[len(h)-1].unix, 0), 10) + " s ago\n")
	return []byte(b.String())
}

func planLatencyDoctor(t *Tx, _ [][]byte) {
	g := gatherLatency(t)
	srv := t.Server
	t.Reply(func(w *proto.Writer) {
		w.Verbatim("txt", latencyDoctor(srv.Config(), g.merge()))
	})
}

// latencyDoctor is darner's own report: each event's numbers and what to
// look at.
func latencyDoctor(cfg *Config, m *mergedLatency) []byte {
	var b strings.Builder
	thr := cfg.LatencyMonitorThreshold()
	if thr == 0 && len(m.names) == 0 {
		b.WriteString("Latency monitoring is disabled. Enable it with CONFIG SET latency-monitor-threshold <milliseconds>: commands that take at least that long are then recorded as the events \"command\" and \"fast-command\".\n")
		return []byte(b.String())
	}
	if len(m.names) == 0 {
		b.WriteString("No latency spike of " + strconv.FormatInt(thr, 10) + " ms or more was observed since the monitor was last reset.\n")
		return []byte(b.String())
	}
	b.WriteString("Latency events observed (threshold " + strconv.FormatInt(thr, 10) + " ms):\n\n")
	for i, name := range m.names {
		e := m.events[name]
		h := e.history()
		var sum int64
		for _, s := range h {
			sum += s.ms
		}
		b.WriteString(strconv.Itoa(i+1) + ". " + name + ": " + strconv.Itoa(len(h)) + " latency spikes (average " +
			strconv.FormatInt(sum/int64(len(h)), 10) + "ms, worst " + strconv.FormatInt(e.max, 10) + "ms).\n")
	}
	b.WriteString("\nAdvice:\n")
	for _, name := range m.names {
		switch name {
		case "command":
			b.WriteString("- Slow commands ran: check SLOWLOG GET and prefer O(1)/O(log N) commands (avoid KEYS, large SMEMBERS/HGETALL/LRANGE, big SORT or set algebra on large sets).\n")
		case "fast-command":
			b.WriteString("- Commands flagged fast (O(1)/O(log N)) ran slowly: the shard thread was delayed (CPU contention on its core, swapping, or the machine's scheduler). Give each shard a core of its own and check for swap.\n")
		}
	}
	return []byte(b.String())
}

func planLatencyHistogram(t *Tx, args [][]byte) {
	g := GatherShards(t)
	var names []string
	for _, a := range args[2:] {
		names = append(names, strings.ToLower(string(a)))
	}
	t.Reply(func(w *proto.Writer) {
		tot := Sum(g.Snaps)
		var sel []*CmdSnapshot
		if names == nil {
			for i := range tot.Cmds {
				if tot.Cmds[i].Calls > 0 {
					sel = append(sel, &tot.Cmds[i])
				}
			}
		} else {
			for _, n := range names {
				for i := range tot.Cmds {
					if tot.Cmds[i].Cmd.Name == n && tot.Cmds[i].Calls > 0 && !slices.Contains(sel, &tot.Cmds[i]) {
						sel = append(sel, &tot.Cmds[i])
					}
				}
			}
		}
		w.MapLen(len(sel))
		for _, cs := range sel {
			w.BulkString(cs.Cmd.Name)
			w.MapLen(2)
			w.BulkString("calls")
			w.Int(int64(cs.Calls))
			w.BulkString("histogram_usec")
			buckets := 0
			for _, n := range cs.Hist {
				if n > 0 {
					buckets++
				}
			}
			w.MapLen(buckets)
			var cum uint64
			for i, n := range cs.Hist {
				if n == 0 {
					continue
				}
				cum += n
				w.Int(int64(LatencyBucketUpperUs(i)))
				w.Int(int64(cum))
			}
		}
	})
}
