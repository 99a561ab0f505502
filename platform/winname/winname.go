// Package winname maps the names a disc holds to names Windows can show,
// and back: one documented, reversible mapping, so that a file keeps
// its name on the disc exactly while Windows shows and opens it.
//
// # What Windows cannot show
//
// A Rock Ridge name may hold any byte but "/" and NUL. Windows refuses
// in a name the characters " * : < > ? \ | and the controls U+0001 to
// U+001F, drops a trailing dot or space, and keeps the device names CON,
// PRN, AUX, NUL, COM0 to COM9, LPT0 to LPT9 (also with the superscript
// digits ¹ ² ³), CONIN$ and CONOUT$, in any case, alone or before an
// extension ("nul.txt", "Com1 .tar.gz").
//
// # The mapping
//
// ToWindows replaces each such character by the private-use character
// U+F000 plus its code, the convention of Cygwin, of WSL's DrvFs and of
// Samba's catia mapping: ":" shows as U+F03A, "?" as U+F03F. Of the
// trailing dots and spaces only the last needs it (" " as U+F020, "." as
// U+F02E): Windows keeps those before a character it does not drop. A
// device name gets its last ASCII character so mapped ("CON.txt" shows
// as "CO\uF04E.txt", "COM¹" as "CO\uF04D¹"). A name on the disc that already holds characters of
// U+F000 to U+F07F keeps them: each is preceded by U+F000, the escape
// (U+F000 stands for NUL, which no name holds).
//
// FromWindows undoes it. It accepts exactly the names ToWindows gives
// and refuses the others with ErrNotMapped: a lone escape, a mapped
// character where none was needed ("a\uF041" for "aA"), a name Windows
// cannot hold. So the mapping is one to one: FromWindows(ToWindows(n))
// is n for every disc name n, and ToWindows(FromWindows(w)) is w for
// every name w that FromWindows accepts.
//
// Two things the mapping does not do: Windows compares names without
// case, so two disc names that differ only in case still collide in
// one folder; and a name Windows shows may be longer than 255 UTF-16
// units when escapes were added. The caller (the mount adapter) reports
// both.
package winname

import (
	"errors"
	"strings"
	"unicode/utf8"
)

const (
	// base is the start of the private-use block that mirrors ASCII.
	base = 0xF000
	// escape precedes a character of the block that is on the disc as it
	// is.
	escape = rune(base)
	// blockEnd is the last character of the block the mapping uses.
	blockEnd = rune(base + 0x7F)
)

// ErrNotMapped: a Windows name that ToWindows gives for no disc name.
var ErrNotMapped = errors.New("winname: not a name the mapping gives")

// ErrBadName: a name no disc holds (empty, with "/" or NUL, or not
// UTF-8).
var ErrBadName = errors.New("winname: not a file name")

// forbidden reports whether Windows refuses c anywhere in a name.
func forbidden(c rune) bool {
	switch c {
	case '"', '*', ':', '<', '>', '?', '\\', '|':
		return true
	}
	return 0 < c && c < 0x20
}

// inBlock reports whether c is in the block the mapping uses.
func inBlock(c rune) bool { return base <= c && c <= blockEnd }

// devices are the names Windows keeps for devices, upper case.
var devices = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM0": true, "COM1": true, "COM2": true, "COM3": true, "COM4": true,
	"COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"COM¹": true, "COM²": true, "COM³": true,
	"LPT0": true, "LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true,
	"LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
	"LPT¹": true, "LPT²": true, "LPT³": true,
}

// deviceStem returns the length in bytes of the part of name Windows
// takes for a device name (what comes before the first dot, less
// trailing spaces) when it is one, else 0.
func deviceStem(name string) int {
	stem := name
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	stem = strings.TrimRight(stem, " ")
	if devices[strings.ToUpper(stem)] {
		return len(stem)
	}
	return 0
}

// valid reports whether name is a name a disc can hold.
func valid(name string) bool {
	return name != "" && utf8.ValidString(name) && !strings.ContainsAny(name, "/\x00")
}

// ToWindows returns the name Windows shows for the disc name name. Names
// Windows can show come back unchanged. It fails only for a name no disc
// holds (ErrBadName).
func ToWindows(name string) (string, error) {
	if !valid(name) {
		return "", ErrBadName
	}
	runes := []rune(name)
	// A device name gets its last ASCII character mapped: the last one,
	// or the letter before a superscript digit ("COM¹").
	dev := -1
	if n := deviceStem(name); n > 0 {
		for i := utf8.RuneCountInString(name[:n]) - 1; i >= 0; i-- {
			if runes[i] < utf8.RuneSelf {
				dev = i
				break
			}
		}
	}
	var b strings.Builder
	b.Grow(len(name) + 3)
	for i, c := range runes {
		switch {
		case inBlock(c):
			b.WriteRune(escape)
			b.WriteRune(c)
		case forbidden(c), i == len(runes)-1 && (c == '.' || c == ' '), i == dev:
			b.WriteRune(base + c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String(), nil
}

// FromWindows returns the disc name for the name Windows shows, the
// inverse of ToWindows. A name that ToWindows gives for no disc name
// fails with ErrNotMapped, one that is no file name with ErrBadName.
func FromWindows(name string) (string, error) {
	if !valid(name) {
		return "", ErrBadName
	}
	runes := []rune(name)
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(runes); i++ {
		c := runes[i]
		switch {
		case c == escape:
			if i+1 == len(runes) || !inBlock(runes[i+1]) {
				return "", ErrNotMapped
			}
			i++
			b.WriteRune(runes[i])
		case inBlock(c):
			b.WriteRune(c - base)
		default:
			b.WriteRune(c)
		}
	}
	disc := b.String()
	if !valid(disc) {
		return "", ErrNotMapped
	}
	// Only the names ToWindows gives: anything else would show under
	// another name than the one it was made with.
	if back, err := ToWindows(disc); err != nil || back != name {
		return "", ErrNotMapped
	}
	return disc, nil
}

// Showable reports whether Windows shows name as it is: ToWindows leaves
// it unchanged.
func Showable(name string) bool {
	w, err := ToWindows(name)
	return err == nil && w == name
}
