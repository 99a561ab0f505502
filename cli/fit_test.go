//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatusSaysWhatDoesNotFit: with more staged than the medium holds,
// status says so before a commit is tried, and the dry run says by how
// many sectors, which sizes in MiB may round alike.
func TestStatusSaysWhatDoesNotFit(t *testing.T) {
	_, mnt := mountImage(t, "--capacity", "4MB")
	if err := os.WriteFile(filepath.Join(mnt, "big"), make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "status", mnt); !strings.Contains(out, "does not fit") {
		t.Errorf("status with more staged than fits does not say so:\n%s", out)
	}
	if out, code := run(t, "commit", "--dry-run", mnt); code == 0 || !strings.Contains(out, "sectors) free") {
		t.Errorf("dry run of a session that does not fit: exit %d\n%s", code, out)
	}
}
