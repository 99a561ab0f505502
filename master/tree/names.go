package tree

import (
	"strings"
	"unicode/utf8"
)

// ValidName returns name as valid UTF-8, as a session's reader gives
// names back (and io/fs paths must be): each byte that is not part of a
// UTF-8 sequence is taken as a Latin-1 character, the usual encoding of
// names on older discs. Names given to a session are made so too, so
// that a file is read back under the name it was given.
func ValidName(name string) string {
	if utf8.ValidString(name) {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		if r == utf8.RuneError && size == 1 {
			r = rune(name[i])
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}
