//go:build linux

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/fs/cgofuse"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// TestUnmountEndsTheCgofuseMount: "discstage unmount" asks a cgofuse
// mount to end itself through its control file, the way it unmounts on
// Windows, where nothing outside the mount's process can (here over
// libfuse3): refused while a file is open in the mount (exit Busy,
// with the mount's own reason, which fusermount would not give), then
// the mount ends, commits nothing, and lets go of its target before
// the command returns; the staged file is there at the next mount.
func TestUnmountEndsTheCgofuseMount(t *testing.T) {
	if !cgofuse.Available {
		oracle.Unavailable(t, "built without the fuse3 tag: no cgofuse adapter (the README's test command gives it)")
	}
	oracle.NeedFuse(t)
	bin := filepath.Join(t.TempDir(), "discstage")
	if out, err := exec.Command("go", "build", "-tags", "fuse3", "-o", bin, "github.com/discstage/discstage/cmd/discstage").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags fuse3: %v\n%s", err, out)
	}
	dir := t.TempDir()
	img, mnt, area := filepath.Join(dir, "d.iso"), filepath.Join(dir, "mnt"), filepath.Join(dir, "area")
	os.Mkdir(mnt, 0o755)
	runBin := func(args ...string) (string, int) {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	mustBin := func(args ...string) string {
		t.Helper()
		out, code := runBin(args...)
		if code != 0 {
			t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	mustBin("mount", "--adapter=cgofuse", img, mnt, "--staging", area)
	unmountAtEnd(t, mnt, area)
	f, err := os.Create(filepath.Join(mnt, "staged.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("waits\n"); err != nil {
		t.Fatal(err)
	}
	out, code := runBin("unmount", mnt)
	if code != exitcodes.Busy || !strings.Contains(out, "1 file is open in the mount") {
		t.Errorf("unmount with a file open: exit %d, want %d (Busy) and the mount's reason\n%s", code, exitcodes.Busy, out)
	}
	if _, ok, _ := platform.FuseMountAt(mnt); !ok {
		t.Fatal("the refused unmount unmounted")
	}
	f.Close()
	out = mustBin("unmount", mnt)
	if !strings.Contains(out, "1 change waits for the next commit") {
		t.Errorf("unmount does not say what waits:\n%s", out)
	}
	if m, ok, _ := platform.FuseMountAt(mnt); ok {
		t.Errorf("%s is still a mount after unmount: %+v", mnt, m)
	}
	// The mount's process has let go of the target: it mounts again at
	// once, with the file staged and the image still blank.
	mustBin("mount", "--adapter=cgofuse", img, mnt, "--staging", area)
	if b, err := os.ReadFile(filepath.Join(mnt, "staged.txt")); err != nil || string(b) != "waits\n" {
		t.Errorf("staged.txt at the next mount: %q, %v", b, err)
	}
	if st, err := os.Stat(img); err != nil || st.Size() != 0 {
		t.Errorf("the image after an unmount that commits nothing: %v, %v", st, err)
	}
	mustBin("unmount", mnt)
	// Nothing mounted there now: the system's unmount says why.
	if out, code := runBin("unmount", mnt); code == 0 {
		t.Errorf("unmount of a folder that is no mount: exit 0\n%s", out)
	}
}
