package harness

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// ParseCPUList parses the kernel's CPU list format ("0-3,8,10-11") into a
// sorted list of CPU numbers. It accepts at most 65536 CPUs.
func ParseCPUList(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	var out []int
	if s == "" {
		return out, nil
	}
	seen := map[int]bool{}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 || a > 65535 {
			return nil, fmt.Errorf("harness: cpu list %q: bad %q", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b > 65535 {
				return nil, fmt.Errorf("harness: cpu list %q: bad %q", s, part)
			}
		}
		for c := a; c <= b; c++ {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// FormatCPUList is ParseCPUList's inverse, for taskset -c: "0-3,8".
func FormatCPUList(cpus []int) string {
	var b strings.Builder
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if j > i {
			fmt.Fprintf(&b, "%d-%d", cpus[i], cpus[j])
		} else {
			fmt.Fprintf(&b, "%d", cpus[i])
		}
		i = j + 1
	}
	return b.String()
}

// SplitCPUs divides the CPUs for lab mode: the server gets the first half
// (at least one), the load generator the rest. With one CPU there is no
// split and ok is false.
func SplitCPUs(cpus []int) (server, client []int, ok bool) {
	if len(cpus) < 2 {
		return cpus, cpus, false
	}
	h := len(cpus) / 2
	return cpus[:h], cpus[h:], true
}

// AllowedCPUs returns the CPUs this process may run on
// (Cpus_allowed_list of /proc/self/status).
func AllowedCPUs() ([]int, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return ParseCPUList(v)
		}
	}
	return nil, fmt.Errorf("harness: no Cpus_allowed_list in /proc/self/status")
}

// ParseCPUModel returns the first "model name" of /proc/cpuinfo.
func ParseCPUModel(cpuinfo string) string {
	for line := range strings.SplitSeq(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// HostInfo describes the machine a run was made on.
type HostInfo struct {
	Host      string `json:"host"`
	Kernel    string `json:"kernel"`
	CPUModel  string `json:"cpu_model"`
	NumCPU    int    `json:"num_cpu"`    // CPUs this process may use
	Governor  string `json:"governor"`   // cpu0's scaling governor, "" if none
	SMT       string `json:"smt"`        // /sys/devices/system/cpu/smt/control
	ClkTck    uint64 `json:"clk_tck"`    // sysconf(_SC_CLK_TCK)
	GoVersion string `json:"go_version"` // the harness's Go runtime
}

// ReadHostInfo gathers HostInfo from /proc and /sys; missing files leave
// fields empty.
func ReadHostInfo() HostInfo {
	h := HostInfo{ClkTck: ClockTicks(), GoVersion: runtime.Version()}
	h.Host, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		h.CPUModel = ParseCPUModel(string(b))
	}
	if cpus, err := AllowedCPUs(); err == nil {
		h.NumCPU = len(cpus)
	}
	if b, err := os.ReadFile("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"); err == nil {
		h.Governor = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/sys/devices/system/cpu/smt/control"); err == nil {
		h.SMT = strings.TrimSpace(string(b))
	}
	return h
}

// ParseLoadAvg returns the 1-minute load average from /proc/loadavg's
// contents.
func ParseLoadAvg(b string) (float64, error) {
	f := strings.Fields(b)
	if len(f) == 0 {
		return 0, fmt.Errorf("harness: empty loadavg")
	}
	return strconv.ParseFloat(f[0], 64)
}

// LoadAvg is the machine's 1-minute load average now (-1 if unreadable).
func LoadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	v, err := ParseLoadAvg(string(b))
	if err != nil {
		return -1
	}
	return v
}
