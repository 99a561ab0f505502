package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestNewImageRemovedOnlyWhileEmpty: a run removes the image it made
// only while that is still empty and the same file: a session written
// into it (by this run before a later failure, or by another writer
// while a dry run looked) keeps it.
func TestNewImageRemovedOnlyWhileEmpty(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	dir := t.TempDir()

	img := filepath.Join(dir, "written.iso")
	l, err := lockTarget(img, holderOf("append"), true, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	made, err := madeByLock(img, l)
	if err != nil || made.fi == nil {
		t.Fatalf("the lock made %s: %+v, %v", img, made, err)
	}
	if err := os.WriteFile(img, make([]byte, 64<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	made.remove()
	l.Unlock()
	if fi, err := os.Stat(img); err != nil || fi.Size() != 64<<10 {
		t.Errorf("a failed run removed the image it wrote a session into: %v", err)
	}

	img = filepath.Join(dir, "empty.iso")
	l, err = lockTarget(img, holderOf("append"), true, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if made, err = madeByLock(img, l); err != nil {
		t.Fatal(err)
	}
	made.remove()
	l.Unlock()
	if _, err := os.Lstat(img); err == nil {
		t.Errorf("a failed run that wrote nothing left %s", img)
	}

	// A dry run makes the image; a real append writes a session into
	// it meanwhile.
	img = filepath.Join(dir, "dry.iso")
	dry, err := makeImage(img, false)
	if err != nil || dry.fi == nil {
		t.Fatalf("the dry run made %s: %+v, %v", img, dry, err)
	}
	l, err = lockTarget(img, holderOf("append"), true, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if made, err = madeByLock(img, l); err != nil || made.fi != nil {
		t.Fatalf("the real append counts the dry run's image as its own: %+v, %v", made, err)
	}
	dry.remove() // while the real append holds it
	if _, err := os.Lstat(img); err != nil {
		t.Fatalf("the dry run removed the image a real append holds: %v", err)
	}
	if err := os.WriteFile(img, make([]byte, 64<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	dry.remove()
	if fi, err := os.Stat(img); err != nil || fi.Size() != 64<<10 {
		t.Errorf("the dry run removed the image another append wrote: %v", err)
	}
}
