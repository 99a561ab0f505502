//go:build linux

package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
	"golang.org/x/sys/unix"
)

// TestUnmountOnlyDiscstageMounts: unmount takes down discstage's own
// mounts and nothing else. A tmpfs (root may unmount anything) and a
// plain folder are refused with "is not a discstage mount", exit
// NotFound as commit and status give there, and the tmpfs stays with
// its files. A dead discstage mount, its process killed, answers
// nothing through its control file and is still cleaned up.
func TestUnmountOnlyDiscstageMounts(t *testing.T) {
	oracle.NeedFuse(t)
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "mounting a tmpfs needs root")
	}
	work := t.TempDir()

	tmp := filepath.Join(work, "tmpfs")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", tmp, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(tmp, unix.MNT_DETACH) })
	data := filepath.Join(tmp, "data.txt")
	write(t, data, "important\n")
	plain := filepath.Join(work, "plain")
	if err := os.Mkdir(plain, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, dir string }{{"a tmpfs", tmp}, {"a plain folder", plain}} {
		out, code := run(t, "unmount", c.dir)
		if code != exitcodes.NotFound || !strings.Contains(out, c.dir+" is not a discstage mount") {
			t.Errorf("unmount %s: exit %d, want %d and %q\n%s", c.what, code, exitcodes.NotFound, c.dir+" is not a discstage mount", out)
		}
		if strings.Contains(out, "invalid argument") {
			t.Errorf("unmount %s says what the system call said:\n%s", c.what, out)
		}
		// commit and status say the same, with the same code.
		for _, verb := range []string{"commit", "status"} {
			if out2, code2 := run(t, verb, c.dir); code2 != code {
				t.Errorf("%s %s: exit %d, unmount %d\n%s", verb, c.what, code2, code, out2)
			}
		}
	}
	if b, err := os.ReadFile(data); err != nil || string(b) != "important\n" {
		t.Fatalf("the tmpfs after discstage unmount: %q, %v", b, err)
	}

	// A discstage mount whose process is killed: unmount cleans it up.
	runDir := filepath.Join(work, "run")
	env := clitest.Env("XDG_RUNTIME_DIR=" + runDir)
	img, mnt, area := filepath.Join(work, "disc.iso"), filepath.Join(work, "mnt"), filepath.Join(work, "area")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := clitest.Run(t, []string{"mount", img, mnt, "--staging", area}, env); r.Code != 0 {
		t.Fatalf("mount: exit %d\n%s", r.Code, r.Output())
	}
	unmountAtEnd(t, mnt, area)
	write(t, filepath.Join(mnt, "staged.txt"), "staged")
	pid := mountPID(t, filepath.Join(runDir, "discstage-locks"), mnt)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mount's process to die", func() bool {
		_, err := os.Stat(mnt)
		return errors.Is(err, syscall.ENOTCONN)
	})
	// Asked of the dead mount, status and commit say it has ended and
	// that nothing staged is lost; unmount says so too.
	for _, verb := range []string{"status", "commit"} {
		if r := clitest.Run(t, []string{verb, mnt}, env); r.Code != exitcodes.NotFound ||
			!strings.Contains(r.Output(), "has ended") || !strings.Contains(r.Output(), "staged changes are kept") {
			t.Errorf("%s of a dead mount: exit %d, want %d and that it has ended\n%s", verb, r.Code, exitcodes.NotFound, r.Output())
		}
	}
	if r := clitest.Run(t, []string{"unmount", mnt}, env); r.Code != 0 || !strings.Contains(r.Output(), "process had ended") {
		t.Fatalf("unmount of a dead discstage mount: exit %d\n%s", r.Code, r.Output())
	}
	if m, ok, _ := platform.FuseMountAt(mnt); ok {
		t.Fatalf("the dead mount is still there: %+v", m)
	}
	if r := clitest.Run(t, []string{"mount", img, mnt, "--staging", area}, env); r.Code != 0 {
		t.Fatalf("mount again: exit %d\n%s", r.Code, r.Output())
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "staged.txt")); err != nil || string(b) != "staged" {
		t.Errorf("the staged file after mounting again: %q, %v", b, err)
	}
	if r := clitest.Run(t, []string{"unmount", mnt}, env); r.Code != 0 {
		t.Fatalf("unmount: exit %d\n%s", r.Code, r.Output())
	}
}

