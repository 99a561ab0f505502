//go:build linux

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/syncbuf"
	"github.com/discstage/discstage/platform"
)

// TestUnmountWaitsForTheMountToLetGo: a mount's process lets go of its
// target a moment after the kernel's unmount, once it has closed its
// staging area and the target. unmount and eject return only then, so
// that a mount or append of the same target straight after them never
// finds it in use, on a machine of any speed. A lock the test holds,
// whose holder line names the mount point, stands in for a process
// slow to close.
func TestUnmountWaitsForTheMountToLetGo(t *testing.T) {
	for _, verb := range []string{"unmount", "eject"} {
		t.Run(verb, func(t *testing.T) {
			work := t.TempDir()
			env := clitest.Env("XDG_RUNTIME_DIR=" + filepath.Join(work, "run"))
			img, mnt, area, src := filepath.Join(work, "disc.iso"), filepath.Join(work, "mnt"), filepath.Join(work, "area"), filepath.Join(work, "src")
			if err := os.Mkdir(mnt, 0o755); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(src, "a.txt"), "a")
			must := func(args ...string) string {
				t.Helper()
				r := clitest.Run(t, args, env)
				if r.Code != 0 {
					t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Output())
				}
				return r.Stdout
			}
			must("append", img, src)
			must("mount", img, mnt, "--staging", area)
			unmountAtEnd(t, mnt, area)
			write(t, filepath.Join(mnt, "b.txt"), "b")

			slow, err := platform.TryLock(filepath.Join(work, "run", "discstage-locks", "slow.lock"), fmt.Sprintf("mounted at %s by pid 1", mnt))
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Unlock()
			cmd := clitest.Command(t, verb, mnt)
			env(cmd)
			var out syncbuf.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			eventually(t, "the unmount", func() bool {
				select {
				case err := <-exited:
					t.Fatalf("discstage %s ended (%v) with the mount still there:\n%s", verb, err, out.String())
				default:
				}
				m, _ := platform.Mounted(mnt)
				return !m
			})
			// Returning while the lock is held is wrong however soon;
			// a second is only how long the test looks for it.
			select {
			case err := <-exited:
				t.Fatalf("discstage %s returned (%v) while the mount's lock was held:\n%s", verb, err, out.String())
			case <-time.After(time.Second):
			}
			slow.Unlock()
			if err := <-exited; err != nil {
				t.Fatalf("discstage %s: %v\n%s", verb, err, out.String())
			}
			// Straight away: the target is free.
			write(t, filepath.Join(src, "c.txt"), "c")
			must("append", img, src)
			must("mount", img, mnt, "--staging", area)
			must("unmount", mnt)
		})
	}
}
