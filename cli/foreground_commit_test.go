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
	"github.com/discstage/discstage/internal/syncbuf"
)

// TestForegroundMountSaysItFinishesItsCommit: SIGTERM to a foreground
// mount while a commit writes ends the mount, and the process says
// that it ends once the session is written, then that the commit is
// done; before, it went on burning for the rest of the session without
// a word.
func TestForegroundMountSaysItFinishesItsCommit(t *testing.T) {
	target, area, mnt := slowDVD(t) // 8 MiB take seconds
	cmd := clitest.Command(t, "mount", target, mnt, "--staging", area, "--foreground")
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	unmountAtEnd(t, mnt, area)
	eventually(t, "the mount to serve", func() bool {
		_, err := os.Stat(filepath.Join(mnt, ".discstage", "status"))
		return err == nil
	})
	write(t, filepath.Join(mnt, "big.bin"), strings.Repeat("b", 8<<20))
	write(t, filepath.Join(mnt, ".discstage", "ctl"), "commit")
	eventually(t, "the commit to write", func() bool {
		b, _ := os.ReadFile(filepath.Join(mnt, ".discstage", "status"))
		return strings.Contains(string(b), `"phase": "writing"`)
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the mount's process: %v\n%s", err, out.String())
		}
	case <-time.After(5 * time.Minute):
		t.Fatalf("the mount's process did not end:\n%s", out.String())
	}
	if s := out.String(); !strings.Contains(s, "a commit is running: the process ends once the session is written and verified") ||
		!strings.Contains(s, "the commit running at the unmount is done: the medium holds 1 session") {
		t.Errorf("the mount said:\n%s", s)
	}
	if r := clitest.Run(t, []string{"ls", target, "/"}); r.Code != 0 || !strings.Contains(r.Stdout, "big.bin") {
		t.Errorf("ls of the disc: exit %d\n%s", r.Code, r.Output())
	}
}
