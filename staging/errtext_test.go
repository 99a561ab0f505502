package staging

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/master/tree"
)

// operations are the words that begin what a mount does; an error for
// people names each once.
var operations = map[string]bool{"commit": true, "eject": true, "unmount": true, "discard": true, "cancel": true, "close": true}

// namesOnce fails when msg names a package or an operation twice:
// "staging: commit: staging: nothing staged", "staging: commit: commit
// canceled".
func namesOnce(t *testing.T, what, msg string) {
	t.Helper()
	seen := map[string]bool{}
	for _, part := range strings.Split(msg, ": ") {
		word := strings.Fields(part + " x")[0]
		if part == "staging" || part == "writer" || part == "fs" || operations[word] {
			if seen[word] {
				t.Errorf("%s: %q names %q twice", what, msg, word)
			}
			seen[word] = true
		}
	}
}

// TestErrorsNameTheirOperationOnce: the errors of a commit that cannot
// start or fails, as StartCommit or Wait returns them, as the status
// keeps them (its last error) and as the commit's outcome tells them.
func TestErrorsNameTheirOperationOnce(t *testing.T) {
	stage := func(t *testing.T, a *Area, name string, sectors int) {
		t.Helper()
		_, h, err := a.Create(RootID, name, 0o644, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		h.WriteAt(make([]byte, sectors*tree.SectorSize), 0)
		h.Release()
	}
	for _, c := range []struct {
		name string
		run  func(t *testing.T, a *Area, m *fakeMedium) error
	}{
		{"nothing staged", func(t *testing.T, a *Area, m *fakeMedium) error {
			return a.StartCommit(CommitOptions{})
		}},
		{"no space", func(t *testing.T, a *Area, m *fakeMedium) error {
			m.capacity = 100
			stage(t, a, "big", 200)
			return a.StartCommit(CommitOptions{})
		}},
		{"closed", func(t *testing.T, a *Area, m *fakeMedium) error {
			stage(t, a, "a", 1) // the area has probed the medium: open
			m.closed = true
			return a.StartCommit(CommitOptions{})
		}},
		{"write fails", func(t *testing.T, a *Area, m *fakeMedium) error {
			m.failNext = fmt.Errorf("writer: write session: %w", errors.New("writer: medium error"))
			stage(t, a, "a", 1)
			if err := a.StartCommit(CommitOptions{ID: "x"}); err != nil {
				return err
			}
			return a.Wait()
		}},
		{"stopped while writing", func(t *testing.T, a *Area, m *fakeMedium) error {
			m.block, m.entered = make(chan struct{}), make(chan struct{})
			m.failNext = fmt.Errorf("writer: write session: %w", context.Canceled)
			stage(t, a, "a", 1)
			if err := a.StartCommit(CommitOptions{ID: "x"}); err != nil {
				return err
			}
			<-m.entered
			a.Cancel()
			close(m.block)
			return a.Wait()
		}},
		{"stopped before it started", func(t *testing.T, a *Area, m *fakeMedium) error {
			_, h, err := a.Create(RootID, "open", 0o644, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Release()
			if err := a.StartCommit(CommitOptions{ID: "x", WaitOpen: time.Hour}); err != nil {
				return err
			}
			a.Cancel()
			return a.Wait()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &fakeMedium{}
			a := open(t, t.TempDir(), m)
			err := c.run(t, a, m)
			if err == nil {
				t.Fatal("no error")
			}
			s := a.Status()
			namesOnce(t, "last error", s.LastError)
			if s.LastError == "" {
				t.Errorf("no last error after %v", err)
			}
			for _, o := range s.Outcomes {
				namesOnce(t, "outcome", o.Error)
			}
		})
	}
}
