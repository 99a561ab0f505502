//go:build linux

package fs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
)

// TestEjectButtonCommitsThenEjects: on a drive, while a mount holds
// staged changes the tray is locked; the drive's eject button (an eject
// request event, injected into the emulated drive) commits what is
// staged, then ejects and unmounts. With no button watched, a press does
// nothing.
func TestEjectButtonCommitsThenEjects(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	e, err := emu.Open(filepath.Join(work, "cd.img"), "cd-r")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d, err := mmc.Open(e.Attach(), "emulated", mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	area, err := staging.Open(filepath.Join(work, "area"), staging.TargetMedium(d))
	if err != nil {
		t.Fatal(err)
	}
	defer area.Close()
	mnt := filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	_, lookErr := exec.LookPath("fusermount3")
	srv, err := Mount(mnt, area, Options{DirectMount: lookErr != nil, Commit: staging.CommitOptions{VolumeID: "TEST"},
		Eject: d.Eject, Button: d, ButtonPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() { srv.Wait(); close(ended) }()
	defer func() {
		select {
		case <-ended:
		default:
			srv.Unmount()
			<-ended
		}
	}()
	wait := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 2 minutes", what)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(mnt, "a.txt"), []byte("staged"), 0o644); err != nil {
		t.Fatal(err)
	}
	wait("the tray locked while changes are staged", e.Locked)
	e.PressEject()
	wait("the mount ended after the button", func() bool {
		select {
		case <-ended:
			return true
		default:
			return false
		}
	})
	if m := e.Medium(); !m.Removed {
		t.Error("the medium was not ejected")
	}
	if err := area.Wait(); err != nil {
		t.Fatalf("the button's commit: %v", err)
	}
	if s := area.Status(); s.Pending || s.Commits != 1 {
		t.Errorf("after the button: pending %v, %d commits", s.Pending, s.Commits)
	}
	if e.Locked() {
		t.Error("the tray stayed locked after the eject")
	}
}
