//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
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
	unmountAtEnd(t, mnt, area)
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

// TestAnotherImageUnderTheName: changes staged for one image file are
// not moved onto another image put under its name, whatever its layout:
// a plain image of one session (master's) of the same size or another
// size, and an image another writer's sessions would not explain (one
// session where the base was the second). The mount is refused and the
// image left as it is. An image another program grew stays one to
// rebase onto (TestDiscChangesUnderMount).
func TestAnotherImageUnderTheName(t *testing.T) {
	work := t.TempDir()
	src := func(name string, files map[string]string) string {
		dir := filepath.Join(work, name)
		for n, c := range files {
			write(t, filepath.Join(dir, n), c)
		}
		return dir
	}
	plainA := filepath.Join(work, "a.iso")
	mustRun(t, "master", "-o", plainA, src("a", map[string]string{"f.txt": "AAAA content one\n", "g.txt": "AAAA other\n"}))
	plainC := filepath.Join(work, "c.iso")
	mustRun(t, "master", "-o", plainC, src("c", map[string]string{"x.txt": "CCCC content one\n", "yy.txt": "CCCC othe\n"}))
	plainBig := filepath.Join(work, "big.iso")
	mustRun(t, "master", "-o", plainBig, src("big", map[string]string{"big.bin": strings.Repeat("B", 300000)}))
	grownP := filepath.Join(work, "p.iso")
	mustRun(t, "append", "--progress", "none", grownP, src("p1", map[string]string{"one.txt": "P one\n"}))
	mustRun(t, "append", "--progress", "none", grownP, src("p2", map[string]string{"two.txt": "P two\n"}))
	grownR := filepath.Join(work, "r.iso")
	mustRun(t, "append", "--progress", "none", grownR, src("r", map[string]string{"big.bin": strings.Repeat("R", 300000)}))

	for _, c := range []struct{ name, mine, other string }{
		{"plain of the same size", plainA, plainC},
		{"plain of another size", plainA, plainBig},
		{"grown of another layout", grownP, grownR},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			img, area, mnt := filepath.Join(dir, "t.iso"), filepath.Join(dir, "area"), filepath.Join(dir, "mnt")
			os.Mkdir(mnt, 0o755)
			unmountAtEnd(t, mnt, area)
			copyFile := func(from string) []byte {
				b, err := os.ReadFile(from)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(img, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return b
			}
			copyFile(c.mine)
			mustRun(t, "mount", "--staging", area, img, mnt)
			write(t, filepath.Join(mnt, "new.txt"), "staged\n")
			mustRun(t, "unmount", mnt)
			before := copyFile(c.other)
			out, code := run(t, "mount", "--staging", area, img, mnt)
			if code == 0 {
				status, _ := run(t, "status", "--all", mnt)
				run(t, "unmount", mnt)
				t.Fatalf("mount of another image under changes staged for mine: exit 0, want a refusal\n%s\n%s", out, status)
			}
			if !strings.Contains(out, "another disc") {
				t.Errorf("refusal does not say the disc is another:\n%s", out)
			}
			if after, _ := os.ReadFile(img); string(after) != string(before) {
				t.Errorf("the other image was written to")
			}
		})
	}
}

// TestPlainImageGrownElsewhereIsRebased: a plain image (master's) that
// growisofs grew under staged changes is the same disc: its superblock
// now leads to growisofs' session, but the first session's tree still
// lies where it did, so the changes are moved onto the new session.
func TestPlainImageGrownElsewhereIsRebased(t *testing.T) {
	oracle.Need(t, "growisofs")
	work := t.TempDir()
	write(t, filepath.Join(work, "a", "f.txt"), "aaa\n")
	img, area, mnt := filepath.Join(work, "p.iso"), filepath.Join(work, "area"), filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	unmountAtEnd(t, mnt, area)
	mustRun(t, "master", "-o", img, filepath.Join(work, "a"))
	mustRun(t, "mount", "--staging", area, img, mnt)
	write(t, filepath.Join(mnt, "new.txt"), "staged\n")
	mustRun(t, "unmount", mnt)
	write(t, filepath.Join(work, "x.txt"), "from growisofs\n")
	oracle.Run(t, "growisofs", "-M", img, "-R", "-J", filepath.Join(work, "x.txt"))
	mustRun(t, "mount", "--staging", area, img, mnt)
	if out := mustRun(t, "status", "--all", mnt); !strings.Contains(out, "rebased") || !strings.Contains(out, "new.txt") {
		t.Errorf("status after growisofs grew the image:\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "x.txt")); err != nil || string(b) != "from growisofs\n" {
		t.Errorf("growisofs' file in the mount: %q, %v", b, err)
	}
	mustRun(t, "unmount", mnt)
}

// TestCommitOnAPlainImageSaysWhereItWrote: a commit onto a plain image
// (master's) says where it wrote the session, and that the image lists
// it at LBA 0, as append says it.
func TestCommitOnAPlainImageSaysWhereItWrote(t *testing.T) {
	work := t.TempDir()
	write(t, filepath.Join(work, "a", "f.txt"), "aaa\n")
	img := filepath.Join(work, "p.iso")
	mustRun(t, "master", "-o", img, filepath.Join(work, "a"))
	mnt := mountTarget(t, img)
	write(t, filepath.Join(mnt, "new.txt"), "staged\n")
	out := mustRun(t, "commit", "--progress", "none", mnt)
	if strings.Contains(out, "written at LBA 0:") || !strings.Contains(out, "listed as the session at LBA 0") {
		t.Errorf("commit onto a plain image says:\n%s", out)
	}
}
