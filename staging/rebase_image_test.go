package staging

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/internal/testtree"
	"github.com/discstage/discstage/writer"
)

// TestRebaseOnPlainImage: on an image genisoimage made (one session at
// LBA 0, every later session read through the superblock there, so the
// listed start never changes) a session xorriso adds while changes are
// staged is still told from the base by its size, and the commit keeps
// its files.
func TestRebaseOnPlainImage(t *testing.T) {
	oracle.Need(t, "genisoimage", "xorriso")
	work := t.TempDir()
	img := filepath.Join(work, "plain.iso")
	src := filepath.Join(work, "src")
	testtree.File(t, src, "a.txt", []byte("alpha"))
	oracle.Run(t, "genisoimage", "-quiet", "-R", "-J", "-o", img, src)
	tgt, err := writer.OpenImage(img, writer.ImageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	a := open(t, filepath.Join(work, "area"), TargetMedium(tgt))
	writeFile(t, a, RootID, "here.txt", "here")
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, a, RootID, "later.txt", "later")
	x := testtree.File(t, filepath.Join(work, "x"), "x.txt", []byte("from xorriso"))
	if out, err := exec.Command("xorriso", "-dev", img, "-map", x, "/x.txt", "-commit").CombinedOutput(); err != nil {
		t.Fatalf("xorriso: %v\n%s", err, out)
	}
	if err := a.Commit(CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	b := open(t, filepath.Join(work, "area2"), TargetMedium(tgt))
	for p, want := range map[string]string{"a.txt": "alpha", "here.txt": "here", "later.txt": "later", "x.txt": "from xorriso"} {
		if got, _ := content(t, b, p); got != want {
			t.Errorf("newest session: %s = %q, want %q", p, got, want)
		}
	}
}
