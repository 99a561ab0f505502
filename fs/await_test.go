//go:build linux

package fs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
)

// The control action "await" through the mount: it returns while the
// commit is held when its time is up, and again once the commit ended;
// a status read meanwhile makes no list of the changes (none was made
// before the commit); "await" without an ID is refused.
func TestAwaitThroughTheMount(t *testing.T) {
	slow := &slowMedium{entered: make(chan struct{}), release: make(chan struct{})}
	oracle.NeedFuse(t)
	f := &fixture{img: filepath.Join(t.TempDir(), "disc.iso"), dir: t.TempDir(), mnt: t.TempDir(),
		wrap: func(m staging.Medium) staging.Medium { slow.Medium = m; return slow }}
	f.mount(t)
	t.Cleanup(func() { f.unmount(t) })
	ctl := filepath.Join(f.mnt, ControlName, "ctl")
	if err := os.WriteFile(filepath.Join(f.mnt, "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ctl, []byte("await"), 0); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("await without an ID: %v, want EINVAL", err)
	}
	if err := os.WriteFile(ctl, []byte("commit id=c1"), 0); err != nil {
		t.Fatal(err)
	}
	<-slow.entered
	if err := os.WriteFile(ctl, []byte("await id=c1 for=1ms"), 0); err != nil {
		t.Fatalf("await while the commit is held: %v", err)
	}
	s := status(t, f.mnt)
	if o, ok := outcome(s, "c1"); !ok || o.State != staging.OutcomeRunning || !s.ChangesUncounted {
		t.Errorf("status while the commit is held: outcome %+v (found %v), changes uncounted %v", o, ok, s.ChangesUncounted)
	}
	close(slow.release)
	eventually(t, "the commit to end", func() bool {
		if err := os.WriteFile(ctl, []byte("await id=c1 for=10s"), 0); err != nil {
			t.Fatalf("await: %v", err)
		}
		o, _ := outcome(status(t, f.mnt), "c1")
		return o.State != staging.OutcomeRunning
	})
	if o, _ := outcome(status(t, f.mnt), "c1"); o.State != staging.OutcomeDone {
		t.Errorf("outcome after await: %+v", o)
	}
}

func outcome(s staging.Status, id string) (staging.Outcome, bool) {
	for _, o := range s.Outcomes {
		if o.ID == id {
			return o, true
		}
	}
	return staging.Outcome{}, false
}
