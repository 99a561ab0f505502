package staging

import (
	"errors"
	iofs "io/fs"
	"testing"
	"time"
)

func TestHardLinks(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	f := writeFile(t, a, RootID, "f", "shared")
	d, err := a.Mkdir(RootID, "d", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := a.Link(f.ID, d.ID, "g")
	if err != nil {
		t.Fatalf("Link: %v", err)
	}
	if g.ID != f.ID || g.Nlink != 2 || walk(t, a, "f").Nlink != 2 {
		t.Errorf("link: ID %d (want %d), Nlink %d", g.ID, f.ID, g.Nlink)
	}
	if _, err := a.Link(f.ID, d.ID, "g"); !errors.Is(err, ErrExist) {
		t.Errorf("link over a name: %v", err)
	}
	if _, err := a.Link(d.ID, RootID, "dl"); !errors.Is(err, ErrNotSupported) {
		t.Errorf("link of a directory: %v", err)
	}
	// A write through one name shows through the other.
	h, err := a.OpenFile(walk(t, a, "d/g").ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("SH"), 0); err != nil {
		t.Fatal(err)
	}
	h.Release()
	if got := readFile(t, a, walk(t, a, "f").ID); got != "SHared" {
		t.Errorf("f reads %q after a write through d/g", got)
	}
	// The same file under both names in the session tree, written once.
	root, _, err := a.tree(false)
	if err != nil {
		t.Fatal(err)
	}
	rf, rg := root.Child("f"), root.Child("d").Child("g")
	if rf.Link == 0 || rg.Link != rf.Link || rf.Source != rg.Source {
		t.Errorf("session tree: f %+v, d/g %+v", rf, rg)
	}
	// Renames keep the link; renaming one name onto the other does
	// nothing.
	if err := a.Rename(d.ID, "g", RootID, "h", 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Rename(RootID, "f", RootID, "h", 0); err != nil || !exists(a, RootID, "f") || !exists(a, RootID, "h") {
		t.Errorf("rename onto another name of the same file: %v", err)
	}
	if walk(t, a, "h").ID != f.ID || walk(t, a, "h").Nlink != 2 {
		t.Errorf("after rename: %+v", walk(t, a, "h"))
	}
	// The area comes back with both names.
	a.Close()
	a = open(t, dir, m)
	if walk(t, a, "h").ID != walk(t, a, "f").ID || walk(t, a, "f").Nlink != 2 {
		t.Errorf("after reopen: f %+v, h %+v", walk(t, a, "f"), walk(t, a, "h"))
	}
	// A commit keeps them, and a new area over the medium reads them
	// as one file.
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	b := open(t, t.TempDir(), m)
	if bf, bh := walk(t, b, "f"), walk(t, b, "h"); bf.ID != bh.ID || bf.Nlink != 2 || readFile(t, b, bh.ID) != "SHared" {
		t.Errorf("from the medium: f %+v, h %+v", bf, bh)
	}
	// Unlinking the first name keeps the file under the other.
	if err := a.Unlink(RootID, "f"); err != nil {
		t.Fatal(err)
	}
	if h := walk(t, a, "h"); h.Nlink != 1 || readFile(t, a, h.ID) != "SHared" {
		t.Errorf("after unlink of f: %+v", h)
	}
	// Renaming over one name of a linked file drops only that name.
	x := writeFile(t, a, RootID, "x", "x")
	if _, err := a.Link(x.ID, RootID, "y"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, RootID, "z", "z")
	before := walk(t, a, "x").Ctime
	time.Sleep(time.Millisecond)
	if err := a.Rename(RootID, "z", RootID, "y", 0); err != nil {
		t.Fatal(err)
	}
	if !walk(t, a, "x").Ctime.After(before) {
		t.Error("rename over y left x's change time")
	}
	if got := walk(t, a, "x"); got.ID != x.ID || got.Nlink != 1 || readFile(t, a, got.ID) != "x" || readFile(t, a, walk(t, a, "y").ID) != "z" {
		t.Errorf("after rename over y: x %+v", got)
	}
	a.Close()
	a = open(t, dir, m)
	if got := walk(t, a, "x"); got.ID != x.ID || got.Nlink != 1 {
		t.Errorf("after reopen: x %+v", got)
	}
}

func TestLinkUnnamed(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir, &fakeMedium{})
	at, h, err := a.CreateUnnamed(RootID, 0o600, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("tmp"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Link(at.ID, RootID, "named"); err != nil {
		t.Fatalf("Link of an unnamed file: %v", err)
	}
	h.Release()
	a.Close()
	a = open(t, dir, &fakeMedium{})
	if got := walk(t, a, "named"); got.ID != at.ID || got.Nlink != 1 || readFile(t, a, got.ID) != "tmp" {
		t.Errorf("named: %+v", got)
	}
}

func TestSpecialFiles(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	for _, c := range []struct {
		name string
		mode iofs.FileMode
		rdev uint64
	}{
		{"fifo", iofs.ModeNamedPipe, 0},
		{"sock", iofs.ModeSocket | 0o755, 0},
		{"cdev", iofs.ModeDevice | iofs.ModeCharDevice | 0o620, 1<<8 | 3},
		{"bdev", iofs.ModeDevice | 0o640 | iofs.ModeSetgid, 8<<8 | 1},
	} {
		at, err := a.Mknod(RootID, c.name, c.mode, c.rdev, 5, 6)
		if err != nil {
			t.Fatalf("Mknod %s: %v", c.name, err)
		}
		if at.Mode != c.mode || at.Rdev != c.rdev || at.UID != 5 || at.Size != 0 {
			t.Errorf("%s: %+v", c.name, at)
		}
	}
	if _, err := a.OpenFile(walk(t, a, "fifo").ID, false); err == nil {
		t.Error("opened a fifo as a file")
	}
	a.Close()
	a = open(t, dir, m)
	if at := walk(t, a, "cdev"); at.Rdev != 1<<8|3 || at.Mode != iofs.ModeDevice|iofs.ModeCharDevice|0o620 {
		t.Errorf("after reopen: %+v", at)
	}
	root, _, err := a.tree(false)
	if err != nil {
		t.Fatal(err)
	}
	if n := root.Child("bdev"); n.Mode != iofs.ModeDevice|0o640|iofs.ModeSetgid || n.Rdev != 8<<8|1 || n.Source != nil {
		t.Errorf("session tree: %+v", n)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	b := open(t, t.TempDir(), m)
	if at := walk(t, b, "bdev"); at.Rdev != 8<<8|1 || at.Mode.Type() != iofs.ModeDevice {
		t.Errorf("from the medium: %+v", at)
	}
}
