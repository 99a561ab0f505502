//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/writer/mmc/emu"
)

// TestEjectSaysTheTrayDidNotOpen: when the drive's tray does not open,
// eject says that the session was written and why the tray stayed shut,
// exits with the drive's code, and leaves the mount (nothing staged) in
// place; it said "ejected the disc" before.
func TestEjectSaysTheTrayDidNotOpen(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	medium := filepath.Join(work, "cd.img")
	d, err := emu.Open(medium, "cd-r")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetFaults(emu.Faults{EjectFails: true}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	mnt := filepath.Join(work, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	area := filepath.Join(work, "area")
	clitest.Must(t, "mount", "emulated:cd-r:"+medium, mnt, "--staging", area)
	unmountAtEnd(t, mnt, area)
	write(t, filepath.Join(mnt, "a.txt"), "a")
	r := clitest.Run(t, []string{"eject", "--progress=none", mnt})
	if r.Code != exitcodes.Medium {
		t.Errorf("eject: exit %d, want %d\n%s", r.Code, exitcodes.Medium, r.Output())
	}
	if !strings.Contains(r.Stdout, "session 1 written at LBA 0") || strings.Contains(r.Output(), "ejected the disc") ||
		!strings.Contains(r.Stderr, "the tray did not open") || !strings.Contains(r.Stderr, "load or eject failed") {
		t.Errorf("eject said:\n%s", r.Output())
	}
	if m, _ := platform.Mounted(mnt); !m {
		t.Fatal("the mount went away with the disc still in the drive")
	}
	if s := clitest.Must(t, "status", mnt); !strings.Contains(s, "staged:    nothing") || !strings.Contains(s, "the tray did not open") {
		t.Errorf("status after the failed eject:\n%s", s)
	}
}
