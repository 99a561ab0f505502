package staging

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
)

// gatedMedium is a fake medium whose ReadAt, once armed, announces
// itself on entered and then holds until the test opens the gate: a
// drive busy reading a large file.
type gatedMedium struct {
	*fakeMedium
	mu      sync.Mutex
	entered chan struct{} // closed by the first gated ReadAt
	gate    chan struct{} // ReadAt waits for it to close
	once    *sync.Once
}

// arm makes the next ReadAt hold until release is called (others, from
// other goroutines, read meanwhile, as a medium lets them); release is
// also called when the test ends, so that a failed test does not leave
// the area stuck.
func (m *gatedMedium) arm(t *testing.T) (entered chan struct{}, release func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	gate := make(chan struct{})
	m.entered, m.gate, m.once = make(chan struct{}), gate, &sync.Once{}
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return m.entered, release
}

// disarm lets ReadAt read at once again.
func (m *gatedMedium) disarm() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entered, m.gate = nil, nil
}

func (m *gatedMedium) ReadAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	entered, gate, once := m.entered, m.gate, m.once
	m.mu.Unlock()
	first := false
	if gate != nil {
		once.Do(func() { first = true; close(entered) })
	}
	if first {
		<-gate
	}
	return m.fakeMedium.ReadAt(p, off)
}

// deadlock is how long a step may take before the test calls it stuck:
// far beyond any machine's slowness, so it only trips on a deadlock.
const deadlock = 60 * time.Second

// within runs fn in the background and fails the test if it has not
// returned after deadlock.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(deadlock):
		t.Fatalf("%s did not return within %v while a copy-up read the medium: it waits for the area's lock", what, deadlock)
	}
}

// discFile commits one file of size bytes so that it is on the medium,
// and returns its ID.
func discFile(t *testing.T, a *Area, name string, size int) uint64 {
	t.Helper()
	at := writeFile(t, a, RootID, name, string(bytes.Repeat([]byte{'d'}, size)))
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if walk(t, a, name).Staged {
		t.Fatalf("%s is still staged after the commit", name)
	}
	return at.ID
}

// TestLookupsDuringCopyUp: while the first write to a disc file copies
// it from a medium that is slow to read, lookups, getattr, readdir,
// statfs (Space) and Status still answer: the copy runs outside the
// area's lock.
func TestLookupsDuringCopyUp(t *testing.T) {
	m := &gatedMedium{fakeMedium: &fakeMedium{}}
	a := open(t, t.TempDir(), m)
	big := discFile(t, a, "big", 1<<20)
	other := writeFile(t, a, RootID, "other", "staged")

	entered, release := m.arm(t)
	h, err := a.OpenFile(big, true)
	if err != nil {
		t.Fatal(err)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := h.WriteAt([]byte("new"), 0)
		wrote <- err
	}()
	select {
	case <-entered:
	case <-time.After(deadlock):
		t.Fatal("the write never read the medium")
	}

	within(t, "Lookup", func() {
		if _, err := a.Lookup(RootID, "other"); err != nil {
			t.Error(err)
		}
	})
	within(t, "Getattr", func() {
		if _, err := a.Getattr(other.ID); err != nil {
			t.Error(err)
		}
	})
	within(t, "Getattr of the file being copied", func() {
		if at, err := a.Getattr(big); err != nil || at.Size != 1<<20 {
			t.Errorf("Getattr = %+v, %v; want the disc file's size", at, err)
		}
	})
	within(t, "ReadDir", func() {
		if des, err := a.ReadDir(RootID); err != nil || len(des) != 2 {
			t.Errorf("ReadDir = %v, %v", des, err)
		}
	})
	within(t, "Space", func() {
		if _, _, err := a.Space(); err != nil {
			t.Error(err)
		}
	})
	within(t, "Status", func() { a.Status() })
	within(t, "a write to another file", func() {
		h2, err := a.OpenFile(other.ID, true)
		if err != nil {
			t.Error(err)
			return
		}
		defer h2.Release()
		if _, err := h2.WriteAt([]byte("more"), 6); err != nil {
			t.Error(err)
		}
	})
	select {
	case err := <-wrote:
		t.Fatalf("the write returned (%v) before the medium was read", err)
	default:
	}

	release()
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	want := "new" + string(bytes.Repeat([]byte{'d'}, 1<<20-3))
	if got := readFile(t, a, big); got != want {
		t.Fatalf("after the copy-up the file holds %d bytes starting %q; want %d starting %q", len(got), got[:8], len(want), want[:8])
	}
	if got := readFile(t, a, other.ID); got != "stagedmore" {
		t.Fatalf("other = %q", got)
	}
}

