//go:build linux && cgo && fuse3

package cgofuse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
)

// TestLinkTargetMapping: unit cases of the target mapping; ".", ".."
// and empty names (a leading or doubled "/") stay as they are.
func TestLinkTargetMapping(t *testing.T) {
	for disc, shown := range map[string]string{
		"a:b":             "a\uF03Ab",
		"../dir /CON.txt": "../dir\uF020/CO\uF04E.txt",
		"/abs/q?/./x.":    "/abs/q\uF03F/./x\uF02E",
		"plain/name":      "plain/name",
		"":                "",
	} {
		if got := outTarget(disc); got != shown {
			t.Errorf("outTarget(%q) = %q, want %q", disc, got, shown)
		}
		if got := inTarget(shown); got != disc {
			t.Errorf("inTarget(%q) = %q, want %q", shown, got, disc)
		}
	}
	// As WinFsp passes it: the characters it decodes come back decoded.
	if got := inTarget("dir\uF020/a:b"); got != "dir /a:b" {
		t.Errorf("inTarget of a WinFsp-decoded target = %q", got)
	}
	// A name the mapping gives for no disc name is kept as given.
	if got := inTarget("x/a\uF041"); got != "x/a\uF041" {
		t.Errorf("inTarget of an unmapped name = %q", got)
	}
}

// TestWindowsNamesLinkTargets mounts with core.Options.WindowsNames:
// a link's target shows each of its names mapped as the names of the
// listing are, so a link to "a:b" leads to the file shown as
// a\uF03Ab; a link made through the mount to a shown name holds the
// disc's name (isoinfo reads the Rock Ridge link).
func TestWindowsNamesLinkTargets(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "isoinfo")
	img, area := imageArea(t)
	mnt := t.TempDir()
	// Made before the mount, as a disc's links come: their targets
	// hold the disc's names.
	if _, err := area.MkdirPath("/sub.", 0o755, 0, 0); err != nil {
		t.Fatal(err)
	}
	_, h, err := area.CreatePath("/sub./a:b", 0o644, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.WriteAt([]byte("colon"), 0); err != nil {
		t.Fatal(err)
	}
	h.Release()
	for link, to := range map[string]string{"/rel": "sub./a:b", "/up": "../x/CON"} {
		if _, err := area.SymlinkPath(link, to, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := Mount(mnt, area, core.Options{WindowsNames: true, DirectMount: directMount(), Commit: staging.CommitOptions{VolumeID: "LINKS"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for i := 0; srv.Unmount() != nil; i++ {
			if i == 600 {
				t.Error("unmount: busy")
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		srv.Wait()
	}()

	for link, want := range map[string]string{"rel": "sub\uF02E/a\uF03Ab", "up": "../x/CO\uF04E"} {
		if got, err := os.Readlink(filepath.Join(mnt, link)); err != nil || got != want {
			t.Errorf("readlink %s: %q, %v; want %q", link, got, err, want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "rel")); err != nil || string(b) != "colon" {
		t.Errorf("read through the link: %q, %v", b, err)
	}
	// A link made through the mount to a shown name.
	if err := os.Symlink("sub\uF02E/a\uF03Ab", filepath.Join(mnt, "made")); err != nil {
		t.Fatal(err)
	}
	if got, err := area.ReadlinkPath("/made"); err != nil || got != "sub./a:b" {
		t.Errorf("the disc's target of the link made: %q, %v; want %q", got, err, "sub./a:b")
	}
	if got, err := os.Readlink(filepath.Join(mnt, "made")); err != nil || got != "sub\uF02E/a\uF03Ab" {
		t.Errorf("readlink made: %q, %v", got, err)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "made")); err != nil || string(b) != "colon" {
		t.Errorf("read through the link made: %q, %v", b, err)
	}
	if err := os.WriteFile(filepath.Join(mnt, core.ControlName, "ctl"), []byte("commit\n"), 0); err != nil {
		t.Fatal(err)
	}
	if err := area.Wait(); err != nil {
		t.Fatal(err)
	}
	list := oracle.Run(t, "isoinfo", "-R", "-l", "-i", img)
	for _, want := range []string{"made -> sub./a:b", "rel -> sub./a:b", "up -> ../x/CON"} {
		if !strings.Contains(list, want) {
			t.Errorf("isoinfo does not show %q:\n%s", want, list)
		}
	}
	// The sessions view maps the targets too.
	if got, err := os.Readlink(filepath.Join(mnt, core.ControlName, "sessions", "1", "made")); err != nil || got != "sub\uF02E/a\uF03Ab" {
		t.Errorf("readlink in session 1: %q, %v", got, err)
	}
}
