package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
)

// TestMasterKeepsMultisession: master -o over an image of several
// sessions is refused, naming the image and how many sessions it holds,
// and leaves it as it was; --force replaces it. An image of one session
// (a master rebuilt in a loop) is replaced without asking, and a link
// to a multisession image is refused as the image is.
func TestMasterKeepsMultisession(t *testing.T) {
	work := t.TempDir()
	src, small := filepath.Join(work, "src"), filepath.Join(work, "small")
	write(t, filepath.Join(src, "a.txt"), "a")
	write(t, filepath.Join(small, "s.txt"), "s")
	multi := filepath.Join(work, "multi.iso")
	mustRun(t, "append", "--progress", "none", multi, src)
	write(t, filepath.Join(src, "b.txt"), "b")
	mustRun(t, "append", "--progress", "none", multi, src)
	before, err := os.ReadFile(multi)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(work, "link.iso")
	if err := os.Symlink("multi.iso", link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{multi, link} {
		got, code := run(t, "master", "-o", out, small)
		if code != exitcodes.Usage || !strings.Contains(got, multi) || !strings.Contains(got, "2 sessions") || !strings.Contains(got, "--force") {
			t.Errorf("master -o %s over 2 sessions: exit %d, want %d naming %s, its 2 sessions and --force\n%s", out, code, exitcodes.Usage, multi, got)
		}
		if after, err := os.ReadFile(multi); err != nil || !bytes.Equal(after, before) {
			t.Fatalf("a refused master -o %s changed the image (%v)", out, err)
		}
	}
	if ents, _ := os.ReadDir(work); len(ents) != 4 {
		t.Errorf("the refusals left files behind: %d entries in %s, want 4", len(ents), work)
	}

	mustRun(t, "master", "-o", multi, "--force", small)
	var med mediumJSON
	if out := mustRun(t, "sessions", "--json", multi); json.Unmarshal([]byte(out), &med) != nil || len(med.Sessions) != 1 {
		t.Errorf("after master --force, sessions lists:\n%s", out)
	}
	if out := mustRun(t, "ls", multi); !strings.Contains(out, "s.txt") || strings.Contains(out, "a.txt") {
		t.Errorf("after master --force, the image holds:\n%s", out)
	}

	// One session: replaced as mkisofs replaces it.
	mustRun(t, "master", "-o", multi, src)
	if out := mustRun(t, "ls", multi); !strings.Contains(out, "a.txt") || strings.Contains(out, "s.txt") {
		t.Errorf("master over a single-session image, the image holds:\n%s", out)
	}
}

// TestMasterKeepsAnEmulatedMedium: the medium file of an emulated drive
// holds sessions as a disc does, which no image chain lists: master -o
// refuses to replace it without --force.
func TestMasterKeepsAnEmulatedMedium(t *testing.T) {
	work := t.TempDir()
	write(t, filepath.Join(work, "a", "a.txt"), "a")
	write(t, filepath.Join(work, "b", "b.txt"), "b")
	medium := filepath.Join(work, "e.dvd")
	mustRun(t, "append", "--progress", "none", "emulated:dvd+r:"+medium, filepath.Join(work, "a"))
	mustRun(t, "append", "--progress", "none", "emulated:dvd+r:"+medium, filepath.Join(work, "b"))
	before, err := os.ReadFile(medium)
	if err != nil {
		t.Fatal(err)
	}
	out, code := run(t, "master", "-o", medium, filepath.Join(work, "a"))
	if code != exitcodes.Usage || !strings.Contains(out, "emulated drive") {
		t.Errorf("master -o over an emulated medium: exit %d\n%s", code, out)
	}
	if after, _ := os.ReadFile(medium); string(after) != string(before) {
		t.Errorf("the emulated medium was replaced")
	}
}
