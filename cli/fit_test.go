//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/platform"
)

// TestStatusSaysWhatDoesNotFit: with more staged than the medium holds,
// status says so before a commit is tried, and the dry run says by how
// many sectors, which sizes in MiB may round alike.
func TestStatusSaysWhatDoesNotFit(t *testing.T) {
	oracle.NeedFuse(t)
	work := t.TempDir()
	mnt := filepath.Join(work, "mnt")
	os.Mkdir(mnt, 0o755)
	t.Cleanup(func() { platform.Unmount(mnt) })
	env := clitest.Env("XDG_RUNTIME_DIR=" + filepath.Join(work, "run"))
	run := func(args ...string) clitest.Result {
		t.Helper()
		return clitest.Run(t, args, env)
	}
	if r := run("mount", "--staging", filepath.Join(work, "area"), "--capacity", "4MB", filepath.Join(work, "d.iso"), mnt); r.Code != 0 {
		t.Fatalf("mount: exit %d\n%s", r.Code, r.Output())
	}
	if err := os.WriteFile(filepath.Join(mnt, "big"), make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run("status", mnt)
	if !strings.Contains(r.Stdout, "does not fit") {
		t.Errorf("status with more staged than fits does not say so:\n%s", r.Output())
	}
	r = run("commit", "--dry-run", mnt)
	if r.Code == 0 || !strings.Contains(r.Output(), "sectors) free") {
		t.Errorf("dry run of a session that does not fit: exit %d\n%s", r.Code, r.Output())
	}
	run("unmount", mnt)
}
