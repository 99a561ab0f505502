//go:build linux

package staging

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// smallFS mounts a tmpfs of the given size (as mount -o size= takes it)
// on a new folder and unmounts it when the test ends.
func smallFS(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		oracle.Unavailable(t, "mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// filler fills the area's file system with staged files until a write
// fails, which it must with ErrAreaFull (ENOSPC) and a message naming
// the area and its free space. It returns what it staged in full.
type filler struct {
	t     *testing.T
	a     *Area
	n     int
	files map[string][]byte // name in the root → content
}

func (f *filler) fill() {
	t := f.t
	t.Helper()
	chunk := bytes.Repeat([]byte{0}, 128<<10)
	for {
		f.n++
		name := fmt.Sprintf("fill%03d", f.n)
		data := append([]byte(name), chunk...)
		_, h, err := f.a.Create(RootID, name, 0o644, 0, 0)
		if err != nil {
			f.check(err)
			return
		}
		_, err = h.WriteAt(data, 0)
		h.Release()
		if err != nil {
			// The file that did not fit stays with what it got.
			f.check(err)
			f.fillJournal()
			return
		}
		f.files[name] = data
		if f.n > 1000 {
			t.Fatal("the small file system never filled up")
		}
	}
}

// fillJournal creates empty files until the journal's last block is
// full too: then no record fits without the reserve.
func (f *filler) fillJournal() {
	f.t.Helper()
	for i := 0; ; i++ {
		f.n++
		_, h, err := f.a.Create(RootID, fmt.Sprintf("empty%04d", f.n), 0o644, 0, 0)
		if err != nil {
			f.check(err)
			return
		}
		h.Release()
		if i > 100000 {
			f.t.Fatal("the journal never filled up")
		}
	}
}

func (f *filler) check(err error) {
	f.t.Helper()
	if !errors.Is(err, ErrAreaFull) || !errors.Is(err, syscall.ENOSPC) {
		f.t.Fatalf("a write on a full file system: %v, want ErrAreaFull and ENOSPC", err)
	}
	if msg := err.Error(); !strings.Contains(msg, f.a.Dir()) || !strings.Contains(msg, "free)") {
		f.t.Errorf("the error of a write that did not fit names neither the area nor its free space: %v", err)
	}
}

// verify checks that every file staged in full reads back whole.
func (f *filler) verify(what string) {
	f.t.Helper()
	for name, want := range f.files {
		at, err := f.a.Lookup(RootID, name)
		if err != nil {
			f.t.Errorf("%s: %s lost: %v", what, name, err)
			continue
		}
		if got := readFile(f.t, f.a, at.ID); got != string(want) {
			f.t.Errorf("%s: %s holds %d bytes, want %d", what, name, len(got), len(want))
		}
	}
}

// TestFullStagingFileSystem: with the staging area's file system full,
// deleting (rm, rm -rf), renaming, committing and discarding still
// work, and nothing staged is lost.
func TestFullStagingFileSystem(t *testing.T) {
	dir := filepath.Join(smallFS(t, "4m"), "area")
	m := &fakeMedium{}
	a := open(t, dir, m)
	// A tree to remove later, staged while there is room.
	tree, err := a.Mkdir(RootID, "tree", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var treeIDs []uint64
	for i := range 5 {
		sub, err := a.Mkdir(tree.ID, fmt.Sprintf("d%d", i), 0o755, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		treeIDs = append(treeIDs, sub.ID)
		for k := range 20 {
			writeFile(t, a, sub.ID, fmt.Sprintf("f%d", k), "small")
		}
	}
	f := &filler{t: t, a: a, files: map[string][]byte{}}

	f.fill()
	if err := a.Rename(RootID, "fill001", RootID, "renamed", 0); err != nil {
		t.Fatalf("rename on a full file system: %v", err)
	}
	f.files["renamed"] = f.files["fill001"]
	delete(f.files, "fill001")
	f.verify("after the rename")

	f.fill()
	for i, id := range treeIDs { // rm -rf tree
		for k := range 20 {
			if err := a.Unlink(id, fmt.Sprintf("f%d", k)); err != nil {
				t.Fatalf("rm -rf on a full file system: unlink: %v", err)
			}
		}
		if err := a.Rmdir(tree.ID, fmt.Sprintf("d%d", i)); err != nil {
			t.Fatalf("rm -rf on a full file system: rmdir: %v", err)
		}
	}
	if err := a.Rmdir(RootID, "tree"); err != nil {
		t.Fatalf("rm -rf on a full file system: rmdir: %v", err)
	}
	f.verify("after rm -rf")

	f.fill()
	if err := a.Unlink(RootID, "renamed"); err != nil {
		t.Fatalf("rm on a full file system: %v", err)
	}
	delete(f.files, "renamed")

	f.fill()
	if err := a.Commit(CommitOptions{VolumeID: "FULL"}); err != nil {
		t.Fatalf("commit on a full file system: %v", err)
	}
	f.verify("after the commit")
	if dataFiles(t, a) != 0 {
		t.Errorf("%d data files left after the commit", dataFiles(t, a))
	}

	f.fill()
	if err := a.Discard(); err != nil {
		t.Fatalf("discard on a full file system: %v", err)
	}
	if a.Status().Pending {
		t.Error("pending after discard")
	}
	// What was committed is still there, read from the medium; the
	// files staged after the commit are gone with the discard.
	committed := f.files
	f.files = map[string][]byte{}
	for name, data := range committed {
		if _, err := a.Lookup(RootID, name); err == nil {
			f.files[name] = data
		}
	}
	if len(f.files) == 0 {
		t.Fatal("no committed file after discard")
	}
	f.verify("after discard")

	// Reopen: the journal is whole.
	f.fill()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a = open(t, dir, m)
	f.a = a
	f.verify("after reopening on a full file system")
}
