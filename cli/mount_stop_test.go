//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/syncbuf"
	"github.com/discstage/discstage/platform"
)

// TestMountStoppedWhileOpening: a mount that has not begun to serve,
// because its medium does not answer, ends on SIGTERM or Ctrl-C (exit
// 130) without waiting for the medium, and mounts nothing. In the
// background the Ctrl-C reaches the command, which stops the mount
// process it started.
func TestMountStoppedWhileOpening(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		sig  syscall.Signal
	}{
		{"foreground SIGTERM", []string{"--foreground"}, syscall.SIGTERM},
		{"background Ctrl-C", nil, syscall.SIGINT},
	} {
		t.Run(c.name, func(t *testing.T) {
			work := t.TempDir()
			gated, gate := gatedDir(t)
			// The image is written beside the gate, so that no page of
			// it is cached on the gated side: every read of the mount
			// reaches the gate.
			write(t, filepath.Join(work, "src", "a.txt"), "a")
			clitest.Must(t, "append", filepath.Join(gated, "..", "under", "disc.iso"), filepath.Join(work, "src"))
			img, mnt, area := filepath.Join(gated, "disc.iso"), filepath.Join(work, "mnt"), filepath.Join(work, "area")
			if err := os.Mkdir(mnt, 0o755); err != nil {
				t.Fatal(err)
			}
			gate.armReads()
			cmd := clitest.Command(t, append([]string{"mount", img, mnt, "--staging", area}, c.args...)...)
			var out syncbuf.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				cmd.Process.Kill()
				platform.Unmount(mnt)
			})
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			gate.waitBlocked(t)
			cmd.Process.Signal(c.sig)
			select {
			case err := <-exited:
				if code := exitCode(err); code != exitcodes.Interrupted {
					t.Errorf("exit %d, want %d\n%s", code, exitcodes.Interrupted, out.String())
				}
			case <-time.After(2 * time.Minute):
				t.Fatalf("the mount did not end on %v while its medium did not answer\n%s", c.sig, out.String())
			}
			if !strings.Contains(out.String(), "stopped before it served") {
				t.Errorf("output:\n%s", out.String())
			}
			if _, mounted, _ := platform.FuseMountAt(mnt); mounted {
				t.Errorf("%s is mounted after the stop", mnt)
			}
			if _, err := os.Lstat(area); err == nil {
				t.Errorf("the staging area %s the stopped mount made is left behind", area)
			}
			gate.release()
			// The area and the image are as they were: a mount now
			// serves them.
			clitest.Must(t, "mount", img, mnt, "--staging", area)
			if b, err := os.ReadFile(filepath.Join(mnt, "a.txt")); err != nil || string(b) != "a" {
				t.Errorf("a.txt through the mount: %q, %v", b, err)
			}
			clitest.Must(t, "unmount", mnt)
		})
	}
}
