//go:build linux

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
)

// TestUnreadableSource: a source file the user may not read is a
// permission error (exit 1), not a source that changed (exit 6), for
// master and append; and the failed append onto a new image leaves no
// file, as the failed master leaves none.
func TestUnreadableSource(t *testing.T) {
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "acting as a second user needs root")
	}
	pub, err := os.MkdirTemp("", "discstage-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(pub)
	os.Chmod(filepath.Dir(binary), 0o755)
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
	asNobody := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(binary, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		cmd.Dir = "/"
		cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR=") // locks in the temporary directory
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
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
