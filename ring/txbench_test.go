package ring_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/darnerdb/darner/engine"
	"github.com/darnerdb/darner/ring"
)

// BenchmarkTxCrossShard measures cross-shard MSET and MGET of 10 keys (5
// per shard) over a real socket on 2 shards, from a client connected to
// shard 0: ns/op and allocs/op (the whole process, client included; the
// raw client allocates nothing per op), and the tx messages per tx the
// ring sent. depth is the number of commands pipelined per round trip;
// conns=16 runs 16 clients (on either shard) at once, depth 1.
//
//	go test -run '^$' -bench TxCrossShard -benchtime 20000x ./ring
func BenchmarkTxCrossShard(b *testing.B) {
	for _, backend := range backends() {
		for _, op := range []string{"mset", "mget"} {
			for _, depth := range []int{1, 16} {
				name := fmt.Sprintf("%s/%s/depth=%d", backend, op, depth)
				b.Run(name, func(b *testing.B) {
					benchTx(b, ring.Config{Shards: 2, ForceEpoll: backend == "epoll"}, op, depth, 1)
				})
			}
			b.Run(fmt.Sprintf("%s/%s/conns=16", backend, op), func(b *testing.B) {
				benchTx(b, ring.Config{Shards: 2, ForceEpoll: backend == "epoll"}, op, 1, 16)
			})
		}
	}
}

func benchTx(b *testing.B, cfg ring.Config, op string, depth, nconns int) {
	srv := start(b, cfg)
	c, err := connOnShard(srv, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	conns := []net.Conn{c}
	for len(conns) < nconns {
		c, err := net.Dial("tcp", addr(srv))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	var keys []string
	for i := 0; len(keys) < 10; i++ {
		k := fmt.Sprintf("bk:%d", i)
		if shardCount(keys, shardOf(k)) < 5 {
			keys = append(keys, k)
		}
	}
	const val = "value-0123456789"
	mset := []string{"MSET"}
	mget := []string{"MGET"}
	var mgetReply bytes.Buffer
	fmt.Fprintf(&mgetReply, "*%d\r\n", len(keys))
	for _, k := range keys {
		mset = append(mset, k, val)
		mget = append(mget, k)
		fmt.Fprintf(&mgetReply, "$%d\r\n%s\r\n", len(val), val)
	}
	one, oneReply := cmd(mset...), "+OK\r\n"
	if op == "mget" {
		one, oneReply = cmd(mget...), mgetReply.String()
	}
	// Load the keys.
	if _, err := c.Write([]byte(cmd(mset...))); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
		b.Fatal(err)
	}
	req := []byte(strings.Repeat(one, depth))
	want := []byte(strings.Repeat(oneReply, depth))
	bufs := make([][]byte, len(conns))
	for i := range bufs {
		bufs[i] = make([]byte, len(want))
	}
	round := func(i int) error {
		if _, err := conns[i].Write(req); err != nil {
			return err
		}
		_, err := io.ReadFull(conns[i], bufs[i])
		return err
	}
	for i := range conns {
		for j := 0; j < 200; j++ {
			if err := round(i); err != nil {
				b.Fatal(err)
			}
		}
		if !bytes.Equal(bufs[i], want) {
			b.Fatalf("reply %q, want %q", bufs[i], want)
		}
	}
	rounds := (b.N + depth*len(conns) - 1) / (depth * len(conns))
	msgs0 := ring.TxMsgCounts(srv)
	cpu0 := cpuNs()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make([]error, len(conns))
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds && errs[i] == nil; r++ {
				errs[i] = round(i)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	cpu1 := cpuNs()
	msgs1 := ring.TxMsgCounts(srv)
	txs := float64(rounds * depth * len(conns))
	b.ReportMetric(float64(msgs1-msgs0)/txs, "msgs/tx")
	// CPU time of the whole process (server and client) per tx: steadier
	// than ns/op on a shared machine.
	b.ReportMetric(float64(cpu1-cpu0)/txs, "cpu-ns/tx")
}

// cpuNs is the process's user+system CPU time.
func cpuNs() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func shardOf(k string) int { return engine.ShardOf([]byte(k), 2) }

func shardCount(keys []string, s int) int {
	n := 0
	for _, k := range keys {
		if shardOf(k) == s {
			n++
		}
	}
	return n
}

// TestTxSteadyState: once warm, a cross-shard MSET or MGET of 10 keys on
// 2 shards is one message to the other shard and one back (the quick run,
// with the coordinator's part run inline), and allocates only what the
// commands' planners do (the runtime pools its transactions). The raw
// client allocates nothing per round, so the process-wide malloc count is
// the server's.
func TestTxSteadyState(t *testing.T) {
	forEach(t, []int{2}, func(t *testing.T, cfg ring.Config) {
		srv := start(t, cfg)
		c, err := connOnShard(srv, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var keys []string
		for i := 0; len(keys) < 10; i++ {
			if k := fmt.Sprintf("ss:%d", i); shardCount(keys, shardOf(k)) < 5 {
				keys = append(keys, k)
			}
		}
		mset, mget := []string{"MSET"}, []string{"MGET"}
		want := "+OK\r\n" + fmt.Sprintf("*%d\r\n", len(keys))
		for _, k := range keys {
			mset = append(mset, k, "v")
			mget = append(mget, k)
			want += "$1\r\nv\r\n"
		}
		req := []byte(cmd(mset...) + cmd(mget...))
		buf := make([]byte, len(want))
		round := func() {
			if _, err := c.Write(req); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 200; i++ {
			round()
		}
		if string(buf) != want {
			t.Fatalf("replies %q, want %q", buf, want)
		}
		const rounds = 300
		var before, after runtime.MemStats
		runtime.GC()
		msgs0 := ring.TxMsgCounts(srv)
		runtime.ReadMemStats(&before)
		for i := 0; i < rounds; i++ {
			round()
		}
		runtime.ReadMemStats(&after)
		msgs := float64(ring.TxMsgCounts(srv)-msgs0) / (2 * rounds)
		allocs := float64(after.Mallocs-before.Mallocs) / (2 * rounds)
		t.Logf("%.2f tx messages and %.2f allocations per tx", msgs, allocs)
		// MGET's planner allocates 5 times (its state, two slices, two
		// closures), MSET's once; before pooling and the quick run a tx
		// took 8 messages and 25-39 allocations.
		if msgs > 2.5 {
			t.Errorf("%.2f tx messages per tx, want ~2", msgs)
		}
		if allocs > 4 && !raceEnabled {
			t.Errorf("%.2f allocations per tx, want ~3", allocs)
		}
	})
}
