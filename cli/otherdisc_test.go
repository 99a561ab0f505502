//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// TestAnotherDiscOfTheSameLayout: changes staged for one disc are not
// taken for changes of another disc whose sessions lie where the first
// disc's do (the same starts and sizes, as small sessions have), as when
// one disc is ejected and another inserted in the drive the staging
// area belongs to. The mount is refused, saying the disc is another,
// and nothing is written to it; with the first disc back, the staged
// file is there and commits.
func TestAnotherDiscOfTheSameLayout(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	mnt, area := filepath.Join(work, "mnt"), filepath.Join(work, "area")
	os.Mkdir(mnt, 0o755)
	t.Cleanup(func() { platform.Unmount(mnt) })
	must := func(args ...string) string { t.Helper(); return mustRun(t, args...) }
	for _, n := range []string{"a.txt", "b.txt", "c.txt"} {
		write(t, filepath.Join(work, "src", n), n+"\n")
	}
	mine, other := filepath.Join(work, "mine.img"), filepath.Join(work, "other.img")
	spec := func(img string) string { return "emulated:dvd+r:" + img }
	// Two discs of two one-file sessions each.
	must("append", "--progress", "none", spec(mine), filepath.Join(work, "src", "a.txt"))
	must("append", "--progress", "none", spec(mine), filepath.Join(work, "src", "b.txt"))
	must("append", "--progress", "none", spec(other), filepath.Join(work, "src", "b.txt"))
	must("append", "--progress", "none", spec(other), filepath.Join(work, "src", "c.txt"))

	// The drive's disc: a file standing for the drive, its medium
	// swapped by renaming the medium files.
	drive := filepath.Join(work, "drive.img")
	insert := func(img string) {
		t.Helper()
		for _, suffix := range []string{"", ".mmc.json"} {
			b, err := os.ReadFile(img + suffix)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(drive+suffix, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	insert(mine)
	must("mount", "--staging", area, spec(drive), mnt)
	write(t, filepath.Join(mnt, "staged.txt"), "staged for my disc\n")
	must("unmount", mnt)

	insert(other)
	before, err := os.ReadFile(drive)
	if err != nil {
		t.Fatal(err)
	}
	out, code := run(t, "mount", "--staging", area, spec(drive), mnt)
	if code == 0 {
		run(t, "unmount", mnt)
	}
	if code != exitcodes.Other {
		t.Fatalf("mount of another disc under changes staged for mine: exit %d, want a refusal, %d\n%s", code, exitcodes.Other, out)
	}
	if !strings.Contains(out, "another disc") {
		t.Errorf("refusal does not say the disc is another:\n%s", out)
	}
	if after, _ := os.ReadFile(drive); string(after) != string(before) {
		t.Errorf("the other disc was written to")
	}
	if out := must("ls", spec(drive), "/"); strings.Contains(out, "staged.txt") || !strings.Contains(out, "c.txt") {
		t.Errorf("the other disc's newest session lists:\n%s", out)
	}

	insert(mine)
	must("mount", "--staging", area, spec(drive), mnt)
	if b, err := os.ReadFile(filepath.Join(mnt, "staged.txt")); err != nil || string(b) != "staged for my disc\n" {
		t.Fatalf("staged file with my disc back: %q, %v", b, err)
	}
	must("commit", "--progress", "none", mnt)
	must("unmount", mnt)
	out = must("ls", spec(drive), "/")
	for _, n := range []string{"a.txt", "b.txt", "staged.txt"} {
		if !strings.Contains(out, n) {
			t.Errorf("my disc's new session lacks %s:\n%s", n, out)
		}
	}
}
