package staging

import (
	"context"
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// elsewhere writes a session to m as another program would: the newest
// tree with files put (path → content; "" deletes) and directories made.
func elsewhere(t *testing.T, m *fakeMedium, put map[string]string) {
	t.Helper()
	root, _, err := m.Newest()
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	now := time.Now().Add(-time.Hour) // unlike any time the area sets
	for p, content := range put {
		dir := root
		parts := strings.Split(strings.Trim(p, "/"), "/")
		for _, d := range parts[:len(parts)-1] {
			c := dir.Child(d)
			if c == nil {
				c = &tree.Node{Name: d, Mode: iofs.ModeDir | 0o755, ModTime: now}
				dir.Children = append(dir.Children, c)
			}
			dir = c
		}
		name := parts[len(parts)-1]
		dir.Children = slices.DeleteFunc(dir.Children, func(n *tree.Node) bool { return n.Name == name })
		if content == "" {
			continue
		}
		f := filepath.Join(src, strings.ReplaceAll(p, "/", "_"))
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		dir.Children = append(dir.Children, &tree.Node{Name: name, Mode: 0o644, ModTime: now,
			Size: int64(len(content)), Source: tree.FileSource(f)})
	}
	// Another program's session has a time of its own.
	if _, err := m.Append(context.Background(), root, CommitOptions{Time: now}); err != nil {
		t.Fatal(err)
	}
}

// content reads a path of the merged view, or "" when it does not exist.
func content(t *testing.T, a *Area, p string) (string, bool) {
	t.Helper()
	at, err := a.Root()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Split(strings.Trim(p, "/"), "/") {
		if at, err = a.Lookup(at.ID, name); err != nil {
			return "", false
		}
	}
	if at.Mode.IsDir() {
		return "<dir>", true
	}
	return readFile(t, a, at.ID), true
}

// stageChanges makes the changes the rebase tests stage over populate's
// tree: a new file, two changed files, a deletion, a new directory.
func stageChanges(t *testing.T, a *Area) {
	t.Helper()
	docs := walk(t, a, "docs")
	writeFile(t, a, docs.ID, "new-here.txt", "here")
	h, err := a.OpenFile(walk(t, a, "docs/a.txt").ID, true)
	if err != nil {
		t.Fatal(err)
	}
	h.Truncate(0)
	h.WriteAt([]byte("alpha here"), 0)
	h.Release()
	h, err = a.OpenFile(walk(t, a, "docs/sub/c.txt").ID, true)
	if err != nil {
		t.Fatal(err)
	}
	h.WriteAt([]byte("G"), 0)
	h.Release()
	if err := a.Unlink(RootID, "top.txt"); err != nil {
		t.Fatal(err)
	}
	sh, err := a.Mkdir(RootID, "shared", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, sh.ID, "here.txt", "shared here")
	if err := a.Rename(RootID, "gone", docs.ID, "moved", 0); err != nil && !errors.Is(err, ErrNotExist) {
		t.Fatal(err)
	}
}

// theirs is the session written elsewhere over populate's tree.
var theirs = map[string]string{
	"docs/new-disc.txt": "disc",           // only there: taken
	"docs/a.txt":        "alpha disc",     // changed on both: staging wins
	"top.txt":           "top disc",       // deleted here, changed there
	"docs/b.txt":        "",               // deleted only there: deleted
	"shared/disc.txt":   "shared disc",    // a directory added on both
	"x.txt":             "x from xorriso", // only there
}

// wantMerged is the merged tree: every change of both sides, staging's
// where both changed one path.
var wantMerged = map[string]string{
	"docs/new-here.txt": "here",
	"docs/new-disc.txt": "disc",
	"docs/a.txt":        "alpha here",
	"docs/sub/c.txt":    "Gamma",
	"shared/here.txt":   "shared here",
	"shared/disc.txt":   "shared disc",
	"x.txt":             "x from xorriso",
}

var wantGone = []string{"top.txt", "docs/b.txt"}

var wantConflicts = []Conflict{
	{Path: "/docs/a.txt", What: "changed here and on the disc"},
	{Path: "/top.txt", What: "deleted here, changed on the disc"},
}

func checkMerged(t *testing.T, a *Area) {
	t.Helper()
	for p, want := range wantMerged {
		if got, ok := content(t, a, p); !ok || got != want {
			t.Errorf("%s: %q (exists %v), want %q", p, got, ok, want)
		}
	}
	for _, p := range wantGone {
		if got, ok := content(t, a, p); ok {
			t.Errorf("%s exists (%q), want it gone", p, got)
		}
	}
}

// TestCommitRebasesOntoSessionWrittenElsewhere: a session written by
// another program while changes are staged is not lost from the next
// commit: the commit merges both, per path, staging winning where both
// changed a path, and reports those paths.
func TestCommitRebasesOntoSessionWrittenElsewhere(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	stageChanges(t, a)
	elsewhere(t, m, theirs)
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatalf("commit over a session written elsewhere: %v", err)
	}
	s := a.Status()
	if !slices.Equal(s.Conflicts, wantConflicts) {
		t.Errorf("conflicts %v, want %v", s.Conflicts, wantConflicts)
	}
	if s.RebasedOnto == nil || *s.RebasedOnto != m.sessions[1].start || s.Pending {
		t.Errorf("status after the commit: %+v", s)
	}
	checkMerged(t, a)
	// The session written holds the merged tree: a new area reads it.
	a.Close()
	b := open(t, t.TempDir(), m)
	checkMerged(t, b)
}

