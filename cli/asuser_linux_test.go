package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/discstage/discstage/internal/oracle"
)

// publicDir makes a temporary folder every user may enter, for a test
// that runs discstage as another user (which needs root), and lets that
// user reach the built command.
func publicDir(t *testing.T, prefix string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		oracle.Unavailable(t, "acting as a second user needs root")
	}
	pub, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(pub) })
	os.Chmod(pub, 0o755)
	os.Chmod(filepath.Dir(binary), 0o755)
	return pub
}

// runAs runs the built command as user uid (in the group of the same
// number) with a umask of 022, from "/", its locks in the temporary
// directory, and returns its output and exit code.
func runAs(t *testing.T, uid uint32, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", `umask 022; exec "$@"`, "sh", binary}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR=")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}
