package engine

import "testing"

func TestMonitorLine(t *testing.T) {
	f := func(want string, args ...string) {
		t.Helper()
		a := make([][]byte, len(args))
		for i, s := range args {
			a[i] = []byte(s)
		}
		got := string(AppendMonitorLine(nil, 1700000000012345, 3, "127.0.0.1:5", a))
		if got != want {
			t.Errorf("%q:\n got %q\nwant %q", args, got, want)
		}
	}
	const p = "+1700000000.012345 [3 127.0.0.1:5]"
	f(p+` "set" "k" "v"`+"\r\n", "set", "k", "v")
	f(p+` "SET" "a\"b\\c" "\n\r\t\a\b\x00\xc3\xbf \x7f~"`+"\r\n", "SET", "a\"b\\c", "\n\r\t\a\b\x00\xc3\xbf \x7f~")
	f(p+` "get" ""`+"\r\n", "get", "")
	f(p+` "AUTH" "(redacted)"`+"\r\n", "AUTH", "pw")
	f(p+` "auth" "(redacted)" "(redacted)"`+"\r\n", "auth", "u", "pw")
	f(p+` "auth" "a" "b" "c"`+"\r\n", "auth", "a", "b", "c") // syntax error: Redis redacts nothing
	f(p+` "HELLO" "3" "AUTH" "(redacted)" "(redacted)"`+"\r\n", "HELLO", "3", "AUTH", "u", "p")
	f(p+` "hello" "2" "setname" "n" "auth" "(redacted)" "(redacted)"`+"\r\n", "hello", "2", "setname", "n", "auth", "u", "p")
	f(p+` "hello" "2" "auth" "(redacted)" "(redacted)" "auth" "(redacted)" "(redacted)"`+"\r\n", "hello", "2", "auth", "u", "p", "auth", "v", "q")
	f(p+` "hello" "4" "auth" "u" "p"`+"\r\n", "hello", "4", "auth", "u", "p")
	f(p+` "hello" "2" "bad" "auth" "u" "p"`+"\r\n", "hello", "2", "bad", "auth", "u", "p")
	f(p+` "hello" "2" "auth" "u"`+"\r\n", "hello", "2", "auth", "u")
	f(p+` "hello" "auth" "u" "p"`+"\r\n", "hello", "auth", "u", "p")
	if got := string(AppendMonitorLine(nil, 5, 0, "a:1", [][]byte{[]byte("x")})); got != "+0.000005 [0 a:1] \"x\"\r\n" {
		t.Errorf("small timestamp: %q", got)
	}
}

func TestMonitorShown(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"get", "k"}, true},
		{[]string{"client", "setname", "x"}, true},
		{[]string{"client", "list"}, false},
		{[]string{"CLIENT", "KILL", "ID", "1"}, false},
		{[]string{"config", "get", "x"}, false},
		{[]string{"monitor"}, false},
		{[]string{"exec"}, true},
	} {
		a := make([][]byte, len(c.args))
		for i, s := range c.args {
			a[i] = []byte(s)
		}
		cmd := Lookup(a[0])
		if cmd == nil {
			t.Fatalf("%s: not a command", c.args[0])
		}
		if got := MonitorShown(ResolveSubcommand(cmd, a)); got != c.want {
			t.Errorf("%q: shown %v, want %v", c.args, got, c.want)
		}
	}
}

func TestMonitorCommand(t *testing.T) {
	l := NewLocal(1)
	if got := l.Do("monitor"); got != "-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n" {
		t.Errorf("MONITOR outside the ring: %q", got)
	}
}

func BenchmarkMonitorLine(b *testing.B) {
	args := [][]byte{[]byte("SET"), []byte("key:000123"), []byte("value with \"quotes\"\n")}
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendMonitorLine(buf[:0], 1700000000123456, 0, "127.0.0.1:54321", args)
	}
}
