package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redis-cli (redis-tools) driving darner as a user would: an interactive
// session through its stdin, --pipe, --scan, --bigkeys and --memkeys. Every
// output is compared with the same redis-cli run against a real
// redis-server, except where the servers legitimately differ (HELLO's
// version and id, MEMORY USAGE's byte counts).

// redisCLIPath finds redis-cli, skipping the test when it is absent
// (failing it under CI=true).
func redisCLIPath(t *testing.T) string {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-cli not installed (apt-get install redis-tools); required under CI=true")
		}
		t.Skip("redis-cli not installed (apt-get install redis-tools)")
	}
	return cli
}

// runCLI runs redis-cli against port with args and stdin, bounded in time,
// and returns its combined output. A failing exit fails the test, except
// for --pipe, which exits 1 whenever a reply was an error.
func runCLI(t *testing.T, cli string, port int, stdin []byte, args ...string) string {
	t.Helper()
	cmd := exec.Command(cli, append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(port)}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil && !(len(args) > 0 && args[0] == "--pipe") {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("redis-cli %v did not finish in 30s\n%s", args, out.String())
	}
	return out.String()
}

// cliSession is typed into redis-cli line by line: databases, a
// transaction, errors, RESP2 then RESP3 renderings of every reply type.
const cliSession = `PING
SET greeting "hello world"
GET greeting
SELECT 1
SET k1 v1
MULTI
SET counter 10
INCR counter
INCRBY counter 5
LPUSH k1 x
EXEC
GET counter
INCR k1
NOSUCHCMD a b
GET
MULTI
SET a
EXEC
RPUSH mylist a b c "d e"
LRANGE mylist 0 -1
LPOS mylist c
HSET h f1 v1 f2 "two words"
HGETALL h
HMGET h f1 nosuch
ZADD z 1.5 a 2 b -inf c
ZRANGE z 0 -1 WITHSCORES
ZSCORE z a
ZMPOP 1 z MIN COUNT 2
SADD s 3 1 2
SMEMBERS s
SMISMEMBER s 1 9
SINTERCARD 1 s
INCRBYFLOAT fl 0.1
EXPIRE nosuch 10
TTL k1
OBJECT ENCODING s
TYPE h
SCAN 0 MATCH nomatch* COUNT 100
HELLO 3
HGETALL h
HMGET h f1 nosuch
ZRANGE z 0 -1 WITHSCORES
ZSCORE z c
ZRANDMEMBER nosuch 2 WITHSCORES
ZMPOP 1 z MAX
SMEMBERS s
SMISMEMBER s 1 9
GET nosuch
HRANDFIELD nosuch
INCRBYFLOAT fl 1e3
CONFIG GET maxmemory
MULTI
INCR counter
HGETALL h
EXEC
DBSIZE
SELECT 0
GET greeting
LPUSH greeting x
HELLO 2
HGETALL h
ZSCORE z nosuch
`

// maskHello masks what HELLO legitimately reports differently in every
// rendering redis-cli has (RESP2/RESP3, raw or not): the server version
// and the connection id.
func maskHello(out string) string {
	out = strings.NewReplacer("7.0.15", "<version>", "7.2.0", "<version>").Replace(out)
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		item := helloItem.ReplaceAllString(l, "")
		switch {
		case item == `"id"` || item == "id":
			if i+1 < len(lines) {
				lines[i+1] = "<id>"
			}
		case strings.HasPrefix(item, `"id" => `) || strings.HasPrefix(item, "id "):
			lines[i] = "<id>"
		}
	}
	return strings.Join(lines, "\n")
}

// helloItem is redis-cli's prefix of an aggregate's element.
var helloItem = regexp.MustCompile(`^\s*\d+[#)] `)

func TestRedisCLIInteractive(t *testing.T) {
	cli := redisCLIPath(t)
	ref := startRedis(t, redisServerPath(t))
	session := []byte(cliSession)
	want := map[string]string{}
	for _, mode := range []string{"--no-raw", "--raw"} {
		runCLI(t, cli, ref.port, nil, "FLUSHALL")
		want[mode] = maskHello(runCLI(t, cli, ref.port, session, mode))
	}
	if !strings.Contains(want["--no-raw"], `1# "f1" => "v1"`) || !strings.Contains(want["--no-raw"], "(double) 2") {
		t.Fatalf("redis-server session does not show RESP3 renderings:\n%s", want["--no-raw"])
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend, "--proactor_threads", "2")
		for _, mode := range []string{"--no-raw", "--raw"} {
			runCLI(t, cli, p.port, nil, "FLUSHALL")
			got := maskHello(runCLI(t, cli, p.port, session, mode))
			if got != want[mode] {
				t.Errorf("redis-cli %s session differs:\n%s", mode, lineDiff(want[mode], got))
			}
		}
	})
}

