package staging

import (
	"errors"
	"testing"
)

// TestPathAPI: a path-based adapter reaches every operation by path, and
// sees the same entries the ID-based calls do.
func TestPathAPI(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	if _, err := a.MkdirPath("/d", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.MkdirPath("d/e", 0o700, 0, 0); err != nil {
		t.Fatal(err)
	}
	_, h, err := a.CreatePath("/d/e/f.txt", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("hello"), 0); err != nil {
		t.Fatal(err)
	}
	h.Release()
	if _, err := a.SymlinkPath("/d/l", "e/f.txt", 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.LinkPath("/d/e/f.txt", "/g.txt"); err != nil {
		t.Fatal(err)
	}
	f, err := a.Resolve("/d/e/f.txt")
	if err != nil || f.Size != 5 || f.Nlink != 2 {
		t.Fatalf("resolve: %+v, %v", f, err)
	}
	if got := walk(t, a, "d/e/f.txt"); got.ID != f.ID {
		t.Errorf("path and ID lookups disagree: %d, %d", got.ID, f.ID)
	}
	if root, err := a.Resolve("/"); err != nil || root.ID != RootID {
		t.Errorf("root: %+v, %v", root, err)
	}
	if tgt, err := a.ReadlinkPath("d/l"); err != nil || tgt != "e/f.txt" {
		t.Errorf("readlink: %q, %v", tgt, err)
	}
	des, err := a.ReadDirPath("/d")
	if err != nil || len(des) != 2 || des[0].Name != "e" || des[1].Name != "l" {
		t.Errorf("readdir: %+v, %v", des, err)
	}
	h, err = a.OpenPath("/g.txt", false)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	if n, _ := h.ReadAt(b, 0); n != 5 || string(b) != "hello" {
		t.Errorf("read through the second name: %q", b[:n])
	}
	h.Release()
	size := int64(2)
	if at, err := a.SetattrPath("/g.txt", SetAttr{Size: &size}); err != nil || at.Size != 2 {
		t.Errorf("setattr: %+v, %v", at, err)
	}
	if err := a.RenamePath("/d/e", "/e2", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Resolve("/e2/f.txt"); err != nil {
		t.Errorf("after rename: %v", err)
	}
	if err := a.UnlinkPath("/e2/f.txt"); err != nil {
		t.Fatal(err)
	}
	if err := a.RmdirPath("/e2"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		err  error
	}{
		{"/nope", ErrNotExist},
		{"/g.txt/x", ErrNotDir},
		{"/d/../g.txt", ErrInvalid},
		{"/e2", ErrNotExist},
	} {
		if _, err := a.Resolve(c.path); !errors.Is(err, c.err) {
			t.Errorf("resolve %q: %v, want %v", c.path, err, c.err)
		}
	}
	if err := a.UnlinkPath("/"); !errors.Is(err, ErrInvalid) {
		t.Errorf("unlink of the root: %v", err)
	}
	if _, err := a.MkdirPath("/g.txt/x", 0o755, 0, 0); !errors.Is(err, ErrNotDir) {
		t.Errorf("mkdir under a file: %v", err)
	}
}
