package proto

import (
	"fmt"
	"strings"
)

// feed runs a fresh Parser over stream the way a connection does: bytes
// arrive in chunks (sizes from chunk, called with the offset reached; the
// last chunk is cut to fit), every complete request is consumed from the
// front, and the pending rest stays for the next read. With move set, the
// buffer is copied to a new array after every read, as a connection that
// grows or compacts its buffer would. It returns a transcript: one line per
// request ("n=<bytes> [args...]"), then the error or the pending bytes and
// Need. Identical streams must give identical transcripts however split.
func feed(p *Parser, stream []byte, chunk func(off int) int, move bool) string {
	var sb strings.Builder
	var buf []byte
	off := 0
	for off < len(stream) {
		k := chunk(off)
		if k < 1 {
			k = 1
		}
		if k > len(stream)-off {
			k = len(stream) - off
		}
		buf = append(buf, stream[off:off+k]...)
		off += k
		if move {
			nb := make([]byte, len(buf), len(buf)+3)
			copy(nb, buf)
			buf = nb
		}
		for len(buf) > 0 {
			n, args, err := p.Parse(buf)
			if err != nil {
				if n != 0 || args != nil {
					fmt.Fprintf(&sb, "BUG: err with n=%d args=%q\n", n, args)
				}
				fmt.Fprintf(&sb, "error %s\n", err)
				return sb.String()
			}
			if n == 0 {
				if args != nil {
					fmt.Fprintf(&sb, "BUG: n=0 with args=%q\n", args)
				}
				break
			}
			if n > len(buf) {
				fmt.Fprintf(&sb, "BUG: n=%d > len %d\n", n, len(buf))
				return sb.String()
			}
			fmt.Fprintf(&sb, "n=%d %q\n", n, args)
			buf = buf[n:]
		}
	}
	if len(buf) > 0 {
		fmt.Fprintf(&sb, "pending %d", len(buf))
		if need := p.Need(); need != 0 {
			fmt.Fprintf(&sb, " need %d", need)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

func whole(int) int   { return 1 << 62 }
func oneByte(int) int { return 1 }

// splitAt delivers the stream in two reads, cut at k.
func splitAt(k int) func(int) int {
	return func(off int) int {
		if off < k {
			return k - off
		}
		return 1 << 62
	}
}

// checkSplits compares the one-read transcript of stream with byte-by-byte
// delivery and, when all is set, with every two-read split (moved buffers
// on odd cut points). It returns the one-read transcript, or a description
// of the first difference.
func checkSplits(stream []byte, all bool) (string, error) {
	want := feed(new(Parser), stream, whole, false)
	if got := feed(new(Parser), stream, oneByte, false); got != want {
		return want, fmt.Errorf("byte-by-byte:\n%s\nwhole:\n%s", got, want)
	}
	if got := feed(new(Parser), stream, oneByte, true); got != want {
		return want, fmt.Errorf("byte-by-byte, moving buffer:\n%s\nwhole:\n%s", got, want)
	}
	if all {
		for k := 1; k < len(stream); k++ {
			if got := feed(new(Parser), stream, splitAt(k), k%2 == 1); got != want {
				return want, fmt.Errorf("split at %d:\n%s\nwhole:\n%s", k, got, want)
			}
		}
	}
	return want, nil
}
