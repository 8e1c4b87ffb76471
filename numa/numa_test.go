package numa_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/darnerdb/darner/numa"
	"golang.org/x/sys/unix"
)

func sysRoot(box string) string { return filepath.Join("testdata", box, "sys") }

func mustTopology(t *testing.T, box string) *numa.Topology {
	t.Helper()
	topo, err := numa.ReadTopology(sysRoot(box))
	if err != nil {
		t.Fatalf("ReadTopology(%s): %v", box, err)
	}
	return topo
}

func cpusOf(ps []numa.Placement) []int {
	out := make([]int, len(ps))
	for i, p := range ps {
		out[i] = p.CPU
	}
	return out
}

func seq(lo, hi int) []int {
	var out []int
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

func TestParseCPUList(t *testing.T) {
	f := func(in string, want []int) {
		t.Helper()
		got, err := numa.ParseCPUList(in)
		if err != nil {
			t.Fatalf("ParseCPUList(%q): %v", in, err)
		}
		if want == nil {
			want = []int{}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("ParseCPUList(%q) = %v, want %v", in, got, want)
		}
	}
	f("", nil)
	f("\n", nil)
	f("0", []int{0})
	f("0-3\n", []int{0, 1, 2, 3})
	f("0-3,8-11,16", []int{0, 1, 2, 3, 8, 9, 10, 11, 16})
	f("16,0-1", []int{0, 1, 16})
	f("3,3,2-4", []int{2, 3, 4})
	f("5-5", []int{5})
	f("65536", []int{65536})

	bad := func(in string) {
		t.Helper()
		if got, err := numa.ParseCPUList(in); err == nil {
			t.Fatalf("ParseCPUList(%q) = %v, want an error", in, got)
		}
	}
	bad(",")
	bad("0,")
	bad("-1")
	bad("1-")
	bad("3-1")
	bad("a")
	bad("0-7:2")
	bad("+1")
	bad("1-+3")
	bad("0 - 3")
	bad("65537")
	bad("0-2147483647")
	bad("99999999999999999999")
}

func TestFormatCPUList(t *testing.T) {
	f := func(in []int, want string) {
		t.Helper()
		if got := numa.FormatCPUList(in); got != want {
			t.Fatalf("FormatCPUList(%v) = %q, want %q", in, got, want)
		}
	}
	f(nil, "")
	f([]int{0}, "0")
	f([]int{0, 1}, "0-1")
	f([]int{17, 16, 8, 3, 2, 1, 0, 0}, "0-3,8,16-17")
	f([]int{-1, 4, 6}, "4,6")
}

func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"", "0", "0-3,8-11,16", "1-0", "0-65536", "-", ",,", "0-1,1-2", "4294967297", "0-7:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := numa.ParseCPUList(s)
		if err != nil {
			return
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("ParseCPUList(%q) = %v: not sorted and unique", s, got)
		}
		again, err := numa.ParseCPUList(numa.FormatCPUList(got))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, got, numa.FormatCPUList(got), again, err)
		}
	})
}

func TestReadTopologyTwoNodes(t *testing.T) {
	topo := mustTopology(t, "twonode")
	if !slices.Equal(topo.Nodes, []int{0, 1}) {
		t.Fatalf("Nodes = %v, want [0 1]", topo.Nodes)
	}
	if len(topo.CPUs) != 32 {
		t.Fatalf("%d CPUs, want 32", len(topo.CPUs))
	}
	f := func(id int, want numa.CPU) {
		t.Helper()
		got, ok := topo.CPU(id)
		if !ok {
			t.Fatalf("CPU(%d) missing", id)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("CPU(%d) = %+v, want %+v", id, *got, want)
		}
	}
	f(0, numa.CPU{ID: 0, Core: 0, Package: 0, Node: 0, Siblings: []int{0, 16}})
	f(7, numa.CPU{ID: 7, Core: 7, Package: 0, Node: 0, Siblings: []int{7, 23}})
	f(8, numa.CPU{ID: 8, Core: 0, Package: 1, Node: 1, Siblings: []int{8, 24}})
	f(16, numa.CPU{ID: 16, Core: 0, Package: 0, Node: 0, Siblings: []int{0, 16}})
	f(31, numa.CPU{ID: 31, Core: 7, Package: 1, Node: 1, Siblings: []int{15, 31}})
	if _, ok := topo.CPU(32); ok {
		t.Fatalf("CPU(32) found on a 32-CPU box")
	}
	if n := topo.NodeOf(25); n != 1 {
		t.Fatalf("NodeOf(25) = %d, want 1", n)
	}
	if n := topo.NodeOf(99); n != -1 {
		t.Fatalf("NodeOf(99) = %d, want -1", n)
	}
	if s, want := topo.String(), "32 CPUs, 16 cores, 2 packages, nodes 0-1"; s != want {
		t.Fatalf("String() = %q, want %q", s, want)
	}
}

