//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
)

// TestEmulatedStagingKey: an emulated drive's default staging area is
// its medium file's, whatever the spelling of the target (a relative
// PATH, a speed option) and whatever the working directory; an area
// made under the name the whole spelling gave (as from this folder)
// is found again, moved to the medium file's name.
func TestEmulatedStagingKey(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	data := filepath.Join(work, "data")
	mnt := filepath.Join(work, "m")
	for _, d := range []string{mnt, filepath.Join(work, "media"), filepath.Join(work, "elsewhere")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	unmountAtEnd(t, mnt, filepath.Join(data, "discstage", "*"))
	runAt := func(dir string, args ...string) {
		t.Helper()
		r := clitest.Run(t, args, clitest.Env("XDG_DATA_HOME="+data), clitest.Dir(dir))
		if r.Code != 0 {
			t.Fatalf("discstage %s (in %s): exit %d\n%s", strings.Join(args, " "), dir, r.Code, r.Output())
		}
	}
	sees := func(what, name, content string) {
		t.Helper()
		if b, err := os.ReadFile(filepath.Join(mnt, name)); err != nil || string(b) != content {
			t.Errorf("%s: %s reads %q, %v; want %q", what, name, b, err, content)
		}
	}
	medium := filepath.Join(work, "media", "bdr.bin")
	runAt(work, "mount", "emulated:bd-r:"+medium, mnt)
	write(t, filepath.Join(mnt, "s.txt"), "staged")
	runAt(work, "unmount", mnt)
	waitUnmounted(t, mnt)
	runAt(filepath.Join(work, "elsewhere"), "mount", "emulated:bd-r,speed=4:../media/bdr.bin", mnt)
	sees("mounted again from another folder, spelled otherwise", "s.txt", "staged")
	runAt(work, "unmount", mnt)
	waitUnmounted(t, mnt)

	// An area named after the whole spelling, from the folder the mount
	// ran in.
	spec := "emulated:dvd+rw:media/dvd.bin"
	t.Setenv("XDG_DATA_HOME", data)
	old, err := staging.DefaultDir(filepath.Join(work, spec))
	if err != nil {
		t.Fatal(err)
	}
	runAt(work, "mount", spec, mnt, "--staging", old)
	write(t, filepath.Join(mnt, "old.txt"), "kept")
	runAt(work, "unmount", mnt)
	waitUnmounted(t, mnt)
	runAt(work, "mount", spec, mnt)
	sees("mounted with the area of the former name", "old.txt", "kept")
	runAt(work, "unmount", mnt)
	waitUnmounted(t, mnt)
	runAt(filepath.Join(work, "elsewhere"), "mount", "emulated:dvd+rw:"+filepath.Join(work, "media", "dvd.bin"), mnt)
	sees("mounted from another folder after the area moved", "old.txt", "kept")
	runAt(work, "unmount", mnt)
	waitUnmounted(t, mnt)
	if _, err := os.Lstat(old); err == nil {
		t.Errorf("the area of the former name %s is still there", old)
	}
}