// mountPID finds the process of the mount at mnt from the holder line
// of its target lock ("mounted at MNT by pid N") in the lock folder dir.
func mountPID(t *testing.T, dir, mnt string) int {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.lock"))
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		line := strings.TrimSpace(string(b))
		if rest, ok := strings.CutPrefix(line, "mounted at "+mnt+" by pid "); ok {
			pid, err := strconv.Atoi(rest)
			if err != nil {
				t.Fatalf("%s: %q", p, line)
			}
			return pid
		}
	}
	t.Fatalf("no lock in %s names the mount at %s", dir, mnt)
	return 0
}

// TestUnmountDeadMountThroughSymlink: a dead discstage mount reached
// through a symbolic link to its parent folder is still told from the
// mount table (which names the resolved path) and cleaned up, though
// the mount point itself no longer resolves.
func TestUnmountDeadMountThroughSymlink(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	realDir := filepath.Join(work, "real")
	if err := os.MkdirAll(filepath.Join(realDir, "mnt"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(work, "link")
	if err := os.Symlink(realDir, link); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(work, "run")
	env := clitest.Env("XDG_RUNTIME_DIR=" + runDir)
	img, mnt, area := filepath.Join(work, "disc.iso"), filepath.Join(link, "mnt"), filepath.Join(work, "area")
	if r := clitest.Run(t, []string{"mount", img, mnt, "--staging", area}, env); r.Code != 0 {
		t.Fatalf("mount: exit %d\n%s", r.Code, r.Output())
	}
	t.Cleanup(func() { unix.Unmount(filepath.Join(realDir, "mnt"), unix.MNT_DETACH) })
	write(t, filepath.Join(mnt, "staged.txt"), "staged")
	pid := mountPID(t, filepath.Join(runDir, "discstage-locks"), mnt)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mount's process to die", func() bool {
		_, err := os.Stat(mnt)
		return errors.Is(err, syscall.ENOTCONN)
	})
	if m, ok, err := platform.MountAt(mnt); err != nil || !ok || !m.Dead {
		t.Errorf("MountAt through the link: %+v, %v, %v; want the dead mount", m, ok, err)
	}
	if r := clitest.Run(t, []string{"unmount", mnt}, env); r.Code != 0 || !strings.Contains(r.Output(), "process had ended") {
		t.Fatalf("unmount of a dead discstage mount through a link: exit %d\n%s", r.Code, r.Output())
	}
	if m, ok, _ := platform.FuseMountAt(filepath.Join(realDir, "mnt")); ok {
		t.Fatalf("the dead mount is still there: %+v", m)
	}
}

// TestDeadForeignFuseMount: a dead FUSE mount of another file system
// (its connection gone, so it answers ENOTCONN as a killed discstage
// does) is not called an ended discstage mount whose staged changes are
// kept: status, commit and unmount say it is another file system, and
// unmount leaves it alone.
func TestDeadForeignFuseMount(t *testing.T) {
	oracle.NeedFuse(t)
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "mounting FUSE by hand needs root")
	}
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dev, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	opts := "fd=" + strconv.Itoa(int(dev.Fd())) + ",rootmode=40000,user_id=0,group_id=0"
	if err := unix.Mount("othersrc", dir, "fuse.otherfs", 0, opts); err != nil {
		dev.Close()
		t.Fatalf("mount: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	dev.Close() // the connection ends: every access answers ENOTCONN
	eventually(t, "the mount to answer ENOTCONN", func() bool {
		_, err := os.Stat(dir)
		return errors.Is(err, syscall.ENOTCONN)
	})
	for _, verb := range []string{"status", "commit", "unmount"} {
		out, code := run(t, verb, dir)
		if code != exitcodes.NotFound || strings.Contains(out, "the discstage mount at") || strings.Contains(out, "staged changes are kept") ||
			!strings.Contains(out, "is not a discstage mount") || !strings.Contains(out, "fuse.otherfs") {
			t.Errorf("%s of a dead foreign mount: exit %d\n%s", verb, code, out)
		}
	}
	if _, ok, _ := platform.FuseMountAt(dir); !ok {
		t.Error("unmount took down a dead foreign mount")
	}
}
