// Package persist writes and reads point-in-time snapshots in Redis's RDB
// format: the codec (Encoder, Parse; CRC64 as Redis's crc64.c, LZF as
// liblzf), the snapshot driver behind SAVE and forkless BGSAVE (every
// shard serialises its own buckets; a writer goroutine owns the file), and
// the loader (every shard stores the keys it owns). See
// docs/persistence.md.
//
// It imports engine (never ring or cmd); engine reaches it only through
// engine.SetSnapshotter, which this package calls from its init, so a
// binary that links persist has SAVE and BGSAVE.
package persist
