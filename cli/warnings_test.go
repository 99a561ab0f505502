package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestManyRenamesAreSummarized masters a tree with many names too long
// for Joliet: a few lines say how many and why, --verbose lists each.
func TestManyRenamesAreSummarized(t *testing.T) {
	src := t.TempDir()
	long := strings.Repeat("n", 70)
	for i := 0; i < 40; i++ {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("%s%02d", long, i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(t.TempDir(), "w.iso")
	stderr := func(args ...string) string {
		var e strings.Builder
		c := exec.Command(binary, args...)
		c.Stderr = &e
		if err := c.Run(); err != nil {
			t.Fatalf("discstage %q: %v\n%s", args, err, e.String())
		}
		return e.String()
	}
	sum := stderr("master", "-o", img, src)
	if n := strings.Count(sum, "\n"); n > 8 || !strings.Contains(sum, "the Joliet tree names 40 entries differently") {
		t.Errorf("summary of 40 renames takes %d lines:\n%s", n, sum)
	}
	all := stderr("master", "--verbose", "-o", img, src)
	if n := strings.Count(all, "discstage: warning:"); n != 40 {
		t.Errorf("--verbose prints %d warnings, want 40:\n%s", n, all)
	}
	out := stderr("append", img, filepath.Join(src, long+"00"))
	if n := strings.Count(out, "\n"); n > 8 {
		t.Errorf("append prints %d lines of warnings:\n%s", n, out)
	}
}
