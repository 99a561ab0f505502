//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// TestOneWriterWhateverTheName: while an image is mounted, no other
// discstage writer gets it, by whatever name or in whatever environment
// it comes: a hard link to the image, or another runtime directory (where
// the lock named after the target's path is another file). Each is
// refused with exit Busy, naming the target, and writes nothing. The
// mount itself commits meanwhile; once it is unmounted, the others may
// write.
func TestOneWriterWhateverTheName(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	img, mnt, area := filepath.Join(work, "d.iso"), filepath.Join(work, "m1"), filepath.Join(work, "s1")
	same, mnt2, area2 := filepath.Join(work, "same.iso"), filepath.Join(work, "m2"), filepath.Join(work, "s2")
	for _, d := range []string{mnt, mnt2} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(work, "src")
	write(t, filepath.Join(src, "file.txt"), "from append")
	runIn := func(env string, args ...string) clitest.Result {
		t.Helper()
		return clitest.Run(t, args, clitest.Env("XDG_RUNTIME_DIR="+filepath.Join(work, env)))
	}
	mustIn := func(env string, args ...string) {
		t.Helper()
		if r := runIn(env, args...); r.Code != 0 {
			t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output())
		}
	}
	mustIn("run", "mount", img, mnt, "--staging", area)
	unmountAtEnd(t, mnt, area)
	unmountAtEnd(t, mnt2, area2)
	write(t, filepath.Join(mnt, "a.txt"), "a")
	mustIn("run", "commit", mnt)
	if err := os.Link(img, same); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}

	refused := func(what string, r clitest.Result, names string) {
		t.Helper()
		if r.Code != exitcodes.Busy || !strings.Contains(r.Output(), names) {
			t.Errorf("%s: exit %d, want %d (Busy) naming %s\n%s", what, r.Code, exitcodes.Busy, names, r.Output())
		}
	}
	refused("mount of a hard link to the mounted image",
		runIn("run", "mount", same, mnt2, "--staging", area2), same)
	if m, ok, _ := platform.FuseMountAt(mnt2); ok {
		t.Fatalf("the hard link is mounted too: %+v", m)
	}
	if _, err := os.Stat(area2); err == nil {
		t.Errorf("the refused mount left its staging area %s", area2)
	}
	refused("append to a hard link to the mounted image", runIn("run", "append", same, src), same)
	refused("append in another runtime directory", runIn("other", "append", img, src), img)
	refused("mount in another runtime directory", runIn("other", "mount", img, mnt2, "--staging", area2), img)
	refused("master over the image in another runtime directory", runIn("other", "master", "-o", img, src), img)
	if after, err := os.ReadFile(img); err != nil || string(after) != string(before) {
		t.Fatalf("a refused writer changed the image (%d bytes, were %d): %v", len(after), len(before), err)
	}

	// The mount still writes; unmounted, it lets the others in.
	write(t, filepath.Join(mnt, "b.txt"), "b")
	mustIn("run", "commit", mnt)
	mustIn("run", "unmount", mnt)
	mustIn("other", "append", same, src)
	out := mustRun(t, "ls", img)
	for _, name := range []string{"a.txt", "b.txt", "file.txt"} {
		if !strings.Contains(out, name) {
			t.Errorf("ls after the append lacks %s:\n%s", name, out)
		}
	}
}

// TestDanglingLinkTarget: a target reached through a symbolic link to an
// image not yet made is the image the link leads to, from the first
// run: a mount through the link makes and locks that file (its lock
// file named after it, its file flocked), so a writer naming the file
// itself, in this runtime directory or another, is refused; and the
// mount's default staging area is the file's, which a later mount
// naming the file finds again.
func TestDanglingLinkTarget(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	real, link := filepath.Join(work, "real.iso"), filepath.Join(work, "link.iso")
	if err := os.Symlink("real.iso", link); err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(work, "m")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(work, "src")
	write(t, filepath.Join(src, "file.txt"), "from master")
	data := filepath.Join(work, "data")
	runIn := func(env string, args ...string) clitest.Result {
		t.Helper()
		return clitest.Run(t, args, clitest.Env("XDG_RUNTIME_DIR="+filepath.Join(work, env), "XDG_DATA_HOME="+data))
	}
	mustIn := func(env string, args ...string) {
		t.Helper()
		if r := runIn(env, args...); r.Code != 0 {
			t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output())
		}
	}
	// A mount through the link that fails removes the image it made,
	// not the link.
	notDir := filepath.Join(work, "notdir")
	write(t, notDir, "a file")
	if r := runIn("run", "mount", link, mnt, "--staging", notDir); r.Code == 0 {
		t.Fatalf("mount with a file as its staging area: exit 0\n%s", r.Output())
	}
	if _, err := os.Lstat(real); err == nil {
		t.Errorf("the failed mount through %s left %s", link, real)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the failed mount removed %s: %v %v", link, fi, err)
	}

	mustIn("run", "mount", link, mnt)
	unmountAtEnd(t, mnt, filepath.Join(data, "discstage", "*"))
	write(t, filepath.Join(mnt, "staged.txt"), "staged")
	for _, env := range []string{"run", "other"} {
		r := runIn(env, "master", "-o", real, src)
		if r.Code != exitcodes.Busy || !strings.Contains(r.Output(), real) {
			t.Errorf("master -o %s (runtime directory %q) while mounted through %s: exit %d, want %d (Busy)\n%s",
				real, env, link, r.Code, exitcodes.Busy, r.Output())
		}
		r = runIn(env, "append", real, src)
		if r.Code != exitcodes.Busy {
			t.Errorf("append %s (runtime directory %q) while mounted through %s: exit %d, want %d (Busy)\n%s",
				real, env, link, r.Code, exitcodes.Busy, r.Output())
		}
	}
	mustIn("run", "unmount", mnt)
	waitUnmounted(t, mnt)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a link: %v %v", link, fi, err)
	}
	mustIn("run", "mount", real, mnt)
	if b, err := os.ReadFile(filepath.Join(mnt, "staged.txt")); err != nil || string(b) != "staged" {
		t.Errorf("a mount of %s does not find what was staged through %s: %q %v", real, link, b, err)
	}
	mustIn("run", "unmount", mnt)
	waitUnmounted(t, mnt)
}

// waitUnmounted waits, generously, until the system no longer lists
// mnt as mounted.
func waitUnmounted(t *testing.T, mnt string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if m, _ := platform.Mounted(mnt); !m {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still mounted after unmount", mnt)
		}
	}
}

// TestNewEmulatedMediumLockedByItsMount: a mount that makes a new
// emulated medium holds the medium file's own lock from then on, as it
// does for one that existed: a writer reaching the file by another name
// (a hard link) is refused as busy, and the mount's session stays.
func TestNewEmulatedMediumLockedByItsMount(t *testing.T) {
	work := t.TempDir()
	medium := filepath.Join(work, "m.img")
	mnt := mountTarget(t, "emulated:dvd+r:"+medium)
	write(t, filepath.Join(mnt, "one.txt"), "one\n")
	mustRun(t, "commit", "--progress", "none", mnt)
	link := filepath.Join(work, "h.img")
	if err := os.Link(medium, link); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(work, "two.txt"), "two\n")
	out, code := run(t, "append", "--progress", "none", "emulated:dvd+r:"+link, filepath.Join(work, "two.txt"))
	if code != exitcodes.Busy {
		t.Errorf("append through a hard link to the mounted medium: exit %d, want %d (busy)\n%s", code, exitcodes.Busy, out)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "one.txt")); err != nil || string(b) != "one\n" {
		t.Errorf("the mount's file reads %q, %v", b, err)
	}
}
