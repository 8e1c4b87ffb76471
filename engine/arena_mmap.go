package engine

import (
	"golang.org/x/sys/unix"

	"github.com/darnerdb/darner/numa"
)

// mmapAnon maps n bytes of private anonymous memory for an arena and, when
// node >= 0, prefers that NUMA node for its pages (numa.MmapOnNode: mbind
// MPOL_PREFERRED before first touch; a kernel that refuses mbind leaves the
// mapping unbound). The memory is outside the Go heap: the GC neither scans
// nor moves it, and pages cost RAM only once touched. Tests may replace it.
var mmapAnon = func(n, node int) ([]byte, error) {
	if node >= 0 {
		return numa.MmapOnNode(n, node)
	}
	return unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
}

// munmapAnon releases a mapping made by mmapAnon (whole, as returned).
var munmapAnon = func(b []byte) error { return unix.Munmap(b) }