func TestReadTopologyOneNodeWithoutNodeDirs(t *testing.T) {
	topo := mustTopology(t, "onenode")
	if !slices.Equal(topo.Nodes, []int{0}) {
		t.Fatalf("Nodes = %v, want [0]", topo.Nodes)
	}
	want := []numa.CPU{}
	for n := 0; n < 8; n++ {
		c := n % 4
		want = append(want, numa.CPU{ID: n, Core: c, Package: 0, Node: 0, Siblings: []int{c, c + 4}})
	}
	if !reflect.DeepEqual(topo.CPUs, want) {
		t.Fatalf("CPUs = %+v\nwant %+v", topo.CPUs, want)
	}
}

func TestReadTopologyOfflineCPU(t *testing.T) {
	topo := mustTopology(t, "offline")
	want := []numa.CPU{
		{ID: 0, Core: 0, Package: 0, Node: 0, Siblings: []int{0}},
		{ID: 1, Core: 1, Package: 0, Node: 0, Siblings: []int{1}}, // offline sibling 3 dropped
		{ID: 2, Core: 2, Package: 0, Node: 0, Siblings: []int{2}},
	}
	if !reflect.DeepEqual(topo.CPUs, want) {
		t.Fatalf("CPUs = %+v\nwant %+v", topo.CPUs, want)
	}
}

