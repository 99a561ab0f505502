package staging

import (
	"errors"
	"testing"
	"time"
)

// sessionFile returns the bytes of path in the medium's newest session.
func sessionFile(t *testing.T, m *fakeMedium, path string) string {
	t.Helper()
	n := must(m.Newest()).Lookup(path)
	if n == nil {
		t.Fatalf("%s is not in the newest session", path)
	}
	if n.Size == 0 {
		return ""
	}
	return string(m.data[n.Extents[0].LBA*2048:][:n.Size])
}

// TestCommitWaitsForWriters: a commit that finds a staged file open for
// writing waits, says which file, and writes the whole file once it is
// closed.
func TestCommitWaitsForWriters(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	writeFile(t, a, RootID, "done", "closed already")
	_, h, err := a.Create(RootID, "big", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.WriteAt([]byte("first half,"), 0)
	if err := a.StartCommit(CommitOptions{WaitOpen: time.Hour}); err != nil {
		t.Fatal(err)
	}
	s := a.Status()
	if s.State != StateWaiting || len(s.OpenForWriting) != 1 || s.OpenForWriting[0].Path != "/big" || s.OpenForWriting[0].Size != 11 {
		t.Fatalf("status while waiting: %+v", s)
	}
	if err := a.StartCommit(CommitOptions{}); !errors.Is(err, ErrBusy) {
		t.Errorf("a second commit while one waits: %v", err)
	}
	h.WriteAt([]byte(" second half"), 11)
	if s := a.Status(); s.OpenForWriting[0].Size != 23 {
		t.Errorf("status shows the size of the waited file as %d, want 23", s.OpenForWriting[0].Size)
	}
	if len(m.sessions) != 0 {
		t.Fatal("a session was written while a file was open for writing")
	}
	h.Release()
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := sessionFile(t, m, "/big"); got != "first half, second half" {
		t.Errorf("session holds %q", got)
	}
	if s := a.Status(); s.Pending || len(s.Partial) != 0 || len(s.OpenForWriting) != 0 || s.State != StateIdle {
		t.Errorf("status after the commit: %+v", s)
	}
}

// TestCommitGivesUpOnWriters: a writer that never closes makes the
// commit give up after its timeout; nothing is written and everything
// stays staged.
func TestCommitGivesUpOnWriters(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	_, h, err := a.Create(RootID, "big", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.WriteAt([]byte("partial"), 0)
	if err := a.StartCommit(CommitOptions{WaitOpen: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	err = a.Wait()
	if !errors.Is(err, ErrOpenForWriting) {
		t.Fatalf("commit with a writer that never closes: %v", err)
	}
	s := a.Status()
	if len(m.sessions) != 0 || s.Sessions != 0 {
		t.Error("a session was written")
	}
	if s.State != StateIdle || s.LastError == "" || len(s.GaveUpOn) != 1 || s.GaveUpOn[0].Path != "/big" || len(s.OpenForWriting) != 1 || !s.Pending || s.StagedFiles != 1 || s.Commits != 1 {
		t.Errorf("status after giving up: %+v", s)
	}
	// Refused at once without waiting.
	if err := a.StartCommit(CommitOptions{WaitOpen: -1}); !errors.Is(err, ErrOpenForWriting) {
		t.Errorf("commit that does not wait: %v", err)
	}
	h.WriteAt([]byte(" and the rest"), 7)
	h.Release()
	if got := readFile(t, a, walk(t, a, "big").ID); got != "partial and the rest" {
		t.Errorf("staged file after the refusals: %q", got)
	}
	if err := a.Commit(CommitOptions{WaitOpen: -1}); err != nil {
		t.Fatal(err)
	}
	if got := sessionFile(t, m, "/big"); got != "partial and the rest" {
		t.Errorf("session holds %q", got)
	}
}

// TestCommitNowTakesOpenFiles: CommitOptions.Now writes files open for
// writing as they are and lists them with the size written.
func TestCommitNowTakesOpenFiles(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	_, h, err := a.Create(RootID, "big", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	h.WriteAt([]byte("half"), 0)
	if err := a.Commit(CommitOptions{Now: true, WaitOpen: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if got := sessionFile(t, m, "/big"); got != "half" {
		t.Errorf("session holds %q", got)
	}
	s := a.Status()
	if len(s.Partial) != 1 || s.Partial[0] != (OpenFile{Path: "/big", Size: 4}) {
		t.Errorf("partial files: %+v", s.Partial)
	}
	// The rest goes to the next session.
	h.WriteAt([]byte(" and more"), 4)
	if s := a.Status(); !s.Pending {
		t.Error("a write after the snapshot is not pending")
	}
	h.Release()
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := sessionFile(t, m, "/big"); got != "half and more" {
		t.Errorf("session 2 holds %q", got)
	}
	if s := a.Status(); len(s.Partial) != 0 {
		t.Errorf("partial files after a clean commit: %+v", s.Partial)
	}
}

// TestReaderDoesNotDelayCommit: a file open only for reading, even one
// read directly (passthrough), neither delays a commit nor stays staged
// after it.
func TestReaderDoesNotDelayCommit(t *testing.T) {
	for _, pinned := range []bool{false, true} {
		m := &fakeMedium{}
		a := open(t, t.TempDir(), m)
		f := writeFile(t, a, RootID, "f", "content")
		h, err := a.OpenFile(f.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if pinned {
			if _, ok := h.Pin(); !ok {
				t.Fatal("a staged file open for reading cannot be pinned")
			}
		}
		// WaitOpen -1 refuses at once if anything counts as open for writing.
		if err := a.Commit(CommitOptions{WaitOpen: -1}); err != nil {
			t.Fatalf("pinned=%v: commit with a reader: %v", pinned, err)
		}
		if got := sessionFile(t, m, "/f"); got != "content" {
			t.Errorf("pinned=%v: session holds %q", pinned, got)
		}
		if s := a.Status(); s.Pending || s.StagedFiles != 0 || len(s.Partial) != 0 {
			t.Errorf("pinned=%v: a file held open for reading stays pending after the commit: %+v", pinned, s)
		}
		if err := a.Commit(CommitOptions{}); !errors.Is(err, ErrNothingStaged) {
			t.Errorf("pinned=%v: a second commit: %v", pinned, err)
		}
		b := make([]byte, 7)
		if n, _ := h.ReadAt(b, 0); string(b[:n]) != "content" {
			t.Errorf("pinned=%v: the reader reads %q after the commit", pinned, b[:n])
		}
		h.Release()
		if n := dataFiles(t, a); n != 0 {
			t.Errorf("pinned=%v: %d data files left", pinned, n)
		}
	}
}

// TestWriterAfterPinnedReaderCommit: a file that went to the medium while
// a reader used its data file directly is staged again by a writer, and
// its new bytes reach the next session.
func TestWriterAfterPinnedReaderCommit(t *testing.T) {
	m := &fakeMedium{}
	a := open(t, t.TempDir(), m)
	f := writeFile(t, a, RootID, "f", "old")
	r, err := a.OpenFile(f.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	if _, ok := r.Pin(); !ok {
		t.Fatal("pin")
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := a.OpenFile(f.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	pf, ok := w.Pin()
	if !ok {
		t.Fatal("a writer of a file a reader uses directly cannot use it directly too")
	}
	pf.WriteAt([]byte("NEW"), 0)
	if s := a.Status(); !s.Pending || s.StagedFiles != 1 {
		t.Errorf("status after a writer pinned the file: %+v", s)
	}
	w.Release()
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := sessionFile(t, m, "/f"); got != "NEW" {
		t.Errorf("session 2 holds %q", got)
	}
}

// TestCloseEndsWait: closing the area ends a commit waiting for open
// files at once, without writing.
func TestCloseEndsWait(t *testing.T) {
	a := open(t, t.TempDir(), &fakeMedium{})
	_, h, err := a.Create(RootID, "big", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	if err := a.StartCommit(CommitOptions{WaitOpen: time.Hour}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if err := a.Wait(); !errors.Is(err, ErrAreaClosed) {
		t.Errorf("wait after close: %v", err)
	}
}
