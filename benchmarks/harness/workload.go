package harness

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/darnerdb/darner/benchmarks/loadgen"
)

// Server names used throughout the harness and the results.
const (
	Darner    = "darner"
	Redis     = "redis"
	Memcached = "memcached"
)

// Tool names.
const (
	ToolMemtier        = "memtier_benchmark"
	ToolRedisBenchmark = "redis-benchmark"
	ToolGo             = "go-loadgen"
)

// Preload says what to write before a workload runs, so reads hit.
type Preload struct {
	Kind   string `json:"kind"` // "strings", "lists", "zsets" or "" (nothing)
	Prefix string `json:"prefix"`
	Keys   int    `json:"keys"`
	Elems  int    `json:"elems,omitempty"` // per list/zset
}

// Workload is one load shape, run identically on every server it names.
type Workload struct {
	Name      string           `json:"name"`
	Title     string           `json:"title"`
	Protocol  loadgen.Protocol `json:"protocol"`
	Ops       []loadgen.Op     `json:"ops"`
	ValueSize int              `json:"value_size"`
	Pipeline  int              `json:"pipeline"`
	Conns     int              `json:"conns"`
	Preload   Preload          `json:"preload"`
	Servers   []string         `json:"servers"`
	// DarnerArgs are extra flags for darner in this workload (--bench_ok
	// for the ceiling).
	DarnerArgs []string `json:"darner_args,omitempty"`
}

