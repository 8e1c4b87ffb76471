package proto

// MCParseUint parses b as memcached's safe_strtoull does (leading white
// space, digits, white space or the end after them; a '-' refused when the
// result looks negative). incr/decr read a stored value with it.
func MCParseUint(b []byte) (uint64, bool) { return cStrtoull(b) }

// MCItemSize is what memcached 1.6 counts for an item against the item
// size limit (-I): a 56-byte header, key+1, value+2, and 4 more when the
// client flags are not 0. me reports it as the item's size.
func MCItemSize(nkey, nval int, flags uint32) int {
	total := mcItemHeader + nkey + 1 + nval + 2
	if flags != 0 {
		total += 4
	}
	return total
}
