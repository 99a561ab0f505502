package staging

import (
	"errors"
	iofs "io/fs"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// TestPendingListsEveryKindOfChange: after deletions, renames and
// attribute changes of files already on the disc, the pending list
// names each, where the staged-file count alone said nothing waits.
func TestPendingListsEveryKindOfChange(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	writeFile(t, a, RootID, "keep", "k")
	writeFile(t, a, RootID, "gone", "g")
	writeFile(t, a, RootID, "old", "o")
	writeFile(t, a, RootID, "mod", "m")
	writeFile(t, a, RootID, "chmod", "c")
	d, err := a.Mkdir(RootID, "d", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, d.ID, "x", "x1")
	writeFile(t, a, d.ID, "y", "y1")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := a.Pending(); p.Counts.Total() != 0 || len(p.Changes) != 0 {
		t.Fatalf("after a commit: %+v", p)
	}

	if err := a.Unlink(RootID, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := a.Rename(RootID, "old", RootID, "new", 0); err != nil {
		t.Fatal(err)
	}
	if err := a.Rename(RootID, "d", RootID, "e", 0); err != nil {
		t.Fatal(err)
	}
	mode := iofs.FileMode(0o600)
	if _, err := a.Setattr(walk(t, a, "chmod").ID, SetAttr{Mode: &mode}); err != nil {
		t.Fatal(err)
	}
	h, err := a.OpenFile(walk(t, a, "mod").ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("more"), 1); err != nil {
		t.Fatal(err)
	}
	h.Release()
	writeFile(t, a, RootID, "added", "abc")

	s := a.Status()
	if s.StagedFiles != 2 {
		t.Errorf("staged files = %d, want 2 (mod and added)", s.StagedFiles)
	}
	want := PendingCounts{Added: 1, Changed: 1, Deleted: 1, Renamed: 2, Attributes: 1}
	if s.Changes != want {
		t.Errorf("status counts = %+v, want %+v", s.Changes, want)
	}
	p := a.Pending()
	var lines []string
	for _, c := range p.Changes {
		lines = append(lines, c.Line())
	}
	got := strings.Join(lines, "\n")
	wantText := strings.Join([]string{
		"added    /added",
		"attrs    /chmod",
		"renamed  /e/ <- /d/",
		"deleted  /gone",
		"changed  /mod",
		"renamed  /new <- /old",
	}, "\n")
	if got != wantText {
		t.Errorf("pending list:\n%s\nwant:\n%s", got, wantText)
	}
	if !strings.HasSuffix(p.Text(), "# 1 added, 1 changed, 1 deleted, 2 renamed, 1 attributes only\n") {
		t.Errorf("text ends:\n%s", p.Text())
	}
	// Deleting a file inside a renamed directory names it where it was.
	if err := a.Unlink(walk(t, a, "e").ID, "x"); err != nil {
		t.Fatal(err)
	}
	if p := a.Pending(); p.Counts.Deleted != 2 || !strings.Contains(p.Text(), "deleted  /d/x\n") {
		t.Errorf("after deleting e/x:\n%s", p.Text())
	}
	// A whole deleted directory is one line.
	if err := a.Unlink(walk(t, a, "e").ID, "y"); err != nil {
		t.Fatal(err)
	}
	if err := a.Rmdir(RootID, "e"); err != nil {
		t.Fatal(err)
	}
	if p := a.Pending(); !strings.Contains(p.Text(), "deleted  /d/\n") || strings.Contains(p.Text(), "/d/x") {
		t.Errorf("after deleting the directory:\n%s", p.Text())
	}
}

// unreadableWhileWriting is a medium that cannot be probed while a
// session is written to it, as an image whose first session's head is
// still zeros.
type unreadableWhileWriting struct{ *fakeMedium }

func (m unreadableWhileWriting) Info() (MediumInfo, error) {
	select {
	case <-m.entered:
		select {
		case <-m.block:
		default:
			return MediumInfo{}, errors.New("no primary volume descriptor at LBA 16 or 48")
		}
	default:
	}
	return m.fakeMedium.Info()
}

// TestStatusDuringAFirstCommit: while the first session is written the
// status shows the medium as it was (blank, its free space), not a
// reader's error; the progress shows the commit's phase.
func TestStatusDuringAFirstCommit(t *testing.T) {
	fm := &fakeMedium{capacity: 1000, block: make(chan struct{}), entered: make(chan struct{})}
	a := open(t, t.TempDir(), unreadableWhileWriting{fm})
	writeFile(t, a, RootID, "f", "data")
	if err := a.StartCommit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	<-fm.entered
	s := a.Status()
	if s.MediumError != "" || s.FreeSectors <= 0 || s.State != StateCommitting {
		t.Errorf("status while writing: state %s, medium error %q, free %d", s.State, s.MediumError, s.FreeSectors)
	}
	close(fm.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	s = a.Status()
	if s.Progress == nil || s.Progress.Percent != 100 || s.Percent != 100 {
		t.Errorf("progress after the commit: %+v", s.Progress)
	}
	if o := s.Outcomes; len(o) != 0 {
		t.Errorf("outcomes without an id: %+v", o)
	}
}

// flakyMedium fails to be probed while down is set: no disc in the drive.
type flakyMedium struct {
	*fakeMedium
	down *bool
}

func (m flakyMedium) Info() (MediumInfo, error) {
	if *m.down {
		return MediumInfo{}, errors.New("no medium")
	}
	return m.fakeMedium.Info()
}

// TestLastErrorClearedOnceTheMediumIsBack: a commit refused because the
// medium could not be probed leaves a last error, which goes once the
// medium probes again.
func TestLastErrorClearedOnceTheMediumIsBack(t *testing.T) {
	down := false
	a := open(t, t.TempDir(), flakyMedium{&fakeMedium{}, &down})
	writeFile(t, a, RootID, "f", "data")
	down = true
	if err := a.Commit(CommitOptions{}); err == nil {
		t.Fatal("a commit without a medium succeeded")
	}
	if s := a.Status(); s.LastError == "" {
		t.Fatal("no last error after the refused commit")
	}
	down = false
	if s := a.Status(); s.LastError != "" {
		t.Errorf("last error with the medium back: %q", s.LastError)
	}
}

// TestStatusReadsBaseWithoutTheLock holds the read of the base
// session's tree that the first status after a change makes (seconds
// on a disc of a million files) and checks that the area serves other
// requests meanwhile; the status then counts the changes.
func TestStatusReadsBaseWithoutTheLock(t *testing.T) {
	m := &fakeMedium{}
	root := &tree.Node{Mode: iofs.ModeDir | 0o755, Children: []*tree.Node{
		{Name: "old.txt", Mode: 0o644, Size: 3, Extents: []tree.Extent{{LBA: 40, Length: 3}}}}}
	m.sessions = []fakeSession{{start: 32, root: root}}
	a, err := Open(t.TempDir(), m)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, h, err := a.Create(RootID, "new.txt", 0o644, 0, 0); err != nil {
		t.Fatal(err)
	} else {
		h.Release()
	}
	m.mu.Lock()
	m.openGate, m.opening = make(chan struct{}), make(chan struct{})
	gate := m.openGate
	opening := m.opening
	m.mu.Unlock()
	got := make(chan Status, 1)
	go func() { got <- a.Status() }()
	<-opening // the status reads the base session now
	served := make(chan error, 1)
	go func() {
		if _, err := a.Lookup(RootID, "old.txt"); err != nil {
			served <- err
			return
		}
		_, h, err := a.Create(RootID, "another.txt", 0o644, 0, 0)
		if err == nil {
			h.Release()
		}
		served <- err
	}()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		close(gate)
		t.Fatal("a lookup and a create waited for the status's read of the base session")
	}
	close(gate)
	st := <-got
	if st.Changes.Added < 1 {
		t.Fatalf("status counts %+v", st.Changes)
	}
	if c := a.Status().Changes; c.Added != 2 {
		t.Fatalf("status counts %+v, want 2 added", c)
	}
}

// A base session the medium no longer holds (another disc in the drive)
// or cannot read leaves the changes uncounted, said with the reason: the
// disc's own files are not listed as added. Once the disc is back, they
// are counted again, the base read anew a while after it failed (never
// under the area's lock after the first time).
func TestPendingOfAnUnreadableBase(t *testing.T) {
	dir, m := t.TempDir(), &fakeMedium{}
	a := open(t, dir, m)
	writeFile(t, a, RootID, "on-disc", "d")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, RootID, "staged", "s")
	m.mu.Lock()
	sessions := m.sessions
	m.sessions = nil // another disc
	m.mu.Unlock()
	p := a.Pending()
	if p.Error == "" || p.Counts.Total() != 0 || len(p.Changes) != 1 || p.Changes[0].Kind != ChangeStaged || p.Changes[0].Path != "/staged" {
		t.Errorf("another disc in the drive: pending %+v, want the staged file, nothing counted, and why", p)
	}
	if s := a.Status(); s.ChangesError == "" || s.Changes.Total() != 0 || s.StagedFiles != 1 {
		t.Errorf("another disc in the drive: status changes %+v, error %q, %d staged files; want uncounted, why, and 1 staged", s.Changes, s.ChangesError, s.StagedFiles)
	}
	if txt := p.Text(); strings.Contains(txt, "added") || strings.Contains(txt, "on-disc") || !strings.Contains(txt, "staged   /staged") {
		t.Errorf("another disc in the drive: the pending file lists\n%s", txt)
	}
	m.mu.Lock()
	m.sessions = sessions
	m.mu.Unlock()
	time.Sleep(pendingRetry + 100*time.Millisecond) // the base is read again after a while
	if p := a.Pending(); p.Error != "" || p.Counts.Added != 1 || p.Counts.Total() != 1 {
		t.Errorf("the disc back: pending %+v, want 1 added", p)
	}
}
