//go:build linux

package conformance

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/internal/oracle"
	"golang.org/x/sys/unix"
)

// testControlFolderRefusesChanges: the control folder's files cannot be
// removed or renamed (EPERM) and the sessions are read-only (EROFS);
// ctl keeps working afterwards.
func testControlFolderRefusesChanges(t *testing.T, a Adapter) {
	f := mountNew(t, a)
	ctl := filepath.Join(f.mnt, core.ControlName)
	if err := os.WriteFile(filepath.Join(f.mnt, "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(f.mnt, "d"), 0o755)
	f.commitNow(t)

	s1 := filepath.Join(ctl, "sessions", "1")
	for _, c := range []struct {
		what  string
		err   error
		errno syscall.Errno
	}{
		{"rm ctl", os.Remove(filepath.Join(ctl, "ctl")), syscall.EPERM},
		{"rm status", os.Remove(filepath.Join(ctl, "status")), syscall.EPERM},
		{"rmdir sessions", syscall.Rmdir(filepath.Join(ctl, "sessions")), syscall.EPERM},
		{"rename ctl", os.Rename(filepath.Join(ctl, "ctl"), filepath.Join(ctl, "ctl2")), syscall.EPERM},
		{"rename status out", os.Rename(filepath.Join(ctl, "status"), filepath.Join(f.mnt, "status")), syscall.EPERM},
		{"create in control", os.WriteFile(filepath.Join(ctl, "new"), nil, 0o644), syscall.EPERM},
		{"mkdir in control", os.Mkdir(filepath.Join(ctl, "new"), 0o755), syscall.EPERM},
		{"chmod ctl", os.Chmod(filepath.Join(ctl, "ctl"), 0o666), syscall.EPERM},
		{"rm in session", os.Remove(filepath.Join(s1, "a.txt")), syscall.EROFS},
		{"rmdir in session", syscall.Rmdir(filepath.Join(s1, "d")), syscall.EROFS},
		{"rmdir session", syscall.Rmdir(s1), syscall.EROFS},
		{"mkdir in session", os.Mkdir(filepath.Join(s1, "new"), 0o755), syscall.EROFS},
		{"create in session", os.WriteFile(filepath.Join(s1, "new"), nil, 0o644), syscall.EROFS},
		{"symlink in session", os.Symlink("a.txt", filepath.Join(s1, "l")), syscall.EROFS},
		{"rename in session", os.Rename(filepath.Join(s1, "a.txt"), filepath.Join(s1, "b.txt")), syscall.EROFS},
		{"rename out of session", os.Rename(filepath.Join(s1, "a.txt"), filepath.Join(f.mnt, "b.txt")), syscall.EROFS},
		{"rename into session", os.Rename(filepath.Join(f.mnt, "a.txt"), filepath.Join(s1, "b.txt")), syscall.EROFS},
		{"link out of session", os.Link(filepath.Join(s1, "a.txt"), filepath.Join(f.mnt, "linked.txt")), syscall.EROFS},
		{"chmod in session", os.Chmod(filepath.Join(s1, "a.txt"), 0o600), syscall.EROFS},
		{"chmod sessions", os.Chmod(filepath.Join(ctl, "sessions"), 0o777), syscall.EROFS},
		{"chmod control folder", os.Chmod(ctl, 0o777), syscall.EPERM},
		{"write in session", os.WriteFile(filepath.Join(s1, "a.txt"), []byte("x"), 0o644), syscall.EROFS},
	} {
		if !errors.Is(c.err, c.errno) {
			t.Errorf("%s: %v, want %v", c.what, c.err, c.errno)
		}
	}
	for _, p := range []string{filepath.Join(ctl, "ctl"), filepath.Join(ctl, "status"), filepath.Join(s1, "a.txt"), filepath.Join(s1, "d")} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("after the refused changes: %v", err)
		}
	}
	// ctl still takes actions.
	if err := os.WriteFile(filepath.Join(f.mnt, "b.txt"), []byte("b"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.commitNow(t)
	if s := f.status(t); s.Sessions != 2 || s.Pending {
		t.Errorf("status after the second commit: %+v", s)
	}
}

// MakeTree writes a small tree of files, links and directories, the
// tree the end-to-end tests stage.
func MakeTree(t *testing.T, dir string) {
	t.Helper()
	files := map[string]int{
		"a.txt": 5, "empty": 0, "docs/readme.md": 3000, "docs/deep/er/file.bin": 70000,
		"photos/2024/p1.jpg": 300000, "photos/2024/p2.jpg": 2048, "photos/2025/p3.jpg": 4097,
	}
	for name, size := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, size)
		rand.Read(b)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("docs/readme.md", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "emptydir"), 0o700); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

var tocLine = regexp.MustCompile(`ISO session\s*:\s*(\d+)\s*,\s*(\d+)\s*,`)

// sessions returns the start LBA of each session xorriso lists.
func sessions(t *testing.T, img string) []uint32 {
	t.Helper()
	out := oracle.Run(t, "xorriso", "-indev", img, "-toc")
	var lbas []uint32
	for _, m := range tocLine.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.Atoi(m[2])
		lbas = append(lbas, uint32(v))
	}
	return lbas
}

