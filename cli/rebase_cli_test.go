//go:build linux

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
)

// TestDiscChangesUnderMount: while an image is mounted with changes
// staged, another discstage writer is refused as busy and says who holds
// the image; xorriso and growisofs, which know nothing of the lock, add
// sessions. The mount's next commit keeps what they wrote: the staged
// changes are rebased onto their session, staging winning (and the
// conflict reported) where both changed a file. Mounting again over a
// disc that got a session meanwhile rebases too, instead of refusing.
func TestDiscChangesUnderMount(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "xorriso", "growisofs", "go")
	bin := buildBinary(t)
	work := t.TempDir()
	img, area, mnt := filepath.Join(work, "disc.iso"), filepath.Join(work, "area"), filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	unmountAtEnd(t, mnt, area)
	must := func(args ...string) string {
		t.Helper()
		out, code := discstage(t, bin, args...)
		if code != 0 {
			t.Fatalf("discstage %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		return out
	}
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(mnt, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must("mount", img, mnt, "--staging", area)
	write("a.txt", "a, session 1")
	write("shared/one.txt", "one")
	write("old.txt", "old")
	must("commit", mnt)

	// Staged here: a new file, a change to a.txt, a file in shared/,
	// old.txt deleted.
	write("here.txt", "staged here")
	write("a.txt", "a, changed here")
	write("shared/here.txt", "shared here")
	if err := os.Remove(filepath.Join(mnt, "old.txt")); err != nil {
		t.Fatal(err)
	}

	// Another discstage writer is refused, naming the mount.
	extra := testtree.File(t, filepath.Join(work, "extra"), "extra.txt", []byte("extra"))
	out, code := discstage(t, bin, "append", img, extra)
	if code != exitcodes.Busy || !strings.Contains(out, "mounted at "+mnt+" by pid ") {
		t.Errorf("append to a mounted image: exit %d, want %d, naming the mount\n%s", code, exitcodes.Busy, out)
	}
	out, code = discstage(t, bin, "master", "-o", img, filepath.Dir(extra))
	if code != exitcodes.Busy || !strings.Contains(out, "mounted at "+mnt) {
		t.Errorf("master over a mounted image: exit %d, want %d, naming the mount\n%s", code, exitcodes.Busy, out)
	}
	if toc := testtree.XorrisoTOC(t, img); len(toc) != 1 {
		t.Fatalf("the refused append wrote: %v", toc)
	}

	// xorriso changes a.txt too and adds to shared/; growisofs adds a
	// file at the root.
	x := filepath.Join(work, "x")
	testtree.File(t, x, "a.txt", []byte("a, changed by xorriso"))
	testtree.File(t, x, "xorriso.txt", []byte("from xorriso"))
	testtree.File(t, x, "xor.txt", []byte("shared, from xorriso"))
	oracle.Run(t, "xorriso", "-dev", img, "-map", filepath.Join(x, "a.txt"), "/a.txt",
		"-map", filepath.Join(x, "xorriso.txt"), "/xorriso.txt", "-map", filepath.Join(x, "xor.txt"), "/shared/xor.txt", "-commit")
	g := filepath.Join(work, "g")
	testtree.File(t, g, "growisofs.txt", []byte("from growisofs"))
	if out, err := exec.Command("growisofs", "-M", img, "-R", "-J", g).CombinedOutput(); err != nil {
		t.Fatalf("growisofs -M: %v\n%s", err, out)
	}

	out = must("commit", mnt)
	if !strings.Contains(out, "rebased") || !strings.Contains(out, "/a.txt: changed here and on the disc") {
		t.Errorf("commit output does not report the rebase and its conflict:\n%s", out)
	}
	if st := must("status", mnt); !strings.Contains(st, "/a.txt: changed here and on the disc") {
		t.Errorf("status does not report the conflict:\n%s", st)
	}
	want := map[string]string{
		"a.txt":           "a, changed here",
		"here.txt":        "staged here",
		"shared/one.txt":  "one",
		"shared/here.txt": "shared here",
		"shared/xor.txt":  "shared, from xorriso",
		"xorriso.txt":     "from xorriso",
		"growisofs.txt":   "from growisofs",
	}
	checkNewest := func(want map[string]string, gone ...string) {
		t.Helper()
		got := t.TempDir()
		oracle.Run(t, "xorriso", "-osirrox", "on", "-indev", img, "-extract", "/", got)
		for rel, content := range want {
			b, err := os.ReadFile(filepath.Join(got, rel))
			if err != nil || string(b) != content {
				t.Errorf("newest session: %s = %q (%v), want %q", rel, b, err, content)
			}
			if b, err := os.ReadFile(filepath.Join(mnt, rel)); err != nil || string(b) != content {
				t.Errorf("mount: %s = %q (%v), want %q", rel, b, err, content)
			}
		}
		for _, rel := range gone {
			if _, err := os.Stat(filepath.Join(got, rel)); err == nil {
				t.Errorf("newest session still has %s", rel)
			}
		}
	}
	checkNewest(want, "old.txt")

	// Unmounted with a change staged, the disc gets a session from
	// xorriso; mounting again rebases instead of refusing.
	write("later.txt", "later, staged")
	must("unmount", mnt)
	testtree.File(t, x, "while-unmounted.txt", []byte("xorriso, while unmounted"))
	oracle.Run(t, "xorriso", "-dev", img, "-map", filepath.Join(x, "while-unmounted.txt"), "/while-unmounted.txt", "-commit")
	must("mount", img, mnt, "--staging", area)
	must("commit", mnt)
	want["later.txt"] = "later, staged"
	want["while-unmounted.txt"] = "xorriso, while unmounted"
	checkNewest(want, "old.txt")
	must("unmount", mnt)
	// With the mount gone, append works again.
	must("append", img, extra)
}
