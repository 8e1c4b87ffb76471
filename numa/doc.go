// Package numa reads the host's CPU and NUMA topology from sysfs, honours
// the process affinity mask and the cgroup CPU quota, plans which CPU each
// shard runs on, pins the calling thread to a CPU, and binds memory ranges
// to a NUMA node. It imports nothing of darner's.
//
// Start-up, on the main goroutine before any thread is pinned:
//
//	topo, allowed, quota, err := numa.Detect()
//	plan := numa.Plan(topo, allowed, quota, proactorThreads) // 0 = default
//
// Then each shard goroutine calls runtime.LockOSThread and
// numa.PinThread(plan[i].CPU) (skipped when CPU is -1) before creating its
// ring, and gets its arena memory from numa.MmapOnNode(size, plan[i].Node).
//
// Threads: ReadTopology, Plan, CgroupCPULimit and the Topology they return
// are plain data and safe anywhere. PinThread and AllowedCPUs act on the
// calling OS thread. A Binder is read-only after construction and safe for
// concurrent use. Memory from MmapOnNode lives outside the Go heap and
// belongs to the caller until Munmap.
//
// What it must not do: import darner packages, read sysfs or cgroups after
// start-up on a hot path, or fail start-up because NUMA information is
// missing (one node and no quota are the safe defaults). docs/numa.md says
// how placement is chosen and how to check it on a real host.
package numa
