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
}
