package main

import (
	"reflect"
	"testing"
)

// infoAllow is every command whose COMMAND INFO knowingly differs from
// redis-server 7.0.15's: darner reports Redis 7.2 where 7.2 changed it.
// An entry the test does not use fails it, so the list cannot go stale.
var infoAllow = map[string]string{
	"client|no-touch": "CLIENT NO-TOUCH is new in Redis 7.2",
	"client|setinfo":  "CLIENT SETINFO is new in Redis 7.2",
	"zrank":           "Redis 7.2 added WITHSCORE: arity -3",
	"zrevrank":        "Redis 7.2 added WITHSCORE: arity -3",
}

// TestCommandInfoDiffRedis compares COMMAND INFO of every command and
// subcommand darner has with redis-server's, in RESP2 and RESP3: name,
// arity, flags, key positions, ACL categories, tips and key specs, exactly.
// A container's own entry is compared without its subcommand list (Redis
// prints it in hash order); each subcommand is compared on its own.
func TestCommandInfoDiffRedis(t *testing.T) {
	rr, dr, _, names := tablePair(t)
	used := map[string]bool{}
	compared := 0
	for _, resp := range []string{"2", "3"} {
		docsOf(t, rr, "HELLO", resp)
		docsOf(t, dr, "HELLO", resp)
		for _, name := range names {
			want := docsOf(t, rr, "COMMAND", "INFO", name)
			got := docsOf(t, dr, "COMMAND", "INFO", name)
			if len(got.elems) != 1 || len(got.elems[0].elems) != 10 {
				t.Errorf("RESP%s darner COMMAND INFO %s: %v", resp, name, got)
				continue
			}
			w, g := want.elems[0], got.elems[0]
			if isContainer(names, name) && len(w.elems) == 10 {
				w = &respNode{kind: w.kind, s: w.s, elems: w.elems[:9]}
				g = &respNode{kind: g.kind, s: g.s, elems: g.elems[:9]}
			}
			if reflect.DeepEqual(w, g) {
				compared++
				continue
			}
			if infoAllow[name] != "" {
				used[name] = true
				continue
			}
			t.Errorf("RESP%s COMMAND INFO %s:\n redis:  %v\n darner: %v", resp, name, w, g)
		}
	}
	for k := range infoAllow {
		if !used[k] {
			t.Errorf("infoAllow entry %q was not needed: remove it", k)
		}
	}
	t.Logf("COMMAND INFO of %d commands and subcommands: %d replies equal redis-server's (RESP2+RESP3), %d allowed differences", len(names), compared, len(infoAllow))
}
