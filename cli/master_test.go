package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
)

// masterTestDir makes a small tree with a link and a name Joliet must
// change.
func masterTestDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	for rel, data := range map[string]string{"a.txt": "alpha\n", "sub/b.bin": strings.Repeat("b", 5000), "sub/emoji 😀.txt": "e", "empty": ""} {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	freezeAccessTimes(t, dir)
	return dir
}

func TestMasterCommand(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	dir := masterTestDir(t)
	outDir := t.TempDir()
	img := filepath.Join(outDir, "out.iso")
	out := mustRun(t, "master", "-o", img, "--volume-id", "MYVOL", "--time", "2024-01-02T03:04:05Z", dir)
	if !strings.Contains(out, "emoji _.txt") || !strings.Contains(out, "warning") {
		t.Errorf("no warning for the renamed Joliet name:\n%s", out)
	}
	// Same input, same time: the same bytes. The second run comes at
	// once, before other programs read the tree and move its access
	// times, which Rock Ridge records.
	img2 := filepath.Join(outDir, "again.iso")
	mustRun(t, "master", "-o", img2, "--volume-id", "MYVOL", "--time", "2024-01-02T03:04:05Z", dir)
	a, _ := os.ReadFile(img)
	b, _ := os.ReadFile(img2)
	if !bytes.Equal(a, b) {
		at := 0
		for at < len(a) && at < len(b) && a[at] == b[at] {
			at++
		}
		t.Errorf("two runs with --time differ (%d and %d bytes; first difference at byte %d, sector %d)", len(a), len(b), at, at/2048)
	}
	o, e, err := oracle.Try("xorriso", "-indev", img, "-compare_r", dir, "/")
	if err != nil || strings.Contains(o+e, "Differences detected") {
		t.Errorf("xorriso -compare_r: %v\n%s%s", err, o, e)
	}
	if d := oracle.Run(t, "isoinfo", "-d", "-i", img); !strings.Contains(d, "Volume id: MYVOL") || !strings.Contains(d, "Joliet") {
		t.Errorf("isoinfo -d:\n%s", d)
	}
	if l := oracle.Run(t, "isoinfo", "-R", "-l", "-i", img); !strings.Contains(l, "link -> a.txt") {
		t.Errorf("isoinfo -R -l lacks the link:\n%s", l)
	}
	ents, _ := os.ReadDir(outDir)
	if len(ents) != 2 {
		t.Errorf("output directory holds %d entries, want 2 (no temporary files)", len(ents))
	}
}

func TestMasterErrors(t *testing.T) {
	dir := masterTestDir(t)
	outDir := t.TempDir()
	img := filepath.Join(outDir, "out.iso")
	if out, code := run(t, "master", "-o", img, "--no-rock-ridge", dir); code != exitcodes.BadName || !strings.Contains(out, "/link") {
		t.Errorf("symbolic link without Rock Ridge: exit %d, want %d, naming /link:\n%s", code, exitcodes.BadName, out)
	}
	if _, code := run(t, "master", dir); code != exitcodes.Usage {
		t.Errorf("without -o: exit %d, want %d", code, exitcodes.Usage)
	}
	if _, code := run(t, "master", "-o", img, "--time", "yesterday", dir); code != exitcodes.Usage {
		t.Errorf("bad --time: exit %d, want %d", code, exitcodes.Usage)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("failed runs left %d files", len(ents))
	}
}

// TestMasterRRMoved masters a tree 10 levels deep: in place by default,
// as xorriso writes it, and relocated into rr_moved with --rr-moved.
func TestMasterRRMoved(t *testing.T) {
	oracle.Need(t, "xorriso", "isoinfo")
	dir := filepath.Join(t.TempDir(), "src")
	deep := filepath.Join(dir, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deep, "x.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, relocate := range []bool{false, true} {
		img := filepath.Join(t.TempDir(), "out.iso")
		args := []string{"master", "-o", img, dir}
		if relocate {
			args = []string{"master", "--rr-moved", "-o", img, dir}
		}
		mustRun(t, args...)
		o, e, err := oracle.Try("xorriso", "-indev", img, "-compare_r", dir, "/")
		if err != nil || strings.Contains(o+e, "Differences detected") {
			t.Errorf("%v: xorriso -compare_r: %v\n%s%s", args, err, o, e)
		}
		plain := oracle.Run(t, "isoinfo", "-f", "-i", img)
		if got := strings.Contains(plain, "/RR_MOVED\n"); got != relocate {
			t.Errorf("%v: isoinfo -f shows RR_MOVED: %v, want %v:\n%s", args, got, relocate, plain)
		}
		if !relocate && !strings.Contains(plain, "/A/B/C/D/E/F/G/H/I/J/X.TXT;1") {
			t.Errorf("%v: isoinfo -f lacks the file in place:\n%s", args, plain)
		}
	}
}
