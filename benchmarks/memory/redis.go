package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"time"
)

type redisResult struct {
	usedPerKey, rssPerKey float64
	load                  time.Duration
	version               string
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// measureRedis starts bin on 127.0.0.1, loads n memtier-shaped keys and
// reads its memory. The server is killed before returning.
func measureRedis(bin string, n, valSize int) (redisResult, error) {
	var res redisResult
	path, err := exec.LookPath(bin)
	if err != nil {
		return res, err
	}
	port, err := freePort()
	if err != nil {
		return res, err
	}
	cmd := exec.Command(path, "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes")
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var conn net.Conn
	for i := 0; i < 100; i++ {
		if conn, err = net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return res, fmt.Errorf("connect: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Minute))
	rd := bufio.NewReaderSize(conn, 1<<16)
	info := func() (map[string]string, error) {
		if _, err := conn.Write([]byte("*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")); err != nil {
			return nil, err
		}
		line, err := rd.ReadString('\n')
		if err != nil || len(line) < 2 || line[0] != '$' {
			return nil, fmt.Errorf("INFO reply %q: %v", line, err)
		}
		sz, _ := strconv.Atoi(line[1 : len(line)-2])
		body := make([]byte, sz+2)
		if _, err := ioReadFull(rd, body); err != nil {
			return nil, err
		}
		m := map[string]string{}
		for _, l := range bytes.Split(body, []byte("\r\n")) {
			if k, v, ok := bytes.Cut(l, []byte(":")); ok {
				m[string(k)] = string(v)
			}
		}
		return m, nil
	}
	statusPath := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	m0, err := info()
	if err != nil {
		return res, err
	}
	rss0 := statusRSS(statusPath)
	val := memtierValue(valSize)
	start := time.Now()
	const batch = 1000
	var buf []byte
	key := make([]byte, 0, 32)
	for i := 0; i < n; i += batch {
		buf = buf[:0]
		k := min(batch, n-i)
		for j := 0; j < k; j++ {
			key = memtierKey(key[:0], i+j)
			buf = append(buf, "*3\r\n$3\r\nSET\r\n$"...)
			buf = strconv.AppendInt(buf, int64(len(key)), 10)
			buf = append(buf, "\r\n"...)
			buf = append(buf, key...)
			buf = append(buf, "\r\n$"...)
			buf = strconv.AppendInt(buf, int64(len(val)), 10)
			buf = append(buf, "\r\n"...)
			buf = append(buf, val...)
			buf = append(buf, "\r\n"...)
		}
		if _, err := conn.Write(buf); err != nil {
			return res, err
		}
		for j := 0; j < k; j++ {
			line, err := rd.ReadSlice('\n')
			if err != nil {
				return res, err
			}
			if string(line) != "+OK\r\n" {
				return res, fmt.Errorf("SET reply %q", line)
			}
		}
	}
	res.load = time.Since(start)
	m1, err := info()
	if err != nil {
		return res, err
	}
	rss1 := statusRSS(statusPath)
	u0, _ := strconv.ParseFloat(m0["used_memory"], 64)
	u1, _ := strconv.ParseFloat(m1["used_memory"], 64)
	res.usedPerKey = (u1 - u0) / float64(n)
	res.rssPerKey = float64(rss1-rss0) / float64(n)
	out, _ := exec.Command(path, "--version").Output()
	res.version = string(bytes.TrimSpace(out))
	return res, nil
}

func ioReadFull(rd *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := rd.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
