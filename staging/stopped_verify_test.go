package staging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/master"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// stopAfterWrite is an image whose next append, once its session is
// written, runs stopped: the test copies the area there, as a process
// killed before it finished the commit leaves it.
type stopAfterWrite struct {
	Medium
	stopped func()
}

func (m *stopAfterWrite) AppendResult(ctx context.Context, root *tree.Node, o CommitOptions) (AppendResult, error) {
	res, err := m.Medium.(ResultAppender).AppendResult(ctx, root, o)
	if f := m.stopped; f != nil && err == nil {
		m.stopped = nil
		f()
	}
	return res, err
}

// unreadable is a medium that cannot read a session back.
type unreadable struct{ Medium }

func (m unreadable) CheckWritten(start, sectors uint32) error {
	return fmt.Errorf("read at LBA %d: input/output error", start)
}

// TestStoppedCommitIsVerifiedOnReopen: the process stops after a
// commit wrote its session and before it verified it. Reopening checks
// the session against its checksums before it takes the commit as done:
// a session whose bytes went bad on the way leaves the changes staged,
// the error told, and the next commit writes them again; a good one is
// the new base and nothing stays staged.
func TestStoppedCommitIsVerifiedOnReopen(t *testing.T) {
	for _, bad := range []bool{true, false} {
		t.Run(fmt.Sprintf("bad=%v", bad), func(t *testing.T) {
			work := t.TempDir()
			path := filepath.Join(work, "disc.iso")
			img, err := writer.OpenImage(path, writer.ImageOptions{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			dir, crashed := filepath.Join(work, "area"), filepath.Join(work, "crashed")
			m := &stopAfterWrite{Medium: TargetMedium(img)}
			a := open(t, dir, m)
			writeFile(t, a, RootID, "base", "on the disc")
			if err := a.Commit(CommitOptions{VolumeID: "T"}); err != nil {
				t.Fatal(err)
			}
			data := bytes.Repeat([]byte("staged bytes "), 20000)
			writeFile(t, a, RootID, "big", string(data))
			m.stopped = func() { copyDir(t, dir, crashed) } // the process dies here
			if err := a.Commit(CommitOptions{VolumeID: "T"}); err != nil {
				t.Fatal(err)
			}
			a.Close()
			if bad {
				// A sector of the file's data reads other bytes than
				// were written.
				root, _, err := m.Newest()
				if err != nil {
					t.Fatal(err)
				}
				n := root.Child("big")
				if n == nil || len(n.Extents) == 0 {
					t.Fatalf("the session holds no big: %+v", root.Children)
				}
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteAt([]byte("BITROT"), int64(n.Extents[0].LBA)*tree.SectorSize+100); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}

			// A medium that cannot be read now fails the opening and
			// keeps the commit for the next one.
			if _, err := Open(crashed, unreadable{TargetMedium(img)}); err == nil || !strings.Contains(err.Error(), "input/output error") {
				t.Fatalf("opening over a medium that cannot be read: %v", err)
			}
			b := open(t, crashed, TargetMedium(img))
			s := b.Status()
			if !bad {
				if s.Pending || s.StagedFiles != 0 || s.LastError != "" || !strings.Contains(b.Resumed(), "verifies") {
					t.Errorf("after a good session: pending %v, %d staged, last error %q, told %q",
						s.Pending, s.StagedFiles, s.LastError, b.Resumed())
				}
				return
			}
			if !s.Pending || s.StagedFiles != 1 || !strings.Contains(s.LastError, "did not verify") || b.Resumed() != s.LastError {
				t.Fatalf("after a bad session: pending %v, %d staged, last error %q, told %q; want the change staged and the failure told",
					s.Pending, s.StagedFiles, s.LastError, b.Resumed())
			}
			if got := readFile(t, b, walk(t, b, "big").ID); got != string(data) {
				t.Error("the view reads big's bytes from the bad session, not from the staged file")
			}
			if err := b.Commit(CommitOptions{VolumeID: "T"}); err != nil {
				t.Fatal(err)
			}
			if s := b.Status(); s.Pending || s.StagedFiles != 0 {
				t.Errorf("after the next commit: pending %v, %d staged", s.Pending, s.StagedFiles)
			}
			if got := readFile(t, b, walk(t, b, "big").ID); got != string(data) {
				t.Error("the next session does not hold big's bytes")
			}
		})
	}
}

// projectFails is a medium that cannot lay the next session out.
type projectFails struct{ Medium }

func (m projectFails) Project(*tree.Node, CommitOptions) (uint32, []master.Warning, error) {
	return 0, nil, fmt.Errorf("master: lay out: more than 65535 directories: %w", master.ErrUnsupported)
}

// TestStatusTellsWhyNoSessionCanBeLaidOut: when the next session cannot
// be laid out, the status says why instead of a size of 0.
func TestStatusTellsWhyNoSessionCanBeLaidOut(t *testing.T) {
	a := open(t, t.TempDir(), projectFails{&fakeMedium{}})
	writeFile(t, a, RootID, "f", "x")
	if s := a.Status(); !strings.Contains(s.ProjectError, "65535 directories") {
		t.Errorf("status: projected %d sectors, error %q", s.ProjectedSectors, s.ProjectError)
	}
}

// projectNotReady is a medium whose layouts fail as a drive not ready
// makes them fail, and that counts them.
type projectNotReady struct {
	Medium
	calls int
}

func (m *projectNotReady) Project(*tree.Node, CommitOptions) (uint32, []master.Warning, error) {
	m.calls++
	return 0, nil, errors.New("drive not ready")
}

// TestProjectionAsksAgainAfterAMediumError: a layout that failed for the
// medium's sake is not kept: each status lays the session out again
// (and so learns when the drive is ready), while one that failed for the
// tree's sake is kept until the tree changes.
func TestProjectionAsksAgainAfterAMediumError(t *testing.T) {
	m := &projectNotReady{Medium: &fakeMedium{}}
	a := open(t, t.TempDir(), m)
	writeFile(t, a, RootID, "f", "x")
	before := m.calls
	for range 3 {
		if s := a.Status(); s.ProjectError == "" {
			t.Fatalf("status: projected %d sectors, no error", s.ProjectedSectors)
		}
	}
	if n := m.calls - before; n != 3 {
		t.Errorf("three statuses laid the session out %d times, want 3", n)
	}
}

// noChecksums is a medium whose sessions hold no checksums, as another
// program writes them (xorriso without -md5).
type noChecksums struct{ *fakeMedium }

func (m noChecksums) CheckWritten(start, sectors uint32) error {
	return fmt.Errorf("verify session at LBA %d: %w: %w", start, writer.ErrVerify, master.ErrUnverifiable)
}

// TestStoppedCommitAndASessionWithoutChecksums: the session found where
// a stopped commit was to start holds its files but no checksums, which
// every session a commit writes holds: it is another program's. The
// changes are moved onto it and stay staged, and nothing is said to have
// failed (it was recorded as a failed session of the area's own, whose
// files the next commit would have written over).
func TestStoppedCommitAndASessionWithoutChecksums(t *testing.T) {
	dir, fm := t.TempDir(), &fakeMedium{}
	a := commitOne(t, dir, fm, "base", CommitOptions{})
	writeFile(t, a, RootID, "second", "two")
	crashed := crashHeld(t, a, fm, dir)

	b := open(t, crashed, noChecksums{fm})
	s := b.Status()
	if s.LastError != "" || b.Resumed() != notWritten || !s.Pending {
		t.Errorf("last error %q, told %q, pending %v", s.LastError, b.Resumed(), s.Pending)
	}
	if got := readFile(t, b, walk(t, b, "second").ID); got != "two" {
		t.Errorf("second = %q", got)
	}
}
