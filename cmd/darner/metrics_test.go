package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/redis/go-redis/v9"
)

// Metrics and INFO through the real binary: known traffic, then the
// counters read back from INFO, /metrics on the main port and /metrics on
// the admin port must equal it. Both backends, 1 and 2 shards.

func TestMetricsAndInfoCountTraffic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		for _, shards := range []int{1, 2} {
			t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
				admin := freePort(t)
				p := startDarner(t, backend, "--proactor_threads", strconv.Itoa(shards), "--admin_port", strconv.Itoa(admin))
				checkMetricsTraffic(t, p, admin, backend, shards)
			})
		}
	})
}

func checkMetricsTraffic(t *testing.T, p *proc, admin int, backend string, shards int) {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: 2, DisableIdentity: true, PoolSize: 1, MinIdleConns: 0})
	defer rdb.Close()

	// The traffic: 40 SET, 10 EXPIRE (+1 failing), 30 GET hits, 10 GET
	// misses, 5 GET with the wrong arity, 2 unknown commands.
	for i := 0; i < 40; i++ {
		must(t, rdb.Set(ctx, "k"+strconv.Itoa(i), "v", 0).Err())
	}
	for i := 0; i < 10; i++ {
		must(t, rdb.Expire(ctx, "k"+strconv.Itoa(i), time.Hour).Err())
	}
	if err := rdb.Do(ctx, "expire", "k0", "notanumber").Err(); err == nil {
		t.Fatal("EXPIRE k0 notanumber did not fail")
	}
	for i := 0; i < 30; i++ {
		must(t, rdb.Get(ctx, "k"+strconv.Itoa(i)).Err())
	}
	for i := 0; i < 10; i++ {
		if err := rdb.Get(ctx, "missing"+strconv.Itoa(i)).Err(); err != redis.Nil {
			t.Fatalf("GET missing: %v", err)
		}
	}
	for i := 0; i < 5; i++ {
		if err := rdb.Do(ctx, "get").Err(); err == nil || !strings.Contains(err.Error(), "wrong number of arguments") {
			t.Fatalf("GET without a key: %v", err)
		}
	}
	for i := 0; i < 2; i++ {
		if err := rdb.Do(ctx, "nosuchcommand").Err(); err == nil {
			t.Fatal("unknown command did not fail")
		}
	}

	// INFO. The waitReady PING connection may still be closing: wait for
	// connected_clients to settle at our one connection.
	var fields map[string]string
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := rdb.Info(ctx, "everything").Result()
		must(t, err)
		fields = parseInfo(info)
		if fields["connected_clients"] == "1" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantInfo := map[string]string{
		"connected_clients": "1",
		"keyspace_hits":     "30",
		"keyspace_misses":   "10",
		"db0":               "keys=40,expires=10,avg_ttl=0",
		"errorstat_ERR":     "count=8",
		"multiplexing_api":  backend,
		"shards":            strconv.Itoa(shards),
		"role":              "master",
		"loading":           "0",
		"tcp_port":          strconv.Itoa(p.port),
	}
	for k, v := range wantInfo {
		if fields[k] != v {
			t.Errorf("INFO %s = %q, want %q", k, fields[k], v)
		}
	}
	cmdstat := func(name string, calls, rejected, failed int) {
		t.Helper()
		got := fields["cmdstat_"+name]
		want := fmt.Sprintf("calls=%d,", calls)
		tail := fmt.Sprintf(",rejected_calls=%d,failed_calls=%d", rejected, failed)
		if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, tail) {
			t.Errorf("cmdstat_%s = %q, want calls=%d ... rejected_calls=%d,failed_calls=%d", name, got, calls, rejected, failed)
		}
	}
	cmdstat("set", 40, 0, 0)
	cmdstat("get", 40, 5, 0)
	cmdstat("expire", 11, 0, 1)
	for s := 0; s < shards; s++ {
		if !strings.HasPrefix(fields["shard"+strconv.Itoa(s)], "keys=") {
			t.Errorf("INFO shards: no shard%d line", s)
		}
	}
	// 91 commands ran (rejected ones do not count), plus the readiness
	// PING and the INFOs.
	if n, _ := strconv.Atoi(fields["total_commands_processed"]); n < 92 {
		t.Errorf("total_commands_processed = %d, want at least 92", n)
	}

	// /metrics on the main port (the scrape is a connection too) and on
	// the admin port.
	for _, c := range []struct {
		name    string
		url     string
		clients float64
	}{
		{"main port", "http://" + p.addr() + "/metrics", 2},
		{"admin port", "http://127.0.0.1:" + strconv.Itoa(admin) + "/metrics", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			fams := scrape(t, c.url)
			want := []struct {
				name   string
				labels string
				value  float64
			}{
				{"darner_commands_total", `cmd="set"`, 40},
				{"darner_commands_total", `cmd="get"`, 40},
				{"darner_commands_total", `cmd="expire"`, 11},
				{"darner_command_errors_total", `cmd="expire"`, 1},
				{"darner_command_errors_total", `cmd="get"`, 0},
				{"darner_command_rejected_total", `cmd="get"`, 5},
				{"darner_errors_total", `code="ERR"`, 8},
				{"darner_keys", `db="0"`, 40},
				{"darner_expires", `db="0"`, 10},
				{"darner_keyspace_hits_total", "", 30},
				{"darner_keyspace_misses_total", "", 10},
				{"darner_connected_clients", "", c.clients},
				{"darner_expired_keys_total", "", 0},
				{"darner_evicted_keys_total", "", 0},
				{"darner_shards", "", float64(shards)},
				{"darner_info", `backend="` + backend + `",redis_version="7.2.0",version="0.1.0-dev"`, 1},
			}
			for _, w := range want {
				got, ok := metricValue(fams, w.name, w.labels)
				if !ok {
					t.Errorf("%s{%s} missing", w.name, w.labels)
				} else if got != w.value {
					t.Errorf("%s{%s} = %v, want %v", w.name, w.labels, got, w.value)
				}
			}
			h := histogram(fams, "darner_command_duration_seconds", `cmd="set"`)
			if h == nil || h.GetSampleCount() != 40 || h.GetSampleSum() <= 0 {
				t.Errorf("darner_command_duration_seconds{cmd=\"set\"} = %v, want 40 samples", h)
			}
			for _, per := range []string{"darner_used_memory_bytes", "darner_hops_sent_total", "darner_hops_received_total", "darner_ring_backlog"} {
				f := fams[per]
				if f == nil || len(f.GetMetric()) != shards {
					t.Errorf("%s: want one series per shard (%d)", per, shards)
				}
			}
			if up, ok := metricValue(fams, "darner_uptime_seconds", ""); !ok || up <= 0 {
				t.Errorf("darner_uptime_seconds = %v", up)
			}
			if shards > 1 {
				var sent float64
				for _, m := range fams["darner_hops_sent_total"].GetMetric() {
					sent += m.GetCounter().GetValue()
				}
				if sent == 0 {
					t.Errorf("darner_hops_sent_total is 0 with %d shards", shards)
				}
			}
		})
	}

	// /healthz on both ports, and a 404.
	for _, u := range []string{"http://" + p.addr() + "/healthz", "http://127.0.0.1:" + strconv.Itoa(admin) + "/healthz"} {
		code, body := httpGet(t, u)
		if code != 200 || strings.TrimSpace(body) != "OK" {
			t.Errorf("GET %s = %d %q", u, code, body)
		}
	}
	if code, _ := httpGet(t, "http://"+p.addr()+"/nosuch"); code != 404 {
		t.Errorf("GET /nosuch on the main port = %d, want 404", code)
	}
	// The connection still works for Redis after the HTTP ones.
	must(t, rdb.Ping(ctx).Err())
}