// TestOpenRebasesOntoSessionWrittenElsewhere: an area whose medium got a
// session elsewhere while it was closed opens rebased, instead of being
// refused, and keeps every staged change.
func TestOpenRebasesOntoSessionWrittenElsewhere(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	stageChanges(t, a)
	a.Close()
	elsewhere(t, m, theirs)
	b, err := Open(dir, m)
	if err != nil {
		t.Fatalf("open over a session written elsewhere: %v", err)
	}
	defer b.Close()
	checkMerged(t, b)
	if s := b.Status(); !slices.Equal(s.Conflicts, wantConflicts) || !s.Pending || s.StagedFiles != 4 {
		t.Errorf("status after open: %+v", s)
	}
	if err := b.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	checkMerged(t, b)
}

// TestRebaseWithNothingStagedFollowsTheDisc: with nothing staged, a
// session written elsewhere simply becomes the view, and nothing is
// pending.
func TestRebaseWithNothingStagedFollowsTheDisc(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	elsewhere(t, m, map[string]string{"x.txt": "x"})
	if err := a.StartCommit(CommitOptions{}); !errors.Is(err, ErrNothingStaged) {
		t.Fatalf("commit with nothing staged: %v", err)
	}
	if got, _ := content(t, a, "x.txt"); got != "x" {
		t.Errorf("x.txt: %q", got)
	}
}

// TestRebaseDeletedDirectory: a file added elsewhere inside a directory
// removed here is a conflict, and the directory stays removed.
func TestRebaseDeletedDirectory(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	sub := walk(t, a, "docs/sub")
	if err := a.Unlink(sub.ID, "c.txt"); err != nil {
		t.Fatal(err)
	}
	if err := a.Rmdir(walk(t, a, "docs").ID, "sub"); err != nil {
		t.Fatal(err)
	}
	elsewhere(t, m, map[string]string{"docs/sub/new.txt": "new", "docs/a.txt": ""})
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []Conflict{{Path: "/docs/sub/new.txt", What: "added on the disc in a directory removed here"}}
	if s := a.Status(); !slices.Equal(s.Conflicts, want) {
		t.Errorf("conflicts %v, want %v", s.Conflicts, want)
	}
	if _, ok := content(t, a, "docs/sub"); ok {
		t.Error("docs/sub came back")
	}
	if _, ok := content(t, a, "docs/a.txt"); ok {
		t.Error("docs/a.txt, deleted on the disc, is still there")
	}
}

