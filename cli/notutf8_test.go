//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// A source name that is not UTF-8 goes to the disc as discstage and
// every reader read it back (each stray byte as Latin-1), with a warning:
// a second append of the same folder finds nothing changed, instead of
// adding the file again beside itself (a duplicate name that failed
// verification, the session written).
func TestAppendNotUTF8Name(t *testing.T) {
	oracle.Need(t, "xorriso")
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	if err := os.WriteFile(filepath.Join(src, "\xff\xfebad"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(tmp, "d.iso")
	out := mustRun(t, "append", img, src)
	if !strings.Contains(out, "not UTF-8") || !strings.Contains(out, "ÿþbad") {
		t.Errorf("first append: no warning of the name:\n%s", out)
	}
	out = mustRun(t, "append", img, src)
	if !strings.Contains(out, "nothing changed") {
		t.Errorf("second append wrote again:\n%s", out)
	}
	if got := oracle.Run(t, "xorriso", "-indev", img, "-ls", "/", "--"); !strings.Contains(got, "ÿþbad") {
		t.Errorf("xorriso lists:\n%s", got)
	}
	dst := filepath.Join(tmp, "out")
	mustRun(t, "extract", img, "/", dst)
	if got, err := os.ReadFile(filepath.Join(dst, "ÿþbad")); err != nil || string(got) != "hello\n" {
		t.Errorf("extract: %q, %v", got, err)
	}
}
