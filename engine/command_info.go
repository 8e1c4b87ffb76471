package engine

// KeySpec is one key specification of a command, as Redis 7 reports it in
// COMMAND INFO and uses for COMMAND GETKEYS. A command without KeySpecs
// gets one derived from FirstKey/LastKey/Step and its flags.
//
// begin_search: BeginIndex > 0 searches from that argument index;
// otherwise Keyword is searched for from KeywordFrom (negative = from the
// end). find_keys: a range (LastKey relative to the first key, -1 = last
// argument; KeyStep; Limit) unless KeyNum is set, in which case the
// argument at KeyNumIdx (relative to the begin index) holds the number of
// keys, which start FirstKey arguments after it, KeyStep apart.
type KeySpec struct {
	Notes string
	Flags []string // as Redis prints them: "RW", "access", "update", ...

	BeginIndex  int
	Keyword     string
	KeywordFrom int

	KeyNum    bool
	LastKey   int
	KeyStep   int
	Limit     int
	KeyNumIdx int
	FirstKey  int
}
