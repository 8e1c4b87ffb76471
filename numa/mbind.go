package numa

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Memory policy modes of mbind(2) (linux/mempolicy.h).
const (
	MPolDefault    = 0
	MPolPreferred  = 1
	MPolBind       = 2
	MPolInterleave = 3
)

// MbindFunc has the shape of the mbind(2) system call, with the node mask
// as Go words (bit n of word n/64 selects node n). maxnode is passed to the
// kernel as is: it reads maxnode-1 bits of the mask.
type MbindFunc func(addr unsafe.Pointer, length uintptr, mode int, nodemask []uint64, maxnode uintptr, flags int) error

// Mbind is the raw mbind(2) system call (x/sys/unix has no wrapper). addr
// must be page aligned; length is rounded up to whole pages by the kernel.
// The policy applies to pages faulted in afterwards.
func Mbind(addr unsafe.Pointer, length uintptr, mode int, nodemask []uint64, maxnode uintptr, flags int) error {
	var mask unsafe.Pointer
	if len(nodemask) > 0 {
		mask = unsafe.Pointer(&nodemask[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_MBIND, uintptr(addr), length, uintptr(mode),
		uintptr(mask), maxnode, uintptr(flags))
	if e != 0 {
		return e
	}
	return nil
}

// Binder decides whether and how to bind memory to a NUMA node. Its
// fields are read-only after construction; a Binder is safe for concurrent
// use by every shard.
type Binder struct {
	// Nodes are the host's NUMA node IDs (Topology.Nodes). With one node or
	// none, binding is a no-op: there is nothing to prefer.
	Nodes []int
	// Mbind performs the system call; nil means the real Mbind. Tests set
	// it to record the arguments.
	Mbind MbindFunc
}

// NewBinder returns a Binder for the topology's nodes, calling the real
// mbind(2).
func NewBinder(t *Topology) *Binder {
	return &Binder{Nodes: slices.Clone(t.Nodes)}
}

var hostBinder = sync.OnceValue(func() *Binder {
	t, err := ReadTopology("/sys")
	if err != nil {
		return &Binder{Nodes: []int{0}}
	}
	return NewBinder(t)
})

// HostBinder returns the Binder for the live host, built from /sys on
// first use (a host whose sysfs cannot be read counts as one node).
func HostBinder() *Binder { return hostBinder() }

// BindPreferred sets the MPOL_PREFERRED policy on [addr, addr+length): pages
// of the range are allocated on node when it has free memory, elsewhere
// otherwise. It does nothing when node < 0, length is 0, or the host has at
// most one node. addr must be page aligned (memory from mmap is). Pages
// already touched keep their placement: bind before first use.
func (b *Binder) BindPreferred(addr unsafe.Pointer, length uintptr, node int) error {
	if node < 0 || length == 0 || len(b.Nodes) <= 1 {
		return nil
	}
	if !slices.Contains(b.Nodes, node) {
		return fmt.Errorf("numa: bind to node %d: no such node (nodes %s)", node, FormatCPUList(b.Nodes))
	}
	words := node/64 + 1
	mask := make([]uint64, words)
	mask[node/64] = 1 << (node % 64)
	// The kernel reads maxnode-1 bits (libnuma passes size+1 as well).
	maxnode := uintptr(words*64 + 1)
	call := b.Mbind
	if call == nil {
		call = Mbind
	}
	if err := call(addr, length, MPolPreferred, mask, maxnode, 0); err != nil {
		return fmt.Errorf("numa: mbind(MPOL_PREFERRED, node %d): %w", node, err)
	}
	return nil
}

// MmapOnNode maps size bytes of anonymous, private, zeroed memory outside
// the Go heap, preferred on node (see BindPreferred). The caller owns the
// mapping until it passes it to Munmap; the GC neither scans nor moves it,
// so it may hold no Go pointers.
//
// Binding is a preference, not a requirement: when the kernel refuses
// mbind itself (ENOSYS without CONFIG_NUMA, EPERM under a seccomp profile
// such as Docker's default without CAP_SYS_NICE) the mapping is returned
// unbound with a nil error. Any other mbind error unmaps it and is
// returned.
func (b *Binder) MmapOnNode(size int, node int) ([]byte, error) {
	if size <= 0 {
		return nil, fmt.Errorf("numa: mmap %d bytes: size must be positive", size)
	}
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("numa: mmap %d bytes: %w", size, err)
	}
	err = b.BindPreferred(unsafe.Pointer(&mem[0]), uintptr(size), node)
	if err != nil && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EPERM) {
		_ = unix.Munmap(mem)
		return nil, err
	}
	return mem, nil
}

// BindPreferred is HostBinder().BindPreferred.
func BindPreferred(addr unsafe.Pointer, length uintptr, node int) error {
	return HostBinder().BindPreferred(addr, length, node)
}

// MmapOnNode is HostBinder().MmapOnNode: the engine's arenas get their
// memory here.
func MmapOnNode(size int, node int) ([]byte, error) {
	return HostBinder().MmapOnNode(size, node)
}

// Munmap releases a mapping returned by MmapOnNode. mem must be the whole
// slice MmapOnNode returned (not re-sliced), and nothing may touch it
// afterwards.
func Munmap(mem []byte) error {
	if err := unix.Munmap(mem); err != nil {
		return fmt.Errorf("numa: munmap: %w", err)
	}
	return nil
}
