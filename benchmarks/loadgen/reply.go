package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// errProto is a malformed reply: the connection cannot be trusted after it.
var errProto = errors.New("loadgen: malformed reply")

// maxBulk bounds the bulk length a reply may announce.
const maxBulk = 512 << 20

// skipRESP reads one complete RESP2/RESP3 reply from r and discards it. It
// returns isErr for an error reply ('-' or '!') with the error's first line
// in msg (valid until the next read from r). It never allocates.
func skipRESP(r *bufio.Reader) (isErr bool, msg []byte, err error) {
	line, err := readLine(r)
	if err != nil {
		return false, nil, err
	}
	if len(line) == 0 {
		return false, nil, errProto
	}
	switch line[0] {
	case '+', ':', ',', '#', '_', '(':
		return false, nil, nil
	case '-':
		return true, line[1:], nil
	case '$', '=', '!', '*', '~', '>', '%', '|':
		n, perr := strconv.ParseInt(string(line[1:]), 10, 64)
		if perr != nil || n < -1 || n > maxBulk {
			return false, nil, errProto
		}
		if n < 0 {
			return false, nil, nil
		}
		switch line[0] {
		case '$', '=':
			_, err = r.Discard(int(n) + 2)
			return false, nil, err
		case '!':
			_, err = r.Discard(int(n) + 2)
			return true, []byte("blob error"), err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := int64(0); i < n; i++ {
			if _, _, err := skipRESP(r); err != nil {
				return false, nil, err
			}
		}
		return false, nil, nil
	}
	return false, nil, errProto
}

// skipMemcache reads one complete Memcached text-protocol reply: a
// retrieval reply (VALUE ... END) or a one-line storage/error reply.
func skipMemcache(r *bufio.Reader) (isErr bool, msg []byte, err error) {
	for {
		line, err := readLine(r)
		if err != nil {
			return false, nil, err
		}
		switch {
		case bytes.HasPrefix(line, []byte("VALUE ")):
			f := bytes.Fields(line)
			if len(f) < 4 {
				return false, nil, errProto
			}
			n, perr := strconv.Atoi(string(f[3]))
			if perr != nil || n < 0 || n > maxBulk {
				return false, nil, errProto
			}
			if _, err := r.Discard(n + 2); err != nil {
				return false, nil, err
			}
		case bytes.Equal(line, []byte("END")), bytes.Equal(line, []byte("STORED")),
			bytes.Equal(line, []byte("NOT_STORED")), bytes.Equal(line, []byte("DELETED")),
			bytes.Equal(line, []byte("NOT_FOUND")), bytes.Equal(line, []byte("EXISTS")),
			bytes.Equal(line, []byte("OK")), bytes.Equal(line, []byte("TOUCHED")):
			return false, nil, nil
		case bytes.Equal(line, []byte("ERROR")), bytes.HasPrefix(line, []byte("CLIENT_ERROR")),
			bytes.HasPrefix(line, []byte("SERVER_ERROR")):
			return true, line, nil
		default:
			return false, nil, errProto
		}
	}
}

// readLine returns the next line without its "\r\n"; the slice is valid
// until the next read from r.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errProto
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, errProto
	}
	return line[:len(line)-2], nil
}

// Reply is a decoded reply, for the harness's few control commands (INFO,
// probes); the hot path never builds one.
type Reply struct {
	Kind byte    // '+', '-', ':', '$', '*' (RESP2 types); '_' for nil
	Str  string  // simple string, error text or bulk
	Int  int64   // integer
	Arr  []Reply // array elements
}

// IsErr reports an error reply.
func (r Reply) IsErr() bool { return r.Kind == '-' }

func readReply(r *bufio.Reader) (Reply, error) {
	line, err := readLine(r)
	if err != nil {
		return Reply{}, err
	}
	if len(line) == 0 {
		return Reply{}, errProto
	}
	switch line[0] {
	case '+', '-':
		return Reply{Kind: line[0], Str: string(line[1:])}, nil
	case ':':
		n, err := strconv.ParseInt(string(line[1:]), 10, 64)
		if err != nil {
			return Reply{}, errProto
		}
		return Reply{Kind: ':', Int: n}, nil
	case '_':
		return Reply{Kind: '_'}, nil
	case '$':
		n, err := strconv.Atoi(string(line[1:]))
		if err != nil || n < -1 || n > maxBulk {
			return Reply{}, errProto
		}
		if n < 0 {
			return Reply{Kind: '_'}, nil
		}
		b := make([]byte, n+2)
		if _, err := ioReadFull(r, b); err != nil {
			return Reply{}, err
		}
		return Reply{Kind: '$', Str: string(b[:n])}, nil
	case '*':
		n, err := strconv.Atoi(string(line[1:]))
		if err != nil || n < -1 || n > 1<<20 {
			return Reply{}, errProto
		}
		if n < 0 {
			return Reply{Kind: '_'}, nil
		}
		out := Reply{Kind: '*', Arr: make([]Reply, 0, n)}
		for range n {
			e, err := readReply(r)
			if err != nil {
				return Reply{}, err
			}
			out.Arr = append(out.Arr, e)
		}
		return out, nil
	}
	return Reply{}, errProto
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Client is a simple blocking RESP client for control commands (probes,
// INFO, preloading checks). One goroutine at a time; Close it when done.
type Client struct {
	conn    net.Conn
	r       *bufio.Reader
	Timeout time.Duration // per command; default 10 s
}

// Dial connects to addr (host:port).
func Dial(addr string, timeout time.Duration) (*Client, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return &Client{conn: c, r: bufio.NewReaderSize(c, 64<<10), Timeout: 10 * time.Second}, nil
}

// Do sends one command and reads its reply.
func (c *Client) Do(args ...string) (Reply, error) {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	_ = c.conn.SetDeadline(time.Now().Add(c.Timeout))
	if _, err := c.conn.Write(AppendRESP(nil, bs)); err != nil {
		return Reply{}, err
	}
	return readReply(c.r)
}

// DoMemcache sends one raw text-protocol line (without "\r\n"; a "set"
// is built from its 3 words as appendMemcache does) and returns the
// reply's lines joined by "\n".
func (c *Client) DoMemcache(args ...string) (string, error) {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	_ = c.conn.SetDeadline(time.Now().Add(c.Timeout))
	if _, err := c.conn.Write(appendMemcache(nil, bs)); err != nil {
		return "", err
	}
	var lines []string
	for {
		line, err := readLine(c.r)
		if err != nil {
			return strings.Join(lines, "\n"), err
		}
		s := string(line)
		lines = append(lines, s)
		if strings.HasPrefix(s, "VALUE ") {
			f := strings.Fields(s)
			if len(f) < 4 {
				return "", errProto
			}
			n, err := strconv.Atoi(f[3])
			if err != nil || n < 0 || n > maxBulk {
				return "", errProto
			}
			b := make([]byte, n+2)
			if _, err := ioReadFull(c.r, b); err != nil {
				return "", err
			}
			lines = append(lines, string(b[:n]))
			continue
		}
		return strings.Join(lines, "\n"), nil
	}
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// InfoField returns field from an INFO reply's text ("used_memory"), or
// "" when absent.
func InfoField(info, field string) string {
	for line := range strings.SplitSeq(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if ok && k == field {
			return v
		}
	}
	return ""
}

// Unsupported reports whether an error reply means the server does not
// know the command ("ERR unknown command ..."; Memcached's "ERROR").
func Unsupported(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "unknown command") || m == "error"
}

func errorf(format string, a ...any) error { return fmt.Errorf("loadgen: "+format, a...) }
