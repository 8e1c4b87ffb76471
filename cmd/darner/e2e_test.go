package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tests in this file run the real binary, as a user would.

var darnerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "darner-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	darnerBin = filepath.Join(dir, "darner")
	build := exec.Command("go", "build", "-ldflags=-checklinkname=0", "-o", darnerBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building darner:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// backends returns the backends to test: the one named by
// DARNER_TEST_BACKEND, or both.
func backends() []string {
	switch b := os.Getenv("DARNER_TEST_BACKEND"); b {
	case "io_uring", "epoll":
		return []string{b}
	default:
		return []string{"io_uring", "epoll"}
	}
}

func forEachBackend(t *testing.T, f func(t *testing.T, backend string)) {
	for _, b := range backends() {
		t.Run(b, func(t *testing.T) { f(t, b) })
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type proc struct {
	cmd    *exec.Cmd
	port   int
	stderr *strings.Builder
	done   chan error
}

// startDarner starts the binary on a free loopback port and waits until it
// answers PING. The process is stopped with SIGTERM at the end of the test.
func startDarner(t *testing.T, backend string, args ...string) *proc {
	t.Helper()
	port := freePort(t)
	all := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, args...)
	if !slices.Contains(args, "--dir") { // SAVE/BGSAVE in a test never write into the source tree
		all = append(all, "--dir", t.TempDir())
	}
	if backend == "epoll" {
		all = append(all, "--force_epoll")
	}
	p := &proc{cmd: exec.Command(darnerBin, all...), port: port, stderr: &strings.Builder{}, done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	waitReady(t, "darner", p.done, p.stderr, func() bool {
		c, err := net.DialTimeout("tcp", p.addr(), 200*time.Millisecond)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Write([]byte("PING\r\n"))
		line, err := bufio.NewReader(c).ReadString('\n')
		return err == nil && line == "+PONG\r\n"
	})
	return p
}

// waitReady polls up until it reports the server ready, failing the test
// when the process (whose Wait result arrives on done) exits first or when
// 10 s pass; out is the process's captured output, shown on failure.
func waitReady(t *testing.T, name string, done chan error, out fmt.Stringer, up func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !up() {
		select {
		case err := <-done:
			done <- err // keep the exit status for whoever stops the process
			t.Fatalf("%s exited early: %v\n%s", name, err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer PING within 10s\n%s", name, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *proc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// stop sends SIGTERM and expects a clean exit (code 0) within 10 s.
func (p *proc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("darner did not exit cleanly after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("darner did not exit within 10s of SIGTERM\n%s", p.stderr)
	}
}

func TestHelpListsFlags(t *testing.T) {
	out, err := exec.Command(darnerBin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v\n%s", err, out)
	}
	for _, f := range []string{"--port", "--bind", "--proactor_threads", "--force_epoll", "--maxclients", "--requirepass", "--dbnum", "--hz", "--bench_ok", "DARNER_PORT"} {
		if !strings.Contains(string(out), f) {
			t.Errorf("--help does not mention %s:\n%s", f, out)
		}
	}
}

// TestShardThreadsPinnedWithOwnRings checks, from /proc, that with two
// shards two threads are pinned to distinct single CPUs and that each shard
// has an io_uring instance (none with epoll).
func TestShardThreadsPinnedWithOwnRings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend, "--proactor_threads", "2")
		pid := p.cmd.Process.Pid
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			t.Fatal(err)
		}
		pinned := map[string]int{}
		for _, task := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, task.Name()))
			if err != nil {
				continue
			}
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
					v = strings.TrimSpace(v)
					if _, err := strconv.Atoi(v); err == nil { // a single CPU
						pinned[v]++
					}
				}
			}
		}
		if len(pinned) < 2 {
			t.Errorf("want threads pinned to 2 distinct CPUs, got %v", pinned)
		}
		want := 2
		if backend == "epoll" {
			want = 0
		}
		// The kernel may skip a ring's fdinfo details while the ring's
		// owner holds its lock, so a short read is retried a few times.
		rings := 0
		for try := 0; try < 20; try++ {
			rings = 0
			fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
			for _, fd := range fds {
				target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
				if target == "anon_inode:[io_uring]" {
					info, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, fd.Name()))
					if strings.Contains(string(info), "SqMask") {
						rings++
					}
				}
			}
			if rings == want {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if rings != want {
			t.Errorf("%s: want %d io_uring instances in fdinfo, got %d", backend, want, rings)
		}
		rdb := redis.NewClient(&redis.Options{Addr: p.addr()})
		defer rdb.Close()
		info, err := rdb.Info(context.Background(), "server").Result()
		if err != nil {
			t.Fatalf("INFO server: %v", err)
		}
		if !strings.Contains(info, "multiplexing_api:"+backend) {
			t.Errorf("INFO server does not say multiplexing_api:%s:\n%s", backend, info)
		}
	})
}

func TestPortInUseFailsClearly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	cmd := exec.Command(darnerBin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("want exit code 1, got %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "address already in use") {
		t.Errorf("message does not say the address is in use:\n%s", out)
	}
}

func TestSetGetThroughShardsAndSIGTERM(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend, "--proactor_threads", "2")
		ctx := context.Background()
		rdb := redis.NewClient(&redis.Options{Addr: p.addr(), PoolSize: 8})
		defer rdb.Close()
		for i := 0; i < 200; i++ {
			k := fmt.Sprintf("key:%d", i)
			if err := rdb.Set(ctx, k, k+"-v", 0).Err(); err != nil {
				t.Fatalf("SET %s: %v", k, err)
			}
		}
		for i := 0; i < 200; i++ {
			k := fmt.Sprintf("key:%d", i)
			if v, err := rdb.Get(ctx, k).Result(); err != nil || v != k+"-v" {
				t.Fatalf("GET %s = %q, %v", k, v, err)
			}
		}
		rdb.Close()
		p.stop(t)
	})
}

func TestRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-cli not installed (apt-get install redis-tools); required under CI=true")
		}
		t.Skip("redis-cli not installed (apt-get install redis-tools)")
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		p := startDarner(t, backend)
		run := func(args ...string) string {
			t.Helper()
			out, err := exec.Command(cli, append([]string{"-p", strconv.Itoa(p.port)}, args...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
			}
			return strings.TrimSpace(string(out))
		}
		f := func(want string, args ...string) {
			t.Helper()
			if got := run(args...); got != want {
				t.Errorf("redis-cli %v = %q, want %q", args, got, want)
			}
		}
		f("PONG", "ping")
		f("OK", "set", "greeting", "hello world")
		f("hello world", "get", "greeting")
		f("1", "del", "greeting")
		f("", "get", "greeting")
	})
}
