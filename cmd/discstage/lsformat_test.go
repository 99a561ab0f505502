package main

import (
	"io/fs"
	"testing"
)

func TestLsMode(t *testing.T) {
	for _, c := range []struct {
		m    fs.FileMode
		want string
	}{
		{0o644, "-rw-r--r--"},
		{fs.ModeDir | 0o755, "drwxr-xr-x"},
		{fs.ModeSymlink | 0o777, "lrwxrwxrwx"},
		{fs.ModeDir | fs.ModeSticky | 0o777, "drwxrwxrwt"},
		{fs.ModeDir | fs.ModeSticky | 0o770, "drwxrwx--T"},
		{fs.ModeDir | fs.ModeSetgid | 0o755, "drwxr-sr-x"},
		{fs.ModeSetuid | 0o644, "-rwSr--r--"},
		{fs.ModeSetuid | 0o755, "-rwsr-xr-x"},
		{fs.ModeNamedPipe | 0o600, "prw-------"},
		{fs.ModeSocket | 0o755, "srwxr-xr-x"},
		{fs.ModeDevice | fs.ModeCharDevice | 0o666, "crw-rw-rw-"},
		{fs.ModeDevice | 0o660, "brw-rw----"},
	} {
		if got := lsMode(c.m); got != c.want {
			t.Errorf("lsMode(%v) = %s, want %s", c.m, got, c.want)
		}
	}
}

func TestLsQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain.txt", "plain.txt"},
		{"ünïcode", "ünïcode"},
		{"two words", "'two words'"},
		{"it's", `'it'\''s'`},
		{"a\nb", `'a'$'\n''b'`},
		{"\n", `$'\n'`},
		{"bad\xffbyte", `'bad'$'\377''byte'`},
		{"", "''"},
	} {
		if got := lsQuote(c.in); got != c.want {
			t.Errorf("lsQuote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestLsLongFormat lists a mastered image as ls -l would show it.
