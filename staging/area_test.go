package staging

import (
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

func open(t *testing.T, dir string, m Medium) *Area {
	t.Helper()
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	// What Open left running has ended: the test may change the fake
	// medium from here on.
	a.mu.Lock()
	err = a.settle()
	a.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// walk resolves a slash-separated path in the merged view.
func walk(t *testing.T, a *Area, path string) Attr {
	t.Helper()
	at, err := a.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if p == "" {
			continue
		}
		if at, err = a.Lookup(at.ID, p); err != nil {
			t.Fatalf("lookup %q: %v", path, err)
		}
	}
	return at
}

func exists(a *Area, parent uint64, name string) bool {
	_, err := a.Lookup(parent, name)
	return err == nil
}

func writeFile(t *testing.T, a *Area, parent uint64, name, content string) Attr {
	t.Helper()
	at, h, err := a.Create(parent, name, 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte(content), 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	return at
}

func readFile(t *testing.T, a *Area, id uint64) string {
	t.Helper()
	h, err := a.OpenFile(id, false)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	at := h.Attr()
	b := make([]byte, at.Size)
	n, err := h.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return string(b[:n])
}

// dataNames lists a's data folder, the pool's files included.
func dataNames(t *testing.T, a *Area) []string {
	t.Helper()
	names, err := a.dataNames()
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// dataFiles counts a's data files, the pool's left out. The folder is
// listed first: a file the pool makes after it is not in the list, where
// one made between asking the pool and listing would be counted.
func dataFiles(t *testing.T, a *Area) int {
	t.Helper()
	names := dataNames(t, a)
	held := map[string]bool{}
	a.pool.markHeld(held)
	n := 0
	for _, name := range names {
		if !held[name] {
			n++
		}
	}
	return n
}

// populate stages a small tree and commits it as session 1.
func populate(t *testing.T, a *Area) {
	t.Helper()
	d, err := a.Mkdir(RootID, "docs", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, d.ID, "a.txt", "alpha")
	writeFile(t, a, d.ID, "b.txt", strings.Repeat("b", 5000))
	sub, err := a.Mkdir(d.ID, "sub", 0o700, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, sub.ID, "c.txt", "gamma")
	writeFile(t, a, RootID, "top.txt", "top")
	if err := a.Commit(CommitOptions{VolumeID: "T"}); err != nil {
		t.Fatal(err)
	}
}

func TestPersistAcrossReopen(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Mkdir(RootID, "dir", 0o750, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, d.ID, "f", "hello")
	if _, err := a.Symlink(d.ID, "ln", "f", 0, 0); err != nil {
		t.Fatal(err)
	}
	mode := iofs.FileMode(0o600)
	mt := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	f := walk(t, a, "dir/f")
	if _, err := a.Setattr(f.ID, SetAttr{Mode: &mode, Mtime: &mt}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := open(t, dir, m)
	if got := readFile(t, b, walk(t, b, "dir/f").ID); got != "hello" {
		t.Errorf("content after reopen = %q", got)
	}
	at := walk(t, b, "dir/f")
	if at.Mode != 0o600 || !at.Mtime.Equal(mt) || !at.Staged {
		t.Errorf("attributes after reopen: %+v", at)
	}
	if dd := walk(t, b, "dir"); dd.Mode != iofs.ModeDir|0o750 || dd.UID != 1 || dd.GID != 2 {
		t.Errorf("dir after reopen: %+v", dd)
	}
	if tg, err := b.Readlink(walk(t, b, "dir/ln").ID); err != nil || tg != "f" {
		t.Errorf("readlink = %q, %v", tg, err)
	}
	if s := b.Status(); !s.Pending || s.StagedFiles != 1 || s.StagedBytes != 5 {
		t.Errorf("status after reopen: %+v", s)
	}
}

func TestWhiteoutsAndMergedReaddir(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	populate(t, a)
	docs := walk(t, a, "docs")
	if err := a.Unlink(docs.ID, "a.txt"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, docs.ID, "new.txt", "new")
	if err := a.Rmdir(docs.ID, "sub"); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("rmdir of a non-empty disc directory: %v, want ErrNotEmpty", err)
	}
	if err := a.Unlink(docs.ID, "sub"); !errors.Is(err, ErrIsDir) {
		t.Errorf("unlink of a directory: %v, want ErrIsDir", err)
	}
	a.Close()
	b := open(t, dir, m)
	docs = walk(t, b, "docs")
	des, err := b.ReadDir(docs.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name)
	}
	if got := strings.Join(names, ","); got != "b.txt,new.txt,sub" {
		t.Errorf("merged listing = %s", got)
	}
	if _, err := b.Lookup(docs.ID, "a.txt"); !errors.Is(err, ErrNotExist) {
		t.Errorf("deleted disc file: %v", err)
	}
	if err := b.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	root, _, _ := m.Newest()
	if root.Lookup("/docs/a.txt") != nil || root.Lookup("/docs/new.txt") == nil {
		t.Error("session 2 does not reflect the deletion and the new file")
	}
}

func TestRenameDiscDirectoryCopiesNothing(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	old := must(m.Newest()).Lookup("/docs/b.txt").Extents
	docs := walk(t, a, "docs")
	other, err := a.Mkdir(RootID, "other", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Rename(RootID, "docs", other.ID, "moved", 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Rename(RootID, "docs", other.ID, "again", 0); !errors.Is(err, ErrNotExist) {
		t.Errorf("renaming the old name again: %v", err)
	}
	if at := walk(t, a, "other/moved"); at.ID != docs.ID {
		t.Error("a renamed directory changed its ID")
	}
	moved := walk(t, a, "other/moved")
	if err := a.Rename(other.ID, "moved", moved.ID, "inside", 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("moving a directory into itself: %v, want ErrInvalid", err)
	}
	if at := walk(t, a, "other/moved/b.txt"); at.Staged {
		t.Error("a file of a renamed disc directory was copied")
	}
	if n := dataFiles(t, a); n != 0 {
		t.Errorf("%d data files after renaming a disc directory", n)
	}
	if got := readFile(t, a, walk(t, a, "other/moved/sub/c.txt").ID); got != "gamma" {
		t.Errorf("read through renamed directory = %q", got)
	}
	// Rename a disc file over another one.
	if err := a.Rename(moved.ID, "a.txt", RootID, "top.txt", 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Rename(RootID, "top.txt", RootID, "other", RenameNoReplace); !errors.Is(err, ErrExist) {
		t.Errorf("rename with no-replace over an entry: %v", err)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	root := must(m.Newest())
	if n := root.Lookup("/other/moved/b.txt"); n == nil || n.Extents[0] != old[0] {
		t.Errorf("renamed file in session 2: %+v, want extents %v", n, old)
	}
	if n := root.Lookup("/top.txt"); n == nil || n.Size != 5 {
		t.Errorf("file renamed over top.txt: %+v", n)
	}
	if root.Lookup("/docs") != nil {
		t.Error("old directory name still in session 2")
	}
}

func must(root *tree.Node, _ uint32, err error) *tree.Node {
	if err != nil {
		panic(err)
	}
	return root
}

func TestCommitDropsWhatItWrote(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	s := a.Status()
	if s.Pending || s.StagedFiles != 0 || s.StagedBytes != 0 || s.ProjectedSectors != 0 || s.Commits != 1 || s.LastError != "" {
		t.Errorf("status after commit: %+v", s)
	}
	if n := dataFiles(t, a); n != 0 {
		t.Errorf("%d data files left after the commit", n)
	}
	if err := a.StartCommit(CommitOptions{}); !errors.Is(err, ErrNothingStaged) {
		t.Errorf("commit with nothing staged: %v", err)
	}
	if at := walk(t, a, "docs/b.txt"); at.Staged || at.Size != 5000 {
		t.Errorf("committed file: %+v", at)
	}
	if got := readFile(t, a, walk(t, a, "docs/b.txt").ID); got != strings.Repeat("b", 5000) {
		t.Error("committed file reads wrong from the medium")
	}
	// Reopen: the area comes back clean over session 1.
	a.Close()
	b := open(t, dir, m)
	if s := b.Status(); s.Pending {
		t.Errorf("status after reopen: %+v", s)
	}
}

func TestCopyUpOnWriteAndTruncate(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	b := walk(t, a, "docs/b.txt")
	h, err := a.OpenFile(b.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if at := h.Attr(); at.Staged {
		t.Error("opening a disc file copied it")
	}
	if _, err := h.WriteAt([]byte("XY"), 4998); err != nil {
		t.Fatal(err)
	}
	h.Release()
	want := strings.Repeat("b", 4998) + "XY"
	if got := readFile(t, a, b.ID); got != want {
		t.Errorf("after copy-up write: %d bytes, tail %q", len(got), got[len(got)-4:])
	}
	c := walk(t, a, "docs/sub/c.txt")
	sz := int64(2)
	if _, err := a.Setattr(c.ID, SetAttr{Size: &sz}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, a, c.ID); got != "ga" {
		t.Errorf("after truncate = %q", got)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	root := must(m.Newest())
	if n := root.Lookup("/docs/sub/c.txt"); n.Size != 2 {
		t.Errorf("truncated file in session 2 has %d bytes", n.Size)
	}
}

func TestFailedCommitKeepsEverything(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	writeFile(t, a, RootID, "f", "data")
	m.failNext = errors.New("drive on fire")
	if err := a.Commit(CommitOptions{}); err == nil || !strings.Contains(err.Error(), "drive on fire") {
		t.Fatalf("commit error = %v", err)
	}
	s := a.Status()
	if !s.Pending || s.StagedFiles != 1 || !strings.Contains(s.LastError, "drive on fire") {
		t.Errorf("status after failed commit: %+v", s)
	}
	if len(m.sessions) != 0 {
		t.Error("failed commit left a session")
	}
	a.Close()
	b := open(t, dir, m)
	if got := readFile(t, b, walk(t, b, "f").ID); got != "data" {
		t.Errorf("after failed commit and reopen: %q", got)
	}
	if err := b.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := b.Status(); s.Pending || s.LastError != "" {
		t.Errorf("status after retry: %+v", s)
	}
}

func TestCommitRefusals(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{capacity: 100}
	a := open(t, dir, m)
	at, h, err := a.Create(RootID, "big", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.WriteAt(make([]byte, 200*tree.SectorSize), 0)
	h.Release()
	if err := a.StartCommit(CommitOptions{}); !errors.Is(err, ErrNoSpace) {
		t.Errorf("oversized commit: %v", err)
	}
	if s := a.Status(); !strings.Contains(s.LastError, "sectors") {
		t.Errorf("status after refusal: %+v", s)
	}
	total, free, err := a.Space()
	if err != nil || total != 100 || free != 0 {
		t.Errorf("space = %d, %d, %v", total, free, err)
	}
	sz := int64(10)
	a.Setattr(at.ID, SetAttr{Size: &sz})
	// Close the medium; a file written during that commit stays staged
	// but can never be committed, and the view turns read-only.
	startHeld(t, a, m, CommitOptions{Close: true})
	writeFile(t, a, RootID, "more", "x")
	close(m.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := a.StartCommit(CommitOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("commit on a closed medium: %v", err)
	}
	if _, _, err := a.Create(RootID, "late", 0o644, 0, 0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("create on a closed medium: %v", err)
	}
	if err := a.Unlink(RootID, "big"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("unlink on a closed medium: %v", err)
	}
	a.Close()
	b := open(t, dir, m)
	if _, err := b.Mkdir(RootID, "d", 0o755, 0, 0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("mkdir on a closed medium after reopen: %v", err)
	}
}

func TestNamesADiscCannotHold(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	long := strings.Repeat("n", 256)
	if _, _, err := a.Create(RootID, long, 0o644, 0, 0); !errors.Is(err, ErrNameTooLong) {
		t.Errorf("256-byte name: %v", err)
	}
	if _, err := a.Lookup(RootID, long); !errors.Is(err, ErrNameTooLong) {
		t.Errorf("lookup of 256-byte name: %v", err)
	}
	if _, err := a.Mkdir(RootID, strings.Repeat("n", 255), 0o755, 0, 0); err != nil {
		t.Errorf("255-byte name: %v", err)
	}
	writeFile(t, a, RootID, "f", "x")
	if _, err := a.Mknod(RootID, "reg", 0o644, 0, 0, 0); !errors.Is(err, ErrNotSupported) {
		t.Errorf("mknod of a regular file: %v", err)
	}
	if _, err := a.Mkdir(RootID, "f", 0o755, 0, 0); !errors.Is(err, ErrExist) {
		t.Errorf("mkdir over a file: %v", err)
	}
}

func TestChangesDuringCommitLandInNextSession(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	f := writeFile(t, a, RootID, "f", "first")
	writeFile(t, a, RootID, "gone", "g")
	m.block, m.entered = make(chan struct{}), make(chan struct{})
	h, err := a.OpenFile(f.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	// f is open for writing: the commit takes it as it is.
	if err := a.StartCommit(CommitOptions{Now: true}); err != nil {
		t.Fatal(err)
	}
	<-m.entered
	if err := a.StartCommit(CommitOptions{}); !errors.Is(err, ErrBusy) {
		t.Errorf("second commit: %v", err)
	}
	if err := a.Discard(); !errors.Is(err, ErrBusy) {
		t.Errorf("discard during commit: %v", err)
	}
	if _, err := h.WriteAt([]byte("SECOND"), 0); err != nil {
		t.Fatal(err)
	}
	h.Release()
	writeFile(t, a, RootID, "late", "late")
	if err := a.Unlink(RootID, "gone"); err != nil {
		t.Fatal(err)
	}
	close(m.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	m.block, m.entered = nil, nil
	root := must(m.Newest())
	if n := root.Lookup("/f"); n == nil || n.Size != 5 || string(m.data[n.Extents[0].LBA*2048:][:5]) != "first" {
		t.Errorf("session 1 file f: %+v", n)
	}
	if root.Lookup("/late") != nil || root.Lookup("/gone") == nil {
		t.Error("session 1 holds changes made during its commit")
	}
	s := a.Status()
	if !s.Pending || s.StagedFiles != 2 {
		t.Errorf("status after commit: %+v", s)
	}
	if got := readFile(t, a, f.ID); got != "SECOND" {
		t.Errorf("f after the commit = %q", got)
	}
	a.Close()
	b := open(t, dir, m)
	if err := b.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	root = must(m.Newest())
	if n := root.Lookup("/f"); n == nil || n.Size != 6 {
		t.Errorf("session 2 file f: %+v", n)
	}
	if root.Lookup("/late") == nil || root.Lookup("/gone") != nil {
		t.Error("session 2 misses changes made during the first commit")
	}
	if n := dataFiles(t, b); n != 0 {
		t.Errorf("%d data files left", n)
	}
}

func TestDiscard(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	writeFile(t, a, RootID, "x", "x")
	if err := a.Unlink(RootID, "top.txt"); err != nil {
		t.Fatal(err)
	}
	if err := a.Discard(); err != nil {
		t.Fatal(err)
	}
	if exists(a, RootID, "x") || !exists(a, RootID, "top.txt") {
		t.Error("discard did not restore the newest session")
	}
	if s := a.Status(); s.Pending || dataFiles(t, a) != 0 {
		t.Errorf("after discard: %+v", s)
	}
}

func TestPinnedFileIsCopiedAtCommit(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	at, h, err := a.Create(RootID, "p", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := h.Pin()
	if !ok {
		t.Fatal("a new staged file cannot be pinned")
	}
	f.WriteAt([]byte("one"), 0)
	startHeld(t, a, m, CommitOptions{Now: true})
	f.WriteAt([]byte("TWO"), 0) // straight to the data file, as passthrough writes go
	close(m.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	m.block, m.entered = nil, nil
	n := must(m.Newest()).Lookup("/p")
	if n == nil || string(m.data[n.Extents[0].LBA*2048:][:3]) != "one" {
		t.Errorf("session 1 holds %+v, want the bytes of the snapshot", n)
	}
	if s := a.Status(); !s.Pending || s.StagedFiles != 1 {
		t.Errorf("a file pinned during the commit must stay staged: %+v", s)
	}
	if got := readFile(t, a, at.ID); got != "TWO" {
		t.Errorf("view = %q", got)
	}
	h.Release()
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	n = must(m.Newest()).Lookup("/p")
	if string(m.data[n.Extents[0].LBA*2048:][:3]) != "TWO" {
		t.Error("session 2 misses the write made during commit 1")
	}
	if c := dataFiles(t, a); c != 0 {
		t.Errorf("%d data files left", c)
	}
}

// copyDir copies an area's files as a crash would leave them.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi iofs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCrashDuringCommit reopens the state a process killed during a
// commit leaves behind: once after the session landed, once after it
// failed.
func TestCrashDuringCommit(t *testing.T) {
	for _, landed := range []bool{true, false} {
		t.Run(fmt.Sprintf("landed=%v", landed), func(t *testing.T) {
			dir, crashed, m := t.TempDir(), t.TempDir(), &fakeMedium{}
			a := open(t, dir, m)
			populate(t, a)
			writeFile(t, a, RootID, "second", "two")
			m.block, m.entered = make(chan struct{}), make(chan struct{})
			if !landed {
				m.failNext = errors.New("power cut")
			}
			if err := a.StartCommit(CommitOptions{}); err != nil {
				t.Fatal(err)
			}
			<-m.entered
			copyDir(t, dir, crashed) // the process dies here
			close(m.block)
			a.Wait()
			a.Close()
			m.block, m.entered = nil, nil

			b := open(t, crashed, m)
			s := b.Status()
			if landed {
				if s.Pending || s.StagedFiles != 0 || dataFiles(t, b) != 0 {
					t.Errorf("after a landed commit: %+v, %d data files", s, dataFiles(t, b))
				}
				if at := walk(t, b, "second"); at.Staged {
					t.Error("the committed file is still staged")
				}
			} else if !s.Pending || s.StagedFiles != 1 || b.Resumed() != notWritten {
				t.Errorf("after a failed commit: %+v, told %q", s, b.Resumed())
			}
			if got := readFile(t, b, walk(t, b, "second").ID); got != "two" {
				t.Errorf("second = %q", got)
			}
			if !landed {
				if err := b.Commit(CommitOptions{}); err != nil {
					t.Fatal(err)
				}
				if n := must(m.Newest()).Lookup("/second"); n == nil || n.Size != 3 {
					t.Errorf("retried commit: %+v", n)
				}
			}
		})
	}
}

func TestDirectoryLinkCount(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a, err := Open(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.Mkdir(RootID, "d", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		if _, err := a.Mkdir(d.ID, n, 0o755, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, a, d.ID, "f", "x")
	nlink := func(a *Area, path string) uint32 { return walk(t, a, path).Nlink }
	if n := nlink(a, "d"); n != 5 {
		t.Errorf("d with 3 subdirectories: nlink %d", n)
	}
	if err := a.Rename(d.ID, "a", RootID, "a", 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Rename(d.ID, "b", d.ID, "c", 0); err != nil {
		t.Fatal(err)
	}
	if n, r := nlink(a, "d"), nlink(a, ""); n != 3 || r != 4 {
		t.Errorf("after renames: d nlink %d, root nlink %d", n, r)
	}
	if err := a.Rmdir(d.ID, "c"); err != nil {
		t.Fatal(err)
	}
	if n := nlink(a, "d"); n != 2 {
		t.Errorf("after rmdir: d nlink %d", n)
	}
	a.Close()
	b := open(t, dir, m)
	if n, r := nlink(b, "d"), nlink(b, ""); n != 2 || r != 4 {
		t.Errorf("after reopen: d nlink %d, root nlink %d", n, r)
	}
}

// TestEachCommitKeepsItsOwnOutcome: a commit refused because another
// runs is that caller's outcome only; the running commit's stays its
// own, and the area's last error is not the refusal's.
func TestEachCommitKeepsItsOwnOutcome(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	writeFile(t, a, RootID, "f", "first")
	startHeld(t, a, m, CommitOptions{ID: "one"})
	if err := a.StartCommit(CommitOptions{ID: "two"}); !errors.Is(err, ErrBusy) {
		t.Errorf("second commit: %v", err)
	}
	find := func(id string) Outcome {
		for _, o := range a.Status().Outcomes {
			if o.ID == id {
				return o
			}
		}
		t.Fatalf("no outcome %q in %+v", id, a.Status().Outcomes)
		return Outcome{}
	}
	if o := find("one"); o.State != OutcomeRunning {
		t.Errorf("running commit: %+v", o)
	}
	if o := find("two"); o.State != OutcomeRefused || !strings.Contains(o.Error, "already running") ||
		strings.Count(o.Error, "staging:") > 1 {
		t.Errorf("refused commit (its error names its package once): %+v", o)
	}
	if s := a.Status(); s.LastError != "" {
		t.Errorf("last error during the commit: %q", s.LastError)
	}
	close(m.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if o := find("one"); o.State != OutcomeDone || o.Error != "" || o.Session != 1 {
		t.Errorf("finished commit: %+v", o)
	}
	if s := a.Status(); s.LastError != "" {
		t.Errorf("last error after the commit: %q", s.LastError)
	}
}

// openWhileHeld opens the area in dir over m while something Open does
// not wait for (what) is held back until gate closes: Open must return
// meanwhile. On failure the gate is closed and nil returned.
func openWhileHeld(t *testing.T, dir string, m Medium, gate chan struct{}, what string) *Area {
	t.Helper()
	opened := make(chan *Area)
	go func() {
		b, err := Open(dir, m)
		if err != nil {
			t.Error(err)
		}
		opened <- b
	}()
	select {
	case b := <-opened:
		if b == nil {
			close(gate)
		}
		return b
	case <-time.After(time.Minute):
		close(gate)
		t.Fatalf("Open waits for %s", what)
		return nil
	}
}

// waitsFor runs op, which must not return before gate closes (what is
// held back until then); it closes the gate and returns op's error.
func waitsFor(t *testing.T, gate chan struct{}, what string, op func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- op() }()
	select {
	case err := <-done:
		t.Errorf("the change did not wait for %s: %v", what, err)
	case <-time.After(100 * time.Millisecond):
	}
	close(gate)
	return <-done
}

// TestOpenDoesNotWaitForTheProbe opens an area while the medium's probe
// (on a grown image, a read of every session's tree) has not answered:
// Open returns and the tree reads, the first change waits for the
// answer and, the medium being closed, is refused.
func TestOpenDoesNotWaitForTheProbe(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	commitOne(t, dir, m, "f", CommitOptions{Close: true}).Close()

	gate := make(chan struct{})
	m.mu.Lock()
	m.infoGate = gate
	m.mu.Unlock()
	b := openWhileHeld(t, dir, m, gate, "the medium's probe")
	if b == nil {
		return
	}
	defer b.Close()
	if _, err := b.Lookup(RootID, "f"); err != nil {
		t.Errorf("lookup while the probe runs: %v", err)
	}
	err := waitsFor(t, gate, "the probe", func() error {
		_, err := b.Mkdir(RootID, "d", 0o755, 0, 0)
		return err
	})
	if !errors.Is(err, ErrReadOnly) {
		t.Errorf("mkdir on a closed medium, after the probe: %v", err)
	}
}

// TestOpenDoesNotWaitForTheFirstSnapshot opens a new area over a medium
// with a session while the area's first snapshot (a disc of a million
// files: 126 MB) is held back: Open returns and the view reads, the
// journal holds nothing yet, so that an area left so opens from the
// medium again; the first change waits for the snapshot and is then
// recorded after it.
func TestOpenDoesNotWaitForTheFirstSnapshot(t *testing.T) {
	m := &fakeMedium{}
	commitOne(t, t.TempDir(), m, "f", CommitOptions{}).Close()

	gate, held := make(chan struct{}), make(chan struct{})
	var snapshots atomic.Int32
	firstSnapshotHook = func() {
		if snapshots.Add(1) == 1 { // this area's; the copy's below goes on
			close(held)
			<-gate
		}
	}
	defer func() { firstSnapshotHook = nil }()
	dir := t.TempDir()
	b := openWhileHeld(t, dir, m, gate, "the first snapshot")
	if b == nil {
		return
	}
	<-held
	if _, err := b.Lookup(RootID, "f"); err != nil {
		t.Errorf("lookup while the first snapshot is written: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dir, "state.journal")); err != nil || st.Size() != 0 {
		t.Errorf("journal before the first snapshot: %v, %v; want empty", st, err)
	}
	// An area left in this state (its process killed) opens from the
	// medium again.
	left := t.TempDir()
	if err := os.CopyFS(filepath.Join(left, "area"), os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	c := open(t, filepath.Join(left, "area"), m)
	if _, err := c.Lookup(RootID, "f"); err != nil {
		t.Errorf("an area left before its first snapshot, opened again: %v", err)
	}
	c.Close()

	err := waitsFor(t, gate, "the first snapshot", func() error {
		_, err := b.Mkdir(RootID, "d", 0o755, 0, 0)
		return err
	})
	if err != nil {
		t.Fatalf("mkdir after the first snapshot: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	r := open(t, dir, m)
	for _, name := range []string{"f", "d"} {
		if _, err := r.Lookup(RootID, name); err != nil {
			t.Errorf("reopened: %s: %v", name, err)
		}
	}
}

// Times set on files while a commit writes them are not lost when it
// ends: the files go to the medium, their new times wait for the next
// session. One staged file is frozen, one used directly by a handle
// (committed from a copy), one a disc file whose bytes the area keeps
// (written again).
func TestTimesSetDuringCommitLandInNextSession(t *testing.T) {
	m := inlineMedium()
	a := open(t, t.TempDir(), m)
	frozen := writeFile(t, a, RootID, "frozen", "frozen")
	pinned := writeFile(t, a, RootID, "pinned", "pinned")
	inline := walk(t, a, "small.txt")
	h, err := a.OpenFile(pinned.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Pin(); !ok {
		t.Fatal("cannot pin")
	}
	startHeld(t, a, m, CommitOptions{})
	past := time.Date(1999, 12, 31, 23, 59, 58, 0, time.UTC)
	for _, id := range []uint64{frozen.ID, pinned.ID, inline.ID} {
		if _, err := a.Setattr(id, SetAttr{Mtime: &past, Atime: &past}); err != nil {
			t.Fatal(err)
		}
	}
	close(m.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	m.block, m.entered = nil, nil
	h.Release()
	names := []string{"frozen", "pinned", "small.txt"}
	root := must(m.Newest())
	for _, name := range names {
		if n := root.Lookup("/" + name); n == nil || n.ModTime.Equal(past) {
			t.Fatalf("the session has %s with the times set after it started: %+v", name, n)
		}
		if at := walk(t, a, name); !at.Mtime.Equal(past) || !at.Atime.Equal(past) {
			t.Errorf("%s after the commit: mtime %v, atime %v; want %v", name, at.Mtime, at.Atime, past)
		}
	}
	if s := a.Status(); !s.Pending {
		t.Errorf("the new times do not wait for a commit: %+v", s)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	root = must(m.Newest())
	for _, name := range names {
		if n := root.Lookup("/" + name); n == nil || !n.ModTime.Equal(past) {
			t.Errorf("the next session has %s: %+v", name, n)
		}
	}
}

// TestTimesSetDuringCommitSurviveACrash: times set while a commit runs
// are kept through a crash after the session landed: reopening finishes
// the commit from the journal and keeps them, as the running process
// would have, also when the journal was compacted during the commit; a
// second commit cut short then gives its files the session's times.
func TestTimesSetDuringCommitSurviveACrash(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			m := inlineMedium()
			dir, crashed := t.TempDir(), t.TempDir()
			a := open(t, dir, m)
			writeFile(t, a, RootID, "frozen", "frozen")
			writeFile(t, a, RootID, "kept", "kept")
			walk(t, a, "small.txt")
			startHeld(t, a, m, CommitOptions{})
			past := time.Date(1999, 12, 31, 23, 59, 58, 0, time.UTC)
			for _, name := range []string{"frozen", "small.txt"} {
				if _, err := a.Setattr(walk(t, a, name).ID, SetAttr{Mtime: &past, Atime: &past}); err != nil {
					t.Fatal(err)
				}
			}
			if compact {
				a.mu.Lock()
				err := a.compact()
				a.mu.Unlock()
				if err != nil {
					t.Fatal(err)
				}
			}
			copyDir(t, dir, crashed) // the process dies here
			close(m.block)
			if err := a.Wait(); err != nil {
				t.Fatal(err)
			}
			a.Close()
			m.block, m.entered = nil, nil

			b := open(t, crashed, m)
			for _, name := range []string{"frozen", "small.txt"} {
				if at := walk(t, b, name); !at.Mtime.Equal(past) || !at.Atime.Equal(past) {
					t.Errorf("%s after the crash: mtime %v, atime %v; want %v", name, at.Mtime, at.Atime, past)
				}
			}
			if at, n := walk(t, b, "kept"), must(m.Newest()).Lookup("/kept"); at.Staged || !at.Mtime.Equal(n.ModTime) {
				t.Errorf("kept after the crash: %+v; the session has %v", at, n.ModTime)
			}
			if s := b.Status(); !s.Pending {
				t.Errorf("the new times do not wait for a commit: %+v", s)
			}

			// The next commit writes them; cut short after it lands,
			// its files take the session's times, the flag gone.
			dir2 := t.TempDir()
			startHeld(t, b, m, CommitOptions{})
			copyDir(t, crashed, dir2)
			close(m.block)
			if err := b.Wait(); err != nil {
				t.Fatal(err)
			}
			b.Close()
			m.block, m.entered = nil, nil
			c := open(t, dir2, m)
			root := must(m.Newest())
			for _, name := range []string{"frozen", "small.txt"} {
				n := root.Lookup("/" + name)
				if n == nil || !n.ModTime.Equal(past) {
					t.Fatalf("the next session has %s: %+v", name, n)
				}
				if at := walk(t, c, name); at.Staged || !at.Mtime.Equal(n.ModTime) {
					t.Errorf("%s after the second crash: %+v; the session has %v", name, at, n.ModTime)
				}
				id := walk(t, c, name).ID
				c.mu.Lock()
				retimed := c.entries.get(id).st().retimed
				c.mu.Unlock()
				if retimed {
					t.Errorf("%s is still marked as retimed", name)
				}
			}
			if s := c.Status(); s.Pending {
				t.Errorf("after the second commit: %+v", s)
			}
		})
	}
}

// TestOutcomeCarriesTheClassifiersCode: a commit that fails while it
// writes, and one refused at once, have in their outcomes the number
// the area's classifier gives their errors, for the process that asked
// for them; without a classifier, none.
func TestOutcomeCarriesTheClassifiersCode(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	full := errors.New("no space left on device")
	a.SetClassifier(func(err error) int {
		switch {
		case errors.Is(err, full):
			return 5
		case errors.Is(err, ErrNothingStaged):
			return 7
		}
		return 1
	})
	writeFile(t, a, RootID, "f", "data")
	m.failNext = fmt.Errorf("writer: write session: %w", full)
	if err := a.Commit(CommitOptions{ID: "full"}); !errors.Is(err, full) {
		t.Fatalf("commit: %v", err)
	}
	if err := a.Commit(CommitOptions{ID: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(CommitOptions{ID: "empty"}); !errors.Is(err, ErrNothingStaged) {
		t.Fatalf("commit of nothing: %v", err)
	}
	want := map[string]int{"full": 5, "ok": 0, "empty": 7}
	for _, o := range a.Status().Outcomes {
		if c, ok := want[o.ID]; ok && o.Code != c {
			t.Errorf("outcome %s (%s): code %d, want %d", o.ID, o.State, o.Code, c)
		}
		delete(want, o.ID)
	}
	if len(want) > 0 {
		t.Errorf("no outcomes for %v", want)
	}
}

// startProjecting starts a commit on a, over m with a capacity, and
// returns once it took its snapshot (the staged file id frozen) and
// checks the session fits: the commit waits for gate to close, then
// its Append for m.block; started gives StartCommit's error.
func startProjecting(t *testing.T, a *Area, m *fakeMedium, id uint64) (gate chan struct{}, started chan error) {
	t.Helper()
	gate, started = make(chan struct{}), make(chan error, 1)
	m.mu.Lock()
	m.projectGate = gate
	m.mu.Unlock()
	m.block, m.entered = make(chan struct{}), make(chan struct{})
	go func() { started <- a.StartCommit(CommitOptions{}) }()
	eventually(t, "the commit's snapshot", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.entries.get(id).st().frozen
	})
	return gate, started
}

// TestTimesSetWhileACommitStartsAreKept: times set after a commit took
// its snapshot but before it started writing (while it lays the session
// out to check it fits) are kept when it ends, as those set later are,
// also when the process dies after the session landed.
func TestTimesSetWhileACommitStartsAreKept(t *testing.T) {
	for _, crash := range []bool{false, true} {
		t.Run(fmt.Sprintf("crash=%v", crash), func(t *testing.T) {
			m := &fakeMedium{capacity: 100000}
			dir, crashed := t.TempDir(), t.TempDir()
			a := open(t, dir, m)
			f := writeFile(t, a, RootID, "f", "data")
			gate, started := startProjecting(t, a, m, f.ID)
			past := time.Date(1999, 12, 31, 23, 59, 58, 0, time.UTC)
			if _, err := a.Setattr(f.ID, SetAttr{Mtime: &past, Atime: &past}); err != nil {
				t.Fatal(err)
			}
			close(gate)
			if err := <-started; err != nil {
				t.Fatal(err)
			}
			<-m.entered
			if crash {
				copyDir(t, dir, crashed) // the process dies here
			}
			close(m.block)
			if err := a.Wait(); err != nil {
				t.Fatal(err)
			}
			if n := must(m.Newest()).Lookup("/f"); n == nil || n.ModTime.Equal(past) {
				t.Fatalf("the session has f with the times set after its snapshot: %+v", n)
			}
			b := a
			if crash {
				a.Close()
				m.block, m.entered = nil, nil
				b = open(t, crashed, m)
			}
			if at := walk(t, b, "f"); !at.Mtime.Equal(past) || !at.Atime.Equal(past) {
				t.Errorf("f after the commit: mtime %v, atime %v; want %v", at.Mtime, at.Atime, past)
			}
			if s := b.Status(); !s.Pending {
				t.Errorf("the new times do not wait for a commit: %+v", s)
			}
		})
	}
}

// TestRetimedThenRemovedDuringCommitStart: a file whose times were set
// after a commit's snapshot and which was then removed, before the
// commit recorded its start, leaves a journal that opens, whether the
// commit then fails or the process dies during it.
func TestRetimedThenRemovedDuringCommitStart(t *testing.T) {
	for _, crash := range []bool{false, true} {
		t.Run(fmt.Sprintf("crash=%v", crash), func(t *testing.T) {
			m := &fakeMedium{capacity: 100000}
			dir, crashed := t.TempDir(), t.TempDir()
			a := open(t, dir, m)
			f := writeFile(t, a, RootID, "f", "data")
			writeFile(t, a, RootID, "g", "kept")
			if !crash {
				m.failNext = errors.New("drive on fire")
			}
			gate, started := startProjecting(t, a, m, f.ID)
			past := time.Date(1999, 12, 31, 23, 59, 58, 0, time.UTC)
			if _, err := a.Setattr(f.ID, SetAttr{Mtime: &past, Atime: &past}); err != nil {
				t.Fatal(err)
			}
			if err := a.Unlink(RootID, "f"); err != nil {
				t.Fatal(err)
			}
			close(gate)
			if err := <-started; err != nil {
				t.Fatal(err)
			}
			<-m.entered
			if crash {
				copyDir(t, dir, crashed) // the process dies here
			}
			close(m.block)
			a.Wait()
			a.Close()
			m.block, m.entered, m.failNext = nil, nil, nil
			reopen := dir
			if crash {
				reopen = crashed
			}
			b, err := Open(reopen, m)
			if err != nil {
				t.Fatalf("the area after the commit: %v", err)
			}
			defer b.Close()
			if got := readFile(t, b, walk(t, b, "g").ID); got != "kept" {
				t.Errorf("g = %q", got)
			}
		})
	}
}

// crashThenAnotherWriter commits one file, base, lets stage make the
// changes of a second commit, and cuts that commit short before its
// session lands, as a process killed during it; another program then
// writes its own session, holding other, where the commit was to
// start. It returns the area reopened from what the killed process left,
// and the medium.
func crashThenAnotherWriter(t *testing.T, stage func(a *Area)) (*Area, *fakeMedium) {
	t.Helper()
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	writeFile(t, a, RootID, "base", "base")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	stage(a)
	m.failNext = errors.New("power cut")
	crashed := crashHeld(t, a, m, dir)
	elsewhere(t, m, map[string]string{"/other": "from another program"})
	return open(t, crashed, m), m
}

// crashHeld starts a commit of a, the area in dir over m, holds it as
// the medium's Append begins, and copies the area then, as a process
// killed there leaves it; the commit then runs to its end and the area
// closes. It returns the copy's folder.
func crashHeld(t *testing.T, a *Area, m *fakeMedium, dir string) string {
	t.Helper()
	crashed := t.TempDir()
	startHeld(t, a, m, CommitOptions{})
	copyDir(t, dir, crashed) // the process dies here
	close(m.block)
	a.Wait()
	a.Close()
	m.block, m.entered = nil, nil
	return crashed
}

// TestCrashThenAnotherWriterAtTheSameStart: the process dies during a
// commit whose session does not land, and another program then writes
// its own session where the commit was to start. Reopening takes that
// session for another writer's, whatever the commit was to change (a
// file added, a file deleted, a file of the disc rewritten with bytes of
// the same size, which that session holds as they were): the staged
// changes are moved onto it, keeping its file, and the next commit
// writes both.
func TestCrashThenAnotherWriterAtTheSameStart(t *testing.T) {
	for _, c := range []struct {
		what  string
		stage func(t *testing.T, a *Area)
		want  map[string]string // "" : absent
	}{
		{"an added file", func(t *testing.T, a *Area) { writeFile(t, a, RootID, "staged", "staged here") },
			map[string]string{"staged": "staged here", "base": "base"}},
		{"a deletion", func(t *testing.T, a *Area) {
			if err := a.UnlinkPath("/base"); err != nil {
				t.Fatal(err)
			}
		}, map[string]string{"base": ""}},
		{"a rewrite of the same size", func(t *testing.T, a *Area) {
			h, err := a.OpenFile(walk(t, a, "base").ID, true)
			if err != nil {
				t.Fatal(err)
			}
			h.WriteAt([]byte("BASE"), 0)
			h.Release()
		}, map[string]string{"base": "BASE"}},
	} {
		t.Run(c.what, func(t *testing.T) {
			b, m := crashThenAnotherWriter(t, func(a *Area) { c.stage(t, a) })
			c.want["other"] = "from another program"
			for p, want := range c.want {
				got, ok := content(t, b, p)
				if want == "" && ok || want != "" && got != want {
					t.Errorf("%s = %q, %v after reopening; want %q", p, got, ok, want)
				}
			}
			if err := b.Commit(CommitOptions{}); err != nil {
				t.Fatal(err)
			}
			newest := must(m.Newest())
			for p, want := range c.want {
				if n := newest.Lookup("/" + p); (n == nil) != (want == "") {
					t.Errorf("the next session: /%s is %v, want it there: %v", p, n, want != "")
				}
			}
		})
	}
}
