package staging

import (
	"strings"
	"testing"
	"time"
)

// pendingBytes checks that the pending list is one change, of path,
// with a size of want bytes.
func pendingBytes(t *testing.T, a *Area, what, path string, want int64) {
	t.Helper()
	p := a.Pending()
	if len(p.Changes) != 1 || p.Changes[0].Path != path || p.Changes[0].Bytes != want {
		t.Errorf("%s: pending list\n%swant %s of %d bytes", what, p.Text(), path, want)
	}
}

// fakeProjection is the size the fake medium projects for a session of
// nodes nodes, one of them a file of size bytes.
func fakeProjection(nodes int, size int64) uint32 {
	return 20 + uint32(nodes) + uint32((size+2047)/2048)
}

// TestPendingSizesFollowWrites: the size a staged file has in the
// pending list, in the staged bytes and in the projected session
// follows what is written to it after the list was made, through the
// area and straight to its data file (a pinned handle, passthrough),
// also once that handle is released.
func TestPendingSizesFollowWrites(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	writeFile(t, a, RootID, "f.txt", "part1\n")
	pendingBytes(t, a, "after the first write", "/f.txt", 6)
	if s := a.Status(); s.StagedBytes != 6 || s.ProjectedSectors != fakeProjection(2, 6) {
		t.Errorf("first status: staged %d bytes, projected %d sectors", s.StagedBytes, s.ProjectedSectors)
	}
	id := walk(t, a, "f.txt").ID

	h, err := a.OpenFile(id, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("part2part2part2\n"), 6); err != nil {
		t.Fatal(err)
	}
	pendingBytes(t, a, "after a write through the area", "/f.txt", 22)
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	pendingBytes(t, a, "after its handle is released", "/f.txt", 22)

	h, err = a.OpenFile(id, true)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := h.Pin()
	if !ok {
		t.Fatal("a staged file could not be pinned")
	}
	if _, err := f.WriteAt(make([]byte, 5000), 22); err != nil {
		t.Fatal(err)
	}
	pendingBytes(t, a, "while a pinned handle writes", "/f.txt", 5022)
	if s := a.Status(); s.StagedBytes != 5022 {
		t.Errorf("status while a pinned handle writes: staged %d bytes, want 5022", s.StagedBytes)
	}
	if _, err := f.WriteAt(make([]byte, 5000), 5022); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	pendingBytes(t, a, "after the pinned handle is released", "/f.txt", 10022)
	if s := a.Status(); s.StagedBytes != 10022 || s.ProjectedSectors != fakeProjection(2, 10022) {
		t.Errorf("status after the pinned handle is released: staged %d bytes, projected %d sectors, want 10022 and %d",
			s.StagedBytes, s.ProjectedSectors, fakeProjection(2, 10022))
	}
}

