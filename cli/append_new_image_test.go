package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// TestAppendNewImageFailures: an append onto a missing image leaves no
// file when it writes no session (a dry run, a failure before
// writing).
func TestAppendNewImageFailures(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}

	img := filepath.Join(work, "dry.iso")
	clitest.Must(t, "append", "--dry-run", "--media", "dvd+rw", img, src)
	for _, p := range []string{img, img + ".media"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("a dry run left %s", p)
		}
	}

	img = filepath.Join(work, "fail.iso")
	if r := clitest.Run(t, []string{"append", "--media", "dvd+rw", img, filepath.Join(work, "missing")}); r.Code == 0 {
		t.Fatalf("append of a missing source succeeded:\n%s", r.Output())
	}
	for _, p := range []string{img, img + ".media"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("a failed append that wrote nothing left %s", p)
		}
	}

	// Through a symbolic link that leads to no file yet: the image the
	// lock made where the link leads goes, the user's link stays.
	link, real := filepath.Join(work, "link.iso"), filepath.Join(work, "real.iso")
	if err := os.Symlink("real.iso", link); err != nil {
		t.Fatal(err)
	}
	if r := clitest.Run(t, []string{"append", link, filepath.Join(work, "missing")}); r.Code == 0 {
		t.Fatalf("append of a missing source through a link succeeded:\n%s", r.Output())
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link after a failed append through it: %v, %v", fi, err)
	}
	if _, err := os.Lstat(real); err == nil {
		t.Errorf("a failed append through a link left %s", real)
	}
	clitest.Must(t, "append", link, src)
	if fi, err := os.Lstat(real); err != nil || fi.Size() == 0 {
		t.Errorf("an append through the link then wrote no image where it leads: %v, %v", fi, err)
	}
}
