//go:build race

package proto_test

const mcRaceEnabled = true
