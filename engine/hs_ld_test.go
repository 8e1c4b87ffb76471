package engine

import "testing"

func TestHashLongDouble(t *testing.T) {
	f := func(a, b, want string) {
		t.Helper()
		x, ok := parseLongDouble([]byte(a))
		y, ok2 := parseLongDouble([]byte(b))
		if !ok || !ok2 {
			t.Fatalf("parse %q %q: %v %v", a, b, ok, ok2)
		}
		x.Add(x, y)
		if got := string(formatLongDouble(x)); got != want {
			t.Errorf("%s + %s = %s, want %s", a, b, got, want)
		}
	}
	f("0.1", "0.2", "0.3")
	f("10.5", "0.1", "10.6")
	f("0x10", "0", "16")
	f("1e20", "-1", "100000000000000000000") // long double: ulp 8
	f("5.0e3", "-5000", "0")
	f("-0.0000001", "0", "-0.0000001")
	f("1.5", "-1.5", "0")
	for _, bad := range []string{"", " 1", "1 ", "abc", "nan", "1e", "0x", "0b1", "1_0", "--1", "1e99999", ".", "e5", "0x1e+5p"} {
		if _, ok := parseLongDouble([]byte(bad)); ok {
			t.Errorf("parseLongDouble(%q) accepted", bad)
		}
	}
}
