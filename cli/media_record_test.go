//go:build linux

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/clitest"
)

// TestMediaRecordOfOthersRefused: the record beside an image of the
// medium it stands in for (IMG.media) steers what the image is taken
// for; one another user made (a file of theirs, a link, as in a shared
// folder) is refused, naming it, and never written through; before, a
// record another user wrote made the user's new image a CD-R, and a link
// led discstage to write the medium's name into a file of the user's.
func TestMediaRecordOfOthersRefused(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	write(t, filepath.Join(src, "a.txt"), "a")

	// Another user's record.
	img := filepath.Join(work, "theirs.iso")
	write(t, img+".media", "cd-r\n")
	if err := os.Chown(img+".media", 12345, 12345); err != nil {
		t.Fatal(err)
	}
	r := clitest.Run(t, []string{"append", "--progress=none", img, src})
	if r.Code != 1 || !strings.Contains(r.Output(), img+".media") || !strings.Contains(r.Output(), "another user's") {
		t.Errorf("append beside another user's medium record: exit %d, want 1 naming it\n%s", r.Code, r.Output())
	}

	// A link to a file of the user's.
	img = filepath.Join(work, "linked.iso")
	mine := filepath.Join(work, "mine.txt")
	write(t, mine, "")
	if err := os.Symlink(mine, img+".media"); err != nil {
		t.Fatal(err)
	}
	r = clitest.Run(t, []string{"append", "--progress=none", "--media", "dvd+rw", img, src})
	if r.Code != 1 || !strings.Contains(r.Output(), img+".media") {
		t.Errorf("append beside a linked medium record: exit %d, want 1 naming it\n%s", r.Code, r.Output())
	}
	if b, _ := os.ReadFile(mine); len(b) != 0 {
		t.Errorf("the file the record's link led to now holds %q", b)
	}

	// The user's own record is written and read back.
	img = filepath.Join(work, "own.iso")
	clitest.Must(t, "append", "--progress=none", "--media", "dvd+rw", img, src)
	if b, err := os.ReadFile(img + ".media"); err != nil || string(b) != "dvd+rw\n" {
		t.Errorf("the record of the user's own image: %q, %v", b, err)
	}
	if out := clitest.Must(t, "sessions", img); !strings.Contains(out, "dvd+rw") {
		t.Errorf("sessions of the image recorded as a DVD+RW:\n%s", out)
	}
}