// xorrisoCompare runs an xorriso comparison and fails on any difference
// but st_ctime: a status change time cannot be copied, so a file staged
// through the mount and its copy made for comparison may differ in it.
func xorrisoCompare(t *testing.T, what string, args ...string) {
	t.Helper()
	out, errOut, err := oracle.Try("xorriso", args...)
	all := out + errOut
	var diffs []string
	for _, l := range strings.Split(all, "\n") {
		if (strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "? ")) && !strings.Contains(l, ": st_ctime :") {
			diffs = append(diffs, l)
		}
	}
	if err != nil || len(diffs) > 0 || !strings.Contains(all, "Differences detected") && !strings.Contains(all, "Both file objects match") {
		t.Errorf("xorriso %s: %v; differences from %s:\n%s\n%s", strings.Join(args, " "), err, what, strings.Join(diffs, "\n"), all)
	}
}

// SyncTimes gives every entry of ref and its counterpart in mnt the
// same times, so that trees compare equal after a directory changed.
func SyncTimes(t *testing.T, ref, mnt string) {
	t.Helper()
	var paths []string
	filepath.Walk(ref, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	stamp := unix.NsecToTimespec(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC).UnixNano())
	ts := []unix.Timespec{stamp, stamp}
	for i := len(paths) - 1; i >= 0; i-- {
		rel, _ := filepath.Rel(ref, paths[i])
		for _, p := range []string{paths[i], filepath.Join(mnt, rel)} {
			if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				t.Fatalf("set times of %s: %v", p, err)
			}
		}
	}
}

// diff compares two trees with diff(1).
func diff(t *testing.T, what, want, got string) {
	t.Helper()
	if o, err := exec.Command("diff", "-r", "--no-dereference", want, got).CombinedOutput(); err != nil {
		t.Errorf("%s: %v\n%s", what, err, o)
	}
}

