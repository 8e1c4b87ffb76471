package numa

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// CPU is one online logical CPU (hardware thread) as sysfs describes it.
type CPU struct {
	ID      int // logical CPU number, as in sched_setaffinity and /proc/cpuinfo
	Core    int // topology/core_id: unique only within a package
	Package int // topology/physical_package_id (socket)
	Node    int // NUMA node whose cpulist holds this CPU; 0 on a box without node dirs
	// Siblings are the hardware threads sharing this CPU's physical core
	// (topology/thread_siblings_list), sorted, including ID itself. Only
	// online siblings are listed. A CPU whose topology files are missing is
	// its own single-thread core.
	Siblings []int
}

// coreKey identifies the physical core a CPU belongs to: the lowest
// online sibling. Sibling lists are more reliable than core_id, which some
// architectures leave at 0 for every core or repeat across packages.
func (c *CPU) coreKey() int {
	if len(c.Siblings) > 0 {
		return c.Siblings[0]
	}
	return c.ID
}

// Topology is a snapshot of the host's online CPUs and NUMA nodes. It is
// plain data, read once at start-up; nothing updates it when CPUs go online
// or offline later. Safe to share read-only between threads.
type Topology struct {
	CPUs  []CPU // online CPUs sorted by ID
	Nodes []int // NUMA node IDs, sorted; [0] on a box without node dirs. Memory-only nodes (no CPUs) are included.
}

// CPU returns the CPU with the given ID and whether it is in the topology.
// The pointer aliases t.CPUs.
func (t *Topology) CPU(id int) (*CPU, bool) {
	i, ok := slices.BinarySearchFunc(t.CPUs, id, func(c CPU, id int) int { return c.ID - id })
	if !ok {
		return nil, false
	}
	return &t.CPUs[i], true
}

// NodeOf returns the NUMA node of the CPU, or -1 when the CPU is not in the
// topology.
func (t *Topology) NodeOf(cpu int) int {
	if c, ok := t.CPU(cpu); ok {
		return c.Node
	}
	return -1
}

// String summarises the topology for start-up logs, e.g.
// "32 CPUs, 16 cores, 2 packages, nodes 0-1".
func (t *Topology) String() string {
	cores := map[int]bool{}
	pkgs := map[int]bool{}
	for i := range t.CPUs {
		cores[t.CPUs[i].coreKey()] = true
		pkgs[t.CPUs[i].Package] = true
	}
	return fmt.Sprintf("%d CPUs, %d cores, %d packages, nodes %s",
		len(t.CPUs), len(cores), len(pkgs), FormatCPUList(t.Nodes))
}

// FlatTopology describes the given CPUs as one node of single-thread
// cores. Detect falls back to it when sysfs cannot be read (some sandboxes
// hide /sys); tests use it too.
func FlatTopology(cpus []int) *Topology {
	ids := slices.Clone(cpus)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	t := &Topology{Nodes: []int{0}, CPUs: make([]CPU, 0, len(ids))}
	for _, id := range ids {
		t.CPUs = append(t.CPUs, CPU{ID: id, Core: id, Package: 0, Node: 0, Siblings: []int{id}})
	}
	return t
}

// ReadTopology reads the CPU and NUMA topology below sysRoot ("/sys" on a
// live host; a fake tree in tests). It reads
//
//	<sysRoot>/devices/system/cpu/online
//	<sysRoot>/devices/system/cpu/cpuN/topology/{core_id,physical_package_id,thread_siblings_list}
//	<sysRoot>/devices/system/node/nodeN/cpulist
//
// Only online CPUs are listed (all cpuN dirs when the online file is
// missing). A box without node dirs (a kernel built without CONFIG_NUMA) is
// one node, 0. A CPU whose topology files are missing becomes its own core
// on package 0; a CPU in no node's cpulist is placed on the lowest node.
func ReadTopology(sysRoot string) (*Topology, error) {
	cpuDir := filepath.Join(sysRoot, "devices", "system", "cpu")
	nodeDir := filepath.Join(sysRoot, "devices", "system", "node")

	online, err := readList(filepath.Join(cpuDir, "online"))
	if errors.Is(err, fs.ErrNotExist) {
		online, err = numberedDirs(cpuDir, "cpu")
	}
	if err != nil {
		return nil, fmt.Errorf("numa: online CPUs: %w", err)
	}
	if len(online) == 0 {
		return nil, fmt.Errorf("numa: no online CPUs under %s", cpuDir)
	}
	isOnline := make(map[int]bool, len(online))
	for _, id := range online {
		isOnline[id] = true
	}

	t := &Topology{}
	nodeOf := map[int]int{}
	nodes, err := numberedDirs(nodeDir, "node")
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && len(nodes) == 0):
		t.Nodes = []int{0}
	case err != nil:
		return nil, fmt.Errorf("numa: nodes: %w", err)
	default:
		t.Nodes = nodes
		for _, n := range nodes {
			cpus, err := readList(filepath.Join(nodeDir, "node"+strconv.Itoa(n), "cpulist"))
			if err != nil {
				return nil, fmt.Errorf("numa: node %d: %w", n, err)
			}
			for _, c := range cpus {
				if _, dup := nodeOf[c]; !dup {
					nodeOf[c] = n
				}
			}
		}
	}

	t.CPUs = make([]CPU, 0, len(online))
	for _, id := range online {
		c := CPU{ID: id, Core: id, Package: 0, Node: t.Nodes[0], Siblings: []int{id}}
		if n, ok := nodeOf[id]; ok {
			c.Node = n
		}
		topo := filepath.Join(cpuDir, "cpu"+strconv.Itoa(id), "topology")
		if v, err := readInt(filepath.Join(topo, "core_id")); err == nil {
			c.Core = v
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("numa: cpu %d: %w", id, err)
		}
		if v, err := readInt(filepath.Join(topo, "physical_package_id")); err == nil {
			c.Package = v
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("numa: cpu %d: %w", id, err)
		}
		if sib, err := readList(filepath.Join(topo, "thread_siblings_list")); err == nil {
			sib = slices.DeleteFunc(sib, func(s int) bool { return !isOnline[s] })
			if !slices.Contains(sib, id) {
				sib = append(sib, id)
				slices.Sort(sib)
			}
			c.Siblings = sib
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("numa: cpu %d: %w", id, err)
		}
		t.CPUs = append(t.CPUs, c)
	}
	return t, nil
}

// numberedDirs lists the numbers N of the entries named <prefix>N in dir,
// sorted.
func numberedDirs(dir, prefix string) ([]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || rest == "" {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || rest[0] == '+' {
			continue // cpufreq, cpuidle, ...
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

func readList(path string) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseCPUList(string(b))
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}
