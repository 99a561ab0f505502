package staging

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/master/tree"
)

// givenTree is a medium whose newest session reads as root.
type givenTree struct {
	Medium
	root  *tree.Node
	start uint32
}

func (m *givenTree) Newest() (*tree.Node, uint32, error) { return m.root, m.start, nil }

// TestOpenLetsTheSessionTreeGo: a new area's view is made from the
// newest session's tree, which is let go directory by directory as the
// entries are made, the heap collected on the way. On a disc of a
// million files the tree and the entries were both whole in memory at
// once: 500 bytes a file at the peak of the first mount.
func TestOpenLetsTheSessionTreeGo(t *testing.T) {
	m := &fakeMedium{}
	commitOne(t, t.TempDir(), m, "f", CommitOptions{}).Close()
	defer func(n int) { collectEvery = n }(collectEvery)
	collectEvery = 64

	root := testtree.Folders(4, 100, time.Time{})
	nodes := countNodes(root)
	first := weak.Make(root.Children[0].Children[0])

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a := open(t, t.TempDir(), &givenTree{Medium: m, root: root, start: m.sessions[0].start})
	runtime.ReadMemStats(&after)
	runtime.GC()
	if first.Value() != nil {
		t.Error("the session's tree still holds its files once the view is made from it")
	}
	runtime.KeepAlive(root)
	if forced, want := after.NumForcedGC-before.NumForcedGC, uint32(nodes/collectEvery); forced < want {
		t.Errorf("%d collections while %d entries were made, one every %d; want at least %d", forced, nodes, collectEvery, want)
	}
	for _, p := range []string{"/d000/f0000", "/d003/f0099"} {
		if at := walk(t, a, p); !at.Mode.IsRegular() {
			t.Errorf("%s: mode %v", p, at.Mode)
		}
	}
}

// heldAfterAppend is a medium that tells whether anything but its own
// Append still holds the tree a commit hands it, once that Append is
// done with it: a target's Append reads the session back after writing
// it, and on a disc of a million files the tree is a quarter of a
// gigabyte the read-back's own trees would be piled on.
type heldAfterAppend struct {
	Medium
	held, checked bool
}

func (m *heldAfterAppend) Append(ctx context.Context, root *tree.Node, opts CommitOptions) (uint32, error) {
	node := weak.Make(root.Children[0])
	start, err := m.Medium.Append(ctx, root, opts)
	root = nil
	runtime.GC()
	m.held, m.checked = node.Value() != nil, true
	return start, err
}

// TestCommitLetsItsTreeGoBeforeTheReadBack: the commit does not hold
// the tree it hands the medium while the medium reads the session back.
func TestCommitLetsItsTreeGoBeforeTheReadBack(t *testing.T) {
	m := &heldAfterAppend{Medium: &fakeMedium{}}
	a := open(t, t.TempDir(), m)
	writeFile(t, a, RootID, "f", "data")
	if err := a.Commit(CommitOptions{ID: "one"}); err != nil {
		t.Fatal(err)
	}
	if !m.checked {
		t.Fatal("the commit did not go through the medium's Append")
	}
	if m.held {
		t.Error("the commit holds its tree while the medium reads the session back")
	}
	if os := a.Status().Outcomes; len(os) != 1 || os[0].Files != 1 {
		t.Errorf("outcomes: %+v, want one, of one file", os)
	}
}

// sessionReads counts the session trees read through a medium's
// session list (what the status list reads its base with).
type sessionReads struct {
	Medium
	reads atomic.Int32
}

func (m *sessionReads) Sessions() ([]SessionRef, error) {
	refs, err := m.Medium.Sessions()
	for i := range refs {
		if open := refs[i].Open; open != nil {
			refs[i].Open = func() (*tree.Node, error) { m.reads.Add(1); return open() }
		}
	}
	return refs, err
}

// TestStatusLetsABigBaseGo: an area of many entries does not keep the
// base tree its status list was made against (a Node per file of the
// disc, as large as the area itself) while changes wait; it reads it
// again for the list after the next change, and not for a status that
// finds nothing changed since its list.
func TestStatusLetsABigBaseGo(t *testing.T) {
	defer func(n int) { bigArea = n }(bigArea)
	bigArea = 1
	fm := &fakeMedium{}
	commitOne(t, t.TempDir(), fm, "a", CommitOptions{}).Close()
	m := &sessionReads{Medium: fm}
	a := open(t, t.TempDir(), m)
	writeFile(t, a, RootID, "b", "123")
	for i := range 3 {
		if s := a.Status(); s.Changes.Added != 1 {
			t.Fatalf("status %d: %+v", i, s.Changes)
		}
	}
	a.mu.Lock()
	kept := a.pendingCache.base != nil
	a.mu.Unlock()
	if kept {
		t.Error("the status list keeps the base tree of a big area")
	}
	if n := m.reads.Load(); n != 1 {
		t.Errorf("three statuses with no change between read the base %d times, want 1", n)
	}
	writeFile(t, a, RootID, "c", "4")
	if s := a.Status(); s.Changes.Added != 2 {
		t.Errorf("status after another change: %+v", s.Changes)
	}
	if n := m.reads.Load(); n != 2 {
		t.Errorf("the base was read %d times, want 2 (once more after the change)", n)
	}
}

// TestProjectionHandsMemoryBack: once the projection of a big area's
// next session is made (the whole session laid out: about 2 GB on a
// disc of a million files), the memory is handed back to the system
// (a forced collection in the background) rather than left resident.
func TestProjectionHandsMemoryBack(t *testing.T) {
	defer func(n int) { bigArea = n }(bigArea)
	bigArea = 1
	m := &fakeMedium{}
	a := commitOne(t, t.TempDir(), m, "a", CommitOptions{})
	writeFile(t, a, RootID, "b", "123")
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := a.Projected(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a collection forced after the projection of a big area", func() bool {
		var now runtime.MemStats
		runtime.ReadMemStats(&now)
		return now.NumForcedGC > before.NumForcedGC
	})
}
