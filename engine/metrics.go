package engine

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/VictoriaMetrics/metrics"

	"github.com/darnerdb/darner/proto"
)

// Prometheus metrics (/metrics) and the health check (/healthz).
//
// A scrape is a keyless tx like INFO: GatherShards copies every shard's
// counters on its own thread, and the reply writer formats them on the
// coordinator in the Prometheus text format (with
// github.com/VictoriaMetrics/metrics' writers and HELP/TYPE metadata), so
// the hot path keeps plain per-shard counters and aggregation happens only
// at scrape time. The ring serves it over HTTP on the main port (PlanHTTP:
// the reply is a whole HTTP/1.1 response) and the admin port's net/http
// server through ring.Server.Scrape (PlanScrape: status and body).
//
// Metric names are stable; see docs/metrics.md.

func init() {
	// TYPE lines make histograms and counters typed for Prometheus parsers.
	metrics.ExposeMetadata(true)
}

// PlanScrape plans a scrape of path ("/metrics" or "/healthz"): its reply
// is the HTTP status as three digits followed by the body (see
// SplitScrape).
func PlanScrape(t *Tx, path string) {
	planScrape(t, path, func(w *proto.Writer, status int, _ string, body []byte) {
		w.Buf = strconv.AppendInt(w.Buf, int64(status), 10)
		w.Buf = append(w.Buf, body...)
	})
}

// SplitScrape splits PlanScrape's reply.
func SplitScrape(out []byte) (status int, body []byte) {
	if len(out) < 3 {
		return 500, out
	}
	status, _ = strconv.Atoi(string(out[:3]))
	return status, out[3:]
}

// PlanHTTP plans the answer to "GET path" on the main port: the reply is
// a complete HTTP/1.1 response (the connection is closed after it).
func PlanHTTP(t *Tx, path string) {
	planScrape(t, path, func(w *proto.Writer, status int, ctype string, body []byte) {
		w.Buf = append(w.Buf, "HTTP/1.1 "...)
		w.Buf = strconv.AppendInt(w.Buf, int64(status), 10)
		switch status {
		case 200:
			w.Buf = append(w.Buf, " OK"...)
		default:
			w.Buf = append(w.Buf, " Not Found"...)
		}
		w.Buf = append(w.Buf, "\r\nContent-Type: "...)
		w.Buf = append(w.Buf, ctype...)
		w.Buf = append(w.Buf, "\r\nContent-Length: "...)
		w.Buf = strconv.AppendInt(w.Buf, int64(len(body)), 10)
		w.Buf = append(w.Buf, "\r\nConnection: close\r\n\r\n"...)
		w.Buf = append(w.Buf, body...)
	})
}

// MetricsContentType is the Prometheus text format's content type.
const MetricsContentType = "text/plain; version=0.0.4; charset=utf-8"

func planScrape(t *Tx, path string, reply func(w *proto.Writer, status int, ctype string, body []byte)) {
	srv, now := t.Server, t.Now
	switch path {
	case "/metrics":
		g := GatherShards(t)
		t.Reply(func(w *proto.Writer) {
			reply(w, 200, MetricsContentType, AppendMetrics(nil, srv, g.Snaps, now))
		})
	case "/healthz":
		// Every shard answers a phase: the loops are alive.
		t.AllShards()
		t.Each(func(*Ctx) {})
		t.Reply(func(w *proto.Writer) { reply(w, 200, "text/plain; charset=utf-8", []byte("OK\n")) })
	default:
		t.Reply(func(w *proto.Writer) { reply(w, 404, "text/plain; charset=utf-8", []byte("404 page not found\n")) })
	}
}

// promWriter appends Prometheus samples; families get their HELP/TYPE
// lines once, through the metrics package.
type promWriter struct{ buf bytes.Buffer }

func (p *promWriter) family(name, typ string) { metrics.WriteMetadataIfNeeded(&p.buf, name, typ) }

// sample writes "name{labels} value" (labels already formatted, may be "").
func (p *promWriter) sample(name, labels string, v uint64) {
	p.buf.WriteString(name)
	p.buf.WriteString(labels)
	p.buf.WriteByte(' ')
	b := strconv.AppendUint(p.buf.AvailableBuffer(), v, 10)
	p.buf.Write(b)
	p.buf.WriteByte('\n')
}

func (p *promWriter) sampleInt(name, labels string, v int64) {
	p.buf.WriteString(name)
	p.buf.WriteString(labels)
	p.buf.WriteByte(' ')
	b := strconv.AppendInt(p.buf.AvailableBuffer(), v, 10)
	p.buf.Write(b)
	p.buf.WriteByte('\n')
}

func (p *promWriter) sampleFloat(name, labels string, v float64) {
	p.buf.WriteString(name)
	p.buf.WriteString(labels)
	p.buf.WriteByte(' ')
	b := strconv.AppendFloat(p.buf.AvailableBuffer(), v, 'g', -1, 64)
	p.buf.Write(b)
	p.buf.WriteByte('\n')
}

