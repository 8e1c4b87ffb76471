// Package persist will hold point-in-time snapshots (Redis RDB format,
// forkless, per-shard). Nothing is implemented yet; see docs/ and the open
// issues.
package persist
