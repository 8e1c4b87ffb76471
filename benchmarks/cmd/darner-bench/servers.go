package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/darnerdb/darner/benchmarks/harness"
	"github.com/darnerdb/darner/benchmarks/loadgen"
)

// server is one running server process. It belongs to the driver's main
// goroutine; waitErr is closed when the process has exited.
type server struct {
	kind    string
	cmd     *exec.Cmd
	port    int // Redis-protocol port (memcached: its only port)
	mcPort  int // darner's --memcached_port, 0 if not asked for
	logPath string
	exited  chan struct{}
	waitErr error
}

// pid is the server's own pid: taskset execs the server in place.
func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// logTail returns the last lines of the server's log, for error reports.
func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}

// stop sends SIGTERM and waits up to 5 s, then SIGKILL.
func (s *server) stop() {
	if !s.alive() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// serverArgs builds the argv of a server under the current mode.
func (d *driver) serverArgs(kind string, w *harness.Workload, port, mcPort int) []string {
	var argv []string
	switch d.base(kind) {
	case harness.Darner:
		threads := 0 // every CPU the process may use
		if d.lab {
			threads = len(d.serverCPUs)
		}
		argv = []string{d.darnerBin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--proactor_threads", strconv.Itoa(threads)}
		if w != nil {
			argv = append(argv, w.DarnerArgs...)
		}
		if mcPort > 0 {
			argv = append(argv, "--memcached_port", strconv.Itoa(mcPort))
		}
		argv = append(argv, d.darnerArgs...)
		argv = append(argv, d.variants[kind]...)
	case harness.Redis:
		argv = []string{d.redisBin, "--save", "", "--appendonly", "no", "--bind", "127.0.0.1",
			"--port", strconv.Itoa(port), "--protected-mode", "no", "--daemonize", "no"}
		argv = append(argv, d.redisArgs...)
	case harness.Memcached:
		threads := len(d.serverCPUs)
		argv = []string{d.memcachedBin, "-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0",
			"-t", strconv.Itoa(max(1, threads)), "-m", "8192", "-c", "4096"}
		if os.Geteuid() == 0 {
			argv = append(argv, "-u", "root") // memcached refuses to run as root otherwise
		}
	}
	if d.lab {
		argv = append([]string{"taskset", "-c", harness.FormatCPUList(d.serverCPUs)}, argv...)
	}
	return argv
}

// startServer starts a fresh server of kind for workload w (nil for the
// memory suite) and waits until it answers.
func (d *driver) startServer(ctx context.Context, kind string, w *harness.Workload) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	mcPort := 0
	if d.base(kind) == harness.Darner && w != nil && w.Protocol == loadgen.Memcache {
		if mcPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	argv := d.serverArgs(kind, w, port, mcPort)
	logPath := filepath.Join(d.tmp, fmt.Sprintf("%s-%d.log", kind, port))
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the driver
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	s := &server{kind: kind, cmd: cmd, port: port, mcPort: mcPort, logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	d.running = s
	if err := s.waitReady(ctx, 15*time.Second); err != nil {
		s.stop()
		d.running = nil
		return nil, err
	}
	return s, nil
}

// waitReady polls the server until it answers PING (or memcached's
// "version"), the process exits, or the timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	var last error
	for time.Now().Before(deadline) {
		if !s.alive() {
			return fmt.Errorf("%s exited at start-up (%v): %s", s.kind, s.waitErr, s.logTail())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		last = s.ping(addr)
		if last == nil {
			if s.mcPort == 0 {
				return nil
			}
			mcAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.mcPort))
			if last = pingMemcache(mcAddr); last == nil {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %v: %v: %s", s.kind, timeout, last, s.logTail())
}

func (s *server) ping(addr string) error {
	if s.kind == harness.Memcached {
		return pingMemcache(addr)
	}
	c, err := loadgen.Dial(addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.Timeout = 2 * time.Second
	r, err := c.Do("PING")
	if err != nil {
		return err
	}
	if r.IsErr() {
		return errors.New(r.Str)
	}
	return nil
}

func pingMemcache(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("version\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "VERSION") {
		return fmt.Errorf("memcached answered %q", line)
	}
	return nil
}

// darnerHelp returns darner's --help output.
func darnerHelp(bin string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, "--help").CombinedOutput()
	return string(out)
}

// hasFlag reports whether help lists flag ("--bench_ok") as a whole word.
func hasFlag(help, flag string) bool {
	for i := 0; ; {
		j := strings.Index(help[i:], flag)
		if j < 0 {
			return false
		}
		end := i + j + len(flag)
		if end == len(help) || !(help[end] == '_' || help[end] == '-' || 'a' <= help[end] && help[end] <= 'z' || '0' <= help[end] && help[end] <= '9') {
			return true
		}
		i = end
	}
}

// toolVersion runs "bin --version" (or args) and extracts the version.
func toolVersion(bin string, args ...string) string {
	if len(args) == 0 {
		args = []string{"--version"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "unknown"
	}
	return harness.ParseVersion(string(out))
}
