//go:build linux

package fs

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// lsdl lists the session at lba as `xorriso -find / -exec lsdl` does,
// whitespace collapsed, sorted, without the lines naming any of skip.
func lsdl(t *testing.T, img string, lba uint32, skip ...string) []string {
	t.Helper()
	out := oracle.Run(t, "xorriso", "-abort_on", "FAILURE", "-load", "sbsector", strconv.Itoa(int(lba)), "-indev", img, "-find", "/", "-exec", "lsdl")
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "'/") && !slices.ContainsFunc(skip, func(s string) bool { return strings.Contains(l, s) }) {
			lines = append(lines, strings.Join(strings.Fields(l), " "))
		}
	}
	slices.Sort(lines)
	return lines
}

// TestCommitKeepsModes: a commit through the mount carries the entries of
// an earlier session over with every attribute xorriso shows, the
// setgid, setuid and sticky bits of directories among them.
func TestCommitKeepsModes(t *testing.T) {
	oracle.Need(t, "xorriso")
	work := t.TempDir()
	src := filepath.Join(work, "src")
	for _, d := range []string{"tmp", "sg/sub"} {
		os.MkdirAll(filepath.Join(src, d), 0o755)
	}
	os.WriteFile(filepath.Join(src, "sg/sub/f"), []byte("f"), 0o644)
	os.WriteFile(filepath.Join(src, "tool"), []byte("t"), 0o755)
	for p, m := range map[string]os.FileMode{"tmp": 0o777 | os.ModeSticky, "sg": 0o755 | os.ModeSetgid, "sg/sub": 0o750 | os.ModeSetgid | os.ModeSetuid, "tool": 0o755 | os.ModeSetuid} {
		if err := os.Chmod(filepath.Join(src, p), m); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(work, "disc.iso")
	oracle.Run(t, "xorriso", "-outdev", img, "-map", src, "/", "-commit")
	before := lsdl(t, img, 32, "'/'")
	if !slices.ContainsFunc(before, func(l string) bool { return strings.HasPrefix(l, "drwxrwxrwt") }) {
		t.Fatalf("xorriso's session has no sticky folder:\n%s", strings.Join(before, "\n"))
	}
	f := mountImage(t, img)
	if fi, err := os.Stat(filepath.Join(f.mnt, "tmp")); err != nil || fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("the mount shows tmp as %v (%v), without its sticky bit", fi.Mode(), err)
	}
	if err := os.WriteFile(filepath.Join(f.mnt, "added.txt"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.commitNow(t)
	lbas := sessions(t, img)
	if len(lbas) != 2 {
		t.Fatalf("sessions: %v", lbas)
	}
	if after := lsdl(t, img, lbas[1], "'/'", "added.txt"); !slices.Equal(after, before) {
		t.Errorf("a commit changed carried-over entries:\nbefore:\n%s\nafter:\n%s", strings.Join(before, "\n"), strings.Join(after, "\n"))
	}
}
