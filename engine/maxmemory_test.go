package engine

import (
	"testing"
)

// BenchmarkNoteMemoryDB measures the per-write cost of the accounting:
// compare "set+note" with "set".
func BenchmarkNoteMemoryDB(b *testing.B) {
	for _, note := range []bool{false, true} {
		name := "set"
		if note {
			name = "set+note"
		}
		b.Run(name, func(b *testing.B) {
			l := NewLocal(1)
			defer l.Close()
			s := l.Shards[0]
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.DBs[0].SetInt([]byte("k"), int64(i&1023), 0, 0, 0)
				if note {
					s.NoteMemoryDB(0)
				}
			}
		})
	}
}