// TestCopyUpDuringCommit: a copy-up that runs while a commit starts and
// ends keeps its data file (the commit's clean-up must not take it) and
// lands in the next session.
func TestCopyUpDuringCommit(t *testing.T) {
	m := &gatedMedium{fakeMedium: &fakeMedium{}}
	dir := t.TempDir()
	a := open(t, dir, m)
	big := discFile(t, a, "big", 64<<10)
	writeFile(t, a, RootID, "other", "staged")

	entered, release := m.arm(t)
	h, err := a.OpenFile(big, true)
	if err != nil {
		t.Fatal(err)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := h.WriteAt([]byte("new"), 0)
		wrote <- err
	}()
	<-entered
	// The commit writes "other" from its data file; the gated ReadAt
	// only holds the copy-up (the fake's Append reads sources, not the
	// medium).
	within(t, "Commit", func() {
		if err := a.Commit(CommitOptions{}); err != nil {
			t.Error(err)
		}
	})
	release()
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	m.disarm()
	if !walk(t, a, "big").Staged {
		t.Fatal("big is not staged after its copy-up")
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	got := sessionFile(t, m.fakeMedium, "/big")
	if want := "new" + string(bytes.Repeat([]byte{'d'}, 64<<10-3)); got != want {
		t.Fatalf("the next session holds %d bytes starting %q", len(got), got[:min(8, len(got))])
	}
}

// countingMedium counts projections.
type countingMedium struct {
	*fakeMedium
	projections int
}

func (m *countingMedium) Project(root *tree.Node, opts CommitOptions) (uint32, []master.Warning, error) {
	m.projections++
	return m.fakeMedium.Project(root, opts)
}

// TestCommitReusesProjection: a commit of the state Status has just
// projected lays it out once, not twice; on a medium without a capacity
// the commit does not project at all (writing lays it out).
func TestCommitReusesProjection(t *testing.T) {
	for _, capacity := range []uint32{0, 100000} {
		m := &countingMedium{fakeMedium: &fakeMedium{capacity: capacity}}
		a := open(t, t.TempDir(), m)
		writeFile(t, a, RootID, "a", "one")
		a.Status()
		if m.projections != 1 {
			t.Fatalf("capacity %d: Status projected %d times", capacity, m.projections)
		}
		if err := a.Commit(CommitOptions{}); err != nil {
			t.Fatal(err)
		}
		if m.projections != 1 {
			t.Errorf("capacity %d: the commit projected again (%d projections)", capacity, m.projections)
		}
	}
}

// warningMedium is a medium whose projections warn of one name and
// that keeps the options of each.
type warningMedium struct {
	*countingMedium
	opts []CommitOptions
}

func (m *warningMedium) Project(root *tree.Node, opts CommitOptions) (uint32, []master.Warning, error) {
	m.opts = append(m.opts, opts)
	n, _, err := m.countingMedium.Project(root, opts)
	return n, []master.Warning{{Path: "/CON", Hierarchy: master.HierarchyWindows, Reason: "names a device"}}, err
}

// TestProjectionKeepsWarnings: the status's projection is laid out with
// the options commits take (SetCommitOptions) and keeps the warnings the
// session would be written with: Status sums them up and
// PendingWithWarnings holds them without laying the session out again; a commit with the same
// options reuses the projection, one with another UDF lays its own out.
func TestProjectionKeepsWarnings(t *testing.T) {
	m := &warningMedium{countingMedium: &countingMedium{fakeMedium: &fakeMedium{capacity: 100000}}}
	a := open(t, t.TempDir(), m)
	a.SetCommitOptions(CommitOptions{VolumeID: "V", UDF: 0x0201, Now: true})
	writeFile(t, a, RootID, "CON", "one")
	s := a.Status()
	if s.Warnings == nil || s.Warnings.Names() != 1 {
		t.Fatalf("status warnings: %+v", s.Warnings)
	}
	if p := a.PendingWithWarnings(); p.Warnings == nil || len(p.Warnings.Examples) != 1 || p.Warnings.Examples[0].Path != "/CON" {
		t.Errorf("pending warnings: %+v", p.Warnings)
	}
	if m.projections != 1 || m.opts[0].VolumeID != "V" || m.opts[0].UDF != 0x0201 {
		t.Fatalf("%d projections, with %+v", m.projections, m.opts)
	}
	if err := a.Commit(CommitOptions{VolumeID: "V", UDF: 0x0201}); err != nil {
		t.Fatal(err)
	}
	if m.projections != 1 {
		t.Errorf("a commit with the mount's options projected again (%d projections)", m.projections)
	}
	if s := a.Status(); s.Warnings != nil {
		t.Errorf("with nothing staged, the status warns: %+v", s.Warnings)
	}

	writeFile(t, a, RootID, "b", "two")
	a.Status()
	if err := a.Commit(CommitOptions{VolumeID: "V", NoUDF: true}); err != nil {
		t.Fatal(err)
	}
	if m.projections != 3 || !m.opts[2].NoUDF {
		t.Errorf("a commit without UDF: %d projections, with %+v; want it laid out with its own options", m.projections, m.opts)
	}
}

// TestStatusIsASnapshot: a Status once returned does not change when the
// area goes on: its lists are its own. A status shared its outcomes with
// the area, so a mount that encoded it after a commit ended showed the
// commit running with its outcome done.
func TestStatusIsASnapshot(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	a.mu.Lock()
	a.outcome(Outcome{ID: "x", State: OutcomeRunning})
	a.status.GaveUpOn = []OpenFile{{Path: "/a"}}
	a.status.Partial = []OpenFile{{Path: "/b"}}
	a.status.Conflicts = []Conflict{{Path: "/c"}}
	a.mu.Unlock()
	s := a.Status()
	a.mu.Lock()
	a.outcome(Outcome{ID: "x", State: OutcomeDone})
	a.status.GaveUpOn[0].Path, a.status.Partial[0].Path, a.status.Conflicts[0].Path = "/z", "/z", "/z"
	a.mu.Unlock()
	if s.Outcomes[0].State != OutcomeRunning || s.GaveUpOn[0].Path != "/a" || s.Partial[0].Path != "/b" || s.Conflicts[0].Path != "/c" {
		t.Errorf("the status changed after it was returned: %+v %+v %+v %+v", s.Outcomes, s.GaveUpOn, s.Partial, s.Conflicts)
	}
}

// TestPendingListDoesNotLayOut: the pending list (the mount's
// .discstage/pending, read by file managers) never lays the next session
// out, which on a disc of a million files takes seconds and gigabytes;
// its warnings (pending.json) are those of the projection Status made
// of the state as it is, and none are told, as unknown, when the state
// changed since.
func TestPendingListDoesNotLayOut(t *testing.T) {
	m := &warningMedium{countingMedium: &countingMedium{fakeMedium: &fakeMedium{capacity: 100000}}}
	a := open(t, t.TempDir(), m)
	writeFile(t, a, RootID, "CON", "one")
	if p := a.Pending(); p.Counts.Added != 1 || p.Warnings != nil || m.projections != 0 {
		t.Fatalf("the list: %+v, %d projections", p, m.projections)
	}
	if p := a.PendingWithWarnings(); p.Warnings != nil || !p.WarningsUnknown || m.projections != 0 {
		t.Fatalf("the list with warnings before a status: %+v, %d projections", p, m.projections)
	}
	a.Status()
	p := a.PendingWithWarnings()
	if p.Warnings == nil || p.WarningsUnknown || p.Warnings.Names() != 1 || m.projections != 1 {
		t.Fatalf("the list with warnings after a status: %+v, %d projections", p, m.projections)
	}
	writeFile(t, a, RootID, "b", "two")
	if p := a.PendingWithWarnings(); p.Warnings != nil || !p.WarningsUnknown || p.Counts.Added != 2 || m.projections != 1 {
		t.Errorf("the list with warnings after a change: %+v, %d projections", p, m.projections)
	}
	if p := a.Pending(); p.Warnings != nil || m.projections != 1 {
		t.Errorf("the list after a change: %+v, %d projections", p, m.projections)
	}
}

// manyWarningsMedium is a medium whose projections warn of n names.
type manyWarningsMedium struct {
	*countingMedium
	n int
}

func (m *manyWarningsMedium) Project(root *tree.Node, opts CommitOptions) (uint32, []master.Warning, error) {
	n, _, err := m.countingMedium.Project(root, opts)
	ws := make([]master.Warning, m.n)
	for i := range ws {
		ws[i] = master.Warning{Path: fmt.Sprintf("/%d", i), Hierarchy: master.HierarchyJoliet, Reason: "longer than 64 characters"}
	}
	return n, ws, err
}

// TestProjectionKeepsBoundedWarnings: the area keeps the warnings of its
// projection summed up once, with the first keptWarnings in full (a
// disc of a million long names warns of each), until the commit that
// writes the session finishes; the status gives the first few of them
// and the list (pending.json) the kept ones and how many more there are.
func TestProjectionKeepsBoundedWarnings(t *testing.T) {
	const n = keptWarnings + 500
	m := &manyWarningsMedium{countingMedium: &countingMedium{fakeMedium: &fakeMedium{capacity: 100000}}, n: n}
	a := open(t, t.TempDir(), m)
	writeFile(t, a, RootID, "a", "one")
	s := a.Status()
	if s.Warnings == nil || s.Warnings.Names() != n || len(s.Warnings.Examples) != master.SummaryExamples || s.Warnings.Unlisted != n-master.SummaryExamples {
		t.Fatalf("status warnings: %v", s.Warnings)
	}
	p := a.PendingWithWarnings()
	if p.Warnings == nil || p.Warnings.Names() != n || len(p.Warnings.Examples) != keptWarnings || p.Warnings.Unlisted != 500 {
		t.Fatalf("pending warnings: %d examples, %d unlisted", len(p.Warnings.Examples), p.Warnings.Unlisted)
	}
	a.mu.Lock()
	kept := a.projWarn
	a.mu.Unlock()
	if kept == nil || len(kept.Examples) != keptWarnings {
		t.Fatalf("the area keeps %v", kept)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	kept = a.projWarn
	a.mu.Unlock()
	if kept != nil {
		t.Errorf("the committed session's warnings are kept: %d examples", len(kept.Examples))
	}
}

// hookMedium is a warningMedium that calls during each projection the
// hook set then.
type hookMedium struct {
	*warningMedium
	during func()
}

func (m *hookMedium) Project(root *tree.Node, opts CommitOptions) (uint32, []master.Warning, error) {
	if f := m.during; f != nil {
		m.during = nil
		f()
	}
	return m.warningMedium.Project(root, opts)
}

// TestProjectionKeepsItsOptions: a projection is reused for the options
// it was laid out with, not for those the mount has since: options set
// while the status lays the session out make the next status, and a
// commit with them, lay it out again.
func TestProjectionKeepsItsOptions(t *testing.T) {
	m := &hookMedium{warningMedium: &warningMedium{countingMedium: &countingMedium{fakeMedium: &fakeMedium{capacity: 100000}}}}
	a := open(t, t.TempDir(), m)
	a.SetCommitOptions(CommitOptions{VolumeID: "A"})
	writeFile(t, a, RootID, "a", "one")
	m.during = func() { a.SetCommitOptions(CommitOptions{VolumeID: "B"}) }
	a.Status()
	if m.projections != 1 || m.opts[0].VolumeID != "A" {
		t.Fatalf("%d projections, with %+v", m.projections, m.opts)
	}
	if p := a.PendingWithWarnings(); !p.WarningsUnknown {
		t.Errorf("the warnings of a projection with volume id A are told for B: %+v", p.Warnings)
	}
	if err := a.Commit(CommitOptions{VolumeID: "B"}); err != nil {
		t.Fatal(err)
	}
	if m.projections != 2 || m.opts[1].VolumeID != "B" {
		t.Errorf("a commit with volume id B: %d projections, with %+v; want one of its own", m.projections, m.opts)
	}
}
