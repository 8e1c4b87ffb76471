package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ArgKind says how one argument of a command template is filled in.
type ArgKind string

const (
	// ArgLit is sent as is (Text).
	ArgLit ArgKind = "lit"
	// ArgKey is Text followed by a uniformly random key number below
	// Keys, formatted by the Config's KeyStyle.
	ArgKey ArgKind = "key"
	// ArgData is the value payload: ValueSize bytes.
	ArgData ArgKind = "data"
	// ArgRand is Text followed by a uniformly random decimal below N
	// (zset scores and members).
	ArgRand ArgKind = "rand"
)

// Arg is one argument of a command template.
type Arg struct {
	Kind ArgKind `json:"kind"`
	Text string  `json:"text,omitempty"` // literal, or prefix of a key/rand
	N    int     `json:"n,omitempty"`    // ArgKey: keyspace size; ArgRand: bound
}

// Op is one command template and its weight in the mix: with ops of
// weights 1 and 10, one request in 11 is the first.
type Op struct {
	Weight int   `json:"weight"`
	Args   []Arg `json:"args"`
}

// Name is the upper-cased command name, for reports.
func (o Op) Name() string {
	if len(o.Args) == 0 {
		return ""
	}
	return strings.ToUpper(o.Args[0].Text)
}

// String renders the template readably: "SET key:<key> <32 B>".
func (o Op) String() string {
	var b strings.Builder
	for i, a := range o.Args {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch a.Kind {
		case ArgKey:
			fmt.Fprintf(&b, "%s<key<%d>", a.Text, a.N)
		case ArgData:
			b.WriteString("<data>")
		case ArgRand:
			fmt.Fprintf(&b, "%s<rand<%d>", a.Text, a.N)
		default:
			b.WriteString(a.Text)
		}
	}
	return b.String()
}

// ParseOp builds an Op from a compact text form used by flags and tests:
// words separated by spaces; "{key:PREFIX:N}" is a key, "{data}" the value,
// "{rand:PREFIX:N}" a random number. Example: "ZADD {key:z:1000} {rand::1000} {rand:m:1000}".
func ParseOp(weight int, s string) (Op, error) {
	op := Op{Weight: weight}
	for _, w := range strings.Fields(s) {
		switch {
		case w == "{data}":
			op.Args = append(op.Args, Arg{Kind: ArgData})
		case strings.HasPrefix(w, "{key:") || strings.HasPrefix(w, "{rand:"):
			if !strings.HasSuffix(w, "}") {
				return Op{}, fmt.Errorf("loadgen: bad placeholder %q", w)
			}
			// {kind:prefix:n}; the prefix may itself contain ':'
			body := w[1 : len(w)-1]
			kind, rest, _ := strings.Cut(body, ":")
			i := strings.LastIndexByte(rest, ':')
			if i < 0 {
				return Op{}, fmt.Errorf("loadgen: placeholder %q: want {kind:prefix:n}", w)
			}
			n, err := strconv.Atoi(rest[i+1:])
			if err != nil || n <= 0 {
				return Op{}, fmt.Errorf("loadgen: placeholder %q: bad bound", w)
			}
			op.Args = append(op.Args, Arg{Kind: ArgKind(kind), Text: rest[:i], N: n})
		default:
			op.Args = append(op.Args, Arg{Kind: ArgLit, Text: w})
		}
	}
	if len(op.Args) == 0 {
		return Op{}, fmt.Errorf("loadgen: empty command")
	}
	if op.Weight <= 0 {
		return Op{}, fmt.Errorf("loadgen: weight must be positive")
	}
	return op, nil
}

// KeyStyle is how a key number becomes a key name; it must match the
// tool that preloaded the keyspace so that reads hit.
type KeyStyle string

const (
	// KeyPadded is redis-benchmark's __rand_int__ style: 12 zero-padded
	// digits, numbers 0..N-1.
	KeyPadded KeyStyle = "padded"
	// KeyPlain is memtier's __key__ style: plain decimal, numbers 1..N.
	KeyPlain KeyStyle = "plain"
)

