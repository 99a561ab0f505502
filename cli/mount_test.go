//go:build linux

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// TestAllowOtherNeedsFuseConf: a user other than root asking for
// --allow-other without user_allow_other in /etc/fuse.conf is told so,
// not "fusermount exited with code 256".
func TestAllowOtherNeedsFuseConf(t *testing.T) {
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "acting as a second user needs root")
	}
	b, _ := os.ReadFile("/etc/fuse.conf")
	permitted := strings.Contains("\n"+string(b), "\nuser_allow_other")
	// The binary's folder is private to root; let the other user run it.
	if err := os.Chmod(filepath.Dir(binary), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "discstage-other-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o777)
	mnt := filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o777)
	cmd := exec.Command(binary, "mount", "--allow-other", filepath.Join(dir, "d.iso"), mnt, "--staging", filepath.Join(dir, "area"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if permitted {
		// This machine lets users ask for allow_other: the mount must
		// not claim otherwise, whatever else it says.
		exec.Command("fusermount", "-u", mnt).Run()
		if strings.Contains(string(out), "has no line user_allow_other") {
			t.Errorf("mount --allow-other refused although /etc/fuse.conf permits it:\n%s", out)
		}
		return
	}
	if err == nil {
		exec.Command("fusermount", "-u", mnt).Run()
		t.Fatalf("mount --allow-other as another user succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "/etc/fuse.conf has no line user_allow_other") {
		t.Errorf("mount --allow-other as another user says:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "d.iso")); err == nil {
		t.Error("the refused mount created the image")
	}
}
