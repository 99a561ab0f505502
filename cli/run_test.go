package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// run runs discstage and returns its output (stdout, then stderr) and
// exit code.
func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	r := clitest.Run(t, args)
	return r.Output(), r.Code
}

// mustRun runs discstage and fails the test unless it exits 0; it
// returns the output.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, code := run(t, args...)
	if code != 0 {
		t.Fatalf("discstage %v: exit %d\n%s", args, code, out)
	}
	return out
}

// write makes the file path, and the folders it lies in, with content.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildBinary returns the built command (clitest.Build).
func buildBinary(t *testing.T) string { return clitest.Build(t) }

// discstage runs the built command bin and returns its output and exit
// code, as run does.
func discstage(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	return run(t, args...)
}

// unmountAndWait unmounts mnt with the built binary bin and waits,
// generously, until the system no longer lists it.
func unmountAndWait(t *testing.T, bin, mnt string) {
	t.Helper()
	if out, code := discstage(t, bin, "unmount", mnt); code != 0 {
		t.Fatalf("unmount: exit %d\n%s", code, out)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if m, _ := platform.Mounted(mnt); !m {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("still mounted after unmount")
		}
	}
}

// mountImage mounts a new image in the background and returns the
// image and mount point; the mount goes at the test's end.
func mountImage(t *testing.T, extra ...string) (img, mnt string) {
	t.Helper()
	img = filepath.Join(t.TempDir(), "disc.iso")
	return img, mountTarget(t, img, extra...)
}

// mountTarget mounts target in the background, with a new staging
// area, and returns the mount point; the mount goes at the test's end.
func mountTarget(t *testing.T, target string, extra ...string) string {
	t.Helper()
	oracle.NeedFuse(t)
	work := t.TempDir()
	mnt := filepath.Join(work, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	area := filepath.Join(work, "area")
	clitest.Must(t, append([]string{"mount", target, mnt, "--staging", area}, extra...)...)
	unmountAtEnd(t, mnt, area)
	return mnt
}

// unmountAtEnd unmounts mnt at the test's end and waits until the
// mount's process has closed its staging area at area (a pattern, for a
// default area among others), so that the test's folders go only then.
func unmountAtEnd(t *testing.T, mnt, area string) {
	t.Cleanup(func() {
		platform.Unmount(mnt)
		waitAreaClosed(t, area)
	})
}

// waitAreaClosed waits, generously, until no process has a staging area
// at dir (a pattern) open (its lock is free): a mount's process closes
// its area after the unmount returns, and the test's folder goes only
// then.
func waitAreaClosed(t *testing.T, dir string) {
	t.Helper()
	locks, _ := filepath.Glob(filepath.Join(dir, "state.lock"))
	for _, lock := range locks {
		waitUnlocked(t, lock)
	}
}

// waitUnlocked waits, generously, until a staging area's lock is free or
// gone.
func waitUnlocked(t *testing.T, lock string) {
	t.Helper()
	dir := filepath.Dir(lock)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(lock); err != nil {
			return
		}
		if l, err := platform.TryLock(lock, "test"); err == nil {
			l.Unlock()
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the staging area %s is still open a minute after the unmount", dir)
			return
		}
	}
}
