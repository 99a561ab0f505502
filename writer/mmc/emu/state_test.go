package emu

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The state file is written to a new file of its own, renamed into
// place: a link another user made beforehand where a temporary file of
// a fixed name would go is never written through (it pointed at a file
// of the user's, which the save overwrote).
func TestStateSaveWritesNoLinkThrough(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.img")
	victim := filepath.Join(dir, "thesis.txt")
	if err := os.WriteFile(victim, []byte("my thesis\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, StatePath(path)+".tmp"); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path, "dvd+r")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "my thesis\n" {
		t.Errorf("the file the link pointed at: %q, %v", b, err)
	}
	if _, err := loadMedium(path); err != nil {
		t.Errorf("the state file: %v", err)
	}
	left, _ := filepath.Glob(StatePath(path) + ".tmp-*")
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A drive that changed nothing writes no state: reading a medium (as
// another user may, or root, whose new file would take the owner's
// place) leaves its state file as it was.
func TestReadingWritesNoState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.img")
	d, err := Open(path, "bd-r")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(StatePath(path))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(StatePath(path), old, old); err != nil {
		t.Fatal(err)
	}
	d, err = Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(StatePath(path))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || after.ModTime().Sub(old).Abs() > time.Second {
		t.Errorf("the state file was written again: same file %v, modified %v", os.SameFile(before, after), after.ModTime())
	}
}
