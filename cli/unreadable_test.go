//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
)

// TestUnreadableSource: a source file the user may not read is a
// permission error (exit 1), not a source that changed (exit 6), for
// master and append; and the failed append onto a new image leaves no
// file, as the failed master leaves none.
func TestUnreadableSource(t *testing.T) {
	pub := publicDir(t, "discstage-unreadable-")
	src := filepath.Join(pub, "src")
	for _, err := range []error{
		os.MkdirAll(filepath.Join(src, "sub"), 0o755),
		os.WriteFile(filepath.Join(src, "a"), []byte("a\n"), 0o644),
		os.WriteFile(filepath.Join(src, "sub", "s"), []byte("s\n"), 0o000),
		os.Mkdir(filepath.Join(pub, "out"), 0o755),
		os.Chown(filepath.Join(pub, "out"), 65534, 65534),
		os.Chmod(pub, 0o755),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	asNobody := func(args ...string) (string, int) { return runAs(t, 65534, args...) }
	for _, args := range [][]string{
		{"master", "-o", filepath.Join(pub, "out", "m.iso"), src},
		{"append", filepath.Join(pub, "out", "a.iso"), src},
		{"append", filepath.Join(pub, "out", "mirror.iso"), "--mirror", src},
	} {
		out, code := asNobody(args...)
		if code != exitcodes.Other || !strings.Contains(out, "/sub/s") || !strings.Contains(out, "permission denied") || strings.Contains(out, "source changed") {
			t.Errorf("%v: exit %d, want %d, a permission error naming /sub/s:\n%s", args, code, exitcodes.Other, out)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(pub, "out"))
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".iso") || strings.Contains(e.Name(), ".iso.") {
			t.Errorf("a failed run left %s", e.Name())
		}
	}
}
