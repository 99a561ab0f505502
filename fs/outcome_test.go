//go:build linux

package fs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	// The first commit must still run when the second arrives: a staged
	// file held open for writing keeps it waiting until the test closes
	// the file, whatever the machine's speed.
	f, err := os.Create(filepath.Join(mnt, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	first := exec.Command(bin, "commit", mnt)
	var out strings.Builder
	first.Stdout, first.Stderr = &out, &out
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for status(t, mnt).State != staging.StateWaiting {
		if time.Now().After(deadline) {
			t.Fatalf("the first commit never waited for the open file:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	second, code2 := discstage(t, bin, "commit", mnt)
	f.Close()
	if err := first.Wait(); err != nil {
		t.Fatalf("the first commit failed (second exit %d): %v\n%s\nsecond:\n%s", code2, err, out.String(), second)
	}
	if !strings.Contains(out.String(), "session 1 written") {
		t.Errorf("first commit's output:\n%s", out.String())
	}
	if code2 != exitcodes.Busy || !strings.Contains(second, "already running") {
		t.Fatalf("second commit: exit %d, want %d\n%s", code2, exitcodes.Busy, second)
	}
	if s := status(t, mnt); s.LastError != "" || s.Pending {
		t.Errorf("status after both: %+v", s)
	}
	toc := oracle.Run(t, "xorriso", "-indev", img, "-toc")
	if n := len(tocLine.FindAllString(toc, -1)); n != 1 {
		t.Errorf("%d sessions, want 1:\n%s", n, toc)
	}
}