// TestRebaseDirectoryDeletedOnDisc: a directory removed elsewhere, with a
// file staged inside it here, stays with what is staged in it; what it
// held unchanged goes.
func TestRebaseDirectoryDeletedOnDisc(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	writeFile(t, a, walk(t, a, "docs").ID, "kept.txt", "kept")
	root, _, _ := m.Newest()
	root.Children = slices.DeleteFunc(root.Children, func(n *tree.Node) bool { return n.Name == "docs" })
	if _, err := m.Append(context.Background(), root, CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []Conflict{{Path: "/docs", What: "deleted on the disc, changed inside here"}}
	if s := a.Status(); !slices.Equal(s.Conflicts, want) {
		t.Errorf("conflicts %v, want %v", s.Conflicts, want)
	}
	if got, _ := content(t, a, "docs/kept.txt"); got != "kept" {
		t.Errorf("docs/kept.txt: %q", got)
	}
	for _, p := range []string{"docs/a.txt", "docs/sub/c.txt"} {
		if _, ok := content(t, a, p); ok {
			t.Errorf("%s, deleted on the disc and unchanged here, is still there", p)
		}
	}
}

// TestRebaseDirectoryChangedOnBoth: one directory's permissions changed
// here and on the disc is a conflict, staging's kept; files added to it
// on both sides all stay.
func TestRebaseDirectoryChangedOnBoth(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	docs := walk(t, a, "docs")
	mode := iofs.FileMode(0o750)
	if _, err := a.Setattr(docs.ID, SetAttr{Mode: &mode}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, docs.ID, "here.txt", "here")
	root, _, _ := m.Newest()
	root.Child("docs").Mode = iofs.ModeDir | 0o711
	if _, err := m.Append(context.Background(), root, CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	elsewhere(t, m, map[string]string{"docs/there.txt": "there"})
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []Conflict{{Path: "/docs", What: "changed here and on the disc"}}
	if s := a.Status(); !slices.Equal(s.Conflicts, want) {
		t.Errorf("conflicts %v, want %v", s.Conflicts, want)
	}
	if at := walk(t, a, "docs"); at.Mode.Perm() != 0o750 {
		t.Errorf("docs has mode %v, want the staged 0750", at.Mode)
	}
	for p, want := range map[string]string{"docs/here.txt": "here", "docs/there.txt": "there", "docs/a.txt": "alpha"} {
		if got, _ := content(t, a, p); got != want {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
}

// TestRebaseRenameVersusChange: a disc file renamed here and changed on
// the disc is a conflict; the rename stands, with the content it had.
func TestRebaseRenameVersusChange(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	populate(t, a)
	docs := walk(t, a, "docs")
	if err := a.Rename(docs.ID, "a.txt", docs.ID, "renamed.txt", 0); err != nil {
		t.Fatal(err)
	}
	elsewhere(t, m, map[string]string{"docs/a.txt": "alpha, changed on the disc"})
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []Conflict{{Path: "/docs/a.txt", What: "renamed here to /docs/renamed.txt, changed on the disc"}}
	if s := a.Status(); !slices.Equal(s.Conflicts, want) {
		t.Errorf("conflicts %v, want %v", s.Conflicts, want)
	}
	if got, _ := content(t, a, "docs/renamed.txt"); got != "alpha" {
		t.Errorf("docs/renamed.txt: %q", got)
	}
	if _, ok := content(t, a, "docs/a.txt"); ok {
		t.Error("docs/a.txt is back")
	}
}

// racingMedium lets another program write a session right after each
// Append, before the area reads the medium back.
type racingMedium struct {
	*fakeMedium
	then func()
}

func (r *racingMedium) Append(ctx context.Context, root *tree.Node, o CommitOptions) (uint32, error) {
	start, err := r.fakeMedium.Append(ctx, root, o)
	if f := r.then; f != nil {
		r.then = nil
		f()
	}
	return start, err
}

// TestSessionWrittenRightAfterCommit: a session another program adds
// between a commit's write and its read-back is not taken for the
// commit's own: the next commit rebases onto it and keeps its files.
func TestSessionWrittenRightAfterCommit(t *testing.T) {
	dir, fm := t.TempDir(), &fakeMedium{}
	m := &racingMedium{fakeMedium: fm}
	a := open(t, dir, m)
	populate(t, a)
	writeFile(t, a, RootID, "one.txt", "one")
	m.then = func() { elsewhere(t, fm, map[string]string{"x.txt": "from elsewhere"}) }
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, RootID, "two.txt", "two")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	b := open(t, t.TempDir(), fm)
	for p, want := range map[string]string{"one.txt": "one", "two.txt": "two", "x.txt": "from elsewhere"} {
		if got, _ := content(t, b, p); got != want {
			t.Errorf("newest session: %s = %q, want %q", p, got, want)
		}
	}
}

// plainMedium is a fake plain image: every session is read through the
// superblock at LBA 0, which another program's growth rewrites, so it
// lists one session, at 0, of the size the newest gives it.
type plainMedium struct{ *fakeMedium }

// Info says the medium grows, as an image file does.
func (p plainMedium) Info() (MediumInfo, error) {
	i, err := p.fakeMedium.Info()
	i.Grown = true
	return i, err
}

func (p plainMedium) Newest() (*tree.Node, uint32, error) {
	root, _, err := p.fakeMedium.Newest()
	return root, 0, err
}

func (p plainMedium) Sessions() ([]SessionRef, error) {
	refs, err := p.fakeMedium.Sessions()
	if err != nil || len(refs) == 0 {
		return nil, err
	}
	r := refs[len(refs)-1]
	r.Number, r.Start, r.Sectors = 1, 0, 100*uint32(len(refs))
	return []SessionRef{r}, nil
}

func (p plainMedium) Append(ctx context.Context, root *tree.Node, opts CommitOptions) (uint32, error) {
	if _, err := p.fakeMedium.Append(ctx, root, opts); err != nil {
		return 0, err
	}
	return 0, nil
}

// TestRebaseOntoGrownPlainImage: another program grew a plain image
// under staged changes, rewriting the superblock the base session was
// read through, so the base is gone. Nothing staged or on the disc is
// dropped, and every path the disc holds and the staged tree does not
// (deleted or renamed here, or added on the disc: without the base,
// which is unknown) is kept from the disc and listed as a conflict, not
// taken silently; the status says the changes were rebased although
// the session still starts at LBA 0.
func TestRebaseOntoGrownPlainImage(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), plainMedium{m})
	for _, f := range []string{"f1", "f2", "shared", "kept"} {
		writeFile(t, a, RootID, f, "base "+f)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Unlink(RootID, "f2"); err != nil {
		t.Fatal(err)
	}
	if err := a.Rename(RootID, "f1", RootID, "f1renamed", 0); err != nil {
		t.Fatal(err)
	}
	h, err := a.OpenFile(walk(t, a, "shared").ID, true)
	if err != nil {
		t.Fatal(err)
	}
	h.Truncate(0)
	h.WriteAt([]byte("staged"), 0)
	h.Release()
	elsewhere(t, m, map[string]string{"/f1": "x-f1", "/f2": "x-f2", "/shared": "x-shared", "/xnew": "x-new",
		"/xdir/a": "x-a", "/xdir/sub/b": "x-b"})
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	s := a.Status()
	if s.RebasedOnto == nil || *s.RebasedOnto != 0 {
		t.Errorf("rebased onto %v, want the session at LBA 0", s.RebasedOnto)
	}
	var got []string
	for _, c := range s.Conflicts {
		got = append(got, c.Path)
	}
	// A folder that came back is listed once, not with all it holds.
	if want := []string{"/f1", "/f2", "/shared", "/xdir", "/xnew"}; !slices.Equal(got, want) {
		t.Errorf("conflicts %v, want %v", s.Conflicts, want)
	}
	for p, want := range map[string]string{"f1renamed": "base f1", "f1": "x-f1", "f2": "x-f2", "shared": "staged", "xnew": "x-new", "kept": "base kept", "xdir/sub/b": "x-b"} {
		if got, ok := content(t, a, p); !ok || got != want {
			t.Errorf("%s = %q (%v), want %q", p, got, ok, want)
		}
	}
}

// TestHeadWithoutRootStands: an area whose base head was recorded
// without its root directory (by an earlier version) opens over the same
// disc as its base, and is not taken for another disc's.
func TestHeadWithoutRootStands(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	writeFile(t, a, RootID, "f", "on the disc")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, RootID, "staged", "staged here")
	a.mu.Lock()
	desc, _, _, full := splitHead(a.baseHead)
	if !full {
		a.mu.Unlock()
		t.Fatalf("the base's head records no root: %q", a.baseHead)
	}
	a.baseHead = desc
	err := a.compact()
	a.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	b, err := Open(dir, m)
	if err != nil {
		t.Fatalf("reopening with a head recorded without its root: %v", err)
	}
	defer b.Close()
	if got, ok := content(t, b, "staged"); !ok || got != "staged here" {
		t.Errorf("staged = %q, %v", got, ok)
	}
	if s := b.Status(); s.RebasedOnto != nil {
		t.Errorf("reopening rebased onto %d", *s.RebasedOnto)
	}
}
