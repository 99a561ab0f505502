package staging

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/burn"
	"github.com/discstage/discstage/master/tree"
	"github.com/discstage/discstage/writer"
)

// failVerify is an image whose next append writes its session and then
// fails, as a verification that finds the session bad does.
type failVerify struct {
	Medium
	fail bool
}

func (m *failVerify) AppendResult(ctx context.Context, root *tree.Node, o CommitOptions) (AppendResult, error) {
	res, err := m.Medium.(ResultAppender).AppendResult(ctx, root, o)
	if err != nil || !m.fail {
		return res, err
	}
	m.fail = false
	return AppendResult{}, &burn.WrittenError{Start: res.Start, Sectors: res.Sectors,
		Err: fmt.Errorf("verify session at LBA %d: %w", res.Start, writer.ErrVerify)}
}

// A commit whose session was written and then failed verification
// leaves its changes staged on the base they were made on: the failed
// session is not another writer's, to be rebased onto. A staged file
// removed after it stays removed in the next session (a rebase took it
// back from the failed one), a staged file kept is there, and nothing is
// reported as a conflict; so also when the area is reopened between the
// two commits, and when another writer's session, which took the failed
// one's tree over, came after it (the rebase onto it then merges from
// the failed session's tree).
func TestFailedSessionIsNoRebase(t *testing.T) {
	for _, c := range []struct{ reopen, other bool }{{false, false}, {true, false}, {false, true}} {
		reopen, other := c.reopen, c.other
		t.Run(fmt.Sprintf("reopen=%v,other=%v", reopen, other), func(t *testing.T) {
			work := t.TempDir()
			img, err := writer.OpenImage(filepath.Join(work, "disc.iso"), writer.ImageOptions{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			m := &failVerify{Medium: TargetMedium(img)}
			dir := filepath.Join(work, "area")
			a := open(t, dir, m)
			writeFile(t, a, RootID, "base", "on the disc")
			if err := a.Commit(CommitOptions{VolumeID: "T"}); err != nil {
				t.Fatal(err)
			}
			writeFile(t, a, RootID, "keep", "staged")
			writeFile(t, a, RootID, "gone", "staged, then removed")
			m.fail = true
			if err := a.Commit(CommitOptions{VolumeID: "T"}); !errors.Is(err, writer.ErrVerify) {
				t.Fatalf("the failing commit: %v", err)
			}
			if reopen {
				if err := a.Close(); err != nil {
					t.Fatal(err)
				}
				a = open(t, dir, m)
			}
			if other {
				// Another writer's session on top of the failed one,
				// which it took over.
				b := open(t, filepath.Join(work, "other"), m)
				writeFile(t, b, RootID, "other", "theirs")
				if err := b.Commit(CommitOptions{VolumeID: "T"}); err != nil {
					t.Fatal(err)
				}
				b.Close()
			}
			if err := a.Unlink(RootID, "gone"); err != nil {
				t.Fatal(err)
			}
			if err := a.Commit(CommitOptions{VolumeID: "T"}); err != nil {
				t.Fatal(err)
			}
			if s := a.Status(); len(s.Conflicts) != 0 || (s.RebasedOnto != nil) != other {
				t.Errorf("conflicts %v, rebased onto %v", s.Conflicts, s.RebasedOnto)
			}
			root, _, err := m.Newest()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range root.Children {
				names = append(names, c.Name)
			}
			if root.Child("gone") != nil || root.Child("keep") == nil || root.Child("base") == nil || (root.Child("other") != nil) != other {
				t.Errorf("the next session holds %q, want base and keep (and other, when another wrote it)", names)
			}
		})
	}
}
