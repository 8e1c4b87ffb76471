package loadgen

import (
	"bufio"
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one bounded load run. It is plain data, so the harness can pass
// it as JSON to a pinned child process.
type Config struct {
	Addr      string        `json:"addr"`
	Protocol  Protocol      `json:"protocol"`
	KeyStyle  KeyStyle      `json:"key_style"`
	Ops       []Op          `json:"ops"`
	ValueSize int           `json:"value_size"`
	Conns     int           `json:"conns"`
	Pipeline  int           `json:"pipeline"`
	Duration  time.Duration `json:"duration"`
	MaxOps    uint64        `json:"max_ops"` // 0: bounded by Duration only
	Seed      uint64        `json:"seed"`
}

// OpCount is how many requests of one template were answered.
type OpCount struct {
	Name   string `json:"name"`
	Count  uint64 `json:"count"`
	Errors uint64 `json:"errors"`
}

// Result is what a Run measured. Latency is per request, from the write
// of the pipeline batch that carried it to the parse of its reply (what
// memtier reports for pipelined requests), in milliseconds.
type Result struct {
	Ops        uint64    `json:"ops"`
	Errors     uint64    `json:"errors"` // error replies (counted in Ops)
	FirstError string    `json:"first_error,omitempty"`
	ConnErrors int       `json:"conn_errors"` // connections that broke
	Seconds    float64   `json:"seconds"`
	OpsPerSec  float64   `json:"ops_per_sec"`
	MinMs      float64   `json:"min_ms"`
	AvgMs      float64   `json:"avg_ms"`
	P50Ms      float64   `json:"p50_ms"`
	P99Ms      float64   `json:"p99_ms"`
	P999Ms     float64   `json:"p999_ms"`
	MaxMs      float64   `json:"max_ms"`
	PerOp      []OpCount `json:"per_op"`
}

// connState is owned by one connection goroutine until it returns.
type connState struct {
	hist       Histogram
	counts     []OpCount
	errors     uint64
	firstError string
	connErr    error
}

// Run drives cfg.Addr until cfg.Duration has passed or cfg.MaxOps requests
// were answered, or ctx is done. It returns an error only when no
// connection could be opened; broken connections are counted in the Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Conns <= 0 {
		cfg.Conns = 1
	}
	if cfg.Pipeline <= 0 {
		cfg.Pipeline = 1
	}
	if len(cfg.Ops) == 0 {
		return Result{}, errorf("no ops")
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	conns := make([]net.Conn, 0, cfg.Conns)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range cfg.Conns {
		c, err := net.DialTimeout("tcp", cfg.Addr, 5*time.Second)
		if err != nil {
			return Result{}, errorf("dial %s: %v", cfg.Addr, err)
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		conns = append(conns, c)
	}
	value := Value(cfg.ValueSize)
	pick := newPicker(cfg.Ops)
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var done atomic.Uint64
	states := make([]*connState, len(conns))
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for i, c := range conns {
		st := &connState{counts: make([]OpCount, len(cfg.Ops))}
		states[i] = st
		_ = c.SetDeadline(deadline.Add(10 * time.Second))
		wg.Add(1)
		go func() {
			defer wg.Done()
			runConn(ctx, c, &cfg, st, pick, value, deadline, &done, uint64(i))
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var res Result
	var h Histogram
	res.PerOp = make([]OpCount, len(cfg.Ops))
	for i := range res.PerOp {
		res.PerOp[i].Name = cfg.Ops[i].Name()
	}
	for _, st := range states {
		h.Merge(&st.hist)
		res.Errors += st.errors
		if res.FirstError == "" {
			res.FirstError = st.firstError
		}
		if st.connErr != nil {
			res.ConnErrors++
			if res.FirstError == "" {
				res.FirstError = st.connErr.Error()
			}
		}
		for i, oc := range st.counts {
			res.PerOp[i].Count += oc.Count
			res.PerOp[i].Errors += oc.Errors
		}
	}
	ms := func(ns uint64) float64 { return float64(ns) / 1e6 }
	res.Ops = h.N
	res.Seconds = elapsed.Seconds()
	if res.Seconds > 0 {
		res.OpsPerSec = float64(res.Ops) / res.Seconds
	}
	res.MinMs, res.MaxMs = ms(h.Min), ms(h.Max)
	res.AvgMs = h.Mean() / 1e6
	res.P50Ms, res.P99Ms, res.P999Ms = ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Quantile(0.999))
	return res, nil
}

// runConn is one connection's closed loop: build a batch of Pipeline
// requests, write it, read as many replies, record each reply's latency.
func runConn(ctx context.Context, c net.Conn, cfg *Config, st *connState, pick picker, value []byte,
	deadline time.Time, done *atomic.Uint64, id uint64) {
	r := rand.New(rand.NewPCG(cfg.Seed, id*0x9e3779b97f4a7c15+1))
	enc := encoder{proto: cfg.Protocol, style: cfg.KeyStyle, value: value}
	br := bufio.NewReaderSize(c, 256<<10)
	skip := skipRESP
	if cfg.Protocol == Memcache {
		skip = skipMemcache
	}
	var buf []byte
	kinds := make([]int, cfg.Pipeline)
	for ctx.Err() == nil {
		buf = buf[:0]
		for i := range kinds {
			k := pick.pick(r)
			kinds[i] = k
			buf = enc.appendOp(buf, &cfg.Ops[k], r)
		}
		t0 := time.Now()
		if _, err := c.Write(buf); err != nil {
			st.connErr = err
			return
		}
		for _, k := range kinds {
			isErr, msg, err := skip(br)
			if err != nil {
				st.connErr = err
				return
			}
			st.hist.Record(uint64(time.Since(t0)))
			st.counts[k].Count++
			if isErr {
				st.errors++
				st.counts[k].Errors++
				if st.firstError == "" {
					st.firstError = string(msg)
				}
			}
		}
		n := done.Add(uint64(len(kinds)))
		if cfg.MaxOps > 0 && n >= cfg.MaxOps {
			return
		}
		if !time.Now().Before(deadline) {
			return
		}
	}
}

// FillStats is what a Fill did.
type FillStats struct {
	Requests   uint64
	Errors     uint64
	FirstError string
	Seconds    float64
}

// Fill sends n requests, request i built by build(dst, i) (which appends
// exactly one request and returns dst), over conns connections with
// pipeline requests in flight per batch, and waits for every reply. It is
// for preloading a keyspace, not for measuring. It stops at timeout.
// build is called from one goroutine per connection at once, each with its
// own dst: it must be safe for concurrent use (read-only shared state).
func Fill(ctx context.Context, addr string, proto Protocol, n, conns, pipeline int, timeout time.Duration,
	build func(dst []byte, i int) []byte) (FillStats, error) {
	if conns <= 0 {
		conns = 4
	}
	if pipeline <= 0 {
		pipeline = 256
	}
	skip := skipRESP
	if proto == Memcache {
		skip = skipMemcache
	}
	deadline := time.Now().Add(timeout)
	start := time.Now()
	var (
		mu    sync.Mutex
		stats FillStats
		ferr  error
		wg    sync.WaitGroup
	)
	per := (n + conns - 1) / conns
	for w := range conns {
		lo, hi := w*per, min((w+1)*per, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var reqs, errs uint64
			var first string
			err := func() error {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					return err
				}
				defer c.Close()
				_ = c.SetDeadline(deadline)
				br := bufio.NewReaderSize(c, 256<<10)
				var buf []byte
				for i := lo; i < hi; {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					j := min(i+pipeline, hi)
					buf = buf[:0]
					for k := i; k < j; k++ {
						buf = build(buf, k)
					}
					if _, err := c.Write(buf); err != nil {
						return err
					}
					for k := i; k < j; k++ {
						isErr, msg, err := skip(br)
						if err != nil {
							return err
						}
						reqs++
						if isErr {
							errs++
							if first == "" {
								first = string(msg)
							}
						}
					}
					i = j
				}
				return nil
			}()
			mu.Lock()
			defer mu.Unlock()
			stats.Requests += reqs
			stats.Errors += errs
			if stats.FirstError == "" {
				stats.FirstError = first
			}
			if err != nil && ferr == nil {
				ferr = errorf("fill %s: %v", addr, err)
			}
		}()
	}
	wg.Wait()
	stats.Seconds = time.Since(start).Seconds()
	return stats, ferr
}

// Probe sends each op of ops once, in order, on a fresh connection, and
// returns the text of the first error reply ("" when every reply was a
// success). It tells an unsupported workload from a slow one before any
// load is generated.
func Probe(addr string, proto Protocol, style KeyStyle, ops []Op, valueSize int) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	enc := encoder{proto: proto, style: style, value: Value(valueSize)}
	r := rand.New(rand.NewPCG(7, 7))
	br := bufio.NewReader(c)
	skip := skipRESP
	if proto == Memcache {
		skip = skipMemcache
	}
	for i := range ops {
		if _, err := c.Write(enc.appendOp(nil, &ops[i], r)); err != nil {
			return "", err
		}
		isErr, msg, err := skip(br)
		if err != nil {
			return "", err
		}
		if isErr {
			return string(msg), nil
		}
	}
	return "", nil
}
