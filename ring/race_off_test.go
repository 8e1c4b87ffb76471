//go:build !race

package ring_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
