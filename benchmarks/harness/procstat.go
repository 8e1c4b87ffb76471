package harness

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ParseStat returns utime and stime (fields 14 and 15, in clock ticks) from
// the contents of /proc/<pid>/stat. For a process (not a task) these sum
// every thread, including threads that have exited. The command name
// (field 2) may hold spaces and parentheses, so fields are counted from the
// last ')'.
func ParseStat(b []byte) (utime, stime uint64, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("harness: /proc stat: no ')'")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime is field 14 → f[11], stime f[12].
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("harness: /proc stat: %d fields after comm", len(f))
	}
	if utime, err = strconv.ParseUint(f[11], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("harness: /proc stat utime: %w", err)
	}
	if stime, err = strconv.ParseUint(f[12], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("harness: /proc stat stime: %w", err)
	}
	return utime, stime, nil
}

// ParseSchedstat returns the time on CPU in nanoseconds (first field) from
// /proc/<pid>/task/<tid>/schedstat.
func ParseSchedstat(b []byte) (uint64, error) {
	f := strings.Fields(string(b))
	if len(f) < 1 {
		return 0, fmt.Errorf("harness: empty schedstat")
	}
	return strconv.ParseUint(f[0], 10, 64)
}

// ParseStatusKB returns a "kB" field of /proc/<pid>/status ("VmRSS",
// "VmHWM") in bytes.
func ParseStatusKB(b []byte, field string) (uint64, error) {
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != field {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("harness: status %s: %q", field, v)
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		return n * 1024, err
	}
	return 0, fmt.Errorf("harness: status has no %s", field)
}

// ParseAuxvClockTicks returns AT_CLKTCK (17) from /proc/self/auxv, the
// value of sysconf(_SC_CLK_TCK), or 0 when absent. auxv is a list of
// native-endian word pairs; this reads the 64-bit little-endian layout of
// amd64 and arm64.
func ParseAuxvClockTicks(b []byte) uint64 {
	const atClkTck = 17
	for i := 0; i+16 <= len(b); i += 16 {
		k := binary.LittleEndian.Uint64(b[i:])
		v := binary.LittleEndian.Uint64(b[i+8:])
		if k == 0 {
			break
		}
		if k == atClkTck {
			return v
		}
	}
	return 0
}

// ClockTicks is sysconf(_SC_CLK_TCK), read once from auxv (100 when
// unreadable, which is USER_HZ on every Linux architecture Go supports).
func ClockTicks() uint64 {
	if b, err := os.ReadFile("/proc/self/auxv"); err == nil {
		if t := ParseAuxvClockTicks(b); t > 0 {
			return t
		}
	}
	return 100
}

// CPUSample is one reading of a process's CPU time.
type CPUSample struct {
	Ticks uint64            // utime+stime of all threads, from /proc/<pid>/stat
	Sched map[string]uint64 // per live thread (tid → ns on CPU), from schedstat; nil if unreadable
}

// ReadCPU samples pid's CPU time.
func ReadCPU(pid int) (CPUSample, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return CPUSample{}, err
	}
	u, s, err := ParseStat(b)
	if err != nil {
		return CPUSample{}, err
	}
	smp := CPUSample{Ticks: u + s}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if len(tasks) > 0 {
		smp.Sched = make(map[string]uint64, len(tasks))
		for _, p := range tasks {
			b, err := os.ReadFile(p)
			if err != nil {
				smp.Sched = nil
				break
			}
			ns, err := ParseSchedstat(b)
			if err != nil {
				smp.Sched = nil
				break
			}
			smp.Sched[filepath.Base(filepath.Dir(p))] = ns
		}
	}
	return smp, nil
}

// CPUDelta is the CPU time a process used between two samples, in
// seconds, and which source gave it: "schedstat" (ns precision, used when
// the same threads are alive in both samples) or "stat" (clock ticks,
// which also count threads that came and went).
func CPUDelta(a, b CPUSample, clkTck uint64) (seconds float64, source string) {
	if a.Sched != nil && b.Sched != nil && len(a.Sched) == len(b.Sched) {
		var d uint64
		same := true
		for tid, ns := range b.Sched {
			old, ok := a.Sched[tid]
			if !ok || ns < old {
				same = false
				break
			}
			d += ns - old
		}
		if same {
			return float64(d) / 1e9, "schedstat"
		}
	}
	if clkTck == 0 {
		clkTck = 100
	}
	if b.Ticks < a.Ticks {
		return 0, "stat"
	}
	return float64(b.Ticks-a.Ticks) / float64(clkTck), "stat"
}

// ReadRSS returns pid's resident set size in bytes.
func ReadRSS(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return ParseStatusKB(b, "VmRSS")
}
