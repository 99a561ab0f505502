//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/discstage/discstage/internal/clitest"
)

// opWords are the operations and packages a message names; each once.
var opWords = map[string]bool{"commit": true, "eject": true, "unmount": true, "umount": true, "discard": true,
	"cancel": true, "stop": true, "close": true, "staging": true, "writer": true, "fs": true, "platform": true}

// namesOnce fails when a line of out names a package or an operation
// twice ("commit: staging: commit: …", "unmount X: fusermount3: failed
// to unmount X: …; umount: …").
func namesOnce(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		seen := map[string]bool{}
		words := strings.FieldsFunc(line, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for _, w := range words {
			w = strings.ToLower(w)
			if w == "umount" {
				w = "unmount"
			}
			if opWords[w] {
				if seen[w] {
					t.Errorf("%s: %q names %q twice", what, line, w)
				}
				seen[w] = true
			}
		}
	}
}

// TestMessagesNameTheirOperationOnce runs the paths that fail through a
// mount (the control file, the status's last error, commit, unmount)
// and reads what they say.
func TestMessagesNameTheirOperationOnce(t *testing.T) {
	_, mnt := mountImage(t)
	// The control file, nothing staged: the status's last error.
	os.WriteFile(filepath.Join(mnt, ".discstage", "ctl"), []byte("commit\n"), 0)
	s := clitest.Must(t, "status", mnt)
	if !strings.Contains(s, "last error: ") {
		t.Errorf("status after a refused commit:\n%s", s)
	}
	namesOnce(t, "status", s)
	// An image is closed only by writing a session.
	r := clitest.Run(t, []string{"commit", "--close", "--progress=none", mnt})
	if r.Code == 0 {
		t.Errorf("commit --close with nothing staged: exit 0\n%s", r.Output())
	}
	namesOnce(t, "commit --close", r.Output())
	namesOnce(t, "status", clitest.Must(t, "status", mnt))
	write(t, filepath.Join(mnt, "a.txt"), "a")
	clitest.Must(t, "commit", "--progress=none", mnt)
	// Unmount while a file is open in the mount.
	f, err := os.Open(filepath.Join(mnt, "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	r = clitest.Run(t, []string{"unmount", mnt})
	f.Close()
	if r.Code == 0 {
		t.Errorf("unmount with a file open: exit 0\n%s", r.Output())
	}
	namesOnce(t, "unmount", r.Output())
}
