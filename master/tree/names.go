package tree

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxName is the longest name, in bytes, a session records (Rock Ridge
// NM, as Linux's NAME_MAX).
const MaxName = 255

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

// UniqueName returns name, cut until fits says it fits (nil: any length
// does), or, when taken says that one is taken, the same with "_N" before its
// extension (the part from its last dot), for the lowest N from first
// that is free.
func UniqueName(name string, first int, taken func(string) bool, fits func(string) bool) string {
	base, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		base, ext = name[:i], name[i:]
	}
	cut := func(suffix string) string {
		r := []rune(base)
		for len(r) > 0 && fits != nil && !fits(string(r)+suffix+ext) {
			r = r[:len(r)-1]
		}
		return string(r) + suffix + ext
	}
	if c := cut(""); !taken(c) {
		return c
	}
	for n := first; ; n++ {
		if c := cut("_" + strconv.Itoa(n)); !taken(c) {
			return c
		}
	}
}

// FoldCase is name as Windows compares names in a folder, of its own
// file systems or of a disc's Joliet and UDF trees as it reads them:
// each character in upper case.
func FoldCase(name string) string { return strings.ToUpper(name) }

// QuotePath quotes a path that a terminal would not show as it is: one
// that is not UTF-8 or holds a control character (a newline in a name
// would split a line, an escape sequence would reach the terminal, C1
// controls included) or a bidirectional formatting character (which
// would show the path's characters in another order), or a name with
// spaces at its ends, as ls -b would escape it. Other paths stay as they
// are.
func QuotePath(p string) string {
	if !utf8.ValidString(p) {
		return strconv.Quote(p)
	}
	for _, r := range p {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return strconv.Quote(p)
		}
	}
	for _, name := range strings.Split(p, "/") {
		if strings.TrimSpace(name) != name {
			return strconv.Quote(p)
		}
	}
	return p
}
