package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestDiffRedis runs every script in testdata/diff against a real
// redis-server and against darner (both backends, 1 and 2 shards), and
// compares the replies byte for byte (or as a case's markers say). Each
// script runs on freshly started servers, so no state or CONFIG change
// leaks between scripts. Scripts marked @pending run only with
// DARNER_DIFF_PENDING=1; the test logs how many it left out.
func TestDiffRedis(t *testing.T) {
	redisBin := redisServerPath(t)
	scripts := loadDiffScripts(t)
	withPending := os.Getenv("DARNER_DIFF_PENDING") == "1"
	var run []*diffScript
	pendingScripts, pendingCases, cases := 0, 0, 0
	for _, s := range scripts {
		if s.pending && !withPending {
			pendingScripts++
			pendingCases += len(s.cases)
			continue
		}
		run = append(run, s)
		cases += len(s.cases)
	}
	if pendingScripts > 0 {
		t.Logf("%d pending scripts (%d cases) not run; DARNER_DIFF_PENDING=1 runs them", pendingScripts, pendingCases)
	}
	t.Logf("%d scripts, %d cases", len(run), cases)

	// Redis's replies, recorded once per script and protocol.
	type key struct {
		script string
		resp3  bool
	}
	want := map[key][]*rawReply{}
	for _, s := range run {
		for _, resp3 := range passes(s) {
			var extra []string
			if s.pass != "" {
				extra = []string{"--requirepass", s.pass}
			}
			r := startRedis(t, redisBin, extra...)
			reps, err := runScript(r.addr(), s, resp3)
			if err != nil {
				t.Fatalf("%s against redis-server: %v", s.name, err)
			}
			want[key{s.name, resp3}] = reps
		}
	}

	forEachBackend(t, func(t *testing.T, backend string) {
		for _, shards := range []int{1, 2} {
			t.Run("shards="+strconv.Itoa(shards), func(t *testing.T) {
				for _, s := range run {
					t.Run(strings.TrimSuffix(s.name, ".txt"), func(t *testing.T) {
						for _, resp3 := range passes(s) {
							p := startDarnerFor(t, backend, shards, s)
							got, err := runScript(p.addr(), s, resp3)
							if err != nil {
								t.Fatalf("%s against darner: %v", s.name, err)
							}
							exp := want[key{s.name, resp3}]
							proto := "RESP2"
							if resp3 {
								proto = "RESP3"
							}
							for i := range s.cases {
								c := &s.cases[i]
								if !sameReply(c, exp[i], got[i]) {
									t.Errorf("%s:%d (%s): %s\n redis:  %s\n darner: %s", s.name, c.line, proto, c.text, clip(exp[i].raw), clip(got[i].raw))
								}
							}
							p.stop(t)
						}
					})
				}
			})
		}
	})
}

// clip quotes a reply for a failure message, cut to a readable length.
func clip(raw []byte) string {
	const max = 400
	if len(raw) > max {
		return strconv.Quote(string(raw[:max])) + "... (" + strconv.Itoa(len(raw)) + " bytes)"
	}
	return strconv.Quote(string(raw))
}

// passes lists the protocols a script runs with.
func passes(s *diffScript) []bool {
	if s.resp3 {
		return []bool{false, true}
	}
	return []bool{false}
}

