//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/oracle"
)

// TestEjectWritesOneSessionAndSaysWhatStaysStaged: eject writes what is
// staged as one session and says so; a file staged while that session
// is written stays staged for the next mount, eject says it, and no
// second session is written for it (each costs room for good on a
// write-once disc: before, eject wrote it without a word).
func TestEjectWritesOneSessionAndSaysWhatStaysStaged(t *testing.T) {
	target, area, mnt := slowDVD(t)
	clitest.Must(t, "mount", target, mnt, "--staging", area)
	unmountAtEnd(t, mnt, area)
	write(t, filepath.Join(mnt, "big.bin"), strings.Repeat("b", 4<<20))

	// A file written while the session is written.
	late := make(chan error, 1)
	go func() {
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			b, err := os.ReadFile(filepath.Join(mnt, ".discstage", "status"))
			if err == nil && strings.Contains(string(b), `"state": "committing"`) {
				late <- os.WriteFile(filepath.Join(mnt, "late.txt"), []byte("late"), 0o644)
				return
			}
		}
		late <- os.ErrDeadlineExceeded
	}()
	r := clitest.Run(t, []string{"eject", "--progress=none", mnt})
	if err := <-late; err != nil {
		t.Fatalf("the file written during the commit: %v\neject said:\n%s", err, r.Output())
	}
	if r.Code != 0 {
		t.Fatalf("eject: exit %d\n%s", r.Code, r.Output())
	}
	if n := strings.Count(r.Stdout, " written at LBA "); n != 1 || !strings.Contains(r.Stdout, "session 1 written at LBA 0") {
		t.Errorf("eject says %d sessions written, want session 1:\n%s", n, r.Output())
	}
	if !strings.Contains(r.Stdout, "1 change waits for the next commit: 1 added; 1 file (4 B) staged") {
		t.Errorf("eject does not say what stays staged:\n%s", r.Output())
	}
	waitAreaClosed(t, area)

	clitest.Must(t, "mount", target, mnt, "--staging", area)
	if s := mountStatus(t, mnt); s.Sessions != 1 || !s.Pending {
		t.Errorf("mounted again: %d sessions, pending %v; want 1 session and late.txt staged", s.Sessions, s.Pending)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "late.txt")); err != nil || string(b) != "late" {
		t.Errorf("late.txt mounted again: %q, %v", b, err)
	}
}

// slowDVD names an emulated DVD+R at 1× (a few MiB take seconds to
// write), its staging area and an empty mount point, in a folder of the
// test's.
func slowDVD(t *testing.T) (target, area, mnt string) {
	t.Helper()
	oracle.NeedFuse(t)
	work := t.TempDir()
	target = "emulated:dvd+r,speed=1:" + filepath.Join(work, "dvd.img")
	area, mnt = filepath.Join(work, "area"), filepath.Join(work, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	return target, area, mnt
}