func TestReadTopologyErrors(t *testing.T) {
	if _, err := numa.ReadTopology(filepath.Join("testdata", "no-such-box")); err == nil {
		t.Fatalf("ReadTopology of a missing tree: no error")
	}
	dir := t.TempDir()
	write := func(rel, data string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("devices/system/cpu/online", "0-1\n")
	write("devices/system/cpu/cpu0/topology/core_id", "zero\n")
	if _, err := numa.ReadTopology(dir); err == nil || !strings.Contains(err.Error(), "cpu 0") {
		t.Fatalf("ReadTopology with a corrupt core_id: err = %v, want one naming cpu 0", err)
	}
	write("devices/system/cpu/cpu0/topology/core_id", "0\n")
	write("devices/system/node/node0/cpulist", "0-x\n")
	if _, err := numa.ReadTopology(dir); err == nil || !strings.Contains(err.Error(), "node 0") {
		t.Fatalf("ReadTopology with a corrupt node cpulist: err = %v, want one naming node 0", err)
	}
	// Without topology files a CPU is its own core on package 0.
	write("devices/system/node/node0/cpulist", "0-1\n")
	topo, err := numa.ReadTopology(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []numa.CPU{
		{ID: 0, Core: 0, Package: 0, Node: 0, Siblings: []int{0}},
		{ID: 1, Core: 1, Package: 0, Node: 0, Siblings: []int{1}},
	}
	if !reflect.DeepEqual(topo.CPUs, want) {
		t.Fatalf("CPUs = %+v\nwant %+v", topo.CPUs, want)
	}
}

func TestPlanTwoNodes(t *testing.T) {
	topo := mustTopology(t, "twonode")
	// One thread per core, alternating nodes; then the siblings, alternating.
	all := []int{
		0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15,
		16, 24, 17, 25, 18, 26, 19, 27, 20, 28, 21, 29, 22, 30, 23, 31,
	}
	f := func(allowed []int, quota float64, n int, want []int) {
		t.Helper()
		ps := numa.Plan(topo, allowed, quota, n)
		if got := cpusOf(ps); !slices.Equal(got, want) {
			t.Fatalf("Plan(allowed=%s, quota=%v, n=%d) CPUs = %v\nwant %v",
				numa.FormatCPUList(allowed), quota, n, got, want)
		}
		for i, p := range ps {
			if p.Shard != i || p.Node != topo.NodeOf(p.CPU) {
				t.Fatalf("placement %d = %+v: wrong shard or node (node of cpu %d is %d)", i, p, p.CPU, topo.NodeOf(p.CPU))
			}
		}
	}
	f(nil, 0, 0, all)
	f(seq(0, 31), 0, 0, all)
	f(nil, 0, 32, all)
	f(nil, 0, 4, []int{0, 8, 1, 9})
	f(nil, 0, 1, []int{0})
	f(nil, 2.5, 0, []int{0, 8, 1})
	f(nil, 16, 0, all[:16])
	f(nil, 64, 0, all)
	f(nil, 0.1, 0, []int{0})
	f(nil, 2.5, 5, []int{0, 8, 1, 9, 2}) // explicit n beats the quota
	// More shards than CPUs: wrap around.
	f(nil, 0, 34, append(slices.Clone(all), 0, 8))
	// Only part of the box allowed (taskset -c 4-11,20-27).
	f(append(seq(4, 11), seq(20, 27)...), 0, 0,
		[]int{4, 8, 5, 9, 6, 10, 7, 11, 20, 24, 21, 25, 22, 26, 23, 27})
	// Unequal nodes: node 1 runs out, node 0 continues.
	f([]int{0, 1, 2, 8}, 0, 0, []int{0, 8, 1, 2})
	// A core with one allowed thread still comes before every sibling.
	f([]int{0, 16, 17, 9}, 0, 0, []int{0, 9, 17, 16})
	// One node only.
	f(seq(8, 15), 0, 0, seq(8, 15))
	// Allowed CPUs unknown to the topology come last, on node -1.
	ps := numa.Plan(topo, []int{40, 3}, 0, 0)
	if want := []numa.Placement{{0, 3, 0}, {1, 40, -1}}; !reflect.DeepEqual(ps, want) {
		t.Fatalf("Plan with an unknown CPU = %+v, want %+v", ps, want)
	}
}

func TestPlanOneNode(t *testing.T) {
	topo := mustTopology(t, "onenode")
	f := func(allowed []int, quota float64, n int, want []int) {
		t.Helper()
		if got := cpusOf(numa.Plan(topo, allowed, quota, n)); !slices.Equal(got, want) {
			t.Fatalf("Plan(allowed=%v, quota=%v, n=%d) = %v, want %v", allowed, quota, n, got, want)
		}
	}
	f(nil, 0, 0, []int{0, 1, 2, 3, 4, 5, 6, 7})
	f(nil, 0, 4, []int{0, 1, 2, 3})
	f(nil, 0, 10, []int{0, 1, 2, 3, 4, 5, 6, 7, 0, 1})
	f([]int{5, 1, 2}, 0, 0, []int{1, 2, 5})
	f([]int{4, 5}, 0, 0, []int{4, 5})
	f([]int{0, 4}, 0, 3, []int{0, 4, 0})
}

func TestPlanDegenerate(t *testing.T) {
	f := func(topo *numa.Topology, allowed []int, n int, want []numa.Placement) {
		t.Helper()
		if got := numa.Plan(topo, allowed, 0, n); !reflect.DeepEqual(got, want) {
			t.Fatalf("Plan(%v, %v, %d) = %+v, want %+v", topo, allowed, n, got, want)
		}
	}
	f(nil, []int{1, 0}, 0, []numa.Placement{{0, 0, -1}, {1, 1, -1}})
	f(nil, nil, 0, []numa.Placement{{0, -1, -1}})
	f(nil, nil, 2, []numa.Placement{{0, -1, -1}, {1, -1, -1}})
	f(numa.FlatTopology([]int{1, 0}), nil, 3, []numa.Placement{{0, 0, 0}, {1, 1, 0}, {2, 0, 0}})
	f(numa.FlatTopology([]int{0, 1}), []int{}, 1, []numa.Placement{{0, -1, -1}})
}

func TestPlanDeterministic(t *testing.T) {
	topo := mustTopology(t, "twonode")
	first := numa.Plan(topo, nil, 0, 0)
	for range 20 {
		if got := numa.Plan(topo, nil, 0, 0); !reflect.DeepEqual(got, first) {
			t.Fatalf("Plan differs between calls:\n%v\n%v", got, first)
		}
	}
}

func TestCgroupCPULimit(t *testing.T) {
	f := func(tree string, want float64, wantOK bool) {
		t.Helper()
		root := filepath.Join("testdata", "cgroup", tree)
		got, ok := numa.CgroupCPULimit(filepath.Join(root, "proc"), filepath.Join(root, "cgroup"))
		if got != want || ok != wantOK {
			t.Fatalf("CgroupCPULimit(%s) = %v, %v; want %v, %v", tree, got, ok, want, wantOK)
		}
	}
	f("v2", 2.5, true)
	f("v2-nolimit", 0, false)
	f("v2-parent", 1.5, true)   // the parent's 1.5 bounds the child's 4
	f("v2-noperiod", 2.5, true) // period defaults to 100000
	f("v2-nsroot", 2.5, true)   // host path not mounted in the container: the root's limit
	f("v2-hybrid", 0.5, true)   // v2 mounted at <root>/unified
	f("v1", 2.5, true)
	f("v1-cpudir", 2.5, true)
	f("v1-nolimit", 0, false)
	f("v1-garbage", 0, false)
	f("none", 0, false)
	f("no-such-tree", 0, false)
}

// TestCgroupLimitedBox is case (c): 8 CPUs, a 2.5-CPU quota, 3 shards.
func TestCgroupLimitedBox(t *testing.T) {
	topo := mustTopology(t, "cgroupbox")
	for _, tree := range []string{"v1", "v2"} {
		root := filepath.Join("testdata", "cgroup", tree)
		quota, ok := numa.CgroupCPULimit(filepath.Join(root, "proc"), filepath.Join(root, "cgroup"))
		if !ok {
			t.Fatalf("%s: no quota found", tree)
		}
		ps := numa.Plan(topo, seq(0, 7), quota, 0)
		if want := []numa.Placement{{0, 0, 0}, {1, 1, 0}, {2, 2, 0}}; !reflect.DeepEqual(ps, want) {
			t.Fatalf("%s: Plan = %+v, want %+v", tree, ps, want)
		}
	}
}

// The live host: whatever it is, Detect and Plan must agree with the
// kernel's view of this process.
func TestDetectLive(t *testing.T) {
	topo, allowed, quota, err := numa.Detect()
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	if len(allowed) == 0 || len(topo.CPUs) == 0 || len(topo.Nodes) == 0 {
		t.Fatalf("Detect: topology %v, allowed %v", topo, allowed)
	}
	if quota < 0 {
		t.Fatalf("Detect: quota %v", quota)
	}
	status, err := threadStatus("Cpus_allowed_list")
	if err != nil {
		t.Fatal(err)
	}
	if want, err := numa.ParseCPUList(status); err != nil || !slices.Equal(allowed, want) {
		t.Fatalf("AllowedCPUs = %v, /proc says %q (%v)", allowed, status, err)
	}
	ps := numa.Plan(topo, allowed, quota, 0)
	if len(ps) == 0 || len(ps) > len(allowed) {
		t.Fatalf("default plan has %d shards for %d allowed CPUs", len(ps), len(allowed))
	}
	for _, p := range ps {
		if !slices.Contains(allowed, p.CPU) {
			t.Fatalf("placement %+v outside the affinity mask %v", p, allowed)
		}
	}
	t.Logf("host: %v; allowed %s; quota %v; plan %v", topo, numa.FormatCPUList(allowed), quota, cpusOf(ps))
}

// threadStatus reads a field of /proc/thread-self/status. The caller should
// hold its OS thread locked if the answer is thread-specific. It does not
// call t.Fatal, so goroutines other than the test's may use it.
func threadStatus(field string) (string, error) {
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("no %s in /proc/thread-self/status", field)
}

func TestPinThread(t *testing.T) {
	allowed, err := numa.AllowedCPUs()
	if err != nil {
		t.Fatalf("AllowedCPUs: %v", err)
	}
	for _, cpu := range []int{allowed[0], allowed[len(allowed)-1]} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			// Never unlocked: the pinned thread dies with this goroutine
			// instead of returning to the pool.
			runtime.LockOSThread()
			if err := numa.PinThread(cpu); err != nil {
				t.Errorf("PinThread(%d): %v", cpu, err)
				return
			}
			var set unix.CPUSet
			if err := unix.SchedGetaffinity(0, &set); err != nil {
				t.Errorf("SchedGetaffinity: %v", err)
				return
			}
			if set.Count() != 1 || !set.IsSet(cpu) {
				t.Errorf("after PinThread(%d) the mask holds %d CPUs, cpu %d set: %v", cpu, set.Count(), cpu, set.IsSet(cpu))
			}
			if got, err := threadStatus("Cpus_allowed_list"); err != nil || got != strconv.Itoa(cpu) {
				t.Errorf("after PinThread(%d) Cpus_allowed_list = %q, %v", cpu, got, err)
			}
		}()
		<-done
	}
	// The process mask is untouched.
	if after, err := numa.AllowedCPUs(); err != nil || !slices.Equal(after, allowed) {
		t.Fatalf("AllowedCPUs after pinning threads = %v, %v; want %v", after, err, allowed)
	}
	for _, cpu := range []int{-1, 1 << 20} {
		if err := numa.PinThread(cpu); err == nil {
			t.Fatalf("PinThread(%d): no error", cpu)
		}
	}
}

