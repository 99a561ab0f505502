//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// TestTargetReplacedUnderMount: another program renames a file over the
// image (or the emulated drive's medium) a mount serves, as rsync and
// sync clients replace files. The mount's commit must not write its
// session into the file it opened, which no name reaches any more, and
// then clear the staged changes: it fails, saying the file was
// replaced, the file now at the path gets nothing, and the changes stay
// staged.
func TestTargetReplacedUnderMount(t *testing.T) {
	oracle.NeedFuse(t)
	for _, c := range []struct{ name, prefix string }{{"image", ""}, {"emulated", "emulated:dvd+r:"}} {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			mnt := filepath.Join(work, "mnt")
			os.Mkdir(mnt, 0o755)
			t.Cleanup(func() { platform.Unmount(mnt) })
			env := clitest.Env("XDG_RUNTIME_DIR=" + filepath.Join(work, "run"))
			must := func(args ...string) string {
				t.Helper()
				r := clitest.Run(t, args, env)
				if r.Code != 0 {
					t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output())
				}
				return r.Stdout
			}
			write(t, filepath.Join(work, "a.txt"), "a\n")
			write(t, filepath.Join(work, "b.txt"), "b\n")
			mine, other := filepath.Join(work, "disc.img"), filepath.Join(work, "other.img")
			must("append", "--progress", "none", c.prefix+mine, filepath.Join(work, "a.txt"))
			must("append", "--progress", "none", c.prefix+other, filepath.Join(work, "b.txt"))
			must("mount", "--staging", filepath.Join(work, "area"), c.prefix+mine, mnt)
			write(t, filepath.Join(mnt, "staged.txt"), "staged\n")

			for _, suffix := range []string{"", ".mmc.json"} {
				if _, err := os.Stat(other + suffix); err == nil {
					if err := os.Rename(other+suffix, mine+suffix); err != nil {
						t.Fatal(err)
					}
				}
			}
			before, err := os.ReadFile(mine)
			if err != nil {
				t.Fatal(err)
			}
			r := clitest.Run(t, []string{"commit", "--progress", "none", mnt}, env)
			if r.Code == 0 {
				t.Errorf("commit after the target was replaced: exit 0, want a failure\n%s", r.Output())
			}
			if after, _ := os.ReadFile(mine); string(after) != string(before) {
				t.Errorf("the file now at the target's path was written to")
			}
			if out := must("status", "--all", mnt); !strings.Contains(out, "staged.txt") {
				t.Errorf("staged.txt is no longer staged after the failed commit:\n%s", out)
			}
			must("unmount", mnt)
		})
	}
}
