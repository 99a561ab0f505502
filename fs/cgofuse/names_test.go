//go:build linux && cgo && fuse3

package cgofuse

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/discstage/discstage/fs/core"
	"github.com/discstage/discstage/internal/oracle"
	"github.com/discstage/discstage/staging"
	"github.com/winfsp/cgofuse/fuse"
)

// TestNamePaths: the paths the system passes in map to disc paths; a
// name the mapping gives for no disc name names nothing, and cannot be
// made.
func TestNamePaths(t *testing.T) {
	for _, tc := range []struct{ in, disc string }{
		{"/", "/"},
		{"/plain/name.txt", "/plain/name.txt"},
		{"/a\uF03Ab", "/a:b"},
		{"/a:b", "/a:b"}, // as WinFsp passes what Windows shows as a\uF03Ab
		{"/dir\uF020/CO\uF04E.txt", "/dir /CON.txt"},
		{"/trail\uF02E", "/trail."},
		{"/\uF000\uF03A", "/\uF03A"},
		{"/\uF000:", "/\uF03A"}, // the same, decoded by WinFsp
		{"/.discstage/sessions/1/q\uF03F", "/.discstage/sessions/1/q?"},
	} {
		got, ok := inPath(tc.in)
		if !ok || got != tc.disc {
			t.Errorf("inPath(%q) = %q, %v; want %q", tc.in, got, ok, tc.disc)
		}
	}
	for _, p := range []string{"/a\uF041", "/CON", "/x./y", "/\uF000"} {
		if d, ok := inPath(p); ok {
			t.Errorf("inPath(%q) = %q, want none", p, d)
		}
	}
	if _, e := create("/a\uF041"); e != -fuse.EINVAL {
		t.Errorf("create of an unmapped name: %d, want EINVAL", e)
	}
	if _, e := create("/CON/x"); e != -fuse.ENOENT {
		t.Errorf("create under an unmapped folder: %d, want ENOENT", e)
	}
	for disc, shown := range map[string]string{".": ".", "..": "..", "a:b": "a\uF03Ab", "nul": "nu\uF06C", "x ": "x\uF020"} {
		if got := outName(disc); got != shown {
			t.Errorf("outName(%q) = %q, want %q", disc, got, shown)
		}
	}
}

// TestWindowsNamesThroughMount mounts with core.Options.WindowsNames,
// as the adapter always mounts on Windows: names Windows cannot show
// are made and listed through the mount under their mapped names, and
// the disc holds them as they are (isoinfo reads the Rock Ridge names).
func TestWindowsNamesThroughMount(t *testing.T) {
	oracle.NeedFuse(t)
	oracle.Need(t, "isoinfo")
	img, area := imageArea(t)
	mnt := t.TempDir()
	srv, err := Mount(mnt, area, core.Options{WindowsNames: true, DirectMount: directMount(), Commit: staging.CommitOptions{VolumeID: "NAMES"}})
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

	// The names as Windows shows them, and what the disc holds.
	shown := map[string]string{
		"a\uF03Ab":             "a:b",
		"q\uF03F":              "q?",
		"trail\uF02E":          "trail.",
		"CO\uF04E":             "CON",
		"pipe\uF07Cstar\uF02A": "pipe|star*",
		"\uF000\uF03A":         "\uF03A",
		"Plain.txt":            "Plain.txt",
	}
	for w := range shown {
		if err := os.WriteFile(filepath.Join(mnt, w), []byte(w), 0o644); err != nil {
			t.Fatalf("create %q: %v", w, err)
		}
	}
	if err := os.Mkdir(filepath.Join(mnt, "dir\uF020"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mnt, "dir\uF020", "nu\uF06C.txt"), []byte("in dir"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A name the mapping gives for no disc name cannot be made.
	if err := os.WriteFile(filepath.Join(mnt, "a\uF041"), nil, 0o644); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("create a\\uF041: %v, want EINVAL", err)
	}
	if _, err := os.Stat(filepath.Join(mnt, "CON")); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("stat CON: %v, want ENOENT (it shows as CO\\uF04E)", err)
	}
	// Renames map both names.
	if err := os.Rename(filepath.Join(mnt, "Plain.txt"), filepath.Join(mnt, "ends in space\uF020")); err != nil {
		t.Fatal(err)
	}
	delete(shown, "Plain.txt")
	shown["ends in space\uF020"] = "ends in space "

	listing := func(dir string) []string {
		t.Helper()
		des, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, d := range des {
			names = append(names, d.Name())
		}
		return names
	}
	want := []string{"dir\uF020"}
	for w := range shown {
		want = append(want, w)
	}
	slices.Sort(want)
	if got := listing(mnt); !slices.Equal(got, want) {
		t.Errorf("the mount lists\n%q\nwant\n%q", got, want)
	}
	// Each opens under its shown name with its content.
	for w := range shown {
		if w == "ends in space\uF020" {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(mnt, w)); err != nil || string(b) != w {
			t.Errorf("read %q: %q, %v", w, b, err)
		}
	}

	// The disc holds the names as they were made.
	if err := os.WriteFile(filepath.Join(mnt, core.ControlName, "ctl"), []byte("commit\n"), 0); err != nil {
		t.Fatal(err)
	}
	if err := area.Wait(); err != nil {
		t.Fatal(err)
	}
	list := oracle.Run(t, "isoinfo", "-R", "-f", "-i", img)
	for _, disc := range append(slices.Collect(maps.Values(shown)), "dir ", "dir /nul.txt") {
		if !slices.Contains(strings.Split(list, "\n"), "/"+disc) {
			t.Errorf("isoinfo does not list %q:\n%s", "/"+disc, list)
		}
	}
	// The sessions view shows them mapped too.
	if got := listing(filepath.Join(mnt, core.ControlName, "sessions", "1")); !slices.Equal(got, want) {
		t.Errorf("session 1 lists\n%q\nwant\n%q", got, want)
	}
	if b, err := os.ReadFile(filepath.Join(mnt, core.ControlName, "sessions", "1", "dir\uF020", "nu\uF06C.txt")); err != nil || string(b) != "in dir" {
		t.Errorf("read from session 1: %q, %v", b, err)
	}
}
