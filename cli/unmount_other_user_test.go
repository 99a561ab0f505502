//go:build linux

package cli

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// TestUnmountByAnotherUser: unmount of another user's mount is refused
// in the words commit and eject use (only the user who mounted it, and
// root, may act on it), and the mount stays; before, the system's
// unmount was tried and its raw refusal shown (fusermount's "entry not
// found in /etc/mtab").
func TestUnmountByAnotherUser(t *testing.T) {
	_, mnt := mountImage(t, "--allow-other")
	// The binary and the folders on the way, for another user.
	dir := t.TempDir()
	bin := filepath.Join(dir, "discstage")
	src, err := os.Open(clitest.Command(t).Path)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(bin, os.O_WRONLY|os.O_CREATE, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	src.Close()
	dst.Close()
	for _, d := range []string{dir, filepath.Dir(dir), filepath.Dir(filepath.Dir(mnt)), filepath.Dir(filepath.Dir(filepath.Dir(mnt)))} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "unmount", mnt)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 12345, Gid: 12345}}
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "XDG_RUNTIME_DIR=" + dir}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "only the user who mounted") || strings.Contains(string(out), "fusermount") {
		t.Errorf("unmount by another user: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(mnt, ".discstage", "status")); err != nil {
		t.Errorf("the mount after another user's unmount: %v", err)
	}
}
