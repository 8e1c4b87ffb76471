//go:build race

package engine

// raceEnabled: under the race detector sync.Pool drops a share of what is
// put back (by design) and the detector allocates on its own, so
// allocation counts are checked by the non-race run (make test's
// test-allocs), not here.
const raceEnabled = true
