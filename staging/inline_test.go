package staging

import (
	iofs "io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// inlineMedium is a medium whose session holds small.txt as a UDF file
// entry embedding its data does: a tree.Bytes Source and no extents.
func inlineMedium() *fakeMedium {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	root := &tree.Node{Mode: iofs.ModeDir | 0o755, ModTime: at, Children: []*tree.Node{
		{Name: "small.txt", Mode: 0o644, ModTime: at, Size: 8, Source: tree.Bytes("embedded")},
		{Name: "other.txt", Mode: 0o644, ModTime: at, Size: 3, Source: tree.Bytes("abc")},
	}}
	m := &fakeMedium{data: make([]byte, 32*tree.SectorSize)}
	m.sessions = []fakeSession{{start: 0, root: root}}
	return m
}

// A disc file whose bytes are in no extent reads from the bytes the
// area keeps, also after a reopen; a commit writes it again, after which
// it reads from its new extents and nothing is pending; a copy-up takes
// its bytes.
func TestInlineDiscFile(t *testing.T) {
	dir, m := t.TempDir(), inlineMedium()
	a := open(t, dir, m)
	if got := readFile(t, a, walk(t, a, "small.txt").ID); got != "embedded" {
		t.Fatalf("small.txt reads %q", got)
	}
	if s := a.Status(); s.Pending {
		t.Errorf("an area over the disc is pending: %+v", s)
	}
	a.Close()
	a = open(t, dir, m)
	if got := readFile(t, a, walk(t, a, "small.txt").ID); got != "embedded" {
		t.Fatalf("small.txt after a reopen reads %q", got)
	}

	// Copy-up keeps the bytes: a write at the end.
	o := walk(t, a, "other.txt")
	h, err := a.OpenFile(o.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("d"), 3); err != nil {
		t.Fatal(err)
	}
	h.Release()
	if got := readFile(t, a, o.ID); got != "abcd" {
		t.Errorf("other.txt after a write: %q", got)
	}

	writeFile(t, a, RootID, "new.txt", "new")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	root := must(m.Newest())
	for name, want := range map[string]string{"small.txt": "embedded", "other.txt": "abcd", "new.txt": "new"} {
		n := root.Lookup("/" + name)
		if n == nil || n.Source != nil || len(n.Extents) != 1 {
			t.Fatalf("%s in the new session: %+v", name, n)
		}
		x := n.Extents[0]
		if got := string(m.data[int(x.LBA)*tree.SectorSize:][:x.Length]); got != want {
			t.Errorf("%s in the new session: %q", name, got)
		}
		if got := readFile(t, a, walk(t, a, name).ID); got != want {
			t.Errorf("%s after the commit reads %q", name, got)
		}
	}
	if s := a.Status(); s.Pending || s.Changes.Total() != 0 || s.StagedFiles != 0 {
		t.Errorf("after the commit: pending %v, changes %+v, %d staged", s.Pending, s.Changes, s.StagedFiles)
	}
	a.Close()
	a = open(t, dir, m)
	if s := a.Status(); s.Pending {
		t.Errorf("after a reopen: %+v", s)
	}
	if err := a.StartCommit(CommitOptions{}); err == nil || !strings.Contains(err.Error(), "nothing") {
		t.Errorf("a second commit: %v", err)
	}
	// The file now lies in an extent: the next session keeps it.
	writeFile(t, a, RootID, "third.txt", "3")
	if d := a.Pending().Changes; len(d) != 1 || d[0].Path != "/third.txt" {
		t.Errorf("pending changes: %+v", d)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if x, y := root.Lookup("/small.txt"), must(m.Newest()).Lookup("/small.txt"); !slices.Equal(x.Extents, y.Extents) {
		t.Errorf("small.txt written again: %v, then %v", x.Extents, y.Extents)
	}
}
