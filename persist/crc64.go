package persist

import "hash/crc64"

// CRC64 is Redis's checksum (crc64.c: the Jones polynomial
// 0xad93d23594c935a9, reflected, initial value 0, no final xor), as the
// trailer of an RDB file and of DUMP payloads. crc64("123456789") is
// 0xe9c6d914c4b8d9ca.

// jonesTable is the reflected form of the Jones polynomial.
var jonesTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// CRC64 extends crc with p. Go's crc64.Update inverts before and after;
// inverting around it gives Redis's non-inverted variant.
func CRC64(crc uint64, p []byte) uint64 { return ^crc64.Update(^crc, jonesTable, p) }
