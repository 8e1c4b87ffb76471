package engine

import (
	"strings"
	"testing"
)

func TestClientLineFormat(t *testing.T) {
	ci := ClientInfo{ID: 7, Addr: "127.0.0.1:5000", LAddr: "127.0.0.1:6379", FD: 9, Name: "w",
		Created: 1000, LastAt: 4000, DB: 2, Multi: -1, QBuf: 0, QBufFree: 16384, RBS: 16384, Cmd: "client|list", Resp: 3}
	got := string(AppendClientLine(nil, &ci, 10500))
	want := "id=7 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=9 name=w age=9 idle=6 flags=N db=2 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=16384 argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 tot-mem=17408 events=r cmd=client|list user=default redir=-1 resp=3\n"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	ci.Multi, ci.Blocked, ci.NoEvict = 2, true, true
	if got := string(AppendClientLine(nil, &ci, 10500)); !strings.Contains(got, " flags=bex ") || !strings.Contains(got, " multi=2 ") {
		t.Fatalf("flags: %q", got)
	}
}

// TestClientTxLocal runs CLIENT LIST/KILL through engine.Local (which has
// no connections: empty lists, zero kills) on 1 and 3 shards, and checks
// the argument errors.
func TestClientTxLocal(t *testing.T) {
	for _, n := range []int{1, 3} {
		l := NewLocal(n)
		cases := [][2]string{
			{"CLIENT LIST", "$0\r\n\r\n"},
			{"CLIENT LIST TYPE normal ID 5", "$0\r\n\r\n"},
			{"CLIENT LIST TYPE x", "-ERR Unknown client type 'x'\r\n"},
			{"CLIENT LIST ID 1 y", "-ERR Invalid client ID\r\n"},
			{"CLIENT KILL ID 5", ":0\r\n"},
			{"CLIENT KILL 1.1.1.1:1", "-ERR No such client\r\n"},
			{"CLIENT KILL ID 0", "-ERR client-id should be greater than 0\r\n"},
			{"CLIENT KILL ID 5 SKIPME", "-ERR syntax error\r\n"},
			{"CLIENT KILL", "-ERR wrong number of arguments for 'client|kill' command\r\n"},
			{"CLIENT INFO x", "-ERR wrong number of arguments for 'client|info' command\r\n"},
		}
		for _, c := range cases {
			if got := l.Do(strings.Fields(c[0])...); got != c[1] {
				t.Errorf("shards=%d %s: got %q, want %q", n, c[0], got, c[1])
			}
		}
		l.Close()
	}
}
