package engine

import "github.com/zeebo/xxh3"

// KeyHash is the one hash of a key. Bits 48..63 choose the shard
// (ShardOf); the dashtable uses bits 0..47 (segment, bucket, fingerprint),
// so a shard's keys still spread over its own table.
func KeyHash(key []byte) uint64 { return xxh3.Hash(key) }

// ShardOfHash maps a key hash to one of n shards.
func ShardOfHash(h uint64, n int) int {
	return int(((h >> 48) * uint64(n)) >> 16)
}

// ShardOf maps a key to one of n shards.
func ShardOf(key []byte, n int) int { return ShardOfHash(KeyHash(key), n) }
