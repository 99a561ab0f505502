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
	t.Cleanup(func() { platform.Unmount(mnt) })
	t.Cleanup(func() { platform.Unmount(mnt2) })
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