// label formats {k="v"} with Prometheus escaping.
func label(k, v string) string {
	return "{" + k + `="` + escapeLabel(v) + `"}`
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(v string) string { return labelEscaper.Replace(v) }

// AppendMetrics formats the Prometheus exposition from shard snapshots.
func AppendMetrics(b []byte, srv *Server, snaps []ShardSnapshot, nowMs int64) []byte {
	tot := Sum(snaps)
	p := &promWriter{}
	p.buf.Write(b)
	w := &p.buf

	metrics.WriteGaugeUint64(w, `darner_info{version="`+escapeLabel(srv.Version)+`",redis_version="`+RedisVersion+
		`",backend="`+escapeLabel(srv.Backend)+`"}`, 1)
	metrics.WriteGaugeFloat64(w, "darner_uptime_seconds", float64(nowMs-srv.StartUnixMs)/1000)
	metrics.WriteGaugeUint64(w, "darner_shards", uint64(len(snaps)))
	metrics.WriteGaugeUint64(w, "darner_connected_clients", uint64(max(tot.Ring.Conns, 0)))
	metrics.WriteGaugeUint64(w, "darner_blocked_clients", uint64(max(srv.BlockedClients.Load(), 0)))
	metrics.WriteGaugeUint64(w, "darner_max_clients", uint64(srv.Config().MaxClients()))
	metrics.WriteCounterUint64(w, "darner_connections_received_total", tot.Ring.Accepted)
	metrics.WriteCounterUint64(w, "darner_connections_rejected_total", tot.Ring.Rejected)

	p.family("darner_commands_total", "counter")
	for _, c := range tot.Cmds {
		p.sample("darner_commands_total", label("cmd", c.Cmd.Name), c.Calls)
	}
	p.family("darner_command_errors_total", "counter")
	for _, c := range tot.Cmds {
		p.sample("darner_command_errors_total", label("cmd", c.Cmd.Name), c.Errors)
	}
	p.family("darner_command_rejected_total", "counter")
	for _, c := range tot.Cmds {
		p.sample("darner_command_rejected_total", label("cmd", c.Cmd.Name), c.Rejected)
	}
	p.family("darner_command_duration_seconds", "histogram")
	for _, c := range tot.Cmds {
		if c.Calls == 0 {
			continue
		}
		var cum uint64
		for i := 0; i < LatencyBuckets-1; i++ {
			cum += c.Hist[i]
			le := strconv.FormatFloat(LatencyBucketUpperUs(i)/1e6, 'g', -1, 64)
			p.sample("darner_command_duration_seconds_bucket", `{cmd="`+c.Cmd.Name+`",le="`+le+`"}`, cum)
		}
		p.sample("darner_command_duration_seconds_bucket", `{cmd="`+c.Cmd.Name+`",le="+Inf"}`, c.Calls)
		p.sampleFloat("darner_command_duration_seconds_sum", label("cmd", c.Cmd.Name), float64(c.Nanos)/1e9)
		p.sample("darner_command_duration_seconds_count", label("cmd", c.Cmd.Name), c.Calls)
	}
	p.family("darner_errors_total", "counter")
	codes := make([]string, 0, len(tot.ErrorCodes))
	for code := range tot.ErrorCodes {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		p.sample("darner_errors_total", label("code", code), tot.ErrorCodes[code])
	}

	p.family("darner_keys", "gauge")
	for d := range tot.Keys {
		if tot.Keys[d] > 0 || d == 0 {
			p.sampleInt("darner_keys", label("db", strconv.Itoa(d)), tot.Keys[d])
		}
	}
	p.family("darner_expires", "gauge")
	for d := range tot.Expires {
		if tot.Keys[d] > 0 || d == 0 {
			p.sampleInt("darner_expires", label("db", strconv.Itoa(d)), tot.Expires[d])
		}
	}
	metrics.WriteCounterUint64(w, "darner_keyspace_hits_total", tot.Hits)
	metrics.WriteCounterUint64(w, "darner_keyspace_misses_total", tot.Misses)
	metrics.WriteCounterUint64(w, "darner_expired_keys_total", uint64(tot.Expired))
	metrics.WriteCounterUint64(w, "darner_evicted_keys_total", uint64(tot.Evicted))
	metrics.WriteGaugeUint64(w, "darner_max_memory_bytes", uint64(max(srv.Config().MaxMemory(), 0)))
	metrics.WriteCounterUint64(w, "darner_net_input_bytes_total", tot.Ring.NetInBytes)
	metrics.WriteCounterUint64(w, "darner_net_output_bytes_total", tot.Ring.NetOutBytes)

	perShard := func(name, typ string, v func(sn *ShardSnapshot) int64) {
		p.family(name, typ)
		for i := range snaps {
			p.sampleInt(name, label("shard", strconv.Itoa(snaps[i].ID)), v(&snaps[i]))
		}
	}
	perShard("darner_used_memory_bytes", "gauge", func(sn *ShardSnapshot) int64 { return sn.UsedBytes })
	perShard("darner_shard_keys", "gauge", func(sn *ShardSnapshot) int64 {
		var n int64
		for _, k := range sn.Keys {
			n += k
		}
		return n
	})
	perShard("darner_shard_connections", "gauge", func(sn *ShardSnapshot) int64 { return sn.Ring.Conns })
	perShard("darner_shard_commands_total", "counter", func(sn *ShardSnapshot) int64 { return int64(sn.TotalCalls) })
	perShard("darner_hops_sent_total", "counter", func(sn *ShardSnapshot) int64 { return int64(sn.Ring.HopsSent) })
	perShard("darner_hops_received_total", "counter", func(sn *ShardSnapshot) int64 { return int64(sn.Ring.HopsReceived) })
	perShard("darner_ring_backlog", "gauge", func(sn *ShardSnapshot) int64 { return sn.Ring.Backlog })

	metrics.WriteProcessMetrics(w)
	return p.buf.Bytes()
}
