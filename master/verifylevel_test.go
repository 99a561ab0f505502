package master

import "testing"

func TestParseVerifyLevel(t *testing.T) {
	for _, l := range []VerifyLevel{VerifyNone, VerifyQuick, VerifySession, VerifyFull} {
		got, err := ParseVerifyLevel(l.String())
		if err != nil || got != l {
			t.Errorf("ParseVerifyLevel(%q) = %v, %v; want %v", l.String(), got, err, l)
		}
	}
	if l, err := ParseVerifyLevel(""); err != nil || l != VerifyFull {
		t.Errorf(`ParseVerifyLevel("") = %v, %v; want full`, l, err)
	}
	if _, err := ParseVerifyLevel("thorough"); err == nil {
		t.Error("an unknown level parsed")
	}
	// The levels are ordered: each reads what the one before it reads.
	if !(VerifyNone < VerifyQuick && VerifyQuick < VerifySession && VerifySession < VerifyFull) || VerifyNone == 0 {
		t.Error("the verify levels are out of order, or VerifyNone is the zero value")
	}
}
