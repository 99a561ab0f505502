//go:build linux

package fs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
	"github.com/discstage/discstage/staging"
)

// TestSecondCommitRefusedFirstSucceeds: a second `discstage commit`
// while the first runs is refused as busy (exit 11), and the first still
// reports its own commit's outcome: its session, exit 0. Issue 10 saw
// the first exit 1 with "a commit is already running".
func TestSecondCommitRefusedFirstSucceeds(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "go", "xorriso")
	bin := buildBinary(t)
	work := t.TempDir()
	img, area, mnt := filepath.Join(work, "disc.iso"), filepath.Join(work, "area"), filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	t.Cleanup(func() { platform.Unmount(mnt) })
	if out, code := discstage(t, bin, "mount", img, mnt, "--staging", area); code != 0 {
		t.Fatalf("mount: exit %d\n%s", code, out)
	}
	// The first commit must still run when the second arrives; a commit
	// that ended first is tried again with more to write.
	for try, size := 1, int64(64<<20); ; try, size = try+1, size*2 {
		f, err := os.Create(filepath.Join(mnt, fmt.Sprintf("big%d.bin", try)))
		if err != nil {
			t.Fatal(err)
		}
		f.Truncate(size)
		f.Close()
		first := exec.Command(bin, "commit", mnt)
		var out strings.Builder
		first.Stdout, first.Stderr = &out, &out
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		running := false
		for i := 0; i < 30000 && !running; i++ {
			running = status(t, mnt).State == staging.StateCommitting
			if !running && first.ProcessState != nil {
				break
			}
		}
		var second string
		code2 := -1
		if running {
			second, code2 = discstage(t, bin, "commit", mnt)
		}
		err = first.Wait()
		if err != nil {
			t.Fatalf("the first commit failed (try %d, second exit %d): %v\n%s\nsecond:\n%s", try, code2, err, out.String(), second)
		}
		if !strings.Contains(out.String(), fmt.Sprintf("session %d written", try)) {
			t.Errorf("first commit's output:\n%s", out.String())
		}
		if !running || status(t, mnt).Commits == 0 || code2 == 0 && strings.Contains(second, "nothing staged") {
			if try == 6 {
				t.Skip("the first commit always ended before a second could be asked for")
			}
			continue
		}
		if code2 != exitcodes.Busy || !strings.Contains(second, "already running") {
			if strings.Contains(second, "nothing staged") && try < 6 {
				continue // the first ended just before
			}
			t.Fatalf("second commit: exit %d, want %d\n%s", code2, exitcodes.Busy, second)
		}
		if s := status(t, mnt); s.LastError != "" || s.Pending {
			t.Errorf("status after both: %+v", s)
		}
		toc := oracle.Run(t, "xorriso", "-indev", img, "-toc")
		if n := len(tocLine.FindAllString(toc, -1)); n != try {
			t.Errorf("%d sessions, want %d:\n%s", n, try, toc)
		}
		return
	}
}
