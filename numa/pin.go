package numa

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// PinThread restricts the calling OS thread to one CPU
// (sched_setaffinity(0, {cpu})).
//
// The caller must have called runtime.LockOSThread first and keep it
// locked: otherwise the Go scheduler may move the goroutine to another,
// unpinned thread at any moment, and the pinned thread goes back to the
// pool to run other goroutines on that one CPU. A goroutine that exits
// while locked takes its pinned thread with it (the runtime terminates the
// thread), which is the intended end of a shard thread; unlocking instead
// would leak the pin into the thread pool.
//
// cpu must be in 0..1023 and in the process's affinity mask (else EINVAL).
func PinThread(cpu int) error {
	if cpu < 0 || cpu >= len(unix.CPUSet{})*64 {
		return fmt.Errorf("numa: pin to cpu %d: out of range", cpu)
	}
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("numa: pin to cpu %d: %w", cpu, err)
	}
	return nil
}