type mbindCall struct {
	addr     unsafe.Pointer
	length   uintptr
	mode     int
	nodemask []uint64
	maxnode  uintptr
	flags    int
}

func recorder(calls *[]mbindCall, ret error) numa.MbindFunc {
	return func(addr unsafe.Pointer, length uintptr, mode int, nodemask []uint64, maxnode uintptr, flags int) error {
		*calls = append(*calls, mbindCall{addr, length, mode, slices.Clone(nodemask), maxnode, flags})
		return ret
	}
}

func TestBinderArguments(t *testing.T) {
	var page [4096]byte
	addr := unsafe.Pointer(&page[0])
	f := func(nodes []int, node int, want []mbindCall) {
		t.Helper()
		var calls []mbindCall
		b := &numa.Binder{Nodes: nodes, Mbind: recorder(&calls, nil)}
		if err := b.BindPreferred(addr, 4096, node); err != nil {
			t.Fatalf("BindPreferred(node %d) on nodes %v: %v", node, nodes, err)
		}
		if !reflect.DeepEqual(calls, want) {
			t.Fatalf("BindPreferred(node %d) on nodes %v: calls %+v, want %+v", node, nodes, calls, want)
		}
	}
	two := []int{0, 1}
	f(two, 0, []mbindCall{{addr, 4096, numa.MPolPreferred, []uint64{1}, 65, 0}})
	f(two, 1, []mbindCall{{addr, 4096, numa.MPolPreferred, []uint64{2}, 65, 0}})
	f([]int{0, 70}, 70, []mbindCall{{addr, 4096, numa.MPolPreferred, []uint64{0, 1 << 6}, 129, 0}})
	f(two, -1, nil)     // unknown node: no policy
	f([]int{0}, 0, nil) // one node: nothing to prefer
	f(nil, 0, nil)      // no nodes known
	if numa.MPolPreferred != 1 {
		t.Fatalf("MPolPreferred = %d, want 1 (linux/mempolicy.h)", numa.MPolPreferred)
	}

	var calls []mbindCall
	b := &numa.Binder{Nodes: two, Mbind: recorder(&calls, nil)}
	if err := b.BindPreferred(addr, 4096, 2); err == nil || len(calls) != 0 {
		t.Fatalf("BindPreferred to a missing node: err %v, %d calls", err, len(calls))
	}
	if err := b.BindPreferred(addr, 0, 1); err != nil || len(calls) != 0 {
		t.Fatalf("BindPreferred of 0 bytes: err %v, %d calls", err, len(calls))
	}
	b.Mbind = recorder(&calls, unix.EINVAL)
	if err := b.BindPreferred(addr, 4096, 1); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("BindPreferred with a failing mbind: err %v, want EINVAL", err)
	}
}