// lineDiff shows the lines where two outputs differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d\n redis:  %q\n darner: %q\n", i+1, a, c)
			if shown++; shown == 15 {
				break
			}
		}
	}
	return b.String()
}

// pipeInput is a few thousand commands in RESP, as redis-cli --pipe
// wants them: strings, lists, hashes, counters, and some that fail.
func pipeInput() []byte {
	var b bytes.Buffer
	cmd := func(args ...string) {
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	for i := 0; i < 3000; i++ {
		k := strconv.Itoa(i)
		switch i % 6 {
		case 0:
			cmd("SET", "pipe:s:"+k, "value "+k)
		case 1:
			cmd("RPUSH", "pipe:l:"+strconv.Itoa(i%17), k)
		case 2:
			cmd("HSET", "pipe:h:"+strconv.Itoa(i%13), "f"+k, k)
		case 3:
			cmd("INCRBY", "pipe:ctr", k)
		case 4:
			cmd("ZADD", "pipe:z", k, "m"+k)
		case 5:
			if i%300 == 5 {
				cmd("INCR", "pipe:s:0") // not an integer: an error reply
			} else {
				cmd("SADD", "pipe:set", strconv.Itoa(i%100))
			}
		}
	}
	// One clear biggest key per type, so that --bigkeys names the same
	// one whatever order SCAN visits them in.
	for i := 0; i < 60; i++ {
		cmd("RPUSH", "pipe:l:big", strconv.Itoa(i))
		cmd("HSET", "pipe:h:big", "f"+strconv.Itoa(i), "v")
	}
	cmd("SET", "pipe:s:big", strings.Repeat("x", 100))
	cmd("NOSUCHCOMMAND")
	cmd("GET", "a", "b")
	return b.Bytes()
}

// pipeCounts keeps --pipe's summary line ("errors: N, replies: M").
var pipeCounts = regexp.MustCompile(`errors: \d+, replies: \d+`)

func TestRedisCLIPipeScanBigkeys(t *testing.T) {
	cli := redisCLIPath(t)
	ref := startRedis(t, redisServerPath(t))
	in := pipeInput()
	check := `SCARD pipe:set
ZCARD pipe:z
GET pipe:ctr
LLEN pipe:l:3
HLEN pipe:h:7
ZRANGE pipe:z 0 2 WITHSCORES
DBSIZE
`
	type result struct{ pipe, check, scan, bigkeys, memkeys string }
	run := func(t *testing.T, port int) result {
		var r result
		runCLI(t, cli, port, nil, "FLUSHALL")
		out := runCLI(t, cli, port, in, "--pipe")
		r.pipe = pipeCounts.FindString(out)
		if r.pipe == "" {
			t.Fatalf("redis-cli --pipe printed no counts:\n%s", out)
		}
		r.check = runCLI(t, cli, port, []byte(check))
		keys := strings.Fields(runCLI(t, cli, port, nil, "--scan", "--pattern", "pipe:[lh]:1*"))
		sort.Strings(keys)
		r.scan = strings.Join(keys, " ")
		r.bigkeys = summaryOf(t, runCLI(t, cli, port, nil, "--bigkeys"))
		// MEMORY USAGE's numbers are the server's own; keep the counts.
		r.memkeys = regexp.MustCompile(`\d+ bytes|avg size [\d.]+|'"[^']*"'`).ReplaceAllString(summaryOf(t, runCLI(t, cli, port, nil, "--memkeys")), "N")
		return r
	}
	want := run(t, ref.port)
	if want.pipe != "errors: 12, replies: 3123" {
		t.Fatalf("redis-server --pipe counts = %q", want.pipe)
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend, "--proactor_threads", "2")
		got := run(t, p.port)
		f := func(what, w, g string) {
			t.Helper()
			if w != g {
				t.Errorf("%s differs:\n%s", what, lineDiff(w, g))
			}
		}
		f("--pipe", want.pipe, got.pipe)
		f("state after --pipe", want.check, got.check)
		f("--scan --pattern", want.scan, got.scan)
		f("--bigkeys summary", want.bigkeys, got.bigkeys)
		f("--memkeys summary", want.memkeys, got.memkeys)
	})
}

// summaryOf returns the part of --bigkeys/--memkeys output after its
// summary header (the progress lines before it follow SCAN order).
func summaryOf(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, "-------- summary -------")
	if i < 0 {
		t.Fatalf("no summary in:\n%s", out)
	}
	return out[i:]
}
