package staging

import (
	"testing"
	"time"
)

// AwaitOutcome returns as soon as the commit's outcome is recorded, and
// the status read right after shows it done; while the commit runs it
// returns false when its time is up; an unknown ID does not wait.
func TestAwaitOutcome(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	if !a.AwaitOutcome("nobody", time.Hour) {
		t.Error("await of an unknown commit waited")
	}
	writeFile(t, a, RootID, "f", "data")
	startHeld(t, a, m, CommitOptions{ID: "c1"})
	// Held in Append: the time runs out first.
	if a.AwaitOutcome("c1", time.Millisecond) {
		t.Fatal("await returned ended while the commit was held")
	}
	ended := make(chan bool)
	go func() { ended <- a.AwaitOutcome("c1", time.Hour) }()
	close(m.block)
	if !<-ended {
		t.Fatal("await gave up before the commit ended")
	}
	o, ok := outcomeIn(a.Status(), "c1")
	if !ok || o.State != OutcomeDone {
		t.Errorf("outcome after await = %+v (found %v), want done", o, ok)
	}
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if !a.AwaitOutcome("c1", time.Hour) {
		t.Error("await of an ended commit waited")
	}
}

func outcomeIn(s Status, id string) (Outcome, bool) {
	for _, o := range s.Outcomes {
		if o.ID == id {
			return o, true
		}
	}
	return Outcome{}, false
}

// A commit's snapshot leaves the staged files' number and size cached
// for the area's version: the status reads that follow it stat no staged
// file again (a stat of each under a busy commit cost as much as the
// commit's own snapshot), and they say what a stat of each would.
func TestCommitKeepsStagedSizes(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	writeFile(t, a, RootID, "a", "12345")
	writeFile(t, a, RootID, "b", "123")
	d, err := a.Mkdir(RootID, "d", 0o755, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, d.ID, "c", "1234567")
	startHeld(t, a, m, CommitOptions{ID: "c"})
	a.mu.Lock()
	c, version := a.sizes, a.version
	want := a.stagedFiles()
	a.mu.Unlock()
	if !c.ok || c.version != version {
		t.Errorf("sizes cached %+v at version %d, want them for the commit's version", c, version)
	}
	if c.files != len(want) || c.bytes != a.stagedBytes(want) || c.bytes != 15 {
		t.Errorf("sizes cached %+v, want %d files of %d bytes", c, len(want), a.stagedBytes(want))
	}
	if s := a.Status(); s.StagedFiles != 3 || s.StagedBytes != 15 {
		t.Errorf("status during the commit: %d files, %d bytes; want 3, 15", s.StagedFiles, s.StagedBytes)
	}
	close(m.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
}

// A status read while a commit writes makes no list of the pending
// changes when none was made before the commit: it says they are not
// counted and leaves the list unmade (the list compares every path and
// stats every staged file under the area's lock). A list made before
// the commit is what the status counts from meanwhile.
func TestStatusDuringCommitMakesNoList(t *testing.T) {
	for _, listed := range []bool{false, true} {
		m := &fakeMedium{}
		a := open(t, t.TempDir(), m)
		writeFile(t, a, RootID, "a", "12345")
		writeFile(t, a, RootID, "b", "123")
		if listed {
			if s := a.Status(); s.Changes.Added != 2 || s.ChangesUncounted {
				t.Fatalf("status before the commit: %+v", s.Changes)
			}
		}
		startHeld(t, a, m, CommitOptions{ID: "c"})
		s := a.Status()
		a.mu.Lock()
		made := a.pendingCache.list != nil
		a.mu.Unlock()
		switch {
		case s.State != StateCommitting:
			t.Errorf("listed %v: state %s, want committing", listed, s.State)
		case !listed && (!s.ChangesUncounted || s.Changes.Total() != 0 || made):
			t.Errorf("unlisted: status during the commit says %+v, uncounted %v; list made: %v", s.Changes, s.ChangesUncounted, made)
		case listed && (s.ChangesUncounted || s.Changes.Added != 2):
			t.Errorf("listed: status during the commit says %+v, uncounted %v", s.Changes, s.ChangesUncounted)
		}
		close(m.block)
		if err := a.Wait(); err != nil {
			t.Fatal(err)
		}
		if s := a.Status(); s.ChangesUncounted || s.Pending {
			t.Errorf("listed %v: status after the commit: %+v", listed, s)
		}
	}
}

// TestCommitLetsTheBaseTreeGo: the base session's tree, which a status
// read keeps to list the changes against, is let go when a commit starts
// writing (on a disc of a million files a quarter of a gigabyte under the
// commit's own trees); the status during the commit still shows the list.
func TestCommitLetsTheBaseTreeGo(t *testing.T) {
	m := &fakeMedium{}
	a := commitOne(t, t.TempDir(), m, "a", CommitOptions{})
	writeFile(t, a, RootID, "b", "123")
	if s := a.Status(); s.Changes.Added != 1 {
		t.Fatalf("status before the commit: %+v", s.Changes)
	}
	a.mu.Lock()
	kept := a.pendingCache.base != nil
	a.mu.Unlock()
	if !kept {
		t.Fatal("the status read kept no base tree")
	}
	startHeld(t, a, m, CommitOptions{ID: "c"})
	s := a.Status()
	a.mu.Lock()
	kept = a.pendingCache.base != nil
	a.mu.Unlock()
	close(m.block)
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if kept {
		t.Error("the base tree is kept while the commit writes")
	}
	if s.ChangesUncounted || s.Changes.Added != 1 {
		t.Errorf("status during the commit: %+v, uncounted %v", s.Changes, s.ChangesUncounted)
	}
}