// TestInlineGetIsNotHTTP: "GET /metrics" without an HTTP version is the
// inline Redis command GET of the key "/metrics".
func TestInlineGetIsNotHTTP(t *testing.T) {
	p := startDarner(t, backends()[0], "--proactor_threads", "1")
	c, err := net.DialTimeout("tcp", p.addr(), 2*time.Second)
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write([]byte("SET /metrics x\r\nGET /metrics\r\n"))
	must(t, err)
	r := bufio.NewReader(c)
	for _, want := range []string{"+OK\r\n", "$1\r\n", "x\r\n"} {
		line, err := r.ReadString('\n')
		must(t, err)
		if line != want {
			t.Fatalf("got %q, want %q", line, want)
		}
	}
}

// TestInfoSectionsLikeRedis: INFO's section selection (names, case, ALL,
// EVERYTHING, DEFAULT, several names) and every field name of Redis's
// sections, against a real redis-server. Values differ; darner adds its
// own fields and a Shards section.
func TestInfoSectionsLikeRedis(t *testing.T) {
	bin := redisServerPath(t)
	r := startRedis(t, bin)
	d := startDarner(t, backends()[0], "--proactor_threads", "2")
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: r.addr(), Protocol: 2, DisableIdentity: true})
	dc := redis.NewClient(&redis.Options{Addr: d.addr(), Protocol: 2, DisableIdentity: true})
	defer rc.Close()
	defer dc.Close()
	for _, c := range []*redis.Client{rc, dc} {
		must(t, c.Set(ctx, "a", "1", 0).Err())
		must(t, c.Expire(ctx, "a", time.Hour).Err())
		must(t, c.Get(ctx, "a").Err())
		_ = c.Do(ctx, "get").Err()
	}
	sections := func(c *redis.Client, args ...string) ([]string, map[string][]string) {
		t.Helper()
		iargs := []any{"info"}
		for _, a := range args {
			iargs = append(iargs, a)
		}
		s, err := c.Do(ctx, iargs...).Text()
		must(t, err)
		var names []string
		fields := map[string][]string{}
		cur := ""
		for _, line := range strings.Split(s, "\r\n") {
			switch {
			case strings.HasPrefix(line, "# "):
				cur = line[2:]
				names = append(names, cur)
			case line != "":
				k, _, _ := strings.Cut(line, ":")
				fields[cur] = append(fields[cur], k)
			}
		}
		return names, fields
	}
	for _, args := range [][]string{
		nil, {"default"}, {"all"}, {"everything"}, {"EVERYTHING"}, {"server"}, {"Clients"}, {"memory"},
		{"persistence"}, {"stats"}, {"replication"}, {"cpu"}, {"modules"}, {"commandstats"}, {"errorstats"},
		{"latencystats"}, {"cluster"}, {"keyspace"}, {"server", "keyspace"}, {"default", "commandstats"},
		{"all", "server"}, {"nosuch"}, {"keyspace", "nosuch", "CPU"},
	} {
		wantNames, wantFields := sections(rc, args...)
		gotNames, gotFields := sections(dc, args...)
		gotNames = slicesWithout(gotNames, "Shards")
		if strings.Join(gotNames, ",") != strings.Join(wantNames, ",") {
			t.Errorf("INFO %v: sections %v, redis-server %v", args, gotNames, wantNames)
			continue
		}
		for sec, keys := range wantFields {
			have := map[string]bool{}
			for _, k := range gotFields[sec] {
				have[k] = true
			}
			var missing []string
			for _, k := range keys {
				if !have[k] {
					missing = append(missing, k)
				}
			}
			if len(missing) > 0 {
				sort.Strings(missing)
				t.Errorf("INFO %v section %s: darner lacks %v", args, sec, missing)
			}
		}
	}
}