// TestDiffScriptFormat checks the harness's own parsing: quoting as
// redis-cli does, markers, directives and errors.
func TestDiffScriptFormat(t *testing.T) {
	f := func(line string, want ...string) {
		t.Helper()
		got, err := splitArgs(line)
		if err != nil {
			t.Fatalf("splitArgs(%q): %v", line, err)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Errorf("splitArgs(%q) = %q, want %q", line, got, want)
		}
	}
	f(`SET k v`, "SET", "k", "v")
	f(`  SET   k   v  `, "SET", "k", "v")
	f(`SET "a b" 'c d'`, "SET", "a b", "c d")
	f(`SET k "a\r\nb\x41\"\\"`, "SET", "k", "a\r\nbA\"\\")
	f(`SET k 'it\'s \n'`, "SET", "k", `it's \n`)
	f(`SET k ""`, "SET", "k", "")
	f(`SET k a"b"`, "SET", "k", "ab")
	for _, bad := range []string{`SET "k`, `SET 'k`, `SET "k"x`} {
		if _, err := splitArgs(bad); err == nil {
			t.Errorf("splitArgs(%q) accepted", bad)
		}
	}
	s, err := parseDiffScript("x.txt", []byte("@pending @resp3\n@requirepass pw\n# c\n\n~sorted ~type KEYS *\nPING\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !s.pending || !s.resp3 || s.pass != "pw" || len(s.cases) != 2 || !s.cases[0].markers["~sorted"] || !s.cases[0].markers["~type"] ||
		s.cases[0].args[0] != "KEYS" || s.cases[0].line != 5 || s.cases[1].line != 6 {
		t.Errorf("parsed %+v", s)
	}
	for _, bad := range []string{"PING\n@pending\n", "~nosuch PING\n", "@nosuch\n", "~sorted\n", "@requirepass\n"} {
		if _, err := parseDiffScript("x.txt", []byte(bad)); err == nil {
			t.Errorf("parseDiffScript(%q) accepted", bad)
		}
	}
	// Sorted and pair comparisons.
	a := &rawReply{raw: []byte("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), elems: [][]byte{[]byte("$1\r\na\r\n"), []byte("$1\r\nb\r\n")}}
	b := &rawReply{raw: []byte("*2\r\n$1\r\nb\r\n$1\r\na\r\n"), elems: [][]byte{[]byte("$1\r\nb\r\n"), []byte("$1\r\na\r\n")}}
	plain, sorted, pairs := &diffCase{markers: map[string]bool{}}, &diffCase{markers: map[string]bool{"~sorted": true}}, &diffCase{markers: map[string]bool{"~pairs": true}}
	if sameReply(plain, a, b) || !sameReply(sorted, a, b) || sameReply(pairs, a, b) || !sameReply(pairs, a, a) {
		t.Error("sameReply markers misbehave")
	}
}

// TestGoRedisCommandParses checks that go-redis can parse darner's COMMAND
// reply (cluster clients call it at start-up) and that it agrees with the
// table for the commands darner has.
func TestGoRedisCommandParses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend, "--proactor_threads", "2")
		ctx := context.Background()
		for _, resp := range []int{2, 3} {
			rdb := redis.NewClient(&redis.Options{Addr: p.addr(), Protocol: resp})
			cmds, err := rdb.Command(ctx).Result()
			if err != nil {
				t.Fatalf("RESP%d: COMMAND: %v", resp, err)
			}
			get, ok := cmds["get"]
			if !ok {
				t.Fatalf("RESP%d: COMMAND does not list get (%d commands)", resp, len(cmds))
			}
			if get.Arity != 2 || get.FirstKeyPos != 1 || get.LastKeyPos != 1 || get.StepCount != 1 || !get.ReadOnly {
				t.Errorf("RESP%d: get = %+v", resp, get)
			}
			if cfg := cmds["config"]; cfg == nil || cfg.Arity != -2 {
				t.Errorf("RESP%d: config = %+v", resp, cfg)
			}
			n, err := rdb.Do(ctx, "COMMAND", "COUNT").Int()
			if err != nil || n != len(cmds) {
				t.Errorf("RESP%d: COMMAND COUNT = %d, %v; COMMAND lists %d", resp, n, err, len(cmds))
			}
			if v, err := rdb.ConfigGet(ctx, "databases").Result(); err != nil || v["databases"] != "16" {
				t.Errorf("RESP%d: CONFIG GET databases = %v, %v", resp, v, err)
			}
			if err := rdb.ConfigSet(ctx, "maxmemory", strconv.Itoa(resp)+"mb").Err(); err != nil {
				t.Errorf("RESP%d: CONFIG SET maxmemory: %v", resp, err)
			}
			if v, _ := rdb.ConfigGet(ctx, "maxmemory").Result(); v["maxmemory"] != strconv.Itoa(resp<<20) {
				t.Errorf("RESP%d: maxmemory after SET %dmb = %v", resp, resp, v)
			}
			rdb.Close()
		}
	})
}

// TestRedisCLICommandDocs checks redis-cli against darner's COMMAND DOCS
// (redis-cli 7 builds its hints from it) and CONFIG GET.
func TestRedisCLICommandDocs(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-cli not installed (apt-get install redis-tools); required under CI=true")
		}
		t.Skip("redis-cli not installed (apt-get install redis-tools)")
	}
	p := startDarner(t, backends()[0])
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(cli, append([]string{"-p", strconv.Itoa(p.port)}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// get's docs are as rich as its family registers them; the reply must
	// at least be well-formed and name it.
	if docs := run("COMMAND", "DOCS", "get"); !strings.HasPrefix(docs, "get\n") || strings.Contains(docs, "ERR") {
		t.Errorf("redis-cli COMMAND DOCS get:\n%s", docs)
	}
	docs := run("COMMAND", "DOCS", "config")
	for _, want := range []string{"config\n", "summary", "since", "2.0.0", "group", "server", "subcommands", "config|get", "Get the values of configuration parameters"} {
		if !strings.Contains(docs, want) {
			t.Errorf("redis-cli COMMAND DOCS config lacks %q:\n%s", want, docs)
		}
	}
	if got := strings.TrimSpace(run("CONFIG", "GET", "databases")); got != "databases\n16" {
		t.Errorf("redis-cli CONFIG GET databases = %q", got)
	}
	if got := strings.TrimSpace(run("COMMAND", "COUNT")); got == "" || strings.Contains(got, "ERR") {
		t.Errorf("redis-cli COMMAND COUNT = %q", got)
	}
}