// AppendKeyName appends prefix and the name of key number i (0-based) in
// style s.
func AppendKeyName(dst []byte, s KeyStyle, prefix string, i int) []byte {
	dst = append(dst, prefix...)
	if s == KeyPlain {
		return strconv.AppendInt(dst, int64(i)+1, 10)
	}
	var d [12]byte
	for j := 11; j >= 0; j-- {
		d[j] = byte('0' + i%10)
		i /= 10
	}
	return append(dst, d[:]...)
}

// Protocol is the wire protocol a Config speaks.
type Protocol string

const (
	RESP     Protocol = "resp"
	Memcache Protocol = "memcache" // text protocol: set and get only
)

// encoder appends one request for an Op to a buffer. It owns a scratch
// buffer for the arguments and must be used by one goroutine.
type encoder struct {
	proto Protocol
	style KeyStyle
	value []byte
	args  [][]byte
	arena []byte
	offs  []int
}

// appendOp appends one request built from op with random keys drawn from r.
func (e *encoder) appendOp(dst []byte, op *Op, r *rand.Rand) []byte {
	e.arena = e.arena[:0]
	e.args = e.args[:0]
	// Build the arguments into the arena, remembering offsets; slices are
	// taken once the arena has stopped growing.
	n := len(op.Args)
	if cap(e.offs) < n+1 {
		e.offs = make([]int, n+1)
	}
	offs := e.offs[:n+1]
	for i := 0; i < n; i++ {
		a := &op.Args[i]
		offs[i] = len(e.arena)
		switch a.Kind {
		case ArgKey:
			e.arena = AppendKeyName(e.arena, e.style, a.Text, int(r.Uint64N(uint64(a.N))))
		case ArgRand:
			e.arena = append(e.arena, a.Text...)
			e.arena = strconv.AppendUint(e.arena, r.Uint64N(uint64(a.N)), 10)
		case ArgData:
			// the value is appended directly below, not copied into the arena
		default:
			e.arena = append(e.arena, a.Text...)
		}
	}
	offs[n] = len(e.arena)
	for i := 0; i < n; i++ {
		if op.Args[i].Kind == ArgData {
			e.args = append(e.args, e.value)
		} else {
			e.args = append(e.args, e.arena[offs[i]:offs[i+1]])
		}
	}
	if e.proto == Memcache {
		return appendMemcache(dst, e.args)
	}
	return AppendRESP(dst, e.args)
}

// AppendRESP appends args as a RESP array of bulk strings.
func AppendRESP(dst []byte, args [][]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// appendMemcache appends a text-protocol request: "set k v" becomes
// "set k 0 0 len\r\nv\r\n", anything else is joined by spaces.
func appendMemcache(dst []byte, args [][]byte) []byte {
	if len(args) == 3 && strings.EqualFold(string(args[0]), "set") {
		dst = append(dst, "set "...)
		dst = append(dst, args[1]...)
		dst = append(dst, " 0 0 "...)
		dst = strconv.AppendInt(dst, int64(len(args[2])), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, args[2]...)
		return append(dst, '\r', '\n')
	}
	for i, a := range args {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, a...)
	}
	return append(dst, '\r', '\n')
}

// picker chooses an op index by weight in O(1) from a table.
type picker struct{ table []uint8 }

func newPicker(ops []Op) picker {
	var p picker
	for i, o := range ops {
		for range o.Weight {
			p.table = append(p.table, uint8(i))
		}
	}
	return p
}

func (p picker) pick(r *rand.Rand) int {
	if len(p.table) == 1 {
		return int(p.table[0])
	}
	return int(p.table[r.IntN(len(p.table))])
}

// Value returns the payload of size n: printable, deterministic bytes.
func Value(n int) []byte {
	v := make([]byte, n)
	for i := range v {
		v[i] = 'a' + byte(i%26)
	}
	return v
}
