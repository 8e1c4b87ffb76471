package numa

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// AllowedCPUs returns the CPUs in the calling thread's affinity mask
// (sched_getaffinity), sorted. At start-up, before any thread has been
// pinned, that is the process's mask: what taskset, numactl --physcpubind,
// a cpuset cgroup or `docker --cpuset-cpus` allow. CPUs above 1023 (the
// size of unix.CPUSet) are not seen.
func AllowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, err
	}
	out := make([]int, 0, set.Count())
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			out = append(out, i)
		}
	}
	return out, nil
}

// CgroupCPULimit returns the CPU bandwidth limit of the calling process's
// cgroup in CPUs (quota / period: 2.5 means 250 ms of CPU time per 100 ms),
// and ok=false when there is none. procRoot is normally "/proc" and
// cgroupRoot "/sys/fs/cgroup"; tests point them at fake trees.
//
// The cgroup comes from <procRoot>/self/cgroup. For cgroup v2 (the "0::"
// line) it reads cpu.max ("max 100000" is no limit, "200000 100000" is
// 2.0) below cgroupRoot, or below cgroupRoot/unified on a hybrid host. For
// cgroup v1 (the line naming the cpu controller) it reads
// cpu.cfs_quota_us and cpu.cfs_period_us (quota -1 is no limit) below
// cgroupRoot/<controllers>, cgroupRoot/cpu or cgroupRoot/cpu,cpuacct.
//
// A limit on an ancestor bounds its children, so every directory from the
// process's cgroup up to the mount root is read and the smallest limit
// wins. Walking up also covers a container whose /proc/self/cgroup shows
// the host's path while its own cgroup is mounted at the root.
//
// Unreadable or malformed files count as "no limit": the quota is a sizing
// hint, never a reason to fail start-up.
func CgroupCPULimit(procRoot, cgroupRoot string) (cpus float64, ok bool) {
	data, err := os.ReadFile(filepath.Join(procRoot, "self", "cgroup"))
	if err != nil {
		return 0, false
	}
	best := 0.0
	take := func(v float64, found bool) {
		if found && v > 0 && (best == 0 || v < best) {
			best = v
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		id, rest, ok1 := strings.Cut(sc.Text(), ":")
		ctrls, path, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 || !strings.HasPrefix(path, "/") {
			continue
		}
		if id == "0" && ctrls == "" {
			for _, base := range []string{cgroupRoot, filepath.Join(cgroupRoot, "unified")} {
				take(walkUp(base, path, readCPUMax))
			}
			continue
		}
		hasCPU := false
		for c := range strings.SplitSeq(ctrls, ",") {
			hasCPU = hasCPU || c == "cpu"
		}
		if !hasCPU {
			continue
		}
		seen := map[string]bool{}
		for _, mnt := range []string{ctrls, "cpu", "cpu,cpuacct", "cpuacct,cpu"} {
			base := filepath.Join(cgroupRoot, mnt)
			if seen[base] {
				continue
			}
			seen[base] = true
			take(walkUp(base, path, readCFS))
		}
	}
	return best, best > 0
}

// walkUp applies read to base/path and each of its ancestors up to base
// and returns the smallest limit found.
func walkUp(base, path string, read func(dir string) (float64, bool)) (float64, bool) {
	best, found := 0.0, false
	p := filepath.Clean("/" + path)
	for {
		if v, ok := read(filepath.Join(base, p)); ok && (!found || v < best) {
			best, found = v, true
		}
		if p == "/" {
			return best, found
		}
		p = filepath.Dir(p)
	}
}

// readCPUMax reads a cgroup v2 cpu.max: "$MAX $PERIOD", MAX may be "max".
func readCPUMax(dir string) (float64, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "cpu.max"))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 || f[0] == "max" {
		return 0, false
	}
	quota, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || quota <= 0 {
		return 0, false
	}
	period := int64(100000) // the kernel's default when only MAX is written
	if len(f) > 1 {
		if period, err = strconv.ParseInt(f[1], 10, 64); err != nil || period <= 0 {
			return 0, false
		}
	}
	return float64(quota) / float64(period), true
}

// readCFS reads a cgroup v1 cpu.cfs_quota_us / cpu.cfs_period_us pair.
func readCFS(dir string) (float64, bool) {
	quota, err := readInt(filepath.Join(dir, "cpu.cfs_quota_us"))
	if err != nil || quota <= 0 {
		return 0, false
	}
	period, err := readInt(filepath.Join(dir, "cpu.cfs_period_us"))
	if err != nil || period <= 0 {
		return 0, false
	}
	return float64(quota) / float64(period), true
}
