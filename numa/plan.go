package numa

import (
	"math"
	"slices"
)

// Placement says where one shard runs: its thread is pinned to CPU, and its
// memory is preferred on Node. CPU is -1 (do not pin) only when Plan had no
// CPU at all to offer; Node is -1 when the CPU's node is unknown (then
// Binder.BindPreferred does nothing).
type Placement struct {
	Shard, CPU, Node int
}

// Plan chooses a CPU for each of n shards.
//
// Candidates are the CPUs of t that are in allowed (allowed == nil means
// every CPU of t; CPUs in allowed but missing from t come last, node -1).
// They are ordered:
//
//  1. one hardware thread per physical core first, the hyperthread
//     siblings after every core has one shard: a second shard on a core
//     shares its execution units and caches and gains little;
//  2. within each such round, round-robin over the NUMA nodes — node 0's
//     first core, node 1's first core, node 0's second core, ... — so that
//     memory bandwidth and the last-level caches of every socket are used
//     evenly and a small shard count does not crowd one socket;
//  3. within a node, cores in order of their lowest CPU number, and a core's
//     threads in CPU-number order.
//
// n <= 0 asks for the default: one shard per candidate CPU, capped at
// ceil(quota) when quota > 0 (a cgroup CPU limit: more shards than CPUs of
// quota only adds throttling), and at least 1. An explicit n is honoured
// even above the quota.
//
// When n exceeds the candidates, the order wraps around and shards share
// CPUs: shard i runs on candidate i mod len. This is how tests run 4 shards
// on a 2-CPU box; on a production host it costs latency, since two pinned
// shard threads on one CPU take turns at the scheduler's tick.
//
// Plan is deterministic: the same inputs give the same placements. The
// result is owned by the caller.
func Plan(t *Topology, allowed []int, quota float64, n int) []Placement {
	order := candidates(t, allowed)
	if n <= 0 {
		n = len(order)
		if quota > 0 {
			n = min(n, int(math.Ceil(quota)))
		}
		n = max(n, 1)
	}
	out := make([]Placement, n)
	for i := range out {
		out[i] = Placement{Shard: i, CPU: -1, Node: -1}
		if len(order) > 0 {
			c := order[i%len(order)]
			out[i].CPU, out[i].Node = c.ID, c.Node
		}
	}
	return out
}

// candidates returns the allowed CPUs of t in placement order (see Plan).
func candidates(t *Topology, allowed []int) []CPU {
	if t == nil {
		t = &Topology{}
	}
	ok := func(int) bool { return true }
	if allowed != nil {
		set := make(map[int]bool, len(allowed))
		for _, c := range allowed {
			set[c] = true
		}
		ok = func(id int) bool { return set[id] }
	}

	// Per node, the physical cores in order of their lowest CPU, each core
	// its allowed threads in CPU order. t.CPUs is sorted by ID, so both
	// orders fall out of a single pass.
	type core struct {
		key     int
		threads []CPU
	}
	var nodeIDs []int
	cores := map[int][]*core{}
	byKey := map[int]*core{}
	depth := 0
	for _, c := range t.CPUs {
		if !ok(c.ID) {
			continue
		}
		k := c.coreKey()
		co := byKey[k]
		if co == nil {
			co = &core{key: k}
			byKey[k] = co
			if _, seen := cores[c.Node]; !seen {
				nodeIDs = append(nodeIDs, c.Node)
			}
			cores[c.Node] = append(cores[c.Node], co)
		}
		co.threads = append(co.threads, c)
		depth = max(depth, len(co.threads))
	}
	slices.Sort(nodeIDs)

	var order []CPU
	for level := 0; level < depth; level++ {
		// Round-robin over nodes: the i-th core of each node, for each i.
		for i := 0; ; i++ {
			more := false
			for _, n := range nodeIDs {
				cs := cores[n]
				if i >= len(cs) {
					continue
				}
				more = true
				if level < len(cs[i].threads) {
					order = append(order, cs[i].threads[level])
				}
			}
			if !more {
				break
			}
		}
	}

	if allowed != nil {
		extra := slices.Clone(allowed)
		slices.Sort(extra)
		for _, id := range slices.Compact(extra) {
			if _, in := t.CPU(id); !in && id >= 0 {
				order = append(order, CPU{ID: id, Core: id, Node: -1, Siblings: []int{id}})
			}
		}
	}
	return order
}

// Detect reads the live host: the topology from /sys, the process's
// affinity mask, and the cgroup CPU quota (0 when there is none), ready for
// Plan. When /sys cannot be read (some sandboxes hide it) the topology
// falls back to FlatTopology(allowed) rather than failing; the error is
// non-nil only when the affinity mask cannot be read.
//
// Call it before any thread is pinned: the mask read is the calling
// thread's.
func Detect() (*Topology, []int, float64, error) {
	allowed, err := AllowedCPUs()
	if err != nil {
		return nil, nil, 0, err
	}
	t, err := ReadTopology("/sys")
	if err != nil {
		t = FlatTopology(allowed)
	}
	quota, ok := CgroupCPULimit("/proc", "/sys/fs/cgroup")
	if !ok {
		quota = 0
	}
	return t, allowed, quota, nil
}
