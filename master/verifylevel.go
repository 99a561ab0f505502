package master

import "fmt"

// verifyLevelNames are the words ParseVerifyLevel reads and String
// writes, one per level.
var verifyLevelNames = map[VerifyLevel]string{
	VerifyNone:    "none",
	VerifyQuick:   "quick",
	VerifySession: "session",
	VerifyFull:    "full",
}

// String returns the level's word: none, quick, session or full.
func (l VerifyLevel) String() string {
	if n, ok := verifyLevelNames[l]; ok {
		return n
	}
	return fmt.Sprintf("VerifyLevel(%d)", int(l))
}

// ParseVerifyLevel reads "none", "quick", "session" or "full"; the empty
// string is "full".
func ParseVerifyLevel(s string) (VerifyLevel, error) {
	if s == "" {
		return VerifyFull, nil
	}
	for l, n := range verifyLevelNames {
		if n == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("master: unknown verify level %q (none, quick, session, full)", s)
}
