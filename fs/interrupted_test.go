//go:build linux

package fs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/discstage/discstage/internal/interrupt"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/writer/mmc"
	"github.com/discstage/discstage/writer/mmc/emu"
)

// interruptAndClose burns a session on the emulated medium that stops
// after a few writes, then closes it as a later burn would: the medium's
// newest session is then incomplete.
func interruptAndClose(t *testing.T, data, profile string) {
	t.Helper()
	interrupt.Burn(t, data, profile, 3, map[string]string{"partial.bin": strings.Repeat("x", 2<<20)})
	e, err := emu.Open(data, profile)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d2, err := mmc.Open(e.Attach(), "emulated", mmc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if in, err := d2.CloseDamaged(); err != nil || in == nil {
		t.Fatalf("close the interrupted burn: %v, %v", in, err)
	}
	m, err := d2.Probe()
	if err != nil || len(m.Sessions) < 2 || !m.Sessions[len(m.Sessions)-1].Incomplete {
		t.Fatalf("after closing: %+v, %v", m, err)
	}
}

// TestMountOverIncompleteNewest: a medium whose newest session an
// interrupted burn left incomplete mounts with the newest readable
// session, says so in status, keeps the staged files, and commits on top;
// append over such a medium builds on the newest readable session too.
func TestMountOverIncompleteNewest(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "go", "xorriso")
	bin := buildBinary(t)
	work := t.TempDir()
	m := newCampaignMedium(work, "dvd+r")
	area, mnt, ref := filepath.Join(work, "area"), filepath.Join(work, "mnt"), filepath.Join(work, "ref")
	os.Mkdir(mnt, 0o755)
	os.Mkdir(ref, 0o755)
	c, err := startMountE(t, bin, m.spec, area, mnt)
	if err != nil {
		t.Fatal(err)
	}
	writeBoth(t, mnt, ref, "a.txt", []byte("session one"))
	if out, code := discstage(t, bin, "commit", mnt); code != 0 {
		t.Fatalf("commit: exit %d\n%s", code, out)
	}
	writeBoth(t, mnt, ref, "staged/b.txt", []byte("staged, waiting"))
	if out, code := discstage(t, bin, "unmount", mnt); code != 0 {
		t.Fatalf("unmount: exit %d\n%s", code, out)
	}
	<-c.done
	interruptAndClose(t, m.data, "dvd+r")

	// append builds on session 1, the newest readable one (on a copy).
	cp := newCampaignMedium(t.TempDir(), "dvd+r")
	for _, p := range [][2]string{{m.data, cp.data}, {emu.StatePath(m.data), emu.StatePath(cp.data)}} {
		b, err := os.ReadFile(p[0])
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(p[1], b, 0o644)
	}
	extra := filepath.Join(t.TempDir(), "extra.txt")
	os.WriteFile(extra, []byte("appended"), 0o644)
	if out, code := discstage(t, bin, "append", cp.spec, extra); code != 0 || !strings.Contains(out, "session 3") {
		t.Errorf("append over an incomplete newest session: exit %d\n%s", code, out)
	}
	appended := t.TempDir()
	os.WriteFile(filepath.Join(appended, "a.txt"), []byte("session one"), 0o644)
	os.WriteFile(filepath.Join(appended, "extra.txt"), []byte("appended"), 0o644)
	tl := &tally{}
	checkMedium(t, bin, cp, appended, tl, "append")

	// The mount shows session 1 and the staged file, and says why.
	if c, err = startMountE(t, bin, m.spec, area, mnt); err != nil {
		t.Fatalf("mount over an incomplete newest session: %v", err)
	}
	diffDirs(t, ref, mnt)
	out, code := discstage(t, bin, "status", mnt)
	if code != 0 || !strings.Contains(out, "session 2 at LBA") || !strings.Contains(out, "incomplete") || !strings.Contains(out, "newest readable session is session 1") {
		t.Errorf("status over an incomplete newest session: exit %d\n%s", code, out)
	}
	if out, code := discstage(t, bin, "commit", mnt); code != 0 || !strings.Contains(out, "session 3 written") {
		t.Fatalf("commit over an incomplete newest session: exit %d\n%s", code, out)
	}
	if s := status(t, mnt); s.MediumNote != "" {
		t.Errorf("status after the commit still notes: %s", s.MediumNote)
	}
	if out, code := discstage(t, bin, "unmount", mnt); code != 0 {
		t.Fatalf("unmount: exit %d\n%s", code, out)
	}
	<-c.done
	checkMedium(t, bin, m, ref, tl, "commit")
	for _, p := range tl.problems {
		t.Error(p)
	}
}