// TestPendingSizesAfterCommitNow: a file a commit took as it was while
// a pinned handle wrote it stays staged; what is written after the
// commit shows in the list and the projection.
func TestPendingSizesAfterCommitNow(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	_, h, err := a.Create(RootID, "f.txt", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := h.Pin()
	if !ok {
		t.Fatal("a new file could not be pinned")
	}
	if _, err := f.WriteAt([]byte("part1\n"), 0); err != nil {
		t.Fatal(err)
	}
	if s := a.Status(); s.StagedBytes != 6 {
		t.Errorf("before the commit: staged %d bytes", s.StagedBytes)
	}
	pendingBytes(t, a, "before the commit", "/f.txt", 6)
	if err := a.Commit(CommitOptions{Now: true}); err != nil {
		t.Fatal(err)
	}
	pendingBytes(t, a, "after the commit", "/f.txt", 6)
	if s := a.Status(); s.StagedBytes != 6 {
		t.Errorf("after the commit: staged %d bytes", s.StagedBytes)
	}
	if _, err := f.WriteAt(make([]byte, 5000), 6); err != nil {
		t.Fatal(err)
	}
	pendingBytes(t, a, "written after the commit", "/f.txt", 5006)
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	pendingBytes(t, a, "released after the commit", "/f.txt", 5006)
	if s := a.Status(); s.StagedBytes != 5006 || s.ProjectedSectors != fakeProjection(2, 5006) {
		t.Errorf("status: staged %d bytes, projected %d sectors, want 5006 and %d", s.StagedBytes, s.ProjectedSectors, fakeProjection(2, 5006))
	}
}

// TestPendingFolderMovedOutOfARenamedFolder: a folder moved out of a
// disc folder into a new one, and the disc folder renamed, is listed as
// that: the new folder added, the moved one and the renamed one
// renamed, nothing deleted; the same every time.
func TestPendingFolderMovedOutOfARenamedFolder(t *testing.T) {
	for _, kids := range []string{"xy", "xyz"} {
		t.Run(kids, func(t *testing.T) {
			m := &fakeMedium{}
			a := open(t, t.TempDir(), m)
			repo, err := a.Mkdir(RootID, "repo", 0o755, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range kids {
				d, err := a.Mkdir(repo.ID, string(k), 0o755, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, a, d.ID, "f", string(k))
			}
			if err := a.Commit(CommitOptions{}); err != nil {
				t.Fatal(err)
			}
			newdir, err := a.Mkdir(RootID, "newdir", 0o755, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Rename(repo.ID, "x", newdir.ID, "x", 0); err != nil {
				t.Fatal(err)
			}
			if err := a.Rename(RootID, "repo", RootID, "repo2", 0); err != nil {
				t.Fatal(err)
			}
			want := strings.Join([]string{
				"added    /newdir/",
				"renamed  /newdir/x/ <- /repo/x/",
				"renamed  /repo2/ <- /repo/",
				"# 1 added, 2 renamed",
				"",
			}, "\n")
			if got := a.Pending().Text(); got != want {
				t.Fatalf("pending list:\n%swant:\n%s", got, want)
			}
			for range 50 {
				a.mu.Lock()
				got := a.diffBase(must(m.Newest())).Text()
				a.mu.Unlock()
				if got != want {
					t.Fatalf("pending list made again:\n%swant:\n%s", got, want)
				}
			}
		})
	}
}

// TestPendingSymlinkTimes: a disc symbolic link whose times alone
// changed is listed (the commit writes them), as one whose owner
// changed is.
func TestPendingSymlinkTimes(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	sl, err := a.Symlink(RootID, "sl", "target", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2012, 2, 2, 0, 0, 0, 0, time.UTC)
	if _, err := a.Setattr(sl.ID, SetAttr{Mtime: &when, Atime: &when}); err != nil {
		t.Fatal(err)
	}
	if got, want := a.Pending().Text(), "attrs    /sl\n# 1 attributes only\n"; got != want {
		t.Errorf("pending list:\n%swant:\n%s", got, want)
	}
}

// TestPendingAfterCommitOfTheListedState: once the state a list was
// made of is committed, the list is empty, also when the sizes of the
// kept list would be read again.
func TestPendingAfterCommitOfTheListedState(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	writeFile(t, a, RootID, "f.txt", "part1\n")
	pendingBytes(t, a, "before the commit", "/f.txt", 6)
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := a.Pending(); len(p.Changes) != 0 || p.Counts.Total() != 0 {
		t.Errorf("after the commit:\n%s", p.Text())
	}
}

// TestStatusDuringCommitAfterAnother: while a commit writes, the status
// shows neither the changes nor the projected size of the commit before
// it: the changes are what this commit writes, or not counted, and the
// projection is at least the data it writes.
func TestStatusDuringCommitAfterAnother(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	writeFile(t, a, RootID, "small1", "s1")
	if s := a.Status(); s.Changes.Added != 1 {
		t.Fatalf("before the first commit: %+v", s.Changes)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("b", 100_000)
	writeFile(t, a, RootID, "big", big)
	startHeld(t, a, m, CommitOptions{})
	s := a.Status()
	p := a.Pending()
	close(m.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if !s.ChangesUncounted && s.Changes != (PendingCounts{Added: 1}) {
		t.Errorf("status counts while the commit writes: %+v", s.Changes)
	}
	if strings.Contains(p.Text(), "small1") || !p.Uncounted && !strings.Contains(p.Text(), "added    /big\n") {
		t.Errorf("pending list while the commit writes names the last commit's file:\n%s", p.Text())
	}
	if min := uint32(len(big) / 2048); s.ProjectedSectors < min {
		t.Errorf("projected %d sectors while a commit of %d bytes writes", s.ProjectedSectors, len(big))
	}
}

// TestPendingDirectoryTimes: a disc directory whose times alone were
// set (touch -d) is listed, as the commit writes them; one whose
// modification time moved because something in it changed is not
// listed on top of that change.
func TestPendingDirectoryTimes(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	for _, d := range []string{"touched", "filled"} {
		dir, err := a.Mkdir(RootID, d, 0o755, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, a, dir.ID, "f", "on the disc")
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2005, 5, 5, 0, 0, 0, 0, time.UTC)
	if _, err := a.Setattr(walk(t, a, "touched").ID, SetAttr{Mtime: &when, Atime: &when}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, walk(t, a, "filled").ID, "new", "staged")
	if _, err := a.Setattr(walk(t, a, "filled").ID, SetAttr{Mtime: &when, Atime: &when}); err != nil {
		t.Fatal(err)
	}
	want := "added    /filled/new\nattrs    /touched/\n# 1 added, 1 attributes only\n"
	if got := a.Pending().Text(); got != want {
		t.Errorf("pending list:\n%swant:\n%s", got, want)
	}
}

// TestPendingDirectoryTimesAboveAChange: a change deeper down does not
// move a directory's time, so one set on it is listed beside it.
func TestPendingDirectoryTimesAboveAChange(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	top, err := a.Mkdir(RootID, "top", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := a.Mkdir(top.ID, "sub", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, sub.ID, "f", "on the disc")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, walk(t, a, "top/sub").ID, "new", "staged")
	when := time.Date(2005, 5, 5, 0, 0, 0, 0, time.UTC)
	if _, err := a.Setattr(walk(t, a, "top").ID, SetAttr{Mtime: &when, Atime: &when}); err != nil {
		t.Fatal(err)
	}
	want := "attrs    /top/\nadded    /top/sub/new\n# 1 added, 1 attributes only\n"
	if got := a.Pending().Text(); got != want {
		t.Errorf("pending list:\n%swant:\n%s", got, want)
	}
}

// TestPendingDirectoryTimesBesideAChangedFile: writing a file in a
// directory leaves the directory's time, so one set on it is listed
// beside the file's change.
func TestPendingDirectoryTimesBesideAChangedFile(t *testing.T) {
	a, _ := committedDirAndFile(t)
	when := time.Date(2005, 5, 5, 0, 0, 0, 0, time.UTC)
	for _, p := range []string{"d/f", "d"} {
		if _, err := a.Setattr(walk(t, a, p).ID, SetAttr{Mtime: &when, Atime: &when}); err != nil {
			t.Fatal(err)
		}
	}
	want := "attrs    /d/\nattrs    /d/f\n# 2 attributes only\n"
	if got := a.Pending().Text(); got != want {
		t.Errorf("pending list:\n%swant:\n%s", got, want)
	}
}

// TestPendingSaveByRenameListsNoDirectoryTimes: an editor's save, a new
// file renamed over d/f, moves the directory's time: only the change of
// d/f is listed.
func TestPendingSaveByRenameListsNoDirectoryTimes(t *testing.T) {
	a, d := committedDirAndFile(t)
	time.Sleep(1100 * time.Millisecond) // a second later, as Rock Ridge tells times
	writeFile(t, a, d.ID, ".f.swp", "new content")
	if err := a.RenamePath("/d/.f.swp", "/d/f", 0); err != nil {
		t.Fatal(err)
	}
	if got := a.Pending().Text(); strings.Contains(got, "attrs    /d/") {
		t.Errorf("the directory is listed as retimed:\n%s", got)
	}
}

// committedDirAndFile opens an area whose medium holds one session with
// the folder d and its file d/f, and returns the area and d.
func committedDirAndFile(t *testing.T) (*Area, Attr) {
	t.Helper()
	a := open(t, t.TempDir(), &fakeMedium{})
	d, err := a.Mkdir(RootID, "d", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, d.ID, "f", "on the disc")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	return a, d
}

// TestPendingRenamedFolderWithChangedFiles: a folder renamed and then
// changed in is listed as renamed, a disc file written in it as changed
// (not added), also when every file in it was written or deleted after
// the move, so that none moved unchanged, and so again once the area is
// opened again.
func TestPendingRenamedFolderWithChangedFiles(t *testing.T) {
	for _, c := range []struct {
		name   string
		delete bool
		want   []string
	}{
		{"one file changed", false, []string{"renamed  /rn2/ <- /rn/", "changed  /rn2/a", "# 1 changed, 1 renamed"}},
		{"one changed, one deleted", true, []string{"deleted  /rn/b", "renamed  /rn2/ <- /rn/", "changed  /rn2/a", "# 1 changed, 1 deleted, 1 renamed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &fakeMedium{}
			a := open(t, t.TempDir(), m)
			d, err := a.Mkdir(RootID, "rn", 0o755, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, a, d.ID, "a", "a\n")
			writeFile(t, a, d.ID, "b", "b\n")
			if err := a.Commit(CommitOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := a.RenamePath("/rn", "/rn2", 0); err != nil {
				t.Fatal(err)
			}
			overwrite(t, a, "rn2/a", "changed\n")
			if c.delete {
				if err := a.UnlinkPath("/rn2/b"); err != nil {
					t.Fatal(err)
				}
			}
			want := strings.Join(append(c.want, ""), "\n")
			if got := a.Pending().Text(); got != want {
				t.Errorf("pending list:\n%swant:\n%s", got, want)
			}
			a, _ = reopen(t, a, m)
			if got := a.Pending().Text(); got != want {
				t.Errorf("pending list of the area opened again:\n%swant:\n%s", got, want)
			}
		})
	}
}

// TestPendingRenamedFolderWithHardLinks: in a folder renamed, each name
// of a hard-linked disc file moved from its own old name: nothing else
// is listed for the file unwritten, and both names as changed once it is
// written.
func TestPendingRenamedFolderWithHardLinks(t *testing.T) {
	for _, c := range []struct {
		write bool
		want  string
	}{
		{false, "renamed  /rn2/ <- /rn/\n# 1 renamed\n"},
		{true, "renamed  /rn2/ <- /rn/\nchanged  /rn2/a\nchanged  /rn2/b\n# 2 changed, 1 renamed\n"},
	} {
		a := open(t, t.TempDir(), &fakeMedium{})
		d, err := a.Mkdir(RootID, "rn", 0o755, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, a, d.ID, "a", "a\n")
		if _, err := a.LinkPath("/rn/a", "/rn/b"); err != nil {
			t.Fatal(err)
		}
		if err := a.Commit(CommitOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := a.RenamePath("/rn", "/rn2", 0); err != nil {
			t.Fatal(err)
		}
		if c.write {
			overwrite(t, a, "rn2/a", "changed\n")
		}
		if got := a.Pending().Text(); got != c.want {
			t.Errorf("written %v: pending list:\n%swant:\n%s", c.write, got, c.want)
		}
	}
}

// overwrite writes content at the start of the file at path p, as an
// editor writing in place does.
func overwrite(t *testing.T, a *Area, p, content string) {
	t.Helper()
	h, err := a.OpenFile(walk(t, a, p).ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte(content), 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
}
