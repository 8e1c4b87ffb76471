package engine

import (
	"strconv"
	"strings"
	"testing"
)

// infoFields parses an INFO reply (RESP2 bulk) into section -> field -> value.
func infoFields(t *testing.T, reply string) (sections []string, fields map[string]string) {
	t.Helper()
	if !strings.HasPrefix(reply, "$") {
		t.Fatalf("INFO reply is not a bulk string: %q", reply)
	}
	i := strings.Index(reply, "\r\n")
	n, _ := strconv.Atoi(reply[1:i])
	body := reply[i+2 : i+2+n]
	fields = map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "# "):
			sections = append(sections, line[2:])
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				t.Fatalf("INFO line without ':': %q", line)
			}
			fields[k] = v
		}
	}
	return sections, fields
}

func TestInfoSections(t *testing.T) {
	l := NewLocal(1)
	defer l.Close()
	f := func(want string, args ...string) {
		t.Helper()
		secs, _ := infoFields(t, l.Do(append([]string{"info"}, args...)...))
		if got := strings.Join(secs, ","); got != want {
			t.Fatalf("INFO %v: sections %q, want %q", args, got, want)
		}
	}
	def := "Server,Clients,Memory,Persistence,Stats,Replication,CPU,Modules,Errorstats,Cluster,Keyspace,Shards"
	all := "Server,Clients,Memory,Persistence,Stats,Replication,CPU,Modules,Commandstats,Errorstats,Latencystats,Cluster,Keyspace,Shards"
	f(def)
	f(def, "default")
	f(def, "DeFault")
	f(all, "all")
	f(all, "EVERYTHING")
	f(all, "all", "server")
	f("Server", "server")
	f("Server,Clients", "clients", "SERVER")
	f("", "nosuch")
	f("Commandstats,Keyspace", "keyspace", "commandstats")
	f("Server,Clients,Memory,Persistence,Stats,Replication,CPU,Modules,Commandstats,Errorstats,Cluster,Keyspace,Shards", "default", "commandstats")
}

func TestInfoCounters(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			l := NewLocal(n)
			defer l.Close()
			for i := 0; i < 10; i++ {
				l.Do("set", "k"+strconv.Itoa(i), "v")
			}
			for i := 0; i < 15; i++ {
				l.Do("get", "k"+strconv.Itoa(i)) // 10 hits, 5 misses
			}
			l.Do("get")       // rejected: arity
			l.Do("nosuchcmd") // unknown: errorstat only
			l.Do("select", "1")
			l.Do("set", "x", "1")
			l.Do("select", "0")
			_, fl := infoFields(t, l.Do("info", "everything"))
			want := map[string]string{
				"keyspace_hits":            "10",
				"keyspace_misses":          "5",
				"cmdstat_get":              "calls=15,usec=",
				"errorstat_ERR":            "count=2",
				"db0":                      "keys=10,expires=0,avg_ttl=0",
				"db1":                      "keys=1,expires=0,avg_ttl=0",
				"shards":                   strconv.Itoa(n),
				"total_error_replies":      "2",
				"total_commands_processed": "28", // 11 set + 15 get + 2 select
			}
			for k, v := range want {
				if got, ok := fl[k]; !ok || !strings.HasPrefix(got, v) {
					t.Errorf("%s = %q, want prefix %q", k, got, v)
				}
			}
			if got := fl["cmdstat_get"]; !strings.HasSuffix(got, ",rejected_calls=1,failed_calls=0") {
				t.Errorf("cmdstat_get = %q", got)
			}
			if _, ok := fl["latency_percentiles_usec_get"]; !ok {
				t.Errorf("no latency_percentiles_usec_get")
			}
			for s := 0; s < n; s++ {
				if _, ok := fl["shard"+strconv.Itoa(s)]; !ok {
					t.Errorf("no shard%d line", s)
				}
			}
		})
	}
}

func TestConfigResetStat(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		for i := 0; i < 5; i++ {
			l.Do("set", "k"+strconv.Itoa(i), "v")
			l.Do("get", "k"+strconv.Itoa(i))
		}
		l.Do("get")
		if got := l.Do("config", "resetstat"); got != "+OK\r\n" {
			t.Fatalf("CONFIG RESETSTAT: %q", got)
		}
		l.Do("get", "k0")
		l.Do("get", "nope")
		_, fl := infoFields(t, l.Do("info", "everything"))
		for k, want := range map[string]string{
			"keyspace_hits": "1", "keyspace_misses": "1", "total_error_replies": "0",
			"db0": "keys=5,expires=0,avg_ttl=0",
		} {
			if fl[k] != want {
				t.Errorf("%d shards: after RESETSTAT %s = %q, want %q", n, k, fl[k], want)
			}
		}
		if !strings.HasPrefix(fl["cmdstat_get"], "calls=2,") {
			t.Errorf("%d shards: after RESETSTAT cmdstat_get = %q", n, fl["cmdstat_get"])
		}
		if _, ok := fl["cmdstat_set"]; ok {
			t.Errorf("%d shards: cmdstat_set survived RESETSTAT", n)
		}
		if _, ok := fl["errorstat_ERR"]; ok {
			t.Errorf("%d shards: errorstat_ERR survived RESETSTAT", n)
		}
		l.Close()
	}
}
