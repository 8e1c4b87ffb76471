//go:build !invariants

package engine

// checkEvery: without -tags invariants the model test runs DB.Check every
// this many operations (and at the end).
const checkEvery = 2000
