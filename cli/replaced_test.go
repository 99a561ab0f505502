//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
)

// TestTargetReplacedUnderMount: another program renames a file over the
// image (or the emulated drive's medium) a mount serves, as rsync and
// sync clients replace files. The mount's commit must not write its
// session into the file it opened, which no name reaches any more, and
// then clear the staged changes: it fails (exit 3), saying the file was
// replaced, the file now at the path gets nothing, and the changes stay
// staged.
func TestTargetReplacedUnderMount(t *testing.T) {
	for _, c := range []struct{ name, prefix string }{{"image", ""}, {"emulated", "emulated:dvd+r:"}} {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			write(t, filepath.Join(work, "a.txt"), "a\n")
			write(t, filepath.Join(work, "b.txt"), "b\n")
			mine, other := filepath.Join(work, "disc.img"), filepath.Join(work, "other.img")
			mustRun(t, "append", "--progress", "none", c.prefix+mine, filepath.Join(work, "a.txt"))
			mustRun(t, "append", "--progress", "none", c.prefix+other, filepath.Join(work, "b.txt"))
			mnt := mountTarget(t, c.prefix+mine)
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
			if out, code := run(t, "commit", "--progress", "none", mnt); code != exitcodes.NoTarget {
				t.Errorf("commit after the target was replaced: exit %d, want %d\n%s", code, exitcodes.NoTarget, out)
			}
			if after, _ := os.ReadFile(mine); string(after) != string(before) {
				t.Errorf("the file now at the target's path was written to")
			}
			if out := mustRun(t, "status", "--all", mnt); !strings.Contains(out, "staged.txt") {
				t.Errorf("staged.txt is no longer staged after the failed commit:\n%s", out)
			}
		})
	}
}
