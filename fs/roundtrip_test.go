//go:build linux

package fs

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// longCache makes the kernel cache entries and attributes for an hour in
// the mounts of the test, so that what the test counts does not depend
// on how fast the machine runs between two calls.
func longCache(t *testing.T) {
	saved := timeout
	timeout = time.Hour
	t.Cleanup(func() { timeout = saved })
}

// TestCloseSendsNoFlush: closing a file costs no FLUSH request (issue
// 18: one round trip of every file cp -a writes): files open with
// FOPEN_NOFLUSH, for reading and for writing, created or opened.
func TestCloseSendsNoFlush(t *testing.T) {
	f := mountImage(t, filepath.Join(t.TempDir(), "img.iso"))
	for _, name := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(f.mnt, name), []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.ReadFile(filepath.Join(f.mnt, "a")); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(filepath.Join(f.mnt, "b"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString("more"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := f.srv.m.flushes.Load(); n != 0 {
		t.Errorf("%d FLUSH requests for 5 files closed, want none", n)
	}
}

// TestSetattrAnswerCached: the attributes chmod, chown and utimes
// answer with are cached like those of a GETATTR, so a stat right after
// asks nothing (cp -a sets times and mode of every file, then the next
// tool stats it).
func TestSetattrAnswerCached(t *testing.T) {
	longCache(t)
	f := mountImage(t, filepath.Join(t.TempDir(), "img.iso"))
	p := filepath.Join(f.mnt, "file")
	if err := os.WriteFile(p, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	mt := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	before := f.srv.m.getattrs.Load()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.srv.m.getattrs.Load() - before; got != 0 {
		t.Errorf("stat after chmod sent %d GETATTR requests, want none", got)
	}
	if fi.Mode().Perm() != 0o600 || !fi.ModTime().Equal(mt) || fi.Size() != 4 {
		t.Errorf("stat after chmod: mode %v, mtime %v, size %d; want -rw-------, %v, 4", fi.Mode(), fi.ModTime(), fi.Size(), mt)
	}
}
