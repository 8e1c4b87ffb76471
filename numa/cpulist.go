package numa

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxCPUID bounds the CPU and node numbers ParseCPUList accepts, so that a
// corrupt or hostile list ("0-2147483647") cannot make it allocate gigabytes.
// Linux's NR_CPUS tops out at 8192 today; this leaves room.
const maxCPUID = 1 << 16

// ParseCPUList parses the kernel's list format for CPU and node sets, as
// found in sysfs cpulist files, cpuset.cpus and Cpus_allowed_list:
// comma-separated decimal numbers and inclusive ranges, e.g.
// "0-3,8-11,16". Surrounding white space (the trailing newline of a sysfs
// file) is ignored and an empty list yields an empty, non-nil slice.
//
// The result is sorted and free of duplicates; the caller owns it. The
// stride form that cpusets accept on write ("0-7:2") never appears in what
// the kernel prints and is rejected, as are numbers above 65535.
func ParseCPUList(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	out := []int{}
	if s == "" {
		return out, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parseCPUID(lo)
		if err != nil {
			return nil, fmt.Errorf("numa: cpu list %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = parseCPUID(hi); err != nil {
				return nil, fmt.Errorf("numa: cpu list %q: %w", s, err)
			}
			if b < a {
				return nil, fmt.Errorf("numa: cpu list %q: range %q runs backwards", s, part)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseCPUID(s string) (int, error) {
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("bad number %q", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	if n > maxCPUID {
		return 0, fmt.Errorf("number %d above %d", n, maxCPUID)
	}
	return n, nil
}

// FormatCPUList prints a set of CPU (or node) numbers in the kernel's list
// format, collapsing runs into ranges: {0,1,2,3,8,16,17} → "0-3,8,16-17".
// The input need not be sorted and may hold duplicates; it is not modified.
// Negative numbers are skipped.
func FormatCPUList(cpus []int) string {
	s := slices.Clone(cpus)
	slices.Sort(s)
	s = slices.Compact(s)
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] < 0 {
			i++
			continue
		}
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(s[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(s[j]))
		}
		i = j + 1
	}
	return b.String()
}
