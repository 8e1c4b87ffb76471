package engine

import "golang.org/x/sys/unix"

// mmapAnon maps n bytes of private anonymous memory for an arena and, when
// node >= 0, binds it to that NUMA node. The memory is outside the Go heap:
// the GC neither scans nor moves it, and pages cost RAM only once touched.
//
// Binding goes through numa's MmapOnNode/BindPreferred once that package
// exports them (numa is being written in parallel); until then node is
// recorded by the Arena but the mapping follows the kernel's default
// (first-touch) policy, which places it on the shard's node anyway because
// only the shard's pinned thread touches it.
var mmapAnon = func(n, node int) ([]byte, error) {
	return unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
}

// munmapAnon releases a mapping made by mmapAnon.
var munmapAnon = func(b []byte) error { return unix.Munmap(b) }
