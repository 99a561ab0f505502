//go:build linux

package fs

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// discstage runs the built command and returns its output and exit code
// (internal/clitest: the one way the tests run a command).
func discstage(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	r := clitest.Run(t, args)
	return r.Output(), r.Code
}

// TestMountPointEdges: a dead mount of ours is cleaned up and mounted
// again; a mount point already mounted or not empty is refused; a mount
// that fails says why and leaves no image or staging area behind.
func TestMountPointEdges(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "go")
	bin := buildBinary(t)
	work := t.TempDir()
	img, area, mnt := filepath.Join(work, "disc.iso"), filepath.Join(work, "area"), filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	t.Cleanup(func() { platform.Unmount(mnt) })
	leftNothing := func(what string, paths ...string) {
		t.Helper()
		for _, p := range paths {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("%s left %s behind", what, p)
			}
		}
	}

	// A mount killed with SIGKILL leaves a dead mount point behind.
	c := startMount(t, bin, img, area, mnt)
	if err := os.WriteFile(filepath.Join(mnt, "staged.txt"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.kill(t)
	if _, err := os.Stat(mnt); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("after kill -9 the mount point answers %v, want ENOTCONN", err)
	}
	if out, code := discstage(t, bin, "mount", img, mnt, "--staging", area); code != 0 || !strings.Contains(out, "cleaned up the dead mount") {
		t.Fatalf("mount over the dead mount: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "staged.txt")); err != nil || string(b) != "kept" {
		t.Errorf("the staged file after mounting again: %q, %v", b, err)
	}

	// Already a discstage mount.
	img2, area2 := filepath.Join(work, "disc2.iso"), filepath.Join(work, "area2")
	out, code := discstage(t, bin, "mount", img2, mnt, "--staging", area2)
	if code != exitcodes.Busy || !strings.Contains(out, "already a discstage mount") {
		t.Errorf("mount over a live mount: exit %d, want %d\n%s", code, exitcodes.Busy, out)
	}
	leftNothing("a mount over a live mount", img2, area2)
	if b, err := os.ReadFile(filepath.Join(mnt, "staged.txt")); err != nil || string(b) != "kept" {
		t.Errorf("the first mount after a refused second one: %q, %v", b, err)
	}
	if out, code := discstage(t, bin, "unmount", mnt); code != 0 {
		t.Errorf("unmount: exit %d\n%s", code, out)
	}

	// Not empty; --nonempty mounts over it.
	full := filepath.Join(work, "full")
	os.Mkdir(full, 0o755)
	os.WriteFile(filepath.Join(full, "mine.txt"), []byte("mine"), 0o644)
	t.Cleanup(func() { platform.Unmount(full) })
	img3, area3 := filepath.Join(work, "disc3.iso"), filepath.Join(work, "area3")
	out, code = discstage(t, bin, "mount", img3, full, "--staging", area3)
	if code != exitcodes.Busy || !strings.Contains(out, "is not empty") || !strings.Contains(out, "--nonempty") {
		t.Errorf("mount over a folder with files: exit %d, want %d\n%s", code, exitcodes.Busy, out)
	}
	leftNothing("a mount over a folder with files", img3, area3)
	if out, code := discstage(t, bin, "mount", img3, full, "--staging", area3, "--nonempty"); code != 0 {
		t.Fatalf("mount --nonempty: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(full, "mine.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("mine.txt under the mount: %v", err)
	}
	if out, code := discstage(t, bin, "unmount", full); code != 0 {
		t.Errorf("unmount: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(full, "mine.txt")); string(b) != "mine" {
		t.Errorf("mine.txt after unmounting: %q", b)
	}

	// fusermount refuses: its reason is printed, nothing is left.
	fake := filepath.Join(work, "fakebin")
	os.Mkdir(fake, 0o755)
	for _, name := range []string{"fusermount3", "fusermount"} {
		script := "#!/bin/sh\necho \"" + name + ": refused for the test\" >&2\nexit 1\n"
		if err := os.WriteFile(filepath.Join(fake, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mnt4 := filepath.Join(work, "mnt4")
	os.Mkdir(mnt4, 0o755)
	img4, area4 := filepath.Join(work, "disc4.iso"), filepath.Join(work, "area4")
	cmd := exec.Command(bin, "mount", img4, mnt4, "--staging", area4)
	cmd.Env = append(os.Environ(), "PATH="+fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "refused for the test") {
		t.Errorf("a mount fusermount refuses: %v\n%s", err, b)
	}
	leftNothing("a mount fusermount refused", img4, area4)
}
