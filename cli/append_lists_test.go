//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAppendMirrorLists: append's list says what a session changes.
// Named pipes and device nodes given again unchanged are not
// "replaced"; a file whose mode alone changed is listed as "attrs", not
// "kept"; a name with a newline is quoted, as pending quotes it.
func TestAppendMirrorLists(t *testing.T) {
	dir := t.TempDir()
	src, img := filepath.Join(dir, "src"), filepath.Join(dir, "d.iso")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(src, 0o755))
	must(os.WriteFile(filepath.Join(src, "a"), []byte("a\n"), 0o644))
	must(os.Chmod(filepath.Join(src, "a"), 0o4755))
	must(os.WriteFile(filepath.Join(src, "new\nline"), []byte("n\n"), 0o644))
	must(syscall.Mkfifo(filepath.Join(src, "fifo"), 0o644))
	if os.Geteuid() == 0 {
		must(syscall.Mknod(filepath.Join(src, "blk"), syscall.S_IFBLK|0o600, 7<<8|9))
	}
	mirror := func() string {
		t.Helper()
		return mustRun(t, "append", "--verify", "none", "--progress", "none", img, "--mirror", src)
	}
	out := mirror()
	if !strings.Contains(out, `added    "/new\nline"`) || strings.Contains(out, "\nline\n") {
		t.Errorf("first session: the name with a newline is not quoted:\n%s", out)
	}

	must(os.WriteFile(filepath.Join(src, "b"), []byte("b\n"), 0o644))
	out = mirror()
	if strings.Contains(out, "replaced /") || strings.Contains(out, "kept     /fifo") || strings.Contains(out, "attrs    /fifo") || strings.Contains(out, "/blk\n") || !strings.Contains(out, " 0 replaced,") {
		t.Errorf("second session, /b added: the unchanged pipe and device are listed:\n%s", out)
	}
	if !strings.Contains(out, "added    /b\n") {
		t.Errorf("second session: /b is not listed as added:\n%s", out)
	}

	must(os.Chmod(filepath.Join(src, "a"), 0o640))
	out = mirror()
	if !strings.Contains(out, "attrs    /a\n") || strings.Contains(out, "kept     /a\n") || !strings.Contains(out, "1 attributes only") {
		t.Errorf("third session, /a chmod 640: not listed as attrs:\n%s", out)
	}
}
