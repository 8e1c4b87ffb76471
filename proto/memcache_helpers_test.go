package proto_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/darnerdb/darner/proto"
)

// mcDescribe renders a parsed command as one line, every meaningful field
// spelled out, so that transcripts can be compared as text.
func mcDescribe(c *proto.MCCommand) string {
	var sb strings.Builder
	sb.WriteString(c.Kind.String())
	if c.Key != nil {
		fmt.Fprintf(&sb, " key=%q", c.Key)
	}
	if len(c.Keys) > 0 {
		sb.WriteString(" keys=")
		for i, k := range c.Keys {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "%q", k)
		}
	}
	if c.Kind.IsStorage() {
		fmt.Fprintf(&sb, " data=%q", c.Data)
	}
	if c.Flags != 0 {
		fmt.Fprintf(&sb, " flags=%d", c.Flags)
	}
	if c.Exptime != 0 {
		fmt.Fprintf(&sb, " exp=%d", c.Exptime)
	}
	if c.CAS != 0 {
		fmt.Fprintf(&sb, " cas=%d", c.CAS)
	}
	if c.Delta != 0 {
		fmt.Fprintf(&sb, " delta=%d", c.Delta)
	}
	if c.Verbosity != 0 {
		fmt.Fprintf(&sb, " level=%d", c.Verbosity)
	}
	if c.NoReply {
		sb.WriteString(" noreply")
	}
	if len(c.Args) > 0 {
		fmt.Fprintf(&sb, " args=%q", c.Args)
	}
	if c.Kind.IsMeta() {
		m := &c.Meta
		if len(m.List) > 0 {
			sb.WriteString(" flags=")
			for i, f := range m.List {
				if i > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, "%c%s", f.Flag, f.Token)
			}
		}
		if m.TTL != 0 {
			fmt.Fprintf(&sb, " T=%d", m.TTL)
		}
		if m.VivifyTTL != 0 {
			fmt.Fprintf(&sb, " N=%d", m.VivifyTTL)
		}
		if m.RecacheTTL != 0 {
			fmt.Fprintf(&sb, " R=%d", m.RecacheTTL)
		}
		if m.ClientFlags != 0 {
			fmt.Fprintf(&sb, " F=%d", m.ClientFlags)
		}
		if m.CompareCAS != 0 {
			fmt.Fprintf(&sb, " C=%d", m.CompareCAS)
		}
		if m.NewCAS != 0 {
			fmt.Fprintf(&sb, " E=%d", m.NewCAS)
		}
		if m.Delta != 1 {
			fmt.Fprintf(&sb, " D=%d", m.Delta)
		}
		if m.Initial != 0 {
			fmt.Fprintf(&sb, " J=%d", m.Initial)
		}
		if m.Mode != 0 {
			fmt.Fprintf(&sb, " M=%c", m.Mode)
		}
		if m.Base64 {
			sb.WriteString(" b64")
		}
		if m.Quiet {
			sb.WriteString(" q")
		}
	}
	return sb.String()
}

// mcFeed runs a fresh MCParser over stream as a connection would: bytes
// arrive in chunks of the given size, every complete request is consumed
// from the front, and the rest waits for the next read. With move set the
// buffer is copied to a new array after each read (a connection that
// compacts its buffer). The transcript has one line per command or error,
// then "pending <n>" with the bytes left unparsed. Identical streams must
// give identical transcripts however they are split.
func mcFeed(p *proto.MCParser, stream []byte, chunk int, move bool) string {
	var sb strings.Builder
	var buf []byte
	off := 0
	for {
		for {
			n, cmd, err := p.Parse(buf)
			if n < 0 || n > len(buf) {
				fmt.Fprintf(&sb, "BUG n=%d len=%d\n", n, len(buf))
				return sb.String()
			}
			if err != nil {
				var e *proto.MCError
				if !errors.As(err, &e) {
					fmt.Fprintf(&sb, "BUG error type %T\n", err)
					return sb.String()
				}
				fmt.Fprintf(&sb, "err %q", e.Reply)
				if e.Skip > 0 {
					fmt.Fprintf(&sb, " skip=%d", e.Skip)
				}
				if e.DeleteKey != nil {
					fmt.Fprintf(&sb, " delete=%q", e.DeleteKey)
				}
				if e.Close {
					sb.WriteString(" close\n")
					return sb.String()
				}
				sb.WriteByte('\n')
				buf = buf[n:]
				continue
			}
			if n == 0 {
				if cmd != nil {
					sb.WriteString("BUG command with n=0\n")
					return sb.String()
				}
				break
			}
			if cmd != nil {
				sb.WriteString(mcDescribe(cmd))
				sb.WriteByte('\n')
			}
			buf = buf[n:]
		}
		if off == len(stream) {
			break
		}
		k := min(chunk, len(stream)-off)
		buf = append(buf, stream[off:off+k]...)
		off += k
		if move {
			buf = append([]byte(nil), buf...)
		}
	}
	fmt.Fprintf(&sb, "pending %d", len(buf))
	return sb.String()
}

// mcCheckSplits parses stream whole, byte by byte and in a few odd chunk
// sizes and returns the whole-stream transcript, or an error when any
// split disagrees.
func mcCheckSplits(newParser func() *proto.MCParser, stream []byte, chunks ...int) (string, error) {
	want := mcFeed(newParser(), stream, len(stream)+1, false)
	if len(chunks) == 0 {
		chunks = []int{1, 2, 3, 7, 64, 1000, 4093, 65537}
	}
	for _, c := range chunks {
		for _, move := range []bool{false, true} {
			// Moving the buffer after every read is quadratic: only for
			// chunks that keep the number of reads small.
			if move && (len(stream)/c > 4096 || len(stream) > 64<<10) {
				continue
			}
			if len(stream) > 64<<10 && c < 1000 {
				continue
			}
			if got := mcFeed(newParser(), stream, c, move); got != want {
				return want, fmt.Errorf("chunk %d move=%v:\n%s\nwhole:\n%s", c, move, got, want)
			}
		}
	}
	return want, nil
}