func slicesWithout(s []string, x string) []string {
	out := s[:0:0]
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func parseInfo(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\r\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, string(b)
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("GET %s: Content-Type %q", url, ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing %s: %v", url, err)
	}
	return fams
}

// labelString renders a metric's labels sorted by name: k="v",k2="v2".
func labelString(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+`="`+l.GetValue()+`"`)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func metricValue(fams map[string]*dto.MetricFamily, name, labels string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if labelString(m) != labels {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func histogram(fams map[string]*dto.MetricFamily, name, labels string) *dto.Histogram {
	f := fams[name]
	if f == nil {
		return nil
	}
	for _, m := range f.GetMetric() {
		if labelString(m) == labels {
			return m.GetHistogram()
		}
	}
	return nil
}

// TestStartupFlagsInConfig: CONFIG GET reports the start-up flags, and
// CONFIG SET maxclients takes effect on the next connection.
func TestStartupFlagsInConfig(t *testing.T) {
	p := startDarner(t, backends()[0], "--proactor_threads", "2", "--hz", "50", "--maxclients", "77", "--proto_max_bulk_len", "2097152")
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: 2, DisableIdentity: true, PoolSize: 1})
	defer rdb.Close()
	for k, want := range map[string]string{
		"hz": "50", "maxclients": "77", "port": strconv.Itoa(p.port), "bind": "127.0.0.1",
		"proto-max-bulk-len": "2097152", "databases": "16", "io-threads": "2",
	} {
		got, err := rdb.ConfigGet(ctx, k).Result()
		must(t, err)
		if got[k] != want {
			t.Errorf("CONFIG GET %s = %q, want %q", k, got[k], want)
		}
	}
	must(t, rdb.ConfigSet(ctx, "hz", "100").Err())
	must(t, rdb.ConfigSet(ctx, "maxclients", "1").Err())
	c, err := net.DialTimeout("tcp", p.addr(), 2*time.Second)
	must(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	if line != "-ERR max number of clients reached\r\n" {
		t.Errorf("connection over CONFIG SET maxclients 1: %q", line)
	}
	must(t, rdb.ConfigSet(ctx, "maxclients", "10000").Err())
}
