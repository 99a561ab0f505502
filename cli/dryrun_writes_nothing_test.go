package cli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
)

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestDryRunWritesNothing: append --dry-run with --media leaves no
// record of the medium beside the image (a later --media of another
// medium is taken), and a dry run onto an emulated drive whose medium
// does not exist leaves no medium file and no state file.
func TestDryRunWritesNothing(t *testing.T) {
	work := t.TempDir()
	src, small := filepath.Join(work, "src"), filepath.Join(work, "small")
	write(t, filepath.Join(src, "a.txt"), "a")
	write(t, filepath.Join(small, "s.txt"), "s")
	img := filepath.Join(work, "dr.iso")
	mustRun(t, "append", "--progress", "none", img, src)
	before := names(t, work)
	mustRun(t, "append", img, small, "--media", "cd-r", "--dry-run")
	if after := names(t, work); !slices.Equal(after, before) {
		t.Errorf("append --dry-run --media cd-r: the folder holds %v, before %v", after, before)
	}
	mustRun(t, "append", "--progress", "none", img, small, "--media", "dvd+rw")

	before = names(t, work)
	medium := filepath.Join(work, "e.img")
	mustRun(t, "append", "emulated:cd-r:"+medium, small, "--dry-run")
	if after := names(t, work); !slices.Equal(after, before) {
		t.Errorf("append --dry-run onto a new emulated medium: the folder holds %v, before %v", after, before)
	}
}

// TestReadOnlyMissingEmulated: the commands that only read a target
// (sessions, ls, extract, verify) find no emulated medium where there
// is none, as they find no image: exit 3, and nothing made.
func TestReadOnlyMissingEmulated(t *testing.T) {
	work := t.TempDir()
	medium := filepath.Join(work, "x", "e.img")
	if err := os.Mkdir(filepath.Dir(medium), 0o755); err != nil {
		t.Fatal(err)
	}
	target := "emulated:dvd+r:" + medium
	dest := filepath.Join(work, "dest")
	for _, args := range [][]string{
		{"sessions", target},
		{"sessions", "--json", target},
		{"ls", target},
		{"extract", target, "/", dest},
		{"verify", target},
		{"sessions", filepath.Join(work, "x", "plain.iso")},
	} {
		out, code := run(t, args...)
		if code != exitcodes.NoTarget {
			t.Errorf("%v on a missing medium: exit %d, want %d\n%s", args, code, exitcodes.NoTarget, out)
		}
		if got := names(t, filepath.Dir(medium)); len(got) != 0 {
			t.Fatalf("%v on a missing medium made %v", args, got)
		}
	}
	if _, err := os.Lstat(dest); err == nil {
		t.Errorf("extract from a missing medium made %s", dest)
	}
}
