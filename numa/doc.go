// Package numa reads the host's CPU and NUMA topology from sysfs, honours
// the process affinity mask and the cgroup CPU quota, plans which CPU each
// shard runs on, pins the calling thread to a CPU, and binds memory ranges
// to a NUMA node. It imports nothing of darner's.
package numa
