//go:build invariants

package engine

// checkEvery: with -tags invariants the model test runs DB.Check after
// every operation.
const checkEvery = 1
