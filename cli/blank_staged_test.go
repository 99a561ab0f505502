//go:build linux

package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
)

// areaState lists every file under dir with its size, mode and
// modification time, to tell whether anything changed it.
func areaState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %v %d\n", p, fi.Size(), fi.Mode(), fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestBlankKeepsStagedWork: drives blank refuses while the target's
// default staging area holds staged changes (exit 11), naming the area
// and how many changes, and leaves the disc and the area as they were;
// --discard-staged blanks and removes the area, after which the disc
// mounts blank, but an area another process has open stays, and the
// blank is refused (exit 11). An area with nothing staged does not stop
// a blank.
func TestBlankKeepsStagedWork(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	data := filepath.Join(work, "xdg")
	mnt := filepath.Join(work, "mp")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	unmountAtEnd(t, mnt, filepath.Join(data, "discstage", "*"))
	env := clitest.Env("XDG_DATA_HOME=" + data)
	ds := func(args ...string) clitest.Result {
		t.Helper()
		return clitest.Run(t, args, env, clitest.Dir(work))
	}
	must := func(args ...string) {
		t.Helper()
		if r := ds(args...); r.Code != 0 {
			t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output())
		}
	}
	img := filepath.Join(work, "d.img")
	target := "emulated:dvd-rw:" + img
	must("mount", target, mnt)
	write(t, filepath.Join(mnt, "1.txt"), "1\n")
	must("commit", "--progress", "none", mnt)
	write(t, filepath.Join(mnt, "p.txt"), "precious\n")
	must("unmount", mnt)
	waitUnmounted(t, mnt)

	t.Setenv("XDG_DATA_HOME", data)
	area, err := staging.DefaultDir(img)
	if err != nil {
		t.Fatal(err)
	}
	before, disc := areaState(t, area), mustRun(t, "sessions", target)
	r := ds("drives", "blank", target)
	if r.Code != exitcodes.Busy || !strings.Contains(r.Output(), area) || !strings.Contains(r.Output(), "1 change") ||
		!strings.Contains(r.Output(), "--discard-staged") {
		t.Errorf("drives blank with a change staged: exit %d, want %d naming %s, 1 change and --discard-staged\n%s", r.Code, exitcodes.Busy, area, r.Output())
	}
	if after := areaState(t, area); after != before {
		t.Errorf("a refused blank changed the staging area:\nbefore\n%safter\n%s", before, after)
	}
	if now := mustRun(t, "sessions", target); now != disc {
		t.Errorf("a refused blank changed the disc:\nbefore\n%safter\n%s", disc, now)
	}

	// The staged change goes to the disc; with nothing staged the area
	// does not stop a blank.
	must("mount", target, mnt)
	must("commit", "--progress", "none", mnt)
	must("unmount", mnt)
	waitUnmounted(t, mnt)
	must("drives", "blank", target)
	must("mount", target, mnt)
	write(t, filepath.Join(mnt, "q.txt"), "dropped\n")
	must("unmount", mnt)
	waitUnmounted(t, mnt)

	// --discard-staged leaves an area another process has open (as a
	// mount of another target through --staging does): exit 11, naming
	// it.
	lock, err := os.OpenFile(filepath.Join(area, "state.lock"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	before = areaState(t, area)
	if r := ds("drives", "blank", "--discard-staged", target); r.Code != exitcodes.Busy || !strings.Contains(r.Output(), area) {
		t.Errorf("drives blank --discard-staged with the area in use: exit %d, want %d naming %s\n%s", r.Code, exitcodes.Busy, area, r.Output())
	}
	if after := areaState(t, area); after != before {
		t.Errorf("drives blank --discard-staged changed an area in use:\nbefore\n%safter\n%s", before, after)
	}
	lock.Close()

	// --discard-staged: blanked, the area gone, the disc mounts blank.
	must("drives", "blank", "--discard-staged", target)
	if _, err := os.Lstat(area); err == nil {
		t.Errorf("drives blank --discard-staged left %s", area)
	}
	must("mount", target, mnt)
	if ents, err := os.ReadDir(mnt); err != nil || len(ents) != 0 {
		t.Errorf("after drives blank --discard-staged the mount shows %v, %v; want nothing", ents, err)
	}
	must("unmount", mnt)
	waitUnmounted(t, mnt)
}
