package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/exitcodes"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/writer/mmc/emu"
)

func TestDrivesNoneFound(t *testing.T) {
	empty := t.TempDir()
	if out := mustRun(t, "drives", "--dev-dir", empty); strings.TrimSpace(out) != "no drives found" {
		t.Fatalf("drives with no drives: %q", out)
	}
	if out := mustRun(t, "drives", "--dev-dir", empty, "--json"); !strings.Contains(out, `"drives": []`) || !strings.Contains(out, `"format": 1`) {
		t.Fatalf("drives --json with no drives: %q", out)
	}
}

// TestDrivesEmulated burns to an emulated DVD+R from the command line and
// lists it with `drives`; isoinfo reads the sessions from the data file.
func TestDrivesEmulated(t *testing.T) {
	oracle.Need(t, "isoinfo")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "disc.img")
	target := "emulated:dvd+r:" + img
	mustRun(t, "append", target, src)
	if err := os.WriteFile(filepath.Join(src, "b.txt"), []byte("two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "append", target, src)

	var doc drivesJSON
	out := mustRun(t, "drives", "--json", "--device", target)
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	reports := doc.Drives
	if doc.Format != jsonFormat || len(reports) != 1 || reports[0].Medium == nil {
		t.Fatalf("drives --json:\n%s", out)
	}
	m := reports[0].Medium
	if m.Profile != "dvd+r" || m.State != "appendable" || len(m.Sessions) != 2 || m.Sessions[0].StartLBA != 0 ||
		m.Sessions[1].StartLBA%16 != 0 || m.FreeSectors == nil || *m.FreeSectors != int64(2_295_104-m.NextWritableLBA) {
		t.Fatalf("medium: %+v", m)
	}
	// drives and sessions describe a medium in the same words.
	var med mediumJSON
	if err := json.Unmarshal([]byte(mustRun(t, "sessions", "--json", target)), &med); err != nil {
		t.Fatal(err)
	}
	if med.Format != jsonFormat || med.NextWritableLBA != m.NextWritableLBA || *med.FreeSectors != *m.FreeSectors ||
		len(med.Sessions) != 2 || med.Sessions[1].StartLBA != m.Sessions[1].StartLBA || med.Sessions[1].Sectors != m.Sessions[1].Sectors {
		t.Errorf("sessions --json %+v, drives --json %+v", med, m)
	}
	ls := oracle.Run(t, "isoinfo", "-R", "-T", fmt.Sprint(m.Sessions[1].StartLBA), "-f", "-i", img)
	if !strings.Contains(ls, "/a.txt") || !strings.Contains(ls, "/b.txt") {
		t.Fatalf("isoinfo reads session 2:\n%s", ls)
	}
	if out := mustRun(t, "sessions", target); !strings.Contains(out, fmt.Sprintf(" %d ", m.Sessions[1].StartLBA)) {
		t.Fatalf("sessions:\n%s", out)
	}
	text := mustRun(t, "drives", "--device", target)
	if !strings.Contains(text, "medium:   dvd+r, appendable, 2 session(s)") {
		t.Fatalf("drives:\n%s", text)
	}

	// Finalize, then a further session is refused with the Closed code.
	if err := os.WriteFile(filepath.Join(src, "c.txt"), []byte("three\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "append", "--close", target, src)
	if out, code := run(t, "append", target, src); code != exitcodes.Closed {
		t.Fatalf("append to a closed disc: exit %d\n%s", code, out)
	}
	if text := mustRun(t, "drives", "--device", target); !strings.Contains(text, "dvd+r, closed, 3 session(s)") {
		t.Fatalf("drives after closing:\n%s", text)
	}
}

func TestDriveErrorsExitCodes(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a.txt"), make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	// A write error at a chosen sector: the Medium code and the LBA.
	img := filepath.Join(dir, "cd.img")
	e, err := emu.Open(img, "cd-r")
	if err != nil {
		t.Fatal(err)
	}
	bad := uint32(100)
	if err := e.SetFaults(emu.Faults{WriteErrorLBA: &bad}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	out, code := run(t, "append", "emulated:cd-r:"+img, src)
	if code != exitcodes.Medium || !strings.Contains(out, "write error") || !strings.Contains(out, "LBA 100") {
		t.Fatalf("write error: exit %d\n%s", code, out)
	}
	// Bad emulated specs.
	if out, code := run(t, "sessions", "emulated:cd-x:"+img); code != exitcodes.NoTarget {
		t.Fatalf("unknown profile: exit %d\n%s", code, out)
	}
	if out, code := run(t, "sessions", "emulated:cd-r"); code != exitcodes.Usage {
		t.Fatalf("no path: exit %d\n%s", code, out)
	}
	if out, code := run(t, "append", "--media", "cd-r", "emulated:cd-r:"+img, src); code != exitcodes.Usage {
		t.Fatalf("--media with a drive: exit %d\n%s", code, out)
	}
}

// TestDrivesEjectAndBlank ejects an emulated drive's medium and blanks a
// CD-RW; image files are refused as not being drives.
func TestDrivesEjectAndBlank(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "rw.img")
	target := "emulated:cd-rw:" + img
	mustRun(t, "append", target, src)
	mustRun(t, "drives", "eject", target)
	b, err := os.ReadFile(emu.StatePath(img))
	if err != nil || !strings.Contains(string(b), `"removed": true`) {
		t.Fatalf("state after eject: %s %v", b, err)
	}
	mustRun(t, "drives", "blank", target)
	if text := mustRun(t, "drives", "--device", target); !strings.Contains(text, "cd-rw, blank, 0 session(s)") {
		t.Fatalf("after blanking:\n%s", text)
	}
	if out, code := run(t, "drives", "blank", "emulated:cd-r:"+filepath.Join(dir, "r.img")); code != exitcodes.Medium {
		t.Fatalf("blanking a CD-R: exit %d\n%s", code, out)
	}
	plain := filepath.Join(dir, "plain.iso")
	mustRun(t, "append", plain, src)
	if out, code := run(t, "drives", "eject", plain); code != exitcodes.Usage || !strings.Contains(out, "not a drive") {
		t.Fatalf("eject of an image: exit %d\n%s", code, out)
	}
}

// TestDrivesBlankMakesNoImage: drives blank on a name that is no drive
// and no file is no target (exit NoTarget, naming it), and makes no
// file of that name; on an image it is a usage error.
func TestDrivesBlankMakesNoImage(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.iso")
	out, code := run(t, "drives", "blank", typo)
	if code != exitcodes.NoTarget || !strings.Contains(out, typo) {
		t.Errorf("drives blank %s: exit %d, want %d (no target) naming it\n%s", typo, code, exitcodes.NoTarget, out)
	}
	img := filepath.Join(dir, "disc.iso")
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run(t, "drives", "blank", img); code != exitcodes.Usage {
		t.Errorf("drives blank %s: exit %d, want %d (usage)\n%s", img, code, exitcodes.Usage, out)
	}
	if _, err := os.Lstat(typo); err == nil {
		t.Errorf("drives blank %s made it", typo)
	}
}
