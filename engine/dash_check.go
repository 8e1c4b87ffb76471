package engine

import "fmt"

// Check verifies the DB's invariants and returns the first violation: the
// directory has 2^depth entries and each segment of local depth L fills one
// aligned run of 2^(depth-L) entries starting at its prefix; every slot's
// fingerprint and home bucket match its key's hash, the key's prefix maps to
// the slot's segment, and the key sits in its home bucket, the neighbour or
// the stash; stash counts, segment sizes and deadline counts add up; no key
// appears twice; DataBytes is the sum of the records' sizes. It is O(keys)
// and meant for tests.
func (db *DB) Check() error {
	if len(db.dir) != 1<<db.depth {
		return fmt.Errorf("directory has %d entries at depth %d", len(db.dir), db.depth)
	}
	var count, expires, data, segs int64
	keys := make(map[string]struct{}, db.count)
	for i := 0; i < len(db.dir); {
		seg := db.dir[i]
		if seg.depth > db.depth {
			return fmt.Errorf("segment at %d: local depth %d > global %d", i, seg.depth, db.depth)
		}
		n := 1 << (db.depth - seg.depth)
		if i%n != 0 || seg.start>>(hashBits-uint(db.depth)) != uint64(i) {
			return fmt.Errorf("segment at %d: start %#x misaligned for depth %d/%d", i, seg.start, seg.depth, db.depth)
		}
		for j := i; j < i+n; j++ {
			if db.dir[j] != seg {
				return fmt.Errorf("directory entry %d does not point at the segment of entry %d", j, i)
			}
		}
		if i+n < len(db.dir) && db.dir[i+n] == seg {
			return fmt.Errorf("segment at %d spans more than 2^(G-L) entries", i)
		}
		segs++
		var size, ttl int
		var stash [regularBuckets]int
		for bi := range seg.b {
			b := &seg.b[bi]
			if b.busy>>slotsPerBucket != 0 {
				return fmt.Errorf("bucket %d: busy bits beyond slot count", bi)
			}
			for si := 0; si < slotsPerBucket; si++ {
				s := b.slots[si]
				if b.busy&(1<<si) == 0 {
					if s != 0 {
						return fmt.Errorf("bucket %d slot %d: free slot not zero", bi, si)
					}
					continue
				}
				size++
				key := db.slotKey(s)
				if _, dup := keys[string(key)]; dup {
					return fmt.Errorf("key %q stored twice", key)
				}
				keys[string(key)] = struct{}{}
				h := KeyHash(key)
				if (s>>slotTagShift)&slotTagMask != tagOf(h) {
					return fmt.Errorf("key %q: slot tag %#x, hash tag %#x", key, (s>>slotTagShift)&slotTagMask, tagOf(h))
				}
				if db.segOf(h) != seg {
					return fmt.Errorf("key %q is in the wrong segment", key)
				}
				home := slotHome(s)
				switch {
				case bi == home, bi == (home+1)%regularBuckets:
				case bi >= regularBuckets:
					stash[home]++
				default:
					return fmt.Errorf("key %q (home %d) is in bucket %d", key, home, bi)
				}
				if s&slotTTL != 0 {
					ttl++
					if at := recExpire(db.rec(s)); at < seg.minExp {
						return fmt.Errorf("key %q: deadline %d below its segment's minExp %d", key, at, seg.minExp)
					}
				}
				if Encoding(s>>slotEncShift) > EncObject || slotType(s) > TypeStream {
					return fmt.Errorf("key %q: bad type/encoding bits %#x", key, s>>slotTypeShift)
				}
				data += db.arena.Size(slotHandle(s))
			}
		}
		for bi := 0; bi < regularBuckets; bi++ {
			if int(seg.b[bi].stashCnt) != stash[bi] {
				return fmt.Errorf("bucket %d: stash count %d, stash holds %d", bi, seg.b[bi].stashCnt, stash[bi])
			}
		}
		for bi := regularBuckets; bi < bucketsPerSegment; bi++ {
			if seg.b[bi].stashCnt != 0 {
				return fmt.Errorf("stash bucket %d has a stash count", bi)
			}
		}
		if size != int(seg.size) || ttl != int(seg.ttl) {
			return fmt.Errorf("segment at %d: size %d/%d ttl %d/%d (counted/recorded)", i, size, seg.size, ttl, seg.ttl)
		}
		count += int64(size)
		expires += int64(ttl)
		i += n
	}
	if count != db.count || expires != db.expires {
		return fmt.Errorf("db: %d keys %d deadlines counted, %d/%d recorded", count, expires, db.count, db.expires)
	}
	if data != db.dataBytes {
		return fmt.Errorf("db: records take %d bytes, accounted %d", data, db.dataBytes)
	}
	if segs != db.segments {
		return fmt.Errorf("db: %d segments, accounted %d", segs, db.segments)
	}
	return nil
}
