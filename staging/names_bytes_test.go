package staging

import (
	"encoding/json"
	"errors"
	"sort"
	"testing"
	"unicode/utf8"
)

// TestNamesKeepTheirBytes: names and link targets are byte strings, as
// on the disc and in Linux: one that is not UTF-8 (new names must be
// UTF-8 now, but areas made before hold such names) comes back from a
// reopened area byte for byte, as a file, a directory, a symbolic link's
// target and a hard link's further name. The journal encoded them as
// JSON strings, which replaced each invalid byte by U+FFFD: a name
// written as "caf\xe9" came back as "caf\uFFFD".
func TestNamesKeepTheirBytes(t *testing.T) {
	withOldNames(t)
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	const (
		dname  = "caf\xe9"
		fname  = "f\xff\xfe.txt"
		target = "../caf\xe9/f\xff\xfe.txt"
		lname  = "l\xc3"
		valid  = "ok \u00e9\u2028"
	)
	d, err := a.Mkdir(RootID, dname, 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, d.ID, fname, "bytes")
	writeFile(t, a, RootID, valid, "valid")
	if _, err := a.Symlink(RootID, "ln", target, 0, 0); err != nil {
		t.Fatal(err)
	}
	f := walk(t, a, dname+"/"+fname)
	if _, err := a.Link(f.ID, RootID, lname); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := open(t, dir, m)
	root, err := b.ReadDir(RootID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range root {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	want := []string{dname, lname, "ln", valid}
	sort.Strings(want)
	if len(names) != len(want) {
		t.Fatalf("root after reopen: %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("root after reopen: %q, want %q", names, want)
		}
	}
	if got := readFile(t, b, walk(t, b, dname+"/"+fname).ID); got != "bytes" {
		t.Errorf("%q after reopen: %q", dname+"/"+fname, got)
	}
	if got := readFile(t, b, walk(t, b, lname).ID); got != "bytes" {
		t.Errorf("hard link %q after reopen: %q", lname, got)
	}
	if tg, err := b.Readlink(walk(t, b, "ln").ID); err != nil || tg != target {
		t.Errorf("readlink after reopen: %q, %v; want %q", tg, err, target)
	}
}

// TestNameFieldsJSON: a UTF-8 name is recorded as the JSON string every
// journal has held, so journals read as they did; any other byte string
// comes back byte for byte.
func TestNameFieldsJSON(t *testing.T) {
	for _, s := range []string{"", "a", "caf\u00e9", "\u2028<&>\"\\", "caf\xe9", "\xff", "a\xc3", "\x00\x80"} {
		var r linkRecord
		r.Name, r.NameB = splitName(s)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if plain, _ := json.Marshal(linkRecord{Name: s}); utf8.ValidString(s) && string(b) != string(plain) {
			t.Errorf("%q recorded as %s, want %s", s, b, plain)
		}
		var back linkRecord
		if err := json.Unmarshal(b, &back); err != nil || joinName(back.Name, back.NameB) != s {
			t.Errorf("%q: recorded as %s, read back %q, %v", s, b, joinName(back.Name, back.NameB), err)
		}
	}
}

// withOldNames lets the test give names that are not UTF-8, as areas
// made before checkNewName hold them.
func withOldNames(t testing.TB) {
	old := oldNames
	oldNames = true
	t.Cleanup(func() { oldNames = old })
}

// A new name that is not UTF-8 is refused (ErrNotUTF8) made, linked or
// renamed to, and so is a new link to a target that is not UTF-8; a name an area holds from before still opens, renames
// away and goes.
func TestNewNamesAreUTF8(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	bad := "caf\xe9"
	if _, err := a.Mkdir(RootID, bad, 0o755, 0, 0); !errors.Is(err, ErrNotUTF8) {
		t.Errorf("mkdir: %v", err)
	}
	if _, err := a.Symlink(RootID, bad, "t", 0, 0); !errors.Is(err, ErrNotUTF8) {
		t.Errorf("symlink: %v", err)
	}
	if _, err := a.Symlink(RootID, "link", "dir/"+bad, 0, 0); !errors.Is(err, ErrNotUTF8) {
		t.Errorf("symlink to %q: %v", "dir/"+bad, err)
	}
	writeFile(t, a, RootID, "f", "x")
	f := walk(t, a, "f")
	if _, err := a.Link(f.ID, RootID, bad); !errors.Is(err, ErrNotUTF8) {
		t.Errorf("link: %v", err)
	}
	if err := a.Rename(RootID, "f", RootID, bad, 0); !errors.Is(err, ErrNotUTF8) {
		t.Errorf("rename: %v", err)
	}
	withOldNames(t)
	writeFile(t, a, RootID, bad, "old")
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	oldNames = false
	b := open(t, dir, m)
	if err := b.Rename(RootID, bad, RootID, "cafe", 0); err != nil {
		t.Errorf("rename an old name away: %v", err)
	}
	if err := b.Unlink(RootID, "f"); err != nil {
		t.Error(err)
	}
}