func mustOps(specs ...string) []loadgen.Op {
	var ops []loadgen.Op
	for i := 0; i < len(specs); i += 2 {
		w, err := strconv.Atoi(specs[i])
		if err != nil {
			panic(err)
		}
		op, err := loadgen.ParseOp(w, specs[i+1])
		if err != nil {
			panic(err)
		}
		ops = append(ops, op)
	}
	return ops
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMB", n>>20)
	case n >= 1024 && n%1024 == 0:
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// CountName renders a key count compactly: 100000 → "100k", 1e7 → "10M".
func CountName(n int) string {
	switch {
	case n >= 1e6 && n%1e6 == 0:
		return fmt.Sprintf("%dM", n/1e6)
	case n >= 1e3 && n%1e3 == 0:
		return fmt.Sprintf("%dk", n/1e3)
	}
	return strconv.Itoa(n)
}

// ThroughputWorkloads is the default suite: keys is the string keyspace
// (100k by default), conns the connections per run.
func ThroughputWorkloads(keys, conns int) []Workload {
	k := strconv.Itoa(keys)
	rs := []string{Darner, Redis}
	var ws []Workload
	for _, size := range []int{32, 1024} {
		for _, p := range []int{1, 16} {
			ws = append(ws, Workload{
				Name:  fmt.Sprintf("getset-%s-p%d", sizeName(size), p),
				Title: fmt.Sprintf("SET:GET 1:10, %s values, %s keys, pipeline %d", sizeName(size), CountName(keys), p),
				Ops: mustOps("1", "SET {key:key::"+k+"} {data}",
					"10", "GET {key:key::"+k+"}"),
				ValueSize: size, Pipeline: p, Conns: conns,
				Preload: Preload{Kind: "strings", Prefix: "key:", Keys: keys}, Servers: rs,
			})
		}
	}
	ws = append(ws,
		Workload{Name: "set-32B-p16", Title: "SET only, 32B values, " + CountName(keys) + " keys, pipeline 16",
			Ops: mustOps("1", "SET {key:key::"+k+"} {data}"), ValueSize: 32, Pipeline: 16, Conns: conns, Servers: rs},
		Workload{Name: "mset-mget-10keys", Title: "MSET:MGET 1:1, 10 random keys each (across shards), 32B values, pipeline 1",
			Ops: mustOps("1", "MSET"+strings.Repeat(" {key:key::"+k+"} {data}", 10),
				"1", "MGET"+strings.Repeat(" {key:key::"+k+"}", 10)),
			ValueSize: 32, Pipeline: 1, Conns: conns,
			Preload: Preload{Kind: "strings", Prefix: "key:", Keys: keys}, Servers: rs},
		Workload{Name: "lpush-lpop", Title: "LPUSH:LPOP 1:1 on 1000 lists of ~100 elements, 32B values, pipeline 1",
			Ops:       mustOps("1", "LPUSH {key:list::1000} {data}", "1", "LPOP {key:list::1000}"),
			ValueSize: 32, Pipeline: 1, Conns: conns,
			Preload: Preload{Kind: "lists", Prefix: "list:", Keys: 1000, Elems: 100}, Servers: rs},
		Workload{Name: "zadd-zrange", Title: "ZADD:ZRANGE 0 9 1:1 on 1000 sorted sets of ≤1000 members, pipeline 1",
			Ops: mustOps("1", "ZADD {key:zset::1000} {rand::1000000} {rand:m:1000}",
				"1", "ZRANGE {key:zset::1000} 0 9"),
			ValueSize: 0, Pipeline: 1, Conns: conns,
			Preload: Preload{Kind: "zsets", Prefix: "zset:", Keys: 1000, Elems: 100}, Servers: rs},
	)
	for _, p := range []int{1, 16} {
		ws = append(ws, Workload{Name: fmt.Sprintf("ceiling-p%d", p),
			Title: fmt.Sprintf("+OK ceiling: PING, darner --bench_ok vs redis PING, pipeline %d", p),
			Ops:   mustOps("1", "PING"), Pipeline: p, Conns: conns, Servers: rs, DarnerArgs: []string{"--bench_ok"}})
	}
	for _, p := range []int{1, 16} {
		ws = append(ws, Workload{Name: fmt.Sprintf("mc-getset-32B-p%d", p), Protocol: loadgen.Memcache,
			Title:     fmt.Sprintf("Memcached text protocol set:get 1:10, 32B values, %s keys, pipeline %d", CountName(keys), p),
			Ops:       mustOps("1", "set {key:key::"+k+"} {data}", "10", "get {key:key::"+k+"}"),
			ValueSize: 32, Pipeline: p, Conns: conns,
			Preload: Preload{Kind: "strings", Prefix: "key:", Keys: keys}, Servers: []string{Darner, Memcached}})
	}
	for i := range ws {
		if ws[i].Protocol == "" {
			ws[i].Protocol = loadgen.RESP
		}
	}
	return ws
}

// GetWorkload is the latency-under-size workload: GET only, 32 B values,
// over a preloaded keyspace of keys keys.
func GetWorkload(keys, conns int) Workload {
	k := strconv.Itoa(keys)
	return Workload{Name: "get-32B-p1-" + CountName(keys), Protocol: loadgen.RESP,
		Title: "GET only, 32B values, " + CountName(keys) + " keys, pipeline 1",
		Ops:   mustOps("1", "GET {key:key::"+k+"}"), ValueSize: 32, Pipeline: 1, Conns: conns,
		Preload: Preload{Kind: "strings", Prefix: "key:", Keys: keys}, Servers: []string{Darner, Redis}}
}

// SelectWorkloads filters ws by a comma-separated list of names or name
// prefixes ("getset,ceiling-p1": every getset-* and exactly ceiling-p1);
// "" or "all" keeps everything.
func SelectWorkloads(ws []Workload, list string) ([]Workload, error) {
	if list == "" || list == "all" {
		return ws, nil
	}
	var out []Workload
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		exact := containsName(ws, name)
		found := false
		for _, w := range ws {
			if w.Name == name || !exact && strings.HasPrefix(w.Name, name) {
				found = true
				if !containsName(out, w.Name) {
					out = append(out, w)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no workload %q", name)
		}
	}
	return out, nil
}

func containsName(ws []Workload, n string) bool {
	for _, w := range ws {
		if w.Name == n {
			return true
		}
	}
	return false
}

// KeyStyle is how a tool names key number i; the preload must use the
// same style as the tool that will read the keys.
func KeyStyle(tool string) loadgen.KeyStyle {
	if tool == ToolMemtier {
		return loadgen.KeyPlain
	}
	return loadgen.KeyPadded
}

// commonKeyspace returns the one keyspace size every key argument of ws
// shares, or 0 if they differ or there are none.
func commonKeyspace(w Workload) int {
	n := 0
	for _, op := range w.Ops {
		for _, a := range op.Args {
			if a.Kind != loadgen.ArgKey {
				continue
			}
			if n != 0 && a.N != n {
				return 0
			}
			n = a.N
		}
	}
	return n
}

// standardGetSet recognises the SET/GET mix memtier expresses with
// --ratio: returns set and get weights and the key prefix.
func standardGetSet(w Workload) (set, get int, prefix string, ok bool) {
	for _, op := range w.Ops {
		switch {
		case strings.EqualFold(op.Name(), "SET") && len(op.Args) == 3 && op.Args[1].Kind == loadgen.ArgKey && op.Args[2].Kind == loadgen.ArgData:
			set, prefix = op.Weight, op.Args[1].Text
		case strings.EqualFold(op.Name(), "GET") && len(op.Args) == 2 && op.Args[1].Kind == loadgen.ArgKey:
			get = op.Weight
			if prefix != "" && prefix != op.Args[1].Text {
				return 0, 0, "", false
			}
			prefix = op.Args[1].Text
		default:
			return 0, 0, "", false
		}
	}
	return set, get, prefix, set+get > 0
}

// MemtierArgs returns memtier_benchmark's arguments for w against
// host:port, or ok == false with the reason when memtier cannot express
// it (random numbers in arguments). threads × clients connections are
// opened: threads = min(clientCPUs, Conns), clients = Conns/threads
// rounded up. extra (MEMTIER_ARGS) is appended last, so it can override.
func MemtierArgs(w Workload, host string, port int, d time.Duration, clientCPUs int, jsonOut string, extra []string) (args []string, conns int, why string) {
	keys := commonKeyspace(w)
	if keys == 0 {
		if len(w.Ops) == 1 && len(w.Ops[0].Args) == 1 { // keyless (PING)
			keys = 1
		} else {
			return nil, 0, "key arguments with different keyspaces"
		}
	}
	threads := max(1, min(clientCPUs, w.Conns))
	clients := (w.Conns + threads - 1) / threads
	args = []string{"-s", host, "-p", strconv.Itoa(port), "-t", strconv.Itoa(threads), "-c", strconv.Itoa(clients),
		"--pipeline=" + strconv.Itoa(w.Pipeline), "--test-time=" + strconv.Itoa(max(1, int(d.Round(time.Second).Seconds()))),
		"--hide-histogram", "--print-percentiles=50,99,99.9", "--json-out-file=" + jsonOut, "--distinct-client-seed",
		"--key-minimum=1", "--key-maximum=" + strconv.Itoa(keys)}
	if w.ValueSize > 0 {
		args = append(args, "-d", strconv.Itoa(w.ValueSize))
	}
	if set, get, prefix, ok := standardGetSet(w); ok {
		args = append(args, "--ratio="+strconv.Itoa(set)+":"+strconv.Itoa(get), "--key-pattern=R:R", "--key-prefix="+prefix)
		if w.Protocol == loadgen.Memcache {
			args = append(args, "--protocol=memcache_text")
		} else {
			args = append(args, "--protocol=redis")
		}
		return append(args, extra...), threads * clients, ""
	}
	if w.Protocol == loadgen.Memcache {
		return nil, 0, "memcache workload other than set/get"
	}
	for _, op := range w.Ops {
		n := 0
		for _, a := range op.Args {
			if a.Kind == loadgen.ArgKey {
				n++
			}
		}
		if n > 1 {
			// memtier puts the same key in every __key__ of a command
			return nil, 0, "several keys in one command (" + op.Name() + ")"
		}
	}
	args = append(args, "--protocol=redis", "--key-prefix=")
	for _, op := range w.Ops {
		var words []string
		for _, a := range op.Args {
			switch a.Kind {
			case loadgen.ArgKey:
				words = append(words, a.Text+"__key__")
			case loadgen.ArgData:
				words = append(words, "__data__")
			case loadgen.ArgRand:
				return nil, 0, "random numbers in arguments (" + op.Name() + ")"
			default:
				words = append(words, a.Text)
			}
		}
		args = append(args, "--command="+strings.Join(words, " "), "--command-ratio="+strconv.Itoa(op.Weight), "--command-key-pattern=R")
	}
	return append(args, extra...), threads * clients, ""
}

// RedisBenchmarkArgs returns redis-benchmark's arguments for w, or a
// reason when it cannot express w: redis-benchmark runs one command per
// test, so only single-command RESP workloads fit. requests bounds the run
// (redis-benchmark has no time limit; the driver sizes requests from a
// calibration). Threads are used when the client has more than one CPU.
func RedisBenchmarkArgs(w Workload, host string, port int, requests int, clientCPUs int, extra []string) (args []string, why string) {
	if w.Protocol != loadgen.RESP {
		return nil, "not the Redis protocol"
	}
	if len(w.Ops) != 1 {
		return nil, "a mix of commands (redis-benchmark runs one command per test)"
	}
	keys := commonKeyspace(w)
	args = []string{"-h", host, "-p", strconv.Itoa(port), "-c", strconv.Itoa(w.Conns), "-P", strconv.Itoa(w.Pipeline),
		"-n", strconv.Itoa(requests), "--precision", "3"}
	if keys > 0 {
		args = append(args, "-r", strconv.Itoa(keys))
	}
	if clientCPUs > 1 {
		args = append(args, "--threads", strconv.Itoa(clientCPUs))
	}
	args = append(args, extra...)
	var value string
	for _, a := range w.Ops[0].Args {
		switch a.Kind {
		case loadgen.ArgKey:
			args = append(args, a.Text+"__rand_int__")
		case loadgen.ArgData:
			if value == "" {
				value = string(loadgen.Value(w.ValueSize))
			}
			args = append(args, value)
		case loadgen.ArgRand:
			return nil, "random numbers in arguments"
		default:
			args = append(args, a.Text)
		}
	}
	return args, ""
}