func TestBinderMmapOnNode(t *testing.T) {
	var calls []mbindCall
	b := &numa.Binder{Nodes: []int{0, 1}, Mbind: recorder(&calls, nil)}
	const size = 3*4096 + 100
	mem, err := b.MmapOnNode(size, 1)
	if err != nil {
		t.Fatalf("MmapOnNode: %v", err)
	}
	if len(mem) != size || mem[0] != 0 || mem[size-1] != 0 {
		t.Fatalf("MmapOnNode: %d bytes, want %d zeroed", len(mem), size)
	}
	mem[0], mem[size-1] = 1, 2
	want := []mbindCall{{unsafe.Pointer(&mem[0]), size, numa.MPolPreferred, []uint64{2}, 65, 0}}
	if !reflect.DeepEqual(calls, want) {
		t.Fatalf("MmapOnNode mbind calls %+v, want %+v", calls, want)
	}
	if err := numa.Munmap(mem); err != nil {
		t.Fatalf("Munmap: %v", err)
	}

	// A kernel that refuses NUMA policy still yields memory.
	for _, e := range []error{unix.EPERM, unix.ENOSYS} {
		b.Mbind = recorder(&calls, e)
		mem, err := b.MmapOnNode(4096, 1)
		if err != nil || len(mem) != 4096 {
			t.Fatalf("MmapOnNode with mbind failing %v: %d bytes, %v", e, len(mem), err)
		}
		if err := numa.Munmap(mem); err != nil {
			t.Fatalf("Munmap: %v", err)
		}
	}
	b.Mbind = recorder(&calls, unix.EINVAL)
	if mem, err := b.MmapOnNode(4096, 1); err == nil || mem != nil {
		t.Fatalf("MmapOnNode with mbind failing EINVAL: %d bytes, %v", len(mem), err)
	}
	if _, err := b.MmapOnNode(0, 0); err == nil {
		t.Fatalf("MmapOnNode(0): no error")
	}
}