// testEndToEnd: a tree copied in and committed, changed and committed
// again; xorriso finds both sessions as they were, the sessions view
// serves them, discard drops what is staged, and a remount shows the
// same view.
func testEndToEnd(t *testing.T, a Adapter) {
	oracle.Need(t, "xorriso", "cp", "diff")
	work := t.TempDir()
	src1 := filepath.Join(work, "src1")
	MakeTree(t, src1)
	f := mountNew(t, a)
	img := f.img

	run(t, "cp", "-a", src1+"/.", f.mnt)
	f.commitNow(t)
	if got := sessions(t, img); len(got) != 1 || got[0] != 32 {
		t.Fatalf("sessions after commit 1: %v", got)
	}
	xorrisoCompare(t, src1, "-indev", img, "-compare_r", src1, "/")
	if s := f.status(t); s.Pending || s.StagedFiles != 0 {
		t.Errorf("status after commit: %+v", s)
	}

	// Second session: modify, delete, rename a disc directory; the same
	// changes are made to a copy of the source for comparison.
	src2 := filepath.Join(work, "src2")
	run(t, "cp", "-a", src1, src2)
	for _, root := range []string{f.mnt, src2} {
		if err := os.WriteFile(filepath.Join(root, "a.txt"), []byte("changed"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(root, "photos/2024/p2.jpg")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(root, "docs"), filepath.Join(root, "photos/documents")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "photos/new.txt"), []byte("new"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	SyncTimes(t, src2, f.mnt)
	if st := f.status(t); st.StagedFiles != 2 {
		t.Errorf("staged files = %d, want 2 (the renamed disc directory must not be copied)", st.StagedFiles)
	}
	f.commitNow(t)
	lbas := sessions(t, img)
	if len(lbas) != 2 {
		t.Fatalf("sessions after commit 2: %v", lbas)
	}
	xorrisoCompare(t, src1, "-load", "sbsector", strconv.Itoa(int(lbas[0])), "-indev", img, "-compare_r", src1, "/")
	xorrisoCompare(t, src2, "-load", "sbsector", strconv.Itoa(int(lbas[1])), "-indev", img, "-compare_r", src2, "/")
	xorrisoCompare(t, src2, "-indev", img, "-compare_r", src2, "/")
	// The control folder serves both sessions read-only; the view itself
	// equals the newest one.
	for i, src := range []string{src1, src2} {
		diff(t, "sessions/"+strconv.Itoa(i+1)+" differs from the source", src, filepath.Join(f.mnt, core.ControlName, "sessions", strconv.Itoa(i+1)))
	}
	diff(t, "the mount differs from the source", src2, f.mnt)
	if err := os.WriteFile(filepath.Join(f.mnt, core.ControlName, "sessions/1/a.txt"), []byte("x"), 0); err == nil {
		t.Error("an old session was writable")
	}
	// Nothing staged: a commit is refused with ENODATA and the reason.
	if err := f.ctl("commit"); !errors.Is(err, syscall.ENODATA) {
		t.Errorf("commit with nothing staged: %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(f.mnt, core.ControlName, "status"))
	if !bytes.Contains(b, []byte("nothing staged")) {
		t.Errorf("status does not tell why:\n%s", b)
	}
	// Discard drops what is staged: the view is the newest session again.
	if err := os.WriteFile(filepath.Join(f.mnt, "photos/documents/readme.md"), []byte("scratch"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.mnt, "scratch.txt"), []byte("scratch"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.ctl("discard"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.mnt, "scratch.txt")); !os.IsNotExist(err) {
		t.Errorf("a discarded file is still there: %v", err)
	}
	diff(t, "after discard the mount differs from the newest session", src2, f.mnt)
	// A remount shows the same view.
	f.unmount(t)
	f.mount(t)
	diff(t, "after remount the mount differs", src2, f.mnt)
}

// testRemovedWhileOpen: a file removed while open leaves the view at
// once (under no other name, such as the ".fuse_hidden" one libfuse
// gives it), still reads through its descriptor with a link count of 0,
// and no commit takes it.
func testRemovedWhileOpen(t *testing.T, a Adapter) {
	f := mountNew(t, a)
	for name, data := range map[string]string{"keep.txt": "keep", "gone.txt": "gone"} {
		if err := os.WriteFile(filepath.Join(f.mnt, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fd, err := os.Open(filepath.Join(f.mnt, "gone.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	if err := os.Remove(filepath.Join(f.mnt, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	names := func(dir string) string {
		t.Helper()
		des, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range des {
			out = append(out, d.Name())
		}
		return strings.Join(out, " ")
	}
	if got := names(f.mnt); got != "keep.txt" {
		t.Errorf("the view lists %q after the removal, want keep.txt", got)
	}
	if fi, err := fd.Stat(); err != nil || fi.Sys().(*syscall.Stat_t).Nlink != 0 {
		t.Errorf("fstat of the removed file: %v, %v", fi, err)
	}
	b := make([]byte, 8)
	if n, _ := fd.ReadAt(b, 0); string(b[:n]) != "gone" {
		t.Errorf("the removed file reads %q", b[:n])
	}
	f.commitNow(t)
	if got := names(filepath.Join(f.mnt, core.ControlName, "sessions", "1")); got != "keep.txt" {
		t.Errorf("the session holds %q, want keep.txt", got)
	}
	fd.Close()
	if got := names(f.mnt); got != "keep.txt" {
		t.Errorf("the view lists %q after the close, want keep.txt", got)
	}
}
