package main

import (
	"fmt"
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lsMode formats a mode as ls -l does: a type letter (- d l p s c b),
// then rwx for owner, group and others with s/S for setuid and setgid
// and t/T for the sticky bit.
func lsMode(m fs.FileMode) string {
	var b [10]byte
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	case m&fs.ModeNamedPipe != 0:
		b[0] = 'p'
	case m&fs.ModeSocket != 0:
		b[0] = 's'
	case m&fs.ModeCharDevice != 0:
		b[0] = 'c'
	case m&fs.ModeDevice != 0:
		b[0] = 'b'
	default:
		b[0] = '-'
	}
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if m&(1<<uint(8-i)) != 0 {
			b[1+i] = rwx[i]
		} else {
			b[1+i] = '-'
		}
	}
	special := func(i int, set bool, lower, upper byte) {
		if !set {
			return
		}
		if b[i] == 'x' {
			b[i] = lower
		} else {
			b[i] = upper
		}
	}
	special(3, m&fs.ModeSetuid != 0, 's', 'S')
	special(6, m&fs.ModeSetgid != 0, 's', 'S')
	special(9, m&fs.ModeSticky != 0, 't', 'T')
	return string(b[:])
}

// lsQuote quotes a name as ls' shell-escape style does, so that a name
// holding a newline or other control character takes one line and can be
// pasted into a shell: plain names stay as they are, others are put in
// single quotes, and control characters are written as $'\n'.
func lsQuote(name string) string {
	if name != "" && !strings.ContainsFunc(name, needsQuote) {
		return name
	}
	var b strings.Builder
	open := false
	for len(name) > 0 {
		r, n := utf8.DecodeRuneInString(name)
		if r == utf8.RuneError && n == 1 || unicode.IsControl(r) {
			if open {
				b.WriteByte('\'')
				open = false
			}
			b.WriteString("$'")
			for _, c := range []byte(name[:n]) {
				switch c {
				case '\n':
					b.WriteString(`\n`)
				case '\t':
					b.WriteString(`\t`)
				case '\r':
					b.WriteString(`\r`)
				default:
					fmt.Fprintf(&b, `\%03o`, c)
				}
			}
			b.WriteByte('\'')
		} else {
			if !open {
				b.WriteByte('\'')
				open = true
			}
			if r == '\'' {
				b.WriteString(`'\''`)
			} else {
				b.WriteString(name[:n])
			}
		}
		name = name[n:]
	}
	if open {
		b.WriteByte('\'')
	}
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

// needsQuote tells the characters a shell would take specially.
func needsQuote(r rune) bool {
	if unicode.IsControl(r) || r == utf8.RuneError || unicode.IsSpace(r) {
		return true
	}
	return strings.ContainsRune("'\"\\$`!&|;<>()[]{}*?#~=%^", r)
}