// TestMbindLive calls the real mbind(2) on node 0, which every Linux host
// with CONFIG_NUMA has, and reads the policy back with get_mempolicy.
func TestMbindLive(t *testing.T) {
	const size = 16 * 4096
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	defer unix.Munmap(mem)
	addr := unsafe.Pointer(&mem[0])
	err = numa.Mbind(addr, size, numa.MPolPreferred, []uint64{1}, 65, 0)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		t.Skipf("mbind refused by this kernel or sandbox: %v", err)
	}
	if err != nil {
		t.Fatalf("mbind(MPOL_PREFERRED, node 0): %v", err)
	}
	for i := range mem {
		mem[i] = byte(i)
	}
	// get_mempolicy(&mode, mask, maxnode, addr, MPOL_F_ADDR)
	var mode int32
	mask := make([]uint64, 16)
	const mpolFAddr = 2
	if _, _, e := unix.Syscall6(unix.SYS_GET_MEMPOLICY, uintptr(unsafe.Pointer(&mode)),
		uintptr(unsafe.Pointer(&mask[0])), uintptr(len(mask)*64+1), uintptr(addr), mpolFAddr, 0); e != 0 {
		t.Fatalf("get_mempolicy: %v", e)
	}
	if mode != numa.MPolPreferred || mask[0] != 1 {
		t.Fatalf("policy read back: mode %d mask %#x, want %d and 0x1", mode, mask[0], numa.MPolPreferred)
	}
	// A misaligned address proves the call reaches the kernel.
	if err := numa.Mbind(unsafe.Add(addr, 1), 4096, numa.MPolPreferred, []uint64{1}, 65, 0); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("mbind at a misaligned address: %v, want EINVAL", err)
	}
}

func TestHostMmapOnNode(t *testing.T) {
	mem, err := numa.MmapOnNode(1<<16, 0)
	if err != nil {
		t.Fatalf("MmapOnNode: %v", err)
	}
	for i := range mem {
		mem[i] = 0xAB
	}
	if err := numa.Munmap(mem); err != nil {
		t.Fatalf("Munmap: %v", err)
	}
	if b := numa.HostBinder(); len(b.Nodes) == 0 {
		t.Fatalf("HostBinder has no nodes")
	}
	if err := numa.BindPreferred(nil, 4096, -1); err != nil {
		t.Fatalf("BindPreferred(node -1) = %v, want a no-op", err)
	}
}
